"""Intrinsic functions of JSONPath states (``States.Format(...)`` and the
others): parse, check and evaluate.

An intrinsic function is the whole value of a ``name.$`` field of a payload
template (Parameters, ResultSelector, ItemSelector, Assign, ...) or of a
Fail state's ErrorPath / CausePath. Arguments are string literals in single
quotes (``\\'``, ``\\{``, ``\\}`` and ``\\\\`` escaped with a backslash),
numbers, ``true`` / ``false`` / ``null``, paths (``$.x``, ``$$.Execution.Id``,
``$var``) and other intrinsic functions.

    call = parse("States.MathAdd($.n, 1)")   # Call, or IntrinsicSyntaxError
    problems(call)                            # [(severity, message)]: arity and argument types
    evaluate(call, data, context=ctx, variables=vars, rng=random.Random(0))

The rules (arities, argument types, limits) are those of the AWS
documentation of intrinsic functions. Evaluation raises
:class:`IntrinsicError` with AWS's error name: ``States.IntrinsicFailure``
for arguments a function cannot use, ``States.Runtime`` for a path that
selects nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .common import closest, parse_once
from .jsonpath import JsonPathError, JsonPathSyntaxError, Path, parse as parse_path

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["Call", "Literal", "parse", "problems", "is_intrinsic", "variables", "FUNCTIONS", "SIGNATURES", "IntrinsicError", "IntrinsicSyntaxError", "INTRINSIC_FAILURE"]

INTRINSIC_FAILURE = "States.IntrinsicFailure"
MAX_TEXT = 10_000  # characters of input to Base64Encode/Decode and Hash
MAX_RANGE = 1_000  # items States.ArrayRange may produce
HASH_ALGORITHMS = ("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512")
HASHLIB_NAMES = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}

# name -> (fewest arguments, most (None: any), the type each position needs; the last repeats).
# Types: "any", "string", "number", "integer", "array", "object", "false".
FUNCTIONS: dict[str, tuple[int, int | None, tuple[str, ...]]] = {
    "States.Format": (1, None, ("string", "any")),
    "States.StringToJson": (1, 1, ("string",)),
    "States.JsonToString": (1, 1, ("any",)),
    "States.Array": (0, None, ("any",)),
    "States.ArrayPartition": (2, 2, ("array", "integer")),
    "States.ArrayContains": (2, 2, ("array", "any")),
    "States.ArrayRange": (3, 3, ("integer", "integer", "integer")),
    "States.ArrayGetItem": (2, 2, ("array", "integer")),
    "States.ArrayLength": (1, 1, ("array",)),
    "States.ArrayUnique": (1, 1, ("array",)),
    "States.Base64Encode": (1, 1, ("string",)),
    "States.Base64Decode": (1, 1, ("string",)),
    "States.Hash": (2, 2, ("any", "string")),
    "States.JsonMerge": (3, 3, ("object", "object", "false")),
    "States.MathRandom": (2, 3, ("integer", "integer", "integer")),
    "States.MathAdd": (2, 2, ("integer", "integer")),
    "States.StringSplit": (2, 2, ("string", "string")),
    "States.UUID": (0, 0, ()),
}
# How each is called, for messages.
SIGNATURES = {
    "States.Format": "States.Format('template with {}', value, ...)", "States.StringToJson": "States.StringToJson(text)",
    "States.JsonToString": "States.JsonToString($.path)", "States.Array": "States.Array(value, ...)",
    "States.ArrayPartition": "States.ArrayPartition(array, chunkSize)", "States.ArrayContains": "States.ArrayContains(array, value)",
    "States.ArrayRange": "States.ArrayRange(start, end, step)", "States.ArrayGetItem": "States.ArrayGetItem(array, index)",
    "States.ArrayLength": "States.ArrayLength(array)", "States.ArrayUnique": "States.ArrayUnique(array)",
    "States.Base64Encode": "States.Base64Encode(text)", "States.Base64Decode": "States.Base64Decode(base64)",
    "States.Hash": "States.Hash(data, 'SHA-256')", "States.JsonMerge": "States.JsonMerge(object1, object2, false)",
    "States.MathRandom": "States.MathRandom(start, end[, seed])", "States.MathAdd": "States.MathAdd(a, b)",
    "States.StringSplit": "States.StringSplit(text, separators)", "States.UUID": "States.UUID()",
}
# What a call returns, for checking a call used as another's argument.
_RETURNS = {
    "States.Format": "string", "States.JsonToString": "string", "States.Array": "array", "States.ArrayPartition": "array",
    "States.ArrayContains": "boolean", "States.ArrayRange": "array", "States.ArrayLength": "integer", "States.ArrayUnique": "array",
    "States.Base64Encode": "string", "States.Base64Decode": "string", "States.Hash": "string", "States.JsonMerge": "object",
    "States.MathRandom": "integer", "States.MathAdd": "integer", "States.StringSplit": "array", "States.UUID": "string",
}
TYPE_NAMES = {
    "string": "a string", "number": "a number", "integer": "a whole number", "array": "an array", "object": "an object",
    "false": "false (deep merge is not supported)", "boolean": "a boolean", "null": "null",
}


class IntrinsicError(JsonPathError):
    """An intrinsic function that cannot be evaluated; ``error`` is AWS's name."""

    error = INTRINSIC_FAILURE

    def __init__(self, cause: str, error: str = INTRINSIC_FAILURE) -> None:
        super().__init__(cause)
        self.error = error


