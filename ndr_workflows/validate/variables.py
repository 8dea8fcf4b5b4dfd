"""Family 3: workflow variables (``Assign``), in JSONata and JSONPath states.

A read of ``$name`` fails at run time (States.QueryEvaluationError) unless
``name`` was assigned before, so the graph is analysed twice: which names
are assigned on *every* path into a state (must) and on *some* path (may).
Edges carry what they assign: a state's Assign on its Next (and on a
Choice's Default), a matching Choice rule's own Assign, a Catch's Assign.
A read of a name assigned on every path is fine; on some paths only, a
warning (it fails on the others); on no path at all, an error (it fails
every time it is evaluated).

Scopes (docs/asl_facts.md): a Map iteration or Parallel branch reads what is assigned on entry
to its owner state, and what it assigns is gone afterwards; a Distributed
Map's child workflow sees no outer variables. An iteration or branch may
not assign a name that already exists in the enclosing scope when it runs:
an error when the name is assigned on every path into the owner, a warning
when on some. A name the enclosing scope assigns only later (the owner's
own Assign or Catch, a state after it) is no conflict: AWS creates and runs
such machines.

Sets of names are Python ints used as bit sets (one bit per distinct name
in the definition), so the analysis costs a few machine words per state and
edge rather than a set per state: time and memory grow linearly with the
definition for any realistic number of names.
"""

from __future__ import annotations

from ..asl.common import RESERVED_VARIABLES, did_you_mean
from ..asl.jsonata import analyse
from ..asl.problems import TOP_LEVEL, Problem
from ..asl.walk import JSONATA, Scope, nested_graphs, scopes, state_language
from .expressions import state_expressions
from .jsonpath_states import path_reads
from .structure import STATE_TYPES, reachable

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable
    from typing import Any

    from ..asl.common import Add

__all__ = ["check_variables", "assigned_names"]

_ALL = -1  # every bit set: "anything" (the start of a must-analysis)


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


class _Bits:
    """One bit per variable name, shared by every scope of a definition."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def of(self, names: Iterable[str]) -> int:
        bits = 0
        index = self.index
        for name in names:
            bit = index.get(name)
            if bit is None:
                bit = index[name] = 1 << len(index)
            bits |= bit
        return bits

    def get(self, name: str) -> int:
        return self.index.get(name, 0)


def _edges(state: Any, bits: _Bits) -> list[tuple[Any, int]]:
    """(target, variables assigned on the way) for each transition."""
    if not isinstance(state, dict):
        return []
    own = bits.of(_keys(state.get("Assign")))
    edges: list[tuple[Any, int]] = []
    if state.get("Type") == "Choice" or ("Choices" in state and not (isinstance(state.get("Type"), str) and state["Type"] in STATE_TYPES)):  # a Choice with its Type wrong still routes
        choices = state.get("Choices")
        for rule in choices if isinstance(choices, list) else ():
            if isinstance(rule, dict) and "Next" in rule:
                # A matching rule runs its own Assign only; the state's runs on the Default.
                edges.append((rule["Next"], bits.of(_keys(rule.get("Assign")))))
        if "Default" in state:
            edges.append((state["Default"], own))
    elif "Next" in state:
        edges.append((state["Next"], own))
    catches = state.get("Catch")
    for catch in catches if isinstance(catches, list) else ():
        if isinstance(catch, dict) and "Next" in catch:
            edges.append((catch["Next"], bits.of(_keys(catch.get("Assign")))))
    return edges


def _inner_assigned(states: dict[str, Any]) -> dict[str, str]:
    """Names assigned inside nested graphs -> the owner state's name."""
    found: dict[str, str] = {}
    todo = [(name, state) for name, state in states.items()]
    while todo:
        owner, state = todo.pop()
        for _, graph, _ in nested_graphs(state):
            inner = graph.get("States") if isinstance(graph, dict) else None
            if isinstance(inner, dict):
                for s in inner.values():
                    for _, names in assigned_names(s):
                        for name in names:
                            found.setdefault(name, owner)
                todo.extend((owner, s) for s in inner.values())
    return found


def check_variables(definition: Any, add: Add, expressions: dict[int, list[tuple[str, str, str]]] | None = None) -> None:
    """``expressions``: each state's expressions by ``id(state)``, as
    :func:`~.expressions.check_expressions` collects them (else recomputed)."""
    if not isinstance(definition, dict):
        return
    top = Scope.top(definition)
    todo = [(top, _Entry(0, 0, 0, 0, 0))]
    bits = _Bits()
    reads = _Reads()
    # A state that is not an object assigns what nobody can tell: then
    # nothing is said about reads and clashes (that state is the finding).
    blind = any(not isinstance(state, dict) for scope in scopes(definition) for state in scope.states().values())
    while todo:
        scope, entry = todo.pop()
        todo.extend(reversed(_check_scope(scope, entry, add, expressions or {}, bits, reads, blind)))
    if not blind:
        reads.flush(add)


