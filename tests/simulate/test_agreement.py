"""Our simulator agrees with an independent interpreter (sfnx) on every scenario.

The scenarios are the Step Functions Local mock configurations in
tests/scenarios/<NAME>/ (see tests/scenarios/mock_config.py). Each one runs

* through ``ndr_workflows.simulate.run`` (and, for a sample, through the CLI
  ``python -m ndr_workflows.simulate DEF --input IN --mocks M --test-case C``),
* through ``sfnx.testing.run``, its Tasks answered by an adapter that reads
  the same mock test case on its own (``mock_config.MockedTasks``),

and the two must agree on status, error, cause, output, the states entered and
every service call (state, resource, arguments). Both must also match what
the scenario's record says it does (``expected.json``: status, error, states,
recorded by ``scripts/refresh`` and reviewed against the flow's page in
docs/flows/), so agreement on a wrong answer still fails.

A hypothesis property then makes up new test cases in the same format (any
mix of the flow's own mocked responses and thrown errors, per invocation) and
checks the two interpreters agree on those too: that is what hidden scenarios
will look like.

Where sfnx and AWS differ, ``SFNX_DIFFERS`` records the scenario with the
reason, and the test asserts our (AWS) behaviour explicitly instead.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenarios.mock_config import (
    DEFINITIONS,
    FLOWS,
    REPO,
    MockedTasks,
    Scenario,
    comparable_call,
    format_problems,
    load_json,
    run_sfnx,
    scenarios,
    task_resources,
)

from ndr_workflows.flows import build_flow
from ndr_workflows.simulate import run
from ndr_workflows.steps import Polling

SCENARIOS = scenarios()
BY_ID = {s.id: s for s in SCENARIOS}

# scenario id -> why sfnx's answer is not AWS's (none known so far).
SFNX_DIFFERS: dict[str, str] = {}


def _json(value: Any) -> Any:
    """Plain JSON data (tuples, custom mappings -> lists, dicts)."""
    return json.loads(json.dumps(value))


def observed(execution: Any, *, sfnx: bool) -> dict[str, Any]:
    """What both interpreters report, in one comparable shape."""
    failed = execution.error is not None
    seen = {
        "status": "FAILED" if failed else "SUCCEEDED",
        "error": execution.error,
        "cause": execution.cause,
        "states": list(execution.states),
        "calls": [comparable_call(c.state, c.resource, c.arguments) for c in execution.calls],
    }
    if not failed:
        seen["output"] = _json(execution.output)
    if not sfnx:
        assert execution.status == seen["status"], f"status {execution.status!r} but error {execution.error!r}"
    return seen


def run_ours(scenario: Scenario, mocks: dict | None = None, test_case: str | None = None) -> dict[str, Any]:
    execution = run(
        scenario.definition(),
        scenario.input(),
        mocks=mocks if mocks is not None else scenario.mocks(),
        test_case=test_case or scenario.test_case,
        state_machine=scenario.flow,
    )
    return observed(execution, sfnx=False)


def run_theirs(scenario: Scenario, mocks: dict | None = None, test_case: str | None = None) -> dict[str, Any]:
    tasks = MockedTasks(mocks if mocks is not None else scenario.mocks(), scenario.flow, test_case or scenario.test_case)
    execution = run_sfnx(scenario.definition(), scenario.input(), tasks, state_machine=scenario.flow)
    return observed(execution, sfnx=True)


def assert_as_flows_md_says(scenario: Scenario, seen: dict[str, Any]) -> None:
    assert (seen["status"], seen["error"]) == (scenario.status, scenario.error), scenario.description
    assert seen["states"] == list(scenario.states), scenario.description


def first_difference(ours: dict[str, Any], theirs: dict[str, Any]) -> str:
    for key in ("status", "error", "cause", "states", "output"):
        if ours.get(key) != theirs.get(key):
            return f"{key}: ours {ours.get(key)!r} != sfnx {theirs.get(key)!r}"
    for index, (a, b) in enumerate(zip(ours["calls"], theirs["calls"], strict=False)):
        if a != b:
            return f"call {index}: ours {a!r} != sfnx {b!r}"
    return f"{len(ours['calls'])} calls (ours) != {len(theirs['calls'])} (sfnx)"


@pytest.fixture(scope="module", autouse=True)
def _engines_warm() -> None:
    """One run through each interpreter before any property: jsonata-python
    raises the recursion limit on first use, which hypothesis would report
    as a change made during a test."""
    scenario = BY_ID["prediction_publication:HappyPath"]
    run_ours(scenario)
    run_theirs(scenario)


# ---------------------------------------------------------------------------
# The scenario files themselves.
# ---------------------------------------------------------------------------


def test_every_flow_has_scenarios_for_each_kind_of_outcome() -> None:
    for flow in FLOWS:
        mine = [s for s in SCENARIOS if s.flow == flow]
        assert any(s.status == "SUCCEEDED" for s in mine), flow
        assert any(s.status == "FAILED" for s in mine), flow
        # a transient error retried until it succeeds ("...Then...")
        assert any("Then" in s.test_case and s.status == "SUCCEEDED" for s in mine), flow
        cases = set(load_json(Path(mine[0].mocks_path))["StateMachines"][flow]["TestCases"])
        assert cases == {s.test_case for s in mine}, f"{flow}: mocks.json and expected.json list different test cases"


@pytest.mark.parametrize("flow", FLOWS)
def test_mock_files_follow_the_step_functions_local_format(flow: str) -> None:
    definitions = {flow: load_json(DEFINITIONS / f"{flow}.json")}
    assert format_problems(load_json(REPO / "tests" / "scenarios" / flow / "mocks.json"), definitions) == []


def test_the_format_check_rejects_what_step_functions_local_rejects() -> None:
    flow = "sfn_ndr_prediction_publication"
    definitions = {flow: load_json(DEFINITIONS / f"{flow}.json")}
    bad = {
        "StateMachines": {flow: {"TestCases": {"Case": {
            "PublishToTargets": "PayloadOnly",
            "WaitForJoinCompletionEvent": "WrappedCallback",
            "StartPredictionJoinPipeline": "Gap",
            "NoSuchState": "Gap",
        }}}},
        "MockedResponses": {
            "PayloadOnly": {"0": {"Return": {"rows": 3}}},
            "WrappedCallback": {"0": {"Return": {"StatusCode": 200, "Payload": {}}}},
            "Gap": {"0": {"Throw": {"Error": "X"}}, "2": {"Return": {}, "Throw": {"Error": "X", "Cause": ""}}, "x": {}},
            "Unused": {"0": {"Return": {}}},
        },
    }
    problems = "\n".join(format_problems(bad, definitions))
    assert "'x' is not 'N' or 'N-M'" in problems
    bad["MockedResponses"]["Gap"].pop("x")
    problems = "\n".join(format_problems(bad, definitions))
    for expected in (
        "lambda:invoke Return is the full response",
        ".waitForTaskToken Return is the callback output itself",
        "Gap.0.Throw: must be {Error: string, Cause: string}",
        "without gaps or overlaps",
        "Gap.2: exactly one of Return or Throw",
        "has no Task state 'NoSuchState'",
        "Unused: not used by any test case",
    ):
        assert expected in problems


# ---------------------------------------------------------------------------
# Agreement on the scenarios.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_scenario_agrees_with_sfnx(scenario: Scenario) -> None:
    ours = run_ours(scenario)
    assert_as_flows_md_says(scenario, ours)
    theirs = run_theirs(scenario)
    if scenario.id in SFNX_DIFFERS:
        assert ours != theirs, f"sfnx now agrees on {scenario.id}; drop it from SFNX_DIFFERS"
        return
    assert ours == theirs, first_difference(ours, theirs)


def test_the_comparison_sees_an_interpreter_that_retries_differently() -> None:
    """The failing case of the agreement check: an interpreter that ignored
    the lock's Retry (here: ours on a definition without it) disagrees."""
    scenario = BY_ID["15m_features_inference:LockThrottledThenAcquired"]
    definition = scenario.definition()
    del definition["States"]["AcquireMiniBatchLock"]["Retry"]
    execution = run(definition, scenario.input(), mocks=scenario.mocks(), test_case=scenario.test_case, state_machine=scenario.flow)
    ours, theirs = observed(execution, sfnx=False), run_theirs(scenario)
    assert ours != theirs
    assert first_difference(ours, theirs).startswith("status: ours 'FAILED' != sfnx 'SUCCEEDED'")


