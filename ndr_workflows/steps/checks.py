"""Checks on runtime parameters, written by the parameters' types and by
cross-field rules, so that a flow file holds no regex and no JSONata for
ordinary validation.

Every check is a condition that is true when the value is *invalid* and
that cannot fail on a missing or malformed value (an expression error in a
Choice would fail the run with ``States.QueryEvaluationError`` instead of a
named error): each test is guarded by a conditional, never by ``and``.
"""

from __future__ import annotations

from ..expressions import Condition, Expr, Text, concat, jsonata_literal
from ..model.record import Record
from .messages import TYPES
from .names import pascal

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Union

    from .messages import Param

    Field = Union[str, "Param"]

__all__ = ["no_unknown_fields", "Check", "missing", "TYPES", "type_checks", "later", "at_most", "windows", "Measure", "TIMESTAMP_REGEX", "DATE_REGEX", "S3_URI_REGEX"]

# An ISO-8601 date-time with seconds and an offset, every field in range: a
# strict subset of what $toMillis accepts (it raises D3110 on the rest, and
# returns no number for a month 13), so checks built on it cannot fail.
TIMESTAMP_REGEX = (
    r"/^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])(?![\s\S])/"
)
DATE_REGEX = r"/^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(?![\s\S])/"
# s3://bucket/ then anything: a DNS-style bucket name of 3-63 characters.
S3_URI_REGEX = r"/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/[^\x00-\x1f]*(?![\s\S])/"



class Check(Record):
    """A rule on the parameters: when ``invalid`` is true, ``message`` (a
    string or an expression giving one) is reported. With a gate that fails
    each rule on its own, the run ends in the Fail state ``state`` (default:
    ``error``) with the error name ``error``.

    Write ``invalid`` so that it cannot fail on a missing or malformed value
    (guard with ``cond ? ... : false``)."""

    __slots__ = ("invalid", "message", "error", "state")
    invalid: Expr
    message: str | Expr
    error: str | None
    state: str | None

    def __init__(self, invalid: Expr, message: str | Expr, *, error: str | None = None, state: str | None = None) -> None:
        self._set(invalid=invalid, message=message, error=error, state=state)


def missing(variable: str) -> Condition:
    """True when a resolved parameter has no usable value."""
    v = "$" + variable
    return Condition(f"({v} = null or {v} = '' or ($type({v}) = 'array' and $count({v}) = 0))", 9)


def _name(field: Field) -> str:
    return field if isinstance(field, str) else field.name


def is_timestamp(name: str) -> str:
    # A conditional, not `and`, so $contains never sees a non-string.
    return f"($type(${name}) = 'string' ? $contains(${name}, {TIMESTAMP_REGEX}) : false)"


def _matches(name: str, regex: str) -> str:
    return f"($type(${name}) = 'string' ? $contains(${name}, {regex}) : false)"


def _regex_literal(pattern: str) -> str:
    """A Python/JavaScript regex as a JSONata regex literal."""
    return "/" + pattern.replace("/", "\\/") + "/"