class _Reads:
    """Findings about reads, one per root cause: a name read before it is
    assigned, once per state (whichever fields read it); a name nothing
    assigns, once in the whole definition (naming every other read)."""

    __slots__ = ("groups",)

    def __init__(self) -> None:
        self.groups: dict[tuple[str, ...], tuple[str, str, str, list[tuple[str, str]]]] = {}

    def add(self, key: tuple[str, ...], code: str, path: str, label: str, message: str, hint: str) -> None:
        group = self.groups.get(key)
        if group is None:
            self.groups[key] = (code, message, hint, [(path, label)])
        elif (path, label) not in group[3]:
            group[3].append((path, label))

    def flush(self, add: Add) -> None:
        for code, message, hint, places in self.groups.values():
            (path, label), *others = places
            also = ""
            if others:
                shown = "; ".join(f"{f}" if p == path else f"{p or TOP_LEVEL}: {f}" for p, f in others[:3])
                also = f" (also read at {shown}{f' and {len(others) - 3} more' if len(others) > 3 else ''})"
            add(Problem(path, code, f"{label}: {message}{also}", hint, field=label))


class _Entry:
    """What a scope starts with: names assigned on every / some path
    (``must`` / ``may``), names its enclosing scopes assign anywhere
    (``outer``), and those an assignment inside would clash with."""

    __slots__ = ("must", "may", "outer", "clash_must", "clash_may")

    def __init__(self, must: int, may: int, outer: int, clash_must: int, clash_may: int) -> None:
        self.must, self.may, self.outer, self.clash_must, self.clash_may = must, may, outer, clash_must, clash_may


def _check_assigns(scope: Scope, assigns: dict[str, list[tuple[str, set[str]]]], entry: _Entry, bits: _Bits, add: Add, blind: bool) -> int:
    """Names that cannot be assigned here; returns the bits this scope assigns."""
    here = 0
    for name, found in assigns.items():
        for label, names in found:
            here |= bits.of(names)
            for var in sorted(names):
                bit = bits.get(var)
                path = scope.prefix + name
                if var in RESERVED_VARIABLES:
                    add(Problem(path, "RESERVED_VARIABLE", f"{label}: '{var}' is reserved by Step Functions and cannot be assigned", field=label))
                elif not (var.isidentifier() and var.isascii()):
                    add(Problem(path, "BAD_VARIABLE_NAME", f"{label}: {var!r} is not a valid variable name", "use letters, digits and underscores, not starting with a digit", field=label))
                elif blind:
                    continue
                elif entry.clash_must & bit:
                    add(Problem(path, "OUTER_VARIABLE_ASSIGNED", f"{label}: '{var}' already exists in the enclosing scope (assigned on every path before '{scope.owner}'); a Map iteration or Parallel branch cannot assign it", "use a new name inside, and pass data out through the state's Output", field=label))
                elif entry.clash_may & bit:
                    add(Problem(path, "OUTER_VARIABLE_MAYBE_ASSIGNED", f"{label}: '{var}' exists in the enclosing scope on some paths into '{scope.owner}'; there a Map iteration or Parallel branch cannot assign it", "use a new name inside, and pass data out through the state's Output", field=label))
    return here


def _flow(order: list[str], states: dict[str, Any], start: Any, entry: _Entry, bits: _Bits) -> tuple[list[int], list[int]]:
    """must / may bits on entry to each state of ``order`` (a fixpoint: a
    few passes, each linear in the edges)."""
    position = {name: i for i, name in enumerate(order)}
    preds: list[list[tuple[int, int]]] = [[] for _ in order]
    for i, name in enumerate(order):
        for target, assigned in _edges(states[name], bits):
            j = position.get(target) if isinstance(target, str) else None
            if j is not None:
                preds[j].append((i, assigned))
    first = position.get(start, -1) if isinstance(start, str) else -1
    must = [_ALL] * len(order)
    may = [0] * len(order)
    changed = True
    while changed:
        changed = False
        for i in range(len(order)):
            m, y = (entry.must, entry.may) if i == first else (_ALL, 0)
            for p, assigned in preds[i]:
                m &= must[p] | assigned
                y |= may[p] | assigned
            if m != must[i] or y != may[i]:
                must[i], may[i] = m, y
                changed = True
    return must, may


