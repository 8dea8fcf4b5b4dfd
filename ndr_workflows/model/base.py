"""What every state shares (a name, transitions, Retry and Catch), and the
fragments states compose into.

States are immutable values. Wiring a transition returns a new state
(``state.replace(next=...)``), so a builder can hand out a fragment without
fearing that the caller changes it behind its back.

Fragments: states with an entry and open exits, composed with ``>>``.

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

States and fragments live in one module because each composes with the
other (``state >> fragment``, ``fragment >> state``).
"""

from __future__ import annotations

from ..asl.problems import Problem
from .record import Record

TYPE_CHECKING = False  # avoids importing typing at run time; type checkers treat it as True
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Union

    from collections.abc import Iterator

    from ..expressions import Expr, Template

    Target = Union[str, "OnFailure", "State", "Fragment"]
    Seconds = Union[int, Expr]

__all__ = ["OnFailure", "ON_FAILURE", "Retry", "Catch", "State", "Flowing", "Action", "Fragment", "chain", "JSONPATH_FIELDS", "same_target"]


class OnFailure:
    """The symbolic target "the enclosing failure handler".

    A builder routes its errors here instead of naming a state it does not
    know. Whoever encloses the fragment resolves it: the lock builder sends
    it to the lock release, the state machine to its ``WorkflowFailed``
    state. An unresolved one is a build error.
    """

    __slots__ = ()
    _instance = None

    def __new__(cls) -> OnFailure:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ON_FAILURE"

    def __reduce__(self) -> str:
        return "ON_FAILURE"


ON_FAILURE = OnFailure()


def same_target(a: object, b: object) -> bool:
    return a is b or (isinstance(a, str) and isinstance(b, str) and a == b)


def _errors(errors: Any) -> tuple[str, ...]:
    return (errors,) if isinstance(errors, str) else tuple(errors)


class Retry(Record):
    """One Retry entry. ``None`` leaves a field to Step Functions' default."""

    __slots__ = ("errors", "interval_seconds", "max_attempts", "backoff_rate", "max_delay_seconds", "jitter", "comment")
    errors: tuple[str, ...]
    interval_seconds: int | None
    max_attempts: int | None
    backoff_rate: float | None
    max_delay_seconds: int | None
    jitter: str | None
    comment: str | None

    def __init__(
        self,
        errors: tuple[str, ...] | list[str] | str,
        interval_seconds: int | None = None,
        max_attempts: int | None = None,
        backoff_rate: float | None = None,
        max_delay_seconds: int | None = None,
        jitter: str | None = None,
        comment: str | None = None,
    ) -> None:
        self._set(
            errors=_errors(errors),
            interval_seconds=interval_seconds,
            max_attempts=max_attempts,
            backoff_rate=float(backoff_rate) if isinstance(backoff_rate, int) and not isinstance(backoff_rate, bool) else backoff_rate,
            max_delay_seconds=max_delay_seconds,
            jitter=jitter,
            comment=comment,
        )


class Catch(Record):
    """One Catch entry: errors, where to go, and what to keep of the error."""

    __slots__ = ("errors", "next", "assign", "output", "comment")
    errors: tuple[str, ...]
    next: Target
    assign: dict[str, Template] | None
    output: Template
    comment: str | None

    def __init__(
        self,
        errors: tuple[str, ...] | list[str] | str,
        next: Target,
        assign: dict[str, Template] | None = None,
        output: Template = None,
        comment: str | None = None,
    ) -> None:
        self._set(errors=_errors(errors), next=next, assign=assign, output=output, comment=comment)


# The JSONPath-only fields, by the keyword a Python author coming from
# JSONPath would type (snake_case or the ASL spelling). They are accepted by
# every state so that the mistake becomes a build error with a hint, listed
# with all the others, instead of a TypeError.
JSONPATH_FIELDS: dict[str, tuple[str, str]] = {
    "input_path": ("InputPath", "read $states.input in arguments= or output= instead"),
    "parameters": ("Parameters", "use arguments= (Task, Parallel) or item_selector= (Map)"),
    "result_selector": ("ResultSelector", "shape $states.result in output= or assign="),
    "result_path": ("ResultPath", "merge with $states.result in output=, or keep it with assign="),
    "output_path": ("OutputPath", "use output="),
    "items_path": ("ItemsPath", "use items="),
    "result": ("Result", "use output= on the Pass state"),
    "error_path": ("ErrorPath", "use error= with an expression"),
    "cause_path": ("CausePath", "use cause= with an expression"),
    "seconds_path": ("SecondsPath", "use seconds= with an expression"),
    "timestamp_path": ("TimestampPath", "use timestamp= with an expression"),
    "variable": ("Variable", "write a JSONata condition: Rule(expr(...), next)"),
}
_ASL_SPELLING = {asl: key for key, (asl, _) in JSONPATH_FIELDS.items()}


