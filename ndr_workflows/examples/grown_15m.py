"""The 15-minute flow as it grows: an event filter, project context with
derived fields, three configuration reads with defaults, a gate failing each
rule on its own, the lock, batch-index writes and status updates, and an
inline Map per ML project (bootstrap child execution, a readiness loop with
remediation, three polled pipelines, the publication child execution).

Not one of the exported flows: ``build()`` returns the StateMachine.
"""

from __future__ import annotations

from ..expressions import Expr, concat, expr, states_input, var
from ..model import Fail, Fragment, StateMachine, Succeed, choose
from ..steps import (Check, Derived, LockNames, LockTable, Param, Params, Polling, child_execution, config, dynamodb, later,
                     lock, publish_event, repeat_until, run_pipeline, s3, workflow_failed)
from ..steps.checks import no_unknown_fields
from ..steps.fanout import and_fail, for_each
from ..steps.messages import NOW_ISO, epoch_after_start

NAME = "example_grown_15m"
CONFIG = "${ConfigTableName}"
BATCH_INDEX = "${BatchIndexTableName}"
CONTROL = "${ControlTableName}"
HOUR = 3600

PARAMS = Params(
    Param("event_type", ""),
    Param("project_name", "ndr-project"),
    Param("data_source_name", required=True),
    Param("mini_batch_id", required=True),
    Param("batch_start_ts_iso", required=True, type="timestamp", error="FailInvalidTimestamp"),
    Param("batch_end_ts_iso", required=True, type="timestamp", error="FailInvalidTimestamp"),
    Param("raw_parsed_logs_s3_prefix", required=True, type="s3_uri"),
    Param("expected_data_source", source=config("routing", "data_source_name")),
    Param("ingestion_bucket", "ndr-ingestion", source=config("routing", "ingestion_bucket")),
    Param("feature_spec_version", "v1", source=config("processing", "feature_spec_version")),
    Param("poll_interval_seconds", 60, type="number", minimum=10, source=config("processing", "poll_interval_seconds")),
    Param("ml_project_names", type="non_empty_list", source=config("ml_projects", "ml_project_names")),
    Param("execution_ts_iso", NOW_ISO),
    Param("lock_ttl_epoch", epoch_after_start(24 * HOUR), type="number"),
    Derived("ingestion_prefix", concat("s3://", var("ingestion_bucket"), "/", var("project_name"), "/ingestion/")),
    Derived("batch_date", expr("$substring($batch_start_ts_iso, 0, 10)")),
    Derived("batch_key", var("project_name") + "#" + var("mini_batch_id")),
)
INPUT_FIELDS = ("event_type", "project_name", "data_source_name", "mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso",
                "raw_parsed_logs_s3_prefix", "feature_spec_version", "ml_project_names")


def config_read(item: str, state: str) -> object:
    return PARAMS.read_config(item, name=state, table=CONFIG, key={"pk": var("project_name") + "#" + item, "sk": "config"})


def pipeline(label: str, placeholder: str, polling: Polling, token: Expr | None = None) -> Fragment:
    """Start ``label``'s pipeline for the current ML project and poll it."""
    return run_pipeline(
        start=f"Start{label}Pipeline", wait=f"WaitFor{label}CompletionEvent", pipeline=placeholder, completion=polling,
        arn_variable=f"{label.lower()}_pipeline_execution_arn", token_key=token if token is not None else var("ml_project"),
        parameters={"ProjectName": var("project_name"), "MlProjectName": var("ml_project"), "MiniBatchId": var("mini_batch_id"),
                    "FeatureSpecVersion": var("feature_spec_version")},
    )


