"""The offline SVG picture (``ndr_workflows.diagram.svg``) a notebook shows
inline for a flow: well-formed, complete, readable, deterministic, and
self-contained (no network, no script, no style sheet leaking into the page).
"""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from strategies import build_machine, machine_specs
from diagrams import Chart, all_states, definitions, ending_scopes, odd_definition, transitions

from ndr_workflows import Pass, StateMachine
from ndr_workflows.diagram import mermaid, svg
from ndr_workflows.diagram.graph import read_definition
from ndr_workflows.diagram.layout import Box, Laid, layout
from ndr_workflows.flows import FLOW_NAMES, build_flow
from ndr_workflows.steps import Polling

NS = "{http://www.w3.org/2000/svg}"
DEFINITIONS = definitions()


def parse(text: str) -> ET.Element:
    root = ET.fromstring(text)
    assert root.tag == f"{NS}svg"
    return root


def state_titles(root: ET.Element) -> list[str]:
    return [g.find(f"{NS}title").text or "" for g in root.iter(f"{NS}g") if g.get("class") == "state"]  # type: ignore[union-attr]


@pytest.mark.parametrize("key", list(DEFINITIONS))
def test_every_state_is_drawn_with_its_name_and_every_transition_is_an_arrow(key: str) -> None:
    definition = DEFINITIONS[key]
    root = parse(svg(definition, title=key))
    titles = state_titles(root)
    texts = {t.text for t in root.iter(f"{NS}text")}
    for name, state in all_states(definition):
        shown = f"{name} ({state['Type']})"
        assert sum(1 for t in titles if t == shown or t.endswith("/" + shown)) == 1, name
        assert name in texts or f"{name} ({state['Type']})" in texts, name
    edges = [g for g in root.iter(f"{NS}g") if g.get("class") == "edge"]
    assert len(edges) == len(transitions(definition))
    catches = [g for g in edges if g.get("data-kind") == "catch"]
    assert len(catches) == sum(1 for *_, kind in transitions(definition) if kind == "catch")
    for g in catches:
        assert g[0].get("stroke-dasharray")


def test_the_svg_is_self_contained() -> None:
    text = svg(build_flow("sfn_ndr_backfill_reprocessing"))
    root = parse(text)
    assert not [e for e in root.iter() if e.tag in (f"{NS}script", f"{NS}style", f"{NS}foreignObject", f"{NS}image")]
    assert "http" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for element in root.iter():
        for attribute, value in element.attrib.items():
            assert not attribute.endswith("href"), (element.tag, attribute)
            if "url(" in value:
                assert value.startswith("url(#ndrwf-"), value
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"


def test_odd_names_are_escaped_and_shown_as_they_are() -> None:
    definition = odd_definition()
    definition["States"]["bell\x07 and \ud800"] = {"Type": "Succeed"}
    root = parse(svg(definition, title='<flow> & "title"'))
    texts = [t.text for t in root.iter(f"{NS}text")]
    for name in definition["States"]:
        shown = name.replace("\x07", "\ufffd").replace("\ud800", "\ufffd")
        assert shown in texts, name
    assert '<flow> & "title"' in texts


