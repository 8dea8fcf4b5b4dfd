"""A small fake AWS for running the exported flows with ``sfnx.testing.run``.

``FakeAws`` is the ``tasks`` callback: it answers each Task the five flows
make (DynamoDB lock put/delete, SageMaker start/describe, the completion and
approval callbacks, request-response Lambdas, EventBridge putEvents), keeps
what they did (lock table, started pipelines, events), and can inject a
``Failure`` into any call by state name and attempt number.

The lock table evaluates the flow's ``ConditionExpression`` with a tiny,
explicit evaluator (``attribute_not_exists(path)``, ``operand = operand``,
``AND``, ``OR``, parentheses, ``#name`` / ``:value`` placeholders). Anything
else raises ``UnsupportedExpression`` (not a ``Failure``), so a test fails
loudly when the flow changes its expression instead of silently passing.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import sfnx.testing
from sfnx.testing import Call, Execution, Failure, run

DOCS = Path(__file__).resolve().parent.parent / "docs" / "step_functions_jsonata"

ACCOUNT = "123456789012"
REGION = "us-east-1"
START_TIME = "2025-03-01T00:07:12.345Z"
# What sfnx.testing gives every execution unless run_flow overrides the name.
DEFAULT_EXECUTION_NAME = "execution"

PUT_ITEM = "arn:aws:states:::aws-sdk:dynamodb:putItem"
DELETE_ITEM = "arn:aws:states:::aws-sdk:dynamodb:deleteItem"
START_PIPELINE = "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution"
DESCRIBE_PIPELINE = "arn:aws:states:::aws-sdk:sagemaker:describePipelineExecution"
LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
LAMBDA_CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"
PUT_EVENTS = "arn:aws:states:::events:putEvents"

COMPLETION_CALLBACK = "${PipelineCompletionCallbackLambdaArn}"
HUMAN_APPROVAL = "${HumanApprovalLambdaArn}"

CONDITION_FAILED = "DynamoDb.ConditionalCheckFailedException"


def execution_id(name: str = DEFAULT_EXECUTION_NAME) -> str:
    """The execution ARN sfnx.testing uses (with the given name)."""
    return f"arn:aws:states:{REGION}:{ACCOUNT}:execution:machine:{name}"


def load_definition(name: str) -> dict:
    """The committed export ``docs/step_functions_jsonata/<name>.json``."""
    return json.loads((DOCS / f"{name}.json").read_text())


# --------------------------------------------------------------------------
# DynamoDB condition expressions: the small grammar the lock uses.
# --------------------------------------------------------------------------


# The condition evaluator lives in the simulator's DynamoDB fake
# (ndr_workflows/simulate/dynamodb.py); this harness reuses it.
from ndr_workflows.simulate.dynamodb import RESERVED, Condition, UnsupportedExpression  # noqa: E402,F401
from ndr_workflows.simulate.dynamodb import check_attribute_value as _check_attribute_value  # noqa: E402


@dataclass
class LockTable:
    """Items keyed by (pk, sk), in DynamoDB attribute-value form."""

    name: str = "${LockTableName}"
    items: dict[tuple[str, str], dict] = field(default_factory=dict)
    # (operation, key, outcome) with outcome "ok" or "condition-failed".
    history: list[tuple[str, tuple[str, str], str]] = field(default_factory=list)

    @staticmethod
    def key_of(attributes: Mapping[str, dict]) -> tuple[str, str]:
        for part in ("pk", "sk"):
            if part not in attributes or "S" not in attributes[part]:
                raise UnsupportedExpression(f"the key needs string attributes pk and sk: {attributes!r}")
        return attributes["pk"]["S"], attributes["sk"]["S"]

    def seed(self, item: Mapping[str, dict]) -> None:
        """Put an item directly (no condition), e.g. another execution's lock."""
        self.items[self.key_of(item)] = copy.deepcopy(dict(item))

    def _condition(self, arguments: Mapping) -> Condition | None:
        text = arguments.get("ConditionExpression")
        if text is None:
            if "ExpressionAttributeNames" in arguments or "ExpressionAttributeValues" in arguments:
                raise UnsupportedExpression("placeholders without a ConditionExpression")
            return None
        return Condition(text, arguments.get("ExpressionAttributeNames"), arguments.get("ExpressionAttributeValues"))

    def _check_table(self, arguments: Mapping) -> None:
        if arguments.get("TableName") != self.name:
            raise UnsupportedExpression(f"TableName {arguments.get('TableName')!r}, expected {self.name!r}")

    def put_item(self, arguments: Mapping) -> dict:
        self._check_table(arguments)
        item = arguments["Item"]
        for name, value in item.items():
            _check_attribute_value(name, value)
        key = self.key_of(item)
        condition = self._condition(arguments)
        if condition is not None and not condition.evaluate(self.items.get(key)):
            self.history.append(("put", key, "condition-failed"))
            raise Failure(CONDITION_FAILED, "The conditional request failed (Service: DynamoDb, Status Code: 400)")
        self.items[key] = copy.deepcopy(dict(item))
        self.history.append(("put", key, "ok"))
        return {}

    def delete_item(self, arguments: Mapping) -> dict:
        self._check_table(arguments)
        key_attributes = arguments["Key"]
        if set(key_attributes) != {"pk", "sk"}:
            raise UnsupportedExpression(f"Key must be exactly pk and sk: {key_attributes!r}")
        key = self.key_of(key_attributes)
        condition = self._condition(arguments)
        if condition is not None and not condition.evaluate(self.items.get(key)):
            self.history.append(("delete", key, "condition-failed"))
            raise Failure(CONDITION_FAILED, "The conditional request failed (Service: DynamoDb, Status Code: 400)")
        self.items.pop(key, None)
        self.history.append(("delete", key, "ok"))
        return {}


