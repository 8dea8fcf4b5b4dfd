"""Build-time checks of a resolved graph: structure, fields, JSONata, variables.

Every check returns problems instead of raising, so that the author sees
them all at once. Paths name states from the top: ``Map/InnerState``.
None of these checks needs a service model; they are fast enough to run on
every export.
"""

from __future__ import annotations

from ..expressions import Expr, iter_exprs
from .base import Action, OnFailure
from .errors import Problem
from .jsonata import analyse, builtin_functions

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator
    from typing import Any

    from .base import State
    from .fragment import Fragment

__all__ = ["check_graph", "MAX_NAME_LENGTH", "RESERVED_VARIABLES"]

MAX_NAME_LENGTH = 80
RESERVED_VARIABLES = frozenset({"states"})
# Errors Step Functions does not retry (a Retry naming them does nothing).
_NOT_RETRIABLE = frozenset({"States.DataLimitExceeded", "States.Runtime"})


def _is_identifier(name: object) -> bool:
    return isinstance(name, str) and name.isidentifier() and name.isascii()


def _mentions(text: str, token: str) -> bool:
    """Whether ``token`` occurs in ``text`` not followed by a name character."""
    start = text.find(token)
    while start >= 0:
        end = start + len(token)
        if end >= len(text) or not (text[end].isalnum() or text[end] == "_"):
            return True
        start = text.find(token, end)
    return False


class _Scope:
    """One graph: the top level, a Map's ItemProcessor or a Parallel branch.

    ``outer_assigned``: variables visible on entry; ``outer_names``:
    variables assigned anywhere in the enclosing scopes.
    """

    __slots__ = ("prefix", "fragment", "outer_assigned", "outer_names")

    def __init__(self, prefix: str, fragment: Fragment, outer_assigned: frozenset[str] = frozenset(), outer_names: frozenset[str] = frozenset()) -> None:
        self.prefix = prefix
        self.fragment = fragment
        self.outer_assigned = outer_assigned
        self.outer_names = outer_names


def check_graph(graph: Fragment, *, timeout_seconds: Any = None) -> list[Problem]:
    """Every problem of a resolved (finalized) graph, sorted for stable output."""
    problems: list[Problem] = list(graph.problems)
    if timeout_seconds is not None and (not isinstance(timeout_seconds, int) or isinstance(timeout_seconds, bool) or timeout_seconds <= 0):
        problems.append(Problem("(state machine)", "BAD_TIMEOUT", f"TimeoutSeconds must be a positive whole number of seconds, not {timeout_seconds!r}"))
    _check_names(graph, problems)
    _check_scope(_Scope("", graph), problems)
    # Keep the order of discovery but drop exact duplicates.
    seen: set[Problem] = set()
    unique = []
    for p in problems:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique


# -- names -------------------------------------------------------------------


def _all_states(fragment: Fragment, prefix: str = "") -> Iterator[tuple[str, State]]:
    for s in fragment.states:
        path = f"{prefix}{s.name}"
        yield path, s
        for _, inner in s.nested():
            yield from _all_states(inner, f"{path}/")


def _check_names(graph: Fragment, problems: list[Problem]) -> None:
    where: dict[str, list[str]] = {}
    for path, s in _all_states(graph):
        if not isinstance(s.name, str) or not s.name:
            problems.append(Problem(path or "(unnamed)", "BAD_NAME", "a state needs a non-empty string name"))
            continue
        if len(s.name) > MAX_NAME_LENGTH:
            problems.append(
                Problem(path, "NAME_TOO_LONG", f"state name has {len(s.name)} characters; Step Functions allows at most {MAX_NAME_LENGTH}", "shorten the name")
            )
        if any(ch in s.name for ch in '"\\') or any(ord(ch) < 0x20 for ch in s.name):
            problems.append(Problem(path, "BAD_NAME", "state names may not contain quotes, backslashes or control characters"))
        where.setdefault(s.name, []).append(path)
    for name, paths in where.items():
        if len(paths) > 1:
            for path in paths:
                others = ", ".join(p for p in paths if p != path)
                problems.append(
                    Problem(path, "DUPLICATE_NAME", f"state name '{name}' is used more than once (also at {others})", "state names must be unique in the whole state machine, nested graphs included")
                )


