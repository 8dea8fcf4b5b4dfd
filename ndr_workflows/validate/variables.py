"""Family 3: workflow variables (``Assign``).

A read of ``$name`` fails at run time (States.QueryEvaluationError) unless
``name`` was assigned on *every* path that reaches the state, so this is a
must-analysis over the graph: the set of variables assigned on entry to a
state is the intersection over its incoming edges. Edges carry what they
assign: a state's Assign on its Next (and on a Choice's Default), a
matching Choice rule's own Assign, a Catch's Assign.

Scopes (docs/asl_facts.md): a Map iteration or Parallel branch reads what is
assigned on entry to its owner state, must not assign a name of an
enclosing scope, and what it assigns is gone afterwards; a Distributed
Map's child workflow sees no outer variables at all.
"""

from __future__ import annotations

from ..asl.common import RESERVED_VARIABLES, did_you_mean
from ..asl.jsonata import analyse
from ..asl.problems import Problem
from ..asl.walk import JSONATA, Scope, nested_graphs, state_language
from .expressions import state_expressions
from .structure import reachable

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..asl.common import Add

__all__ = ["check_variables", "assigned_names"]


def _keys(assign: Any) -> set[str]:
    if not isinstance(assign, dict):
        return set()
    # JSONPath Assign keys may end in ".$" (the value is a path).
    return {k[:-2] if k.endswith(".$") else k for k in assign}


def assigned_names(state: Any) -> list[tuple[str, set[str]]]:
    """(label, names) of every Assign of a state: its own, its Choice
    rules', its Catch entries'."""
    if not isinstance(state, dict):
        return []
    found = [("Assign", _keys(state.get("Assign")))]
    for key in ("Choices", "Catch"):
        entries = state.get(key)
        if isinstance(entries, list):
            for i, entry in enumerate(entries):
                if isinstance(entry, dict) and "Assign" in entry:
                    found.append((f"{key}[{i}].Assign", _keys(entry["Assign"])))
    return found


def _edges(state: dict[str, Any]) -> list[tuple[Any, set[str]]]:
    """(target, variables assigned on the way) for each transition."""
    if not isinstance(state, dict):
        return []
    own = _keys(state.get("Assign"))
    edges: list[tuple[Any, set[str]]] = []
    if state.get("Type") == "Choice":
        choices = state.get("Choices")
        for rule in choices if isinstance(choices, list) else ():
            if isinstance(rule, dict) and "Next" in rule:
                # A matching rule runs its own Assign only; the state's runs on the Default.
                edges.append((rule["Next"], _keys(rule.get("Assign"))))
        if "Default" in state:
            edges.append((state["Default"], own))
    elif "Next" in state:
        edges.append((state["Next"], own))
    catches = state.get("Catch")
    for catch in catches if isinstance(catches, list) else ():
        if isinstance(catch, dict) and "Next" in catch:
            edges.append((catch["Next"], _keys(catch.get("Assign"))))
    return edges


