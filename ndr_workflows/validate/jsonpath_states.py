"""Family 1c: the values of JSONPath states.

Paths and reference paths where ASL takes them (``InputPath``,
``ResultPath``, ``ItemsPath``, the ``*Path`` fields, Choice ``Variable``),
payload templates (``Parameters``, ``ResultSelector``, ``ItemSelector``,
``Assign``: a ``name.$`` field holds a path or an intrinsic function, and
two fields may not become one name once ``.$`` is stripped), intrinsic
functions called wrongly, and Choice rules written with ``Variable`` and
comparison operators (``And`` / ``Or`` / ``Not`` nesting, operand types,
one operator per rule, ``Next`` only at the top).

Paths and intrinsics are parsed by :mod:`ndr_workflows.asl.jsonpath` and
:mod:`ndr_workflows.asl.intrinsics`, which the simulator uses to evaluate
them: one reading of the syntax for both.
"""

from __future__ import annotations

from ..asl import intrinsics, jsonpath
from ..asl.common import describe, did_you_mean, is_number
from ..asl.problems import Problem
from ..asl.walk import JSONATA, JSONPATH, scopes, state_language

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..asl.common import Add

__all__ = ["check_jsonpath_states", "check_path", "check_template", "path_reads", "is_timestamp", "COMPARISONS", "CONFLICTS"]

# Comparison operator -> what its operand must be; every one but the Is*
# tests and StringMatches has a "...Path" variant whose operand is a path.
_TYPED = {"String": "string", "Numeric": "number", "Timestamp": "timestamp"}
COMPARISONS: dict[str, str] = {"BooleanEquals": "boolean", "BooleanEqualsPath": "path", "StringMatches": "string"}
for _prefix, _kind in _TYPED.items():
    for _op in ("Equals", "LessThan", "GreaterThan", "LessThanEquals", "GreaterThanEquals"):
        COMPARISONS[_prefix + _op] = _kind
        COMPARISONS[_prefix + _op + "Path"] = "path"
for _test in ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"):
    COMPARISONS[_test] = "boolean"
_RULE_EXTRA = frozenset({"Comment", "Next", "Assign"})
_COMBINATORS = ("And", "Or", "Not")
# Fields holding a reference path, by state type (ResultPath: into the input only).
_REFERENCE_FIELDS = {
    "Task": ("TimeoutSecondsPath", "HeartbeatSecondsPath"),
    "Wait": ("SecondsPath", "TimestampPath"),
    "Map": ("ItemsPath", "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath"),
}
_TEMPLATES = ("Parameters", "ResultSelector", "ItemSelector", "Assign")
# Fields that cannot both be given (the second is the first read from a path, or its old name).
CONFLICTS = {
    "Task": (("TimeoutSeconds", "TimeoutSecondsPath"), ("HeartbeatSeconds", "HeartbeatSecondsPath")),
    "Fail": (("Error", "ErrorPath"), ("Cause", "CausePath")),
    "Map": (
        ("ItemProcessor", "Iterator"), ("ItemSelector", "Parameters"), ("MaxConcurrency", "MaxConcurrencyPath"),
        ("ToleratedFailurePercentage", "ToleratedFailurePercentagePath"), ("ToleratedFailureCount", "ToleratedFailureCountPath"),
    ),
}


