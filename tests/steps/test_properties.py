"""Properties of random compositions of the step builders (tests/support/strategies.py).

Whatever a flow author composes from the builders — opening, pipelines in
either completion form, Lambda calls, events, locks, Choices, Maps,
Parallels, Waits, Passes — the state machine must build without a
BuildError, render the same bytes every time, be a closed graph (every
target exists, every state reachable), spell every expression as one
``{% ... %}`` line, and pass both third-party judges.
"""

from __future__ import annotations

import json
import re

import jsonata  # noqa: F401  (imported first: it raises the recursion limit, which hypothesis warns about mid-test)
import pytest
from hypothesis import HealthCheck, event, given, settings
from jsonata.parser import Parser
from judges import judge_definitions
from strategies import build_machine, machine_specs

from ndr_workflows import Pass, StateMachine
from ndr_workflows.steps import Polling, normalize_message, run_pipeline, workflow_failed

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
JUDGED_COMPOSITIONS = 40

EXPRESSION = re.compile(r"\{% (?P<body>[^\n\r]*?) %\}")


# -- helpers over the rendered JSON ---------------------------------------------


def scopes(graph: dict, path: str = ""):
    """(path, graph) for the top level and every ItemProcessor / branch."""
    yield path or "(top)", graph
    for name, state in graph["States"].items():
        if "ItemProcessor" in state:
            yield from scopes(state["ItemProcessor"], f"{path}{name}/")
        for i, branch in enumerate(state.get("Branches", [])):
            yield from scopes(branch, f"{path}{name}[{i}]/")


def targets(state: dict) -> list[tuple[str, str]]:
    found = []
    if "Next" in state:
        found.append(("Next", state["Next"]))
    if "Default" in state:
        found.append(("Default", state["Default"]))
    found += [(f"Choices[{i}].Next", r["Next"]) for i, r in enumerate(state.get("Choices", []))]
    found += [(f"Catch[{i}].Next", c["Next"]) for i, c in enumerate(state.get("Catch", []))]
    return found


def graph_problems(definition: dict) -> list[str]:
    problems = []
    for where, graph in scopes(definition):
        states = graph["States"]
        if graph["StartAt"] not in states:
            problems.append(f"{where}: StartAt {graph['StartAt']!r} missing")
        for name, state in states.items():
            for field, target in targets(state):
                if target not in states:
                    problems.append(f"{where}{name}: {field} -> {target!r} is not a state of this scope")
            ends = state["Type"] in ("Succeed", "Fail") or state.get("End") is True
            continues = "Next" in state or state["Type"] == "Choice"
            if ends == continues:
                problems.append(f"{where}{name}: must either end or continue (End={state.get('End')}, Next={state.get('Next')})")
        seen, todo = set(), [graph["StartAt"]]
        while todo:
            name = todo.pop()
            if name in seen or name not in states:
                continue
            seen.add(name)
            todo.extend(t for _, t in targets(states[name]))
        for name in states:
            if name not in seen:
                problems.append(f"{where}{name}: unreachable from StartAt")
    return problems


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def summary(kinds: dict[str, int]) -> None:
    for kind, count in sorted(kinds.items()):
        event(f"{kind} states: {'0' if not count else '1-9' if count < 10 else '10+'}")


def state_kinds(definition: dict) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for _, graph in scopes(definition):
        for state in graph["States"].values():
            kinds[state["Type"]] = kinds.get(state["Type"], 0) + 1
    return kinds


# -- (e) the builders compose into valid flows ------------------------------------


@SETTINGS
@given(machine_specs())
def test_builder_compositions_never_raise_build_errors(spec) -> None:
    machine = build_machine(spec)
    problems = machine.problems()
    assert problems == [], "\n".join(str(p) for p in problems)
    definition = machine.to_dict()  # must not raise BuildError either
    summary(state_kinds(definition))


# -- (a) determinism ---------------------------------------------------------------


@SETTINGS
@given(machine_specs())
def test_rendering_is_deterministic(spec) -> None:
    machine = build_machine(spec)
    first = machine.to_json()
    assert machine.to_json() == first
    # A new machine from the same draw: same bytes (nothing depends on
    # object identity, dict order of sets, a clock or a counter left over).
    assert build_machine(spec).to_json() == first
    assert json.loads(first) == machine.to_dict()
    assert first.endswith("}\n") and "\t" not in first


