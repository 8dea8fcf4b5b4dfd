"""The state machine: a body fragment, a failure handler, and top-level fields.

Building resolves what composition left symbolic (``ON_FAILURE`` goes to the
failure handler, open exits become ``End``), runs every build-time check and
either returns the rendered definition or raises one :class:`BuildError`
listing every problem.
"""

from __future__ import annotations

from .errors import BuildError
from .fragment import Fragment
from .record import Record
from .render import dumps, render_graph

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from .base import State
    from .errors import Problem

__all__ = ["StateMachine", "finalize"]


def finalize(fragment: Fragment) -> Fragment:
    """Open exits become ``End``, recursively. A Choice cannot end a graph:
    its open exits stay open and the checks report them."""
    states: list[State] = []
    for s in fragment.states:
        if s.TYPE == "Map":
            s = s.replace(processor=finalize(s.processor))  # type: ignore[attr-defined]
        elif s.TYPE == "Parallel":
            s = s.replace(branches=tuple(finalize(b) for b in s.branches))  # type: ignore[attr-defined]
        if s.open_exit() and s.TYPE != "Choice":
            s = s.replace(end=True)
        states.append(s)
    return Fragment(tuple(states), fragment.start, fragment.problems)


class StateMachine(Record):
    """A whole flow.

    ``on_failure`` (usually a Fail state named ``WorkflowFailed``) receives
    every transition that builders sent to ``ON_FAILURE``; it is placed
    after the body's states, and left out when nothing routes to it. ``name`` is the flow's NAME (its file stem).
    """

    __slots__ = ("body", "comment", "timeout_seconds", "on_failure", "name")
    body: Fragment
    comment: str | None
    timeout_seconds: int | None
    on_failure: State | None
    name: str | None

    def __init__(
        self,
        body: Fragment | State | list[Any],
        *,
        comment: str | None = None,
        timeout_seconds: int | None = None,
        on_failure: State | None = None,
        name: str | None = None,
    ) -> None:
        self._set(body=Fragment.of(body), comment=comment, timeout_seconds=timeout_seconds, on_failure=on_failure, name=name)

    def graph(self) -> Fragment:
        """The resolved graph, before any check."""
        body = self.body
        # The failure handler is placed only when something routes to it.
        if self.on_failure is not None and body.failure_routes():
            body = body.on_failure(self.on_failure.name)
            body = Fragment(body.states + (self.on_failure,), body.start, body.problems)
        return finalize(body)

    def problems(self) -> list[Problem]:
        """Every build-time problem (structure, fields, JSONata, variables)."""
        from .checks import check_graph

        return check_graph(self.graph(), timeout_seconds=self.timeout_seconds)

    def to_dict(self, *, check: bool = True) -> dict[str, Any]:
        """The ASL definition as plain data; raises :class:`BuildError` if wrong."""
        graph = self.graph()
        if check:
            from .checks import check_graph

            problems = check_graph(graph, timeout_seconds=self.timeout_seconds)
            if problems:
                raise BuildError(problems, self.name or "flow")
        out: dict[str, Any] = {"QueryLanguage": "JSONata"}
        if self.comment:
            out["Comment"] = self.comment
        if self.timeout_seconds is not None:
            out["TimeoutSeconds"] = self.timeout_seconds
        out.update(render_graph(graph.states, graph.start))
        return out

    def to_json(self, *, check: bool = True) -> str:
        """The exported text: deterministic bytes (UTF-8) for the same code."""
        return dumps(self.to_dict(check=check))
