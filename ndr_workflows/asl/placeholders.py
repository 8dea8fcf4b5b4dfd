"""Replacing ``${Name}`` placeholders in a definition.

The exported definitions keep deploy-time values (table names, pipeline
names, function ARNs) as ``${Name}`` placeholders, like CloudFormation's
``DefinitionSubstitutions``. Replacing them in the *parsed* definition,
string by string, keeps the result valid JSON whatever the values hold
(quotes, backslashes), which replacing in the text would not. The deploy,
the simulator (``--env``) and the pipeline contracts all substitute here;
which names a definition uses is the validator's scanner
(:func:`ndr_workflows.validate.placeholders`), which also judges them.
"""

from __future__ import annotations

import re

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping
    from typing import Any

__all__ = ["substitute"]

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def substitute(definition: Any, values: Mapping[str, str]) -> Any:
    """A copy of ``definition`` with every ``${Name}`` of ``values`` replaced.

    Every string is visited, object keys included. Names not in ``values``
    stay as they are; callers check what is left.
    """
    if isinstance(definition, dict):
        return {_replace(k, values): substitute(v, values) for k, v in definition.items()}
    if isinstance(definition, list):
        return [substitute(v, values) for v in definition]
    if isinstance(definition, str):
        return _replace(definition, values)
    return definition


def _replace(text: str, values: Mapping[str, str]) -> str:
    """One pass, as CloudFormation's ``DefinitionSubstitutions`` does: a
    value that itself holds ``${Other}`` is not substituted again."""
    if "${" not in text:
        return text
    return _PLACEHOLDER.sub(lambda found: values.get(found[1], found[0]), text)
