"""Fragments: states with an entry and open exits, composed with ``>>``.

A builder returns a :class:`Fragment`. ``a >> b`` sends every open exit of
``a`` (a state whose Next, or a Choice whose Default, is not set yet) to
``b``'s entry. Whatever is still open when the state machine is built
becomes ``End``. Mistakes found while composing (continuing after a Fail,
for instance) are kept in the fragment and reported with all the others
when the state machine is built, so the author sees every problem at once.
"""

from __future__ import annotations

from .base import ON_FAILURE, State
from .errors import Problem
from .record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator
    from typing import Any

    from .base import Target

__all__ = ["Fragment", "chain"]


class Fragment(Record):
    """An ordered group of states with one entry (``start``), plus the
    problems found while composing it."""

    __slots__ = ("states", "start", "problems")
    states: tuple[State, ...]
    start: str
    problems: tuple[Problem, ...]

    def __init__(self, states: tuple[State, ...] | list[State], start: str, problems: tuple[Problem, ...] | list[Problem] = ()) -> None:
        self._set(states=tuple(states), start=start, problems=tuple(problems))

    @staticmethod
    def of(part: Any) -> Fragment:
        """A fragment from a state, a fragment, or a sequence of parts (chained)."""
        if isinstance(part, Fragment):
            return part
        if isinstance(part, State):
            return Fragment((part,), part.name)
        if isinstance(part, (list, tuple)):
            return chain(*part)
        raise TypeError(f"cannot compose {type(part).__name__} {part!r}: expected a State or a Fragment")

    def exits(self) -> list[int]:
        """Indexes of the states whose next transition is still open."""
        return [i for i, s in enumerate(self.states) if s.open_exit()]

    def __rshift__(self, other: Any) -> Fragment:
        nxt = Fragment.of(other)
        exits = self.exits()
        problems = self.problems + nxt.problems
        if not exits:
            last = self.states[-1]
            if last.TYPE in ("Fail", "Succeed"):
                msg = f"{last.TYPE} state cannot have a Next: it ends the execution, so '{nxt.start}' would follow nothing"
                hint = f"route to '{nxt.start}' from a state that continues, or end the flow at '{last.name}'"
            else:
                msg = f"nothing to continue from: every path of this fragment already ends, so '{nxt.start}' would be unreachable"
                hint = "leave a state's Next (or a Choice's Default) unset so that chaining can fill it in"
            problems += (Problem(last.name, "CHAIN_AFTER_END", msg, hint),)
        states = tuple(s.wire(nxt.start) if i in exits else s for i, s in enumerate(self.states))
        return Fragment(states + nxt.states, self.start, problems)

    def __rrshift__(self, other: Any) -> Fragment:
        return Fragment.of(other) >> self

    def retarget(self, old: Target, new: Target) -> Fragment:
        """This fragment with every top-level transition to ``old`` sent to ``new``."""
        return Fragment(tuple(s.retarget(old, new) for s in self.states), self.start, self.problems)

    def on_failure(self, target: Target) -> Fragment:
        """Resolve the symbolic ``ON_FAILURE`` target of the top-level states."""
        return self.retarget(ON_FAILURE, target)

    def failure_routes(self) -> list[tuple[str, str]]:
        """(state, field) of every transition still going to ``ON_FAILURE``."""
        return [(s.name, where) for s in self.states for where, t in s.targets() if t is ON_FAILURE]

    def names(self) -> list[str]:
        return [s.name for s in self.states]

    def state(self, name: str) -> State:
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def with_problem(self, problem: Problem) -> Fragment:
        return Fragment(self.states, self.start, self.problems + (problem,))

    def __iter__(self) -> Iterator[State]:
        return iter(self.states)

    def __len__(self) -> int:
        return len(self.states)


def chain(*parts: Any) -> Fragment:
    """``chain(a, b, c)`` is ``a >> b >> c``; an empty chain is an error."""
    if not parts:
        raise ValueError("chain() needs at least one state or fragment")
    result = Fragment.of(parts[0])
    for part in parts[1:]:
        result = result >> part
    return result
