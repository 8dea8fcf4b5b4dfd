"""JSONata expressions as values, distinct from literals.

A flow author writes ``var("mini_batch_id")`` or ``expr("$count($windows)")``
instead of the raw ``"{% ... %}"`` string Step Functions wants. Keeping
expressions a type of their own means a literal string that happens to look
like an expression is caught at build time, and the one renderer decides the
exact spelling (one line, a space inside each delimiter), which is the only
spelling every validator accepts.

Two modules, imported here so that ``from ndr_workflows.expressions import
...`` names everything:

* :mod:`.core`: :class:`Expr` and what Python builds from it (conditions
  with ``&`` / ``|`` / ``~``, text joined with ``+``, sums), ``expr``,
  ``var``, ``lit``;
* :mod:`.templates`: templates (JSON-like values whose leaves may be
  expressions: what Arguments, Output, Assign and ItemSelector hold), their
  rendering, and the context object's fields (``STATES_RESULT``,
  ``EXECUTION_ID``, ...).
"""

from __future__ import annotations

from .core import (
    Condition,
    Expr,
    Text,
    all_of,
    any_of,
    concat,
    count,
    exists,
    expr,
    is_empty,
    join,
    jsonata_literal,
    lit,
    not_,
    var,
)
from .templates import (
    ERROR_OUTPUT,
    EXECUTION_ID,
    EXECUTION_NAME,
    START_TIME,
    STATES_RESULT,
    TASK_TOKEN,
    arr,
    context,
    iter_exprs,
    json_string,
    obj,
    or_null,
    render_template,
    states_input,
    string_of,
    to_jsonata,
)

__all__ = [
    "Expr",
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
    "Condition",
    "Text",
    "exists",
    "is_empty",
    "concat",
    "all_of",
    "any_of",
    "not_",
    "jsonata_literal",
    "join",
    "count",
]

TYPE_CHECKING = False  # avoids importing typing at run time; type checkers treat it as True
if TYPE_CHECKING:  # pragma: no cover
    # A type, for annotations only: listed for type checkers, so that
    # ``from ndr_workflows.expressions import *`` works at run time too.
    from .templates import Template

    __all__ += ["Template"]
