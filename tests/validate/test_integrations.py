"""Family 4 of the validator: integrations checked against botocore's
service models, and the distilled on-disk cache that keeps it fast.

Every check has a failing and a passing case; the five exported flows give
no finding; the two real bugs this project was founded on (a
``DynamoDB.`` Catch on an aws-sdk DynamoDB task, ``Payload`` read from a
callback's result) are reported with the right spelling in the hint."""

from __future__ import annotations

import copy
import json
import marshal
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ndr_workflows.validate import botocore_data, integrations, service_models
from ndr_workflows.asl.resources import parse_resource
from ndr_workflows.validate import validate
from ndr_workflows.validate.integrations import check_integrations
from ndr_workflows.validate.severity import SUSPICIOUS, apply_severity
from ndr_workflows.validate.service_models import catalog_path, sdk_error_name, sdk_service_name

REPO = Path(__file__).resolve().parents[2]
EXPORTS = sorted((REPO / "docs" / "step_functions_jsonata").glob("*.json"))

SAGEMAKER = "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution"
PUT_ITEM = "arn:aws:states:::aws-sdk:dynamodb:putItem"
LAMBDA = "arn:aws:states:::lambda:invoke"
CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"
EVENTS = "arn:aws:states:::events:putEvents"
TOKEN = "{% $states.context.Task.Token %}"


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("service_models_cache")


@pytest.fixture(autouse=True)
def _isolated_cache(monkeypatch: pytest.MonkeyPatch, cache_dir: Path) -> None:
    """Tests never touch the user's cache; they share one for speed."""
    monkeypatch.setenv("NDR_WORKFLOWS_CACHE_DIR", str(cache_dir))
    monkeypatch.delenv("NDR_WORKFLOWS_NO_CACHE", raising=False)


def machine(state: dict[str, Any], language: str = "JSONata") -> dict[str, Any]:
    definition: dict[str, Any] = {"StartAt": "Call", "States": {"Call": {**state, "End": True}}}
    if language == "JSONata":
        definition["QueryLanguage"] = "JSONata"
    return definition


def task(resource: str, arguments: Any = None, *, errors: tuple[str, ...] = (), **fields: Any) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Resource": resource}
    if arguments is not None:
        state["Arguments"] = arguments
    if errors:
        state["Retry"] = [{"ErrorEquals": list(errors)}]
    state.update(fields)
    return machine(state)


def pipeline_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "PipelineName": "${PipelineName}",
        "PipelineParameters": [{"Name": "ProjectName", "Value": "{% $project %}"}],
        "ClientRequestToken": "{% $hash($states.context.Execution.Id, 'SHA-256') %}",
    }
    args.update(changes)
    return {k: v for k, v in args.items() if v is not None}


def lambda_args(**changes: Any) -> dict[str, Any]:
    args: dict[str, Any] = {"FunctionName": "${Fn}", "Payload": {"a": "{% $a %}"}}
    args.update(changes)
    return {k: v for k, v in args.items() if v is not None}


def callback_args() -> dict[str, Any]:
    return {"FunctionName": "${Fn}", "Payload": {"taskToken": TOKEN, "arn": "{% $arn %}"}}


def put_item_args() -> dict[str, Any]:
    return {"TableName": "${LockTable}", "Item": {"pk": {"S": "{% $key %}"}}, "ConditionExpression": "attribute_not_exists(pk)"}


def events_args(**entry: Any) -> dict[str, Any]:
    base = {"Source": "ndr.orchestration", "DetailType": "Done", "Detail": "{% $string($x) %}", "EventBusName": "${Bus}"}
    base.update(entry)
    return {"Entries": [{k: v for k, v in base.items() if v is not None}]}