class IntrinsicSyntaxError(IntrinsicError):
    """Not an intrinsic function call at all."""


@dataclass(frozen=True)
class Literal:
    """A literal argument; ``raw`` is a string literal as written between
    its quotes (States.Format reads its escapes), else None."""

    value: Any
    raw: str | None = None


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Literal | Path | Call, ...]
    text: str


def is_intrinsic(text: Any) -> bool:
    """Whether a string is meant as an intrinsic function call."""
    return isinstance(text, str) and text.lstrip().startswith("States.")


def parse(text: str) -> Call:
    """The call; :class:`IntrinsicSyntaxError` if ``text`` is not one."""
    return parse_once(_parse, IntrinsicSyntaxError, text)


def _parse(text: str) -> Call:
    return _Parser(text).whole()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def fail(self, why: str) -> IntrinsicSyntaxError:
        return IntrinsicSyntaxError(f"{self.text[:80]!r} is not a valid intrinsic function call: {why} (at character {self.pos + 1})")

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def whole(self) -> Call:
        self.skip()
        call = self.call()
        self.skip()
        if self.pos != len(self.text):
            raise self.fail(f"unexpected {self.text[self.pos]!r} after the call")
        return call

    def call(self) -> Call:
        text, start = self.text, self.pos
        end = start
        while end < len(text) and (text[end].isalnum() or text[end] in "._"):
            end += 1
        name = text[start:end]
        self.pos = end
        if not name.startswith("States.") or name.count(".") != 1 or name == "States.":
            raise self.fail("an intrinsic function is called as States.Name(...)")
        self.skip()
        if self.pos >= len(text) or text[self.pos] != "(":
            raise self.fail(f"expected '(' after {name}")
        self.pos += 1
        args: list[Literal | Path | Call] = []
        self.skip()
        if self.pos < len(text) and text[self.pos] == ")":
            self.pos += 1
            return Call(name, (), text[start : self.pos])
        while True:
            self.skip()
            args.append(self.argument())
            self.skip()
            if self.pos < len(text) and text[self.pos] == ",":
                self.pos += 1
                continue
            if self.pos < len(text) and text[self.pos] == ")":
                self.pos += 1
                return Call(name, tuple(args), text[start : self.pos])
            raise self.fail("expected ',' or ')' after an argument")

    def argument(self) -> Literal | Path | Call:
        text = self.text
        if self.pos >= len(text):
            raise self.fail("an argument is missing")
        ch = text[self.pos]
        if ch == "'":
            return self.string()
        if ch == "$":
            return self.path()
        if text.startswith("States.", self.pos):
            return self.call()
        for word, value in (("true", True), ("false", False), ("null", None)):
            if text.startswith(word, self.pos):
                self.pos += len(word)
                return Literal(value)
        start = self.pos
        while self.pos < len(text) and (text[self.pos].isdigit() or text[self.pos] in "-+.eE"):
            self.pos += 1
        try:
            number = json.loads(text[start : self.pos])
        except ValueError:
            self.pos = start
            raise self.fail("an argument is a 'string', a number, true, false, null, a path or States.Function(...)") from None
        return Literal(number)

    def string(self) -> Literal:
        text = self.text
        self.pos += 1
        start = self.pos
        chars = []
        while self.pos < len(text) and text[self.pos] != "'":
            if text[self.pos] == "\\" and self.pos + 1 < len(text):
                self.pos += 1
            chars.append(text[self.pos])
            self.pos += 1
        if self.pos >= len(text):
            raise self.fail("a string is not closed with '")
        raw = text[start : self.pos]
        self.pos += 1
        return Literal("".join(chars), raw)

    def path(self) -> Path:
        text, start, depth, quote = self.text, self.pos, 0, ""
        while self.pos < len(text):
            ch = text[self.pos]
            if quote:
                if ch == "\\":
                    self.pos += 1
                elif ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch in "[(":
                depth += 1
            elif ch in "])":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            self.pos += 1
        try:
            return parse_path(text[start : self.pos].rstrip())
        except JsonPathSyntaxError as exc:
            raise IntrinsicSyntaxError(f"{text[:80]!r}: argument {exc.cause}") from None


