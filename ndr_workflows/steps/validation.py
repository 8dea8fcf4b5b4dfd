"""Reject a run whose runtime parameters are missing or unusable, before it
locks, starts or publishes anything.

``validate_params`` builds the Choice ``ValidateRuntimeParams``. By default
its one rule collects every problem into ``runtime_param_errors`` and goes
to the Fail state ``InvalidRuntimeParams``, whose Cause lists them. With
``fail_each=True`` every rule has its own rule and its own Fail state with
its own error name (``FailMissingMiniBatchId``, ``FailInvalidBatchEndTsIso``,
...), so that an alarm says exactly what was wrong; rules sharing an error
name share its Fail state. Either way the Default is the fragment's open
exit (the run goes on).

The rules are the parameters' own (required, and what their ``type``
writes, see :mod:`.checks`) followed by the ``checks`` given.
"""

from __future__ import annotations

from ..expressions import Expr, expr, to_jsonata
from ..model import Choice, Fail, Fragment, Rule
from ..model.checks import with_written
from .checks import Check, missing, type_checks
from .names import pascal

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from .messages import Param

__all__ = ["Check", "validate_params", "rules_of", "ERRORS_VARIABLE", "missing"]

ERRORS_VARIABLE = "runtime_param_errors"
GATE_LABEL = "a parameter check fails"


def rules_of(params: list[Param] | tuple[Param, ...], checks: list[Check] | tuple[Check, ...] = ()) -> list[Check]:
    """Every rule, in order: missing required parameters, the parameters'
    own type checks, then ``checks``."""
    rules = [Check(missing(p.name), "missing required parameter " + p.name, error=p.error if p.error and not p.type else f"FailMissing{pascal(p.name)}") for p in params if p.required]
    for p in params:
        rules.extend(type_checks(p))
    rules.extend(checks)
    return rules


def validate_params(
    params: list[Param] | tuple[Param, ...],
    checks: list[Check] | tuple[Check, ...] = (),
    *,
    fail_each: bool = False,
    name: str = "ValidateRuntimeParams",
    fail_name: str = "InvalidRuntimeParams",
    error: str = "InvalidRuntimeParams",
) -> Fragment:
    """Required parameters must be present, typed ones well-formed, and each
    ``Check`` must pass; see the module docstring for the two forms."""
    rules = rules_of(params, checks)
    # The author's own conditions and messages, judged before they are wrapped.
    written = [(c.invalid, c.message) for c in checks]
    if fail_each:
        return with_written(_fail_each(rules, name), written)
    required = sum(1 for p in params if p.required)
    items = [f"{c.invalid.text} ? {to_jsonata(c.message)}" if i < required else f"({c.invalid.text}) ? {to_jsonata(c.message)}" for i, c in enumerate(rules)]
    problems = "[" + ", ".join(items) + "]"
    # The `$exists($states.input) ?` guard changes nothing at run time (a
    # state always has an input); it keeps `statelint --eval-jsonata`, which
    # evaluates conditions with no $states and flags a constant `true`, quiet.
    # The rule's Comment is what the diagrams (and the AWS console) show on its edge.
    rule = Rule(expr(f"$exists($states.input) ? $count({problems}) > 0 : false"), fail_name, assign={ERRORS_VARIABLE: expr(problems)}, comment=GATE_LABEL)
    choice = Choice(name, choices=(rule,))
    fail = Fail(fail_name, error=error, cause=expr(f"'Invalid runtime parameters: ' & $join(${ERRORS_VARIABLE}, '; ')"))
    return with_written(Fragment((choice, fail), name), written)


ERROR_VARIABLE = "runtime_param_error"


def _fail_each(rules: list[Check], name: str) -> Fragment:
    """One rule per check; each assigns its message, which its Fail state's
    Cause reads (rules sharing an error name share the Fail state)."""
    choices: list[Rule] = []
    fails: dict[str, Fail] = {}
    for check in rules:
        error = check.error or "InvalidRuntimeParams"
        state = check.state or error
        if state not in fails:
            fails[state] = Fail(state, error=error, cause=Expr("$" + ERROR_VARIABLE))
        # Same guard as the collected form: statelint evaluates conditions
        # without $states and would flag a constant one.
        message = check.message if isinstance(check.message, Expr) else check.message
        label = check.message if isinstance(check.message, str) else None  # the edge's label: the check's own message
        choices.append(Rule(expr(f"$exists($states.input) ? ({check.invalid.text}) : false"), state, assign={ERROR_VARIABLE: message}, comment=label))
    return Fragment((Choice(name, choices=tuple(choices)),) + tuple(fails.values()), name)
