"""The five flows against their FLOWS.md tables, state by state.

FLOWS.md is the contract: state names (dashboards, alarms and runbooks refer
to them), types, service calls, transitions, variable names, placeholders,
event DetailTypes, pipeline parameter names and Lambda payload keys. The
tables are encoded below as data and checked on the built definition
(``build_flow(name).to_dict()``) and on the committed export, which must be
byte-identical to what the code renders (golden test).

The shared conventions (JSONata only, expression spelling, retries, failure
records, idempotency tokens, callback timeouts, the inline Map) and the
polling form of every flow are checked here too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import pytest

from ndr_workflows.flows import FLOW_NAMES, build_flow
from ndr_workflows.steps import Polling

EXPORTS = Path(__file__).resolve().parents[1] / "docs" / "step_functions_jsonata"

HOUR = 3600
DAY = 24 * HOUR

PUT_ITEM = "arn:aws:states:::aws-sdk:dynamodb:putItem"
DELETE_ITEM = "arn:aws:states:::aws-sdk:dynamodb:deleteItem"
START_PIPELINE = "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution"
DESCRIBE_PIPELINE = "arn:aws:states:::aws-sdk:sagemaker:describePipelineExecution"
CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"
INVOKE = "arn:aws:states:::lambda:invoke"
PUT_EVENTS = "arn:aws:states:::events:putEvents"

ANY = ("States.ALL",)
DUPLICATE_ERROR = "DynamoDb.ConditionalCheckFailedException"

# FLOWS.md, "Conventions shared by all five": every placeholder name.
PLACEHOLDERS = {
    "LockTableName",
    "EventBusName",
    "PipelineName15m",
    "PipelineNameInference",
    "PipelineNameMachineInventory",
    "PipelineNameFGB",
    "PipelineNameTraining",
    "PipelineNameBackfill15m",
    "PipelineNamePredictionJoin",
    "PipelineCompletionCallbackLambdaArn",
    "BuildBackfillWindowsLambdaArn",
    "SupplementalBaselineLambdaArn",
    "ModelPublishLambdaArn",
    "ModelAttributesRegistryLambdaArn",
    "HumanApprovalLambdaArn",
    "ModelDeployLambdaArn",
    "PublishJoinedPredictionsLambdaArn",
    "ApprovedModelS3Prefix",
}

# Pipeline parameter name -> the runtime parameter (variable) it carries.
PIPELINE_PARAM_VARIABLE = {
    "ProjectName": "project_name",
    "FeatureSpecVersion": "feature_spec_version",
    "MiniBatchId": "mini_batch_id",
    "BatchStartTsIso": "batch_start_ts_iso",
    "BatchEndTsIso": "batch_end_ts_iso",
    "ReferenceMonthIso": "reference_month_iso",
    "ReferenceTimeIso": "reference_time_iso",
    "Mode": "mode",
    "RunId": "run_id",
    "ExecutionTsIso": "execution_ts_iso",
}
BATCH_PIPELINE_PARAMS = ("ProjectName", "FeatureSpecVersion", "MiniBatchId", "BatchStartTsIso", "BatchEndTsIso")
CALLBACK_PAYLOAD = ("taskToken", "expected_pipeline_execution_arn", "success_statuses", "failure_statuses")


@dataclass(frozen=True)
class S:
    """One row of a FLOWS.md table.

    ``catch``: the Catch entries in order, as (ErrorEquals, Next).
    ``choices``: the set of Choice rule targets; ``default``: a Choice's Default.
    ``assigns``: the state-level Assign keys (exactly).
    ``placeholders``: the ``${...}`` names the state uses (exactly).
    ``pipeline_params``: PipelineParameters names in order (start pipeline).
    ``payload``: Lambda Payload keys (exactly).
    ``arn_variable``: the variable holding the execution ARN a wait expects.
    """

    type: str
    resource: str | None = None
    next: str | None = None
    end: bool = False
    default: str | None = None
    choices: frozenset[str] = frozenset()
    catch: tuple[tuple[tuple[str, ...], str], ...] = ()
    assigns: frozenset[str] = frozenset()
    placeholders: frozenset[str] = frozenset()
    detail_type: str | None = None
    pipeline_params: tuple[str, ...] | None = None
    payload: tuple[str, ...] | None = None
    arn_variable: str | None = None
    error: str | None = None


def fs(*names: str) -> frozenset[str]:
    return frozenset(names)


def start(next: str, pipeline: str, params: tuple[str, ...], arn: str, on_error: str) -> S:
    return S(
        "Task",
        START_PIPELINE,
        next=next,
        catch=((ANY, on_error),),
        assigns=fs(arn),
        placeholders=fs(pipeline),
        pipeline_params=params,
    )


def wait(next: str | None, arn: str, on_error: str) -> S:
    return S(
        "Task",
        CALLBACK,
        next=next,
        end=next is None,
        catch=((ANY, on_error),),
        placeholders=fs("PipelineCompletionCallbackLambdaArn"),
        payload=CALLBACK_PAYLOAD,
        arn_variable=arn,
    )


def invoke(next: str, function: str, payload: tuple[str, ...], assigns: frozenset[str] = frozenset(), extra: frozenset[str] = frozenset()) -> S:
    return S(
        "Task",
        INVOKE,
        next=next,
        catch=((ANY, "WorkflowFailed"),),
        assigns=assigns,
        placeholders=fs(function) | extra,
        payload=payload,
    )


def event(next: str | None, detail_type: str, on_error: str = "WorkflowFailed") -> S:
    return S(
        "Task",
        PUT_EVENTS,
        next=next,
        end=next is None,
        catch=((ANY, on_error),),
        placeholders=fs("EventBusName"),
        detail_type=detail_type,
    )


def opening(params: tuple[str, ...], after_resolve: str) -> dict[str, S]:
    return {
        "NormalizeIncomingMessage": S("Pass", next="ResolvePipelineRuntimeParams", assigns=fs("raw_message")),
        "ResolvePipelineRuntimeParams": S("Pass", next=after_resolve, assigns=frozenset(params)),
    }


def validation(default: str) -> dict[str, S]:
    return {
        "ValidateRuntimeParams": S("Choice", default=default, choices=fs("InvalidRuntimeParams")),
        "InvalidRuntimeParams": S("Fail", error="InvalidRuntimeParams"),
    }


@dataclass(frozen=True)
class Flow:
    timeout: int
    params: tuple[str, ...]
    required: tuple[str, ...]
    failure_error: str
    states: dict[str, S]
    map_states: dict[str, S] = field(default_factory=dict)
    # WaitFor<X>CompletionEvent -> (X, x) for the polling form.
    waits: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Detail field names when Detail is an object literal; or the variable it is.
    detail_fields: tuple[str, ...] = ()
    detail_variable: str | None = None

    @property
    def placeholders(self) -> set[str]:
        found: set[str] = set()
        for row in list(self.states.values()) + list(self.map_states.values()):
            found |= row.placeholders
        return found


PARAMS_15M = ("project_name", "feature_spec_version", "mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso", "execution_ts_iso", "lock_ttl_epoch")
PARAMS_MONTHLY = ("project_name", "feature_spec_version", "reference_month_iso", "reference_time_iso", "mode")
PARAMS_TRAINING = ("project_name", "feature_spec_version", "run_id", "execution_ts_iso")
PARAMS_BACKFILL = ("project_name", "feature_spec_version", "start_ts", "end_ts", "step_minutes")
PARAMS_PUBLICATION = ("project_name", "feature_spec_version", "mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso", "targets")

RELEASE_ON_FAILURE = "ReleaseMiniBatchLockOnFailure"

FLOWS: dict[str, Flow] = {
    "sfn_ndr_15m_features_inference": Flow(
        timeout=6 * HOUR,
        params=PARAMS_15M,
        required=("mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso"),
        failure_error="Ndr15mFeaturesInferenceFailed",
        states={
            **opening(PARAMS_15M, "ValidateRuntimeParams"),
            **validation("AcquireMiniBatchLock"),
            "AcquireMiniBatchLock": S(
                "Task",
                PUT_ITEM,
                next="Start15mFeaturesPipeline",
                catch=(((DUPLICATE_ERROR,), "DuplicateMiniBatch"), (ANY, "WorkflowFailed")),
                placeholders=fs("LockTableName"),
            ),
            "DuplicateMiniBatch": S("Fail", error="DuplicateMiniBatch"),
            "Start15mFeaturesPipeline": start("WaitForFeaturesCompletionEvent", "PipelineName15m", BATCH_PIPELINE_PARAMS, "features_pipeline_execution_arn", RELEASE_ON_FAILURE),
            "WaitForFeaturesCompletionEvent": wait("StartInferencePipeline", "features_pipeline_execution_arn", RELEASE_ON_FAILURE),
            "StartInferencePipeline": start("WaitForInferenceCompletionEvent", "PipelineNameInference", BATCH_PIPELINE_PARAMS, "inference_pipeline_execution_arn", RELEASE_ON_FAILURE),
            "WaitForInferenceCompletionEvent": wait("EmitInferenceCompleteEvent", "inference_pipeline_execution_arn", RELEASE_ON_FAILURE),
            "EmitInferenceCompleteEvent": event("ReleaseMiniBatchLockOnSuccess", "NdrInferencePipelineCompleted", RELEASE_ON_FAILURE),
            "ReleaseMiniBatchLockOnSuccess": S("Task", DELETE_ITEM, next="Success", catch=((ANY, "WorkflowFailed"),), placeholders=fs("LockTableName")),
            "ReleaseMiniBatchLockOnFailure": S("Task", DELETE_ITEM, next="WorkflowFailed", catch=((ANY, "WorkflowFailed"),), placeholders=fs("LockTableName")),
            "WorkflowFailed": S("Fail", error="Ndr15mFeaturesInferenceFailed"),
            "Success": S("Succeed"),
        },
        waits={"WaitForFeaturesCompletionEvent": ("Features", "features"), "WaitForInferenceCompletionEvent": ("Inference", "inference")},
        detail_fields=("project_name", "feature_spec_version", "mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso", "inference_pipeline_execution_arn"),
    ),
    "sfn_ndr_monthly_fg_b_baselines": Flow(
        timeout=2 * DAY,
        params=PARAMS_MONTHLY,
        required=(),
        failure_error="NdrMonthlyBaselinesFailed",
        states={
            **opening(PARAMS_MONTHLY, "StartMachineInventoryRefresh"),
            "StartMachineInventoryRefresh": start(
                "WaitForInventoryCompletionEvent",
                "PipelineNameMachineInventory",
                ("ProjectName", "FeatureSpecVersion", "ReferenceMonthIso"),
                "inventory_pipeline_execution_arn",
                "WorkflowFailed",
            ),
            "WaitForInventoryCompletionEvent": wait("StartFGBBaselinePipeline", "inventory_pipeline_execution_arn", "WorkflowFailed"),
            "StartFGBBaselinePipeline": start(
                "WaitForFGBCompletionEvent",
                "PipelineNameFGB",
                ("ProjectName", "FeatureSpecVersion", "ReferenceTimeIso", "Mode"),
                "fgb_pipeline_execution_arn",
                "WorkflowFailed",
            ),
            "WaitForFGBCompletionEvent": wait("BuildSupplementalBaselines", "fgb_pipeline_execution_arn", "WorkflowFailed"),
            "BuildSupplementalBaselines": invoke(
                "BuildBaselineManifest",
                "SupplementalBaselineLambdaArn",
                ("project_name", "feature_spec_version", "reference_month_iso", "components"),
                fs("supplemental_baseline_result"),
            ),
            "BuildBaselineManifest": S("Pass", next="EmitBaselineReadyEvent", assigns=fs("baseline_manifest")),
            "EmitBaselineReadyEvent": event(None, "NdrMonthlyBaselinesCompleted"),
            "WorkflowFailed": S("Fail", error="NdrMonthlyBaselinesFailed"),
        },
        waits={"WaitForInventoryCompletionEvent": ("Inventory", "inventory"), "WaitForFGBCompletionEvent": ("FGB", "fgb")},
        detail_variable="baseline_manifest",
    ),
    "sfn_ndr_training_orchestrator": Flow(
        timeout=7 * DAY,
        params=PARAMS_TRAINING,
        required=(),
        failure_error="NdrTrainingFailed",
        states={
            **opening(PARAMS_TRAINING, "StartTrainingPipeline"),
            "StartTrainingPipeline": start(
                "WaitForTrainingCompletionEvent",
                "PipelineNameTraining",
                ("ProjectName", "FeatureSpecVersion", "RunId", "ExecutionTsIso"),
                "training_pipeline_execution_arn",
                "WorkflowFailed",
            ),
            "WaitForTrainingCompletionEvent": wait("PublishApprovedModelArtifacts", "training_pipeline_execution_arn", "WorkflowFailed"),
            "PublishApprovedModelArtifacts": invoke(
                "RegisterModelAttributesMap",
                "ModelPublishLambdaArn",
                ("project_name", "feature_spec_version", "run_id", "training_pipeline_execution_arn", "approved_model_prefix"),
                fs("model_registry_record", "deployment_required"),
                extra=fs("ApprovedModelS3Prefix"),
            ),
            "RegisterModelAttributesMap": invoke(
                "DeploymentRequiredChoice",
                "ModelAttributesRegistryLambdaArn",
                ("model_registry_record", "attribute_schema_version"),
                fs("attributes_registration_result"),
            ),
            "DeploymentRequiredChoice": S("Choice", default="NoDeploymentNeeded", choices=fs("RequireHumanApproval")),
            "RequireHumanApproval": S(
                "Task",
                CALLBACK,
                next="ApprovalDecision",
                catch=((ANY, "WorkflowFailed"),),
                assigns=fs("approval_status"),
                placeholders=fs("HumanApprovalLambdaArn"),
                payload=("taskToken", "candidate_model", "currently_deployed_model"),
            ),
            "ApprovalDecision": S("Choice", default="HoldApprovedModel", choices=fs("DeployApprovedModel")),
            "DeployApprovedModel": invoke("Success", "ModelDeployLambdaArn", ("model_registry_record", "attributes_registration_result")),
            "NoDeploymentNeeded": S("Succeed"),
            "HoldApprovedModel": S("Succeed"),
            "Success": S("Succeed"),
            "WorkflowFailed": S("Fail", error="NdrTrainingFailed"),
        },
        waits={"WaitForTrainingCompletionEvent": ("Training", "training")},
    ),
    "sfn_ndr_backfill_reprocessing": Flow(
        timeout=2 * DAY,
        params=PARAMS_BACKFILL,
        required=("start_ts", "end_ts"),
        failure_error="NdrBackfillFailed",
        states={
            **opening(PARAMS_BACKFILL, "ValidateRuntimeParams"),
            **validation("BuildWindowList"),
            "BuildWindowList": invoke(
                "RunBackfillWindows",
                "BuildBackfillWindowsLambdaArn",
                ("start_ts", "end_ts", "step_minutes", "project_name", "feature_spec_version"),
                fs("windows"),
            ),
            "RunBackfillWindows": S(
                "Map",
                next="EmitBackfillReconciliationEvent",
                catch=((ANY, "WorkflowFailed"),),
                # The reconciliation figures the event reports.
                assigns=fs("window_count", "succeeded_count", "failed_count", "failed_windows"),
            ),
            "EmitBackfillReconciliationEvent": event("CheckBackfillOutcome", "NdrBackfillCompleted"),
            "CheckBackfillOutcome": S(
                "Choice",
                default="WorkflowFailed",
                choices=fs("BackfillSucceeded"),
                # The failure record WorkflowFailed's Cause reads when windows failed.
                assigns=fs("workflow_failed_state", "workflow_error"),
            ),
            "BackfillSucceeded": S("Succeed"),
            "WorkflowFailed": S("Fail", error="NdrBackfillFailed"),
        },
        map_states={
            "StartBackfillPipeline": start("WaitForWindowCompletionEvent", "PipelineNameBackfill15m", BATCH_PIPELINE_PARAMS, "pipeline_execution_arn", "RecordWindowFailure"),
            "WaitForWindowCompletionEvent": wait(None, "pipeline_execution_arn", "RecordWindowFailure"),
            "RecordWindowFailure": S("Pass", end=True),
        },
        waits={"WaitForWindowCompletionEvent": ("Window", "window")},
        detail_fields=("project_name", "feature_spec_version", "start_ts", "end_ts", "window_count", "succeeded_count", "failed_count", "failed_windows"),
    ),
    "sfn_ndr_prediction_publication": Flow(
        timeout=6 * HOUR,
        params=PARAMS_PUBLICATION,
        required=("mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso"),
        failure_error="NdrPredictionPublicationFailed",
        states={
            **opening(PARAMS_PUBLICATION, "ValidateRuntimeParams"),
            **validation("StartPredictionJoinPipeline"),
            "StartPredictionJoinPipeline": start(
                "WaitForJoinCompletionEvent",
                "PipelineNamePredictionJoin",
                BATCH_PIPELINE_PARAMS,
                "prediction_join_pipeline_execution_arn",
                "WorkflowFailed",
            ),
            "WaitForJoinCompletionEvent": wait("PublishToTargets", "prediction_join_pipeline_execution_arn", "WorkflowFailed"),
            "PublishToTargets": invoke(
                "EmitPublicationEvent",
                "PublishJoinedPredictionsLambdaArn",
                ("project_name", "feature_spec_version", "mini_batch_id", "targets"),
                fs("publication_result"),
            ),
            "EmitPublicationEvent": event(None, "NdrPredictionPublicationCompleted"),
            "WorkflowFailed": S("Fail", error="NdrPredictionPublicationFailed"),
        },
        waits={"WaitForJoinCompletionEvent": ("Join", "join")},
        detail_variable="publication_result",
    ),
}

# Fields that only exist in the JSONPath query language (ASL_NOTES.md).
JSONPATH_FIELDS = {
    "InputPath",
    "Parameters",
    "ResultSelector",
    "ResultPath",
    "OutputPath",
    "ItemsPath",
    "Result",
    "ErrorPath",
    "CausePath",
    "SecondsPath",
    "TimestampPath",
    "Variable",
}
# Values that are data (templates), not ASL structure.
DATA_FIELDS = {"Arguments", "Output", "Assign", "ItemSelector", "Items", "Condition", "Error", "Cause"}

EXPRESSION = re.compile(r"\{% (?=\S)[^\n]*(?<=\S) %\}")
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def export_path(name: str) -> Path:
    return EXPORTS / f"{name}.json"


def committed(name: str) -> dict:
    return json.loads(export_path(name).read_text(encoding="utf-8"))


_BUILT: dict[tuple[str, bool], dict] = {}


def built(name: str, polling: bool = False) -> dict:
    key = (name, polling)
    if key not in _BUILT:
        machine = build_flow(name, completion=Polling()) if polling else build_flow(name)
        _BUILT[key] = machine.to_dict()
    return _BUILT[key]


def definitions(name: str) -> list[tuple[str, dict]]:
    return [("built", built(name)), ("committed", committed(name))]


SOURCES = ["built", "committed"]


def definition(name: str, source: str) -> dict:
    return built(name) if source == "built" else committed(name)


def all_states(doc: dict, prefix: str = "") -> Iterator[tuple[str, dict]]:
    """(path, state) for every state, Map/Parallel children included."""
    for name, state in doc["States"].items():
        path = f"{prefix}{name}"
        yield path, state
        if state["Type"] == "Map":
            yield from all_states(state["ItemProcessor"], path + "/")
        for i, branch in enumerate(state.get("Branches", ())):
            yield from all_states(branch, f"{path}[{i}]/")


def all_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from all_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from all_strings(v)


def all_keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from all_keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from all_keys(v)


def structural_keys(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Keys of ASL structure (state, rule, catcher, retrier, processor),
    skipping template values such as Arguments, Output and Assign."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield path, k
            if k not in DATA_FIELDS:
                yield from structural_keys(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from structural_keys(v, f"{path}[{i}]")


def placeholders_in(value: Any) -> set[str]:
    found: set[str] = set()
    for text in all_strings(value):
        found.update(PLACEHOLDER.findall(text))
    return found


def state_placeholders(state: dict) -> set[str]:
    """Placeholders of one state, not of a Map's inner states."""
    own = {k: v for k, v in state.items() if k != "ItemProcessor"}
    return placeholders_in(own)


