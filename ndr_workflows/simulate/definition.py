"""A definition read once into plain objects the interpreter walks quickly.

Everything that does not depend on an execution is done here, once per
definition: expressions compiled, templates turned into evaluators, Retry and
Catch read with their defaults, transitions checked. A definition the
simulator cannot run raises :class:`~.errors.SimulationError` naming the
state and field, before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .expressions import Evaluator, compile_template

__all__ = ["Graph", "State", "Retrier", "Catcher", "Rule", "compile_definition", "substitute"]

from .errors import SimulationError

STATE_TYPES = frozenset({"Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Map", "Parallel"})
# Fields a JSONata state must not have (AWS rejects such a definition).
_JSONPATH_FIELDS = frozenset(
    """InputPath OutputPath Parameters ResultSelector ResultPath ItemsPath Result ErrorPath CausePath
    SecondsPath TimestampPath TimeoutSecondsPath HeartbeatSecondsPath MaxConcurrencyPath
    ToleratedFailureCountPath ToleratedFailurePercentagePath""".split()
)
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


def substitute(value: Any, substitutions: dict[str, str]) -> Any:
    """``${Name}`` placeholders replaced where ``Name`` is known; others stay."""
    if not substitutions:
        return value
    if isinstance(value, str):
        if "${" not in value:
            return value
        return _PLACEHOLDER.sub(lambda m: str(substitutions.get(m.group(1), m.group(0))), value)
    if isinstance(value, dict):
        return {key: substitute(item, substitutions) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, substitutions) for item in value]
    return value


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
    """A machine, a Parallel branch or a Map's ItemProcessor."""

    start: str
    states: dict[str, State]


def compile_definition(definition: Any) -> tuple[Graph, Any]:
    """The top-level graph and the machine's TimeoutSeconds."""
    if not isinstance(definition, dict):
        raise SimulationError("the definition is not a JSON object")
    language = definition.get("QueryLanguage", "JSONPath")
    if language != "JSONata":
        raise SimulationError('the simulator runs JSONata definitions only (top-level "QueryLanguage": "JSONata")')
    timeout = definition.get("TimeoutSeconds")
    if timeout is not None and (not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0):
        raise SimulationError(f"TimeoutSeconds: {timeout!r} is not a positive whole number")
    return _graph(definition, ""), timeout


def _graph(body: Any, prefix: str) -> Graph:
    where = prefix.rstrip("/") or "the definition"
    if not isinstance(body, dict) or not isinstance(body.get("States"), dict) or not body["States"]:
        raise SimulationError(f"{where}: States must be a non-empty object")
    start = body.get("StartAt")
    if start not in body["States"]:
        raise SimulationError(f"{where}: StartAt {start!r} is not one of its states")
    states = {name: _state(name, prefix + name, raw) for name, raw in body["States"].items()}
    for state in states.values():
        targets = [state.next, state.default] + [c.next for c in state.catch] + [r.next for r in state.rules]
        for target in targets:
            if target is not None and target not in states:
                raise SimulationError(f"{state.path}: transition to {target!r}, which is not a state of this scope")
        if state.type not in ("Choice", "Succeed", "Fail") and state.next is None and not state.end:
            raise SimulationError(f"{state.path}: needs Next or End")
    return Graph(str(start), states)


def _number_field(raw: dict[str, Any], key: str, path: str) -> Evaluator | None:
    if key not in raw:
        return None
    value = raw[key]
    if isinstance(value, str) or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return compile_template(value, f"{path}: {key}")
    raise SimulationError(f"{path}: {key} must be a number or an expression, not {value!r}")


def _assign(raw: dict[str, Any], path: str) -> tuple[tuple[str, Evaluator], ...] | None:
    assign = raw.get("Assign")
    if assign is None:
        return None
    if not isinstance(assign, dict):
        raise SimulationError(f"{path}: Assign must be an object")
    return tuple((name, compile_template(value, f"{path}: Assign.{name}")) for name, value in assign.items())


def _output(raw: dict[str, Any], path: str) -> Evaluator | None:
    return compile_template(raw["Output"], f"{path}: Output") if "Output" in raw else None


