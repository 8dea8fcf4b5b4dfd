"""Single-defect mutations of a valid ASL definition, for the validator's tests.

Each mutation kind is a function ``(definition, rng) -> path | None``: it
changes the definition (a deep copy the caller owns) in place so that it
has exactly one new defect, and returns the path of the state the defect
is in (``""`` for the top level), or None when this definition offers no
place for it (e.g. no Wait state to break). The validator must then report
at least one *error* naming that state (tests/validate/test_mutations.py).

Kinds are registered with ``@mutation(kind, family)``; family is the check
family of issue 3 (1 structure/fields, 2 JSONata, 3 variables,
4 integrations, 5 quotas/placeholders). Families 2 and 3 live in
tests/support/validate_mutations_jsonata.py, integration kinds in
tests/support/validate_mutations_integrations.py; both are imported at the end.

The walker here is written independently of ndr_workflows.asl.walk,
so that the generator does not share the validator's idea of the tree.
"""

from __future__ import annotations

import copy
import random
from typing import Any, Callable, Iterator

__all__ = ["MUTATIONS", "FAMILIES", "mutation", "mutate", "all_states", "tasks", "expression_slots", "of_type", "pick"]

Mutator = Callable[[dict, random.Random], "str | None"]
MUTATIONS: dict[str, Mutator] = {}
FAMILIES: dict[str, int] = {}


def mutation(kind: str, family: int) -> Callable[[Mutator], Mutator]:
    def register(fn: Mutator) -> Mutator:
        assert kind not in MUTATIONS, f"mutation kind {kind!r} registered twice"
        MUTATIONS[kind] = fn
        FAMILIES[kind] = family
        return fn

    return register


def mutate(definition: dict, kind: str, seed: int = 0) -> tuple[dict, str | None]:
    """(a mutated deep copy, the mutated state's path or None if not applicable)."""
    copied = copy.deepcopy(definition)
    path = MUTATIONS[kind](copied, random.Random(seed))
    return copied, path


# -- walking the tree --------------------------------------------------------


def _graphs(state: dict) -> list[dict]:
    if state.get("Type") == "Map" and isinstance(state.get("ItemProcessor"), dict):
        return [state["ItemProcessor"]]
    if state.get("Type") == "Parallel":
        return [b for b in state.get("Branches", []) if isinstance(b, dict)]
    return []


def scopes_of(definition: dict, prefix: str = "") -> Iterator[tuple[str, dict]]:
    """(prefix, graph) for the top level and each nested graph."""
    yield prefix, definition
    for name, state in definition.get("States", {}).items():
        for graph in _graphs(state):
            yield from scopes_of(graph, f"{prefix}{name}/")


def all_states(definition: dict) -> list[tuple[str, dict, dict]]:
    """(path, state, its graph) of every state."""
    found = []
    for prefix, graph in scopes_of(definition):
        for name, state in graph["States"].items():
            found.append((prefix + name, state, graph))
    return found


def tasks(definition: dict) -> list[tuple[str, dict]]:
    return [(p, s) for p, s, _ in all_states(definition) if s.get("Type") == "Task"]


def of_type(definition: dict, *types: str) -> list[tuple[str, dict, dict]]:
    return [t for t in all_states(definition) if t[1].get("Type") in types]


def pick(rng: random.Random, items: list) -> Any:
    return rng.choice(items) if items else None


def expression_slots(definition: dict) -> list[tuple[str, Any, Any]]:
    """(state path, container, key) of every ``{% ... %}`` string value."""
    found = []

    def visit(value: Any, path: str) -> None:
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, inner in items:
            if isinstance(inner, str) and inner.startswith("{% ") and inner.endswith(" %}"):
                found.append((path, value, key))
            elif isinstance(inner, (dict, list)):
                visit(inner, path)

    for path, state, _ in all_states(definition):
        for field, value in state.items():
            if field in ("ItemProcessor", "Branches"):
                continue
            if isinstance(value, str) and value.startswith("{% ") and value.endswith(" %}"):
                found.append((path, state, field))
            elif isinstance(value, (dict, list)):
                visit(value, path)
    return found


def _with_next(definition: dict) -> list[tuple[str, dict, dict]]:
    return [t for t in all_states(definition) if "Next" in t[1]]


# -- family 1: structure and fields -------------------------------------------


