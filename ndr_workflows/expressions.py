"""JSONata expressions as values, distinct from literals.

A flow author writes ``var("mini_batch_id")`` or ``expr("$count($windows)")``
instead of the raw ``"{% ... %}"`` string Step Functions wants. Keeping
expressions a type of their own means a literal string that happens to look
like an expression is caught at build time, and the one renderer decides the
exact spelling (one line, a space inside each delimiter), which is the only
spelling every validator accepts.

A *template* is a JSON-like Python value (dict, list, str, int, float, bool,
None) whose leaves may be :class:`Expr`; it is what Arguments, Output, Assign
and ItemSelector hold.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # avoids importing typing at run time; type checkers treat it as True

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping, Sequence
    from typing import Union

__all__ = [
    "Expr",
    "Template",
    "expr",
    "var",
    "lit",
    "obj",
    "arr",
    "json_string",
    "states_input",
    "string_of",
    "or_null",
    "to_jsonata",
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

class Expr:
    """One JSONata expression (the text between ``{%`` and ``%}``). Immutable."""

    __slots__ = ("text",)
    text: str

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"an expression is JSONata text (str), not {type(text).__name__}")
        object.__setattr__(self, "text", text)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError("Expr is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Expr) and other.text == self.text

    def __hash__(self) -> int:
        return hash(("Expr", self.text))

    def __repr__(self) -> str:
        return f"expr({self.text!r})"

    def render(self) -> str:
        """The ASL spelling: one line, one space inside each delimiter."""
        return "{% " + self.text + " %}"

    def field(self, name: str) -> Expr:
        """``$x.name``; names that are not identifiers are back-quoted."""
        step = name if name.isidentifier() and name.isascii() else "`" + name.replace("`", "") + "`"
        return Expr(f"{_group(self.text)}.{step}")

    def __str__(self) -> str:
        return self.render()


if TYPE_CHECKING:  # pragma: no cover
    Template = Union[Expr, str, int, float, bool, None, Mapping[str, "Template"], Sequence["Template"]]


def expr(text: str) -> Expr:
    """An expression from JSONata text, without the ``{% %}`` delimiters."""
    return Expr(text.strip())


def var(name: str, *path: str) -> Expr:
    """Read the workflow variable ``name``, or a field below it:
    ``var("record", "model_id")`` is ``$record.model_id``."""
    result = Expr("$" + name)
    for step in path:
        result = result.field(step)
    return result


def lit(value: object) -> Expr:
    """A JSON value as JSONata text (JSON literals are valid JSONata)."""
    return Expr(compact(value))


def compact(value: object) -> str:
    """JSON text on one line (also JSONata text: JSON literals are valid JSONata)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _group(text: str) -> str:
    """Parenthesise unless the text is a simple variable path like ``$a.b``."""
    body = text[1:] if text.startswith("$") else text
    if body and all(part.isidentifier() for part in body.split(".")):
        return text
    return f"({text})"


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
