"""Error handling shared by the builders: transient-error retries and the
failure record every Catch keeps on its way to ``WorkflowFailed``.

Error names are the ones each integration really raises (docs/asl_facts.md):
aws-sdk integrations say ``ServiceName.ErrorName`` with the SDK's PascalCase
service name and always the ``Exception`` suffix; unmodeled errors (throttling
among them) arrive as the service's base exception. The modeled names below
are checked against botocore's service models by the test suite
(``tests/asl/test_error_names.py``), so a typo cannot hide here.
"""

from __future__ import annotations

from ..expressions import ERROR_OUTPUT, Expr, expr, jsonata_literal, var
from ..model import ON_FAILURE, Catch, Fail, Goto, Retry, Rule
from ..model.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable
    from typing import Union

    from ..expressions import Template
    from ..model.base import Target

    Recorder = Callable[[str, Expr], tuple[dict[str, Template] | None, Template]]
    OnError = Union["ErrorRoute", Target, None]

__all__ = [
    "TRANSIENT_ERRORS",
    "transient_retry",
    "ErrorRoute",
    "TO_FAILURE",
    "failure_record",
    "catch_all",
    "workflow_failed",
    "FAILED_STATE_VARIABLE",
    "ERROR_VARIABLE",
    "to_failure",
]

# Errors worth retrying, per integration. Business errors (a failed
# condition, a validation error, a missing resource) are deliberately absent.
TRANSIENT_ERRORS: dict[str, tuple[str, ...]] = {
    # aws-sdk:dynamodb:* (PutItem / DeleteItem / GetItem)
    "dynamodb": (
        "DynamoDb.ProvisionedThroughputExceededException",
        "DynamoDb.RequestLimitExceededException",
        "DynamoDb.ThrottlingException",
        "DynamoDb.InternalServerErrorException",
        "DynamoDb.DynamoDbException",
        "DynamoDb.SdkClientException",
    ),
    # aws-sdk:sagemaker:startPipelineExecution. Throttling is not modeled, so
    # it arrives as the base exception; ResourceLimitExceeded is the
    # concurrent-execution quota, which frees up.
    "sagemaker": (
        "SageMaker.SageMakerException",
        "SageMaker.SdkClientException",
        "SageMaker.ResourceLimitExceededException",
    ),
    # aws-sdk:sagemaker:describePipelineExecution models no quota error.
    "sagemaker:describe": (
        "SageMaker.SageMakerException",
        "SageMaker.SdkClientException",
    ),
    "sagemaker:describePipelineExecution": (
        "SageMaker.SageMakerException",
        "SageMaker.SdkClientException",
    ),
    # aws-sdk:s3:* : S3 models no throttling error; it arrives as the base exception.
    "s3": ("S3.S3Exception", "S3.SdkClientException"),
    # arn:aws:states:::states:startExecution(.sync:2): the quota of running
    # executions frees up; a failed child (States.TaskFailed) is never
    # retried, since that would run it again.
    "states": ("StepFunctions.ExecutionLimitExceededException", "StepFunctions.AWSStepFunctionsException"),
    # arn:aws:states:::lambda:invoke (and .waitForTaskToken): Lambda's own
    # service errors, never the function's errors.
    "lambda": (
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "Lambda.ClientExecutionTimeoutException",
    ),
    # arn:aws:states:::events:putEvents: the optimized integration fails
    # with EventBridge.FailedEntry when an entry was throttled or failed
    # (FailedEntryCount > 0). States.TaskFailed would also retry permission
    # and validation failures, which never succeed on retry.
    "events": ("EventBridge.FailedEntry",),
}


def transient_retry(
    integration: str,
    *,
    interval_seconds: int = 2,
    max_attempts: int = 4,
    backoff_rate: float = 2.0,
    max_delay_seconds: int = 60,
    jitter: str = "FULL",
) -> tuple[Retry, ...]:
    """The default Retry of a service call: backoff with full jitter."""
    return (
        Retry(
            TRANSIENT_ERRORS[integration],
            interval_seconds=interval_seconds,
            max_attempts=max_attempts,
            backoff_rate=backoff_rate,
            max_delay_seconds=max_delay_seconds,
            jitter=jitter,
        ),
    )


FAILED_STATE_VARIABLE = "workflow_failed_state"
ERROR_VARIABLE = "workflow_error"


def failure_record(state: str, error: Template) -> dict[str, Template]:
    """The Assign that keeps why the flow is failing: which state, and the
    ``{Error, Cause}`` object (``$states.errorOutput`` in a Catch)."""
    return {FAILED_STATE_VARIABLE: state, ERROR_VARIABLE: error}


class ErrorRoute(Record):
    """Where a builder's failures go and what they record on the way.

    ``record(state_name, error)`` returns ``(assign, output)`` for the
    transition; ``error`` is an expression for the ``{Error, Cause}`` object
    (``$states.errorOutput`` in a Catch, a built object in a Choice rule, as
    the polling form uses). The default records the failure for
    ``WorkflowFailed``.
    """

    __slots__ = ("next", "record")
    next: Target
    record: Recorder | None

    def __init__(self, next: Target = ON_FAILURE, record: Recorder | None = None) -> None:
        self._set(next=next, record=record)

    def transition(self, state: str, error: Expr) -> tuple[dict[str, Template] | None, Template]:
        if self.record is None:
            return failure_record(state, error), None
        return self.record(state, error)

    def catch(self, state: str, errors: tuple[str, ...] = ("States.ALL",)) -> Catch:
        """A Catch entry for ``state`` that follows this route."""
        assign, output = self.transition(state, ERROR_OUTPUT)
        return Catch(errors, self.next, assign=assign, output=output)

    def rule(self, state: str, condition: Expr, error: Expr) -> Rule:
        """A Choice rule that follows this route with ``error`` as the error object."""
        assign, output = self.transition(state, error)
        return Rule(condition, self.next, assign=assign, output=output)


TO_FAILURE = ErrorRoute()


def as_route(on_error: OnError) -> ErrorRoute | None:
    """Builders accept a route, a plain target (recorded the default way) or None."""
    if on_error is None or isinstance(on_error, ErrorRoute):
        return on_error
    return ErrorRoute(next=on_error)


def catch_all(state: str, on_error: OnError = TO_FAILURE) -> tuple[Catch, ...]:
    """``Catch States.ALL`` following ``on_error``, or nothing when it is None."""
    route = as_route(on_error)
    return () if route is None else (route.catch(state),)


def workflow_failed(error: str, name: str = "WorkflowFailed") -> Fail:
    """The flow's Fail state: its Cause keeps the state that failed and the
    original Error and Cause recorded by :func:`failure_record`."""
    failed, err = var(FAILED_STATE_VARIABLE), var(ERROR_VARIABLE)
    cause = expr(
        f"$substring('State ' & {failed.text} & ' failed with ' & {err.text}.Error & ': ' & {err.text}.Cause, 0, 32000)"
    )
    return Fail(name=name, error=error, cause=cause)


def to_failure(state: str, error: str, cause: Expr | str) -> Goto:
    """Go to the flow's failure handler recording ``error`` / ``cause`` as if
    ``state`` had failed with them: a branch of ``choose(...)`` that ends
    the run failed, saying why."""
    cause_text = cause.text if isinstance(cause, Expr) else jsonata_literal(cause)
    return Goto(ON_FAILURE, assign=failure_record(state, expr("{'Error': " + jsonata_literal(error) + ", 'Cause': " + cause_text + "}")))
