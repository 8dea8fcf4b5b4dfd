"""The outcome of a simulated execution, as tests and notebooks read it."""

from __future__ import annotations

from typing import Any

from .calls import Call

__all__ = ["Execution"]


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
        from .render import text

        return text(self)

    def _repr_html_(self) -> str:
        from .render import html

        return html(self)

    def __repr__(self) -> str:
        ending = f"output={self.output!r}" if self.status == "SUCCEEDED" else f"error={self.error!r}, cause={self.cause!r}"
        return f"<Execution {self.status} states={len(self.states)} calls={len(self.calls)} {ending}>"