# --------------------------------------------------------------------------
# The fake services.
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class StartedPipeline:
    state: str
    pipeline: str  # the PipelineName as written, e.g. "${PipelineName15m}"
    parameters: dict[str, str]
    token: str
    arn: str


@dataclass(frozen=True)
class Event:
    state: str
    source: str
    detail_type: str
    bus: str
    detail: object  # the Detail JSON text, parsed


@dataclass
class Fault:
    state: str
    failure: Failure
    attempts: frozenset[int] | None  # None: every attempt
    after_effect: bool  # apply the call, then fail (an ambiguous response)
    when: Callable[[Call], bool] | None


def _pipeline_short_name(placeholder: str) -> str:
    """``${PipelineName15m}`` -> ``pipelinename15m`` (a valid ARN segment)."""
    return re.sub(r"[^A-Za-z0-9-]", "", placeholder).lower() or "pipeline"


class FakeAws:
    """The ``tasks`` callback for ``sfnx.testing.run``.

    lambda_payloads: FunctionName -> the payload returned (or a function of
      the request payload returning it) for request-response invokes.
    describe_statuses: PipelineName placeholder (or "*") -> the statuses that
      successive describes of one execution return; the last one repeats.
    approval: the approval callback's output, ``{"approval_status": ...}``.
    """

    def __init__(
        self,
        *,
        lambda_payloads: Mapping[str, object] | None = None,
        describe_statuses: Mapping[str, list[str]] | None = None,
        approval: object = None,
        table: LockTable | None = None,
    ):
        self.table = table or LockTable()
        self.lambda_payloads = dict(lambda_payloads or {})
        self.describe_statuses = dict(describe_statuses or {"*": ["Succeeded"]})
        self.approval = {"approval_status": "APPROVED"} if approval is None else approval
        self.calls: list[Call] = []
        self.attempts: Counter[str] = Counter()
        self.pipelines: list[StartedPipeline] = []
        self._by_token: dict[str, StartedPipeline] = {}
        self._describe_count: Counter[str] = Counter()
        self.describes: list[tuple[str, str, str]] = []  # (state, arn, status)
        self.callbacks: list[tuple[str, dict]] = []  # (state, payload)
        self.invocations: list[tuple[str, str, object]] = []  # (state, function, payload)
        self.events: list[Event] = []
        self._faults: list[Fault] = []
        self._callback_failures: list[tuple[str, Failure, str | None]] = []
        self._before: dict[str, list[Callable[[FakeAws, Call], None]]] = {}

    # ---- scripting -------------------------------------------------------

    def fail(
        self,
        state: str,
        failure: Failure,
        *,
        attempts: int | tuple[int, ...] | None = None,
        after_effect: bool = False,
        when: Callable[[Call], bool] | None = None,
    ) -> FakeAws:
        """Make ``state``'s call raise ``failure`` on the given 1-based
        attempt numbers (None: every attempt). ``after_effect`` applies the
        call first (the service did it, the response was lost)."""
        chosen = None if attempts is None else frozenset((attempts,) if isinstance(attempts, int) else attempts)
        self._faults.append(Fault(state, failure, chosen, after_effect, when))
        return self

    def fail_callback(self, state: str, failure: Failure, *, mini_batch_id: str | None = None) -> FakeAws:
        """The completion callback of ``state`` sends SendTaskFailure (only
        for the pipeline started with that MiniBatchId, if given)."""
        self._callback_failures.append((state, failure, mini_batch_id))
        return self

    def before(self, state: str, hook: Callable[[FakeAws, Call], None]) -> FakeAws:
        """Run ``hook(fake, call)`` before answering each call of ``state``."""
        self._before.setdefault(state, []).append(hook)
        return self

    # ---- queries ---------------------------------------------------------

    def started(self, pipeline: str | None = None) -> list[StartedPipeline]:
        return [p for p in self.pipelines if pipeline is None or p.pipeline == pipeline]

    def pipeline_by_arn(self, arn: str) -> StartedPipeline | None:
        return next((p for p in self.pipelines if p.arn == arn), None)

    # ---- the callback ----------------------------------------------------

    def __call__(self, call: Call) -> object:
        self.calls.append(call)
        self.attempts[call.state] += 1
        attempt = self.attempts[call.state]
        for hook in self._before.get(call.state, []):
            hook(self, call)
        fault = next(
            (
                f
                for f in self._faults
                if f.state == call.state
                and (f.attempts is None or attempt in f.attempts)
                and (f.when is None or f.when(call))
            ),
            None,
        )
        if fault is not None and not fault.after_effect:
            raise fault.failure
        result = self._answer(call)
        if fault is not None:
            raise fault.failure
        return result

    def _answer(self, call: Call) -> object:
        resource, arguments = call.resource, call.arguments
        assert isinstance(arguments, dict), f"{call.state}: Arguments {arguments!r} is not an object"
        if resource == PUT_ITEM:
            return self.table.put_item(arguments)
        if resource == DELETE_ITEM:
            return self.table.delete_item(arguments)
        if resource == START_PIPELINE:
            return self._start_pipeline(call.state, arguments)
        if resource == DESCRIBE_PIPELINE:
            return self._describe(call.state, arguments)
        if resource == LAMBDA_CALLBACK:
            return self._callback(call.state, arguments)
        if resource == LAMBDA_INVOKE:
            return self._invoke(call.state, arguments)
        if resource == PUT_EVENTS:
            return self._put_events(call.state, arguments)
        raise AssertionError(f"{call.state}: the fake has no service for {resource}")

    def _start_pipeline(self, state: str, arguments: dict) -> dict:
        assert set(arguments) <= {"PipelineName", "PipelineParameters", "ClientRequestToken"}, arguments
        name = arguments["PipelineName"]
        token = arguments.get("ClientRequestToken")
        assert isinstance(token, str) and 32 <= len(token) <= 128, f"{state}: ClientRequestToken {token!r}"
        parameters: dict[str, str] = {}
        for entry in arguments.get("PipelineParameters", []):
            assert set(entry) == {"Name", "Value"}, entry
            assert isinstance(entry["Value"], str), f"{state}: parameter {entry['Name']} is not a string: {entry['Value']!r}"
            assert entry["Name"] not in parameters, f"{state}: parameter {entry['Name']} given twice"
            parameters[entry["Name"]] = entry["Value"]
        if token in self._by_token:  # SageMaker's idempotency
            known = self._by_token[token]
            assert known.pipeline == name and known.parameters == parameters, (
                f"{state}: ClientRequestToken reused with different arguments"
            )
            return {"PipelineExecutionArn": known.arn}
        arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{_pipeline_short_name(name)}/execution/{len(self.pipelines) + 1}"
        started = StartedPipeline(state, name, parameters, token, arn)
        self.pipelines.append(started)
        self._by_token[token] = started
        return {"PipelineExecutionArn": arn}

    def _describe(self, state: str, arguments: dict) -> dict:
        arn = arguments.get("PipelineExecutionArn")
        started = self.pipeline_by_arn(arn) if isinstance(arn, str) else None
        if started is None:
            raise Failure("SageMaker.ResourceNotFoundException", f"Pipeline execution {arn!r} does not exist")
        script = self.describe_statuses.get(started.pipeline, self.describe_statuses.get("*", ["Succeeded"]))
        index = min(self._describe_count[arn], len(script) - 1)
        self._describe_count[arn] += 1
        status = script[index]
        self.describes.append((state, arn, status))
        return {"PipelineExecutionArn": arn, "PipelineExecutionStatus": status}

    def _callback(self, state: str, arguments: dict) -> object:
        function = arguments.get("FunctionName")
        payload = arguments.get("Payload")
        assert isinstance(payload, dict), f"{state}: callback Payload {payload!r}"
        assert payload.get("taskToken"), f"{state}: the callback payload has no taskToken"
        self.callbacks.append((state, payload))
        if function == COMPLETION_CALLBACK:
            expected = payload.get("expected_pipeline_execution_arn")
            started = self.pipeline_by_arn(expected) if isinstance(expected, str) else None
            assert started is not None, f"{state}: waits for {expected!r}, which no state started"
            for failing_state, failure, mini_batch_id in self._callback_failures:
                if failing_state == state and (mini_batch_id is None or started.parameters.get("MiniBatchId") == mini_batch_id):
                    raise failure
            return {"pipeline_execution_arn": expected, "status": "Succeeded"}
        if function == HUMAN_APPROVAL:
            for failing_state, failure, _ in self._callback_failures:
                if failing_state == state:
                    raise failure
            return copy.deepcopy(self.approval)
        raise AssertionError(f"{state}: no callback scripted for {function}")

    def _invoke(self, state: str, arguments: dict) -> dict:
        function = arguments.get("FunctionName")
        payload = arguments.get("Payload")
        self.invocations.append((state, function, payload))
        if function not in self.lambda_payloads:
            raise AssertionError(f"{state}: no payload scripted for Lambda {function}")
        answer = self.lambda_payloads[function]
        result = answer(payload) if callable(answer) else copy.deepcopy(answer)
        return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": result}

    def _put_events(self, state: str, arguments: dict) -> dict:
        entries = arguments.get("Entries")
        assert isinstance(entries, list) and entries, f"{state}: Entries {entries!r}"
        ids = []
        for entry in entries:
            assert isinstance(entry.get("Detail"), str), f"{state}: Detail must be JSON text: {entry!r}"
            self.events.append(
                Event(state, entry.get("Source"), entry.get("DetailType"), entry.get("EventBusName"), json.loads(entry["Detail"]))
            )
            ids.append({"EventId": hashlib.sha1(f"{len(self.events)}".encode()).hexdigest()[:8]})
        return {"Entries": ids, "FailedEntryCount": 0}


# --------------------------------------------------------------------------
# Running.
# --------------------------------------------------------------------------


@contextmanager
def _execution_named(name: str) -> Iterator[None]:
    original = sfnx.testing.execution_context

    def named(execution_input, start_time):
        context = original(execution_input, start_time)
        context["Execution"] = {**context["Execution"], "Id": execution_id(name), "Name": name}
        return context

    with mock.patch.object(sfnx.testing, "execution_context", named):
        yield


def run_flow(
    definition: Mapping,
    execution_input: object,
    fake: FakeAws,
    *,
    start_time: str = START_TIME,
    execution_name: str | None = None,
    waits: list | None = None,
) -> Execution:
    """Run ``definition`` locally with ``fake`` answering the Tasks.
    ``execution_name`` changes the Context Object's Execution Name and Id;
    ``waits`` collects the Wait states that ran."""
    on_wait = waits.append if waits is not None else None
    if execution_name is None:
        return run(definition, execution_input, tasks=fake, start_time=start_time, on_wait=on_wait)
    with _execution_named(execution_name):
        return run(definition, execution_input, tasks=fake, start_time=start_time, on_wait=on_wait)
