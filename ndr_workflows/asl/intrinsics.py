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

from .jsonpath import JsonPathError, JsonPathSyntaxError, Path, evaluate as evaluate_path, parse as parse_path

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import random
    from typing import Any

__all__ = ["Call", "Literal", "parse", "problems", "evaluate", "is_intrinsic", "variables", "FUNCTIONS", "IntrinsicError", "IntrinsicSyntaxError", "INTRINSIC_FAILURE"]

INTRINSIC_FAILURE = "States.IntrinsicFailure"
MAX_TEXT = 10_000  # characters of input to Base64Encode/Decode and Hash
MAX_RANGE = 1_000  # items States.ArrayRange may produce
HASH_ALGORITHMS = ("MD5", "SHA-1", "SHA-256", "SHA-384", "SHA-512")
_HASHLIB = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}

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
# What a call returns, for checking a call used as another's argument.
_RETURNS = {
    "States.Format": "string", "States.JsonToString": "string", "States.Array": "array", "States.ArrayPartition": "array",
    "States.ArrayContains": "boolean", "States.ArrayRange": "array", "States.ArrayLength": "integer", "States.ArrayUnique": "array",
    "States.Base64Encode": "string", "States.Base64Decode": "string", "States.Hash": "string", "States.JsonMerge": "object",
    "States.MathRandom": "integer", "States.MathAdd": "integer", "States.StringSplit": "array", "States.UUID": "string",
}
_WHAT = {
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


_CACHE: dict[str, Call | IntrinsicSyntaxError] = {}


def parse(text: str) -> Call:
    """The call; :class:`IntrinsicSyntaxError` if ``text`` is not one."""
    found = _CACHE.get(text)
    if found is None:
        try:
            found = _Parser(text).whole()
        except IntrinsicSyntaxError as exc:
            found = exc
        except RecursionError:
            found = IntrinsicSyntaxError(f"{text[:60]!r}: nested too deeply")
        if len(_CACHE) < 50_000:
            _CACHE[text] = found
    if isinstance(found, IntrinsicSyntaxError):
        raise found
    return found


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
        import difflib

        close = difflib.get_close_matches(call.name, list(FUNCTIONS), n=1, cutoff=0.6)
        found.append(("error", f"{call.name} is not an intrinsic function" + (f" (did you mean {close[0]}?)" if close else "")))
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
            shown = "a number" if have == "integer" else _WHAT.get(have or "", have)
            found.append(("error", f"{call.name}: argument {i + 1} must be {_WHAT[need]}, not {shown}"))
    _check_values(call, found)


def _check_values(call: Call, found: list[tuple[str, str]]) -> None:
    name, args = call.name, call.args
    literals: list[Any] = [a.value if isinstance(a, Literal) else None for a in args]
    if name == "States.Format" and isinstance(args[0], Literal) and isinstance(args[0].raw, str):
        holes = _placeholders(args[0].raw)
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


def _placeholders(raw: str) -> int:
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


# -- evaluation ---------------------------------------------------------------------


def evaluate(call: Call | str, data: Any, *, context: Any = None, variables: dict[str, Any] | None = None, rng: random.Random | None = None) -> Any:
    """The value of a call on ``data`` (``$``), ``context`` (``$$``) and
    ``variables`` (``$name``); ``rng`` makes MathRandom and UUID repeatable."""
    if isinstance(call, str):
        call = parse(call)
    return _Evaluator(data, context, variables or {}, rng).call(call)


class _Evaluator:
    def __init__(self, data: Any, context: Any, variables: dict[str, Any], rng: random.Random | None) -> None:
        self.data = data
        self.context = context
        self.variables = variables
        self.rng = rng

    def value(self, arg: Literal | Path | Call) -> Any:
        if isinstance(arg, Literal):
            return arg.value
        if isinstance(arg, Call):
            return self.call(arg)
        try:
            return evaluate_path(arg, self.data, context=self.context, variables=self.variables)
        except JsonPathError as exc:
            raise IntrinsicError(exc.cause, exc.error) from None

    def call(self, call: Call) -> Any:
        issues = [m for s, m in problems(call) if s == "error"]
        if issues:
            raise IntrinsicError(issues[0])
        values = [self.value(a) for a in call.args]
        low, high, types = FUNCTIONS[call.name]
        for i, value in enumerate(values):
            need = types[min(i, len(types) - 1)] if types else "any"
            if not _runtime_fits(need, value):
                raise IntrinsicError(f"{call.name}: argument {i + 1} must be {_WHAT[need]}, not {_show(value)}")
        handler = getattr(self, "_" + call.name.split(".")[1])
        result: Any = handler(call, values)
        return result

    def _Format(self, call: Call, values: list[Any]) -> str:
        template = call.args[0]
        raw = template.raw if isinstance(template, Literal) and template.raw is not None else None
        pieces: list[str] = []
        rest = iter(values[1:])
        text = raw if raw is not None else values[0]
        i = 0
        while i < len(text):
            ch = text[i]
            if raw is not None and ch == "\\" and i + 1 < len(text):
                pieces.append(text[i + 1])
                i += 2
                continue
            if text.startswith("{}", i):
                value = next(rest, None)
                if isinstance(value, (dict, list)):
                    raise IntrinsicError(f"States.Format: an argument must be a string, number, boolean or null, not {_show(value)}")
                pieces.append(value if isinstance(value, str) else json.dumps(value))
                i += 2
                continue
            pieces.append(ch)
            i += 1
        if raw is None and _placeholders(text) != len(values) - 1:
            raise IntrinsicError(f"States.Format: the template has {_placeholders(text)} {{}} placeholder(s) but {len(values) - 1} argument(s) follow it")
        return "".join(pieces)

    def _StringToJson(self, call: Call, values: list[Any]) -> Any:
        try:
            return json.loads(values[0], parse_constant=_no_constant)
        except (ValueError, RecursionError):
            raise IntrinsicError(f"States.StringToJson: {_show(values[0])} is not JSON text") from None

    def _JsonToString(self, call: Call, values: list[Any]) -> str:
        return json.dumps(values[0], separators=(",", ":"), ensure_ascii=False)

    def _Array(self, call: Call, values: list[Any]) -> list[Any]:
        return list(values)

    def _ArrayPartition(self, call: Call, values: list[Any]) -> list[Any]:
        items, size = values[0], int(values[1])
        if size <= 0:
            raise IntrinsicError("States.ArrayPartition: the chunk size must be greater than 0")
        return [items[i : i + size] for i in range(0, len(items), size)]

    def _ArrayContains(self, call: Call, values: list[Any]) -> bool:
        return any(_same(item, values[1]) for item in values[0])

    def _ArrayRange(self, call: Call, values: list[Any]) -> list[int]:
        start, end, step = (int(v) for v in values)
        if step == 0:
            raise IntrinsicError("States.ArrayRange: the step cannot be 0")
        count = max(0, (end - start) // step + 1)
        if count > MAX_RANGE:
            raise IntrinsicError(f"States.ArrayRange: the range has more than {MAX_RANGE} items")
        return [start + i * step for i in range(count)]

    def _ArrayGetItem(self, call: Call, values: list[Any]) -> Any:
        items, index = values[0], int(values[1])
        if not 0 <= index < len(items):
            raise IntrinsicError(f"States.ArrayGetItem: index {index} is out of bounds for an array of {len(items)} item(s)")
        return items[index]

    def _ArrayLength(self, call: Call, values: list[Any]) -> int:
        return len(values[0])

    def _ArrayUnique(self, call: Call, values: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in values[0]:
            if not any(_same(item, seen) for seen in out):
                out.append(item)
        return out

    def _Base64Encode(self, call: Call, values: list[Any]) -> str:
        import base64

        _limit(call.name, values[0])
        return base64.b64encode(values[0].encode("utf-8")).decode("ascii")

    def _Base64Decode(self, call: Call, values: list[Any]) -> str:
        import base64
        import binascii

        _limit(call.name, values[0])
        try:
            return base64.b64decode(values[0].encode("ascii"), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError):
            raise IntrinsicError(f"States.Base64Decode: {_show(values[0])} is not base64-encoded UTF-8 text") from None

    def _Hash(self, call: Call, values: list[Any]) -> str:
        import hashlib

        data, algorithm = values
        if algorithm not in _HASHLIB:
            raise IntrinsicError(f"States.Hash: {_show(algorithm)} is not an algorithm (one of {', '.join(HASH_ALGORITHMS)})")
        text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        _limit(call.name, text)
        return hashlib.new(_HASHLIB[algorithm], text.encode("utf-8")).hexdigest()

    def _JsonMerge(self, call: Call, values: list[Any]) -> dict[str, Any]:
        return {**values[0], **values[1]}

    def _MathRandom(self, call: Call, values: list[Any]) -> int:
        import random

        start, end = int(values[0]), int(values[1])
        if end <= start:
            raise IntrinsicError("States.MathRandom: the end must be greater than the start")
        rng = random.Random(int(values[2])) if len(values) > 2 else (self.rng or random.Random())
        return rng.randrange(start, end)

    def _MathAdd(self, call: Call, values: list[Any]) -> int:
        return int(values[0]) + int(values[1])

    def _StringSplit(self, call: Call, values: list[Any]) -> list[str]:
        text, separators = values
        parts: list[str] = []
        current: list[str] = []
        for ch in text:
            if ch in separators:
                if current:
                    parts.append("".join(current))
                current = []
            else:
                current.append(ch)
        if current:
            parts.append("".join(current))
        return parts

    def _UUID(self, call: Call, values: list[Any]) -> str:
        import uuid

        if self.rng is not None:
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        return str(uuid.uuid4())


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _limit(name: str, text: str) -> None:
    if len(text) > MAX_TEXT:
        raise IntrinsicError(f"{name}: the input has {len(text):,} characters; at most {MAX_TEXT:,} are allowed")


def _same(a: Any, b: Any) -> bool:
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _runtime_fits(need: str, value: Any) -> bool:
    if need == "any":
        return True
    if need == "string":
        return isinstance(value, str)
    if need == "array":
        return isinstance(value, list)
    if need == "object":
        return isinstance(value, dict)
    if need == "false":
        return value is False
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return need == "number" or float(value).is_integer()


def _show(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."
