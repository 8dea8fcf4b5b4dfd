"""Placeholders: ``${Name}`` in a definition, replaced per environment.

The exported definitions keep deploy-time values (table names, pipeline
names, function ARNs) as ``${Name}`` placeholders, like CloudFormation's
``DefinitionSubstitutions``. Replacing them in the *parsed* definition,
string by string, keeps the result valid JSON whatever the values hold
(quotes, backslashes), which replacing in the text would not.

Which names a definition uses is asked of the validator
(:func:`ndr_workflows.validate.placeholders`), so there is one scanner.
"""

from __future__ import annotations

import functools

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Mapping
    from typing import Any

    from .environment import EnvFileError, Environment

__all__ = ["substitute", "placeholders", "all_flow_placeholders", "substitution_problems", "with_substitution_problems"]


def placeholders(definition: Any) -> list[str]:
    """The ``${Name}`` names ``definition`` uses, sorted (the validator's scanner)."""
    from ..validate import placeholders as scan

    return list(scan(definition))


def substitute(definition: Any, values: Mapping[str, str]) -> Any:
    """A copy of ``definition`` with every ``${Name}`` of ``values`` replaced.

    Every string is visited, object keys included. Names not in ``values``
    stay as they are; callers check what is left with :func:`placeholders`.
    """
    if isinstance(definition, dict):
        return {_replace(k, values): substitute(v, values) for k, v in definition.items()}
    if isinstance(definition, list):
        return [substitute(v, values) for v in definition]
    if isinstance(definition, str):
        return _replace(definition, values)
    return definition


def _replace(text: str, values: Mapping[str, str]) -> str:
    if "${" not in text:
        return text
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    return text


def all_flow_placeholders() -> dict[str, list[str]]:
    """Placeholder names per built-in flow (all five), as exported."""
    return {name: list(names) for name, names in _flow_placeholders()}


@functools.lru_cache(maxsize=1)
def _flow_placeholders() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Built once per process: building the five flows is the slow part of
    every substitution check, and they do not change while it runs."""
    from ..flows import FLOW_NAMES, build_flow

    return tuple((name, tuple(placeholders(build_flow(name).to_dict()))) for name in FLOW_NAMES)


def substitution_problems(env: Environment | Mapping[str, str], selected: Mapping[str, Any], known: Iterable[str] | None = None) -> list[str]:
    """Missing and unknown substitution keys, every one, as messages.

    Missing: used by a *selected* definition but not in the file. Unknown:
    in the file but used by none of the five flows nor the selected
    definitions (a typo, or a value for a flow that no longer needs it).
    ``env``: an Environment, or just its substitutions.
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
        known = {n for _flow, names in _flow_placeholders() for n in names}
    known = set(known) | set(used_by)
    from ..validate.common import did_you_mean

    for name in sorted(n for n in values if n not in known):
        hint = did_you_mean(name, sorted(known))
        problems.append(f"substitutions: unknown {name!r}{f' ({hint})' if hint else ''}: no flow uses ${{{name}}}")
    return problems


def with_substitution_problems(error: EnvFileError, selected: Mapping[str, Any]) -> EnvFileError:
    """``error`` (an environment file with bad fields) plus the substitution
    problems for ``selected``, when the substitutions object was readable:
    so one run reports everything wrong with the file."""
    from .environment import EnvFileError

    if error.substitutions is None:
        return error
    extra = [p for p in substitution_problems(error.substitutions, {n: d for n, d in selected.items() if isinstance(d, dict)}) if p not in error.problems]
    return EnvFileError(error.source, error.problems + extra, error.substitutions) if extra else error
