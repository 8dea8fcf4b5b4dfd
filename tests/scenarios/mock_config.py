"""The scenarios in this directory, and an independent reader of their mocks.

Each flow has a directory ``<NAME>/`` with

* ``mocks.json``: an AWS Step Functions Local mock configuration
  (``StateMachines`` -> ``<NAME>`` -> ``TestCases`` -> test case -> state ->
  mocked response name; ``MockedResponses`` -> name -> invocation key ->
  ``Return`` or ``Throw``),
* ``inputs/*.json``: execution inputs,
* ``expected.json``: per test case, what it shows and the input it runs
  with (written by people), and its recorded outcome: status, error, the
  states entered (rewritten by ``scripts/refresh`` after a flow changes,
  for a person to review against the flow's page in docs/flows/).

This module deliberately does NOT use ``ndr_workflows.simulate``: it reads the
mock format on its own, so that running the same scenario through sfnx's
runner (``MockedTasks`` + ``run_sfnx``) is an independent check of our simulator's reading of
the format, not a copy of it.  ``format_problems`` checks a configuration
against the rules of Step Functions Local's format (and the shape each
integration's response has), so the files stay copyable to the real tool.
"""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

from ndr_workflows.flows import FLOW_NAMES

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
DEFINITIONS = REPO / "docs" / "step_functions_jsonata"
# The flows of the registry that have scenarios here, in the registry's order
# (test_conventions checks that every flow has them).
FLOWS = tuple(name for name in FLOW_NAMES if (HERE / name).is_dir())
# What ndr_workflows.simulate uses unless told otherwise (fixed defaults so
# runs are reproducible: docs/simulate.md); sfnx is given the same.
START_TIME = "2025-01-01T00:00:00.000Z"
EXECUTION_NAME = "execution"
ACCOUNT_REGION = "us-east-1:123456789012"


def execution_arn(state_machine: str, execution_name: str = EXECUTION_NAME) -> str:
    return f"arn:aws:states:{ACCOUNT_REGION}:execution:{state_machine}:{execution_name}"


# ---------------------------------------------------------------------------
# Loading.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    flow: str
    test_case: str
    description: str
    input_path: Path
    status: str
    error: str | None
    states: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.flow.removeprefix('sfn_ndr_')}:{self.test_case}"

    @property
    def definition_path(self) -> Path:
        return DEFINITIONS / f"{self.flow}.json"

    @property
    def mocks_path(self) -> Path:
        return HERE / self.flow / "mocks.json"

    def definition(self) -> dict:
        return load_json(self.definition_path)

    def mocks(self) -> dict:
        return load_json(self.mocks_path)

    def input(self) -> object:
        return load_json(self.input_path)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def scenarios(flow: str | None = None) -> list[Scenario]:
    """Every scenario (one per test case of each flow's mocks.json)."""
    found = []
    for name in FLOWS if flow is None else (flow,):
        expected = load_json(HERE / name / "expected.json")
        for case, spec in expected.items():
            found.append(
                Scenario(
                    flow=name,
                    test_case=case,
                    description=spec["description"],
                    input_path=HERE / name / spec["input"],
                    status=spec["status"],
                    error=spec.get("error"),
                    states=tuple(spec["states"]),
                )
            )
    return found


def recorded_states(flow: str, test_case: str) -> list[str]:
    """The states a scenario enters, as ``expected.json`` records them
    (``scripts/refresh`` rewrites the record after a flow changes): the
    expected path of tests that run the same flow the same way."""
    (found,) = [s for s in scenarios(flow) if s.test_case == test_case]
    return list(found.states)


# ---------------------------------------------------------------------------
# The format.
# ---------------------------------------------------------------------------

_KEY = re.compile(r"(0|[1-9][0-9]*)(?:-(0|[1-9][0-9]*))?")


def invocation_ranges(name: str, response: Mapping[str, object]) -> list[tuple[int, int, str]]:
    """(first, last, key) of each invocation key of a mocked response, in
    order, e.g. "0" -> (0, 0), "1-2" -> (1, 2). Raises ValueError on a key
    Step Functions Local does not read."""
    ranges = []
    for key in response:
        found = _KEY.fullmatch(key)
        if found is None:
            raise ValueError(f"MockedResponses.{name}: invocation key {key!r} is not 'N' or 'N-M'")
        first = int(found.group(1))
        last = int(found.group(2)) if found.group(2) is not None else first
        if last < first:
            raise ValueError(f"MockedResponses.{name}: range {key!r} ends before it starts")
        ranges.append((first, last, key))
    return sorted(ranges)


