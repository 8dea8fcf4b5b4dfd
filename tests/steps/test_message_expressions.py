"""Tests for ndr_workflows.steps.message_expressions.

Every expression is evaluated two ways:

* directly with jsonata-python, binding ``$states`` (input and
  ``context.Execution.StartTime``) and ``$raw_message``, with a strict
  ``$parse`` (JavaScript's JSON.parse rejects NaN / Infinity, so this one
  does too) -- so an unguarded ``$parse`` of non-JSON text fails the test;
* through ``sfnx.testing.run`` on a small JSONata-mode definition (Pass
  states NormalizeIncomingMessage -> ResolvePipelineRuntimeParams -> Emit),
  so Assign semantics are exercised: an undefined value there fails the run.
"""

from __future__ import annotations

import json
import string
from functools import lru_cache

import jsonata
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonata.utils import Utils
from sfnx.testing import run

from ndr_workflows.steps.message_expressions import (
    ParamSpec,
    epoch_seconds_after_start_text,
    json_object_fields_text,
    normalized_output_text,
    now_iso_text,
    previous_month_end_text,
    previous_month_start_text,
    raw_message_text,
    resolve_text,
    resolved_output_text,
    start_time_text,
)

START = "2025-03-01T00:07:12.345Z"
UNDEFINED = object()


# --------------------------------------------------------------------------
# Engines
# --------------------------------------------------------------------------


def _nulls(data):
    if data is None:
        return Utils.NULL_VALUE
    if isinstance(data, dict):
        return {k: _nulls(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_nulls(v) for v in data]
    return data


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _strict_parse(text=None):
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError("$parse takes a string")
    return _nulls(json.loads(text, parse_constant=_reject_constant))


@lru_cache(maxsize=None)
def _compiled(expression: str) -> jsonata.Jsonata:
    compiled = jsonata.Jsonata(expression)
    compiled.set_output_convert_nulls(False)
    compiled.register_lambda("parse", _strict_parse)
    return compiled


def evaluate(expression: str, state_input=None, raw_message=UNDEFINED, start=START):
    """Evaluate with jsonata-python directly; UNDEFINED for undefined."""
    bindings = {
        "states": _nulls(
            {"input": state_input, "context": {"Execution": {"StartTime": start}}}
        )
    }
    if raw_message is not UNDEFINED:
        bindings["raw_message"] = _nulls(raw_message)
    result = _compiled(expression).evaluate(None, bindings)
    return UNDEFINED if result is None else Utils.convert_nulls(result)


def definition(specs: list[ParamSpec]) -> dict:
    names = [spec.name for spec in specs]
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "NormalizeIncomingMessage",
        "States": {
            "NormalizeIncomingMessage": {
                "Type": "Pass",
                "Assign": {"raw_message": "{% " + raw_message_text() + " %}"},
                "Output": "{% " + normalized_output_text() + " %}",
                "Next": "ResolvePipelineRuntimeParams",
            },
            "ResolvePipelineRuntimeParams": {
                "Type": "Pass",
                "Assign": {spec.name: "{% " + resolve_text(spec) + " %}" for spec in specs},
                "Output": "{% " + resolved_output_text() + " %}",
                "Next": "Emit",
            },
            "Emit": {
                "Type": "Pass",
                "Output": {
                    "input": "{% $states.input %}",
                    "raw_message": "{% $raw_message %}",
                    "params": {name: "{% $" + name + " %}" for name in names},
                },
                "End": True,
            },
        },
    }


def run_flow(specs: list[ParamSpec], execution_input, start=START) -> dict:
    output = run(definition(specs), execution_input, start_time=start).output
    # The two Pass states hand the input on unchanged.
    assert output.pop("input") == execution_input
    return output


def resolution_input(execution_input, start=START):
    """What ResolvePipelineRuntimeParams receives: NormalizeIncomingMessage's Output."""
    return evaluate(normalized_output_text(), execution_input, start=start)


def resolve_one(spec: ParamSpec, execution_input, raw, start=START):
    """One parameter, with jsonata-python, from the execution input and the raw message."""
    return evaluate(resolve_text(spec), resolution_input(execution_input, start), raw, start)


def resolve_direct(specs: list[ParamSpec], execution_input, start=START) -> dict:
    """The same two steps with jsonata-python directly."""
    raw = evaluate(raw_message_text(), execution_input, start=start)
    assert isinstance(raw, str)
    return {
        "raw_message": raw,
        "params": {
            spec.name: resolve_one(spec, execution_input, raw, start)
            for spec in specs
        },
    }


