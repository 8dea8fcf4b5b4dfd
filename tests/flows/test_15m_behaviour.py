"""sfn_ndr_15m_features_inference run by sfnx against a fake AWS: the happy path,
the message in every form, the lock (duplicates, takeovers, lost answers,
releases on every failure), failing callbacks, the polling form, retries.
"""

from __future__ import annotations

import json

import pytest
from behaviour_support import (
    BATCH,
    BATCH_KV,
    DELETE_ITEM,
    F15,
    Failure,
    HEX64,
    LOCK_KEY,
    OTHER_EXECUTION,
    PUT_CONDITION,
    PUT_ITEM,
    PUT_NAMES,
    START_EPOCH,
    START_PIPELINE,
    THIS_EXECUTION,
    call_signature,
    assert_callback_payload,
    assert_event,
    assert_events_follow_the_states,
    assert_path,
    assert_token,
    call_of,
    calls_of,
    check_business_error_is_not_retried,
    check_missing_required_parameters,
    check_polling_form_succeeds_with_the_same_calls,
    check_transient_error_is_retried,
    definition,
    events_of,
    fake_for,
    lock_item,
    pipeline_params,
    polling_definition,
    run_flow,
)


def test_15m_happy_path():
    fake = fake_for(F15)
    seen_during_run = []
    fake.before("Start15mFeaturesPipeline", lambda f, c: seen_during_run.append(dict(f.table.items)))
    fake.before("StartInferencePipeline", lambda f, c: seen_during_run.append(dict(f.table.items)))
    execution = run_flow(definition(F15), BATCH, fake)

    assert execution.error is None, execution.cause
    assert_path(
        execution,
        F15,
        "HappyPath",
        (
        "NormalizeIncomingMessage",
        "ResolvePipelineRuntimeParams",
        "ValidateRuntimeParams",
        "AcquireMiniBatchLock",
        "Start15mFeaturesPipeline",
        "WaitForFeaturesCompletionEvent",
        "StartInferencePipeline",
        "WaitForInferenceCompletionEvent",
        "EmitInferenceCompleteEvent",
        "ReleaseMiniBatchLockOnSuccess",
        "Success",
        ),
    )
    put = call_of(execution, "AcquireMiniBatchLock")
    assert put.resource == PUT_ITEM
    assert put.arguments == {
        "TableName": "${LockTableName}",
        "Item": lock_item(),
        "ConditionExpression": PUT_CONDITION,
        "ExpressionAttributeNames": PUT_NAMES,
        "ExpressionAttributeValues": {":owner": {"S": THIS_EXECUTION}, ":now": {"N": str(START_EPOCH)}},
    }
    # The lock is held while the pipelines run ...
    assert seen_during_run == [{LOCK_KEY: lock_item()}] * 2
    features = call_of(execution, "Start15mFeaturesPipeline")
    inference = call_of(execution, "StartInferencePipeline")
    expected_params = {
        "ProjectName": "ndr-prod",
        "FeatureSpecVersion": "v3",
        "MiniBatchId": "mb-20250301T0000Z",
        "BatchStartTsIso": "2025-03-01T00:00:00Z",
        "BatchEndTsIso": "2025-03-01T00:15:00Z",
    }
    assert features.resource == inference.resource == START_PIPELINE
    assert features.arguments["PipelineName"] == "${PipelineName15m}"
    assert inference.arguments["PipelineName"] == "${PipelineNameInference}"
    assert pipeline_params(features) == pipeline_params(inference) == expected_params
    assert assert_token(features) != assert_token(inference)
    features_arn, inference_arn = (p.arn for p in fake.pipelines)
    assert_callback_payload(call_of(execution, "WaitForFeaturesCompletionEvent"), features_arn)
    assert_callback_payload(call_of(execution, "WaitForInferenceCompletionEvent"), inference_arn)
    assert_event(
        fake,
        "NdrInferencePipelineCompleted",
        {
            "project_name": "ndr-prod",
            "feature_spec_version": "v3",
            "mini_batch_id": "mb-20250301T0000Z",
            "batch_start_ts_iso": "2025-03-01T00:00:00Z",
            "batch_end_ts_iso": "2025-03-01T00:15:00Z",
            "inference_pipeline_execution_arn": inference_arn,
        },
    )
    release = call_of(execution, "ReleaseMiniBatchLockOnSuccess")
    assert release.resource == DELETE_ITEM
    assert release.arguments == {
        "TableName": "${LockTableName}",
        "Key": {"pk": {"S": LOCK_KEY[0]}, "sk": {"S": LOCK_KEY[1]}},
        "ConditionExpression": "attribute_not_exists(pk) OR #owner = :owner",
        "ExpressionAttributeNames": {"#owner": "owner"},
        "ExpressionAttributeValues": {":owner": {"S": THIS_EXECUTION}},
    }
    # ... and released at the end.
    assert_events_follow_the_states(execution, fake, definition(F15))
    assert fake.table.items == {}
    assert [op for op, _, outcome in fake.table.history if outcome == "ok"] == ["put", "delete"]


