"""JSONPath states run as the AWS documentation's examples of input and
output processing say: InputPath, Parameters, ResultSelector, ResultPath
(``$``, ``null``, a path into the input, the merge), OutputPath, ``.$``
keys, the context object, Map with ItemsPath / ItemSelector / ItemBatcher,
Parallel, Pass ``Result``, Assign in JSONPath states, Wait and Fail paths,
and the errors a path that selects nothing gives (``States.Runtime``: not
retried, not caught by ``States.ALL``)."""

from __future__ import annotations

import pytest

from ndr_workflows.simulate import Failure, Services, SimulationError, run

FN = "arn:aws:lambda:us-east-1:123456789012:function:HelloFunction"


def jsonpath(states: dict, **top) -> dict:
    """A JSONPath machine (the default query language) of these states."""
    return {"StartAt": next(iter(states)), "States": states, **top}


def hello(**fields) -> dict:
    return {"Type": "Task", "Resource": FN, "End": True, **fields}


def say_hello(call) -> str:
    return f"Hello, {call.arguments['who']}!"


# The input of the AWS documentation's ResultPath examples.
LAMBDA_INPUT = {"comment": "This is a test of the input and output of a Task state.", "details": "Default example", "who": "AWS Step Functions"}


def test_inputpath_selects_part_of_the_input():
    """The documentation's InputPath example: "$.dataset2"."""
    state_input = {"comment": "Example for InputPath.", "dataset1": {"val1": 1, "val2": 2, "val3": 3}, "dataset2": {"val1": "a", "val2": "b", "val3": "c"}}
    execution = run(jsonpath({"P": {"Type": "Pass", "InputPath": "$.dataset2", "End": True}}), state_input)
    assert execution.output == {"val1": "a", "val2": "b", "val3": "c"}


def test_parameters_build_the_state_input_from_paths_and_literals():
    """The documentation's Parameters example: ``.$`` keys take the value of their path, others are copied."""
    state_input = {
        "comment": "Example for Parameters.",
        "product": {"details": {"color": "blue", "size": "small", "material": "cotton"}, "availability": "in stock", "sku": "2317", "cost": "$23"},
    }
    parameters = {"comment": "Selecting what I care about.", "MyDetails": {"size.$": "$.product.details.size", "exists.$": "$.product.availability", "StaticValue": "foo"}}
    execution = run(jsonpath({"P": {"Type": "Pass", "Parameters": parameters, "End": True}}), state_input)
    assert execution.output == {"comment": "Selecting what I care about.", "MyDetails": {"size": "small", "exists": "in stock", "StaticValue": "foo"}}


def test_result_selector_reshapes_the_task_result_before_result_path():
    """The documentation's ResultSelector example (an EMR createCluster result)."""
    result = {
        "resourceType": "elasticmapreduce",
        "resource": "createCluster.sync",
        "output": {"SdkHttpMetadata": {"HttpStatusCode": 200}, "SdkResponseMetadata": {"RequestId": "1234-5678-9012"}, "ClusterId": "AKIAIOSFODNN7EXAMPLE"},
    }
    state = hello(ResultSelector={"ClusterId.$": "$.output.ClusterId", "ResourceType.$": "$.resourceType"}, ResultPath="$.EMROutput")
    execution = run(jsonpath({"Create": state}), {"cluster": "c1"}, services=Services(handlers={"Create": lambda call: result}))
    assert execution.output == {"cluster": "c1", "EMROutput": {"ClusterId": "AKIAIOSFODNN7EXAMPLE", "ResourceType": "elasticmapreduce"}}


@pytest.mark.parametrize(
    ("result_path", "output"),
    [
        ("$", "Hello, AWS Step Functions!"),  # the default: the result replaces the input
        (None, LAMBDA_INPUT),  # null: the result is discarded, the input passes through
        ("$.taskresult", {**LAMBDA_INPUT, "taskresult": "Hello, AWS Step Functions!"}),
        ("$.strings.lambdaresult", {**LAMBDA_INPUT, "strings": {"lambdaresult": "Hello, AWS Step Functions!"}}),
    ],
)
def test_result_path_places_the_result_in_the_original_input(result_path, output):
    """The documentation's ResultPath examples with the HelloFunction Lambda."""
    execution = run(jsonpath({"Hello": hello(ResultPath=result_path)}), LAMBDA_INPUT, services=Services(handlers={"Hello": say_hello}))
    assert execution.output == output


