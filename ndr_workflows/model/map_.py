"""The Map state: run a nested graph for each item."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ..expressions import Expr, Template
from .base import Catch, Retry, Seconds, State, Target

if TYPE_CHECKING:  # pragma: no cover
    from .fragment import Fragment

__all__ = ["Map"]


@dataclass(frozen=True, kw_only=True)
class Map(State):
    """A Map state with an inline (default) or distributed item processor.

    ``items`` is an array or an expression; ``item_selector`` shapes each
    item (``$states.context.Map.Item.Value`` / ``.Index`` are readable
    there). Tolerated failures exist only in DISTRIBUTED mode; an inline Map
    fails as a whole on its first failed iteration.
    """

    TYPE: ClassVar[str] = "Map"

    processor: Fragment
    items: Template = None
    item_selector: Template = None
    max_concurrency: Seconds | None = None
    mode: str = "INLINE"
    execution_type: str | None = None  # DISTRIBUTED: "STANDARD" or "EXPRESS"
    tolerated_failure_percentage: int | float | Expr | None = None
    tolerated_failure_count: int | Expr | None = None
    label: str | None = None
    assign: Mapping[str, Template] | None = None
    output: Template = None
    retry: tuple[Retry, ...] = ()
    catch: tuple[Catch, ...] = ()
    next: Target | None = None
    end: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "retry", tuple(self.retry))
        object.__setattr__(self, "catch", tuple(self.catch))

    def nested(self) -> list[tuple[str, Fragment]]:
        return [("ItemProcessor", self.processor)]
