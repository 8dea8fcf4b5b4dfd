"""Placeholders: does an environment's ``substitutions`` fit the flows?

The replacing itself is :func:`ndr_workflows.asl.placeholders.substitute`
(shared with the simulator and the pipeline contracts); which names a
definition uses is asked of the validator
(:func:`ndr_workflows.validate.placeholders`), so there is one scanner.
"""

from __future__ import annotations

from ..asl.placeholders import substitute

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Mapping
    from typing import Any

    from .environment import EnvFileError, Environment

__all__ = ["substitute", "placeholders", "substitution_problems", "with_substitution_problems", "value_report", "ValueReport"]


def placeholders(definition: Any) -> list[str]:
    """The ``${Name}`` names ``definition`` uses, sorted (the validator's scanner)."""
    from ..validate import placeholders as scan

    return list(scan(definition))


def substitution_problems(env: Environment | Mapping[str, str], selected: Mapping[str, Any], known: Iterable[str] | None = None) -> list[str]:
    """Missing and unknown substitution keys, and (given an Environment)
    values that do not fit what they name (:func:`value_report`), every
    one, as messages.

    Missing: used by a *selected* definition but not in the file. Unknown
    (only when ``known`` is given: the names every flow of the project
    uses, which the command line knows): in the file but used by none of
    ``known`` nor the selected definitions (a typo, or a value for a flow
    that no longer needs it). ``env``: an Environment, or just its
    substitutions.
    """
    values = env.substitutions if hasattr(env, "substitutions") else env
    problems: list[str] = []
    if hasattr(env, "allow"):  # a whole Environment: its values are judged by what they name
        problems += value_report(env, selected).problems  # type: ignore[arg-type]
    used_by: dict[str, list[str]] = {}
    for flow, definition in selected.items():
        for name in placeholders(definition):
            used_by.setdefault(name, []).append(flow)
    missing = sorted(n for n in used_by if n not in values)
    for name in missing:
        problems.append(f"substitutions: missing {name!r} (used by {', '.join(used_by[name])})")
    if known is None:
        return problems
    known = set(known) | set(used_by)
    from ..asl.common import did_you_mean

    for name in sorted(n for n in values if n not in known):
        hint = did_you_mean(name, sorted(known))
        problems.append(f"substitutions: unknown {name!r}{f' ({hint})' if hint else ''}: no flow uses ${{{name}}}")
    return problems


def with_substitution_problems(error: EnvFileError, selected: Mapping[str, Any], known: Iterable[str] | None = None) -> EnvFileError:
    """``error`` (an environment file with bad fields) plus the substitution
    problems for ``selected``, when the substitutions object was readable:
    so one run reports everything wrong with the file."""
    from .environment import EnvFileError

    if error.substitutions is None:
        return error
    extra = [p for p in substitution_problems(error.substitutions, {n: d for n, d in selected.items() if isinstance(d, dict)}, known) if p not in error.problems]
    return EnvFileError(error.source, error.problems + extra, error.substitutions) if extra else error


class ValueReport:
    """What :func:`value_report` found: ``problems`` (one line each, named
    by key: the deploy refuses), ``warnings`` (opt-ins in use, or unused),
    ``opt_ins`` (key -> the opt-ins its value needs), ``kinds`` (key -> the
    kind codes of its uses)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.warnings: list[str] = []
        self.opt_ins: dict[str, set[str]] = {}
        self.kinds: dict[str, list[str]] = {}


def value_report(env: Environment, definitions: Mapping[str, Any]) -> ValueReport:
    """Every substitution value checked by what it names where the
    ``definitions`` (NAME -> definition with placeholders) use it
    (:mod:`.kinds`, :mod:`.naming`). Keys no definition uses get the rules
    every value obeys only."""
    from .kinds import uses
    from .naming import Context, check_text, check_value

    report = ValueReport()
    ctx = Context(env.partition, env.region, env.account)
    found = uses({n: d for n, d in definitions.items() if isinstance(d, dict)})
    values = env.substitutions
    for key in sorted(values):
        allowed = set(env.allow.get(key, ()))
        value = values[key]
        shown = repr(value if len(value) <= 80 else value[:77] + "...")
        lines, used = check_value(value, allowed)
        lines = [f"{shown} {line}" for line in lines]
        seen: set[tuple[str, str]] = set()
        for use in found.get(key, []):
            report.kinds.setdefault(key, [])
            if use.kind.code not in report.kinds[key]:
                report.kinds[key].append(use.kind.code)
            text = substitute(use.text, values)
            if (use.kind.code, text) in seen:
                continue
            seen.add((use.kind.code, text))
            # inside an expression the value itself becomes code: judge the value
            problems, needed = check_text(use.kind.code, value if use.kind.code == "expression-text" else text, ctx, allowed)
            used |= needed
            where = f"{use.field} of {use.flow}/{use.state}" if use.state else f"{use.field} of {use.flow}"
            lines += [f"{shown} (used as {use.kind.label}: {where}) {p}" for p in problems]
        report.problems += [f"substitutions.{key}: {line}".replace('"KEY"', f'"{key}"') for line in dict.fromkeys(lines)]
        if used:
            report.opt_ins[key] = used
            report.warnings += [f"substitutions.{key}: {shown}: {_OPT_IN_WARNING[word]} (allowed by \"allow\": {key})" for word in sorted(used)]
        for word in sorted(allowed - used):
            report.warnings.append(f'allow.{key}: "{word}" is not needed by the value {shown}; remove it so that a later value cannot use it unnoticed')
    return report


_OPT_IN_WARNING = {
    "wildcard": "holds a wildcard: the IAM policy grants access to every resource it matches",
    "expression": "is a JSONata expression: the resource is decided at run time and the IAM policy grants access to every resource of its kind",
    "other-account": "names another account than the role's: the IAM policy grants access to it",
    "other-region": "names another region than the environment's",
}