def resolve_both(specs: list[ParamSpec], execution_input, start=START) -> dict:
    """Resolve with both engines, require them to agree, return the result."""
    direct = resolve_direct(specs, execution_input, start)
    flowed = run_flow(specs, execution_input, start)
    assert direct == flowed
    for value in direct["params"].values():
        assert value is not UNDEFINED
    return direct["params"]


# --------------------------------------------------------------------------
# Specs used across tests
# --------------------------------------------------------------------------

PROJECT = ParamSpec("project_name", default_text="'ndr-project'")
VERSION = ParamSpec("feature_spec_version", default_text="'v1'")
MINI_BATCH = ParamSpec("mini_batch_id", required=True)
PREV_MINI_BATCH = ParamSpec("prev_mini_batch_id")
STEP = ParamSpec("step_minutes", "number", default_text="15")
TARGETS = ParamSpec("targets", "list", default_text="['redshift','iceberg']")
SPECS = [PROJECT, VERSION, MINI_BATCH, STEP, TARGETS]

GIVEN = {
    "project_name": "proj-a",
    "mini_batch_id": "mb-42",
    "step_minutes": 30,
    "targets": ["redshift", "iceberg"],
}
EXPECTED = {
    "project_name": "proj-a",
    "feature_spec_version": "v1",
    "mini_batch_id": "mb-42",
    "step_minutes": 30,
    "targets": ["redshift", "iceberg"],
}
KV = "project_name=proj-a;mini_batch_id=mb-42;step_minutes=30;targets=redshift,iceberg"
JSON_TEXT = json.dumps(GIVEN)


# --------------------------------------------------------------------------
# Shape of the generated text
# --------------------------------------------------------------------------


def all_expressions() -> list[str]:
    specs = [
        *SPECS,
        PREV_MINI_BATCH,
        ParamSpec("reference_month_iso", default_text=previous_month_start_text()),
        ParamSpec("weird-name.x*", "list"),
    ]
    return [
        raw_message_text(),
        json_object_fields_text(),
        start_time_text(),
        now_iso_text(),
        epoch_seconds_after_start_text(86400),
        previous_month_start_text(),
        previous_month_end_text(),
        *[resolve_text(spec) for spec in specs],
    ]


@pytest.mark.parametrize("expression", all_expressions())
def test_expression_is_one_line_without_delimiters_and_compiles(expression):
    assert isinstance(expression, str)
    assert expression.splitlines() == [expression]
    assert "{%" not in expression and "%}" not in expression
    jsonata.Jsonata(expression)  # parses


def test_signatures_and_defaults():
    spec = ParamSpec("x")
    assert (spec.kind, spec.required, spec.default_text) == ("string", False, None)
    with pytest.raises(Exception):
        spec.name = "y"  # frozen
    assert start_time_text() == "$states.context.Execution.StartTime"


# --------------------------------------------------------------------------
# raw_message
# --------------------------------------------------------------------------

RAW_CASES = [
    ("k=v;a=b", "k=v;a=b"),
    ("", ""),
    ({"message_body": "a=1"}, "a=1"),
    ({"message_body": {"a": 1, "b": [1, 2]}}, '{"a":1,"b":[1,2]}'),
    ({"Records": [{"body": "first=1"}, {"body": "second=2"}]}, "first=1"),
    ({"Records": [{"body": '{"a":1}'}]}, '{"a":1}'),
    ({"Records": [{"Sns": {"Message": "sns=1"}}, {"Sns": {"Message": "x"}}]}, "sns=1"),
    ({"message_body": "mb", "Records": [{"body": "b"}]}, "mb"),
    ({"message_body": 5, "Records": [{"body": "b"}]}, "b"),
    ({"Records": []}, ""),
    ({"Records": [{}]}, ""),
    ({"project_name": "x"}, ""),
    ({}, ""),
    (None, ""),
    (7, ""),
    ([{"message_body": "x"}], ""),
]


@pytest.mark.parametrize(("execution_input", "expected"), RAW_CASES)
def test_raw_message(execution_input, expected):
    assert evaluate(raw_message_text(), execution_input) == expected
    assert run_flow([], execution_input)["raw_message"] == expected


# --------------------------------------------------------------------------
# JSON object detection
# --------------------------------------------------------------------------

