"""Family 1b: which fields a state may have, by state type and query
language, and what they may hold.

Step Functions rejects a definition with an unknown field, and a JSONata
state with a JSONPath field (``Parameters``, ``ResultPath``, a ``.$``
key...). The tables below are the ASL specification's, split by language.
"""

from __future__ import annotations

from ..asl.common import describe, did_you_mean, is_expression, is_int, is_number, misspelt
from ..asl.problems import Problem
from ..asl.walk import JSONATA, JSONPATH, map_mode, scopes, state_language, top_language

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..asl.common import Add

__all__ = ["check_fields", "JSONPATH_ONLY", "JSONATA_ONLY"]

_COMMON = frozenset({"Type", "Comment", "QueryLanguage"})
_FLOW = frozenset({"Next", "End", "Assign"})
_ACTION = _FLOW | {"Retry", "Catch"}
# Fields a state type has in both query languages.
_SHARED: dict[str, frozenset[str]] = {
    "Pass": _COMMON | _FLOW,
    "Task": _COMMON | _ACTION | {"Resource", "TimeoutSeconds", "HeartbeatSeconds", "Credentials"},
    "Choice": _COMMON | {"Choices", "Default", "Assign"},
    "Wait": _COMMON | _FLOW | {"Seconds", "Timestamp"},
    "Succeed": _COMMON,
    "Fail": _COMMON | {"Error", "Cause"},
    "Parallel": _COMMON | _ACTION | {"Branches"},
    "Map": _COMMON
    | _ACTION
    | {"ItemProcessor", "Iterator", "ItemSelector", "ItemReader", "ItemBatcher", "ResultWriter", "MaxConcurrency", "ToleratedFailurePercentage", "ToleratedFailureCount", "Label"},
}
_JSONPATH_EXTRA: dict[str, frozenset[str]] = {
    "Pass": frozenset({"InputPath", "OutputPath", "Parameters", "ResultPath", "Result"}),
    "Task": frozenset({"InputPath", "OutputPath", "Parameters", "ResultPath", "ResultSelector", "TimeoutSecondsPath", "HeartbeatSecondsPath"}),
    "Choice": frozenset({"InputPath", "OutputPath"}),
    "Wait": frozenset({"InputPath", "OutputPath", "SecondsPath", "TimestampPath"}),
    "Succeed": frozenset({"InputPath", "OutputPath"}),
    "Fail": frozenset({"ErrorPath", "CausePath"}),
    "Parallel": frozenset({"InputPath", "OutputPath", "Parameters", "ResultPath", "ResultSelector"}),
    "Map": frozenset(
        {"InputPath", "OutputPath", "Parameters", "ResultPath", "ResultSelector", "ItemsPath", "MaxConcurrencyPath", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath"}
    ),
}
_JSONATA_EXTRA: dict[str, frozenset[str]] = {
    "Pass": frozenset({"Output"}),
    "Task": frozenset({"Arguments", "Output"}),
    "Choice": frozenset({"Output"}),
    "Wait": frozenset({"Output"}),
    "Succeed": frozenset({"Output"}),
    "Fail": frozenset(),
    "Parallel": frozenset({"Arguments", "Output"}),
    "Map": frozenset({"Items", "Output"}),
}
JSONPATH_ONLY = frozenset().union(*_JSONPATH_EXTRA.values())
JSONATA_ONLY = frozenset().union(*_JSONATA_EXTRA.values()) | {"Condition"}
ALL_STATE_FIELDS = frozenset().union(*_SHARED.values()) | JSONPATH_ONLY | JSONATA_ONLY
# What to write instead, for a JSONPath field in a JSONata state.
_INSTEAD = {
    "InputPath": "read $states.input in Arguments or Output instead",
    "Parameters": "use Arguments (Task, Parallel) or ItemSelector (Map)",
    "ResultSelector": "shape $states.result in Output or Assign",
    "ResultPath": "merge with $states.result in Output, or keep it with Assign",
    "OutputPath": "use Output",
    "ItemsPath": "use Items",
    "Result": "use Output on the Pass state",
    "ErrorPath": "use Error with an expression",
    "CausePath": "use Cause with an expression",
    "SecondsPath": "use Seconds with an expression",
    "TimestampPath": "use Timestamp with an expression",
    "TimeoutSecondsPath": "use TimeoutSeconds with an expression",
    "HeartbeatSecondsPath": "use HeartbeatSeconds with an expression",
    "MaxConcurrencyPath": "use MaxConcurrency with an expression",
    "ToleratedFailurePercentagePath": "use ToleratedFailurePercentage with an expression",
    "ToleratedFailureCountPath": "use ToleratedFailureCount with an expression",
}
_DISTRIBUTED_ONLY = ("ItemReader", "ItemBatcher", "ResultWriter", "ToleratedFailurePercentage", "ToleratedFailureCount", "ToleratedFailurePercentagePath", "ToleratedFailureCountPath", "Label")
_RETRY_FIELDS = frozenset({"ErrorEquals", "IntervalSeconds", "MaxAttempts", "BackoffRate", "MaxDelaySeconds", "JitterStrategy", "Comment"})
_CATCH_FIELDS = {JSONATA: frozenset({"ErrorEquals", "Next", "Comment", "Output", "Assign"}), JSONPATH: frozenset({"ErrorEquals", "Next", "Comment", "ResultPath", "Assign"})}
_RULE_FIELDS_JSONATA = frozenset({"Condition", "Next", "Comment", "Assign", "Output"})
# Errors Step Functions does not retry (a Retry naming them does nothing).
_NOT_RETRIABLE = frozenset({"States.DataLimitExceeded", "States.Runtime"})
_MAX_SECONDS = 99999999


def check_fields(definition: Any, add: Add) -> None:
    # A JSONata state machine may not hold JSONPath states (AWS refuses it);
    # a JSONPath one may mix in JSONata states, and they may nest JSONPath ones.
    jsonata_top = top_language(definition) == JSONATA
    for scope in scopes(definition):
        for name, state in scope.states().items():
            if not isinstance(state, dict) or not isinstance(state.get("Type"), str) or state["Type"] not in _SHARED:
                continue
            path = scope.prefix + name
            language = state_language(state, scope.language)
            own = state.get("QueryLanguage")
            if "QueryLanguage" in state and own not in (JSONATA, JSONPATH):
                add(Problem(path, "BAD_QUERY_LANGUAGE", f"QueryLanguage must be JSONata or JSONPath, not {describe(own)}"))
            elif own == JSONPATH and jsonata_top:
                add(
                    Problem(path, "QUERY_LANGUAGE_DOWNGRADE", "QueryLanguage JSONPath: a state cannot switch back to JSONPath in a state machine whose QueryLanguage is JSONata", "remove the state's QueryLanguage and write it in JSONata", field="QueryLanguage")
                )
                continue  # written in the other language: its fields are that one mistake
            _check_allowed(state, path, language, add)
            _check_values(state, path, language, add)


def state_fields(kind: Any, language: str) -> frozenset[str]:
    """The fields a state of type ``kind`` has in ``language`` (every
    state field, for a type that does not exist)."""
    if kind not in _SHARED:
        return ALL_STATE_FIELDS
    return _SHARED[kind] | (_JSONATA_EXTRA if language == JSONATA else _JSONPATH_EXTRA)[kind]


def _check_allowed(state: dict[str, Any], path: str, language: str, add: Add) -> None:
    kind = state["Type"]
    allowed = state_fields(kind, language)
    for key in state:
        if key in allowed:
            continue
        if language == JSONATA and (key in JSONPATH_ONLY or key.endswith(".$")):
            add(Problem(path, "JSONPATH_FIELD", f"{key} is a JSONPath field; this state uses JSONata", _INSTEAD.get(key, "JSONata states never use '.$' keys"), field=key))
        elif language == JSONPATH and key in JSONATA_ONLY:
            add(Problem(path, "JSONATA_FIELD", f"{key} is a JSONata field; this state uses JSONPath", 'set "QueryLanguage": "JSONata" (on the state or the state machine)'))
        elif any(key in fields for fields in _SHARED.values()) or key in JSONPATH_ONLY or key in JSONATA_ONLY:
            add(Problem(path, "FIELD_NOT_ALLOWED", f"{key} is not a field of a {kind} state" + _why(kind, key), f"{kind} allows: {', '.join(sorted(allowed))}", field=key))
        else:
            add(Problem(path, "UNKNOWN_FIELD", f"{key}: not a field of a {kind} state", did_you_mean(key, sorted(allowed)) or f"{kind} allows: {', '.join(sorted(allowed))}", field=key))


def _why(kind: str, key: str) -> str:
    if kind in ("Succeed", "Fail") and key in ("Next", "End"):
        return f" (a {kind} state ends the execution by itself)"
    if kind == "Choice" and key in ("Next", "End"):
        return " (a Choice continues through its rules' Next and its Default)"
    return ""


def _seconds(value: Any, key: str, path: str, language: str, add: Add, minimum: int = 1) -> None:
    if language == JSONATA and is_expression(value):
        return
    if not is_int(value) and not (isinstance(value, float) and value.is_integer()):
        what = "a whole number" + (" or an expression" if language == JSONATA else "")
        add(Problem(path, "BAD_SECONDS", f"{key} must be {what}, not {describe(value)}"))
    elif not minimum <= value <= _MAX_SECONDS:
        add(Problem(path, "BAD_SECONDS", f"{key} must be between {minimum} and {_MAX_SECONDS}, not {describe(value)}"))


def _check_values(state: dict[str, Any], path: str, language: str, add: Add) -> None:
    kind = state["Type"]
    if "Comment" in state and not isinstance(state["Comment"], str):
        add(Problem(path, "BAD_FIELD_TYPE", f"Comment must be a string, not {describe(state['Comment'])}"))
    if "Assign" in state and not isinstance(state["Assign"], dict):
        add(Problem(path, "BAD_ASSIGN", f"Assign must be an object of variable names to values, not {describe(state['Assign'])}"))
    if language == JSONATA and "Arguments" in state:
        arguments = state["Arguments"]
        if not isinstance(arguments, dict) and not is_expression(arguments):
            add(Problem(path, "BAD_ARGUMENTS", f"Arguments must be an object or an expression, not {describe(arguments)}"))
    if kind == "Task":
        resource = state.get("Resource")
        if "Resource" not in state and misspelt(state, "Resource", state_fields(kind, language)):
            pass  # written wrong: the unknown field is the finding
        elif "Resource" not in state:
            add(Problem(path, "BAD_RESOURCE", "a Task needs a Resource (arn:aws:states:::service:api, a function or activity ARN)"))
        elif not isinstance(resource, str) or not (resource.startswith("arn:") or (resource.startswith("${") and resource.endswith("}"))):
            add(Problem(path, "BAD_RESOURCE", f"Resource must be an ARN (arn:aws:states:::service:api, a function or activity ARN) or a ${{Placeholder}}, not {describe(resource)}"))
    timeout = state.get("TimeoutSeconds")
    heartbeat = state.get("HeartbeatSeconds")
    for key in ("TimeoutSeconds", "HeartbeatSeconds"):
        if key in state and kind == "Task":
            _seconds(state[key], key, path, language, add)
    if is_number(timeout) and is_number(heartbeat) and heartbeat >= timeout:
        add(Problem(path, "HEARTBEAT_NOT_BELOW_TIMEOUT", f"HeartbeatSeconds ({heartbeat}) must be smaller than TimeoutSeconds ({timeout})"))
    if "HeartbeatSeconds" in state and "TimeoutSeconds" not in state and "TimeoutSecondsPath" not in state:
        add(Problem(path, "HEARTBEAT_WITHOUT_TIMEOUT", "HeartbeatSeconds is set but TimeoutSeconds is not (it defaults to 99999999 seconds)", "set TimeoutSeconds too, or the task may wait for the execution's whole lifetime"))
    if kind == "Wait":
        given = [k for k in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath") if k in state]
        if not given and any(misspelt(state, k, state_fields(kind, language)) for k in ("Seconds", "Timestamp", "SecondsPath", "TimestampPath")):
            pass  # one written wrong: the unknown field is the finding
        elif len(given) != 1:
            add(Problem(path, "WAIT_FIELDS", "a Wait state needs exactly one of Seconds or Timestamp" + (f" (it has {', '.join(given)})" if given else "")))
        if "Seconds" in state:
            _seconds(state["Seconds"], "Seconds", path, language, add, minimum=0)
        if "Timestamp" in state:
            ts = state["Timestamp"]
            if not isinstance(ts, str) or not (is_expression(ts) and language == JSONATA or _looks_like_timestamp(ts)):
                add(Problem(path, "BAD_TIMESTAMP", "Timestamp must be an ISO-8601 time like 2025-01-01T00:00:00Z" + (" or an expression" if language == JSONATA else "") + f", not {describe(ts)}"))
    if kind == "Fail":
        for key in ("Error", "Cause"):
            if key in state and not isinstance(state[key], str):
                add(Problem(path, "BAD_FIELD_TYPE", f"{key} must be a string (or an expression), not {describe(state[key])}"))
    if kind == "Choice":
        _check_rules(state, path, language, add)
        if "Default" in state and not isinstance(state["Default"], str):
            pass  # reported as BAD_TARGET by the structure checks
    if kind == "Map":
        _check_map(state, path, language, add)
    if kind == "Parallel":
        branches = state.get("Branches")
        if not isinstance(branches, list) or not branches:
            add(Problem(path, "NO_BRANCHES", "a Parallel state needs a non-empty Branches array" + ("" if branches in (None, []) else f", not {describe(branches)}")))
    if kind in ("Task", "Map", "Parallel"):
        _check_retry(state, path, add)
        _check_catch(state, path, language, add)


def _looks_like_timestamp(text: str) -> bool:
    return len(text) >= 20 and text[4] == "-" and text[7] == "-" and text[10] == "T" and text[13] == ":" and text[16] == ":" and text[:4].isdigit()


def _check_rules(state: dict[str, Any], path: str, language: str, add: Add) -> None:
    choices = state.get("Choices")
    if not isinstance(choices, list):
        return
    for i, rule in enumerate(choices):
        if not isinstance(rule, dict):
            continue
        label = f"Choices[{i}]"
        if language == JSONATA:
            jsonpath_keys = [k for k in rule if k not in _RULE_FIELDS_JSONATA and _is_jsonpath_rule_key(k)]
            if jsonpath_keys:
                # One mistake: a JSONPath rule in a JSONata state (not also "no Condition").
                add(Problem(path, "JSONPATH_FIELD", f"{label}.{jsonpath_keys[0]}: {', '.join(jsonpath_keys)} make a JSONPath (Variable-style) Choice rule; in this JSONata state a rule has a Condition", "write the test as a Condition: \"{% ... %}\"", field=f"{label}.{jsonpath_keys[0]}"))
            elif "Condition" not in rule:
                if not misspelt(rule, "Condition", _RULE_FIELDS_JSONATA):
                    add(Problem(path, "BAD_CONDITION", f"{label} has no Condition", "a JSONata rule is {\"Condition\": \"{% ... %}\", \"Next\": ...}"))
            else:
                condition = rule["Condition"]
                # a string that mentions a delimiter without being one expression: EXPRESSION_AS_LITERAL says so
                if not isinstance(condition, bool) and not is_expression(condition) and not (isinstance(condition, str) and ("{%" in condition or "%}" in condition)):
                    add(Problem(path, "BAD_CONDITION", f"{label}.Condition must be an expression or a boolean, not {describe(condition)}", field=f"{label}.Condition"))
            for key in rule:
                if key in _RULE_FIELDS_JSONATA or key in jsonpath_keys:
                    continue
                add(Problem(path, "UNKNOWN_FIELD", f"{label}.{key}: not a field of a Choice rule", did_you_mean(key, sorted(_RULE_FIELDS_JSONATA)), field=f"{label}.{key}"))
        elif "Condition" in rule or "Output" in rule:
            key = "Condition" if "Condition" in rule else "Output"
            add(Problem(path, "JSONATA_FIELD", f"{label}.{key} is a JSONata field; this state uses JSONPath", 'set "QueryLanguage": "JSONata"'))
        for key in ("Assign",):
            if key in rule and not isinstance(rule[key], dict):
                add(Problem(path, "BAD_ASSIGN", f"{label}.Assign must be an object, not {describe(rule[key])}"))


def _is_jsonpath_rule_key(key: str) -> bool:
    return key in ("Variable", "And", "Or", "Not") or key.endswith(".$") or key[:1].isupper() and ("Equals" in key or "Than" in key or key.startswith("Is") or key.endswith("Matches"))


def _check_map(state: dict[str, Any], path: str, language: str, add: Add) -> None:
    processor = state.get("ItemProcessor")
    if "ItemProcessor" not in state and "Iterator" not in state:
        add(Problem(path, "BAD_GRAPH", "a Map state needs an ItemProcessor (ProcessorConfig, StartAt, States)"))
    elif "Iterator" in state and language == JSONATA:
        add(Problem(path, "JSONPATH_FIELD", "Iterator is the deprecated JSONPath spelling; a JSONata Map uses ItemProcessor", "rename Iterator to ItemProcessor"))
    mode = "INLINE"
    if isinstance(processor, dict) and "ProcessorConfig" in processor:
        config = processor["ProcessorConfig"]
        if not isinstance(config, dict):
            add(Problem(path, "BAD_MAP_MODE", f"ItemProcessor.ProcessorConfig must be an object, not {describe(config)}"))
        else:
            mode = config.get("Mode", "INLINE")
            if mode not in ("INLINE", "DISTRIBUTED"):
                add(Problem(path, "BAD_MAP_MODE", f"ProcessorConfig.Mode must be INLINE or DISTRIBUTED, not {describe(mode)}"))
            if mode == "DISTRIBUTED" and config.get("ExecutionType") not in ("STANDARD", "EXPRESS"):
                add(Problem(path, "BAD_MAP_MODE", f"ProcessorConfig.ExecutionType must be STANDARD or EXPRESS for a DISTRIBUTED Map, not {describe(config.get('ExecutionType'))}"))
            if mode != "DISTRIBUTED" and "ExecutionType" in config:
                add(Problem(path, "DISTRIBUTED_ONLY_FIELD", "ProcessorConfig.ExecutionType exists only for a DISTRIBUTED Map"))
            for key in config:
                if key not in ("Mode", "ExecutionType"):
                    add(Problem(path, "UNKNOWN_FIELD", f"ItemProcessor.ProcessorConfig.{key}: not a field of ProcessorConfig", "allowed: Mode, ExecutionType"))
    if map_mode(state) == "INLINE":
        for key in _DISTRIBUTED_ONLY:
            if key in state:
                add(
                    Problem(path, "DISTRIBUTED_ONLY_FIELD", f"{key} exists only for a DISTRIBUTED Map", "in an inline Map, catch the failure inside the iteration and return a result that says so")
                )
    if "MaxConcurrency" in state:
        mc = state["MaxConcurrency"]
        if not (language == JSONATA and is_expression(mc)) and (not is_int(mc) or mc < 0):
            add(Problem(path, "BAD_MAX_CONCURRENCY", f"MaxConcurrency must be 0 (unbounded) or more, not {describe(mc)}"))
    if language == JSONATA and "Items" in state:
        items = state["Items"]
        if not isinstance(items, list) and not is_expression(items):
            add(Problem(path, "BAD_ITEMS", f"Items must be an array or an expression, not {describe(items)}"))
    for key, top in (("ToleratedFailurePercentage", 100), ("ToleratedFailureCount", None)):
        if key in state:
            value = state[key]
            if language == JSONATA and is_expression(value):
                continue
            if not is_number(value) or value < 0 or (top is not None and value > top) or (top is None and not is_int(value)):
                add(Problem(path, "BAD_TOLERATED_FAILURE", f"{key} must be " + ("a number from 0 to 100" if top else "a whole number >= 0") + f", not {describe(value)}"))


def _error_list(entry: dict[str, Any], label: str, path: str, add: Add, known: frozenset[str]) -> list[str]:
    errors = entry.get("ErrorEquals")
    if errors is None and misspelt(entry, "ErrorEquals", known):
        return []  # written wrong: the unknown field is the finding
    if not isinstance(errors, list) or not errors:
        add(Problem(path, "EMPTY_ERROR_EQUALS", f"{label}.ErrorEquals " + ("is missing" if errors is None else "is empty" if errors == [] else f"must be a list of error names, not {describe(errors)}")))
        return []
    names = []
    for j, name in enumerate(errors):
        if not isinstance(name, str) or not name:
            add(Problem(path, "BAD_ERROR_NAME", f"{label}.ErrorEquals[{j}] must be an error name (a non-empty string), not {describe(name)}"))
        else:
            names.append(name)
    return names


def _entries(state: dict[str, Any], key: str, path: str, add: Add) -> list[tuple[int, dict[str, Any]]]:
    if key not in state:
        return []
    entries = state[key]
    if not isinstance(entries, list):
        add(Problem(path, "BAD_FIELD_TYPE", f"{key} must be an array, not {describe(entries)}"))
        return []
    found = []
    for i, entry in enumerate(entries):
        if isinstance(entry, dict):
            found.append((i, entry))
        else:
            add(Problem(path, "BAD_FIELD_TYPE", f"{key}[{i}] must be an object, not {describe(entry)}"))
    return found


def _states_all(kind: str, i: int, count: int, names: list[str], path: str, add: Add) -> None:
    label = f"{kind}[{i}]"
    if "States.ALL" in names:
        if len(names) > 1:
            add(Problem(path, "STATES_ALL_NOT_ALONE", f"{label}: States.ALL must be the only name in its ErrorEquals"))
        if i != count - 1:
            add(Problem(path, "STATES_ALL_NOT_LAST", f"{label}: States.ALL must be in the last {kind} entry"))


def _check_retry(state: dict[str, Any], path: str, add: Add) -> None:
    entries = _entries(state, "Retry", path, add)
    count = len(state["Retry"]) if entries else 0
    for i, r in entries:
        label = f"Retry[{i}]"
        names = _error_list(r, label, path, add, _RETRY_FIELDS)
        _states_all("Retry", i, count, names, path, add)
        for key in r:
            if key not in _RETRY_FIELDS:
                add(Problem(path, "UNKNOWN_FIELD", f"{label}.{key}: not a field of a Retry entry", did_you_mean(key, sorted(_RETRY_FIELDS)), field=f"{label}.{key}"))
        checks = (
            ("MaxAttempts", lambda v: is_int(v) and 0 <= v <= _MAX_SECONDS, "a whole number >= 0"),
            ("IntervalSeconds", lambda v: is_int(v) and 1 <= v <= _MAX_SECONDS, "a whole number >= 1"),
            ("BackoffRate", lambda v: is_number(v) and v >= 1, ">= 1.0"),
            ("MaxDelaySeconds", lambda v: is_int(v) and 1 <= v <= _MAX_SECONDS, "a whole number >= 1"),
            ("JitterStrategy", lambda v: v in ("FULL", "NONE"), "FULL or NONE"),
        )
        for key, ok, what in checks:
            if key in r and not ok(r[key]):
                add(Problem(path, "BAD_RETRY", f"{label}.{key} must be {what}, not {describe(r[key])}"))
        for name in sorted(set(names) & _NOT_RETRIABLE):
            add(Problem(path, "NOT_RETRIABLE", f"{label}: {name} is never retried by Step Functions", "remove it from the Retry (a Catch may still route it)"))


def _check_catch(state: dict[str, Any], path: str, language: str, add: Add) -> None:
    entries = _entries(state, "Catch", path, add)
    count = len(state["Catch"]) if entries else 0
    allowed = _CATCH_FIELDS[language]
    for i, c in entries:
        label = f"Catch[{i}]"
        names = _error_list(c, label, path, add, allowed)
        _states_all("Catch", i, count, names, path, add)
        if "Next" not in c and not misspelt(c, "Next", allowed):
            add(Problem(path, "MISSING_TRANSITION", f"{label} has no Next", "a Catch names the state to go to"))
        if "Assign" in c and not isinstance(c["Assign"], dict):
            add(Problem(path, "BAD_ASSIGN", f"{label}.Assign must be an object, not {describe(c['Assign'])}"))
        for key in c:
            if key in allowed:
                continue
            if language == JSONATA and (key in JSONPATH_ONLY or key.endswith(".$")):
                add(Problem(path, "JSONPATH_FIELD", f"{label}.{key} is a JSONPath field; this state uses JSONata", _INSTEAD.get(key, "use Output or Assign with $states.errorOutput")))
            elif language == JSONPATH and key == "Output":
                add(Problem(path, "JSONATA_FIELD", f"{label}.Output is a JSONata field; this state uses JSONPath", 'set "QueryLanguage": "JSONata"'))
            else:
                add(Problem(path, "UNKNOWN_FIELD", f"{label}.{key}: not a field of a Catch entry", did_you_mean(key, sorted(allowed)), field=f"{label}.{key}"))