def test_retries_are_separate_calls_with_the_same_arguments() -> None:
    """What the scenario names promise: 2 throttled + 1 successful putItem."""
    ours = run_ours(BY_ID["15m_features_inference:LockThrottledThenAcquired"])
    puts = [c for c in ours["calls"] if c[0] == "AcquireMiniBatchLock"]
    assert len(puts) == 3 and puts[0] == puts[1] == puts[2]
    exhausted = run_ours(BY_ID["15m_features_inference:LockTableUnavailable"])
    assert [c[0] for c in exhausted["calls"]] == ["AcquireMiniBatchLock"] * 5
    timed_out = run_ours(BY_ID["15m_features_inference:EventPutTimedOutIsNotRetried"])
    assert [c[0] for c in timed_out["calls"]].count("EmitInferenceCompleteEvent") == 1


def test_a_heartbeat_timeout_is_not_retried_as_a_task_failure() -> None:
    """A heartbeat timeout is a timeout (States.Timeout matches
    States.HeartbeatTimeout): EmitInferenceCompleteEvent
    retries only EventBridge.FailedEntry, so it is called once and the
    failure path releases the lock. (sfnx 3.1.0 would retry it under a
    States.TaskFailed retrier; the flows no longer have one, so both agree.)"""
    scenario = BY_ID["15m_features_inference:HappyPath"]
    mocks = scenario.mocks()
    cases = mocks["StateMachines"][scenario.flow]["TestCases"]
    cases["HeartbeatLost"] = {**cases["HappyPath"], "EmitInferenceCompleteEvent": "HeartbeatLost"}
    mocks["MockedResponses"]["HeartbeatLost"] = {"0-4": {"Throw": {"Error": "States.HeartbeatTimeout", "Cause": "no heartbeat"}}}
    ours = run_ours(scenario, mocks, "HeartbeatLost")
    theirs = run_theirs(scenario, mocks, "HeartbeatLost")
    emitted = [c[0] for c in ours["calls"]].count("EmitInferenceCompleteEvent")
    assert emitted == 1
    assert ours["states"][-2:] == ["ReleaseMiniBatchLockOnFailure", "WorkflowFailed"]
    assert ours["states"] == theirs["states"]
    assert [c[0] for c in theirs["calls"]].count("EmitInferenceCompleteEvent") == emitted


