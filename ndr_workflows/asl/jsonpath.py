"""JSONPath as Step Functions reads it: parse, check and evaluate.

Step Functions' JSONPath states address data with *paths* (the Jayway
JSONPath dialect: ``$.a.b``, ``$['a b'][0]``, wildcards ``[*]``, slices
``[1:3]``, unions ``[0,2]``, deep scans ``..x``, filters ``[?(@.n > 1)]``,
a trailing function ``.length()``) and, where a single node must be meant,
*reference paths* (names and indices only: ``InputPath`` may select many
nodes, ``ResultPath`` and ``ItemsPath`` may not). A path starts at
``$`` (the data the field applies to), ``$$`` (the context object) or
``$name`` (the workflow variable ``name``).

    path = parse("$.orders[0].id")          # Path, or JsonPathSyntaxError
    path.reference, path.variables          # True, frozenset()
    evaluate(path, data, context=ctx, variables=vars)
    put(data, parse("$.result"), value)     # ResultPath

Evaluation follows the runtime: a definite path (names and indices) that
selects nothing raises :class:`PathNotFound` (``States.Runtime``); an
indefinite one gives the list of what it selects, possibly empty. Every
error carries the AWS error name (``.error``) and a cause text (``.cause``).
"""

from __future__ import annotations

from .common import is_number, json_brief
from .jsonpath_syntax import (
    FUNCTIONS,
    RESULT_PATH_MATCH_FAILURE,
    RUNTIME,
    JsonPathError,
    JsonPathSyntaxError,
    NotSupported,
    Path,
    PathNotFound,
    ResultPathMatchFailure,
    check,
    is_path,
    parse,
)

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator
    from typing import Any, Protocol

    class Variables(Protocol):
        """Where ``$name`` is read: a dict, or anything that answers ``in`` and ``[]``."""

        def __contains__(self, name: object, /) -> bool: ...

        def __getitem__(self, name: str, /) -> Any: ...

__all__ = [
    "Path", "parse", "check", "evaluate", "put", "is_path", "template_paths", "unsupported", "EVALUATED_FUNCTIONS",
    "JsonPathError", "JsonPathSyntaxError", "PathNotFound", "ResultPathMatchFailure", "NotSupported",
    "RUNTIME", "RESULT_PATH_MATCH_FAILURE", "FUNCTIONS",
]


# -- evaluation ---------------------------------------------------------------------


def evaluate(path: Path | str, data: Any, *, context: Any = None, variables: Variables | None = None) -> Any:
    """The value ``path`` selects: ``data`` for ``$``, ``context`` for ``$$``,
    ``variables[name]`` for ``$name``. A definite path gives its one value
    (:class:`PathNotFound` when there is none), an indefinite one a list."""
    if isinstance(path, str):
        path = parse(path)
    return _Evaluator(data, context, variables or {}).run(path, data)


class _Evaluator:
    def __init__(self, data: Any, context: Any, variables: Variables) -> None:
        self.data = data
        self.context = context
        self.variables = variables

    def start(self, path: Path, current: Any) -> Any:
        if path.root == "$":
            return self.data
        if path.root == "$$":
            if self.context is None:
                raise PathNotFound(f"The JSONPath '{path.text}' could not be found: there is no context object here")
            return self.context
        if path.root == "@":
            return current
        name = path.variable
        if name is None or name not in self.variables:
            raise PathNotFound(f"The variable '${name}' is not defined")
        return self.variables[name]

    def run(self, path: Path, current: Any) -> Any:
        value = self.start(path, current)
        steps = path.steps
        call = steps[-1] if steps and steps[-1][0] == "call" else None
        if call is not None:
            steps = steps[:-1]
        if all(step[0] in ("name", "index") for step in steps):
            for step in steps:
                value = _definite(value, step, path)
        else:
            nodes = [value]
            for step in steps:
                nodes = [found for node in nodes for found in self.select(node, step)]
            value = nodes
        return _function(call[1], value, path) if call is not None else value

    def select(self, node: Any, step: tuple[Any, ...]) -> Iterator[Any]:
        kind = step[0]
        if kind == "name":
            if isinstance(node, dict) and step[1] in node:
                yield node[step[1]]
        elif kind == "index":
            if isinstance(node, list) and -len(node) <= step[1] < len(node):
                yield node[step[1]]
        elif kind == "wild":
            if isinstance(node, dict):
                yield from node.values()
            elif isinstance(node, list):
                yield from node
        elif kind == "slice":
            if isinstance(node, list):
                yield from node[slice(step[1], step[2], step[3])]
        elif kind == "union":
            for inner in step[1]:
                yield from self.select(node, inner)
        elif kind == "filter":
            items = node if isinstance(node, list) else [node] if isinstance(node, dict) else []
            yield from (item for item in items if self.test(step[1], item))
        elif kind == "descend":
            for inner in _descendants(node):
                yield from self.select(inner, step[1])

    def test(self, node: tuple[Any, ...], item: Any) -> bool:
        kind = node[0]
        if kind == "and":
            return self.test(node[1], item) and self.test(node[2], item)
        if kind == "or":
            return self.test(node[1], item) or self.test(node[2], item)
        if kind == "not":
            return not self.test(node[1], item)
        if kind == "exists":
            return self.value(node[1], item) is not _MISSING
        return _compare(node[1], self.value(node[2], item), self.value(node[3], item))

    def value(self, operand: tuple[Any, ...], item: Any) -> Any:
        if operand[0] == "path":
            try:
                return self.run(operand[1], item)
            except PathNotFound:
                return _MISSING
        if operand[0] == "regex":
            return operand
        return operand[1]


_MISSING = object()