def test_15m_explicit_execution_time_and_ttl_go_into_the_lock():
    fake = fake_for(F15)
    given = {**BATCH, "execution_ts_iso": "2025-03-01T00:05:00Z", "lock_ttl_epoch": "1740900000"}
    execution = run_flow(definition(F15), given, fake)
    assert execution.error is None, execution.cause
    item = call_of(execution, "AcquireMiniBatchLock").arguments["Item"]
    assert item["created_at"] == {"S": "2025-03-01T00:05:00Z"}
    assert item["ttl_epoch"] == {"N": "1740900000"}


def test_15m_defaults_project_and_spec_version():
    fake = fake_for(F15)
    given = {k: v for k, v in BATCH.items() if k not in ("project_name", "feature_spec_version")}
    execution = run_flow(definition(F15), given, fake)
    assert execution.error is None, execution.cause
    assert pipeline_params(call_of(execution, "Start15mFeaturesPipeline"))["ProjectName"] == "ndr-project"
    assert pipeline_params(call_of(execution, "Start15mFeaturesPipeline"))["FeatureSpecVersion"] == "v1"
    assert call_of(execution, "AcquireMiniBatchLock").arguments["Item"]["pk"] == {"S": "ndr-project#v1"}


def test_client_request_token_is_deterministic_per_execution_and_state():
    first = run_flow(definition(F15), BATCH, fake_for(F15))
    again = run_flow(definition(F15), BATCH, fake_for(F15))
    other = run_flow(definition(F15), BATCH, fake_for(F15), execution_name="another-run")
    tokens = [
        [c.arguments["ClientRequestToken"] for c in calls_of(e, START_PIPELINE)] for e in (first, again, other)
    ]
    assert tokens[0] == tokens[1]
    assert not set(tokens[0]) & set(tokens[2])
    assert all(HEX64.fullmatch(t) for group in tokens for t in group)


@pytest.mark.parametrize(
    "given",
    [
        pytest.param(BATCH_KV, id="kv-string"),
        pytest.param({"Records": [{"body": BATCH_KV}]}, id="sqs"),
        pytest.param({"Records": [{"Sns": {"Message": BATCH_KV}}]}, id="sns"),
        pytest.param({"message_body": BATCH_KV}, id="message_body"),
        pytest.param({"Records": [{"body": json.dumps(BATCH)}]}, id="sqs-json-object"),
        pytest.param({"Records": [{"Sns": {"Message": json.dumps(BATCH)}}]}, id="sns-json-object"),
        pytest.param(" ; ".join(f"{k} = {v}" for k, v in BATCH.items()), id="kv-with-spaces"),
    ],
)
def test_15m_input_forms_give_identical_calls(given):
    direct = run_flow(definition(F15), BATCH, fake_for(F15))
    other = run_flow(definition(F15), given, fake_for(F15))
    assert direct.error is None and other.error is None, other.cause
    assert call_signature(other) == call_signature(direct)


