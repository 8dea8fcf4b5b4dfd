"""A small fake AWS for running the exported flows with ``sfnx.testing.run``.

``FakeAws`` is the ``tasks`` callback: it answers each Task the five flows
make (DynamoDB lock put/delete, SageMaker start/describe, the completion and
approval callbacks, request-response Lambdas, EventBridge putEvents), keeps
what they did (lock table, started pipelines, events), and can inject a
``Failure`` into any call by state name and attempt number.

The lock table and the SageMaker pipelines are the simulator's own fakes
(``ndr_workflows.simulate``: one condition evaluator, one item store, one
pipeline store), seen the way these tests look at them and failing with
sfnx's ``Failure``. The condition evaluator understands a tiny, explicit
grammar (``attribute_not_exists(path)``, ``operand = operand``, ``AND``,
``OR``, parentheses, ``#name`` / ``:value`` placeholders). Anything else
raises ``UnsupportedExpression`` (not a ``Failure``), so a test fails loudly
when the flow changes its expression instead of silently passing.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from unittest import mock

import sfnx.testing
from sfnx.testing import Call, Execution, Failure, run

from ndr_workflows.simulate import DynamoDB, SageMaker, StartedPipeline
from ndr_workflows.simulate import Failure as SimulatedFailure
from ndr_workflows.simulate.dynamodb import RESERVED, Condition, UnsupportedExpression  # noqa: F401 (re-exported)
from ndr_workflows.simulate.fakes import ACCOUNT, REGION

DOCS = Path(__file__).resolve().parents[2] / "docs" / "step_functions_jsonata"

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
# The lock table: the simulator's DynamoDB fake, keyed by (pk, sk).
# --------------------------------------------------------------------------

T = TypeVar("T")


def _sfnx_failure(answer: Callable[[], T]) -> T:
    """``answer()``, with the simulator's Failure raised as sfnx's."""
    try:
        return answer()
    except SimulatedFailure as failure:
        raise Failure(failure.error, failure.cause) from None


class _Items(MutableMapping):
    """A table's items keyed by ``(pk, sk)`` strings, over the simulator's
    store (keyed ``("S:<pk>", "S:<sk>")``): reads and writes go through."""

    def __init__(self, rows: dict[tuple[str, ...], dict]) -> None:
        self._rows = rows

    @staticmethod
    def _stored(key: tuple[str, str]) -> tuple[str, ...]:
        return tuple(f"S:{part}" for part in key)

    def __getitem__(self, key: tuple[str, str]) -> dict:
        return self._rows[self._stored(key)]

    def __setitem__(self, key: tuple[str, str], item: dict) -> None:
        self._rows[self._stored(key)] = item

    def __delitem__(self, key: tuple[str, str]) -> None:
        del self._rows[self._stored(key)]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return (_pair(stored) for stored in list(self._rows))

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        return repr(dict(self))


def _pair(stored: tuple[str, ...]) -> tuple[str, str]:
    pk, sk = (part.split(":", 1)[1] for part in stored)
    return pk, sk


class LockTable:
    """The lock table: items in DynamoDB attribute-value form, keyed by
    ``(pk, sk)`` string attributes; only the lock's table name is served."""

    def __init__(self, name: str = "${LockTableName}", dynamodb: DynamoDB | None = None) -> None:
        self.name = name
        self.dynamodb = dynamodb if dynamodb is not None else DynamoDB({name: ("pk", "sk")})

    @property
    def items(self) -> _Items:
        return _Items(self.dynamodb.tables.setdefault(self.name, {}))

    @property
    def history(self) -> list[tuple[str, tuple[str, str], str]]:
        """(operation, key, outcome) with outcome "ok" or "condition-failed"."""
        return [(operation, _pair(key), outcome) for operation, table, key, outcome in self.dynamodb.history if table == self.name]

    @staticmethod
    def key_of(attributes: Mapping[str, dict]) -> tuple[str, str]:
        for part in ("pk", "sk"):
            if part not in attributes or "S" not in attributes[part]:
                raise UnsupportedExpression(f"the key needs string attributes pk and sk: {attributes!r}")
        return attributes["pk"]["S"], attributes["sk"]["S"]

    def seed(self, item: Mapping[str, dict]) -> None:
        """Put an item directly (no condition), e.g. another execution's lock."""
        self.key_of(item)
        self.dynamodb.seed(self.name, item)

    def _check_table(self, arguments: Mapping) -> None:
        if arguments.get("TableName") != self.name:
            raise UnsupportedExpression(f"TableName {arguments.get('TableName')!r}, expected {self.name!r}")

    def put_item(self, arguments: Mapping) -> dict:
        self._check_table(arguments)
        self.key_of(arguments["Item"])
        return _sfnx_failure(lambda: self.dynamodb.put_item(arguments))

    def delete_item(self, arguments: Mapping) -> dict:
        self._check_table(arguments)
        key_attributes = arguments["Key"]
        if set(key_attributes) != {"pk", "sk"}:
            raise UnsupportedExpression(f"Key must be exactly pk and sk: {key_attributes!r}")
        self.key_of(key_attributes)
        return _sfnx_failure(lambda: self.dynamodb.delete_item(arguments))


# --------------------------------------------------------------------------
# The fake services.
# --------------------------------------------------------------------------


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
        self.sagemaker = SageMaker(describe_statuses)
        self.approval = {"approval_status": "APPROVED"} if approval is None else approval
        self.calls: list[Call] = []
        self.attempts: Counter[str] = Counter()
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

    @property
    def pipelines(self) -> list[StartedPipeline]:
        """The pipelines started, in order (the SageMaker fake's record)."""
        return self.sagemaker.started

    @property
    def describes(self) -> list[tuple[str, str, str]]:
        """(state, arn, status) per DescribePipelineExecution."""
        return self.sagemaker.describes

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
        # Stricter than the service, to catch a flow that changes its request.
        assert set(arguments) <= {"PipelineName", "PipelineParameters", "ClientRequestToken"}, arguments
        names = [entry.get("Name") for entry in arguments.get("PipelineParameters", [])]
        assert len(names) == len(set(names)), f"{state}: a parameter is given twice: {names}"
        return _sfnx_failure(lambda: self.sagemaker.start_pipeline_execution(state, arguments))

    def _describe(self, state: str, arguments: dict) -> dict:
        return _sfnx_failure(lambda: self.sagemaker.describe_pipeline_execution(state, arguments))

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
