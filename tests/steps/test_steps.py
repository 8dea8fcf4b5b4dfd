"""Each step builder on its own: the states it returns, and the mistakes it
refuses. (The flows, the lock and random compositions have their own files.)"""

from __future__ import annotations

import pytest
from sfnx.testing import run

from ndr_workflows import BuildError, Fragment, Pass, StateMachine, Succeed, expr, states_input, var
from ndr_workflows.expressions import STATES_RESULT, TASK_TOKEN
from ndr_workflows.steps import (
    PAYLOAD,
    Check,
    Param,
    Polling,
    invoke_lambda,
    normalize_message,
    poll_pipeline,
    publish_event,
    resolve_params,
    run_pipeline,
    start_pipeline,
    transient_retry,
    validate_params,
    wait_for_callback,
    workflow_failed,
)
from ndr_workflows.steps.pipeline import poll_names


def render(fragment: Fragment, *, failure: bool = True) -> dict:
    machine = StateMachine(fragment, on_failure=workflow_failed("Failed") if failure else None)
    return machine.to_dict()["States"]


def test_start_pipeline_parameters_token_and_arn() -> None:
    states = render(
        Pass("Set", assign={"a": "x", "n": 3})
        >> start_pipeline("Start", pipeline="${PipelineName15m}", parameters={"A": var("a"), "N": var("n"), "Lit": 5}, arn_variable="arn")
    )
    start = states["Start"]
    assert start["Resource"] == "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution"
    assert start["Arguments"]["PipelineName"] == "${PipelineName15m}"
    assert start["Arguments"]["PipelineParameters"] == [
        {"Name": "A", "Value": "{% $string($a) %}"},
        {"Name": "N", "Value": "{% $string($n) %}"},
        {"Name": "Lit", "Value": "5"},
    ]
    assert start["Arguments"]["ClientRequestToken"] == (
        "{% $hash($states.context.Execution.Id & '|' & $states.context.State.Name, 'SHA-256') %}"
    )
    assert start["Assign"] == {"arn": "{% $states.result.PipelineExecutionArn %}"}
    assert start["Retry"][0]["ErrorEquals"] == list(transient_retry("sagemaker")[0].errors)
    assert start["Catch"] == [
        {
            "ErrorEquals": ["States.ALL"],
            "Assign": {"workflow_failed_state": "Start", "workflow_error": "{% $states.errorOutput %}"},
            "Next": "WorkflowFailed",
        }
    ]


def test_start_pipeline_token_is_64_hex_and_per_item() -> None:
    fragment = start_pipeline("Start", pipeline="p", parameters={}, arn_variable="arn", token_key=states_input("id"))
    definition = StateMachine(fragment, on_failure=workflow_failed("Failed")).to_dict()
    tokens = []
    for item in ("w1", "w2", "w1"):
        execution = run(definition, {"id": item}, tasks=lambda call: {"PipelineExecutionArn": "arn:x"})
        assert execution.error is None, execution.cause
        tokens.append(execution.calls[0].arguments["ClientRequestToken"])
    assert all(len(t) == 64 and int(t, 16) >= 0 for t in tokens)
    assert tokens[0] != tokens[1] and tokens[0] == tokens[2]


def test_wait_for_callback_payload_timeout_and_no_heartbeat_by_default() -> None:
    states = render(Pass("Set", assign={"arn": "a"}) >> wait_for_callback("WaitForXCompletionEvent", execution_arn=var("arn"), timeout_seconds=600))
    wait = states["WaitForXCompletionEvent"]
    assert wait["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert wait["Arguments"] == {
        "FunctionName": "${PipelineCompletionCallbackLambdaArn}",
        "Payload": {
            "taskToken": "{% $states.context.Task.Token %}",
            "expected_pipeline_execution_arn": "{% $arn %}",
            "success_statuses": ["Succeeded"],
            "failure_statuses": ["Failed", "Stopped"],
        },
    }
    assert wait["TimeoutSeconds"] == 600 and "HeartbeatSeconds" not in wait
    with_heartbeat = render(Pass("Set", assign={"arn": "a"}) >> wait_for_callback("W", execution_arn=var("arn"), timeout_seconds=600, heartbeat_seconds=60))
    assert with_heartbeat["W"]["HeartbeatSeconds"] == 60


def test_a_heartbeat_not_below_the_timeout_is_refused() -> None:
    with pytest.raises(BuildError, match="HEARTBEAT_NOT_BELOW_TIMEOUT"):
        render(Pass("Set", assign={"arn": "a"}) >> wait_for_callback("W", execution_arn=var("arn"), timeout_seconds=60, heartbeat_seconds=60))


def test_poll_names_follow_the_dashboard_convention() -> None:
    names = poll_names("Features")
    assert (names.describe, names.check, names.wait, names.increment, names.attempt_variable) == (
        "DescribeFeaturesPipeline",
        "CheckFeaturesPipelineStatus",
        "WaitBeforeDescribeFeaturesPipeline",
        "IncrementFeaturesPollAttempt",
        "features_poll_attempt",
    )
    assert poll_names("FGB").attempt_variable == "fgb_poll_attempt"
    assert poll_names("PredictionJoin").attempt_variable == "prediction_join_poll_attempt"


