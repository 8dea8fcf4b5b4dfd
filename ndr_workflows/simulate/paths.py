"""The JSONPath fields of a state, compiled once into evaluators that the
interpreter calls with a :class:`~.expressions.Frame` (``frame.input`` is
the data ``$`` names, ``frame.context`` the context object ``$$``,
``frame.variables`` the workflow variables ``$name``).

Paths, intrinsic functions and payload templates are read and evaluated by
the package's one implementation (``ndr_workflows.asl.jsonpath``,
``asl.intrinsics_eval``, ``asl.templates``), which the validator checks
with; this module only turns their errors into what the state machine sees:

* a path that selects nothing: ``States.Runtime`` (not retried, not caught);
* an intrinsic function given what it cannot use: ``States.IntrinsicFailure``;
* a ResultPath that cannot be applied: ``States.ResultPathMatchFailure``;
* syntax the shared module reads but does not evaluate (a path ending in
  ``.concat()``...): :class:`~.errors.SimulationError`, "the simulator does
  not support ...", never an AWS error.
"""

from __future__ import annotations

from typing import Any

from ..asl.intrinsics import is_intrinsic
from ..asl.intrinsics import parse as parse_intrinsic
from ..asl.intrinsics_eval import evaluate as evaluate_intrinsic
from ..asl.intrinsics import Call
from ..asl.jsonpath import JsonPathError, NotSupported, Path, evaluate, put, template_paths, unsupported
from ..asl.jsonpath import parse as parse_path
from ..asl.templates import evaluate_template
from .errors import Failure, SimulationError
from .expressions import Evaluator, Frame, constant
from .functions import current_rng

__all__ = ["path_value", "value_or_intrinsic", "template", "ResultPath", "failure_of", "parse_supported"]


def failure_of(exc: JsonPathError, where: str) -> Exception:
    """What a JSONPath evaluation error is for the execution: the AWS error
    it names, or the simulator's own limit."""
    if isinstance(exc, NotSupported):
        return SimulationError(f"{where}: the simulator does not support {exc.cause}")
    return Failure(exc.error, f"{where}: {exc.cause}")


def _supported(path: Path, where: str) -> Path:
    """The path, if the shared evaluator evaluates all of it (refused
    before the run otherwise)."""
    missing = unsupported(path)
    if missing is not None:
        raise SimulationError(f"{where}: the simulator does not support {missing}")
    return path


def _supported_call(call: Call, where: str) -> Call:
    for arg in call.args:
        if isinstance(arg, Path):
            _supported(arg, where)
        elif isinstance(arg, Call):
            _supported_call(arg, where)
    return call


def parse_supported(text: str, where: str) -> Path:
    """A path the validator accepted, parsed; refused when the simulator
    cannot evaluate it."""
    return _supported(parse_path(text), where)


class _PathValue:
    """The value a path selects in the frame's data."""

    __slots__ = ("path", "where")

    def __init__(self, path: Path, where: str) -> None:
        self.path = path
        self.where = where

    def __call__(self, frame: Frame) -> Any:
        try:
            return evaluate(self.path, frame.input, context=frame.context, variables=frame.variables)
        except JsonPathError as exc:
            raise failure_of(exc, self.where) from None


class _IntrinsicValue:
    __slots__ = ("call", "where")

    def __init__(self, text: str, where: str) -> None:
        self.call = _supported_call(parse_intrinsic(text.strip()), where)
        self.where = where

    def __call__(self, frame: Frame) -> Any:
        try:
            return evaluate_intrinsic(self.call, frame.input, context=frame.context, variables=frame.variables, rng=current_rng())
        except JsonPathError as exc:
            raise failure_of(exc, self.where) from None


class _Template:
    """A payload template with ``name.$`` fields (Parameters,
    ResultSelector, ItemSelector, BatchInput, Assign, ...)."""

    __slots__ = ("template", "where")

    def __init__(self, template: Any, where: str) -> None:
        self.template = template
        self.where = where
        for label, _, value in template_paths(template):
            if isinstance(value, str) and is_intrinsic(value):
                _supported_call(parse_intrinsic(value.strip()), f"{where}.{label}")
            elif isinstance(value, str):
                _supported(parse_path(value), f"{where}.{label}")

    def __call__(self, frame: Frame) -> Any:
        try:
            return evaluate_template(self.template, frame.input, context=frame.context, variables=frame.variables, rng=current_rng())
        except JsonPathError as exc:
            raise failure_of(exc, self.where) from None


def path_value(text: Any, where: str) -> Evaluator:
    """InputPath, OutputPath, ItemsPath, a ``*Path`` field: ``null`` gives
    ``{}`` (what AWS passes on for a null InputPath / OutputPath)."""
    if text is None:
        return constant({})
    return _PathValue(parse_supported(text, where), where)


def value_or_intrinsic(text: str, where: str) -> Evaluator:
    """ErrorPath / CausePath: a path or an intrinsic function."""
    if is_intrinsic(text):
        return _IntrinsicValue(text, where)
    return _PathValue(parse_supported(text, where), where)


def template(value: Any, where: str) -> Evaluator:
    """A payload template; one without ``name.$`` fields is a constant."""
    if next(template_paths(value), None) is None:
        return constant(value)
    return _Template(value, where)


class ResultPath:
    """Where a result goes in the state's (raw) input: ``null`` keeps the
    input and drops the result, ``$`` is the result alone, a reference path
    puts it there (copying only the objects on the way)."""

    __slots__ = ("discard", "path", "where")

    def __init__(self, text: Any, where: str) -> None:
        self.discard = text is None
        self.path = None if text is None or text == "$" else parse_supported(text, where)
        self.where = where

    def apply(self, state_input: Any, result: Any) -> Any:
        if self.discard:
            return state_input
        if self.path is None:
            return result
        try:
            return put(state_input, self.path, result)
        except JsonPathError as exc:
            raise failure_of(exc, self.where) from None
