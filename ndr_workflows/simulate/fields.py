"""Reading a state's fields in its query language, once per definition.

A JSONata state's fields are templates of ``{% ... %}`` expressions; a
JSONPath state's are literals, ``<field>Path`` reference paths and payload
templates with ``name.$`` fields. :class:`Fields` hides the difference from
the compiler: it gives the same kind of evaluator (called with a
:class:`~.expressions.Frame`) for a JSONata ``Arguments`` and a JSONPath
``Parameters``, for ``TimeoutSeconds`` and ``TimeoutSecondsPath``.
"""

from __future__ import annotations

from typing import Any

from .errors import Failure
from .expressions import Evaluator, compile_template, constant
from .paths import path_value, template

__all__ = ["Fields", "whole"]


def whole(value: Any, what: str, error: str, minimum: int = 0) -> int:
    """A field's value that must be a whole number of at least ``minimum``
    (else the state fails with ``error``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer() or value < minimum:
        raise Failure(error, f"{what} is {value!r}, not a whole number of {minimum} or more")
    return int(value)


class Fields:
    """One object's fields (a state, a Catch entry, an ItemReader...) read
    in one query language; ``where`` names it in messages."""

    __slots__ = ("raw", "where", "jsonpath")

    def __init__(self, raw: dict[str, Any], where: str, jsonpath: bool) -> None:
        self.raw = raw
        self.where = where
        self.jsonpath = jsonpath

    def inner(self, raw: dict[str, Any], label: str) -> Fields:
        """The fields of an object inside this one (``label`` names it)."""
        return Fields(raw, f"{self.where}{label}", self.jsonpath)

    def value(self, key: str) -> Evaluator | None:
        """A JSONata template, or in JSONPath a literal."""
        if key not in self.raw:
            return None
        if self.jsonpath:
            return constant(self.raw[key])
        return compile_template(self.raw[key], f"{self.where}: {key}")

    def number(self, key: str) -> Evaluator | None:
        """A field given as a value, or in JSONPath as ``<key>Path``."""
        if self.jsonpath and f"{key}Path" in self.raw:
            return path_value(self.raw[f"{key}Path"], f"{self.where}: {key}Path")
        return self.value(key)

    def payload(self, key: str) -> Evaluator | None:
        """A JSONata template, or a JSONPath payload template."""
        if key not in self.raw:
            return None
        if self.jsonpath:
            return template(self.raw[key], f"{self.where}: {key}")
        return compile_template(self.raw[key], f"{self.where}: {key}")

    def arguments(self) -> Evaluator | None:
        """``Arguments`` in JSONata, ``Parameters`` in JSONPath."""
        return self.payload("Parameters" if self.jsonpath else "Arguments")

    def assign(self) -> Any:
        """JSONata: (name, evaluator) pairs; JSONPath: one template
        evaluator giving every variable's value."""
        assign = self.raw.get("Assign")
        if assign is None:
            return None
        if self.jsonpath:
            return template(assign, f"{self.where}: Assign")
        return tuple((name, compile_template(value, f"{self.where}: Assign.{name}")) for name, value in assign.items())

    def output(self) -> Evaluator | None:
        if self.jsonpath or "Output" not in self.raw:
            return None
        return compile_template(self.raw["Output"], f"{self.where}: Output")
