"""``python -m ndr_workflows.export`` as CI and users run it: a real
subprocess, its exit codes, its messages and the files it leaves behind
(docs/design.md, "Command-line contracts")."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ndr_workflows.flows import FLOW_NAMES, build_flow
from ndr_workflows.steps import Polling

REPO = Path(__file__).resolve().parents[2]
EXPORTS = REPO / "docs" / "step_functions_jsonata"
JSON_FILES = sorted(f"{name}.json" for name in FLOW_NAMES)
# Each flow is written as its definition and, beside it, its Mermaid diagram.
ALL_FILES = sorted(f"{name}{ext}" for name in FLOW_NAMES for ext in (".json", ".md"))
TRAINING = "sfn_ndr_training_orchestrator"
BACKFILL = "sfn_ndr_backfill_reprocessing"
MONTHLY = "sfn_ndr_monthly_fg_b_baselines"
HEAVY_MODULES = ("boto3", "botocore", "sagemaker", "stepfunctions")


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, code: str | None = None) -> subprocess.CompletedProcess:
    """Run the export (or ``python -c code`` with ``args``) in a fresh interpreter."""
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "ndr_workflows.export", *args]
    return subprocess.run(
        command,
        cwd=cwd,
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def listing(directory: Path) -> list[str]:
    return sorted(os.listdir(directory)) if directory.exists() else []


def snapshot(directory: Path) -> dict[str, tuple[int, bytes]]:
    """Name -> (mtime_ns, bytes) of every entry, plus the directory's own mtime."""
    shot = {".": (directory.stat().st_mtime_ns, b"")}
    for entry in directory.iterdir():
        shot[entry.name] = (entry.stat().st_mtime_ns, entry.read_bytes())
    return shot


