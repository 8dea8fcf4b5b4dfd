"""sfn_ndr_training_orchestrator against its contract page,
docs/flows/sfn_ndr_training_orchestrator.md, and the properties its rows
cannot show (variables, placeholders, payloads, the choices' conditions and
the approval's result)."""

from __future__ import annotations

import pytest
from contract_polling import check_polling_failures, check_polling_form
from contract_support import (
    CALLBACK,
    DAY,
    FlowContract,
    Props,
    SOURCES,
    built,
    check_golden,
    check_page,
    check_parameters,
    check_properties,
    check_top_level,
    check_validation,
    definition,
    fs,
    invoke,
    mentions_variable,
    no_props,
    opening,
    page,
    start,
    wait,
)

NAME = "sfn_ndr_training_orchestrator"
PARAMS = ("project_name", "feature_spec_version", "run_id", "execution_ts_iso")

CONTRACT = FlowContract(
    name=NAME,
    timeout=7 * DAY,
    failure_error="NdrTrainingFailed",
    props={
        **opening(PARAMS),
        **no_props("DeploymentRequiredChoice", "ApprovalDecision", "NoDeploymentNeeded", "HoldApprovedModel", "Success", "WorkflowFailed"),
        "StartTrainingPipeline": start("PipelineNameTraining", ("ProjectName", "FeatureSpecVersion", "RunId", "ExecutionTsIso"), "training_pipeline_execution_arn"),
        "WaitForTrainingCompletionEvent": wait("training_pipeline_execution_arn"),
        "PublishApprovedModelArtifacts": invoke(
            "ModelPublishLambdaArn",
            ("project_name", "feature_spec_version", "run_id", "training_pipeline_execution_arn", "approved_model_prefix"),
            fs("model_registry_record", "deployment_required"),
            extra=fs("ApprovedModelS3Prefix"),
        ),
        "RegisterModelAttributesMap": invoke(
            "ModelAttributesRegistryLambdaArn", ("model_registry_record", "attribute_schema_version"), fs("attributes_registration_result")
        ),
        "RequireHumanApproval": Props(
            assigns=fs("approval_status"),
            placeholders=fs("HumanApprovalLambdaArn"),
            payload=("taskToken", "candidate_model", "currently_deployed_model"),
        ),
        "DeployApprovedModel": invoke("ModelDeployLambdaArn", ("model_registry_record", "attributes_registration_result")),
    },
    placeholders=fs(
        "PipelineNameTraining", "PipelineCompletionCallbackLambdaArn", "ModelPublishLambdaArn", "ApprovedModelS3Prefix",
        "ModelAttributesRegistryLambdaArn", "HumanApprovalLambdaArn", "ModelDeployLambdaArn",
    ),
    waits={"WaitForTrainingCompletionEvent": ("Training", "training")},
)


def test_committed_export_is_byte_identical_to_the_built_flow() -> None:
    check_golden(NAME)


@pytest.mark.parametrize("source", SOURCES)
def test_states_are_the_contract_page(source: str) -> None:
    check_page(NAME, definition(NAME, source))


@pytest.mark.parametrize("source", SOURCES)
def test_top_level(source: str) -> None:
    check_top_level(CONTRACT, definition(NAME, source))


@pytest.mark.parametrize("source", SOURCES)
def test_state_properties(source: str) -> None:
    check_properties(CONTRACT, definition(NAME, source))


@pytest.mark.parametrize("source", SOURCES)
def test_runtime_parameters_in_page_order(source: str) -> None:
    assert page(NAME).params == PARAMS
    check_parameters(NAME, definition(NAME, source))


def test_validation_names_every_required_parameter() -> None:
    assert page(NAME).required == ()
    check_validation(NAME)


def test_payloads_choices_and_approval_result() -> None:
    states = built(NAME)["States"]
    publish = states["PublishApprovedModelArtifacts"]
    assert publish["Arguments"]["Payload"]["approved_model_prefix"] == "${ApprovedModelS3Prefix}"
    for variable in ("model_registry_record", "deployment_required"):
        assert "$states.result.Payload" in publish["Assign"][variable], variable
    register = states["RegisterModelAttributesMap"]
    assert register["Arguments"]["Payload"]["attribute_schema_version"] == "v1"
    assert register["Assign"]["attributes_registration_result"] == "{% $states.result.Payload %}"
    approval = states["RequireHumanApproval"]
    assert approval["Resource"] == CALLBACK
    payload = approval["Arguments"]["Payload"]
    assert payload["taskToken"] == "{% $states.context.Task.Token %}"
    assert payload["candidate_model"] == "{% $model_registry_record.model_id %}"
    # null (not undefined, which would fail the state) before the first deployment
    assert payload["currently_deployed_model"] == "{% ($v := $model_registry_record.current_model_id; $exists($v) ? $v : null) %}"
    # A callback's result is the SendTaskSuccess output itself: no Payload.
    assert approval["Assign"]["approval_status"] == "{% ($v := $states.result.approval_status; $exists($v) ? $v : null) %}"
    (rule,) = states["DeploymentRequiredChoice"]["Choices"]
    assert mentions_variable(rule["Condition"], "deployment_required")
    (rule,) = states["ApprovalDecision"]["Choices"]
    assert mentions_variable(rule["Condition"], "approval_status") and "'APPROVED'" in rule["Condition"]
    deploy = states["DeployApprovedModel"]["Arguments"]["Payload"]
    assert deploy == {"model_registry_record": "{% $model_registry_record %}", "attributes_registration_result": "{% $attributes_registration_result %}"}


def test_no_events() -> None:
    assert not [s for s in built(NAME)["States"].values() if s.get("Resource", "").endswith(":events:putEvents")]


def test_polling_form_replaces_each_wait_with_four_states() -> None:
    check_polling_form(CONTRACT)


def test_polling_failures_take_the_callback_failure_route_with_a_record() -> None:
    check_polling_failures(NAME)