# -- structure ---------------------------------------------------------------


def _check_scope(scope: _Scope, problems: list[Problem]) -> None:
    fragment = scope.fragment
    prefix = scope.prefix
    names = [s.name for s in fragment.states]
    by_name = _first_by_name(fragment)
    problems.extend(fragment.problems if prefix else ())
    if fragment.start not in by_name:
        problems.append(Problem(prefix.rstrip("/") or "(state machine)", "MISSING_START", f"StartAt '{fragment.start}' is not a state of this graph"))
    for s in fragment.states:
        path = prefix + s.name
        _check_state_fields(s, path, problems)
        for where, target in s.targets():
            if isinstance(target, OnFailure):
                problems.append(
                    Problem(path, "UNRESOLVED_FAILURE_ROUTE", f"{where} goes to the enclosing failure handler, but nothing encloses it here", "give the StateMachine an on_failure state (e.g. a Fail named WorkflowFailed), or route the error to a state by name")
                )
            elif target not in by_name:
                hint = _did_you_mean(str(target), names)
                problems.append(Problem(path, "UNKNOWN_TARGET", f"{where} goes to '{target}', which is not a state of this graph", hint))
    _check_reachable(fragment, prefix, problems)
    _check_variables(scope, problems)


def _check_reachable(fragment: Fragment, prefix: str, problems: list[Problem]) -> None:
    by_name = _first_by_name(fragment)
    seen: set[str] = set()
    todo = [fragment.start]
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.add(name)
        todo.extend(t for _, t in by_name[name].targets() if isinstance(t, str))
    for s in fragment.states:
        if s.name not in seen:
            problems.append(Problem(prefix + s.name, "UNREACHABLE", "no path from StartAt reaches this state", "remove it or add a transition to it"))


