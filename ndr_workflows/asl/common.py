"""Small helpers the whole package shares: the did-you-mean of every
message, what counts as a JSONata expression string, readable values,
parsed paths and intrinsic calls remembered."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Iterable
    from typing import Any, TypeGuard

    from .problems import Problem

    Add = Callable[[Problem], None]

__all__ = ["parse_once", "did_you_mean", "closest", "misspelt", "is_int", "is_number", "is_expression", "describe", "json_brief", "MAX_NAME_LENGTH", "RESERVED_VARIABLES"]

MAX_NAME_LENGTH = 80
RESERVED_VARIABLES = frozenset({"states"})


def closest(word: str, options: Iterable[str]) -> str:
    """The option closest to ``word``, or "" when none is close: the same
    name in other case or with other separators (``next``, ``error_equals``
    for ``ErrorEquals``) first, then difflib's closest (difflib is imported
    only when there is a problem to explain)."""
    candidates = [o for o in options if isinstance(o, str)]
    if not candidates or not isinstance(word, str):
        return ""
    folded = _fold(word)
    for option in candidates:
        if _fold(option) == folded:
            return option
    import difflib

    by_fold: dict[str, str] = {}
    for option in candidates:
        by_fold.setdefault(_fold(option), option)
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6) or difflib.get_close_matches(folded, list(by_fold), n=1, cutoff=0.6)
    if not close:
        return ""
    return close[0] if close[0] in candidates else by_fold[close[0]]


def _fold(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "").replace(" ", "")


def misspelt(obj: Any, name: str, known: Iterable[str]) -> str:
    """The key of ``obj`` (an object) that is none of the ``known`` fields
    and closest to ``name`` among them, or "": ``name`` written wrong, not
    left out (one mistake: its finding is the unknown field's)."""
    if not isinstance(obj, dict) or name in obj:
        return ""
    known = frozenset(known)
    for key in obj:
        if isinstance(key, str) and key not in known and closest(key, known) == name:
            return key
    return ""


def did_you_mean(word: str, options: Iterable[str], prefix: str = "") -> str:
    """``did you mean 'x'?`` for the closest option (:func:`closest`), or ""."""
    close = closest(word, options)
    return f"did you mean '{prefix}{close}'?" if close else ""


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


def json_brief(value: Any, width: int) -> str:
    """``value`` as compact JSON for a message, cut to ``width`` characters
    (ending in "...") when longer; what JSON cannot hold is written as text."""
    import json

    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


_PARSED: dict[tuple[object, str], Any] = {}


def parse_once(parse: Callable[[str], Any], error: type[Exception], text: str) -> Any:
    """``parse(text)``, remembered per parser (its result, or the ``error``
    it raised, raised again). Definitions repeat the same paths and calls
    many times; the memory is bounded at 100,000 texts. A text nested too
    deeply for Python's recursion is an ``error`` too."""
    key = (parse, text)
    found = _PARSED.get(key)
    if found is None:
        try:
            found = parse(text)
        except error as exc:
            found = exc
        except RecursionError:
            found = error(f"{text[:60]!r}: nested too deeply")
        if len(_PARSED) < 100_000:
            _PARSED[key] = found
    if isinstance(found, error):
        raise found
    return found