def check_jsonpath_states(definition: Any, add: Add) -> None:
    jsonata_top = isinstance(definition, dict) and definition.get("QueryLanguage") == JSONATA
    for scope in scopes(definition):
        for name, state in scope.states().items():
            if not isinstance(state, dict) or state_language(state, scope.language) != JSONPATH:
                continue
            if jsonata_top and state.get("QueryLanguage") == JSONPATH:
                continue  # QUERY_LANGUAGE_DOWNGRADE: it must be JSONata, and is judged as such

            kind = state.get("Type")
            if not isinstance(kind, str):
                continue
            path = scope.prefix + name
            for first, second in CONFLICTS.get(kind, ()):
                if first in state and second in state:
                    add(Problem(path, "CONFLICTING_FIELDS", f"{first} and {second} cannot both be given", f"keep one of them ({second} is {'the older name of' if second in ('Iterator', 'Parameters') else 'read from a path instead of'} {first})"))
            _check_paths(state, kind, path, add)
            for key in _TEMPLATES:
                if key in state:
                    check_template(state[key], key, path, add)
            if kind == "Choice":
                _check_choice(state, path, add)
            for label, entry in _entries(state, "Catch"):
                if "ResultPath" in entry:
                    check_path(entry["ResultPath"], f"{label}.ResultPath", path, add, reference=True, null=True, context=False, variables=False)
                if "Assign" in entry:
                    check_template(entry["Assign"], f"{label}.Assign", path, add)


def _entries(state: dict[str, Any], key: str) -> list[tuple[str, dict[str, Any]]]:
    entries = state.get(key)
    if not isinstance(entries, list):
        return []
    return [(f"{key}[{i}]", e) for i, e in enumerate(entries) if isinstance(e, dict)]


def check_path(value: Any, label: str, path: str, add: Add, *, reference: bool = False, null: bool = False, context: bool = True, variables: bool = True, suggest: bool = False) -> None:
    if value is None:
        if not null:
            add(Problem(path, "BAD_PATH", f"{label} cannot be null", "give a reference path such as \"$.items\""))
        return
    if not isinstance(value, str):
        add(Problem(path, "BAD_PATH", f"{label} must be a path (a string starting with $), not {describe(value)}"))
        return
    why = jsonpath.check(value, reference=reference, context=context, variables=variables)
    if why is not None:
        add(Problem(path, "BAD_PATH", f"{label}: {why}"))
    elif suggest and not jsonpath.parse(value).reference:
        add(Problem(path, "NOT_A_REFERENCE_PATH", f"{label}: {value!r} may select several values; AWS documents a reference path (names and indices only) here", "address one value, e.g. $.a.b[0]"))


def _check_paths(state: dict[str, Any], kind: str, path: str, add: Add) -> None:
    for key in ("InputPath", "OutputPath"):
        if key in state:
            check_path(state[key], key, path, add, null=True)
    if "ResultPath" in state:
        check_path(state["ResultPath"], "ResultPath", path, add, reference=True, null=True, context=False, variables=False)
    for key in _REFERENCE_FIELDS.get(kind, ()):
        if key in state:
            check_path(state[key], key, path, add, reference=True)
    if kind == "Fail":
        for key in ("ErrorPath", "CausePath"):
            if key in state:
                value = state[key]
                if intrinsics.is_intrinsic(value):
                    _intrinsic(value, key, path, add)
                else:
                    check_path(value, key, path, add)


def _intrinsic(text: str, label: str, path: str, add: Add) -> None:
    for severity, message in intrinsics.problems(text.strip()):
        code = "BAD_INTRINSIC" if severity == "error" else "INTRINSIC_LITERAL_ARGUMENT"
        name = message.split(":")[0].split(" ")[0]
        hint = f"called as {intrinsics.SIGNATURES[name]}" if name in intrinsics.SIGNATURES else "an intrinsic function is States.Name(arguments), arguments 'text', numbers, paths or other calls"
        add(Problem(path, code, f"{label}: {message}", hint, severity))


