"""Bounded loops: a body run again and again until a condition holds, at
most a number of times, each way out named by the caller.

One piece serves two uses:

* :func:`poll` — call a describe operation, read a status from its result,
  stop on a success value, fail on a failure value, else wait and call
  again (the pipeline wait in polling form is one use of it);
* :func:`repeat_until` — run a body, check, and if the check does not hold
  yet run ``between`` (a remediation, a wait) and try again, at most
  ``max_cycles`` times.

Shape (state names are the caller's, with defaults from one prefix)::

    [init] -> body -> check --done--> (open exit)
                        |--failed--> on_error (recorded)
                        |--limit reached--> on_exhausted (recorded)
                        '--otherwise--> between -> increment -> body

The counter variable is set to 0 on the way in: by the ``start`` state when
the caller gives one (its Assign gains the counter, no extra state), else by
a Pass named ``init``. No ``Next`` is written by the caller.
"""

from __future__ import annotations

from ..expressions import Expr, concat, jsonata_literal, states_input, var
from ..model import Choice, Fragment, Pass, Rule, Wait
from ..model.checks import with_written
from ..model.errors import Problem
from ..model.record import Record
from .errors import TO_FAILURE, as_route
from .names import snake

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..expressions import Template
    from ..model import Retry
    from .errors import OnError

__all__ = ["LoopNames", "PollNames", "bounded_loop", "poll", "repeat_until"]


class LoopNames(Record):
    """The names a bounded loop uses: its Choice (``check``), the Pass that
    counts (``increment``), the Pass that starts the count when no ``start``
    state does it (``init``) and the counter variable."""

    __slots__ = ("check", "increment", "init", "counter")
    check: str
    increment: str
    init: str
    counter: str

    def __init__(self, check: str, increment: str, init: str, counter: str) -> None:
        self._set(check=check, increment=increment, init=init, counter=counter)

    @staticmethod
    def for_(label: str) -> LoopNames:
        """``RtReadiness`` -> CheckRtReadiness, IncrementRtReadinessCycle,
        StartRtReadinessCycles and the variable ``rt_readiness_cycle``."""
        return LoopNames(f"Check{label}", f"Increment{label}Cycle", f"Start{label}Cycles", f"{snake(label)}_cycle")


class PollNames(Record):
    """The names a polling loop uses (see :meth:`for_`)."""

    __slots__ = ("describe", "check", "wait", "increment", "init", "attempt_variable", "status_variable")
    describe: str
    check: str
    wait: str
    increment: str
    init: str
    attempt_variable: str
    status_variable: str

    def __init__(self, describe: str, check: str, wait: str, increment: str, attempt_variable: str, status_variable: str, init: str | None = None) -> None:
        self._set(describe=describe, check=check, wait=wait, increment=increment, init=init or f"Start{describe}Polling", attempt_variable=attempt_variable, status_variable=status_variable)

    @staticmethod
    def for_(label: str) -> PollNames:
        """``RtReadinessPipeline`` -> DescribeRtReadinessPipeline,
        CheckRtReadinessPipelineStatus, WaitBeforeDescribeRtReadinessPipeline,
        IncrementRtReadinessPipelinePollAttempt, StartRtReadinessPipelinePolling
        and the variables ``rt_readiness_pipeline_poll_attempt`` /
        ``rt_readiness_pipeline_status``."""
        x = snake(label)
        return PollNames(
            describe=f"Describe{label}",
            check=f"Check{label}Status",
            wait=f"WaitBeforeDescribe{label}",
            increment=f"Increment{label}PollAttempt",
            init=f"Start{label}Polling",
            attempt_variable=f"{x}_poll_attempt",
            status_variable=f"{x}_status",
        )


def _whole(value: object, field: str, at: str) -> list[Problem]:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return [Problem(at, "BAD_LOOP", f"{field} must be a whole number of at least 1, not {value!r}")]
    return []


