"""``choose("Name").when(condition, then)...otherwise(then)``: a Choice
whose branches are fragments, not state names.

Each ``then`` is pulled into the result: a State, a Fragment, a list of
parts (chained), a state name (a jump, e.g. back into a loop), ``ON_FAILURE``,
or None (continue after the Choice). The branches' open exits, and the
Default when ``otherwise`` is not given, are the result's open exits: the
next ``>>`` continues from all of them, so branches rejoin without a name.
"""

from __future__ import annotations

from .base import OnFailure, State
from .choice import Choice, Rule
from .base import Fragment
from .record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Union

    from ..expressions import Expr, Template
    from .errors import Problem

    Then = Union[State, Fragment, list, tuple, str, OnFailure, None, Any]

__all__ = ["choose", "Choose", "Goto"]


class Goto(Record):
    """A transition with what it records on the way: ``next`` (a name,
    ``ON_FAILURE``, a state or fragment) and the ``assign`` / ``output``
    of the rule (or of the Choice, for ``otherwise``). Builders return one
    for "fail the flow, saying why" (``steps.to_failure``)."""

    __slots__ = ("next", "assign", "output")
    next: Any
    assign: dict[str, Template] | None
    output: Template

    def __init__(self, next: Any, assign: dict[str, Template] | None = None, output: Template = None) -> None:
        self._set(next=next, assign=assign, output=output)


def _target(then: Then) -> tuple[Any, Fragment | None]:
    """(what the rule's Next is, the fragment to pull in)."""
    if isinstance(then, Goto):
        return _target(then.next)
    if then is None or isinstance(then, (str, OnFailure)):
        return then, None
    fragment = Fragment.of(then)
    return fragment.start, fragment


class Choose(Record):
    """A Choice being built; immutable, every call returns a new one."""

    __slots__ = ("name", "rules", "branches", "default", "default_branch", "comment", "assign", "output")
    name: str
    rules: tuple[Rule, ...]
    branches: tuple[Fragment, ...]
    default: Any
    default_branch: Fragment | None
    comment: str | None
    assign: dict[str, Template] | None
    output: Template

    def __init__(
        self,
        name: str,
        rules: tuple[Rule, ...] = (),
        branches: tuple[Fragment, ...] = (),
        default: Any = None,
        default_branch: Fragment | None = None,
        comment: str | None = None,
        assign: dict[str, Template] | None = None,
        output: Template = None,
    ) -> None:
        self._set(name=name, rules=tuple(rules), branches=tuple(branches), default=default, default_branch=default_branch, comment=comment, assign=assign, output=output)

    def when(
        self, condition: Expr, then: Then = None, *, assign: dict[str, Template] | None = None, output: Template = None, label: str | None = None
    ) -> Choose:
        """Take ``then`` when ``condition`` holds (rules are tried in order).
        ``label`` says what the rule means in words: it is the rule's
        ``Comment``, which the diagrams (and the AWS console) show on its edge."""
        from ..expressions import Expr

        if isinstance(condition, bool) or not isinstance(condition, Expr):
            raise TypeError(
                f"choose({self.name!r}).when: the condition must be an expression, not {condition!r}"
                + (" (== on expressions compares them in Python; write x.eq(y))" if isinstance(condition, bool) else "")
            )
        nxt, branch = _target(then)
        if isinstance(then, Goto):
            assign, output = assign or then.assign, output if output is not None else then.output
        guarded = getattr(condition, "guarded", None)
        rule = Rule(guarded() if guarded is not None else condition, nxt, assign=assign, output=output, comment=label)
        return self.replace(rules=self.rules + (rule,), branches=self.branches + ((branch,) if branch is not None else ()))

    def otherwise(self, then: Then, *, assign: dict[str, Template] | None = None, output: Template = None) -> Fragment:
        """Take ``then`` when no rule holds; the Choice is complete."""
        nxt, branch = _target(then)
        if isinstance(then, Goto):
            assign, output = assign or then.assign, output if output is not None else then.output
        built = self.replace(default=nxt, default_branch=branch)
        if assign is not None or output is not None:
            built = built.replace(assign=assign, output=output)
        return built.to_fragment()

    def to_fragment(self) -> Fragment:
        state = Choice(self.name, choices=self.rules, default=self.default, assign=self.assign, output=self.output, comment=self.comment)
        states: list[State] = [state]
        problems: list[Problem] = []
        for branch in self.branches + ((self.default_branch,) if self.default_branch is not None else ()):
            known = {s.name for s in states}
            states.extend(s for s in branch.states if s.name not in known or s not in states)
            problems.extend(branch.problems)
        return Fragment(tuple(states), self.name, tuple(problems))

    def __rshift__(self, other: Any) -> Fragment:
        return self.to_fragment() >> other

    def __rrshift__(self, other: Any) -> Fragment:
        return Fragment.of(other) >> self.to_fragment()


def choose(name: str, *, comment: str | None = None, assign: dict[str, Template] | None = None, output: Template = None) -> Choose:
    """A Choice named ``name``; add rules with ``.when`` and finish with
    ``.otherwise`` (or leave the Default open: the next ``>>`` continues).
    ``assign`` / ``output`` apply when the Default is taken."""
    return Choose(name, comment=comment, assign=assign, output=output)
