"""The one renderer: the state model to ASL JSON.

Determinism is the point: states in declaration order, keys in a fixed order
(``Type`` first, then the order below, which follows the ASL specification's
reading order), expressions spelled by :meth:`Expr.render`, 2-space indent
and a trailing newline. Nothing here reads the clock, the region or the
environment.
"""

from __future__ import annotations

from ..asl.reader import dumps as _dumps
from ..expressions import Expr, render_template
from .base import OnFailure

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from .base import Catch, Retry, State
    from .choice import Rule

__all__ = ["render_state", "render_graph", "dumps", "STATE_KEY_ORDER", "TEMPLATE_FIELDS"]

# (attribute, ASL key) in output order, for every state type: the one table
# from the model's attributes to ASL keys (the build checks read it too).
STATE_KEY_ORDER: tuple[tuple[str, str], ...] = (
    ("comment", "Comment"),
    ("resource", "Resource"),
    ("items", "Items"),
    ("item_selector", "ItemSelector"),
    ("processor", "ItemProcessor"),
    ("branches", "Branches"),
    ("max_concurrency", "MaxConcurrency"),
    ("tolerated_failure_percentage", "ToleratedFailurePercentage"),
    ("tolerated_failure_count", "ToleratedFailureCount"),
    ("label", "Label"),
    ("arguments", "Arguments"),
    ("seconds", "Seconds"),
    ("timestamp", "Timestamp"),
    ("timeout_seconds", "TimeoutSeconds"),
    ("heartbeat_seconds", "HeartbeatSeconds"),
    ("choices", "Choices"),
    ("default", "Default"),
    ("error", "Error"),
    ("cause", "Cause"),
    ("assign", "Assign"),
    ("output", "Output"),
    ("retry", "Retry"),
    ("catch", "Catch"),
    ("next", "Next"),
    ("end", "End"),
)
# The attributes whose values are templates (JSON with expressions), which
# the build checks judge value by value.
TEMPLATE_FIELDS = frozenset(
    {
        "arguments", "items", "item_selector", "max_concurrency", "tolerated_failure_percentage", "tolerated_failure_count",
        "timeout_seconds", "heartbeat_seconds", "seconds", "timestamp", "error", "cause", "assign", "output",
    }
)


def _value(value: Any) -> Any:
    if isinstance(value, OnFailure):
        # Only reachable when rendering an unchecked graph for diagnostics.
        return "<ON_FAILURE>"
    if isinstance(value, Expr):
        return value.render()
    return render_template(value)


def _retry(r: Retry) -> dict[str, Any]:
    out: dict[str, Any] = {"ErrorEquals": list(r.errors)}
    for attr, key in (
        ("interval_seconds", "IntervalSeconds"),
        ("max_attempts", "MaxAttempts"),
        ("backoff_rate", "BackoffRate"),
        ("max_delay_seconds", "MaxDelaySeconds"),
        ("jitter", "JitterStrategy"),
        ("comment", "Comment"),
    ):
        v = getattr(r, attr)
        if v is not None:
            out[key] = v
    return out


def _transition(out: dict[str, Any], entry: Catch | Rule) -> dict[str, Any]:
    """The fields a Catch and a Choice rule share, after their first one."""
    if entry.comment is not None:
        out["Comment"] = entry.comment
    if entry.assign:
        out["Assign"] = _value(entry.assign)
    if entry.output is not None:
        out["Output"] = _value(entry.output)
    out["Next"] = _value(entry.next)
    return out


def _catch(c: Catch) -> dict[str, Any]:
    return _transition({"ErrorEquals": list(c.errors)}, c)


def _rule(r: Rule) -> dict[str, Any]:
    return _transition({"Condition": _value(r.condition)}, r)


def render_graph(states: tuple[State, ...] | list[State], start: str) -> dict[str, Any]:
    """``{"StartAt": ..., "States": {...}}`` for one scope. Of two states
    with one name (a build error) the first is kept, as the checks read it."""
    rendered: dict[str, Any] = {}
    for s in states:
        if s.name not in rendered:
            rendered[s.name] = render_state(s)
    return {"StartAt": start, "States": rendered}


def render_state(state: State) -> dict[str, Any]:
    """One state as ASL (JSONata mode)."""
    out: dict[str, Any] = {"Type": state.TYPE}
    for attr, key in STATE_KEY_ORDER:
        if not hasattr(state, attr):
            continue
        v = getattr(state, attr)
        if v is None or (attr == "end" and v is False):
            continue
        if attr in ("retry", "catch", "choices", "branches") and not v:
            continue
        if attr == "processor":
            config: dict[str, Any] = {"Mode": state.mode}  # type: ignore[attr-defined]
            if getattr(state, "execution_type", None):
                config["ExecutionType"] = state.execution_type  # type: ignore[attr-defined]
            out[key] = {"ProcessorConfig": config, **render_graph(v.states, v.start)}
        elif attr == "branches":
            out[key] = [render_graph(b.states, b.start) for b in v]
        elif attr == "choices":
            out[key] = [_rule(r) for r in v]
        elif attr == "retry":
            out[key] = [_retry(r) for r in v]
        elif attr == "catch":
            out[key] = [_catch(c) for c in v]
        elif attr == "assign" and isinstance(v, dict) and not v:
            continue
        else:
            out[key] = _value(v)
    return out


def dumps(document: dict[str, Any]) -> str:
    """The exact bytes written to disk (as text): 2-space indent, newline at end."""
    return _dumps(document)