def test_failure_cause_keeps_the_original_error_and_the_release_failure() -> None:
    ours = run_ours(BY_ID["15m_features_inference:ReleaseAfterFailureAlsoFails"])
    assert ours["cause"].startswith("State Start15mFeaturesPipeline failed with SageMaker.ConflictException: ")
    assert "releasing the lock failed too: DynamoDb.DynamoDbException" in ours["cause"]


# ---------------------------------------------------------------------------
# The CLI, on a sample (one process each).
# ---------------------------------------------------------------------------

CLI_SAMPLE = [
    "15m_features_inference:HappyPath",
    "15m_features_inference:DuplicateMiniBatch",
    "15m_features_inference:CompletionLambdaThrottledThenDelivered",
    "monthly_fg_b_baselines:HappyPathFromSchedule",
    "training_orchestrator:ApprovalRejected",
    "backfill_reprocessing:SecondWindowPipelineFailed",
    "prediction_publication:JoinStartThrottledEveryTime",
]


@pytest.mark.parametrize("scenario_id", CLI_SAMPLE)
def test_cli_agrees_with_sfnx(scenario_id: str) -> None:
    scenario = BY_ID[scenario_id]
    command = [
        sys.executable, "-m", "ndr_workflows.simulate", str(scenario.definition_path),
        "--input", str(scenario.input_path),
        "--mocks", str(scenario.mocks_path),
        "--test-case", scenario.test_case,
    ]
    proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode in (0, 1), proc.stderr  # the simulation ran: 0 it SUCCEEDED, 1 it FAILED
    printed = json.loads(proc.stdout)  # JSON: stdout is not a terminal
    assert set(printed) >= {"status", "states", "calls"}
    assert proc.returncode == (0 if printed["status"] == "SUCCEEDED" else 1)
    theirs = run_theirs(scenario)
    ours = {
        "status": printed["status"],
        "error": printed.get("error"),
        "cause": printed.get("cause"),
        "states": printed["states"],
        "calls": [comparable_call(c["state"], c["resource"], c["arguments"]) for c in printed["calls"]],
    }
    if printed["status"] == "SUCCEEDED":
        ours["output"] = printed["output"]
    assert_as_flows_md_says(scenario, ours)
    assert ours == theirs, first_difference(ours, theirs)


# ---------------------------------------------------------------------------
# Made-up test cases in the same format.
# ---------------------------------------------------------------------------

# Errors worth throwing, beyond those each state's Retry names: a business
# error, a timeout (not matched by States.TaskFailed), a Lambda function error.
EXTRA_ERRORS = ("States.Timeout", "SageMaker.ConflictException", "DynamoDb.ConditionalCheckFailedException", "PipelineExecutionFailed", "FunctionError")


def _retried_errors(definition: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}

    def walk(states: dict) -> None:
        for name, state in states.items():
            if state.get("Type") == "Task":
                found[name] = [e for r in state.get("Retry", []) for e in r["ErrorEquals"] if e != "States.TaskFailed"] or ["EventBridge.AmazonEventBridgeException"]
            if "ItemProcessor" in state:
                walk(state["ItemProcessor"]["States"])

    walk(definition["States"])
    return found