def _check_scope(scope: Scope, entry: _Entry, add: Add, known: dict[int, list[tuple[str, str, str]]], bits: _Bits, reads: _Reads, blind: bool) -> list[tuple[Scope, _Entry]]:
    """Check one graph; returns its nested graphs with what they start with."""
    states = scope.states()
    prefix = scope.prefix
    assigns = {name: assigned_names(state) for name, state in states.items()}
    visible = _check_assigns(scope, assigns, entry, bits, add, blind) | entry.outer
    order = reachable(scope)
    start = scope.start()
    must, may = _flow(order, states, start, entry, bits)
    at = {name: i for i, name in enumerate(order)}
    inner_only: dict[str, str] | None = None
    visible_names: list[str] | None = None
    # Unreachable states (reported as such) are still checked for names
    # that nothing assigns: every finding at once.
    for name in order + [n for n in states if n not in at]:
        state = states[name]
        i = at.get(name)
        if i is None:
            sure, some = visible, visible
        elif name == start:  # the first arrival sees only what the scope starts with
            sure, some = must[i], entry.may
        else:
            sure, some = must[i], may[i]
        for label, read in _reads(state, scope.language, known):
            bit = bits.get(read)
            if bit and sure & bit:
                continue
            path = prefix + name
            if bit and some & bit:
                reads.add(("maybe", path, read), "VARIABLE_MAYBE_UNASSIGNED", path, label, f"${read} is not assigned on every path that reaches this state", "assign it on every path before, or give it a value earlier")
            elif bit and visible & bit:
                reads.add(("before", path, read), "VARIABLE_UNASSIGNED", path, label, f"${read} is assigned, but on no path before this state: every run that gets here fails", "assign it before this state")
            else:
                if inner_only is None:
                    inner_only = _inner_assigned(states)
                owner = inner_only.get(read)
                if owner is not None:
                    reads.add(("inner", prefix + owner, read), "UNKNOWN_VARIABLE", path, label, f"${read} is assigned only inside '{prefix}{owner}'; variables assigned in a Map iteration or Parallel branch are gone after it", "pass the value out through that state's Output and assign it from $states.result")
                else:
                    if visible_names is None:
                        visible_names = sorted(n for n, b in bits.index.items() if visible & b)
                    note = _scope_note(scope)
                    reads.add(("never", note, read), "UNKNOWN_VARIABLE", path, label, f"${read} is never assigned" + note, variable_hint(read, visible_names))
    # Nested graphs see what is assigned on entry to their owner state.
    children = []
    for name, state in states.items():
        language = state_language(state, scope.language)
        for field, graph, kind in nested_graphs(state):
            child = Scope(graph, prefix + name, field, language, kind, scope)
            i = at.get(name)
            if kind == "distributed":
                children.append((child, _Entry(0, 0, 0, 0, 0)))
            elif i is None:  # unreachable owner: judge reads only by what exists at all
                children.append((child, _Entry(visible, visible, visible, 0, 0)))
            else:
                children.append((child, _Entry(must[i], may[i], visible, must[i], may[i])))
    return children


def _reads(state: Any, inherited: str, known: dict[int, list[tuple[str, str, str]]]) -> list[tuple[str, str]]:
    """(field label, variable name) of every variable a state reads."""
    if not isinstance(state, dict):
        return []
    found: list[tuple[str, str]] = []
    if state_language(state, inherited) == JSONATA:
        exprs = known.get(id(state))
        for label, text, _ in state_expressions(state) if exprs is None else exprs:
            analysis = analyse(text)
            if not analysis.error:
                found.extend((label, read) for read in sorted(analysis.variables))
    else:
        for label, names in path_reads(state):
            found.extend((label, read) for read in sorted(names))
    return found


# $states' members, and the names a JSONPath habit gives them.
_STATES_MEMBERS = {"input": "input", "result": "result", "erroroutput": "errorOutput", "context": "context", "error": "errorOutput", "output": "result", "task": "context.Task", "execution": "context.Execution"}


def variable_hint(read: str, visible: list[str]) -> str:
    """"did you mean" for a variable nothing assigns: a visible variable of a
    close name, ``$states`` (``$state``), or a member of it (``$input``)."""
    close = did_you_mean(read, visible, prefix="$")
    if close:
        return close
    if read in ("state", "State", "States", "STATES"):
        return "did you mean '$states'?"
    member = _STATES_MEMBERS.get(read.lower())
    if member:
        return f"did you mean '$states.{member}'?"
    return ""


def _scope_note(scope: Scope) -> str:
    inside = scope
    while inside.kind not in ("distributed", "top"):
        if inside.parent is None:
            break
        inside = inside.parent
    if inside.kind == "distributed":
        return f" (a Distributed Map's child workflow, under '{inside.owner}', sees no outer variables)"
    return ""
