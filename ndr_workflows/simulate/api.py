"""``run()``: simulate one execution of a definition or a flow.

Preparing a definition (reading it, running the build's checks on it,
compiling its expressions) is done once and cached by the identity of the
object passed in (dict, StateMachine) and the substitutions, so running the
same definition many times costs only the execution itself. Do not mutate a
definition dict between runs.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from ..asl.problems import Problem
from .definition import Graph, compile_definition
from .engine import LIFETIME_SECONDS, MAX_STEPS, Interpreter
from .errors import RUNTIME, TIMEOUT, ExecutionTimedOut, Failure, SimulationError, StepLimit
from .execution import Execution
from .expressions import Variables
from .fakes import ACCOUNT, REGION
from .functions import MAX_MS, MIN_MS, Runtime, iso_millis, parse_iso_ms, running
from .heap import older_objects_frozen, paused
from .mocks import Mocks
from .services import Services

__all__ = ["run", "prepare", "Prepared", "DEFAULT_START_TIME", "DEFAULT_EXECUTION_NAME", "DEFAULT_STATE_MACHINE"]

DEFAULT_START_TIME = "2025-01-01T00:00:00.000Z"
DEFAULT_EXECUTION_NAME = "execution"
DEFAULT_STATE_MACHINE = "machine"


class Prepared:
    """A definition ready to run: its graph, timeout, default name and the
    names of all its states (nested ones included), which mocks may name."""

    __slots__ = ("graph", "timeout_seconds", "name", "source", "state_names")

    def __init__(self, graph: Graph, timeout_seconds: int | None, name: str | None, source: Any) -> None:
        self.graph = graph
        self.timeout_seconds = timeout_seconds
        self.name = name
        self.source = source  # keeps the cached object alive, so its id stays unique
        self.state_names = frozenset(_state_names(graph))


def _state_names(graph: Graph) -> Iterator[str]:
    for name, state in graph.states.items():
        yield name
        for inner in (state.processor, *state.branches):
            if inner is not None:
                yield from _state_names(inner)


_PREPARED: OrderedDict[tuple[int, tuple[tuple[str, str], ...]], Prepared] = OrderedDict()
_MOCKS: OrderedDict[tuple[int, str, str], tuple[Any, Mocks]] = OrderedDict()
_CACHE_SIZE = 64


def _read_definition(source: Any) -> tuple[Any, str | None, list[Problem]]:
    """The definition as plain data, the name it suggests (file stem, flow
    name) and what reading it found (duplicate keys; a flow's build
    problems): the package's one reader (no NaN, BOM allowed, duplicate
    keys reported)."""
    from ..asl.reader import UnusableInput, read_definition

    try:
        read = read_definition(source)
    except UnusableInput as exc:
        raise SimulationError(f"the definition: {exc}") from None
    return read.data, read.name or None, read.findings


# Findings of definitions AWS accepts and then fails at run time: the
# simulator runs them and fails where AWS would (States.NoChoiceMatched,
# States.QueryEvaluationError), so a scenario shows what really happens.
RUN_TIME_FAILURES = frozenset(
    {
        "CHOICE_WITHOUT_DEFAULT",
        "UNKNOWN_VARIABLE",
        "VARIABLE_MAYBE_UNASSIGNED",
        "VARIABLE_UNASSIGNED",
        "UNKNOWN_FUNCTION",
        "UNKNOWN_STATES_FIELD",
        "RESULT_NOT_AVAILABLE",
        "ERROR_OUTPUT_NOT_AVAILABLE",
        "TASK_TOKEN_NOT_AVAILABLE",
        "MAP_ITEM_NOT_AVAILABLE",
        "EXPRESSION_SPACING",
    }
)


def _refuse_errors(definition: Any, found: list[Problem]) -> None:
    """Raise SimulationError listing every error the validator's checks that
    need no service model find (the checks the build runs), except those of
    definitions AWS accepts and fails only at run time (RUN_TIME_FAILURES):
    the simulator runs only definitions AWS would create, and relies on
    their shape."""
    from ..asl.problems import TOP_LEVEL, unique
    from ..validate import check_definition

    errors = [f for f in unique(found + check_definition(definition, quotas=False)) if f.severity == "error" and f.code not in RUN_TIME_FAILURES]
    if errors:
        count = len(errors)
        lines = [f"the definition has {count} error{'s' if count != 1 else ''} (python -m ndr_workflows.validate explains them):"]
        lines += [f"  {f.path or TOP_LEVEL}: {f.message} [{f.code}]" for f in errors]
        raise SimulationError("\n".join(lines))


def prepare(definition_or_flow: Any, substitutions: dict[str, str] | None = None) -> Prepared:
    """Read, check and compile a definition once (cached by object identity)."""
    if isinstance(definition_or_flow, Prepared):
        return definition_or_flow
    key = (id(definition_or_flow), tuple(sorted((substitutions or {}).items())))
    found = _PREPARED.get(key)
    if found is not None and found.source is definition_or_flow:
        return found
    definition, name, problems = _read_definition(definition_or_flow)
    if substitutions:
        from ..asl.placeholders import substitute

        definition = substitute(definition, dict(substitutions))
    _refuse_errors(definition, problems)
    with paused():
        graph, timeout = compile_definition(definition)
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


def _unknown_mocked_states(bound: Mocks, prepared: Prepared, machine: str, test_case: str) -> None:
    """A test case mocking a state the definition does not have is a typo
    (or a mock file for another version): it would silently not apply."""
    from ..asl.common import did_you_mean

    unknown = sorted(set(bound.by_state) - prepared.state_names)
    names = []
    for name in unknown:
        hint = did_you_mean(name, prepared.state_names)
        names.append(f"{name!r} ({hint})" if hint else repr(name))
    raise SimulationError(
        f"test case {test_case!r} of state machine {machine!r} mocks {'a state' if len(unknown) == 1 else 'states'} "
        f"the definition does not have: {', '.join(names)}"
    )


def parse_start_time(text: str, lifetime_seconds: int = 0) -> int:
    """An ISO-8601 time with an offset, as epoch milliseconds. The clock must
    be able to run ``lifetime_seconds`` from it and still be a time Step
    Functions can write (``$now()``, ``EnteredTime``: years 0001 to 9999)."""
    start_ms = parse_iso_ms(text)
    if start_ms is None:
        raise SimulationError(f"start time {text!r} is not an ISO-8601 date-time with an offset or Z (e.g. {DEFAULT_START_TIME})")
    if start_ms < MIN_MS:
        raise SimulationError(f"start time {text!r} is before 0001-01-01T00:00:00Z")
    if start_ms + lifetime_seconds * 1000 > MAX_MS:
        latest = iso_millis(MAX_MS - lifetime_seconds * 1000)
        raise SimulationError(
            f"start time {text!r} is too late: the simulated clock may run {lifetime_seconds} s from it (the execution's "
            f"TimeoutSeconds, else a year), past 9999-12-31T23:59:59.999Z; start at {latest} or earlier"
        )
    return start_ms


def _check_input(value: Any) -> None:
    """The execution input must be JSON data (no NaN, string keys)."""
    from ..asl.reader import UnusableInput, check_json_data

    try:
        check_json_data(value, "input")
    except UnusableInput as exc:
        raise SimulationError(f"the execution input: {exc}") from None


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
    max_steps: int = MAX_STEPS,
) -> Execution:
    """Simulate one execution. Returns the :class:`Execution` whatever its
    status; raises :class:`SimulationError` when it cannot run: a definition
    with errors (the build's checks, each finding listed) or unusable, input
    or mocks that are not JSON data, an unknown test case or one mocking a
    state the definition lacks, a start time the clock cannot run from, a
    Task nothing answers.

    ``input`` None means ``{}`` (as StartExecution without input).
    ``mocks`` (Step Functions Local format: dict, path or JSON text) applies
    with ``test_case``; the state machine's key is ``state_machine``, else the
    flow's name / the file stem, else ``"machine"`` — it also names the
    execution's ARN. ``services`` (default: fresh built-in fakes) answers
    every Task the test case does not mock. ``seed`` drives ``$random``,
    ``$uuid``, ``States.UUID``, ``States.MathRandom`` and FULL jitter.
    ``max_steps`` bounds the states entered plus the retries: past it the
    execution is FAILED with ``States.Runtime`` (a cause saying so)."""
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise SimulationError(f"max_steps must be a whole number of at least 1, not {max_steps!r}")
    prepared = prepare(definition_or_flow, substitutions)
    machine = state_machine or prepared.name or DEFAULT_STATE_MACHINE
    if (mocks is None) != (test_case is None):
        raise SimulationError("mocks and test_case go together: give both or neither")
    bound = _mocks(mocks, machine, test_case) if mocks is not None and test_case is not None else None
    if bound is not None and not prepared.state_names.issuperset(bound.by_state):
        _unknown_mocked_states(bound, prepared, machine, cast(str, test_case))
    start_ms = parse_start_time(start_time, prepared.timeout_seconds or LIFETIME_SECONDS)
    services = services if services is not None else Services()
    events_before = len(services.events.entries)
    execution_input: Any = {} if input is None else input
    _check_input(execution_input)
    runtime = Runtime(seed, start_ms)
    interpreter = Interpreter(
        services.bind(bound),
        execution={
            "Id": f"arn:aws:states:{REGION}:{ACCOUNT}:execution:{machine}:{execution_name}",
            "Input": execution_input,
            "Name": execution_name,
            "RoleArn": f"arn:aws:iam::{ACCOUNT}:role/{machine}",
            "StartTime": iso_millis(start_ms),  # as Step Functions writes it, whatever spelling was given
            "RedriveCount": 0,
        },
        state_machine={"Id": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{machine}", "Name": machine},
        start_ms=start_ms,
        timeout_seconds=prepared.timeout_seconds,
        runtime=runtime,
        max_steps=max_steps,
    )
    variables = Variables()
    status, output, error, cause = "SUCCEEDED", None, None, None
    with running(runtime), older_objects_frozen():
        try:
            output = interpreter.run_graph(prepared.graph, execution_input, variables)
        except Failure as failure:
            status, error, cause = "FAILED", failure.error, failure.cause
        except ExecutionTimedOut:
            status, error, cause = "FAILED", TIMEOUT, "The execution ran longer than its TimeoutSeconds (simulated clock)"
        except StepLimit as limit:
            status, error, cause = "FAILED", RUNTIME, str(limit)
            interpreter.trace.append(("error", limit.path, runtime.now_ms, (error, cause)))
        except RecursionError:
            raise SimulationError("the execution's data is nested too deeply for the simulator (Python's recursion limit)") from None
    return Execution(
        status=status,
        output=output,
        error=error,
        cause=cause,
        states=interpreter.states,
        calls=interpreter.calls,
        events=services.events.entries[events_before:],  # what the EventBridge fake received in this run
        variables=variables.vars,
        trace=interpreter.trace,
        name=execution_name,
        state_machine=machine,
        start_time=iso_millis(start_ms),
        start_ms=start_ms,
        end_ms=runtime.now_ms,
        tables={table: services.dynamodb.items(table) for table in services.dynamodb.tables},
    )
