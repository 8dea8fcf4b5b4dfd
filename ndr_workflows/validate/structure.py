"""Family 1a: the graph. StartAt and every transition target exist, each
state either continues or ends, every state is reachable, names are unique
(in the whole machine, nested graphs included) and 1..80 characters, state
types are known.

A dangling target is reported on the state that holds it, naming the
missing target, so that a reader of one line knows both ends. Each mistake
is reported once: a state that a misspelt target was meant to reach (the
closest name among the states nothing reaches) is not also reported
unreachable, nor is the state holding a dangling target said to have no
path to an end; a name used twice is one finding, on its second use,
naming the other places.
"""

from __future__ import annotations

from ..asl.common import MAX_NAME_LENGTH, closest, describe, did_you_mean, misspelt
from ..asl.problems import REACH, Problem
from ..asl.walk import scopes, targets
from .choices import exhaustive
from .fields import ALL_STATE_FIELDS

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..asl.common import Add
    from ..asl.walk import Scope

__all__ = ["check_structure", "STATE_TYPES", "reachable"]

STATE_TYPES = ("Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map")
# States that end a graph by themselves (no Next, no End).
TERMINAL_TYPES = frozenset({"Succeed", "Fail"})
TOP_FIELDS = frozenset({"StartAt", "States", "Comment", "Version", "TimeoutSeconds", "QueryLanguage"})
# What a Choice rule may hold, in either language (to tell a misspelt Next from a missing one).
_RULE_FIELDS = frozenset({"Next", "Condition", "Comment", "Assign", "Output", "Variable", "And", "Or", "Not"})
GRAPH_FIELDS = frozenset({"StartAt", "States", "Comment"})


def reachable(scope: Scope) -> list[str]:
    """Names reachable from StartAt, in discovery order. A reached state
    that is not an object may lead anywhere: then every state is (its
    finding is that, not the states it may have led to)."""
    states = scope.states()
    seen: list[str] = []
    done: set[str] = set()
    start = scope.start()
    todo = [start] if isinstance(start, str) else []
    while todo:
        name = todo.pop()
        if name in done or name not in states:
            continue
        done.add(name)
        seen.append(name)
        leads = _leads(states[name])
        if leads is None:
            return seen + [n for n in states if n not in done]
        todo.extend(reversed(leads))
    return seen


def _leads(state: Any) -> list[str] | None:
    """The names a state goes to; None when that cannot be read (not an
    object). A state whose Type is missing or misspelt is read as it is
    written: a Choice's rules and Default still lead somewhere."""
    if not isinstance(state, dict):
        return None
    found = [t for _, t in targets(state) if isinstance(t, str)]
    if state.get("Type") not in STATE_TYPES:
        rules = state.get("Choices")
        found += [r["Next"] for r in rules if isinstance(r, dict) and isinstance(r.get("Next"), str)] if isinstance(rules, list) else []
        if isinstance(state.get("Default"), str):
            found.append(state["Default"])
    return found


def check_structure(definition: Any, add: Add) -> None:
    if not isinstance(definition, dict):
        add(Problem("", "NOT_A_DEFINITION", f"a state machine definition is a JSON object with StartAt and States, not {describe(definition)}"))
        return
    for key in definition:
        if key not in TOP_FIELDS:
            add(Problem("", "UNKNOWN_FIELD", f"{key}: not a field of a state machine definition", did_you_mean(key, sorted(TOP_FIELDS)) or f"allowed: {', '.join(sorted(TOP_FIELDS))}"))
    language = definition.get("QueryLanguage", "JSONPath")
    if language not in ("JSONata", "JSONPath"):
        add(Problem("", "BAD_QUERY_LANGUAGE", f"QueryLanguage must be JSONata or JSONPath, not {describe(language)}"))
    timeout = definition.get("TimeoutSeconds")
    if "TimeoutSeconds" in definition and (not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0 or timeout > 99999999):
        add(Problem("", "BAD_TIMEOUT", f"TimeoutSeconds must be a positive whole number of seconds, not {describe(timeout)}"))
    for key in ("Comment", "Version"):
        if key in definition and not isinstance(definition[key], str):
            add(Problem("", "BAD_FIELD_TYPE", f"{key} must be a string, not {describe(definition[key])}"))
    where: dict[str, list[str]] = {}
    for scope in scopes(definition):
        _check_scope(scope, add, where)
    for name, paths in where.items():
        if len(paths) > 1:
            # One mistake, one finding: on the second use, naming the others.
            others = ", ".join(paths[:1] + paths[2:])
            add(Problem(paths[1], "DUPLICATE_NAME", f"state name '{name}' is used more than once (also at {others})", "state names must be unique in the whole state machine, nested graphs included"))


