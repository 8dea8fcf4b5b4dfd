"""What the build needs to know about a JSONata expression: does it parse,
and which workflow variables and functions does it use.

The analysis is :mod:`.jsonata_syntax`, this project's own stdlib-only
parser: importing jsonata-python costs ~28 ms and parsing with it ~0.3 ms
per expression, more than the export's whole budget. The test suite checks
it against jsonata-python (the reference engine's port) over a corpus, over
random expressions, and over every expression the five flows use.
Results are cached by text: the flows repeat many expressions.
"""

from __future__ import annotations

import os
import sys

# The parser (.jsonata_syntax) is imported only when a text is not in the
# on-disk cache: an everyday export finds every expression there and so
# never pays for importing it.
_PARSER_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jsonata_syntax.py")

__all__ = ["Analysis", "analyse", "SFN_FUNCTIONS", "JSONATA_FUNCTIONS", "builtin_functions", "save_cache", "cache_path", "cache_dir"]

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

# -- the on-disk cache ----------------------------------------------------------
#
# Parsing the ~100 distinct expressions of the five flows is a quarter of the
# export's time, and an edit changes few of them. The results of
# analyse_text() (a pure function of the text and of the analyser's code) are
# kept in one marshal file per analyser build and Python version. The cache
# only saves time: a missing, unreadable or unwritable cache changes nothing
# but speed. NDR_WORKFLOWS_NO_CACHE=1 turns it off; NDR_WORKFLOWS_CACHE_DIR
# moves it (default: $XDG_CACHE_HOME/ndr_workflows or ~/.cache/ndr_workflows).

_STORED: dict[str, tuple[str | None, tuple[str, ...], tuple[str, ...]]] | None = None
_NEW: dict[str, tuple[str | None, tuple[str, ...], tuple[str, ...]]] = {}


def cache_dir() -> str | None:
    """The directory of ndr_workflows' on-disk caches (this analysis, the
    validator's distilled service models), or None when caching is off."""
    if os.environ.get("NDR_WORKFLOWS_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("NDR_WORKFLOWS_CACHE_DIR")
    if not base:
        home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(home, "ndr_workflows")
    return base


def cache_path() -> str | None:
    """Where the analysis cache lives, or None when it is turned off."""
    base = cache_dir()
    if base is None:
        return None
    try:
        info = os.stat(_PARSER_FILE)
    except OSError:
        return None
    version = f"{sys.implementation.cache_tag}-{info.st_size}-{info.st_mtime_ns}"
    return os.path.join(base, f"jsonata-analysis-{version}.marshal")


def _stored() -> dict[str, tuple[str | None, tuple[str, ...], tuple[str, ...]]]:
    global _STORED
    if _STORED is None:
        _STORED = {}
        path = cache_path()
        if path is not None:
            import marshal

            try:
                with open(path, "rb") as handle:
                    loaded = marshal.load(handle)
                if isinstance(loaded, dict):
                    _STORED = loaded
            except (OSError, EOFError, ValueError, TypeError):
                pass
    return _STORED


def save_cache() -> None:
    """Write the analyses made since the cache was read (atomically; any
    failure is ignored: the cache only saves time)."""
    path = cache_path()
    if not _NEW or path is None:
        return
    import marshal

    merged = dict(_stored())
    merged.update(_NEW)
    tmp = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as handle:
            marshal.dump(merged, handle)
        os.replace(tmp, path)
        _NEW.clear()
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def analyse(text: str) -> Analysis:
    """Parse ``text`` and collect the variables it reads and functions it calls."""
    found = _CACHE.get(text)
    if found is None:
        raw = _stored().get(text)
        if raw is None:
            from .jsonata_syntax import analyse_text

            error, read, called = analyse_text(text)
            raw = _NEW[text] = (error, tuple(sorted(read)), tuple(sorted(called)))
        error, variables, functions = raw
        # A builtin passed as a value (``$map($x, $string)``) is not a variable;
        # ``$f(...)`` with an unknown ``f`` is reported as an unknown function.
        free = frozenset(v for v in variables if v not in _BUILTINS and v not in functions)
        found = _CACHE[text] = Analysis(error, free, frozenset(functions))
    return found
