"""Who answers a Task: mocks, handlers, injected faults, built-in fakes.

For each call, in this order:

1. the mocked response of the test case, when the state is mocked;
2. a failure injected with :meth:`Services.fail` for this attempt
   (``after_effect=False``);
3. ``handlers[state name]``, then ``handlers[Resource]``;
4. the built-in fake for the resource (DynamoDB, SageMaker, EventBridge,
   S3 objects for a Distributed Map's ItemReader, Lambda functions and
   callbacks given as callables or values);
5. a failure injected with ``after_effect=True`` (the service did the work,
   the answer was lost).

Nothing answers -> :class:`~.errors.SimulationError` naming the state.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..asl.error_names import DYNAMODB_PREFIX
from ..asl.resources import LAMBDA_INVOKE, PUT_EVENTS, SDK_PREFIX, STATES_PREFIX
from ..asl.resources import LAMBDA_INVOKE_CALLBACK as LAMBDA_CALLBACK
from .calls import Call, Delayed, Never
from .dynamodb import DynamoDB
from .errors import Failure, SimulationError
from .fakes import S3, EventBridge, SageMaker
from .map_config import GET_OBJECT, LIST_OBJECTS
from .mocks import NOT_MOCKED, Mocks

__all__ = ["Services", "Handler"]

Handler = Callable[[Call], Any]

_DYNAMODB = {"putItem": "put_item", "deleteItem": "delete_item", "getItem": "get_item", "updateItem": "update_item"}


@dataclass(frozen=True)
class _Fault:
    state: str
    error: str
    cause: str
    attempts: frozenset[int] | None
    after_effect: bool


class Services:
    """The fake AWS a simulation talks to. Stateful: reuse one object across
    runs to keep the lock table, the started pipelines and the events.

    ``lambdas``: FunctionName -> a callable ``(payload) -> result`` or a value,
    for request-response ``lambda:invoke`` (the result becomes the invoke
    result's ``Payload``). ``callbacks``: FunctionName -> callable or value for
    ``lambda:invoke.waitForTaskToken`` (the value IS the SendTaskSuccess
    output). ``handlers``: state name or Resource -> ``(Call) -> result``.
    Any of them may return :class:`~.calls.Delayed` or :data:`~.calls.NEVER`,
    or raise :class:`~.errors.Failure`."""

    def __init__(
        self,
        *,
        dynamodb: DynamoDB | None = None,
        sagemaker: SageMaker | None = None,
        events: EventBridge | None = None,
        lambdas: Mapping[str, Any] | None = None,
        callbacks: Mapping[str, Any] | None = None,
        handlers: Mapping[str, Handler] | None = None,
        s3: S3 | None = None,
    ) -> None:
        self.dynamodb = dynamodb if dynamodb is not None else DynamoDB()
        self.sagemaker = sagemaker if sagemaker is not None else SageMaker()
        self.events = events if events is not None else EventBridge()
        self.s3 = s3 if s3 is not None else S3()
        self.lambdas = dict(lambdas or {})
        self.callbacks = dict(callbacks or {})
        self.handlers = dict(handlers or {})
        self._faults: list[_Fault] = []

    def fail(
        self,
        state: str,
        error: str,
        cause: str = "",
        *,
        attempts: int | Iterable[int] | None = None,
        after_effect: bool = False,
    ) -> Services:
        """Make ``state`` fail with ``error`` on the given 1-based attempts
        (its calls counted per execution; None: every attempt)."""
        chosen = None if attempts is None else frozenset([attempts] if isinstance(attempts, int) else attempts)
        self._faults.append(_Fault(state, error, cause, chosen, after_effect))
        return self

    def _fault(self, state: str, attempt: int, after_effect: bool) -> Failure | None:
        for fault in self._faults:
            if fault.state == state and fault.after_effect == after_effect and (fault.attempts is None or attempt in fault.attempts):
                return Failure(fault.error, fault.cause)
        return None

    def bind(self, mocks: Mocks | None) -> _Answerer:
        return _Answerer(self, mocks)

    # ---- built-in fakes -------------------------------------------------

    def builtin(self, call: Call) -> Any:
        resource, arguments, state = call.resource, call.arguments, call.state
        if resource.startswith(SDK_PREFIX):
            service, _, operation = resource[len(SDK_PREFIX) :].partition(":")
            if service == "dynamodb" and operation in _DYNAMODB:
                return getattr(self.dynamodb, _DYNAMODB[operation])(arguments, "DynamoDb")
            if service == "sagemaker" and operation == "startPipelineExecution":
                return self.sagemaker.start_pipeline_execution(state, arguments)
            if service == "sagemaker" and operation == "describePipelineExecution":
                return self.sagemaker.describe_pipeline_execution(state, arguments)
            if service == "eventbridge" and operation == "putEvents":
                return self.events.put_events(arguments, "EventBridge")
            return NOT_MOCKED
        if resource.startswith(STATES_PREFIX + "dynamodb:") and resource.rsplit(":", 1)[1] in _DYNAMODB:
            return getattr(self.dynamodb, _DYNAMODB[resource.rsplit(":", 1)[1]])(arguments, DYNAMODB_PREFIX)
        if resource == PUT_EVENTS:
            answer = self.events.put_events(arguments, "EventBridge")
            if answer["FailedEntryCount"]:  # the optimized integration fails the Task then
                raise Failure("EventBridge.FailedEntry", json.dumps(answer, separators=(",", ":")))
            return answer
        if resource == GET_OBJECT:
            found = self.s3.get_object(arguments)
            return NOT_MOCKED if found is None else found
        if resource == LIST_OBJECTS:
            listing = self.s3.list_objects(arguments)
            return NOT_MOCKED if listing is None else listing
        if resource == LAMBDA_INVOKE:
            function = arguments.get("FunctionName") if isinstance(arguments, Mapping) else None
            if not isinstance(function, str) or function not in self.lambdas:
                return NOT_MOCKED
            answer = self._call(self.lambdas[function], arguments.get("Payload"))
            if isinstance(answer, (Delayed, Never)):
                return answer
            return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": answer}
        if resource == LAMBDA_CALLBACK:
            function = arguments.get("FunctionName") if isinstance(arguments, Mapping) else None
            payload = arguments.get("Payload") if isinstance(arguments, Mapping) else None
            if isinstance(function, str) and function in self.callbacks:
                return self._call(self.callbacks[function], payload)
            expected = payload.get("expected_pipeline_execution_arn") if isinstance(payload, Mapping) else None
            if isinstance(expected, str) and self.sagemaker.knows(expected):
                return self.sagemaker.completion(expected)
            return NOT_MOCKED
        if resource.startswith("arn:aws:lambda:") and resource in self.lambdas:
            return self._call(self.lambdas[resource], arguments)
        return NOT_MOCKED

    @staticmethod
    def _call(answer: Any, payload: Any) -> Any:
        return answer(payload) if callable(answer) else answer


class _Answerer:
    """The services bound to one execution's mocks."""

    __slots__ = ("services", "mocks")

    def __init__(self, services: Services, mocks: Mocks | None) -> None:
        self.services = services
        self.mocks = mocks

    def store(self, bucket: str, key: str, body: str) -> None:
        """What a Distributed Map's ResultWriter writes: into the S3 fake."""
        self.services.s3.put(bucket, key, body)
        self.services.s3.written.append((bucket, key))

    def answer(self, call: Call, invocation: int, interpreter: Any) -> Any:
        if self.mocks is not None:
            mocked = self.mocks.answer(call.state, invocation)
            if mocked is not NOT_MOCKED:
                if isinstance(mocked, Failure):
                    raise Failure(mocked.error, mocked.cause)
                return mocked
        services = self.services
        if services._faults:
            fault = services._fault(call.state, invocation + 1, False)
            if fault is not None:
                raise fault
        handler = services.handlers.get(call.state) or services.handlers.get(call.resource)
        answer = handler(call) if handler is not None else services.builtin(call)
        if answer is NOT_MOCKED:
            raise SimulationError(
                f"{call.state}: nothing answers {call.resource} (no mock for this state, no handler, no built-in fake"
                + (f" for FunctionName {call.arguments.get('FunctionName')!r}" if isinstance(call.arguments, Mapping) and "FunctionName" in call.arguments else "")
                + (f" holding {_object_name(call.arguments)}" if call.resource in (GET_OBJECT, LIST_OBJECTS) else "")
                + ")"
            )
        if services._faults:
            fault = services._fault(call.state, invocation + 1, True)
            if fault is not None:
                raise fault
        return answer


def _object_name(arguments: Any) -> str:
    """s3://bucket/key (or the listed prefix) of an ItemReader's call."""
    if not isinstance(arguments, Mapping):
        return "the object"
    return f"s3://{arguments.get('Bucket', '')}/{arguments.get('Key', arguments.get('Prefix', ''))}"