class State(Record):
    """Fields common to all states; subclasses add theirs.

    ``TYPE`` is the ASL type; ``CONTINUES`` says whether the state has a
    Next (and so can be chained after).
    """

    __slots__ = ("name", "comment", "_extra")
    name: str
    comment: str | None
    _extra: dict[str, Any] | None
    TYPE = ""
    CONTINUES = True

    def _base(self, name: str, comment: str | None, extra: dict[str, Any]) -> None:
        unknown = [k for k in extra if k not in JSONPATH_FIELDS and k not in _ASL_SPELLING]
        if unknown:
            import difflib

            valid = [f for f in self._fields() if not f.startswith("_")]
            hints = []
            for k in unknown:
                close = difflib.get_close_matches(k, valid, n=1)
                hints.append(f"'{k}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
            raise TypeError(f"{type(self).__name__}({name!r}) got unexpected keyword argument(s) {', '.join(hints)}; valid: {', '.join(valid)}")
        self._set(name=name, comment=comment, _extra={k: v for k, v in extra.items() if v is not None} or None)

    # -- transitions -------------------------------------------------------

    def open_exit(self) -> bool:
        """True when the state continues but its Next is not wired yet."""
        return self.CONTINUES and getattr(self, "next", None) is None and not getattr(self, "end", False)

    def wire(self, target: Target) -> State:
        """This state with its open exit sent to ``target``."""
        return self.replace(next=target)

    def targets(self) -> list[tuple[str, Target]]:
        """Every (field, target) this state may transition to."""
        found: list[tuple[str, Target]] = []
        nxt = getattr(self, "next", None)
        if nxt is not None:
            found.append(("Next", nxt))
        for i, catch in enumerate(getattr(self, "catch", ()) or ()):
            found.append((f"Catch[{i}].Next", catch.next))
        return found

    def retarget(self, old: Target, new: Target) -> State:
        """This state with every transition to ``old`` sent to ``new``."""
        changes: dict[str, Any] = {}
        if same_target(getattr(self, "next", None), old):
            changes["next"] = new
        catches = getattr(self, "catch", None)
        if catches and any(same_target(c.next, old) for c in catches):
            changes["catch"] = tuple(c.replace(next=new) if same_target(c.next, old) else c for c in catches)
        return self.replace(**changes) if changes else self

    def jsonpath_fields(self) -> list[tuple[str, str]]:
        """The JSONPath fields that were given, as (ASL name, hint)."""
        extra = getattr(self, "_extra", None) or {}
        found = []
        for key in extra:
            py = _ASL_SPELLING.get(key, key)
            found.append(JSONPATH_FIELDS[py])
        return found

    def nested(self) -> list[tuple[str, Fragment]]:
        """Nested graphs (Map processor, Parallel branches) with their field."""
        return []

    def __rshift__(self, other: Any) -> Fragment:
        return Fragment.of(self) >> other

    def __rrshift__(self, other: Any) -> Fragment:
        return Fragment.of(other) >> self


class Flowing(State):
    """A state that continues to a Next (or ends) and may assign and shape
    its output: Pass and Wait, and through :class:`Action`, the states that
    do work."""

    __slots__ = ("assign", "output", "next", "end")
    assign: dict[str, Template] | None
    output: Template
    next: Target | None
    end: bool

    def _flow(self, assign: dict[str, Template] | None, output: Template, next: Target | None, end: bool) -> None:
        self._set(assign=assign, output=output, next=next, end=end)


class Action(Flowing):
    """A state that does work and so can fail: Task, Map and Parallel have
    Retry and Catch, and their Output / Assign can read ``$states.result``."""

    __slots__ = ("retry", "catch")
    retry: tuple[Retry, ...]
    catch: tuple[Catch, ...]

    def _act(
        self,
        assign: dict[str, Template] | None,
        output: Template,
        retry: tuple[Retry, ...] | list[Retry],
        catch: tuple[Catch, ...] | list[Catch],
        next: Target | None,
        end: bool,
    ) -> None:
        self._flow(assign, output, next, end)
        self._set(retry=tuple(retry), catch=tuple(catch))


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
