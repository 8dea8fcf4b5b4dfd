"""Templates: JSON-like values whose leaves may be expressions, and the
context object's fields.

A *template* is a dict, list, str, int, float, bool or None whose leaves
may be :class:`~ndr_workflows.expressions.Expr`; it is what Arguments,
Output, Assign and ItemSelector hold. :func:`render_template` writes one
as ASL data, :func:`to_jsonata` as JSONata that builds it at run time.
"""

from __future__ import annotations

from .core import Expr, _group, compact

TYPE_CHECKING = False  # avoids importing typing at run time; type checkers treat it as True
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping, Sequence
    from typing import Union

    Template = Union[Expr, str, int, float, bool, None, Mapping[str, "Template"], Sequence["Template"]]

__all__ = [
    "Template",
    "to_jsonata",
    "obj",
    "arr",
    "json_string",
    "string_of",
    "or_null",
    "states_input",
    "context",
    "STATES_RESULT",
    "ERROR_OUTPUT",
    "TASK_TOKEN",
    "EXECUTION_ID",
    "EXECUTION_NAME",
    "START_TIME",
    "render_template",
    "iter_exprs",
]

def to_jsonata(value: Template) -> str:
    """JSONata text that builds ``value`` (a template) at run time."""
    if isinstance(value, Expr):
        return _group(value.text)
    if isinstance(value, dict):
        members = ", ".join(f"{compact(str(k))}: {to_jsonata(v)}" for k, v in value.items())
        return "{" + members + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(to_jsonata(v) for v in value) + "]"
    return compact(value)


def obj(fields: Mapping[str, Template]) -> Expr:
    """An expression building the object ``fields`` (values may be Expr)."""
    return Expr(to_jsonata(fields))


def arr(items: Sequence[Template]) -> Expr:
    """An expression building the array ``items``."""
    return Expr(to_jsonata(list(items)))


def json_string(value: Template) -> Expr:
    """``$string({...})``: the JSON text of a template, e.g. an event Detail."""
    return Expr(f"$string({to_jsonata(value)})")


_STRING_CONTEXT = frozenset(
    f"$states.context.{path}"
    for path in (
        "Execution.Id",
        "Execution.Name",
        "Execution.RoleArn",
        "Execution.StartTime",
        "StateMachine.Id",
        "StateMachine.Name",
        "State.Name",
        "State.EnteredTime",
        "Task.Token",
    )
)


def string_of(value: Template) -> Template:
    """``value`` as a string: literals converted now, expressions wrapped in
    ``$string(...)`` unless they are already known to give a string."""
    if isinstance(value, Expr):
        if value.text.startswith("$string(") or value.text in _STRING_CONTEXT:
            return value
        return Expr(f"$string({to_jsonata(value)})")
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return value if isinstance(value, str) else compact(value)


def or_null(value: Expr) -> Expr:
    """``value``, or null when it is undefined: Step Functions fails a state
    whose Arguments, Output or Assign expression gives undefined (a missing
    field), so optional fields are read through this."""
    return Expr(f"($v := {value.text}; $exists($v) ? $v : null)")


def states_input(path: str = "") -> Expr:
    """``$states.input`` or a path below it, e.g. ``states_input("windows")``."""
    return Expr("$states.input" + (f".{path}" if path else ""))


def context(path: str) -> Expr:
    """A field of the context object, e.g. ``context("Execution.Id")``."""
    return Expr(f"$states.context.{path}")


STATES_RESULT = Expr("$states.result")
ERROR_OUTPUT = Expr("$states.errorOutput")
TASK_TOKEN = context("Task.Token")
EXECUTION_ID = context("Execution.Id")
EXECUTION_NAME = context("Execution.Name")
START_TIME = context("Execution.StartTime")


def render_template(value: Template) -> object:
    """Turn a template into plain JSON data, expressions into strings."""
    if isinstance(value, Expr):
        return value.render()
    if isinstance(value, dict):
        return {str(k): render_template(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render_template(v) for v in value]
    return value


def iter_exprs(value: object, path: str = "") -> list[tuple[str, Expr]]:
    """Every expression in a template with its path, in a stable order."""
    found: list[tuple[str, Expr]] = []
    if isinstance(value, Expr):
        found.append((path, value))
    elif isinstance(value, dict):
        for k, v in value.items():
            found.extend(iter_exprs(v, f"{path}.{k}" if path else str(k)))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found.extend(iter_exprs(v, f"{path}[{i}]"))
    return found
