"""The simulator's services: mocks in Step Functions Local's format, the
built-in fakes (DynamoDB, SageMaker, EventBridge, Lambda and callbacks),
injected failures, and the error names the real integrations use."""

from __future__ import annotations

import json

import pytest

from ndr_workflows.simulate import DynamoDB, Failure, SageMaker, Services, SimulationError, UnsupportedExpression, run

PUT = "arn:aws:states:::aws-sdk:dynamodb:putItem"
DELETE = "arn:aws:states:::aws-sdk:dynamodb:deleteItem"
GET = "arn:aws:states:::aws-sdk:dynamodb:getItem"
LAMBDA = "arn:aws:states:::lambda:invoke"
FN = "arn:aws:lambda:us-east-1:123456789012:function:work"
CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"


def machine(states: dict) -> dict:
    return {"QueryLanguage": "JSONata", "StartAt": next(iter(states)), "States": states}


def one_task(resource: str, arguments, **fields) -> dict:
    return machine({"T": {"Type": "Task", "Resource": resource, "Arguments": arguments, "End": True, **fields}})


# --------------------------------------------------------------------------
# Mocks (Step Functions Local format)
# --------------------------------------------------------------------------

RETRYING = machine(
    {
        "Invoke": {
            "Type": "Task",
            "Resource": LAMBDA,
            "Arguments": {"FunctionName": "fn", "Payload": {"x": 1}},
            "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 1, "MaxAttempts": 3}],
            "Output": "{% $states.result.Payload %}",
            "End": True,
        }
    }
)

MOCKS = {
    "StateMachines": {
        "Demo": {
            "TestCases": {
                "HappyPath": {"Invoke": "InvokeOk"},
                "RetryPath": {"Invoke": "InvokeFlaky"},
                "ShortMock": {"Invoke": "OnlyOnce"},
            }
        }
    },
    "MockedResponses": {
        "InvokeOk": {"0": {"Return": {"StatusCode": 200, "Payload": {"done": True}}}},
        "InvokeFlaky": {
            "0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "first"}},
            "1-2": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "again"}},
            "3": {"Return": {"StatusCode": 200, "Payload": {"done": "late"}}},
        },
        "OnlyOnce": {"0": {"Throw": {"Error": "Lambda.ServiceException", "Cause": "x"}}},
    },
}


def test_mock_return_is_the_full_integration_result():
    execution = run(RETRYING, {}, mocks=MOCKS, test_case="HappyPath", state_machine="Demo")
    assert (execution.status, execution.output) == ("SUCCEEDED", {"done": True})
    assert [c.to_dict() for c in execution.calls] == [{"state": "Invoke", "resource": LAMBDA, "arguments": {"FunctionName": "fn", "Payload": {"x": 1}}}]


def test_mock_ranges_and_throw_follow_invocation_counts():
    execution = run(RETRYING, {}, mocks=MOCKS, test_case="RetryPath", state_machine="Demo")
    assert (execution.status, execution.output, len(execution.calls)) == ("SUCCEEDED", {"done": "late"}, 4)
    # Counts are per execution: a second run starts again at invocation 0.
    assert run(RETRYING, {}, mocks=MOCKS, test_case="RetryPath", state_machine="Demo").output == {"done": "late"}


def test_mock_without_a_response_for_an_invocation_is_an_error():
    with pytest.raises(SimulationError, match="invocation 1"):
        run(RETRYING, {}, mocks=MOCKS, test_case="ShortMock", state_machine="Demo")


def test_mocks_by_path_and_by_definition_name(tmp_path):
    path = tmp_path / "mocks.json"
    path.write_text(json.dumps(MOCKS))
    assert run(RETRYING, {}, mocks=path, test_case="HappyPath", state_machine="Demo").status == "SUCCEEDED"
    definition_file = tmp_path / "Demo.json"
    definition_file.write_text(json.dumps(RETRYING))
    assert run(definition_file, {}, mocks=str(path), test_case="HappyPath").status == "SUCCEEDED"