def check_template(template: Any, label: str, path: str, add: Add) -> None:
    """A JSONPath payload template: every ``name.$`` value is a path or an
    intrinsic function; no two keys become one name without ``.$``; a
    ``$.x`` literal under a plain key is passed on as text (a warning)."""
    todo = [(template, label)]
    while todo:
        value, where = todo.pop()
        if isinstance(value, list):
            todo.extend((v, f"{where}[{i}]") for i, v in reversed(list(enumerate(value))))
            continue
        if not isinstance(value, dict):
            continue
        seen: dict[str, str] = {}
        for key, inner in value.items():
            dynamic = key.endswith(".$")
            plain = key[:-2] if dynamic else key
            field = f"{where}.{key}"
            if plain in seen:
                add(Problem(path, "DUPLICATE_TEMPLATE_KEY", f"{where}: '{seen[plain]}' and '{key}' both give the field '{plain}'", "keep one of them"))
            seen[plain] = key
            if not dynamic:
                # "$.x", "$$.x", "$['x']": what a path looks like ("$5" or "$USD" may be meant as text)
                if isinstance(inner, str) and inner.startswith(("$.", "$$.", "$[")) and jsonpath.check(inner) is None:
                    add(Problem(path, "PATH_AS_LITERAL", f"{field}: {inner!r} is passed on as this text, not the value at that path", f"write the key as '{key}.$' to read the path", field=field))
                todo.append((inner, field))
            elif not isinstance(inner, str):
                add(Problem(path, "BAD_TEMPLATE", f"{field}: a field ending in '.$' holds a path or an intrinsic function (a string), not {describe(inner)}", f"write '{plain}' without '.$' for a literal value"))
            elif intrinsics.is_intrinsic(inner):
                _intrinsic(inner, field, path, add)
            elif inner.startswith("$"):
                why = jsonpath.check(inner)
                if why is not None:
                    add(Problem(path, "BAD_PATH", f"{field}: {why}"))
            else:
                add(Problem(path, "BAD_TEMPLATE", f"{field}: {describe(inner)} is neither a path (starting with $) nor an intrinsic function (States.*)", f"write '{plain}' without '.$' for a literal value"))


def _check_choice(state: dict[str, Any], path: str, add: Add) -> None:
    choices = state.get("Choices")
    if not isinstance(choices, list):
        return
    for i, rule in enumerate(choices):
        if isinstance(rule, dict):
            _rule(rule, f"Choices[{i}]", path, add, top=True)
            if "Assign" in rule:
                check_template(rule["Assign"], f"Choices[{i}].Assign", path, add)


def _rule(rule: dict[str, Any], label: str, path: str, add: Add, *, top: bool) -> None:
    if not top:
        for key in ("Next", "Assign"):
            if key in rule:
                add(Problem(path, "BAD_CHOICE_RULE", f"{label}.{key}: only a top-level Choice rule has {key}, not one nested in And / Or / Not"))
    combinators = [k for k in _COMBINATORS if k in rule]
    operators = [k for k in rule if k in COMPARISONS]
    for key in rule:
        if key not in COMPARISONS and key not in _COMBINATORS and key not in _RULE_EXTRA and key != "Variable":
            if key in ("Condition", "Output"):
                add(Problem(path, "JSONATA_FIELD", f"{label}.{key} is a JSONata field; this state uses JSONPath", 'set "QueryLanguage": "JSONata"'))
            else:
                add(Problem(path, "UNKNOWN_FIELD", f"{label}.{key}: not a field of a Choice rule", did_you_mean(key, sorted(COMPARISONS) + [*_COMBINATORS, "Variable"]), field=f"{label}.{key}"))
    if combinators:
        if len(combinators) > 1 or operators or "Variable" in rule:
            add(Problem(path, "BAD_CHOICE_RULE", f"{label}: a rule is either one of And / Or / Not or a Variable with one comparison, not {', '.join(combinators + operators + (['Variable'] if 'Variable' in rule else []))}"))
            return
        key = combinators[0]
        inner = rule[key]
        if key == "Not":
            if not isinstance(inner, dict):
                add(Problem(path, "BAD_CHOICE_RULE", f"{label}.Not must be one rule (an object), not {describe(inner)}"))
            else:
                _rule(inner, f"{label}.Not", path, add, top=False)
        elif not isinstance(inner, list) or not inner:
            add(Problem(path, "BAD_CHOICE_RULE", f"{label}.{key} must be a non-empty array of rules" + (", not empty" if inner == [] else f", not {describe(inner)}")))
        else:
            for j, sub in enumerate(inner):
                if isinstance(sub, dict):
                    _rule(sub, f"{label}.{key}[{j}]", path, add, top=False)
                else:
                    add(Problem(path, "BAD_CHOICE_RULE", f"{label}.{key}[{j}] must be a rule (an object), not {describe(sub)}"))
        return
    if "Variable" not in rule:
        add(Problem(path, "BAD_CHOICE_RULE", f"{label} has no Variable", "a JSONPath rule is {\"Variable\": \"$.x\", \"<Comparison>\": value, \"Next\": ...} or And / Or / Not"))
    else:
        check_path(rule["Variable"], f"{label}.Variable", path, add, suggest=True)
    if len(operators) != 1:
        what = "no comparison operator" if not operators else f"{len(operators)} comparison operators ({', '.join(operators)})"
        add(Problem(path, "BAD_CHOICE_RULE", f"{label} has {what}; a rule has exactly one", "e.g. StringEquals, NumericGreaterThan, BooleanEquals, IsPresent"))
    for op in operators:
        _operand(rule[op], op, f"{label}.{op}", path, add)


