"""The Task state: call a service integration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ..expressions import Template
from .base import Catch, Retry, Seconds, State, Target

__all__ = ["Task"]


@dataclass(frozen=True, kw_only=True)
class Task(State):
    """A Task state in JSONata mode.

    ``arguments`` is what the integration is called with; ``$states.result``
    (the integration's result) is readable in ``output`` and ``assign``.
    """

    TYPE: ClassVar[str] = "Task"

    resource: str
    arguments: Template = None
    assign: Mapping[str, Template] | None = None
    output: Template = None
    timeout_seconds: Seconds | None = None
    heartbeat_seconds: Seconds | None = None
    retry: tuple[Retry, ...] = ()
    catch: tuple[Catch, ...] = ()
    next: Target | None = None
    end: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "retry", tuple(self.retry))
        object.__setattr__(self, "catch", tuple(self.catch))