@pytest.mark.parametrize(
    ("mocks", "case", "machine_name", "message"),
    [
        (MOCKS, "Nope", "Demo", "no test case 'Nope'"),
        (MOCKS, "HappyPath", "Other", "no state machine 'Other'"),
        ({"StateMachines": {"Demo": {"TestCases": {"C": {"Invoke": "Missing"}}}}, "MockedResponses": {}}, "C", "Demo", "Missing"),
        ({"StateMachines": {"Demo": {"TestCases": {"C": {"Invoke": "R"}}}}, "MockedResponses": {"R": {"zero": {"Return": 1}}}}, "C", "Demo", "zero"),
        ({"StateMachines": {"Demo": {"TestCases": {"C": {"Invoke": "R"}}}}, "MockedResponses": {"R": {"0": {"Throw": {"Cause": "x"}}}}}, "C", "Demo", "Error"),
        ({"StateMachines": {"Demo": {"TestCases": {"C": {"Invoke": "R"}}}}, "MockedResponses": {"R": {"0-2": {"Return": 1}, "1": {"Return": 2}}}}, "C", "Demo", "overlap"),
    ],
)
def test_bad_mock_configurations_name_the_problem(mocks, case, machine_name, message):
    with pytest.raises(SimulationError, match=message):
        run(RETRYING, {}, mocks=mocks, test_case=case, state_machine=machine_name)


def test_a_test_case_mocking_a_state_the_definition_lacks_is_an_error():
    mocks = {
        "StateMachines": {"Demo": {"TestCases": {"Typo": {"Invoke": "Ok", "Invok": "Ok", "Elsewhere": "Ok"}, "Fine": {"Invoke": "Ok"}}}},
        "MockedResponses": {"Ok": {"0": {"Return": {"StatusCode": 200, "Payload": 1}}}},
    }
    assert run(RETRYING, {}, mocks=mocks, test_case="Fine", state_machine="Demo").output == 1
    message = "test case 'Typo' of state machine 'Demo' mocks states the definition does not have: 'Elsewhere', 'Invok' (did you mean 'Invoke'?)"
    with pytest.raises(SimulationError) as raised:
        run(RETRYING, {}, mocks=mocks, test_case="Typo", state_machine="Demo")
    assert str(raised.value) == message


def test_states_inside_map_are_mocked_by_their_own_names():
    definition = machine(
        {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": LAMBDA, "Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"}, "Output": "{% $states.result.Payload %}", "End": True}}},
                "End": True,
            }
        }
    )
    mocks = {
        "StateMachines": {"M": {"TestCases": {"T": {"Work": "Seq"}}}},
        "MockedResponses": {"Seq": {"0": {"Return": {"Payload": "a"}}, "1-2": {"Return": {"Payload": "b"}}}},
    }
    assert run(definition, [1, 2, 3], mocks=mocks, test_case="T", state_machine="M").output == ["a", "b", "b"]


def test_unmocked_states_fall_back_to_the_built_in_fakes():
    definition = machine(
        {
            "Put": {"Type": "Task", "Resource": PUT, "Arguments": {"TableName": "t", "Item": {"pk": {"S": "a"}, "sk": {"S": "b"}}}, "Next": "Invoke"},
            "Invoke": RETRYING["States"]["Invoke"],
        }
    )
    services = Services()
    execution = run(definition, {}, mocks=MOCKS, test_case="HappyPath", state_machine="Demo", services=services)
    assert execution.status == "SUCCEEDED"
    assert services.dynamodb.items("t") == [{"pk": {"S": "a"}, "sk": {"S": "b"}}]


# --------------------------------------------------------------------------
# DynamoDB fake
# --------------------------------------------------------------------------

LOCK_CONDITION = "(attribute_not_exists(pk) AND attribute_not_exists(sk)) OR #owner = :owner OR #ttl < :now"


