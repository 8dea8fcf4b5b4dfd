"""No traceback from the simulator, JSONPath and mixed machines included.

Hypothesis takes the corpus's valid definitions (tests/data/corpus/:
JSONata, JSONPath, mixed, Distributed Maps with readers and batchers) and
runs them with random inputs, random Task answers (results and thrown
errors) and random S3 objects; then with random values put in random
places of the definition (paths, intrinsic functions, templates, numbers,
Choice operands...). Whatever the validator lets through, ``run`` must
return an execution (SUCCEEDED or FAILED with an error name) or raise
:class:`SimulationError` with a message: never another exception."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ndr_workflows.asl.walk import iter_states
from ndr_workflows.simulate import S3, Failure, Services, SimulationError, run

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
INDEX = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))
VALID = {name: json.loads((CORPUS / name).read_text(encoding="utf-8")) for name, entry in sorted(INDEX.items()) if not entry["errors"]}

_strings = st.sampled_from(
    ["", "x", "$", "$.a", "$.a[0]", "$.a[*].b", "$..b", "$$.Execution.Id", "$$.Map.Item.Value", "$v", "$.a[?(@.b > 1)]", "$.a.length()",
     "States.MathAdd($.a, 1)", "States.Format('{} {}', $.a, $.b)", "States.ArrayGetItem($.a, 3)", "States.StringToJson($.a)", "States.UUID()",
     "States.Hash($.a, 'MD5')", "States.JsonMerge($.a, $.b, false)", "2025-01-01T00:00:00Z", "{% $states.input %}", "{% $x %}",
     "{% $now('[Y0001]') %}", "{% $states.input.a + 1 %}", "{% $partition($states.input.a, 2) %}", "id,name\n1,a\n", "[1, 2]", "{\"a\": 1}\n{\"a\": 2}\n"]
)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 300), st.floats(allow_nan=False, allow_infinity=False, width=32), _strings)
_json = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["a", "b", "c", "Items", "x.$", "Payload"]), inner, max_size=4)), max_leaves=25)
_answers = st.one_of(_json, st.builds(lambda e: Failure(e, "drawn"), st.sampled_from(["States.TaskFailed", "States.Timeout", "Lambda.ServiceException", "Custom.Error"])))


def _services(definition: dict[str, Any], data: st.DataObject) -> Services:
    """Handlers for every Task and ItemReader of the definition, answering
    what hypothesis draws on each call; S3 objects the readers may find."""

    def answer(call: Any) -> Any:
        drawn = data.draw(_answers, label=f"answer of {call.state}")
        if isinstance(drawn, Failure):
            raise drawn
        return drawn

    resources = {state.get("Resource") for _, _, state, _ in iter_states(definition) if isinstance(state.get("Resource"), str)}
    resources |= {"arn:aws:states:::s3:getObject", "arn:aws:states:::s3:listObjectsV2"}
    objects = data.draw(st.dictionaries(st.sampled_from(["data/records.jsonl", "in/rows.csv", "in/incoming/a"]), _strings, max_size=3), label="s3")
    return Services(handlers={resource: answer for resource in resources}, s3=S3(objects))


def _run(definition: Any, state_input: Any, services: Services) -> None:
    try:
        execution = run(definition, state_input, services=services, max_steps=500)
    except SimulationError as exc:
        assert str(exc)
        return
    assert execution.status in ("SUCCEEDED", "FAILED")
    if execution.status == "FAILED":
        assert execution.error is None or isinstance(execution.error, str)
    execution.text()
    execution.to_dict()


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(sorted(VALID)), _json, st.data())
def test_valid_definitions_with_random_inputs_and_answers_never_raise(name: str, state_input: Any, data: st.DataObject) -> None:
    definition = VALID[name]
    _run(definition, state_input, _services(definition, data))


def _slots(value: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        out.append((value, key))
        _slots(inner, out)
    return out


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(sorted(VALID)), st.lists(st.tuples(st.integers(0, 10_000), _json), min_size=1, max_size=2), _json, st.data())
def test_valid_definitions_with_random_values_in_random_places_never_raise(name: str, changes: list[tuple[int, Any]], state_input: Any, data: st.DataObject) -> None:
    definition = copy.deepcopy(VALID[name])
    for where, value in changes:
        slots = _slots(definition, [])
        container, key = slots[where % len(slots)]
        container[key] = value
    _run(definition, state_input, _services(definition, data))