NOT_JSON_OBJECTS = [
    "{abc}",
    '{"a":1',
    "not json",
    "[1,2]",
    '"str"',
    '{"a": tru}',
    '{"a":01}',
    '{"a":1,}',
    '{"a":1}{}',
    '{"a":1} x',
    "{'a': 1}",
    '{"a": NaN}',
    '{"a": Infinity}',
    '{"a": -}',
    '{"a": 1.}',
    '{"a": "\\x"}',
    '{"a": "tab\tinside"}',
    '{"a" 1}',
    '{1: 2}',
    '{"a": [1, 2}',
    '{"a": {"b": 1]}',
    "{",
    "}",
    "",
    "   ",
    "12",
    "null",
    "mini_batch_id=1;x={}",
    "{mini_batch_id=1}",
]
JSON_OBJECTS = [
    "{}",
    ' \n{ "a" : 1 }\t',
    '{"a": [1, {"b": null}, [], {}], "c": "x\\"y\\\\z\\u00e9", "d": -1.5e+3}',
    '{"a": true, "b": false, "c": null, "a": 2}',
    '{"\u00e9\U0001f600": "\u00fc"}',
]


@pytest.mark.parametrize("text", NOT_JSON_OBJECTS)
def test_not_a_json_object_gives_empty_object_without_error(text):
    assert evaluate(json_object_fields_text(), raw_message=text) == {}
    # ... and resolving through it falls back without error, in Step Functions too.
    params = resolve_both([MINI_BATCH, STEP], text)
    if "mini_batch_id=1" in text and not text.startswith("{"):
        assert params["mini_batch_id"] == "1"
    assert params["step_minutes"] == 15


@pytest.mark.parametrize("text", JSON_OBJECTS)
def test_json_object_is_parsed(text):
    assert evaluate(json_object_fields_text(), raw_message=text) == json.loads(text)


def test_json_object_fields_text_takes_another_operand():
    expression = json_object_fields_text("$states.input.t")
    assert evaluate(expression, {"t": '{"a": 1}'}) == {"a": 1}
    assert evaluate(expression, {"t": "{a}"}) == {}
    assert evaluate(expression, {}) == {}


# --------------------------------------------------------------------------
# Resolution from each source
# --------------------------------------------------------------------------

SOURCES = {
    "direct fields": GIVEN,
    "k=v string input": KV,
    "json string input": JSON_TEXT,
    "sqs k=v": {"Records": [{"body": KV, "messageId": "1"}]},
    "sqs json": {"Records": [{"body": JSON_TEXT}]},
    "sns k=v": {"Records": [{"Sns": {"Message": KV}}]},
    "sns json": {"Records": [{"Sns": {"Message": JSON_TEXT}}]},
    "message_body k=v": {"message_body": KV},
    "message_body json text": {"message_body": JSON_TEXT},
    "message_body object": {"message_body": GIVEN},
    "json with list as text": json.dumps({**GIVEN, "targets": "redshift, iceberg"}),
    "json with number as text": json.dumps({**GIVEN, "step_minutes": "30"}),
    "k=v with spaces": " project_name = proj-a ;  mini_batch_id=mb-42 ;step_minutes= 30;"
    "targets= redshift , iceberg ,",
}


@pytest.mark.parametrize("source", SOURCES)
def test_same_parameters_from_every_source(source):
    assert resolve_both(SPECS, SOURCES[source]) == EXPECTED


def test_direct_field_wins_over_message():
    execution_input = {"mini_batch_id": "direct", "message_body": "mini_batch_id=kv"}
    assert resolve_both([MINI_BATCH], execution_input) == {"mini_batch_id": "direct"}


