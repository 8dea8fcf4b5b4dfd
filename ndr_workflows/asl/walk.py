"""Walking an ASL definition (plain data) scope by scope and state by state.

The validator, the simulator, the diagrams, the deploy's IAM policies and
the pipeline contracts all walk definitions the same way, and a definition
may be anything a file holds (a state that is a list, ``States`` that is a
string...), so the walk lives here once: it yields what is there and skips
what is not a dict; the structure checks report the rest.

One :class:`Scope` models a graph for all of them: the validator checks
each scope's states and variables, the simulator gives each run of a scope
its own variables (reading the enclosing scope's when
:attr:`Scope.reads_outer_variables`), the diagrams draw each as a group.

Paths name states from the top, ``Outer/Inner`` for a state inside a Map's
ItemProcessor or a Parallel branch (as the model's build errors do); ``""``
is the top level.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator
    from typing import Any

__all__ = ["Scope", "scopes", "iter_states", "state_language", "top_language", "nested_graphs", "transitions", "targets", "map_mode", "JSONATA", "JSONPATH"]

JSONATA = "JSONata"
JSONPATH = "JSONPath"


class Scope:
    """One graph: the top level, a Map's ItemProcessor or a Parallel branch.

    ``owner`` is the path of the Map/Parallel state ("" for the top level),
    ``prefix`` what its states' paths start with, ``field`` the owner's field
    holding the graph (``ItemProcessor``, ``Branches[1]``; "" at the top),
    ``language`` the query language its states inherit, ``kind`` one of
    "top", "map", "distributed" (a Distributed Map's child workflow) or
    "parallel", and ``parent`` the enclosing scope.
    """

    __slots__ = ("graph", "owner", "prefix", "field", "language", "kind", "parent")

    def __init__(self, graph: Any, owner: str, field: str, language: str, kind: str, parent: Scope | None) -> None:
        self.graph = graph
        self.owner = owner
        self.prefix = f"{owner}/" if owner else ""
        self.field = field
        self.language = language
        self.kind = kind
        self.parent = parent

    def states(self) -> dict[str, Any]:
        """The graph's States when it is an object, else an empty dict
        (names that are not strings, possible in a Python dict, left out:
        the structure checks report them)."""
        graph = self.graph
        states = graph.get("States") if isinstance(graph, dict) else None
        if not isinstance(states, dict):
            return {}
        if all(type(k) is str for k in states):
            return states
        return {k: v for k, v in states.items() if isinstance(k, str)}

    def start(self) -> Any:
        return self.graph.get("StartAt") if isinstance(self.graph, dict) else None

    def where(self, key: str) -> str:
        """A field of this graph named for messages: ``StartAt`` at the top,
        ``ItemProcessor.StartAt`` / ``Branches[0].StartAt`` when nested."""
        return f"{self.field}.{key}" if self.field else key

    @property
    def reads_outer_variables(self) -> bool:
        """Whether the states of this graph see the variables of the
        enclosing one: a Map iteration and a Parallel branch do, a
        Distributed Map's child workflow (a separate execution) does not."""
        return self.kind in ("map", "parallel")

    def children(self, name: str, state: Any) -> list[Scope]:
        """The graphs nested in state ``name`` of this scope (a Map's
        processor, a Parallel's branches), as scopes."""
        language = state_language(state, self.language)
        return [Scope(graph, self.prefix + str(name), field, language, kind, self) for field, graph, kind in nested_graphs(state)]

    @classmethod
    def top(cls, definition: Any) -> Scope:
        """The top-level graph of a definition."""
        return cls(definition, "", "", top_language(definition), "top", None)


def state_language(state: Any, inherited: str) -> str:
    """The query language a state uses: its own ``QueryLanguage`` when it is
    a known one, else the inherited one."""
    if isinstance(state, dict):
        own = state.get("QueryLanguage")
        if own in (JSONATA, JSONPATH):
            return own
    return inherited


def top_language(definition: Any) -> str:
    if isinstance(definition, dict) and definition.get("QueryLanguage") == JSONATA:
        return JSONATA
    return JSONPATH


def map_mode(state: dict[str, Any]) -> str:
    """A Map's processor mode, ``INLINE`` unless it says DISTRIBUTED."""
    processor = state.get("ItemProcessor")
    if isinstance(processor, dict):
        config = processor.get("ProcessorConfig")
        if isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED":
            return "DISTRIBUTED"
    return "INLINE"


def nested_graphs(state: Any) -> list[tuple[str, Any, str]]:
    """(field, graph, kind) of a Map's processor or a Parallel's branches."""
    if not isinstance(state, dict):
        return []
    kind = state.get("Type")
    if kind == "Map":
        for field in ("ItemProcessor", "Iterator"):
            if field in state:
                return [(field, state[field], "distributed" if map_mode(state) == "DISTRIBUTED" else "map")]
        return []
    if kind == "Parallel":
        branches = state.get("Branches")
        if isinstance(branches, list):
            return [(f"Branches[{i}]", b, "parallel") for i, b in enumerate(branches)]
    return []


def transitions(state: Any) -> list[tuple[str, Any, dict[str, Any] | None]]:
    """(field, target, entry) of every transition a state (plain data)
    declares: ``Next``, each ``Choices[i].Next`` and ``Default`` of a Choice,
    each ``Catch[i].Next``, in that order; ``entry`` is the Choice rule or
    Catch object that holds the transition (None for Next and Default)."""
    if not isinstance(state, dict):
        return []
    found: list[tuple[str, Any, dict[str, Any] | None]] = []
    if "Next" in state:
        found.append(("Next", state["Next"], None))
    if state.get("Type") == "Choice":
        choices = state.get("Choices")
        if isinstance(choices, list):
            for i, rule in enumerate(choices):
                if isinstance(rule, dict) and "Next" in rule:
                    found.append((f"Choices[{i}].Next", rule["Next"], rule))
        if "Default" in state:
            found.append(("Default", state["Default"], None))
    catches = state.get("Catch")
    if isinstance(catches, list):
        for i, catch in enumerate(catches):
            if isinstance(catch, dict) and "Next" in catch:
                found.append((f"Catch[{i}].Next", catch["Next"], catch))
    return found


def targets(state: Any) -> list[tuple[str, Any]]:
    """(field, target) of every transition a state (plain data) declares."""
    return [(field, target) for field, target, _ in transitions(state)]


def scopes(definition: Any) -> Iterator[Scope]:
    """Every graph of the definition, the top level first, depth first."""
    todo = [Scope.top(definition)]
    while todo:
        scope = todo.pop()
        yield scope
        children = []
        for name, state in scope.states().items():
            children.extend(scope.children(name, state))
        todo.extend(reversed(children))


def iter_states(definition: Any) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(path, name, state, query language) of every state that is an object,
    depth first in document order (a Map's or Parallel's inner states right
    after it). Never raises, whatever the definition holds."""
    yield from _walk(definition, "", top_language(definition))


def _walk(graph: Any, prefix: str, inherited: str) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    states = graph.get("States") if isinstance(graph, dict) else None
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        path = prefix + str(name)
        language = state_language(state, inherited)
        yield path, str(name), state, language
        for _, inner, _ in nested_graphs(state):
            yield from _walk(inner, path + "/", language)
