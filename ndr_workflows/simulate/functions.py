"""The JSONata functions Step Functions adds to JSONata 2.0.6, and the
impure built-ins made deterministic.

``$partition``, ``$range``, ``$hash``, ``$random``, ``$uuid`` and ``$parse``
exist only in Step Functions, so every engine needs them registered. ``$now``
and ``$millis`` read the *simulated* clock and ``$random`` / ``$uuid`` draw
from the execution's seeded generator, so a run is reproducible.

The functions read the running execution from a context variable that
:func:`running` sets: compiled expressions are shared by every execution (they
are cached by text), so they cannot hold per-execution state themselves.
"""

from __future__ import annotations

import hashlib
import json

import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta, timezone
from typing import Any

from ..asl.common import is_number

__all__ = ["Runtime", "running", "current_rng", "STEP_FUNCTIONS", "OVERRIDES", "iso_millis", "parse_iso_ms", "MIN_MS", "MAX_MS"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MS = timedelta(milliseconds=1)
# The times an ISO-8601 string with a four-digit year can name, in epoch
# milliseconds: 0001-01-01T00:00:00.000Z .. 9999-12-31T23:59:59.999Z.
MIN_MS = -62_135_596_800_000
MAX_MS = 253_402_300_799_999


class Runtime:
    """What the impure functions need from the running execution."""

    __slots__ = ("rng", "now_ms")

    def __init__(self, seed: int, now_ms: int) -> None:
        self.rng = random.Random(seed)
        self.now_ms = now_ms


_RUNTIME: ContextVar[Runtime] = ContextVar("ndr_workflows_simulate_runtime")
_DEFAULT = Runtime(0, 0)


def _runtime() -> Runtime:
    return _RUNTIME.get(_DEFAULT)


def current_rng() -> random.Random:
    """The running execution's seeded generator (intrinsic functions
    States.MathRandom and States.UUID draw from it too)."""
    return _RUNTIME.get(_DEFAULT).rng


@contextmanager
def running(runtime: Runtime) -> Iterator[Runtime]:
    token = _RUNTIME.set(runtime)
    try:
        yield runtime
    finally:
        _RUNTIME.reset(token)


def iso_millis(epoch_ms: int) -> str:
    """Epoch milliseconds as Step Functions writes times: ISO-8601, UTC,
    milliseconds, ``Z``. ``epoch_ms`` must lie in ``MIN_MS .. MAX_MS``
    (the start time is checked so that the simulated clock stays there)."""
    moment = _EPOCH + timedelta(milliseconds=epoch_ms)
    return f"{moment.year:04d}" + moment.strftime("-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def parse_iso_ms(text: Any) -> int | None:
    """An ISO-8601 date-time with an offset or ``Z`` (the form Step
    Functions reads: a start time, a Wait's Timestamp) as epoch
    milliseconds (sub-millisecond digits dropped); None when ``text`` is not
    one. The result may lie outside ``MIN_MS .. MAX_MS`` (an offset can move
    year 1 or 9999 over the edge); callers that format it check."""
    if not isinstance(text, str) or "T" not in text.upper():
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return (moment - _EPOCH) // _MS


def partition(items: Any = None, size: Any = None) -> Any:
    """``$partition(array, size)``: consecutive chunks of at most ``size``."""
    if items is None:
        return None
    if not isinstance(items, list):
        items = [items]
    if not is_number(size) or size < 1:
        raise ValueError(f"$partition: the size must be a number of at least 1, not {json.dumps(size)}")
    step = int(size)
    return [items[i : i + step] for i in range(0, len(items), step)]


def range_(start: Any = None, end: Any = None, step: Any = None) -> Any:
    """``$range(start, end, step)``: from start to end inclusive."""
    for position, value in enumerate((start, end, step), 1):
        if not is_number(value):
            raise ValueError(f"$range: argument {position} must be a number, not {json.dumps(value)}")
    if step == 0:
        raise ValueError("$range: the step must not be 0")
    values: list[Any] = []
    current = start
    while (step > 0 and current <= end) or (step < 0 and current >= end):
        values.append(int(current) if float(current).is_integer() else current)
        current += step
        if len(values) > 1_000_000:
            raise ValueError("$range: more than 1,000,000 values")
    return values


_ALGORITHMS = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}


def hash_(value: Any = None, algorithm: Any = None) -> Any:
    """``$hash(text, algorithm)``: the hex digest of the UTF-8 text."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"$hash: argument 1 must be a string, not {json.dumps(value)}")
    name = _ALGORITHMS.get(algorithm) if isinstance(algorithm, str) else None
    if name is None:
        raise ValueError(f"$hash: the algorithm must be one of {', '.join(_ALGORITHMS)}, not {json.dumps(algorithm)}")
    return hashlib.new(name, value.encode("utf-8")).hexdigest()


def random_(seed: Any = None) -> float:
    """``$random([seed])``: in [0, 1); the same seed gives the same number,
    no seed draws from the execution's seeded generator."""
    if seed is None:
        return _runtime().rng.random()
    if not is_number(seed):
        raise ValueError(f"$random: the seed must be a number, not {json.dumps(seed)}")
    return random.Random(repr(float(seed))).random()


def uuid_() -> str:
    """``$uuid()``: a version-4 UUID from the execution's seeded generator."""
    return str(uuid.UUID(int=_runtime().rng.getrandbits(128), version=4))


def parse(text: Any = None) -> Any:
    """``$parse(json_text)``: the value the JSON text denotes."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(f"$parse: argument 1 must be a string, not {json.dumps(text)}")
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise ValueError(f"$parse: {text[:80]!r} is not JSON ({exc})") from None
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def now(picture: Any = None, zone: Any = None) -> str:
    """``$now([picture [, timezone]])`` on the simulated clock: as JSONata
    defines it, ``$fromMillis($millis(), picture, timezone)``."""
    if picture is None and zone is None:
        return iso_millis(_runtime().now_ms)
    return from_millis(_runtime().now_ms, picture, zone)


_FROM_MILLIS: list[Any] = []


def from_millis(ms: int, picture: Any, zone: Any) -> str:
    """JSONata's ``$fromMillis(ms, picture, timezone)``, by jsonatapy's
    built-in; a picture jsonatapy refuses is tried with the reference port
    (jsonata-python) before it is an error."""
    if not _FROM_MILLIS:
        import jsonatapy

        _FROM_MILLIS.append(jsonatapy.compile("$fromMillis($ms, $picture, $zone)"))
    bindings = {key: value for key, value in (("ms", ms), ("picture", picture), ("zone", zone)) if value is not None}
    try:
        value = _FROM_MILLIS[0].evaluate(None, bindings)
    except ValueError as refused:
        value = _reference_from_millis(bindings, refused)
    if not isinstance(value, str):
        raise ValueError(f"$now: the picture {json.dumps(picture)} gives no string")
    return value


def _reference_from_millis(bindings: dict[str, Any], refused: ValueError) -> Any:
    import jsonata

    try:
        return jsonata.Jsonata("$fromMillis($ms, $picture, $zone)").evaluate(None, bindings)
    except jsonata.JException as exc:
        raise ValueError(f"$now: {exc}") from None
    except (RecursionError, TypeError, AttributeError, IndexError, KeyError):  # the port's own failure: jsonatapy's error stands
        raise ValueError(f"$now: {refused}") from None


def millis() -> int:
    """``$millis()`` on the simulated clock."""
    return _runtime().now_ms


STEP_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "partition": partition,
    "range": range_,
    "hash": hash_,
    "uuid": uuid_,
    "parse": parse,
}
# Built-ins of JSONata replaced (jsonatapy's register_override).
OVERRIDES: dict[str, Callable[..., Any]] = {"random": random_, "now": now, "millis": millis}

