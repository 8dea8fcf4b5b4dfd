"""The scenario part of ``scripts/refresh``: ``tests/scenarios/<NAME>/``.

What is derived from the code is rewritten; what people wrote is kept:

* ``mocks.json`` (hand-written): a Task state that no test case mocks yet
  gets a *success* in every test case (the Return another state with the
  same resource already uses there, else a minimal realistic one), so every
  scenario still runs, unchanged, in Step Functions Local and in sfnx; a
  mock of a state that no longer exists is dropped, with any response no
  test case uses any more. Nothing else in the file changes.
* ``expected.json``: each test case is run again through the simulator with
  its input and mocks, and its recorded outcome (``status``, ``error``,
  ``states``) is rewritten. ``description`` and ``input`` are kept.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import contract_tables

DERIVED = ("status", "error", "states")
# Enough invocations for a new state inside a Map (one per item and retry).
ALL_INVOCATIONS = "0-99"


def dumps(value: Any) -> str:
    """The scenario files' own formatting."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


@dataclass
class ScenarioChanges:
    mocked: dict[str, int] = field(default_factory=dict)  # new state -> test cases given a success
    unmocked: list[str] = field(default_factory=list)  # mocks of states that no longer exist
    outcomes: list[str] = field(default_factory=list)  # test cases whose recorded outcome changed
    problems: list[str] = field(default_factory=list)


def task_resources(definition: Mapping[str, Any]) -> dict[str, str]:
    """Task state name -> Resource; states in a Map or Parallel are mocked
    by their own names, as in Step Functions Local."""
    return {
        path.rsplit("/", 1)[-1]: str(state.get("Resource"))
        for path, state in contract_tables.walk(definition)
        if state.get("Type") == "Task"
    }


def _default_return(resource: str, state: str) -> Any:
    """What a successful call of ``resource`` answers, minimally."""
    if resource.endswith(":lambda:invoke"):
        return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": {}}
    if resource.endswith(":events:putEvents"):
        return {"Entries": [{"EventId": f"{state}-event"}], "FailedEntryCount": 0}
    if resource.endswith(":startPipelineExecution"):
        return {"PipelineExecutionArn": f"arn:aws:sagemaker:us-east-1:123456789012:pipeline/{state.lower()}/execution/{state.lower()}"}
    if resource.endswith(":describePipelineExecution"):
        return {"PipelineExecutionStatus": "Succeeded"}
    return {}


def _success_like(mocks: Mapping[str, Any], cases: Mapping[str, Any], resources: Mapping[str, str], state: str) -> Any:
    """The first Return a same-resource state gets from a response that
    never throws, in the order the test cases are written."""
    for case in cases.values():
        for other, name in case.items():
            response = mocks["MockedResponses"].get(name, {})
            if other != state and resources.get(other) == resources[state] and response and all("Return" in e for e in response.values()):
                return next(iter(response.values()))["Return"]
    return _default_return(resources[state], state)


def refresh_mocks(mocks: dict[str, Any], flow: str, definition: Mapping[str, Any], changes: ScenarioChanges) -> None:
    """Mock new Task states with a success; drop mocks of removed states."""
    resources = task_resources(definition)
    cases = mocks["StateMachines"][flow]["TestCases"]
    responses = mocks["MockedResponses"]
    for case in cases.values():
        for state in [s for s in case if s not in resources]:
            del case[state]
            if state not in changes.unmocked:
                changes.unmocked.append(state)
    for state in resources:
        missing = [case for case in cases.values() if state not in case]
        if not missing:
            continue
        name = f"{state}Succeeds"
        while name in responses:
            name += "_"
        responses[name] = {ALL_INVOCATIONS: {"Return": _success_like(mocks, cases, resources, state)}}
        for case in missing:
            case[state] = name
        changes.mocked[state] = len(missing)
    used = {name for case in cases.values() for name in case.values()}
    for name in [n for n in responses if n not in used]:
        del responses[name]


def _recorded(old: Mapping[str, Any], outcome: Mapping[str, Any]) -> dict[str, Any]:
    """``old`` with its derived keys replaced by ``outcome``'s, in place of
    the first of them (the hand-written keys stay where they are)."""
    new: dict[str, Any] = {}
    placed = False
    for key, value in old.items():
        if key in DERIVED:
            if not placed:
                new.update(outcome)
                placed = True
        else:
            new[key] = value
    if not placed:
        new.update(outcome)
    return new


def refresh_flow(directory: Path, flow: str, definition: Mapping[str, Any]) -> tuple[dict[Path, str], ScenarioChanges]:
    """New contents of the flow's scenario files (only those that change)."""
    from ndr_workflows.simulate import run

    changes = ScenarioChanges()
    mocks_path, expected_path = directory / "mocks.json", directory / "expected.json"
    mocks = json.loads(mocks_path.read_text(encoding="utf-8"))
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    refresh_mocks(mocks, flow, definition, changes)
    recorded = {}
    for case, spec in expected.items():
        try:
            execution_input = json.loads((directory / spec["input"]).read_text(encoding="utf-8"))
            execution = run(definition, execution_input, mocks=mocks, test_case=case, state_machine=flow)
        except Exception as exc:  # noqa: BLE001 - reported per test case, the record is kept
            changes.problems.append(f"{expected_path}: {case}: cannot run: {exc}")
            recorded[case] = spec
            continue
        outcome: dict[str, Any] = {"status": execution.status}
        if execution.status != "SUCCEEDED":
            outcome["error"] = execution.error
        outcome["states"] = list(execution.states)
        recorded[case] = _recorded(spec, outcome)
        if {k: spec.get(k) for k in DERIVED} != {k: outcome.get(k) for k in DERIVED}:
            changes.outcomes.append(case)
    contents = {}
    for path, value in ((mocks_path, mocks), (expected_path, recorded)):
        text = dumps(value)
        if text != path.read_text(encoding="utf-8"):
            contents[path] = text
    return contents, changes