def is_expr(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{%")


def mentions_variable(text: str, name: str) -> bool:
    return re.search(rf"\${re.escape(name)}(?![A-Za-z0-9_])", text) is not None


def choice_targets(state: dict) -> set[str]:
    return {rule["Next"] for rule in state.get("Choices", ())}


def catch_targets(state: dict) -> list[tuple[tuple[str, ...], str]]:
    return [(tuple(c["ErrorEquals"]), c["Next"]) for c in state.get("Catch", ())]


def check_row(path: str, state: dict, row: S) -> None:
    """One FLOWS.md table row against one rendered state."""
    assert state["Type"] == row.type, f"{path}: Type"
    assert state.get("Resource") == row.resource, f"{path}: Resource"
    assert state.get("Next") == row.next, f"{path}: Next"
    assert state.get("End", False) == row.end, f"{path}: End"
    assert state.get("Default") == row.default, f"{path}: Default"
    assert choice_targets(state) == set(row.choices), f"{path}: Choice targets"
    assert catch_targets(state) == list(row.catch), f"{path}: Catch"
    assert set(state.get("Assign", {})) == set(row.assigns), f"{path}: Assign"
    assert state_placeholders(state) == set(row.placeholders), f"{path}: placeholders"
    if row.error is not None:
        assert state["Error"] == row.error, f"{path}: Error"
    if row.pipeline_params is not None:
        args = state["Arguments"]
        (pipeline,) = row.placeholders
        assert args["PipelineName"] == "${" + pipeline + "}", f"{path}: PipelineName"
        names = [p["Name"] for p in args["PipelineParameters"]]
        assert names == list(row.pipeline_params), f"{path}: pipeline parameter names"
        for param in args["PipelineParameters"]:
            assert set(param) == {"Name", "Value"}, f"{path}: {param}"
            value = param["Value"]
            variable = PIPELINE_PARAM_VARIABLE[param["Name"]]
            # Values are strings: the expression converts with $string.
            assert is_expr(value) and "$string(" in value, f"{path}: {param['Name']} is not turned into a string: {value}"
            in_map = "/" in path
            wanted = f"$states.input.{variable}" if in_map else f"${variable}"
            assert re.search(re.escape(wanted) + r"(?![A-Za-z0-9_])", value), f"{path}: {param['Name']} should carry {wanted}: {value}"
        (arn,) = row.assigns
        assert state["Assign"][arn] == "{% $states.result.PipelineExecutionArn %}", f"{path}: {arn}"
    if row.payload is not None:
        payload = state["Arguments"]["Payload"]
        assert list(payload) == list(row.payload), f"{path}: Payload keys"
        function = sorted(row.placeholders - {"ApprovedModelS3Prefix"})
        assert state["Arguments"]["FunctionName"] == "${" + function[0] + "}", f"{path}: FunctionName"
    if row.arn_variable is not None:
        payload = state["Arguments"]["Payload"]
        assert payload["taskToken"] == "{% $states.context.Task.Token %}"
        assert payload["expected_pipeline_execution_arn"] == "{% $" + row.arn_variable + " %}", f"{path}: expected ARN"
        assert payload["success_statuses"] == ["Succeeded"]
        assert payload["failure_statuses"] == ["Failed", "Stopped"]
    if row.detail_type is not None:
        (entry,) = state["Arguments"]["Entries"]
        assert entry["Source"] == "ndr.orchestration", path
        assert entry["EventBusName"] == "${EventBusName}", path
        assert entry["DetailType"] == row.detail_type, path
        assert is_expr(entry["Detail"]) and entry["Detail"].startswith("{% $string("), f"{path}: Detail must be the JSON text of an object"


# ---------------------------------------------------------------------------
# golden: the committed files are what the code renders
# ---------------------------------------------------------------------------


def test_registry_lists_the_five_flows_in_flows_md_order() -> None:
    assert FLOW_NAMES == tuple(FLOWS)
    assert sorted(p.stem for p in EXPORTS.glob("*.json")) == sorted(FLOWS)


@pytest.mark.parametrize("name", FLOWS)
def test_committed_export_is_byte_identical_to_the_built_flow(name: str) -> None:
    assert build_flow(name).to_json().encode("utf-8") == export_path(name).read_bytes()
    assert built(name) == committed(name)


# ---------------------------------------------------------------------------
# the FLOWS.md tables
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", FLOWS)
def test_top_level(name: str, source: str) -> None:
    doc = definition(name, source)
    flow = FLOWS[name]
    assert set(doc) == {"QueryLanguage", "Comment", "TimeoutSeconds", "StartAt", "States"}
    assert doc["QueryLanguage"] == "JSONata"
    assert isinstance(doc["Comment"], str) and doc["Comment"].strip()
    assert doc["StartAt"] == "NormalizeIncomingMessage"
    assert doc["TimeoutSeconds"] == flow.timeout


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", FLOWS)
def test_state_names_are_exactly_the_table(name: str, source: str) -> None:
    doc = definition(name, source)
    flow = FLOWS[name]
    assert set(doc["States"]) == set(flow.states)
    maps = [s for s in doc["States"].values() if s["Type"] == "Map"]
    if flow.map_states:
        (the_map,) = maps
        assert set(the_map["ItemProcessor"]["States"]) == set(flow.map_states)
    else:
        assert maps == []


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", FLOWS)
def test_every_state_matches_its_row(name: str, source: str) -> None:
    doc = definition(name, source)
    flow = FLOWS[name]
    for state_name, row in flow.states.items():
        check_row(state_name, doc["States"][state_name], row)
    for path, state in all_states(doc):
        if "/" in path:
            check_row(path, state, flow.map_states[path.split("/", 1)[1]])


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", FLOWS)
def test_placeholders_are_exactly_the_expected_ones(name: str, source: str) -> None:
    doc = definition(name, source)
    found = placeholders_in(doc)
    assert found == FLOWS[name].placeholders
    assert found <= PLACEHOLDERS


def test_the_flows_use_every_placeholder_flows_md_lists() -> None:
    used: set[str] = set()
    for name in FLOWS:
        used |= placeholders_in(committed(name))
    assert used == PLACEHOLDERS


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", FLOWS)
def test_runtime_parameters_in_flows_md_order(name: str, source: str) -> None:
    states = definition(name, source)["States"]
    assert list(states["ResolvePipelineRuntimeParams"]["Assign"]) == list(FLOWS[name].params)
    normalize = states["NormalizeIncomingMessage"]["Assign"]["raw_message"]
    assert is_expr(normalize)
    for field_name in ("message_body", "Records", "body", "Sns", "Message"):
        assert f"'{field_name}'" in normalize, f"raw_message does not look at {field_name}"


@pytest.mark.parametrize("name", [n for n, f in FLOWS.items() if f.required])
def test_validation_names_every_required_parameter(name: str) -> None:
    states = built(name)["States"]
    validate = states["ValidateRuntimeParams"]
    (rule,) = validate["Choices"]
    assert rule["Next"] == "InvalidRuntimeParams"
    for param in FLOWS[name].required:
        assert mentions_variable(rule["Condition"], param), param
    # The rule records the reasons; InvalidRuntimeParams' Cause reads them.
    (reasons,) = rule["Assign"]
    for param in FLOWS[name].required:
        assert param in rule["Assign"][reasons], param
    cause = states["InvalidRuntimeParams"]["Cause"]
    assert is_expr(cause) and mentions_variable(cause, reasons)


@pytest.mark.parametrize("name", [n for n, f in FLOWS.items() if not f.required])
def test_flows_without_required_parameters_have_no_validation(name: str) -> None:
    assert "ValidateRuntimeParams" not in built(name)["States"]


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("name", FLOWS)
def test_events_carry_the_flows_md_detail(name: str, source: str) -> None:
    flow = FLOWS[name]
    events = [s for _, s in all_states(definition(name, source)) if s.get("Resource") == PUT_EVENTS]
    if name == "sfn_ndr_training_orchestrator":
        assert events == []
        return
    (state,) = events
    (entry,) = state["Arguments"]["Entries"]
    detail = entry["Detail"]
    if flow.detail_variable:
        assert detail == "{% $string($" + flow.detail_variable + ") %}"
    else:
        keys = re.findall(r'"([A-Za-z_]+)": \$([A-Za-z_]+)', detail)
        assert [k for k, _ in keys] == list(flow.detail_fields)
        assert all(k == v for k, v in keys), keys


def test_15m_lock_item_key_condition_and_release() -> None:
    states = built("sfn_ndr_15m_features_inference")["States"]
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


def test_monthly_payload_and_manifest() -> None:
    states = built("sfn_ndr_monthly_fg_b_baselines")["States"]
    payload = states["BuildSupplementalBaselines"]["Arguments"]["Payload"]
    assert payload["components"] == ["segment_baselines", "cold_start_defaults", "population_global_fallback"]
    assert states["BuildSupplementalBaselines"]["Assign"]["supplemental_baseline_result"] == "{% $states.result.Payload %}"
    manifest = states["BuildBaselineManifest"]["Assign"]["baseline_manifest"]
    assert list(manifest) == ["project_name", "feature_spec_version", "reference_month_iso", "components", "supplemental"]
    assert manifest["components"] == ["host_baselines", "segment_baselines", "pair_baselines", "cold_start_defaults", "optional_population_baseline"]
    assert manifest["supplemental"] == "{% $supplemental_baseline_result %}"
    for key in ("project_name", "feature_spec_version", "reference_month_iso"):
        assert manifest[key] == "{% $" + key + " %}"


def test_training_payloads_choices_and_approval_result() -> None:
    states = built("sfn_ndr_training_orchestrator")["States"]
    publish = states["PublishApprovedModelArtifacts"]
    assert publish["Arguments"]["Payload"]["approved_model_prefix"] == "${ApprovedModelS3Prefix}"
    for variable in ("model_registry_record", "deployment_required"):
        assert "$states.result.Payload" in publish["Assign"][variable], variable
    register = states["RegisterModelAttributesMap"]
    assert register["Arguments"]["Payload"]["attribute_schema_version"] == "v1"
    assert register["Assign"]["attributes_registration_result"] == "{% $states.result.Payload %}"
    approval = states["RequireHumanApproval"]
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


def test_backfill_map_is_inline_bounded_and_reconciles() -> None:
    states = built("sfn_ndr_backfill_reprocessing")["States"]
    assert states["BuildWindowList"]["Assign"]["windows"] == "{% $states.result.Payload.windows %}"
    the_map = states["RunBackfillWindows"]
    assert the_map["ItemProcessor"]["ProcessorConfig"] == {"Mode": "INLINE"}
    assert the_map["ItemProcessor"]["StartAt"] == "StartBackfillPipeline"
    assert the_map["MaxConcurrency"] == 4
    assert the_map["Items"] == "{% $windows %}"
    assert the_map["ItemSelector"] == {
        "project_name": "{% $project_name %}",
        "feature_spec_version": "{% $feature_spec_version %}",
        "mini_batch_id": "{% $states.context.Map.Item.Value.mini_batch_id %}",
        "batch_start_ts_iso": "{% $states.context.Map.Item.Value.batch_start_ts_iso %}",
        "batch_end_ts_iso": "{% $states.context.Map.Item.Value.batch_end_ts_iso %}",
    }
    distributed_only = {"ToleratedFailurePercentage", "ToleratedFailureCount", "ItemReader", "ItemBatcher", "ResultWriter", "Label"}
    assert not distributed_only & set(the_map)
    inner = the_map["ItemProcessor"]["States"]
    succeeded = inner["WaitForWindowCompletionEvent"]["Output"]
    assert succeeded == {"mini_batch_id": "{% $states.input.mini_batch_id %}", "status": "SUCCEEDED"}
    failed = inner["RecordWindowFailure"]["Output"]
    assert is_expr(failed)
    for key in ('"mini_batch_id"', '"status": "FAILED"', '"error"', '"cause"'):
        assert key in failed, key
    # Each window gets its own idempotency token.
    token = inner["StartBackfillPipeline"]["Arguments"]["ClientRequestToken"]
    assert "$states.input.mini_batch_id" in token
    (rule,) = states["CheckBackfillOutcome"]["Choices"]
    assert rule["Condition"] == "{% $failed_count = 0 %}" and rule["Next"] == "BackfillSucceeded"
    assert mentions_variable(states["CheckBackfillOutcome"]["Assign"]["workflow_error"], "failed_windows")


def test_publication_payload() -> None:
    states = built("sfn_ndr_prediction_publication")["States"]
    publish = states["PublishToTargets"]
    for key in ("project_name", "feature_spec_version", "mini_batch_id", "targets"):
        assert publish["Arguments"]["Payload"][key] == "{% $" + key + " %}"
    assert publish["Assign"]["publication_result"] == "{% $states.result.Payload %}"


# ---------------------------------------------------------------------------
# shared conventions (callback and polling forms)
# ---------------------------------------------------------------------------

FORMS = ["callback", "polling"]


def form(name: str, which: str) -> dict:
    return built(name, polling=(which == "polling"))


@pytest.mark.parametrize("which", FORMS)
@pytest.mark.parametrize("name", FLOWS)
def test_jsonata_only_and_expression_spelling(name: str, which: str) -> None:
    doc = form(name, which)
    bad_keys = [k for k in all_keys(doc) if k.endswith(".$")]
    assert bad_keys == []
    jsonpath = [(p, k) for p, k in structural_keys(doc) if k in JSONPATH_FIELDS]
    assert jsonpath == []
    for text in all_strings(doc):
        if "{%" in text or "%}" in text:
            assert EXPRESSION.fullmatch(text), f"badly spelled expression: {text[:120]!r}"
    for path, state in all_states(doc):
        assert next(iter(state)) == "Type", f"{path}: first key is {next(iter(state))}"
        assert "QueryLanguage" not in state, f"{path} switches query language"
    if which == "callback":
        assert json.dumps(doc) == json.dumps(committed(name)), "key order differs from the committed file"


@pytest.mark.parametrize("which", FORMS)
@pytest.mark.parametrize("name", FLOWS)
def test_service_calls_retry_transient_errors_only(name: str, which: str) -> None:
    for path, state in all_states(form(name, which)):
        if state["Type"] != "Task":
            continue
        assert state.get("Retry"), f"{path}: a service call without Retry"
        for retrier in state["Retry"]:
            errors = retrier["ErrorEquals"]
            assert "BackoffRate" in retrier and "JitterStrategy" in retrier, path
            assert retrier.get("MaxAttempts", 3) > 0, path
            assert "States.ALL" not in errors, f"{path}: retries every error"
            assert not [e for e in errors if "ConditionalCheckFailed" in e or "ValidationException" in e], f"{path}: retries a business error {errors}"


def test_only_put_events_retries_task_failures_and_never_timeouts() -> None:
    """Documented policy (steps/errors.py): the optimized events:putEvents
    integration's error names are not in botocore's models, so its Retry
    matches States.TaskFailed (never timeouts, bounded attempts); every
    other Retry names the integration's transient errors."""
    for flow_name in FLOWS:
        for path, state in all_states(built(flow_name)):
            for retrier in state.get("Retry", ()):
                names = retrier["ErrorEquals"]
                assert "States.ALL" not in names and "States.Timeout" not in names, path
                if "States.TaskFailed" in names:
                    assert state["Resource"] == "arn:aws:states:::events:putEvents", f"{flow_name}:{path}"
                    assert names == ["States.TaskFailed"] and retrier["MaxAttempts"] <= 4


@pytest.mark.parametrize("which", FORMS)
@pytest.mark.parametrize("name", FLOWS)
def test_failures_keep_their_reason(name: str, which: str) -> None:
    doc = form(name, which)
    failed = doc["States"]["WorkflowFailed"]
    assert failed["Error"] == FLOWS[name].failure_error
    cause = failed["Cause"]
    assert is_expr(cause), "WorkflowFailed's Cause must be an expression"
    leads_to_failure = {"WorkflowFailed", RELEASE_ON_FAILURE}
    recorded: set[str] = set()
    for path, state in all_states(doc):
        state_name = path.rsplit("/", 1)[-1]
        for catcher in state.get("Catch", ()):
            if catcher["Next"] not in leads_to_failure:
                continue
            if state_name == RELEASE_ON_FAILURE:
                # The release's own failure keeps the record that led there.
                assert "Assign" not in catcher or "$states.errorOutput" in json.dumps(catcher["Assign"]), path
                continue
            assign = catcher.get("Assign", {})
            error_vars = [k for k, v in assign.items() if v == "{% $states.errorOutput %}"]
            assert error_vars, f"{path}: Catch to {catcher['Next']} does not keep $states.errorOutput"
            assert state_name in assign.values(), f"{path}: Catch does not record which state failed"
            recorded.update(error_vars)
    assert recorded, "no Catch leads to WorkflowFailed"
    for variable in recorded:
        assert mentions_variable(cause, variable), f"Cause ignores ${variable}"
        assert f"${variable}.Error" in cause and f"${variable}.Cause" in cause
    assert not [p for p, s in all_states(doc) if s["Type"] == "Task" and not s.get("Catch")], "a Task without Catch"


@pytest.mark.parametrize("which", FORMS)
@pytest.mark.parametrize("name", FLOWS)
def test_duplicate_lock_catch_uses_the_aws_sdk_error_name(name: str, which: str) -> None:
    names = [e for s in (s for _, s in all_states(form(name, which))) for c in s.get("Catch", ()) for e in c["ErrorEquals"]]
    assert not [e for e in names if e.startswith("DynamoDB.")]
    if name == "sfn_ndr_15m_features_inference":
        catch = form(name, which)["States"]["AcquireMiniBatchLock"]["Catch"][0]
        assert catch == {"ErrorEquals": [DUPLICATE_ERROR], "Next": "DuplicateMiniBatch"}


@pytest.mark.parametrize("which", FORMS)
@pytest.mark.parametrize("name", FLOWS)
def test_every_pipeline_start_has_a_deterministic_client_request_token(name: str, which: str) -> None:
    starts = [(p, s) for p, s in all_states(form(name, which)) if s.get("Resource") == START_PIPELINE]
    assert starts
    for path, state in starts:
        token = state["Arguments"].get("ClientRequestToken")
        assert is_expr(token), f"{path}: no ClientRequestToken"
        # SHA-256 hex is 64 characters (SageMaker wants 32-128) and the same on a retry.
        assert "$hash(" in token and "'SHA-256'" in token, path
        assert "$states.context.Execution.Id" in token and "$states.context.State.Name" in token, path
        for volatile in ("$now(", "$millis(", "$random(", "$uuid(", "EnteredTime", "RetryCount"):
            assert volatile not in token, f"{path}: token depends on {volatile}"


def test_callback_waits_have_bounded_timeouts_and_no_heartbeat() -> None:
    for name in FLOWS:
        doc = built(name)
        budget = 0
        for path, state in all_states(doc):
            assert "HeartbeatSeconds" not in state, f"{name}:{path}"
            if state.get("Resource") != CALLBACK:
                continue
            timeout = state.get("TimeoutSeconds")
            assert isinstance(timeout, int), f"{name}:{path}: no TimeoutSeconds"
            if path.endswith("CompletionEvent"):
                assert HOUR <= timeout <= DAY, f"{name}:{path}: {timeout} s is not hours"
            else:  # the human approval
                assert path == "RequireHumanApproval"
                assert DAY <= timeout < 30 * DAY, f"{name}:{path}: {timeout} s is not days"
            if "/" not in path:
                budget += timeout
        # The waits of one run fit in the execution's own timeout.
        assert budget < doc["TimeoutSeconds"], name


# ---------------------------------------------------------------------------
# the polling form
# ---------------------------------------------------------------------------


def scope_of(doc: dict, wait_name: str) -> dict:
    """The States object that holds ``wait_name`` in the callback form: the
    top level, or the Map's iteration."""
    if wait_name in built_callback_top_level():
        return doc["States"]
    (the_map,) = [s for s in doc["States"].values() if s["Type"] == "Map"]
    return the_map["ItemProcessor"]["States"]


POLL_STATES = (("Describe", "Pipeline"), ("Check", "PipelineStatus"), ("WaitBeforeDescribe", "Pipeline"), ("Increment", "PollAttempt"))


def built_callback_top_level() -> set[str]:
    return {state for name in FLOWS for state in built(name)["States"]}


@pytest.mark.parametrize("name", FLOWS)
def test_polling_form_replaces_each_wait_with_four_states(name: str) -> None:
    flow = FLOWS[name]
    callback, polling = built(name), built(name, polling=True)
    assert {k: v for k, v in polling.items() if k != "States"} == {k: v for k, v in callback.items() if k != "States"}
    assert not [p for p, _ in all_states(polling) if p.rsplit("/", 1)[-1].startswith("WaitFor")]
    assert placeholders_in(polling) == flow.placeholders - {"PipelineCompletionCallbackLambdaArn"}
    touched: set[str] = set()
    for wait_name, (label, snake) in flow.waits.items():
        old_scope, new_scope = scope_of(callback, wait_name), scope_of(polling, wait_name)
        old_wait = old_scope[wait_name]
        describe, check = f"Describe{label}Pipeline", f"Check{label}PipelineStatus"
        pause, increment = f"WaitBeforeDescribe{label}Pipeline", f"Increment{label}PollAttempt"
        counter = f"{snake}_poll_attempt"
        waits_here = [w for w in flow.waits if w in old_scope]
        four_each = {f"{kind}{flow.waits[w][0]}{tail}" for w in waits_here for kind, tail in POLL_STATES}
        assert set(new_scope) - (set(old_scope) - set(waits_here)) - four_each <= {"WindowPipelineSucceeded"}
        assert four_each <= set(new_scope)
        arn = re.fullmatch(r"\{% \$(\w+) %\}", old_wait["Arguments"]["Payload"]["expected_pipeline_execution_arn"])[1]
        failure_route = {c["Next"] for c in old_wait["Catch"]}
        # The start state now leads to the first describe and resets the counter.
        (start_name,) = [n for n, s in old_scope.items() if s.get("Next") == wait_name]
        starter = new_scope[start_name]
        assert starter["Next"] == describe
        assert starter["Assign"][arn] == "{% $states.result.PipelineExecutionArn %}"
        assert starter["Assign"][counter] == 0
        touched.add(start_name)

        d = new_scope[describe]
        assert d["Type"] == "Task" and d["Resource"] == DESCRIBE_PIPELINE
        assert d["Arguments"] == {"PipelineExecutionArn": "{% $" + arn + " %}"}
        assert d["Next"] == check
        assert {c["Next"] for c in d["Catch"]} == failure_route
        assert d.get("Retry") and "HeartbeatSeconds" not in d

        c = new_scope[check]
        assert c["Type"] == "Choice"
        # Failed/Stopped and too many attempts take the callback's failure
        # route, Succeeded goes on, anything else (the Default) keeps polling.
        assert c["Default"] == pause
        (success,) = [r for r in c["Choices"] if r["Next"] not in failure_route]
        assert success["Condition"] == "{% $" + f"{snake}_pipeline_status = 'Succeeded' %}}"
        if "Next" in old_wait:
            assert success["Next"] == old_wait["Next"], f"{check}: Succeeded must go on to {old_wait['Next']}"
        else:
            # The callback state ended the iteration; a Choice cannot end, so a
            # Succeeded pipeline must still reach a terminal state.
            target = new_scope[success["Next"]]
            assert target.get("End") or target["Type"] == "Succeed"
            four_each.add(success["Next"])
            touched.add(success["Next"])
        assert success.get("Output") == old_wait.get("Output")
        failing = [r for r in c["Choices"] if r["Next"] in failure_route]
        texts = json.dumps(failing)
        assert "PipelineExecutionFailed" in texts and "PipelineExecutionTimedOut" in texts
        assert "'Failed'" in texts and "'Stopped'" in texts
        assert mentions_variable(texts, counter)

        w = new_scope[pause]
        assert w["Type"] == "Wait" and w["Next"] == increment
        assert isinstance(w.get("Seconds"), int) and w["Seconds"] > 0

        i = new_scope[increment]
        assert i["Type"] == "Pass" and i["Next"] == describe
        assert i["Assign"] == {counter: "{% $" + counter + " + 1 %}"}
        touched |= {describe, check, pause, increment}

    # Everything else is unchanged.
    new_paths = dict(all_states(polling))
    for path, state in all_states(callback):
        if path.rsplit("/", 1)[-1] in touched | set(flow.waits):
            continue
        if state["Type"] == "Map":
            continue
        if name == "sfn_ndr_backfill_reprocessing" and path == "ValidateRuntimeParams":
            # The polling form bounds the windows by the execution history it
            # would write: the same checks with a smaller maximum.
            assert "at most 960 are allowed" in json.dumps(state)
            assert "at most 960 are allowed" not in json.dumps(new_paths[path])
            assert re.search(r"at most \d+ are allowed", json.dumps(new_paths[path]))
            continue
        assert new_paths[path] == state, path


@pytest.mark.parametrize("name", FLOWS)
def test_polling_failures_take_the_callback_failure_route_with_a_record(name: str) -> None:
    doc = built(name, polling=True)
    for path, state in all_states(doc):
        if state["Type"] != "Choice" or not path.endswith("PipelineStatus"):
            continue
        for rule in state["Choices"]:
            if rule["Next"] in ("WorkflowFailed", RELEASE_ON_FAILURE):
                assert rule["Assign"]["workflow_error"].startswith("{% {'Error': 'PipelineExecution"), path
                assert rule["Assign"]["workflow_failed_state"] == path.rsplit("/", 1)[-1]
            elif rule["Next"] == "RecordWindowFailure":
                assert '"mini_batch_id"' in rule["Output"] and "PipelineExecution" in rule["Output"], path
