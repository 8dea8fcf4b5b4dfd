"""Family 2: JSONata. Every ``{% ... %}`` is one whole single-line string
with a space inside each delimiter and parses with the project's parser
(:func:`ndr_workflows.asl.jsonata.analyse`, differential-tested against
the reference engine's port); it calls only functions Step Functions
offers; and it reads ``$states.result`` / ``$states.errorOutput`` /
``$states.context.Task.Token`` / ``$states.context.Map.Item`` only where
Step Functions provides them (docs/validate_rules.md lists where).

Templates (Arguments, Output, Assign, ItemSelector) are checked for what
AWS accepts but asl-validator refuses (empty strings, arrays inside arrays,
``{%expr%}`` without inner spaces: warnings, errors under strict
compatibility) and for what AWS passes on as literal text although an
expression was meant (``.$`` keys, strings that mention a delimiter without
being one whole expression: warnings). See :mod:`.severity`.
"""

from __future__ import annotations

from ..asl.common import did_you_mean, is_expression
from ..asl.jsonata import analyse, builtin_functions
from ..asl.problems import TOP_LEVEL, Problem
from ..asl.resources import has_task_token
from ..asl.walk import JSONATA, scopes, state_language
from .structure import STATE_TYPES

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..asl.common import Add

__all__ = ["check_expressions", "lint_text", "state_expressions", "template_fields"]

_ACTIONS = frozenset({"Task", "Map", "Parallel"})
_STATES_FIELDS = frozenset({"input", "result", "errorOutput", "context"})
_CONTEXT_FIELDS = frozenset({"Execution", "StateMachine", "State", "Task", "Map"})
# The context object's members (docs/asl_facts.md; RedriveTime, Map.Item.Key and
# .Source from the AWS context-object reference).
_CONTEXT_MEMBERS = {
    "Execution": frozenset({"Id", "Input", "Name", "RoleArn", "StartTime", "RedriveCount", "RedriveTime"}),
    "StateMachine": frozenset({"Id", "Name"}),
    "State": frozenset({"Name", "EnteredTime", "RetryCount"}),
    "Task": frozenset({"Token"}),
    "Map": frozenset({"Item"}),
}
# (field, role, is a template). Roles say what the field can see:
# "args" before the work, "selector" a Map's ItemSelector, "result" the
# Output/Assign of a Task/Map/Parallel, "plain" any other state's fields.
_FIELDS = (
    ("Arguments", "args", True),
    ("Items", "args", True),
    ("ItemSelector", "selector", True),
    ("MaxConcurrency", "args", False),
    ("ToleratedFailurePercentage", "args", False),
    ("ToleratedFailureCount", "args", False),
    ("TimeoutSeconds", "args", False),
    ("HeartbeatSeconds", "args", False),
    ("Seconds", "plain", False),
    ("Timestamp", "plain", False),
    ("Error", "plain", False),
    ("Cause", "plain", False),
    ("Assign", "after", True),
    ("Output", "after", True),
    ("Credentials", "args", True),
    ("ItemReader", "args", True),
    ("ItemBatcher", "args", True),
    ("ResultWriter", "args", True),
)


def template_fields(state: dict[str, Any]) -> list[tuple[str, Any, str, bool]]:
    """(label, value, role, is a template) of every field of a JSONata state
    that Step Functions evaluates, Choice rules and Catch entries included."""
    kind = state.get("Type")
    action = isinstance(kind, str) and kind in _ACTIONS
    after = "result" if action else "plain"
    found: list[tuple[str, Any, str, bool]] = []
    for key, role, template in _FIELDS:
        if key in state:
            found.append((key, state[key], after if role == "after" else role, template))
    choices = state.get("Choices") if kind == "Choice" else None
    if isinstance(choices, list):
        for i, rule in enumerate(choices):
            if isinstance(rule, dict):
                for key in ("Condition", "Assign", "Output"):
                    if key in rule:
                        found.append((f"Choices[{i}].{key}", rule[key], "plain", key != "Condition"))
    catches = state.get("Catch") if action else None
    if isinstance(catches, list):
        for i, catch in enumerate(catches):
            if isinstance(catch, dict):
                for key in ("Assign", "Output"):
                    if key in catch:
                        found.append((f"Catch[{i}].{key}", catch[key], "catch", True))
    return found


