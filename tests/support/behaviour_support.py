"""What the flow behaviour tests share: the committed exports run by sfnx's
local interpreter against ``flow_harness.FakeAws``, realistic inputs and
Lambda answers, small helpers, and the checks that every flow's behaviour
file runs on its own flow (polling form, retries, validation).

Each ``test_<flow>_behaviour.py`` loads a committed definition from
docs/step_functions_jsonata/ (placeholders such as ``${LockTableName}`` stay
literal), runs it, and checks what its page in docs/flows/ promises: the
states entered, the service calls and their arguments, the events, the lock
table, the outputs and the failures. Expected paths that a legitimate edit
of the flow changes are read from the recorded scenarios
(``tests/scenarios/<NAME>/expected.json``, refreshed by ``scripts/refresh``);
the hand-written states a path must pass through, in order, stay here.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from functools import lru_cache

from flow_harness import (
    COMPLETION_CALLBACK,
    DELETE_ITEM,
    DESCRIBE_PIPELINE,
    HUMAN_APPROVAL,
    LAMBDA_CALLBACK,
    LAMBDA_INVOKE,
    PUT_EVENTS,
    PUT_ITEM,
    START_PIPELINE,
    FakeAws,
    LockTable,
    UnsupportedExpression,
    execution_id,
    load_definition,
    run_flow,
)
from scenarios.mock_config import recorded_states
from sfnx.testing import Failure

from ndr_workflows.flows import build_flow
from ndr_workflows.steps import Polling

__all__ = [
    "COMPLETION_CALLBACK", "DELETE_ITEM", "DESCRIBE_PIPELINE", "HUMAN_APPROVAL", "LAMBDA_CALLBACK", "LAMBDA_INVOKE",
    "PUT_EVENTS", "PUT_ITEM", "START_PIPELINE", "Failure", "FakeAws", "LockTable", "UnsupportedExpression", "run_flow",
    "recorded_states",
]

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


def events_of(fake, detail_type):
    return [e for e in fake.events if e.detail_type == detail_type]


def assert_event(fake, detail_type, detail):
    """Exactly one event of this DetailType was sent, from our source to
    our bus, with this Detail (other events the flow sends are not this
    assertion's business; see assert_events_follow_the_states)."""
    found = events_of(fake, detail_type)
    assert len(found) == 1, fake.events
    event = found[0]
    assert (event.source, event.detail_type, event.bus) == ("ndr.orchestration", detail_type, "${EventBusName}")
    assert event.detail == detail


def event_states(doc: dict) -> set[str]:
    """Names of the putEvents states, Map iterations included."""
    found = set()
    for name, state in doc["States"].items():
        if state.get("Resource") == PUT_EVENTS:
            found.add(name)
        if "ItemProcessor" in state:
            found |= event_states(state["ItemProcessor"])
    return found


def assert_events_follow_the_states(execution, fake, doc: dict) -> None:
    """One event per putEvents state entered, in that order, each from our
    source to our bus."""
    emitting = event_states(doc)
    assert [e.state for e in fake.events] == [s for s in execution.states if s in emitting]
    assert {(e.source, e.bus) for e in fake.events} <= {("ndr.orchestration", "${EventBusName}")}


def assert_in_order(expected, states) -> None:
    """``expected`` states all entered, in this order (others may come between)."""
    remaining = iter(states)
    missing = [name for name in expected if name not in remaining]
    assert not missing, f"{missing} not entered in order in {list(states)}"


def assert_path(execution, flow: str, test_case: str, through) -> None:
    """The run took the path recorded for the scenario ``test_case`` (same
    flow, same way through it; refreshed by scripts/refresh when the flow
    changes) and went through ``through``, in order (written by hand)."""
    assert list(execution.states) == recorded_states(flow, test_case)
    assert_in_order(through, execution.states)


def assert_token(call):
    token = call.arguments["ClientRequestToken"]
    assert HEX64.fullmatch(token), token
    return token


PUT_CONDITION = "(attribute_not_exists(pk) AND attribute_not_exists(sk)) OR #owner = :owner OR #ttl < :now"
PUT_NAMES = {"#owner": "owner", "#ttl": "ttl_epoch"}


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


def call_signature(execution):
    return [(c.state, c.resource, c.arguments) for c in execution.calls]


# ---------------------------------------------------------------------------
# Checks each flow's behaviour file runs on its own flow.
# ---------------------------------------------------------------------------


def check_missing_required_parameters(flow, given, missing, present):
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


def check_polling_form_succeeds_with_the_same_calls(flow):
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


def check_polling_failure_route(flow, statuses, error_name, describes):
    fake = fake_for(flow, describe_statuses={"*": statuses})
    execution = run_flow(polling_definition(flow), INPUTS[flow], fake)
    assert execution.error == FAILED_ERROR[flow]
    assert error_name in execution.cause
    assert len(fake.describes) == describes
    assert len(fake.pipelines) == 1
    assert fake.events == [] and fake.invocations == []


def check_transient_error_is_retried(flow, state, error):
    fake = fake_for(flow)
    fake.fail(state, Failure(error, "Rate exceeded"), attempts=1)
    execution = run_flow(definition(flow), INPUTS[flow], fake)
    assert execution.error is None, execution.cause
    assert fake.attempts[state] == 2
    first, second = [c for c in execution.calls if c.state == state]
    assert first.arguments == second.arguments  # same ClientRequestToken on a retried start
    assert fake.table.items == {}


def check_business_error_is_not_retried(flow, state, error):
    fake = fake_for(flow)
    fake.fail(state, Failure(error, "business error"), attempts=1)  # a retry would succeed
    execution = run_flow(definition(flow), INPUTS[flow], fake)
    assert fake.attempts[state] == 1
    assert execution.error == FAILED_ERROR[flow]
    assert error in execution.cause and state in execution.cause
    assert fake.table.items == {}