def test_json_field_wins_and_kv_inside_json_is_not_read():
    text = json.dumps({"mini_batch_id": "json", "note": "a;step_minutes=5"})
    assert resolve_both([MINI_BATCH, STEP], text) == {
        "mini_batch_id": "json",
        "step_minutes": 15,
    }


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("prev_mini_batch_id=1;mini_batch_id=2", {"mini_batch_id": "2", "prev_mini_batch_id": "1"}),
        ("mini_batch_id=2;prev_mini_batch_id=1", {"mini_batch_id": "2", "prev_mini_batch_id": "1"}),
        ("prev_mini_batch_id=1", {"mini_batch_id": None, "prev_mini_batch_id": "1"}),
        ("xmini_batch_id=1", {"mini_batch_id": None, "prev_mini_batch_id": None}),
        ("a=b mini_batch_id=1", {"mini_batch_id": None, "prev_mini_batch_id": None}),
        ("mini_batch_id=1", {"mini_batch_id": "1", "prev_mini_batch_id": None}),
        ("  mini_batch_id=1", {"mini_batch_id": "1", "prev_mini_batch_id": None}),
        ("a=b; mini_batch_id = 3 ;c=d", {"mini_batch_id": "3", "prev_mini_batch_id": None}),
        ("a=b;mini_batch_id=x=y;c=d", {"mini_batch_id": "x=y", "prev_mini_batch_id": None}),
        ("mini_batch_id=first;mini_batch_id=second", {"mini_batch_id": "first", "prev_mini_batch_id": None}),
        ("mini_batchXid=1", {"mini_batch_id": None, "prev_mini_batch_id": None}),
    ],
)
def test_key_matches_only_at_start_or_after_semicolon(message, expected):
    assert resolve_both([MINI_BATCH, PREV_MINI_BATCH], message) == expected


def test_regex_metacharacters_in_name_are_literal():
    # Not a valid variable name in Step Functions, so evaluated directly only.
    spec = ParamSpec("a.b*")
    assert resolve_one(spec, "axb=1;a.b*=2", "axb=1;a.b*=2") == "2"
    assert resolve_one(spec, "aab=1;ab=3", "aab=1;ab=3") is None
    assert resolve_one(spec, {"a.b*": "d"}, "") == "d"
    assert resolve_one(spec, '{"a.b*": "j"}', '{"a.b*": "j"}') == "j"
    quoted = ParamSpec('q"\\\u00e9')
    assert resolve_one(quoted, 'q"\\\u00e9=5', 'q"\\\u00e9=5') == "5"
    assert resolve_one(quoted, {quoted.name: "d"}, "") == "d"


@pytest.mark.parametrize(
    ("execution_input", "mini_batch_id"),
    [
        ({"mini_batch_id": "", "message_body": "mini_batch_id=kv"}, "kv"),
        ({"mini_batch_id": None, "message_body": "mini_batch_id=kv"}, "kv"),
        ({"mini_batch_id": [], "message_body": "mini_batch_id=kv"}, "kv"),
        ({"message_body": '{"mini_batch_id": ""}'}, None),
        ({"message_body": '{"mini_batch_id": null}'}, None),
        ({"message_body": '{"mini_batch_id": []}'}, None),
        ("mini_batch_id=;project_name=;step_minutes=;targets=", None),
        ("mini_batch_id=   ;project_name= ;step_minutes= ;targets= , ,", None),
        ({"project_name": "", "step_minutes": None, "targets": []}, None),
    ],
)
def test_empty_values_fall_through(execution_input, mini_batch_id):
    params = resolve_both([MINI_BATCH, PROJECT, STEP, TARGETS], execution_input)
    assert params == {
        "mini_batch_id": mini_batch_id,
        "project_name": "ndr-project",
        "step_minutes": 15,
        "targets": ["redshift", "iceberg"],
    }


def test_empty_direct_field_falls_through_to_json_field():
    execution_input = {"mini_batch_id": "", "message_body": '{"mini_batch_id": "j"}'}
    assert resolve_both([MINI_BATCH], execution_input) == {"mini_batch_id": "j"}


# --------------------------------------------------------------------------
# Coercion
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("30", 30),
        ("-1.5", -1.5),
        ("0", 0),
        ("007", 7),
        ("abc", "abc"),
        ("1e5", "1e5"),
        ("1.", "1."),
        ("-", "-"),
        ("0x10", "0x10"),
        ("3 4", "3 4"),
    ],
)
def test_number_coercion_from_kv(value, expected):
    params = resolve_both([STEP], f"step_minutes={value}")
    assert params["step_minutes"] == expected
    assert type(params["step_minutes"]) is not bool
    assert isinstance(params["step_minutes"], str) == isinstance(expected, str)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("30", 30), (30, 30), (2.5, 2.5), ("x", "x"), (True, True), ({"a": 1}, {"a": 1})],
)
def test_number_coercion_from_fields(given, expected):
    assert resolve_both([STEP], {"step_minutes": given}) == {"step_minutes": expected}
    text = json.dumps({"step_minutes": given})
    assert resolve_both([STEP], text) == {"step_minutes": expected}


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("targets=redshift,iceberg", ["redshift", "iceberg"]),
        ("targets= redshift , ,iceberg ,", ["redshift", "iceberg"]),
        ("targets=solo", ["solo"]),
        ({"targets": "a,b"}, ["a", "b"]),
        ({"targets": "single"}, ["single"]),
        ({"targets": ["x"]}, ["x"]),
        ({"targets": ["x", "y"]}, ["x", "y"]),
        ('{"targets": ["j"]}', ["j"]),
        ('{"targets": "j,k"}', ["j", "k"]),
        ({"targets": 5}, 5),
        ("targets=,", ["redshift", "iceberg"]),
    ],
)
def test_list_coercion(given, expected):
    assert resolve_both([TARGETS], given) == {"targets": expected}


