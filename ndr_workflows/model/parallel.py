"""The Parallel state: run branches side by side."""

from __future__ import annotations

from .base import State

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..expressions import Template
    from .base import Catch, Retry, Target
    from .fragment import Fragment

__all__ = ["Parallel"]


class Parallel(State):
    """A Parallel state; its result is the list of the branches' outputs."""

    __slots__ = ("branches", "arguments", "assign", "output", "retry", "catch", "next", "end")
    branches: tuple[Fragment, ...]
    arguments: Template
    assign: dict[str, Template] | None
    output: Template
    retry: tuple[Retry, ...]
    catch: tuple[Catch, ...]
    next: Target | None
    end: bool
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
        from .fragment import Fragment

        self._base(name, comment, jsonpath)
        self._set(
            branches=tuple(Fragment.of(b) for b in branches),
            arguments=arguments,
            assign=assign,
            output=output,
            retry=tuple(retry),
            catch=tuple(catch),
            next=next,
            end=end,
        )

    def nested(self) -> list[tuple[str, Fragment]]:
        return [(f"Branches[{i}]", b) for i, b in enumerate(self.branches)]