def _with_counter(start: object, counter: str) -> Fragment | None:
    """``start`` (one state that assigns) with the counter set to 0, or None."""
    fragment = Fragment.of(start)
    states = fragment.states
    if len(states) != 1 or not hasattr(states[0], "assign"):
        return None
    state = states[0]
    assign = dict(getattr(state, "assign") or {})
    assign[counter] = 0
    return Fragment((state.replace(assign=assign),), fragment.start, fragment.problems)


def bounded_loop(
    body: object,
    *,
    names: LoopNames,
    done: Expr,
    limit: int,
    exhausted_error: Expr,
    between: object = None,
    failed: Expr | None = None,
    failed_error: Expr | None = None,
    on_error: OnError = TO_FAILURE,
    on_exhausted: OnError = None,
    output: Template = None,
    start: object = None,
    counter_set_before: bool = False,
) -> Fragment:
    """The loop every other one is made of (see the module docstring).

    ``done`` ends the loop through the fragment's open exit (with
    ``output``); ``failed`` goes to ``on_error`` with ``failed_error`` as the
    ``{Error, Cause}`` object; after ``limit`` runs of the body the loop goes
    to ``on_exhausted`` (default: ``on_error``) with ``exhausted_error``.
    ``between`` runs before each new cycle (a Wait, a remediation).
    ``counter_set_before``: the state before the loop already sets the
    counter to 0 (no ``start``, no init Pass)."""
    problems = _whole(limit, "limit", names.check)
    route = as_route(on_error)
    exhausted = route if on_exhausted is None else as_route(on_exhausted)
    counter = var(names.counter)
    rules: list[Rule] = []
    done, failed = _guarded(done), _guarded(failed) if failed is not None else None
    if failed is not None:
        if route is None:
            problems.append(Problem(names.check, "NO_FAILURE_ROUTE", "the loop needs somewhere to go when it fails", "pass on_error (the default goes to the flow's failure handler)"))
        else:
            rules.append(route.rule(names.check, failed, failed_error if failed_error is not None else Expr("{'Error': 'LoopFailed', 'Cause': 'the loop failed'}")))
    rules.append(Rule(done, None, output=output))
    if exhausted is None:
        problems.append(Problem(names.check, "NO_FAILURE_ROUTE", "the loop needs somewhere to go when its limit is reached", "pass on_exhausted or on_error"))
    else:
        rules.append(exhausted.rule(names.check, counter >= (limit - 1 if isinstance(limit, int) else 0), exhausted_error))
    body_fragment = Fragment.of(body)
    increment = Pass(names.increment, assign={names.counter: counter + 1}, next=body_fragment.start)
    if between is None:
        again: Fragment = Fragment.of(increment)
    else:
        again = Fragment.of(between) >> increment
    check = Choice(names.check, choices=tuple(rules), default=again.start)
    loop = body_fragment >> Fragment((check,) + again.states, check.name, again.problems)
    if start is not None:
        entry = _with_counter(start, names.counter) or (Fragment.of(start) >> Pass(names.init, assign={names.counter: 0}))
        result = entry >> loop
    elif counter_set_before:
        result = loop
    else:
        result = Pass(names.init, assign={names.counter: 0}) >> loop
    for problem in problems:
        result = result.with_problem(problem)
    return with_written(result, done, failed, failed_error, exhausted_error)


def _guarded(condition: Expr) -> Expr:
    guarded = getattr(condition, "guarded", None)
    return guarded() if guarded is not None else condition


