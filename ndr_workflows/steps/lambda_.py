"""Invoke a Lambda function, request-response or as a callback."""

from __future__ import annotations

from ..asl.resources import LAMBDA_INVOKE as INVOKE_RESOURCE
from ..asl.resources import LAMBDA_INVOKE_CALLBACK as CALLBACK_INVOKE_RESOURCE
from ..expressions import STATES_RESULT, iter_exprs
from ..model import Fragment, Task
from ..model.errors import Problem
from .errors import TO_FAILURE, catch_all, transient_retry

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..expressions import Expr, Template
    from ..model import Retry
    from .errors import OnError

__all__ = ["INVOKE_RESOURCE", "CALLBACK_INVOKE_RESOURCE", "PAYLOAD", "invoke_lambda"]


# What a request-response invoke returns: the function's value is in Payload.
PAYLOAD = STATES_RESULT.field("Payload")


def invoke_lambda(
    name: str,
    *,
    function: str,
    payload: Template,
    assign: dict[str, Template] | None = None,
    output: Template = None,
    callback: bool = False,
    timeout_seconds: int | Expr | None = None,
    heartbeat_seconds: int | Expr | None = None,
    retry: tuple[Retry, ...] | None = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """Call ``function`` (usually a placeholder ARN) with ``payload``.

    Request-response (default): the function's return value is
    ``$states.result.Payload`` (:data:`PAYLOAD`). With ``callback=True`` the
    task waits for SendTaskSuccess, whose output *is* ``$states.result`` (no
    ``Payload``); the payload must then carry ``$states.context.Task.Token``
    and a ``timeout_seconds`` is required.
    """
    fragment = Fragment.of(
        Task(
            name=name,
            resource=CALLBACK_INVOKE_RESOURCE if callback else INVOKE_RESOURCE,
            arguments={"FunctionName": function, "Payload": payload},
            assign=assign,
            output=output,
            timeout_seconds=timeout_seconds,
            heartbeat_seconds=heartbeat_seconds,
            retry=transient_retry("lambda") if retry is None else retry,
            catch=catch_all(name, on_error),
        )
    )
    if callback:
        if not any("$states.context.Task.Token" in e.text for _, e in iter_exprs(payload)):
            fragment = fragment.with_problem(
                Problem(name, "CALLBACK_WITHOUT_TOKEN", "a callback task's payload must pass the task token", "add 'taskToken': TASK_TOKEN to the payload")
            )
        if timeout_seconds is None:
            fragment = fragment.with_problem(
                Problem(name, "CALLBACK_WITHOUT_TIMEOUT", "a callback task without TimeoutSeconds can wait for the execution's whole lifetime", "pass timeout_seconds")
            )
        reads = [e.text for _, e in iter_exprs(assign) + iter_exprs(output)]
        if any("$states.result.Payload" in t for t in reads):
            fragment = fragment.with_problem(
                Problem(name, "CALLBACK_RESULT_HAS_NO_PAYLOAD", "a callback task's result is the SendTaskSuccess output itself; it has no Payload", "read $states.result.<field> directly")
            )
    return fragment
