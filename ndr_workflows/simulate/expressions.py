"""Evaluating the JSONata in a definition: ``{% ... %}`` strings and the
templates (objects / arrays) that contain them.

Speed matters (the target is over 1000 executions per second of a flow with
~30 expressions), so:

* each expression text is compiled once per process with jsonatapy (Rust) and
  cached; the Step Functions functions are registered only on the expressions
  that call them;
* a template is turned once into a small evaluator; constant parts are
  returned as they are, not copied;
* only what an expression reads is bound: its free variables (from the
  project's own analyser) and the members of ``$states`` it names.

jsonatapy returns ``None`` for both JSON null and *undefined*; a second
evaluation that tells them apart runs only when the first one gives None.
An undefined result, an evaluation error or an unassigned variable fails the
state with ``States.QueryEvaluationError``, as in Step Functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..asl.common import is_expression
from ..asl.jsonata import analyse
from .errors import QUERY_EVALUATION_ERROR, Failure, SimulationError
from .functions import OVERRIDES, STEP_FUNCTIONS
from .reference import UNDEFINED, ReferenceExpression, needs_reference

__all__ = ["Variables", "Frame", "Evaluator", "compile_template", "constant", "is_expression", "expression_text", "MISSING"]

MISSING: Any = object()

_STATES_MEMBER = re.compile(r"\$states(?:\.(input|result|errorOutput|context)\b)?")


class Variables:
    """The variables of one run of a scope (:class:`ndr_workflows.asl.walk.Scope`:
    the execution, a Map iteration, a Parallel branch); a scope that reads
    its enclosing one's variables does so through ``parent``."""

    __slots__ = ("vars", "parent")

    def __init__(self, parent: Variables | None = None) -> None:
        self.vars: dict[str, Any] = {}
        self.parent = parent

    def lookup(self, name: str) -> Any:
        variables: Variables | None = self
        while variables is not None:
            found = variables.vars.get(name, MISSING)
            if found is not MISSING:
                return found
            variables = variables.parent
        return MISSING

    # A mapping to JSONPath's evaluation (``$name`` reads a variable).
    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.lookup(name) is not MISSING

    def __getitem__(self, name: str) -> Any:
        value = self.lookup(name)
        if value is MISSING:
            raise KeyError(name)
        return value


class Frame:
    """What an expression sees: ``$states.*`` members and the variables.
    ``raw`` is the state's input as it arrived; ``input`` the data the
    state's fields read (a JSONPath state's InputPath may narrow it)."""

    __slots__ = ("input", "raw", "result", "error_output", "context", "variables")

    def __init__(self, state_input: Any, context: dict[str, Any], variables: Variables) -> None:
        self.input = state_input
        self.raw = state_input
        self.result: Any = MISSING
        self.error_output: Any = MISSING
        self.context = context
        self.variables = variables

    def with_result(self, result: Any) -> Frame:
        frame = Frame(self.input, self.context, self.variables)
        frame.raw = self.raw
        frame.result = result
        return frame

    def with_error(self, error_output: Any, context: dict[str, Any]) -> Frame:
        frame = Frame(self.input, context, self.variables)
        frame.raw = self.raw
        frame.error_output = error_output
        return frame

    def on(self, data: Any) -> Frame:
        """The same context and variables over other data (a JSONPath
        ResultSelector reads the result as ``$``, Assign the result...)."""
        return Frame(data, self.context, self.variables)


def expression_text(value: str) -> str:
    return value[2:-2].strip()


Evaluator = Callable[[Frame], Any]

_COMPILED: dict[str, Any] = {}


def _engine_compile(text: str, where: str) -> Any:
    found = _COMPILED.get(text)
    if found is not None:
        return found
    import jsonatapy  # lazily: the package must not import it at import time

    try:
        compiled = jsonatapy.compile(text)
    except ValueError as exc:
        raise SimulationError(f"{where}: cannot compile JSONata {text!r}: {exc}") from None
    called = analyse(text).functions
    for name in called & STEP_FUNCTIONS.keys():
        compiled.register(name, STEP_FUNCTIONS[name])
    for name in called & OVERRIDES.keys():
        compiled.register_override(name, OVERRIDES[name])
    _COMPILED[text] = compiled
    return compiled