def per_project(polling: Polling, max_cycles: int) -> object:
    """One ML project's branch of the fan-out."""
    control = {"pk": var("project_name") + "#" + var("ml_project"), "sk": "bootstrap"}
    bootstrap = (
        dynamodb.update("MarkBootstrapRequested", table=CONTROL, key=control, set={"status": "REQUESTED", "updated_at": NOW_ISO})
        >> child_execution("RunBootstrapExecution", state_machine="${BootstrapSfnArn}", into="bootstrap_output",
                           input={"project_name": var("project_name"), "ml_project_name": var("ml_project")},
                           on_error=and_fail(dynamodb.update("MarkBootstrapFailed", table=CONTROL, key=control, set={"status": "FAILED"}, output=states_input())))
        >> dynamodb.update("MarkBootstrapSucceeded", table=CONTROL, key=control, set={"status": "SUCCEEDED", "updated_at": NOW_ISO})
    )
    readiness = repeat_until(
        pipeline("RtReadiness", "${PipelineNameRtReadiness}", polling, token=var("ml_project") + "#" + var("rt_readiness_cycle"))
        >> s3.get_json("ReadRtReadinessArtifact", bucket="${ArtifactBucket}", into="rt_manifest",
                       key=concat(var("project_name"), "/", var("ml_project"), "/", var("mini_batch_id"), "/readiness.json")),
        until=var("rt_manifest", "artifacts_ready").eq(True),
        max_cycles=max_cycles,
        label="RtReadiness",
        between=child_execution("InvokeRtBackfillRemediation", state_machine="${RemediationSfnArn}",
                                input={"project_name": var("project_name"), "ml_project_name": var("ml_project"),
                                       "missing": var("rt_manifest", "missing_artifacts")}),
        on_exhausted=Fail("RtArtifactsUnresolvedAfterRemediation", error="RtArtifactsUnresolvedAfterRemediation",
                          cause=concat("readiness artifacts still missing for ", var("ml_project"))),
    )
    publication = child_execution(
        "RunPredictionPublication", state_machine="${PredictionPublicationSfnArn}", into="publication_output",
        input={"project_name": var("project_name"), "mini_batch_id": var("mini_batch_id"), "ml_project_name": var("ml_project")},
        output={"ml_project": var("ml_project"), "status": "SUCCEEDED"},
    )
    return (
        dynamodb.get("ReadBootstrapControl", table=CONTROL, key={**control, "pk": var("project_name") + "#" + states_input("ml_project")},
                     into={"bootstrap_status": "status"},
                     assign={"ml_project": states_input("ml_project")})
        >> choose("CheckBootstrapped").when(var("bootstrap_status").ne("SUCCEEDED"), bootstrap)
        >> dynamodb.get("ReadDeploymentReadiness", table=CONTROL, into={"model_deployed": "deployed"}, otherwise={"model_deployed": False},
                        key={"pk": var("project_name") + "#" + var("ml_project"), "sk": "deployment"})
        >> choose("CheckModelDeployed").when(var("model_deployed").ne(True), Fail("FailModelNotDeployed", error="ModelNotDeployed",
                                                                                cause=concat("no deployed model for ", var("ml_project"))))
        >> readiness
        >> pipeline("Features", "${PipelineName15m}", polling)
        >> pipeline("DependentFeatures", "${PipelineNameDependentFeatures}", polling)
        >> pipeline("Inference", "${PipelineNameInference}", polling)
        >> publication
        >> dynamodb.update("MarkMlProjectPublished", table=CONTROL, key={**control, "sk": "publication"}, output=states_input(),
                           set={"mini_batch_id": var("mini_batch_id"), "updated_at": NOW_ISO})
    )


def build(*, polling: Polling | None = None, max_cycles: int = 2) -> StateMachine:
    """The grown flow; ``polling`` sets every pipeline's status checks."""
    polling = polling or Polling(interval_seconds=60, max_attempts=120)
    batch_key = {"pk": var("batch_key"), "sk": "batch"}
    gate = PARAMS.gate(
        [later("batch_end_ts_iso", than="batch_start_ts_iso", error="FailInvalidTimestamp"),
         Check(var("expected_data_source").ne(None) & var("data_source_name").ne(var("expected_data_source")),
               concat("project ", var("project_name"), " does not read data source ", var("data_source_name")), error="FailProjectDataSourceMismatch"),
         no_unknown_fields(INPUT_FIELDS)],
        fail_each=True,
    )
    index = (
        dynamodb.put("WriteBatchIdIndex", table=BATCH_INDEX, condition="attribute_not_exists(pk)",
                     item={**batch_key, "status": "REQUESTED", "mini_batch_id": var("mini_batch_id"), "batch_date": var("batch_date"),
                           "ingestion_prefix": var("ingestion_prefix"), "created_at": var("execution_ts_iso")})
        >> dynamodb.put("WriteBatchDateLookup", table=BATCH_INDEX,
                        item={"pk": concat("date#", var("batch_date")), "sk": var("mini_batch_id"), "batch_key": var("batch_key")})
    )
    fan_out = for_each(
        "RunPerMlProjectBranch", items=var("ml_project_names"), item="ml_project", body=per_project(polling, max_cycles), max_concurrency=4,
        failed=Fail("MlProjectBranchFailed", error=states_input("Error"), cause=states_input("Cause")),
        on_error=and_fail(dynamodb.update("MarkBatchFailed", table=BATCH_INDEX, key=batch_key, set={"status": "FAILED", "updated_at": NOW_ISO})),
    )
    done = dynamodb.update("MarkBatchSucceeded", table=BATCH_INDEX, key=batch_key, set={"status": "SUCCEEDED", "updated_at": NOW_ISO})
    announce = publish_event("EmitBatchCompletedEvent", detail_type="NdrGrownBatchCompleted",
                             detail={"project_name": var("project_name"), "mini_batch_id": var("mini_batch_id"), "ml_projects": var("ml_project_names")})
    window = LockTable("${LockTableName}", key={"pk": var("batch_key"), "sk": var("batch_start_ts_iso") + "#" + var("batch_end_ts_iso")},
                       ttl_epoch=var("lock_ttl_epoch"), created_at=var("execution_ts_iso"))
    body = (
        PARAMS.opening()
        >> choose("FilterBatchCompletedEvent").when(var("event_type").ne("BatchCompleted"), Succeed("IgnoreNonBatchCompletionEvent"))
        >> config_read("routing", "LoadProjectRoutingFromDynamo")
        >> config_read("processing", "LoadDataProcessingConfigFromDynamo")
        >> config_read("ml_projects", "LoadMlProjectConfigFromDynamo")
        >> gate
        >> lock(index >> fan_out >> done >> announce, table=window, names=LockNames.for_("MiniBatch"))
        >> Succeed("Success")
    )
    return StateMachine(body, name=NAME, comment="Grown NDR 15-minute flow (example).", timeout_seconds=12 * HOUR,
                        on_failure=workflow_failed("NdrGrown15mFailed"))


