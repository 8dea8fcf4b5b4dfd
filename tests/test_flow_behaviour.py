"""Behaviour of the five exported flows, run by sfnx's local interpreter.

Each test loads a committed definition from docs/step_functions_jsonata/
(placeholders such as ``${LockTableName}`` stay literal), runs it with
``flow_harness.FakeAws`` answering the Tasks, and checks what FLOWS.md
promises: the states entered, the service calls and their arguments, the
events, the lock table, the outputs and the failures.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from functools import lru_cache

import pytest
from flow_harness import (
    COMPLETION_CALLBACK,
    DELETE_ITEM,
    DESCRIBE_PIPELINE,
    HUMAN_APPROVAL,
    LAMBDA_CALLBACK,
    LAMBDA_INVOKE,
    PUT_ITEM,
    START_PIPELINE,
    FakeAws,
    LockTable,
    UnsupportedExpression,
    execution_id,
    load_definition,
    run_flow,
)
from sfnx.testing import Failure

from ndr_workflows.flows import build_flow
from ndr_workflows.steps import Polling

F15 = "sfn_ndr_15m_features_inference"
MONTHLY = "sfn_ndr_monthly_fg_b_baselines"
TRAINING = "sfn_ndr_training_orchestrator"
BACKFILL = "sfn_ndr_backfill_reprocessing"
PUBLICATION = "sfn_ndr_prediction_publication"
ALL_FLOWS = (F15, MONTHLY, TRAINING, BACKFILL, PUBLICATION)

HEX64 = re.compile(r"[0-9a-f]{64}")
START_EPOCH = int(datetime(2025, 3, 1, 0, 7, 12, tzinfo=timezone.utc).timestamp())
THIS_EXECUTION = execution_id()
OTHER_EXECUTION = execution_id("some-other-execution")

SUCCESS_STATUSES = ["Succeeded"]
FAILURE_STATUSES = ["Failed", "Stopped"]


@lru_cache(maxsize=None)
def _definition_text(name: str) -> str:
    return json.dumps(load_definition(name))


def definition(name: str) -> dict:
    """A fresh copy of the committed export."""
    return json.loads(_definition_text(name))


@lru_cache(maxsize=None)
def _polling_text(name: str) -> str:
    return json.dumps(build_flow(name, completion=Polling(interval_seconds=1, max_attempts=3)).to_dict())


def polling_definition(name: str) -> dict:
    return json.loads(_polling_text(name))


# ---------------------------------------------------------------------------
# Realistic inputs and Lambda answers.
# ---------------------------------------------------------------------------

BATCH = {
    "project_name": "ndr-prod",
    "feature_spec_version": "v3",
    "mini_batch_id": "mb-20250301T0000Z",
    "batch_start_ts_iso": "2025-03-01T00:00:00Z",
    "batch_end_ts_iso": "2025-03-01T00:15:00Z",
}
BATCH_KV = ";".join(f"{k}={v}" for k, v in BATCH.items())
LOCK_KEY = ("ndr-prod#v3", "2025-03-01T00:00:00Z#2025-03-01T00:15:00Z")

WINDOWS = [
    {"mini_batch_id": f"bf-2025-02-10T00:{m:02d}", "batch_start_ts_iso": f"2025-02-10T00:{m:02d}:00Z", "batch_end_ts_iso": f"2025-02-10T00:{m + 15:02d}:00Z"}
    for m in (0, 15, 30)
]
BACKFILL_INPUT = {"project_name": "ndr-prod", "feature_spec_version": "v3", "start_ts": "2025-02-10T00:00:00Z", "end_ts": "2025-02-10T00:45:00Z"}

MODEL_RECORD = {
    "model_id": "ndr-iforest-2025-03-01-a1b2",
    "current_model_id": "ndr-iforest-2025-02-01-c3d4",
    "artifact_s3_uri": "s3://ndr-models/approved/ndr-iforest-2025-03-01-a1b2/model.tar.gz",
}
ATTRIBUTES_RESULT = {"registered": True, "attribute_schema_version": "v1", "attributes_id": "attr-7781"}
DEPLOY_RESULT = {"endpoint_name": "ndr-iforest", "deployed_model_id": MODEL_RECORD["model_id"]}
SUPPLEMENTAL = {"segment_baselines": "s3://ndr-baselines/2025-02/segments/", "cold_start_defaults": "s3://ndr-baselines/2025-02/cold/", "population_global_fallback": True}
PUBLICATION_RESULT = {"mini_batch_id": BATCH["mini_batch_id"], "targets": ["redshift", "iceberg"], "rows_published": {"redshift": 1824, "iceberg": 1824}}


def training_lambdas(deployment_required: object = True) -> dict:
    return {
        "${ModelPublishLambdaArn}": {"model_registry_record": MODEL_RECORD, "deployment_required": deployment_required},
        "${ModelAttributesRegistryLambdaArn}": ATTRIBUTES_RESULT,
        "${ModelDeployLambdaArn}": DEPLOY_RESULT,
    }


LAMBDAS = {
    F15: {},
    MONTHLY: {"${SupplementalBaselineLambdaArn}": SUPPLEMENTAL},
    TRAINING: training_lambdas(),
    BACKFILL: {"${BuildBackfillWindowsLambdaArn}": {"windows": WINDOWS}},
    PUBLICATION: {"${PublishJoinedPredictionsLambdaArn}": PUBLICATION_RESULT},
}
INPUTS = {
    F15: BATCH,
    MONTHLY: {"project_name": "ndr-prod", "feature_spec_version": "v3"},
    TRAINING: {"project_name": "ndr-prod", "feature_spec_version": "v3", "run_id": "train-2025-03-01"},
    BACKFILL: BACKFILL_INPUT,
    PUBLICATION: BATCH,
}
FAILED_ERROR = {
    F15: "Ndr15mFeaturesInferenceFailed",
    MONTHLY: "NdrMonthlyBaselinesFailed",
    TRAINING: "NdrTrainingFailed",
    BACKFILL: "NdrBackfillFailed",
    PUBLICATION: "NdrPredictionPublicationFailed",
}


def fake_for(flow: str, **options) -> FakeAws:
    return FakeAws(lambda_payloads=options.pop("lambda_payloads", LAMBDAS[flow]), **options)


# ---------------------------------------------------------------------------
# Small helpers.
# ---------------------------------------------------------------------------


def calls_of(execution, resource):
    return [c for c in execution.calls if c.resource == resource]


def call_of(execution, state):
    found = [c for c in execution.calls if c.state == state]
    assert len(found) == 1, f"{state} was called {len(found)} times: {found}"
    return found[0]


def pipeline_params(call) -> dict:
    return {p["Name"]: p["Value"] for p in call.arguments["PipelineParameters"]}


def lock_item(owner: str = THIS_EXECUTION, *, ttl: int = START_EPOCH + 86400, created: str = "2025-03-01T00:07:12Z") -> dict:
    return {
        "pk": {"S": LOCK_KEY[0]},
        "sk": {"S": LOCK_KEY[1]},
        "ttl_epoch": {"N": str(ttl)},
        "created_at": {"S": created},
        "owner": {"S": owner},
    }


def assert_callback_payload(call, arn):
    assert call.resource == LAMBDA_CALLBACK
    assert call.arguments["FunctionName"] == COMPLETION_CALLBACK
    payload = call.arguments["Payload"]
    assert payload["taskToken"], "taskToken missing"
    assert payload["expected_pipeline_execution_arn"] == arn
    assert payload["success_statuses"] == SUCCESS_STATUSES
    assert payload["failure_statuses"] == FAILURE_STATUSES


def assert_event(fake, detail_type, detail):
    assert len(fake.events) == 1, fake.events
    event = fake.events[0]
    assert (event.source, event.detail_type, event.bus) == ("ndr.orchestration", detail_type, "${EventBusName}")
    assert event.detail == detail


def assert_token(call):
    token = call.arguments["ClientRequestToken"]
    assert HEX64.fullmatch(token), token
    return token


# ===========================================================================
# Harness self-checks: the fake's condition evaluator is strict.
# ===========================================================================


PUT_CONDITION = "(attribute_not_exists(pk) AND attribute_not_exists(sk)) OR #owner = :owner OR #ttl < :now"
PUT_NAMES = {"#owner": "owner", "#ttl": "ttl_epoch"}


class TestLockTableEvaluator:
    PUT = PUT_CONDITION

    def put(self, table, owner, expression=None, names=None, values=None, now=START_EPOCH):
        return table.put_item(
            {
                "TableName": "${LockTableName}",
                "Item": lock_item(owner),
                "ConditionExpression": expression or self.PUT,
                "ExpressionAttributeNames": PUT_NAMES if names is None else names,
                "ExpressionAttributeValues": {":owner": {"S": owner}, ":now": {"N": str(now)}} if values is None else values,
            }
        )

    def test_put_condition_semantics(self):
        table = LockTable()
        self.put(table, THIS_EXECUTION)  # absent -> ok
        self.put(table, THIS_EXECUTION)  # own lock -> ok
        with pytest.raises(Failure) as failed:
            self.put(table, OTHER_EXECUTION)
        assert failed.value.error == "DynamoDb.ConditionalCheckFailedException"
        assert table.items[LOCK_KEY]["owner"] == {"S": THIS_EXECUTION}
        # once its ttl_epoch has passed, another owner may take it over
        self.put(table, OTHER_EXECUTION, now=START_EPOCH + 86400 + 1)
        assert table.items[LOCK_KEY]["owner"] == {"S": OTHER_EXECUTION}

    @pytest.mark.parametrize(
        "expression",
        [
            "attribute_exists(pk)",
            "#owner <> :owner",
            "NOT attribute_not_exists(pk)",
            "begins_with(pk, :owner) OR #owner = :owner",
            "attribute_not_exists(pk) OR owner = :owner",  # reserved word
            "attribute_not_exists(pk) OR #owner = :missing",
        ],
    )
    def test_rejects_expressions_outside_the_grammar(self, expression):
        with pytest.raises(UnsupportedExpression):
            self.put(LockTable(), THIS_EXECUTION, expression)

    def test_rejects_unused_placeholders(self):
        with pytest.raises(UnsupportedExpression):
            self.put(LockTable(), THIS_EXECUTION, "attribute_not_exists(pk)", names={"#owner": "owner"}, values={})


# ===========================================================================
# 1. Happy paths.
# ===========================================================================


def test_15m_happy_path():
    fake = fake_for(F15)
    seen_during_run = []
    fake.before("Start15mFeaturesPipeline", lambda f, c: seen_during_run.append(dict(f.table.items)))
    fake.before("StartInferencePipeline", lambda f, c: seen_during_run.append(dict(f.table.items)))
    execution = run_flow(definition(F15), BATCH, fake)

    assert execution.error is None, execution.cause
    assert execution.states == (
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


def test_monthly_happy_path():
    fake = fake_for(MONTHLY)
    execution = run_flow(definition(MONTHLY), INPUTS[MONTHLY], fake)
    assert execution.error is None, execution.cause
    assert execution.states == (
        "NormalizeIncomingMessage",
        "ResolvePipelineRuntimeParams",
        "StartMachineInventoryRefresh",
        "WaitForInventoryCompletionEvent",
        "StartFGBBaselinePipeline",
        "WaitForFGBCompletionEvent",
        "BuildSupplementalBaselines",
        "BuildBaselineManifest",
        "EmitBaselineReadyEvent",
    )
    inventory = call_of(execution, "StartMachineInventoryRefresh")
    fgb = call_of(execution, "StartFGBBaselinePipeline")
    assert inventory.arguments["PipelineName"] == "${PipelineNameMachineInventory}"
    assert pipeline_params(inventory) == {"ProjectName": "ndr-prod", "FeatureSpecVersion": "v3", "ReferenceMonthIso": "2025-02-01T00:00:00Z"}
    assert fgb.arguments["PipelineName"] == "${PipelineNameFGB}"
    assert pipeline_params(fgb) == {"ProjectName": "ndr-prod", "FeatureSpecVersion": "v3", "ReferenceTimeIso": "2025-02-28T23:59:59Z", "Mode": "REGULAR"}
    assert assert_token(inventory) != assert_token(fgb)
    inventory_arn, fgb_arn = (p.arn for p in fake.pipelines)
    assert_callback_payload(call_of(execution, "WaitForInventoryCompletionEvent"), inventory_arn)
    assert_callback_payload(call_of(execution, "WaitForFGBCompletionEvent"), fgb_arn)
    supplemental = call_of(execution, "BuildSupplementalBaselines")
    assert supplemental.resource == LAMBDA_INVOKE
    assert supplemental.arguments == {
        "FunctionName": "${SupplementalBaselineLambdaArn}",
        "Payload": {
            "project_name": "ndr-prod",
            "feature_spec_version": "v3",
            "reference_month_iso": "2025-02-01T00:00:00Z",
            "components": ["segment_baselines", "cold_start_defaults", "population_global_fallback"],
        },
    }
    assert_event(
        fake,
        "NdrMonthlyBaselinesCompleted",
        {
            "project_name": "ndr-prod",
            "feature_spec_version": "v3",
            "reference_month_iso": "2025-02-01T00:00:00Z",
            "components": ["host_baselines", "segment_baselines", "pair_baselines", "cold_start_defaults", "optional_population_baseline"],
            "supplemental": SUPPLEMENTAL,
        },
    )


def test_training_happy_path_with_approval():
    fake = fake_for(TRAINING)
    execution = run_flow(definition(TRAINING), INPUTS[TRAINING], fake)
    assert execution.error is None, execution.cause
    assert execution.states == (
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
    )
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


def test_publication_happy_path():
    fake = fake_for(PUBLICATION)
    execution = run_flow(definition(PUBLICATION), BATCH, fake)
    assert execution.error is None, execution.cause
    assert execution.states == (
        "NormalizeIncomingMessage",
        "ResolvePipelineRuntimeParams",
        "ValidateRuntimeParams",
        "StartPredictionJoinPipeline",
        "WaitForJoinCompletionEvent",
        "PublishToTargets",
        "EmitPublicationEvent",
    )
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


# ===========================================================================
# 2. The same parameters, five ways (15m).
# ===========================================================================


def _signature(execution):
    return [(c.state, c.resource, c.arguments) for c in execution.calls]


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
    assert _signature(other) == _signature(direct)


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


# ===========================================================================
# 3. Duplicate lock (15m).
# ===========================================================================


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
    # FLOWS.md: the release's failure (after retries) -> WorkflowFailed.
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    assert "ReleaseMiniBatchLockOnSuccess" in execution.cause


# ===========================================================================
# 4. Failing pipeline callback (15m).
# ===========================================================================


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
    assert fake.events == []


def test_15m_failed_release_after_a_failure_still_reports_the_original_error():
    fake = fake_for(F15)
    fake.fail_callback("WaitForFeaturesCompletionEvent", Failure("PipelineExecutionFailed", "features failed"))
    fake.fail("ReleaseMiniBatchLockOnFailure", Failure("DynamoDb.AccessDeniedException", "not authorized"))
    execution = run_flow(definition(F15), BATCH, fake)
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    assert "PipelineExecutionFailed" in execution.cause and "WaitForFeaturesCompletionEvent" in execution.cause
    assert fake.table.items == {LOCK_KEY: lock_item()}  # only the TTL frees it now


# ===========================================================================
# 5. Missing required parameters.
# ===========================================================================


@pytest.mark.parametrize(
    "flow, given, missing, present",
    [
        (F15, {}, ["mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso"], []),
        (F15, {"mini_batch_id": "mb-1", "batch_start_ts_iso": ""}, ["batch_start_ts_iso", "batch_end_ts_iso"], ["mini_batch_id"]),
        (F15, "project_name=ndr-prod;mini_batch_id=mb-1", ["batch_start_ts_iso", "batch_end_ts_iso"], ["mini_batch_id"]),
        (F15, {"Records": [{"body": "not a message"}]}, ["mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso"], []),
        (PUBLICATION, {}, ["mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso"], []),
        (PUBLICATION, {"batch_start_ts_iso": "2025-03-01T00:00:00Z"}, ["mini_batch_id", "batch_end_ts_iso"], ["batch_start_ts_iso"]),
        (BACKFILL, {}, ["start_ts", "end_ts"], []),
        (BACKFILL, {"start_ts": "2025-02-10T00:00:00Z"}, ["end_ts"], ["start_ts"]),
    ],
)
def test_missing_required_parameters(flow, given, missing, present):
    fake = fake_for(flow)
    execution = run_flow(definition(flow), given, fake)
    assert execution.error == "InvalidRuntimeParams"
    assert execution.states[-2:] == ("ValidateRuntimeParams", "InvalidRuntimeParams")
    for name in missing:
        assert name in execution.cause
    for name in present:
        assert not re.search(rf"\b{name}\b", execution.cause), execution.cause
    assert execution.calls == ()
    assert fake.table.items == {}


# ===========================================================================
# 6. Monthly reference month.
# ===========================================================================


@pytest.mark.parametrize(
    "start, month, last_second",
    [
        ("2025-03-01T00:07:12.345Z", "2025-02-01T00:00:00Z", "2025-02-28T23:59:59Z"),
        ("2025-01-15T10:00:00.000Z", "2024-12-01T00:00:00Z", "2024-12-31T23:59:59Z"),
        ("2024-03-31T23:59:59.999Z", "2024-02-01T00:00:00Z", "2024-02-29T23:59:59Z"),
        ("2025-08-01T00:00:00.000Z", "2025-07-01T00:00:00Z", "2025-07-31T23:59:59Z"),
    ],
)
def test_monthly_defaults_to_the_previous_month(start, month, last_second):
    execution = run_flow(definition(MONTHLY), {}, fake_for(MONTHLY), start_time=start)
    assert execution.error is None, execution.cause
    assert pipeline_params(call_of(execution, "StartMachineInventoryRefresh")) == {"ProjectName": "ndr-project", "FeatureSpecVersion": "v1", "ReferenceMonthIso": month}
    assert pipeline_params(call_of(execution, "StartFGBBaselinePipeline")) == {"ProjectName": "ndr-project", "FeatureSpecVersion": "v1", "ReferenceTimeIso": last_second, "Mode": "REGULAR"}
    assert call_of(execution, "BuildSupplementalBaselines").arguments["Payload"]["reference_month_iso"] == month


@pytest.mark.parametrize(
    "given",
    [
        {"reference_month_iso": "2024-06-01T00:00:00Z", "reference_time_iso": "2024-06-30T23:59:59Z", "mode": "BACKFILL"},
        "reference_month_iso=2024-06-01T00:00:00Z;reference_time_iso=2024-06-30T23:59:59Z;mode=BACKFILL",
    ],
)
def test_monthly_explicit_input_overrides(given):
    fake = fake_for(MONTHLY)
    execution = run_flow(definition(MONTHLY), given, fake)
    assert execution.error is None, execution.cause
    assert pipeline_params(call_of(execution, "StartMachineInventoryRefresh"))["ReferenceMonthIso"] == "2024-06-01T00:00:00Z"
    fgb = pipeline_params(call_of(execution, "StartFGBBaselinePipeline"))
    assert (fgb["ReferenceTimeIso"], fgb["Mode"]) == ("2024-06-30T23:59:59Z", "BACKFILL")
    assert fake.events[0].detail["reference_month_iso"] == "2024-06-01T00:00:00Z"


@pytest.mark.parametrize(
    ("month", "month_end"),
    [
        ("2024-06-01T00:00:00Z", "2024-06-30T23:59:59Z"),
        ("2024-02", "2024-02-29T23:59:59Z"),
        ("2023-12-01T00:00:00Z", "2023-12-31T23:59:59Z"),
        ("not a month", "2025-02-28T23:59:59Z"),
    ],
)
def test_monthly_reference_time_follows_an_explicit_reference_month(month, month_end):
    """Only the month given: the reference time is the end of that month
    (not of the month before the execution started)."""
    execution = run_flow(definition(MONTHLY), {"reference_month_iso": month}, fake_for(MONTHLY))
    assert execution.error is None, execution.cause
    params = pipeline_params(call_of(execution, "StartFGBBaselinePipeline"))
    assert params["ReferenceTimeIso"] == month_end
    assert pipeline_params(call_of(execution, "StartMachineInventoryRefresh"))["ReferenceMonthIso"] == month


# ===========================================================================
# 7. Training approval paths.
# ===========================================================================


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


# ===========================================================================
# 8. Backfill fan-out, counts and range validation.
# ===========================================================================


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


# ===========================================================================
# 9. The polling form.
# ===========================================================================

POLL_STATES = {
    F15: ("DescribeFeaturesPipeline", "DescribeInferencePipeline"),
    MONTHLY: ("DescribeInventoryPipeline", "DescribeFGBPipeline"),
    TRAINING: ("DescribeTrainingPipeline",),
    BACKFILL: ("DescribeWindowPipeline",),
    PUBLICATION: ("DescribeJoinPipeline",),
}


def _without_waits(execution):
    return [
        (c.state, c.resource, c.arguments)
        for c in execution.calls
        if c.resource != DESCRIBE_PIPELINE
        and not (c.resource == LAMBDA_CALLBACK and c.arguments.get("FunctionName") == COMPLETION_CALLBACK)
    ]


@pytest.mark.parametrize("flow", ALL_FLOWS)
def test_polling_form_succeeds_with_the_same_calls(flow):
    callback = run_flow(definition(flow), INPUTS[flow], fake_for(flow))
    assert callback.error is None, callback.cause
    fake = fake_for(flow, describe_statuses={"*": ["Executing", "Succeeded"]})
    waits = []
    polled = run_flow(polling_definition(flow), INPUTS[flow], fake, waits=waits)
    assert polled.error is None, f"{polled.error}: {polled.cause}"
    assert _without_waits(polled) == _without_waits(callback)
    # Each pipeline: describe (Executing), wait 1 s, describe (Succeeded).
    assert [status for _, _, status in fake.describes] == ["Executing", "Succeeded"] * len(fake.pipelines)
    assert {state for state, _, _ in fake.describes} == set(POLL_STATES[flow])
    assert [arn for _, arn, _ in fake.describes] == [p.arn for p in fake.pipelines for _ in range(2)]
    assert [w.seconds for w in waits] == [1] * len(fake.pipelines)


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
    assert fake.events == []


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


@pytest.mark.parametrize("flow", [MONTHLY, TRAINING, PUBLICATION])
@pytest.mark.parametrize("statuses, error_name, describes", [(["Executing", "Failed"], "PipelineExecutionFailed", 2), (["Executing"], "PipelineExecutionTimedOut", 3)])
def test_polling_failure_routes(flow, statuses, error_name, describes):
    fake = fake_for(flow, describe_statuses={"*": statuses})
    execution = run_flow(polling_definition(flow), INPUTS[flow], fake)
    assert execution.error == FAILED_ERROR[flow]
    assert error_name in execution.cause
    assert len(fake.describes) == describes
    assert len(fake.pipelines) == 1
    assert fake.events == [] and fake.invocations == []


@pytest.mark.parametrize("statuses, error_name", [(["Executing", "Failed"], "PipelineExecutionFailed"), (["Executing"], "PipelineExecutionTimedOut")])
def test_polling_backfill_failed_windows_are_counted(statuses, error_name):
    fake = fake_for(BACKFILL, describe_statuses={"*": statuses})
    execution = run_flow(polling_definition(BACKFILL), BACKFILL_INPUT, fake)
    assert len(fake.pipelines) == 3
    detail = fake.events[0].detail
    assert (detail["window_count"], detail["succeeded_count"], detail["failed_count"]) == (3, 0, 3)
    assert execution.error == "NdrBackfillFailed"


# ===========================================================================
# 10. Lock release on every failure point, and retries (15m).
# ===========================================================================


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
    assert fake.events == [] or state == "EmitInferenceCompleteEvent"


@pytest.mark.parametrize(
    "flow, state, error",
    [
        (F15, "Start15mFeaturesPipeline", "SageMaker.SageMakerException"),
        (F15, "AcquireMiniBatchLock", "DynamoDb.ProvisionedThroughputExceededException"),
        (F15, "ReleaseMiniBatchLockOnSuccess", "DynamoDb.ThrottlingException"),
        (F15, "WaitForFeaturesCompletionEvent", "Lambda.TooManyRequestsException"),
        (MONTHLY, "BuildSupplementalBaselines", "Lambda.ServiceException"),
        (BACKFILL, "BuildWindowList", "Lambda.TooManyRequestsException"),
        (PUBLICATION, "StartPredictionJoinPipeline", "SageMaker.SdkClientException"),
        (TRAINING, "RequireHumanApproval", "Lambda.ServiceException"),
    ],
)
def test_transient_errors_are_retried(flow, state, error):
    fake = fake_for(flow)
    fake.fail(state, Failure(error, "Rate exceeded"), attempts=1)
    execution = run_flow(definition(flow), INPUTS[flow], fake)
    assert execution.error is None, execution.cause
    assert fake.attempts[state] == 2
    first, second = [c for c in execution.calls if c.state == state]
    assert first.arguments == second.arguments  # same ClientRequestToken on a retried start
    assert fake.table.items == {}


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
    "flow, state, error",
    [
        (F15, "StartInferencePipeline", "SageMaker.ConflictException"),
        (F15, "Start15mFeaturesPipeline", "SageMaker.ResourceNotFoundException"),
        (MONTHLY, "StartFGBBaselinePipeline", "SageMaker.ConflictException"),
        (TRAINING, "PublishApprovedModelArtifacts", "KeyError"),
        (PUBLICATION, "PublishToTargets", "Lambda.Unknown"),
        (BACKFILL, "BuildWindowList", "ValueError"),
    ],
)
def test_business_errors_are_not_retried(flow, state, error):
    fake = fake_for(flow)
    fake.fail(state, Failure(error, "business error"), attempts=1)  # a retry would succeed
    execution = run_flow(definition(flow), INPUTS[flow], fake)
    assert fake.attempts[state] == 1
    assert execution.error == FAILED_ERROR[flow]
    assert error in execution.cause and state in execution.cause
    assert fake.table.items == {}