def _check_state_fields(s: State, path: str, problems: list[Problem]) -> None:
    add = problems.append
    for key, hint in s.jsonpath_fields():
        add(Problem(path, "JSONPATH_FIELD", f"{key} is a JSONPath field; this state machine uses JSONata", hint))
    if getattr(s, "end", False) and getattr(s, "next", None) is not None:
        add(Problem(path, "NEXT_AND_END", "a state has either Next or End, not both"))
    if s.TYPE == "Choice":
        if not s.choices:  # type: ignore[attr-defined]
            add(Problem(path, "NO_CHOICES", "a Choice state needs at least one rule", "add a Rule(condition, next)"))
        open_slots = [f"Choices[{i}].Next" for i, r in enumerate(s.choices) if r.next is None]  # type: ignore[attr-defined]
        if s.default is None:  # type: ignore[attr-defined]
            open_slots.append("Default")
        if open_slots:
            add(
                Problem(
                    path,
                    "CHOICE_WITHOUT_TARGET",
                    f"{', '.join(open_slots)} not set: a Choice cannot end the execution (or a Map iteration / Parallel branch), and a run that matches no rule fails with States.NoChoiceMatched",
                    "chain a state after it (e.g. a Succeed) or set default=",
                )
            )
        for i, rule in enumerate(s.choices):  # type: ignore[attr-defined]
            if not isinstance(rule.condition, Expr) and not isinstance(rule.condition, bool):
                add(Problem(path, "BAD_CONDITION", f"Choices[{i}].Condition must be an expression (expr(...)), not {type(rule.condition).__name__}"))
    if s.TYPE == "Wait":
        given = [k for k in ("seconds", "timestamp") if getattr(s, k) is not None]
        if len(given) != 1:
            add(Problem(path, "WAIT_FIELDS", "a Wait state needs exactly one of Seconds or Timestamp"))
    if s.TYPE == "Map":
        mode = s.mode  # type: ignore[attr-defined]
        if mode not in ("INLINE", "DISTRIBUTED"):
            add(Problem(path, "BAD_MAP_MODE", f"ProcessorConfig.Mode must be INLINE or DISTRIBUTED, not {mode!r}"))
        if mode == "INLINE":
            for attr, key in (("tolerated_failure_percentage", "ToleratedFailurePercentage"), ("tolerated_failure_count", "ToleratedFailureCount"), ("label", "Label"), ("execution_type", "ExecutionType")):
                if getattr(s, attr) is not None:
                    add(
                        Problem(path, "DISTRIBUTED_ONLY_FIELD", f"{key} exists only for a DISTRIBUTED Map", "in an inline Map, catch the failure inside the iteration and return a result that says so")
                    )
        mc = s.max_concurrency  # type: ignore[attr-defined]
        if isinstance(mc, int) and not isinstance(mc, bool) and mc < 0:
            add(Problem(path, "BAD_MAX_CONCURRENCY", "MaxConcurrency must be 0 (unbounded) or more"))
    if s.TYPE == "Wait":
        seconds = s.seconds  # type: ignore[attr-defined]
        if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and (seconds < 0 or seconds != int(seconds)):
            add(Problem(path, "BAD_SECONDS", f"Seconds must be a whole number of 0 or more, not {seconds!r}"))
    if s.TYPE == "Task":
        resource = s.resource  # type: ignore[attr-defined]
        if not isinstance(resource, str) or not (resource.startswith("arn:") or (resource.startswith("${") and resource.endswith("}"))):
            add(Problem(path, "BAD_RESOURCE", f"Resource must be an ARN (arn:aws:states:::service:api, a function or activity ARN) or a ${{Placeholder}}, not {resource!r}"))
    arguments = getattr(s, "arguments", None)
    if arguments is not None and not isinstance(arguments, (dict, Expr)):
        add(Problem(path, "BAD_ARGUMENTS", f"Arguments must be an object or an expression, not {type(arguments).__name__}"))
    timeout = getattr(s, "timeout_seconds", None)
    heartbeat = getattr(s, "heartbeat_seconds", None)
    for key, v in (("TimeoutSeconds", timeout), ("HeartbeatSeconds", heartbeat)):
        if isinstance(v, (int, float)) and not isinstance(v, bool) and (v <= 0 or v != int(v)):
            add(Problem(path, "BAD_SECONDS", f"{key} must be a positive whole number, not {v!r}"))
    if isinstance(timeout, int) and isinstance(heartbeat, int) and heartbeat >= timeout:
        add(Problem(path, "HEARTBEAT_NOT_BELOW_TIMEOUT", f"HeartbeatSeconds ({heartbeat}) must be smaller than TimeoutSeconds ({timeout})"))
    if isinstance(heartbeat, int) and timeout is None:
        add(Problem(path, "HEARTBEAT_WITHOUT_TIMEOUT", "HeartbeatSeconds is set but TimeoutSeconds is not", "set timeout_seconds too, or the task may wait for the execution's whole lifetime"))
    for kind in ("retry", "catch"):
        entries = getattr(s, kind, ()) or ()
        for i, entry in enumerate(entries):
            label = f"{kind.capitalize()}[{i}]"
            if not entry.errors:
                add(Problem(path, "EMPTY_ERROR_EQUALS", f"{label}.ErrorEquals is empty"))
            if "States.ALL" in entry.errors:
                if len(entry.errors) > 1:
                    add(Problem(path, "STATES_ALL_NOT_ALONE", f"{label}: States.ALL must be the only name in its ErrorEquals"))
                if i != len(entries) - 1:
                    add(Problem(path, "STATES_ALL_NOT_LAST", f"{label}: States.ALL must be in the last {kind.capitalize()} entry"))
        if kind == "retry":
            for i, r in enumerate(entries):
                label = f"Retry[{i}]"
                if r.max_attempts is not None and (not isinstance(r.max_attempts, int) or r.max_attempts < 0):
                    add(Problem(path, "BAD_RETRY", f"{label}.MaxAttempts must be a whole number >= 0"))
                if r.interval_seconds is not None and (not isinstance(r.interval_seconds, int) or r.interval_seconds < 1):
                    add(Problem(path, "BAD_RETRY", f"{label}.IntervalSeconds must be a whole number >= 1"))
                if r.backoff_rate is not None and r.backoff_rate < 1:
                    add(Problem(path, "BAD_RETRY", f"{label}.BackoffRate must be >= 1.0"))
                if r.max_delay_seconds is not None and (not isinstance(r.max_delay_seconds, int) or r.max_delay_seconds < 1):
                    add(Problem(path, "BAD_RETRY", f"{label}.MaxDelaySeconds must be a whole number >= 1"))
                if r.jitter is not None and r.jitter not in ("FULL", "NONE"):
                    add(Problem(path, "BAD_RETRY", f"{label}.JitterStrategy must be FULL or NONE, not {r.jitter!r}"))
                for name in set(r.errors) & _NOT_RETRIABLE:
                    add(Problem(path, "NOT_RETRIABLE", f"{label}: {name} is never retried by Step Functions", "remove it from the Retry (a Catch may still route it)"))
    for label, template, _ in _templates(s):
        _check_template(template, path, label, problems)
    for label, e, role in _expressions(s):
        _check_expression(s, path, label, e, role, problems)


