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
and its results in one 256 KiB payload. The polling form writes ~11 events
per status check, so its default is derived from the polling budget, and a
``max_windows`` that cannot fit is a build error.
"""

from __future__ import annotations

from ..expressions import expr, obj, states_input, var
from ..model import Choice, Fragment, Map, Pass, Rule, StateMachine, Succeed
from ..steps import CALLBACK, PAYLOAD, Check, ErrorRoute, Param, Polling, invoke_lambda, publish_event, run_pipeline, workflow_failed
from ..model.errors import Problem
from ..steps.errors import failure_record
from ..steps.pipeline import as_completion
from ..steps.validation import missing
from .common import DAY, HOUR, opening, project_params

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..steps.pipeline import Completion

NAME = "sfn_ndr_backfill_reprocessing"
COMMENT = "NDR backfill: cut a time range into windows and run the 15-minute backfill pipeline for each, with bounded parallelism, reporting every failed window."

WINDOW_FIELDS = ("mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso")
# An ISO-8601 date-time with seconds and an offset, every field in range: a
# strict subset of what $toMillis accepts (it raises D3110 on the rest, and
# returns no number for a month 13), so the checks below cannot fail.
ISO_TIMESTAMP = (
    r"/^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(\.[0-9]+)?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])(?![\s\S])/"
)
# A failed window's error and cause are cut so that even 960 failed windows
# stay well inside the 256 KiB a Map's result may hold (~220 bytes each).
ERROR_LIMIT = 48
CAUSE_LIMIT = 64
ITEM_BYTES = 260
PAYLOAD_LIMIT = 256 * 1024
# A STANDARD execution's history holds 25,000 events; keep some for the
# states outside the Map. Per window: the iteration, the start and the wait
# (~16 events); in polling form 11 more per status check.
HISTORY_BUDGET = 24_000
EVENTS_PER_WINDOW = 16
EVENTS_PER_POLL = 11
DEFAULT_MAX_WINDOWS = 960


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
                "error": expr(f"$substring($string({error.text}.Error), 0, {ERROR_LIMIT})"),
                "cause": expr(f"$substring($string({error.text}.Cause), 0, {CAUSE_LIMIT})"),
            }
        )

    return ErrorRoute(next="RecordWindowFailure", record=record)


def events_per_window(completion: Completion, pipeline_timeout_seconds: int) -> int:
    """History events one window may write at most."""
    if isinstance(completion, Polling):
        return EVENTS_PER_WINDOW + EVENTS_PER_POLL * completion.attempts_for(pipeline_timeout_seconds)
    return EVENTS_PER_WINDOW


def build(
    *,
    completion: Completion | str = CALLBACK,
    max_concurrency: int = 4,
    max_windows: int | None = None,
    pipeline_timeout_seconds: int = 3 * HOUR,
    timeout_seconds: int = 2 * DAY,
) -> StateMachine:
    """The flow; ``completion`` switches the per-window wait's form.

    ``max_windows`` defaults to 960 in callback form; in polling form to as
    many windows as the execution history can hold when every window polls
    for its whole budget (12 with ``Polling()``: poll less often, or shorten
    ``pipeline_timeout_seconds``, to allow more). A larger value that would
    overflow the history or the Map's 256 KiB result is a build error."""
    completion = as_completion(completion)
    per_window = events_per_window(completion, pipeline_timeout_seconds)
    fits = min(HISTORY_BUDGET // per_window, PAYLOAD_LIMIT // ITEM_BYTES)
    if max_windows is None:
        max_windows = min(DEFAULT_MAX_WINDOWS, fits)
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
    if max_windows > fits:
        body = body.with_problem(
            Problem(
                "ValidateRuntimeParams",
                "TOO_MANY_WINDOWS",
                f"max_windows={max_windows} windows could write up to {max_windows * per_window} history events (a STANDARD execution holds 25,000)"
                f" or a {max_windows * ITEM_BYTES // 1024} KiB Map result (the limit is 256 KiB); at most {fits} fit",
                "lower max_windows (split the range into several runs), or in polling form poll less often",
            )
        )
    return StateMachine(
        body,
        name=NAME,
        comment=COMMENT,
        timeout_seconds=timeout_seconds,
        on_failure=workflow_failed("NdrBackfillFailed"),
    )
