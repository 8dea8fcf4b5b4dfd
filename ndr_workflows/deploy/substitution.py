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

__all__ = ["substitute", "placeholders", "substitution_problems", "with_substitution_problems"]


def placeholders(definition: Any) -> list[str]:
    """The ``${Name}`` names ``definition`` uses, sorted (the validator's scanner)."""
    from ..validate import placeholders as scan

    return list(scan(definition))


def substitution_problems(env: Environment | Mapping[str, str], selected: Mapping[str, Any], known: Iterable[str] | None = None) -> list[str]:
    """Missing and unknown substitution keys, every one, as messages.

    Missing: used by a *selected* definition but not in the file. Unknown
    (only when ``known`` is given: the names every flow of the project
    uses, which the command line knows): in the file but used by none of
    ``known`` nor the selected definitions (a typo, or a value for a flow
    that no longer needs it). ``env``: an Environment, or just its
    substitutions.
    """
    values = env.substitutions if hasattr(env, "substitutions") else env
    problems: list[str] = []
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
