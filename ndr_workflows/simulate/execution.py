"""The outcome of a simulated execution, as tests and notebooks read it,
and its renderings.

Readable renderings of an execution's trace: plain text (terminals, test
failure messages, ``python -m ndr_workflows.simulate`` for people) and HTML
(notebooks). Both show the path state by state, with the simulated time
since the start: each state entered (inside a Map or Parallel, indented
under it, each Map iteration numbered), and under it what happened there:
the service called (resource and arguments), a retry with its error, cause
and delay, a wait (a Wait state, or a task's answer taking time), an error
caught (and where it leads) or not caught, the end of a branch, a Fail
state's error. Then the built-in DynamoDB fake's tables as the execution
left them (the lock table), the events sent, and the status with the
output or the error and cause.
"""

from __future__ import annotations

import html as _html
from typing import Any

from ..asl.common import json_brief
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
    ``variables`` the top-level variables at the end; ``tables`` the built-in
    DynamoDB fake's tables at the end (table name as written -> items in
    attribute-value form), the lock table among them."""

    __slots__ = (
        "status", "output", "error", "cause", "states", "calls", "events", "variables", "trace", "name", "state_machine", "start_time", "end_ms", "start_ms",
        "tables",
    )

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
        tables: dict[str, list[dict[str, Any]]] | None = None,
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
        self.tables = tables if tables is not None else {}

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


def _seconds(value: float) -> str:
    return "no answer" if value == float("inf") else f"{value:g}s"


def _service(resource: Any) -> str:
    """``dynamodb:putItem`` for ``arn:aws:states:::aws-sdk:dynamodb:putItem`` (other resources as written)."""
    text = str(resource)
    for prefix in ("arn:aws:states:::aws-sdk:", "arn:aws:states:::"):
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def _what(kind: str, detail: Any) -> tuple[str, str]:
    """(word, detail text) of one trace entry after the state's own line."""
    if kind == "call":
        return "call", f"{_service(detail.resource)} {json_brief(detail.arguments, _WIDTH)}"
    if kind == "retry":
        error, cause, delay = detail
        return "retry", f"{error}: {cause} (next attempt in {delay:.3f}s)"
    if kind == "catch":
        error, cause, target = detail
        return "catch", f"{error}: {cause} -> {target}"
    if kind == "error":
        error, cause = detail
        return "error", f"{error}: {cause} (not caught here)"
    if kind == "fail":
        error, cause = detail
        return "fail", f"{error}: {cause}"
    if kind == "wait":
        seconds, why = detail
        return "wait", f"{_seconds(seconds)} {why}"
    if kind == "iteration":
        index, count = detail
        return "iteration", f"{index + 1} of {count}"
    return kind, ""  # succeed, end


def trace_rows(execution: Execution) -> list[tuple[str, str, str, str]]:
    """(time, state path, what, detail) for each trace entry: ``what`` is
    ``enter``, ``call``, ``retry``, ``wait``, ``catch``, ``error``, ``fail``,
    ``iteration``, ``succeed`` or ``end``."""
    rows: list[tuple[str, str, str, str]] = []
    for kind, path, moment, detail in execution.trace:
        offset = f"+{(moment - execution.start_ms) / 1000:.3f}s"
        if kind == "enter":
            rows.append((offset, path, "enter", ""))
        else:
            rows.append((offset, path, *_what(kind, detail)))
    return rows


def plain(value: Any) -> Any:
    """A DynamoDB attribute value (``{"S": "x"}``) as plain JSON data."""
    if isinstance(value, dict) and len(value) == 1:
        (tag, inner), = value.items()
        if tag in ("S", "B"):
            return inner
        if tag == "N":
            try:
                return int(inner)
            except (TypeError, ValueError):
                try:
                    return float(inner)
                except (TypeError, ValueError):
                    return inner
        if tag == "BOOL":
            return inner
        if tag == "NULL":
            return None
        if tag == "M" and isinstance(inner, dict):
            return {key: plain(item) for key, item in inner.items()}
        if tag == "L" and isinstance(inner, list):
            return [plain(item) for item in inner]
        if tag in ("SS", "NS", "BS") and isinstance(inner, list):
            return [plain({tag[0]: item}) for item in inner]
    return value


def _tables(execution: Execution) -> list[str]:
    lines: list[str] = []
    for table, items in execution.tables.items():
        count = len(items)
        lines.append(f"  {table}: " + ("no items" if not count else f"{count} item{'s' if count != 1 else ''}"))
        for item in items:
            lines.append("    " + "  ".join(f"{key}={json_brief(plain(value), 80)}" for key, value in item.items()))
    return lines


def _ending(execution: Execution) -> str:
    if execution.status == "SUCCEEDED":
        return f"output: {json_brief(execution.output, 2000)}"
    return f"error: {execution.error}\ncause: {execution.cause}"


def text(execution: Execution) -> str:
    """The trace for a terminal (see the module docstring)."""
    head = (
        f"{execution.status}  {execution.state_machine} / {execution.name}  "
        f"started {execution.start_time}, {execution.duration_seconds:g}s simulated, "
        f"{len(execution.states)} states, {len(execution.calls)} calls"
    )
    lines = [head]
    shown = ""
    for offset, path, what, detail in trace_rows(execution):
        depth = path.count("/")
        indent = "  " * depth
        if what == "enter":
            lines.append(f"  {offset:>12}  {indent}{path.rsplit('/', 1)[-1]}")
        elif what == "iteration":
            lines.append(f"  {offset:>12}  {indent}{path.rsplit('/', 1)[-1]}: iteration {detail}")
        else:  # under its state; the time only when the clock moved (a retry's next attempt, a wait)
            lines.append(f"  {offset if offset != shown else '':>12}  {indent}  {what:<7} {detail}".rstrip())
        shown = offset
    if execution.tables:
        lines.append("tables at the end (the built-in DynamoDB fake):")
        lines.extend(_tables(execution))
    if execution.events:
        lines.append(f"events sent: {len(execution.events)}")
        lines.extend(f"  {json_brief(event, _WIDTH)}" for event in execution.events)
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
    tables = ""
    if execution.tables:
        tables = "<div><b>tables at the end</b>" + "".join(f"<div><code>{esc(line.strip())}</code></div>" for line in _tables(execution)) + "</div>"
    events = ""
    if execution.events:
        events = "<div><b>events</b>" + "".join(f"<div><code>{esc(json_brief(e, _WIDTH))}</code></div>" for e in execution.events) + "</div>"
    return (
        "<div class='ndr-simulation'>"
        f"<div><b style='color:{color}'>{esc(execution.status)}</b> {esc(execution.state_machine)} / {esc(execution.name)} "
        f"— started {esc(execution.start_time)}, {execution.duration_seconds:g}s simulated, "
        f"{len(execution.states)} states, {len(execution.calls)} calls</div>"
        "<table><thead><tr><th>time</th><th>what</th><th>state</th><th>detail</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>{tables}{events}{ending}</div>"
    )