def test_result_path_merges_into_an_existing_object_and_reads_the_input_before_inputpath():
    state_input = {"master": {"detail": [1, 2, 3]}, "keep": True}
    state = hello(InputPath="$.master", Parameters={"who.$": "$.detail[0]"}, ResultPath="$.master.result", OutputPath="$.master")
    execution = run(jsonpath({"Hello": state}), state_input, services=Services(handlers={"Hello": say_hello}))
    assert execution.output == {"detail": [1, 2, 3], "result": "Hello, 1!"}
    assert execution.calls[0].arguments == {"who": 1}


def test_a_result_path_that_runs_into_a_value_fails_with_result_path_match_failure():
    execution = run(jsonpath({"Hello": hello(ResultPath="$.who.greeting")}), LAMBDA_INPUT, services=Services(handlers={"Hello": say_hello}))
    assert (execution.status, execution.error) == ("FAILED", "States.ResultPathMatchFailure")


def test_outputpath_and_null_paths():
    """OutputPath selects the output; a null InputPath gives {} as input, a null OutputPath {} as output."""
    states = {
        "Keep": {"Type": "Pass", "OutputPath": "$.part1", "Next": "Empty"},
        "Empty": {"Type": "Pass", "InputPath": None, "Parameters": {"seen.$": "$"}, "Next": "Drop"},
        "Drop": {"Type": "Pass", "OutputPath": None, "End": True},
    }
    execution = run(jsonpath(states), {"part1": {"a": 1}, "part2": 2})
    assert execution.output == {}
    assert [entry for entry in execution.trace if entry[0] == "enter"][1][1] == "Empty"
    only_keep = run(jsonpath({"Keep": {"Type": "Pass", "OutputPath": "$.part1", "End": True}}), {"part1": {"a": 1}, "part2": 2})
    assert only_keep.output == {"a": 1}
    seen = run(jsonpath({"Empty": {"Type": "Pass", "InputPath": None, "Parameters": {"seen.$": "$"}, "End": True}}), {"x": 1})
    assert seen.output == {"seen": {}}


def test_pass_result_with_result_path():
    """A Pass state's Result is its result; ResultPath places it."""
    states = {"Seed": {"Type": "Pass", "Result": {"x-datum": 0.381018, "y-datum": 622.2269926397355}, "ResultPath": "$.coords", "End": True}}
    execution = run(jsonpath(states), {"georefOf": "Home"})
    assert execution.output == {"georefOf": "Home", "coords": {"x-datum": 0.381018, "y-datum": 622.2269926397355}}


def test_a_path_that_selects_nothing_is_states_runtime_not_caught_not_retried():
    state = hello(
        Parameters={"who.$": "$.missing"},
        Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}],
        Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
        End=None,
        Next="Done",
    )
    del state["End"]
    machine = jsonpath({"Hello": state, "Done": {"Type": "Succeed"}, "Handled": {"Type": "Succeed"}})
    execution = run(machine, {"who": "x"}, services=Services(handlers={"Hello": say_hello}))
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert "The JSONPath '$.missing' specified for the field 'who.$' could not be found" in execution.cause
    assert execution.calls == [] and execution.states == ["Hello"]


def test_catch_result_path_adds_the_error_to_the_input():
    """The documentation's Catch example: ResultPath "$.error" keeps the input and adds {Error, Cause}."""
    state = hello(Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}], End=None, Next="Done")
    del state["End"]
    machine = jsonpath({"Hello": state, "Done": {"Type": "Succeed"}, "Recover": {"Type": "Pass", "End": True}})

    def fails(call):
        raise Failure("CustomError", "This is a custom error!")

    execution = run(machine, {"foo": "bar"}, services=Services(handlers={"Hello": fails}))
    assert execution.output == {"foo": "bar", "error": {"Error": "CustomError", "Cause": "This is a custom error!"}}
    assert execution.states == ["Hello", "Recover"]