def assert_no_traceback(result: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in result.stderr + result.stdout, result.stderr


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full export, made once; tests copy from it instead of re-exporting."""
    out = tmp_path_factory.mktemp("exported") / "out"
    result = run(["--out", str(out)], cwd=out.parent)
    assert result.returncode == 0, result.stderr
    return out


def copy_export(exported: Path, target: Path) -> Path:
    target.mkdir(parents=True)
    for name in os.listdir(exported):
        (target / name).write_bytes((exported / name).read_bytes())
    return target


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


def test_export_writes_the_five_committed_files(exported: Path) -> None:
    # Nothing else in the directory: no temp files left behind either.
    assert listing(exported) == ALL_FILES
    for name in ALL_FILES:
        assert (exported / name).read_bytes() == (EXPORTS / name).read_bytes(), name


def test_default_out_is_docs_step_functions_jsonata_under_the_cwd(tmp_path: Path) -> None:
    result = run(["--flow", TRAINING], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert listing(tmp_path / "docs" / "step_functions_jsonata") == [f"{TRAINING}.json", f"{TRAINING}.md"]


def test_check_in_the_repo_passes_on_the_committed_files() -> None:
    before = snapshot(EXPORTS)
    result = run(["--check"], cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert snapshot(EXPORTS) == before


@pytest.mark.parametrize(
    "flow_args, expected",
    [
        (["--flow", TRAINING], [TRAINING]),
        (["--flow", TRAINING, BACKFILL], [TRAINING, BACKFILL]),
        (["--flow", TRAINING, "--flow", MONTHLY], [TRAINING, MONTHLY]),
        (["--flow", BACKFILL, "--flow", BACKFILL], [BACKFILL]),
    ],
)
def test_flow_selects_only_those_files(tmp_path: Path, flow_args: list[str], expected: list[str]) -> None:
    out = tmp_path / "out"
    result = run(["--out", str(out), *flow_args], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert listing(out) == sorted(f"{name}{ext}" for name in expected for ext in (".json", ".md"))
    for name in expected:
        assert (out / f"{name}.json").read_bytes() == (EXPORTS / f"{name}.json").read_bytes()


@pytest.mark.parametrize("flows", [["sfn_ndr_no_such_flow"], [TRAINING, "training_orchestrator"]])
def test_unknown_flow_is_a_usage_error_naming_the_valid_flows(tmp_path: Path, flows: list[str]) -> None:
    out = tmp_path / "out"
    result = run(["--out", str(out), "--flow", *flows], cwd=tmp_path)
    assert result.returncode == 2
    assert flows[-1] in result.stderr
    for name in FLOW_NAMES:
        assert name in result.stderr, f"the message should list {name}"
    assert_no_traceback(result)
    assert listing(tmp_path) == []


def test_reexport_of_unchanged_files_does_not_touch_them(exported: Path, tmp_path: Path) -> None:
    out = copy_export(exported, tmp_path / "out")
    before = snapshot(out)
    result = run(["--out", str(out)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert snapshot(out) == before


def test_export_replaces_a_stale_file_and_leaves_no_temp_file(exported: Path, tmp_path: Path) -> None:
    out = copy_export(exported, tmp_path / "out")
    stale = out / f"{MONTHLY}.json"
    stale.write_text("{}\n", encoding="utf-8")
    result = run(["--out", str(out)], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert stale.read_bytes() == (EXPORTS / f"{MONTHLY}.json").read_bytes()
    assert listing(out) == ALL_FILES


def test_polling_completion_exports_the_polling_form(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(["--out", str(out), "--completion", "polling", "--flow", "sfn_ndr_15m_features_inference"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (out / "sfn_ndr_15m_features_inference.json").read_text(encoding="utf-8")
    assert text == build_flow("sfn_ndr_15m_features_inference", completion=Polling()).to_json()
    assert "DescribeFeaturesPipeline" in text


def test_check_of_the_polling_form_says_to_export_the_polling_form(tmp_path: Path) -> None:
    # Following the hint must fix what --check found: without --completion
    # polling it wrote the callback form over the polling one.
    out = tmp_path / "out"
    args = ["--out", str(out), "--completion", "polling", "--flow", "sfn_ndr_15m_features_inference"]
    assert run(args, cwd=tmp_path).returncode == 0
    (out / "sfn_ndr_15m_features_inference.json").write_text("{}", encoding="utf-8")
    result = run([*args, "--check"], cwd=tmp_path)
    assert result.returncode == 1
    assert f"run: python -m ndr_workflows.export --out {out} --completion polling" in result.stderr


# ---------------------------------------------------------------------------
# --check
# ---------------------------------------------------------------------------


def test_check_on_matching_files_exits_0_and_writes_nothing(exported: Path, tmp_path: Path) -> None:
    out = copy_export(exported, tmp_path / "out")
    before = snapshot(out)
    result = run(["--out", str(out), "--check"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert snapshot(out) == before
    assert listing(tmp_path) == ["out"]


def test_check_names_exactly_the_modified_file(exported: Path, tmp_path: Path) -> None:
    out = copy_export(exported, tmp_path / "out")
    changed = out / f"{BACKFILL}.json"
    data = changed.read_bytes().replace(b'"MaxConcurrency": 4', b'"MaxConcurrency": 5')
    assert data != changed.read_bytes()
    changed.write_bytes(data)
    before = snapshot(out)
    result = run(["--out", str(out), "--check"], cwd=tmp_path)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert str(changed) in output
    for name in FLOW_NAMES:
        if name != BACKFILL:
            assert f"{name}.json" not in output, f"{name} matches but was named"
    assert snapshot(out) == before
    assert_no_traceback(result)


def test_check_names_a_missing_file(exported: Path, tmp_path: Path) -> None:
    out = copy_export(exported, tmp_path / "out")
    missing = out / f"{TRAINING}.json"
    missing.unlink()
    before = snapshot(out)
    result = run(["--out", str(out), "--check"], cwd=tmp_path)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert str(missing) in output and "missing" in output
    assert [n for n in FLOW_NAMES if f"{n}.json" in output] == [TRAINING]
    assert snapshot(out) == before


@pytest.mark.parametrize("damage", ["edit", "delete"])
def test_check_names_a_stale_or_missing_diagram(exported: Path, tmp_path: Path, damage: str) -> None:
    out = copy_export(exported, tmp_path / "out")
    diagram = out / f"{MONTHLY}.md"
    if damage == "edit":
        diagram.write_bytes(diagram.read_bytes().replace(b"flowchart TD", b"flowchart LR"))
    else:
        diagram.unlink()
    before = snapshot(out)
    result = run(["--out", str(out), "--check"], cwd=tmp_path)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert str(diagram) in output
    # only that file: its JSON and the other flows' files match
    assert [f for f in ALL_FILES if f in output] == [f"{MONTHLY}.md"]
    assert snapshot(out) == before
    # and the export puts it back
    assert run(["--out", str(out)], cwd=tmp_path).returncode == 0
    assert diagram.read_bytes() == (EXPORTS / f"{MONTHLY}.md").read_bytes()


def test_check_of_a_directory_that_does_not_exist_creates_nothing(tmp_path: Path) -> None:
    out = tmp_path / "nowhere"
    result = run(["--out", str(out), "--check", "--flow", TRAINING], cwd=tmp_path)
    assert result.returncode == 1
    assert f"{TRAINING}.json" in result.stderr
    assert not out.exists()


# ---------------------------------------------------------------------------
# determinism and format
# ---------------------------------------------------------------------------

ENVIRONMENTS = [
    {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "ap-southeast-2", "TZ": "Pacific/Kiritimati", "LANG": "C", "LC_ALL": "C", "PYTHONHASHSEED": "1"},
    {"AWS_REGION": "us-gov-west-1", "AWS_DEFAULT_REGION": "cn-north-1", "TZ": "America/St_Johns", "LANG": "tr_TR.UTF-8", "LC_ALL": "tr_TR.UTF-8", "PYTHONHASHSEED": "4242"},
    {"TZ": "UTC-14", "LANG": "de_DE.ISO-8859-1", "LC_ALL": "de_DE.ISO-8859-1", "PYTHONHASHSEED": "random", "PYTHONIOENCODING": "latin-1"},
]


def test_two_exports_give_identical_bytes_whatever_the_environment(exported: Path, tmp_path: Path) -> None:
    for index, extra in enumerate(ENVIRONMENTS):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LC_")) and k not in ("TZ", "LANG", "PYTHONHASHSEED")}
        env.update(extra)
        out = tmp_path / f"out{index}"
        result = run(["--out", str(out)], cwd=tmp_path, env=env)
        assert result.returncode == 0, (extra, result.stderr)
        assert listing(out) == ALL_FILES
        for name in ALL_FILES:
            assert (out / name).read_bytes() == (exported / name).read_bytes(), (extra, name)


def test_output_files_use_two_space_indent_and_one_trailing_newline(exported: Path) -> None:
    for name in JSON_FILES:
        text = (exported / name).read_bytes().decode("utf-8")
        assert text.endswith("}\n") and not text.endswith("\n\n"), name
        assert "\r" not in text and "\t" not in text, name
        assert text == json.dumps(json.loads(text), indent=2) + "\n", name
        indents = {len(line) - len(line.lstrip(" ")) for line in text.splitlines()}
        assert all(i % 2 == 0 for i in indents) and 2 in indents, name


# ---------------------------------------------------------------------------
# unusable --out
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("check", [[], ["--check"]])
def test_out_pointing_at_a_regular_file_is_a_usage_error(tmp_path: Path, check: list[str]) -> None:
    target = tmp_path / "somefile"
    target.write_text("keep me\n", encoding="utf-8")
    result = run(["--out", str(target), *check], cwd=tmp_path)
    assert result.returncode == 2
    assert str(target) in result.stderr and "not a directory" in result.stderr
    assert_no_traceback(result)
    assert target.read_text(encoding="utf-8") == "keep me\n"
    assert listing(tmp_path) == ["somefile"]


def test_out_that_cannot_be_created_is_a_usage_error(tmp_path: Path) -> None:
    # Tests run as root, so permissions cannot stop a write: a path below a
    # regular file cannot be created by anyone.
    blocker = tmp_path / "somefile"
    blocker.write_text("x\n", encoding="utf-8")
    for out in (blocker / "sub", blocker / "sub" / "deeper"):
        result = run(["--out", str(out)], cwd=tmp_path)
        assert result.returncode == 2
        # the message names what is in the way, not only the path asked for
        assert f"cannot write to {out}: {blocker} is not a directory; nothing was changed" in result.stderr
    assert_no_traceback(result)
    assert listing(tmp_path) == ["somefile"]


# ---------------------------------------------------------------------------
# flows that cannot be built
# ---------------------------------------------------------------------------

BROKEN_FLOW = textwrap.dedent(
    """
    import sys
    import ndr_workflows.flows.training_orchestrator as module
    from ndr_workflows import Map, Pass, StateMachine, var

    def build(**options):
        body = (
            Pass("First", assign={"items": [1, 2]})
            >> Map("Fan", processor=Pass("Inner", next="Nowhere"), items=var("items"))
            >> Pass("Last", next="AlsoNowhere")
        )
        return StateMachine(body, name=module.NAME, comment="broken on purpose")

    module.build = build
    from ndr_workflows.export import main
    raise SystemExit(main(sys.argv[1:]))
    """
)

RAISING_FLOW = textwrap.dedent(
    """
    import sys
    import ndr_workflows.flows.monthly_fg_b_baselines as module

    def invoke_lambda(*args, **kwargs):
        raise ValueError("the flow module is broken")

    module.invoke_lambda = invoke_lambda
    from ndr_workflows.export import main
    raise SystemExit(main(sys.argv[1:]))
    """
)


@pytest.mark.parametrize("check", [False, True])
def test_a_flow_with_problems_fails_with_every_problem_and_nothing_is_written(tmp_path: Path, check: bool) -> None:
    out = tmp_path / "out"
    result = run(["--out", str(out)] + (["--check"] if check else []), cwd=tmp_path, code=BROKEN_FLOW)
    assert result.returncode == 1, result.stderr
    assert TRAINING in result.stderr
    assert re.search(r"^\s*Fan/Inner: .*'Nowhere'", result.stderr, re.M), result.stderr
    assert re.search(r"^\s*Last: .*'AlsoNowhere'", result.stderr, re.M), result.stderr
    assert_no_traceback(result)
    # Not even the four good flows.
    assert not out.exists()


def test_a_flow_with_problems_does_not_touch_existing_files(exported: Path, tmp_path: Path) -> None:
    out = copy_export(exported, tmp_path / "out")
    (out / f"{MONTHLY}.json").write_text("{}\n", encoding="utf-8")
    before = snapshot(out)
    result = run(["--out", str(out)], cwd=tmp_path, code=BROKEN_FLOW)
    assert result.returncode == 1
    assert snapshot(out) == before


def flow_call_line() -> int:
    """The line of monthly_fg_b_baselines.py that calls invoke_lambda."""
    source = (REPO / "ndr_workflows" / "flows" / "monthly_fg_b_baselines.py").read_text(encoding="utf-8").splitlines()
    lines = [i for i, text in enumerate(source, 1) if re.search(r"\binvoke_lambda\(", text)]
    assert len(lines) == 1
    return lines[0]


def test_a_flow_module_that_raises_is_reported_with_file_and_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(["--out", str(out)], cwd=tmp_path, code=RAISING_FLOW)
    assert result.returncode == 1
    assert MONTHLY in result.stderr
    assert "ValueError" in result.stderr and "the flow module is broken" in result.stderr
    assert f"(at ndr_workflows/flows/monthly_fg_b_baselines.py:{flow_call_line()})" in result.stderr
    assert_no_traceback(result)
    assert not out.exists()


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(["--out", str(out), "--debug"], cwd=tmp_path, code=RAISING_FLOW)
    assert result.returncode != 0
    assert "Traceback (most recent call last)" in result.stderr
    assert "the flow module is broken" in result.stderr
    assert not out.exists()


# ---------------------------------------------------------------------------
# help and imports
# ---------------------------------------------------------------------------


def test_help_documents_the_exit_codes(tmp_path: Path) -> None:
    result = run(["--help"], cwd=tmp_path)
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "Exit codes" in text or "exit codes" in text
    for code in ("0", "1", "2"):
        assert re.search(rf"\b{code}\b", text)
    for option in ("--out", "--flow", "--check"):
        assert option in text
    assert listing(tmp_path) == []


IMPORTS_PROBE = textwrap.dedent(
    """
    import json, runpy, sys
    import ndr_workflows
    after_import = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
    sys.argv = ["ndr_workflows.export", "--out", sys.argv[1]]
    try:
        runpy.run_module("ndr_workflows.export", run_name="__main__")
    except SystemExit as exc:
        code = exc.code
    else:
        code = None
    after_export = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY)
    print(json.dumps({"code": code, "import": after_import, "export": after_export}))
    """
).replace("HEAVY", repr(HEAVY_MODULES))


def test_import_and_export_load_no_aws_sdk(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run([str(out)], cwd=tmp_path, code=IMPORTS_PROBE)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["code"] in (0, None)
    assert report["import"] == []
    assert report["export"] == []
    assert listing(out) == ALL_FILES


def test_polling_form_is_never_written_over_the_committed_callback_exports() -> None:
    before = {p.name: p.read_bytes() for p in (REPO / "docs" / "step_functions_jsonata").glob("*.json")}
    result = run(["--completion", "polling"], cwd=REPO)
    assert result.returncode == 2 and "needs --out" in result.stderr
    assert_no_traceback(result)
    assert {p.name: p.read_bytes() for p in (REPO / "docs" / "step_functions_jsonata").glob("*.json")} == before
