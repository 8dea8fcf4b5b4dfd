"""What ``validate()`` accepts and how it copes with garbage: a dict, JSON
text, a file, a StateMachine; duplicate JSON keys are findings; anything
JSON at all gives findings and never a traceback; input that is not JSON
raises UnusableInput (the CLI's exit 2)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndr_workflows import Catch, Fail, Pass, StateMachine, Task, expr
from ndr_workflows.flows import FLOW_NAMES, build_flow
from ndr_workflows.validate import Finding, has_errors, iter_states, validate
from ndr_workflows.asl.reader import UnusableInput

LAMBDA = "arn:aws:states:::lambda:invoke"
REPO = Path(__file__).resolve().parents[2]


def test_dict_text_bytes_and_file_give_the_same_findings(tmp_path: Path) -> None:
    definition = {"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}}}
    text = json.dumps(definition)
    path = tmp_path / "d.json"
    path.write_text(text, encoding="utf-8")
    expected = validate(definition, integrations=False)
    assert [(f.path, f.code) for f in expected] == [("A", "UNKNOWN_TARGET")]
    assert validate(text, integrations=False) == expected
    assert validate(text.encode(), integrations=False) == expected
    assert validate(path, integrations=False) == expected


def test_duplicate_state_names_and_keys_in_a_file_are_findings() -> None:
    text = """{"QueryLanguage": "JSONata", "StartAt": "A", "States": {
      "A": {"Type": "Pass", "Next": "B", "Next": "A"},
      "B": {"Type": "Succeed"},
      "B": {"Type": "Pass", "End": true},
      "M": {"Type": "Map", "Items": [1], "End": true, "ItemProcessor": {"StartAt": "I", "States": {
          "I": {"Type": "Pass", "End": true, "Output": {"k": 1, "k": 2}}, "I": {"Type": "Succeed"}}}}}}"""
    found = {(f.path, f.code): f for f in validate(text, integrations=False)}
    assert ("A", "DUPLICATE_KEY") in found and found[("A", "DUPLICATE_KEY")].message.startswith("Next:")
    assert ("B", "DUPLICATE_NAME") in found and "JSON keeps only the last" in found[("B", "DUPLICATE_NAME")].message
    assert ("M/I", "DUPLICATE_NAME") in found
    clean = text.replace('"Next": "B", "Next": "A"', '"Next": "B"').replace('"B": {"Type": "Succeed"},', "").replace('"I": {"Type": "Succeed"}', '"J": {"Type": "Succeed"}')
    assert {c for _, c in {(f.path, f.code) for f in validate(clean, integrations=False)}} <= {"UNREACHABLE", "DUPLICATE_KEY"}


@pytest.mark.parametrize("text", ["", "   ", "{", "not json", "[1,]", '{"a": NaN}', b"\xff\xfe{}"])
def test_text_that_is_not_json_is_unusable_input(text: Any) -> None:
    with pytest.raises(UnusableInput):
        validate(text, integrations=False)


@pytest.mark.parametrize("data", [{"StartAt": "A", "States": {1: {"Type": "Pass"}}}, {"a": float("nan")}, {"a": {1, 2}}])
def test_python_data_that_is_not_json_is_unusable_input(data: Any) -> None:
    with pytest.raises(UnusableInput, match="not"):
        validate(data, integrations=False)


def test_an_unreadable_file_is_unusable_input(tmp_path: Path) -> None:
    with pytest.raises(UnusableInput, match="cannot be read"):
        validate(tmp_path / "missing.json", integrations=False)
    with pytest.raises(UnusableInput, match="directory"):
        validate(tmp_path, integrations=False)


@pytest.mark.parametrize(
    "definition",
    [
        None,
        [],
        5.5,
        {"StartAt": "A"},
        {"StartAt": "A", "States": "A"},
        {"StartAt": "A", "States": {"A": None}},
        {"StartAt": ["A"], "States": {"A": {"Type": ["Pass"]}}},
        {"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Choice", "Choices": "x", "Default": {}}}},
        {"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Map", "ItemProcessor": {"States": [], "StartAt": 1}, "End": True}}},
        {"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Parallel", "Branches": [None, {"States": {"B": 1}}], "End": True, "Catch": [None]}}},
        {"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Task", "Resource": 5, "Arguments": [1], "Retry": "x", "Assign": 3, "End": True}}},
    ],
)
def test_garbage_gives_findings_not_tracebacks(definition: Any) -> None:
    found = validate(definition, integrations=False)
    assert has_errors(found)
    assert all(isinstance(f, Finding) and f.code.isupper() for f in found)


_keys = st.sampled_from(
    ["Type", "Next", "End", "StartAt", "States", "Choices", "Default", "Condition", "Catch", "Retry", "ErrorEquals", "Assign", "Output", "Arguments",
     "Items", "ItemProcessor", "ItemSelector", "Branches", "ProcessorConfig", "Mode", "Resource", "TimeoutSeconds", "HeartbeatSeconds", "Seconds",
     "Timestamp", "Error", "Cause", "QueryLanguage", "MaxConcurrency", "Parameters", "A", "B"]
)
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["Pass", "Task", "Choice", "Map", "Parallel", "Wait", "Fail", "Succeed", "A", "B", "JSONata", "JSONPath", "DISTRIBUTED",
                     "{% $x %}", "{% $states.result %}", "{%", "${", "${X}", "States.ALL", LAMBDA, "", "{% ( %}"]),
)
_json = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=5)), max_leaves=30)


def _shaped(states: dict[str, Any], start: Any) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": start, "States": states}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(_json.filter(lambda v: not isinstance(v, str)), st.builds(_shaped, st.dictionaries(st.sampled_from(["A", "B", "C"]), _json, max_size=3), st.one_of(_scalars, st.just("A")))))
def test_random_json_never_raises(definition: Any) -> None:
    found = validate(definition, integrations=False)
    assert isinstance(found, list)
    for f in found:
        assert isinstance(f.path, str) and f.code and f.message and f.severity in ("error", "warning")
    list(iter_states(definition))


def test_a_state_machine_gives_its_build_problems_without_raising() -> None:
    flow = StateMachine(Task("Call", resource=LAMBDA, parameters={"a": 1}, catch=[Catch("States.ALL", "Nope")]) >> Pass("After", output=expr("$unknown")))
    found = flow.validate(integrations=False)
    assert {(f.path, f.code) for f in found} == {("Call", "JSONPATH_FIELD"), ("Call", "UNKNOWN_TARGET"), ("After", "UNKNOWN_VARIABLE")}
    # the same problems the build raises
    from ndr_workflows import BuildError

    with pytest.raises(BuildError) as caught:
        flow.to_dict()
    assert list(caught.value.problems) == found


def test_a_state_machine_with_placeholders_for_deploy() -> None:
    flow = StateMachine(Task("Call", resource=LAMBDA, arguments={"FunctionName": "${Fn}"}), on_failure=Fail("WorkflowFailed", error="E"))
    assert flow.validate(integrations=False) == []
    assert [(f.path, f.code) for f in flow.validate(for_deploy=True, integrations=False)] == [("Call", "UNRESOLVED_PLACEHOLDER")]


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_the_built_flows_and_their_exported_files_have_no_findings(name: str) -> None:
    assert validate(build_flow(name), integrations=False) == []
    assert validate(REPO / "docs" / "step_functions_jsonata" / f"{name}.json", integrations=False) == []


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_the_exported_files_have_no_findings_with_integrations(name: str) -> None:
    assert validate(REPO / "docs" / "step_functions_jsonata" / f"{name}.json") == []


def test_iter_states_walks_nested_graphs_in_document_order() -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "M",
        "States": {
            "M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}}, "Next": "P"},
            "P": {"Type": "Parallel", "Branches": [{"StartAt": "L", "States": {"L": {"Type": "Pass", "End": True, "QueryLanguage": "JSONPath"}}}, {"StartAt": "R", "States": {"R": []}}], "End": True},
        },
    }
    assert [(p, n, lang) for p, n, _, lang in iter_states(definition)] == [("M", "M", "JSONata"), ("M/I", "I", "JSONata"), ("P", "P", "JSONata"), ("P/L", "L", "JSONPath")]
