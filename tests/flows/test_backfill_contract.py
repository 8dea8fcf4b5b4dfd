"""sfn_ndr_backfill_reprocessing against its contract page,
docs/flows/sfn_ndr_backfill_reprocessing.md, and the properties its rows
cannot show (variables, placeholders, the Map's items and results, per-window
idempotency tokens, the reconciliation event)."""

from __future__ import annotations

import pytest
from contract_polling import check_polling_failures, check_polling_form
from contract_support import (
    BATCH_PIPELINE_PARAMS,
    DAY,
    FlowContract,
    Props,
    SOURCES,
    built,
    check_golden,
    check_page,
    check_parameters,
    check_properties,
    check_top_level,
    check_validation,
    definition,
    event,
    fs,
    invoke,
    is_expr,
    mentions_variable,
    no_props,
    opening,
    page,
    start,
    wait,
)

NAME = "sfn_ndr_backfill_reprocessing"
PARAMS = ("project_name", "feature_spec_version", "start_ts", "end_ts", "step_minutes")

CONTRACT = FlowContract(
    name=NAME,
    timeout=2 * DAY,
    failure_error="NdrBackfillFailed",
    props={
        **opening(PARAMS),
        **no_props("ValidateRuntimeParams", "InvalidRuntimeParams", "RunBackfillWindows/RecordWindowFailure", "BackfillSucceeded", "WorkflowFailed"),
        "BuildWindowList": invoke(
            "BuildBackfillWindowsLambdaArn", ("start_ts", "end_ts", "step_minutes", "project_name", "feature_spec_version"), fs("windows")
        ),
        # The reconciliation figures the event reports.
        "RunBackfillWindows": Props(assigns=fs("window_count", "succeeded_count", "failed_count", "failed_windows")),
        "RunBackfillWindows/StartBackfillPipeline": start("PipelineNameBackfill15m", BATCH_PIPELINE_PARAMS, "pipeline_execution_arn"),
        "RunBackfillWindows/WaitForWindowCompletionEvent": wait("pipeline_execution_arn"),
        "EmitBackfillReconciliationEvent": event(
            "NdrBackfillCompleted",
            fields=("project_name", "feature_spec_version", "start_ts", "end_ts", "window_count", "succeeded_count", "failed_count", "failed_windows"),
        ),
        # The failure record WorkflowFailed's Cause reads when windows failed.
        "CheckBackfillOutcome": Props(assigns=fs("workflow_failed_state", "workflow_error")),
    },
    placeholders=fs("EventBusName", "BuildBackfillWindowsLambdaArn", "PipelineNameBackfill15m", "PipelineCompletionCallbackLambdaArn"),
    waits={"WaitForWindowCompletionEvent": ("Window", "window")},
)


def test_committed_export_is_byte_identical_to_the_built_flow() -> None:
    check_golden(NAME)


@pytest.mark.parametrize("source", SOURCES)
def test_states_are_the_contract_page(source: str) -> None:
    check_page(NAME, definition(NAME, source))


@pytest.mark.parametrize("source", SOURCES)
def test_top_level(source: str) -> None:
    check_top_level(CONTRACT, definition(NAME, source))


@pytest.mark.parametrize("source", SOURCES)
def test_state_properties(source: str) -> None:
    check_properties(CONTRACT, definition(NAME, source))


@pytest.mark.parametrize("source", SOURCES)
def test_runtime_parameters_in_page_order(source: str) -> None:
    assert page(NAME).params == PARAMS
    check_parameters(NAME, definition(NAME, source))


def test_validation_names_every_required_parameter() -> None:
    assert page(NAME).required == ("start_ts", "end_ts")
    check_validation(NAME)


def test_map_is_inline_bounded_and_reconciles() -> None:
    states = built(NAME)["States"]
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


def test_polling_form_replaces_each_wait_with_four_states() -> None:
    check_polling_form(CONTRACT)


def test_polling_failures_take_the_callback_failure_route_with_a_record() -> None:
    check_polling_failures(NAME)
