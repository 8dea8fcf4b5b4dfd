"""``python -m ndr_workflows.validate`` as CI and users run it: a fresh
interpreter, its output formats and exit codes (docs/validate.md: 0 no error
finding, 1 an error finding, 2 unusable arguments or unreadable / non-JSON
files)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ndr_workflows.flows import FLOW_NAMES

REPO = Path(__file__).resolve().parents[2]
EXPORTS = REPO / "docs" / "step_functions_jsonata"
LAMBDA = "arn:aws:states:::lambda:invoke"
CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"


def run(*args: str | Path, cwd: Path = REPO) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "ndr_workflows.validate", *map(str, args)],
        cwd=cwd,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def write(path: Path, definition: object) -> Path:
    path.write_text(json.dumps(definition, indent=2), encoding="utf-8")
    return path


def broken(tmp_path: Path) -> Path:
    return write(
        tmp_path / "broken.json",
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Start",
            "States": {
                "Start": {"Type": "Pass", "Assign": {"x": 1}, "Next": "Cal"},
                "Call": {"Type": "Task", "Resource": LAMBDA, "Arguments": {"FunctionName": "${Fn}", "Payload": "{% $y %}"}, "End": True},
            },
        },
    )


def clean(tmp_path: Path, name: str = "clean.json") -> Path:
    return write(tmp_path / name, {"QueryLanguage": "JSONata", "StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})


def test_no_path_checks_the_five_built_in_flows() -> None:
    result = run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert f"{len(FLOW_NAMES)} definition(s) checked: 0 error(s)" in result.stderr


def test_the_exported_files_and_their_directory_are_clean() -> None:
    files = [EXPORTS / f"{name}.json" for name in FLOW_NAMES]
    assert run(*files).returncode == 0
    result = run(EXPORTS)
    assert result.returncode == 0 and f"{len(files)} definition(s) checked" in result.stderr


def test_text_lines_name_file_state_code_and_hint(tmp_path: Path) -> None:
    path = broken(tmp_path)
    result = run(path, "--no-integrations")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{path}: Start: UNKNOWN_TARGET: Next goes to 'Cal', which is not a state of this graph (hint: did you mean 'Call'?)" in lines
    # one mistake, one line: Call, which the misspelt Next meant, is not also said to be unreachable
    assert not any(": UNREACHABLE: " in line for line in lines)
    assert any(line.startswith(f"{path}: Call: UNKNOWN_VARIABLE: Arguments.Payload: $y is never assigned") for line in lines)
    assert "error(s)" in result.stderr


def test_json_format_is_one_list_of_findings(tmp_path: Path) -> None:
    path = broken(tmp_path)
    result = run(path, "--format", "json", "--no-integrations")
    assert result.returncode == 1
    rows = json.loads(result.stdout)
    assert {(r["file"], r["path"], r["code"], r["severity"]) for r in rows} >= {(str(path), "Start", "UNKNOWN_TARGET", "error"), (str(path), "Call", "UNKNOWN_VARIABLE", "error")}
    assert all(set(r) == {"file", "path", "code", "severity", "message", "hint"} for r in rows)
    ok = run(clean(tmp_path), "--format", "json")
    assert ok.returncode == 0 and json.loads(ok.stdout) == []


def test_several_files_are_all_reported(tmp_path: Path) -> None:
    first, second = broken(tmp_path), write(tmp_path / "second.json", {"QueryLanguage": "JSONata", "StartAt": "A", "States": {"A": {"Type": "Pass"}}})
    result = run(first, clean(tmp_path), second, "--no-integrations")
    assert result.returncode == 1
    files = {line.split(": ", 1)[0] for line in result.stdout.splitlines() if not line.startswith(" ")}
    assert files == {str(first), str(second)}
    assert f"{second}: A: MISSING_TRANSITION" in result.stdout


def test_for_deploy_makes_placeholders_errors(tmp_path: Path) -> None:
    path = write(tmp_path / "p.json", {"QueryLanguage": "JSONata", "StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": LAMBDA, "Arguments": {"FunctionName": "${Fn}"}, "End": True}}})
    assert run(path, "--no-integrations").returncode == 0
    result = run(path, "--for-deploy", "--no-integrations")
    assert result.returncode == 1
    assert f"{path}: Call: UNRESOLVED_PLACEHOLDER: Arguments.FunctionName: placeholder ${{Fn}} is not substituted" in result.stdout


def test_express_type_refuses_callbacks(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cb.json",
        {
            "QueryLanguage": "JSONata",
            "StartAt": "Ask",
            "States": {"Ask": {"Type": "Task", "Resource": CALLBACK, "TimeoutSeconds": 60, "Arguments": {"FunctionName": "f", "Payload": {"token": "{% $states.context.Task.Token %}"}}, "End": True}},
        },
    )
    assert run(path, "--type", "STANDARD", "--no-integrations").returncode == 0
    result = run(path, "--type", "EXPRESS", "--no-integrations")
    assert result.returncode == 1 and f"{path}: Ask: EXPRESS_UNSUPPORTED:" in result.stdout


def test_a_json_value_that_is_not_a_definition_is_a_finding(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    result = run(path)
    assert result.returncode == 1
    assert f"{path}: (state machine): NOT_A_DEFINITION:" in result.stdout


@pytest.mark.parametrize("content", ["", "{ not json", '{"a": NaN}'], ids=["empty", "broken", "nan"])
def test_an_empty_or_non_json_file_exits_2_but_the_others_are_still_checked(tmp_path: Path, content: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    result = run(bad, broken(tmp_path), "--no-integrations")
    assert result.returncode == 2
    assert f"error: {bad}:" in result.stderr
    assert "UNKNOWN_TARGET" in result.stdout


def test_unreadable_and_missing_files_exit_2(tmp_path: Path) -> None:
    result = run(tmp_path / "missing.json")
    assert result.returncode == 2 and "cannot be read" in result.stderr
    locked = clean(tmp_path, "locked.json")
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):  # running as root: permissions do not apply
            return
        result = run(locked)
        assert result.returncode == 2 and "cannot be read" in result.stderr
    finally:
        locked.chmod(0o644)


def test_a_directory_means_its_json_files_and_an_empty_one_exits_2(tmp_path: Path) -> None:
    (tmp_path / "defs").mkdir()
    broken(tmp_path / "defs")
    clean(tmp_path / "defs")
    (tmp_path / "defs" / "notes.txt").write_text("not a definition", encoding="utf-8")
    result = run(tmp_path / "defs", "--no-integrations")
    assert result.returncode == 1 and "broken.json: Start: UNKNOWN_TARGET" in result.stdout
    assert "2 definition(s) checked" in result.stderr
    (tmp_path / "empty").mkdir()
    result = run(tmp_path / "empty")
    assert result.returncode == 2 and "no *.json file" in result.stderr


@pytest.mark.parametrize("args", [["--format", "yaml"], ["--type", "express"], ["--bogus"]])
def test_unusable_arguments_exit_2(args: list[str]) -> None:
    result = run(*args)
    assert result.returncode == 2
    # one line naming the problem and pointing at --help; no usage dump, no traceback
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("python -m ndr_workflows.validate: error: ")
    assert result.stderr.rstrip().endswith("(see --help)") and args[0] in result.stderr


def test_help_documents_the_options_and_exit_codes() -> None:
    result = run("--help")
    assert result.returncode == 0
    for text in ("--format", "--for-deploy", "--type", "Exit codes", "0 no error finding", "1 an error finding", "2 bad arguments"):
        assert text in result.stdout