FLOW_DATA = {}
for _flow in FLOWS:
    _definition = load_json(DEFINITIONS / f"{_flow}.json")
    _mocks = load_json(REPO / "tests" / "scenarios" / _flow / "mocks.json")
    _returns: dict[str, list[Any]] = {}
    for _case in _mocks["StateMachines"][_flow]["TestCases"].values():
        for _state, _response in _case.items():
            for _entry in _mocks["MockedResponses"][_response].values():
                if "Return" in _entry and _entry["Return"] not in _returns.setdefault(_state, []):
                    _returns[_state].append(_entry["Return"])
    FLOW_DATA[_flow] = (sorted(task_resources(_definition)), _returns, _retried_errors(_definition))


@st.composite
def made_up_cases(draw: st.DrawFn) -> tuple[Scenario, dict]:
    """A scenario's input with a new test case: for every Task state, a
    response per invocation (16: enough for 3 Map iterations of 5 attempts
    each, so no case runs out of responses), each a Return the flow's mocks use for that state
    or a Throw of an error it retries or not."""
    flow = draw(st.sampled_from(FLOWS))
    base = draw(st.sampled_from([s for s in SCENARIOS if s.flow == flow and s.status == "SUCCEEDED"]))
    states, returns, retried = FLOW_DATA[flow]
    responses: dict[str, dict] = {}
    case: dict[str, str] = {}
    for state in states:
        entries = {}
        for index in range(16):
            if draw(st.booleans()) and draw(st.booleans()):
                error = draw(st.sampled_from(retried[state] + list(EXTRA_ERRORS)))
                entries[str(index)] = {"Throw": {"Error": error, "Cause": f"injected at invocation {index}"}}
            else:
                entries[str(index)] = {"Return": draw(st.sampled_from(returns[state]))}
        responses[f"{state}Made"] = entries
        case[state] = f"{state}Made"
    mocks = {"StateMachines": {flow: {"TestCases": {"MadeUp": case}}}, "MockedResponses": responses}
    return base, mocks


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(made_up_cases())
def test_made_up_test_cases_agree_with_sfnx(made: tuple[Scenario, dict]) -> None:
    scenario, mocks = made
    ours = run_ours(scenario, mocks, "MadeUp")
    theirs = run_theirs(scenario, mocks, "MadeUp")
    assert ours == theirs, first_difference(ours, theirs)


# The polling form (docs/flows/README.md, "The polling form"): Describe / Check /
# Wait / Increment loops instead of callbacks, exported by changing one
# argument. Its Describe<X>Pipeline states get made-up status sequences.
POLLING = {}
for _flow in FLOWS:
    _definition = build_flow(_flow, completion=Polling(interval_seconds=30, max_attempts=3)).to_dict()
    POLLING[_flow] = (_definition, sorted(s for s, r in task_resources(_definition).items() if r.endswith(":describePipelineExecution")))


@st.composite
def polling_cases(draw: st.DrawFn) -> tuple[Scenario, dict, dict]:
    flow = draw(st.sampled_from(FLOWS))
    definition, describes = POLLING[flow]
    base = next(s for s in SCENARIOS if s.flow == flow and s.status == "SUCCEEDED")
    mocks = base.mocks()
    # The callback form's mocks, less its WaitFor<X>CompletionEvent states
    # (the polling form has none; mocking an unknown state is an error).
    tasks = task_resources(definition)
    case = {state: response for state, response in mocks["StateMachines"][flow]["TestCases"][base.test_case].items() if state in tasks}
    for state in describes:
        statuses = draw(st.lists(st.sampled_from(["Executing", "Executing", "Succeeded", "Succeeded", "Failed", "Stopped"]), min_size=16, max_size=16))
        mocks["MockedResponses"][f"{state}Statuses"] = {
            str(i): {"Return": {"PipelineExecutionArn": "arn:aws:sagemaker:us-east-1:123456789012:pipeline/p/execution/e", "PipelineExecutionStatus": status}}
            for i, status in enumerate(statuses)
        }
        case[state] = f"{state}Statuses"
    mocks["StateMachines"][flow]["TestCases"]["Polling"] = case
    return base, mocks, definition


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(polling_cases())
def test_polling_form_agrees_with_sfnx(made: tuple[Scenario, dict, dict]) -> None:
    scenario, mocks, definition = made
    execution = run(definition, scenario.input(), mocks=mocks, test_case="Polling", state_machine=scenario.flow)
    ours = observed(execution, sfnx=False)
    theirs = observed(
        run_sfnx(definition, scenario.input(), MockedTasks(mocks, scenario.flow, "Polling"), state_machine=scenario.flow), sfnx=True
    )
    assert ours == theirs, first_difference(ours, theirs)
