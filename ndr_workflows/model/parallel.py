"""The Parallel state: run branches side by side."""

from __future__ import annotations

from .base import Action, Fragment

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..expressions import Template
    from .base import Catch, Retry, State, Target

__all__ = ["Parallel"]


class Parallel(Action):
    """A Parallel state; its result is the list of the branches' outputs."""

    __slots__ = ("branches", "arguments")
    branches: tuple[Fragment, ...]
    arguments: Template
    TYPE = "Parallel"

    def __init__(
        self,
        name: str,
        *,
        branches: tuple[Fragment | State, ...] | list[Fragment | State],
        arguments: Template = None,
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
            branches=tuple(Fragment.of(b) for b in branches),
            arguments=arguments,
        )
        self._act(assign, output, retry, catch, next, end)

    def nested(self) -> list[tuple[str, Fragment]]:
        return [(f"Branches[{i}]", b) for i, b in enumerate(self.branches)]
