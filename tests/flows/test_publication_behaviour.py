"""sfn_ndr_prediction_publication run by sfnx against a fake AWS: the happy path,
the targets in every form, missing parameters, the polling form, retries.
"""

from __future__ import annotations

import pytest
from behaviour_support import (
    BATCH,
    BATCH_KV,
    PUBLICATION,
    PUBLICATION_RESULT,
    assert_callback_payload,
    assert_event,
    assert_events_follow_the_states,
    assert_path,
    assert_token,
    call_of,
    check_business_error_is_not_retried,
    check_missing_required_parameters,
    check_polling_failure_route,
    check_polling_form_succeeds_with_the_same_calls,
    check_transient_error_is_retried,
    definition,
    fake_for,
    pipeline_params,
    run_flow,
)


def test_publication_happy_path():
    fake = fake_for(PUBLICATION)
    execution = run_flow(definition(PUBLICATION), BATCH, fake)
    assert execution.error is None, execution.cause
    assert_path(
        execution,
        PUBLICATION,
        "HappyPath",
        (
            "NormalizeIncomingMessage",
            "ResolvePipelineRuntimeParams",
            "ValidateRuntimeParams",
            "StartPredictionJoinPipeline",
            "WaitForJoinCompletionEvent",
            "PublishToTargets",
            "EmitPublicationEvent",
        ),
    )
    assert_events_follow_the_states(execution, fake, definition(PUBLICATION))
    start = call_of(execution, "StartPredictionJoinPipeline")
    assert start.arguments["PipelineName"] == "${PipelineNamePredictionJoin}"
    assert pipeline_params(start) == {
        "ProjectName": "ndr-prod",
        "FeatureSpecVersion": "v3",
        "MiniBatchId": "mb-20250301T0000Z",
        "BatchStartTsIso": "2025-03-01T00:00:00Z",
        "BatchEndTsIso": "2025-03-01T00:15:00Z",
    }
    assert_token(start)
    assert_callback_payload(call_of(execution, "WaitForJoinCompletionEvent"), fake.pipelines[0].arn)
    assert call_of(execution, "PublishToTargets").arguments == {
        "FunctionName": "${PublishJoinedPredictionsLambdaArn}",
        "Payload": {"project_name": "ndr-prod", "feature_spec_version": "v3", "mini_batch_id": "mb-20250301T0000Z", "targets": ["redshift", "iceberg"]},
    }
    assert_event(fake, "NdrPredictionPublicationCompleted", PUBLICATION_RESULT)


@pytest.mark.parametrize(
    "given, targets",
    [
        ({**BATCH, "targets": ["iceberg"]}, ["iceberg"]),
        (BATCH_KV + ";targets=redshift,iceberg", ["redshift", "iceberg"]),
        (BATCH_KV + ";targets=iceberg", ["iceberg"]),
    ],
)
def test_publication_targets(given, targets):
    execution = run_flow(definition(PUBLICATION), given, fake_for(PUBLICATION))
    assert execution.error is None, execution.cause
    assert call_of(execution, "PublishToTargets").arguments["Payload"]["targets"] == targets

@pytest.mark.parametrize(
    "given, missing, present",
    [
        ({}, ["mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso"], []),
        ({"batch_start_ts_iso": "2025-03-01T00:00:00Z"}, ["mini_batch_id", "batch_end_ts_iso"], ["batch_start_ts_iso"]),
    ],
)
def test_missing_required_parameters(given, missing, present):
    check_missing_required_parameters(PUBLICATION, given, missing, present)


def test_polling_form_succeeds_with_the_same_calls():
    check_polling_form_succeeds_with_the_same_calls(PUBLICATION)


@pytest.mark.parametrize("statuses, error_name, describes", [(["Executing", "Failed"], "PipelineExecutionFailed", 2), (["Executing"], "PipelineExecutionTimedOut", 3)])
def test_polling_failure_routes(statuses, error_name, describes):
    check_polling_failure_route(PUBLICATION, statuses, error_name, describes)


def test_transient_errors_are_retried():
    check_transient_error_is_retried(PUBLICATION, "StartPredictionJoinPipeline", "SageMaker.SdkClientException")


def test_business_errors_are_not_retried():
    check_business_error_is_not_retried(PUBLICATION, "PublishToTargets", "Lambda.Unknown")
