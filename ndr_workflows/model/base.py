"""What every state shares: a name, transitions, Retry and Catch.

States are immutable values. Wiring a transition returns a new state
(``state.replace(next=...)``), so a builder can hand out a fragment without
fearing that the caller changes it behind its back.
"""

from __future__ import annotations

from .record import Record

TYPE_CHECKING = False  # avoids importing typing at run time; type checkers treat it as True
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any, Union

    from ..expressions import Expr, Template
    from .fragment import Fragment

    Target = Union[str, "OnFailure", "State", "Fragment"]
    Seconds = Union[int, Expr]

__all__ = ["OnFailure", "ON_FAILURE", "Retry", "Catch", "State", "Flowing", "Action", "JSONPATH_FIELDS", "same_target"]


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
        from .fragment import Fragment

        return Fragment.of(self) >> other

    def __rrshift__(self, other: Any) -> Fragment:
        from .fragment import Fragment

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
