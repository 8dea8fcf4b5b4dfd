"""Behaviour AWS recorded when it ran definitions written by others, which
the simulator must reproduce: unassigned variables fail at run time with
``States.QueryEvaluationError`` wherever they are read; the Parallel whose
branch and Catch both assign ``inputVar``; ``$randomSeeded`` is no
function; ``{%expr%}`` without inner spaces runs; a JSONata state keeps a
``.$`` key as an ordinary key; ``.sync:2`` tasks hand out a task token; a
JSONPath ``lambda:invoke`` without Parameters sends its input."""

from __future__ import annotations

import pytest

from ndr_workflows.simulate import Failure, Services, run

LAMBDA = "arn:aws:states:::lambda:invoke"


def jsonata(states: dict) -> dict:
    return {"QueryLanguage": "JSONata", "StartAt": next(iter(states)), "States": states}


def _task(**fields) -> dict:
    return {"Type": "Task", "Resource": LAMBDA, "Arguments": {"FunctionName": "f"}, "End": True, **fields}


@pytest.mark.parametrize(
    "state",
    [
        _task(Arguments={"FunctionName": "f", "Payload": "{% $never %}"}),
        _task(Output="{% $never %}"),
        _task(Assign={"seen": "{% $never %}"}),
        {"Type": "Pass", "Output": {"x": "{% $never %}"}, "End": True},
    ],
    ids=["Arguments", "Output", "Assign", "Pass Output"],
)
def test_reading_a_variable_never_assigned_fails_with_query_evaluation_error(state):
    execution = run(jsonata({"S": state}), {}, services=Services(lambdas={"f": {}}))
    assert (execution.status, execution.error) == ("FAILED", "States.QueryEvaluationError")
    assert "$never has not been assigned" in execution.cause


def test_reading_a_variable_never_assigned_in_a_catch_fails_too():
    def broken(call):
        raise Failure("Worker.Failed", "no")

    state = _task(Catch=[{"ErrorEquals": ["States.ALL"], "Output": "{% $never %}", "Next": "After"}], End=None, Next="Done")
    del state["End"]
    execution = run(jsonata({"S": state, "Done": {"Type": "Succeed"}, "After": {"Type": "Succeed"}}), {}, services=Services(handlers={"S": broken}))
    assert (execution.status, execution.error) == ("FAILED", "States.QueryEvaluationError")


def _parallel_scope_machine() -> dict:
    """The Parallel AWS created and ran: its branch's Task assigns inputVar and
    resultVar, the Parallel's Catch assigns inputVar and its Assign resultVar."""
    load = {"Type": "Task", "Resource": LAMBDA, "Arguments": {"FunctionName": "load", "Payload": "{% $states.input %}"},
            "Assign": {"inputVar": "{% $states.input %}", "resultVar": "{% $states.result.Payload %}"}, "Output": "{% $states.result.Payload %}", "End": True}
    fetch = {"Type": "Parallel", "Branches": [{"StartAt": "Load", "States": {"Load": load}}], "Assign": {"resultVar": "{% $states.result[0] %}"},
             "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"inputVar": "{% $states.errorOutput %}"}, "Next": "Failed"}], "Next": "Report"}
    return jsonata({
        "Fetch": fetch,
        "Report": {"Type": "Pass", "Output": {"result": "{% $resultVar %}"}, "End": True},
        "Failed": {"Type": "Fail", "Error": "FetchFailed", "Cause": "{% $string($inputVar) %}"},
    })


def test_the_parallel_scope_example_runs_on_both_paths():
    ok = run(_parallel_scope_machine(), {"n": 1}, services=Services(lambdas={"load": {"loaded": 1}}))
    assert (ok.status, ok.output) == ("SUCCEEDED", {"result": {"loaded": 1}})
    assert ok.variables == {"resultVar": {"loaded": 1}}  # the branch's own variables ended with the branch

    def broken(call):
        raise Failure("Load.Failed", "gone")

    failed = run(_parallel_scope_machine(), {"n": 1}, services=Services(handlers={"Load": broken}))
    assert (failed.error, failed.cause) == ("FetchFailed", '{"Error":"Load.Failed","Cause":"gone"}')


def test_random_seeded_is_not_a_function_at_run_time():
    execution = run(jsonata({"P": {"Type": "Pass", "Output": "{% $randomSeeded(1) %}", "End": True}}), {})
    assert (execution.status, execution.error) == ("FAILED", "States.QueryEvaluationError")


def test_delimiters_without_inner_spaces_run():
    execution = run(jsonata({"P": {"Type": "Pass", "Output": {"message": "{%'Hello, ' & $states.input.name%}"}, "End": True}}), {"name": "Ada"})
    assert execution.output == {"message": "Hello, Ada"}


def test_a_jsonata_state_keeps_a_dollar_key_as_text():
    execution = run(jsonata({"P": {"Type": "Pass", "Output": {"constant_jp_input.$": "$.value", "real": "{% $states.input.value %}"}, "End": True}}), {"value": 7})
    assert execution.output == {"constant_jp_input.$": "$.value", "real": 7}


def test_a_sync_2_child_execution_is_handed_the_task_token():
    start = {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
             "Arguments": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child", "Input": {"parentToken": "{% $states.context.Task.Token %}"}},
             "Output": "{% $states.result.Output %}", "End": True}
    execution = run(jsonata({"Child": start}), {}, services=Services(handlers={"Child": lambda call: {"Output": call.arguments["Input"]}}))
    assert execution.output == {"parentToken": "token-000001"}


def test_a_jsonpath_lambda_invoke_without_parameters_sends_its_input():
    machine = {"StartAt": "Invoke", "States": {"Invoke": {"Type": "Task", "Resource": LAMBDA, "OutputPath": "$.Payload", "End": True}}}
    execution = run(machine, {"FunctionName": "f", "Payload": {"x": 1}}, services=Services(lambdas={"f": lambda payload: {"got": payload}}))
    assert execution.output == {"got": {"x": 1}}
    assert execution.calls[0].arguments == {"FunctionName": "f", "Payload": {"x": 1}}