def test_string_kind_is_unchanged():
    assert resolve_both([PROJECT], {"project_name": 5}) == {"project_name": 5}
    assert resolve_both([PROJECT], "project_name=30") == {"project_name": "30"}
    assert resolve_both([PROJECT], "project_name=a,b") == {"project_name": "a,b"}


def test_defaults_are_coerced_too():
    specs = [
        ParamSpec("n", "number", default_text="'42'"),
        ParamSpec("l", "list", default_text="'a, b'"),
    ]
    assert resolve_both(specs, {}) == {"n": 42, "l": ["a", "b"]}


# --------------------------------------------------------------------------
# Required and missing
# --------------------------------------------------------------------------


@pytest.mark.parametrize("execution_input", [{}, "", "project_name=x", '{"a": 1}', None])
def test_required_missing_is_null_not_undefined(execution_input):
    specs = [MINI_BATCH, ParamSpec("optional_without_default"), ParamSpec("n", "number")]
    assert resolve_both(specs, execution_input) == {
        "mini_batch_id": None,
        "optional_without_default": None,
        "n": None,
    }


def test_default_that_is_undefined_becomes_null():
    spec = ParamSpec("x", default_text="$states.input.nothing")
    assert resolve_both([spec], {}) == {"x": None}


# --------------------------------------------------------------------------
# Time expressions
# --------------------------------------------------------------------------

TIME_CASES = [
    # start, now, prev month start, prev month end
    ("2025-03-01T00:07:12.345Z", "2025-03-01T00:07:12Z", "2025-02-01T00:00:00Z", "2025-02-28T23:59:59Z"),
    ("2025-01-15T10:20:30.000Z", "2025-01-15T10:20:30Z", "2024-12-01T00:00:00Z", "2024-12-31T23:59:59Z"),
    ("2025-01-01T00:00:00.000Z", "2025-01-01T00:00:00Z", "2024-12-01T00:00:00Z", "2024-12-31T23:59:59Z"),
    ("2024-03-15T00:00:00.000Z", "2024-03-15T00:00:00Z", "2024-02-01T00:00:00Z", "2024-02-29T23:59:59Z"),
    ("2024-12-31T23:59:59.999Z", "2024-12-31T23:59:59Z", "2024-11-01T00:00:00Z", "2024-11-30T23:59:59Z"),
    ("2100-03-01T00:00:00.000Z", "2100-03-01T00:00:00Z", "2100-02-01T00:00:00Z", "2100-02-28T23:59:59Z"),
    ("2000-03-31T12:00:00.000Z", "2000-03-31T12:00:00Z", "2000-02-01T00:00:00Z", "2000-02-29T23:59:59Z"),
    ("2025-08-01T00:00:00.000Z", "2025-08-01T00:00:00Z", "2025-07-01T00:00:00Z", "2025-07-31T23:59:59Z"),
]


@pytest.mark.parametrize(("start", "now", "month_start", "month_end"), TIME_CASES)
def test_time_expressions(start, now, month_start, month_end):
    specs = [
        ParamSpec("execution_ts_iso", default_text=now_iso_text()),
        ParamSpec("reference_month_iso", default_text=previous_month_start_text()),
        ParamSpec("reference_time_iso", default_text=previous_month_end_text()),
        ParamSpec("lock_ttl_epoch", "number", default_text=epoch_seconds_after_start_text(86400)),
        ParamSpec("started", default_text=start_time_text()),
    ]
    from datetime import datetime

    epoch = int(datetime.fromisoformat(start.replace("Z", "+00:00")).timestamp())
    assert resolve_both(specs, {}, start) == {
        "execution_ts_iso": now,
        "reference_month_iso": month_start,
        "reference_time_iso": month_end,
        "lock_ttl_epoch": epoch + 86400,
        "started": start,
    }
    # and a given value still wins over the time default
    given = {"reference_month_iso": "2020-05-01T00:00:00Z"}
    assert resolve_both(specs, given, start)["reference_month_iso"] == "2020-05-01T00:00:00Z"