def _operand(value: Any, op: str, label: str, path: str, add: Add) -> None:
    kind = COMPARISONS[op]
    if kind == "path":
        check_path(value, label, path, add, suggest=True)
        return
    ok = {
        "string": isinstance(value, str),
        "number": is_number(value),
        "boolean": isinstance(value, bool),
        "timestamp": isinstance(value, str) and is_timestamp(value),
    }[kind]
    if not ok:
        what = {"string": "a string", "number": "a number", "boolean": "true or false", "timestamp": "an ISO-8601 timestamp like 2025-01-01T00:00:00Z"}[kind]
        add(Problem(path, "BAD_COMPARISON", f"{label} must be {what}, not {describe(value)}"))


def is_timestamp(text: str) -> bool:
    """An RFC 3339 time with its zone: ``2025-01-01T00:00:00Z``, ``...T00:00:00.5+01:00``."""
    import re

    return re.fullmatch(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", text) is not None


# -- what a JSONPath state reads from workflow variables ------------------------------


def path_reads(state: dict[str, Any]) -> list[tuple[str, frozenset[str]]]:
    """(field label, variables read) of a JSONPath state's paths, payload
    templates, intrinsic functions and Choice rules (for the variable checks)."""
    found: list[tuple[str, frozenset[str]]] = []

    def text(value: Any, label: str) -> None:
        if not isinstance(value, str):
            return
        stripped = value.strip()
        try:
            if stripped.startswith("States."):
                names = intrinsics.variables(intrinsics.parse(stripped))
            elif stripped.startswith("$"):
                names = jsonpath.parse(value).variables
            else:
                return
        except jsonpath.JsonPathError:
            return
        if names:
            found.append((label, names))

    for key in ("InputPath", "OutputPath", "ItemsPath", "TimeoutSecondsPath", "HeartbeatSecondsPath", "SecondsPath", "TimestampPath", "ErrorPath", "CausePath", "MaxConcurrencyPath"):
        text(state.get(key), key)
    templates = [(key, state[key]) for key in _TEMPLATES if key in state]
    templates += [(f"{label}.Assign", entry["Assign"]) for label, entry in _entries(state, "Catch") + _entries(state, "Choices") if "Assign" in entry]
    for key, template in templates:
        for where, _, value in jsonpath.template_paths(template, key):
            text(value, where)
    for label, rule in _entries(state, "Choices"):
        _rule_reads(rule, label, text)
    return found


def _rule_reads(rule: Any, label: str, text: Any) -> None:
    if not isinstance(rule, dict):
        return
    text(rule.get("Variable"), f"{label}.Variable")
    for op, kind in COMPARISONS.items():
        if kind == "path" and op in rule:
            text(rule[op], f"{label}.{op}")
    for key in ("And", "Or"):
        if isinstance(rule.get(key), list):
            for j, sub in enumerate(rule[key]):
                _rule_reads(sub, f"{label}.{key}[{j}]", text)
    if "Not" in rule:
        _rule_reads(rule["Not"], f"{label}.Not", text)