def put(owner: str, now: int) -> dict:
    return one_task(
        PUT,
        {
            "TableName": "locks",
            "Item": {"pk": {"S": "p"}, "sk": {"S": "s"}, "owner": {"S": owner}, "ttl_epoch": {"N": "100"}},
            "ConditionExpression": LOCK_CONDITION,
            "ExpressionAttributeNames": {"#owner": "owner", "#ttl": "ttl_epoch"},
            "ExpressionAttributeValues": {":owner": {"S": owner}, ":now": {"N": str(now)}},
        },
    )


def test_dynamodb_put_item_condition_and_error_name():
    services = Services()
    assert run(put("me", 50), {}, services=services).status == "SUCCEEDED"
    assert run(put("me", 50), {}, services=services).status == "SUCCEEDED"  # own lock
    taken = run(put("them", 50), {}, services=services)
    assert (taken.status, taken.error) == ("FAILED", "DynamoDb.ConditionalCheckFailedException")
    assert services.dynamodb.items("locks")[0]["owner"] == {"S": "me"}
    assert run(put("them", 101), {}, services=services).status == "SUCCEEDED"  # expired
    assert [outcome for *_, outcome in services.dynamodb.history] == ["ok", "ok", "condition-failed", "ok"]


def test_dynamodb_delete_and_get_item():
    services = Services()
    services.dynamodb.seed("locks", {"pk": {"S": "p"}, "sk": {"S": "s"}, "owner": {"S": "me"}})
    key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
    got = run(one_task(GET, {"TableName": "locks", "Key": key}), {}, services=services)
    assert got.output == {"Item": {"pk": {"S": "p"}, "sk": {"S": "s"}, "owner": {"S": "me"}}}
    delete = {
        "TableName": "locks",
        "Key": key,
        "ConditionExpression": "attribute_not_exists(pk) OR #owner = :owner",
        "ExpressionAttributeNames": {"#owner": "owner"},
        "ExpressionAttributeValues": {":owner": {"S": "them"}},
    }
    refused = run(one_task(DELETE, delete), {}, services=services)
    assert refused.error == "DynamoDb.ConditionalCheckFailedException"
    delete["ExpressionAttributeValues"] = {":owner": {"S": "me"}}
    assert run(one_task(DELETE, delete), {}, services=services).status == "SUCCEEDED"
    assert services.dynamodb.items("locks") == []
    assert run(one_task(GET, {"TableName": "locks", "Key": key}), {}, services=services).output == {}


def test_dynamodb_optimized_integration_error_prefix_and_validation():
    services = Services()
    services.dynamodb.seed("t", {"pk": {"S": "p"}, "sk": {"S": "s"}})
    arguments = {"TableName": "t", "Item": {"pk": {"S": "p"}, "sk": {"S": "s"}}, "ConditionExpression": "attribute_not_exists(pk)"}
    optimized = run(one_task("arn:aws:states:::dynamodb:putItem", arguments), {}, services=services)
    assert optimized.error == "DynamoDB.ConditionalCheckFailedException"
    missing_key = run(one_task(PUT, {"TableName": "t", "Item": {"pk": {"S": "p"}}}), {}, services=services)
    assert missing_key.error == "DynamoDb.DynamoDbException"


@pytest.mark.parametrize(("resource", "prefix"), [(PUT, "DynamoDb"), ("arn:aws:states:::dynamodb:putItem", "DynamoDB")])
def test_dynamodb_errors_the_simulator_raises_are_names_the_validator_accepts(resource, prefix):
    """One table of error names: a Catch on what the fake raises passes the
    validator's integration check (botocore's models) for that resource."""
    from ndr_workflows.validate.integrations import check_integrations

    services = Services()
    put = {"TableName": "t", "Item": {"pk": {"S": "p"}, "sk": {"S": "s"}}, "ConditionExpression": "attribute_not_exists(pk)"}
    assert run(one_task(resource, put), {}, services=services).status == "SUCCEEDED"
    raised = [
        run(one_task(resource, put), {}, services=services).error,  # the condition fails: the item exists
        run(one_task(resource, {"TableName": "t", "Item": {"pk": {"S": "p"}}}), {}, services=services).error,  # a key is missing
    ]
    assert raised == [f"{prefix}.ConditionalCheckFailedException", {"DynamoDb": "DynamoDb.DynamoDbException", "DynamoDB": "DynamoDB.AmazonDynamoDBException"}[prefix]]
    catching = one_task(resource, put, Catch=[{"ErrorEquals": raised, "Next": "Caught"}])
    catching["States"]["Caught"] = {"Type": "Succeed"}
    assert [f for f in check_integrations(catching) if f.code.startswith("ERROR_NAME")] == []
    # A name the integration cannot raise is reported, so the check above can fail.
    catching["States"]["T"]["Catch"][0]["ErrorEquals"] = [f"{prefix}.{prefix}Exceptions"]
    assert [f.code for f in check_integrations(catching) if f.code.startswith("ERROR_NAME")] == ["ERROR_NAME_UNKNOWN"]