@mutation("dangling_next", 1)
def _dangling_next(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, _with_next(d))
    if picked is None:
        return None
    picked[1]["Next"] = "NoSuchStateAnywhere"
    return picked[0]


@mutation("dangling_catch", 1)
def _dangling_catch(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, [t for t in all_states(d) if t[1].get("Catch")])
    if picked is None:
        return None
    rng.choice(picked[1]["Catch"])["Next"] = "MissingHandler"
    return picked[0]


@mutation("dangling_choice", 1)
def _dangling_choice(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, of_type(d, "Choice"))
    if picked is None:
        return None
    rng.choice(picked[1]["Choices"])["Next"] = "MissingBranchTarget"
    return picked[0]


@mutation("bad_start_at", 1)
def _bad_start_at(d: dict, rng: random.Random) -> str | None:
    d["StartAt"] = d["StartAt"] + "Typo"
    return ""


@mutation("next_and_end", 1)
def _next_and_end(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, _with_next(d))
    if picked is None:
        return None
    picked[1]["End"] = True
    return picked[0]


@mutation("no_transition", 1)
def _no_transition(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, _with_next(d))
    if picked is None:
        return None
    del picked[1]["Next"]
    return picked[0]


@mutation("unknown_type", 1)
def _unknown_type(d: dict, rng: random.Random) -> str | None:
    path, state, _ = rng.choice(all_states(d))
    state["Type"] = state["Type"].lower() + "x"
    return path


@mutation("missing_type", 1)
def _missing_type(d: dict, rng: random.Random) -> str | None:
    path, state, _ = rng.choice(all_states(d))
    del state["Type"]
    return path


@mutation("jsonpath_field", 1)
def _jsonpath_field(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, of_type(d, "Task", "Pass", "Map", "Parallel"))
    if picked is None:
        return None
    picked[1][rng.choice(["ResultPath", "InputPath", "OutputPath", "Parameters"])] = "$.x" if rng.random() < 0.5 else {"a.$": "$.b"}
    return picked[0]


@mutation("unknown_field", 1)
def _unknown_field(d: dict, rng: random.Random) -> str | None:
    path, state, _ = rng.choice(all_states(d))
    state[rng.choice(["Nxt", "Argument", "Outputs", "Retries", "Timeout"])] = 1
    return path


@mutation("state_is_a_list", 1)
def _state_is_a_list(d: dict, rng: random.Random) -> str | None:
    path, state, graph = rng.choice(all_states(d))
    graph["States"][path.rsplit("/", 1)[-1]] = [state]
    return path


@mutation("name_too_long", 1)
def _name_too_long(d: dict, rng: random.Random) -> str | None:
    path, state, graph = rng.choice(all_states(d))
    old = path.rsplit("/", 1)[-1]
    new = (old + "X" * 81)[:81]
    _rename(graph, old, new)
    return path[: len(path) - len(old)] + new


@mutation("duplicate_name", 1)
def _duplicate_name(d: dict, rng: random.Random) -> str | None:
    nested = [t for t in all_states(d) if "/" in t[0]]
    picked = pick(rng, nested)
    if picked is None:
        return None
    path, _, graph = picked
    taken = [n for n in d["States"] if n not in graph["States"]]
    if not taken:
        return None
    old = path.rsplit("/", 1)[-1]
    new = rng.choice(taken)
    _rename(graph, old, new)
    return path[: len(path) - len(old)] + new


@mutation("unreachable_state", 1)
def _unreachable_state(d: dict, rng: random.Random) -> str | None:
    prefix, graph = rng.choice(list(scopes_of(d)))
    graph["States"]["OrphanedState"] = {"Type": "Succeed"}
    return prefix + "OrphanedState"


@mutation("heartbeat_not_below_timeout", 1)
def _heartbeat(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, [t for t in tasks(d) if isinstance(t[1].get("TimeoutSeconds"), int)])
    if picked is None:
        return None
    picked[1]["HeartbeatSeconds"] = picked[1]["TimeoutSeconds"]
    return picked[0]


@mutation("bad_timeout", 1)
def _bad_timeout(d: dict, rng: random.Random) -> str | None:
    candidates = tasks(d)
    if not candidates:
        return None
    path, state = rng.choice(candidates)
    state["TimeoutSeconds"] = rng.choice([0, -5, "ten", 1.5])
    return path


@mutation("states_all_not_last", 1)
def _states_all_not_last(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, [t for t in all_states(d) if t[1].get("Catch")])
    if picked is None:
        return None
    catches = picked[1]["Catch"]
    catches.insert(0, {"ErrorEquals": ["States.ALL"], "Next": catches[0]["Next"]})
    return picked[0]


