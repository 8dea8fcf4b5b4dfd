"""Every execution ends, in bounded time and memory: states entered and
retries count against ``max_steps`` (default 25,000, as a STANDARD
execution's 25,000 history events), past which the execution is FAILED
with ``States.Runtime`` and a cause saying the simulation stopped; nothing
inside the machine catches that, not even a Distributed Map's tolerated
failures. What an execution keeps (states, calls, trace) grows with its
steps, never with its simulated time."""

from __future__ import annotations

import json

import pytest

from ndr_workflows.cli import simulate as simulate_cli
from ndr_workflows.simulate import Failure, Services, SimulationError, run

FN = "arn:aws:lambda:us-east-1:123456789012:function:work"


def busy(call):
    raise Failure("Worker.Busy", "try again")


def retrying(max_attempts: int = 99_999_999, backoff: float = 1.0, **retrier) -> dict:
    retry = {"ErrorEquals": ["States.ALL"], "MaxAttempts": max_attempts, "IntervalSeconds": 1, "BackoffRate": backoff, **retrier}
    return {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": FN, "Retry": [retry], "End": True}}}


def test_retries_count_against_the_bound():
    """MaxAttempts 99,999,999 once kept every attempt for a simulated year
    (31.5 million attempts, 13 GB); now the retries stop at the bound."""
    execution = run(retrying(), {}, services=Services(handlers={"Call": busy}))
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert execution.cause.startswith("the simulation stopped after 25,000 steps (states entered and retries), at Call")
    assert len(execution.calls) == 25_000  # the state entered once, 24,999 retries, each followed by an attempt
    assert len(execution.trace) <= 3 * 25_000


@pytest.mark.parametrize("max_steps", [1, 10, 1000])
def test_the_bound_is_configurable_and_what_is_kept_grows_with_it(max_steps):
    execution = run(retrying(), {}, services=Services(handlers={"Call": busy}), max_steps=max_steps)
    assert execution.error == "States.Runtime" and f"after {max_steps:,} steps" in execution.cause
    assert len(execution.calls) == max_steps
    assert len(execution.trace) <= 3 * max_steps + 1


def test_a_retry_that_runs_out_of_attempts_within_the_bound_is_unaffected():
    execution = run(retrying(max_attempts=3), {}, services=Services(handlers={"Call": busy}), max_steps=4)
    assert (execution.error, len(execution.calls)) == ("Worker.Busy", 4)


def test_a_backoff_beyond_any_float_waits_forever_and_the_execution_times_out():
    execution = run(retrying(backoff=2.0), {}, services=Services(handlers={"Call": busy}))
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert execution.duration_seconds == 365 * 24 * 3600
    capped = run(retrying(backoff=2.0, MaxDelaySeconds=5, JitterStrategy="FULL"), {}, services=Services(handlers={"Call": busy}), max_steps=2000)
    assert capped.error == "States.Runtime" and capped.duration_seconds <= 5 * 2000


def test_a_choice_loop_stops_at_the_bound():
    states = {
        "Again": {"Type": "Pass", "Assign": {"n.$": "States.MathAdd($n, 1)"}, "Next": "Check"},
        "Check": {"Type": "Choice", "Choices": [{"Variable": "$n", "NumericGreaterThan": -1, "Next": "Again"}], "Default": "Done"},
        "Done": {"Type": "Succeed"},
    }
    machine = {"StartAt": "Start", "States": {"Start": {"Type": "Pass", "Assign": {"n": 0}, "Next": "Again"}, **states}}
    execution = run(machine, {}, max_steps=501)
    assert (execution.error, len(execution.states)) == ("States.Runtime", 501)
    assert execution.variables == {"n": 250}


def test_a_map_of_a_huge_list_stops_at_the_bound():
    each = {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "One", "States": {"One": {"Type": "Pass", "End": True}}}, "End": True}
    execution = run({"StartAt": "Each", "States": {"Each": each}}, {"items": list(range(200_000))}, max_steps=1000)
    assert execution.error == "States.Runtime" and len(execution.states) == 1000
    assert sum(1 for entry in execution.trace if entry[0] == "iteration") == 1000  # the last one stopped as it began


def test_a_distributed_map_does_not_count_the_stop_as_a_tolerated_child_failure():
    spin = {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": -1, "Next": "Out"}], "Default": "Spin"}
    child = {"StartAt": "Spin", "States": {"Spin": spin, "Out": {"Type": "Succeed"}}}
    child["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    each = {"Type": "Map", "ItemsPath": "$.items", "ToleratedFailurePercentage": 100, "ItemProcessor": child, "End": True}
    execution = run({"StartAt": "Each", "States": {"Each": each}}, {"items": [1, 2, 3]}, max_steps=100)
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert "the simulation stopped after 100 steps" in execution.cause


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10"])
def test_max_steps_must_be_a_whole_number_of_at_least_one(bad):
    with pytest.raises(SimulationError, match="max_steps must be a whole number of at least 1"):
        run(retrying(), {}, max_steps=bad)


def test_the_command_line_takes_max_steps(tmp_path, capsys):
    definition = tmp_path / "loop.json"
    definition.write_text(
        json.dumps(
            {
                "StartAt": "A",
                "States": {
                    "A": {"Type": "Pass", "Next": "B"},
                    "B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "BooleanEquals": True, "Next": "C"}], "Default": "A"},
                    "C": {"Type": "Succeed"},
                },
            }
        )
    )
    code = simulate_cli.main([str(definition), "--input", '{"stop": false}', "--max-steps", "7", "--format", "json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 1
    assert (result["status"], result["error"], len(result["states"])) == ("FAILED", "States.Runtime", 7)
    assert "the simulation stopped after 7 steps" in result["cause"]
    assert simulate_cli.main([str(definition), "--input", '{"stop": true}', "--max-steps", "7"]) == 0
