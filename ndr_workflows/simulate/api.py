"""``run()``: simulate one execution of a definition or a flow.

Preparing a definition (reading it, compiling its expressions) is done once
and cached by the identity of the object passed in (dict, StateMachine) and
the substitutions, so running the same definition many times costs only the
execution itself. Do not mutate a definition dict between runs.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import datetime
from pathlib import Path
from typing import Any

from .definition import Graph, compile_definition, substitute
from .engine import Interpreter
from .errors import ExecutionTimedOut, Failure, SimulationError
from .execution import Execution
from .expressions import Scope
from .fakes import ACCOUNT, REGION
from .functions import Runtime, running
from .mocks import Mocks
from .services import Services

__all__ = ["run", "prepare", "Prepared", "DEFAULT_START_TIME", "DEFAULT_EXECUTION_NAME", "DEFAULT_STATE_MACHINE"]

DEFAULT_START_TIME = "2025-01-01T00:00:00.000Z"
DEFAULT_EXECUTION_NAME = "execution"
DEFAULT_STATE_MACHINE = "machine"


class Prepared:
    """A definition ready to run: its graph, timeout and default name."""

    __slots__ = ("graph", "timeout_seconds", "name", "source")

    def __init__(self, graph: Graph, timeout_seconds: int | None, name: str | None, source: Any) -> None:
        self.graph = graph
        self.timeout_seconds = timeout_seconds
        self.name = name
        self.source = source  # keeps the cached object alive, so its id stays unique


_PREPARED: OrderedDict[tuple[int, tuple[tuple[str, str], ...]], Prepared] = OrderedDict()
_MOCKS: OrderedDict[tuple[int, str, str], tuple[Any, Mocks]] = OrderedDict()
_CACHE_SIZE = 64


def _read_definition(source: Any) -> tuple[Any, str | None]:
    """The definition dict and the name it suggests (file stem, flow name)."""
    if isinstance(source, dict):
        return source, None
    if hasattr(source, "to_dict") and hasattr(source, "body"):  # a StateMachine
        return source.to_dict(), getattr(source, "name", None)
    if isinstance(source, Path) or (isinstance(source, str) and not source.lstrip().startswith("{")):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise SimulationError(f"cannot read the definition {path}: {exc.strerror}") from None
        try:
            return json.loads(text), path.stem
        except ValueError as exc:
            raise SimulationError(f"{path} is not JSON: {exc}") from None
    if isinstance(source, str):
        try:
            return json.loads(source), None
        except ValueError as exc:
            raise SimulationError(f"the definition is not JSON: {exc}") from None
    raise SimulationError(f"cannot simulate a {type(source).__name__}; pass a definition dict, JSON text, a path or a StateMachine")


def prepare(definition_or_flow: Any, substitutions: dict[str, str] | None = None) -> Prepared:
    """Read and compile a definition once (cached by object identity)."""
    if isinstance(definition_or_flow, Prepared):
        return definition_or_flow
    key = (id(definition_or_flow), tuple(sorted((substitutions or {}).items())))
    found = _PREPARED.get(key)
    if found is not None and found.source is definition_or_flow:
        return found
    definition, name = _read_definition(definition_or_flow)
    graph, timeout = compile_definition(substitute(definition, dict(substitutions or {})))
    prepared = Prepared(graph, timeout, name, definition_or_flow)
    if not isinstance(definition_or_flow, (str, Path)):
        _PREPARED[key] = prepared
        while len(_PREPARED) > _CACHE_SIZE:
            _PREPARED.popitem(last=False)
    return prepared


def _mocks(config: Any, machine: str, test_case: str) -> Mocks:
    key = (id(config), machine, test_case)
    found = _MOCKS.get(key)
    if found is not None and found[0] is config:
        return found[1]
    mocks = Mocks(config, machine, test_case)
    if isinstance(config, dict):
        _MOCKS[key] = (config, mocks)
        while len(_MOCKS) > _CACHE_SIZE:
            _MOCKS.popitem(last=False)
    return mocks


def parse_start_time(text: str) -> int:
    """An ISO-8601 time with an offset, as epoch milliseconds."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError):
        raise SimulationError(f"start time {text!r} is not an ISO-8601 date-time (e.g. {DEFAULT_START_TIME})") from None
    if moment.tzinfo is None:
        raise SimulationError(f"start time {text!r} needs an offset or Z")
    return int(round(moment.timestamp() * 1000))


def run(
    definition_or_flow: Any,
    input: Any = None,
    *,
    mocks: Any = None,
    test_case: str | None = None,
    state_machine: str | None = None,
    services: Services | None = None,
    execution_name: str = DEFAULT_EXECUTION_NAME,
    start_time: str = DEFAULT_START_TIME,
    substitutions: dict[str, str] | None = None,
    seed: int = 0,
) -> Execution:
    """Simulate one execution. Returns the :class:`Execution` whatever its
    status; raises :class:`SimulationError` when it cannot run (unusable
    definition or mocks, unknown test case, a Task nothing answers).

    ``input`` None means ``{}`` (as StartExecution without input).
    ``mocks`` (Step Functions Local format: dict, path or JSON text) applies
    with ``test_case``; the state machine's key is ``state_machine``, else the
    flow's name / the file stem, else ``"machine"`` — it also names the
    execution's ARN. ``services`` (default: fresh built-in fakes) answers
    every Task the test case does not mock. ``seed`` drives ``$random``,
    ``$uuid`` and FULL jitter."""
    prepared = prepare(definition_or_flow, substitutions)
    machine = state_machine or prepared.name or DEFAULT_STATE_MACHINE
    if (mocks is None) != (test_case is None):
        raise SimulationError("mocks and test_case go together: give both or neither")
    bound = _mocks(mocks, machine, test_case) if mocks is not None and test_case is not None else None
    start_ms = parse_start_time(start_time)
    services = services if services is not None else Services()
    execution_input: Any = {} if input is None else input
    runtime = Runtime(seed, start_ms)
    interpreter = Interpreter(
        services.bind(bound),
        execution={
            "Id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{machine}:{execution_name}",
            "Input": execution_input,
            "Name": execution_name,
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{machine}",
            "StartTime": start_time,
            "RedriveCount": 0,
        },
        state_machine={"Id": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{machine}", "Name": machine},
        start_ms=start_ms,
        timeout_seconds=prepared.timeout_seconds,
        runtime=runtime,
    )
    scope = Scope()
    status, output, error, cause = "SUCCEEDED", None, None, None
    with running(runtime):
        try:
            output = interpreter.run_graph(prepared.graph, execution_input, scope)
        except Failure as failure:
            status, error, cause = "FAILED", failure.error, failure.cause
        except ExecutionTimedOut:
            status, error, cause = "FAILED", "States.Timeout", "The execution ran longer than its TimeoutSeconds (simulated clock)"
    return Execution(
        status=status,
        output=output,
        error=error,
        cause=cause,
        states=interpreter.states,
        calls=interpreter.calls,
        events=interpreter.events,
        variables=scope.vars,
        trace=interpreter.trace,
        name=execution_name,
        state_machine=machine,
        start_time=start_time,
        start_ms=start_ms,
        end_ms=runtime.now_ms,
    )