# -- templates and expressions -----------------------------------------------


def _templates(s: State) -> list[tuple[str, Any, str]]:
    """(field label, template, role) of every templated field of a state.

    role is where it is evaluated: "args" (before the work), "result" (after
    the work: Output and Assign of Task/Map/Parallel), "plain" (Pass, Choice,
    Wait, Succeed, Fail) or "catch" (a Catch's Output/Assign).
    """
    found: list[tuple[str, Any, str]] = []
    after = "result" if isinstance(s, Action) else "plain"
    for attr, key, role in (
        ("arguments", "Arguments", "args"),
        ("items", "Items", "args"),
        ("item_selector", "ItemSelector", "selector"),
        ("max_concurrency", "MaxConcurrency", "args"),
        ("tolerated_failure_percentage", "ToleratedFailurePercentage", "args"),
        ("tolerated_failure_count", "ToleratedFailureCount", "args"),
        ("timeout_seconds", "TimeoutSeconds", "args"),
        ("heartbeat_seconds", "HeartbeatSeconds", "args"),
        ("seconds", "Seconds", "plain"),
        ("timestamp", "Timestamp", "plain"),
        ("error", "Error", "plain"),
        ("cause", "Cause", "plain"),
        ("assign", "Assign", after),
        ("output", "Output", after),
    ):
        if hasattr(s, attr) and getattr(s, attr) is not None:
            found.append((key, getattr(s, attr), role))
    for i, rule in enumerate(getattr(s, "choices", ()) or ()):
        found.append((f"Choices[{i}].Condition", rule.condition, "plain"))
        if rule.assign is not None:
            found.append((f"Choices[{i}].Assign", rule.assign, "plain"))
        if rule.output is not None:
            found.append((f"Choices[{i}].Output", rule.output, "plain"))
    for i, c in enumerate(getattr(s, "catch", ()) or ()):
        if c.assign is not None:
            found.append((f"Catch[{i}].Assign", c.assign, "catch"))
        if c.output is not None:
            found.append((f"Catch[{i}].Output", c.output, "catch"))
    return found


def _expressions(s: State) -> list[tuple[str, Expr, str]]:
    out = []
    for label, template, role in _templates(s):
        for sub, e in iter_exprs(template):
            out.append((f"{label}.{sub}" if sub else label, e, role))
    return out


def _check_template(value: Any, path: str, label: str, problems: list[Problem], in_array: bool = False) -> None:
    add = problems.append
    if isinstance(value, Expr):
        return
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                add(Problem(path, "BAD_KEY", f"{label}: object keys must be strings, not {k!r}"))
                continue
            if k.endswith(".$"):
                add(Problem(path, "JSONPATH_KEY", f"{label}: key '{k}' is JSONPath syntax; JSONata states never use '.$' keys", f"write '{k[:-2]}': expr(...) or var(...)"))
            _check_template(v, path, f"{label}.{k}", problems)
    elif isinstance(value, (list, tuple)):
        if in_array:
            add(Problem(path, "NESTED_ARRAY", f"{label}: an array inside an array; asl-validator rejects nested arrays in templates", "build it with an expression instead (expr('[[...]]'))"))
        for i, v in enumerate(value):
            _check_template(v, path, f"{label}[{i}]", problems, in_array=True)
    elif isinstance(value, str):
        if value == "":
            add(Problem(path, "EMPTY_STRING", f"{label}: an empty string literal; asl-validator rejects it", "use expr(\"''\") if an empty string is really meant"))
        elif "{%" in value or "%}" in value:
            add(Problem(path, "EXPRESSION_AS_LITERAL", f"{label}: the literal {value!r} looks like a JSONata expression but is a plain string", "wrap the JSONata text in expr(...) without the delimiters"))
    elif isinstance(value, bool) or value is None or isinstance(value, (int, float)):
        if isinstance(value, float) and value != value:
            add(Problem(path, "BAD_NUMBER", f"{label}: NaN is not JSON"))
    else:
        add(Problem(path, "NOT_JSON", f"{label}: {type(value).__name__} is not a JSON value", "use dicts, lists, strings, numbers, booleans, None or expressions"))


