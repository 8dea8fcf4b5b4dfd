"""Reject a run whose runtime parameters are missing or unusable, before it
locks, starts or publishes anything.

``validate_params`` builds the Choice ``ValidateRuntimeParams``: its one rule
collects every problem into ``runtime_param_errors`` and goes to the Fail
state ``InvalidRuntimeParams``, whose Cause lists them; its Default is the
fragment's open exit (the run goes on).
"""

from __future__ import annotations

from ..expressions import Expr, expr, to_jsonata
from ..model import Choice, Fail, Fragment, Rule
from ..model.record import Record

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from .messages import Param

__all__ = ["Check", "validate_params", "ERRORS_VARIABLE", "missing"]

ERRORS_VARIABLE = "runtime_param_errors"


def missing(variable: str) -> Expr:
    """True when a resolved parameter has no usable value."""
    v = "$" + variable
    return expr(f"({v} = null or {v} = '' or ($type({v}) = 'array' and $count({v}) = 0))")


class Check(Record):
    """A rule on the parameters: when ``invalid`` is true, ``message`` (a
    string or an expression giving one) is reported. Write ``invalid`` so
    that it cannot fail on a missing or malformed value (guard with
    ``cond ? ... : false``): an expression error in a Choice fails the run
    with ``States.QueryEvaluationError`` instead of a named error."""

    __slots__ = ("invalid", "message")
    invalid: Expr
    message: str | Expr

    def __init__(self, invalid: Expr, message: str | Expr) -> None:
        self._set(invalid=invalid, message=message)


def validate_params(
    params: list[Param] | tuple[Param, ...],
    checks: list[Check] | tuple[Check, ...] = (),
    *,
    name: str = "ValidateRuntimeParams",
    fail_name: str = "InvalidRuntimeParams",
    error: str = "InvalidRuntimeParams",
) -> Fragment:
    """Required parameters must be present; each ``Check`` must pass."""
    items = [f"{missing(p.name).text} ? {to_jsonata('missing required parameter ' + p.name)}" for p in params if p.required]
    for check in checks:
        items.append(f"({check.invalid.text}) ? {to_jsonata(check.message)}")
    problems = "[" + ", ".join(items) + "]"
    # The `$exists($states.input) ?` guard changes nothing at run time (a
    # state always has an input); it keeps `statelint --eval-jsonata`, which
    # evaluates conditions with no $states and flags a constant `true`, quiet.
    rule = Rule(expr(f"$exists($states.input) ? $count({problems}) > 0 : false"), fail_name, assign={ERRORS_VARIABLE: expr(problems)})
    choice = Choice(name, choices=(rule,))
    fail = Fail(fail_name, error=error, cause=expr(f"'Invalid runtime parameters: ' & $join(${ERRORS_VARIABLE}, '; ')"))
    return Fragment((choice, fail), name)