def test_the_context_object_and_task_token():
    parameters = {
        "token.$": "$$.Task.Token",
        "execution.$": "$$.Execution.Name",
        "input.$": "$$.Execution.Input",
        "state.$": "$$.State.Name",
        "retries.$": "$$.State.RetryCount",
        "machine.$": "$$.StateMachine.Id",
    }
    state = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "Parameters": parameters, "End": True}
    execution = run(jsonpath({"Ask": state}), {"order": 1}, services=Services(handlers={"Ask": lambda call: call.arguments}), execution_name="run-1")
    assert execution.output == {
        "token": "token-000001",
        "execution": "run-1",
        "input": {"order": 1},
        "state": "Ask",
        "retries": 0,
        "machine": "arn:aws:states:us-east-1:123456789012:stateMachine:machine",
    }


@pytest.mark.parametrize("resource", ["arn:aws:states:::states:startExecution.sync", "arn:aws:states:::states:startExecution.sync:2"])
def test_a_sync_task_has_a_task_token_in_jsonpath_too(resource):
    state = {"Type": "Task", "Resource": resource, "Parameters": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child", "Input": {"token.$": "$$.Task.Token"}}, "End": True}
    execution = run(jsonpath({"Child": state}), {}, services=Services(handlers={"Child": lambda call: {"Output": call.arguments["Input"]}}))
    assert execution.output == {"Output": {"token": "token-000001"}}


def test_map_item_selector_reads_the_item_context_and_the_map_input():
    """The documentation's Map example: ItemsPath and ItemSelector with $$.Map.Item.Value."""
    state_input = {"delivery-partner": "UQS", "shipped": [{"prod": "R31", "dest-code": 9511, "quantity": 1344}, {"prod": "S39", "dest-code": 9511, "quantity": 40}]}
    ship = {
        "Type": "Map",
        "ItemsPath": "$.shipped",
        "ItemSelector": {"parcel.$": "$$.Map.Item.Value", "courier.$": "$.delivery-partner", "index.$": "$$.Map.Item.Index"},
        "ItemProcessor": {"StartAt": "Ship", "States": {"Ship": {"Type": "Pass", "End": True}}},
        "ResultPath": "$.receipts",
        "End": True,
    }
    execution = run(jsonpath({"Shipping": ship}), state_input)
    assert execution.output["receipts"] == [
        {"parcel": {"prod": "R31", "dest-code": 9511, "quantity": 1344}, "courier": "UQS", "index": 0},
        {"parcel": {"prod": "S39", "dest-code": 9511, "quantity": 40}, "courier": "UQS", "index": 1},
    ]
    assert execution.output["shipped"] == state_input["shipped"]


def _distributed(batcher: dict, **fields) -> dict:
    return {
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemBatcher": batcher,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "Work", "States": {"Work": {"Type": "Pass", "End": True}}},
        "End": True,
        **fields,
    }


def test_item_batcher_groups_items_with_the_batch_input():
    """The documentation's ItemBatcher example: each child gets {"BatchInput": ..., "Items": [...]}."""
    batcher = {"MaxItemsPerBatch": 2, "BatchInput": {"factCheck": "December 2022", "run.$": "$$.Execution.Name"}}
    execution = run(jsonpath({"Batches": _distributed(batcher)}), {"items": [1, 2, 3, 4, 5]})
    assert execution.output == [
        {"Items": [1, 2], "BatchInput": {"factCheck": "December 2022", "run": "execution"}},
        {"Items": [3, 4], "BatchInput": {"factCheck": "December 2022", "run": "execution"}},
        {"Items": [5], "BatchInput": {"factCheck": "December 2022", "run": "execution"}},
    ]


def test_item_batcher_limits_the_bytes_of_each_batch():
    items = ["x" * 20] * 5  # 22 bytes each as JSON
    # {"Items":[]} is 12 bytes: two items and a comma make 57, three 80.
    execution = run(jsonpath({"Batches": _distributed({"MaxInputBytesPerBatchPath": "$.bytes"})}), {"items": items, "bytes": 60})
    assert [len(batch["Items"]) for batch in execution.output] == [2, 2, 1]
    too_small = run(jsonpath({"Batches": _distributed({"MaxInputBytesPerBatchPath": "$.bytes"})}), {"items": items, "bytes": 0})
    assert (too_small.status, too_small.error) == ("FAILED", "States.Runtime")
    with pytest.raises(SimulationError, match="over MaxInputBytesPerBatch .* the simulator does not support it"):
        run(jsonpath({"Batches": _distributed({"MaxInputBytesPerBatch": 20})}), {"items": items})


def test_item_selector_applies_to_each_item_before_batching():
    fields = {"ItemSelector": {"value.$": "$$.Map.Item.Value", "at.$": "$$.Map.Item.Index"}}
    execution = run(jsonpath({"Batches": _distributed({"MaxItemsPerBatch": 2}, **fields)}), {"items": ["a", "b", "c"]})
    assert execution.output == [{"Items": [{"value": "a", "at": 0}, {"value": "b", "at": 1}]}, {"Items": [{"value": "c", "at": 2}]}]


def test_parallel_parameters_result_selector_and_branch_order():
    branch = lambda name, field: {"StartAt": name, "States": {name: {"Type": "Pass", "Parameters": {"v.$": f"$.{field}"}, "End": True}}}  # noqa: E731
    state = {
        "Type": "Parallel",
        "Parameters": {"a.$": "$.x", "b.$": "$.y"},
        "Branches": [branch("Left", "a"), branch("Right", "b")],
        "ResultSelector": {"left.$": "$[0].v", "right.$": "$[1].v"},
        "ResultPath": "$.both",
        "End": True,
    }
    execution = run(jsonpath({"Both": state}), {"x": 1, "y": 2})
    assert execution.output == {"x": 1, "y": 2, "both": {"left": 1, "right": 2}}
    assert execution.states == ["Both", "Left", "Right"]


def test_assign_in_jsonpath_reads_the_result_and_variables_change_after_the_state():
    states = {
        "Start": {"Type": "Pass", "Assign": {"count": 1, "first.$": "$.name"}, "Next": "Call"},
        "Call": {
            "Type": "Task",
            "Resource": FN,
            "Parameters": {"who.$": "$first", "n.$": "$count"},
            "ResultSelector": {"text.$": "$"},
            "Assign": {"greeting.$": "$.text", "count.$": "States.MathAdd($count, 1)"},
            "ResultPath": "$.r",
            "OutputPath": "$.r",
            "Next": "Report",
        },
        "Report": {"Type": "Pass", "Parameters": {"greeting.$": "$greeting", "count.$": "$count", "seen.$": "$.text"}, "End": True},
    }
    execution = run(jsonpath(states), {"name": "Ada"}, services=Services(handlers={"Call": say_hello}))
    assert execution.output == {"greeting": "Hello, Ada!", "count": 2, "seen": "Hello, Ada!"}
    assert execution.calls[0].arguments == {"who": "Ada", "n": 1}
    assert execution.variables == {"count": 2, "first": "Ada", "greeting": "Hello, Ada!"}


def test_assign_sees_the_variables_from_before_the_state():
    states = {
        "Start": {"Type": "Pass", "Assign": {"n": 1}, "Next": "Step"},
        "Step": {"Type": "Pass", "Assign": {"n.$": "States.MathAdd($n, 1)", "before.$": "$n"}, "OutputPath": "$", "Parameters": {"seen.$": "$n"}, "End": True},
    }
    execution = run(jsonpath(states), {})
    assert execution.output == {"seen": 1}
    assert execution.variables == {"n": 2, "before": 1}


def test_an_unassigned_variable_in_a_path_fails_the_state():
    states = {
        "Decide": {"Type": "Choice", "Choices": [{"Variable": "$.vip", "BooleanEquals": True, "Next": "Discount"}], "Default": "Bill"},
        "Discount": {"Type": "Pass", "Assign": {"rate": 0.1}, "Next": "Bill"},
        "Bill": {"Type": "Pass", "Parameters": {"rate.$": "$rate"}, "End": True},
    }
    assert run(jsonpath(states), {"vip": True}).output == {"rate": 0.1}
    failed = run(jsonpath(states), {"vip": False})
    assert (failed.status, failed.error) == ("FAILED", "States.Runtime")
    assert "$rate" in failed.cause


def test_wait_seconds_path_and_timestamp_path_move_the_clock():
    states = {
        "Short": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Until"},
        "Until": {"Type": "Wait", "TimestampPath": "$.at", "End": True},
    }
    execution = run(jsonpath(states), {"delay": 30, "at": "2025-01-01T01:00:00Z"})
    assert execution.duration_seconds == 3600
    wrong = run(jsonpath(states), {"delay": "soon", "at": "2025-01-01T01:00:00Z"})
    assert (wrong.status, wrong.error) == ("FAILED", "States.Runtime")


def test_fail_error_path_and_cause_path_with_an_intrinsic():
    state = {"Type": "Fail", "ErrorPath": "$.code", "CausePath": "States.Format('job {} failed: {}', $.job, $.why)"}
    execution = run(jsonpath({"Stop": state}), {"code": "Job.Failed", "job": "j-1", "why": "disk full"})
    assert (execution.error, execution.cause) == ("Job.Failed", "job j-1 failed: disk full")


def test_timeout_seconds_path_bounds_the_task():
    from ndr_workflows.simulate import Delayed

    state = hello(TimeoutSecondsPath="$.timeout", HeartbeatSecondsPath="$.beat")
    slow = Services(handlers={"Hello": lambda call: Delayed("late", 100, heartbeat_interval=5)})
    assert run(jsonpath({"Hello": state}), {"timeout": 200, "beat": 10}, services=slow).output == "late"
    timed_out = run(jsonpath({"Hello": state}), {"timeout": 50, "beat": 10}, services=slow)
    assert (timed_out.error, timed_out.duration_seconds) == ("States.Timeout", 50)


def test_jsonata_state_in_a_jsonpath_machine_keeps_dollar_keys_as_literal_keys():
    """Recorded by AWS: a JSONata state's key ending in .$ is an ordinary key, its value unevaluated."""
    states = {"Keep": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": {"constant_jp_input.$": "$.value", "real": "{% $states.input.value %}"}, "End": True}}
    assert run(jsonpath(states), {"value": 5}).output == {"constant_jp_input.$": "$.value", "real": 5}


def test_variables_are_shared_between_the_query_languages():
    states = {
        "Remember": {"Type": "Pass", "Assign": {"customer.$": "$.customer", "limit": 3}, "Next": "Use"},
        "Use": {"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {"label": "{% $customer.name & ' (' & $limit & ')' %}"}, "Output": "{% $customer %}", "Next": "Back"},
        "Back": {"Type": "Pass", "Parameters": {"label.$": "$label", "who.$": "$.name"}, "End": True},
    }
    assert run(jsonpath(states), {"customer": {"name": "Ada"}}).output == {"label": "Ada (3)", "who": "Ada"}


def test_a_jsonpath_state_inside_a_jsonata_map():
    fan = {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "Items": "{% $states.input.items %}",
        "ItemSelector": {"value": "{% $states.context.Map.Item.Value %}"},
        "ItemProcessor": {"StartAt": "Back", "States": {"Back": {"Type": "Pass", "QueryLanguage": "JSONPath", "Parameters": {"v.$": "$.value", "at.$": "$$.State.Name"}, "End": True}}},
        "End": True,
    }
    assert run(jsonpath({"Fan": fan}), {"items": [1, 2]}).output == [{"v": 1, "at": "Back"}, {"v": 2, "at": "Back"}]
