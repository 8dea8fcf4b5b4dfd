"""SageMaker pipelines: start one, and wait for it by callback or by polling.

``run_pipeline`` is what flows use: a start followed by a wait, where the
wait's form is one argument (``completion=CALLBACK`` or ``Polling(...)``),
so a flow can be exported either way without touching its module.
"""

from __future__ import annotations

from ..asl.resources import SAGEMAKER_DESCRIBE_PIPELINE as DESCRIBE_PIPELINE_RESOURCE
from ..asl.resources import SAGEMAKER_START_PIPELINE as START_PIPELINE_RESOURCE
from ..expressions import EXECUTION_ID, STATES_RESULT, TASK_TOKEN, Expr, context, expr, states_input, string_of, to_jsonata, var
from ..model import Fragment, Task, Wait
from ..model.errors import Problem
from ..model.record import Record
from .errors import TO_FAILURE, catch_all, transient_retry
from .loops import LoopNames, PollNames, bounded_loop
from .names import snake
from .lambda_ import CALLBACK_INVOKE_RESOURCE, invoke_lambda

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Union

    from ..expressions import Template
    from ..model import Retry
    from .errors import OnError

    Completion = Union["Callback", "Polling"]

__all__ = [
    "START_PIPELINE_RESOURCE",
    "DESCRIBE_PIPELINE_RESOURCE",
    "CALLBACK_RESOURCE",
    "COMPLETION_CALLBACK_FUNCTION",
    "client_request_token",
    "start_pipeline",
    "wait_for_callback",
    "poll_pipeline",
    "poll_names",
    "wait_label",
    "Callback",
    "Polling",
    "CALLBACK",
    "POLLING",
    "as_completion",
    "run_pipeline",
    "history_events",
]

CALLBACK_RESOURCE = CALLBACK_INVOKE_RESOURCE
COMPLETION_CALLBACK_FUNCTION = "${PipelineCompletionCallbackLambdaArn}"

DEFAULT_PIPELINE_TIMEOUT = 3 * 3600


def client_request_token(item_key: Template = None) -> Expr:
    """A deterministic idempotency token: the SHA-256 hex (64 characters,
    inside SageMaker's 32-128) of the execution Id, the state name and, in a
    Map, the item's key. A retried start reuses it, so SageMaker never starts
    a second pipeline; each backfill window still gets its own."""
    parts = [EXECUTION_ID.text, context("State.Name").text]
    if item_key is not None:
        parts.append(f"$string({to_jsonata(item_key)})")
    joined = " & '|' & ".join(parts)
    return expr(f"$hash({joined}, 'SHA-256')")


