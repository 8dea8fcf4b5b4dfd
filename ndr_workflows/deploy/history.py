"""An execution's events, whoever ran it, and their one-line text.

AWS answers GetExecutionHistory with events (``ExecutionStarted``,
``TaskStateEntered``, ``TaskScheduled``, ``TaskFailed``,
``MapIterationStarted``, ``ExecutionSucceeded`` ...). An execution followed
by the local simulator (a localhost fake, which cannot run JSONata) has a
trace instead; :func:`simulated_events` writes that trace as events of the
same shape, as far as the trace goes (no state inputs and outputs), so the
command line, the notebook and the picture of the path taken read both the
same way.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Iterator
    from typing import Any

__all__ = ["simulated_events", "entered_states", "event_line", "event_row", "state_types", "new_events", "iso"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def state_types(definition: Any) -> dict[str, str]:
    """State name -> Type, nested scopes (Map processors, Parallel branches) included."""
    from ..asl.walk import iter_states

    return {name: str(state.get("Type", "Task")) for _path, name, state, _language in iter_states(definition)}


def _resource(resource: str) -> tuple[str, str]:
    """(resourceType, resource) as AWS writes them in TaskScheduled: ``lambda``, ``invoke``."""
    rest = resource.split(":::", 1)[1] if ":::" in resource else resource
    service, _, action = rest.rpartition(":")
    return service or "lambda", action


def simulated_events(simulation: Any, definition: Any, execution_input: Any = None) -> list[dict[str, Any]]:
    """The simulator's trace of ``simulation`` (a simulated Execution) as
    GetExecutionHistory events (timestamps on the simulated clock)."""
    types = state_types(definition)
    events: list[dict[str, Any]] = []

    def add(kind: str, moment: int, **details: Any) -> None:
        event: dict[str, Any] = {"timestamp": _EPOCH + timedelta(milliseconds=moment), "type": kind, "id": len(events) + 1, "previousEventId": len(events)}
        event.update(details)
        events.append(event)

    add("ExecutionStarted", simulation.start_ms, executionStartedEventDetails={"input": json.dumps(execution_input if execution_input is not None else {})})
    for kind, path, moment, detail in simulation.trace:
        name = path.rsplit("/", 1)[-1]
        state_type = types.get(name, "Task")
        if kind == "enter":
            add(f"{state_type}StateEntered", moment, stateEnteredEventDetails={"name": name})
        elif kind == "call":
            service, action = _resource(str(detail.resource))
            parameters = json.dumps(detail.arguments, ensure_ascii=False, separators=(",", ":"), default=str)
            add("TaskScheduled", moment, taskScheduledEventDetails={"resourceType": service, "resource": action, "parameters": parameters})
        elif kind in ("retry", "catch", "error"):
            error, cause = detail[0], detail[1]
            if state_type == "Task":
                add("TaskFailed", moment, taskFailedEventDetails={"error": error, "cause": cause})
            else:
                add(f"{state_type}StateFailed", moment, stateFailedEventDetails={"name": name, "error": error, "cause": cause})
        elif kind == "iteration":
            add("MapIterationStarted", moment, mapIterationStartedEventDetails={"name": name, "index": detail[0]})
    end = simulation.end_ms
    if simulation.status == "SUCCEEDED":
        output = json.dumps(simulation.output, ensure_ascii=False, default=str)
        add("ExecutionSucceeded", end, executionSucceededEventDetails={"output": output})
    else:
        add("ExecutionFailed", end, executionFailedEventDetails={"error": simulation.error, "cause": simulation.cause})
    return events


def entered_states(events: Iterable[dict[str, Any]]) -> list[str]:
    """The names of the states entered, in order."""
    return [str(e["stateEnteredEventDetails"].get("name")) for e in events if isinstance(e.get("stateEnteredEventDetails"), dict)]


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def _short(text: Any, width: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _describe(event: dict[str, Any]) -> str:
    """What an event says, in a few words (its name, error, resource, output)."""
    details = _details(event)
    kind = str(event.get("type", ""))
    if "error" in details or "cause" in details:
        subject = f"{details['name']}: " if details.get("name") else ""
        return _short(f"{subject}{details.get('error') or ''}: {details.get('cause') or ''}")
    if kind == "TaskScheduled":
        return _short(f"{details.get('resourceType', '')}:{details.get('resource', '')} {details.get('parameters', '')}")
    if "index" in details:
        return f"{details.get('name', '')} iteration {details['index']}"
    if "name" in details:
        return str(details["name"])
    if kind == "ExecutionSucceeded":
        return _short(f"output {details.get('output', '')}")
    if kind == "ExecutionStarted":
        return _short(f"input {details.get('input', '')}")
    return ""


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def event_line(event: dict[str, Any], start: Any = None) -> str:
    """``+12.345s  TaskStateEntered  StartInferencePipeline``: the time since
    ``start`` (the execution's start), the event's type and what it says."""
    moment, origin = _time(event.get("timestamp")), _time(start)
    offset = f"+{(moment - origin).total_seconds():.3f}s" if moment and origin else ""
    return f"{offset:>12}  {str(event.get('type', '')):<28} {_describe(event)}".rstrip()


def event_row(event: dict[str, Any]) -> dict[str, Any]:
    """An event as JSON data: timestamps as ISO-8601 text."""
    return {key: iso(value) for key, value in event.items()}


def iso(value: Any) -> Any:
    """A datetime as ISO-8601 UTC text to the millisecond (``...Z``; naive
    means UTC); any other value as it is."""
    if not isinstance(value, datetime):
        return value
    value = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def new_events(events: Iterable[dict[str, Any]], seen: int) -> Iterator[dict[str, Any]]:
    """The events whose id is above ``seen`` (the last one printed)."""
    for event in events:
        if int(event.get("id", 0)) > seen:
            yield event