def test_dynamodb_unsupported_condition_stops_the_simulation():
    arguments = {"TableName": "t", "Item": {"pk": {"S": "p"}, "sk": {"S": "s"}}, "ConditionExpression": "begins_with(pk, :x)", "ExpressionAttributeValues": {":x": {"S": "p"}}}
    with pytest.raises(UnsupportedExpression):
        run(one_task(PUT, arguments), {})
    assert issubclass(UnsupportedExpression, SimulationError)


# --------------------------------------------------------------------------
# SageMaker, EventBridge, Lambda
# --------------------------------------------------------------------------

START = "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution"
DESCRIBE = "arn:aws:states:::aws-sdk:sagemaker:describePipelineExecution"
POLL = machine(
    {
        "Start": {
            "Type": "Task",
            "Resource": START,
            "Arguments": {"PipelineName": "pipe", "ClientRequestToken": "{% $hash('t', 'SHA-256') %}", "PipelineParameters": [{"Name": "A", "Value": "1"}]},
            "Assign": {"arn": "{% $states.result.PipelineExecutionArn %}"},
            "Next": "Describe",
        },
        "Describe": {"Type": "Task", "Resource": DESCRIBE, "Arguments": {"PipelineExecutionArn": "{% $arn %}"}, "Output": "{% $states.result.PipelineExecutionStatus %}", "Next": "Done?"},
        "Done?": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $states.input = 'Executing' %}", "Next": "Pause"}, {"Condition": "{% $states.input = 'Succeeded' %}", "Next": "Ok"}],
            "Default": "Bad",
        },
        "Pause": {"Type": "Wait", "Seconds": 60, "Next": "Describe"},
        "Ok": {"Type": "Succeed"},
        "Bad": {"Type": "Fail", "Error": "PipelineFailed"},
    }
)


def test_sagemaker_scripted_statuses_drive_polling():
    services = Services(sagemaker=SageMaker({"pipe": ["Executing", "Executing", "Succeeded"]}))
    execution = run(POLL, {}, services=services)
    assert execution.status == "SUCCEEDED"
    assert [s for s in execution.states if s == "Describe"] == ["Describe"] * 3
    assert execution.duration_seconds == 120
    (started,) = services.sagemaker.started
    assert (started.pipeline, started.parameters) == ("pipe", {"A": "1"})
    failed = run(POLL, {}, services=Services(sagemaker=SageMaker({"*": ["Executing", "Failed"]})))
    assert failed.error == "PipelineFailed"


def test_sagemaker_errors_and_idempotency():
    bad_token = one_task(START, {"PipelineName": "pipe", "ClientRequestToken": "short"})
    assert run(bad_token, {}).error == "SageMaker.SageMakerException"
    unknown = one_task(DESCRIBE, {"PipelineExecutionArn": "arn:aws:sagemaker:us-east-1:123456789012:pipeline/x/execution/y"})
    assert run(unknown, {}).error == "SageMaker.ResourceNotFoundException"
    services = Services()
    first = run(POLL, {}, services=services)
    second = run(POLL, {}, services=services)
    assert first.variables["arn"] == second.variables["arn"]  # same ClientRequestToken, same execution
    assert len(services.sagemaker.started) == 1