def start_pipeline(
    name: str,
    *,
    pipeline: str,
    parameters: dict[str, Template],
    arn_variable: str,
    token_key: Template = None,
    output: Template = None,
    extra_assign: dict[str, Template] | None = None,
    retry: tuple[Retry, ...] | None = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """``StartPipelineExecution`` with ``parameters`` (name -> value, values
    turned into strings), assigning the execution ARN to ``arn_variable``.

    ``pipeline`` is usually a placeholder such as ``"${PipelineName15m}"``.
    ``token_key`` distinguishes items of a Map (e.g. the item's
    ``mini_batch_id``) in the idempotency token.
    """
    assign: dict[str, Template] = {arn_variable: STATES_RESULT.field("PipelineExecutionArn")}
    assign.update(extra_assign or {})
    state = Task(
        name=name,
        resource=START_PIPELINE_RESOURCE,
        arguments={
            "PipelineName": pipeline,
            "PipelineParameters": [{"Name": k, "Value": string_of(v)} for k, v in parameters.items()],
            "ClientRequestToken": client_request_token(token_key),
        },
        assign=assign,
        output=output,
        retry=transient_retry("sagemaker") if retry is None else retry,
        catch=catch_all(name, on_error),
    )
    from ..model.checks import with_written

    # Values and the token's key are wrapped ($string(...), $hash(...)): judged as written.
    return with_written(Fragment.of(state), parameters, token_key)


def wait_for_callback(
    name: str,
    *,
    execution_arn: Template,
    function: str = COMPLETION_CALLBACK_FUNCTION,
    timeout_seconds: int | Expr = DEFAULT_PIPELINE_TIMEOUT,
    heartbeat_seconds: int | Expr | None = None,
    success_statuses: tuple[str, ...] = ("Succeeded",),
    failure_statuses: tuple[str, ...] = ("Failed", "Stopped"),
    output: Template = None,
    assign: dict[str, Template] | None = None,
    retry: tuple[Retry, ...] | None = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """Wait for a pipeline's completion through the completion-callback Lambda
    (``lambda:invoke.waitForTaskToken``).

    The state's result is exactly what the Lambda sends with SendTaskSuccess
    (no ``Payload`` wrapper); a failed pipeline arrives as whatever error it
    sends with SendTaskFailure. ``timeout_seconds`` is required to be finite
    (hours, not the execution's year); ``heartbeat_seconds`` only if the
    sender really heartbeats, which the completion Lambda does not.
    """
    return invoke_lambda(
        name,
        function=function,
        payload={
            "taskToken": TASK_TOKEN,
            "expected_pipeline_execution_arn": execution_arn,
            "success_statuses": list(success_statuses),
            "failure_statuses": list(failure_statuses),
        },
        callback=True,
        timeout_seconds=timeout_seconds,
        heartbeat_seconds=heartbeat_seconds,
        assign=assign,
        output=output,
        retry=retry,
        on_error=on_error,
    )


def wait_label(wait_name: str) -> str | None:
    """``WaitForFeaturesCompletionEvent`` -> ``Features`` (None if not that shape)."""
    head, tail = "WaitFor", "CompletionEvent"
    if wait_name.startswith(head) and wait_name.endswith(tail) and len(wait_name) > len(head) + len(tail):
        label = wait_name[len(head) : -len(tail)]
        if label.isalnum() and label.isascii():
            return label
    return None


def poll_names(label: str) -> PollNames:
    """``Features`` -> DescribeFeaturesPipeline, CheckFeaturesPipelineStatus,
    WaitBeforeDescribeFeaturesPipeline, IncrementFeaturesPollAttempt and the
    variable ``features_poll_attempt``."""
    x = snake(label)
    return PollNames(
        describe=f"Describe{label}Pipeline",
        check=f"Check{label}PipelineStatus",
        wait=f"WaitBeforeDescribe{label}Pipeline",
        increment=f"Increment{label}PollAttempt",
        attempt_variable=f"{x}_poll_attempt",
        status_variable=f"{x}_pipeline_status",
        init=f"Start{label}PipelinePolling",
    )


def poll_pipeline(
    label: str,
    *,
    execution_arn: Template,
    interval_seconds: int = 60,
    max_attempts: int = 180,
    output: Template = None,
    retry: tuple[Retry, ...] | None = None,
    on_error: OnError = TO_FAILURE,
    start: object = None,
) -> Fragment:
    """Wait for a pipeline by polling ``DescribePipelineExecution``.

    Describe -> Check: ``Failed``/``Stopped`` follows ``on_error`` recorded
    as ``PipelineExecutionFailed``; ``Succeeded`` is the fragment's open exit
    (with ``output``, if given); after ``max_attempts`` describes it follows
    ``on_error`` as ``PipelineExecutionTimedOut``; otherwise (the Default)
    Wait ``interval_seconds`` -> Increment -> Describe again.

    A Choice cannot end a graph, so when the wait is the last thing in a
    Map iteration or a Parallel branch, chain a state after it (the build
    reports CHOICE_WITHOUT_TARGET otherwise).

    The states pass their input through unchanged, so ``$states.input`` in
    ``on_error`` and ``output`` means what it means in the callback form.
    The attempt counter (``<x>_poll_attempt``) is set to 0 by ``start``
    (the state that starts the pipeline; :func:`run_pipeline` passes it), or
    without one must be set by the state before.
    """
    n = poll_names(label)
    status = var(n.status_variable)
    arn_text = to_jsonata(execution_arn)
    describe = Task(
        name=n.describe,
        resource=DESCRIBE_PIPELINE_RESOURCE,
        arguments={"PipelineExecutionArn": execution_arn},
        assign={n.status_variable: STATES_RESULT.field("PipelineExecutionStatus")},
        output=states_input(),
        retry=transient_retry("sagemaker:describe") if retry is None else retry,
        catch=catch_all(n.describe, on_error),
    )
    failed = expr(
        "{'Error': 'PipelineExecutionFailed', 'Cause': 'Pipeline execution ' & "
        f"{arn_text} & ' ended with status ' & {status.text}}}"
    )
    timed_out = expr(
        "{'Error': 'PipelineExecutionTimedOut', 'Cause': 'Pipeline execution ' & "
        f"{arn_text} & ' still ' & {status.text} & ' after {max_attempts} status checks, {interval_seconds} s apart'}}"
    )
    loop = bounded_loop(
        describe,
        names=LoopNames(n.check, n.increment, n.init, n.attempt_variable),
        done=status.eq("Succeeded"),
        failed=status.is_in(["Failed", "Stopped"]),
        failed_error=failed,
        limit=max_attempts,
        exhausted_error=timed_out,
        between=Wait(name=n.wait, seconds=interval_seconds),
        on_error=on_error,
        output=output,
        start=start,
        counter_set_before=start is None,
    )
    if isinstance(interval_seconds, bool) or not isinstance(interval_seconds, int) or interval_seconds < 1:
        loop = loop.with_problem(Problem(n.check, "BAD_POLLING", f"interval_seconds must be a whole number of at least 1, not {interval_seconds!r}"))
    return loop


class Callback(Record):
    """Wait for the completion-callback Lambda (the default form).

    ``timeout_seconds``, when given, applies to every wait of the flow;
    otherwise each wait keeps the timeout its flow gives it (or 3 h).
    ``heartbeat_seconds`` only if the sender heartbeats."""

    __slots__ = ("timeout_seconds", "heartbeat_seconds")
    timeout_seconds: int | None
    heartbeat_seconds: int | None

    def __init__(self, timeout_seconds: int | None = None, heartbeat_seconds: int | None = None) -> None:
        self._set(timeout_seconds=timeout_seconds, heartbeat_seconds=heartbeat_seconds)


class Polling(Record):
    """Poll DescribePipelineExecution every ``interval_seconds`` (for accounts
    without the callback Lambda).

    ``max_attempts``, when given, bounds every wait of the flow; otherwise
    each wait polls for as long as its callback form would wait (its
    timeout divided by the interval), so switching forms keeps the budget."""

    __slots__ = ("interval_seconds", "max_attempts")
    interval_seconds: int
    max_attempts: int | None

    def __init__(self, interval_seconds: int = 60, max_attempts: int | None = None) -> None:
        self._set(interval_seconds=interval_seconds, max_attempts=max_attempts)

    def attempts_for(self, timeout_seconds: int) -> int:
        """How many status checks fit in ``timeout_seconds`` (at least 1)."""
        if self.max_attempts is not None:
            return self.max_attempts
        interval = max(int(self.interval_seconds), 1)
        return max(-(-int(timeout_seconds) // interval), 1)


CALLBACK = Callback()
POLLING = Polling()


def as_completion(completion: object) -> Completion:
    """``Callback(...)``/``Polling(...)`` as they are; the strings
    ``"callback"`` and ``"polling"`` (what the export's --completion takes)
    as the defaults of each form."""
    if isinstance(completion, (Callback, Polling)):
        return completion
    if completion == "callback":
        return CALLBACK
    if completion == "polling":
        return POLLING
    raise TypeError(f"completion must be Callback(...), Polling(...), 'callback' or 'polling', not {completion!r}")


def run_pipeline(
    *,
    start: str,
    wait: str,
    pipeline: str,
    parameters: dict[str, Template],
    arn_variable: str,
    completion: Completion | str = CALLBACK,
    timeout_seconds: int | None = None,
    token_key: Template = None,
    start_output: Template = None,
    wait_output: Template = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """Start a pipeline, then wait for it in the chosen ``completion`` form.

    ``wait`` is the callback state's name, ``WaitFor<X>CompletionEvent``; the
    polling form derives its state names from ``<X>``. ``timeout_seconds`` is
    this wait's budget in either form (the completion object's own values,
    when given, win; else 3 h).
    """
    completion = as_completion(completion)
    budget = timeout_seconds or DEFAULT_PIPELINE_TIMEOUT
    first = start_pipeline(
        start,
        pipeline=pipeline,
        parameters=parameters,
        arn_variable=arn_variable,
        token_key=token_key,
        output=start_output,
        on_error=on_error,
    )
    if isinstance(completion, Polling):
        found = wait_label(wait)
        polled = poll_pipeline(
            found or wait,
            execution_arn=var(arn_variable),
            interval_seconds=completion.interval_seconds,
            max_attempts=completion.attempts_for(budget),
            output=wait_output,
            on_error=on_error,
            start=first,
        )
        if found is None:
            polled = polled.with_problem(
                Problem(wait, "BAD_WAIT_NAME", f"cannot derive polling state names from '{wait}'", "name callback waits WaitFor<X>CompletionEvent")
            )
        return polled
    return first >> wait_for_callback(
        wait,
        execution_arn=var(arn_variable),
        timeout_seconds=completion.timeout_seconds or budget,
        heartbeat_seconds=completion.heartbeat_seconds,
        output=wait_output,
        on_error=on_error,
    )


# History events of one started-and-awaited pipeline: the start and the
# wait (~16 events with the states around them); in polling form 11 more
# per status check.
EVENTS_PER_RUN = 16
EVENTS_PER_POLL = 11


def history_events(completion: object, timeout_seconds: int) -> int:
    """The most history events one :func:`run_pipeline` may write."""
    form = as_completion(completion)
    if isinstance(form, Polling):
        return EVENTS_PER_RUN + EVENTS_PER_POLL * form.attempts_for(timeout_seconds)
    return EVENTS_PER_RUN
