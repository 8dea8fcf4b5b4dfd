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
* two states of one graph with the same name (a JSON object keeps one, so
  the validator would see the states behind the lost one unreachable, or
  the kept one going nowhere: each state the model reaches gets a cause
  with the field :data:`~ndr_workflows.asl.problems.REACH`, which explains
  that);
* template values that are not JSON, and plain strings that would render as
  an expression (``"{% $x %}"`` written as a literal instead of ``expr``);
* the problems recorded while composing fragments (``CHAIN_AFTER_END``,
  builder problems);
* JSONata text a flow's author wrote (``expr("...")``) that does not parse,
  judged on its own (:func:`with_written`): a builder that wraps the text
  in its own (a parameter's default in the resolution of the message, a
  check in the gate's conditions, a lock's key in every state of the lock)
  hands it over, so that the finding quotes what the author wrote, once,
  on the first field that holds it; the validator's findings about the
  wrapped texts are its knock-ons.

A finding of the validator about a value that a model-only problem already
explains (the ``<ON_FAILURE>`` placeholder target, an open Choice slot, a
literal that looks like an expression) is dropped, so each mistake is
reported once: the model-only problem names the value as its ``field``
(its root cause), and :meth:`~ndr_workflows.asl.problems.Problem.explains`
recognises the validator's findings about the same value.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..asl.common import is_expression
from ..asl.problems import REACH, TOP_LEVEL, Problem, unique
from ..expressions import Expr, iter_exprs
from .base import Action, OnFailure
from .render import STATE_KEY_ORDER, TEMPLATE_FIELDS

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator
    from typing import Any

    from .base import Fragment, State

__all__ = ["check_graph", "with_written", "Written"]


@dataclass(frozen=True, slots=True)
class Written(Problem):
    """What is wrong with JSONata ``text`` that a flow's author wrote and a
    builder was given, judged on its own (its syntax, an unknown function,
    ...); ``path`` is the builder's first state (the checks then name the
    field that holds the text)."""

    text: str = ""


def with_written(fragment: Fragment, *values: object) -> Fragment:
    """``fragment`` with a :class:`Written` problem for each finding about
    the text alone of each expression in ``values`` (templates, expressions,
    or lists and small records holding them: what the author passed to the
    builder)."""
    from ..validate.expressions import lint_text

    found: list[Expr] = []
    for value in values:
        _collect(value, found, 0)
    for e in dict.fromkeys(found):
        if e.text.strip():
            for code, message, hint in lint_text(e.text):
                fragment = fragment.with_problem(Written(fragment.start, code, message, hint, text=e.text))
    return fragment


def _collect(value: object, found: list[Expr], depth: int) -> None:
    """The expressions in a template, also inside the builders' small value
    records (a typed attribute, a parameter, a check)."""
    if depth > 50:
        return
    if isinstance(value, Expr):
        found.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _collect(v, found, depth + 1)
    elif isinstance(value, (list, tuple)):
        for v in value:
            _collect(v, found, depth + 1)
    elif not isinstance(value, (str, int, float)) and value is not None:
        for slot in getattr(type(value), "__slots__", ()):
            _collect(getattr(value, slot, None), found, depth + 1)


def check_graph(graph: Fragment, definition: dict[str, Any]) -> list[Problem]:
    """Every problem of a resolved (finalized) graph and its rendering."""
    from ..validate import check_definition

    problems: list[Problem] = []
    causes: list[Problem] = []
    _check_fragment(graph, "", problems, causes)
    # strict: the project's own flows are held to asl-validator compatibility
    # too, and to the warnings that mean a mistake (validate/severity.py).
    def judged(definition: dict[str, Any]) -> list[Problem]:
        return [p for p in check_definition(definition, quotas=False, strict=True) if not any(cause.explains(p) for cause in causes)]

    found = judged(definition)
    if any(isinstance(p, Written) for p in problems):
        broken = [p.text for p in problems if isinstance(p, Written) and p.code == "JSONATA_SYNTAX"]
        # A builder's expression that holds a broken text cannot be read at
        # all: judge the rest of it with that text read as null, so that
        # what else is wrong there is found as well.
        rest = judged(_without(definition, broken)) if broken else found
        problems, found = _place_written(graph, problems, found, rest)
    return unique(problems + found)


