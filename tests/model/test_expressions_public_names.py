"""``ndr_workflows.expressions`` is one import for flow authors, whatever
modules it is split into: every name flows, examples, docs and notebooks
import from it stays there, and a star import (a notebook's first cell)
works."""

from __future__ import annotations

import ndr_workflows.expressions as expressions

# What users import today (flows, examples, docs/builders.md, notebooks).
PUBLIC = (
    "Expr", "Condition", "Text", "expr", "var", "lit", "obj", "arr", "json_string", "states_input", "string_of",
    "or_null", "to_jsonata", "context", "STATES_RESULT", "ERROR_OUTPUT", "TASK_TOKEN", "EXECUTION_ID",
    "EXECUTION_NAME", "START_TIME", "render_template", "iter_exprs", "exists", "is_empty", "concat", "all_of",
    "any_of", "not_", "jsonata_literal", "join", "count",
)  # fmt: skip


def test_every_public_name_is_importable_from_the_package() -> None:
    missing = [name for name in PUBLIC if not hasattr(expressions, name)]
    assert missing == []
    assert set(PUBLIC) <= set(expressions.__all__)


def test_a_star_import_gives_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from ndr_workflows.expressions import *", namespace)  # noqa: S102 - the import a notebook writes
    assert set(PUBLIC) <= set(namespace)


def test_the_parts_work_together_through_the_package() -> None:
    # a condition (core) inside a template (templates), rendered
    condition = (expressions.var("a") > 1) & expressions.STATES_RESULT.field("ok").eq(True)
    assert isinstance(condition, expressions.Condition)
    assert expressions.render_template({"when": condition, "id": expressions.EXECUTION_ID}) == {
        "when": "{% $a > 1 and $states.result.ok = true %}",
        "id": "{% $states.context.Execution.Id %}",
    }
