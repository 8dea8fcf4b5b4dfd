"""What the build needs to know about a JSONata expression: does it parse,
and which workflow variables and functions does it use.

The analysis is :mod:`.jsonata_syntax`, this project's own stdlib-only
parser (docs/design/hand_written.md says why it is not jsonata-python's,
with figures). The test suite checks it against jsonata-python (the
reference engine's port) over a corpus, over random expressions, and over
every expression the flows use. Results are kept per process by text:
the flows repeat many expressions.
"""

from __future__ import annotations

from .jsonata_syntax import analyse_text

__all__ = ["Analysis", "analyse", "SFN_FUNCTIONS", "JSONATA_FUNCTIONS", "builtin_functions"]

# JSONata 2.0's own functions (the test suite compares this list with the
# engine's), less $eval, which Step Functions does not offer.
JSONATA_FUNCTIONS = frozenset(
    """abs append assert average base64decode base64encode boolean ceil clone contains count decodeUrl
    decodeUrlComponent distinct each encodeUrl encodeUrlComponent error exists filter floor formatBase
    formatInteger formatNumber fromMillis join keys length lookup lowercase map match max merge millis min
    not now number pad parseInteger power random reduce replace reverse round shuffle sift single sort split
    spread sqrt string substring substringAfter substringBefore sum toMillis trim type uppercase zip""".split()
)
# Functions Step Functions adds to JSONata 2.0.6 (docs/asl_facts.md).
SFN_FUNCTIONS = frozenset({"partition", "range", "hash", "random", "uuid", "parse"})
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


def builtin_functions() -> frozenset[str]:
    """Every function a Step Functions JSONata expression may call."""
    return _BUILTINS


_BUILTINS = JSONATA_FUNCTIONS | SFN_FUNCTIONS
_CACHE: dict[str, Analysis] = {}


def analyse(text: str) -> Analysis:
    """Parse ``text`` and collect the variables it reads and functions it calls."""
    found = _CACHE.get(text)
    if found is None:
        error, variables, functions = analyse_text(text)
        # A builtin passed as a value (``$map($x, $string)``) is not a variable;
        # ``$f(...)`` with an unknown ``f`` is reported as an unknown function.
        free = frozenset(v for v in variables if v not in _BUILTINS and v not in functions)
        found = _CACHE[text] = Analysis(error, free, frozenset(functions))
    return found
