"""``sfn_ndr_prediction_publication``: join the predictions, publish them.

Reject a run without ``mini_batch_id`` / ``batch_start_ts_iso`` /
``batch_end_ts_iso``; run the prediction-join pipeline; publish the joined
predictions to the ``targets`` (default redshift and iceberg; ``k=v`` text
gives them comma-separated) and announce ``NdrPredictionPublicationCompleted``
with the publication result. Any failure ends in ``WorkflowFailed``.
"""

from __future__ import annotations

from ..expressions import var
from ..model import StateMachine
from ..steps import CALLBACK, PAYLOAD, Param, invoke_lambda, publish_event, run_pipeline, workflow_failed
from .common import HOUR, batch_pipeline_parameters, opening, project_params

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..steps.pipeline import Completion

NAME = "sfn_ndr_prediction_publication"
COMMENT = "NDR prediction publication: join the mini-batch's predictions, publish them to the targets, announce the result."


def build(
    *,
    completion: Completion = CALLBACK,
    pipeline_timeout_seconds: int = 2 * HOUR,
    timeout_seconds: int = 6 * HOUR,
) -> StateMachine:
    """The flow; ``completion`` switches the join wait's form."""
    params = project_params() + [
        Param("mini_batch_id", required=True),
        Param("batch_start_ts_iso", required=True),
        Param("batch_end_ts_iso", required=True),
        Param("targets", ["redshift", "iceberg"], kind="list"),
    ]
    join = run_pipeline(
        start="StartPredictionJoinPipeline",
        wait="WaitForJoinCompletionEvent",
        pipeline="${PipelineNamePredictionJoin}",
        parameters=batch_pipeline_parameters(),
        arn_variable="prediction_join_pipeline_execution_arn",
        completion=completion,
        timeout_seconds=pipeline_timeout_seconds,
    )
    publish = invoke_lambda(
        "PublishToTargets",
        function="${PublishJoinedPredictionsLambdaArn}",
        payload={
            "project_name": var("project_name"),
            "feature_spec_version": var("feature_spec_version"),
            "mini_batch_id": var("mini_batch_id"),
            "targets": var("targets"),
        },
        assign={"publication_result": PAYLOAD},
    )
    announce = publish_event(
        "EmitPublicationEvent",
        detail_type="NdrPredictionPublicationCompleted",
        detail=var("publication_result"),
    )
    body = opening(params) >> join >> publish >> announce
    return StateMachine(
        body,
        name=NAME,
        comment=COMMENT,
        timeout_seconds=timeout_seconds,
        on_failure=workflow_failed("NdrPredictionPublicationFailed"),
    )