def _check_scope(scope: Scope, add: Add, where: dict[str, list[str]]) -> None:
    graph = scope.graph
    owner = scope.owner
    if not isinstance(graph, dict):
        add(Problem(owner, "BAD_GRAPH", f"{scope.field} must be an object with StartAt and States, not {describe(graph)}"))
        return
    if scope.kind != "top":
        allowed = GRAPH_FIELDS | ({"ProcessorConfig"} if scope.field == "ItemProcessor" else frozenset())
        for key in graph:
            if key not in allowed:
                add(Problem(owner, "UNKNOWN_FIELD", f"{scope.where(key)}: not a field of a nested graph", f"allowed: {', '.join(sorted(allowed))}"))
    fields = TOP_FIELDS if scope.kind == "top" else GRAPH_FIELDS
    raw_states = graph.get("States")
    if raw_states is None and misspelt(graph, "States", fields):
        pass  # written wrong: the unknown field is the finding
    elif not isinstance(raw_states, dict) or not raw_states:
        what = "is missing" if raw_states is None else ("is empty" if raw_states == {} else f"must be an object of states, not {describe(raw_states)}")
        add(Problem(owner, "NO_STATES", f"{scope.where('States')} {what}", "a graph needs at least one state"))
    states = scope.states()
    if isinstance(raw_states, dict) and len(states) != len(raw_states):
        for name in raw_states:
            if not isinstance(name, str):
                add(Problem(owner, "BAD_NAME", f"{scope.where('States')}: state name {name!r} is not a string"))
    names = list(states)
    start = graph.get("StartAt")
    if start is None and misspelt(graph, "StartAt", fields):
        pass  # written wrong: the unknown field is the finding
    elif not isinstance(start, str):
        what = "is missing" if start is None else f"must be a state name, not {describe(start)}"
        add(Problem(owner, "MISSING_START", f"{scope.where('StartAt')} {what}", f"start at one of: {', '.join(names[:5])}" if names else ""))
    elif start not in states:
        close = did_you_mean(start, names)
        add(
            Problem(
                owner,
                "MISSING_START",
                f"{scope.where('StartAt')} '{start}' is not a state of this graph" + (f" ({close})" if close else ""),
                close or (f"start at one of: {', '.join(names[:5])}" if names else ""),
            )
        )
    entered = isinstance(start, str) and start in states
    order = reachable(scope) if entered else []
    seen = set(order)
    lost = [name for name in states if name not in seen] if entered else []
    meant: set[str] = set()  # unreachable states a dangling target was meant to reach
    guessed: set[tuple[str, str]] = set()  # (path, field) of dangling targets close to a state's name
    found: list[Problem] = []  # the loop's findings, until a gap is matched with what it cut off
    later, add = add, found.append
    for name, state in states.items():
        path = scope.prefix + name
        where.setdefault(name, []).append(path)
        _check_name(name, path, add)
        if not isinstance(state, dict):
            add(Problem(path, "BAD_STATE", f"state '{name}' must be an object, not {describe(state)}"))
            continue
        kind = state.get("Type")
        if "Type" not in state:
            wrong = misspelt(state, "Type", ALL_STATE_FIELDS)
            add(Problem(path, "MISSING_TYPE", f"state '{name}' has no Type" + (f" ({wrong!r} is not a field)" if wrong else ""), "did you mean 'Type'?" if wrong else f"one of {', '.join(STATE_TYPES)}", field="Type"))
        elif kind not in STATE_TYPES:
            hint = did_you_mean(kind, STATE_TYPES) if isinstance(kind, str) else ""
            add(Problem(path, "UNKNOWN_STATE_TYPE", f"Type {describe(kind)} is not a state type", hint or f"one of {', '.join(STATE_TYPES)}", field="Type"))
        _check_transitions(state, path, states, add, lost if name in seen else [], meant, guessed)
    add = later
    # One finding per unreachable region, on the state where it starts (a
    # dangling Next cuts off everything after it: name those in the message).
    regions = _regions(states, lost, seen)
    open_regions = [(root, behind) for root, behind in regions if root not in meant and not meant.intersection(behind)]
    reached = {scope.prefix + name for name in seen}
    gaps = [i for i, f in enumerate(found) if f.path in reached and _is_gap(f, guessed)]
    if len(open_regions) == 1 and len(gaps) == 1:
        # One way out that leads nowhere, one region nothing reaches: the
        # one was meant to lead to the other (one mistake, one finding).
        root, behind = open_regions.pop()
        found[gaps[0]] = _led_to(found[gaps[0]], root, behind)
    for problem in found:
        add(problem)
    _check_terminal(scope, states, add)
    if not entered:
        return  # with no entry everything would be "unreachable": one finding is enough
    _check_trapped(scope, states, order, add)
    for name, behind in open_regions:
        add(Problem(scope.prefix + name, "UNREACHABLE", f"no path from StartAt reaches state '{name}'{_after(behind)}", "remove it or add a transition to it", field=REACH))


