"""Flow NAMEs, resolved: the one place below the programs that knows the flows.

The parts that take a definition (validate, simulate, diagram, deploy,
contracts) read files, text, dicts and flows through the package's one
reader (:func:`ndr_workflows.asl.reader.read_definition`); only the programs
know the flow registry, so a NAME becomes a flow here:

* :func:`resolve` -- a NAME, or anything the reader reads, as a definition;
* :func:`flow_definitions` -- NAME -> flow for the selected flows;
* :func:`known_placeholders` -- the ``${Name}`` names the flows use,
  against which an environment file's substitutions are checked.

A definition file is read without building any flow: the registry is
consulted only for an argument that is not an existing file.
"""

from __future__ import annotations

import functools
import os

from ..asl.reader import Definition, UnusableInput, read_definition
from ..flows import build_flow  # cheap: the registry imports the flow modules on first use

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable
    from typing import Any

__all__ = ["resolve", "is_flow_name", "unknown_name", "flow_definitions", "known_placeholders"]


def is_flow_name(value: object) -> bool:
    """True when ``value`` names a built-in flow and no file of that name
    exists (a file wins: ``validate sfn_x`` in a directory holding a file
    ``sfn_x`` reads the file)."""
    if not isinstance(value, str) or not value.isidentifier() or os.path.exists(value):
        return False
    from ..flows import FLOW_NAMES

    return value in FLOW_NAMES


def resolve(value: object) -> Definition:
    """``value`` as a definition: a flow NAME is built (its build problems
    as findings), anything else is read by the one reader. UnusableInput
    (a ValueError) says what is wrong, naming the flows for a bad NAME."""
    if is_flow_name(value):
        return read_definition(build_flow(str(value)))
    try:
        return read_definition(value)
    except UnusableInput:
        if isinstance(value, str) and value.isidentifier():
            raise UnusableInput(unknown_name(value)) from None
        raise


def unknown_name(value: str) -> str:
    """The message for an argument that is neither a file nor a flow NAME."""
    from ..flows import unknown_flow

    return unknown_flow(value, "{name!r} is neither a flow NAME nor an existing definition file")


def flow_definitions(names: Iterable[str] | None = None) -> dict[str, Any]:
    """NAME -> the built flow, for ``names`` (default: every flow, in the
    registry's order); ValueError naming the flows for an unknown NAME."""
    from ..flows import FLOW_NAMES, unknown_flow

    selected = list(dict.fromkeys(names)) if names else list(FLOW_NAMES)
    unknown = [name for name in selected if name not in FLOW_NAMES]
    if unknown:
        raise ValueError(unknown_flow(unknown[0]))
    return {name: build_flow(name) for name in selected}


def known_placeholders() -> frozenset[str]:
    """Every ``${Name}`` any of the flows uses, as exported."""
    return frozenset(name for _flow, names in _flow_placeholders() for name in names)


@functools.lru_cache(maxsize=1)
def _flow_placeholders() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Built once per process: building the flows is the slow part of
    every substitution check, and they do not change while it runs."""
    from ..flows import FLOW_NAMES
    from ..validate import placeholders

    return tuple((name, tuple(placeholders(build_flow(name).to_dict()))) for name in FLOW_NAMES)
