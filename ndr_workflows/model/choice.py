"""The Choice state: JSONata conditions, each with its own Next."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from ..expressions import Expr, Template
from .base import State, Target, _same

__all__ = ["Choice", "Rule"]


@dataclass(frozen=True)
class Rule:
    """One Choice rule. Its ``assign`` replaces the state's when it matches."""

    condition: Expr
    next: Target
    assign: Mapping[str, Template] | None = None
    output: Template = None
    comment: str | None = None


@dataclass(frozen=True, kw_only=True)
class Choice(State):
    """A Choice state. ``default`` is its open exit: chaining fills it in.

    The state-level ``assign`` / ``output`` apply when the Default is taken
    (a matching rule's own ``assign`` / ``output`` replace them).
    """

    TYPE: ClassVar[str] = "Choice"

    choices: tuple[Rule, ...]
    default: Target | None = None
    assign: Mapping[str, Template] | None = None
    output: Template = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", tuple(self.choices))

    def open_exit(self) -> bool:
        return self.default is None

    def wire(self, target: Target) -> State:
        return replace(self, default=target)

    def targets(self) -> list[tuple[str, Target]]:
        found: list[tuple[str, Target]] = [(f"Choices[{i}].Next", r.next) for i, r in enumerate(self.choices)]
        if self.default is not None:
            found.append(("Default", self.default))
        return found

    def retarget(self, old: Target, new: Target) -> State:
        changes: dict[str, Any] = {}
        if self.default is not None and _same(self.default, old):
            changes["default"] = new
        if any(_same(r.next, old) for r in self.choices):
            changes["choices"] = tuple(replace(r, next=new) if _same(r.next, old) else r for r in self.choices)
        return replace(self, **changes) if changes else self
