"""Family 4, the per-task details: Arguments against the operation's input
shape, the task token of a callback, and what Output / Assign read from
``$states.result``.

Arguments are PascalCase as in the service API (Step Functions capitalizes
camelCase members: ``stateMachineArn`` is written ``StateMachineArn``).
Expressions stand for values only known at run time, so neither their keys
nor their types are checked; a ``${Name}`` placeholder is a value too.
"""

from __future__ import annotations

from ..asl.common import describe, did_you_mean, is_expression, is_int, is_number, misspelt
from ..asl.jsonata import analyse
from ..asl.problems import Problem
from .service_models import pascal_case
from ..asl.walk import JSONATA

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Iterator
    from typing import Any

    from ..asl.resources import Integration, Optimized
    from .service_models import ServiceModel

    Add = Callable[[Problem], None]

__all__ = ["ArgumentCheck", "check_arguments", "check_task_token", "check_result_reads", "result_paths"]

TOKEN_JSONATA = "$states.context.Task.Token"
TOKEN_JSONPATH = "$$.Task.Token"
_EXPECTED = {
    "structure": "an object", "map": "an object", "list": "an array", "string": "a string",
    "integer": "a whole number", "long": "a whole number", "float": "a number", "double": "a number",
    "boolean": "true or false", "timestamp": "a timestamp (string or number)",
}


