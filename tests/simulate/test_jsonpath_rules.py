"""JSONPath Choice rules and intrinsic functions run as the AWS
documentation describes them, with its examples: every comparison operator
and its ``*Path`` form, ``Is*`` tests, ``And`` / ``Or`` / ``Not``,
``StringMatches`` wildcards, what a missing ``Variable`` does, and each
``States.*`` function's documented example."""

from __future__ import annotations

import hashlib

import pytest

from ndr_workflows.simulate import run


def choose(rule: dict, state_input, **state) -> str:
    """The state a one-rule Choice goes to ("Yes" or "No")."""
    choice = {"Type": "Choice", "Choices": [dict(rule, Next="Yes")], "Default": "No", **state}
    machine = {"StartAt": "C", "States": {"C": choice, "Yes": {"Type": "Succeed"}, "No": {"Type": "Succeed"}}}
    execution = run(machine, state_input)
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return execution.states[-1]


DOC_RULES = {
    "Not": {"Not": {"Variable": "$.type", "StringEquals": "Private"}},
    "Zero": {"Variable": "$.value", "NumericEquals": 0},
    "Twenties": {"And": [{"Variable": "$.value", "NumericGreaterThanEquals": 20}, {"Variable": "$.value", "NumericLessThan": 30}]},
    "Audit": {"Variable": "$.rating", "NumericGreaterThanPath": "$.auditThreshold"},
}


@pytest.mark.parametrize(
    ("rule", "state_input", "expected"),
    [
        # The documentation's Choice example.
        ("Not", {"type": "Public"}, "Yes"),
        ("Not", {"type": "Private"}, "No"),
        ("Zero", {"value": 0}, "Yes"),
        ("Zero", {"value": 0.0}, "Yes"),
        ("Zero", {"value": 1}, "No"),
        ("Twenties", {"value": 20}, "Yes"),
        ("Twenties", {"value": 29.9}, "Yes"),
        ("Twenties", {"value": 30}, "No"),
        ("Audit", {"rating": 53, "auditThreshold": 50}, "Yes"),
        ("Audit", {"rating": 50, "auditThreshold": 50}, "No"),
    ],
)
def test_the_documentations_choice_example(rule, state_input, expected):
    assert choose(DOC_RULES[rule], state_input) == expected


@pytest.mark.parametrize(
    ("operator", "operand", "value", "expected"),
    [
        ("StringEquals", "b", "b", True),
        ("StringEquals", "b", "B", False),
        ("StringLessThan", "b", "a", True),
        ("StringLessThan", "b", "b", False),
        ("StringGreaterThan", "b", "c", True),
        ("StringLessThanEquals", "b", "b", True),
        ("StringGreaterThanEquals", "b", "a", False),
        ("NumericEquals", 3, 3, True),
        ("NumericLessThan", 3, 2.5, True),
        ("NumericGreaterThan", 3, 3, False),
        ("NumericLessThanEquals", 3, 3, True),
        ("NumericGreaterThanEquals", 3, 4, True),
        ("BooleanEquals", True, True, True),
        ("BooleanEquals", True, False, False),
        ("TimestampEquals", "2025-01-01T00:00:00Z", "2025-01-01T01:00:00+01:00", True),
        ("TimestampLessThan", "2025-01-01T00:00:00Z", "2024-12-31T23:59:59Z", True),
        ("TimestampGreaterThan", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00.001Z", True),
        ("TimestampLessThanEquals", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00Z", True),
        ("TimestampGreaterThanEquals", "2025-01-01T00:00:00Z", "2024-01-01T00:00:00Z", False),
        # A value of the wrong type does not match; it is not an error.
        ("NumericEquals", 3, "3", False),
        ("StringEquals", "3", 3, False),
        ("BooleanEquals", True, 1, False),
        ("TimestampEquals", "2025-01-01T00:00:00Z", "2025-01-01", False),
        ("TimestampEquals", "2025-01-01T00:00:00Z", "2025-01-01t00:00:00z", False),
    ],
)
def test_every_comparison_operator_and_its_path_form(operator, operand, value, expected):
    assert (choose({"Variable": "$.v", operator: operand}, {"v": value}) == "Yes") is expected
    assert (choose({"Variable": "$.v", f"{operator}Path": "$.other"}, {"v": value, "other": operand}) == "Yes") is expected


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("log-*.txt", "log-2021-08-19.txt", True),
        ("log-*.txt", "log-.txt", True),
        ("log-*.txt", "log-1.csv", False),
        ("*", "", True),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
        ("a\\\\b", "a\\b", True),
        ("x.y", "xzy", False),
    ],
)
def test_string_matches_wildcards_and_escapes(pattern, value, expected):
    assert (choose({"Variable": "$.v", "StringMatches": pattern}, {"v": value}) == "Yes") is expected


