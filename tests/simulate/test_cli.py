"""``python -m ndr_workflows.simulate``: its command-line contract
(docs/simulate.md: arguments, one JSON object on stdout, exit codes 0 / 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from scenarios.mock_config import recorded_states

from ndr_workflows.cli.simulate import main

ROOT = Path(__file__).resolve().parents[2]
F15 = ROOT / "docs" / "step_functions_jsonata" / "sfn_ndr_15m_features_inference.json"
BATCH = {
    "project_name": "ndr-prod",
    "feature_spec_version": "v3",
    "mini_batch_id": "mb-1",
    "batch_start_ts_iso": "2025-03-01T00:00:00Z",
    "batch_end_ts_iso": "2025-03-01T00:15:00Z",
}
# The 15m flow's happy path as tests/scenarios records it (scripts/refresh
# rewrites the record when the flow changes; this file tests the command).
HAPPY_STATES = recorded_states("sfn_ndr_15m_features_inference", "HappyPath")
MOCKS = {
    "StateMachines": {
        "sfn_ndr_15m_features_inference": {
            "TestCases": {
                "LockTaken": {"AcquireMiniBatchLock": "ConditionFailed"},
                "FeaturesFail": {"WaitForFeaturesCompletionEvent": "PipelineFailed"},
            }
        },
        "custom": {"TestCases": {"LockTaken": {"AcquireMiniBatchLock": "ConditionFailed"}}},
    },
    "MockedResponses": {
        "ConditionFailed": {"0": {"Throw": {"Error": "DynamoDb.ConditionalCheckFailedException", "Cause": "taken"}}},
        "PipelineFailed": {"0": {"Throw": {"Error": "PipelineFailed", "Cause": "step X failed"}}},
    },
}


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "input.json").write_text(json.dumps(BATCH))
    (tmp_path / "mocks.json").write_text(json.dumps(MOCKS))
    (tmp_path / "sfn_ndr_15m_features_inference.json").write_text(F15.read_text())
    return tmp_path


def simulate(capsys, *args) -> tuple[int, dict | None, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:  # argparse
        code = exit_.code
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_happy_path_prints_one_json_object_and_exits_0(files, capsys):
    code, result, _ = simulate(capsys, files / "sfn_ndr_15m_features_inference.json", "--input", files / "input.json")
    assert code == 0
    assert list(result) == ["status", "output", "states", "calls"]
    assert result["status"] == "SUCCEEDED"
    assert result["states"] == HAPPY_STATES
    assert [c["state"] for c in result["calls"]] == [s for s in HAPPY_STATES if s not in ("NormalizeIncomingMessage", "ResolvePipelineRuntimeParams", "ValidateRuntimeParams", "Success")]
    assert set(result["calls"][0]) == {"state", "resource", "arguments"}
    # Placeholders stay literal without --env; the default execution name and start time apply.
    put = result["calls"][0]["arguments"]
    assert put["TableName"] == "${LockTableName}"
    assert put["Item"]["owner"]["S"] == "arn:aws:states:us-east-1:123456789012:execution:sfn_ndr_15m_features_inference:execution"
    assert put["Item"]["created_at"]["S"] == "2025-01-01T00:00:00Z"


def test_output_is_deterministic_across_processes(files):
    command = [sys.executable, "-m", "ndr_workflows.simulate", str(files / "sfn_ndr_15m_features_inference.json"), "--input", str(files / "input.json")]
    first = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    second = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    assert json.loads(first.stdout)["status"] == "SUCCEEDED"


def test_failed_execution_is_reported_with_exit_1(files, capsys):
    code, result, _ = simulate(
        capsys, files / "sfn_ndr_15m_features_inference.json", "--input", files / "input.json", "--mocks", files / "mocks.json", "--test-case", "LockTaken"
    )
    assert code == 1  # the result is printed all the same
    assert list(result) == ["status", "error", "cause", "states", "calls"]
    assert (result["status"], result["error"]) == ("FAILED", "DuplicateMiniBatch")
    assert result["states"][-2:] == ["AcquireMiniBatchLock", "DuplicateMiniBatch"]


def test_mocked_callback_failure_releases_the_lock(files, capsys):
    code, result, _ = simulate(
        capsys, files / "sfn_ndr_15m_features_inference.json", "--input", files / "input.json", "--mocks", files / "mocks.json", "--test-case", "FeaturesFail"
    )
    assert code == 1
    assert result["error"] == "Ndr15mFeaturesInferenceFailed"
    assert "PipelineFailed" in result["cause"]
    assert result["states"][-3:] == ["WaitForFeaturesCompletionEvent", "ReleaseMiniBatchLockOnFailure", "WorkflowFailed"]


def test_state_machine_name_and_execution_options(files, capsys):
    code, result, _ = simulate(
        capsys,
        files / "sfn_ndr_15m_features_inference.json",
        "--input", files / "input.json",
        "--mocks", files / "mocks.json",
        "--test-case", "LockTaken",
        "--state-machine", "custom",
        "--execution-name", "run-42",
        "--start-time", "2025-03-01T00:07:12.345Z",
    )
    assert code == 1  # LockTaken: the execution fails
    put = result["calls"][0]["arguments"]
    assert put["Item"]["owner"]["S"] == "arn:aws:states:us-east-1:123456789012:execution:custom:run-42"
    assert put["Item"]["created_at"]["S"] == "2025-03-01T00:07:12Z"


def test_env_file_substitutes_placeholders(files, capsys):
    env = {
        "region": "us-east-1",
        "role_arn": "arn:aws:iam::123456789012:role/ndr-sfn",
        "substitutions": {"LockTableName": "ndr-locks", "PipelineName15m": "ndr-15m"},
    }
    (files / "env.json").write_text(json.dumps(env))
    code, result, _ = simulate(capsys, files / "sfn_ndr_15m_features_inference.json", "--input", files / "input.json", "--env", files / "env.json")
    assert code == 0
    calls = {c["state"]: c["arguments"] for c in result["calls"]}
    assert calls["AcquireMiniBatchLock"]["TableName"] == "ndr-locks"
    assert calls["Start15mFeaturesPipeline"]["PipelineName"] == "ndr-15m"
    assert calls["StartInferencePipeline"]["PipelineName"] == "${PipelineNameInference}"  # not in the env: literal


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["{definition}", "--input", "{dir}/missing.json"], "the input: {dir}/missing.json: cannot be read"),
        (["{dir}/nope.json", "--input", "{dir}/input.json"], "the definition: {dir}/nope.json: cannot be read"),
        (["{definition}", "--input", "{dir}/broken.json"], "the input: {dir}/broken.json: not JSON"),
        (["{definition}", "--input", "{dir}/nan.json"], "the input: {dir}/nan.json: not JSON: NaN is not JSON"),
        (["{definition}", "--input", "{dir}/deep.json"], "the input: {dir}/deep.json: not usable JSON: nested too deeply"),
        (["{dir}/nan.json", "--input", "{dir}/input.json"], "the definition: {dir}/nan.json: not JSON: NaN is not JSON"),
        (["{definition}", "--input", "{dir}/input.json", "--mocks", "{dir}/nan.json", "--test-case", "X"], "the mock configuration: {dir}/nan.json: not JSON"),
        (["{dir}/retry.json", "--input", "{dir}/input.json"], "Call: Retry[0].MaxAttempts must be a whole number >= 0, not 'x' [BAD_RETRY]"),
        (["{definition}", "--input", "{dir}/input.json", "--start-time", "9999-12-31T23:59:55Z"], "is too late"),
        (["{definition}", "--input", "{dir}/input.json", "--start-time", "0001-01-01T00:00:00+10:00"], "before 0001-01-01T00:00:00Z"),
        (["{definition}", "--input", "{dir}/input.json", "--mocks", "{dir}/mocks.json", "--test-case", "Nope"], "no test case 'Nope'"),
        (["{definition}", "--input", "{dir}/input.json", "--mocks", "{dir}/mocks.json"], "go together"),
        (["{definition}", "--input", "{dir}/input.json", "--mocks", "{dir}/typo.json", "--test-case", "T"], "mocks a state the definition does not have: 'AcquireMiniBatchLok' (did you mean 'AcquireMiniBatchLock'?)"),
        (["{definition}", "--input", "{dir}/input.json", "--start-time", "yesterday"], "start time"),
        (["{definition}", "--input", "{dir}/input.json", "--env", "{dir}/broken.json"], "broken.json"),
        (["{definition}", "--input", "{{not json"], "the input: inline JSON: not JSON"),
        (["{definition}", "--input", "input.jsn"], "the input: input.jsn: cannot be read"),
        (["--flow", "sfn_ndr_15m_features_inferenc", "--input", "{{}}"], "did you mean 'sfn_ndr_15m_features_inference'?"),
        (["sfn_ndr_15m_features_inferenc", "--input", "{{}}"], "did you mean 'sfn_ndr_15m_features_inference'?"),
        (["{definition}", "--flow", "sfn_ndr_15m_features_inference"], "give one definition"),
        ([], "what to run is missing"),
        (["{definition}", "--format", "yaml"], "invalid choice: 'yaml'"),
        (["{dir}/input.json", "--input", "{dir}/input.json"], "StartAt is missing [MISSING_START]"),
        (["{dir}/jsonpath.json", "--input", "{dir}/input.json"], "the simulator does not support the JSONPath function concat()"),
    ],
)
def test_unusable_arguments_exit_2_with_a_message(files, capsys, arguments, message):
    (files / "broken.json").write_text("{not json")
    unsupported = {"Type": "Pass", "Parameters": {"x.$": "$.a.concat('b')"}, "End": True}
    (files / "jsonpath.json").write_text(json.dumps({"StartAt": "P", "States": {"P": unsupported}}))
    (files / "nan.json").write_text('{"x": NaN}')
    typo = {"StateMachines": {"sfn_ndr_15m_features_inference": {"TestCases": {"T": {"AcquireMiniBatchLok": "R"}}}}, "MockedResponses": {"R": {"0": {"Return": {}}}}}
    (files / "typo.json").write_text(json.dumps(typo))
    (files / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    retry = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"FunctionName": "f"}, "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": "x"}], "End": True}
    (files / "retry.json").write_text(json.dumps({"QueryLanguage": "JSONata", "StartAt": "Call", "States": {"Call": retry}}))
    filled = [a.format(dir=files, definition=files / "sfn_ndr_15m_features_inference.json") for a in arguments]
    code, result, err = simulate(capsys, *filled)
    assert code == 2
    assert result is None
    assert message.format(dir=files) in err
    assert "Traceback" not in err


def test_input_with_a_byte_order_mark_is_read(files, capsys):
    (files / "bom.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(BATCH).encode())
    code, result, _ = simulate(capsys, files / "sfn_ndr_15m_features_inference.json", "--input", files / "bom.json")
    assert (code, result["status"]) == (0, "SUCCEEDED")


def test_unmocked_task_exits_2_naming_the_state(tmp_path, capsys):
    training = ROOT / "docs" / "step_functions_jsonata" / "sfn_ndr_training_orchestrator.json"
    (tmp_path / "input.json").write_text("{}")
    code, result, err = simulate(capsys, training, "--input", tmp_path / "input.json")
    assert (code, result) == (2, None)
    assert "PublishApprovedModelArtifacts" in err


def test_help_documents_exit_codes():
    done = subprocess.run([sys.executable, "-m", "ndr_workflows.simulate", "--help"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0
    assert "exit codes" in done.stdout and "--test-case" in done.stdout and "--env" in done.stdout


def test_importing_the_package_does_not_load_the_engine():
    code = "import sys, ndr_workflows, ndr_workflows.simulate, ndr_workflows.export; print('jsonatapy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
