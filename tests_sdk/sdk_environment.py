"""The environment the sdk tests deploy to (the issue's example, every placeholder filled)."""

from __future__ import annotations

from typing import Any

REGION = "us-east-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ndr-sfn"


def _lambda(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


#: An environment like the issue's example, with a value for every placeholder of the five flows.
ENVIRONMENT: dict[str, Any] = {
    "region": REGION,
    "role_arn": ROLE,
    "state_machine_name_prefix": "dev-",
    "tags": {"team": "ndr"},
    "substitutions": {
        "LockTableName": "ndr-locks",
        "EventBusName": "ndr-bus",
        "ApprovedModelS3Prefix": "s3://ndr-models/approved/",
        "PipelineName15m": "ndr-15m-features",
        "PipelineNameBackfill15m": "ndr-backfill-15m",
        "PipelineNameFGB": "ndr-fg-b-baselines",
        "PipelineNameInference": "ndr-inference",
        "PipelineNameMachineInventory": "ndr-machine-inventory",
        "PipelineNamePredictionJoin": "ndr-prediction-join",
        "PipelineNameTraining": "ndr-training",
        "PipelineCompletionCallbackLambdaArn": _lambda("ndr-pipeline-callback"),
        "BuildBackfillWindowsLambdaArn": _lambda("ndr-build-backfill-windows"),
        "HumanApprovalLambdaArn": _lambda("ndr-human-approval"),
        "ModelAttributesRegistryLambdaArn": _lambda("ndr-model-attributes"),
        "ModelDeployLambdaArn": _lambda("ndr-model-deploy"),
        "ModelPublishLambdaArn": _lambda("ndr-model-publish"),
        "PublishJoinedPredictionsLambdaArn": _lambda("ndr-publish-joined-predictions"),
        "SupplementalBaselineLambdaArn": _lambda("ndr-supplemental-baseline"),
    },
}
