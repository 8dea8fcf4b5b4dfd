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
    evaluate_template(template, data, ...)  # Parameters / ResultSelector / ItemSelector / Assign

Evaluation follows the runtime: a definite path (names and indices) that
selects nothing raises :class:`PathNotFound` (``States.Runtime``); an
indefinite one gives the list of what it selects, possibly empty. Every
error carries the AWS error name (``.error``) and a cause text (``.cause``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator
    from typing import Any

__all__ = [
    "Path", "parse", "check", "evaluate", "put", "evaluate_template", "is_path", "template_paths",
    "JsonPathError", "JsonPathSyntaxError", "PathNotFound", "ResultPathMatchFailure", "NotSupported",
    "RUNTIME", "RESULT_PATH_MATCH_FAILURE",
]

RUNTIME = "States.Runtime"
RESULT_PATH_MATCH_FAILURE = "States.ResultPathMatchFailure"
# Functions a path may end with (Jayway's); the ones evaluated here take no argument.
FUNCTIONS = frozenset({"length", "size", "min", "max", "avg", "sum", "stddev", "keys", "first", "last", "concat", "append", "index"})
_OPERATORS = ("==", "!=", "<=", ">=", "=~", "<", ">")
_WORD_OPERATORS = frozenset({"in", "nin", "subsetof", "anyof", "noneof", "size", "empty", "contains"})


class JsonPathError(Exception):
    """A path that cannot be used: ``error`` is the name AWS reports."""

    error = RUNTIME

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class JsonPathSyntaxError(JsonPathError):
    """Not a path at all; ``position`` is the offset where reading stopped."""

    def __init__(self, cause: str, position: int = 0) -> None:
        super().__init__(cause)
        self.position = position


class PathNotFound(JsonPathError):
    """A definite path selects nothing in the data."""


class ResultPathMatchFailure(JsonPathError):
    """A ResultPath cannot be applied to the state's input."""

    error = RESULT_PATH_MATCH_FAILURE


class NotSupported(JsonPathError):
    """Legal syntax this module does not evaluate (a caller reports it as its own limit)."""

    error = ""


@dataclass(frozen=True)
class Path:
    """A parsed path. ``root`` is ``"$"``, ``"$$"`` (context object),
    ``"@"`` (the current item, in filters) or ``"var"`` (``variable`` names
    it); ``steps`` are tuples: ``("name", key)``, ``("index", i)``,
    ``("wild",)``, ``("slice", start, stop, step)``, ``("union", steps)``,
    ``("filter", node)``, ``("descend", step)``, ``("call", name, args)``."""

    text: str
    root: str
    variable: str | None
    steps: tuple[tuple[Any, ...], ...]

    @property
    def reference(self) -> bool:
        """Only names and indices: selects at most one node."""
        return all(step[0] in ("name", "index") for step in self.steps)

    @property
    def definite(self) -> bool:
        return all(step[0] in ("name", "index", "call") for step in self.steps)

    @property
    def variables(self) -> frozenset[str]:
        """Workflow variables the path reads (its root, and inside filters)."""
        found = {self.variable} if self.variable else set()
        for step in self.steps:
            inner = step[1] if step[0] == "descend" else None
            for s in (step, inner) if inner else (step,):
                if s[0] == "filter":
                    found |= _filter_variables(s[1])
        return frozenset(found)


def is_path(text: Any) -> bool:
    """Whether a string is meant as a path (it starts with ``$``)."""
    return isinstance(text, str) and text.startswith("$")


_CACHE: dict[str, Path | JsonPathSyntaxError] = {}


def parse(text: str) -> Path:
    """The parsed path; :class:`JsonPathSyntaxError` if it is not one."""
    found = _CACHE.get(text)
    if found is None:
        try:
            found = _Parser(text).whole()
        except JsonPathSyntaxError as exc:
            found = exc
        except RecursionError:
            found = JsonPathSyntaxError(f"{text[:60]!r}: nested too deeply")
        if len(_CACHE) < 50_000:
            _CACHE[text] = found
    if isinstance(found, JsonPathSyntaxError):
        raise found
    return found


def check(text: Any, *, reference: bool = False, context: bool = True, variables: bool = True) -> str | None:
    """Why ``text`` is not a usable path here, or None. ``reference``: only
    names and indices; ``context``: ``$$`` allowed; ``variables``: ``$name``
    allowed."""
    if not isinstance(text, str):
        return "a path is a string"
    try:
        path = parse(text)
    except JsonPathSyntaxError as exc:
        return exc.cause
    if path.root == "$$" and not context:
        return f"{text!r}: the context object ($$) cannot be used here"
    if path.root == "var" and not variables:
        return f"{text!r}: a variable cannot be used here"
    if reference and not path.reference:
        return f"{text!r} is not a reference path: only .name, ['name'] and [index] steps may follow the root (no wildcard, slice, filter, deep scan or function)"
    return None


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, why: str) -> JsonPathSyntaxError:
        return JsonPathSyntaxError(f"{self.text[:80]!r} is not a valid path: {why} (at character {self.pos + 1})", self.pos)

    def whole(self) -> Path:
        if not self.text:
            raise self.fail("it is empty")
        path = self.path(stops=".[")
        if self.pos != len(self.text):
            raise self.fail(f"unexpected {self.text[self.pos]!r}")
        return path

    def path(self, stops: str, current: bool = False) -> Path:
        text, start = self.text, self.pos
        variable = None
        if text.startswith("$$", start):
            root, self.pos = "$$", start + 2
        elif text.startswith("$", start):
            self.pos = start + 1
            root = "$"
            if self.pos < len(text) and (text[self.pos].isalpha() or text[self.pos] == "_"):
                end = self.pos
                while end < len(text) and (text[end].isalnum() or text[end] == "_"):
                    end += 1
                root, variable, self.pos = "var", text[self.pos : end], end
        elif current and text.startswith("@", start):
            root, self.pos = "@", start + 1
        else:
            raise self.fail("a path starts with $ (the input), $$ (the context object) or $name (a variable)")
        steps: list[tuple[Any, ...]] = []
        while self.pos < len(text) and text[self.pos] in ".[":
            if steps and steps[-1][0] == "call":
                raise self.fail("a function must be the last step")
            steps.append(self.step(stops))
        return Path(text[start : self.pos], root, variable, tuple(steps))

    def step(self, stops: str) -> tuple[Any, ...]:
        text = self.text
        if text[self.pos] == "[":
            return self.bracket()
        if text.startswith("..", self.pos):
            self.pos += 2
            if self.pos < len(text) and text[self.pos] == "[":
                return ("descend", self.bracket())
            if self.pos < len(text) and text[self.pos] == "*":
                self.pos += 1
                return ("descend", ("wild",))
            return ("descend", ("name", self.name(stops)))
        self.pos += 1
        if self.pos < len(text) and text[self.pos] == "*":
            self.pos += 1
            return ("wild",)
        name = self.name(stops + "(")
        if self.pos < len(text) and text[self.pos] == "(":
            close = text.find(")", self.pos)
            if close < 0:
                raise self.fail("a function call is not closed with ')'")
            args = text[self.pos + 1 : close].strip()
            if name not in FUNCTIONS:
                raise self.fail(f"{name}() is not a JSONPath function")
            self.pos = close + 1
            return ("call", name, args)
        return ("name", name)

    def name(self, stops: str) -> str:
        text, chars = self.text, []
        while self.pos < len(text) and text[self.pos] not in stops:
            ch = text[self.pos]
            if ch == "\\" and self.pos + 1 < len(text):
                self.pos += 1
                ch = text[self.pos]
            elif ch == "]":
                raise self.fail("unexpected ']' in a name")
            chars.append(ch)
            self.pos += 1
        if not chars:
            raise self.fail("a name is missing after '.'")
        return "".join(chars)

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def expect(self, token: str) -> None:
        self.skip()
        if not self.text.startswith(token, self.pos):
            raise self.fail(f"expected {token!r}")
        self.pos += len(token)

    def bracket(self) -> tuple[Any, ...]:
        self.pos += 1
        self.skip()
        text = self.text
        if self.pos >= len(text):
            raise self.fail("'[' is not closed")
        ch = text[self.pos]
        if ch == "*":
            self.pos += 1
            self.expect("]")
            return ("wild",)
        if ch == "?":
            self.pos += 1
            self.expect("(")
            node = self.filter_or()
            self.expect(")")
            self.expect("]")
            return ("filter", node)
        items: list[tuple[Any, ...]] = []
        while True:
            self.skip()
            if self.pos < len(text) and text[self.pos] in "'\"":
                items.append(("name", self.quoted()))
            else:
                items.append(self.index_or_slice())
            self.skip()
            if self.pos < len(text) and text[self.pos] == ",":
                self.pos += 1
                continue
            self.expect("]")
            break
        if len(items) == 1:
            return items[0]
        if any(i[0] == "slice" for i in items):
            raise self.fail("a slice cannot be part of a union")
        return ("union", tuple(items))

    def quoted(self) -> str:
        text, quote = self.text, self.text[self.pos]
        self.pos += 1
        chars = []
        while self.pos < len(text) and text[self.pos] != quote:
            if text[self.pos] == "\\" and self.pos + 1 < len(text):
                self.pos += 1
            chars.append(text[self.pos])
            self.pos += 1
        if self.pos >= len(text):
            raise self.fail("a quoted name is not closed")
        self.pos += 1
        return "".join(chars)

    def integer(self) -> int | None:
        self.skip()
        start = self.pos
        if self.pos < len(self.text) and self.text[self.pos] == "-":
            self.pos += 1
        while self.pos < len(self.text) and self.text[self.pos].isdigit():
            self.pos += 1
        digits = self.text[start : self.pos]
        if digits in ("", "-"):
            self.pos = start
            return None
        return int(digits)

    def index_or_slice(self) -> tuple[Any, ...]:
        first = self.integer()
        self.skip()
        if self.pos < len(self.text) and self.text[self.pos] == ":":
            self.pos += 1
            stop = self.integer()
            step = None
            self.skip()
            if self.pos < len(self.text) and self.text[self.pos] == ":":
                self.pos += 1
                step = self.integer()
                if step == 0:
                    raise self.fail("a slice step cannot be 0")
            return ("slice", first, stop, step)
        if first is None:
            raise self.fail("expected an index, a slice, a quoted name, * or ?(...) inside [ ]")
        return ("index", first)

    # -- filters: ||, &&, !, ( ), comparisons of @/$ paths and literals --

    def filter_or(self) -> tuple[Any, ...]:
        node = self.filter_and()
        while self._at("||"):
            node = ("or", node, self.filter_and())
        return node

    def filter_and(self) -> tuple[Any, ...]:
        node = self.filter_unary()
        while self._at("&&"):
            node = ("and", node, self.filter_unary())
        return node

    def _at(self, token: str) -> bool:
        self.skip()
        if self.text.startswith(token, self.pos):
            self.pos += len(token)
            return True
        return False

    def filter_unary(self) -> tuple[Any, ...]:
        if self._at("!"):
            return ("not", self.filter_unary())
        if self._at("("):
            node = self.filter_or()
            self.expect(")")
            return node
        left = self.operand()
        self.skip()
        for op in _OPERATORS:
            if self.text.startswith(op, self.pos):
                self.pos += len(op)
                return ("cmp", op, left, self.operand())
        word = self.text[self.pos :].split(" ", 1)[0]
        if word in _WORD_OPERATORS:
            self.pos += len(word)
            return ("cmp", word, left, self.operand())
        return ("exists", left)

    def operand(self) -> tuple[Any, ...]:
        self.skip()
        text, ch = self.text, self.text[self.pos : self.pos + 1]
        if ch in ("@", "$"):
            return ("path", self.path(stops=".[ )=!<>&|,~", current=True))
        if ch in ("'", '"'):
            return ("literal", self.quoted())
        if ch == "/":
            end = text.find("/", self.pos + 1)
            if end < 0:
                raise self.fail("a regular expression is not closed with '/'")
            pattern = text[self.pos + 1 : end]
            self.pos = end + 1
            flags = ""
            while self.pos < len(text) and text[self.pos].isalpha():
                flags += text[self.pos]
                self.pos += 1
            return ("regex", pattern, flags)
        if ch == "[":
            self.pos += 1
            items = []
            while not self._at("]"):
                items.append(self.operand()[1])
                self._at(",")
                if self.pos >= len(text):
                    raise self.fail("a list is not closed with ']'")
            return ("literal", items)
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, self.pos):
                self.pos += len(word)
                return ("literal", value)
        start = self.pos
        while self.pos < len(text) and (text[self.pos].isdigit() or text[self.pos] in "-+.eE"):
            self.pos += 1
        try:
            return ("literal", json.loads(text[start : self.pos]))
        except ValueError:
            self.pos = start
            raise self.fail("expected a path, a number, a quoted string, true, false, null or /regex/") from None