def test_pipeline_completion_callback_answered_by_the_sagemaker_fake():
    definition = machine(
        {
            "Start": POLL["States"]["Start"] | {"Next": "Wait"},
            "Wait": {
                "Type": "Task",
                "Resource": CALLBACK,
                "Arguments": {"FunctionName": "completion", "Payload": {"taskToken": "{% $states.context.Task.Token %}", "expected_pipeline_execution_arn": "{% $arn %}"}},
                "End": True,
            },
        }
    )
    ok = run(definition, {})
    assert ok.output == {"pipeline_execution_arn": ok.variables["arn"], "status": "Succeeded"}
    failed = run(definition, {}, services=Services(sagemaker=SageMaker({"pipe": ["Failed"]})))
    assert failed.error == "PipelineFailed"
    # An explicit callback wins over the pipeline fake.
    explicit = run(definition, {}, services=Services(callbacks={"completion": {"status": "custom"}}))
    assert explicit.output == {"status": "custom"}


def test_eventbridge_put_events_captured_with_the_integration_result_shape():
    entry = {"Source": "s", "DetailType": "d", "Detail": "{% $string({'a': 1}) %}", "EventBusName": "bus"}
    services = Services()
    execution = run(one_task("arn:aws:states:::events:putEvents", {"Entries": [entry]}), {}, services=services)
    assert execution.output["FailedEntryCount"] == 0
    assert len(execution.output["Entries"]) == 1 and "EventId" in execution.output["Entries"][0]
    assert execution.events == [{"Source": "s", "DetailType": "d", "Detail": '{"a":1}', "EventBusName": "bus"}]
    assert services.events.entries == execution.events
    assert run(one_task("arn:aws:states:::events:putEvents", {"Entries": []}), {}).error == "EventBridge.EventBridgeException"


def test_execution_events_are_what_the_eventbridge_fake_received_in_this_run():
    entry = {"Source": "s", "DetailType": "d", "Detail": "{}", "EventBusName": "bus"}
    services = Services()
    sdk = run(one_task("arn:aws:states:::aws-sdk:eventbridge:putEvents", {"Entries": [entry]}), {}, services=services)
    assert sdk.events == [entry]
    optimized = run(one_task("arn:aws:states:::events:putEvents", {"Entries": [dict(entry, Source="t")]}), {}, services=services)
    assert optimized.events == [dict(entry, Source="t")]  # only this run's, the fake keeps both
    assert services.events.entries == [entry, dict(entry, Source="t")]
    mocks = {
        "StateMachines": {"machine": {"TestCases": {"Mocked": {"T": "Put"}}}},
        "MockedResponses": {"Put": {"0": {"Return": {"Entries": [{"EventId": "e"}], "FailedEntryCount": 0}}}},
    }
    mocked = run(one_task("arn:aws:states:::events:putEvents", {"Entries": [entry]}), {}, mocks=mocks, test_case="Mocked", services=services)
    assert (mocked.status, mocked.events) == ("SUCCEEDED", [])  # a mocked call reaches no EventBridge
    assert len(services.events.entries) == 2


def test_malformed_requests_to_the_fakes_are_service_errors_not_tracebacks():
    names_list = {"TableName": "t", "Item": {"pk": {"S": "p"}, "sk": {"S": "s"}}, "ConditionExpression": "attribute_not_exists(pk)", "ExpressionAttributeNames": ["#a"]}
    assert run(one_task(PUT, names_list), {}).error == "DynamoDb.DynamoDbException"
    condition_number = dict(names_list, ConditionExpression=5, ExpressionAttributeNames={})
    assert run(one_task("arn:aws:states:::dynamodb:putItem", condition_number), {}).error == "DynamoDB.AmazonDynamoDBException"
    start = {"PipelineName": "p", "ClientRequestToken": "t" * 32, "PipelineParameters": 5}
    failed = run(one_task("arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution", start), {})
    assert (failed.error, failed.cause) == ("SageMaker.SageMakerException", "ValidationException: PipelineParameters must be a list, got 5")
    with pytest.raises(SimulationError, match="nothing answers"):  # an unhashable FunctionName answers to no fake
        run(one_task(LAMBDA, {"FunctionName": ["fn"]}), {}, services=Services(lambdas={"fn": 1}))