def test_15m_kv_key_matches_only_at_a_field_start():
    text = "prev_mini_batch_id=mb-old;" + BATCH_KV.replace("mini_batch_id=mb-20250301T0000Z", "mini_batch_id=mb-new")
    execution = run_flow(definition(F15), {"Records": [{"body": text}]}, fake_for(F15))
    assert execution.error is None, execution.cause
    assert pipeline_params(call_of(execution, "Start15mFeaturesPipeline"))["MiniBatchId"] == "mb-new"


def test_15m_input_field_wins_over_message_text():
    given = {"mini_batch_id": "from-field", "message_body": BATCH_KV}
    execution = run_flow(definition(F15), given, fake_for(F15))
    assert execution.error is None, execution.cause
    assert pipeline_params(call_of(execution, "Start15mFeaturesPipeline"))["MiniBatchId"] == "from-field"
    assert pipeline_params(call_of(execution, "Start15mFeaturesPipeline"))["BatchStartTsIso"] == "2025-03-01T00:00:00Z"


def test_15m_non_json_brace_text_is_not_an_error():
    text = "{not json;" + BATCH_KV
    # '{not json' is the value of nothing; the k=v fields still resolve.
    execution = run_flow(definition(F15), {"message_body": text}, fake_for(F15))
    assert execution.error is None, execution.cause
    assert pipeline_params(call_of(execution, "Start15mFeaturesPipeline"))["MiniBatchId"] == "mb-20250301T0000Z"


def test_15m_lock_held_by_another_execution_is_a_duplicate():
    fake = fake_for(F15)
    theirs = lock_item(OTHER_EXECUTION, ttl=START_EPOCH + 3600, created="2025-03-01T00:01:00Z")
    fake.table.seed(theirs)
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error == "DuplicateMiniBatch"
    assert "already exists" in execution.cause
    assert execution.states[-2:] == ("AcquireMiniBatchLock", "DuplicateMiniBatch")
    assert [c.state for c in execution.calls] == ["AcquireMiniBatchLock"], "a condition failure is not retried"
    assert fake.pipelines == [] and fake.events == []
    assert fake.table.items == {LOCK_KEY: theirs}


def test_15m_an_expired_lock_is_taken_over_even_before_dynamodb_deletes_it():
    fake = fake_for(F15)
    fake.table.seed(lock_item(OTHER_EXECUTION, ttl=START_EPOCH - 60, created="2025-02-28T00:00:00Z"))
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error is None, execution.cause
    assert execution.states[-1] == "Success" and len(fake.pipelines) == 2
    assert fake.table.items == {}


def test_15m_lock_held_by_this_execution_is_not_a_duplicate():
    fake = fake_for(F15)
    fake.table.seed(lock_item(THIS_EXECUTION))
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error is None, execution.cause
    assert execution.states[-1] == "Success"
    assert len(fake.pipelines) == 2
    assert fake.table.items == {}


def test_15m_put_retried_after_a_lost_response_does_not_report_its_own_lock():
    fake = fake_for(F15)
    # DynamoDB wrote the item but the response was lost: the retry finds it.
    fake.fail("AcquireMiniBatchLock", Failure("DynamoDb.InternalServerErrorException", "Internal server error"), attempts=1, after_effect=True)
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error is None, execution.cause
    assert fake.attempts["AcquireMiniBatchLock"] == 2
    assert execution.states[-1] == "Success"
    assert fake.table.items == {}


def test_15m_other_lock_error_fails_without_starting_anything():
    fake = fake_for(F15)
    fake.fail("AcquireMiniBatchLock", Failure("DynamoDb.ResourceNotFoundException", "Requested resource not found: Table: ndr-locks not found"))
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    assert "DynamoDb.ResourceNotFoundException" in execution.cause and "AcquireMiniBatchLock" in execution.cause
    assert "Table: ndr-locks not found" in execution.cause
    assert fake.attempts["AcquireMiniBatchLock"] == 1
    assert fake.pipelines == [] and fake.events == []


