"""``sfn_ndr_training_orchestrator``: Isolation-Forest training with an
approval gate.

Train (pipeline), publish the model artifacts and register the model's
attributes (Lambdas); when the publication says a deployment is required,
ask a human (a callback Lambda; the approver answers with SendTaskSuccess
``{"approval_status": "APPROVED" | ...}``) and deploy only on ``APPROVED``.
The approval's result is the SendTaskSuccess output itself: it has no
``Payload`` (the hand-written definition read ``Payload.approval_status``
and always failed there). Any failure ends in ``WorkflowFailed``.
"""

from __future__ import annotations

from ..expressions import EXECUTION_NAME, STATES_RESULT, TASK_TOKEN, or_null, var
from ..model import StateMachine, Succeed, choose
from ..steps import CALLBACK, PAYLOAD, Param, invoke_lambda, run_pipeline, workflow_failed
from .common import DAY, now_iso, opening, project_params

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..steps.pipeline import Completion

NAME = "sfn_ndr_training_orchestrator"
COMMENT = "NDR Isolation-Forest training: train, publish and register the model, then deploy it only after a human approves."


def build(
    *,
    completion: Completion = CALLBACK,
    pipeline_timeout_seconds: int = DAY,
    approval_timeout_seconds: int = 5 * DAY,
    timeout_seconds: int = 7 * DAY,
) -> StateMachine:
    """The flow; ``completion`` switches the training wait's form."""
    params = project_params() + [
        Param("run_id", EXECUTION_NAME),
        Param("execution_ts_iso", now_iso()),
    ]
    training = run_pipeline(
        start="StartTrainingPipeline",
        wait="WaitForTrainingCompletionEvent",
        pipeline="${PipelineNameTraining}",
        parameters={
            "ProjectName": var("project_name"),
            "FeatureSpecVersion": var("feature_spec_version"),
            "RunId": var("run_id"),
            "ExecutionTsIso": var("execution_ts_iso"),
        },
        arn_variable="training_pipeline_execution_arn",
        completion=completion,
        timeout_seconds=pipeline_timeout_seconds,
    )
    publish = invoke_lambda(
        "PublishApprovedModelArtifacts",
        function="${ModelPublishLambdaArn}",
        payload={
            "project_name": var("project_name"),
            "feature_spec_version": var("feature_spec_version"),
            "run_id": var("run_id"),
            "training_pipeline_execution_arn": var("training_pipeline_execution_arn"),
            "approved_model_prefix": "${ApprovedModelS3Prefix}",
        },
        assign={
            "model_registry_record": PAYLOAD.field("model_registry_record"),
            # A boolean whatever the Lambda says: absent means no deployment.
            "deployment_required": PAYLOAD.field("deployment_required").eq(True),
        },
    )
    register = invoke_lambda(
        "RegisterModelAttributesMap",
        function="${ModelAttributesRegistryLambdaArn}",
        payload={"model_registry_record": var("model_registry_record"), "attribute_schema_version": "v1"},
        assign={"attributes_registration_result": PAYLOAD},
    )
    approval = invoke_lambda(
        "RequireHumanApproval",
        function="${HumanApprovalLambdaArn}",
        payload={
            "taskToken": TASK_TOKEN,
            "candidate_model": var("model_registry_record", "model_id"),
            # None yet before the first deployment.
            "currently_deployed_model": or_null(var("model_registry_record", "current_model_id")),
        },
        callback=True,
        timeout_seconds=approval_timeout_seconds,
        # An answer without approval_status is not an approval (held).
        assign={"approval_status": or_null(STATES_RESULT.field("approval_status"))},
    )
    deploy = invoke_lambda(
        "DeployApprovedModel",
        function="${ModelDeployLambdaArn}",
        payload={
            "model_registry_record": var("model_registry_record"),
            "attributes_registration_result": var("attributes_registration_result"),
        },
    )
    approved = choose("ApprovalDecision").when(var("approval_status").eq("APPROVED"), deploy >> Succeed("Success")).otherwise(Succeed("HoldApprovedModel"))
    gate = choose("DeploymentRequiredChoice").when(var("deployment_required").eq(True), approval >> approved).otherwise(Succeed("NoDeploymentNeeded"))
    body = opening(params) >> training >> publish >> register >> gate
    return StateMachine(
        body,
        name=NAME,
        comment=COMMENT,
        timeout_seconds=timeout_seconds,
        on_failure=workflow_failed("NdrTrainingFailed"),
    )
