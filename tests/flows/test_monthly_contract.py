"""sfn_ndr_monthly_fg_b_baselines against its contract page,
docs/flows/sfn_ndr_monthly_fg_b_baselines.md, and the properties its rows
cannot show (variables, placeholders, pipeline parameters, the Lambda
payload, the manifest and the event)."""

from __future__ import annotations

import pytest
from contract_polling import check_polling_failures, check_polling_form
from contract_support import (
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
    no_props,
    opening,
    page,
    start,
    wait,
)

NAME = "sfn_ndr_monthly_fg_b_baselines"
PARAMS = ("project_name", "feature_spec_version", "reference_month_iso", "reference_time_iso", "mode")

CONTRACT = FlowContract(
    name=NAME,
    timeout=2 * DAY,
    failure_error="NdrMonthlyBaselinesFailed",
    props={
        **opening(PARAMS),
        **no_props("WorkflowFailed"),
        "StartMachineInventoryRefresh": start("PipelineNameMachineInventory", ("ProjectName", "FeatureSpecVersion", "ReferenceMonthIso"), "inventory_pipeline_execution_arn"),
        "WaitForInventoryCompletionEvent": wait("inventory_pipeline_execution_arn"),
        "StartFGBBaselinePipeline": start("PipelineNameFGB", ("ProjectName", "FeatureSpecVersion", "ReferenceTimeIso", "Mode"), "fgb_pipeline_execution_arn"),
        "WaitForFGBCompletionEvent": wait("fgb_pipeline_execution_arn"),
        "BuildSupplementalBaselines": invoke(
            "SupplementalBaselineLambdaArn",
            ("project_name", "feature_spec_version", "reference_month_iso", "components"),
            fs("supplemental_baseline_result"),
        ),
        "BuildBaselineManifest": Props(assigns=fs("baseline_manifest")),
        "EmitBaselineReadyEvent": event("NdrMonthlyBaselinesCompleted", variable="baseline_manifest"),
    },
    placeholders=fs("EventBusName", "PipelineNameMachineInventory", "PipelineNameFGB", "PipelineCompletionCallbackLambdaArn", "SupplementalBaselineLambdaArn"),
    waits={"WaitForInventoryCompletionEvent": ("Inventory", "inventory"), "WaitForFGBCompletionEvent": ("FGB", "fgb")},
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
    assert page(NAME).required == ()
    check_validation(NAME)


def test_payload_and_manifest() -> None:
    states = built(NAME)["States"]
    payload = states["BuildSupplementalBaselines"]["Arguments"]["Payload"]
    assert payload["components"] == ["segment_baselines", "cold_start_defaults", "population_global_fallback"]
    assert states["BuildSupplementalBaselines"]["Assign"]["supplemental_baseline_result"] == "{% $states.result.Payload %}"
    manifest = states["BuildBaselineManifest"]["Assign"]["baseline_manifest"]
    assert list(manifest) == ["project_name", "feature_spec_version", "reference_month_iso", "components", "supplemental"]
    assert manifest["components"] == ["host_baselines", "segment_baselines", "pair_baselines", "cold_start_defaults", "optional_population_baseline"]
    assert manifest["supplemental"] == "{% $supplemental_baseline_result %}"
    for key in ("project_name", "feature_spec_version", "reference_month_iso"):
        assert manifest[key] == "{% $" + key + " %}"


def test_polling_form_replaces_each_wait_with_four_states() -> None:
    check_polling_form(CONTRACT)


def test_polling_failures_take_the_callback_failure_route_with_a_record() -> None:
    check_polling_failures(NAME)
