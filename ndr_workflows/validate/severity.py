"""Which findings are errors: one table, applied once to every finding.

An *error* is what AWS refuses when the state machine is created, or what
fails at run time on every path through the state. Everything else the
validator reports is a *warning* with its reason, in one of two kinds:

* ``COMPAT``: AWS accepts it, asl-validator (the other common linter)
  refuses it. ``strict_compat`` makes these errors, for definitions that
  must pass both.
* ``SUSPICIOUS``: legal, but it fails on some paths only, or does nothing,
  or is passed on as text where a value was almost certainly meant.
  ``strict`` makes these errors too: the project's own build holds its
  flows to it, so an edit that introduces one is refused at export.

A code listed here is a warning by default wherever it is raised; every
other code keeps the severity its check gave it.
"""

from __future__ import annotations

from ..asl.problems import Problem

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

__all__ = ["COMPAT", "SUSPICIOUS", "apply_severity"]

COMPAT: dict[str, str] = {
    "EXPRESSION_SPACING": "AWS accepts {%expr%}; asl-validator 4 accepts only '{% expr %}' with a space inside each delimiter",
    "MULTILINE_EXPRESSION": "AWS accepts an expression written over several lines; asl-validator's pattern for expressions does not",
    "EMPTY_STRING": "AWS passes an empty string on; asl-validator refuses \"\" in a JSONata template",
    "NESTED_ARRAY": "AWS accepts arrays inside arrays in a JSONata template; asl-validator refuses them",
}

SUSPICIOUS: dict[str, str] = {
    "EXPRESSION_AS_LITERAL": "a string that mentions {% but is not one whole expression is passed on as literal text",
    "JSONPATH_KEY": "in a JSONata state a key ending in '.$' is an ordinary key: the value is not evaluated",
    "PATH_AS_LITERAL": "in a JSONPath template a '$.x' value under a key without '.$' is passed on as the text '$.x'",
    "CHOICE_WITHOUT_DEFAULT": "legal ASL; a run that matches no rule fails with States.NoChoiceMatched",
    "VARIABLE_MAYBE_UNASSIGNED": "fails with States.QueryEvaluationError on the paths that do not assign the variable first",
    "OUTER_VARIABLE_MAYBE_ASSIGNED": "on some paths the name exists in the enclosing scope when the iteration or branch assigns it",
    "HEARTBEAT_WITHOUT_TIMEOUT": "legal: the task's timeout defaults to 99999999 seconds, so a lost callback waits about three years",
    "NOT_RETRIABLE": "legal, but Step Functions never retries that error: the Retry entry does nothing",
    "NOT_A_REFERENCE_PATH": "AWS documents a reference path (names and indices only) for this field",
    "INTRINSIC_LITERAL_ARGUMENT": "AWS documents a path as this intrinsic function's argument",
    "NO_PATH_TO_END": "legal, but a run that enters this state can only stop by failing or timing out",
    "INTEGRATION_MISSING_IDEMPOTENCY_TOKEN": "AWS SDKs fill an idempotency token in, so the call works; without a fixed one a retried call is not recognised",
    "ERROR_NAME_SERVICE_SPELLING": "legal, but the entry never matches: the integration spells the service differently",
    "ERROR_NAME_UNKNOWN": "legal, but the entry never matches an error the integration can raise",
    "ERROR_NAME_NOT_RAISED": "legal, but the integration cannot raise that error: the entry never matches",
    "ERROR_NAME_UNKNOWN_STATES": "legal, but Step Functions raises no such States.* error: the entry never matches",
}


def apply_severity(findings: Iterable[Problem], *, strict_compat: bool = False, strict: bool = False) -> list[Problem]:
    """``findings`` with the severities of the table: ``COMPAT`` codes are
    errors under ``strict_compat`` or ``strict``, ``SUSPICIOUS`` codes under
    ``strict``; otherwise both are warnings."""
    out = []
    for f in findings:
        code = f.code
        if code in COMPAT or code in SUSPICIOUS:
            promoted = strict or (strict_compat and code in COMPAT)
            severity = "error" if promoted else "warning"
            if f.severity != severity:
                f = Problem(f.path, code, f.message, f.hint, severity, f.field)
        out.append(f)
    return out