def _definite(value: Any, step: tuple[Any, ...], path: Path) -> Any:
    key = step[1]
    if step[0] == "name" and isinstance(value, dict) and key in value:
        return value[key]
    if step[0] == "index" and isinstance(value, list) and -len(value) <= key < len(value):
        return value[key]
    raise PathNotFound(f"The JSONPath '{path.text}' could not be found in the input '{json_brief(value, 200)}'")


def _descendants(node: Any) -> Iterator[Any]:
    todo = [node]
    while todo:
        item = todo.pop()
        yield item
        children = list(item.values()) if isinstance(item, dict) else item if isinstance(item, list) else []
        todo.extend(reversed(children))


def _compare(op: str, left: Any, right: Any) -> bool:
    if left is _MISSING or right is _MISSING:
        return op in ("!=", "nin") and left is not right
    if op == "=~":
        if not isinstance(left, str) or not isinstance(right, tuple):
            return False
        import re

        flags = re.IGNORECASE if "i" in right[2] else 0
        return re.fullmatch(right[1], left, flags) is not None
    if op in ("==", "!="):
        same = left == right and (isinstance(left, bool) == isinstance(right, bool))
        return same if op == "==" else not same
    if op in ("<", "<=", ">", ">="):
        comparable = (is_number(left) and is_number(right)) or (isinstance(left, str) and isinstance(right, str))
        if not comparable:
            return False
        return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]
    if op in ("in", "nin"):
        found = isinstance(right, list) and left in right
        return found if op == "in" else not found
    if op == "contains":
        return (isinstance(left, list) and right in left) or (isinstance(left, str) and isinstance(right, str) and right in left)
    if op in ("subsetof", "anyof", "noneof") and isinstance(left, list) and isinstance(right, list):
        return {"subsetof": all(x in right for x in left), "anyof": any(x in right for x in left), "noneof": not any(x in right for x in left)}[op]
    if op == "size":
        return isinstance(left, (list, str)) and len(left) == right
    if op == "empty":
        return isinstance(left, (list, str)) and (len(left) == 0) == bool(right)
    return False


# The trailing functions :func:`evaluate` computes; the others parse (they
# are Jayway's) but raise NotSupported.
EVALUATED_FUNCTIONS = frozenset({"length", "size", "keys", "first", "last", "min", "max", "avg", "sum", "stddev"})


def unsupported(path: Path) -> str | None:
    """What in ``path`` (its filters included) :func:`evaluate` cannot
    evaluate, e.g. "the JSONPath function concat() in '$.a.concat('b')'";
    None when it evaluates all of it. Lets a caller refuse a path before
    running anything."""
    todo: list[Any] = [path.steps]
    while todo:
        item = todo.pop()
        if isinstance(item, Path):
            todo.append(item.steps)
        elif isinstance(item, tuple):
            if len(item) >= 2 and item[0] == "call" and isinstance(item[1], str) and item[1] not in EVALUATED_FUNCTIONS:
                return f"the JSONPath function {item[1]}() in '{path.text}'"
            todo.extend(item)
    return None


def _function(name: str, value: Any, path: Path) -> Any:
    if name in ("length", "size"):
        if isinstance(value, (list, dict, str)):
            return len(value)
    elif name == "keys":
        if isinstance(value, dict):
            return list(value)
    elif name in ("first", "last"):
        if isinstance(value, list) and value:
            return value[0] if name == "first" else value[-1]
    elif name in ("min", "max", "avg", "sum", "stddev"):
        if isinstance(value, list) and value and all(is_number(v) for v in value):
            if name == "min":
                return min(value)
            if name == "max":
                return max(value)
            if name == "sum":
                return sum(value)
            mean = sum(value) / len(value)
            return mean if name == "avg" else (sum((v - mean) ** 2 for v in value) / len(value)) ** 0.5
    else:
        raise NotSupported(f"the JSONPath function {name}() in '{path.text}'")
    raise JsonPathError(f"The JSONPath '{path.text}': {name}() cannot be applied to '{json_brief(value, 200)}'")


def put(data: Any, path: Path | str, value: Any) -> Any:
    """``data`` with ``value`` placed at the reference path (a ResultPath);
    ``data`` itself is not changed. :class:`ResultPathMatchFailure` when the
    path runs into a value that is not an object (or an index out of range)."""
    if isinstance(path, str):
        path = parse(path)
    if path.root != "$" or not path.reference:
        raise ResultPathMatchFailure(f"'{path.text}' is not a reference path into the state input")
    if not path.steps:
        return value
    return _put(data, path.steps, value, path)


def _put(node: Any, steps: tuple[tuple[Any, ...], ...], value: Any, path: Path) -> Any:
    kind, key = steps[0]
    rest = steps[1:]
    if kind == "name" and isinstance(node, dict):
        out = dict(node)
        out[key] = _put(node.get(key, {}), rest, value, path) if rest else value
        return out
    if kind == "index" and isinstance(node, list) and -len(node) <= key < len(node):
        items = list(node)
        items[key] = _put(node[key], rest, value, path) if rest else value
        return items
    raise ResultPathMatchFailure(f"Unable to apply ResultPath '{path.text}' to input '{json_brief(node, 200)}'")


def template_paths(template: Any, label: str = "") -> Iterator[tuple[str, str, Any]]:
    """(label of the ``.$`` key, its name without ``.$``, its value) of every
    dynamic field of a payload template, depth first."""
    if isinstance(template, dict):
        for key, value in template.items():
            where = f"{label}.{key}" if label else str(key)
            if isinstance(key, str) and key.endswith(".$"):
                yield where, key[:-2], value
            else:
                yield from template_paths(value, where)
    elif isinstance(template, list):
        for i, value in enumerate(template):
            yield from template_paths(value, f"{label}[{i}]")
