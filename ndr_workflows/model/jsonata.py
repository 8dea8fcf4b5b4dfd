"""What the build needs to know about a JSONata expression: does it parse,
and which workflow variables does it read.

The parser is jsonata-python's (a port of the reference engine), imported
on first use. Results are cached by text: the five flows repeat the same
parameter-resolution expressions many times.
"""

from __future__ import annotations

from functools import lru_cache

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["Analysis", "analyse", "SFN_FUNCTIONS", "builtin_functions"]

# Functions Step Functions adds to JSONata 2.0.6 (ASL_NOTES.md).
SFN_FUNCTIONS = frozenset({"partition", "range", "hash", "random", "uuid", "parse"})
# Functions of the engine that Step Functions does not offer.
UNAVAILABLE = frozenset({"eval"})


class Analysis:
    """The outcome of parsing one expression: ``error`` (None when it
    parses), the free ``variables`` it reads (not local, not functions, not
    ``$states``) and the ``functions`` it calls by name."""

    __slots__ = ("error", "variables", "functions")

    def __init__(self, error: str | None, variables: frozenset[str], functions: frozenset[str]) -> None:
        self.error = error
        self.variables = variables
        self.functions = functions


@lru_cache(maxsize=1)
def builtin_functions() -> frozenset[str]:
    """JSONata's own function names (from the engine) plus Step Functions' extras."""
    from jsonata.jsonata import Jsonata

    names = set(Jsonata.static_frame.bindings.keys()) - UNAVAILABLE
    return frozenset(names | SFN_FUNCTIONS)


@lru_cache(maxsize=4096)
def analyse(text: str) -> Analysis:
    """Parse ``text`` and collect the variables it reads."""
    from jsonata.parser import Parser

    try:
        ast = Parser().parse(text)
    except Exception as exc:  # the engine raises JException, with a position
        return Analysis(_describe(exc, text), frozenset(), frozenset())
    used: set[str] = set()
    called: set[str] = set()
    bound: set[str] = set()
    _walk(ast, used, called, bound, set())
    builtins = builtin_functions()
    free = {v for v in used - bound if v not in ("", "states", "$")}
    calls = {f for f in called - bound}
    # A builtin read as a value (``$string`` passed to $map) is not a variable.
    free -= builtins
    # ``$f(...)`` with an unknown ``f`` is reported as an unknown function.
    free -= calls
    return Analysis(None, frozenset(free), frozenset(calls))


def _describe(exc: Exception, text: str) -> str:
    message = str(exc) or type(exc).__name__
    position = getattr(exc, "location", None)
    if not isinstance(position, int):
        position = getattr(exc, "position", None)
    message = " ".join(message.split())
    if isinstance(position, int) and position >= 0:
        return f"{message} (at character {position})"
    return message


def _walk(node: Any, used: set[str], called: set[str], bound: set[str], seen: set[int]) -> None:
    from jsonata.parser import Parser

    if id(node) in seen:
        return
    seen.add(id(node))
    kind = getattr(node, "type", None)
    if kind == "variable":
        used.add(str(node.value))
    elif kind == "bind":
        lhs = getattr(node, "lhs", None)
        if getattr(lhs, "type", None) == "variable":
            bound.add(str(lhs.value))
    elif kind == "lambda":
        for arg in getattr(node, "arguments", None) or []:
            if getattr(arg, "type", None) == "variable":
                bound.add(str(arg.value))
    elif kind == "function" or kind == "partial":
        proc = getattr(node, "procedure", None)
        if getattr(proc, "type", None) == "variable":
            called.add(str(proc.value))
    for attr in ("focus", "index"):
        value = getattr(node, attr, None)
        if isinstance(value, str):
            bound.add(value)
    for key, value in vars(node).items():
        if key == "_outer_instance":
            continue
        if isinstance(value, Parser.Symbol):
            _walk(value, used, called, bound, seen)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Parser.Symbol):
                    _walk(item, used, called, bound, seen)
                elif isinstance(item, list):
                    for sub in item:
                        if isinstance(sub, Parser.Symbol):
                            _walk(sub, used, called, bound, seen)
