"""sfn_ndr_prediction_publication against its contract page,
docs/flows/sfn_ndr_prediction_publication.md, and the properties its rows
cannot show (variables, placeholders, pipeline parameters, the payload and
the event)."""

from __future__ import annotations

import pytest
from contract_polling import check_polling_failures, check_polling_form
from contract_support import (
    BATCH_PIPELINE_PARAMS,
    FlowContract,
    HOUR,
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

NAME = "sfn_ndr_prediction_publication"
PARAMS = ("project_name", "feature_spec_version", "mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso", "targets")

CONTRACT = FlowContract(
    name=NAME,
    timeout=6 * HOUR,
    failure_error="NdrPredictionPublicationFailed",
    props={
        **opening(PARAMS),
        **no_props("ValidateRuntimeParams", "InvalidRuntimeParams", "WorkflowFailed"),
        "StartPredictionJoinPipeline": start("PipelineNamePredictionJoin", BATCH_PIPELINE_PARAMS, "prediction_join_pipeline_execution_arn"),
        "WaitForJoinCompletionEvent": wait("prediction_join_pipeline_execution_arn"),
        "PublishToTargets": invoke(
            "PublishJoinedPredictionsLambdaArn", ("project_name", "feature_spec_version", "mini_batch_id", "targets"), fs("publication_result")
        ),
        "EmitPublicationEvent": event("NdrPredictionPublicationCompleted", variable="publication_result"),
    },
    placeholders=fs("EventBusName", "PipelineNamePredictionJoin", "PipelineCompletionCallbackLambdaArn", "PublishJoinedPredictionsLambdaArn"),
    waits={"WaitForJoinCompletionEvent": ("Join", "join")},
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
    assert page(NAME).required == ("mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso")
    check_validation(NAME)


def test_payload() -> None:
    states = built(NAME)["States"]
    publish = states["PublishToTargets"]
    for key in ("project_name", "feature_spec_version", "mini_batch_id", "targets"):
        assert publish["Arguments"]["Payload"][key] == "{% $" + key + " %}"
    assert publish["Assign"]["publication_result"] == "{% $states.result.Payload %}"


def test_polling_form_replaces_each_wait_with_four_states() -> None:
    check_polling_form(CONTRACT)


def test_polling_failures_take_the_callback_failure_route_with_a_record() -> None:
    check_polling_failures(NAME)
