"""The Wait state: pause for a number of seconds or until a time."""

from __future__ import annotations

from .base import Flowing

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..expressions import Expr, Template
    from .base import Seconds, Target

__all__ = ["Wait"]


class Wait(Flowing):
    """A Wait state: exactly one of ``seconds`` or ``timestamp``."""

    __slots__ = ("seconds", "timestamp")
    seconds: Seconds | None
    timestamp: str | Expr | None
    TYPE = "Wait"

    def __init__(
        self,
        name: str,
        *,
        seconds: Seconds | None = None,
        timestamp: str | Expr | None = None,
        assign: dict[str, Template] | None = None,
        output: Template = None,
        next: Target | None = None,
        end: bool = False,
        comment: str | None = None,
        **jsonpath: Any,
    ) -> None:
        self._base(name, comment, jsonpath)
        self._set(seconds=seconds, timestamp=timestamp)
        self._flow(assign, output, next, end)
