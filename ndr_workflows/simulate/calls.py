"""What a Task call is, and what an answer to it may say besides its result.

A service fake, a handler or a mock answers a :class:`Call` with a result, or
raises :class:`~.errors.Failure`. To simulate time, it may instead return
:class:`Delayed` (the answer came after N simulated seconds) or :data:`NEVER`
(no answer, no callback, no heartbeat): the interpreter then applies the
Task's ``TimeoutSeconds`` / ``HeartbeatSeconds`` on its simulated clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Call", "Delayed", "NEVER", "Never", "json_copy"]


@dataclass(frozen=True)
class Call:
    """One attempt of a Task: the state's name, its Resource as written (after
    placeholder substitution) and its evaluated Arguments. Handlers must not
    mutate ``arguments`` (it may share constant parts with the definition)."""

    state: str
    resource: str
    arguments: Any

    def to_dict(self) -> dict[str, Any]:
        return {"state": self.state, "resource": self.resource, "arguments": self.arguments}


@dataclass(frozen=True)
class Delayed:
    """An answer that took ``seconds`` of simulated time. With
    ``heartbeat_interval`` the task sent heartbeats that often (None: none),
    which HeartbeatSeconds is compared with. A Failure as ``result`` fails the
    task after the delay."""

    result: Any
    seconds: float
    heartbeat_interval: float | None = None


class Never:
    """The task never answers (a callback that is never sent)."""

    _instance: Never | None = None

    def __new__(cls) -> Never:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NEVER"


NEVER = Never()


def json_copy(value: Any) -> Any:
    """A copy of JSON data (dicts, lists, scalars); several times faster than
    ``copy.deepcopy``, which the fakes would otherwise spend their time in."""
    if isinstance(value, dict):
        return {key: json_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_copy(item) for item in value]
    return value
