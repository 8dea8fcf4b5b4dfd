"""The commands agree: ``--flow``, ``--format``, ``--input``, ``--debug``,
one-line usage errors and the exit codes mean the same in export,
validate, simulate, deploy, contracts and execution (docs/commands.md)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ndr_workflows.cli import contracts, deploy, execution, options, simulate, validate
from ndr_workflows import export
from ndr_workflows.flows import FLOW_NAMES

REPO = Path(__file__).resolve().parents[2]
EXPORTS = REPO / "docs" / "step_functions_jsonata"
PIPELINES = REPO / "tests" / "data" / "pipelines"
F15, TRAINING, BACKFILL = "sfn_ndr_15m_features_inference", "sfn_ndr_training_orchestrator", "sfn_ndr_backfill_reprocessing"
BATCH = {"mini_batch_id": "mb-1", "batch_start_ts_iso": "2025-01-01T00:00:00Z", "batch_end_ts_iso": "2025-01-01T00:15:00Z"}
PROGRAMS = {
    "export": export.main,
    "validate": validate.main,
    "simulate": simulate.main,
    "deploy": deploy.main,
    "contracts": contracts.main,
    "execution": execution.main,
}


def call(capsys: pytest.CaptureFixture[str], program: str, *args: str) -> tuple[int, str, str]:
    try:
        code = PROGRAMS[program](list(args))
    except SystemExit as exc:  # argparse: --help, usage errors
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def pipelines() -> list[str]:
    return [arg for path in sorted(PIPELINES.glob("*.json")) for arg in ("--pipeline", f"{path.stem}={path}")]


# ---------------------------------------------------------------------------
# --help: every command documents the shared options and its exit codes
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("program", list(PROGRAMS))
def test_help_names_format_debug_and_the_exit_codes(capsys: pytest.CaptureFixture[str], program: str) -> None:
    args = ["list", "--help"] if program == "execution" else ["--help"]
    code, out, _ = call(capsys, program, *args)
    text = " ".join(out.split())
    assert code == 0
    assert "--format {text,json}" in text and "--debug" in text
    assert "exit codes" in text.lower() or program == "execution"  # the subcommand's epilog is the command's
    if program in ("export", "validate", "simulate", "deploy", "contracts"):
        assert "--flow NAME" in text


@pytest.mark.parametrize("program", ["validate", "deploy", "export", "contracts", "simulate"])
def test_help_says_the_format_default_once(capsys: pytest.CaptureFixture[str], program: str) -> None:
    text = " ".join(call(capsys, program, "--help")[1].split())
    assert "default: text on a terminal, text when" not in text
    assert "(default: text)" in text or "(default: text on a terminal, json when the output is piped or redirected)" in text


# ---------------------------------------------------------------------------
# unusable arguments: exit 2, one line, no traceback
# ---------------------------------------------------------------------------

BAD = [
    ("export", ["--flow", "sfn_nope"], "argument --flow: unknown flow 'sfn_nope'"),
    ("export", ["--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
    ("validate", ["--flow", "sfn_ndr_15m_features"], "did you mean 'sfn_ndr_15m_features_inference'?"),
    ("validate", ["--bogus"], "unrecognized arguments: --bogus"),
    ("simulate", [F15, "--input", "[1,"], "the input: inline JSON: not JSON"),
    ("simulate", ["--flow", F15, "--flow", TRAINING], "give one definition"),
    ("deploy", ["--env", "x.json", "--flow", "nope"], "argument --flow: unknown flow 'nope'"),
    ("deploy", ["--flow", F15], "the following arguments are required: --env"),
    ("contracts", ["--flow", "nope", "--pipeline", "x=y.json"], "argument --flow: unknown flow 'nope'"),
    ("contracts", ["--format", "xml", "--pipeline", "x=y.json"], "invalid choice: 'xml'"),
    ("execution", ["start", "nope", "--env", "x.json"], "argument NAME: unknown flow 'nope'"),
    ("execution", ["list", F15], "the following arguments are required: --env"),
]


@pytest.mark.parametrize(("program", "args", "words"), BAD, ids=[f"{p}-{i}" for i, (p, _, _) in enumerate(BAD)])
def test_unusable_arguments_exit_2_with_one_line(capsys: pytest.CaptureFixture[str], program: str, args: list[str], words: str) -> None:
    code, out, err = call(capsys, program, *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith(f"python -m ndr_workflows.{program}") and words in err
    assert "Traceback" not in err


# ---------------------------------------------------------------------------
# --debug: an unexpected error is one line, or the traceback
# ---------------------------------------------------------------------------

UNEXPECTED = {
    "export": ("ndr_workflows.export", "_export", ["--check"]),
    "validate": ("ndr_workflows.cli.validate", "_check", []),
    "simulate": ("ndr_workflows.cli.simulate", "run", [F15]),
    "deploy": ("ndr_workflows.cli.deploy", "load_env", ["--env", "x.json"]),
    "contracts": ("ndr_workflows.cli.contracts", "check_pipeline_contracts", [str(EXPORTS / f"{F15}.json"), *pipelines()]),
    "execution": ("ndr_workflows.cli.execution", "_list", ["list", F15, "--env", str(REPO / "notebooks" / "dev_environment.json")]),
}


@pytest.mark.parametrize("program", list(UNEXPECTED))
def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, program: str) -> None:
    import importlib

    module, name, args = UNEXPECTED[program]

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(importlib.import_module(module), name, broken)
    code, out, err = call(capsys, program, *args)
    assert code == 1
    assert err.count("\n") == 1 and "error: unexpected RuntimeError: a bug" in err and "(run with --debug for the traceback)" in err
    assert "Traceback" not in err
    with pytest.raises(RuntimeError, match="a bug"):
        PROGRAMS[program]([*args, "--debug"])


# ---------------------------------------------------------------------------
# --flow: one meaning, repeatable; --flow A B where no positional can be swallowed
# ---------------------------------------------------------------------------


def test_flow_is_repeatable_everywhere_and_export_and_deploy_take_the_older_form(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for form in (["--flow", TRAINING, "--flow", BACKFILL], ["--flow", TRAINING, BACKFILL]):
        code, out, _ = call(capsys, "export", "--out", str(tmp_path), *form, "--format", "json")
        assert code == 0 and [Path(f["path"]).name for f in json.loads(out)["files"]] == [f"{TRAINING}.json", f"{TRAINING}.md", f"{BACKFILL}.json", f"{BACKFILL}.md"]
    code, _, err = call(capsys, "validate", "--flow", TRAINING, "--flow", BACKFILL)
    assert (code, err.splitlines()[-1]) == (0, "2 definition(s) checked: 0 error(s), 0 warning(s)")
    code, out, _ = call(capsys, "contracts", "--flow", TRAINING, "--flow", BACKFILL, "--format", "json", *pipelines())
    assert (code, out.strip()) == (0, "[]")
    env = tmp_path / "env.json"
    env.write_text((REPO / "notebooks" / "dev_environment.json").read_text())
    policies = tmp_path / "policies"
    code, out, _ = call(capsys, "deploy", "--env", str(env), "--flow", TRAINING, BACKFILL, "--iam-policy", str(policies))
    assert code == 0 and sorted(p.name for p in policies.iterdir()) == [f"{BACKFILL}.policy.json", f"{TRAINING}.policy.json"]


def test_a_flow_name_is_taken_wherever_a_definition_file_is(capsys: pytest.CaptureFixture[str]) -> None:
    by_file = call(capsys, "simulate", str(EXPORTS / f"{F15}.json"), "--input", json.dumps(BATCH), "--format", "json")
    by_name = call(capsys, "simulate", F15, "--input", json.dumps(BATCH), "--format", "json")
    by_option = call(capsys, "simulate", "--flow", F15, "--input", json.dumps(BATCH), "--format", "json")
    assert by_file == by_name == by_option and by_name[0] == 0
    code, out, err = call(capsys, "validate", F15, str(EXPORTS / f"{TRAINING}.json"), "--format", "json")
    assert (code, json.loads(out)) == (0, []) and "2 definition(s) checked" in err
    code, out, _ = call(capsys, "contracts", F15, "--format", "json", *pipelines())
    assert (code, json.loads(out)) == (0, [])


def test_a_file_named_like_a_flow_is_read_as_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / F15).write_text('{"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}')
    code, out, _ = call(capsys, "simulate", F15, "--format", "json")
    assert code == 0 and json.loads(out)["states"] == ["A"]


# ---------------------------------------------------------------------------
# --format: text on a terminal; piped, each command's former output
# ---------------------------------------------------------------------------


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_simulate_prints_text_on_a_terminal_and_json_when_piped(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = call(capsys, "simulate", F15, "--input", json.dumps(BATCH))
    assert code == 0 and json.loads(out)["status"] == "SUCCEEDED"  # piped (captured): JSON, as scripts expect
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert simulate.main([F15, "--input", json.dumps(BATCH)]) == 0
    text = terminal.getvalue()
    assert text.startswith(f"SUCCEEDED  {F15} / execution")
    assert "tables at the end (the built-in DynamoDB fake):\n  ${LockTableName}: no items" in text


def test_validate_and_contracts_keep_their_lines_when_piped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"StartAt": "Nowhere", "States": {"A": {"Type": "Succeed"}}}')
    code, out, _ = call(capsys, "validate", str(broken))
    assert code == 1 and out.startswith(f"{broken}: (state machine): ")


def test_simulate_text_shows_retries_catches_the_fail_state_and_the_lock_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    mocks = {
        "StateMachines": {F15: {"TestCases": {"Throttled": {"Start15mFeaturesPipeline": "Throttled"}}}},
        "MockedResponses": {"Throttled": {str(i): {"Throw": {"Error": "SageMaker.SageMakerException", "Cause": "slow down"}} for i in range(10)}},
    }
    (tmp_path / "mocks.json").write_text(json.dumps(mocks))
    code, out, _ = call(capsys, "simulate", F15, "--input", json.dumps(BATCH), "--mocks", str(tmp_path / "mocks.json"), "--test-case", "Throttled", "--format", "text")
    assert code == 1  # the execution FAILED; its trace is printed all the same
    lines = out.splitlines()
    assert lines[0].startswith(f"FAILED  {F15} / execution")
    retries = [line for line in lines if line.strip().startswith("retry ")]
    assert retries and all("SageMaker.SageMakerException: slow down (next attempt in" in line for line in retries)
    assert any(line.strip().startswith("catch   SageMaker.SageMakerException: slow down -> ReleaseMiniBatchLockOnFailure") for line in lines)
    assert any(line.strip().startswith("fail    Ndr15mFeaturesInferenceFailed: ") for line in lines)
    assert "  ${LockTableName}: no items" in lines  # the failure path released the lock
    assert lines[-2] == "error: Ndr15mFeaturesInferenceFailed"


def test_simulate_text_shows_a_lock_left_behind_and_waits(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Lock",
        "States": {
            "Lock": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
                "Arguments": {"TableName": "locks", "Item": {"pk": {"S": "a"}, "sk": {"S": "b"}, "ttl": {"N": "5"}}},
                "Next": "Pause",
            },
            "Pause": {"Type": "Wait", "Seconds": 30, "End": True},
        },
    }
    (tmp_path / "lock.json").write_text(json.dumps(definition))
    code, out, _ = call(capsys, "simulate", str(tmp_path / "lock.json"), "--format", "text")
    assert code == 0
    assert "    wait    30s Seconds" in out
    assert "  locks: 1 item\n    pk=\"a\"  sk=\"b\"  ttl=5\n" in out
    assert out.splitlines()[0].split(",")[1].strip() == "30s simulated"


def test_json_output_of_export_check_and_deploy(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = call(capsys, "export", "--check", "--out", str(EXPORTS), "--format", "json")
    files = json.loads(out)["files"]
    assert code == 0 and {f["status"] for f in files} == {"matches"} and len(files) == 2 * len(FLOW_NAMES)


# ---------------------------------------------------------------------------
# --input: a file, - (stdin), or inline JSON
# ---------------------------------------------------------------------------


def test_read_input_takes_a_file_stdin_or_inline_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "in.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(BATCH).encode())
    assert options.read_input(str(tmp_path / "in.json")) == BATCH
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b'{"a": [1, 2]}')))
    assert options.read_input("-") == {"a": [1, 2]}
    assert options.read_input('{"a": 1}') == {"a": 1}
    assert options.read_input("[1, 2]") == [1, 2] and options.read_input('"text"') == "text" and options.read_input("3") == 3
    for bad, words in (('{"a": NaN}', "NaN is not JSON"), ("{", "not JSON"), ("nofile.json", "nofile.json: cannot be read"), ("[" * 100_000, "nested too deeply")):
        with pytest.raises(options.UsageError, match=words):
            options.read_input(bad)


def test_the_commands_run_as_python_dash_m_with_one_line_errors() -> None:
    for program, args in (("simulate", ["--input", "{}"]), ("validate", ["--format"]), ("export", ["--flow"]), ("contracts", [])):
        done = subprocess.run([sys.executable, "-m", f"ndr_workflows.{program}", *args], cwd=REPO, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, (program, done.stderr)
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, (program, done.stderr)
