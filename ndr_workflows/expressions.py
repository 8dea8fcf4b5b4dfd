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
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class Expr:
    """One JSONata expression (the text between ``{%`` and ``%}``)."""

    text: str

    def render(self) -> str:
        """The ASL spelling: one line, one space inside each delimiter."""
        return "{% " + self.text + " %}"

    def field(self, name: str) -> Expr:
        """``$x.name``; names that are not identifiers are back-quoted."""
        step = name if _IDENT.fullmatch(name) else "`" + name.replace("`", "") + "`"
        return Expr(f"{_group(self.text)}.{step}")

    def __str__(self) -> str:
        return self.render()


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
    return Expr(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


def _group(text: str) -> str:
    """Parenthesise unless the text is a simple path or call."""
    if re.fullmatch(r"\$?[A-Za-z_][A-Za-z0-9_.]*(\([^()]*\))?", text):
        return text
    return f"({text})"


def to_jsonata(value: Template) -> str:
    """JSONata text that builds ``value`` (a template) at run time."""
    if isinstance(value, Expr):
        return _group(value.text)
    if isinstance(value, Mapping):
        members = ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {to_jsonata(v)}" for k, v in value.items())
        return "{" + members + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(to_jsonata(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def obj(fields: Mapping[str, Template]) -> Expr:
    """An expression building the object ``fields`` (values may be Expr)."""
    return Expr(to_jsonata(fields))


def arr(items: Sequence[Template]) -> Expr:
    """An expression building the array ``items``."""
    return Expr(to_jsonata(list(items)))


def json_string(value: Template) -> Expr:
    """``$string({...})``: the JSON text of a template, e.g. an event Detail."""
    return Expr(f"$string({to_jsonata(value)})")


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
    if isinstance(value, Mapping):
        return {str(k): render_template(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render_template(v) for v in value]
    return value


def iter_exprs(value: object, path: str = "") -> list[tuple[str, Expr]]:
    """Every expression in a template with its path, in a stable order."""
    found: list[tuple[str, Expr]] = []
    if isinstance(value, Expr):
        found.append((path, value))
    elif isinstance(value, Mapping):
        for k, v in value.items():
            found.extend(iter_exprs(v, f"{path}.{k}" if path else str(k)))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            found.extend(iter_exprs(v, f"{path}[{i}]"))
    return found
