"""The grown 15-minute example (ndr_workflows/examples/grown_15m.py): its
size targets, its build, and five simulated runs through its paths."""

from __future__ import annotations

import io
import json
import tokenize
from pathlib import Path

import pytest

from ndr_workflows.examples import grown_15m
from ndr_workflows.simulate import DynamoDB, SageMaker, Services, run
from ndr_workflows.steps import Polling

SOURCE = Path(grown_15m.__file__)
CONFIG, CONTROL, INDEX, LOCKS = "${ConfigTableName}", "${ControlTableName}", "${BatchIndexTableName}", "${LockTableName}"
INPUT = {
    "event_type": "BatchCompleted",
    "project_name": "proj",
    "data_source_name": "zeek",
    "mini_batch_id": "mb-1",
    "batch_start_ts_iso": "2025-01-01T00:00:00Z",
    "batch_end_ts_iso": "2025-01-01T00:15:00Z",
    "raw_parsed_logs_s3_prefix": "s3://raw-logs/proj/2025/01/01/",
}


def code_lines() -> list[str]:
    """Non-blank lines that are not only a comment or part of a docstring."""
    text = SOURCE.read_text()
    docstring_lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.STRING and tok.string.startswith('"""'):
            docstring_lines.update(range(tok.start[0], tok.end[0] + 1))
    return [line for i, line in enumerate(text.splitlines(), 1) if line.strip() and not line.strip().startswith("#") and i not in docstring_lines]


def count_states(states: dict) -> int:
    return sum(1 + (count_states(s["ItemProcessor"]["States"]) if "ItemProcessor" in s else 0) for s in states.values())


def test_the_example_meets_its_size_targets() -> None:
    lines = code_lines()
    text = "\n".join(lines)
    assert len(lines) <= 200, f"{len(lines)} code lines"
    assert text.count("expr(") <= 10
    assert text.count("next=") <= 5
    for banned in ("Fragment(", ".states", "re.compile", "import re", "$match", "$contains(", "ON_FAILURE", ".problems"):
        assert banned not in text, banned
    assert count_states(grown_15m.build().to_dict()["States"]) >= 70


def test_the_example_builds_and_validates_without_errors() -> None:
    machine = grown_15m.build()
    assert [p for p in machine.validate() if p.is_error] == []


def services(statuses: dict | None = None, bootstrapped: bool = True) -> Services:
    table = DynamoDB()
    table.seed(CONFIG, {"pk": {"S": "proj#routing"}, "sk": {"S": "config"}, "data_source_name": {"S": "zeek"}, "ingestion_bucket": {"S": "ingest"}})
    table.seed(CONFIG, {"pk": {"S": "proj#processing"}, "sk": {"S": "config"}, "poll_interval_seconds": {"N": "30"}})
    table.seed(CONFIG, {"pk": {"S": "proj#ml_projects"}, "sk": {"S": "config"}, "ml_project_names": {"L": [{"S": " mlp-a "}, {"S": "mlp-b"}, {"S": "mlp-a"}]}})
    for project in ("mlp-a", "mlp-b"):
        table.seed(CONTROL, {"pk": {"S": f"proj#{project}"}, "sk": {"S": "deployment"}, "deployed": {"BOOL": True}})
    if bootstrapped:
        table.seed(CONTROL, {"pk": {"S": "proj#mlp-a"}, "sk": {"S": "bootstrap"}, "status": {"S": "SUCCEEDED"}})
    return Services(dynamodb=table, sagemaker=SageMaker(statuses or {}))


def mocks(manifests: list[bool], remediation_fails: bool = False) -> dict:
    responses = {
        "Child": {"0-19": {"Return": {"Output": {"ok": True}, "Status": "SUCCEEDED"}}},
        "Manifest": {str(i): {"Return": {"Body": json.dumps({"artifacts_ready": ready, "missing_artifacts": [] if ready else ["rt"]})}} for i, ready in enumerate(manifests)},
        "Remediation": {"0-9": {"Throw": {"Error": "States.TaskFailed", "Cause": "remediation execution failed"}}} if remediation_fails else {"0-9": {"Return": {"Output": {}}}},
    }
    case = {"RunBootstrapExecution": "Child", "RunPredictionPublication": "Child", "ReadRtReadinessArtifact": "Manifest", "InvokeRtBackfillRemediation": "Remediation"}
    return {"StateMachines": {"example_grown_15m": {"TestCases": {"case": case}}}, "MockedResponses": responses}


