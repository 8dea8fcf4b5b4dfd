"""sfn_ndr_training_orchestrator run by sfnx against a fake AWS: approval paths
(approved, rejected, not needed, timed out), the run id default, the polling
form, retries.
"""

from __future__ import annotations

import pytest
from behaviour_support import (
    ATTRIBUTES_RESULT,
    DEPLOY_RESULT,
    Failure,
    HUMAN_APPROVAL,
    INPUTS,
    LAMBDA_CALLBACK,
    MODEL_RECORD,
    TRAINING,
    assert_callback_payload,
    assert_events_follow_the_states,
    assert_path,
    assert_token,
    call_of,
    check_business_error_is_not_retried,
    check_polling_failure_route,
    check_polling_form_succeeds_with_the_same_calls,
    check_transient_error_is_retried,
    definition,
    fake_for,
    pipeline_params,
    run_flow,
    training_lambdas,
)


def test_training_happy_path_with_approval():
    fake = fake_for(TRAINING)
    execution = run_flow(definition(TRAINING), INPUTS[TRAINING], fake)
    assert execution.error is None, execution.cause
    assert_path(
        execution,
        TRAINING,
        "ApprovedAndDeployed",
        (
            "NormalizeIncomingMessage",
            "ResolvePipelineRuntimeParams",
            "StartTrainingPipeline",
            "WaitForTrainingCompletionEvent",
            "PublishApprovedModelArtifacts",
            "RegisterModelAttributesMap",
            "DeploymentRequiredChoice",
            "RequireHumanApproval",
            "ApprovalDecision",
            "DeployApprovedModel",
            "Success",
        ),
    )
    assert_events_follow_the_states(execution, fake, definition(TRAINING))
    start = call_of(execution, "StartTrainingPipeline")
    assert start.arguments["PipelineName"] == "${PipelineNameTraining}"
    assert pipeline_params(start) == {"ProjectName": "ndr-prod", "FeatureSpecVersion": "v3", "RunId": "train-2025-03-01", "ExecutionTsIso": "2025-03-01T00:07:12Z"}
    assert_token(start)
    (training,) = fake.pipelines
    assert_callback_payload(call_of(execution, "WaitForTrainingCompletionEvent"), training.arn)
    assert call_of(execution, "PublishApprovedModelArtifacts").arguments == {
        "FunctionName": "${ModelPublishLambdaArn}",
        "Payload": {
            "project_name": "ndr-prod",
            "feature_spec_version": "v3",
            "run_id": "train-2025-03-01",
            "training_pipeline_execution_arn": training.arn,
            "approved_model_prefix": "${ApprovedModelS3Prefix}",
        },
    }
    assert call_of(execution, "RegisterModelAttributesMap").arguments == {
        "FunctionName": "${ModelAttributesRegistryLambdaArn}",
        "Payload": {"model_registry_record": MODEL_RECORD, "attribute_schema_version": "v1"},
    }
    approval = call_of(execution, "RequireHumanApproval")
    assert approval.resource == LAMBDA_CALLBACK
    assert approval.arguments["FunctionName"] == HUMAN_APPROVAL
    assert approval.arguments["Payload"]["taskToken"]
    assert approval.arguments["Payload"]["candidate_model"] == MODEL_RECORD["model_id"]
    assert approval.arguments["Payload"]["currently_deployed_model"] == MODEL_RECORD["current_model_id"]
    assert call_of(execution, "DeployApprovedModel").arguments == {
        "FunctionName": "${ModelDeployLambdaArn}",
        "Payload": {"model_registry_record": MODEL_RECORD, "attributes_registration_result": ATTRIBUTES_RESULT},
    }
    assert execution.output["Payload"] == DEPLOY_RESULT


def test_training_no_deployment_needed():
    fake = fake_for(TRAINING, lambda_payloads=training_lambdas(deployment_required=False))
    execution = run_flow(definition(TRAINING), INPUTS[TRAINING], fake)
    assert execution.error is None, execution.cause
    assert execution.states[-2:] == ("DeploymentRequiredChoice", "NoDeploymentNeeded")
    assert fake.callbacks == [("WaitForTrainingCompletionEvent", fake.callbacks[0][1])]
    assert [state for state, _, _ in fake.invocations] == ["PublishApprovedModelArtifacts", "RegisterModelAttributesMap"]


def test_training_rejected_is_held():
    fake = fake_for(TRAINING, approval={"approval_status": "REJECTED", "approver": "sec-lead"})
    execution = run_flow(definition(TRAINING), INPUTS[TRAINING], fake)
    assert execution.error is None, execution.cause
    assert execution.states[-3:] == ("RequireHumanApproval", "ApprovalDecision", "HoldApprovedModel")
    assert "DeployApprovedModel" not in [c.state for c in execution.calls]


def test_training_approved_deploys():
    fake = fake_for(TRAINING, approval={"approval_status": "APPROVED"})
    execution = run_flow(definition(TRAINING), INPUTS[TRAINING], fake)
    assert execution.error is None, execution.cause
    assert execution.states[-3:] == ("ApprovalDecision", "DeployApprovedModel", "Success")
    assert call_of(execution, "DeployApprovedModel").arguments["Payload"] == {"model_registry_record": MODEL_RECORD, "attributes_registration_result": ATTRIBUTES_RESULT}


def test_training_run_id_defaults_to_the_execution_name():
    fake = fake_for(TRAINING)
    execution = run_flow(definition(TRAINING), {}, fake, execution_name="ndr-training-2025-03-01T00-07")
    assert execution.error is None, execution.cause
    assert pipeline_params(call_of(execution, "StartTrainingPipeline"))["RunId"] == "ndr-training-2025-03-01T00-07"
    assert call_of(execution, "PublishApprovedModelArtifacts").arguments["Payload"]["run_id"] == "ndr-training-2025-03-01T00-07"


def test_training_approval_callback_failure_fails_the_run():
    fake = fake_for(TRAINING)
    fake.fail_callback("RequireHumanApproval", Failure("ApprovalTimedOut", "no decision within 5 days"))
    execution = run_flow(definition(TRAINING), INPUTS[TRAINING], fake)
    assert execution.error == "NdrTrainingFailed"
    assert "ApprovalTimedOut" in execution.cause and "RequireHumanApproval" in execution.cause
    assert "DeployApprovedModel" not in [c.state for c in execution.calls]

def test_polling_form_succeeds_with_the_same_calls():
    check_polling_form_succeeds_with_the_same_calls(TRAINING)


@pytest.mark.parametrize("statuses, error_name, describes", [(["Executing", "Failed"], "PipelineExecutionFailed", 2), (["Executing"], "PipelineExecutionTimedOut", 3)])
def test_polling_failure_routes(statuses, error_name, describes):
    check_polling_failure_route(TRAINING, statuses, error_name, describes)


def test_transient_errors_are_retried():
    check_transient_error_is_retried(TRAINING, "RequireHumanApproval", "Lambda.ServiceException")


def test_business_errors_are_not_retried():
    check_business_error_is_not_retried(TRAINING, "PublishApprovedModelArtifacts", "KeyError")