def test_substitutions_replace_placeholders_as_deploy_does():
    """The simulator substitutes with deploy's function: every string, object
    keys included; unknown placeholders stay literal."""
    from ndr_workflows.deploy.substitution import substitute

    definition = one_task("${FunctionArn}", {"${Field}": "${Value}", "note": "${Value}-${Unknown}"})
    values = {"FunctionArn": FN, "Field": "name", "Value": 'a "quoted" value'}
    services = Services(handlers={FN: lambda call: call.arguments})
    execution = run(definition, {}, services=services, substitutions=values)
    assert execution.calls[0].resource == FN
    assert execution.output == {"name": 'a "quoted" value', "note": 'a "quoted" value-${Unknown}'}
    assert execution.output == substitute(definition, values)["States"]["T"]["Arguments"]


def test_lambda_callables_values_and_errors():
    definition = one_task(LAMBDA, {"FunctionName": "fn", "Payload": {"n": 2}})
    by_callable = run(definition, {}, services=Services(lambdas={"fn": lambda payload: {"sq": payload["n"] ** 2}}))
    assert by_callable.output == {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": {"sq": 4}}
    assert run(definition, {}, services=Services(lambdas={"fn": [1, 2]})).output["Payload"] == [1, 2]

    def raises(payload):
        raise Failure("Lambda.TooManyRequestsException", "slow down")

    assert run(definition, {}, services=Services(lambdas={"fn": raises})).error == "Lambda.TooManyRequestsException"
    with pytest.raises(SimulationError, match="T: nothing answers .*FunctionName 'fn'"):
        run(definition, {}, services=Services(lambdas={"other": {}}))


def test_injected_failures_by_attempt_and_after_effect():
    definition = one_task(
        PUT,
        {"TableName": "t", "Item": {"pk": {"S": "p"}, "sk": {"S": "s"}}},
        Retry=[{"ErrorEquals": ["DynamoDb.InternalServerErrorException"], "MaxAttempts": 2}],
    )
    services = Services().fail("T", "DynamoDb.InternalServerErrorException", "boom", attempts=(1, 2))
    execution = run(definition, {}, services=services)
    assert (execution.status, len(execution.calls)) == ("SUCCEEDED", 3)
    always = Services().fail("T", "DynamoDb.InternalServerErrorException")
    assert run(definition, {}, services=always).error == "DynamoDb.InternalServerErrorException"
    assert always.dynamodb.items("t") == []
    lost = Services().fail("T", "DynamoDb.InternalServerErrorException", attempts=1, after_effect=True)
    run(one_task(PUT, {"TableName": "t", "Item": {"pk": {"S": "p"}, "sk": {"S": "s"}}}), {}, services=lost)
    assert len(lost.dynamodb.items("t")) == 1  # the write happened, the answer was lost


def test_handlers_by_state_then_resource_override_the_fakes():
    definition = one_task(PUT, {"TableName": "t", "Item": {"pk": {"S": "p"}, "sk": {"S": "s"}}})
    by_state = Services(handlers={"T": lambda call: {"by": "state"}, PUT: lambda call: {"by": "resource"}})
    assert run(definition, {}, services=by_state).output == {"by": "state"}
    by_resource = Services(handlers={PUT: lambda call: {"by": "resource"}})
    assert run(definition, {}, services=by_resource).output == {"by": "resource"}
    assert by_resource.dynamodb.items("t") == []


def test_dynamodb_fake_used_directly():
    table = DynamoDB(key_schema={"jobs": ("id",)})
    table.put_item({"TableName": "jobs", "Item": {"id": {"S": "1"}}})
    with pytest.raises(Failure) as failed:
        table.put_item({"TableName": "jobs", "Item": {"id": {"S": "1"}}, "ConditionExpression": "attribute_not_exists(id)"})
    assert failed.value.error == "DynamoDb.ConditionalCheckFailedException"