def test_flows_md_example():
    assert evaluate(previous_month_start_text(), start="2025-03-01T00:07:12.345Z") == "2025-02-01T00:00:00Z"
    assert evaluate(previous_month_end_text(), start="2025-03-01T00:07:12.345Z") == "2025-02-28T23:59:59Z"


def test_epoch_seconds_is_a_number():
    value = evaluate(epoch_seconds_after_start_text(0), start="1970-01-01T00:00:01.999Z")
    assert value == 1 and not isinstance(value, str)
    with pytest.raises(TypeError):
        epoch_seconds_after_start_text("10")  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

KEYS = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
SAFE_TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + "-_.:/@# ", min_size=1, max_size=12
).map(str.strip).filter(lambda s: s != "")
LIST_ITEM = st.text(alphabet=string.ascii_letters + string.digits + "-_.", min_size=1, max_size=8)


@st.composite
def parameter_sets(draw):
    """Specs and the values given for some of them (others take defaults)."""
    keys = draw(st.lists(KEYS, min_size=1, max_size=5, unique=True))
    specs, values = [], {}
    for key in keys:
        kind = draw(st.sampled_from(["string", "number", "list"]))
        default = draw(st.sampled_from([None, "'dflt'", "7", "['d']"]))
        specs.append(ParamSpec(key, kind, default_text=default))
        if draw(st.booleans()):
            if kind == "string":
                # numeric-looking text stays text for string params
                values[key] = draw(SAFE_TEXT)
            elif kind == "number":
                values[key] = draw(
                    st.one_of(
                        st.integers(-10**6, 10**6),
                        st.decimals(-1000, 1000, places=2, allow_nan=False).map(float),
                    )
                )
            else:
                values[key] = draw(st.lists(LIST_ITEM, min_size=1, max_size=4))
    return specs, values


def kv_rendering(values: dict) -> str:
    parts = []
    for key, value in values.items():
        text = ",".join(value) if isinstance(value, list) else str(value)
        parts.append(f"{key}={text}")
    return ";".join(parts)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parameter_sets(), st.sampled_from(["sqs", "sns", "message_body", "plain"]))
def test_property_renderings_resolve_alike(parameter_set, wrapper):
    specs, values = parameter_set

    def wrap(text):
        return {
            "sqs": {"Records": [{"body": text}]},
            "sns": {"Records": [{"Sns": {"Message": text}}]},
            "message_body": {"message_body": text},
            "plain": text,
        }[wrapper]

    direct = resolve_both(specs, dict(values))
    as_kv = resolve_both(specs, wrap(kv_rendering(values)))
    as_json = resolve_both(specs, wrap(json.dumps(values)))
    assert direct == as_kv == as_json
    for spec in specs:
        if spec.name in values:
            assert direct[spec.name] == values[spec.name]


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(),
        st.text(alphabet='{}[]",:0123456789.-+eE truefalsn\\u/\t\n', max_size=40),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=60).map(lambda s: "{" + s + "}"),
    )
)
def test_property_arbitrary_text_never_raises(text):
    try:
        parsed = json.loads(text, parse_constant=_reject_constant)
    except ValueError:
        parsed = None
    expected = parsed if isinstance(parsed, dict) else {}
    assert evaluate(json_object_fields_text(), raw_message=text) == expected
    for spec in (STEP, TARGETS, MINI_BATCH):
        value = resolve_one(spec, text, text)
        assert value is not UNDEFINED


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_property_arbitrary_text_never_raises_in_step_functions(text):
    params = resolve_both([STEP, TARGETS, MINI_BATCH], {"message_body": text})
    assert set(params) == {"step_minutes", "targets", "mini_batch_id"}


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=6), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=6),
    st.booleans(),
    st.sampled_from([None, 1, 2]),
)
def test_property_json_dumps_is_recognised(obj, ascii_only, indent):
    text = json.dumps(obj, ensure_ascii=ascii_only, indent=indent)
    assert evaluate(json_object_fields_text(), raw_message=text) == json.loads(text)
