"""Payload templates of JSONPath states: ``Parameters``, ``ResultSelector``,
``ItemSelector`` and a JSONPath ``Assign``. A field whose name ends in
``.$`` takes the value of its path (:mod:`.jsonpath`) or intrinsic function
(:mod:`.intrinsics`); every other field is copied as it is.

    evaluate_template({"id.$": "$.order.id", "n": 1}, data, context=..., variables=...)
"""

from __future__ import annotations

from .common import json_brief
from .intrinsics_eval import evaluate as evaluate_intrinsic
from .jsonpath import JsonPathError, PathNotFound, evaluate

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import random
    from typing import Any

    from .jsonpath import Variables

__all__ = ["evaluate_template"]


def evaluate_template(template: Any, data: Any, *, context: Any = None, variables: Variables | None = None, rng: random.Random | None = None) -> Any:
    """A payload template with every ``name.$`` field replaced by ``name``
    and the value of its path or intrinsic function (Parameters,
    ResultSelector, ItemSelector, JSONPath Assign). ``rng`` makes
    States.MathRandom and States.UUID repeatable."""
    if isinstance(template, dict):
        out: dict[str, Any] = {}
        for key, value in template.items():
            if key.endswith(".$"):
                out[key[:-2]] = _dynamic(key, value, data, context, variables, rng)
            else:
                out[key] = evaluate_template(value, data, context=context, variables=variables, rng=rng)
        return out
    if isinstance(template, list):
        return [evaluate_template(v, data, context=context, variables=variables, rng=rng) for v in template]
    return template


def _dynamic(key: str, value: Any, data: Any, context: Any, variables: Variables | None, rng: random.Random | None) -> Any:
    if not isinstance(value, str):
        raise JsonPathError(f"The value of the field '{key}' must be a path or an intrinsic function, not {json_brief(value, 200)}")
    if value.lstrip().startswith("States."):
        return evaluate_intrinsic(value.strip(), data, context=context, variables=variables, rng=rng)
    try:
        return evaluate(value, data, context=context, variables=variables)
    except PathNotFound:
        source = context if value.startswith("$$") else data
        raise PathNotFound(f"The JSONPath '{value}' specified for the field '{key}' could not be found in the input '{json_brief(source, 200)}'") from None