def _check_expression(s: State, path: str, label: str, e: Expr, role: str, problems: list[Problem]) -> None:
    add = problems.append
    text = e.text
    if not text.strip():
        add(Problem(path, "EMPTY_EXPRESSION", f"{label}: empty JSONata expression"))
        return
    if "\n" in text or "\r" in text:
        add(Problem(path, "MULTILINE_EXPRESSION", f"{label}: the expression spans several lines", "write it on one line; asl-validator rejects other spellings"))
    if "%}" in text or "{%" in text:
        add(Problem(path, "NESTED_DELIMITER", f"{label}: the expression contains '{{%' or '%}}'", "pass the JSONata text without delimiters"))
        return
    analysis = analyse(text)
    if analysis.error:
        add(Problem(path, "JSONATA_SYNTAX", f"{label}: {analysis.error}: {text[:120]}{'...' if len(text) > 120 else ''}"))
        return
    known = builtin_functions()
    for fn in sorted(analysis.functions - known):
        add(Problem(path, "UNKNOWN_FUNCTION", f"{label}: ${fn} is not a JSONata or Step Functions function", _did_you_mean(fn, sorted(known), prefix="$")))
    if _mentions(text, "$states.result") and role != "result":
        add(Problem(path, "RESULT_NOT_AVAILABLE", f"{label}: $states.result exists only in the Output and Assign of a Task, Map or Parallel state", "read the result in this state's output= or assign="))
    if _mentions(text, "$states.errorOutput") and role != "catch":
        add(Problem(path, "ERROR_OUTPUT_NOT_AVAILABLE", f"{label}: $states.errorOutput exists only in a Catch's Output and Assign"))
    if _mentions(text, "$states.context.Task.Token"):
        resource = str(getattr(s, "resource", ""))
        if s.TYPE != "Task" or not (resource.endswith(".waitForTaskToken")):
            add(Problem(path, "TASK_TOKEN_NOT_AVAILABLE", f"{label}: $states.context.Task.Token exists only in a .waitForTaskToken task"))
    if _mentions(text, "$states.context.Map.Item") and role != "selector":
        add(Problem(path, "MAP_ITEM_NOT_AVAILABLE", f"{label}: $states.context.Map.Item exists only in a Map's ItemSelector"))


# -- variables ---------------------------------------------------------------


def _assigns(template: Any) -> set[str]:
    return set(template.keys()) if isinstance(template, dict) else set()


def _edges(s: State) -> list[tuple[str, Any]]:
    """(target, variables assigned on the way) for each transition."""
    state_assign = _assigns(getattr(s, "assign", None))
    edges: list[tuple[str, Any]] = []
    for rule in getattr(s, "choices", ()) or ():
        if rule.next is not None:
            # A matching rule runs its own Assign only; the state's runs on the Default.
            edges.append((rule.next, _assigns(rule.assign)))
    if s.TYPE == "Choice" and getattr(s, "default", None) is not None:
        edges.append((s.default, state_assign))  # type: ignore[attr-defined]
    elif getattr(s, "next", None) is not None:
        edges.append((s.next, state_assign))  # type: ignore[attr-defined]
    for c in getattr(s, "catch", ()) or ():
        edges.append((c.next, _assigns(c.assign)))
    return edges


def _all_assigned(fragment: Fragment) -> set[str]:
    names: set[str] = set()
    for s in fragment.states:
        names |= _assigns(getattr(s, "assign", None))
        for rule in getattr(s, "choices", ()) or ():
            names |= _assigns(rule.assign)
        for c in getattr(s, "catch", ()) or ():
            names |= _assigns(c.assign)
    return names


