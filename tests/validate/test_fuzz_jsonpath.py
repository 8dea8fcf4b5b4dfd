"""No traceback on any input, JSONPath and mixed machines included: random
JSON built from the fields, paths, intrinsic functions and configuration
blocks the JSONPath and configuration checks read, and the corpus's
definitions with random values put in random places, give findings, never
an exception, in every strictness."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndr_workflows.validate import check_definition, validate

_keys = st.sampled_from(
    ["Type", "Next", "End", "StartAt", "States", "Choices", "Default", "Variable", "And", "Or", "Not", "StringEquals", "NumericEqualsPath",
     "BooleanEquals", "IsPresent", "TimestampLessThan", "Catch", "Retry", "ErrorEquals", "ResultPath", "InputPath", "OutputPath", "Parameters",
     "ResultSelector", "ItemSelector", "ItemsPath", "Iterator", "ItemProcessor", "ProcessorConfig", "Mode", "ExecutionType", "ItemReader",
     "ReaderConfig", "ItemBatcher", "ResultWriter", "WriterConfig", "MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxItems", "Label",
     "Credentials", "RoleArn", "RoleArn.$", "Resource", "ErrorPath", "CausePath", "SecondsPath", "TimeoutSecondsPath", "Assign", "QueryLanguage",
     "Branches", "a.$", "a", "x.$", "Output", "Condition", "CSVHeaderLocation", "InputType", "BatchInput", "MaxConcurrencyPath"]
)
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["Pass", "Task", "Choice", "Map", "Parallel", "Wait", "Fail", "Succeed", "A", "B", "JSONata", "JSONPath", "DISTRIBUTED",
                     "INLINE", "STANDARD", "$", "$.a", "$.a[*]", "$..b", "$$.Execution.Id", "$var.x", "$.a[?(@.b > 1)]", "$.a[", "$.", "States.MathAdd($.a, 1)",
                     "States.Format('{}', $.a)", "States.Format('{", "States.Nope()", "States.Array(", "GIVEN", "CSV", "{% $x %}", "",
                     "arn:aws:states:::lambda:invoke", "arn:aws:states:::s3:getObject", "2025-01-01T00:00:00Z", "States.ALL"]),
)
_json = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_keys, inner, max_size=5)), max_leaves=40)


def _machine(states: dict[str, Any], start: Any, top: Any) -> dict[str, Any]:
    definition: dict[str, Any] = {"StartAt": start, "States": states}
    if top:
        definition["QueryLanguage"] = top
    return definition


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.builds(_machine, st.dictionaries(st.sampled_from(["A", "B", "C"]), _json, max_size=3), st.one_of(_scalars, st.just("A")), st.sampled_from([None, "JSONPath", "JSONata", 5])))
def test_random_jsonpath_shaped_definitions_never_raise(definition: dict[str, Any]) -> None:
    for options in ({}, {"strict": True}, {"strict_compat": True}):
        found = validate(definition, integrations=False, **options)
        assert all(isinstance(f.path, str) and f.code and f.message and f.severity in ("error", "warning") for f in found)
    check_definition(definition, quotas=False, strict=True)


_CORPUS = sorted((Path(__file__).resolve().parents[1] / "data" / "corpus").rglob("*.json"))


def _slots(value: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        out.append((value, key))
        _slots(inner, out)
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from([p for p in _CORPUS if p.name != "index.json"]), st.lists(st.tuples(st.integers(0, 10_000), _json), min_size=1, max_size=3))
def test_corpus_definitions_with_random_values_never_raise(file: Path, changes: list[tuple[int, Any]]) -> None:

    definition = json.loads(file.read_text(encoding="utf-8")) if "duplicate" not in file.name else {"StartAt": "A", "States": {}}
    for where, value in changes:
        slots = _slots(definition, [])
        if slots:
            container, key = slots[where % len(slots)]
            container[key] = value
    for options in ({}, {"strict": True}):
        found = validate(definition, **options)
        assert all(f.code and f.message for f in found)
