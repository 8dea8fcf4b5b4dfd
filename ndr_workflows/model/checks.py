"""Build-time checks: the validator's checks on the rendered definition,
plus the few that only the model can make.

Structure, fields, JSONata, variables and the definition size quota are
judged by :mod:`ndr_workflows.validate` on the definition the model
renders, so a flow built in Python and a hand-written file meet one
implementation. The build judges strictly: what the validator only warns
about in someone else's definition (asl-validator compatibility, a literal
that looks like an expression, a variable unassigned on some path) is an
error in a flow of this project.
What the JSON cannot show is checked here on the model objects:

* JSONPath keywords a Python author passed (they are not rendered);
* ``ON_FAILURE`` that nothing resolved, a Choice slot left open;
* two states of one graph with the same name (a JSON object keeps one);
* template values that are not JSON, and plain strings that would render as
  an expression (``"{% $x %}"`` written as a literal instead of ``expr``);
* the problems recorded while composing fragments (``CHAIN_AFTER_END``,
  builder problems).

A finding of the validator about a value that a model-only problem already
explains (the ``<ON_FAILURE>`` placeholder target, an open Choice slot, a
literal that looks like an expression) is dropped, so each mistake is
reported once: the model-only problem names the value as its ``field``
(its root cause), and :meth:`~ndr_workflows.asl.problems.Problem.explains`
recognises the validator's findings about the same value.
"""

from __future__ import annotations

from ..asl.common import is_expression
from ..asl.problems import Problem, unique
from ..expressions import Expr, iter_exprs
from .base import Action, OnFailure
from .render import STATE_KEY_ORDER, TEMPLATE_FIELDS

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator
    from typing import Any

    from .base import Fragment, State

__all__ = ["check_graph"]


def check_graph(graph: Fragment, definition: dict[str, Any]) -> list[Problem]:
    """Every problem of a resolved (finalized) graph and its rendering."""
    from ..validate import check_definition

    problems: list[Problem] = []
    causes: list[Problem] = []
    _check_fragment(graph, "", problems, causes)
    # strict: the project's own flows are held to asl-validator compatibility
    # too, and to the warnings that mean a mistake (validate/severity.py).
    for p in check_definition(definition, quotas=False, strict=True):
        if not any(cause.explains(p) for cause in causes):
            problems.append(p)
    return unique(problems)


def _all_states(fragment: Fragment, prefix: str = "") -> Iterator[tuple[str, State]]:
    for s in fragment.states:
        path = f"{prefix}{s.name}"
        yield path, s
        for _, inner in s.nested():
            yield from _all_states(inner, f"{path}/")


def _check_fragment(fragment: Fragment, prefix: str, problems: list[Problem], causes: list[Problem]) -> None:
    """Add the model-only problems to ``problems``; those whose ``field`` is a
    value the validator also judges go to ``causes`` too (one per value)."""
    add = problems.append

    def add_cause(problem: Problem) -> None:
        problems.append(problem)
        causes.append(problem)

    problems.extend(fragment.problems)
    paths: dict[Any, list[str]] = {}
    for s in fragment.states:
        path = f"{prefix}{s.name}"
        if not isinstance(s.name, str) or not s.name:
            add(Problem(path or "(unnamed)", "BAD_NAME", "a state needs a non-empty string name"))
        else:
            paths.setdefault(s.name, []).append(path)
        for key, hint in s.jsonpath_fields():
            add(Problem(path, "JSONPATH_FIELD", f"{key} is a JSONPath field; this state machine uses JSONata", hint))
        for where, target in s.targets():
            if isinstance(target, OnFailure):
                add_cause(
                    Problem(
                        path,
                        "UNRESOLVED_FAILURE_ROUTE",
                        f"{where} goes to the enclosing failure handler, but nothing encloses it here",
                        "give the StateMachine an on_failure state (e.g. a Fail named WorkflowFailed), or route the error to a state by name",
                        field=where,
                    )
                )
        if s.TYPE == "Choice":
            open_slots = [f"Choices[{i}].Next" for i, r in enumerate(s.choices) if r.next is None]  # type: ignore[attr-defined]
            if s.default is None:  # type: ignore[attr-defined]
                open_slots.append("Default")
            if open_slots:
                message = f"{', '.join(open_slots)} not set: a Choice cannot end the execution (or a Map iteration / Parallel branch), and a run that matches no rule fails with States.NoChoiceMatched"
                hint = "chain a state after it (e.g. a Succeed) or set default="
                add_cause(Problem(path, "CHOICE_WITHOUT_TARGET", message, hint, field=open_slots[0]))
                # One finding names every open slot; each is a cause of the validator's findings about it.
                causes.extend(Problem(path, "CHOICE_WITHOUT_TARGET", message, hint, field=slot) for slot in open_slots[1:])
        for label, template in _templates(s):
            _check_template(template, path, label, problems, causes)
        for _, inner in s.nested():
            _check_fragment(inner, f"{path}/", problems, causes)
    for name, found in paths.items():
        if len(found) > 1:
            for path in found:
                others = ", ".join(p for p in found if p != path) or path
                add(Problem(path, "DUPLICATE_NAME", f"state name '{name}' is used more than once (also at {others})", "state names must be unique in the whole state machine, nested graphs included"))


def _templates(s: State) -> list[tuple[str, Any]]:
    """(field label, template) of every templated field of a state, in the
    renderer's key order (its table names the ASL keys)."""
    found: list[tuple[str, Any]] = []
    for attr, key in STATE_KEY_ORDER:
        if attr in TEMPLATE_FIELDS:
            value = getattr(s, attr, None)
            if value is not None:
                found.append((key, value))
    for i, rule in enumerate(getattr(s, "choices", ()) or ()):
        found.append((f"Choices[{i}].Condition", rule.condition))
        if rule.assign is not None:
            found.append((f"Choices[{i}].Assign", rule.assign))
        if rule.output is not None:
            found.append((f"Choices[{i}].Output", rule.output))
    if isinstance(s, Action):
        for i, c in enumerate(s.catch):
            if c.assign is not None:
                found.append((f"Catch[{i}].Assign", c.assign))
            if c.output is not None:
                found.append((f"Catch[{i}].Output", c.output))
    return found


def _expressions(s: State) -> list[tuple[str, Expr, str]]:
    """(label, expression, "") of every expression of a state (the JSONata
    differential test reads the flows' expressions through this)."""
    return [(f"{label}.{sub}" if sub else label, e, "") for label, template in _templates(s) for sub, e in iter_exprs(template)]


def _check_template(value: Any, path: str, label: str, problems: list[Problem], causes: list[Problem]) -> None:
    add = problems.append
    if isinstance(value, Expr):
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                add(Problem(path, "BAD_KEY", f"{label}: object keys must be strings, not {k!r}"))
                continue
            _check_template(v, path, f"{label}.{k}", problems, causes)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _check_template(v, path, f"{label}[{i}]", problems, causes)
    elif isinstance(value, str):
        if is_expression(value):
            # It renders as an expression; what the validator says of it is a knock-on.
            found = Problem(path, "EXPRESSION_AS_LITERAL", f"{label}: the literal {value!r} looks like a JSONata expression but is a plain string", "wrap the JSONata text in expr(...) without the delimiters", field=label)
            add(found)
            causes.append(found)
    elif isinstance(value, bool) or value is None or isinstance(value, int):
        pass
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            add(Problem(path, "BAD_NUMBER", f"{label}: {value!r} is not JSON"))
    else:
        add(Problem(path, "NOT_JSON", f"{label}: {type(value).__name__} is not a JSON value", "use dicts, lists, strings, numbers, booleans, None or expressions"))
