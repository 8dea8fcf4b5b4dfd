"""JSONPath Choice rules (``Variable`` + a comparison operator, ``And``,
``Or``, ``Not``), compiled once into predicates over a
:class:`~.expressions.Frame` (the Choice state's input after InputPath).

As Step Functions runs them:

* a ``Variable`` (or a ``*Path`` operand) that selects nothing fails the
  state with ``States.Runtime`` ("Invalid path ... references an invalid
  value"), except for ``IsPresent``, which tests exactly that;
* a value of the wrong type does not match (``NumericEquals`` on a string
  is false, not an error); ``Timestamp*`` compare instants written as
  RFC 3339 (``2025-01-01T00:00:00Z``, an upper-case ``T``, ``Z`` or an
  offset); ``String*`` compare by code point;
* ``StringMatches``: ``*`` matches any run of characters; ``\\*`` is a
  literal star and ``\\\\`` a literal backslash.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from ..asl.common import is_number
from ..asl.jsonpath import JsonPathError, PathNotFound, evaluate
from .errors import RUNTIME, Failure
from .expressions import Frame
from .functions import parse_iso_ms
from .paths import failure_of, parse_supported

__all__ = ["compile_rule", "OPERATORS"]

Predicate = Callable[[Frame], bool]

_ORDER = {"Equals": operator.eq, "LessThan": operator.lt, "GreaterThan": operator.gt, "LessThanEquals": operator.le, "GreaterThanEquals": operator.ge}
_KINDS = ("String", "Numeric", "Boolean", "Timestamp")
# "NumericLessThan" -> (kind, comparison); the *Path forms too.
_COMPARISONS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    f"{kind}{name}": (kind, compare) for kind in _KINDS for name, compare in _ORDER.items() if kind != "Boolean" or name == "Equals"
}
_TESTS = ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")
OPERATORS = frozenset(_COMPARISONS) | {f"{name}Path" for name in _COMPARISONS} | {"StringMatches"} | set(_TESTS)

_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")


def _timestamp(value: Any) -> int | None:
    """Epoch milliseconds of an RFC 3339 time as the ASL reads it, else None."""
    if not isinstance(value, str) or _TIMESTAMP.match(value) is None:
        return None
    return parse_iso_ms(value)


def _typed(kind: str, value: Any) -> Any:
    """The value as the comparison reads it, or None when it is not of the kind."""
    if kind == "String":
        return value if isinstance(value, str) else None
    if kind == "Numeric":
        return value if is_number(value) else None
    if kind == "Boolean":
        return value if isinstance(value, bool) else None
    return _timestamp(value)


def _wildcard(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern) and pattern[i + 1] in "*\\":
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        parts.append(".*" if ch == "*" else re.escape(ch))
        i += 1
    return re.compile("".join(parts), re.DOTALL)


_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda v: v is None,
    "IsNumeric": is_number,
    "IsString": lambda v: isinstance(v, str),
    "IsBoolean": lambda v: isinstance(v, bool),
    "IsTimestamp": lambda v: _timestamp(v) is not None,
}


class _Leaf:
    """``{"Variable": path, <operator>: operand}``."""

    __slots__ = ("variable", "operator", "operand", "where", "test")

    def __init__(self, rule: dict[str, Any], where: str) -> None:
        self.variable = parse_supported(rule["Variable"], where)
        self.where = where
        (self.operator,) = [key for key in rule if key in OPERATORS]
        raw = rule[self.operator]
        self.operand: Any = parse_supported(raw, where) if self.operator.endswith("Path") else raw
        name = self.operator.removesuffix("Path")
        if name == "StringMatches":
            matcher = _wildcard(raw)
            self.test: Callable[[Any, Any], bool] = lambda value, _: isinstance(value, str) and matcher.fullmatch(value) is not None
        elif name in _TYPE_TESTS:
            check = _TYPE_TESTS[name]
            self.test = lambda value, expected: check(value) is expected
        elif name != "IsPresent":
            kind, compare = _COMPARISONS[name]

            def test(value: Any, other: Any, kind: str = kind, compare: Callable[[Any, Any], bool] = compare) -> bool:
                left, right = _typed(kind, value), _typed(kind, other)
                return left is not None and right is not None and compare(left, right)

            self.test = test

    def _select(self, path: Any, frame: Frame) -> Any:
        try:
            return evaluate(path, frame.input, context=frame.context, variables=frame.variables)
        except PathNotFound:
            raise Failure(RUNTIME, f"{self.where}: Invalid path '{path.text}': The choice state's condition path references an invalid value.") from None
        except JsonPathError as exc:
            raise failure_of(exc, self.where) from None

    def __call__(self, frame: Frame) -> bool:
        if self.operator == "IsPresent":
            try:
                evaluate(self.variable, frame.input, context=frame.context, variables=frame.variables)
                present = True
            except PathNotFound:
                present = False
            except JsonPathError as exc:
                raise failure_of(exc, self.where) from None
            return present is self.operand
        value = self._select(self.variable, frame)
        other = self._select(self.operand, frame) if self.operator.endswith("Path") else self.operand
        return self.test(value, other)


def compile_rule(rule: dict[str, Any], where: str) -> Predicate:
    """A predicate for a Choice rule (or a rule inside And / Or / Not)."""
    if "And" in rule:
        parts = [compile_rule(inner, f"{where}.And[{i}]") for i, inner in enumerate(rule["And"])]
        return lambda frame: all(part(frame) for part in parts)
    if "Or" in rule:
        parts = [compile_rule(inner, f"{where}.Or[{i}]") for i, inner in enumerate(rule["Or"])]
        return lambda frame: any(part(frame) for part in parts)
    if "Not" in rule:
        inner = compile_rule(rule["Not"], f"{where}.Not")
        return lambda frame: not inner(frame)
    return _Leaf(rule, where)
