"""Evaluating intrinsic functions: :func:`evaluate`, and one method per
function, each with the checks AWS makes at run time (parsing and the
static checks are :mod:`.intrinsics`)."""

from __future__ import annotations

import json

from .common import json_brief
from .intrinsics import FUNCTIONS, HASH_ALGORITHMS, HASHLIB_NAMES, MAX_RANGE, MAX_TEXT, TYPE_NAMES, Call, IntrinsicError, Literal, count_placeholders, parse, problems
from .jsonpath import JsonPathError, Path
from .jsonpath import evaluate as evaluate_path

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import random
    from typing import Any

    from .jsonpath import Variables

__all__ = ["Evaluator", "evaluate"]


class Evaluator:
    """Evaluates calls against one state's data, context object and variables."""

    def __init__(self, data: Any, context: Any, variables: Variables, rng: random.Random | None) -> None:
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
                raise IntrinsicError(f"{call.name}: argument {i + 1} must be {TYPE_NAMES[need]}, not {json_brief(value, 80)}")
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
                    raise IntrinsicError(f"States.Format: an argument must be a string, number, boolean or null, not {json_brief(value, 80)}")
                pieces.append(value if isinstance(value, str) else json.dumps(value))
                i += 2
                continue
            pieces.append(ch)
            i += 1
        if raw is None and count_placeholders(text) != len(values) - 1:
            raise IntrinsicError(f"States.Format: the template has {count_placeholders(text)} {{}} placeholder(s) but {len(values) - 1} argument(s) follow it")
        return "".join(pieces)

    def _StringToJson(self, call: Call, values: list[Any]) -> Any:
        try:
            return json.loads(values[0], parse_constant=_no_constant)
        except (ValueError, RecursionError):
            raise IntrinsicError(f"States.StringToJson: {json_brief(values[0], 80)} is not JSON text") from None

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
            raise IntrinsicError(f"States.Base64Decode: {json_brief(values[0], 80)} is not base64-encoded UTF-8 text") from None

    def _Hash(self, call: Call, values: list[Any]) -> str:
        import hashlib

        data, algorithm = values
        if algorithm not in HASHLIB_NAMES:
            raise IntrinsicError(f"States.Hash: {json_brief(algorithm, 80)} is not an algorithm (one of {', '.join(HASH_ALGORITHMS)})")
        text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        _limit(call.name, text)
        return hashlib.new(HASHLIB_NAMES[algorithm], text.encode("utf-8")).hexdigest()

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


def evaluate(call: Call | str, data: Any, *, context: Any = None, variables: Variables | None = None, rng: random.Random | None = None) -> Any:
    """The value of a call on ``data`` (``$``), ``context`` (``$$``) and
    ``variables`` (``$name``); ``rng`` makes MathRandom and UUID repeatable."""
    if isinstance(call, str):
        call = parse(call)
    return Evaluator(data, context, variables or {}, rng).call(call)
