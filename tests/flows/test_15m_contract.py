"""sfn_ndr_15m_features_inference against its contract page,
docs/flows/sfn_ndr_15m_features_inference.md, and the properties its rows
cannot show (variables, placeholders, pipeline parameters, payloads, the
event's Detail, the lock's item and conditions)."""

from __future__ import annotations

import pytest
from contract_polling import check_polling_failures, check_polling_form
from contract_support import (
    BATCH_PIPELINE_PARAMS,
    DUPLICATE_ERROR,
    HOUR,
    SOURCES,
    FlowContract,
    Props,
    built,
    check_golden,
    check_page,
    check_parameters,
    check_properties,
    check_top_level,
    check_validation,
    definition,
    event,
    fs,
    mentions_variable,
    no_props,
    opening,
    page,
    start,
    wait,
)

NAME = "sfn_ndr_15m_features_inference"
PARAMS = ("project_name", "feature_spec_version", "mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso", "execution_ts_iso", "lock_ttl_epoch")

CONTRACT = FlowContract(
    name=NAME,
    timeout=6 * HOUR,
    failure_error="Ndr15mFeaturesInferenceFailed",
    props={
        **opening(PARAMS),
        **no_props("ValidateRuntimeParams", "InvalidRuntimeParams", "DuplicateMiniBatch", "Success", "WorkflowFailed"),
        "AcquireMiniBatchLock": Props(placeholders=fs("LockTableName")),
        "Start15mFeaturesPipeline": start("PipelineName15m", BATCH_PIPELINE_PARAMS, "features_pipeline_execution_arn"),
        "WaitForFeaturesCompletionEvent": wait("features_pipeline_execution_arn"),
        "StartInferencePipeline": start("PipelineNameInference", BATCH_PIPELINE_PARAMS, "inference_pipeline_execution_arn"),
        "WaitForInferenceCompletionEvent": wait("inference_pipeline_execution_arn"),
        "EmitInferenceCompleteEvent": event(
            "NdrInferencePipelineCompleted",
            fields=("project_name", "feature_spec_version", "mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso", "inference_pipeline_execution_arn"),
        ),
        "ReleaseMiniBatchLockOnSuccess": Props(placeholders=fs("LockTableName")),
        "ReleaseMiniBatchLockOnFailure": Props(placeholders=fs("LockTableName")),
    },
    placeholders=fs(
        "LockTableName", "EventBusName", "PipelineName15m", "PipelineNameInference", "PipelineCompletionCallbackLambdaArn"
    ),
    waits={"WaitForFeaturesCompletionEvent": ("Features", "features"), "WaitForInferenceCompletionEvent": ("Inference", "inference")},
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
    assert page(NAME).required == ("mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso")
    check_validation(NAME)


def test_lock_item_key_condition_and_release() -> None:
    states = built(NAME)["States"]
    acquire = states["AcquireMiniBatchLock"]["Arguments"]
    assert acquire["TableName"] == "${LockTableName}"
    item = acquire["Item"]
    assert list(item) == ["pk", "sk", "ttl_epoch", "created_at", "owner"]
    assert {k: next(iter(v)) for k, v in item.items()} == {"pk": "S", "sk": "S", "ttl_epoch": "N", "created_at": "S", "owner": "S"}
    assert all(v in item["pk"]["S"] for v in ("$project_name", "$feature_spec_version", "'#'"))
    assert all(v in item["sk"]["S"] for v in ("$batch_start_ts_iso", "$batch_end_ts_iso", "'#'"))
    assert mentions_variable(item["ttl_epoch"]["N"], "lock_ttl_epoch")
    assert mentions_variable(item["created_at"]["S"], "execution_ts_iso")
    execution_id = "{% $states.context.Execution.Id %}"
    assert item["owner"]["S"] == execution_id
    condition = acquire["ConditionExpression"]
    assert "attribute_not_exists(pk)" in condition and "attribute_not_exists(sk)" in condition
    owner_name = next(k for k, v in acquire["ExpressionAttributeNames"].items() if v == "owner")
    owner_value = next(k for k, v in acquire["ExpressionAttributeValues"].items() if v == {"S": execution_id})
    assert f"{owner_name} = {owner_value}" in condition and " OR " in condition
    for release_name in ("ReleaseMiniBatchLockOnSuccess", "ReleaseMiniBatchLockOnFailure"):
        release = states[release_name]["Arguments"]
        assert release["TableName"] == "${LockTableName}"
        assert release["Key"] == {"pk": item["pk"], "sk": item["sk"]}, release_name
        owner_name = next(k for k, v in release["ExpressionAttributeNames"].items() if v == "owner")
        owner_value = next(k for k, v in release["ExpressionAttributeValues"].items() if v == {"S": execution_id})
        assert f"{owner_name} = {owner_value}" in release["ConditionExpression"], release_name
    duplicate = states["DuplicateMiniBatch"]
    assert "already exists" in duplicate["Cause"]


@pytest.mark.parametrize("polling", [False, True])
def test_a_duplicate_lock_is_caught_under_the_aws_sdk_error_name(polling: bool) -> None:
    catch = built(NAME, polling=polling)["States"]["AcquireMiniBatchLock"]["Catch"][0]
    assert catch == {"ErrorEquals": [DUPLICATE_ERROR], "Next": "DuplicateMiniBatch"}


def test_polling_form_replaces_each_wait_with_four_states() -> None:
    check_polling_form(CONTRACT)


def test_polling_failures_take_the_callback_failure_route_with_a_record() -> None:
    check_polling_failures(NAME)
