"""Every definition of the corpus that the validator calls valid runs in the
simulator: JSONata, JSONPath and mixed machines, Distributed Maps with an
ItemReader, an ItemBatcher and a ResultWriter included.

``corpus_runs.json`` gives each valid corpus file (tests/data/corpus/,
index.json) an execution input, the answers of its Tasks (Step Functions
Local's ``Return`` / ``Throw``, keyed by state name; a Map's name answers
its ItemReader), the S3 objects its ItemReader reads, and what the run must
give: the status (SUCCEEDED unless said), the error and cause, the output
(or some of its members, or its keys), the states entered, the simulated
time it took. The outcomes
were worked out by hand from the definitions and the behaviour AWS
documents; a file that shows a run-time failure (a Choice that matches
nothing, a variable assigned on one path only, a loop with no way out)
fails as AWS would.

Nothing may end in "the simulator does not support ..." or a traceback,
and a valid corpus file without an entry here fails the test (so a new
valid file must be given a run).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ndr_workflows.simulate import S3, Services, run

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
INDEX = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))
RUNS = json.loads((Path(__file__).with_name("corpus_runs.json")).read_text(encoding="utf-8"))
VALID = sorted(name for name, entry in INDEX.items() if not entry["errors"])


def test_every_valid_corpus_definition_has_a_run() -> None:
    assert sorted(RUNS) == VALID


def _mocks(answers: dict[str, Any]) -> dict[str, Any]:
    """A Step Functions Local mock configuration answering each state the
    same way on every invocation."""
    return {
        "StateMachines": {"corpus": {"TestCases": {"Run": {state: state for state in answers}}}},
        "MockedResponses": {state: {"0-999": answer} for state, answer in answers.items()},
    }


@pytest.mark.parametrize("name", VALID)
def test_a_valid_corpus_definition_runs_as_worked_out(name: str) -> None:
    case = RUNS[name]
    definition = json.loads((CORPUS / name).read_text(encoding="utf-8"))
    services = Services(s3=S3(case.get("s3", {})))
    answers = case.get("answers")
    execution = run(
        definition,
        case["input"],
        mocks=_mocks(answers) if answers else None,
        test_case="Run" if answers else None,
        state_machine="corpus" if answers else None,
        services=services,
        max_steps=case.get("max_steps", 25_000),
        start_time=case.get("start_time", "2025-01-01T00:00:00.000Z"),
    )
    summary = f"{name}: {execution.status} {execution.error} {execution.cause}\n{execution.text()}"
    assert execution.status == case.get("status", "SUCCEEDED"), summary
    if "error" in case:
        assert execution.error == case["error"], summary
    if "cause" in case:
        assert execution.cause == case["cause"], summary
    if "output" in case:
        assert execution.output == case["output"], summary
    if "output_subset" in case:
        assert {key: execution.output.get(key) for key in case["output_subset"]} == case["output_subset"], summary
    if "output_keys" in case:
        assert sorted(execution.output) == sorted(case["output_keys"]), summary
    if "duration_seconds" in case:
        assert execution.duration_seconds == case["duration_seconds"], summary
    if "states" in case:
        assert execution.states == case["states"], summary
