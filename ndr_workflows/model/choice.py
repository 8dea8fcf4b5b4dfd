"""The Choice state: JSONata conditions, each with its own Next."""

from __future__ import annotations

from .base import State, same_target
from .record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..expressions import Expr, Template
    from .base import Target

__all__ = ["Choice", "Rule"]


class Rule(Record):
    """One Choice rule. Its ``assign`` / ``output`` replace the state's when it
    matches. ``next=None`` makes the rule an open exit of its fragment: the
    next ``>>`` fills it in."""

    __slots__ = ("condition", "next", "assign", "output", "comment")
    condition: Expr
    next: Target | None
    assign: dict[str, Template] | None
    output: Template
    comment: str | None

    def __init__(
        self,
        condition: Expr,
        next: Target | None,
        assign: dict[str, Template] | None = None,
        output: Template = None,
        comment: str | None = None,
    ) -> None:
        self._set(condition=condition, next=next, assign=assign, output=output, comment=comment)


class Choice(State):
    """A Choice state. Its open exits are the Default and any rule whose
    ``next`` is None: chaining fills them all in.

    The state-level ``assign`` / ``output`` apply when the Default is taken
    (a matching rule's own ``assign`` / ``output`` replace them).
    """

    __slots__ = ("choices", "default", "assign", "output")
    choices: tuple[Rule, ...]
    default: Target | None
    assign: dict[str, Template] | None
    output: Template
    TYPE = "Choice"

    def __init__(
        self,
        name: str,
        *,
        choices: tuple[Rule, ...] | list[Rule],
        default: Target | None = None,
        assign: dict[str, Template] | None = None,
        output: Template = None,
        comment: str | None = None,
        **jsonpath: Any,
    ) -> None:
        self._base(name, comment, jsonpath)
        self._set(choices=tuple(choices), default=default, assign=assign, output=output)

    def open_exit(self) -> bool:
        return self.default is None or any(r.next is None for r in self.choices)

    def wire(self, target: Target) -> State:
        return self.replace(
            default=target if self.default is None else self.default,
            choices=tuple(r.replace(next=target) if r.next is None else r for r in self.choices),
        )

    def targets(self) -> list[tuple[str, Target]]:
        found: list[tuple[str, Target]] = [(f"Choices[{i}].Next", r.next) for i, r in enumerate(self.choices) if r.next is not None]
        if self.default is not None:
            found.append(("Default", self.default))
        return found

    def retarget(self, old: Target, new: Target) -> State:
        changes: dict[str, Any] = {}
        if self.default is not None and same_target(self.default, old):
            changes["default"] = new
        if any(same_target(r.next, old) for r in self.choices):
            changes["choices"] = tuple(r.replace(next=new) if same_target(r.next, old) else r for r in self.choices)
        return self.replace(**changes) if changes else self
