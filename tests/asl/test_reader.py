"""One reader behind every part that takes a definition: a flow, a dict,
JSON text or a file give the same definition, and a flow NAME is resolved
by the programs (which know the flows), the same way everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from ndr_workflows import Pass, StateMachine
from ndr_workflows.asl.reader import UnusableInput, dumps, read_definition
from ndr_workflows.cli.definitions import resolve
from ndr_workflows.flows import build_flow

NAME = "sfn_ndr_training_orchestrator"


def test_every_form_of_a_flow_reads_the_same(tmp_path: Path) -> None:
    flow = build_flow(NAME)
    expected = flow.to_dict()
    path = tmp_path / f"{NAME}.json"
    path.write_text(flow.to_json(), encoding="utf-8")
    forms: list[object] = [flow, expected, flow.to_json(), flow.to_json().encode(), path, str(path)]
    assert [read_definition(form).data for form in forms] == [expected] * len(forms)
    assert [read_definition(form).name for form in forms] == [NAME, "", "", "", NAME, NAME]
    assert [read_definition(form).built for form in forms] == [True] + [False] * 5
    assert [resolve(form).data for form in [*forms, NAME]] == [expected] * (len(forms) + 1)
    assert resolve(NAME).name == NAME and resolve(NAME).built


def test_a_name_that_is_no_flow_nor_file_says_what_it_could_have_been() -> None:
    with pytest.raises(UnusableInput, match="'sfn_ndr_no_such_flow' is neither a flow NAME nor an existing definition file; the flows are: sfn_ndr_15m_features_inference, "):
        resolve("sfn_ndr_no_such_flow")
    with pytest.raises(UnusableInput, match="did you mean 'sfn_ndr_training_orchestrator'?"):
        resolve("sfn_ndr_training_orchestrato")
    with pytest.raises(UnusableInput, match="neither JSON text nor an existing file"):
        read_definition("sfn_ndr_training_orchestrator")  # the bottom layer knows no flows
    with pytest.raises(UnusableInput, match="not JSON"):
        read_definition("{not json")
    with pytest.raises(UnusableInput, match="expected a definition .* not object"):
        read_definition(object())


def test_a_broken_flow_reads_as_rendered_with_its_problems() -> None:
    broken = StateMachine(Pass("First", next="Nowhere"), name="broken")
    read = read_definition(broken)
    assert read.data["States"]["First"]["Next"] == "Nowhere"
    assert [(p.path, p.code, p.field) for p in read.findings] == [("First", "UNKNOWN_TARGET", "Next")]


def test_the_one_writer_is_the_export_s_text() -> None:
    flow = build_flow(NAME)
    assert dumps(flow.to_dict()) == flow.to_json()
    assert dumps({"a": "Zürich ✓", "b": [], "c": {}, "d": 1.5}) == '{\n  "a": "Zürich ✓",\n  "b": [],\n  "c": {},\n  "d": 1.5\n}\n'
    with pytest.raises(ValueError):
        dumps({"a": float("nan")})