def _all_assigned(states: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for state in states.values():
        for _, found in assigned_names(state):
            names |= found
    return names


def _inner_assigned(states: dict[str, Any]) -> dict[str, str]:
    """Names assigned inside nested graphs -> the owner state's name."""
    found: dict[str, str] = {}
    todo = [(name, state) for name, state in states.items()]
    while todo:
        owner, state = todo.pop()
        for _, graph, _ in nested_graphs(state):
            inner = graph.get("States") if isinstance(graph, dict) else None
            if isinstance(inner, dict):
                for name in _all_assigned(inner):
                    found.setdefault(name, owner)
                todo.extend((owner, s) for s in inner.values())
    return found


def check_variables(definition: Any, add: Add, expressions: dict[int, list[tuple[str, str, str]]] | None = None) -> None:
    """``expressions``: each state's expressions by ``id(state)``, as
    :func:`~.expressions.check_expressions` collects them (else recomputed)."""
    if not isinstance(definition, dict):
        return
    _check_scope(Scope.top(definition), frozenset(), frozenset(), add, expressions or {})


def _check_scope(scope: Scope, outer_assigned: frozenset[str], outer_names: frozenset[str], add: Add, known: dict[int, list[tuple[str, str, str]]]) -> None:
    states = scope.states()
    prefix = scope.prefix
    assigns = {name: assigned_names(state) for name, state in states.items()}
    here: set[str] = set()
    for found in assigns.values():
        for _, names in found:
            here |= names
    everywhere = here | outer_names
    for name, found in assigns.items():
        for label, names in found:
            suspect = [v for v in names if v in RESERVED_VARIABLES or v in outer_names or not (v.isidentifier() and v.isascii())]
            for var in sorted(suspect):
                if var in RESERVED_VARIABLES:
                    add(Problem(prefix + name, "RESERVED_VARIABLE", f"{label}: '{var}' is reserved by Step Functions and cannot be assigned", field=label))
                elif not (var.isidentifier() and var.isascii()):
                    add(Problem(prefix + name, "BAD_VARIABLE_NAME", f"{label}: {var!r} is not a valid variable name", "use letters, digits and underscores, not starting with a digit", field=label))
                elif var in outer_names:
                    add(
                        Problem(
                            prefix + name,
                            "OUTER_VARIABLE_ASSIGNED",
                            f"{label}: '{var}' belongs to an enclosing scope; a Map iteration or Parallel branch cannot assign it",
                            "use a new name inside, and pass data out through the state's Output",
                            field=label,
                        )
                    )
    order = reachable(scope)
    live = set(order)
    preds: dict[str, list[tuple[str, frozenset[str]]]] = {name: [] for name in order}
    for name in order:
        for target, assigned in _edges(states[name]):
            if isinstance(target, str) and target in live:
                preds[target].append((name, frozenset(assigned)))
    universe = frozenset(everywhere)
    start = scope.start()
    # Optimistic iteration in discovery order: a predecessor not computed
    # yet counts as "everything", the fixpoint removes what is not certain.
    entry: dict[str, frozenset[str]] = {}
    changed = True
    while changed:
        changed = False
        for name in order:
            acc: frozenset[str] | None = outer_assigned if name == start else None
            for pred, added in preds[name]:
                before = entry.get(pred)
                if before is not None:
                    out = before | added
                    acc = out if acc is None else acc & out
            if acc is not None and entry.get(name) != acc:
                entry[name] = acc
                changed = True
    inner_only: dict[str, str] | None = None
    # Unreachable states (reported as such) are still checked for names
    # that nothing assigns: every finding at once.
    for name in order + [n for n in states if n not in live]:
        state = states[name]
        if not isinstance(state, dict) or state_language(state, scope.language) != JSONATA:
            continue
        visible = entry.get(name, universe)
        exprs = known.get(id(state))
        for label, text, _ in state_expressions(state) if exprs is None else exprs:
            analysis = analyse(text)
            if analysis.error:
                continue
            for read in sorted(analysis.variables - visible):
                if read in everywhere:
                    add(Problem(prefix + name, "VARIABLE_MAYBE_UNASSIGNED", f"{label}: ${read} is not assigned on every path that reaches this state", "assign it on every path before, or give it a value earlier", field=label))
                    continue
                if inner_only is None:
                    inner_only = _inner_assigned(states)
                owner = inner_only.get(read)
                if owner is not None:
                    add(
                        Problem(
                            prefix + name,
                            "UNKNOWN_VARIABLE",
                            f"{label}: ${read} is assigned only inside '{prefix}{owner}'; variables assigned in a Map iteration or Parallel branch are gone after it",
                            "pass the value out through that state's Output and assign it from $states.result",
                            field=label,
                        )
                    )
                else:
                    add(Problem(prefix + name, "UNKNOWN_VARIABLE", f"{label}: ${read} is never assigned" + _scope_note(scope), did_you_mean(read, sorted(everywhere), prefix="$"), field=label))
    # Nested graphs see what is assigned on entry to their owner state.
    for name, state in states.items():
        for child in scope.children(name, state):
            if child.reads_outer_variables:
                _check_scope(child, entry.get(name, universe), universe, add, known)
            else:
                _check_scope(child, frozenset(), frozenset(), add, known)


def _scope_note(scope: Scope) -> str:
    inside = scope
    while inside.kind not in ("distributed", "top"):
        if inside.parent is None:
            break
        inside = inside.parent
    if inside.kind == "distributed":
        return f" (a Distributed Map's child workflow, under '{inside.owner}', sees no outer variables)"
    return ""