def found(definition: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    return [(p.severity, p.path, p.code, p.message, p.hint) for p in check_integrations(definition, machine_type="STANDARD")]


def codes(definition: dict[str, Any]) -> set[str]:
    return {f[2] for f in found(definition)}


# (id, failing definition, code, a fragment of message or hint, passing definition)
CASES: list[tuple[str, dict[str, Any], str, str, dict[str, Any]]] = [
    ("argument unknown", task(SAGEMAKER, pipeline_args(PipelineParameters=None, PipelineParamters=[])), "INTEGRATION_UNKNOWN_ARGUMENT", "did you mean 'PipelineParameters'?", task(SAGEMAKER, pipeline_args())),
    ("argument unknown nested", task(SAGEMAKER, pipeline_args(PipelineParameters=[{"Nmae": "a", "Value": "b"}])), "INTEGRATION_UNKNOWN_ARGUMENT", "Arguments.PipelineParameters[0].Nmae", task(SAGEMAKER, pipeline_args(PipelineParameters=[{"Name": "a", "Value": "b"}]))),
    ("argument in a map of structures", task(PUT_ITEM, {**put_item_args(), "Item": {"pk": {"s": "x"}}}), "INTEGRATION_UNKNOWN_ARGUMENT", "did you mean 'S'?", task(PUT_ITEM, put_item_args())),
    ("argument camelCase", task("arn:aws:states:::aws-sdk:sfn:startExecution", {"stateMachineArn": "x"}), "INTEGRATION_UNKNOWN_ARGUMENT", "did you mean 'StateMachineArn'?", task("arn:aws:states:::aws-sdk:sfn:startExecution", {"StateMachineArn": "x"})),
    ("required missing", task(SAGEMAKER, pipeline_args(PipelineName=None)), "INTEGRATION_MISSING_ARGUMENT", "'PipelineName' is required", task(SAGEMAKER, pipeline_args())),
    ("idempotency token left out", task(SAGEMAKER, pipeline_args(ClientRequestToken=None)), "INTEGRATION_MISSING_IDEMPOTENCY_TOKEN", "idempotency token", task(SAGEMAKER, pipeline_args())),
    ("required nested", task(SAGEMAKER, pipeline_args(PipelineParameters=[{"Name": "a"}])), "INTEGRATION_MISSING_ARGUMENT", "'Value' is required", task(SAGEMAKER, pipeline_args())),
    ("type list", task(SAGEMAKER, pipeline_args(PipelineParameters={"Name": "a", "Value": "b"})), "INTEGRATION_ARGUMENT_TYPE", "expects an array", task(SAGEMAKER, pipeline_args(PipelineParameters="{% $params %}"))),
    ("type string", task(LAMBDA, lambda_args(FunctionName=42)), "INTEGRATION_ARGUMENT_TYPE", "expects a string", task(LAMBDA, lambda_args(FunctionName="arn:aws:lambda:us-east-1:1:function:f"))),
    ("type number", task("arn:aws:states:::aws-sdk:sagemaker:listPipelines", {"MaxResults": "10"}), "INTEGRATION_ARGUMENT_TYPE", "expects a whole number", task("arn:aws:states:::aws-sdk:sagemaker:listPipelines", {"MaxResults": 10})),
    ("value not in enum", task(LAMBDA, lambda_args(InvocationType="Evnt")), "INTEGRATION_ARGUMENT_VALUE", "did you mean 'Event'?", task(LAMBDA, lambda_args(InvocationType="Event"))),
    ("string too short", task(SAGEMAKER, pipeline_args(ClientRequestToken="short")), "INTEGRATION_ARGUMENT_VALUE", "at least 32 characters", task(SAGEMAKER, pipeline_args(ClientRequestToken="${TokenOfThirtyTwoOrMoreCharacters}"))),
    ("list too short", task(EVENTS, {"Entries": []}), "INTEGRATION_ARGUMENT_VALUE", "at least 1 items", task(EVENTS, {"Entries": "{% $entries %}"})),
    ("operation unknown", task("arn:aws:states:::aws-sdk:sagemaker:startPipelineExecutoin", pipeline_args()), "INTEGRATION_UNKNOWN_OPERATION", "did you mean 'startPipelineExecution'?", task(SAGEMAKER, pipeline_args())),
    ("operation PascalCase", task("arn:aws:states:::aws-sdk:sagemaker:StartPipelineExecution", pipeline_args()), "INTEGRATION_UNKNOWN_OPERATION", "camelCase", task(SAGEMAKER, pipeline_args())),
    ("service unknown", task("arn:aws:states:::aws-sdk:sagemakr:startPipelineExecution", pipeline_args()), "INTEGRATION_UNKNOWN_SERVICE", "did you mean 'aws-sdk:sagemaker'?", task(SAGEMAKER, pipeline_args())),
    ("service by botocore's name", task("arn:aws:states:::aws-sdk:events:putEvents", events_args()), "INTEGRATION_UNKNOWN_SERVICE", "'aws-sdk:eventbridge'", task("arn:aws:states:::aws-sdk:eventbridge:putEvents", events_args())),
    ("aws-sdk has no .sync", task(SAGEMAKER + ".sync", pipeline_args()), "INTEGRATION_UNSUPPORTED_SUFFIX", "'.sync'", task(SAGEMAKER, pipeline_args())),
    ("optimized resource unknown", task("arn:aws:states:::lambda:invok", lambda_args()), "INTEGRATION_UNKNOWN_RESOURCE", "did you mean 'lambda:invoke'?", task(LAMBDA, lambda_args())),
    ("optimized suffix unsupported", task(LAMBDA + ".sync", lambda_args()), "INTEGRATION_UNSUPPORTED_SUFFIX", "'.sync'", task(CALLBACK, callback_args())),
    ("optimized parameter not passed", task(LAMBDA, lambda_args(LogType="Tail")), "INTEGRATION_UNKNOWN_ARGUMENT", "does not pass it on", task(LAMBDA, lambda_args(Qualifier="live", InvocationType="RequestResponse"))),
    ("optimized events entry", task(EVENTS, events_args(DetailTyp="x", DetailType=None)), "INTEGRATION_UNKNOWN_ARGUMENT", "did you mean 'DetailType'?", task(EVENTS, events_args(Detail={"any": "json"}))),
    ("optimized startExecution", task("arn:aws:states:::states:startExecution.sync:2", {"StateMachineArn": "x", "Inputs": {}}), "INTEGRATION_UNKNOWN_ARGUMENT", "did you mean 'Input'?", task("arn:aws:states:::states:startExecution.sync:2", {"StateMachineArn": "x", "Input": {"a": 1}})),
    ("JSONPath Parameters", machine({"Type": "Task", "Resource": LAMBDA, "Parameters": {"FunctionName": "f", "Payload.$": "$", "Qualifer": "1"}}, "JSONPath"), "INTEGRATION_UNKNOWN_ARGUMENT", "Parameters.Qualifer", machine({"Type": "Task", "Resource": LAMBDA, "Parameters": {"FunctionName.$": "$.fn", "Payload.$": "$"}}, "JSONPath")),
    ("error service spelled DynamoDB", task(PUT_ITEM, put_item_args(), errors=("DynamoDB.ConditionalCheckFailedException",)), "ERROR_NAME_SERVICE_SPELLING", "did you mean 'DynamoDb.ConditionalCheckFailedException'?", task(PUT_ITEM, put_item_args(), errors=("DynamoDb.ConditionalCheckFailedException",))),
    ("error service spelled Sagemaker", task(SAGEMAKER, pipeline_args(), errors=("Sagemaker.SageMakerException",)), "ERROR_NAME_SERVICE_SPELLING", "'SageMaker.SageMakerException'", task(SAGEMAKER, pipeline_args(), errors=("SageMaker.SageMakerException", "SageMaker.SdkClientException"))),
    ("error without Exception suffix", task(SAGEMAKER, pipeline_args(), errors=("SageMaker.ResourceLimitExceeded",)), "ERROR_NAME_UNKNOWN", "'SageMaker.ResourceLimitExceededException'", task(SAGEMAKER, pipeline_args(), errors=("SageMaker.ResourceLimitExceededException",))),
    ("error not modeled", task(PUT_ITEM, put_item_args(), errors=("DynamoDb.ThrottledException",)), "ERROR_NAME_UNKNOWN", "did you mean 'DynamoDb.ThrottlingException'?", task(PUT_ITEM, put_item_args(), errors=("DynamoDb.ThrottlingException", "DynamoDb.DynamoDbException"))),
    ("error of another service", task(PUT_ITEM, put_item_args(), errors=("SageMaker.SageMakerException",)), "ERROR_NAME_NOT_RAISED", "cannot be raised by aws-sdk:dynamodb:putItem", task(PUT_ITEM, put_item_args(), errors=("DynamoDb.SdkClientException",))),
    ("error without service", task(PUT_ITEM, put_item_args(), errors=("ConditionalCheckFailedException",)), "ERROR_NAME_NOT_RAISED", "did you mean 'DynamoDb.ConditionalCheckFailedException'?", task(PUT_ITEM, put_item_args(), errors=("DynamoDb.ConditionalCheckFailedException",))),
    ("error optimized DynamoDB spelled DynamoDb", task("arn:aws:states:::dynamodb:putItem", put_item_args(), errors=("DynamoDb.ConditionalCheckFailedException",)), "ERROR_NAME_SERVICE_SPELLING", "did you mean 'DynamoDB.ConditionalCheckFailedException'?", task("arn:aws:states:::dynamodb:putItem", put_item_args(), errors=("DynamoDB.ConditionalCheckFailedException",))),
    ("optimized DynamoDB operation", task("arn:aws:states:::dynamodb:query", {"TableName": "t"}), "INTEGRATION_UNKNOWN_RESOURCE", "aws-sdk:<service>:<operation>", task("arn:aws:states:::aws-sdk:dynamodb:query", {"TableName": "t"})),
    ("JSONPath key in JSONata", task(SAGEMAKER, pipeline_args(PipelineName=None, **{"PipelineName.$": "$.name"})), "INTEGRATION_UNKNOWN_ARGUMENT", "did you mean 'PipelineName'?", task(SAGEMAKER, pipeline_args())),
    ("error States unknown", task(EVENTS, events_args(), errors=("States.TaskFailure",)), "ERROR_NAME_UNKNOWN_STATES", "did you mean 'States.TaskFailed'?", task(EVENTS, events_args(), errors=("States.TaskFailed", "States.Timeout"))),
    ("error Lambda unknown", task(LAMBDA, lambda_args(), errors=("Lambda.ServiceExeption",)), "ERROR_NAME_UNKNOWN", "did you mean 'Lambda.ServiceException'?", task(LAMBDA, lambda_args(), errors=("Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException", "Lambda.ClientExecutionTimeoutException", "Lambda.Unknown", "MyFunctionError"))),
    ("error Lambda spelled lambda", task(CALLBACK, callback_args(), errors=("lambda.TooManyRequestsException",)), "ERROR_NAME_SERVICE_SPELLING", "'Lambda.TooManyRequestsException'", task(CALLBACK, callback_args(), errors=("PipelineFailed", "Lambda.TooManyRequestsException"))),
    ("task token missing", task(CALLBACK, lambda_args()), "TASK_TOKEN_MISSING", "$states.context.Task.Token", task(CALLBACK, callback_args())),
    ("task token missing JSONPath", machine({"Type": "Task", "Resource": CALLBACK, "Parameters": {"FunctionName": "f", "Payload": {"token": "$$.Task.Token"}}}, "JSONPath"), "TASK_TOKEN_MISSING", "$$.Task.Token", machine({"Type": "Task", "Resource": CALLBACK, "Parameters": {"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}}}, "JSONPath")),
    ("Payload of a callback result", task(CALLBACK, callback_args(), Output={"status": "{% $states.result.Payload.approval_status %}"}), "RESULT_PAYLOAD_ON_CALLBACK", "read $states.result.approval_status instead", task(CALLBACK, callback_args(), Output={"status": "{% $states.result.approval_status %}"})),
    ("Payload of a request-response result", task(LAMBDA, lambda_args(), Assign={"w": "{% $states.result.Paylod.windows %}"}), "RESULT_UNKNOWN_MEMBER", "did you mean '$states.result.Payload'?", task(LAMBDA, lambda_args(), Assign={"w": "{% $states.result.Payload.windows[0] %}", "c": "{% $states.result.StatusCode %}"})),
    ("aws-sdk result member", task(SAGEMAKER, pipeline_args(), Assign={"arn": "{% $states.result.PipelineExecutionARN %}"}), "RESULT_UNKNOWN_MEMBER", "did you mean '$states.result.PipelineExecutionArn'?", task(SAGEMAKER, pipeline_args(), Assign={"arn": "{% $states.result.PipelineExecutionArn %}"})),
    ("result member through a list", task(EVENTS, events_args(), Output="{% $states.result.Entries.EventID %}"), "RESULT_UNKNOWN_MEMBER", "did you mean '$states.result.Entries.EventId'?", task(EVENTS, events_args(), Output="{% {'id': $states.result.Entries[0].EventId, 'failed': $states.result.FailedEntryCount} %}")),
]


@pytest.mark.parametrize(("failing", "code", "fragment", "passing"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_check_fails_and_passes(failing: dict[str, Any], code: str, fragment: str, passing: dict[str, Any]) -> None:
    bad = [f for f in found(failing) if f[2] == code]
    assert bad, f"expected {code}, got {found(failing)}"
    severity, path, _, message, hint = bad[0]
    # Legal but never matching (an error name) or only unsafe (no idempotency
    # token): warnings, errors under strict (validate/severity.py).
    assert severity == ("warning" if code in SUSPICIOUS else "error") and path == "Call"
    assert fragment in message + " " + hint, (message, hint)
    assert found(passing) == []


@pytest.mark.parametrize("path", EXPORTS, ids=[p.stem for p in EXPORTS])
def test_the_exported_flows_give_no_integration_finding(path: Path) -> None:
    assert check_integrations(json.loads(path.read_text()), machine_type="STANDARD") == []


def test_the_founding_bug_is_named_with_state_path_and_the_right_spelling() -> None:
    definition = json.loads((REPO / "docs/step_functions_jsonata/sfn_ndr_15m_features_inference.json").read_text())
    text = json.dumps(definition).replace('"DynamoDb.ConditionalCheckFailedException"', '"DynamoDB.ConditionalCheckFailedException"')
    (problem,) = check_integrations(json.loads(text), machine_type="STANDARD")
    # AWS accepts it and the Catch simply never fires: a warning for someone
    # else's definition, an error under --strict (the project's own rule).
    assert problem.code == "ERROR_NAME_SERVICE_SPELLING" and problem.severity == "warning"
    (strict,) = [f for f in validate(json.loads(text), strict=True) if f.code == problem.code]
    assert strict.severity == "error"
    assert problem.message.startswith("Catch[0].ErrorEquals[0]: 'DynamoDB.ConditionalCheckFailedException' is never raised by aws-sdk:dynamodb:putItem")
    assert "'DynamoDb.ConditionalCheckFailedException'" in problem.hint
    state = next(s for s in definition["States"].values() if s.get("Resource") == PUT_ITEM)
    assert problem.path == next(n for n, s in definition["States"].items() if s is state)


def test_warnings_do_not_fail_what_may_be_legitimate() -> None:
    # Modeled for DynamoDB, but botocore does not list it for PutItem.
    (w,) = found(task(PUT_ITEM, put_item_args(), errors=("DynamoDb.TableNotFoundException",)))
    assert w[0] == "warning" and w[2] == "ERROR_NAME_NOT_MODELED_FOR_OPERATION"
    # The optimized putEvents raises EventBridge.FailedEntry (a throttled or
    # failed entry) and no other name of its own.
    (w,) = found(task(EVENTS, events_args(), errors=("EventBridge.InternalException",)))
    assert w[0] == "warning"
    assert found(task(EVENTS, events_args(), errors=("EventBridge.FailedEntry",))) == []


def test_map_and_parallel_error_names_are_checked() -> None:
    inner = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    definition = machine({"Type": "Parallel", "Branches": [inner], "Catch": [{"ErrorEquals": ["States.BranchFaild"], "Next": "Call"}]})
    assert codes(definition) == {"ERROR_NAME_UNKNOWN_STATES"}
    definition["States"]["Call"]["Catch"][0]["ErrorEquals"] = ["States.BranchFailed", "AnyErrorOfAnInnerState"]
    assert found(definition) == []


def test_nested_states_get_their_full_path() -> None:
    inner = {"StartAt": "Start", "States": {"Start": {"Type": "Task", "Resource": SAGEMAKER, "Arguments": pipeline_args(PipelineName=None), "End": True}}}
    definition = machine({"Type": "Map", "Items": "{% $items %}", "ItemProcessor": inner})
    assert [(f[1], f[2]) for f in found(definition)] == [("Call/Start", "INTEGRATION_MISSING_ARGUMENT")]


def test_expressions_and_placeholders_are_values_known_later() -> None:
    assert found(task(SAGEMAKER, "{% $arguments %}")) == []
    assert found(task(PUT_ITEM, {"TableName": "{% $t %}", "Item": "{% $item %}"})) == []
    assert found(task("${AnyResource}", {"Whatever": 1}, errors=("AnyName",))) == []
    assert found(task("arn:aws:states:::ecs:runTask.sync", {"Cluster": "c"}, errors=("AnyName",))) == []


def test_never_raises_on_garbage() -> None:
    for garbage in ({}, {"States": []}, {"States": {"a": {"Type": "Task", "Resource": 5, "Retry": "x", "Catch": [1, {"ErrorEquals": "x"}]}}},
                    task("arn:aws:states:::aws-sdk:", None), task("arn:aws:states:::", {"a": [[[]]]}), task(PUT_ITEM, [1, 2])):
        check_integrations(garbage, machine_type="STANDARD")


@pytest.mark.parametrize(
    ("service_id", "sdk"),
    [("DynamoDB", "DynamoDb"), ("SageMaker", "SageMaker"), ("ACM PCA", "AcmPca"), ("S3", "S3"), ("SFN", "Sfn"), ("EventBridge", "EventBridge"),
     ("CloudWatch Logs", "CloudWatchLogs"), ("Elastic Load Balancing v2", "ElasticLoadBalancingV2"), ("SESv2", "SesV2"),
     ("Database Migration Service", "DatabaseMigration"), ("IoT", "Iot"), ("EC2", "Ec2"), ("Lambda", "Lambda")],
)
def test_sdk_service_names(service_id: str, sdk: str) -> None:
    assert sdk_service_name(service_id) == sdk


def test_sdk_error_names_always_end_in_exception() -> None:
    assert sdk_error_name("ResourceNotFound") == "ResourceNotFoundException"
    assert sdk_error_name("ConditionalCheckFailedException") == "ConditionalCheckFailedException"
    assert sdk_error_name("ClusterNotFoundFault") == "ClusterNotFoundException"


def test_resources_are_taken_apart() -> None:
    r = parse_resource("arn:aws:states:::states:startExecution.sync:2")
    assert (r.kind, r.service, r.action, r.suffix) == ("optimized", "states", "startExecution", ".sync:2")
    r = parse_resource("arn:aws-us-gov:states:::aws-sdk:dynamodb:putItem.waitForTaskToken")
    assert (r.kind, r.service, r.action, r.callback) == ("aws-sdk", "dynamodb", "putItem", True)
    assert parse_resource("arn:aws:lambda:us-east-1:123456789012:function:f").kind == "lambda-function"
    assert parse_resource("arn:${Partition}:states:::lambda:invoke").kind == "other"


# -- the distilled cache ------------------------------------------------------------------

FLOW_FILES = [str(p) for p in EXPORTS]
CHILD = (
    "import json, sys\n"
    "from ndr_workflows.validate.integrations import check_integrations\n"
    "found = [str(p) for f in sys.argv[1:] for p in check_integrations(json.load(open(f)), machine_type='STANDARD')]\n"
    "print(json.dumps({'found': found, 'botocore': 'botocore' in sys.modules}))\n"
)


def _child(env_changes: dict[str, str], files: list[str]) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NDR_WORKFLOWS_")}
    env.update(env_changes)
    proc = subprocess.run([sys.executable, "-c", CHILD, *files], env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_validation_never_imports_botocore_and_fills_the_cache(tmp_path: Path) -> None:
    env = {"NDR_WORKFLOWS_CACHE_DIR": str(tmp_path)}
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(task(PUT_ITEM, put_item_args(), errors=("DynamoDB.ConditionalCheckFailedException",))))
    typo = tmp_path / "typo.json"
    typo.write_text(json.dumps(task("arn:aws:states:::aws-sdk:sagemakr:startPipelineExecution", pipeline_args())))
    first = _child(env, [*FLOW_FILES, str(bad), str(typo)])
    assert first["botocore"] is False and len(first["found"]) == 2
    assert "ERROR_NAME_SERVICE_SPELLING" in first["found"][0] and "INTEGRATION_UNKNOWN_SERVICE" in first["found"][1]
    (cache,) = tmp_path.glob("service-models-*.marshal")
    assert service_models.botocore_version() in cache.name
    assert _child(env, [*FLOW_FILES, str(bad), str(typo)]) == first
    assert not list(tmp_path.glob("*.tmp"))


def test_reading_the_model_files_agrees_with_botocores_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path reads botocore's files itself; botocore's loader must
    give the same distilled facts for every operation the flows use."""
    monkeypatch.setenv("NDR_WORKFLOWS_NO_CACHE", "1")
    used = [("lambda", "Invoke"), ("dynamodb", "PutItem"), ("dynamodb", "DeleteItem"), ("sagemaker", "StartPipelineExecution"),
            ("events", "PutEvents"), ("stepfunctions", "StartExecution")]
    direct = service_models.Catalog()
    for service, operation in used:
        assert direct.operation(service, operation) is not None
    monkeypatch.setattr(botocore_data.ModelReader, "_files_decide", lambda self: False)
    via_botocore = service_models.Catalog()
    for service, operation in used:
        assert via_botocore.operation(service, operation) is not None
    assert via_botocore.data["services"] == direct.data["services"]


def test_no_cache_means_nothing_written_and_the_same_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = task(SAGEMAKER, pipeline_args(PipelineName=None), Assign={"a": "{% $states.result.PipelineExecutionARN %}"})
    expected = found(bad)
    monkeypatch.setenv("NDR_WORKFLOWS_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NDR_WORKFLOWS_NO_CACHE", "1")
    assert catalog_path("1.0") is None
    assert found(bad) == expected
    assert list(tmp_path.iterdir()) == []


def test_the_cache_is_keyed_by_botocore_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache file belongs to one botocore version: a file written for
    another version is never read, so new models mean a rebuilt subset."""
    monkeypatch.setenv("NDR_WORKFLOWS_CACHE_DIR", str(tmp_path))
    definition = task(SAGEMAKER, pipeline_args())
    assert found(definition) == []
    (real,) = tmp_path.glob("*.marshal")
    data = marshal.loads(real.read_bytes())
    # A different botocore whose SageMaker had no StartPipelineExecution.
    poisoned = copy.deepcopy(data)
    ops = poisoned["services"]["sagemaker"]["ops"]
    poisoned["services"]["sagemaker"]["ops"] = {k: v for k, v in ops.items() if k != "StartPipelineExecution"}
    Path(catalog_path("0.0.1-other")).write_bytes(marshal.dumps(poisoned))  # type: ignore[arg-type]
    monkeypatch.setattr(service_models, "botocore_version", lambda root=None: "0.0.1-other")
    assert codes(definition) == {"INTEGRATION_UNKNOWN_OPERATION"}  # that version's models are what count
    monkeypatch.undo()
    monkeypatch.setenv("NDR_WORKFLOWS_CACHE_DIR", str(tmp_path))
    assert found(definition) == []  # this botocore's file was untouched


def test_a_corrupt_or_unwritable_cache_changes_nothing_but_speed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = task(PUT_ITEM, put_item_args(), errors=("DynamoDB.ConditionalCheckFailedException",))
    expected = found(bad)
    monkeypatch.setenv("NDR_WORKFLOWS_CACHE_DIR", str(tmp_path))
    path = Path(catalog_path(service_models.botocore_version()))  # type: ignore[arg-type]
    path.write_bytes(b"\x00 not marshal")
    assert found(bad) == expected
    assert marshal.loads(path.read_bytes())["format"] == service_models.FORMAT  # replaced by a good one
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    monkeypatch.setenv("NDR_WORKFLOWS_CACHE_DIR", str(blocked / "cache"))
    assert found(bad) == expected


def test_integrations_module_knows_the_states_errors_of_asl_notes() -> None:
    notes = {"States.ALL", "States.TaskFailed", "States.Timeout", "States.HeartbeatTimeout", "States.Permissions", "States.QueryEvaluationError",
             "States.BranchFailed", "States.NoChoiceMatched", "States.ExceedToleratedFailureThreshold", "States.Runtime"}
    assert notes <= integrations.STATES_ERRORS


def test_the_command_line_fails_both_founding_bugs_naming_the_state(tmp_path: Path) -> None:
    lock = json.loads((REPO / "docs/step_functions_jsonata/sfn_ndr_15m_features_inference.json").read_text())
    lock_text = json.dumps(lock, indent=2).replace('"DynamoDb.ConditionalCheckFailedException"', '"DynamoDB.ConditionalCheckFailedException"')
    (tmp_path / "lock.json").write_text(lock_text)
    backfill = json.loads((REPO / "docs/step_functions_jsonata/sfn_ndr_backfill_reprocessing.json").read_text())
    wait = backfill["States"]["RunBackfillWindows"]["ItemProcessor"]["States"]["WaitForWindowCompletionEvent"]
    wait["Output"]["status"] = "{% $states.result.Payload.approval_status %}"
    (tmp_path / "callback.json").write_text(json.dumps(backfill, indent=2))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("NDR_WORKFLOWS_")}, "NDR_WORKFLOWS_CACHE_DIR": str(tmp_path / "cache")}
    for name, needle in (("lock.json", ": ERROR_NAME_SERVICE_SPELLING: Catch[0].ErrorEquals[0]: 'DynamoDB.ConditionalCheckFailedException'"),
                         ("callback.json", "RunBackfillWindows/WaitForWindowCompletionEvent: RESULT_PAYLOAD_ON_CALLBACK: Output.status:")):
        # --strict: a Catch that never matches is legal ASL, an error by the project's rule
        proc = subprocess.run([sys.executable, "-m", "ndr_workflows.validate", "--strict", str(tmp_path / name)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 1, proc.stdout + proc.stderr
        assert needle in proc.stdout, proc.stdout
    proc = subprocess.run([sys.executable, "-m", "ndr_workflows.validate", *FLOW_FILES], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_integration_mutation_of_the_exports_is_an_error_naming_its_state() -> None:
    """The hidden-judge style check, in process, for family 4's mutation
    kinds (tests/support/validate_mutations_integrations.py): each mutated copy of
    an exported flow gets a finding naming the mutated state, an error under
    strict (a Catch naming an error that cannot happen is legal ASL: a
    warning unless strict)."""
    import validate_mutations as vm

    kinds = sorted(k for k, family in vm.FAMILIES.items() if family == 4)
    assert len(kinds) >= 15
    exports = [json.loads(p.read_text()) for p in EXPORTS]
    missed, applied = [], set()
    for kind in kinds:
        for index, definition in enumerate(exports):
            for seed in range(2):
                mutated, path = vm.mutate(definition, kind, seed)
                if path is None:
                    continue
                applied.add(kind)
                found = check_integrations(mutated, machine_type="STANDARD")
                if not any(p.path == path for p in found) or not any(p.is_error and p.path == path for p in apply_severity(found, strict=True)):
                    missed.append((kind, EXPORTS[index].stem, seed, path))
    assert applied == set(kinds)
    assert missed == []