class _Expression:
    """One ``{% ... %}`` string, ready to evaluate."""

    __slots__ = ("text", "compiled", "variables", "members", "where", "evaluate_raw", "reference")

    def __init__(self, text: str, where: str) -> None:
        self.text = text
        self.where = where
        analysis = analyse(text)
        if analysis.error is not None:
            raise SimulationError(f"{where}: JSONata {text!r} does not parse: {analysis.error}")
        self.compiled = _engine_compile(text, where)
        self.evaluate_raw = self.compiled._expr.evaluate  # skip the Python wrapper
        # The jsonata-python fallback, compiled the first time it is needed and
        # used only for evaluations jsonatapy cannot do (look-around regexes),
        # so other inputs keep the fast engine.
        self.reference: Any = None
        self.variables = tuple(sorted(analysis.variables))
        members: set[str] = set()
        for found in _STATES_MEMBER.finditer(text):
            members.add(found.group(1) or "*")
        self.members = frozenset(members)

    def _bindings(self, frame: Frame) -> dict[str, Any]:
        bindings: dict[str, Any] = {}
        variables = frame.variables
        for name in self.variables:
            value = variables.lookup(name)
            if value is MISSING:
                raise Failure(QUERY_EVALUATION_ERROR, f"{self.where}: the variable ${name} has not been assigned ({self.text})")
            bindings[name] = value
        members = self.members
        if members:
            states: dict[str, Any] = {}
            every = "*" in members
            if every or "input" in members:
                states["input"] = frame.input
            if every or "context" in members:
                states["context"] = frame.context
            if (every or "result" in members) and frame.result is not MISSING:
                states["result"] = frame.result
            if (every or "errorOutput" in members) and frame.error_output is not MISSING:
                states["errorOutput"] = frame.error_output
            bindings["states"] = states
        return bindings

    def __call__(self, frame: Frame) -> Any:
        bindings = self._bindings(frame)
        try:
            value = self.evaluate_raw(None, bindings, None, None, None)
            if value is None and self.compiled._expr.evaluate_json_or_none(None, bindings, None, None, None) is None:
                raise Failure(QUERY_EVALUATION_ERROR, f"{self.where}: the JSONata expression {self.text!r} evaluated to undefined")
        except ValueError as exc:
            if needs_reference(str(exc)):
                return self._by_reference(bindings)
            raise Failure(QUERY_EVALUATION_ERROR, f"{self.where}: {exc} (in {self.text!r})") from None
        except OverflowError:  # an integer jsonatapy cannot convert (beyond 64 bits): Python's engine can
            return self._by_reference(bindings)
        return value

    def _by_reference(self, bindings: dict[str, Any]) -> Any:
        if self.reference is None:
            self.reference = ReferenceExpression(self.text)
        try:
            value = self.reference(bindings)
        except (ValueError, OverflowError) as exc:
            raise Failure(QUERY_EVALUATION_ERROR, f"{self.where}: {exc} (in {self.text!r})") from None
        if value is UNDEFINED:
            raise Failure(QUERY_EVALUATION_ERROR, f"{self.where}: the JSONata expression {self.text!r} evaluated to undefined")
        return value


def compile_template(template: Any, where: str) -> Evaluator:
    """An evaluator for a field value: an expression string, an object or
    array containing some, or a constant (returned as is, never copied)."""
    if isinstance(template, str):
        if is_expression(template):
            return _Expression(expression_text(template), where)
        return _constant(template)
    if isinstance(template, dict):
        parts = [(key, compile_template(value, f"{where}.{key}")) for key, value in template.items()]
        if all(getattr(part, "constant", False) for _, part in parts):
            return _constant(template)

        def evaluate_object(frame: Frame) -> dict[str, Any]:
            return {key: part(frame) for key, part in parts}

        return evaluate_object
    if isinstance(template, list):
        items = [compile_template(value, f"{where}[{index}]") for index, value in enumerate(template)]
        if all(getattr(item, "constant", False) for item in items):
            return _constant(template)

        def evaluate_array(frame: Frame) -> list[Any]:
            return [item(frame) for item in items]

        return evaluate_array
    return _constant(template)


class _Constant:
    __slots__ = ("value",)
    constant = True

    def __init__(self, value: Any) -> None:
        self.value = value

    def __call__(self, frame: Frame) -> Any:
        return self.value


def constant(value: Any) -> Evaluator:
    """An evaluator that returns ``value`` itself (shared, never copied)."""
    return _Constant(value)


_constant = constant
