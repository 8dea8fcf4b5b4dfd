"""Single-defect mutations of families 2 (JSONata) and 3 (variables),
registered into tests/support/validate_mutations.py's generator (see there)."""

from __future__ import annotations

import random
from typing import Any

from validate_mutations import all_states, expression_slots, mutation, of_type, pick, tasks


# -- family 2: JSONata -------------------------------------------------------


def _expression(d: dict, rng: random.Random) -> tuple[str, Any, Any, str] | None:
    picked = pick(rng, expression_slots(d))
    if picked is None:
        return None
    path, container, key = picked
    return path, container, key, container[key][3:-3]


@mutation("jsonata_syntax", 2)
def _jsonata_syntax(d: dict, rng: random.Random) -> str | None:
    found = _expression(d, rng)
    if found is None:
        return None
    path, container, key, body = found
    container[key] = "{% " + rng.choice([f"({body}) +", f"({body}", f"{body} ]", "$x := ", f"[{body}"]) + " %}"
    return path


@mutation("unknown_function", 2)
def _unknown_function(d: dict, rng: random.Random) -> str | None:
    found = _expression(d, rng)
    if found is None:
        return None
    path, container, key, body = found
    container[key] = "{% " + rng.choice(["$lenght", "$eval", "$uppercse", "$jsonParse"]) + f"({body}) %}}"
    return path


@mutation("broken_delimiter", 2)
def _broken_delimiter(d: dict, rng: random.Random) -> str | None:
    found = _expression(d, rng)
    if found is None:
        return None
    path, container, key, body = found
    container[key] = rng.choice(["{% " + body, body + " %}", "prefix {% " + body + " %}"])
    return path


@mutation("delimiter_spacing", 2)
def _delimiter_spacing(d: dict, rng: random.Random) -> str | None:
    found = _expression(d, rng)
    if found is None:
        return None
    path, container, key, body = found
    container[key] = "{%" + body + "%}"
    return path


@mutation("multiline_expression", 2)
def _multiline(d: dict, rng: random.Random) -> str | None:
    found = _expression(d, rng)
    if found is None:
        return None
    path, container, key, body = found
    container[key] = "{% (\n" + body + "\n) %}"
    return path


@mutation("result_in_arguments", 2)
def _result_in_arguments(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, [t for t in tasks(d) if isinstance(t[1].get("Arguments"), dict)])
    if picked is None:
        return None
    picked[1]["Arguments"]["Mutated"] = "{% $states.result %}"
    return picked[0]


@mutation("result_in_pass", 2)
def _result_in_pass(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, of_type(d, "Pass"))
    if picked is None:
        return None
    picked[1]["Output"] = "{% $states.result %}"
    return picked[0]


@mutation("error_output_outside_catch", 2)
def _error_output(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, of_type(d, "Task", "Pass"))
    if picked is None:
        return None
    picked[1]["Output"] = "{% $states.errorOutput %}"
    return picked[0]


@mutation("task_token_outside_callback", 2)
def _task_token(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, of_type(d, "Pass"))
    if picked is None:
        return None
    picked[1]["Output"] = "{% $states.context.Task.Token %}"
    return picked[0]


@mutation("unknown_states_field", 2)
def _unknown_states_field(d: dict, rng: random.Random) -> str | None:
    found = _expression(d, rng)
    if found is None or "$states.input" not in found[3]:
        return None
    path, container, key, body = found
    container[key] = "{% " + body.replace("$states.input", "$states.inputs", 1) + " %}"
    return path


# -- family 3: variables -----------------------------------------------------


@mutation("unknown_variable", 3)
def _unknown_variable(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, of_type(d, "Task", "Pass", "Map", "Parallel", "Wait"))
    if picked is None:
        return None
    picked[1].setdefault("Assign", {})["mutated_copy"] = "{% $never_assigned_anywhere %}"
    return picked[0]


@mutation("reserved_variable", 3)
def _reserved_variable(d: dict, rng: random.Random) -> str | None:
    picked = pick(rng, of_type(d, "Task", "Pass", "Map", "Parallel", "Wait"))
    if picked is None:
        return None
    picked[1].setdefault("Assign", {})["states"] = 1
    return picked[0]


@mutation("read_before_assign", 3)
def _read_before_assign(d: dict, rng: random.Random) -> str | None:
    start = d["States"][d["StartAt"]]
    later = sorted({k for name, s in d["States"].items() if name != d["StartAt"] for k in (s.get("Assign") or {})})
    if not later or start.get("Type") in ("Fail", "Succeed", "Choice"):
        return None
    start.setdefault("Assign", {})["early_copy"] = "{% $" + rng.choice(later) + " %}"
    return d["StartAt"]


@mutation("outer_variable_assigned", 3)
def _outer_assigned(d: dict, rng: random.Random) -> str | None:
    # The start state assigns a name before everything else; an iteration or
    # branch of a later Map / Parallel assigns it too. (A name the outer scope
    # assigns only after the Map / Parallel is no conflict: AWS runs that.)
    start = d["States"][d["StartAt"]]
    if start.get("Type") not in ("Task", "Pass", "Wait", "Map", "Parallel") or "Next" not in start:
        return None
    inner = [t for t in all_states(d) if "/" in t[0] and t[0].split("/")[0] != d["StartAt"] and t[1].get("Type") in ("Task", "Pass")]
    if not inner:
        return None
    path, state, _ = rng.choice(inner)
    start.setdefault("Assign", {})["mutated_outer"] = 1
    state.setdefault("Assign", {})["mutated_outer"] = 1
    return path


@mutation("inner_variable_read_outside", 3)
def _inner_read_outside(d: dict, rng: random.Random) -> str | None:
    for owner, state in d["States"].items():
        inner = sorted({k for _, s, _ in all_states({"States": {owner: state}}) if s is not state for k in (s.get("Assign") or {})})
        nxt = state.get("Next")
        if inner and nxt in d["States"] and d["States"][nxt].get("Type") in ("Task", "Pass"):
            d["States"][nxt].setdefault("Assign", {})["leaked_copy"] = "{% $" + rng.choice(inner) + " %}"
            return nxt
    return None
