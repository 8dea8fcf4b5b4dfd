"""``sfn_ndr_backfill_reprocessing``: reprocess a time range, window by window.

A Lambda cuts ``start_ts .. end_ts`` into windows of ``step_minutes``; an
inline Map runs the 15-minute backfill pipeline for each window, at most
``max_concurrency`` at once.

Reconciliation: an inline Map fails as a whole on its first failed
iteration (tolerated-failure thresholds exist only for DISTRIBUTED maps),
so every iteration catches its own failure and returns
``{mini_batch_id, status: "FAILED", error, cause}`` instead of
``{mini_batch_id, status: "SUCCEEDED"}``. ``NdrBackfillCompleted`` always
goes out with the counts and the failed windows; the run then ends failed
when any window failed. A failed window never silently vanishes.

Bounds: ``ValidateRuntimeParams`` rejects a range of more than
``max_windows`` windows (default 960, ten days of 15-minute windows): an
inline Map's iterations all land in one execution history (25,000 events)
and the window list in one 256 KiB payload.
"""

from __future__ import annotations

from ..expressions import expr, obj, states_input, var
from ..model import Choice, Fragment, Map, Pass, Rule, StateMachine, Succeed
from ..steps import CALLBACK, PAYLOAD, Check, ErrorRoute, Param, Polling, invoke_lambda, publish_event, run_pipeline, workflow_failed
from ..steps.errors import failure_record
from ..steps.validation import missing
from .common import DAY, HOUR, opening, project_params

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..steps.pipeline import Completion

NAME = "sfn_ndr_backfill_reprocessing"
COMMENT = "NDR backfill: cut a time range into windows and run the 15-minute backfill pipeline for each, with bounded parallelism, reporting every failed window."

WINDOW_FIELDS = ("mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso")
# An ISO-8601 date-time with a UTC offset, as $toMillis reads it.
ISO_TIMESTAMP = r"/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})$/"
CAUSE_LIMIT = 256


def _is_timestamp(name: str) -> str:
    # A conditional, not `and`, so $contains never sees a non-string.
    return f"($type(${name}) = 'string' ? $contains(${name}, {ISO_TIMESTAMP}) : false)"


def _checks(max_windows: int) -> list[Check]:
    """Range checks, each written so that it cannot fail on a bad value."""
    start_ok, end_ok = _is_timestamp("start_ts"), _is_timestamp("end_ts")
    step_ok = "($type($step_minutes) = 'number' ? $step_minutes > 0 : false)"
    span = "($toMillis($end_ts) - $toMillis($start_ts))"
    windows = f"$ceil({span} / ($step_minutes * 60000))"
    return [
        Check(expr(f"{missing('start_ts').text} ? false : $not({start_ok})"), "start_ts must be an ISO-8601 timestamp such as 2025-01-01T00:00:00Z"),
        Check(expr(f"{missing('end_ts').text} ? false : $not({end_ok})"), "end_ts must be an ISO-8601 timestamp such as 2025-01-02T00:00:00Z"),
        Check(expr(f"$not({step_ok})"), "step_minutes must be a positive number"),
        Check(expr(f"({start_ok} and {end_ok}) ? {span} <= 0 : false"), "end_ts must be later than start_ts"),
        Check(
            expr(f"({start_ok} and {end_ok} and {step_ok}) ? ({span} > 0 ? {windows} > {max_windows} : false) : false"),
            expr(f"'the range holds ' & {windows} & ' windows of ' & $step_minutes & ' minutes; at most {max_windows} are allowed per run (split the range)'"),
        ),
    ]


def _window_route() -> ErrorRoute:
    """A window's failure: keep its id and the error, end the iteration."""

    def record(state: str, error):  # noqa: ANN001, ANN202 - (state, Expr) -> (assign, output)
        return None, obj(
            {
                "mini_batch_id": states_input("mini_batch_id"),
                "error": error.field("Error"),
                "cause": expr(f"$substring($string({error.text}.Cause), 0, {CAUSE_LIMIT})"),
            }
        )

    return ErrorRoute(next="RecordWindowFailure", record=record)


