"""The path an execution took, on the picture: which states it entered and
which transitions it followed (``render_progress()`` of an execution).

What an execution reports is the order in which states were entered
(GetExecutionHistory's ``*StateEntered`` events, the simulator's
``states``), not the transitions themselves, so they are inferred scope by
scope: within one :class:`~.graph.Group` (the flow, a Map's iteration, a
Parallel branch) two states entered one after the other were joined by the
drawn edge between them, if there is one; a state with ``End`` followed by
the scope's first state again is a Map iteration that ended and the next
one starting; the last state of the flow reached its end when the execution
succeeded. State names are unique in a definition, so a name says which
scope it belongs to.
"""

from __future__ import annotations

from .graph import END, START, Edge, Group, Node

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

__all__ = ["Progress", "Marks", "mark"]


class Progress:
    """The states an execution entered, in order, and its status
    (``RUNNING``, ``SUCCEEDED``, ``FAILED``, ``TIMED_OUT``, ``ABORTED``)."""

    __slots__ = ("visited", "status")

    def __init__(self, visited: Iterable[str], status: str) -> None:
        self.visited = tuple(visited)
        self.status = status


class Marks:
    """What to highlight: node and edge identities, and the node where the
    execution stopped when it did not succeed."""

    __slots__ = ("nodes", "edges", "stopped_at")

    def __init__(self) -> None:
        self.nodes: set[int] = set()
        self.edges: set[int] = set()
        self.stopped_at: int | None = None


def mark(group: Group, progress: Progress) -> Marks:
    """The nodes and edges of ``group`` (and of the groups inside it) the execution went through."""
    marks = Marks()
    last = progress.visited[-1] if progress.visited else None
    _mark(group, progress, last, marks, top=True)
    return marks


def _mark(group: Group, progress: Progress, last: str | None, marks: Marks, top: bool) -> None:
    states = {node.name: node for node in group.nodes if node.type not in ("start", "end", "missing")}
    sequence = [name for name in progress.visited if name in states]
    out: dict[int, list[Edge]] = {}
    for edge in group.edges:
        out.setdefault(id(edge.source), []).append(edge)

    def ends(node: Node) -> list[Edge]:
        return [e for e in out.get(id(node), ()) if e.kind == END]

    for index, name in enumerate(sequence):
        node = states[name]
        marks.nodes.add(id(node))
        following = sequence[index + 1] if index + 1 < len(sequence) else None
        if following is not None and group.start is not None and following == group.start.name and ends(node):
            _take(marks, ends(node))  # an iteration ended; the next one starts
            continue
        if following is not None:
            _take(marks, [e for e in out.get(id(node), ()) if e.target is states.get(following)])
    if sequence:
        for edge in group.edges:
            if edge.kind == START:
                _take(marks, [edge])
        final = states[sequence[-1]]
        # the flow ended when the execution succeeded; an iteration or branch when the execution went on after it
        finished = progress.status == "SUCCEEDED" or (not top and sequence[-1] != last)
        if finished and ends(final):
            _take(marks, ends(final))
        if progress.status in ("FAILED", "TIMED_OUT", "ABORTED") and sequence[-1] == last:
            marks.stopped_at = id(final)
    for node in group.nodes:
        for inner in node.groups:
            _mark(inner, progress, last, marks, top=False)


def _take(marks: Marks, edges: list[Edge]) -> None:
    for edge in edges:
        marks.edges.add(id(edge))
        marks.nodes.add(id(edge.source))
        marks.nodes.add(id(edge.target))
