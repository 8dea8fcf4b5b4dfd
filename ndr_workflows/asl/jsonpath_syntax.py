"""The syntax of Step Functions' JSONPath: parsing paths and reference
paths into :class:`Path` values, and the errors every part of
:mod:`ndr_workflows.asl.jsonpath` raises (that module is the public API;
this one holds the reader so that each stays a readable size).

A path starts at ``$`` (the data), ``$$`` (the context object), ``$name`` (a
workflow variable) or, inside a filter, ``@`` (the current item); then come
``.name`` / ``['name']`` / ``[index]`` steps (a reference path has only
these), and the indefinite ``[*]``, ``[a:b]``, ``[0,1]``, ``..name``,
``[?(filter)]`` and a final ``.function()``, as in Jayway JSONPath.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .common import parse_once

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = [
    "Path", "parse", "check", "is_path", "FUNCTIONS",
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


def parse(text: str) -> Path:
    """The parsed path; :class:`JsonPathSyntaxError` if it is not one."""
    return parse_once(_parse, JsonPathSyntaxError, text)


def _parse(text: str) -> Path:
    return _Parser(text).whole()


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