@pytest.mark.parametrize(
    ("test", "value", "expected"),
    [
        ("IsNull", None, True),
        ("IsNull", 0, False),
        ("IsNumeric", 1.5, True),
        ("IsNumeric", True, False),
        ("IsString", "x", True),
        ("IsString", None, False),
        ("IsBoolean", False, True),
        ("IsBoolean", "false", False),
        ("IsTimestamp", "2016-03-14T01:59:00Z", True),
        ("IsTimestamp", "2016-03-14", False),
    ],
)
def test_type_tests(test, value, expected):
    assert (choose({"Variable": "$.v", test: True}, {"v": value}) == "Yes") is expected
    assert (choose({"Variable": "$.v", test: False}, {"v": value}) == "Yes") is not expected


def test_is_present_tests_what_a_missing_variable_otherwise_fails():
    assert choose({"Variable": "$.v", "IsPresent": True}, {"v": None}) == "Yes"
    assert choose({"Variable": "$.v", "IsPresent": True}, {}) == "No"
    assert choose({"Not": {"Variable": "$.v", "IsPresent": True}}, {}) == "Yes"
    machine = {"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.v", "StringEquals": "x", "Next": "Y"}], "Default": "Y"}, "Y": {"Type": "Succeed"}}}
    missing = run(machine, {})
    assert (missing.status, missing.error) == ("FAILED", "States.Runtime")
    assert "Invalid path '$.v'" in missing.cause


def test_or_takes_the_first_true_and_variables_and_context_are_readable():
    rule = {"Or": [{"Variable": "$limit", "NumericLessThan": 1}, {"Variable": "$$.Execution.Name", "StringEquals": "execution"}]}
    states = {
        "Set": {"Type": "Pass", "Assign": {"limit": 5}, "Next": "C"},
        "C": {"Type": "Choice", "Choices": [dict(rule, Next="Yes")], "Default": "No"},
        "Yes": {"Type": "Succeed"},
        "No": {"Type": "Succeed"},
    }
    assert run({"StartAt": "Set", "States": states}, {}).states[-1] == "Yes"


def test_choice_input_path_output_path_and_rule_assign():
    choice = {
        "Type": "Choice",
        "InputPath": "$.order",
        "OutputPath": "$.id",
        "Choices": [{"Variable": "$.total", "NumericGreaterThan": 100, "Assign": {"big.$": "$.total"}, "Next": "Big"}],
        "Default": "Small",
    }
    machine = {"StartAt": "C", "States": {"C": choice, "Big": {"Type": "Pass", "Parameters": {"id.$": "$", "big.$": "$big"}, "End": True}, "Small": {"Type": "Succeed"}}}
    assert run(machine, {"order": {"id": "o-1", "total": 250}}).output == {"id": "o-1", "big": 250}


def intrinsic(expression: str, state_input: dict):
    machine = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"value.$": expression}, "End": True}}}
    execution = run(machine, state_input)
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    return execution.output["value"]