# -- (b) closed graph ---------------------------------------------------------------


@SETTINGS
@given(machine_specs())
def test_every_target_exists_and_every_state_is_reachable(spec) -> None:
    definition = json.loads(build_machine(spec).to_json())
    assert definition["QueryLanguage"] == "JSONata"
    assert graph_problems(definition) == []


# -- (c) expressions ------------------------------------------------------------------


@SETTINGS
@given(machine_specs())
def test_every_expression_is_one_delimited_line_that_parses(spec) -> None:
    text = build_machine(spec).to_json()
    definition = json.loads(text)
    count = 0
    for s in strings(definition):
        if "{%" not in s and "%}" not in s:
            continue
        match = EXPRESSION.fullmatch(s)
        assert match is not None, f"not a single-line '{{% ... %}}' expression: {s!r}"
        body = match["body"]
        assert body.strip() == body and body, f"expression with stray spacing: {s!r}"
        assert "{%" not in body and "%}" not in body, f"nested delimiters: {s!r}"
        Parser().parse(body)  # raises on a JSONata syntax error
        count += 1
    event(f"expressions: {'0' if not count else '1-19' if count < 20 else '20+'}")


# -- (d) both judges ------------------------------------------------------------------


@pytest.mark.judges
def test_random_compositions_pass_both_judges(tmp_path) -> None:
    """Judged in one batch: one asl-validator process for all definitions.

    ``allow_unevaluated_jsonata=True`` because the compositions include a
    Wait with ``Timestamp: "{% $states.context.Execution.StartTime %}"``,
    which statelint cannot evaluate at lint time and then type-checks the
    raw string ("... is "{% ... %}" but should be an RFC3339 timestamp");
    Step Functions accepts it. Only that exact message shape is dropped.
    """
    drawn: dict[str, None] = {}

    @settings(max_examples=JUDGED_COMPOSITIONS * 3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(machine_specs())
    def collect(spec) -> None:
        drawn[build_machine(spec).to_json()] = None

    collect()
    # Hypothesis starts with the smallest examples; judge the largest distinct ones.
    chosen = sorted(drawn, key=len, reverse=True)[:JUDGED_COMPOSITIONS]
    assert len(chosen) >= JUDGED_COMPOSITIONS // 2, f"only {len(chosen)} distinct compositions drawn"
    collected = {f"composition_{i:03d}": json.loads(text) for i, text in enumerate(chosen)}
    print(f"judged {len(collected)} distinct random compositions (of {len(drawn)} drawn)")
    failures = judge_definitions(collected, tmp_path, allow_unevaluated_jsonata=True)
    report = "\n\n".join(f"{name} ({tmp_path}):\n{message}" for name, message in failures.items())
    assert not failures, f"{len(failures)} of {len(collected)} compositions rejected:\n{report}"


# -- minimal reproductions of what the properties found ----------------------------------


@pytest.mark.judges
def test_polling_form_passes_statelint(tmp_path) -> None:
    """Regression (found by the random compositions): the polling form's
    "keep polling" rule used to be ``$x_pipeline_status != 'Succeeded'``,
    which ``statelint --eval-jsonata`` evaluates to the constant ``true`` (no
    variables at lint time) and reports as "Condition is true but should be
    a String"; every flow exported with ``--completion polling`` failed it."""
    machine = StateMachine(
        run_pipeline(start="StartX", wait="WaitForXCompletionEvent", pipeline="${PipelineName15m}", parameters={}, arn_variable="arn", completion=Polling())
        >> Pass("Done"),
        on_failure=workflow_failed("X"),
    )
    assert judge_definitions({"polling": machine.to_dict()}, tmp_path) == {}


def test_unused_failure_handler_is_not_a_build_error() -> None:
    """A body that cannot fail (only Pass states) with the usual
    ``on_failure=workflow_failed(...)``: nothing routes to the handler, so
    it is left out instead of being reported unreachable."""
    definition = StateMachine(normalize_message(), on_failure=workflow_failed("X")).to_dict()
    assert "WorkflowFailed" not in definition["States"]
