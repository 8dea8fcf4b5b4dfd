"""Run a child state machine to completion."""

from __future__ import annotations

from ..asl.resources import START_EXECUTION_SYNC2

from ..expressions import STATES_RESULT
from ..model import Fragment, Task
from .errors import TO_FAILURE, catch_all, transient_retry
from .services import DEFAULT_RETRY, resolve_catches

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..expressions import Expr, Template
    from ..model import Retry
    from .errors import OnError
    from .services import Catches

__all__ = ["START_EXECUTION_SYNC_RESOURCE", "child_execution"]

# .sync:2: wait for the child, its Output already parsed JSON (.sync gives text).
START_EXECUTION_SYNC_RESOURCE = START_EXECUTION_SYNC2


def child_execution(
    name: str,
    *,
    state_machine: Template,
    input: Template = None,
    into: str | None = None,
    execution_name: Template = None,
    timeout_seconds: int | Expr | None = None,
    assign: dict[str, Template] | None = None,
    output: Template = None,
    retry: tuple[Retry, ...] | list[Retry] | None | object = DEFAULT_RETRY,
    catch: Catches = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """Start ``state_machine`` (an ARN, usually a placeholder) with ``input``
    (a template; Step Functions serializes it) and wait for it to finish
    (``.sync:2``). ``into`` gets the child's output, parsed. A failed,
    timed-out or aborted child fails this state (``States.TaskFailed``),
    which is never retried by default (that would run the child again);
    only "too many running executions" is. ``execution_name``, when given,
    makes a retried start idempotent."""
    arguments: dict[str, Template] = {"StateMachineArn": state_machine}
    if input is not None:
        arguments["Input"] = input
    if execution_name is not None:
        arguments["Name"] = execution_name
    assigned = dict(assign or {})
    if into is not None:
        assigned[into] = STATES_RESULT.field("Output")
    catches, problems = resolve_catches(name, None, catch)
    task = Task(
        name,
        resource=START_EXECUTION_SYNC_RESOURCE,
        arguments=arguments,
        assign=assigned or None,
        output=output,
        timeout_seconds=timeout_seconds,
        retry=transient_retry("states") if retry is DEFAULT_RETRY else tuple(retry or ()),  # type: ignore[arg-type]
        catch=catches + catch_all(name, on_error),
    )
    return Fragment((task,), name, tuple(problems))