def _without(value: Any, broken: list[str]) -> Any:
    """``value`` (a definition) with each expression that does not parse
    because of one of the ``broken`` texts it holds read with null there."""
    if isinstance(value, dict):
        return {k: _without(v, broken) for k, v in value.items()}
    if isinstance(value, list):
        return [_without(v, broken) for v in value]
    if is_expression(value) and any(text in value for text in broken):
        from ..asl.jsonata import analyse

        body = value[2:-2].strip()
        for text in broken:
            start = body.find(text)
            while start >= 0 and analyse(body).error:
                candidate = body[:start] + "null" + body[start + len(text) :]
                error = analyse(candidate).error
                if not error or _position(error) > _position(analyse(body).error or ""):
                    body = candidate
                    break
                start = body.find(text, start + 1)
        return "{% " + body + " %}"
    return value


def _position(error: str) -> int:
    """Where a parse error was found (its "(at position N)")."""
    head, _, tail = error.rpartition("(at position ")
    return int(tail.rstrip(")")) if head and tail.rstrip(")").isdigit() else -1


def _place_written(graph: Fragment, problems: list[Problem], found: list[Problem], rest: list[Problem]) -> tuple[list[Problem], list[Problem]]:
    """Each :class:`Written` finding once, on the first field whose
    expression holds the author's text, naming the others; the validator's
    findings of that kind on the fields that hold the text are its
    knock-ons (they judge the builder's wrapping of it), and are dropped.
    ``rest``: the validator's findings with the broken texts read as null
    (:func:`_without`), which replace ``found`` but for the knock-ons."""
    texts = {(path, label): e.text for path, s in _all_states(graph) for label, e, _ in _expressions(s)}
    placed: dict[tuple[str, str], Problem] = {}
    knock_ons: set[int] = set()
    for w in problems:
        if not isinstance(w, Written) or (w.text, w.code) in placed:
            continue
        hits = [i for i, p in enumerate(found) if p.code == w.code and w.text in texts.get((p.path, p.field), "")]
        knock_ons.update(hits)
        # The fields that hold a text the validator judged (it reports a
        # text once, on its first field): where the author's text went.
        wholes = {texts[(found[i].path, found[i].field)] for i in hits}
        holders = [(found[i].path, found[i].field) for i in hits[:1]]
        holders += [place for place, whole in texts.items() if whole in wholes and place not in holders]
        if not holders:
            placed[(w.text, w.code)] = Problem(w.path, w.code, w.message, w.hint, w.severity)
            continue
        (path, label), *others = holders
        shown = "; ".join(f if p == path else f"{p or TOP_LEVEL}: {f}" for p, f in others[:3])
        also = f" (the same text is also at {shown}{' and %d more' % (len(others) - 3) if len(others) > 3 else ''})" if others else ""
        severity = found[hits[0]].severity if hits else w.severity
        placed[(w.text, w.code)] = Problem(path, w.code, f"{label}: {w.message}{also}", w.hint, severity, field=label)
    out: list[Problem] = []
    for p in problems:
        if not isinstance(p, Written):
            out.append(p)
        elif (p.text, p.code) in placed:
            out.append(placed.pop((p.text, p.code)))
    if rest is found:
        return out, [p for i, p in enumerate(found) if i not in knock_ons]
    dropped = {(found[i].code, found[i].path, found[i].field) for i in knock_ons}
    return out, [p for p in rest if (p.code, p.path, p.field) not in dropped]


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
    twice = {name: found for name, found in paths.items() if len(found) > 1}
    for name, found in twice.items():
        add(
            Problem(
                found[0],
                "DUPLICATE_NAME",
                f"state name '{name}' is given to {len(found)} states of one graph: the definition, a JSON object, keeps only one of them",
                "rename all but one: state names must be unique in the whole state machine, nested graphs included",
            )
        )
    if twice:
        for name in _reached(fragment):
            causes.append(Problem(f"{prefix}{name}", "DUPLICATE_NAME", f"state name '{name}' is reached in the model", field=REACH))


def _reached(fragment: Fragment) -> set[str]:
    """The names of the states the model reaches from the fragment's start,
    a transition to a name that two states share reaching both."""
    by_name: dict[str, list[State]] = {}
    for s in fragment.states:
        by_name.setdefault(s.name, []).append(s)
    seen: set[str] = set()
    todo = [fragment.start]
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        todo.extend(t for s in by_name[name] for _, t in s.targets() if isinstance(t, str))
    return seen


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
    return [(label + (sub if sub.startswith("[") else f".{sub}") if sub else label, e, "") for label, template in _templates(s) for sub, e in iter_exprs(template)]


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
