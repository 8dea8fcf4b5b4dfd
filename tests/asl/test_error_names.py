"""The error names the builders retry and catch are names the integrations
really raise, checked against botocore's service models (the source of
truth), spelled as Step Functions spells aws-sdk errors:
``ServiceName.ErrorName`` with the AWS SDK's PascalCase service name and
always the ``Exception`` suffix."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import pytest

from ndr_workflows.steps.errors import TRANSIENT_ERRORS
from ndr_workflows.steps.lock import CONDITION_FAILED
from ndr_workflows.validate.service_models import sdk_error_name, sdk_service_name

EXPORTS = Path(__file__).resolve().parents[2] / "docs" / "step_functions_jsonata"
SESSION = botocore.session.get_session()


def raisable(service: str, operations: list[str]) -> set[str]:
    model = SESSION.get_service_model(service)
    prefix = sdk_service_name(model.service_id)
    names = {f"{prefix}.{prefix}Exception", f"{prefix}.SdkClientException"}
    for op in operations:
        for shape in model.operation_model(op).error_shapes:
            names.add(f"{prefix}.{sdk_error_name(shape.name)}")
    return names


def test_sdk_service_names() -> None:
    assert sdk_service_name("DynamoDB") == "DynamoDb"
    assert sdk_service_name("SageMaker") == "SageMaker"
    assert sdk_service_name("ACM PCA") == "AcmPca"
    assert sdk_service_name("S3") == "S3"


@pytest.mark.parametrize(
    ("integration", "service", "operations"),
    [
        ("dynamodb", "dynamodb", ["PutItem", "DeleteItem"]),
        ("sagemaker", "sagemaker", ["StartPipelineExecution", "DescribePipelineExecution"]),
    ],
)
def test_transient_aws_sdk_errors_exist_in_the_service_model(integration: str, service: str, operations: list[str]) -> None:
    known = raisable(service, operations)
    unknown = [name for name in TRANSIENT_ERRORS[integration] if name not in known]
    assert not unknown, f"not raisable by aws-sdk:{service} {operations}: {unknown}"


def test_transient_lambda_errors_are_lambda_service_errors() -> None:
    modeled = {s.name for s in SESSION.get_service_model("lambda").operation_model("Invoke").error_shapes}
    names = TRANSIENT_ERRORS["lambda"]
    assert all(n.startswith("Lambda.") for n in names)
    # Modeled service-side errors, plus the SDK's client-side ones.
    for name in names:
        short = name.split(".", 1)[1]
        assert short in modeled or short in {"AWSLambdaException", "SdkClientException", "ClientExecutionTimeoutException"}, name


def test_business_errors_are_never_retried() -> None:
    retried = {n for names in TRANSIENT_ERRORS.values() for n in names}
    for business in ("ConditionalCheckFailed", "Validation", "ResourceNotFound", "Conflict", "TransactionConflict"):
        assert not [n for n in retried if business in n], business


def test_the_duplicate_lock_catch_uses_the_aws_sdk_spelling() -> None:
    assert CONDITION_FAILED in raisable("dynamodb", ["PutItem"])
    assert CONDITION_FAILED == "DynamoDb.ConditionalCheckFailedException"


def _error_names(node: object) -> list[tuple[str, str]]:
    found = []
    if isinstance(node, dict):
        for _state_name, state in (node.get("States") or {}).items():
            resource = state.get("Resource", "")
            for entry in state.get("Retry", []) + state.get("Catch", []):
                found += [(resource, e) for e in entry["ErrorEquals"]]
            if "ItemProcessor" in state:
                found += _error_names(state["ItemProcessor"])
            for branch in state.get("Branches", []):
                found += _error_names(branch)
    return found


def test_every_error_name_in_the_exports_is_raisable_by_its_integration() -> None:
    services = {"dynamodb": ["PutItem", "DeleteItem", "GetItem"], "sagemaker": ["StartPipelineExecution", "DescribePipelineExecution"]}
    allowed = {svc: raisable(svc, ops) for svc, ops in services.items()}
    for path in sorted(EXPORTS.glob("*.json")):
        for resource, name in _error_names(json.loads(path.read_text())):
            if name.startswith("States."):
                continue
            if resource.startswith("arn:aws:states:::aws-sdk:"):
                service = resource.split(":")[6]
                assert name in allowed[service], f"{path.name}: {resource} cannot raise {name}"
            elif resource.startswith("arn:aws:states:::lambda:invoke"):
                assert name in TRANSIENT_ERRORS["lambda"], f"{path.name}: {resource}: {name}"
            elif resource == "arn:aws:states:::events:putEvents":
                # The optimized integration's error for a throttled or failed entry.
                assert name == "EventBridge.FailedEntry", f"{path.name}: {resource}: {name}"
            else:
                pytest.fail(f"{path.name}: unexpected error name {name} on {resource}")
