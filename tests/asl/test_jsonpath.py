"""``ndr_workflows.asl.jsonpath``: the paths Step Functions' JSONPath states
use, read and evaluated as the runtime does (the validator checks them with
this module, the simulator evaluates them with it)."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ndr_workflows.asl import jsonpath
from ndr_workflows.asl.jsonpath import JsonPathSyntaxError, NotSupported, PathNotFound, ResultPathMatchFailure, evaluate, parse, put
from ndr_workflows.asl.templates import evaluate_template

STORE = {
    "store": {
        "book": [
            {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
            {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
            {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99},
        ],
        "bicycle": {"color": "red", "price": 19.95},
        "odd key": {"a.b": 1},
    },
    "count": 3,
}
CONTEXT = {"Execution": {"Id": "arn:aws:states:us-east-1:1:execution:m:e", "Input": {"x": 1}}, "Task": {"Token": "t0k"}, "Map": {"Item": {"Index": 2, "Value": "v"}}}


@pytest.mark.parametrize(
    "path, expected",
    [
        ("$", STORE),
        ("$.count", 3),
        ("$.store.bicycle.color", "red"),
        ("$.store.book[0].title", "Sayings of the Century"),
        ("$.store.book[-1].price", 22.99),
        ("$['store']['odd key']['a.b']", 1),
        ("$.store.book[*].author", ["Nigel Rees", "Evelyn Waugh", "J. R. R. Tolkien"]),
        ("$.store.book[0,2].price", [8.95, 22.99]),
        ("$.store.book[1:].category", ["fiction", "fiction"]),
        ("$..isbn", ["0-395-19395-8"]),
        ("$.store.book[?(@.price < 10)].title", ["Sayings of the Century"]),
        ("$.store.book[?(@.category == 'fiction' && @.price > 20)].author", ["J. R. R. Tolkien"]),
        ("$.store.book[?(@.isbn)].price", [22.99]),
        ("$.store.book[?(!(@.price < 10))].price", [12.99, 22.99]),
        ("$.store.book[?(@.author =~ /.*Waugh/)].price", [12.99]),
        ("$.store.book[?(@.category in ['reference'])].price", [8.95]),
        ("$.store.book.length()", 3),
        ("$.store.book[*].price.max()", 22.99),
    ],
)
def test_paths_select_what_jayway_jsonpath_selects(path: str, expected: object) -> None:
    assert evaluate(path, STORE) == expected


def test_the_context_object_and_variables_have_roots_of_their_own() -> None:
    assert evaluate("$$.Execution.Input.x", STORE, context=CONTEXT) == 1
    assert evaluate("$$.Map.Item.Index", {}, context=CONTEXT) == 2
    assert evaluate("$total.items[1]", {}, variables={"total": {"items": [5, 6]}}) == 6
    assert parse("$total.items[1]").variables == frozenset({"total"})
    assert parse("$.a[?(@.n > $limit)]").variables == frozenset({"limit"})
    with pytest.raises(PathNotFound, match="variable"):
        evaluate("$missing", {}, variables={})


def test_a_definite_path_that_selects_nothing_is_a_runtime_error() -> None:
    with pytest.raises(PathNotFound) as caught:
        evaluate("$.store.car.color", STORE)
    assert caught.value.error == "States.Runtime" and "$.store.car.color" in caught.value.cause
    with pytest.raises(PathNotFound):
        evaluate("$.store.book[7]", STORE)
    assert evaluate("$.store.book[*].isbn", STORE) == ["0-395-19395-8"]  # indefinite: no error, the matches


@pytest.mark.parametrize(
    "path, reference",
    [("$", True), ("$.a.b[0]", True), ("$['a b'][2]", True), ("$$.Execution.Id", True), ("$var.x", True),
     ("$.a[*]", False), ("$..a", False), ("$.a[0:2]", False), ("$.a[0,1]", False), ("$.a[?(@.x)]", False), ("$.a.length()", False)],
)
def test_reference_paths_are_names_and_indices_only(path: str, reference: bool) -> None:
    assert parse(path).reference is reference
    assert (jsonpath.check(path, reference=True) is None) is reference


@pytest.mark.parametrize("text", ["", "a.b", "$.", "$.a.", "$.a[", "$.a[x]", "$[*", "$..", "$.a['b]", "$.a[1:2:0]", "$.a.nosuch()", "$.a[?(@.b <)]", "$.a[0]]"])
def test_malformed_paths_are_syntax_errors_with_a_position(text: str) -> None:
    with pytest.raises(JsonPathSyntaxError) as caught:
        parse(text)
    assert text[:20] in caught.value.cause or text == ""
    assert jsonpath.check(text) is not None


def test_where_paths_are_not_allowed_check_says_why() -> None:
    assert "context object" in (jsonpath.check("$$.Execution.Id", context=False) or "")
    assert "variable" in (jsonpath.check("$x", variables=False) or "")
    assert jsonpath.check(5) == "a path is a string"


def test_result_path_puts_the_result_into_a_copy_of_the_input() -> None:
    """AWS's ResultPath example: the result lands at $.taskresult, the rest of
    the input is kept; "$" replaces the input; the input is not changed."""
    state_input = {"comment": "An input comment.", "data": {"val1": 23, "val2": 17}}
    before = copy.deepcopy(state_input)
    assert put(state_input, "$.taskresult", "Hello, AWS Step Functions!") == {**state_input, "taskresult": "Hello, AWS Step Functions!"}
    assert put(state_input, "$.data.sum", 40) == {"comment": "An input comment.", "data": {"val1": 23, "val2": 17, "sum": 40}}
    assert put(state_input, "$.new.deep", 1)["new"] == {"deep": 1}
    assert put(state_input, "$", [1]) == [1]
    assert state_input == before


def test_a_result_path_through_a_value_that_is_not_an_object_fails() -> None:
    with pytest.raises(ResultPathMatchFailure) as caught:
        put({"comment": "text"}, "$.comment.inner", 1)
    assert caught.value.error == "States.ResultPathMatchFailure"
    with pytest.raises(ResultPathMatchFailure):
        put("a string input", "$.result", 1)
    with pytest.raises(ResultPathMatchFailure):
        put({}, "$.a[*]", 1)


def test_payload_templates_evaluate_paths_and_intrinsics_and_keep_literals() -> None:
    template = {
        "comment": "literal",
        "product": {"details.$": "$.store.bicycle", "size": 9, "count.$": "$.count"},
        "list": [1, {"first.$": "$.store.book[0].author"}],
        "execution.$": "$$.Execution.Id",
        "label.$": "States.Format('{} books', $.count)",
        "seen.$": "$visits",
    }
    out = evaluate_template(template, STORE, context=CONTEXT, variables={"visits": 4})
    assert out == {
        "comment": "literal",
        "product": {"details": {"color": "red", "price": 19.95}, "size": 9, "count": 3},
        "list": [1, {"first": "Nigel Rees"}],
        "execution": CONTEXT["Execution"]["Id"],
        "label": "3 books",
        "seen": 4,
    }


def test_random_intrinsics_in_templates_are_repeatable_with_a_generator() -> None:
    import random

    template = {"id.$": "States.UUID()", "n.$": "States.MathRandom(1, 1000)"}
    first = evaluate_template(template, {}, rng=random.Random(3))
    assert first == evaluate_template(template, {}, rng=random.Random(3))
    assert 1 <= first["n"] < 1000


def test_a_template_path_that_selects_nothing_names_the_field() -> None:
    with pytest.raises(PathNotFound) as caught:
        evaluate_template({"a": {"missing.$": "$.nope"}}, {"x": 1})
    assert "'$.nope'" in caught.value.cause and "'missing.$'" in caught.value.cause and caught.value.error == "States.Runtime"


def test_functions_the_module_cannot_evaluate_say_so() -> None:
    with pytest.raises(NotSupported):
        evaluate("$.store.book.concat()", STORE)


_names = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=5)
_data = st.recursive(st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=3)), lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_names, inner, max_size=3)), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="$@.[]*?()'\"0123456789:,-=<>!&|ab ", max_size=16), _data)
def test_any_text_parses_or_is_a_syntax_error_and_evaluation_never_crashes(text: str, data: object) -> None:
    try:
        path = parse(text)
    except JsonPathSyntaxError:
        return
    try:
        evaluate(path, data, context={}, variables={"ab": data})
    except jsonpath.JsonPathError as exc:
        assert isinstance(exc.cause, str)


def test_the_shared_modules_import_only_the_standard_library() -> None:
    """The bottom layer: any layer above may use it (the simulator will)."""
    import subprocess
    import sys

    code = (
        "import sys, ndr_workflows; before = set(sys.modules)\n"
        "import ndr_workflows.asl.templates as t\n"
        "t.evaluate_template({'a.$': 'States.Hash(States.UUID(), \\'MD5\\')', 'b.$': '$..x[?(@ =~ /a.*/i)]'}, {'x': ['ab']})\n"
        "new = sorted(m for m in set(sys.modules) - before if m.split('.')[0] not in sys.stdlib_module_names)\n"
        "print(new)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "['ndr_workflows.asl', 'ndr_workflows.asl.common', 'ndr_workflows.asl.intrinsics', 'ndr_workflows.asl.intrinsics_eval', 'ndr_workflows.asl.jsonpath', 'ndr_workflows.asl.jsonpath_syntax', 'ndr_workflows.asl.templates']"