def _task_states(states: Mapping[str, Any]) -> Iterator[tuple[str, dict]]:
    for name, state in states.items():
        if state.get("Type") == "Task":
            yield name, state
        for inner in [*state.get("Branches", []), state.get("ItemProcessor")]:
            if inner:
                yield from _task_states(inner["States"])


def task_resources(definition: Mapping[str, Any]) -> dict[str, str]:
    """Task state name -> Resource, Map/Parallel states included (mocked by
    their own names, as in Step Functions Local)."""
    return {name: state["Resource"] for name, state in _task_states(definition["States"])}


def _result_problems(where: str, resource: str, value: object) -> list[str]:
    """The shape of what an integration returns, so a Return is realistic."""
    if resource.endswith(".waitForTaskToken"):
        # The state's result IS the SendTaskSuccess output, never wrapped.
        if isinstance(value, dict) and {"StatusCode", "Payload"} <= set(value):
            return [f"{where}: a .waitForTaskToken Return is the callback output itself, not a Lambda response with Payload"]
        return []
    if resource == "arn:aws:states:::lambda:invoke":
        if not isinstance(value, dict) or "Payload" not in value or "StatusCode" not in value:
            return [f"{where}: a lambda:invoke Return is the full response {{StatusCode, Payload, ...}}"]
        return []
    if resource.endswith(":startPipelineExecution"):
        if not isinstance(value, dict) or not str(value.get("PipelineExecutionArn", "")).startswith("arn:aws:sagemaker:"):
            return [f"{where}: StartPipelineExecution returns {{PipelineExecutionArn: arn:aws:sagemaker:...}}"]
        return []
    if resource == "arn:aws:states:::events:putEvents":
        if not isinstance(value, dict) or "Entries" not in value or "FailedEntryCount" not in value:
            return [f"{where}: PutEvents returns {{Entries: [...], FailedEntryCount}}"]
        return []
    if not isinstance(value, dict):
        return [f"{where}: an AWS SDK response is a JSON object"]
    return []


