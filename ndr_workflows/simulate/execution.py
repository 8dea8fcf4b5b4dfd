"""The outcome of a simulated execution, as tests and notebooks read it,
and its renderings.

Readable renderings of an execution's trace: plain text (terminals, test
failure messages) and HTML (notebooks). Both show, per line, the simulated
time since the start, the state (with its Map / Parallel path), and what
happened: entered, called (resource + arguments), retried, caught, ended.
"""

from __future__ import annotations

import html as _html
import json
from typing import Any

from .calls import Call

__all__ = ["Execution", "text", "html", "trace_rows"]


class Execution:
    """What one run did.

    ``status`` is ``"SUCCEEDED"`` or ``"FAILED"`` (a timed-out execution is
    FAILED with ``States.Timeout``); ``output`` is None when it failed,
    ``error`` / ``cause`` are None when it succeeded. ``states`` are the
    names entered, in order, Map iterations and Parallel branches included;
    ``calls`` every Task attempt; ``events`` the entries the EventBridge fake
    received during this run (aws-sdk or optimized PutEvents; not mocked ones);
    ``variables`` the top-level variables at the end."""

    __slots__ = ("status", "output", "error", "cause", "states", "calls", "events", "variables", "trace", "name", "state_machine", "start_time", "end_ms", "start_ms")

    def __init__(
        self,
        *,
        status: str,
        output: Any,
        error: str | None,
        cause: str | None,
        states: list[str],
        calls: list[Call],
        events: list[Any],
        variables: dict[str, Any],
        trace: list[tuple[str, str, int, Any]],
        name: str,
        state_machine: str,
        start_time: str,
        start_ms: int,
        end_ms: int,
    ) -> None:
        self.status = status
        self.output = output
        self.error = error
        self.cause = cause
        self.states = states
        self.calls = calls
        self.events = events
        self.variables = variables
        self.trace = trace
        self.name = name
        self.state_machine = state_machine
        self.start_time = start_time
        self.start_ms = start_ms
        self.end_ms = end_ms

    @property
    def succeeded(self) -> bool:
        return self.status == "SUCCEEDED"

    @property
    def duration_seconds(self) -> float:
        """Simulated time from start to end."""
        return (self.end_ms - self.start_ms) / 1000

    def calls_of(self, state: str) -> list[Call]:
        return [call for call in self.calls if call.state == state]

    def to_dict(self) -> dict[str, Any]:
        """The CLI's JSON object."""
        result: dict[str, Any] = {"status": self.status}
        if self.status == "SUCCEEDED":
            result["output"] = self.output
        else:
            result["error"] = self.error
            result["cause"] = self.cause
        result["states"] = list(self.states)
        result["calls"] = [call.to_dict() for call in self.calls]
        return result

    def text(self) -> str:
        return text(self)

    def _repr_html_(self) -> str:
        return html(self)

    def __repr__(self) -> str:
        ending = f"output={self.output!r}" if self.status == "SUCCEEDED" else f"error={self.error!r}, cause={self.cause!r}"
        return f"<Execution {self.status} states={len(self.states)} calls={len(self.calls)} {ending}>"


_WIDTH = 160


def _short(value: Any, width: int = _WIDTH) -> str:
    written = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return written if len(written) <= width else written[: width - 3] + "..."


def trace_rows(execution: Execution) -> list[tuple[str, str, str, str]]:
    """(time, state path, what, detail) for each trace entry."""
    rows: list[tuple[str, str, str, str]] = []
    for kind, path, moment, detail in execution.trace:
        offset = f"+{(moment - execution.start_ms) / 1000:.3f}s"
        if kind == "enter":
            rows.append((offset, path, "enter", ""))
        elif kind == "call":
            rows.append((offset, path, "call", f"{detail.resource} {_short(detail.arguments)}"))
        elif kind == "retry":
            error, cause, delay = detail
            rows.append((offset, path, "retry", f"{error}: {cause} (next attempt in {delay:.3f}s)"))
        elif kind == "catch":
            error, cause, target = detail
            rows.append((offset, path, "catch", f"{error}: {cause} -> {target}"))
        elif kind == "succeed":
            rows.append((offset, path, "succeed", ""))
    return rows


def _ending(execution: Execution) -> str:
    if execution.status == "SUCCEEDED":
        return f"output: {_short(execution.output, 2000)}"
    return f"error: {execution.error}\ncause: {execution.cause}"


def text(execution: Execution) -> str:
    head = (
        f"{execution.status}  {execution.state_machine} / {execution.name}  "
        f"started {execution.start_time}, {execution.duration_seconds:g}s simulated, "
        f"{len(execution.states)} states, {len(execution.calls)} calls"
    )
    lines = [head]
    for offset, path, what, detail in trace_rows(execution):
        lines.append(f"  {offset:>12}  {what:<7} {path}" + (f"  {detail}" if detail else ""))
    if execution.events:
        lines.append(f"events: {len(execution.events)}")
        lines.extend(f"  {_short(event)}" for event in execution.events)
    lines.append(_ending(execution))
    return "\n".join(lines) + "\n"


_STYLE = {"SUCCEEDED": "#1a7f37", "FAILED": "#cf222e"}


def html(execution: Execution) -> str:
    esc = _html.escape
    color = _STYLE.get(execution.status, "#57606a")
    rows = "".join(
        f"<tr><td style='text-align:right;color:#57606a'>{esc(offset)}</td><td>{esc(what)}</td>"
        f"<td><code>{esc(path)}</code></td><td><code>{esc(detail)}</code></td></tr>"
        for offset, path, what, detail in trace_rows(execution)
    )
    ending = "".join(f"<div><code>{esc(line)}</code></div>" for line in _ending(execution).splitlines())
    events = ""
    if execution.events:
        events = "<div><b>events</b>" + "".join(f"<div><code>{esc(_short(e))}</code></div>" for e in execution.events) + "</div>"
    return (
        "<div class='ndr-simulation'>"
        f"<div><b style='color:{color}'>{esc(execution.status)}</b> {esc(execution.state_machine)} / {esc(execution.name)} "
        f"— started {esc(execution.start_time)}, {execution.duration_seconds:g}s simulated, "
        f"{len(execution.states)} states, {len(execution.calls)} calls</div>"
        "<table><thead><tr><th>time</th><th>what</th><th>state</th><th>detail</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>{events}{ending}</div>"
    )
