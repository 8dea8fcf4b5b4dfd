"""Fragments: states with an entry and open exits, composed with ``>>``.

A builder returns a :class:`Fragment`. ``a >> b`` sends every open exit of
``a`` (a state whose Next, or a Choice whose Default, is not set yet) to
``b``'s entry. Whatever is still open when the state machine is built
becomes ``End``. Mistakes found while composing (continuing after a Fail,
for instance) are kept in the fragment and reported with all the others
when the state machine is built, so the author sees every problem at once.

A fragment pulls in every state reachable from it: a transition may name
a State or a Fragment object instead of a state name (``Catch(..., next=Fail(...))``,
a branch of :func:`~ndr_workflows.model.choose`), and its states join the
fragment, their open exits with the fragment's.

Composition is linear: ``a >> b`` records the two parts and what is still
open, and the states are laid out (each open exit wired) once, when they
are first read. A chain of n states costs O(n), not O(n²).
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

    __slots__ = ("start", "problems", "_states", "_parts", "_open", "_last")
    start: str
    problems: tuple[Problem, ...]
    _states: tuple[State, ...] | None
    _parts: tuple[Fragment, Fragment] | None
    _open: bool
    _last: State | None

    def __init__(self, states: tuple[State, ...] | list[State], start: str, problems: tuple[Problem, ...] | list[Problem] = ()) -> None:
        laid = _pull_in(tuple(states))
        self._set(
            start=start,
            problems=tuple(problems),
            _states=laid,
            _parts=None,
            _open=any(s.open_exit() for s in laid),
            _last=laid[-1] if laid else None,
        )

    @classmethod
    def _join(cls, left: Fragment, right: Fragment, problems: tuple[Problem, ...]) -> Fragment:
        joined = object.__new__(cls)
        joined._set(start=left.start, problems=problems, _states=None, _parts=(left, right), _open=right._open, _last=right._last)
        return joined

    @property
    def states(self) -> tuple[State, ...]:
        """The states in order, every inner open exit wired (laid out once)."""
        if self._states is None:
            self._set(_states=_lay_out(self), _parts=None)
        return self._states  # type: ignore[return-value]

    @staticmethod
    def of(part: Any) -> Fragment:
        """A fragment from a state, a fragment, a builder that makes one
        (``choose(...)``), or a sequence of parts (chained)."""
        if isinstance(part, Fragment):
            return part
        if isinstance(part, State):
            return Fragment((part,), part.name)
        to_fragment = getattr(part, "to_fragment", None)
        if to_fragment is not None:
            return to_fragment()
        if isinstance(part, (list, tuple)):
            return chain(*part)
        raise TypeError(f"cannot compose {type(part).__name__} {part!r}: expected a State or a Fragment")

    # -- value semantics over the laid-out states ------------------------------

    def _values(self) -> tuple[object, ...]:
        return (self.states, self.start, self.problems)

    def as_kwargs(self) -> dict[str, object]:
        return {"states": self.states, "start": self.start, "problems": self.problems}

    def __repr__(self) -> str:
        return f"Fragment(start={self.start!r}, states={len(self.states)}, problems={len(self.problems)})"

    # -- composition -------------------------------------------------------------

    def exits(self) -> list[int]:
        """Indexes of the states whose next transition is still open."""
        return [i for i, s in enumerate(self.states) if s.open_exit()]

    def has_exit(self) -> bool:
        """Whether anything is left open for the next ``>>`` to continue from."""
        return self._open

    def __rshift__(self, other: Any) -> Fragment:
        nxt = Fragment.of(other)
        problems = self.problems + nxt.problems
        if not self._open and self._last is not None:
            last = self._last
            if last.TYPE in ("Fail", "Succeed"):
                msg = f"{last.TYPE} state cannot have a Next: it ends the execution, so '{nxt.start}' would follow nothing"
                hint = f"route to '{nxt.start}' from a state that continues, or end the flow at '{last.name}'"
            else:
                msg = f"nothing to continue from: every path of this fragment already ends, so '{nxt.start}' would be unreachable"
                hint = "leave a state's Next (or a Choice's Default) unset so that chaining can fill it in"
            problems += (Problem(last.name, "CHAIN_AFTER_END", msg, hint),)
        return Fragment._join(self, nxt, problems)

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
        copy = object.__new__(Fragment)
        copy._set(start=self.start, problems=self.problems + (problem,), _states=self._states, _parts=self._parts, _open=self._open, _last=self._last)
        return copy

    def __iter__(self) -> Iterator[State]:
        return iter(self.states)

    def __len__(self) -> int:
        return len(self.states)


def _lay_out(fragment: Fragment) -> tuple[State, ...]:
    """The states of a composed fragment, in order, each part's open exits
    wired to the entry of the part after it. Iterative: a chain of 10,000
    ``>>`` is as deep as it is long."""
    out: list[State] = []
    stack: list[tuple[Fragment, str | None]] = [(fragment, None)]
    while stack:
        node, target = stack.pop()
        if node._states is not None:
            if target is None:
                out.extend(node._states)
            else:
                out.extend(s.wire(target) if s.open_exit() else s for s in node._states)
            continue
        left, right = node._parts  # type: ignore[misc]
        stack.append((right, target))
        stack.append((left, right.start))
    return tuple(out)


def _pull_in(states: tuple[State, ...]) -> tuple[State, ...]:
    """Replace transitions to State / Fragment objects by their entry's name
    and append their states (once each), so a fragment holds every state it
    can reach."""
    if not any(not isinstance(t, str) and t is not ON_FAILURE for s in states for _, t in s.targets()):
        return states
    out = list(states)
    seen: dict[str, State] = {s.name: s for s in states}
    i = 0
    while i < len(out):
        s = out[i]
        for _, target in s.targets():
            if isinstance(target, str) or target is ON_FAILURE:
                continue
            pulled = Fragment.of(target)
            s = s.retarget(target, pulled.start)
            for inner in pulled.states:
                known = seen.get(inner.name)
                if known is not None and (known is inner or known == inner):
                    continue
                seen.setdefault(inner.name, inner)
                out.append(inner)
        out[i] = s
        i += 1
    return tuple(out)


def chain(*parts: Any) -> Fragment:
    """``chain(a, b, c)`` is ``a >> b >> c``; an empty chain is an error."""
    if not parts:
        raise ValueError("chain() needs at least one state or fragment")
    result = Fragment.of(parts[0])
    for part in parts[1:]:
        result = result >> part
    return result
