"""The export and the validator judge a flow by one implementation: the
build raises exactly the validator's findings without service models (plus
the model-only ones); the export prints exactly what ``validate(flow)``
finds, service models included, and stays free of botocore."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ndr_workflows import BuildError, Fragment, Map, Pass, StateMachine, Task, expr
from ndr_workflows import export as export_module
from ndr_workflows.validate import validate

REPO = Path(__file__).resolve().parents[2]
LAMBDA = "arn:aws:states:::lambda:invoke"


def broken_flow() -> StateMachine:
    inner = Pass("Item", assign={"outer": 2}, next="Gone")
    return StateMachine(
        Fragment(
            (
                Pass("Start", assign={"outer": 1}, output=expr("$lenght($states.input)"), next="Fan"),
                Map("Fan", processor=inner, items=expr("$missing"), next="Call"),
                Task("Call", resource=LAMBDA, arguments={"r": expr("$states.result")}, timeout_seconds=5, heartbeat_seconds=5, result_path="$.x"),
            ),
            "Start",
        ),
        name="broken_flow",
    )


def test_the_build_error_lists_exactly_the_validators_findings() -> None:
    flow = broken_flow()
    with pytest.raises(BuildError) as caught:
        flow.to_dict()
    found = validate(flow, integrations=False)
    assert list(caught.value.problems) == found
    assert {(f.path, f.code) for f in found} == {
        ("Start", "UNKNOWN_FUNCTION"),
        ("Fan", "UNKNOWN_VARIABLE"),
        ("Fan/Item", "OUTER_VARIABLE_ASSIGNED"),
        ("Fan/Item", "UNKNOWN_TARGET"),
        ("Call", "JSONPATH_FIELD"),
        ("Call", "RESULT_NOT_AVAILABLE"),
        ("Call", "HEARTBEAT_NOT_BELOW_TIMEOUT"),
    }
    # and the same again from the rendered definition, minus what only the
    # model can see (the JSONPath keyword is not rendered)
    rendered = {(f.path, f.code) for f in validate(flow.to_dict(check=False), integrations=False)}
    assert rendered == {(f.path, f.code) for f in found} - {("Call", "JSONPATH_FIELD")}


def test_the_export_prints_them_and_writes_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import ndr_workflows.flows as flows

    # The export saves every analysis made in this process to the on-disk
    # cache: keep the test session's random expressions out of the user's.
    monkeypatch.setenv("NDR_WORKFLOWS_NO_CACHE", "1")
    real = flows.build_flow
    monkeypatch.setattr(flows, "build_flow", lambda name, **options: broken_flow() if name == "sfn_ndr_training_orchestrator" else real(name, **options))
    out = tmp_path / "out"
    assert export_module.main(["--out", str(out)]) == 1
    err = capsys.readouterr().err
    found = validate(broken_flow())
    # the service models' findings too: lambda:invoke takes no 'r' and needs a FunctionName
    assert {"INTEGRATION_UNKNOWN_ARGUMENT", "INTEGRATION_MISSING_ARGUMENT"} <= {f.code for f in found}
    for f in found:
        assert f"{f.path}: {f.code}: {f.message}" in err
    assert "nothing written" in err
    assert not out.exists() or list(out.iterdir()) == []


def test_neither_the_export_nor_the_build_checks_import_botocore() -> None:
    code = (
        "import sys, ndr_workflows.export as e; "
        "e.render_flows(['sfn_ndr_15m_features_inference']); "
        "assert 'botocore' not in sys.modules, 'export imported botocore'; "
        "from ndr_workflows.validate import validate; from ndr_workflows.flows import build_flow; "
        "validate(build_flow('sfn_ndr_15m_features_inference'), integrations=False); "
        "assert 'botocore' not in sys.modules, 'integrations=False imported botocore'; "
        "print('ok')"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
