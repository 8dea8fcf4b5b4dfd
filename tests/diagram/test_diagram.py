"""Mermaid diagrams (``ndr_workflows.diagram.mermaid`` and the exported
``<NAME>.md`` files): what GitHub renders for a reader of the docs.

The structure is checked by a small reader of our own output (every state a
node, every transition an edge, Catch edges dashed and labelled, Map and
Parallel as subgraphs), and the text by mermaid's own parser (the npm
package, run by node without a browser: tests/support/mermaid_parse.mjs).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from diagrams import ODD_NAMES, Chart, all_states, definitions, odd_definition, transitions

from ndr_workflows import Fail, Pass, StateMachine
from ndr_workflows.diagram import mermaid
from ndr_workflows.diagram.flowchart import markdown
from ndr_workflows.flows import FLOW_NAMES, build_flow

REPO = Path(__file__).resolve().parents[2]
EXPORTS = REPO / "docs" / "step_functions_jsonata"
PARSER = REPO / "tests" / "support" / "mermaid_parse.mjs"

# ---------------------------------------------------------------------------
# structure
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", list(definitions()))
def test_every_state_is_one_node_and_every_transition_one_edge(key: str) -> None:
    definition = definitions()[key]
    chart = Chart(mermaid(definition))
    shapes = {"Choice": "{", "Succeed": "([", "Fail": "([", "Wait": "{{", "Task": "[", "Pass": "("}
    for name, state in all_states(definition):
        node = chart.id_of(name)
        if state["Type"] in ("Map", "Parallel"):
            assert node in chart.subgraphs and chart.subgraphs[node] == f"{name} ({state['Type']})"
        else:
            assert chart.nodes[node][1] == shapes[state["Type"]], name
    assert len(chart.edges) == len(transitions(definition))
    # node ids: only [A-Za-z0-9_], never a Mermaid keyword
    for node_id in list(chart.nodes) + list(chart.subgraphs):
        assert re.fullmatch(r"[A-Za-z0-9_]+", node_id) and node_id.lower() not in ("end", "graph", "subgraph", "style", "o", "x")


def test_catch_edges_are_dashed_and_labelled_with_their_errors() -> None:
    definition = build_flow("sfn_ndr_15m_features_inference").to_dict()
    chart = Chart(mermaid(definition))
    dashed = {(s, d, label) for s, d, arrow, label in chart.edges if arrow == "-.->"}
    lock, duplicate = chart.id_of("AcquireMiniBatchLock"), chart.id_of("DuplicateMiniBatch")
    assert (lock, duplicate, "DynamoDb.ConditionalCheckFailedException") in dashed
    assert (lock, chart.id_of("WorkflowFailed"), "States.ALL") in dashed
    expected = sum(1 for _, _, kind in transitions(definition) if kind == "catch")
    assert len(dashed) == expected and all(arrow == "-->" for *_, arrow, _ in [(e[0], e[1], e[2], e[3]) for e in chart.edges if e[3] is None])


def test_choice_rules_are_labelled_briefly_and_default_says_otherwise() -> None:
    chart = Chart(mermaid(build_flow("sfn_ndr_training_orchestrator").to_dict()))
    choice = chart.id_of("ApprovalDecision")
    labels = {chart.nodes[d][0]: label for s, d, _, label in chart.edges if s == choice}
    assert labels == {"DeployApprovedModel\nlambda invoke": "$approval_status = 'APPROVED'", "HoldApprovedModel": "otherwise"}
    # the parameter gate's rule says what it means (its Comment), not the start of its JSONata
    backfill = Chart(mermaid(build_flow("sfn_ndr_backfill_reprocessing").to_dict()))
    validate = backfill.id_of("ValidateRuntimeParams")
    rule = [label for s, _, _, label in backfill.edges if s == validate and label != "otherwise"]
    assert rule == ["a parameter check fails"]


def test_a_rule_of_a_gate_failing_each_check_is_labelled_with_the_check_message() -> None:
    from ndr_workflows.steps import Param, Params

    opening = Params(Param("mini_batch_id", required=True), Param("lock_ttl_epoch", 5, type="number")).opening((), gate=True, fail_each=True)
    definition = StateMachine(opening >> Pass("Go")).to_dict()
    chart = Chart(mermaid(definition))
    choice = chart.id_of("ValidateRuntimeParams")
    labels = sorted(label for s, _, _, label in chart.edges if s == choice and label != "otherwise")
    assert labels == ["lock_ttl_epoch must be a number", "missing required parameter mini_batch_id"]


@pytest.mark.parametrize(
    ("condition", "label"),
    [
        ("{% $failed_count = 0 %}", "$failed_count = 0"),
        ("{% $exists($states.input) ? ($event_type != 'BatchCompleted') : false %}", "$event_type != 'BatchCompleted'"),
        ("{% $states.input.kind = 'a' %}", "input.kind = 'a'"),
        # too long: the outer shape stays, the innermost brackets become an ellipsis
        ("{% $exists($states.input) ? $count([($a = null or $a = '') ? 'missing a', ($b = null) ? 'missing b']) > 0 : false %}", "$count([\u2026]) > 0"),
        ("{% $states.input.kind = 'a' and ($states.input.x > 5 or $states.input.y < 3 or $states.input.z = 'hello') %}", "input.kind = 'a' and (\u2026)"),
        # brackets inside string literals do not count
        ("{% $contains($name, ')(') and $count($filter($list, function($v) { $v.size > 10 })) > 3 %}", "$contains(\u2026) and $count(\u2026) > 3"),
    ],
)
def test_raw_jsonata_conditions_are_shortened_readably(condition: str, label: str) -> None:
    from ndr_workflows.diagram.graph import condition_label

    assert condition_label(condition) == label
    assert len(label) <= 40


def test_a_map_iteration_s_successful_end_is_drawn() -> None:
    definition = build_flow("sfn_ndr_backfill_reprocessing").to_dict()
    chart = Chart(mermaid(definition))
    ends = [d for s, d, _, _ in chart.edges if s == chart.id_of("WaitForWindowCompletionEvent") and chart.nodes.get(d, ("", "", ""))[0] == "end"]
    assert len(ends) == 1
    record = chart.id_of("RecordWindowFailure")
    assert (record, ends[0]) in {(s, d) for s, d, _, _ in chart.edges}


def test_terminal_states_are_distinct_and_fail_is_marked() -> None:
    chart = Chart(mermaid(build_flow("sfn_ndr_backfill_reprocessing").to_dict()))
    assert chart.nodes[chart.id_of("WorkflowFailed")] == ("WorkflowFailed\nError: NdrBackfillFailed", "([", "fail")
    assert chart.nodes[chart.id_of("BackfillSucceeded")] == ("BackfillSucceeded", "([", "succeed")
    assert chart.nodes[chart.id_of("ValidateRuntimeParams")][2] == "choice"


def test_map_is_a_subgraph_holding_its_inner_states() -> None:
    chart = Chart(mermaid(build_flow("sfn_ndr_backfill_reprocessing").to_dict()))
    fan = chart.id_of("RunBackfillWindows")
    for inner in ("StartBackfillPipeline", "WaitForWindowCompletionEvent", "RecordWindowFailure"):
        assert chart.parent[chart.id_of(inner)] == fan
    assert chart.parent[chart.id_of("BuildWindowList")] is None
    # transitions into and out of the Map attach to the subgraph itself
    assert (chart.id_of("BuildWindowList"), fan, "-->", None) in chart.edges
    assert (fan, chart.id_of("EmitBackfillReconciliationEvent"), "-->", None) in chart.edges


def test_parallel_branches_are_nested_subgraphs_and_missing_targets_are_marked() -> None:
    definition = {
        "StartAt": "Both",
        "States": {
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": True}}},
                    {"StartAt": "Right", "States": {"Right": {"Type": "Wait", "Seconds": 1, "Next": "Nowhere"}}},
                    # names that a careless id scheme would collide with
                    {"StartAt": "Both__branch1", "States": {"Both__branch1": {"Type": "Pass", "Next": "Both branch2"}, "Both branch2": {"Type": "Pass", "End": True}}},
                ],
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    chart = Chart(mermaid(definition))
    both = chart.id_of("Both")
    left, right = chart.parent[chart.id_of("Left")], chart.parent[chart.id_of("Right")]
    assert left != right and chart.parent[left] == both and chart.parent[right] == both  # type: ignore[index]
    assert {chart.subgraphs[left], chart.subgraphs[right]} == {"branch 1", "branch 2"}  # type: ignore[index]
    third = chart.parent[chart.id_of("Both__branch1")]
    assert chart.subgraphs[third] == "branch 3" and chart.parent[chart.id_of("Both branch2")] == third  # type: ignore[index]
    assert mermaid_parse([mermaid(definition)]) == [None]
    missing = chart.id_of("Nowhere")
    assert chart.nodes[missing][2] == "missing" and chart.parent[missing] == right


def test_odd_names_survive_as_labels_with_safe_unique_ids() -> None:
    definition = odd_definition()
    text = mermaid(definition)
    chart = Chart(text)
    for name in ODD_NAMES:
        chart.id_of(name)  # exactly one node shows the name as it is
    for raw in ('"quoted"', "<b>", "#1;", "style:", "classDef x"):
        assert raw not in text  # written as entities only


def test_state_machine_method_and_path_input_give_the_same_text(tmp_path: Path) -> None:
    flow = build_flow("sfn_ndr_monthly_fg_b_baselines")
    text = mermaid(flow.to_dict())
    assert flow.mermaid() == text == mermaid(flow)
    assert mermaid(EXPORTS / "sfn_ndr_monthly_fg_b_baselines.json") == text
    assert mermaid(flow.to_json()) == text


def test_a_broken_flow_is_still_drawn_with_the_dangling_target_marked() -> None:
    flow = StateMachine(Pass("First", next="Nowhere") >> Fail("Stop", error="X"), name="broken")
    chart = Chart(flow.mermaid())
    assert chart.nodes[chart.id_of("Nowhere")][2] == "missing"


@pytest.mark.parametrize(
    "bad, error, words",
    [
        (42, TypeError, "int"),
        ({"StartAt": "A"}, ValueError, "no 'States'"),
        ("{not json", ValueError, "not JSON"),
        (Path("/nonexistent/flow.json"), ValueError, "/nonexistent/flow.json"),
    ],
)
def test_unusable_input_is_a_clear_error(bad: object, error: type, words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        mermaid(bad)


def test_same_definition_same_text() -> None:
    first = {key: mermaid(d) for key, d in definitions().items()}
    assert first == {key: mermaid(d) for key, d in definitions().items()}


def test_committed_markdown_files_are_what_the_code_draws() -> None:
    for name in FLOW_NAMES:
        text = (EXPORTS / f"{name}.md").read_text(encoding="utf-8")
        assert text == markdown(name, build_flow(name).to_dict()), f"{name}.md is stale: run python -m ndr_workflows.export"
        assert text.startswith(f"# {name}\n") and "```mermaid\nflowchart TD\n" in text and text.endswith("```\n")
        assert f"]({name}.json)" in text


# ---------------------------------------------------------------------------
# mermaid's own parser
# ---------------------------------------------------------------------------


def mermaid_parse(texts: list[str]) -> list[str | None]:
    node = shutil.which("node")
    if node is None or not (REPO / "node_modules" / "mermaid").is_dir():
        pytest.fail("mermaid's parser is needed: install Node.js, then run `npm ci` in the repository root (package.json lists mermaid)")
    result = subprocess.run([node, str(PARSER)], input=json.dumps(texts), capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.judges
def test_mermaid_parses_every_diagram_and_rejects_a_broken_one() -> None:
    texts = {key: mermaid(d) for key, d in definitions().items()}
    texts["committed md"] = "\n".join(
        (EXPORTS / f"{name}.md").read_text(encoding="utf-8").split("```mermaid\n", 1)[1].rsplit("```", 1)[0] for name in FLOW_NAMES[:1]
    )
    broken = mermaid(odd_definition()).replace("#34;", '"', 1)  # an unescaped quote inside a label
    results = mermaid_parse([*texts.values(), broken])
    failures = {key: r for key, r in zip(texts, results[:-1], strict=True) if r is not None}
    assert failures == {}
    assert results[-1] is not None and "Parse error" in results[-1]
