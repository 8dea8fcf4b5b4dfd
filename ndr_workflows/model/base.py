"""What every state shares: a name, transitions, Retry and Catch.

States are frozen values. Wiring a transition returns a new state
(:func:`dataclasses.replace`), so a builder can hand out a fragment without
fearing that the caller mutates it behind its back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, ClassVar, Union

from ..expressions import Expr, Template

if TYPE_CHECKING:  # pragma: no cover
    from .fragment import Fragment

__all__ = [
    "OnFailure",
    "ON_FAILURE",
    "Target",
    "Retry",
    "Catch",
    "State",
    "JSONPATH_FIELDS",
]


class OnFailure:
    """The symbolic target "the enclosing failure handler".

    A builder routes its errors here instead of naming a state it does not
    know. Whoever encloses the fragment resolves it: the lock builder sends
    it to the lock release, the state machine to its ``WorkflowFailed``
    state. An unresolved one is a build error.
    """

    _instance: ClassVar[OnFailure | None] = None

    def __new__(cls) -> OnFailure:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ON_FAILURE"

    def __reduce__(self) -> str:
        return "ON_FAILURE"


ON_FAILURE = OnFailure()

Target = Union[str, OnFailure]

Seconds = Union[int, Expr]


@dataclass(frozen=True)
class Retry:
    """One Retry entry. ``None`` leaves a field to Step Functions' default."""

    errors: tuple[str, ...]
    interval_seconds: int | None = None
    max_attempts: int | None = None
    backoff_rate: float | None = None
    max_delay_seconds: int | None = None
    jitter: str | None = None  # "FULL" or "NONE"
    comment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "errors", _as_tuple(self.errors))


@dataclass(frozen=True)
class Catch:
    """One Catch entry: errors, where to go, and what to keep of the error."""

    errors: tuple[str, ...]
    next: Target
    assign: Mapping[str, Template] | None = None
    output: Template = None
    comment: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "errors", _as_tuple(self.errors))


def _as_tuple(errors: Any) -> tuple[str, ...]:
    if isinstance(errors, str):
        return (errors,)
    return tuple(errors)


# The JSONPath-only fields, by the keyword a Python author coming from
# JSONPath would type. They exist on every state so that a mistake becomes a
# build error with a hint instead of a TypeError.
JSONPATH_FIELDS: Mapping[str, tuple[str, str]] = {
    "input_path": ("InputPath", "read $states.input in Arguments or Output instead"),
    "parameters": ("Parameters", "use arguments= (Task, Parallel) or item_selector= (Map)"),
    "result_selector": ("ResultSelector", "shape $states.result in output= or assign="),
    "result_path": ("ResultPath", "merge with $states.result in output=, or keep it with assign="),
    "output_path": ("OutputPath", "use output="),
    "items_path": ("ItemsPath", "use items="),
    "result": ("Result", "use output= on the Pass state"),
}


@dataclass(frozen=True, kw_only=True)
class State:
    """Fields common to all states. Subclasses add their own."""

    TYPE: ClassVar[str] = ""
    # Whether the state continues to a Next (and so can be chained).
    CONTINUES: ClassVar[bool] = True

    name: str
    comment: str | None = None
    # JSONPath fields: never rendered, always reported.
    input_path: Any = field(default=None, repr=False)
    parameters: Any = field(default=None, repr=False)
    result_selector: Any = field(default=None, repr=False)
    result_path: Any = field(default=None, repr=False)
    output_path: Any = field(default=None, repr=False)
    items_path: Any = field(default=None, repr=False)
    result: Any = field(default=None, repr=False)

    # -- transitions -------------------------------------------------------

    def open_exit(self) -> bool:
        """True when the state continues but its Next is not wired yet."""
        return self.CONTINUES and getattr(self, "next", None) is None and not getattr(self, "end", False)

    def wire(self, target: Target) -> State:
        """This state with its open exit sent to ``target``."""
        return replace(self, next=target)  # type: ignore[call-arg]

    def targets(self) -> list[tuple[str, Target]]:
        """Every (field path, target) this state may transition to."""
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
        if getattr(self, "next", None) is old or getattr(self, "next", None) == old:
            changes["next"] = new
        catches = getattr(self, "catch", None)
        if catches:
            changes["catch"] = tuple(replace(c, next=new) if _same(c.next, old) else c for c in catches)
        return replace(self, **changes) if changes else self

    def jsonpath_fields(self) -> list[tuple[str, str]]:
        """The JSONPath fields that were set, with a hint each."""
        return [JSONPATH_FIELDS[f.name] for f in fields(self) if f.name in JSONPATH_FIELDS and getattr(self, f.name) is not None]

    def nested(self) -> list[tuple[str, Fragment]]:
        """Nested graphs (Map processor, Parallel branches) with their path."""
        return []

    def __rshift__(self, other: Any) -> Fragment:
        from .fragment import Fragment

        return Fragment.of(self) >> other


def _same(a: Target, b: Target) -> bool:
    return a is b or (isinstance(a, str) and isinstance(b, str) and a == b)
