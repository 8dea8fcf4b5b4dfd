"""The Pass state: assign variables, reshape data, move on."""

from __future__ import annotations

from .base import Flowing

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..expressions import Template
    from .base import Target

__all__ = ["Pass"]


class Pass(Flowing):
    """A Pass state. ``output`` replaces the input; ``assign`` sets variables."""

    __slots__ = ()
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
        self._flow(assign, output, next, end)
