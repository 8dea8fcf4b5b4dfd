"""sfn_ndr_monthly_fg_b_baselines run by sfnx against a fake AWS: the happy path,
the reference month that follows the start time or the input, the polling
form, retries.
"""

from __future__ import annotations

import pytest
from behaviour_support import (
    INPUTS,
    LAMBDA_INVOKE,
    MONTHLY,
    SUPPLEMENTAL,
    assert_callback_payload,
    assert_event,
    assert_events_follow_the_states,
    assert_path,
    assert_token,
    call_of,
    check_business_error_is_not_retried,
    check_polling_failure_route,
    check_polling_form_succeeds_with_the_same_calls,
    check_transient_error_is_retried,
    definition,
    fake_for,
    pipeline_params,
    run_flow,
)


def test_monthly_happy_path():
    fake = fake_for(MONTHLY)
    execution = run_flow(definition(MONTHLY), INPUTS[MONTHLY], fake)
    assert execution.error is None, execution.cause
    assert_path(
        execution,
        MONTHLY,
        "HappyPath",
        (
            "NormalizeIncomingMessage",
            "ResolvePipelineRuntimeParams",
            "StartMachineInventoryRefresh",
            "WaitForInventoryCompletionEvent",
            "StartFGBBaselinePipeline",
            "WaitForFGBCompletionEvent",
            "BuildSupplementalBaselines",
            "BuildBaselineManifest",
            "EmitBaselineReadyEvent",
        ),
    )
    assert_events_follow_the_states(execution, fake, definition(MONTHLY))
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

def test_polling_form_succeeds_with_the_same_calls():
    check_polling_form_succeeds_with_the_same_calls(MONTHLY)


@pytest.mark.parametrize("statuses, error_name, describes", [(["Executing", "Failed"], "PipelineExecutionFailed", 2), (["Executing"], "PipelineExecutionTimedOut", 3)])
def test_polling_failure_routes(statuses, error_name, describes):
    check_polling_failure_route(MONTHLY, statuses, error_name, describes)


def test_transient_errors_are_retried():
    check_transient_error_is_retried(MONTHLY, "BuildSupplementalBaselines", "Lambda.ServiceException")


def test_business_errors_are_not_retried():
    check_business_error_is_not_retried(MONTHLY, "StartFGBBaselinePipeline", "SageMaker.ConflictException")