def _regions(states: dict[str, Any], lost: list[str], seen: set[str]) -> list[tuple[str, list[str]]]:
    """(first state, the states after it) of each region of unreachable states."""
    entered = {t for name in lost for t in _leads(states[name]) or () if t != name}
    roots = [name for name in lost if name not in entered]
    from_roots: set[str] = set()
    for root in roots:
        _region(states, root, seen, from_roots)
    covered: set[str] = set()
    regions = []
    for name in lost:
        if name in covered or (name not in roots and name in from_roots):
            continue
        covered.add(name)
        regions.append((name, [n for n in _region(states, name, seen, covered) if n != name]))
    return regions


def _after(behind: list[str]) -> str:
    return f" (nor the {len(behind)} state(s) after it: {', '.join(behind)})" if behind else ""


def _is_gap(problem: Problem, guessed: set[tuple[str, str]]) -> bool:
    """A way out of a state that leads nowhere: a transition to no state
    (and to no close name), a missing Next, a Choice without Default."""
    if problem.code == "UNKNOWN_TARGET":
        return (problem.path, problem.field) not in guessed
    return problem.code in ("MISSING_TRANSITION", "CHOICE_WITHOUT_DEFAULT")


def _led_to(gap: Problem, root: str, behind: list[str]) -> Problem:
    """The gap's finding, saying where it was meant to lead."""
    nothing_else = "nothing else goes to it" + (f" or to the {len(behind)} state(s) after it" if behind else "")
    if gap.code == "UNKNOWN_TARGET":
        return Problem(gap.path, gap.code, gap.message, f"did you mean '{root}'? ({nothing_else})", gap.severity, gap.field)
    if gap.code == "MISSING_TRANSITION":
        return Problem(gap.path, gap.code, gap.message, f"add \"Next\": \"{root}\" ({nothing_else})", gap.severity, gap.field)
    # A Choice without Default that cuts states off is refused by AWS (they are unreachable).
    return Problem(gap.path, "UNREACHABLE", f"Default not set, and nothing else goes to state '{root}'{_after(behind)}: no path from StartAt reaches it", f"add \"Default\": \"{root}\"", "error", gap.field)


def _region(states: dict[str, Any], start: str, reached: set[str], taken: set[str]) -> list[str]:
    """The unreachable states reachable from ``start`` (itself first) that
    no earlier region took; adds them to ``taken``."""
    order = [start]
    todo = list(reversed(_leads(states[start]) or []))
    taken.add(start)
    while todo:
        name = todo.pop()
        if name in taken or name in reached or name not in states:
            continue
        taken.add(name)
        order.append(name)
        todo.extend(reversed(_leads(states[name]) or []))
    return order


def _is_terminal(state: Any) -> bool:
    return isinstance(state, dict) and (state.get("Type") in ("Succeed", "Fail") or state.get("End") is True)


def _check_terminal(scope: Scope, states: dict[str, Any], add: Add) -> None:
    """A graph needs a state that ends it (End, Succeed or Fail); a state
    with neither Next nor End is reported as such instead."""
    if not states or any(_is_terminal(s) for s in states.values()):
        return
    # A state without a transition, or one to a missing state, is its own
    # finding (and may be the end that was meant): only a graph that is
    # otherwise whole is said to have no end.
    whole = all(
        isinstance(s, dict) and s.get("Type") in STATE_TYPES and ("Next" in s or s.get("Type") == "Choice") and all(t in states for _, t in targets(s) if isinstance(t, str))
        for s in states.values()
    )
    if whole:
        where = "the state machine" if scope.kind == "top" else scope.field
        add(Problem(scope.owner, "NO_TERMINAL_STATE", f"no state of {where} ends it: none has \"End\": true and none is a Succeed or Fail", "end the last state with \"End\": true, or go to a Succeed or Fail state"))