def test_same_definition_same_bytes_in_any_process(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom ndr_workflows.diagram import svg\nfrom ndr_workflows.flows import build_flow\nfrom ndr_workflows.steps import Polling\n"
        "sys.stdout.buffer.write(svg(build_flow('sfn_ndr_15m_features_inference', completion=Polling())).encode('utf-8'))\n"
    )
    outputs = []
    for seed in ("1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1] == svg(build_flow("sfn_ndr_15m_features_inference", completion=Polling())).encode("utf-8")


def boxes_of(laid: Laid, dx: float = 0.0, dy: float = 0.0) -> list[tuple[Box, float, float, Laid]]:
    out = []
    for box in laid.boxes:
        out.append((box, box.x + dx, box.y + dy, laid))
        for ix, iy, inner in box.inner:
            out += boxes_of(inner, box.x + dx + ix, box.y + dy + iy)
    return out


@pytest.mark.parametrize("name", FLOW_NAMES)
@pytest.mark.parametrize("polling", [False, True])
def test_states_do_not_overlap_and_arrows_end_on_their_target(name: str, polling: bool) -> None:
    flow = build_flow(name, completion=Polling()) if polling else build_flow(name)
    laid = layout(read_definition(flow.to_dict()))
    placed = boxes_of(laid)
    by_scope: dict[int, list[tuple[Box, float, float]]] = {}
    for box, x, y, scope in placed:
        by_scope.setdefault(id(scope), []).append((box, x, y))
        assert 0 <= box.x and box.x + box.w <= scope.w + 0.01 and 0 <= box.y and box.y + box.h <= scope.h + 0.01, box.node.name
    for members in by_scope.values():
        for i, (a, ax, ay) in enumerate(members):
            for b, bx, by in members[i + 1 :]:
                apart = ax + a.w <= bx or bx + b.w <= ax or ay + a.h <= by or by + b.h <= ay
                assert apart, (a.node.name, b.node.name)

    def check(scope: Laid) -> None:
        boxes = {id(b.node): b for b in scope.boxes}
        for edge, points, _ in scope.edges:
            target, source = boxes[id(edge.target)], boxes[id(edge.source)]
            assert points[-1][1] == target.y and target.x <= points[-1][0] <= target.x + target.w, edge.target.name
            assert points[0][1] == round(source.y + source.h, 1), edge.source.name
        for b in scope.boxes:
            for _, _, inner in b.inner:
                check(inner)

    check(laid)


def test_a_loop_goes_back_up_on_the_left() -> None:
    flow = build_flow("sfn_ndr_training_orchestrator", completion=Polling())
    laid = layout(read_definition(flow.to_dict()))
    boxes = {b.node.name: b for b in laid.boxes}
    loops = [(e, p) for e, p, _ in laid.edges if boxes[e.target.name].layer <= boxes[e.source.name].layer]
    assert [e.source.name for e, _ in loops] == ["IncrementTrainingPollAttempt"]
    _, points = loops[0]
    assert min(x for x, _ in points) < min(b.x for b in laid.boxes)


def test_notebook_display_is_the_svg_even_for_a_broken_flow() -> None:
    flow = build_flow("sfn_ndr_prediction_publication")
    assert flow._repr_svg_() == svg(flow) == svg(flow.to_dict(), title="sfn_ndr_prediction_publication")
    broken = StateMachine(Pass("First", next="Nowhere"), name="broken")
    root = parse(broken._repr_svg_())
    assert any(t.endswith("Nowhere (missing)") for t in state_titles(root))


def definition_with(states: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


def test_a_wide_parallel_is_drawn_as_framed_branches_side_by_side() -> None:
    branches = [{"StartAt": f"B{i}", "States": {f"B{i}": {"Type": "Pass", "End": True}}} for i in range(3)]
    definition = definition_with({"Fan": {"Type": "Parallel", "Branches": branches, "End": True}})
    laid = layout(read_definition(definition))
    fan = next(b for b in laid.boxes if b.node.name == "Fan")
    xs = [dx for dx, _, _ in fan.inner]
    assert len(xs) == 3 and xs == sorted(xs) and len(set(xs)) == 3
    root = parse(svg(definition))
    assert {"branch 1", "branch 2", "branch 3"} <= {t.text for t in root.iter(f"{NS}text")}


# ---------------------------------------------------------------------------
# any machine the builders can compose
# ---------------------------------------------------------------------------

@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(machine_specs())
def test_any_composed_machine_draws_completely_both_ways(spec: Any) -> None:
    definition = build_machine(spec).to_dict()
    expected = len(transitions(definition))
    chart = Chart(mermaid(definition))
    assert len(chart.edges) == expected
    for name, _ in all_states(definition):
        chart.id_of(name)
    root = parse(svg(definition))
    assert sum(1 for g in root.iter(f"{NS}g") if g.get("class") == "edge") == expected
    # + the start marker, + an end marker per scope that has an End state
    assert len(state_titles(root)) == len(all_states(definition)) + 1 + ending_scopes(definition)


# ---------------------------------------------------------------------------
# the path an execution took (render_progress)
# ---------------------------------------------------------------------------


def _taken(definition: dict, visited: list[str], status: str) -> tuple[set[tuple[str, str, str]], set[str], str | None]:
    """((source, target, kind) of the taken edges, names of the entered nodes, where it stopped)."""
    from ndr_workflows.diagram.graph import walk
    from ndr_workflows.diagram.progress import Progress, mark

    group = read_definition(definition)
    marks = mark(group, Progress(visited, status))
    edges: set[tuple[str, str, str]] = set()
    nodes = {node.name for node, _ in walk(group) if id(node) in marks.nodes}
    stopped = next((node.name for node, _ in walk(group) if id(node) == marks.stopped_at), None)

    def visit(g: Any) -> None:
        for edge in g.edges:
            if id(edge) in marks.edges:
                edges.add((edge.source.name, edge.target.name, edge.kind))
        for node in g.nodes:
            for inner in node.groups:
                visit(inner)

    visit(group)
    return edges, nodes, stopped


def test_the_path_of_a_map_with_three_iterations_and_a_caught_failure() -> None:
    definition = build_flow("sfn_ndr_backfill_reprocessing").to_dict()
    iteration = ["StartBackfillPipeline", "WaitForWindowCompletionEvent"]
    failed = ["StartBackfillPipeline", "RecordWindowFailure"]
    visited = ["NormalizeIncomingMessage", "ResolvePipelineRuntimeParams", "ValidateRuntimeParams", "BuildWindowList", "RunBackfillWindows",
               *iteration, *failed, *iteration, "EmitBackfillReconciliationEvent", "CheckBackfillOutcome", "WorkflowFailed"]
    edges, nodes, stopped = _taken(definition, visited, "FAILED")
    assert ("StartBackfillPipeline", "WaitForWindowCompletionEvent", "next") in edges
    assert ("StartBackfillPipeline", "RecordWindowFailure", "catch") in edges  # the second window's failure, caught
    assert ("WaitForWindowCompletionEvent", "End", "end") in edges and ("RecordWindowFailure", "End", "end") in edges  # each iteration ended
    assert ("ValidateRuntimeParams", "BuildWindowList", "default") in edges and ("CheckBackfillOutcome", "WorkflowFailed", "default") in edges
    assert ("ValidateRuntimeParams", "InvalidRuntimeParams", "rule") not in edges
    assert "InvalidRuntimeParams" not in nodes and "BackfillSucceeded" not in nodes
    assert stopped == "WorkflowFailed"


def test_a_running_execution_has_no_end_taken_and_no_stop() -> None:
    definition = build_flow("sfn_ndr_15m_features_inference").to_dict()
    edges, nodes, stopped = _taken(definition, ["NormalizeIncomingMessage", "ResolvePipelineRuntimeParams"], "RUNNING")
    assert edges == {("Start", "NormalizeIncomingMessage", "start"), ("NormalizeIncomingMessage", "ResolvePipelineRuntimeParams", "next")}
    assert stopped is None and "ValidateRuntimeParams" not in nodes


def test_the_progress_picture_is_deterministic_and_marks_entered_states() -> None:
    flow = build_flow("sfn_ndr_15m_features_inference")
    execution = flow.simulate({"mini_batch_id": "m", "batch_start_ts_iso": "2025-01-01T00:00:00Z", "batch_end_ts_iso": "2025-01-01T00:15:00Z"})
    first = svg(flow.to_dict(), title="run", visited=execution.states, status=execution.status)
    assert first == svg(flow.to_dict(), title="run", visited=execution.states, status=execution.status)
    root = parse(first)
    entered = [g.find(f"{NS}title").text.split(" (")[0] for g in root.iter(f"{NS}g") if g.get("data-entered") == "true" and g.find(f"{NS}title") is not None]
    assert set(execution.states) <= set(entered)
    faded = [g for g in root.iter(f"{NS}g") if g.get("class") == "state" and g.get("opacity")]
    assert {g.find(f"{NS}title").text.split(" (")[0] for g in faded} == {"InvalidRuntimeParams", "DuplicateMiniBatch", "ReleaseMiniBatchLockOnFailure", "WorkflowFailed"}
    plain = svg(flow.to_dict(), title="run")  # no path: nothing marked, nothing faded
    assert "data-taken" not in plain and "data-entered" not in plain and " opacity=" not in plain
