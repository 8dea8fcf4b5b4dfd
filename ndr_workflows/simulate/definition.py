"""A definition read once into plain objects the interpreter walks quickly.

Everything that does not depend on an execution is done here, once per
definition: expressions compiled, templates turned into evaluators, paths
parsed, Retry and Catch read with their defaults. Each state is read in its
own query language (JSONata, or JSONPath, the default of a machine that does
not say): the interpreter then calls the same kind of evaluator for a
JSONata ``Arguments`` and a JSONPath ``Parameters``, for ``Items`` and
``ItemsPath``. The definition's shape is not checked here:
:func:`~.api.prepare` first runs the validator's checks that need no service
model (the build's checks) and refuses any error, so this module may rely on
what they guarantee (state types, fields of the right types, Next / End,
transitions, the fields of each query language, Map modes, paths that
parse). What remains here is what the validator accepts but the simulator
cannot run, a :class:`~.errors.SimulationError` saying "the simulator does
not support ...".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..asl.resources import has_task_token
from ..asl.walk import JSONATA, Scope, state_language
from .choice_rules import compile_rule
from .errors import QUERY_EVALUATION_ERROR, RUNTIME
from .expressions import MISSING, Evaluator, Variables, compile_template
from .fields import Fields
from .map_config import Batcher, Reader, Writer
from .paths import ResultPath, path_value, template, value_or_intrinsic

__all__ = ["Graph", "State", "Retrier", "Catcher", "Rule", "compile_definition"]

@dataclass(frozen=True)
class Retrier:
    error_equals: tuple[str, ...]
    interval: float
    max_attempts: int
    backoff: float
    max_delay: float | None
    full_jitter: bool


@dataclass(frozen=True)
class Catcher:
    """A Catch entry. JSONata: ``assign`` pairs and ``output``; JSONPath:
    ``assign`` one template giving every variable, ``result_path``."""

    error_equals: tuple[str, ...]
    next: str
    assign: Any
    output: Evaluator | None
    result_path: ResultPath | None = None


@dataclass(frozen=True)
class Rule:
    condition: Evaluator
    next: str
    assign: Any
    output: Evaluator | None


class State:
    """One state, with its fields read; fields a type does not have stay None.

    ``assign`` is, in a JSONata state, a tuple of (name, evaluator) pairs;
    in a JSONPath state one template evaluator giving the dict of every
    variable. ``arguments`` is JSONata's Arguments or JSONPath's Parameters;
    ``items`` Items or ItemsPath; ``data_error`` the error a value of the
    wrong type in a field gives (``States.QueryEvaluationError`` in JSONata,
    ``States.Runtime`` in JSONPath)."""

    __slots__ = (
        "name", "path", "type", "next", "end", "assign", "output", "arguments", "resource", "token",
        "timeout", "heartbeat", "retry", "catch", "rules", "default", "seconds", "timestamp", "error",
        "cause", "items", "item_selector", "processor", "distributed", "max_concurrency",
        "tolerated_count", "tolerated_percentage", "branches", "is_task_like",
        "jsonpath", "data_error", "input_path", "output_path", "result_path", "result_selector", "result",
        "credentials", "reader", "batcher", "writer",
    )

    def __init__(self, name: str, path: str, kind: str, language: str) -> None:
        self.name = name
        self.path = path
        self.type = kind
        self.is_task_like = kind in ("Task", "Map", "Parallel")
        self.jsonpath = language != JSONATA
        self.data_error = RUNTIME if self.jsonpath else QUERY_EVALUATION_ERROR
        self.next: str | None = None
        self.end = False
        self.assign: Any = None
        self.output: Evaluator | None = None
        self.arguments: Evaluator | None = None
        self.resource: str = ""
        self.token = False
        self.timeout: Evaluator | None = None
        self.heartbeat: Evaluator | None = None
        self.retry: tuple[Retrier, ...] = ()
        self.catch: tuple[Catcher, ...] = ()
        self.rules: tuple[Rule, ...] = ()
        self.default: str | None = None
        self.seconds: Evaluator | None = None
        self.timestamp: Evaluator | None = None
        self.error: Evaluator | None = None
        self.cause: Evaluator | None = None
        self.items: Evaluator | None = None
        self.item_selector: Evaluator | None = None
        self.processor: Graph | None = None
        self.distributed = False
        self.max_concurrency: Evaluator | None = None
        self.tolerated_count: Evaluator | None = None
        self.tolerated_percentage: Evaluator | None = None
        self.branches: tuple[Graph, ...] = ()
        # JSONPath only; None: the field's default ($, or no selector).
        self.input_path: Evaluator | None = None
        self.output_path: Evaluator | None = None
        self.result_path: ResultPath | None = None
        self.result_selector: Evaluator | None = None
        self.result: Any = MISSING  # a Pass state's Result
        self.credentials: Evaluator | None = None
        self.reader: Reader | None = None
        self.batcher: Batcher | None = None
        self.writer: Writer | None = None


@dataclass
class Graph:
    """A machine, a Parallel branch or a Map's ItemProcessor: its
    :class:`~ndr_workflows.asl.walk.Scope` and its states, read."""

    start: str
    states: dict[str, State]
    scope: Scope

    def variables(self, outer: Variables) -> Variables:
        """Fresh variables for one run of this graph, reading ``outer``'s
        when the scope sees its enclosing one (not a Distributed Map's)."""
        return Variables(outer if self.scope.reads_outer_variables else None)


def compile_definition(definition: dict[str, Any]) -> tuple[Graph, int | None]:
    """The top-level graph and the machine's TimeoutSeconds, of a definition
    the validator found no error in."""
    return _graph(Scope.top(definition)), definition.get("TimeoutSeconds")


def _graph(scope: Scope) -> Graph:
    states = {name: _state(name, raw, scope) for name, raw in scope.states().items()}
    return Graph(scope.start(), states, scope)


def _state(name: str, raw: dict[str, Any], scope: Scope) -> State:
    path = scope.prefix + name
    kind = raw["Type"]
    language = state_language(raw, scope.language)
    state = State(name, path, kind, language)
    fields = Fields(raw, path, state.jsonpath)
    state.next = raw.get("Next")
    state.end = raw.get("End", False) is True
    state.assign = fields.assign()
    state.output = fields.output()
    if state.jsonpath:
        _jsonpath_fields(state, raw, path)
    if kind in ("Task", "Parallel", "Map"):
        state.retry = tuple(_retrier(r) for r in raw.get("Retry", ()))
        state.catch = tuple(_catcher(c, f": Catch[{i}]", fields) for i, c in enumerate(raw.get("Catch", ())))
    if kind in ("Task", "Parallel"):
        state.arguments = fields.arguments()
    if kind == "Task":
        state.resource = raw["Resource"]
        state.token = has_task_token(state.resource)
        state.timeout = fields.number("TimeoutSeconds")
        state.heartbeat = fields.number("HeartbeatSeconds")
        if isinstance(raw.get("Credentials"), dict):
            state.credentials = fields.payload("Credentials")
    elif kind == "Choice":
        state.rules = tuple(_rule(rule, f": Choices[{i}]", fields) for i, rule in enumerate(raw["Choices"]))
        state.default = raw.get("Default")
    elif kind == "Wait":
        state.seconds = fields.number("Seconds")
        state.timestamp = fields.number("Timestamp")
    elif kind == "Fail":
        state.error = _fail_field(raw, "Error", fields)
        state.cause = _fail_field(raw, "Cause", fields)
    elif kind == "Parallel":
        state.branches = tuple(_graph(branch) for branch in scope.children(name, raw))
    elif kind == "Map":
        _map_fields(state, raw, scope, fields)
    return state


def _jsonpath_fields(state: State, raw: dict[str, Any], path: str) -> None:
    """InputPath, OutputPath, ResultPath, ResultSelector and a Pass's
    Result: absent fields stay None (their default, ``$``)."""
    for key in ("InputPath", "OutputPath"):
        if key in raw and raw[key] != "$":
            setattr(state, key[:-4].lower() + "_path", path_value(raw[key], f"{path}: {key}"))
    if "ResultPath" in raw and raw["ResultPath"] != "$":
        state.result_path = ResultPath(raw["ResultPath"], f"{path}: ResultPath")
    if "ResultSelector" in raw:
        state.result_selector = template(raw["ResultSelector"], f"{path}: ResultSelector")
    if state.type == "Pass":
        if "Result" in raw:
            state.result = raw["Result"]
        if "Parameters" in raw:
            state.arguments = template(raw["Parameters"], f"{path}: Parameters")


def _fail_field(raw: dict[str, Any], key: str, fields: Fields) -> Evaluator | None:
    if fields.jsonpath and f"{key}Path" in raw:
        return value_or_intrinsic(raw[f"{key}Path"], f"{fields.where}: {key}Path")
    return fields.value(key)


def _map_fields(state: State, raw: dict[str, Any], scope: Scope, fields: Fields) -> None:
    path = state.path
    (processor,) = scope.children(state.name, raw)
    state.processor = _graph(processor)
    state.distributed = processor.kind == "distributed"
    if fields.jsonpath:
        if "ItemsPath" in raw and raw["ItemsPath"] != "$":
            state.items = path_value(raw["ItemsPath"], f"{path}: ItemsPath")
        selector = "ItemSelector" if "ItemSelector" in raw else "Parameters"  # Parameters: the older name
        state.item_selector = fields.payload(selector)
    else:
        state.items = fields.payload("Items")
        state.item_selector = fields.payload("ItemSelector")
    state.max_concurrency = fields.number("MaxConcurrency")
    state.tolerated_count = fields.number("ToleratedFailureCount")
    state.tolerated_percentage = fields.number("ToleratedFailurePercentage")
    if isinstance(raw.get("ItemReader"), dict):
        state.reader = Reader(fields.inner(raw["ItemReader"], ": ItemReader"))
    if isinstance(raw.get("ItemBatcher"), dict):
        state.batcher = Batcher(fields.inner(raw["ItemBatcher"], ": ItemBatcher"))
    if isinstance(raw.get("ResultWriter"), dict):
        state.writer = Writer(fields.inner(raw["ResultWriter"], ": ResultWriter"))


def _retrier(raw: dict[str, Any]) -> Retrier:
    return Retrier(
        tuple(raw["ErrorEquals"]),
        float(raw.get("IntervalSeconds", 1)),
        int(raw.get("MaxAttempts", 3)),
        float(raw.get("BackoffRate", 2.0)),
        float(raw["MaxDelaySeconds"]) if "MaxDelaySeconds" in raw else None,
        raw.get("JitterStrategy", "NONE") == "FULL",
    )


def _catcher(raw: dict[str, Any], label: str, fields: Fields) -> Catcher:
    entry = fields.inner(raw, label)
    result_path = None
    if fields.jsonpath and "ResultPath" in raw and raw["ResultPath"] != "$":
        result_path = ResultPath(raw["ResultPath"], f"{entry.where}.ResultPath")
    return Catcher(tuple(raw["ErrorEquals"]), raw["Next"], entry.assign(), entry.output(), result_path)


def _rule(raw: dict[str, Any], label: str, fields: Fields) -> Rule:
    rule = fields.inner(raw, label)
    condition = compile_rule(raw, rule.where) if fields.jsonpath else compile_template(raw["Condition"], f"{rule.where}.Condition")
    return Rule(condition, raw["Next"], rule.assign(), rule.output())