def format_problems(config: object, definitions: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Everything in a mock configuration that Step Functions Local would
    reject or that cannot be what the integration answers. ``definitions``:
    state machine name -> definition, for the state names and resources."""
    if not isinstance(config, dict):
        return ["the configuration is not a JSON object"]
    problems = [f"unknown top-level key {key!r}" for key in config if key not in ("StateMachines", "MockedResponses")]
    machines = config.get("StateMachines")
    responses = config.get("MockedResponses")
    if not isinstance(machines, dict) or not isinstance(responses, dict):
        return problems + ["StateMachines and MockedResponses must both be objects"]
    for rname, response in responses.items():
        where = f"MockedResponses.{rname}"
        if not isinstance(response, dict) or not response:
            problems.append(f"{where}: must be a non-empty object of invocation keys")
            continue
        try:
            ranges = invocation_ranges(rname, response)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        expected_next = 0
        for first, last, key in ranges:
            if first != expected_next:
                problems.append(f"{where}: invocation keys must cover 0, 1, 2, ... without gaps or overlaps; {key!r} follows {expected_next - 1}")
            expected_next = last + 1
            entry = response[key]
            if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in ("Return", "Throw"):
                problems.append(f"{where}.{key}: exactly one of Return or Throw")
                continue
            if "Throw" in entry:
                thrown = entry["Throw"]
                if not isinstance(thrown, dict) or set(thrown) != {"Error", "Cause"} or not all(isinstance(v, str) for v in thrown.values()):
                    problems.append(f"{where}.{key}.Throw: must be {{Error: string, Cause: string}}")
    used: set[str] = set()
    for machine, spec in machines.items():
        if machine not in definitions:
            problems.append(f"StateMachines.{machine}: no such state machine")
            continue
        resources = task_resources(definitions[machine])
        cases = spec.get("TestCases") if isinstance(spec, dict) else None
        if not isinstance(cases, dict) or set(spec) != {"TestCases"}:
            problems.append(f"StateMachines.{machine}: must be {{TestCases: {{...}}}}")
            continue
        for case, mapping in cases.items():
            for state, rname in (mapping or {}).items():
                where = f"StateMachines.{machine}.TestCases.{case}.{state}"
                if state not in resources:
                    problems.append(f"{where}: {machine} has no Task state {state!r}")
                    continue
                if rname not in responses:
                    problems.append(f"{where}: no MockedResponses entry {rname!r}")
                    continue
                used.add(rname)
                for key, entry in responses[rname].items():
                    if isinstance(entry, dict) and "Return" in entry:
                        problems += _result_problems(f"MockedResponses.{rname}.{key} (for {state})", resources[state], entry["Return"])
    problems += [f"MockedResponses.{name}: not used by any test case" for name in responses if name not in used]
    return problems


TASK_TOKEN = "<task token>"


def comparable_call(state: str, resource: str, arguments: Any) -> list[Any]:
    """A service call as plain JSON data, with the task token (opaque: each
    interpreter makes up its own) replaced by a marker once it is seen to be
    there, so calls of two interpreters compare equal."""
    arguments = json.loads(json.dumps(arguments))
    if resource.endswith(".waitForTaskToken"):
        token = arguments["Payload"]["taskToken"]
        assert isinstance(token, str) and token, f"{state}: no task token in {arguments}"
        arguments["Payload"]["taskToken"] = TASK_TOKEN
    return [state, resource, arguments]


# ---------------------------------------------------------------------------
# sfnx side: the test case as a `tasks` callable.
# ---------------------------------------------------------------------------


def sfnx_testing() -> Any:
    """sfnx.testing, or a failure that says how to install it: the
    independent interpreter is a judge, never skipped."""
    try:
        import sfnx.testing
    except ImportError as exc:  # pragma: no cover - only without the test extra
        raise AssertionError(
            "sfnx is not installed; it is the independent interpreter these tests compare against: "
            "pip install -e '.[test]' (or pip install sfnx==3.1.0)"
        ) from exc
    return sfnx.testing


class MockExhausted(AssertionError):
    """A state was invoked more often than its mocked response says, or has
    no mock in the test case. Not an sfnx Failure: it escapes the run and
    fails the test, because the scenario is incomplete."""


class MockedTasks:
    """Answers sfnx's Task calls from one test case of a mock configuration:
    the n-th invocation of a state (counted per state over the whole
    execution, Map iterations and retries included, 0-based) gets the entry
    whose key covers n."""

    def __init__(self, config: Mapping[str, Any], state_machine: str, test_case: str):
        self._failure = sfnx_testing().Failure
        self.case = dict(config["StateMachines"][state_machine]["TestCases"][test_case])
        self.responses = config["MockedResponses"]
        self.invocations: Counter[str] = Counter()

    def __call__(self, call: Any) -> object:
        state = call.state
        if state not in self.case:
            raise MockExhausted(f"{state} has no mocked response in this test case")
        index = self.invocations[state]
        self.invocations[state] += 1
        name = self.case[state]
        response = self.responses[name]
        for first, last, key in invocation_ranges(name, response):
            if first <= index <= last:
                entry = response[key]
                if "Throw" in entry:
                    raise self._failure(entry["Throw"]["Error"], entry["Throw"].get("Cause", ""))
                return copy.deepcopy(entry["Return"])
        raise MockExhausted(f"{state}: {name} has no response for invocation {index}")


@contextmanager
def sfnx_execution(state_machine: str, execution_name: str = EXECUTION_NAME) -> Iterator[None]:
    """sfnx.testing gives every execution the Id ...:execution:machine:execution;
    make it the Id our simulator gives (state machine name + execution name),
    so ClientRequestTokens and lock owners compare equal."""
    testing = sfnx_testing()
    original = testing.execution_context

    def named(execution_input: object, start_time: str) -> dict:
        context = original(execution_input, start_time)
        context["Execution"] = {**context["Execution"], "Id": execution_arn(state_machine, execution_name), "Name": execution_name}
        context["StateMachine"] = {
            **context.get("StateMachine", {}),
            "Id": f"arn:aws:states:{ACCOUNT_REGION}:stateMachine:{state_machine}",
            "Name": state_machine,
        }
        return context

    with mock.patch.object(testing, "execution_context", named):
        yield


def run_sfnx(
    definition: Mapping[str, Any],
    execution_input: object,
    tasks: Callable[[Any], object],
    *,
    state_machine: str,
    start_time: str = START_TIME,
) -> Any:
    """sfnx.testing.run with our simulator's execution identity."""
    with sfnx_execution(state_machine):
        return sfnx_testing().run(definition, execution_input, tasks=tasks, start_time=start_time)