def variables(call: Call) -> frozenset[str]:
    """Workflow variables the call's path arguments read."""
    found: set[str] = set()
    for arg in call.args:
        if isinstance(arg, Path):
            found |= arg.variables
        elif isinstance(arg, Call):
            found |= variables(arg)
    return frozenset(found)


def _type_of(arg: Literal | Path | Call) -> str | None:
    """The JSON type an argument certainly has, None when only known at run time."""
    if isinstance(arg, Call):
        return _RETURNS.get(arg.name)
    if isinstance(arg, Path):
        return None
    value = arg.value
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str):
        return "string"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    return "null"


def _fits(need: str, have: str | None, arg: Literal | Path | Call) -> bool:
    if have is None or need == "any":
        return True
    if need == "number":
        return have in ("number", "integer")
    if need == "false":
        return isinstance(arg, Literal) and arg.value is False
    return need == have


def problems(call: Call | str) -> list[tuple[str, str]]:
    """(severity, message) of what is wrong with a call and its nested calls,
    as far as it shows before run time: unknown function, arity, arguments
    of the wrong type, values the function refuses."""
    if isinstance(call, str):
        try:
            call = parse(call)
        except IntrinsicSyntaxError as exc:
            return [("error", exc.cause)]
    found: list[tuple[str, str]] = []
    _check(call, found)
    return found


def _check(call: Call, found: list[tuple[str, str]]) -> None:
    for arg in call.args:
        if isinstance(arg, Call):
            _check(arg, found)
    spec = FUNCTIONS.get(call.name)
    if spec is None:
        close = closest(call.name, FUNCTIONS)
        found.append(("error", f"{call.name} is not an intrinsic function" + (f" (did you mean {close}?)" if close else "")))
        return
    low, high, types = spec
    count = len(call.args)
    if count < low or (high is not None and count > high):
        want = f"{low}" if low == high else f"{low} or {high}" if high == low + 1 else f"at least {low}" if high is None else f"{low} to {high}"
        found.append(("error", f"{call.name} takes {want} argument{'s' if want != '1' else ''}, not {count}"))
        return
    for i, arg in enumerate(call.args):
        need = types[min(i, len(types) - 1)] if types else "any"
        have = _type_of(arg)
        if not _fits(need, have, arg):
            shown = "a number" if have == "integer" else TYPE_NAMES.get(have or "", have)
            found.append(("error", f"{call.name}: argument {i + 1} must be {TYPE_NAMES[need]}, not {shown}"))
    _check_values(call, found)


def _check_values(call: Call, found: list[tuple[str, str]]) -> None:
    name, args = call.name, call.args
    literals: list[Any] = [a.value if isinstance(a, Literal) else None for a in args]
    if name == "States.Format" and isinstance(args[0], Literal) and isinstance(args[0].raw, str):
        holes = count_placeholders(args[0].raw)
        if holes != len(args) - 1:
            found.append(("error", f"States.Format: the template has {holes} {{}} placeholder(s) but {len(args) - 1} argument(s) follow it"))
    elif name == "States.JsonToString" and isinstance(args[0], Literal):
        found.append(("warning", "States.JsonToString: AWS documents a path as its argument, not a literal"))
    elif name == "States.Hash" and isinstance(literals[1], str) and literals[1] not in HASH_ALGORITHMS:
        found.append(("error", f"States.Hash: {literals[1]!r} is not an algorithm (one of {', '.join(HASH_ALGORITHMS)})"))
    elif name == "States.ArrayPartition" and isinstance(args[1], Literal) and _type_of(args[1]) == "integer" and literals[1] <= 0:
        found.append(("error", "States.ArrayPartition: the chunk size must be greater than 0"))
    elif name == "States.ArrayRange" and all(isinstance(a, Literal) and _type_of(a) == "integer" for a in args):
        start, end, step = (int(v) for v in literals)
        if step == 0:
            found.append(("error", "States.ArrayRange: the step cannot be 0"))
        elif (end - start) // step + 1 > MAX_RANGE:
            found.append(("error", f"States.ArrayRange: the range has more than {MAX_RANGE} items"))
    elif name in ("States.Base64Encode", "States.Base64Decode") and isinstance(literals[0], str) and len(literals[0]) > MAX_TEXT:
        found.append(("error", f"{name}: the input has more than {MAX_TEXT:,} characters"))


def count_placeholders(raw: str) -> int:
    """The ``{}`` placeholders of a States.Format template as written
    (``\\{`` and ``\\}`` are escaped braces, not placeholders)."""
    count, i = 0, 0
    while i < len(raw):
        if raw[i] == "\\":
            i += 2
            continue
        if raw.startswith("{}", i):
            count += 1
            i += 2
            continue
        i += 1
    return count