def poll(
    label: str | PollNames,
    *,
    call: str,
    arguments: Template,
    status: Expr,
    succeeded: tuple[str, ...] | list[str],
    failed: tuple[str, ...] | list[str] = (),
    in_progress: tuple[str, ...] | list[str] | None = None,
    every: int = 60,
    attempts: int = 60,
    start: object = None,
    failed_error: str | None = None,
    timed_out_error: str | None = None,
    output: Template = None,
    retry: tuple[Retry, ...] | None = None,
    on_error: OnError = TO_FAILURE,
    on_timeout: OnError = None,
) -> Fragment:
    """Call ``call`` (an aws-sdk ``service:operation``, e.g.
    ``"glue:getJobRun"``) with ``arguments`` until ``status`` (read from
    ``$states.result``) is one of ``succeeded``; one of ``failed`` follows
    ``on_error`` as ``failed_error``; when ``in_progress`` is given, any
    other value fails too; after ``attempts`` calls, ``every`` seconds
    apart, ``on_timeout`` (default ``on_error``) as ``timed_out_error``.

    ``label`` gives every name (:meth:`PollNames.for_`), or pass a
    ``PollNames``. ``start`` is the state that starts what is polled: it
    sets the attempt counter (else a Pass does). The describe call's
    input passes through, so ``$states.input`` means the same after the
    loop."""
    from .services import aws_sdk

    n = label if isinstance(label, PollNames) else PollNames.for_(label)
    tag = label if isinstance(label, str) else n.describe
    status_var = var(n.status_variable)
    describe = aws_sdk(n.describe, call, arguments, assign={n.status_variable: status}, output=states_input(), retry=retry, on_error=on_error)
    failed_name = failed_error or f"{tag}Failed"
    timeout_name = timed_out_error or f"{tag}TimedOut"
    failed_obj = _error_object(failed_name, concat(f"{tag}: status ", _text(status_var)))
    timeout_obj = _error_object(timeout_name, concat(f"{tag}: status ", _text(status_var), f" after {attempts} checks, {every} s apart"))
    bad: Expr | None = status_var.is_in(list(failed)) if failed else None
    if in_progress is not None:
        unexpected = ~status_var.is_in(list(succeeded) + list(failed) + list(in_progress))
        bad = unexpected if bad is None else (bad | unexpected)
    problems = _whole(every, "every", n.check)
    loop = bounded_loop(
        describe,
        names=LoopNames(n.check, n.increment, n.init, n.attempt_variable),
        done=status_var.is_in(list(succeeded)),
        failed=bad,
        failed_error=failed_obj,
        limit=attempts,
        exhausted_error=timeout_obj,
        between=Wait(n.wait, seconds=every),
        on_error=on_error,
        on_exhausted=on_timeout,
        output=output,
        start=start,
    )
    for problem in problems:
        loop = loop.with_problem(problem)
    return with_written(loop, status)  # also read inside the failure's Cause


def _text(value: Expr) -> Expr:
    return Expr(f"$string({value.text})")


def _error_object(error: str, cause: Expr) -> Expr:
    return Expr("{'Error': " + jsonata_literal(error) + ", 'Cause': " + cause.text + "}")


def repeat_until(
    body: object,
    *,
    until: Expr,
    max_cycles: int,
    label: str | LoopNames,
    between: object = None,
    on_exhausted: OnError = TO_FAILURE,
    exhausted_error: str | None = None,
    output: Template = None,
    start: object = None,
) -> Fragment:
    """Run ``body``; when ``until`` holds, go on; else run ``between``
    (e.g. request a remediation) and run ``body`` again, at most
    ``max_cycles`` times in all; then ``on_exhausted`` (a Fail state, a
    route; recorded as ``exhausted_error``). Names from ``label``
    (:meth:`LoopNames.for_`) or a ``LoopNames``."""
    names = label if isinstance(label, LoopNames) else LoopNames.for_(label)
    tag = label if isinstance(label, str) else names.check
    error = exhausted_error or f"{tag}NotDoneAfterCycles"
    return bounded_loop(
        body,
        names=names,
        done=until,
        limit=max_cycles,
        exhausted_error=_error_object(error, Expr(jsonata_literal(f"{tag}: still not done after {max_cycles} cycles"))),
        between=between,
        on_error=None,
        on_exhausted=on_exhausted,
        output=output,
        start=start,
    )

