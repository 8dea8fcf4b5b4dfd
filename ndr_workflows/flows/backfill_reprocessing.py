"""``sfn_ndr_backfill_reprocessing``: reprocess a time range, window by window.

A Lambda cuts ``start_ts .. end_ts`` into windows of ``step_minutes``; an
inline Map runs the 15-minute backfill pipeline for each window, at most
``max_concurrency`` at once.

Reconciliation: every window reports ``{mini_batch_id, status}`` (a failed
one with its error and cause; see :func:`~ndr_workflows.steps.fanout.reconciled_map`).
``NdrBackfillCompleted`` always goes out with the counts and the failed
windows; the run then ends failed when any window failed. A failed window
never silently vanishes.

Bounds: ``ValidateRuntimeParams`` rejects a range of more than
``max_windows`` windows (default 960, ten days of 15-minute windows), since
an inline Map's iterations all land in one execution history and its
results in one payload; in polling form the default is what the polling
budget lets fit, and a ``max_windows`` that cannot fit is a build error.
"""

from __future__ import annotations

from ..expressions import concat, join, states_input, var
from ..model import StateMachine, Succeed, choose
from ..steps import CALLBACK, PAYLOAD, Param, at_most, invoke_lambda, later, publish_event, run_pipeline, windows, workflow_failed
from ..steps.errors import to_failure
from ..steps.fanout import item_limit, reconciled_map
from ..steps.pipeline import history_events
from .common import DAY, HOUR, opening, project_params

NAME = "sfn_ndr_backfill_reprocessing"
COMMENT = "NDR backfill: cut a time range into windows and run the 15-minute backfill pipeline for each, with bounded parallelism, reporting every failed window."
WINDOW_FIELDS = ("mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso")
PIPELINE_NAMES = ("ProjectName", "FeatureSpecVersion", "MiniBatchId", "BatchStartTsIso", "BatchEndTsIso")


def build(
    *,
    completion: object = CALLBACK,
    max_concurrency: int = 4,
    max_windows: int | None = None,
    pipeline_timeout_seconds: int = 3 * HOUR,
    timeout_seconds: int = 2 * DAY,
) -> StateMachine:
    """The flow; ``completion`` switches the per-window wait's form.
    ``max_windows`` defaults to 960 in callback form, to what fits the
    execution history in polling form (12 with ``Polling()``)."""
    per_window = history_events(completion, pipeline_timeout_seconds)
    max_windows = max_windows or item_limit(per_window, default=960)
    params = project_params() + [
        Param("start_ts", required=True, type="timestamp"),
        Param("end_ts", required=True, type="timestamp"),
        Param("step_minutes", 15, type="number", above=0, message="step_minutes must be a positive number"),
    ]
    checks = [later("end_ts", than="start_ts"), at_most(windows("start_ts", "end_ts", "step_minutes"), max_windows)]
    window_list = invoke_lambda(
        "BuildWindowList",
        function="${BuildBackfillWindowsLambdaArn}",
        payload={name: var(name) for name in ("start_ts", "end_ts", "step_minutes", "project_name", "feature_spec_version")},
        assign={"windows": PAYLOAD.field("windows")},
    )

    def window(on_error, result):  # noqa: ANN001, ANN202 - (ErrorRoute, Template) -> Fragment
        return run_pipeline(
            start="StartBackfillPipeline",
            wait="WaitForWindowCompletionEvent",
            pipeline="${PipelineNameBackfill15m}",
            parameters=dict(zip(PIPELINE_NAMES, map(states_input, ("project_name", "feature_spec_version") + WINDOW_FIELDS))),
            arn_variable="pipeline_execution_arn",
            completion=completion,  # type: ignore[arg-type]
            timeout_seconds=pipeline_timeout_seconds,
            token_key=states_input("mini_batch_id"),
            start_output=states_input(),  # keep the window as the data flowing through the iteration
            wait_output=result,
            on_error=on_error,
        )

    run_windows = reconciled_map(
        "RunBackfillWindows",
        items=var("windows"),
        key="mini_batch_id",
        fields=WINDOW_FIELDS,
        shared={"project_name": var("project_name"), "feature_spec_version": var("feature_spec_version")},
        body=window,
        record_failure="RecordWindowFailure",
        succeeded="WindowPipelineSucceeded",
        max_concurrency=max_concurrency,
        max_items=max_windows,
        events_per_item=per_window,
        limit_at="ValidateRuntimeParams",
        counts=("window_count", "succeeded_count", "failed_count", "failed_windows"),
    )
    counts = ("window_count", "succeeded_count", "failed_count", "failed_windows")
    announce = publish_event(
        "EmitBackfillReconciliationEvent",
        detail_type="NdrBackfillCompleted",
        detail={name: var(name) for name in ("project_name", "feature_spec_version", "start_ts", "end_ts") + counts},
    )
    windows_failed = to_failure(
        "RunBackfillWindows",
        "BackfillWindowsFailed",
        concat(var("failed_count"), " of ", var("window_count"), " backfill windows failed: ", join(var("failed_windows"))),
    )
    outcome = choose("CheckBackfillOutcome").when(var("failed_count").eq(0), Succeed("BackfillSucceeded")).otherwise(windows_failed)
    return StateMachine(
        opening(params, checks) >> window_list >> run_windows >> announce >> outcome,
        name=NAME,
        comment=COMMENT,
        timeout_seconds=timeout_seconds,
        on_failure=workflow_failed("NdrBackfillFailed"),
    )
