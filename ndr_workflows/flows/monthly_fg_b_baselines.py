"""``sfn_ndr_monthly_fg_b_baselines``: the monthly FG-B baselines.

Refresh the machine inventory, build the FG-B baselines, build the
supplemental baselines (a Lambda), assemble the manifest and announce
``NdrMonthlyBaselinesCompleted``. A monthly schedule sends a fixed input,
so the reference month defaults to the calendar month *before* the
execution's start (UTC): started 2025-03-01T00:07:12.345Z, it builds
2025-02-01T00:00:00Z .. 2025-02-28T23:59:59Z. ``reference_time_iso``
defaults to the last second of the reference month, given or defaulted
(``reference_month_iso=2024-06-01T00:00:00Z`` alone gives
2024-06-30T23:59:59Z). Any failure ends in
``WorkflowFailed`` with the original error.
"""

from __future__ import annotations

from ..expressions import var
from ..model import Pass, StateMachine
from ..steps import CALLBACK, PAYLOAD, Param, invoke_lambda, publish_event, run_pipeline, workflow_failed
from ..steps.messages import month_end_of, previous_month_start
from .common import DAY, HOUR, opening, project_params

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..steps.pipeline import Completion

NAME = "sfn_ndr_monthly_fg_b_baselines"
COMMENT = "NDR monthly FG-B baselines: refresh the machine inventory, build FG-B and supplemental baselines for the reference month, publish the baseline manifest."

SUPPLEMENTAL_COMPONENTS = ["segment_baselines", "cold_start_defaults", "population_global_fallback"]
MANIFEST_COMPONENTS = ["host_baselines", "segment_baselines", "pair_baselines", "cold_start_defaults", "optional_population_baseline"]


def build(
    *,
    completion: Completion = CALLBACK,
    pipeline_timeout_seconds: int = 12 * HOUR,
    timeout_seconds: int = 2 * DAY,
) -> StateMachine:
    """The flow; ``completion`` switches the pipeline waits' form."""
    month = Param("reference_month_iso", previous_month_start())
    params = project_params() + [
        month,
        # The end of the reference month, whether that month was given or defaulted.
        Param("reference_time_iso", month_end_of(month)),
        Param("mode", "REGULAR"),
    ]
    project = {"ProjectName": var("project_name"), "FeatureSpecVersion": var("feature_spec_version")}
    inventory = run_pipeline(
        start="StartMachineInventoryRefresh",
        wait="WaitForInventoryCompletionEvent",
        pipeline="${PipelineNameMachineInventory}",
        parameters={**project, "ReferenceMonthIso": var("reference_month_iso")},
        arn_variable="inventory_pipeline_execution_arn",
        completion=completion,
        timeout_seconds=pipeline_timeout_seconds,
    )
    fgb = run_pipeline(
        start="StartFGBBaselinePipeline",
        wait="WaitForFGBCompletionEvent",
        pipeline="${PipelineNameFGB}",
        parameters={**project, "ReferenceTimeIso": var("reference_time_iso"), "Mode": var("mode")},
        arn_variable="fgb_pipeline_execution_arn",
        completion=completion,
        timeout_seconds=pipeline_timeout_seconds,
    )
    supplemental = invoke_lambda(
        "BuildSupplementalBaselines",
        function="${SupplementalBaselineLambdaArn}",
        payload={
            "project_name": var("project_name"),
            "feature_spec_version": var("feature_spec_version"),
            "reference_month_iso": var("reference_month_iso"),
            "components": SUPPLEMENTAL_COMPONENTS,
        },
        assign={"supplemental_baseline_result": PAYLOAD},
    )
    manifest = Pass(
        "BuildBaselineManifest",
        assign={
            "baseline_manifest": {
                "project_name": var("project_name"),
                "feature_spec_version": var("feature_spec_version"),
                "reference_month_iso": var("reference_month_iso"),
                "components": MANIFEST_COMPONENTS,
                "supplemental": var("supplemental_baseline_result"),
            }
        },
    )
    announce = publish_event(
        "EmitBaselineReadyEvent",
        detail_type="NdrMonthlyBaselinesCompleted",
        detail=var("baseline_manifest"),
    )
    body = opening(params) >> inventory >> fgb >> supplemental >> manifest >> announce
    return StateMachine(
        body,
        name=NAME,
        comment=COMMENT,
        timeout_seconds=timeout_seconds,
        on_failure=workflow_failed("NdrMonthlyBaselinesFailed"),
    )