def _is_placeholder(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("${") and value.endswith("}") and value.count("${") == 1


def _type_ok(kind: str, value: Any) -> bool:
    if kind in ("structure", "map"):
        return isinstance(value, dict)
    if kind == "list":
        return isinstance(value, list)
    if kind == "string":
        return isinstance(value, str)
    if kind in ("integer", "long"):
        return is_int(value)
    if kind in ("float", "double"):
        return is_number(value)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "timestamp":
        return isinstance(value, str) or is_number(value)
    return True  # blob, document, anything new: not checked


class ArgumentCheck:
    """What stays the same while one task's arguments are checked: the
    service's shapes, the state path, the operation's name for messages
    (``SageMaker StartPipelineExecution``), the optimized integration's
    restrictions, whether keys may end in ``.$`` (JSONPath), where findings go."""

    __slots__ = ("service", "path", "label", "spec", "jsonpath", "add")

    def __init__(self, service: ServiceModel, path: str, label: str, spec: Optimized | None, jsonpath: bool, add: Add) -> None:
        self.service = service
        self.path = path
        self.label = label
        self.spec = spec
        self.jsonpath = jsonpath
        self.add = add

    def problem(self, code: str, field: str, message: str, hint: str = "") -> None:
        """A finding about the argument ``field`` (its root cause: see
        :meth:`~ndr_workflows.asl.problems.Problem.explains`)."""
        self.add(Problem(self.path, code, f"{field}: {message}", hint, field=field))

    def value(self, value: Any, shape: dict[str, Any], field: str, *, top: bool = False) -> None:
        """Check one argument value (``field`` names it, e.g.
        ``Arguments.PipelineParameters[0]``) against its botocore shape."""
        if value is None or is_expression(value) or _is_placeholder(value) or shape.get("document"):
            return
        kind = shape.get("type", "")
        if not _type_ok(kind, value):
            if not top:  # Arguments that are not an object: the fields check reports it
                self.problem("INTEGRATION_ARGUMENT_TYPE", field, f"{self.label} expects {_EXPECTED.get(kind, kind)} here, not {describe(value)}")
            return
        self._limits(value, kind, shape, field)
        inner = self.service.shape(shape.get("member") if kind == "list" else shape.get("value"))
        if kind == "list" and inner is not None:
            for i, item in enumerate(value):
                self.value(item, inner, f"{field}[{i}]")
        elif kind == "map" and inner is not None:
            for key, item in value.items():
                self.value(item, inner, f"{field}.{key}")
        elif kind == "structure":
            self._structure(value, shape, field, top)

    def _limits(self, value: Any, kind: str, shape: dict[str, Any], field: str) -> None:
        """A literal string in the model's enum, string and list lengths within
        its limits (a string with a placeholder is only known at deploy time)."""
        if kind == "string" and "${" in value:
            return
        allowed = shape.get("enum")
        if kind == "string" and allowed and value not in allowed:
            same = {a.lower(): a for a in allowed}.get(value.lower())
            hint = f"did you mean '{same}'?" if same else did_you_mean(value, list(allowed))
            self.problem("INTEGRATION_ARGUMENT_VALUE", field, f"{describe(value)} is not one of {self.label}'s values here", hint or "one of: " + ", ".join(allowed[:12]))
            return
        if kind not in ("string", "list"):
            return
        what = "characters" if kind == "string" else "items"
        low, high = shape.get("min"), shape.get("max")
        if low is not None and len(value) < low:
            self.problem("INTEGRATION_ARGUMENT_VALUE", field, f"{self.label} needs at least {low} {what} here, not {len(value)}")
        elif high is not None and len(value) > high:
            self.problem("INTEGRATION_ARGUMENT_VALUE", field, f"{self.label} allows at most {high} {what} here, not {len(value)}")

    def _structure(self, value: dict[str, Any], shape: dict[str, Any], field: str, top: bool) -> None:
        members: dict[str, str] = shape.get("members", {})
        by_name = {pascal_case(m): m for m in members}
        allowed = by_name
        spec = self.spec
        restricted = top and spec is not None and spec.parameters is not None
        if restricted:
            allowed = {k: v for k, v in by_name.items() if spec is not None and spec.parameters is not None and k in spec.parameters}
        given = set()
        for key, item in value.items():
            name, is_path = (key[:-2], True) if self.jsonpath and key.endswith(".$") else (key, False)
            given.add(name)
            where = f"{field}.{name}"
            if name not in allowed:
                self._unknown(name, where, by_name, allowed)
            elif not is_path and not (spec is not None and name in spec.any_json):
                member = self.service.shape(members[allowed[name]])
                if member is not None:
                    self.value(item, member, where)
        idempotent = shape.get("idempotent", ())
        for required in shape.get("required", ()):
            name = pascal_case(required)
            if name in given or (restricted and name not in allowed):
                continue
            if misspelt({k: None for k in given}, name, allowed):
                continue  # written wrong: the unknown parameter is the finding
            if required in idempotent:
                # AWS SDKs generate an idempotency token when it is left out: the call works.
                self.add(Problem(self.path, "INTEGRATION_MISSING_IDEMPOTENCY_TOKEN",
                                 f"{field}: {name!r} is not given; {self.label} then gets a new idempotency token on every attempt, so a retried call is not recognised as the same",
                                 f"add {field}.{name} (e.g. derived from the execution id) to make retries safe", "warning", field=f"{field}.{name}"))
                continue
            self.problem("INTEGRATION_MISSING_ARGUMENT", field, f"{name!r} is required by {self.label}", f"add {field}.{name}")

    def _unknown(self, name: str, where: str, by_name: dict[str, str], allowed: dict[str, str]) -> None:
        if name in by_name:
            self.problem("INTEGRATION_UNKNOWN_ARGUMENT", where, f"{self.label} has this parameter, but this optimized integration does not pass it on",
                         "it passes " + ", ".join(sorted(allowed)) + "; use the aws-sdk integration for the others")
            return
        same = {k.lower(): k for k in allowed}.get(name.lower())
        hint = f"did you mean '{same}'? (parameters are PascalCase)" if same else did_you_mean(name, sorted(allowed))
        known = ", ".join(sorted(allowed)) if len(allowed) <= 12 else ", ".join(sorted(allowed)[:12]) + ", ..."
        self.problem("INTEGRATION_UNKNOWN_ARGUMENT", where, f"{self.label} has no parameter {name!r}", hint or f"its parameters: {known}")


def check_arguments(value: Any, shape: dict[str, Any], service: ServiceModel, field: str, path: str, label: str,
                    spec: Optimized | None, jsonpath: bool, add: Add) -> None:
    """Check a task's Arguments (``field``: or JSONPath Parameters) against the operation's input shape."""
    ArgumentCheck(service, path, label, spec, jsonpath, add).value(value, shape, field, top=True)


# -- the task token -------------------------------------------------------------------


def _strings(value: Any, jsonpath: bool, label: str, key: str = "") -> Iterator[tuple[str, str, bool]]:
    """(label, text, evaluated) of every string of a template: evaluated
    when it is an expression (JSONata) or under a ``.$`` key (JSONPath)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, jsonpath, f"{label}.{k}", str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, jsonpath, f"{label}[{i}]", key)
    elif isinstance(value, str):
        yield label, value, (jsonpath and key.endswith(".$")) or (not jsonpath and is_expression(value))


def check_task_token(state: dict[str, Any], path: str, field: str, language: str, add: Add) -> None:
    """A callback task must hand its token to whoever calls SendTaskSuccess.
    Token text in a literal string (not an expression, no ``.$`` key) is
    the one mistake: the finding names that field (and explains the
    literal's own warning)."""
    jsonpath = language != JSONATA
    token = TOKEN_JSONPATH if jsonpath else TOKEN_JSONATA
    strings = list(_strings(state.get(field), jsonpath, field))
    if any(token in text for _, text, evaluated in strings if evaluated):
        return
    if not jsonpath and any(analyse(text[2:-2]).error for _, text, evaluated in strings if evaluated):
        return  # an expression that does not parse may be the one that passes it: that is the finding
    hint = "without the token nobody can call SendTaskSuccess/SendTaskFailure: the state waits until it times out"
    literal = next((label for label, text, _ in strings if token in text), None)
    if literal is not None:
        way = f"'{literal.rpartition('.')[2]}.$'" if jsonpath else "an expression, \"{% " + token + " %}\""
        add(Problem(path, "TASK_TOKEN_MISSING", f"{literal}: {token} is passed as a literal string, not the task token: write it as {way}", hint, field=literal))
        return
    add(Problem(path, "TASK_TOKEN_MISSING", f"{field}: a .waitForTaskToken task must pass {token} (e.g. as Payload.taskToken)", hint, field=field))


# -- what Output and Assign read from the result ---------------------------------------

_PATHS: dict[str, list[tuple[str, ...]]] = {}


def result_paths(expression: str) -> list[tuple[str, ...]]:
    """The member names read after ``$states.result`` in a JSONata
    expression (``{% $states.result.Payload.x %}`` -> ``[("Payload", "x")]``);
    empty when it does not parse (the JSONata check reports that)."""
    found = _PATHS.get(expression)
    if found is not None:
        return found
    found = []
    if "$states" in expression:
        from ..asl.jsonata_syntax import JsonataSyntaxError, parse

        text = expression[2:-2] if is_expression(expression) else expression
        try:
            ast = parse(text)
        except (JsonataSyntaxError, RecursionError):
            ast = None
        if ast is not None:
            _visit(ast, set(), found)
    _PATHS[expression] = found
    return found


def _spine(node: Any, seen: set[int]) -> list[Any]:
    terms = []
    while node is not None and node.type == "binary" and node.value == ".":
        seen.add(id(node))
        terms.append(node.rhs)
        node = node.lhs
    terms.append(node)
    terms.reverse()
    return terms


def _term_name(term: Any) -> str | None:
    if term is None:
        return None
    if term.type == "name":
        return str(term.value)
    if term.type == "binary" and term.value == "[" and term.lhs is not None and term.lhs.type == "name":
        return str(term.lhs.value)
    return None


def _visit(node: Any, seen: set[int], found: list[tuple[str, ...]]) -> None:
    if node is None or not hasattr(node, "type") or id(node) in seen:
        return
    seen.add(id(node))
    if node.type == "binary" and node.value == ".":
        terms = _spine(node, seen)
        first = terms[0]
        if first is not None and first.type == "variable" and first.value == "states" and _term_name(terms[1]) == "result" and terms[1].type == "name":
            names = []
            for term in terms[2:]:
                name = _term_name(term)
                if name is None:
                    break
                names.append(name)
                if term.type != "name":
                    break
            if names:
                found.append(tuple(names))
        for term in terms:
            _visit(term, seen, found)
        return
    for attr in ("lhs", "rhs", "then", "group"):
        _visit(getattr(node, attr, None), seen, found)
    for attr in ("items", "predicate", "steps"):
        for item in getattr(node, attr, None) or ():
            if isinstance(item, tuple):
                for part in item:
                    _visit(part, seen, found)
            else:
                _visit(item, seen, found)


def _reads(value: Any, field: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _reads(v, f"{field}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _reads(v, f"{field}[{i}]")
    elif is_expression(value) and "$states.result" in value:
        yield field, value


def check_result_reads(
    state: dict[str, Any], path: str, integration: Integration, result: tuple[ServiceModel, str, str | None, bool] | None, add: Add,
) -> None:
    """``$states.result.X...`` in the task's own Output and Assign must exist
    in what the integration returns: never ``Payload`` of a callback."""
    for key in ("Output", "Assign"):
        if key not in state:
            continue
        for field, text in _reads(state[key], key):
            for names in result_paths(text):
                if integration.callback:
                    if names[0] == "Payload":
                        rest = ".".join(names[1:])
                        add(Problem(
                            path, "RESULT_PAYLOAD_ON_CALLBACK",
                            f"{field}: reads $states.result.{'.'.join(names)}, but a .waitForTaskToken task's result is the output sent with SendTaskSuccess itself, not a Lambda response: it has no Payload",
                            f"read $states.result{'.' + rest if rest else ''} instead",
                            field=field,
                        ))
                elif result is not None:
                    _check_result_path(names, result, field, path, add)


def _check_result_path(names: tuple[str, ...], result: tuple[ServiceModel, str, str | None, bool], field: str, path: str, add: Add) -> None:
    service, label, shape_name, optimized = result
    shape = service.shape(shape_name)
    if optimized and names[0] in ("SdkHttpMetadata", "SdkResponseMetadata"):
        return
    walked: list[str] = []
    for name in names:
        while shape is not None and shape.get("type") == "list":
            shape = service.shape(shape.get("member"))
        if shape is None or shape.get("type") != "structure" or shape.get("document"):
            return
        members = {pascal_case(m): m for m in shape.get("members", {})}
        if name not in members:
            read = ".".join((*walked, name))
            hint = did_you_mean(name, sorted(members), "$states.result." + "".join(w + "." for w in walked))
            add(Problem(path, "RESULT_UNKNOWN_MEMBER", f"{field}: reads $states.result.{read}, but the result of {label} has no {name!r} there", hint or "members: " + ", ".join(sorted(members)), field=field))
            return
        walked.append(name)
        shape = service.shape(shape["members"][members[name]])
