"""The export runs every check ``python -m ndr_workflows.validate`` runs,
the integration checks against botocore's service models included, and
refuses to write a flow with errors: the edit -> export loop is where a
data scientist learns of a mistake (docs/commands.md, "export").

The user's loop is tested as a user runs it: a flow module edited on a
copy of the package, then ``python -m ndr_workflows.export`` in a fresh
process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ndr_workflows import export as export_module
from ndr_workflows.flows import build_flow
from ndr_workflows.model import StateMachine, Succeed
from ndr_workflows.steps import publish_event, run_pipeline, workflow_failed
from ndr_workflows.validate import validate

REPO = Path(__file__).resolve().parents[2]
FLOW = "sfn_ndr_15m_features_inference"
MODULE = Path("ndr_workflows/flows/features_inference_15m.py")


def package_copy(target: Path, edits: list[tuple[str, str]]) -> Path:
    """A copy of the package with ``edits`` (old, new) made to the 15m flow module."""
    shutil.copytree(REPO / "ndr_workflows", target / "ndr_workflows", ignore=shutil.ignore_patterns("__pycache__"))
    module = target / MODULE
    text = module.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"{MODULE} no longer holds {old!r}: update this test"
        text = text.replace(old, new)
    module.write_text(text, encoding="utf-8")
    return target


def export(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m ndr_workflows.export`` run in ``cwd`` (whose package it imports)."""
    environment = {**os.environ, "PYTHONPATH": str(cwd), **(env or {})}
    return subprocess.run([sys.executable, "-m", "ndr_workflows.export", *args], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)


def test_an_argument_of_the_wrong_type_in_a_builder_call_fails_the_export(tmp_path: Path) -> None:
    """``detail_type=123`` and ``pipeline=15``: AWS accepts the definition,
    and every run fails at that state; the export says so, naming each
    state and field, and writes nothing."""
    copy = package_copy(
        tmp_path / "repo",
        [
            ('detail_type="NdrInferencePipelineCompleted"', "detail_type=123"),
            ('"StartInferencePipeline", "WaitForInferenceCompletionEvent", "${PipelineNameInference}"', '"StartInferencePipeline", "WaitForInferenceCompletionEvent", 15'),
        ],
    )
    out = tmp_path / "out"
    result = export(copy, "--out", str(out), "--flow", FLOW)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "EmitInferenceCompleteEvent: INTEGRATION_ARGUMENT_TYPE: Arguments.Entries[0].DetailType: EventBridge PutEvents expects a string here, not 123" in result.stderr
    assert "StartInferencePipeline: INTEGRATION_ARGUMENT_TYPE: Arguments.PipelineName: SageMaker StartPipelineExecution expects a string here, not 15" in result.stderr
    assert "nothing written" in result.stderr
    assert not out.exists() or list(out.iterdir()) == []
    # --check refuses it the same way (it compares only what could be written)
    checked = export(copy, "--check", "--flow", FLOW, "--format", "json")
    assert checked.returncode == 1
    problems = json.loads(checked.stdout)["problems"]
    assert len(problems) == 1 and problems[0].count("INTEGRATION_ARGUMENT_TYPE") == 2


def broken(name: str) -> StateMachine:
    return StateMachine(
        publish_event("Emit", detail_type=123, detail={"a": 1})  # type: ignore[arg-type]
        >> run_pipeline(start="Start", wait="Wait", pipeline=15, arn_variable="arn", parameters={})  # type: ignore[arg-type]
        >> Succeed("Done"),
        name=name,
        on_failure=workflow_failed("F"),
    )


def test_the_export_refuses_exactly_what_validate_finds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import ndr_workflows.flows as flows

    monkeypatch.setattr(flows, "build_flow", lambda name, **options: broken(name))
    assert export_module.main(["--out", str(tmp_path / "out"), "--flow", FLOW]) == 1
    err = capsys.readouterr().err
    found = validate(broken(FLOW))
    assert [(f.path, f.code, f.field) for f in found] == [
        ("Emit", "INTEGRATION_ARGUMENT_TYPE", "Arguments.Entries[0].DetailType"),
        ("Start", "INTEGRATION_ARGUMENT_TYPE", "Arguments.PipelineName"),
    ]
    reported = [line.strip() for line in err.splitlines() if ": INTEGRATION_" in line]
    assert reported == [f"{f.path}: {f.code}: {f.message}" for f in found]


def test_to_dict_renders_what_only_the_service_models_refuse() -> None:
    """The decision (docs/validate.md): ``to_dict()`` runs the checks that
    need no service model; the export and ``flow.validate()`` run them all.
    A rendering does not depend on the installed botocore."""
    flow = broken("t")
    definition = flow.to_dict()
    assert definition["States"]["Emit"]["Arguments"]["Entries"][0]["DetailType"] == 123
    assert [f.code for f in flow.validate()] == ["INTEGRATION_ARGUMENT_TYPE", "INTEGRATION_ARGUMENT_TYPE"]
    assert flow.validate(integrations=False) == []


PROBE = textwrap.dedent(
    """
    import json, sys
    from ndr_workflows import export
    code = export.main(["--out", sys.argv[1], "--flow", sys.argv[2]])
    print(json.dumps({"code": code, "botocore": sorted(m for m in sys.modules if m.split(".")[0] in ("botocore", "boto3"))}))
    """
)


def test_a_warm_cache_keeps_botocore_out_of_the_export(tmp_path: Path) -> None:
    """The first export in a new cache directory distils the service models
    from botocore's files into the cache; every later one reads only the
    cache. Neither imports botocore."""
    env = {**os.environ, "NDR_WORKFLOWS_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("NDR_WORKFLOWS_NO_CACHE", None)
    runs = []
    for i in range(2):
        result = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / f"out{i}"), FLOW], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
        if i == 0:
            assert [p.name for p in (tmp_path / "cache").glob("service-models-*.marshal")], "the first export filled no cache"
    assert runs == [{"code": 0, "botocore": []}, {"code": 0, "botocore": []}]


def test_the_committed_flows_pass_every_check() -> None:
    """What the export now requires of the five flows, both completion forms."""
    from ndr_workflows.flows import FLOW_NAMES
    from ndr_workflows.steps import Polling

    for name in FLOW_NAMES:
        for options in ({}, {"completion": Polling()}):
            assert [str(f) for f in validate(build_flow(name, **options)) if f.is_error] == [], (name, options)
