"""An inline Map that reconciles: every item reports success or failure,
none silently vanishes, and the Map's budgets are checked here.

An inline Map fails as a whole on its first failed iteration (tolerated
failure thresholds exist only for DISTRIBUTED maps), so each iteration
catches its own failure and returns ``{<key>, status: "FAILED", error,
cause}`` instead of ``{<key>, status: "SUCCEEDED"}``; the Map then assigns
the counts and the failed keys.

Budgets: an inline Map's iterations all land in one execution history
(25,000 events for STANDARD; some are kept for the states around the Map)
and its results in one 256 KiB payload. :func:`item_limit` says how many
items fit, :func:`reconciled_map` refuses (as a build problem) a limit
that does not.
"""

from __future__ import annotations

from ..expressions import Expr, context, expr, obj, states_input
from ..model import ON_FAILURE, Fragment, Map, Pass, Succeed
from ..model.errors import Problem
from .errors import ERROR_VARIABLE, TO_FAILURE, ErrorRoute, catch_all

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    from ..expressions import Template

__all__ = ["HISTORY_BUDGET", "PAYLOAD_LIMIT", "ITEM_BYTES", "item_limit", "reconciled_map", "for_each", "and_fail"]

# A STANDARD execution's history holds 25,000 events; keep some for the
# states outside the Map.
HISTORY_BUDGET = 24_000
PAYLOAD_LIMIT = 256 * 1024
# A failed item's error and cause are cut so that even many failed items
# stay well inside the 256 KiB a Map's result may hold (~220 bytes each).
ERROR_LIMIT = 48
CAUSE_LIMIT = 64
ITEM_BYTES = 260


def item_limit(events_per_item: int, *, default: int) -> int:
    """``default``, or fewer when that many items could overflow the
    history (``events_per_item`` each) or the Map's result."""
    return min(default, HISTORY_BUDGET // max(events_per_item, 1), PAYLOAD_LIMIT // ITEM_BYTES)


def reconciled_map(
    name: str,
    *,
    items: Template,
    key: str,
    fields: tuple[str, ...],
    shared: dict[str, Template],
    body: Callable[[ErrorRoute, Template], Fragment],
    record_failure: str,
    succeeded: str,
    max_concurrency: int,
    max_items: int,
    events_per_item: int,
    limit_at: str,
    counts: tuple[str, str, str, str] = ("item_count", "succeeded_count", "failed_count", "failed_items"),
) -> Fragment:
    """The Map over ``items``: each iteration sees ``shared`` plus the
    item's ``fields``; ``body(on_error, result)`` builds the iteration,
    sending failures to ``on_error`` and ending with ``result``. After the
    Map, the variables named by ``counts``: the number of items, of
    succeeded and of failed ones, and the failed keys. A ``max_items`` that cannot fit the budgets is a
    problem reported at ``limit_at``."""

    def record(state: str, error: Expr) -> tuple[None, Template]:
        return None, obj(
            {
                key: states_input(key),
                "error": expr(f"$substring($string({error.text}.Error), 0, {ERROR_LIMIT})"),
                "cause": expr(f"$substring($string({error.text}.Cause), 0, {CAUSE_LIMIT})"),
            }
        )

    iteration = body(ErrorRoute(next=record_failure, record=record), {key: states_input(key), "status": "SUCCEEDED"})
    if any(s.TYPE == "Choice" and s.open_exit() for s in iteration.states):
        # A Choice cannot end an iteration: a Succeed does, passing the result through.
        iteration = iteration >> Succeed(succeeded)
    failure = Pass(
        record_failure,
        output=obj({key: states_input(key), "status": "FAILED", "error": states_input("error"), "cause": states_input("cause")}),
    )
    selector = dict(shared)
    selector.update({f: expr(f"$states.context.Map.Item.Value.{f}") for f in fields})
    failed = "$states.result[status = 'FAILED']"
    fragment = Fragment.of(
        Map(
            name,
            processor=Fragment(iteration.states + (failure,), iteration.start, iteration.problems),
            items=items,
            item_selector=selector,
            max_concurrency=max_concurrency,
            assign={
                counts[0]: expr("$count($states.result)"),
                counts[1]: expr("$count($states.result[status = 'SUCCEEDED'])"),
                counts[2]: expr(f"$count({failed})"),
                counts[3]: expr(f"[{failed}.{key}]"),
            },
            catch=(ErrorRoute().catch(name),),
        )
    )
    fits = item_limit(events_per_item, default=max_items)
    if max_items > fits:
        fragment = fragment.with_problem(
            Problem(
                limit_at,
                "TOO_MANY_WINDOWS",
                f"max_windows={max_items} windows could write up to {max_items * events_per_item} history events (a STANDARD execution holds 25,000)"
                f" or a {max_items * ITEM_BYTES // 1024} KiB Map result (the limit is 256 KiB); at most {fits} fit",
                "lower max_windows (split the range into several runs), or in polling form poll less often",
            )
        )
    return fragment


def and_fail(part: object) -> Fragment:
    """``part`` (e.g. marking a record FAILED), then on to the enclosing
    failure handler: the flow's, or inside :func:`for_each` the item's."""
    fragment = Fragment.of(part)
    return Fragment(tuple(s.wire(ON_FAILURE) if s.open_exit() else s for s in fragment.states), fragment.start, fragment.problems)


def _item_scope(fragment: Fragment, failed: str) -> Fragment:
    """Failures inside an iteration go to ``failed`` carrying the
    ``{Error, Cause}`` object as their output: variables assigned in an
    iteration belong to it, so the flow's failure record is not assigned there."""
    states = []
    for s in fragment.states:
        s = s.retarget(ON_FAILURE, failed)
        catches = getattr(s, "catch", None)
        if catches:
            s = s.replace(catch=tuple(c.replace(assign=None, output=c.assign[ERROR_VARIABLE]) if c.assign and ERROR_VARIABLE in c.assign else c for c in catches))
        rules = getattr(s, "choices", None)
        if rules:
            s = s.replace(choices=tuple(r.replace(assign=None, output=r.assign[ERROR_VARIABLE]) if r.assign and ERROR_VARIABLE in r.assign else r for r in rules))
        states.append(s)
    return Fragment(tuple(states), fragment.start, fragment.problems)


def for_each(
    name: str,
    *,
    items: Template,
    body: object,
    item: str = "item",
    failed: object,
    max_concurrency: int | None = None,
    output: Template = None,
    on_error: object = TO_FAILURE,
) -> Fragment:
    """An inline Map running ``body`` for each of ``items``; the item is
    ``$states.input.<item>`` in the body's first state. Every failure in the
    body (its builders' default routes, :func:`and_fail`) ends in
    ``failed`` — a Fail state whose Error / Cause may read
    ``$states.input.Error`` / ``.Cause`` — so the Map fails with the item's
    own error, which ``on_error`` (default the flow's failure handler) gets."""
    fail = Fragment.of(failed)
    iteration = _item_scope(Fragment.of(body), fail.start)
    processor = Fragment(iteration.states + fail.states, iteration.start, iteration.problems + fail.problems)
    return Fragment.of(
        Map(
            name,
            processor=processor,
            items=items,
            item_selector={item: context("Map.Item.Value")},
            max_concurrency=max_concurrency,
            output=output,
            catch=catch_all(name, on_error),  # type: ignore[arg-type]
        )
    )