@pytest.mark.parametrize(
    ("statuses", "states_tail", "error"),
    [
        (["Executing", "Succeeded"], ["IncrementXPollAttempt", "DescribeXPipeline", "CheckXPipelineStatus", "Done"], None),
        (["Executing", "Failed"], ["CheckXPipelineStatus", "WorkflowFailed"], "PipelineExecutionFailed"),
        (["Executing", "Stopped"], ["CheckXPipelineStatus", "WorkflowFailed"], "PipelineExecutionFailed"),
        (["Executing"], ["CheckXPipelineStatus", "WorkflowFailed"], "PipelineExecutionTimedOut"),
    ],
)
def test_run_pipeline_polling_outcomes(statuses: list[str], states_tail: list[str], error: str | None) -> None:
    fragment = run_pipeline(start="StartX", wait="WaitForXCompletionEvent", pipeline="p", parameters={}, arn_variable="arn", completion=Polling(interval_seconds=5, max_attempts=3))
    definition = StateMachine(fragment >> Succeed("Done"), on_failure=workflow_failed("Failed")).to_dict()
    answers = iter(statuses + [statuses[-1]] * 10)
    describes = []

    def tasks(call):  # noqa: ANN001, ANN202
        if call.resource.endswith("startPipelineExecution"):
            return {"PipelineExecutionArn": "arn:p:1"}
        describes.append(call.arguments["PipelineExecutionArn"])
        return {"PipelineExecutionStatus": next(answers)}

    execution = run(definition, {}, tasks=tasks)
    assert list(execution.states[-len(states_tail):]) == states_tail
    assert set(describes) == {"arn:p:1"} and len(describes) <= 3
    if error is None:
        assert execution.error is None
    else:
        assert execution.error == "Failed" and error in execution.cause and "arn:p:1" in execution.cause
    if error == "PipelineExecutionTimedOut":
        assert len(describes) == 3


def test_poll_pipeline_alone_needs_its_counter_set_before() -> None:
    with pytest.raises(BuildError, match="x_poll_attempt is not assigned on every path"):
        render(Pass("Set", assign={"arn": "a"}) >> poll_pipeline("X", execution_arn=var("arn")) >> Succeed("Done"))


def test_invoke_lambda_request_response_reads_payload() -> None:
    states = render(invoke_lambda("Call", function="${F}", payload={"a": 1}, assign={"r": PAYLOAD}))
    assert states["Call"]["Resource"] == "arn:aws:states:::lambda:invoke"
    assert states["Call"]["Arguments"] == {"FunctionName": "${F}", "Payload": {"a": 1}}
    assert states["Call"]["Assign"] == {"r": "{% $states.result.Payload %}"}
    assert states["Call"]["Retry"][0]["ErrorEquals"][0] == "Lambda.ServiceException"


def test_invoke_lambda_callback_mistakes_are_refused() -> None:
    fragment = invoke_lambda("Ask", function="${F}", payload={"x": 1}, callback=True, assign={"s": STATES_RESULT.field("Payload").field("approval_status")})
    with pytest.raises(BuildError) as caught:
        render(fragment)
    assert {p.code for p in caught.value.problems} == {"CALLBACK_WITHOUT_TOKEN", "CALLBACK_WITHOUT_TIMEOUT", "CALLBACK_RESULT_HAS_NO_PAYLOAD"}
    ok = render(invoke_lambda("Ask", function="${F}", payload={"taskToken": TASK_TOKEN}, callback=True, timeout_seconds=60, assign={"s": STATES_RESULT.field("approval_status")}))
    assert ok["Ask"]["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"


def test_publish_event_sends_the_json_text_of_the_detail() -> None:
    states = render(Pass("Set", assign={"a": 1}) >> publish_event("Emit", detail_type="T", detail={"a": var("a"), "b": "x"}))
    (entry,) = states["Emit"]["Arguments"]["Entries"]
    assert entry == {"Source": "ndr.orchestration", "DetailType": "T", "Detail": '{% $string({"a": $a, "b": "x"}) %}', "EventBusName": "${EventBusName}"}
    execution = run(StateMachine(Pass("Set", assign={"a": 1}) >> publish_event("Emit", detail_type="T", detail={"a": var("a"), "b": "x"}), on_failure=workflow_failed("F")).to_dict(), {}, tasks=lambda call: {})
    assert execution.calls[0].arguments["Entries"][0]["Detail"] == '{"a":1,"b":"x"}'


def test_normalize_resolve_validate_reject_missing_and_invalid() -> None:
    params = [Param("name", "dflt"), Param("need", required=True), Param("n", 5, kind="number")]
    checks = [Check(expr("$type($n) = 'number' ? $n > 10 : false"), "n must be at most 10")]
    body = normalize_message() >> resolve_params(params) >> validate_params(params, checks) >> Pass("Go", output=expr("{'name': $name, 'need': $need, 'n': $n}"))
    definition = StateMachine(body).to_dict()
    ok = run(definition, "need=yes;n=7")
    assert ok.output == {"name": "dflt", "need": "yes", "n": 7}
    missing = run(definition, {"n": 11})
    assert missing.error == "InvalidRuntimeParams"
    assert "missing required parameter need" in missing.cause and "n must be at most 10" in missing.cause
    assert missing.states == ("NormalizeIncomingMessage", "ResolvePipelineRuntimeParams", "ValidateRuntimeParams", "InvalidRuntimeParams")


def test_a_required_param_with_a_default_is_refused() -> None:
    with pytest.raises(BuildError, match="REQUIRED_WITH_DEFAULT"):
        StateMachine(normalize_message() >> resolve_params([Param("x", "d", required=True)])).to_dict()


def test_workflow_failed_cause_keeps_the_original_error() -> None:
    fragment = invoke_lambda("Call", function="f", payload={}, retry=())
    execution = run(StateMachine(fragment, on_failure=workflow_failed("Boom")).to_dict(), {}, tasks=lambda call: (_ for _ in ()).throw(__import__("sfnx.testing").testing.Failure("Custom.Err", "it broke")))
    assert execution.error == "Boom"
    assert execution.cause == "State Call failed with Custom.Err: it broke"