def type_checks(param: Param) -> list[Check]:
    """The checks a parameter's type, bounds, choices or pattern write."""
    name, kind = param.name, param.type
    v = "$" + name
    error = param.error or f"FailInvalid{pascal(name)}"
    bad: str | None = None
    message = param.message
    if kind == "timestamp":
        bad, default = f"$not({is_timestamp(name)})", f"{name} must be an ISO-8601 timestamp such as 2025-01-01T00:00:00Z"
    elif kind == "date":
        bad, default = f"$not({_matches(name, DATE_REGEX)})", f"{name} must be a date such as 2025-01-01"
    elif kind == "s3_uri":
        bad, default = f"$not({_matches(name, S3_URI_REGEX)})", f"{name} must be an S3 URI such as s3://bucket/prefix/"
    elif kind == "pattern":
        if param.pattern is None:
            raise ValueError(f"parameter {name}: type 'pattern' needs pattern=")
        bad, default = f"$not({_matches(name, _regex_literal(param.pattern))})", f"{name} must match {param.pattern}"
    elif kind == "enum":
        choices = list(param.one_of or ())
        bad, default = f"$not({v} in {jsonata_literal(choices)})", f"{name} must be one of {', '.join(map(str, choices))}"
    elif kind == "non_empty_list":
        bad, default = f"($type({v}) = 'array' ? $count({v}) = 0 : true)", f"{name} must be a non-empty list"
    elif kind == "number":
        bounds = []
        for op, bound in (("<", param.minimum), (">", param.maximum), ("<=", param.above), (">=", param.below)):
            if bound is not None:
                bounds.append(f"{v} {op} {bound.text if isinstance(bound, Expr) else jsonata_literal(bound)}")
        out_of_bounds = " or ".join(bounds) if bounds else "false"
        bad = f"$type({v}) = 'number' ? {out_of_bounds} : true"
        limits = [f"{word} {jsonata_literal(b) if not isinstance(b, Expr) else 'the bound'}" for word, b in (("at least", param.minimum), ("at most", param.maximum), ("above", param.above), ("below", param.below)) if b is not None]
        default = f"{name} must be a number" + (" " + " and ".join(limits) if limits else "")
    if bad is None:
        return []
    # A parameter without a default may be absent: then only `required`
    # speaks (or nothing, when it is optional).
    # A non-empty list is never absent: missing is what it rules out.
    invalid = bad if param.default is not None or kind == "non_empty_list" else f"{missing(name).text} ? false : {bad}"
    return [Check(Condition(invalid, 0), message or default, error=error)]


class Measure(Record):
    """A number computed from parameters, with the guard under which it can
    be computed and the words that describe it."""

    __slots__ = ("guard", "value", "positive", "describe")
    guard: str
    value: str
    positive: str
    describe: tuple[object, ...]

    def __init__(self, guard: str, value: str, positive: str, describe: tuple[object, ...]) -> None:
        self._set(guard=guard, value=value, positive=positive, describe=describe)


def windows(start: Field, end: Field, minutes: Field) -> Measure:
    """How many windows of ``minutes`` the range ``start .. end`` holds."""
    s, e, m = _name(start), _name(end), _name(minutes)
    span = f"($toMillis(${e}) - $toMillis(${s}))"
    count = f"$ceil({span} / (${m} * 60000))"
    step_ok = f"($type(${m}) = 'number' ? ${m} > 0 : false)"
    return Measure(
        guard=f"{is_timestamp(s)} and {is_timestamp(e)} and {step_ok}",
        value=count,
        positive=f"{span} > 0",
        describe=("the range holds ", Text(count, 9), " windows of ", Expr("$" + m), " minutes"),
    )


def at_most(measure: Measure, limit: int, *, error: str | None = None, message: str | Expr | None = None) -> Check:
    """``measure`` must not exceed ``limit``."""
    invalid = f"({measure.guard}) ? ({measure.positive} ? {measure.value} > {limit} : false) : false"
    tail = f"; at most {limit} are allowed per run (split the range)"
    parts = list(measure.describe)
    if parts and isinstance(parts[-1], str):
        parts[-1] = parts[-1] + tail
    else:
        parts.append(tail)
    text = message if message is not None else concat(*parts)
    return Check(Condition(invalid, 0), text, error=error or "FailTooLarge")


def later(end: Field, *, than: Field, error: str | None = None, message: str | None = None) -> Check:
    """Timestamp ``end`` must be later than timestamp ``than`` (checked only
    when both are timestamps; their own types report the rest)."""
    e, s = _name(end), _name(than)
    span = f"($toMillis(${e}) - $toMillis(${s}))"
    return Check(
        Condition(f"({is_timestamp(s)} and {is_timestamp(e)}) ? {span} <= 0 : false", 0),
        message or f"{e} must be later than {s}",
        error=error or f"FailInvalid{pascal(e)}",
    )


def no_unknown_fields(allowed: tuple[str, ...] | list[str], *, error: str = "FailUnsupportedInputFields") -> Check:
    """The execution's input (an object) has no field outside ``allowed``: a
    misspelt parameter is refused instead of silently defaulted."""
    given = "$states.context.Execution.Input"
    keys = f"$filter($keys({given}), function($k){{ $not($k in " + jsonata_literal(list(allowed)) + ") })"
    return Check(
        Condition(f"$type({given}) = 'object' ? $count({keys}) > 0 : false", 0),
        Expr(f"'unsupported input fields: ' & $join({keys}, ', ')"),
        error=error,
    )