def build(
    *,
    completion: Completion = CALLBACK,
    max_concurrency: int = 4,
    max_windows: int = 960,
    pipeline_timeout_seconds: int = 3 * HOUR,
    timeout_seconds: int = 2 * DAY,
) -> StateMachine:
    """The flow; ``completion`` switches the per-window wait's form."""
    params = project_params() + [
        Param("start_ts", required=True),
        Param("end_ts", required=True),
        Param("step_minutes", 15, kind="number"),
    ]
    window_list = invoke_lambda(
        "BuildWindowList",
        function="${BuildBackfillWindowsLambdaArn}",
        payload={name: var(name) for name in ("start_ts", "end_ts", "step_minutes", "project_name", "feature_spec_version")},
        assign={"windows": PAYLOAD.field("windows")},
    )
    route = _window_route()
    window = run_pipeline(
        start="StartBackfillPipeline",
        wait="WaitForWindowCompletionEvent",
        pipeline="${PipelineNameBackfill15m}",
        parameters={
            "ProjectName": states_input("project_name"),
            "FeatureSpecVersion": states_input("feature_spec_version"),
            "MiniBatchId": states_input("mini_batch_id"),
            "BatchStartTsIso": states_input("batch_start_ts_iso"),
            "BatchEndTsIso": states_input("batch_end_ts_iso"),
        },
        arn_variable="pipeline_execution_arn",
        completion=completion,
        timeout_seconds=pipeline_timeout_seconds,
        token_key=states_input("mini_batch_id"),
        # Keep the window as the data flowing through the iteration.
        start_output=states_input(),
        wait_output={"mini_batch_id": states_input("mini_batch_id"), "status": "SUCCEEDED"},
        on_error=route,
    )
    record_failure = Pass(
        "RecordWindowFailure",
        output=obj(
            {
                "mini_batch_id": states_input("mini_batch_id"),
                "status": "FAILED",
                "error": states_input("error"),
                "cause": states_input("cause"),
            }
        ),
    )
    if isinstance(completion, Polling):
        # The polling form's last state is a Choice, which cannot end an
        # iteration: a Succeed does, passing the window's result through.
        window = window >> Succeed("WindowPipelineSucceeded")
    iteration = Fragment(window.states + (record_failure,), window.start, window.problems)
    selector = {"project_name": var("project_name"), "feature_spec_version": var("feature_spec_version")}
    selector.update({f: expr(f"$states.context.Map.Item.Value.{f}") for f in WINDOW_FIELDS})
    failed = "$states.result[status = 'FAILED']"
    run_windows = Map(
        "RunBackfillWindows",
        processor=iteration,
        items=var("windows"),
        item_selector=selector,
        max_concurrency=max_concurrency,
        assign={
            "window_count": expr("$count($states.result)"),
            "succeeded_count": expr("$count($states.result[status = 'SUCCEEDED'])"),
            "failed_count": expr(f"$count({failed})"),
            "failed_windows": expr(f"[{failed}.mini_batch_id]"),
        },
        catch=(ErrorRoute().catch("RunBackfillWindows"),),
    )
    announce = publish_event(
        "EmitBackfillReconciliationEvent",
        detail_type="NdrBackfillCompleted",
        detail={
            name: var(name)
            for name in (
                "project_name",
                "feature_spec_version",
                "start_ts",
                "end_ts",
                "window_count",
                "succeeded_count",
                "failed_count",
                "failed_windows",
            )
        },
    )
    outcome = Choice(
        "CheckBackfillOutcome",
        choices=[Rule(expr("$failed_count = 0"), "BackfillSucceeded")],
        # Taken when windows failed: record why for WorkflowFailed.
        assign=failure_record(
            "RunBackfillWindows",
            expr(
                "{'Error': 'BackfillWindowsFailed', 'Cause': $failed_count & ' of ' & $window_count"
                " & ' backfill windows failed: ' & $join($failed_windows, ', ')}"
            ),
        ),
    )
    from ..model import ON_FAILURE

    ending = Fragment((outcome.replace(default=ON_FAILURE), Succeed("BackfillSucceeded")), outcome.name)
    body = opening(params, _checks(max_windows)) >> window_list >> run_windows >> announce >> ending
    return StateMachine(
        body,
        name=NAME,
        comment=COMMENT,
        timeout_seconds=timeout_seconds,
        on_failure=workflow_failed("NdrBackfillFailed"),
    )
