"""``sfn_ndr_15m_features_inference``: 15-minute features, then inference.

Normalize and resolve the parameters, reject a run that lacks
``mini_batch_id`` / ``batch_start_ts_iso`` / ``batch_end_ts_iso``, lock the
15-minute window in DynamoDB, run the features pipeline and the inference
pipeline (each started idempotently and awaited through the completion
callback, or by polling), announce ``NdrInferencePipelineCompleted`` and
release the lock.

Lock invariant: once ``AcquireMiniBatchLock`` succeeds, every path out
releases the lock (the :func:`~ndr_workflows.steps.lock` builder guarantees
it), unless the release itself keeps failing after its retries. Neither
``StopExecution`` nor the execution timeout runs any Catch: in those cases,
and then only, the lock item's TTL (``lock_ttl_epoch``, by default 24 hours
after the execution started) is what frees the window — a later run may
take an expired lock over even before DynamoDB deletes it.
"""

from __future__ import annotations

from ..expressions import concat, var
from ..model import Fragment, StateMachine, Succeed
from ..steps import CALLBACK, LockNames, LockTable, Param, lock, publish_event, run_pipeline, workflow_failed
from .common import BATCH_PARAMS, DAY, HOUR, START_EPOCH, batch_pipeline_parameters, epoch_after_start, now_iso, opening, project_params

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..steps.pipeline import Completion

NAME = "sfn_ndr_15m_features_inference"
COMMENT = "NDR 15-minute features and inference: lock the mini-batch window, run the features and inference pipelines, announce completion, release the lock."


def build(*, completion: Completion | str = CALLBACK, lock_ttl_seconds: int = DAY, pipeline_timeout_seconds: int = 2 * HOUR, timeout_seconds: int = 6 * HOUR) -> StateMachine:
    """The flow. ``completion`` switches both pipeline waits between the
    callback (default) and polling forms."""
    params = project_params() + [
        Param("mini_batch_id", required=True),
        Param("batch_start_ts_iso", required=True),
        Param("batch_end_ts_iso", required=True),
        Param("execution_ts_iso", now_iso()),
        Param("lock_ttl_epoch", epoch_after_start(lock_ttl_seconds), type="number", above=START_EPOCH,
              message="lock_ttl_epoch must be a number of epoch seconds after the execution's start"),
    ]

    def pipeline(start: str, wait: str, name: str, arn_variable: str) -> Fragment:
        return run_pipeline(start=start, wait=wait, pipeline=name, arn_variable=arn_variable, parameters=batch_pipeline_parameters(),
                            completion=completion, timeout_seconds=pipeline_timeout_seconds)

    features = pipeline("Start15mFeaturesPipeline", "WaitForFeaturesCompletionEvent", "${PipelineName15m}", "features_pipeline_execution_arn")
    inference = pipeline("StartInferencePipeline", "WaitForInferenceCompletionEvent", "${PipelineNameInference}", "inference_pipeline_execution_arn")
    announce = publish_event("EmitInferenceCompleteEvent", detail_type="NdrInferencePipelineCompleted",
                             detail={name: var(name) for name in BATCH_PARAMS + ("inference_pipeline_execution_arn",)})
    window = LockTable(
        "${LockTableName}",
        key={"pk": var("project_name") + "#" + var("feature_spec_version"), "sk": var("batch_start_ts_iso") + "#" + var("batch_end_ts_iso")},
        ttl_epoch=var("lock_ttl_epoch"),
        created_at=var("execution_ts_iso"),
    )
    held_by_another = concat(
        "The lock for this 15-minute window already exists (pk ", var("project_name"), "#", var("feature_spec_version"),
        ", sk ", var("batch_start_ts_iso"), "#", var("batch_end_ts_iso"), "): another execution holds it for mini-batch ", var("mini_batch_id"),
        " (it is running, or it stopped without releasing it and the lock frees at its ttl_epoch)",
    )
    locked = lock(features >> inference >> announce, table=window, names=LockNames.for_("MiniBatch"), duplicate_cause=held_by_another)
    return StateMachine(
        opening(params) >> locked >> Succeed("Success"),
        name=NAME,
        comment=COMMENT,
        timeout_seconds=timeout_seconds,
        on_failure=workflow_failed("Ndr15mFeaturesInferenceFailed"),
    )