@pytest.mark.parametrize(
    ("expression", "state_input", "value"),
    [
        # The AWS documentation's example of each intrinsic function.
        ("States.Format('Hello, my name is {}.', $.name)", {"name": "Arnav"}, "Hello, my name is Arnav."),
        ("States.StringToJson($.someString)", {"someString": '{"number": 20}'}, {"number": 20}),
        ("States.JsonToString($.someJson)", {"someJson": {"name": "Foo", "year": 2020}}, '{"name":"Foo","year":2020}'),
        ("States.Array('Foo', 2020, $.someJson, null)", {"someJson": {"random": "abcdefg"}}, ["Foo", 2020, {"random": "abcdefg"}, None]),
        ("States.ArrayPartition($.inputArray, 4)", {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}, [[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
        ("States.ArrayContains($.inputArray, $.lookingFor)", {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "lookingFor": 5}, True),
        ("States.ArrayRange(1, 9, 2)", {}, [1, 3, 5, 7, 9]),
        ("States.ArrayGetItem($.inputArray, $.index)", {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9], "index": 5}, 6),
        ("States.ArrayLength($.inputArray)", {"inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9]}, 9),
        ("States.ArrayUnique($.inputArray)", {"inputArray": [1, 2, 3, 3, 3, 3, 3, 3, 4]}, [1, 2, 3, 4]),
        ("States.Base64Encode($.input)", {"input": "Data to encode"}, "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode($.base64)", {"base64": "RGF0YSB0byBlbmNvZGU="}, "Data to encode"),
        ("States.Hash($.Data, $.Algorithm)", {"Data": "input data", "Algorithm": "SHA-1"}, hashlib.sha1(b"input data").hexdigest()),
        (
            "States.JsonMerge($.json1, $.json2, false)",
            {"json1": {"a": {"a1": 1, "a2": 2}, "b": 2}, "json2": {"a": {"a3": 1, "a4": 2}, "c": 3}},
            {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3},
        ),
        ("States.MathAdd($.value1, $.step)", {"value1": 111, "step": -1}, 110),
        ("States.StringSplit($.inputString, $.splitter)", {"inputString": "1,2,3,4,5", "splitter": ","}, ["1", "2", "3", "4", "5"]),
        ("States.StringSplit($.inputString, $.splitter)", {"inputString": "This.is+a,test=string", "splitter": ".+,="}, ["This", "is", "a", "test", "string"]),
        ("States.Format('{} {}', States.ArrayLength($.a), $.b)", {"a": [1, 2], "b": True}, "2 true"),
    ],
)
def test_the_documentations_intrinsic_function_examples(expression, state_input, value):
    assert intrinsic(expression, state_input) == value


def test_math_random_and_uuid_are_repeatable_under_a_seed():
    machine = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"n.$": "States.MathRandom(1, 1000)", "id.$": "States.UUID()"}, "End": True}}}
    first, again, other = run(machine, {}, seed=1).output, run(machine, {}, seed=1).output, run(machine, {}, seed=2).output
    assert first == again and first != other
    assert 1 <= first["n"] < 1000 and len(first["id"]) == 36


def test_an_intrinsic_given_what_it_cannot_use_fails_with_intrinsic_failure():
    machine = {
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "Parameters": {"v.$": "States.StringToJson($.text)"}, "Next": "Done"},
            "Done": {"Type": "Succeed"},
        },
    }
    failed = run(machine, {"text": "{not json"})
    assert (failed.status, failed.error) == ("FAILED", "States.IntrinsicFailure")
    task = {
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
        "Parameters": {"i.$": "States.ArrayGetItem($.items, 5)"},
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}],
        "End": True,
    }
    caught = run({"StartAt": "T", "States": {"T": task, "Done": {"Type": "Succeed"}}}, {"items": [1]})
    assert caught.output["error"]["Error"] == "States.IntrinsicFailure"
    assert caught.calls == []
