"""Succeed and Fail: the states that end an execution (or a branch)."""

from __future__ import annotations

from .base import State

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..expressions import Expr, Template

__all__ = ["Succeed", "Fail"]


class Succeed(State):
    """Ends the execution (or the Map iteration / Parallel branch) successfully."""

    __slots__ = ("output",)
    output: Template
    TYPE = "Succeed"
    CONTINUES = False

    def __init__(self, name: str, *, output: Template = None, comment: str | None = None, **jsonpath: Any) -> None:
        self._base(name, comment, jsonpath)
        self._set(output=output)


class Fail(State):
    """Ends the execution with an error name and a cause (literals or expressions)."""

    __slots__ = ("error", "cause")
    error: str | Expr | None
    cause: str | Expr | None
    TYPE = "Fail"
    CONTINUES = False

    def __init__(
        self,
        name: str,
        *,
        error: str | Expr | None = None,
        cause: str | Expr | None = None,
        comment: str | None = None,
        **jsonpath: Any,
    ) -> None:
        self._base(name, comment, jsonpath)
        self._set(error=error, cause=cause)