def test_15m_release_never_deletes_a_lock_retaken_by_another_execution():
    fake = fake_for(F15)
    theirs = lock_item(OTHER_EXECUTION, ttl=START_EPOCH + 90000)

    def expire_and_retake(f, call):
        f.table.items.clear()
        f.table.seed(theirs)

    fake.before("EmitInferenceCompleteEvent", expire_and_retake)
    execution = run_flow(definition(F15), BATCH, fake)
    assert fake.table.items == {LOCK_KEY: theirs}
    # The contract page: the release's failure (after retries) -> WorkflowFailed.
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    assert "ReleaseMiniBatchLockOnSuccess" in execution.cause


def test_15m_features_callback_failure_releases_the_lock():
    fake = fake_for(F15)
    fake.fail_callback("WaitForFeaturesCompletionEvent", Failure("PipelineExecutionFailed", "Pipeline execution ended with status Failed: step BuildFeatures"))
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    for part in ("PipelineExecutionFailed", "Pipeline execution ended with status Failed: step BuildFeatures", "WaitForFeaturesCompletionEvent"):
        assert part in execution.cause
    assert execution.states[-3:] == ("WaitForFeaturesCompletionEvent", "ReleaseMiniBatchLockOnFailure", "WorkflowFailed")
    assert fake.table.items == {}
    assert [p.pipeline for p in fake.pipelines] == ["${PipelineName15m}"]
    assert fake.events == []
    assert fake.attempts["WaitForFeaturesCompletionEvent"] == 1


def test_15m_inference_callback_failure_releases_the_lock():
    fake = fake_for(F15)
    fake.fail_callback("WaitForInferenceCompletionEvent", Failure("PipelineExecutionStopped", "Pipeline execution was stopped by an operator"))
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    for part in ("PipelineExecutionStopped", "Pipeline execution was stopped by an operator", "WaitForInferenceCompletionEvent"):
        assert part in execution.cause
    assert execution.states[-3:] == ("WaitForInferenceCompletionEvent", "ReleaseMiniBatchLockOnFailure", "WorkflowFailed")
    assert fake.table.items == {}
    assert len(fake.pipelines) == 2
    assert events_of(fake, "NdrInferencePipelineCompleted") == []


def test_15m_failed_release_after_a_failure_still_reports_the_original_error():
    fake = fake_for(F15)
    fake.fail_callback("WaitForFeaturesCompletionEvent", Failure("PipelineExecutionFailed", "features failed"))
    fake.fail("ReleaseMiniBatchLockOnFailure", Failure("DynamoDb.AccessDeniedException", "not authorized"))
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    assert "PipelineExecutionFailed" in execution.cause and "WaitForFeaturesCompletionEvent" in execution.cause
    assert fake.table.items == {LOCK_KEY: lock_item()}  # only the TTL frees it now


def test_polling_15m_failed_pipeline_releases_the_lock():
    fake = fake_for(F15, describe_statuses={"${PipelineName15m}": ["Executing", "Failed"]})
    execution = run_flow(polling_definition(F15), BATCH, fake)
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    assert "PipelineExecutionFailed" in execution.cause
    assert fake.pipelines[0].arn in execution.cause
    assert "ReleaseMiniBatchLockOnFailure" in execution.states
    assert fake.table.items == {}
    assert [p.pipeline for p in fake.pipelines] == ["${PipelineName15m}"]
    assert fake.events == []


def test_polling_15m_stopped_inference_releases_the_lock():
    fake = fake_for(F15, describe_statuses={"${PipelineName15m}": ["Succeeded"], "${PipelineNameInference}": ["Stopped"]})
    execution = run_flow(polling_definition(F15), BATCH, fake)
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    assert "PipelineExecutionFailed" in execution.cause and "Stopped" in execution.cause
    assert fake.table.items == {}
    assert events_of(fake, "NdrInferencePipelineCompleted") == []


def test_polling_15m_times_out_after_max_attempts():
    fake = fake_for(F15, describe_statuses={"*": ["Executing"]})
    waits = []
    execution = run_flow(polling_definition(F15), BATCH, fake, waits=waits)
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    assert "PipelineExecutionTimedOut" in execution.cause
    assert [state for state, _, _ in fake.describes] == ["DescribeFeaturesPipeline"] * 3
    assert len(waits) == 2
    assert fake.table.items == {}
    assert len(fake.pipelines) == 1


