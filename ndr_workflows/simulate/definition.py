"""A definition read once into plain objects the interpreter walks quickly.

Everything that does not depend on an execution is done here, once per
definition: expressions compiled, templates turned into evaluators, Retry and
Catch read with their defaults. The definition's shape is not checked here:
:func:`~.api.prepare` first runs the validator's checks that need no service
model (the build's checks) and refuses any error, so this module may rely on
what they guarantee (state types, fields of the right types, Next / End,
transitions, JSONata-only fields, Map modes). What remains here is what the
validator accepts but the simulator cannot run (a JSONPath machine, a
Distributed Map reading or writing S3), a :class:`~.errors.SimulationError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..asl.walk import Scope
from .errors import SimulationError
from .expressions import Evaluator, Variables, compile_template

__all__ = ["Graph", "State", "Retrier", "Catcher", "Rule", "compile_definition"]

# Distributed Map fields that read or write S3: not simulated.
_UNSUPPORTED_MAP_FIELDS = ("ItemReader", "ItemBatcher", "ResultWriter")


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
    error_equals: tuple[str, ...]
    next: str
    assign: tuple[tuple[str, Evaluator], ...] | None
    output: Evaluator | None


@dataclass(frozen=True)
class Rule:
    condition: Evaluator
    next: str
    assign: tuple[tuple[str, Evaluator], ...] | None
    output: Evaluator | None


class State:
    """One state, with its fields read; fields a type does not have stay None."""

    __slots__ = (
        "name", "path", "type", "next", "end", "assign", "output", "arguments", "resource", "token",
        "timeout", "heartbeat", "retry", "catch", "rules", "default", "seconds", "timestamp", "error",
        "cause", "items", "item_selector", "processor", "distributed", "max_concurrency",
        "tolerated_count", "tolerated_percentage", "branches", "is_task_like",
    )

    def __init__(self, name: str, path: str, kind: str) -> None:
        self.name = name
        self.path = path
        self.type = kind
        self.is_task_like = kind in ("Task", "Map", "Parallel")
        self.next: str | None = None
        self.end = False
        self.assign: tuple[tuple[str, Evaluator], ...] | None = None
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
    if definition.get("QueryLanguage", "JSONPath") != "JSONata":
        raise SimulationError('the simulator runs JSONata definitions only (top-level "QueryLanguage": "JSONata")')
    return _graph(Scope.top(definition)), definition.get("TimeoutSeconds")


def _graph(scope: Scope) -> Graph:
    states = {name: _state(name, raw, scope) for name, raw in scope.states().items()}
    return Graph(scope.start(), states, scope)


def _number_field(raw: dict[str, Any], key: str, path: str) -> Evaluator | None:
    return compile_template(raw[key], f"{path}: {key}") if key in raw else None


def _assign(raw: dict[str, Any], path: str) -> tuple[tuple[str, Evaluator], ...] | None:
    assign = raw.get("Assign")
    if assign is None:
        return None
    return tuple((name, compile_template(value, f"{path}: Assign.{name}")) for name, value in assign.items())


def _output(raw: dict[str, Any], path: str) -> Evaluator | None:
    return compile_template(raw["Output"], f"{path}: Output") if "Output" in raw else None


def _state(name: str, raw: dict[str, Any], scope: Scope) -> State:
    path = scope.prefix + name
    kind = raw["Type"]
    state = State(name, path, kind)
    state.next = raw.get("Next")
    state.end = raw.get("End", False) is True
    state.assign = _assign(raw, path)
    state.output = _output(raw, path)
    if kind in ("Task", "Parallel", "Map"):
        state.retry = tuple(_retrier(r) for r in raw.get("Retry", ()))
        state.catch = tuple(_catcher(c, f"{path}: Catch[{i}]") for i, c in enumerate(raw.get("Catch", ())))
    if kind in ("Task", "Parallel") and "Arguments" in raw:
        state.arguments = compile_template(raw["Arguments"], f"{path}: Arguments")
    if kind == "Task":
        state.resource = raw["Resource"]
        state.token = state.resource.endswith(".waitForTaskToken")
        state.timeout = _number_field(raw, "TimeoutSeconds", path)
        state.heartbeat = _number_field(raw, "HeartbeatSeconds", path)
    elif kind == "Choice":
        state.rules = tuple(_rule(rule, f"{path}: Choices[{i}]") for i, rule in enumerate(raw["Choices"]))
        state.default = raw.get("Default")
    elif kind == "Wait":
        state.seconds = _number_field(raw, "Seconds", path)
        if "Timestamp" in raw:
            state.timestamp = compile_template(raw["Timestamp"], f"{path}: Timestamp")
    elif kind == "Fail":
        state.error = compile_template(raw["Error"], f"{path}: Error") if "Error" in raw else None
        state.cause = compile_template(raw["Cause"], f"{path}: Cause") if "Cause" in raw else None
    elif kind == "Parallel":
        state.branches = tuple(_graph(branch) for branch in scope.children(name, raw))
    elif kind == "Map":
        for unsupported in _UNSUPPORTED_MAP_FIELDS:
            if unsupported in raw:
                raise SimulationError(f"{path}: {unsupported} is not supported by the simulator")
        (processor,) = scope.children(name, raw)
        state.processor = _graph(processor)
        state.distributed = processor.kind == "distributed"
        state.items = compile_template(raw["Items"], f"{path}: Items") if "Items" in raw else None
        if "ItemSelector" in raw:
            state.item_selector = compile_template(raw["ItemSelector"], f"{path}: ItemSelector")
        state.max_concurrency = _number_field(raw, "MaxConcurrency", path)
        state.tolerated_count = _number_field(raw, "ToleratedFailureCount", path)
        state.tolerated_percentage = _number_field(raw, "ToleratedFailurePercentage", path)
    return state


def _retrier(raw: dict[str, Any]) -> Retrier:
    return Retrier(
        tuple(raw["ErrorEquals"]),
        float(raw.get("IntervalSeconds", 1)),
        int(raw.get("MaxAttempts", 3)),
        float(raw.get("BackoffRate", 2.0)),
        float(raw["MaxDelaySeconds"]) if "MaxDelaySeconds" in raw else None,
        raw.get("JitterStrategy", "NONE") == "FULL",
    )


def _catcher(raw: dict[str, Any], path: str) -> Catcher:
    return Catcher(tuple(raw["ErrorEquals"]), raw["Next"], _assign(raw, path), _output(raw, path))


def _rule(raw: dict[str, Any], path: str) -> Rule:
    return Rule(compile_template(raw["Condition"], f"{path}.Condition"), raw["Next"], _assign(raw, path), _output(raw, path))