def _state(name: str, path: str, raw: Any) -> State:
    if not isinstance(raw, dict):
        raise SimulationError(f"{path}: the state is not an object")
    kind = raw.get("Type")
    if kind not in STATE_TYPES:
        raise SimulationError(f"{path}: unknown state Type {kind!r}")
    if raw.get("QueryLanguage", "JSONata") != "JSONata":
        raise SimulationError(f"{path}: JSONPath states are not supported by the simulator")
    jsonpath_only = sorted(_JSONPATH_FIELDS.intersection(raw))
    if jsonpath_only:
        raise SimulationError(f"{path}: {', '.join(jsonpath_only)} belong to JSONPath; a JSONata state uses Arguments / Output / Assign")
    state = State(name, path, kind)
    state.next = raw.get("Next")
    state.end = bool(raw.get("End", False))
    state.assign = _assign(raw, path)
    state.output = _output(raw, path)
    if kind in ("Task", "Parallel", "Map"):
        state.retry = tuple(_retrier(r, f"{path}: Retry[{i}]") for i, r in enumerate(raw.get("Retry", [])))
        state.catch = tuple(_catcher(c, f"{path}: Catch[{i}]") for i, c in enumerate(raw.get("Catch", [])))
    if kind in ("Task", "Parallel") and "Arguments" in raw:
        state.arguments = compile_template(raw["Arguments"], f"{path}: Arguments")
    if kind == "Task":
        resource = raw.get("Resource")
        if not isinstance(resource, str):
            raise SimulationError(f"{path}: Resource must be a string")
        state.resource = resource
        state.token = resource.endswith((".waitForTaskToken", ".sync", ".sync:2"))
        state.timeout = _number_field(raw, "TimeoutSeconds", path)
        state.heartbeat = _number_field(raw, "HeartbeatSeconds", path)
    elif kind == "Choice":
        choices = raw.get("Choices")
        if not isinstance(choices, list) or not choices:
            raise SimulationError(f"{path}: Choices must be a non-empty array")
        state.rules = tuple(_rule(rule, f"{path}: Choices[{i}]") for i, rule in enumerate(choices))
        state.default = raw.get("Default")
    elif kind == "Wait":
        state.seconds = _number_field(raw, "Seconds", path)
        if "Timestamp" in raw:
            state.timestamp = compile_template(raw["Timestamp"], f"{path}: Timestamp")
        if (state.seconds is None) == (state.timestamp is None):
            raise SimulationError(f"{path}: a Wait needs exactly one of Seconds and Timestamp")
    elif kind == "Fail":
        state.error = compile_template(raw["Error"], f"{path}: Error") if "Error" in raw else None
        state.cause = compile_template(raw["Cause"], f"{path}: Cause") if "Cause" in raw else None
    elif kind == "Parallel":
        branches = raw.get("Branches")
        if not isinstance(branches, list) or not branches:
            raise SimulationError(f"{path}: Branches must be a non-empty array")
        state.branches = tuple(_graph(branch, f"{path}/") for branch in branches)
    elif kind == "Map":
        processor = raw.get("ItemProcessor", raw.get("Iterator"))
        state.processor = _graph(processor, f"{path}/")
        config = processor.get("ProcessorConfig", {}) if isinstance(processor, dict) else {}
        state.distributed = isinstance(config, dict) and config.get("Mode") == "DISTRIBUTED"
        for unsupported in ("ItemReader", "ItemBatcher", "ResultWriter"):
            if unsupported in raw:
                raise SimulationError(f"{path}: {unsupported} is not supported by the simulator")
        state.items = compile_template(raw["Items"], f"{path}: Items") if "Items" in raw else None
        if "ItemSelector" in raw:
            state.item_selector = compile_template(raw["ItemSelector"], f"{path}: ItemSelector")
        state.max_concurrency = _number_field(raw, "MaxConcurrency", path)
        state.tolerated_count = _number_field(raw, "ToleratedFailureCount", path)
        state.tolerated_percentage = _number_field(raw, "ToleratedFailurePercentage", path)
    return state


def _error_equals(raw: dict[str, Any], path: str) -> tuple[str, ...]:
    errors = raw.get("ErrorEquals")
    if not isinstance(errors, list) or not errors or not all(isinstance(e, str) for e in errors):
        raise SimulationError(f"{path}: ErrorEquals must be a non-empty array of strings")
    return tuple(errors)


def _retrier(raw: Any, path: str) -> Retrier:
    if not isinstance(raw, dict):
        raise SimulationError(f"{path}: must be an object")
    jitter = raw.get("JitterStrategy", "NONE")
    if jitter not in ("FULL", "NONE"):
        raise SimulationError(f"{path}: JitterStrategy must be FULL or NONE")
    return Retrier(
        _error_equals(raw, path),
        float(raw.get("IntervalSeconds", 1)),
        int(raw.get("MaxAttempts", 3)),
        float(raw.get("BackoffRate", 2.0)),
        float(raw["MaxDelaySeconds"]) if "MaxDelaySeconds" in raw else None,
        jitter == "FULL",
    )


def _catcher(raw: Any, path: str) -> Catcher:
    if not isinstance(raw, dict) or not isinstance(raw.get("Next"), str):
        raise SimulationError(f"{path}: must be an object with Next")
    return Catcher(_error_equals(raw, path), raw["Next"], _assign(raw, path), _output(raw, path))


def _rule(raw: Any, path: str) -> Rule:
    if isinstance(raw, dict) and "Variable" in raw:
        raise SimulationError(f"{path}: Variable + comparison rules belong to JSONPath; a JSONata rule has a Condition")
    if not isinstance(raw, dict) or "Condition" not in raw or not isinstance(raw.get("Next"), str):
        raise SimulationError(f"{path}: a JSONata Choice rule needs Condition and Next")
    return Rule(compile_template(raw["Condition"], f"{path}.Condition"), raw["Next"], _assign(raw, path), _output(raw, path))
