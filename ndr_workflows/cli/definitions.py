"""Flow NAMEs, resolved: the one place below the programs that knows the flows.

The parts that take a definition (validate, simulate, diagram, deploy,
contracts) read files, text, dicts and flows through the package's one
reader (:func:`ndr_workflows.asl.reader.read_definition`); only the programs
know the flow registry, so a NAME becomes a flow here:

* :func:`resolve` -- a NAME, or anything the reader reads, as a definition;
* :func:`flow_definitions` -- NAME -> flow for the selected flows;
* :func:`known_placeholders` -- the ``${Name}`` names the five flows use,
  against which an environment file's substitutions are checked.
"""

from __future__ import annotations

import functools

from ..asl.reader import Definition, UnusableInput, read_definition
from ..flows import FLOW_NAMES, build_flow

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable
    from typing import Any

__all__ = ["resolve", "flow_definitions", "known_placeholders"]


def resolve(value: object) -> Definition:
    """``value`` as a definition: a flow NAME is built (its build problems
    as findings), anything else is read by the one reader. UnusableInput
    (a ValueError) says what is wrong, naming the flows for a bad NAME."""
    if isinstance(value, str) and value in FLOW_NAMES:
        return read_definition(build_flow(value))
    try:
        return read_definition(value)
    except UnusableInput:
        if isinstance(value, str) and value.isidentifier():
            raise UnusableInput(f"{value!r} is neither a flow NAME ({', '.join(FLOW_NAMES)}), an existing definition file nor JSON text") from None
        raise


def flow_definitions(names: Iterable[str] | None = None) -> dict[str, Any]:
    """NAME -> the built flow, for ``names`` (default: all five, in order);
    ValueError naming the flows for an unknown NAME."""
    selected = list(dict.fromkeys(names)) if names else list(FLOW_NAMES)
    unknown = [name for name in selected if name not in FLOW_NAMES]
    if unknown:
        raise ValueError(f"unknown flow {unknown[0]!r}; the flows are: {', '.join(FLOW_NAMES)}")
    return {name: build_flow(name) for name in selected}


def known_placeholders() -> frozenset[str]:
    """Every ``${Name}`` any of the five flows uses, as exported."""
    return frozenset(name for _flow, names in _flow_placeholders() for name in names)


@functools.lru_cache(maxsize=1)
def _flow_placeholders() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Built once per process: building the five flows is the slow part of
    every substitution check, and they do not change while it runs."""
    from ..validate import placeholders

    return tuple((name, tuple(placeholders(build_flow(name).to_dict()))) for name in FLOW_NAMES)
