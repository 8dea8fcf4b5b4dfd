"""The five exported flows run by the simulator (happy paths and the main
failure routes), and the differential test between the two JSONata engines
over every expression the flows use, with the bindings the runs produced."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from scenarios.mock_config import recorded_states

from ndr_workflows.flows import FLOW_NAMES, build_flow
from ndr_workflows.simulate import SageMaker, Services, run
from ndr_workflows.simulate import expressions as simulate_expressions
from ndr_workflows.simulate.reference import UNDEFINED, ReferenceExpression, needs_reference

DOCS = Path(__file__).resolve().parents[2] / "docs" / "step_functions_jsonata"
SCENARIOS = Path(__file__).resolve().parents[2] / "tests" / "scenarios"
F15 = "sfn_ndr_15m_features_inference"
MONTHLY = "sfn_ndr_monthly_fg_b_baselines"
TRAINING = "sfn_ndr_training_orchestrator"
BACKFILL = "sfn_ndr_backfill_reprocessing"
PUBLICATION = "sfn_ndr_prediction_publication"
START = "2025-03-01T00:07:12.345Z"

BATCH = {
    "project_name": "ndr-prod",
    "feature_spec_version": "v3",
    "mini_batch_id": "mb-20250301T0000Z",
    "batch_start_ts_iso": "2025-03-01T00:00:00Z",
    "batch_end_ts_iso": "2025-03-01T00:15:00Z",
}
WINDOWS = [
    {"mini_batch_id": f"bf-{m}", "batch_start_ts_iso": f"2025-02-10T00:{m:02d}:00Z", "batch_end_ts_iso": f"2025-02-10T00:{m + 15:02d}:00Z"}
    for m in (0, 15, 30)
]
MODEL = {"model_id": "m-2", "current_model_id": "m-1", "artifact_s3_uri": "s3://models/m-2/model.tar.gz"}
INPUTS = {
    F15: BATCH,
    MONTHLY: {"project_name": "ndr-prod", "feature_spec_version": "v3"},
    TRAINING: {"project_name": "ndr-prod", "feature_spec_version": "v3", "run_id": "train-1"},
    BACKFILL: {"project_name": "ndr-prod", "feature_spec_version": "v3", "start_ts": "2025-02-10T00:00:00Z", "end_ts": "2025-02-10T00:45:00Z"},
    PUBLICATION: BATCH,
}


def services(flow: str, *, deployment_required: object = True, approval: str = "APPROVED", statuses: dict | None = None) -> Services:
    lambdas = {
        "${SupplementalBaselineLambdaArn}": {"segment_baselines": "s3://b/seg/", "cold_start_defaults": "s3://b/cold/", "population_global_fallback": True},
        "${ModelPublishLambdaArn}": {"model_registry_record": MODEL, "deployment_required": deployment_required},
        "${ModelAttributesRegistryLambdaArn}": {"registered": True, "attributes_id": "a-1"},
        "${ModelDeployLambdaArn}": {"endpoint_name": "ndr", "deployed_model_id": "m-2"},
        "${BuildBackfillWindowsLambdaArn}": {"windows": WINDOWS},
        "${PublishJoinedPredictionsLambdaArn}": {"mini_batch_id": BATCH["mini_batch_id"], "targets": ["redshift"], "rows_published": {"redshift": 3}},
    }
    return Services(
        lambdas=lambdas,
        callbacks={"${HumanApprovalLambdaArn}": {"approval_status": approval}},
        sagemaker=SageMaker(statuses),
    )


def definition(flow: str) -> dict:
    return json.loads((DOCS / f"{flow}.json").read_text())


# Each flow's happy path as its scenario records it (tests/scenarios; the
# run below takes the same way through the flow, with the built-in fakes),
# refreshed by scripts/refresh when a flow changes.
HAPPY_CASE = {F15: "HappyPath", MONTHLY: "HappyPath", TRAINING: "ApprovedAndDeployed", BACKFILL: "AllWindowsSucceed", PUBLICATION: "HappyPath"}
HAPPY = {flow: recorded_states(flow, case) for flow, case in HAPPY_CASE.items()}
PUT_EVENTS = "arn:aws:states:::events:putEvents"


def event_states(doc: dict) -> set[str]:
    found = {name for name, state in doc["States"].items() if state.get("Resource") == PUT_EVENTS}
    for state in doc["States"].values():
        if "ItemProcessor" in state:
            found |= event_states(state["ItemProcessor"])
    return found


@pytest.mark.parametrize("flow", sorted(HAPPY))
def test_happy_path_of_each_flow(flow):
    fakes = services(flow)
    execution = run(definition(flow), INPUTS[flow], services=fakes, start_time=START, state_machine=flow)
    assert execution.status == "SUCCEEDED", execution.text()
    assert execution.states == HAPPY[flow]
    # One event per putEvents state entered (the training flow sends none).
    assert len(execution.events) == len([s for s in execution.states if s in event_states(definition(flow))])
    assert bool(execution.events) == (flow != TRAINING)
    # Every Task state entered made exactly one call (no retries on the happy path).
    tasks = {s for s in execution.states if s in {c.state for c in execution.calls}}
    assert len(execution.calls) == sum(1 for s in execution.states if s in tasks)
    if flow == F15:
        assert fakes.dynamodb.items("${LockTableName}") == []
        assert [op for op, *_, outcome in fakes.dynamodb.history] == ["put", "delete"]
        (completed,) = [e for e in execution.events if e["DetailType"] == "NdrInferencePipelineCompleted"]
        detail = json.loads(completed["Detail"])
        assert detail["mini_batch_id"] == BATCH["mini_batch_id"]
        assert detail["inference_pipeline_execution_arn"] == fakes.sagemaker.started[1].arn


def test_state_machine_simulate_matches_the_exported_definition():
    flow = build_flow(F15)
    from_flow = flow.simulate(BATCH, start_time=START)
    from_json = run(definition(F15), BATCH, start_time=START, state_machine=F15)
    assert from_flow.state_machine == F15
    assert from_flow.to_dict() == from_json.to_dict()
    assert "Success" in from_flow.text()
    assert "<table>" in from_flow._repr_html_() and "SUCCEEDED" in from_flow._repr_html_()


def test_15m_duplicate_window_leaves_the_earlier_lock_untouched():
    fakes = services(F15)
    fakes.dynamodb.seed(
        "${LockTableName}",
        {"pk": {"S": "ndr-prod#v3"}, "sk": {"S": "2025-03-01T00:00:00Z#2025-03-01T00:15:00Z"}, "owner": {"S": "someone-else"}, "ttl_epoch": {"N": "99999999999"}},
    )
    execution = run(definition(F15), BATCH, services=fakes, start_time=START)
    assert (execution.status, execution.error) == ("FAILED", "DuplicateMiniBatch")
    assert fakes.dynamodb.items("${LockTableName}")[0]["owner"] == {"S": "someone-else"}


def test_15m_pipeline_failure_releases_the_lock_and_names_the_state():
    fakes = services(F15, statuses={"${PipelineNameInference}": ["Failed"]})
    execution = run(definition(F15), BATCH, services=fakes, start_time=START)
    assert execution.error == "Ndr15mFeaturesInferenceFailed"
    assert execution.cause.startswith("State WaitForInferenceCompletionEvent failed with PipelineFailed")
    assert execution.states[-2:] == ["ReleaseMiniBatchLockOnFailure", "WorkflowFailed"]
    assert fakes.dynamodb.items("${LockTableName}") == []


def test_15m_transient_dynamodb_errors_are_retried_on_the_simulated_clock():
    fakes = services(F15).fail("AcquireMiniBatchLock", "DynamoDb.ThrottlingException", "slow", attempts=(1, 2, 3))
    execution = run(definition(F15), BATCH, services=fakes, start_time=START)
    assert execution.status == "SUCCEEDED"
    assert len(execution.calls_of("AcquireMiniBatchLock")) == 4
    assert 0 < execution.duration_seconds <= 2 + 4 + 8  # FULL jitter below the backoff


def test_training_routes():
    no_deploy = run(definition(TRAINING), INPUTS[TRAINING], services=services(TRAINING, deployment_required=False))
    assert no_deploy.states[-1] == "NoDeploymentNeeded"
    rejected = run(definition(TRAINING), INPUTS[TRAINING], services=services(TRAINING, approval="REJECTED"))
    assert rejected.states[-1] == "HoldApprovedModel"


# --------------------------------------------------------------------------
# Differential test: jsonatapy and jsonata-python agree on every expression
# --------------------------------------------------------------------------


def flow_expressions() -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)

    def walk(value, flow):
        if isinstance(value, str) and value.startswith("{%") and value.endswith("%}"):
            found[value[2:-2].strip()].add(flow)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item, flow)
        elif isinstance(value, list):
            for item in value:
                walk(item, flow)

    for path in sorted(DOCS.glob("*.json")):
        walk(json.loads(path.read_text()), path.stem)
    return found


def scenarios():
    """Runs that reach every expression of the five flows."""
    kv = ";".join(f"{k}={v}" for k, v in BATCH.items()) + ";lock_ttl_epoch=1900000000"
    inputs = {
        F15: [BATCH, kv, {"Records": [{"body": json.dumps(BATCH)}]}, {"Records": [{"Sns": {"Message": json.dumps(BATCH)}}]}, {"message_body": kv}, {}, "x", {"lock_ttl_epoch": "12"}],
        BACKFILL: [INPUTS[BACKFILL], {}, "project_name=p;start_ts=2025-02-10T00:00:00Z;end_ts=2025-02-10T00:45:00Z"],
        PUBLICATION: [BATCH, {}],
        MONTHLY: [INPUTS[MONTHLY], "project_name=p"],
        TRAINING: [INPUTS[TRAINING]],
    }
    for flow, flow_inputs in inputs.items():
        for flow_input in flow_inputs:
            yield flow, flow_input, services(flow)
    # A flow added since (docs/adding_a_flow.md) runs with the inputs of its scenarios.
    for flow in FLOW_NAMES:
        if flow not in inputs:
            for path in sorted((SCENARIOS / flow / "inputs").glob("*.json")):
                yield flow, json.loads(path.read_text(encoding="utf-8")), services(flow)
    for flow in HAPPY:
        task_states = [c.state for c in run(definition(flow), INPUTS[flow], services=services(flow)).calls]
        for state in dict.fromkeys(task_states):
            yield flow, INPUTS[flow], services(flow).fail(state, "Custom.Failure", "injected")
    yield F15, BATCH, services(F15).fail("ReleaseMiniBatchLockOnFailure", "DynamoDb.DynamoDbException", "x").fail("EmitInferenceCompleteEvent", "EventBridge.InternalException", "y")
    yield F15, BATCH, services(F15).fail("AcquireMiniBatchLock", "DynamoDb.ConditionalCheckFailedException", "taken")
    yield BACKFILL, INPUTS[BACKFILL], services(BACKFILL, statuses={"*": ["Failed"]})
    yield TRAINING, INPUTS[TRAINING], services(TRAINING, deployment_required=False)
    yield TRAINING, INPUTS[TRAINING], services(TRAINING, approval="REJECTED")
    yield TRAINING, INPUTS[TRAINING], services(TRAINING, deployment_required="maybe")


def _jsonatapy_value(text: str, bindings: dict):
    compiled = simulate_expressions._engine_compile(text, "differential test")
    written = compiled.evaluate_json_or_none(None, bindings)
    return UNDEFINED if written is None else json.loads(written)


def test_both_engines_agree_on_every_flow_expression(monkeypatch):
    recorded: dict[str, dict[str, dict]] = defaultdict(dict)
    original = simulate_expressions._Expression._bindings

    def recording(self, frame):
        bindings = original(self, frame)
        recorded[self.text][json.dumps(bindings, sort_keys=True)] = json.loads(json.dumps(bindings))
        return bindings

    monkeypatch.setattr(simulate_expressions._Expression, "_bindings", recording)
    for flow, flow_input, fakes in scenarios():
        run(definition(flow), flow_input, services=fakes, start_time=START)
    monkeypatch.undo()

    expected = flow_expressions()
    missing = sorted(text[:80] for text in expected if text not in recorded)
    assert not missing, f"{len(missing)} flow expressions were never evaluated by the scenarios: {missing}"

    compared = reference_only = 0
    disagreements = []
    for text in expected:
        reference = ReferenceExpression(text)
        for bindings in recorded[text].values():
            try:
                want = reference(bindings)
            except ValueError as exc:
                want = ("error", str(exc)[:60])
            try:
                got = _jsonatapy_value(text, bindings)
            except ValueError as exc:
                if needs_reference(str(exc)):
                    reference_only += 1  # the simulator evaluates these with the reference engine
                    continue
                got = ("error", str(exc)[:60])
            compared += 1
            same = (isinstance(want, tuple) and isinstance(got, tuple)) or want == got
            if not same:
                disagreements.append(f"{text[:100]!r} with {json.dumps(bindings)[:200]}: jsonata-python {want!r}, jsonatapy {got!r}")
    print(f"{len(expected)} expressions, {compared} evaluations compared, {reference_only} left to the reference engine")
    assert compared > 300
    assert not disagreements, "\n".join(disagreements[:10])


def test_look_around_regexes_fall_back_to_the_reference_engine():
    kv = "mini_batch_id = mb-9 ;batch_start_ts_iso=a;batch_end_ts_iso=b;lock_ttl_epoch=1900000000"
    execution = run(definition(F15), kv, start_time=START)
    assert execution.variables["mini_batch_id"] == "mb-9"  # trimmed by a (?![\s\S]) regex
    assert execution.variables["lock_ttl_epoch"] == 1900000000  # numeric text made a number
    assert re.fullmatch(r"[0-9a-f]{64}", execution.calls_of("Start15mFeaturesPipeline")[0].arguments["ClientRequestToken"])