def execute(machine, input=INPUT, *, manifests=(True, True), remediation_fails=False, statuses=None, bootstrapped=True):
    fakes = services(statuses, bootstrapped)
    execution = run(machine, input, mocks=mocks(list(manifests), remediation_fails), test_case="case", services=fakes, start_time="2025-01-01T00:20:00.000Z")
    return execution, fakes.dynamodb


@pytest.fixture(scope="module")
def machine():
    return grown_15m.build(polling=Polling(interval_seconds=60, max_attempts=3))


def test_happy_path_runs_every_project_and_releases_the_lock(machine) -> None:
    execution, table = execute(machine, bootstrapped=False)
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    names = execution.states
    # Configuration decoded and normalised: trimmed, deduplicated.
    assert execution.variables["ml_project_names"] == ["mlp-a", "mlp-b"]
    assert execution.variables["ingestion_prefix"] == "s3://ingest/proj/ingestion/"
    assert execution.variables["batch_date"] == "2025-01-01"
    assert execution.variables["poll_interval_seconds"] == 30
    assert names.count("RunBootstrapExecution") == 2 and names.count("RunPredictionPublication") == 2
    for state in ("DescribeFeaturesPipeline", "DescribeDependentFeaturesPipeline", "DescribeInferencePipeline", "ReadRtReadinessArtifact", "MarkBatchSucceeded"):
        assert state in names
    [batch] = [i for i in table.items(INDEX) if i["sk"] == {"S": "batch"}]
    assert batch["status"] == {"S": "SUCCEEDED"}
    assert table.items(LOCKS) == []
    assert {"S": "SUCCEEDED"} in [i.get("status") for i in table.items(CONTROL)]


def test_a_non_batch_event_is_ignored(machine) -> None:
    execution, table = execute(machine, {**INPUT, "event_type": "Heartbeat"})
    assert execution.status == "SUCCEEDED" and execution.states[-1] == "IgnoreNonBatchCompletionEvent"
    assert table.items(LOCKS) == []


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"batch_end_ts_iso": "2024-12-31T23:00:00Z"}, "FailInvalidTimestamp"),
        ({"mini_batch_id": ""}, "FailMissingMiniBatchId"),
        ({"raw_parsed_logs_s3_prefix": "raw-logs/proj"}, "FailInvalidRawParsedLogsS3Prefix"),
        ({"data_source_name": "netflow"}, "FailProjectDataSourceMismatch"),
        ({"mini_batchid": "typo"}, "FailUnsupportedInputFields"),
    ],
)
def test_a_failed_rule_ends_in_its_own_fail_state_before_the_lock(machine, change, error) -> None:
    execution, table = execute(machine, {**INPUT, **change})
    assert (execution.status, execution.error) == ("FAILED", error), execution.cause
    assert execution.states[-1] == error and "AcquireMiniBatchLock" not in execution.states
    assert table.items(LOCKS) == []


def test_a_failed_remediation_fails_the_batch_and_releases_the_lock(machine) -> None:
    execution, table = execute(machine, manifests=(False,) * 4, remediation_fails=True)
    assert (execution.status, execution.error) == ("FAILED", "NdrGrown15mFailed")
    assert "remediation execution failed" in execution.cause
    assert "MlProjectBranchFailed" in execution.states and "MarkBatchFailed" in execution.states
    [batch] = [i for i in table.items(INDEX) if i["sk"] == {"S": "batch"}]
    assert batch["status"] == {"S": "FAILED"}
    assert table.items(LOCKS) == []


def test_readiness_is_rechecked_a_bounded_number_of_times(machine) -> None:
    execution, _ = execute(machine, manifests=(False,) * 6)
    assert execution.status == "FAILED"
    assert "RtArtifactsUnresolvedAfterRemediation" in execution.cause
    assert execution.states.count("InvokeRtBackfillRemediation") == 1  # 2 cycles, 1 remediation between, first project


def test_a_failed_pipeline_fails_its_project_with_the_pipeline_error(machine) -> None:
    execution, table = execute(machine, statuses={"${PipelineNameInference}": ["Executing", "Failed"]})
    assert execution.status == "FAILED"
    assert "PipelineExecutionFailed" in execution.cause and "Failed" in execution.cause
    assert "DescribeInferencePipeline" in execution.states and table.items(LOCKS) == []


def test_an_exhausted_poll_fails_with_a_timeout(machine) -> None:
    execution, table = execute(machine, statuses={"${PipelineName15m}": ["Executing"]})
    assert execution.status == "FAILED"
    assert "PipelineExecutionTimedOut" in execution.cause
    assert execution.states.count("DescribeFeaturesPipeline") == 3
    assert table.items(LOCKS) == []
