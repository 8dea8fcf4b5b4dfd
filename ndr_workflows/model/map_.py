"""The Map state: run a nested graph for each item."""

from __future__ import annotations

from .base import Action, Fragment

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..expressions import Expr, Template
    from .base import Catch, Retry, Seconds, State, Target

__all__ = ["Map"]


class Map(Action):
    """A Map state with an inline (default) or distributed item processor.

    ``items`` is an array or an expression; ``item_selector`` shapes each
    item (``$states.context.Map.Item.Value`` / ``.Index`` are readable
    there). Tolerated failures exist only in DISTRIBUTED mode: an inline Map
    fails as a whole on its first failed iteration, so catch inside the
    iteration to tolerate one.
    """

    __slots__ = ("processor", "items", "item_selector", "max_concurrency", "mode", "execution_type", "tolerated_failure_percentage", "tolerated_failure_count", "label")
    processor: Fragment
    items: Template
    item_selector: Template
    max_concurrency: Seconds | None
    mode: str
    execution_type: str | None
    tolerated_failure_percentage: int | float | Expr | None
    tolerated_failure_count: int | Expr | None
    label: str | None
    TYPE = "Map"

    def __init__(
        self,
        name: str,
        *,
        processor: Fragment | State,
        items: Template = None,
        item_selector: Template = None,
        max_concurrency: Seconds | None = None,
        mode: str = "INLINE",
        execution_type: str | None = None,
        tolerated_failure_percentage: int | float | Expr | None = None,
        tolerated_failure_count: int | Expr | None = None,
        label: str | None = None,
        assign: dict[str, Template] | None = None,
        output: Template = None,
        retry: tuple[Retry, ...] | list[Retry] = (),
        catch: tuple[Catch, ...] | list[Catch] = (),
        next: Target | None = None,
        end: bool = False,
        comment: str | None = None,
        **jsonpath: Any,
    ) -> None:
    
        self._base(name, comment, jsonpath)
        self._set(
            processor=Fragment.of(processor),
            items=items,
            item_selector=item_selector,
            max_concurrency=max_concurrency,
            mode=mode,
            execution_type=execution_type,
            tolerated_failure_percentage=tolerated_failure_percentage,
            tolerated_failure_count=tolerated_failure_count,
            label=label,
        )
        self._act(assign, output, retry, catch, next, end)

    def nested(self) -> list[tuple[str, Fragment]]:
        return [("ItemProcessor", self.processor)]
