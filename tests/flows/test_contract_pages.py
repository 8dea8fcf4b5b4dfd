"""The flow pages' tables and ``scripts/refresh``: the table format reads
back what it writes for every state of every flow, the page check fails on
each kind of disagreement, a refresh keeps what people wrote, and the
scenario refresh touches only what the code decides."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
from contract_support import (
    ROOT,
    all_states,
    built,
    check_page,
    facts,
    page,
    tables,
)

from ndr_workflows.flows import FLOW_NAMES

sys.path.insert(0, str(ROOT / "scripts"))
import refresh_scenarios  # noqa: E402 - scripts/ is not a package

F15 = "sfn_ndr_15m_features_inference"


@pytest.mark.parametrize("polling", [False, True])
@pytest.mark.parametrize("name", FLOW_NAMES)
def test_the_cells_read_back_what_they_say(name: str, polling: bool) -> None:
    for path, state in all_states(built(name, polling=polling)):
        said = {**tables.parse_call(tables.call_cell(state)), **tables.parse_then(tables.then_cell(state))}
        assert said == facts(state), path


def _broken(change) -> dict:
    doc = built(F15)
    change(doc["States"])
    return doc


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda s: s["AcquireMiniBatchLock"]["Catch"].pop(0), "row AcquireMiniBatchLock says"),
        (lambda s: s["AcquireMiniBatchLock"]["Catch"].reverse(), "row AcquireMiniBatchLock says"),
        (lambda s: s["ValidateRuntimeParams"].update(Default="Success"), "row ValidateRuntimeParams says"),
        (lambda s: s["Start15mFeaturesPipeline"].update(Next="StartInferencePipeline"), "row Start15mFeaturesPipeline says"),
        (lambda s: s["Start15mFeaturesPipeline"].update(Resource="arn:aws:states:::lambda:invoke"), "row Start15mFeaturesPipeline says"),
        (lambda s: s["Start15mFeaturesPipeline"]["Arguments"].update(PipelineName="${PipelineNameInference}"), "row Start15mFeaturesPipeline says"),
        (lambda s: s["WorkflowFailed"].update(Error="Other"), "row WorkflowFailed says"),
        (lambda s: s.pop("Success"), "rows without a state ['Success']"),
        (lambda s: s.update(Extra={"Type": "Succeed"}), "states without a row ['Extra']"),
        # Every state but Success taken out and put back: Success comes first.
        (lambda s: s.update({k: s.pop(k) for k in list(s) if k != "Success"}), "not in the definition's order"),
    ],
)
def test_the_page_check_sees_every_kind_of_disagreement(change, message: str) -> None:
    with pytest.raises(AssertionError) as failed:
        check_page(F15, _broken(change))
    assert message in str(failed.value)


def test_a_choice_rule_order_is_part_of_the_row() -> None:
    doc = built(F15)
    rules = doc["States"]["ValidateRuntimeParams"]["Choices"]
    rules.append({**rules[0], "Next": "Success"})
    with pytest.raises(AssertionError, match="row ValidateRuntimeParams says"):
        check_page(F15, doc)


@pytest.mark.parametrize(
    "cell, reader",
    [
        ("Task `x` `y` `z`", tables.parse_call),
        ("Pass `x`", tables.parse_call),
        ("`A`; rule 2 → `B`", tables.parse_then),
        ("`A`; on States.ALL → `B`", tables.parse_then),
        ("goes to A", tables.parse_then),
    ],
)
def test_a_cell_outside_the_grammar_is_named(cell: str, reader) -> None:
    with pytest.raises(tables.CellError, match="cannot read|is not|must be numbered|only a"):
        reader(cell)


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_refreshing_an_up_to_date_page_changes_nothing(name: str) -> None:
    text = (ROOT / "docs" / "flows" / f"{name}.md").read_text(encoding="utf-8")
    refreshed, changes = tables.refresh_page(text, built(name))
    assert refreshed == text and not changes


def test_a_refresh_rewrites_what_the_code_decides_and_keeps_what_people_wrote() -> None:
    text = (ROOT / "docs" / "flows" / f"{F15}.md").read_text(encoding="utf-8")
    doc = built(F15)
    states = doc["States"]
    # A new state after the features wait, a removed one, a new parameter.
    states["WaitForFeaturesCompletionEvent"]["Next"] = "Pause"
    renamed = {}
    for key, value in states.items():
        renamed[key] = value
        if key == "WaitForFeaturesCompletionEvent":
            renamed["Pause"] = {"Type": "Wait", "Seconds": 5, "Next": "StartInferencePipeline"}
    renamed.pop("DuplicateMiniBatch")
    doc["States"] = renamed
    doc["States"]["ResolvePipelineRuntimeParams"]["Assign"]["priority"] = "{% 1 %}"
    refreshed, changes = tables.refresh_page(text, doc)
    assert (changes.added, changes.removed, changes.changed) == (["Pause"], ["DuplicateMiniBatch"], ["WaitForFeaturesCompletionEvent"])
    assert (changes.params_added, changes.params_removed) == (["`priority`"], [])
    lines = refreshed.split("\n")
    rows = {cells[0]: cells for cells in tables.find_table(lines, tables.STATE_HEADER).rows}
    old_rows = {cells[0]: cells for cells in tables.find_table(text.split("\n"), tables.STATE_HEADER).rows}
    assert rows["Pause"] == ["Pause", "Wait", "`StartInferencePipeline`", tables.NEW_STATE_NOTE]
    assert rows["WaitForFeaturesCompletionEvent"][2].startswith("`Pause`")
    for name, cells in old_rows.items():
        if name in rows:
            assert rows[name][3] == cells[3], f"the notes of {name} changed"
    assert "DuplicateMiniBatch" not in rows
    # Everything outside the tables is untouched.
    outside = [line for line in text.split("\n") if not line.startswith("|")]
    assert [line for line in lines if not line.startswith("|")] == outside
    params = tables.find_table(lines, tables.PARAM_HEADER).rows
    assert params[-1] == ["`priority`", tables.NEW_PARAM_NOTE]
    assert params[:-1] == tables.find_table(text.split("\n"), tables.PARAM_HEADER).rows


def test_a_page_for_a_new_flow_has_both_tables_and_asks_for_the_prose() -> None:
    text = tables.new_page("sfn_new", built(F15), "ndr_workflows/flows/new.py")
    assert "say what this flow is for" in text
    assert "Code: [`ndr_workflows/flows/new.py`](../../ndr_workflows/flows/new.py)." in text
    assert "Export: [`sfn_new.json`](../step_functions_jsonata/sfn_new.json)" in text
    assert f"Execution timeout: {built(F15)['TimeoutSeconds'] // 3600} hours." in text
    assert tables.refresh_page(text, built(F15))[0] == text
    assert [cells[0] for cells in tables.find_table(text.split("\n"), tables.STATE_HEADER).rows] == [p for p, _ in all_states(built(F15))]


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_every_page_states_the_execution_timeout_of_the_code(name: str) -> None:
    said = f"Execution timeout: {tables.duration(built(name).get('TimeoutSeconds'))}"
    text = (ROOT / "docs" / "flows" / f"{name}.md").read_text(encoding="utf-8")
    assert said in text, f"docs/flows/{name}.md: the page should say '{said}' (build()'s timeout_seconds)"


def test_every_page_is_read_with_a_row_per_state() -> None:
    for name in FLOW_NAMES:
        assert list(page(name).rows) == [p for p, _ in all_states(built(name))]


# ---------------------------------------------------------------------------
# scripts/refresh on the scenarios, and as a command.
# ---------------------------------------------------------------------------


def _mocks() -> dict:
    return json.loads((ROOT / "tests" / "scenarios" / F15 / "mocks.json").read_text(encoding="utf-8"))


def test_a_new_task_state_is_mocked_with_a_success_like_its_siblings_and_nothing_else_moves() -> None:
    doc = built(F15)
    doc["States"]["WaitForFeaturesCompletionEvent"]["Next"] = "EmitSomethingNewEvent"
    doc["States"]["EmitSomethingNewEvent"] = {**copy.deepcopy(doc["States"]["EmitInferenceCompleteEvent"]), "Next": "StartInferencePipeline"}
    before = _mocks()
    after = copy.deepcopy(before)
    changes = refresh_scenarios.ScenarioChanges()
    refresh_scenarios.refresh_mocks(after, F15, doc, changes)
    cases_before, cases_after = before["StateMachines"][F15]["TestCases"], after["StateMachines"][F15]["TestCases"]
    assert changes.mocked == {"EmitSomethingNewEvent": len(cases_before)} and changes.unmocked == []
    for case, mapping in cases_before.items():
        assert cases_after[case] == {**mapping, "EmitSomethingNewEvent": "EmitSomethingNewEventSucceeds"}
    (entry,) = after["MockedResponses"]["EmitSomethingNewEventSucceeds"].values()
    happy = before["MockedResponses"][cases_before["HappyPath"]["EmitInferenceCompleteEvent"]]["0"]
    assert entry == happy
    assert {k: v for k, v in after["MockedResponses"].items() if k != "EmitSomethingNewEventSucceeds"} == before["MockedResponses"]


def test_mocks_of_a_removed_state_are_dropped_with_their_unused_responses() -> None:
    doc = built(F15)
    del doc["States"]["EmitInferenceCompleteEvent"]
    doc["States"]["WaitForInferenceCompletionEvent"]["Next"] = "ReleaseMiniBatchLockOnSuccess"
    mocks = _mocks()
    only_for_the_event = {
        name
        for name in mocks["MockedResponses"]
        if all(state == "EmitInferenceCompleteEvent" for case in mocks["StateMachines"][F15]["TestCases"].values() for state, n in case.items() if n == name)
    }
    changes = refresh_scenarios.ScenarioChanges()
    refresh_scenarios.refresh_mocks(mocks, F15, doc, changes)
    assert changes.unmocked == ["EmitInferenceCompleteEvent"]
    assert not any("EmitInferenceCompleteEvent" in case for case in mocks["StateMachines"][F15]["TestCases"].values())
    assert only_for_the_event and not only_for_the_event & set(mocks["MockedResponses"])


def test_a_record_keeps_its_hand_written_keys_in_place() -> None:
    old = {"description": "d", "input": "inputs/x.json", "status": "FAILED", "error": "E", "states": ["A"], "note": "kept"}
    new = refresh_scenarios._recorded(old, {"status": "SUCCEEDED", "states": ["A", "B"]})
    assert list(new.items()) == [("description", "d"), ("input", "inputs/x.json"), ("status", "SUCCEEDED"), ("states", ["A", "B"]), ("note", "kept")]


def test_refresh_check_on_this_checkout_finds_nothing_to_refresh() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "refresh.py"), "--check"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("nothing to refresh")
