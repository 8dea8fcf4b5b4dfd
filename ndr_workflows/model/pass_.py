"""The Pass state: assign variables, reshape data, move on."""

from __future__ import annotations

from .base import State

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..expressions import Template
    from .base import Target

__all__ = ["Pass"]


class Pass(State):
    """A Pass state. ``output`` replaces the input; ``assign`` sets variables."""

    __slots__ = ("assign", "output", "next", "end")
    assign: dict[str, Template] | None
    output: Template
    next: Target | None
    end: bool
    TYPE = "Pass"

    def __init__(
        self,
        name: str,
        *,
        assign: dict[str, Template] | None = None,
        output: Template = None,
        next: Target | None = None,
        end: bool = False,
        comment: str | None = None,
        **jsonpath: Any,
    ) -> None:
        self._base(name, comment, jsonpath)
        self._set(assign=assign, output=output, next=next, end=end)
