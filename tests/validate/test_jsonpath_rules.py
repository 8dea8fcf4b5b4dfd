"""The JSONPath rules, the terminal-state and scope rules, and the false
positives of issue 10, each with a failing case and a passing near miss.

Every code that ``validate/jsonpath_states.py``, ``validate/config_fields.py``
or the new structure and variable rules raise has a case here; the
severities come from ``validate/severity.py`` (a warning is an error under
``strict``, and a compatibility warning under ``strict_compat`` too).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ndr_workflows.validate import validate
from ndr_workflows.validate.severity import COMPAT, SUSPICIOUS

SOURCE = Path(__file__).resolve().parents[2] / "ndr_workflows" / "validate"
LAMBDA = "arn:aws:states:::lambda:invoke"


def jp(states: dict[str, Any], **top: Any) -> dict[str, Any]:
    """A JSONPath definition (the default query language) of ``states``."""
    return {**top, "StartAt": next(iter(states)), "States": states}


def ata(states: dict[str, Any]) -> dict[str, Any]:
    return {"QueryLanguage": "JSONata", "StartAt": next(iter(states)), "States": states}


def pass_(**fields: Any) -> dict[str, Any]:
    return {"Type": "Pass", "End": True, **fields}


def choice(*rules: dict[str, Any], default: str | None = "Done") -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Choice", "Choices": list(rules)}
    if default:
        state["Default"] = default
    return state


def dmap(**fields: Any) -> dict[str, Any]:
    processor = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "I", "States": {"I": {"Type": "Succeed"}}}
    return {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}


DONE = {"Type": "Succeed"}
CASES: list[tuple[str, str, str, Any, Any]] = []


def case(name: str, code: str, path: str, bad: Any, good: Any) -> None:
    CASES.append((name, code, path, bad, good))


# -- structure ------------------------------------------------------------------
case("no terminal state", "NO_TERMINAL_STATE", "", jp({"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}), jp({"A": {"Type": "Pass", "Next": "B"}, "B": pass_()}))
case(
    "branch without end", "NO_TERMINAL_STATE", "P",
    jp({"P": {"Type": "Parallel", "End": True, "Branches": [{"StartAt": "L", "States": {"L": {"Type": "Wait", "Seconds": 1, "Next": "L"}}}]}}),
    jp({"P": {"Type": "Parallel", "End": True, "Branches": [{"StartAt": "L", "States": {"L": {"Type": "Wait", "Seconds": 1, "End": True}}}]}}),
)
case(
    "trap loop", "NO_PATH_TO_END", "Spin",
    jp({"Pick": choice({"Variable": "$.go", "BooleanEquals": True, "Next": "Spin"}), "Spin": {"Type": "Wait", "Seconds": 5, "Next": "Spin"}, "Done": DONE}),
    jp({"Pick": choice({"Variable": "$.go", "BooleanEquals": True, "Next": "Spin"}), "Spin": {"Type": "Wait", "Seconds": 5, "Next": "Pick"}, "Done": DONE}),
)

# -- JSONPath paths -------------------------------------------------------------
case("InputPath malformed", "BAD_PATH", "A", jp({"A": pass_(InputPath="$.a[")}), jp({"A": pass_(InputPath="$.a[0]")}))
case("OutputPath not a path", "BAD_PATH", "A", jp({"A": pass_(OutputPath="result")}), jp({"A": pass_(OutputPath="$.result")}))
case("ResultPath a wildcard", "BAD_PATH", "A", jp({"A": pass_(ResultPath="$.r[*]")}), jp({"A": pass_(ResultPath="$.r[0]")}))
case("ResultPath into the context", "BAD_PATH", "A", jp({"A": pass_(ResultPath="$$.Execution.Id")}), jp({"A": pass_(ResultPath=None)}))
case("ItemsPath null", "BAD_PATH", "M", jp({"M": {"Type": "Map", "ItemsPath": None, "Iterator": {"StartAt": "I", "States": {"I": DONE}}, "End": True}}), jp({"M": {"Type": "Map", "ItemsPath": "$.items", "Iterator": {"StartAt": "I", "States": {"I": DONE}}, "End": True}}))
case("SecondsPath a filter", "BAD_PATH", "W", jp({"W": {"Type": "Wait", "SecondsPath": "$.w[?(@.n > 1)]", "End": True}}), jp({"W": {"Type": "Wait", "SecondsPath": "$.w.n", "End": True}}))
case("Variable selects several", "NOT_A_REFERENCE_PATH", "C", jp({"C": choice({"Variable": "$.a[*]", "IsPresent": True, "Next": "Done"}), "Done": DONE}), jp({"C": choice({"Variable": "$.a[0]", "IsPresent": True, "Next": "Done"}), "Done": DONE}))

# -- payload templates and intrinsic functions -------------------------------------
case("dynamic value not a string", "BAD_TEMPLATE", "A", jp({"A": pass_(Parameters={"n.$": 5})}), jp({"A": pass_(Parameters={"n": 5})}))
case("dynamic value neither path nor intrinsic", "BAD_TEMPLATE", "A", jp({"A": pass_(Parameters={"n.$": "hello"})}), jp({"A": pass_(Parameters={"n": "hello"})}))
case("dynamic path malformed", "BAD_PATH", "A", jp({"A": pass_(Parameters={"n.$": "$..", "m": 1})}), jp({"A": pass_(Parameters={"n.$": "$..n", "m": 1})}))
case("duplicate after stripping .$", "DUPLICATE_TEMPLATE_KEY", "A", jp({"A": pass_(Parameters={"a": 1, "a.$": "$.a"})}), jp({"A": pass_(Parameters={"b": 1, "a.$": "$.a"})}))
case("path as literal", "PATH_AS_LITERAL", "A", jp({"A": pass_(Parameters={"token": "$$.Task.Token"})}), jp({"A": pass_(Parameters={"token.$": "$$.Execution.Id", "price": "$5", "unit": "$USD"})}))
case("MathAdd arity", "BAD_INTRINSIC", "A", jp({"A": pass_(Parameters={"n.$": "States.MathAdd($.n)"})}), jp({"A": pass_(Parameters={"n.$": "States.MathAdd($.n, 1)"})}))
case("MathAdd string", "BAD_INTRINSIC", "A", jp({"A": pass_(ResultSelector={"n.$": "States.MathAdd('one', 1)"})}), jp({"A": pass_(Parameters={"n.$": "States.MathAdd(1, 1)"})}))
case("Format placeholders", "BAD_INTRINSIC", "A", jp({"A": pass_(Parameters={"s.$": "States.Format('{} of {}', $.a)"})}), jp({"A": pass_(Parameters={"s.$": "States.Format('{} of {}', $.a, $.b)"})}))
case("unknown intrinsic", "BAD_INTRINSIC", "A", jp({"A": pass_(Parameters={"s.$": "States.Concat($.a, $.b)"})}), jp({"A": pass_(Parameters={"s.$": "States.Array($.a, $.b)"})}))
case("Hash algorithm", "BAD_INTRINSIC", "A", jp({"A": pass_(Parameters={"h.$": "States.Hash($.a, 'SHA256')"})}), jp({"A": pass_(Parameters={"h.$": "States.Hash($.a, 'SHA-256')"})}))
case("JsonMerge deep", "BAD_INTRINSIC", "A", jp({"A": pass_(Parameters={"m.$": "States.JsonMerge($.a, $.b, true)"})}), jp({"A": pass_(Parameters={"m.$": "States.JsonMerge($.a, $.b, false)"})}))
case("intrinsic syntax", "BAD_INTRINSIC", "A", jp({"A": pass_(Parameters={"s.$": "States.Format('x', $.a"})}), jp({"A": pass_(Parameters={"s.$": "States.Format('x{}', $.a)"})}))
case("JsonToString of a literal", "INTRINSIC_LITERAL_ARGUMENT", "A", jp({"A": pass_(Parameters={"s.$": "States.JsonToString('x')"})}), jp({"A": pass_(Parameters={"s.$": "States.JsonToString($.x)"})}))
case("ErrorPath intrinsic arity", "BAD_INTRINSIC", "F", jp({"F": {"Type": "Fail", "CausePath": "States.Format()"}}), jp({"F": {"Type": "Fail", "CausePath": "States.Format('failed: {}', $.why)"}}))

# -- fields given twice ---------------------------------------------------------
case("Error and ErrorPath", "CONFLICTING_FIELDS", "F", jp({"F": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e"}}), jp({"F": {"Type": "Fail", "ErrorPath": "$.e"}}))
case("TimeoutSeconds and its path", "CONFLICTING_FIELDS", "T", jp({"T": {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t", "End": True}}), jp({"T": {"Type": "Task", "Resource": LAMBDA, "TimeoutSecondsPath": "$.t", "End": True}}))
case(
    "Iterator and ItemProcessor", "CONFLICTING_FIELDS", "M",
    jp({"M": {"Type": "Map", "Iterator": {"StartAt": "I", "States": {"I": DONE}}, "ItemProcessor": {"StartAt": "J", "States": {"J": DONE}}, "End": True}}),
    jp({"M": {"Type": "Map", "ItemProcessor": {"StartAt": "J", "States": {"J": DONE}}, "End": True}}),
)
case("Parameters and ItemSelector", "CONFLICTING_FIELDS", "M", jp({"M": {"Type": "Map", "Parameters": {"a.$": "$"}, "ItemSelector": {"a.$": "$"}, "Iterator": {"StartAt": "I", "States": {"I": DONE}}, "End": True}}), jp({"M": {"Type": "Map", "ItemSelector": {"a.$": "$"}, "Iterator": {"StartAt": "I", "States": {"I": DONE}}, "End": True}}))
case("MaxItemsPerBatch twice", "CONFLICTING_FIELDS", "M", jp({"M": dmap(ItemBatcher={"MaxItemsPerBatch": 5, "MaxItemsPerBatchPath": "$.n"})}), jp({"M": dmap(ItemBatcher={"MaxItemsPerBatchPath": "$.n"})}))

# -- Choice rules -----------------------------------------------------------------
case("rule without Variable", "BAD_CHOICE_RULE", "C", jp({"C": choice({"StringEquals": "x", "Next": "Done"}), "Done": DONE}), jp({"C": choice({"Variable": "$.s", "StringEquals": "x", "Next": "Done"}), "Done": DONE}))
case("two operators", "BAD_CHOICE_RULE", "C", jp({"C": choice({"Variable": "$.s", "StringEquals": "x", "IsPresent": True, "Next": "Done"}), "Done": DONE}), jp({"C": choice({"And": [{"Variable": "$.s", "StringEquals": "x"}, {"Variable": "$.s", "IsPresent": True}], "Next": "Done"}), "Done": DONE}))
case("Next inside Not", "BAD_CHOICE_RULE", "C", jp({"C": choice({"Not": {"Variable": "$.s", "IsNull": True, "Next": "Done"}, "Next": "Done"}), "Done": DONE}), jp({"C": choice({"Not": {"Variable": "$.s", "IsNull": True}, "Next": "Done"}), "Done": DONE}))
case("empty Or", "BAD_CHOICE_RULE", "C", jp({"C": choice({"Or": [], "Next": "Done"}), "Done": DONE}), jp({"C": choice({"Or": [{"Variable": "$.n", "NumericGreaterThan": 1}], "Next": "Done"}), "Done": DONE}))
case("numeric operand a string", "BAD_COMPARISON", "C", jp({"C": choice({"Variable": "$.n", "NumericEquals": "5", "Next": "Done"}), "Done": DONE}), jp({"C": choice({"Variable": "$.n", "NumericEquals": 5, "Next": "Done"}), "Done": DONE}))
case("timestamp operand", "BAD_COMPARISON", "C", jp({"C": choice({"Variable": "$.t", "TimestampLessThan": "yesterday", "Next": "Done"}), "Done": DONE}), jp({"C": choice({"Variable": "$.t", "TimestampLessThan": "2025-01-01T00:00:00Z", "Next": "Done"}), "Done": DONE}))
case("comparison path", "BAD_PATH", "C", jp({"C": choice({"Variable": "$.a", "NumericLessThanPath": "b", "Next": "Done"}), "Done": DONE}), jp({"C": choice({"Variable": "$.a", "NumericLessThanPath": "$.b", "Next": "Done"}), "Done": DONE}))

# -- configuration objects ----------------------------------------------------------
case("ItemBatcher without a limit", "BAD_CONFIG", "M", jp({"M": dmap(ItemBatcher={"BatchInput": {"a": 1}})}), jp({"M": dmap(ItemBatcher={"MaxInputBytesPerBatch": 1024, "BatchInput": {"a": 1}})}))
case("ItemReader without Resource", "BAD_CONFIG", "M", jp({"M": dmap(ItemReader={"Parameters": {"Bucket": "b", "Key": "k"}})}), jp({"M": dmap(ItemReader={"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b", "Key": "k"}})}))
case("CSV headers missing", "BAD_CONFIG", "M", jp({"M": dmap(ItemReader={"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN"}})}), jp({"M": dmap(ItemReader={"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}})}))
case("ResultWriter empty", "BAD_CONFIG", "M", jp({"M": dmap(ResultWriter={})}), jp({"M": dmap(ResultWriter={"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b", "Prefix": "p"}})}))
case("Label with a space", "BAD_CONFIG", "M", jp({"M": dmap(Label="my map")}), jp({"M": dmap(Label="MyMap")}))
case("Credentials field", "BAD_CONFIG", "T", jp({"T": {"Type": "Task", "Resource": LAMBDA, "Credentials": {"Role": "arn:aws:iam::1:role/r"}, "End": True}}), jp({"T": {"Type": "Task", "Resource": LAMBDA, "Credentials": {"RoleArn.$": "$.role"}, "End": True}}))

# -- variables and scopes ------------------------------------------------------------
case(
    "read before any assignment", "VARIABLE_UNASSIGNED", "A",
    ata({"A": {"Type": "Pass", "Output": "{% $x %}", "Next": "B"}, "B": pass_(Assign={"x": 1})}),
    ata({"A": {"Type": "Pass", "Assign": {"x": 1}, "Next": "B"}, "B": pass_(Output="{% $x %}")}),
)
case(
    "JSONPath read before any assignment", "VARIABLE_UNASSIGNED", "A",
    jp({"A": {"Type": "Pass", "Parameters": {"x.$": "$count"}, "Next": "B"}, "B": pass_(Assign={"count": 1})}),
    jp({"A": {"Type": "Pass", "Assign": {"count": 1}, "Next": "B"}, "B": pass_(Parameters={"x.$": "$count"})}),
)
case(
    "inner assigns a name that exists on some paths", "OUTER_VARIABLE_MAYBE_ASSIGNED", "M/I",
    ata({
        "C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.a %}", "Next": "S"}], "Default": "M"},
        "S": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
        "M": {"Type": "Map", "Items": [1], "ItemProcessor": {"StartAt": "I", "States": {"I": pass_(Assign={"x": 2})}}, "End": True},
    }),
    ata({
        "C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.a %}", "Next": "S"}], "Default": "M"},
        "S": {"Type": "Pass", "Assign": {"x": 1}, "Next": "M"},
        "M": {"Type": "Map", "Items": [1], "ItemProcessor": {"StartAt": "I", "States": {"I": pass_(Assign={"y": 2})}}, "End": True},
    }),
)


@pytest.mark.parametrize("name, code, path, bad, good", CASES, ids=[c[0] for c in CASES])
def test_each_rule_fails_the_defect_and_passes_the_near_miss(name: str, code: str, path: str, bad: Any, good: Any) -> None:
    found = validate(bad, integrations=False)
    hit = [f for f in found if (f.path, f.code) == (path, code)]
    assert hit, [str(f) for f in found]
    expected = "warning" if code in COMPAT or code in SUSPICIOUS else "error"
    assert hit[0].severity == expected and hit[0].message
    if expected == "warning":
        assert any((f.path, f.code, f.severity) == (path, code, "error") for f in validate(bad, integrations=False, strict=True))
    assert validate(good, integrations=False) == [], [str(f) for f in validate(good, integrations=False)]


def test_every_code_of_the_new_rules_has_a_case() -> None:
    emitted: set[str] = set()
    for name in ("jsonpath_states.py", "config_fields.py"):
        emitted |= set(re.findall(r'Problem\(\s*[^,()]+,\s*"([A-Z_]+)"', (SOURCE / name).read_text(encoding="utf-8")))
    emitted |= {"NO_TERMINAL_STATE", "NO_PATH_TO_END", "VARIABLE_UNASSIGNED", "OUTER_VARIABLE_MAYBE_ASSIGNED", "INTRINSIC_LITERAL_ARGUMENT"}
    emitted -= {"JSONATA_FIELD", "JSONPATH_FIELD", "UNKNOWN_FIELD"}  # old codes, cases in tests/validate/test_checks.py
    assert emitted - {c[1] for c in CASES} == set()


# -- the false positives of issue 10: what AWS accepts and runs -----------------------


def errors(definition: Any, **options: Any) -> list[str]:
    return [f"{f.path}: {f.code}" for f in validate(definition, **options) if f.severity == "error"]


def test_delimiters_without_spaces_are_a_compatibility_warning() -> None:
    definition = ata({"A": pass_(Output="{%$states.input%}")})
    assert errors(definition) == []
    assert [f.code for f in validate(definition)] == ["EXPRESSION_SPACING"]
    assert errors(definition, strict_compat=True) == ["A: EXPRESSION_SPACING"]


def test_sync_tasks_have_a_task_token() -> None:
    for resource in ("arn:aws:states:::states:startExecution.sync", "arn:aws:states:::states:startExecution.sync:2", "arn:aws:states:::lambda:invoke.waitForTaskToken"):
        arguments = {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child", "Input": {"token": "{% $states.context.Task.Token %}"}}
        if "lambda" in resource:
            arguments = {"FunctionName": "f", "Payload": {"token": "{% $states.context.Task.Token %}"}}
        assert errors(ata({"T": {"Type": "Task", "Resource": resource, "Arguments": arguments, "End": True}})) == [], resource


def test_a_jsonpath_machine_may_hold_jsonata_states_and_they_jsonpath_ones() -> None:
    inner = {"StartAt": "Back", "States": {"Back": {"Type": "Pass", "QueryLanguage": "JSONPath", "Parameters": {"v.$": "$"}, "End": True}}}
    definition = jp({"Fan": {"Type": "Map", "QueryLanguage": "JSONata", "Items": "{% $states.input.items %}", "ItemProcessor": inner, "Next": "Done"}, "Done": DONE})
    assert validate(definition) == []
    flipped = ata({"A": pass_(QueryLanguage="JSONPath")})
    assert errors(flipped) == ["A: QUERY_LANGUAGE_DOWNGRADE"]


def test_literals_aws_passes_through_are_warnings() -> None:
    definition = ata({"A": pass_(Output={"constant.$": "$.x", "text": "id-{% $states.input.id %}", "grid": [[1, 2], [3]], "none": ""})})
    found = {f.code: f.severity for f in validate(definition)}
    assert found == {"JSONPATH_KEY": "warning", "EXPRESSION_AS_LITERAL": "warning", "NESTED_ARRAY": "warning", "EMPTY_STRING": "warning"}


def test_exhaustive_choices_need_no_default() -> None:
    jsonata = ata({"C": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.ok %}", "Next": "Y"}, {"Condition": "{% $not($states.input.ok) %}", "Next": "N"}]}, "Y": DONE, "N": DONE})
    jsonpath = jp({"C": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": True, "Next": "Y"}, {"Variable": "$.ok", "BooleanEquals": False, "Next": "N"}]}, "Y": DONE, "N": DONE})
    assert validate(jsonata) == [] and validate(jsonpath) == []
    jsonpath["States"]["C"]["Choices"][1] = {"Variable": "$.ok", "IsNull": True, "Next": "N"}
    assert [(f.code, f.severity) for f in validate(jsonpath)] == [("CHOICE_WITHOUT_DEFAULT", "warning")]


def test_a_jsonpath_lambda_invoke_without_parameters_sends_its_input() -> None:
    assert validate(jp({"T": {"Type": "Task", "Resource": LAMBDA, "End": True}})) == []


def test_the_parallel_scope_pattern_aws_ran() -> None:
    """A branch assigns inputVar and resultVar; the Parallel's own Catch
    assigns inputVar and its own Assign resultVar; a later state reads
    $resultVar on the success path only (ASL facts recorded from AWS)."""
    branch = {"StartAt": "Work", "States": {"Work": {"Type": "Pass", "Assign": {"inputVar": "{% $states.input %}", "resultVar": 1}, "End": True}}}
    definition = ata({
        "Both": {"Type": "Parallel", "Branches": [branch], "Assign": {"resultVar": "{% $states.result %}"},
                 "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"inputVar": "{% $states.errorOutput %}"}, "Next": "Failed"}], "Next": "Use"},
        "Use": pass_(Output="{% $resultVar %}"),
        "Failed": {"Type": "Fail", "Error": "Failed"},
    })
    assert validate(definition) == []


def test_a_missing_idempotency_token_is_a_warning() -> None:
    task = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution", "Arguments": {"PipelineName": "p"}, "End": True}
    assert [(f.code, f.severity) for f in validate(ata({"T": task}))] == [("INTEGRATION_MISSING_IDEMPOTENCY_TOKEN", "warning")]


def test_the_build_keeps_refusing_what_the_flows_must_not_hold() -> None:
    """The project's own flows are judged strictly: a compatibility or
    suspicious finding is an error there (tests/model/test_build_errors.py has the
    builder-level cases)."""
    from ndr_workflows.validate import check_definition

    definition = ata({"A": pass_(Output="{%1%}")})
    assert [(f.code, f.severity) for f in check_definition(definition, quotas=False, strict=True)] == [("EXPRESSION_SPACING", "error")]
