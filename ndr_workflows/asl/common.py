"""Small helpers the whole package shares: the did-you-mean of every
message, what counts as a JSONata expression string, readable values."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Iterable
    from typing import Any, TypeGuard

    from .problems import Problem

    Add = Callable[[Problem], None]

__all__ = ["did_you_mean", "is_int", "is_number", "is_expression", "describe", "MAX_NAME_LENGTH", "RESERVED_VARIABLES"]

MAX_NAME_LENGTH = 80
RESERVED_VARIABLES = frozenset({"states"})


def did_you_mean(word: str, options: Iterable[str], prefix: str = "") -> str:
    """``did you mean 'x'?`` for the closest option, or "" (difflib is
    imported only when there is a problem to explain)."""
    import difflib

    close = difflib.get_close_matches(word, [o for o in options if isinstance(o, str)], n=1, cutoff=0.6)
    return f"did you mean '{prefix}{close[0]}'?" if close else ""


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_expression(value: Any) -> bool:
    """A JSONata expression string: starts with ``{%`` and ends with ``%}``."""
    return isinstance(value, str) and value.startswith("{%") and value.endswith("%}") and len(value) >= 4


def describe(value: Any) -> str:
    """A short readable rendering of a JSON value for messages."""
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if value is None:
        return "null"
    text = repr(value) if not isinstance(value, bool) else ("true" if value else "false")
    return text if len(text) <= 60 else text[:57] + "..."
