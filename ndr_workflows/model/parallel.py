"""The Parallel state: run branches side by side."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from ..expressions import Template
from .base import Catch, Retry, State, Target

if TYPE_CHECKING:  # pragma: no cover
    from .fragment import Fragment

__all__ = ["Parallel"]


@dataclass(frozen=True, kw_only=True)
class Parallel(State):
    """A Parallel state; its result is the list of the branches' outputs."""

    TYPE: ClassVar[str] = "Parallel"

    branches: tuple[Fragment, ...]
    arguments: Template = None
    assign: Mapping[str, Template] | None = None
    output: Template = None
    retry: tuple[Retry, ...] = ()
    catch: tuple[Catch, ...] = ()
    next: Target | None = None
    end: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "branches", tuple(self.branches))
        object.__setattr__(self, "retry", tuple(self.retry))
        object.__setattr__(self, "catch", tuple(self.catch))

    def nested(self) -> list[tuple[str, Fragment]]:
        return [(f"Branches[{i}]", b) for i, b in enumerate(self.branches)]