def _filter_variables(node: tuple[Any, ...]) -> set[str]:
    kind = node[0]
    if kind in ("and", "or"):
        return _filter_variables(node[1]) | _filter_variables(node[2])
    if kind == "not" or kind == "exists":
        return _filter_variables(node[1])
    if kind == "cmp":
        return _filter_variables(node[2]) | _filter_variables(node[3])
    if kind == "path":
        return set(node[1].variables)
    return set()


# -- evaluation ---------------------------------------------------------------------


def _compact(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= 200 else text[:197] + "..."


def evaluate(path: Path | str, data: Any, *, context: Any = None, variables: dict[str, Any] | None = None) -> Any:
    """The value ``path`` selects: ``data`` for ``$``, ``context`` for ``$$``,
    ``variables[name]`` for ``$name``. A definite path gives its one value
    (:class:`PathNotFound` when there is none), an indefinite one a list."""
    if isinstance(path, str):
        path = parse(path)
    return _Evaluator(data, context, variables or {}).run(path, data)


class _Evaluator:
    def __init__(self, data: Any, context: Any, variables: dict[str, Any]) -> None:
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
        if path.variable not in self.variables:
            raise PathNotFound(f"The variable '${path.variable}' is not defined")
        return self.variables[path.variable]

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
    raise PathNotFound(f"The JSONPath '{path.text}' could not be found in the input '{_compact(value)}'")


def _descendants(node: Any) -> Iterator[Any]:
    todo = [node]
    while todo:
        item = todo.pop()
        yield item
        children = list(item.values()) if isinstance(item, dict) else item if isinstance(item, list) else []
        todo.extend(reversed(children))


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


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
        if not ((_number(left) and _number(right)) or (isinstance(left, str) and isinstance(right, str))):
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
        if isinstance(value, list) and value and all(_number(v) for v in value):
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
    raise JsonPathError(f"The JSONPath '{path.text}': {name}() cannot be applied to '{_compact(value)}'")


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
    raise ResultPathMatchFailure(f"Unable to apply ResultPath '{path.text}' to input '{_compact(node)}'")


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


def evaluate_template(template: Any, data: Any, *, context: Any = None, variables: dict[str, Any] | None = None) -> Any:
    """A payload template with every ``name.$`` field replaced by ``name``
    and the value of its path or intrinsic function (Parameters,
    ResultSelector, ItemSelector, JSONPath Assign)."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = _dynamic(key, value, data, context, variables)
            else:
                out[key] = evaluate_template(value, data, context=context, variables=variables)
        return out
    if isinstance(template, list):
        return [evaluate_template(v, data, context=context, variables=variables) for v in template]
    return template


def _dynamic(key: str, value: Any, data: Any, context: Any, variables: dict[str, Any] | None) -> Any:
    if not isinstance(value, str):
        raise JsonPathError(f"The value of the field '{key}' must be a path or an intrinsic function, not {_compact(value)}")
    if value.startswith("States."):
        from . import intrinsics

        return intrinsics.evaluate(value, data, context=context, variables=variables)
    try:
        return evaluate(value, data, context=context, variables=variables)
    except PathNotFound:
        source = context if value.startswith("$$") else data
        raise PathNotFound(f"The JSONPath '{value}' specified for the field '{key}' could not be found in the input '{_compact(source)}'") from None