@mutation("bad_retry", 1)
def _bad_retry(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, [t for t in all_states(d) if t[1].get("Retry")])
    if picked is None:
        return None
    key, value = rng.choice([("BackoffRate", 0.5), ("MaxAttempts", -1), ("IntervalSeconds", 0), ("JitterStrategy", "SOME")])
    rng.choice(picked[1]["Retry"])[key] = value
    return picked[0]


@mutation("empty_error_equals", 1)
def _empty_error_equals(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, [t for t in all_states(d) if t[1].get("Retry") or t[1].get("Catch")])
    if picked is None:
        return None
    entries = picked[1].get("Retry") or picked[1]["Catch"]
    rng.choice(entries)["ErrorEquals"] = []
    return picked[0]


@mutation("distributed_only_field", 1)
def _distributed_only(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, of_type(d, "Map"))
    if picked is None:
        return None
    picked[1]["ToleratedFailurePercentage"] = 10
    return picked[0]


@mutation("choice_variable_rule", 1)
def _choice_variable_rule(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, of_type(d, "Choice"))
    if picked is None:
        return None
    rule = rng.choice(picked[1]["Choices"])
    rule.pop("Condition", None)
    rule.update({"Variable": "$.status", "StringEquals": "ok"})
    return picked[0]


@mutation("choice_without_default", 1)
def _choice_without_default(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, [t for t in of_type(d, "Choice") if "Default" in t[1]])
    if picked is None:
        return None
    del picked[1]["Default"]
    return picked[0]


@mutation("query_language_downgrade", 1)
def _downgrade(d: dict, rng: random.Random) -> str | None:
    path, state, _ = rng.choice(all_states(d))
    state["QueryLanguage"] = "JSONPath"
    return path


@mutation("fail_error_not_string", 1)
def _fail_error(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, of_type(d, "Fail"))
    if picked is None:
        return None
    picked[1]["Error"] = 42
    return picked[0]


@mutation("wait_both_fields", 1)
def _wait_both(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, of_type(d, "Wait"))
    if picked is None:
        return None
    picked[1]["Seconds" if "Timestamp" in picked[1] else "Timestamp"] = 5 if "Timestamp" in picked[1] else "2025-01-01T00:00:00Z"
    return picked[0]


# -- family 5: quotas and placeholders ---------------------------------------


def _placeholder_slots(d: dict) -> list[tuple[str, Any, Any]]:
    found = []

    def visit(value: Any, path: str) -> None:
        items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, inner in items:
            if isinstance(inner, str) and "${" in inner:
                found.append((path, value, key))
            elif isinstance(inner, (dict, list)) and key not in ("ItemProcessor", "Branches"):
                visit(inner, path)

    for path, state, _ in all_states(d):
        visit(state, path)
    return found


@mutation("bad_placeholder", 5)
def _bad_placeholder(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, _placeholder_slots(d))
    if picked is None:
        return None
    path, container, key = picked
    text = container[key]
    start = text.index("${")
    end = text.index("}", start)
    name = text[start + 2 : end]
    container[key] = text[:start] + rng.choice(["${" + name, "${}", "${" + name[:3] + " " + name[3:] + "}", "${" + name + "-x}"]) + text[end + 1 :]
    return path


@mutation("too_large", 5)
def _too_large(d: dict, rng: random.Random) -> str | None:
    path, state, _ = rng.choice(all_states(d))
    state["Comment"] = "x" * 1_100_000
    return path


# -- helpers -----------------------------------------------------------------


def _rename(graph: dict, old: str, new: str) -> None:
    """Rename a state and every transition to it in its graph."""
    graph["States"] = {(new if k == old else k): v for k, v in graph["States"].items()}
    if graph.get("StartAt") == old:
        graph["StartAt"] = new
    for state in graph["States"].values():
        if not isinstance(state, dict):
            continue
        if state.get("Next") == old:
            state["Next"] = new
        if state.get("Default") == old:
            state["Default"] = new
        for entry in state.get("Choices", []) + state.get("Catch", []):
            if entry.get("Next") == old:
                entry["Next"] = new


import validate_mutations_integrations  # noqa: E402,F401  (family 4)
import validate_mutations_jsonata  # noqa: E402,F401  (families 2 and 3)
