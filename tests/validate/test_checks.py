"""Every check of ``ndr_workflows.validate`` (families 1, 2, 3 and 5) has a
failing case and a passing near-miss: the failing definition gets the code
at the expected state path, the near-miss does not get it at all.

A last test reads the validator's source and fails if a finding code exists
that no case here covers, so a new check cannot land untested.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest

from ndr_workflows.validate import has_errors, placeholders, validate
from ndr_workflows.validate.severity import COMPAT, SUSPICIOUS

LAMBDA = "arn:aws:states:::lambda:invoke"
CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"
SOURCE = Path(__file__).resolve().parents[2] / "ndr_workflows" / "validate"


def machine(states: dict[str, Any], start: str | None = None, **top: Any) -> dict[str, Any]:
    """A JSONata definition of ``states`` (starting at the first)."""
    return {"QueryLanguage": "JSONata", **top, "StartAt": start or next(iter(states)), "States": states}


def task(**fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": LAMBDA, "Arguments": {"FunctionName": "f"}, **fields}


def end(**fields: Any) -> dict[str, Any]:
    return {"Type": "Pass", "End": True, **fields}


def inline_map(inner: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"Type": "Map", "Items": "{% [1, 2] %}", "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": next(iter(inner)), "States": inner}, **fields}


def findings(definition: Any, **options: Any) -> list:
    return validate(definition, integrations=False, **options)


def codes_at(definition: Any, **options: Any) -> set[tuple[str, str]]:
    return {(f.path, f.code) for f in findings(definition, **options)}


# (case id, code, path, failing definition, passing near-miss, validate options)
CASES: list[tuple[str, str, str, Any, Any, dict[str, Any]]] = []


def case(name: str, code: str, path: str, bad: Any, good: Any, **options: Any) -> None:
    CASES.append((name, code, path, bad, good, options))


# -- family 1: structure ---------------------------------------------------------

case("not an object", "NOT_A_DEFINITION", "", [machine({"A": end()})], machine({"A": end()}))
case("top-level field typo", "UNKNOWN_FIELD", "", {**machine({"A": end()}), "Timeout": 5}, {**machine({"A": end()}), "TimeoutSeconds": 5})
case("state field typo", "UNKNOWN_FIELD", "A", machine({"A": end(Outputs=1)}), machine({"A": end(Output=1)}))
case("nested graph field", "UNKNOWN_FIELD", "M", machine({"M": inline_map({"I": end()}, End=True) | {"ItemProcessor": {"StartAt": "I", "States": {"I": end()}, "Extra": 1}}}), machine({"M": inline_map({"I": end()}, End=True)}))
case("query language", "BAD_QUERY_LANGUAGE", "", {**machine({"A": end()}), "QueryLanguage": "JSONata2"}, machine({"A": end()}))
case("machine timeout", "BAD_TIMEOUT", "", machine({"A": end()}, TimeoutSeconds=0), machine({"A": end()}, TimeoutSeconds=60))
case("comment type", "BAD_FIELD_TYPE", "", machine({"A": end()}, Comment=5), machine({"A": end()}, Comment="five"))
case(
    "duplicate across scopes",
    "DUPLICATE_NAME",
    "M/A",
    machine({"A": {"Type": "Pass", "Next": "M"}, "M": inline_map({"A": end()}, End=True)}),
    machine({"A": {"Type": "Pass", "Next": "M"}, "M": inline_map({"B": end()}, End=True)}),
)
case("nested graph not an object", "BAD_GRAPH", "M", machine({"M": {"Type": "Map", "ItemProcessor": [], "End": True}}), machine({"M": inline_map({"I": end()}, End=True)}))
case("no states", "NO_STATES", "", {"QueryLanguage": "JSONata", "StartAt": "A", "States": {}}, machine({"A": end()}))
case("StartAt names nothing", "MISSING_START", "", machine({"Begin": end()}, start="Begn"), machine({"Begin": end()}, start="Begin"))
case("empty name", "BAD_NAME", "(unnamed)", machine({"": end()}), machine({"A": end()}))
case("name too long", "NAME_TOO_LONG", "N" * 81, machine({"N" * 81: end()}), machine({"N" * 80: end()}))
case("state is a list", "BAD_STATE", "A", machine({"A": [end()]}), machine({"A": end()}))
case("no Type", "MISSING_TYPE", "A", machine({"A": {"End": True}}), machine({"A": end()}))
case("unknown Type", "UNKNOWN_STATE_TYPE", "A", machine({"A": {"Type": "Tsk", "End": True}}), machine({"A": end()}))
case("unreachable", "UNREACHABLE", "B", machine({"A": end(), "B": end()}), machine({"A": {"Type": "Pass", "Next": "B"}, "B": end()}))
case("End not boolean", "BAD_END", "A", machine({"A": end(End="yes")}), machine({"A": end()}))
case("Next and End", "NEXT_AND_END", "A", machine({"A": end(Next="B"), "B": end()}), machine({"A": {"Type": "Pass", "Next": "B"}, "B": end()}))
case("neither Next nor End", "MISSING_TRANSITION", "A", machine({"A": {"Type": "Pass"}}), machine({"A": end()}))
case("Catch without Next", "MISSING_TRANSITION", "T", machine({"T": task(End=True, Catch=[{"ErrorEquals": ["States.ALL"]}])}), machine({"T": task(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "T"}])}))
case("Choice without rules", "NO_CHOICES", "C", machine({"C": {"Type": "Choice", "Choices": [], "Default": "D"}, "D": end()}), machine({"C": {"Type": "Choice", "Choices": [{"Condition": "{% true %}", "Next": "D"}]}, "D": end()}))
case("Choice without Default", "CHOICE_WITHOUT_DEFAULT", "C", machine({"C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.ok %}", "Next": "D"}]}, "D": end()}), machine({"C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.ok %}", "Next": "D"}, {"Condition": True, "Next": "D"}]}, "D": end()}))
case("Choice rule not an object", "BAD_CHOICE_RULE", "C", machine({"C": {"Type": "Choice", "Choices": ["D"], "Default": "D"}, "D": end()}), machine({"C": {"Type": "Choice", "Choices": [{"Condition": True, "Next": "D"}]}, "D": end()}))
case("Next not a string", "BAD_TARGET", "A", machine({"A": {"Type": "Pass", "Next": 5}}), machine({"A": {"Type": "Pass", "Next": "B"}, "B": end()}))
case("dangling Next", "UNKNOWN_TARGET", "A", machine({"A": {"Type": "Pass", "Next": "Bb"}, "B": end()}), machine({"A": {"Type": "Pass", "Next": "B"}, "B": end()}))
case("dangling Default", "UNKNOWN_TARGET", "C", machine({"C": {"Type": "Choice", "Choices": [{"Condition": True, "Next": "D"}], "Default": "X"}, "D": end()}), machine({"C": {"Type": "Choice", "Choices": [{"Condition": True, "Next": "D"}], "Default": "D"}, "D": end()}))
case("dangling in a branch", "UNKNOWN_TARGET", "P/L", machine({"P": {"Type": "Parallel", "Branches": [{"StartAt": "L", "States": {"L": {"Type": "Pass", "Next": "R"}}}, {"StartAt": "R", "States": {"R": end()}}], "End": True}}), machine({"P": {"Type": "Parallel", "Branches": [{"StartAt": "L", "States": {"L": end()}}, {"StartAt": "R", "States": {"R": end()}}], "End": True}}))

# -- family 1: fields --------------------------------------------------------------

case("JSONPath under JSONata", "QUERY_LANGUAGE_DOWNGRADE", "A", machine({"A": end(QueryLanguage="JSONPath")}), machine({"A": end(QueryLanguage="JSONata")}))
case("state query language value", "BAD_QUERY_LANGUAGE", "A", machine({"A": end(QueryLanguage="SQL")}), machine({"A": end()}))
case("Parameters in JSONata", "JSONPATH_FIELD", "T", machine({"T": task(End=True, Parameters={"a": 1})}), machine({"T": task(End=True)}))
case("ResultPath in JSONata", "JSONPATH_FIELD", "T", machine({"T": task(End=True, ResultPath="$.r")}), machine({"T": task(End=True, Output="{% $states.result %}")}))
case("Variable-style rule", "JSONPATH_FIELD", "C", machine({"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "StringEquals": "x", "Next": "D"}]}, "D": end()}), machine({"C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.a = 'x' %}", "Next": "D"}], "Default": "D"}, "D": end()}))
case("Catch ResultPath", "JSONPATH_FIELD", "T", machine({"T": task(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "ResultPath": "$.e", "Next": "T"}])}), machine({"T": task(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "T"}])}))
case("Iterator in JSONata", "JSONPATH_FIELD", "M", machine({"M": {"Type": "Map", "Iterator": {"StartAt": "I", "States": {"I": end()}}, "End": True}}), machine({"M": inline_map({"I": end()}, End=True)}))
case("Arguments in JSONPath", "JSONATA_FIELD", "T", {"StartAt": "T", "States": {"T": task(End=True)}}, {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": LAMBDA, "Parameters": {"FunctionName": "f"}, "End": True}}})
case("Condition in JSONPath", "JSONATA_FIELD", "C", {"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Condition": True, "Next": "D"}]}, "D": end()}}, {"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "BooleanEquals": True, "Next": "D"}], "Default": "D"}, "D": end()}})
case("Next on a Fail", "FIELD_NOT_ALLOWED", "F", machine({"F": {"Type": "Fail", "Error": "E", "Next": "F"}}), machine({"F": {"Type": "Fail", "Error": "E"}}))
case("Assign not an object", "BAD_ASSIGN", "A", machine({"A": end(Assign=["x"])}), machine({"A": end(Assign={"x": 1})}))
case("Arguments a literal string", "BAD_ARGUMENTS", "T", machine({"T": task(End=True, Arguments="payload")}), machine({"T": task(End=True, Arguments="{% $states.input %}")}))
case("Resource not an ARN", "BAD_RESOURCE", "T", machine({"T": task(End=True, Resource="lambda:invoke")}), machine({"T": task(End=True, Resource="${FunctionArn}")}))
case("TimeoutSeconds not a number", "BAD_SECONDS", "T", machine({"T": task(End=True, TimeoutSeconds="10")}), machine({"T": task(End=True, TimeoutSeconds="{% 10 %}")}))
case("Wait Seconds negative", "BAD_SECONDS", "W", machine({"W": {"Type": "Wait", "Seconds": -1, "End": True}}), machine({"W": {"Type": "Wait", "Seconds": 0, "End": True}}))
case("heartbeat not below timeout", "HEARTBEAT_NOT_BELOW_TIMEOUT", "T", machine({"T": task(End=True, TimeoutSeconds=10, HeartbeatSeconds=10)}), machine({"T": task(End=True, TimeoutSeconds=10, HeartbeatSeconds=9)}))
case("heartbeat without timeout", "HEARTBEAT_WITHOUT_TIMEOUT", "T", machine({"T": task(End=True, HeartbeatSeconds=10)}), machine({"T": task(End=True, TimeoutSeconds=20, HeartbeatSeconds=10)}))
case("Wait with both", "WAIT_FIELDS", "W", machine({"W": {"Type": "Wait", "Seconds": 1, "Timestamp": "2025-01-01T00:00:00Z", "End": True}}), machine({"W": {"Type": "Wait", "Timestamp": "2025-01-01T00:00:00Z", "End": True}}))
case("Timestamp not a time", "BAD_TIMESTAMP", "W", machine({"W": {"Type": "Wait", "Timestamp": "tomorrow", "End": True}}), machine({"W": {"Type": "Wait", "Timestamp": "{% $states.input.at %}", "End": True}}))
case("Condition a string", "BAD_CONDITION", "C", machine({"C": {"Type": "Choice", "Choices": [{"Condition": "true", "Next": "D"}]}, "D": end()}), machine({"C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.ok %}", "Next": "D"}], "Default": "D"}, "D": end()}))
case("Map mode", "BAD_MAP_MODE", "M", machine({"M": inline_map({"I": end()}, End=True) | {"ItemProcessor": {"ProcessorConfig": {"Mode": "LOCAL"}, "StartAt": "I", "States": {"I": end()}}}}), machine({"M": inline_map({"I": end()}, End=True)}))
case("distributed-only in inline", "DISTRIBUTED_ONLY_FIELD", "M", machine({"M": inline_map({"I": end()}, End=True, ToleratedFailurePercentage=5)}), machine({"M": inline_map({"I": end()}, End=True) | {"ToleratedFailurePercentage": 5, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "I", "States": {"I": end()}}}}))
case("MaxConcurrency negative", "BAD_MAX_CONCURRENCY", "M", machine({"M": inline_map({"I": end()}, End=True, MaxConcurrency=-1)}), machine({"M": inline_map({"I": end()}, End=True, MaxConcurrency=0)}))
case("Items a string", "BAD_ITEMS", "M", machine({"M": inline_map({"I": end()}, End=True, Items="$.items")}), machine({"M": inline_map({"I": end()}, End=True, Items=[1, 2])}))
case(
    "tolerated failure out of range",
    "BAD_TOLERATED_FAILURE",
    "M",
    machine({"M": inline_map({"I": end()}, End=True) | {"ToleratedFailurePercentage": 120, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "I", "States": {"I": end()}}}}),
    machine({"M": inline_map({"I": end()}, End=True) | {"ToleratedFailurePercentage": 100, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"}, "StartAt": "I", "States": {"I": end()}}}}),
)
case("Parallel without branches", "NO_BRANCHES", "P", machine({"P": {"Type": "Parallel", "Branches": [], "End": True}}), machine({"P": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": end()}}], "End": True}}))
case("empty ErrorEquals", "EMPTY_ERROR_EQUALS", "T", machine({"T": task(End=True, Retry=[{"ErrorEquals": []}])}), machine({"T": task(End=True, Retry=[{"ErrorEquals": ["States.Timeout"]}])}))
case("error name not a string", "BAD_ERROR_NAME", "T", machine({"T": task(End=True, Retry=[{"ErrorEquals": [5]}])}), machine({"T": task(End=True, Retry=[{"ErrorEquals": ["5"]}])}))
case("States.ALL with others", "STATES_ALL_NOT_ALONE", "T", machine({"T": task(End=True, Retry=[{"ErrorEquals": ["States.ALL", "X"]}])}), machine({"T": task(End=True, Retry=[{"ErrorEquals": ["X"]}, {"ErrorEquals": ["States.ALL"]}])}))
case("States.ALL not last", "STATES_ALL_NOT_LAST", "T", machine({"T": task(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Next": "T"}, {"ErrorEquals": ["X"], "Next": "T"}])}), machine({"T": task(End=True, Catch=[{"ErrorEquals": ["X"], "Next": "T"}, {"ErrorEquals": ["States.ALL"], "Next": "T"}])}))
case("BackoffRate below 1", "BAD_RETRY", "T", machine({"T": task(End=True, Retry=[{"ErrorEquals": ["X"], "BackoffRate": 0.5}])}), machine({"T": task(End=True, Retry=[{"ErrorEquals": ["X"], "BackoffRate": 1.0}])}))
case("JitterStrategy value", "BAD_RETRY", "T", machine({"T": task(End=True, Retry=[{"ErrorEquals": ["X"], "JitterStrategy": "SOME"}])}), machine({"T": task(End=True, Retry=[{"ErrorEquals": ["X"], "JitterStrategy": "FULL"}])}))
case("retry of an unretriable error", "NOT_RETRIABLE", "T", machine({"T": task(End=True, Retry=[{"ErrorEquals": ["States.Runtime"]}])}), machine({"T": task(End=True, Retry=[{"ErrorEquals": ["States.TaskFailed"]}])}))

# -- family 2: JSONata ------------------------------------------------------------

case("'.$' key in a template", "JSONPATH_KEY", "T", machine({"T": task(End=True, Arguments={"FunctionName": "f", "Payload.$": "$"})}), machine({"T": task(End=True, Arguments={"FunctionName": "f", "Payload": "{% $states.input %}"})}))
case("nested array", "NESTED_ARRAY", "A", machine({"A": end(Output={"a": [[1]]})}), machine({"A": end(Output={"a": "{% [[1]] %}"})}))
case("empty string literal", "EMPTY_STRING", "A", machine({"A": end(Output={"a": ""})}), machine({"A": end(Output={"a": "{% '' %}"})}))
case("expression not whole", "EXPRESSION_AS_LITERAL", "A", machine({"A": end(Output={"a": "id-{% $states.input.id %}"})}), machine({"A": end(Output={"a": "{% 'id-' & $states.input.id %}"})}))
case("closing delimiter missing", "EXPRESSION_AS_LITERAL", "A", machine({"A": end(Output="{% $states.input")}), machine({"A": end(Output="{% $states.input %}")}))
case("multi-line expression", "MULTILINE_EXPRESSION", "A", machine({"A": end(Output="{% 1 +\n 2 %}")}), machine({"A": end(Output="{% 1 + 2 %}")}))
case("empty expression", "EMPTY_EXPRESSION", "A", machine({"A": end(Output="{%  %}")}), machine({"A": end(Output="{% null %}")}))
case("no space inside delimiters", "EXPRESSION_SPACING", "A", machine({"A": end(Output="{%1%}")}), machine({"A": end(Output="{% 1 %}")}))
case("nested delimiter", "NESTED_DELIMITER", "A", machine({"A": end(Output="{% 1 %} & {% 2 %}")}), machine({"A": end(Output="{% 1 & 2 %}")}))
case("syntax error", "JSONATA_SYNTAX", "A", machine({"A": end(Output="{% $states.input.a + %}")}), machine({"A": end(Output="{% $states.input.a + 1 %}")}))
case("unknown function", "UNKNOWN_FUNCTION", "A", machine({"A": end(Output="{% $lenght('x') %}")}), machine({"A": end(Output="{% $length('x') %}")}))
case("$eval is not offered", "UNKNOWN_FUNCTION", "A", machine({"A": end(Output="{% $eval('1') %}")}), machine({"A": end(Output="{% $parse('1') %}")}))
case("$states field typo", "UNKNOWN_STATES_FIELD", "A", machine({"A": end(Output="{% $states.inputs %}")}), machine({"A": end(Output="{% $states.input %}")}))
case("context member typo", "UNKNOWN_STATES_FIELD", "A", machine({"A": end(Output="{% $states.context.Execution.StartedTime %}")}), machine({"A": end(Output="{% $states.context.Execution.StartTime %}")}))
case("result in Arguments", "RESULT_NOT_AVAILABLE", "T", machine({"T": task(End=True, Arguments={"r": "{% $states.result %}"})}), machine({"T": task(End=True, Output={"r": "{% $states.result %}"})}))
case("result in a Catch", "RESULT_NOT_AVAILABLE", "T", machine({"T": task(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Output": "{% $states.result %}", "Next": "T"}])}), machine({"T": task(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "T"}])}))
case("errorOutput outside a Catch", "ERROR_OUTPUT_NOT_AVAILABLE", "T", machine({"T": task(End=True, Output="{% $states.errorOutput %}")}), machine({"T": task(End=True, Catch=[{"ErrorEquals": ["States.ALL"], "Assign": {"e": "{% $states.errorOutput %}"}, "Next": "T"}])}))
case("token outside a callback", "TASK_TOKEN_NOT_AVAILABLE", "T", machine({"T": task(End=True, Arguments={"FunctionName": "f", "Payload": {"t": "{% $states.context.Task.Token %}"}})}), machine({"T": task(End=True, TimeoutSeconds=60, Resource=CALLBACK, Arguments={"FunctionName": "f", "Payload": {"t": "{% $states.context.Task.Token %}"}})}))
case("Map.Item outside ItemSelector", "MAP_ITEM_NOT_AVAILABLE", "M", machine({"M": inline_map({"I": end()}, End=True, Output="{% $states.context.Map.Item.Index %}")}), machine({"M": inline_map({"I": end()}, End=True, ItemSelector={"i": "{% $states.context.Map.Item.Index %}"})}))

# -- family 3: variables -----------------------------------------------------------

case("assign to states", "RESERVED_VARIABLE", "A", machine({"A": end(Assign={"states": 1})}), machine({"A": end(Assign={"state": 1})}))
case("bad variable name", "BAD_VARIABLE_NAME", "A", machine({"A": end(Assign={"a-b": 1})}), machine({"A": end(Assign={"a_b": 1})}))
case(
    "inner state assigns an outer name",
    "OUTER_VARIABLE_ASSIGNED",
    "M/I",
    machine({"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"}, "M": inline_map({"I": end(Assign={"x": 2})}, End=True)}),
    machine({"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"}, "M": inline_map({"I": end(Assign={"y": "{% $x %}"})}, End=True)}),
)
case(
    "assigned on one path only",
    "VARIABLE_MAYBE_UNASSIGNED",
    "J",
    machine(
        {
            "C": {"Type": "Choice", "Choices": [{"Condition": True, "Next": "S"}], "Default": "J"},
            "S": {"Type": "Pass", "Assign": {"b": 1}, "Next": "J"},
            "J": end(Output="{% $b %}"),
        }
    ),
    machine(
        {
            "C": {"Type": "Choice", "Choices": [{"Condition": True, "Next": "S"}], "Default": "J", "Assign": {"b": 0}},
            "S": {"Type": "Pass", "Assign": {"b": 1}, "Next": "J"},
            "J": end(Output="{% $b %}"),
        }
    ),
)
case("never assigned", "UNKNOWN_VARIABLE", "A", machine({"A": end(Output="{% $nothing %}")}), machine({"A": end(Output="{% ($nothing := 1; $nothing) %}")}))
case(
    "assigned inside a Map, read after it",
    "UNKNOWN_VARIABLE",
    "After",
    machine({"M": inline_map({"I": end(Assign={"inner": 1})}, Next="After"), "After": end(Output="{% $inner %}")}),
    machine({"M": inline_map({"I": end(Output={"inner": 1})}, Next="After", Assign={"inner": "{% $states.result %}"}), "After": end(Output="{% $inner %}")}),
)
case(
    "distributed child reads an outer variable",
    "UNKNOWN_VARIABLE",
    "M/I",
    machine({"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"}, "M": inline_map({"I": end(Output="{% $x %}")}, End=True) | {"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "I", "States": {"I": end(Output="{% $x %}")}}}}),
    machine({"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"}, "M": inline_map({"I": end(Output="{% $x %}")}, End=True)}),
)

# -- family 5: quotas, placeholders, EXPRESS -----------------------------------------

case("over 1 MiB", "DEFINITION_TOO_LARGE", "Big", machine({"Big": end(Comment="x" * 1_048_600)}), machine({"Big": end(Comment="x" * 1_000_000)}))
case("unclosed placeholder", "BAD_PLACEHOLDER", "T", machine({"T": task(End=True, Arguments={"FunctionName": "${Fn"})}), machine({"T": task(End=True, Arguments={"FunctionName": "${Fn}"})}))
case("empty placeholder", "BAD_PLACEHOLDER", "T", machine({"T": task(End=True, Arguments={"FunctionName": "${}"})}), machine({"T": task(End=True, Arguments={"FunctionName": "${F}"})}))
case("placeholder with a space", "BAD_PLACEHOLDER", "T", machine({"T": task(End=True, Arguments={"FunctionName": "${bad name}"})}), machine({"T": task(End=True, Arguments={"FunctionName": "${good_name}"})}))
case("unresolved for deploy", "UNRESOLVED_PLACEHOLDER", "T", machine({"T": task(End=True, Arguments={"FunctionName": "${Fn}"})}), machine({"T": task(End=True, Arguments={"FunctionName": "fn"})}), for_deploy=True)
case("callback in EXPRESS", "EXPRESS_UNSUPPORTED", "T", machine({"T": task(End=True, TimeoutSeconds=60, Resource=CALLBACK, Arguments={"FunctionName": "f", "Payload": {"t": "{% $states.context.Task.Token %}"}})}), machine({"T": task(End=True)}), machine_type="EXPRESS")
case("sync in EXPRESS", "EXPRESS_UNSUPPORTED", "T", machine({"T": task(End=True, Resource="arn:aws:states:::states:startExecution.sync:2")}), machine({"T": task(End=True, Resource="arn:aws:states:::states:startExecution")}), machine_type="EXPRESS")


@pytest.mark.parametrize("name, code, path, bad, good, options", CASES, ids=[c[0] for c in CASES])
def test_each_check_fails_the_defect_and_passes_the_near_miss(name: str, code: str, path: str, bad: Any, good: Any, options: dict[str, Any]) -> None:
    found = findings(bad, **options)
    assert (path, code) in {(f.path, f.code) for f in found}, [str(f) for f in found]
    hit = next(f for f in found if (f.path, f.code) == (path, code))
    assert hit.message
    if code in COMPAT or code in SUSPICIOUS:
        # Legal in AWS: a warning, an error only when asked to be strict.
        assert hit.severity == "warning"
        strict = {(f.path, f.code, f.severity) for f in findings(bad, strict=True, **options)}
        assert (path, code, "error") in strict
        compat = {(f.path, f.code, f.severity) for f in findings(bad, strict_compat=True, **options)}
        assert ((path, code, "error") in compat) == (code in COMPAT)
    else:
        assert has_errors(found)
        assert hit.severity == "error"
    ok = findings(good, **options)
    assert code not in {f.code for f in ok}, [str(f) for f in ok]


def test_the_near_misses_are_clean_apart_from_unreachable_helpers() -> None:
    """The passing cases are whole valid definitions, not only free of the code under test."""
    for name, _, _, _, good, options in CASES:
        assert findings(good, **options) == [], (name, [str(f) for f in findings(good, **options)])


def test_every_code_in_the_validator_has_a_case() -> None:
    emitted: set[str] = set()
    for file in SOURCE.glob("*.py"):
        if file.name in ("integrations.py", "service_models.py") or file.name.startswith("integration"):
            continue
        text = file.read_text(encoding="utf-8")
        emitted |= set(re.findall(r'Problem\(\s*[^,()]+(?:\([^()]*\))?,\s*"([A-Z_]+)"', text))
        emitted |= set(re.findall(r'\(\s*"([A-Z][A-Z_]+)",\s*f?"', text)) & {"MULTILINE_EXPRESSION", "EMPTY_EXPRESSION", "EXPRESSION_SPACING", "NESTED_DELIMITER", "JSONATA_SYNTAX", "UNKNOWN_FUNCTION", "UNKNOWN_STATES_FIELD", "EXPRESSION_AS_LITERAL"}
    covered = {c[1] for c in CASES} | {"DUPLICATE_KEY"} | _cases_of_the_jsonpath_rules()  # DUPLICATE_KEY: tests/validate/test_input.py
    assert len(emitted) > 60
    assert emitted - covered == set(), f"codes without a failing/passing case: {sorted(emitted - covered)}"


def _cases_of_the_jsonpath_rules() -> set[str]:
    """The codes with a failing case and a near miss in the test module of the
    JSONPath, terminal-state and scope rules (a file of its own)."""
    import importlib.util

    file = Path(__file__).with_name("test_jsonpath_rules.py")
    spec = importlib.util.spec_from_file_location("jsonpath_rule_cases", file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {c[1] for c in module.CASES}


# -- more than one case per check where the rule has corners ---------------------


def test_all_findings_at_once_with_paths_messages_and_hints() -> None:
    definition = machine(
        {
            "Start": {"Type": "Pass", "Parameters": {}, "Next": "Missing"},
            "Fan": inline_map({"Inner": {"Type": "Pass", "Next": "Nowhere"}}, End=True),
            "Orphan": end(Output="{% $lenght(1) %}"),
        },
        start="Start",
    )
    found = findings(definition)
    by = {(f.path, f.code): f for f in found}
    assert set(by) >= {("Start", "JSONPATH_FIELD"), ("Start", "UNKNOWN_TARGET"), ("Fan/Inner", "UNKNOWN_TARGET"), ("Fan", "UNREACHABLE"), ("Orphan", "UNREACHABLE"), ("Orphan", "UNKNOWN_FUNCTION")}
    assert by[("Start", "UNKNOWN_TARGET")].message == "Next goes to 'Missing', which is not a state of this graph"
    assert by[("Orphan", "UNKNOWN_FUNCTION")].hint == "did you mean '$length'?"


def test_a_bad_start_names_the_missing_target_and_the_close_state() -> None:
    (f,) = findings(machine({"NormalizeIncomingMessage": end()}, start="NormalizeIncomingMesage"))
    assert (f.path, f.code) == ("", "MISSING_START")
    assert "'NormalizeIncomingMesage'" in f.message and "NormalizeIncomingMessage" in f.message


def test_an_unreachable_region_is_one_finding_on_its_first_state_naming_the_rest() -> None:
    definition = machine(
        {
            "A": {"Type": "Pass", "Next": "Gone"},
            "B": {"Type": "Pass", "Next": "C"},
            "C": {"Type": "Pass", "Next": "D"},
            "D": {"Type": "Choice", "Choices": [{"Condition": True, "Next": "B"}], "Default": "E"},
            "E": end(),
            "Loop1": {"Type": "Pass", "Next": "Loop2"},
            "Loop2": {"Type": "Pass", "Next": "Loop1"},
        }
    )
    found = [f for f in findings(definition) if f.code == "UNREACHABLE"]
    assert [(f.path, f.message) for f in found] == [
        ("B", "no path from StartAt reaches state 'B' (nor the 3 state(s) after it: C, D, E)"),
        ("Loop1", "no path from StartAt reaches state 'Loop1' (nor the 1 state(s) after it: Loop2)"),
    ]


def test_a_choice_rules_assign_counts_only_on_its_own_edge() -> None:
    definition = machine(
        {
            "Pick": {"Type": "Choice", "Choices": [{"Condition": True, "Assign": {"x": 1}, "Next": "Use"}], "Default": "Other", "Assign": {"y": 1}},
            "Use": {"Type": "Pass", "Output": "{% $x %}", "Next": "Other"},
            "Other": end(Output="{% $y %}"),
        }
    )
    assert codes_at(definition) == {("Other", "VARIABLE_MAYBE_UNASSIGNED")}


def test_a_catch_assign_is_seen_on_the_catch_path_only() -> None:
    definition = machine(
        {
            "T": task(Assign={"ok": True}, Catch=[{"ErrorEquals": ["States.ALL"], "Assign": {"err": "{% $states.errorOutput %}"}, "Next": "Failed"}], Next="Done"),
            "Done": end(Output="{% $ok %}"),
            "Failed": {"Type": "Fail", "Error": "E", "Cause": "{% $err.Cause & $ok %}"},
        }
    )
    # The only path into Failed is the Catch, which never runs T's own Assign:
    # $ok is unassigned on every run that gets there (an error, not a maybe).
    assert codes_at(definition) == {("Failed", "VARIABLE_UNASSIGNED")}


def test_loops_keep_what_every_round_assigns() -> None:
    definition = machine(
        {
            "Init": {"Type": "Pass", "Assign": {"n": 0}, "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Condition": "{% $n < 3 %}", "Next": "Step"}], "Default": "Done"},
            "Step": {"Type": "Pass", "Assign": {"n": "{% $n + 1 %}", "seen": True}, "Next": "Check"},
            "Done": end(Output="{% [$n, $seen] %}"),
        }
    )
    assert codes_at(definition) == {("Done", "VARIABLE_MAYBE_UNASSIGNED")}


def test_local_bindings_and_lambda_parameters_are_not_variables() -> None:
    definition = machine({"A": end(Output="{% ($f := function($v) { $v + 1 }; $map([1, 2], $f)) %}")})
    assert findings(definition) == []


def test_jsonpath_definitions_are_checked_for_structure_not_jsonata() -> None:
    definition = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Parameters": {"a.$": "$.x"}, "ResultPath": "$.r", "Next": "B"}, "B": {"Type": "Succeed"}}}
    assert findings(definition) == []
    definition["States"]["A"]["Next"] = "C"
    # one mistake: the Next that leads nowhere was meant for B, which nothing else reaches
    assert codes_at(definition) == {("A", "UNKNOWN_TARGET")}
    assert [f.hint for f in findings(definition)] == ["did you mean 'B'? (nothing else goes to it)"]


def test_placeholders_are_listed_sorted_and_well_formed_only() -> None:
    definition = machine({"T": task(End=True, Resource="${FnArn}", Arguments={"FunctionName": "${Fn}", "Other": "${Fn}-${Bus}", "Bad": "${bad name}"})})
    assert placeholders(definition) == ["Bus", "Fn", "FnArn"]
    deploy = findings(definition, for_deploy=True)
    assert sorted(f.message.split(": ")[0] for f in deploy if f.code == "UNRESOLVED_PLACEHOLDER") == ["Arguments.FunctionName", "Arguments.Other", "Arguments.Other", "Resource"]


def test_express_flags_every_callback_and_sync_task_but_standard_allows_them() -> None:
    definition = machine(
        {
            "Run": task(Resource="arn:aws:states:::states:startExecution.sync:2", Next="Ask"),
            "Ask": task(Resource=CALLBACK, TimeoutSeconds=60, Arguments={"FunctionName": "f", "Payload": {"t": "{% $states.context.Task.Token %}"}}, End=True),
        }
    )
    assert findings(definition) == []
    assert codes_at(definition, machine_type="EXPRESS") == {("Run", "EXPRESS_UNSUPPORTED"), ("Ask", "EXPRESS_UNSUPPORTED")}
    with pytest.raises(ValueError, match="machine_type"):
        validate(definition, machine_type="express", integrations=False)


def test_the_input_is_never_changed() -> None:
    definition = machine({"A": {"Type": "Pass", "Next": "Nowhere", "Output": "{% $x %}"}})
    before = copy.deepcopy(definition)
    findings(definition, for_deploy=True)
    assert definition == before
