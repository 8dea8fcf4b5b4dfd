"""One finding per mistake, on a hand-written (raw) definition: a flow's
export with one, two or three mistakes made at once -- each reported exactly
once, naming its state and field, and nothing else reported (no knock-on
of another mistake: a state a misspelt target cut off, the field a
misspelt key left missing, ...).

The same for flows built with the builders: tests/model/test_root_causes_built.py.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ndr_workflows.validate import validate

EXPORTS = Path(__file__).resolve().parents[2] / "docs" / "step_functions_jsonata"
FEATURES = json.loads((EXPORTS / "sfn_ndr_15m_features_inference.json").read_text(encoding="utf-8"))
BACKFILL = json.loads((EXPORTS / "sfn_ndr_backfill_reprocessing.json").read_text(encoding="utf-8"))

Mistake = Callable[[dict[str, Any]], None]


def replace_in(value: str, old: str, new: str) -> str:
    assert value.count(old) >= 1, f"{old!r} is no longer in {value[:120]!r}: update this test"
    return value.replace(old, new, 1)


def target_typo(d: dict[str, Any]) -> None:
    # The state it meant (and the two after it) are reached from nowhere else.
    d["States"]["WaitForInferenceCompletionEvent"]["Next"] = "EmitInferenceCompleteEvnt"


def unknown_function(d: dict[str, Any]) -> None:
    args = d["States"]["Start15mFeaturesPipeline"]["Arguments"]
    args["ClientRequestToken"] = replace_in(args["ClientRequestToken"], "$hash(", "$sha256(")


def misspelt_variable(d: dict[str, Any]) -> None:
    entry = d["States"]["EmitInferenceCompleteEvent"]["Arguments"]["Entries"][0]
    entry["Detail"] = replace_in(entry["Detail"], "$mini_batch_id,", "$mini_batch_idd,")


def broken_expression(d: dict[str, Any]) -> None:
    state = d["States"]["DuplicateMiniBatch"]
    state["Cause"] = replace_in(state["Cause"], " %}", " & ( %}")


def argument_type(d: dict[str, Any]) -> None:
    d["States"]["StartInferencePipeline"]["Arguments"]["PipelineName"] = 15


def misspelt_retry_field(d: dict[str, Any]) -> None:
    retry = d["States"]["WaitForFeaturesCompletionEvent"]["Retry"][0]
    retry["maxAttempts"] = retry.pop("MaxAttempts")


def misspelt_catch_next(d: dict[str, Any]) -> None:
    catch = d["States"]["ReleaseMiniBatchLockOnFailure"]["Catch"][0]
    catch["next"] = catch.pop("Next")


def state_type_typo(d: dict[str, Any]) -> None:
    d["States"]["InvalidRuntimeParams"]["Type"] = "Fial"


def error_name_spelling(d: dict[str, Any]) -> None:
    errors = d["States"]["StartInferencePipeline"]["Retry"][0]["ErrorEquals"]
    errors[errors.index("SageMaker.ResourceLimitExceededException")] = "Sagemaker.ResourceLimitExceededException"


def misspelt_resource(d: dict[str, Any]) -> None:
    # not also "a Task needs a Resource", nor anything about the call it no longer names
    state = d["States"]["ReleaseMiniBatchLockOnSuccess"]
    state["resource"] = state.pop("Resource")


# name -> (mistake, (state, code, field) it must be reported as, once)
MISTAKES: dict[str, tuple[Mistake, tuple[str, str, str]]] = {
    "target typo": (target_typo, ("WaitForInferenceCompletionEvent", "UNKNOWN_TARGET", "Next")),
    "unknown function": (unknown_function, ("Start15mFeaturesPipeline", "UNKNOWN_FUNCTION", "Arguments.ClientRequestToken")),
    "misspelt variable": (misspelt_variable, ("EmitInferenceCompleteEvent", "UNKNOWN_VARIABLE", "Arguments.Entries[0].Detail")),
    "broken expression": (broken_expression, ("DuplicateMiniBatch", "JSONATA_SYNTAX", "Cause")),
    "argument type": (argument_type, ("StartInferencePipeline", "INTEGRATION_ARGUMENT_TYPE", "Arguments.PipelineName")),
    "misspelt Retry field": (misspelt_retry_field, ("WaitForFeaturesCompletionEvent", "UNKNOWN_FIELD", "Retry[0].maxAttempts")),
    "misspelt Catch Next": (misspelt_catch_next, ("ReleaseMiniBatchLockOnFailure", "UNKNOWN_FIELD", "Catch[0].next")),
    "state type typo": (state_type_typo, ("InvalidRuntimeParams", "UNKNOWN_STATE_TYPE", "Type")),
    "error name spelling": (error_name_spelling, ("StartInferencePipeline", "ERROR_NAME_SERVICE_SPELLING", "Retry[0].ErrorEquals[2]")),
    "misspelt Resource": (misspelt_resource, ("ReleaseMiniBatchLockOnSuccess", "UNKNOWN_FIELD", "resource")),
}


def findings_of(names: tuple[str, ...]) -> list[tuple[str, str, str]]:
    definition = copy.deepcopy(FEATURES)
    for name in names:
        MISTAKES[name][0](definition)
    found = validate(definition)
    for f in found:
        assert f.path, f"{f} names no state"
        assert f.field and f.message.startswith(f.field), f"{f} does not name its field first"
    return [(f.path, f.code, f.field) for f in found]


def test_the_export_itself_has_no_finding() -> None:
    assert validate(FEATURES) == []


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_alone_is_one_finding(name: str) -> None:
    assert findings_of((name,)) == [MISTAKES[name][1]]


@pytest.mark.parametrize("size", [2, 3])
def test_two_and_three_mistakes_at_once_are_each_one_finding(size: int) -> None:
    for names in itertools.combinations(MISTAKES, size):
        found = findings_of(names)
        assert sorted(found) == sorted(MISTAKES[name][1] for name in names), names


def test_the_suggestions_name_what_was_meant() -> None:
    definition = copy.deepcopy(FEATURES)
    for name in ("target typo", "unknown function", "misspelt Retry field", "state type typo", "error name spelling", "misspelt Resource"):
        MISTAKES[name][0](definition)
    hints = {f.code + ":" + f.field: f.hint for f in validate(definition)}
    assert hints == {
        "UNKNOWN_TARGET:Next": "did you mean 'EmitInferenceCompleteEvent'?",
        "UNKNOWN_FUNCTION:Arguments.ClientRequestToken": "did you mean '$hash'?",
        "UNKNOWN_FIELD:Retry[0].maxAttempts": "did you mean 'MaxAttempts'?",
        "UNKNOWN_STATE_TYPE:Type": "did you mean 'Fail'?",
        "ERROR_NAME_SERVICE_SPELLING:Retry[0].ErrorEquals[2]": "did you mean 'SageMaker.ResourceLimitExceededException'?",
        "UNKNOWN_FIELD:resource": "did you mean 'Resource'?",
    }


def test_a_name_used_twice_is_one_finding_at_its_second_use_naming_the_first() -> None:
    """Backfill's Map holds StartBackfillPipeline; a top-level state renamed
    to it (its transitions with it) is the mistake, with two others."""
    definition = copy.deepcopy(BACKFILL)
    states = definition["States"]
    inner = next(name for name, s in states.items() if s["Type"] == "Map")
    nested = next(iter(states[inner]["ItemProcessor"]["States"]))
    renamed = next(name for name, s in states.items() if s["Type"] == "Pass" and name != definition["StartAt"])
    text = json.dumps(definition).replace(f'"{renamed}"', f'"{nested}"')
    definition = json.loads(text)
    states = definition["States"]
    # two more mistakes, elsewhere
    fail = next(name for name, s in states.items() if s["Type"] == "Fail")
    states[fail]["Type"] = "Fial"
    task = next(name for name, s in states.items() if s["Type"] == "Task" and "Retry" in s)
    states[task]["Retry"][0]["maxAttempts"] = states[task]["Retry"][0].pop("MaxAttempts")
    found = validate(definition)
    assert [(f.path, f.code) for f in found if f.code == "DUPLICATE_NAME"] == [(f"{inner}/{nested}", "DUPLICATE_NAME")]
    (duplicate,) = [f for f in found if f.code == "DUPLICATE_NAME"]
    assert duplicate.message == f"state name '{nested}' is used more than once (also at {nested})"
    assert sorted((f.path, f.code) for f in found) == sorted([(f"{inner}/{nested}", "DUPLICATE_NAME"), (fail, "UNKNOWN_STATE_TYPE"), (task, "UNKNOWN_FIELD")])


def test_a_name_a_file_gives_twice_in_one_states_object_cuts_nothing_off() -> None:
    """JSON keeps the last of two states of one name: the states the first
    one led to are not reported unreachable, the duplicate is."""
    text = (
        '{"QueryLanguage": "JSONata", "StartAt": "A", "States": {'
        '"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "C"},'
        '"A": {"Type": "Pass", "Next": "C"}, "C": {"Type": "Succeed"}}}'
    )
    assert [(f.path, f.code) for f in validate(text)] == [("A", "DUPLICATE_NAME")]


def test_a_shared_text_is_reported_once_naming_every_place() -> None:
    """One broken text pasted into three states: one finding, the others named."""
    definition = copy.deepcopy(FEATURES)
    broken = "{% $count( %}"
    for name in ("Start15mFeaturesPipeline", "StartInferencePipeline"):
        definition["States"][name]["Arguments"]["ClientRequestToken"] = broken
    definition["States"]["DuplicateMiniBatch"]["Cause"] = broken
    # in the order of the definition: DuplicateMiniBatch comes first
    assert [str(f) for f in validate(definition)] == [
        "DuplicateMiniBatch: JSONATA_SYNTAX: Cause: Unexpected end of expression (at position 7): $count( "
        "(the same text is also at Start15mFeaturesPipeline: Arguments.ClientRequestToken; StartInferencePipeline: Arguments.ClientRequestToken)"
    ]


# Mutations (tests/support/validate_mutations.py) that make two mistakes at
# once, each a finding of its own (fixing one leaves the other): the first
# is always found, the second where the flow gives it a consequence.
TWO_MISTAKES = {
    # a new Arguments key that is no parameter of the call, holding $states.result where it does not exist
    "result_in_arguments": ("RESULT_NOT_AVAILABLE", "INTEGRATION_UNKNOWN_ARGUMENT"),
    # a new catch-all Catch first: States.ALL not last, and it assigns none of what the failure state reads
    "states_all_not_last": ("STATES_ALL_NOT_LAST", "VARIABLE_MAYBE_UNASSIGNED"),
    # a misspelt States.* name added beside States.ALL: the name, and States.ALL not alone
    "unknown_states_error": ("ERROR_NAME_UNKNOWN_STATES", "STATES_ALL_NOT_ALONE"),
}


def test_every_mutation_of_every_flow_is_one_finding() -> None:
    """What the five flows' exports can produce when one thing is changed:
    each of the 60-odd kinds of defect, on each export, both completion
    forms, is one finding (or the two of TWO_MISTAKES), on the mutated state:
    no knock-on of it anywhere (an unreachable region, a missing field, an
    argument, a token, a variable)."""
    from validate_mutations import MUTATIONS, mutate  # tests/support is on the path

    from ndr_workflows.flows import FLOW_NAMES, build_flow
    from ndr_workflows.steps import Polling

    flows = {name: json.loads((EXPORTS / f"{name}.json").read_text(encoding="utf-8")) for name in FLOW_NAMES}
    flows.update({f"{name} (polling)": build_flow(name, completion=Polling()).to_dict() for name in FLOW_NAMES})
    applied = 0
    for kind in sorted(MUTATIONS):
        for name, definition in flows.items():
            before = {str(f) for f in validate(definition)}
            for seed in (0, 1):
                mutated, path = mutate(definition, kind, seed)
                if path is None:
                    continue
                applied += 1
                found = [f for f in validate(json.dumps(mutated)) if str(f) not in before]
                codes = [f.code for f in found]
                if kind in TWO_MISTAKES:
                    first, second = TWO_MISTAKES[kind]
                    assert codes.count(first) == 1 and set(codes) <= {first, second}, (kind, name, seed, [str(f) for f in found])
                else:
                    assert len(found) == 1, (kind, name, seed, [str(f) for f in found])
    assert applied > 500
