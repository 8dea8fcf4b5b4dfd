"""Whether a Choice state's rules match every input, so that it needs no
Default: a rule that is always true, or two rules that are each other's
negation (``x`` and ``$not(x)``, ``a < b`` and ``a >= b``, a boolean's
``true`` and ``false``, a JSONPath rule and ``{"Not": rule}``).

Only these simple shapes are recognised: a Choice without Default whose
rules cover every case in a way not listed here still gets the warning.
"""

from __future__ import annotations

import json
import re

from ..asl.common import is_expression

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["exhaustive"]

_NEGATED = {"!=": "=", "<=": ">", ">=": "<", "=": "!=", "<": ">=", ">": "<="}
_JSONPATH_COMPLEMENTS = {
    "LessThan": "GreaterThanEquals", "GreaterThanEquals": "LessThan", "GreaterThan": "LessThanEquals", "LessThanEquals": "GreaterThan",
}
_RULE_ONLY = ("Next", "Comment", "Assign", "Output")


def exhaustive(choices: list[Any]) -> bool:
    rules = [r for r in choices if isinstance(r, dict)]
    seen: set[str] = set()
    for rule in rules:
        condition = rule.get("Condition")
        if condition is True:
            return True
        if isinstance(condition, str) and is_expression(condition):
            text = "".join(condition[2:-2].split())
            if text in ("true", "(true)"):
                return True
            seen.add(text)
        elif "Condition" not in rule:
            seen.add(_canonical(rule))
    return any(other in seen for text in seen for other in _negations(text))


def _canonical(rule: dict[str, Any]) -> str:
    body = {k: v for k, v in rule.items() if k not in _RULE_ONLY}
    return "jp:" + json.dumps(body, sort_keys=True)


def _negations(text: str) -> list[str]:
    if text.startswith("jp:"):
        return _jsonpath_negations(json.loads(text[3:]))
    found = [f"$not({text})", f"$not(({text}))"]
    if text.startswith("$not(") and text.endswith(")"):
        found.append(text[5:-1])
    for suffix, other in (("=true", "=false"), ("=false", "=true")):
        if text.endswith(suffix):
            found.append(text[: -len(suffix)] + other)
    match = re.fullmatch(r"([^<>=!]+)(!=|<=|>=|=|<|>)([^<>=!]+)", text)
    if match:
        left, op, right = match.groups()
        found.append(f"{left}{_NEGATED[op]}{right}")
    return found


def _jsonpath_negations(body: dict[str, Any]) -> list[str]:
    found: list[dict[str, Any]] = [{"Not": body}]
    if set(body) == {"Not"} and isinstance(body["Not"], dict):
        found.append(body["Not"])
    if len(body) == 2 and "Variable" in body:
        (op,) = [k for k in body if k != "Variable"]
        value = body[op]
        if isinstance(value, bool) and (op == "BooleanEquals" or op.startswith("Is")):
            found.append({"Variable": body["Variable"], op: not value})
        for kind in ("Numeric", "String", "Timestamp"):
            for name, complement in _JSONPATH_COMPLEMENTS.items():
                for suffix in ("", "Path"):
                    if op == kind + name + suffix:
                        found.append({"Variable": body["Variable"], kind + complement + suffix: value})
    return ["jp:" + json.dumps(f, sort_keys=True) for f in found]
