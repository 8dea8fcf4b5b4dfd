"""``ndr_workflows.asl.intrinsics``: the intrinsic functions of JSONPath
states, with the examples of the AWS documentation, the arities and
argument types the validator checks, and the errors evaluation raises."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ndr_workflows.asl import intrinsics
from ndr_workflows.asl.intrinsics import IntrinsicError, IntrinsicSyntaxError, parse, problems
from ndr_workflows.asl.intrinsics_eval import evaluate

DATA = {
    "name": "Arnav",
    "escapedJsonString": '{"foo": "bar"}',
    "unescapedJson": {"foo": "bar"},
    "someJson": {"random": "abcdefg"},
    "inputArray": [1, 2, 3, 4, 5, 6, 7, 8, 9],
    "duplicates": [1, 2, 3, 3, 3, 3, 3, 3, 4],
    "lookingFor": 5,
    "index": 5,
    "input": "Data to encode",
    "base64": "RGF0YSB0byBlbmNvZGU=",
    "json1": {"a": {"a1": 1, "a2": 2}, "b": 2},
    "json2": {"a": {"a3": 1, "a4": 2}, "c": 3},
    "value1": 111,
    "step": -1,
    "inputString": "This.is+a,test=string",
    "splitter": ".+,=",
}


@pytest.mark.parametrize(
    "call, expected",
    [
        ("States.Format('Hello, my name is {}.', $.name)", "Hello, my name is Arnav."),
        ("States.Format('{} has {} items, \\{literally\\}', $.name, States.ArrayLength($.inputArray))", "Arnav has 9 items, {literally}"),
        ("States.Format('It\\'s {}', true)", "It's true"),
        ("States.StringToJson($.escapedJsonString)", {"foo": "bar"}),
        ("States.JsonToString($.unescapedJson)", '{"foo":"bar"}'),
        ("States.Array('Foo', 2020, $.someJson, null)", ["Foo", 2020, {"random": "abcdefg"}, None]),
        ("States.ArrayPartition($.inputArray, 4)", [[1, 2, 3, 4], [5, 6, 7, 8], [9]]),
        ("States.ArrayContains($.inputArray, $.lookingFor)", True),
        ("States.ArrayRange(1, 9, 2)", [1, 3, 5, 7, 9]),
        ("States.ArrayRange(10, 0, -5)", [10, 5, 0]),
        ("States.ArrayGetItem($.inputArray, $.index)", 6),
        ("States.ArrayLength($.inputArray)", 9),
        ("States.ArrayUnique($.duplicates)", [1, 2, 3, 4]),
        ("States.Base64Encode($.input)", "RGF0YSB0byBlbmNvZGU="),
        ("States.Base64Decode($.base64)", "Data to encode"),
        ("States.Hash('abc', 'SHA-256')", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("States.Hash('abc', 'MD5')", "900150983cd24fb0d6963f7d28e17f72"),
        ("States.JsonMerge($.json1, $.json2, false)", {"a": {"a3": 1, "a4": 2}, "b": 2, "c": 3}),
        ("States.MathAdd($.value1, $.step)", 110),
        ("States.StringSplit($.inputString, $.splitter)", ["This", "is", "a", "test", "string"]),
        ("States.StringSplit('1,2,3,4,5', ',')", ["1", "2", "3", "4", "5"]),
    ],
)
def test_the_documented_examples(call: str, expected: object) -> None:
    assert problems(call) == []
    assert evaluate(call, DATA) == expected


def test_random_and_uuid_are_repeatable_with_a_generator() -> None:
    values = {evaluate("States.MathRandom(1, 999)", {}, rng=random.Random(7)) for _ in range(3)}
    assert len(values) == 1 and 1 <= values.pop() < 999
    assert evaluate("States.MathRandom(1, 999, 5)", {}) == evaluate("States.MathRandom(1, 999, 5)", {})
    uuid = evaluate("States.UUID()", {}, rng=random.Random(1))
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", uuid)
    assert uuid == evaluate("States.UUID()", {}, rng=random.Random(1))


@pytest.mark.parametrize(
    "call, fragment",
    [
        ("States.MathAdd(1)", "takes 2 arguments, not 1"),
        ("States.MathAdd(1, 2, 3)", "takes 2 arguments, not 3"),
        ("States.MathAdd('1', 2)", "argument 1 must be a whole number"),
        ("States.MathRandom(1)", "takes 2 or 3 arguments"),
        ("States.UUID(1)", "takes 0 arguments"),
        ("States.ArrayLength('abc')", "argument 1 must be an array"),
        ("States.ArrayLength(States.Format('x'))", "argument 1 must be an array"),
        ("States.ArrayPartition($.a, 0)", "chunk size must be greater than 0"),
        ("States.ArrayRange(1, 5, 0)", "step cannot be 0"),
        ("States.ArrayRange(0, 5000, 1)", "more than 1000 items"),
        ("States.Hash($.a, 'SHA256')", "is not an algorithm"),
        ("States.JsonMerge($.a, $.b, true)", "must be false"),
        ("States.Format('{} and {}', $.a)", "2 {} placeholder(s) but 1 argument(s)"),
        ("States.Format()", "takes at least 1 argument"),
        ("States.Frmat('x')", "did you mean States.Format?"),
    ],
)
def test_wrong_calls_are_found_before_run_time(call: str, fragment: str) -> None:
    found = problems(call)
    assert any(severity == "error" and fragment in message for severity, message in found), found


@pytest.mark.parametrize("text", ["States.Format('x'", "States.Format('x)", "States.(1)", "Format('x')", "States.Array(1,)", "States.Array(1 2)", "States.Array(foo)", "States.Array($.a[)", "States.Array(1) extra"])
def test_malformed_calls_are_syntax_errors(text: str) -> None:
    with pytest.raises(IntrinsicSyntaxError):
        parse(text)
    assert problems(text)[0][0] == "error"


def test_a_literal_where_a_path_is_documented_is_a_warning() -> None:
    assert problems("States.JsonToString('text')") == [("warning", "States.JsonToString: AWS documents a path as its argument, not a literal")]


@pytest.mark.parametrize(
    "call, data, fragment",
    [
        ("States.MathAdd($.a, 1)", {"a": "7"}, "argument 1 must be a whole number"),
        ("States.MathAdd($.a, 1)", {"a": 1.5}, "argument 1 must be a whole number"),
        ("States.ArrayGetItem($.a, 3)", {"a": [1]}, "out of bounds"),
        ("States.StringToJson($.a)", {"a": "{not json"}, "is not JSON text"),
        ("States.Base64Decode($.a)", {"a": "%%%"}, "is not base64"),
        ("States.Base64Encode($.a)", {"a": "x" * 10_001}, "at most 10,000"),
        ("States.Format('{}', $.a)", {"a": {"o": 1}}, "string, number, boolean or null"),
        ("States.JsonMerge($.a, $.a, false)", {"a": [1]}, "must be an object"),
    ],
)
def test_arguments_known_only_at_run_time_fail_with_intrinsic_failure(call: str, data: object, fragment: str) -> None:
    with pytest.raises(IntrinsicError) as caught:
        evaluate(call, data)
    assert caught.value.error == "States.IntrinsicFailure" and fragment in caught.value.cause


def test_a_path_argument_that_selects_nothing_is_a_runtime_error() -> None:
    with pytest.raises(IntrinsicError) as caught:
        evaluate("States.Format('{}', $.missing)", {})
    assert caught.value.error == "States.Runtime"


def test_variables_read_by_path_arguments_are_listed() -> None:
    assert intrinsics.variables(parse("States.Format('{} {}', $first, States.ArrayLength($list.items))")) == frozenset({"first", "list"})


def test_every_function_of_the_aws_documentation_is_known() -> None:
    documented = {
        "States.Format", "States.StringToJson", "States.JsonToString", "States.Array", "States.ArrayPartition", "States.ArrayContains",
        "States.ArrayRange", "States.ArrayGetItem", "States.ArrayLength", "States.ArrayUnique", "States.Base64Encode", "States.Base64Decode",
        "States.Hash", "States.JsonMerge", "States.MathRandom", "States.MathAdd", "States.StringSplit", "States.UUID",
    }
    assert set(intrinsics.FUNCTIONS) == documented


_args = st.lists(st.sampled_from(["1", "-2", "'a'", "'{}'", "true", "null", "$.a", "$.b[0]", "$$.Execution.Id", "States.Array(1, 2)", "States.UUID()", "'x\\'y'", "2.5"]), max_size=4)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(intrinsics.FUNCTIONS)), _args, st.sampled_from([{}, {"a": [1, 2, 3], "b": ["x"]}, {"a": "text", "b": {"k": 1}}]))
def test_any_call_is_checked_and_evaluated_without_a_crash(name: str, args: list[str], data: dict[str, object]) -> None:
    text = f"{name}({', '.join(args)})"
    found = problems(text)
    try:
        evaluate(text, data, context={"Execution": {"Id": "e"}}, rng=random.Random(0))
    except IntrinsicError as exc:
        assert exc.cause and exc.error in ("States.IntrinsicFailure", "States.Runtime")
    else:
        assert not any(s == "error" for s, _ in found), (text, found)