@pytest.mark.parametrize(
    "state, failure, attempts",
    [
        ("Start15mFeaturesPipeline", Failure("SageMaker.ConflictException", "pipeline is being updated"), 1),
        ("WaitForFeaturesCompletionEvent", Failure("PipelineExecutionFailed", "features pipeline Failed"), 1),
        ("StartInferencePipeline", Failure("SageMaker.ResourceNotFoundException", "pipeline does not exist"), 1),
        ("WaitForInferenceCompletionEvent", Failure("States.Timeout", "callback not received"), 1),
        # putEvents retries every task failure by design (steps/errors.py); fail them all.
        ("EmitInferenceCompleteEvent", Failure("EventBridge.AmazonEventBridgeException", "bus not found"), None),
    ],
)
def test_15m_every_failure_after_the_lock_releases_it(state, failure, attempts):
    fake = fake_for(F15)
    fake.fail(state, failure)
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    assert failure.error in execution.cause and failure.cause in execution.cause and state in execution.cause
    assert execution.states[-2:] == ("ReleaseMiniBatchLockOnFailure", "WorkflowFailed")
    assert ("put", LOCK_KEY, "ok") in fake.table.history
    assert fake.table.items == {}
    if attempts is not None:
        assert fake.attempts[state] == attempts, "a business error must not be retried"
    assert events_of(fake, "NdrInferencePipelineCompleted") == []


def test_retried_start_launches_one_pipeline():
    fake = fake_for(F15)
    fake.fail("Start15mFeaturesPipeline", Failure("SageMaker.SageMakerException", "read timeout"), attempts=1, after_effect=True)
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error is None, execution.cause
    assert len(calls_of(execution, START_PIPELINE)) == 3
    assert [p.pipeline for p in fake.pipelines] == ["${PipelineName15m}", "${PipelineNameInference}"]


def test_persistent_transient_error_gives_up_and_releases():
    fake = fake_for(F15)
    fake.fail("StartInferencePipeline", Failure("SageMaker.SageMakerException", "ThrottlingException: Rate exceeded"))
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    assert 2 <= fake.attempts["StartInferencePipeline"] <= 11
    assert fake.table.items == {}

@pytest.mark.parametrize(
    "given, missing, present",
    [
        ({}, ["mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso"], []),
        ({"mini_batch_id": "mb-1", "batch_start_ts_iso": ""}, ["batch_start_ts_iso", "batch_end_ts_iso"], ["mini_batch_id"]),
        ("project_name=ndr-prod;mini_batch_id=mb-1", ["batch_start_ts_iso", "batch_end_ts_iso"], ["mini_batch_id"]),
        ({"Records": [{"body": "not a message"}]}, ["mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso"], []),
    ],
)
def test_missing_required_parameters(given, missing, present):
    check_missing_required_parameters(F15, given, missing, present)


def test_polling_form_succeeds_with_the_same_calls():
    check_polling_form_succeeds_with_the_same_calls(F15)


@pytest.mark.parametrize(
    "state, error",
    [
        ("Start15mFeaturesPipeline", "SageMaker.SageMakerException"),
        ("AcquireMiniBatchLock", "DynamoDb.ProvisionedThroughputExceededException"),
        ("ReleaseMiniBatchLockOnSuccess", "DynamoDb.ThrottlingException"),
        ("WaitForFeaturesCompletionEvent", "Lambda.TooManyRequestsException"),
    ],
)
def test_transient_errors_are_retried(state, error):
    check_transient_error_is_retried(F15, state, error)


@pytest.mark.parametrize(
    "state, error",
    [
        ("StartInferencePipeline", "SageMaker.ConflictException"),
        ("Start15mFeaturesPipeline", "SageMaker.ResourceNotFoundException"),
    ],
)
def test_business_errors_are_not_retried(state, error):
    check_business_error_is_not_retried(F15, state, error)