def _check_variables(scope: _Scope, problems: list[Problem]) -> None:
    fragment = scope.fragment
    prefix = scope.prefix
    by_name = _first_by_name(fragment)
    here = _all_assigned(fragment)
    everywhere = here | scope.outer_names
    # Names assigned: valid, not reserved, not shadowing an outer scope.
    for s in fragment.states:
        path = prefix + s.name
        labels = [("Assign", getattr(s, "assign", None))]
        labels += [(f"Choices[{i}].Assign", r.assign) for i, r in enumerate(getattr(s, "choices", ()) or ())]
        labels += [(f"Catch[{i}].Assign", c.assign) for i, c in enumerate(getattr(s, "catch", ()) or ())]
        for label, assign in labels:
            for name in sorted(_assigns(assign)):
                if name in RESERVED_VARIABLES:
                    problems.append(Problem(path, "RESERVED_VARIABLE", f"{label}: '{name}' is reserved by Step Functions and cannot be assigned"))
                elif not _is_identifier(name):
                    problems.append(Problem(path, "BAD_VARIABLE_NAME", f"{label}: {name!r} is not a valid variable name", "use letters, digits and underscores, not starting with a digit"))
                elif name in scope.outer_names:
                    problems.append(
                        Problem(path, "OUTER_VARIABLE_ASSIGNED", f"{label}: '{name}' belongs to an enclosing scope; a Map iteration or Parallel branch cannot assign it", "use a new name inside, and pass data out through the state's Output")
                    )
    # Must-analysis: variables assigned on every path into each state.
    universe = frozenset(everywhere)
    entry: dict[str, frozenset[str]] = {name: universe for name in by_name}
    if fragment.start in by_name:
        entry[fragment.start] = scope.outer_assigned
    reachable = _reachable(fragment)
    changed = True
    edges = {
        name: [(t, frozenset(a)) for t, a in _edges(by_name[name]) if isinstance(t, str) and t in by_name]
        for name in reachable
    }
    while changed:
        changed = False
        incoming: dict[str, frozenset[str] | None] = {name: None for name in by_name}
        for name in reachable:
            for target, assigned in edges[name]:
                out = entry[name] | assigned
                prev = incoming[target]
                incoming[target] = out if prev is None else prev & out
        for name in reachable:
            new = incoming[name]
            if name == fragment.start:
                new = scope.outer_assigned if new is None else new & scope.outer_assigned
            if new is None:
                continue
            if new != entry[name]:
                entry[name] = new
                changed = True
    order = {name: i for i, name in enumerate(by_name)}
    for name in sorted(reachable, key=order.__getitem__):
        s = by_name[name]
        path = prefix + name
        visible = entry[name]
        for label, e, _ in _expressions(s):
            analysis = analyse(e.text)
            if analysis.error:
                continue
            for read in sorted(analysis.variables - visible):
                if read in everywhere:
                    problems.append(
                        Problem(path, "VARIABLE_MAYBE_UNASSIGNED", f"{label}: ${read} is not assigned on every path that reaches this state", "assign it on every path before, or give it a value earlier")
                    )
                else:
                    problems.append(Problem(path, "UNKNOWN_VARIABLE", f"{label}: ${read} is never assigned", _did_you_mean(read, sorted(everywhere), prefix="$")))
    # Nested scopes see what is assigned on entry to their owner state (and
    # what the owner's ItemSelector/Arguments could read), nothing after.
    for s in fragment.states:
        for _, inner in s.nested():
            child = _Scope(
                prefix=f"{prefix}{s.name}/",
                fragment=inner,
                outer_assigned=entry.get(s.name, frozenset()) if s.name in reachable else frozenset(everywhere),
                outer_names=frozenset(everywhere),
            )
            _check_scope(child, problems)


def _first_by_name(fragment: Fragment) -> dict[str, State]:
    """Name -> state; with duplicate names (reported) the first one counts."""
    found: dict[str, State] = {}
    for s in fragment.states:
        found.setdefault(s.name, s)
    return found


def _reachable(fragment: Fragment) -> list[str]:
    by_name = _first_by_name(fragment)
    seen: list[str] = []
    todo = [fragment.start]
    while todo:
        name = todo.pop()
        if name in seen or name not in by_name:
            continue
        seen.append(name)
        todo.extend(t for _, t in by_name[name].targets() if isinstance(t, str))
    return seen


def _did_you_mean(word: str, options: list[str], prefix: str = "") -> str:
    import difflib  # only when there is a problem to explain

    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"did you mean '{prefix}{close[0]}'?" if close else ""
