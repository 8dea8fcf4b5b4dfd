"""The reference engine (jsonata-python, a port of the JavaScript
implementation Step Functions uses) for the few expressions jsonatapy cannot
evaluate: jsonatapy's regular expressions have no look-around
(``(?!...)``, ``(?=...)``), which the flows' input parsing uses. An evaluation
that jsonatapy rejects for that reason is done again here; only that one: the
next evaluation of the expression tries jsonatapy first, so inputs that do not
reach such a regex keep the fast engine. It is also the other side of the
differential test between the two engines.
"""

from __future__ import annotations

from typing import Any

from .functions import OVERRIDES, STEP_FUNCTIONS

__all__ = ["ReferenceExpression", "UNDEFINED", "needs_reference"]

UNDEFINED: Any = object()


def needs_reference(message: str) -> bool:
    """Whether a jsonatapy error means "this engine cannot", not "this fails"."""
    return "Invalid regex" in message and ("look-around" in message or "backreference" in message)


class ReferenceExpression:
    """One expression compiled with jsonata-python, evaluated with bindings
    in plain Python values. Returns :data:`UNDEFINED` for undefined; raises
    ValueError on an evaluation error."""

    def __init__(self, text: str) -> None:
        import jsonata

        self._jsonata = jsonata
        from jsonata.utils import Utils

        self._null = Utils.NULL_VALUE
        try:
            self._expression = jsonata.Jsonata(text)
        except jsonata.JException as exc:
            raise ValueError(str(exc)) from None
        self._expression.set_output_convert_nulls(False)
        for name, function in {**STEP_FUNCTIONS, **OVERRIDES}.items():
            self._expression.register_lambda(name, self._wrap(function))

    def _wrap(self, function: Any) -> Any:
        def call(*args: Any) -> Any:
            plain = [self._plain(arg) for arg in args]
            while plain and plain[-1] is None:
                plain.pop()
            try:
                return self._nulls(function(*plain))
            except ValueError as exc:
                raise self._jsonata.JException(str(exc)) from None

        return call

    def _nulls(self, value: Any) -> Any:
        if value is None:
            return self._null
        if isinstance(value, dict):
            return {key: self._nulls(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._nulls(item) for item in value]
        return value

    def _plain(self, value: Any) -> Any:
        if value is self._null:
            return None
        if isinstance(value, dict):
            return {key: self._plain(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._plain(item) for item in value]
        return value

    def __call__(self, bindings: dict[str, Any]) -> Any:
        try:
            result = self._expression.evaluate(None, {key: self._nulls(value) for key, value in bindings.items()})
        except self._jsonata.JException as exc:
            raise ValueError(str(exc)) from None
        except (RecursionError, TypeError, AttributeError, IndexError, KeyError) as exc:  # the port's own failures
            raise ValueError(f"{type(exc).__name__}: {exc}") from None
        if result is None:
            return UNDEFINED
        return self._plain(result)
