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

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Mapping
    from typing import Any

    from .environment import Environment

__all__ = ["substitute", "placeholders", "all_flow_placeholders", "substitution_problems"]


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
    from ..flows import FLOW_NAMES, build_flow

    return {name: placeholders(build_flow(name).to_dict()) for name in FLOW_NAMES}


def substitution_problems(env: Environment, selected: Mapping[str, Any], known: Iterable[str] | None = None) -> list[str]:
    """Missing and unknown substitution keys, every one, as messages.

    Missing: used by a *selected* definition but not in the file. Unknown:
    in the file but used by none of the five flows nor the selected
    definitions (a typo, or a value for a flow that no longer needs it).
    """
    problems: list[str] = []
    used_by: dict[str, list[str]] = {}
    for flow, definition in selected.items():
        for name in placeholders(definition):
            used_by.setdefault(name, []).append(flow)
    missing = sorted(n for n in used_by if n not in env.substitutions)
    for name in missing:
        problems.append(f"substitutions: missing {name!r} (used by {', '.join(used_by[name])})")
    if known is None:
        known = {n for names in all_flow_placeholders().values() for n in names}
    known = set(known) | set(used_by)
    from difflib import get_close_matches

    for name in sorted(n for n in env.substitutions if n not in known):
        close = get_close_matches(name, sorted(known), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        problems.append(f"substitutions: unknown {name!r}{hint}: no flow uses ${{{name}}}")
    return problems