def _strings(value: Any, label: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, str):
        out.append((label, value))
    elif isinstance(value, dict):
        for k, v in value.items():
            _strings(v, f"{label}.{k}", out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _strings(v, f"{label}[{i}]", out)


def state_expressions(state: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(label, JSONata text without delimiters, role) of every well-formed
    expression of a JSONata state."""
    found: list[tuple[str, str, str]] = []
    for label, value, role, _ in template_fields(state):
        strings: list[tuple[str, str]] = []
        _strings(value, label, strings)
        for sub, text in strings:
            if is_expression(text):
                found.append((sub, text[2:-2].strip(), role))
    return found


def check_expressions(definition: Any, add: Add, found: dict[int, list[tuple[str, str, str]]] | None = None) -> None:
    """Check every JSONata state's strings and templates; with ``found``,
    also keep each state's :func:`state_expressions` (by ``id(state)``)
    for the variable checks, so the templates are walked once.

    What is wrong with a text whatever field holds it (its syntax, an
    unknown function, ...) is one mistake however many fields repeat the
    text (a builder writes a lock's key into every state that uses the
    lock): it is reported once, on the first place, naming the others."""
    walk = _Walk()
    for scope in scopes(definition):
        for name, state in scope.states().items():
            if not isinstance(state, dict) or state_language(state, scope.language) != JSONATA:
                continue
            path = scope.prefix + name
            exprs: list[tuple[str, str, str]] = []
            for label, value, role, template in template_fields(state):
                walk.visit(value, label, template, False, state, path, role, exprs)
            if found is not None:
                found[id(state)] = exprs
    walk.flush(add)


class _Walk:
    """The findings of one definition in order of discovery; a text's own
    findings wait for the end, to name every place that repeats the text."""

    __slots__ = ("out", "places")

    def __init__(self) -> None:
        self.out: list[Problem | str] = []  # a finding, or a text whose own findings go here
        self.places: dict[str, list[tuple[str, str]]] = {}  # text -> (state path, field) of each use

    def add(self, problem: Problem) -> None:
        self.out.append(problem)

    def flush(self, add: Add) -> None:
        for item in self.out:
            if isinstance(item, Problem):
                add(item)
                continue
            (path, label), *others = self.places[item]
            also = ""
            if others:
                shown = "; ".join(f if p == path else f"{p or TOP_LEVEL}: {f}" for p, f in others[:3])
                more = f" and {len(others) - 3} more" if len(others) > 3 else ""
                also = f" (the same text is also at {shown}{more})"
            for code, message, hint in _LINTED[item][0]:
                add(Problem(path, code, f"{label}: {message}{also}", hint, field=label))

    def visit(self, value: Any, label: str, template: bool, in_array: bool, state: dict[str, Any], path: str, role: str, exprs: list[tuple[str, str, str]]) -> None:
        add = self.add
        if isinstance(value, str):
            if template and value == "":
                add(Problem(path, "EMPTY_STRING", f"{label}: an empty string literal; AWS accepts it, asl-validator refuses it", "use \"{% '' %}\" if an empty string is really meant", field=label))
            elif "%" in value:
                self.string(state, path, label, value, role)
                if is_expression(value):
                    exprs.append((label, value[2:-2].strip(), role))
        elif isinstance(value, dict):
            for k, v in value.items():
                if template and k.endswith(".$"):
                    add(Problem(path, "JSONPATH_KEY", f"{label}: key '{k}' is JSONPath syntax; in a JSONata state it is an ordinary key and its value is passed on unevaluated", f"write '{k[:-2]}': \"{{% ... %}}\"", field=label))
                self.visit(v, f"{label}.{k}", template, False, state, path, role, exprs)
        elif isinstance(value, list):
            if template and in_array:
                add(Problem(path, "NESTED_ARRAY", f"{label}: an array inside an array; AWS accepts it, asl-validator refuses nested arrays in templates", "build it with an expression instead (\"{% [[...]] %}\")", field=label))
            for i, v in enumerate(value):
                self.visit(v, f"{label}[{i}]", template, True, state, path, role, exprs)

    def string(self, state: dict[str, Any], path: str, label: str, text: str, role: str) -> None:
        found = _LINTED.get(text)
        if found is None:
            found = _LINTED[text] = _lint(text)
        lint, flags = found
        if lint:
            places = self.places.get(text)
            if places is None:
                self.places[text] = [(path, label)]
                self.out.append(text)
            elif (path, label) not in places:
                places.append((path, label))
        if flags:
            _check_states_reads(state, path, label, flags, role, self.add)


# text -> (findings that depend on the text alone, the $states parts it reads)
_LINTED: dict[str, tuple[tuple[tuple[str, str, str], ...], int]] = {}
_RESULT, _ERROR_OUTPUT, _TOKEN, _MAP_ITEM = 1, 2, 4, 8


def lint_text(body: str) -> tuple[tuple[str, str, str], ...]:
    """(code, message, hint) of what is wrong with JSONata text (without
    its delimiters) whatever field holds it: what a builder asks of the
    text a flow's author wrote before it wraps it in its own."""
    return _lint("{% " + body + " %}")[0]


def _lint(text: str) -> tuple[tuple[tuple[str, str, str], ...], int]:
    """What is wrong with one string whatever field holds it, and which
    context-dependent ``$states`` parts it reads (bit flags)."""
    if not is_expression(text):
        if "{%" in text or "%}" in text:
            return (
                (
                    "EXPRESSION_AS_LITERAL",
                    f"{text[:80]!r} mentions a JSONata delimiter but is not one whole \"{{% ... %}}\" string, so Step Functions passes it on as literal text",
                    "make the whole string the expression: \"{% ... %}\" (build text inside it with &)",
                ),
            ), 0
        return (), 0
    found: list[tuple[str, str, str]] = []
    if "\n" in text or "\r" in text:
        found.append(("MULTILINE_EXPRESSION", "the expression spans several lines; AWS accepts it, asl-validator refuses it", "write it on one line"))
    body = text[2:-2]
    if not body.strip():
        found.append(("EMPTY_EXPRESSION", "empty JSONata expression", ""))
        return tuple(found), 0
    if not body.startswith(" ") or not body.endswith(" "):
        found.append(("EXPRESSION_SPACING", "no space inside a delimiter; AWS accepts it, asl-validator accepts only \"{% ... %}\"", "write the delimiters with a space inside, \"{% ... %}\""))
    body = body.strip()
    if "%}" in body or "{%" in body:
        found.append(("NESTED_DELIMITER", "the expression contains '{%' or '%}'", "one expression per string; build text inside it with &"))
        return tuple(found), 0
    analysis = analyse(body)
    if analysis.error:
        found.append(("JSONATA_SYNTAX", f"{analysis.error}: {quote(body, analysis.error)}", ""))
        return tuple(found), 0
    for fn in sorted(analysis.functions - builtin_functions()):
        found.append(("UNKNOWN_FUNCTION", f"${fn} is not a JSONata or Step Functions function", function_hint(fn)))
    flags = 0
    if "$states." in body:
        unknown_fields: set[str] = set()
        for path in _states_paths(body):
            first = path[0]
            if first not in _STATES_FIELDS:
                unknown_fields.add(first)
            elif first == "result":
                flags |= _RESULT
            elif first == "errorOutput":
                flags |= _ERROR_OUTPUT
            elif first == "context" and len(path) > 1:
                part = path[1]
                members = _CONTEXT_MEMBERS.get(part)
                if members is None:
                    unknown_fields.add(f"context.{part}")
                elif len(path) > 2:
                    if path[2] not in members:
                        unknown_fields.add(f"context.{part}.{path[2]}")
                    elif part == "Task":
                        flags |= _TOKEN
                    elif part == "Map":
                        flags |= _MAP_ITEM
        for field in sorted(unknown_fields):
            found.append(("UNKNOWN_STATES_FIELD", f"$states.{field} does not exist", _states_hint(field)))
    return tuple(found), flags


# What the functions of other languages are called in JSONata (keys folded:
# lower case, no "_"): toUpperCase, len, parseInt, includes, ...
_OTHER_NAMES = {
    **dict.fromkeys(("toupper", "touppercase", "upper", "upcase", "ucase", "strtoupper", "capitalize"), "$uppercase"),
    **dict.fromkeys(("tolower", "tolowercase", "lower", "downcase", "lcase", "strtolower"), "$lowercase"),
    **dict.fromkeys(("len", "size", "strlen", "sizeof"), "$length (of a text) or $count (of an array)"),
    **dict.fromkeys(("concat", "concatenate", "strcat"), "$join([a, b]) or a & b"),
    **dict.fromkeys(("parseint", "parsefloat", "int", "float", "tonumber", "toint", "tointeger", "todouble", "atoi", "double", "decimal"), "$number"),
    **dict.fromkeys(("includes", "indexof", "has", "instr", "strpos", "find"), "$contains"),
    **dict.fromkeys(("startswith", "endswith"), "$contains(text, /^prefix/) or /suffix$/ (JSONata has no startsWith or endsWith)"),
    **dict.fromkeys(("tostring", "str", "stringify", "jsonstringify", "tojson", "dumps", "jsonencode"), "$string"),
    **dict.fromkeys(("jsonparse", "parsejson", "fromjson", "loads", "jsondecode"), "$parse"),
    **dict.fromkeys(("strip", "ltrim", "rtrim", "trimstart", "trimend"), "$trim"),
    **dict.fromkeys(("push", "extend", "arraypush"), "$append"),
    **dict.fromkeys(("avg", "mean"), "$average"),
    **dict.fromkeys(("unique", "uniq", "dedupe", "set"), "$distinct"),
    **dict.fromkeys(("substr", "slice", "mid"), "$substring"),
    **dict.fromkeys(("replaceall", "gsub", "sub"), "$replace"),
    **dict.fromkeys(("typeof", "gettype"), "$type"),
    **dict.fromkeys(("uuid4", "guid", "randomuuid", "newguid"), "$uuid"),
    **dict.fromkeys(("sha256", "sha1", "md5", "sha512", "digest"), "$hash"),
    **dict.fromkeys(("base64", "btoa", "tobase64", "b64encode"), "$base64encode"),
    **dict.fromkeys(("atob", "frombase64", "b64decode"), "$base64decode"),
    **dict.fromkeys(("date", "datetime", "utcnow", "currenttime", "timestamp", "today", "getdate"), "$now() (ISO text) or $millis() (epoch milliseconds)"),
    **dict.fromkeys(("coalesce", "ifnull", "nvl", "isnull", "default"), "$exists($a) ? $a : $b"),
    **dict.fromkeys(("format", "sprintf", "printf", "fstring"), "the & operator, or $formatNumber for numbers"),
    **dict.fromkeys(("flatten", "flat"), "$reduce(array, $append, [])"),
    **dict.fromkeys(("items", "entries", "values"), "$each(object, function($v, $k){ ... })"),
    **dict.fromkeys(("regex", "test", "matches", "search"), "$match, or $contains with a /regex/"),
    **dict.fromkeys(("isempty", "empty", "isblank"), "$count(array) = 0, or text = ''"),
    **dict.fromkeys(("any", "some"), "$count($filter(array, function($v){ ... })) > 0"),
}


def function_hint(name: str) -> str:
    """How to say what ``$name`` probably meant: a JSONata function of a
    similar name, or the JSONata way of what another language calls ``name``."""
    if name == "eval":
        return "Step Functions has no $eval; use $parse"
    other = _OTHER_NAMES.get(name.lower().replace("_", ""))
    if other:
        return f"in JSONata: {other}" if " " in other else f"did you mean '{other}'?"
    return did_you_mean(name, sorted(builtin_functions()), prefix="$")


def quote(text: str, error: str, width: int = 120) -> str:
    """``text`` for a message about ``error``: whole when short, else the
    ``width`` characters around the error's position ("... at position N"),
    so that what is quoted shows the mistake."""
    if len(text) <= width:
        return text
    import re

    found = re.search(r"\(at position (\d+)\)$", error)
    at = int(found[1]) if found else 0
    start = max(0, min(at - 2 * width // 3, len(text) - width))
    return ("..." if start else "") + text[start : start + width] + ("..." if start + width < len(text) else "")


def _states_hint(field: str) -> str:
    *parents, last = field.split(".")
    if not parents:
        return did_you_mean(last, sorted(_STATES_FIELDS), prefix="$states.") or "$states has input, result, errorOutput and context"
    if len(parents) == 1:
        return did_you_mean(last, sorted(_CONTEXT_FIELDS), prefix="$states.context.") or f"$states.context has {', '.join(sorted(_CONTEXT_FIELDS))}"
    members = _CONTEXT_MEMBERS[parents[1]]
    prefix = f"$states.context.{parents[1]}."
    return did_you_mean(last, sorted(members), prefix=prefix) or f"it has {', '.join(sorted(members))}"


def _states_paths(text: str) -> list[tuple[str, ...]]:
    """The dotted names read below ``$states`` (at most three steps), one
    tuple per occurrence: ``$states.context.Task.Token`` gives
    ``("context", "Task", "Token")``."""
    found = []
    start = text.find("$states.")
    size = len(text)
    while start >= 0:
        i = start + 8
        steps: list[str] = []
        while len(steps) < 3:
            stop = i
            while stop < size and (text[stop].isalnum() or text[stop] == "_"):
                stop += 1
            if stop == i:
                break
            steps.append(text[i:stop])
            if stop < size and text[stop] == ".":
                i = stop + 1
            else:
                i = stop
                break
        if steps:
            found.append(tuple(steps))
        start = text.find("$states.", i)
    return found


def _check_states_reads(state: dict[str, Any], path: str, label: str, flags: int, role: str, add: Add) -> None:
    if not (isinstance(state.get("Type"), str) and state["Type"] in STATE_TYPES):
        return  # what a state of no known type provides is unknown (its Type is the finding)
    if flags & _RESULT and role != "result":
        add(Problem(path, "RESULT_NOT_AVAILABLE", f"{label}: $states.result exists only in the Output and Assign of a Task, Map or Parallel state", "read the result in this state's Output or Assign", field=label))
    if flags & _ERROR_OUTPUT and role != "catch":
        add(Problem(path, "ERROR_OUTPUT_NOT_AVAILABLE", f"{label}: $states.errorOutput exists only in a Catch's Output and Assign", field=label))
    if flags & _TOKEN and not (state.get("Type") == "Task" and has_task_token(state.get("Resource"))):
        add(Problem(path, "TASK_TOKEN_NOT_AVAILABLE", f"{label}: $states.context.Task.Token exists only in a .waitForTaskToken, .sync or .sync:2 task", field=label))
    if flags & _MAP_ITEM and role != "selector":
        add(Problem(path, "MAP_ITEM_NOT_AVAILABLE", f"{label}: $states.context.Map.Item exists only in a Map's ItemSelector", field=label))
