"""sfn_ndr_backfill_reprocessing run by sfnx against a fake AWS: the fan-out,
reconciliation counts for failed windows, range validation, the polling
form, retries.
"""

from __future__ import annotations

import pytest
from behaviour_support import (
    BACKFILL,
    BACKFILL_INPUT,
    Failure,
    LAMBDA_CALLBACK,
    START_PIPELINE,
    WINDOWS,
    assert_callback_payload,
    assert_event,
    assert_token,
    call_of,
    calls_of,
    check_business_error_is_not_retried,
    check_missing_required_parameters,
    check_polling_form_succeeds_with_the_same_calls,
    check_transient_error_is_retried,
    definition,
    fake_for,
    pipeline_params,
    polling_definition,
    run_flow,
)


def test_backfill_happy_path():
    fake = fake_for(BACKFILL)
    execution = run_flow(definition(BACKFILL), BACKFILL_INPUT, fake)
    assert execution.error is None, execution.cause
    assert execution.states[:5] == ("NormalizeIncomingMessage", "ResolvePipelineRuntimeParams", "ValidateRuntimeParams", "BuildWindowList", "RunBackfillWindows")
    assert execution.states[-3:] == ("EmitBackfillReconciliationEvent", "CheckBackfillOutcome", "BackfillSucceeded")
    assert execution.states.count("StartBackfillPipeline") == 3
    assert execution.states.count("WaitForWindowCompletionEvent") == 3
    assert "RecordWindowFailure" not in execution.states
    assert call_of(execution, "BuildWindowList").arguments == {
        "FunctionName": "${BuildBackfillWindowsLambdaArn}",
        "Payload": {"start_ts": "2025-02-10T00:00:00Z", "end_ts": "2025-02-10T00:45:00Z", "step_minutes": 15, "project_name": "ndr-prod", "feature_spec_version": "v3"},
    }
    starts = calls_of(execution, START_PIPELINE)
    assert [pipeline_params(c) for c in starts] == [
        {"ProjectName": "ndr-prod", "FeatureSpecVersion": "v3", "MiniBatchId": w["mini_batch_id"], "BatchStartTsIso": w["batch_start_ts_iso"], "BatchEndTsIso": w["batch_end_ts_iso"]}
        for w in WINDOWS
    ]
    assert {c.arguments["PipelineName"] for c in starts} == {"${PipelineNameBackfill15m}"}
    tokens = [assert_token(c) for c in starts]
    assert len(set(tokens)) == 3, "each window needs its own ClientRequestToken"
    waits = calls_of(execution, LAMBDA_CALLBACK)
    for wait, started in zip(waits, fake.pipelines, strict=True):
        assert_callback_payload(wait, started.arn)
    assert_event(
        fake,
        "NdrBackfillCompleted",
        {
            "project_name": "ndr-prod",
            "feature_spec_version": "v3",
            "start_ts": "2025-02-10T00:00:00Z",
            "end_ts": "2025-02-10T00:45:00Z",
            "window_count": 3,
            "succeeded_count": 3,
            "failed_count": 0,
            "failed_windows": [],
        },
    )


def test_backfill_one_failed_window_is_reported_and_fails_the_run():
    fake = fake_for(BACKFILL)
    failed_id = WINDOWS[1]["mini_batch_id"]
    fake.fail_callback("WaitForWindowCompletionEvent", Failure("PipelineExecutionFailed", "window pipeline Failed"), mini_batch_id=failed_id)
    execution = run_flow(definition(BACKFILL), BACKFILL_INPUT, fake)
    assert [p.parameters["MiniBatchId"] for p in fake.pipelines] == [w["mini_batch_id"] for w in WINDOWS]
    assert len(calls_of(execution, LAMBDA_CALLBACK)) == 3
    assert execution.states.count("RecordWindowFailure") == 1
    assert_event(
        fake,
        "NdrBackfillCompleted",
        {
            "project_name": "ndr-prod",
            "feature_spec_version": "v3",
            "start_ts": "2025-02-10T00:00:00Z",
            "end_ts": "2025-02-10T00:45:00Z",
            "window_count": 3,
            "succeeded_count": 2,
            "failed_count": 1,
            "failed_windows": [failed_id],
        },
    )
    assert execution.error == "NdrBackfillFailed"
    assert failed_id in execution.cause
    assert execution.states[-2:] == ("CheckBackfillOutcome", "WorkflowFailed")