def _check_trapped(scope: Scope, states: dict[str, Any], order: list[str], add: Add) -> None:
    """A reachable state from which no path leads to a terminal state: a
    run that enters it never ends by itself (a warning: legal ASL)."""
    ends = [n for n in order if _is_terminal(states[n])]
    if not ends:
        return
    # A state whose target does not exist, or whose type does not, may lead
    # anywhere: its finding is that, not "no path to an end".
    ends += [n for n in order if any(isinstance(t, str) and t not in states for _, t in targets(states[n])) or not isinstance(states[n], dict) or states[n].get("Type") not in STATE_TYPES]
    preds: dict[str, list[str]] = {}
    for name in order:
        for _, target in targets(states[name]):
            if isinstance(target, str):
                preds.setdefault(target, []).append(name)
    done = set(ends)
    todo = list(ends)
    while todo:
        for pred in preds.get(todo.pop(), ()):
            if pred not in done:
                done.add(pred)
                todo.append(pred)
    trapped = [n for n in order if n not in done]
    if not trapped:
        return
    inside = set(trapped)
    entries = [n for n in trapped if n == scope.start() or any(p not in inside for p in preds.get(n, ()))]
    for name in entries:
        add(Problem(scope.prefix + name, "NO_PATH_TO_END", f"no path from state '{name}' leads to a state that ends the {'execution' if scope.kind == 'top' else 'graph'}: a run that gets here only stops by failing or timing out", "add a way out: a Choice rule or a Catch that leads to an End, Succeed or Fail", field=REACH))


def _check_name(name: str, path: str, add: Add) -> None:
    if not name:
        add(Problem(path or "(unnamed)", "BAD_NAME", "a state needs a non-empty name"))
    elif len(name) > MAX_NAME_LENGTH:
        add(Problem(path, "NAME_TOO_LONG", f"state name has {len(name)} characters; Step Functions allows at most {MAX_NAME_LENGTH}", "shorten the name"))
    if any(ch in name for ch in '"\\') or any(ord(ch) < 0x20 for ch in name):
        add(Problem(path, "BAD_NAME", "state names may not contain quotes, backslashes or control characters"))


def _check_transitions(state: dict[str, Any], path: str, states: dict[str, Any], add: Add, lost: list[str], meant: set[str], guessed: set[tuple[str, str]]) -> None:
    """``lost``: the states nothing reaches, if this state is reached; a
    dangling target close to one of them was meant to reach it (``meant``);
    one close to any state's name is ``guessed``."""
    kind = state.get("Type")
    if kind in STATE_TYPES and kind != "Choice" and kind not in TERMINAL_TYPES:
        has_next = "Next" in state
        end = state.get("End")
        if "End" in state and not isinstance(end, bool):
            add(Problem(path, "BAD_END", f"End must be true, not {describe(end)}"))
        if has_next and end is True:
            add(Problem(path, "NEXT_AND_END", "a state has either Next or End, not both"))
        elif not has_next and end is not True and not (misspelt(state, "Next", ALL_STATE_FIELDS) or misspelt(state, "End", ALL_STATE_FIELDS)):
            add(Problem(path, "MISSING_TRANSITION", f"{kind} state has neither Next nor \"End\": true", "add Next (the state to go to) or \"End\": true", field="Next"))
    if kind == "Choice":
        choices = state.get("Choices")
        if not isinstance(choices, list) or not choices:
            add(Problem(path, "NO_CHOICES", "a Choice state needs at least one rule in Choices" + ("" if choices is None or choices == [] else f", not {describe(choices)}"), "add a rule with a Condition and a Next"))
        else:
            for i, rule in enumerate(choices):
                if not isinstance(rule, dict):
                    add(Problem(path, "BAD_CHOICE_RULE", f"Choices[{i}] must be an object, not {describe(rule)}"))
                elif "Next" not in rule and not misspelt(rule, "Next", _RULE_FIELDS):
                    add(Problem(path, "MISSING_TRANSITION", f"Choices[{i}] has no Next", "every rule names the state to go to", field=f"Choices[{i}].Next"))
            if "Default" not in state and not exhaustive(choices):
                add(
                    Problem(
                        path,
                        "CHOICE_WITHOUT_DEFAULT",
                        "Default not set: a run that matches no rule fails with States.NoChoiceMatched",
                        "add a Default (the state to go to when no rule matches), or end with a rule whose Condition is true",
                        field="Default",
                    )
                )
    for field, target in targets(state):
        if not isinstance(target, str):
            add(Problem(path, "BAD_TARGET", f"{field} must be a state name (a string), not {describe(target)}", field=field))
        elif target not in states:
            close = closest(target, lost)
            if close:
                meant.add(close)
            hint = f"did you mean '{close}'?" if close else did_you_mean(target, list(states))
            if hint:
                guessed.add((path, field))
            add(Problem(path, "UNKNOWN_TARGET", f"{field} goes to '{target}', which is not a state of this graph", hint, field=field))
