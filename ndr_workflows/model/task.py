"""The Task state: call a service integration."""

from __future__ import annotations

from .base import Action

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..expressions import Template
    from .base import Catch, Retry, Seconds, Target

__all__ = ["Task"]


class Task(Action):
    """A Task state in JSONata mode.

    ``arguments`` is what the integration is called with; ``$states.result``
    (the integration's result) is readable in ``output`` and ``assign``.
    """

    __slots__ = ("resource", "arguments", "timeout_seconds", "heartbeat_seconds")
    resource: str
    arguments: Template
    timeout_seconds: Seconds | None
    heartbeat_seconds: Seconds | None
    TYPE = "Task"

    def __init__(
        self,
        name: str,
        *,
        resource: str,
        arguments: Template = None,
        assign: dict[str, Template] | None = None,
        output: Template = None,
        timeout_seconds: Seconds | None = None,
        heartbeat_seconds: Seconds | None = None,
        retry: tuple[Retry, ...] | list[Retry] = (),
        catch: tuple[Catch, ...] | list[Catch] = (),
        next: Target | None = None,
        end: bool = False,
        comment: str | None = None,
        **jsonpath: Any,
    ) -> None:
        self._base(name, comment, jsonpath)
        self._set(
            resource=resource,
            arguments=arguments,
            timeout_seconds=timeout_seconds,
            heartbeat_seconds=heartbeat_seconds,
        )
        self._act(assign, output, retry, catch, next, end)