def test_backfill_failed_start_is_a_failed_window():
    fake = fake_for(BACKFILL)
    failed_id = WINDOWS[0]["mini_batch_id"]
    fake.fail(
        "StartBackfillPipeline",
        Failure("SageMaker.ConflictException", "conflict"),
        when=lambda call: pipeline_params(call)["MiniBatchId"] == failed_id,
    )
    execution = run_flow(definition(BACKFILL), BACKFILL_INPUT, fake)
    assert [p.parameters["MiniBatchId"] for p in fake.pipelines] == [w["mini_batch_id"] for w in WINDOWS[1:]]
    assert fake.events[0].detail["failed_windows"] == [failed_id]
    assert (fake.events[0].detail["succeeded_count"], fake.events[0].detail["failed_count"]) == (2, 1)
    assert execution.error == "NdrBackfillFailed" and failed_id in execution.cause


def test_backfill_window_list_failure_names_the_original_error():
    fake = fake_for(BACKFILL)
    fake.fail("BuildWindowList", Failure("ValueError", "step_minutes must divide the range"))
    execution = run_flow(definition(BACKFILL), BACKFILL_INPUT, fake)
    assert execution.error == "NdrBackfillFailed"
    assert "ValueError" in execution.cause and "step_minutes must divide the range" in execution.cause
    assert "BuildWindowList" in execution.cause
    assert fake.pipelines == [] and fake.events == []


@pytest.mark.parametrize(
    "given, valid",
    [
        ({"start_ts": "2025-01-01T00:00:00Z", "end_ts": "2025-01-11T00:00:00Z"}, True),  # exactly 960 windows
        ({"start_ts": "2025-01-01T00:00:00Z", "end_ts": "2025-01-11T00:15:00Z"}, False),  # 961
        ({"start_ts": "2025-01-01T00:00:00Z", "end_ts": "2025-02-01T00:00:00Z"}, False),
        ({"start_ts": "2025-01-01T00:00:00Z", "end_ts": "2025-01-16T00:00:00Z", "step_minutes": 30}, True),  # 720
        ({"start_ts": "2025-02-10T00:45:00Z", "end_ts": "2025-02-10T00:00:00Z"}, False),  # end before start
        ({"start_ts": "2025-02-10T00:00:00Z", "end_ts": "2025-02-10T00:00:00Z"}, False),  # empty range
    ],
)
def test_backfill_range_validation(given, valid):
    fake = fake_for(BACKFILL)
    execution = run_flow(definition(BACKFILL), given, fake)
    if valid:
        assert execution.error is None, execution.cause
        assert "BuildWindowList" in execution.states
    else:
        assert execution.error == "InvalidRuntimeParams"
        assert execution.calls == ()


def test_backfill_step_minutes_from_kv_text_is_a_number():
    fake = fake_for(BACKFILL)
    text = "project_name=ndr-prod;start_ts=2025-02-10T00:00:00Z;end_ts=2025-02-10T01:00:00Z;step_minutes=30"
    execution = run_flow(definition(BACKFILL), {"Records": [{"body": text}]}, fake)
    assert execution.error is None, execution.cause
    payload = call_of(execution, "BuildWindowList").arguments["Payload"]
    assert payload["step_minutes"] == 30 and isinstance(payload["step_minutes"], int | float) and not isinstance(payload["step_minutes"], bool)
    assert payload["start_ts"] == "2025-02-10T00:00:00Z"


def test_backfill_too_many_windows_names_the_limit():
    execution = run_flow(definition(BACKFILL), {"start_ts": "2025-01-01T00:00:00Z", "end_ts": "2025-01-11T00:15:00Z"}, fake_for(BACKFILL))
    assert execution.error == "InvalidRuntimeParams"
    assert "961" in execution.cause and "960" in execution.cause


@pytest.mark.parametrize("statuses, error_name", [(["Executing", "Failed"], "PipelineExecutionFailed"), (["Executing"], "PipelineExecutionTimedOut")])
def test_polling_backfill_failed_windows_are_counted(statuses, error_name):
    fake = fake_for(BACKFILL, describe_statuses={"*": statuses})
    execution = run_flow(polling_definition(BACKFILL), BACKFILL_INPUT, fake)
    assert len(fake.pipelines) == 3
    detail = fake.events[0].detail
    assert (detail["window_count"], detail["succeeded_count"], detail["failed_count"]) == (3, 0, 3)
    assert execution.error == "NdrBackfillFailed"

@pytest.mark.parametrize(
    "given, missing, present",
    [
        ({}, ["start_ts", "end_ts"], []),
        ({"start_ts": "2025-02-10T00:00:00Z"}, ["end_ts"], ["start_ts"]),
    ],
)
def test_missing_required_parameters(given, missing, present):
    check_missing_required_parameters(BACKFILL, given, missing, present)


def test_polling_form_succeeds_with_the_same_calls():
    check_polling_form_succeeds_with_the_same_calls(BACKFILL)


def test_transient_errors_are_retried():
    check_transient_error_is_retried(BACKFILL, "BuildWindowList", "Lambda.TooManyRequestsException")


def test_business_errors_are_not_retried():
    check_business_error_is_not_retried(BACKFILL, "BuildWindowList", "ValueError")
