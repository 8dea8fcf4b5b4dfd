"""notebooks/deploy_a_flow.ipynb runs top to bottom in a real Jupyter kernel.

nbclient starts an ipykernel on THIS interpreter (the .venv's Python, via a
kernel spec written to a temporary JUPYTER_PATH, so a stray user-level
"python3" kernel cannot be picked instead) with fake AWS credentials and
NDR_AWS_ENDPOINT_URL pointing at a moto server this test starts on
localhost. Nothing reaches AWS.
"""

from __future__ import annotations

import json
import socket
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "deploy_a_flow.ipynb"
KERNEL = "ndr-workflows-test"


def _require(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:  # never skipped: the notebook must run in CI
        pytest.fail(f"{module} is missing: pip install -e '.[test]' (nbclient, nbformat, ipykernel, moto[server])")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def moto_server() -> Iterator[str]:
    server_module = _require("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    # moto keeps its fake accounts per process: start from an empty one, whatever other tests created.
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=10).read()
    try:
        yield url
    finally:
        server.stop()


def _run_notebook(tmp: Path, aws_environment: dict[str, str]) -> Any:
    """The notebook after a top-to-bottom run in a fresh kernel whose AWS
    settings are exactly ``aws_environment`` (executed in memory; the file
    is untouched)."""
    nbformat = _require("nbformat")
    nbclient = _require("nbclient")
    _require("ipykernel")
    spec = tmp / "data" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"}))

    import os

    kernel_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "NDR_AWS_ENDPOINT_URL"}
    kernel_env.update(
        IPYTHONDIR=str(tmp / "ipython"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        NO_PROXY="127.0.0.1,localhost",
        **aws_environment,
    )
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # JUPYTER_PATH: where nbclient's KernelSpecManager looks first; the runtime
    # dir holds the connection file. Both only for this test.
    saved = {k: os.environ.get(k) for k in ("JUPYTER_PATH", "JUPYTER_RUNTIME_DIR")}
    os.environ.update(JUPYTER_PATH=str(tmp / "data"), JUPYTER_RUNTIME_DIR=str(tmp / "runtime"))
    try:
        client = nbclient.NotebookClient(
            notebook, kernel_name=KERNEL, timeout=300, resources={"metadata": {"path": str(NOTEBOOK.parent)}}
        )
        client.execute(env=kernel_env)
    except nbclient.exceptions.CellExecutionError as exc:
        pytest.fail(f"{NOTEBOOK.name}: a cell failed:\n{exc}")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return notebook


@pytest.fixture(scope="module")
def executed(moto_server: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Run against the moto server, with fake credentials."""
    aws = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1", "NDR_AWS_ENDPOINT_URL": moto_server}
    return _run_notebook(tmp_path_factory.mktemp("jupyter"), aws)


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Run as a newcomer would first: no endpoint, no credentials anywhere
    (no files, no instance metadata)."""
    tmp = tmp_path_factory.mktemp("offline")
    aws = {
        "AWS_CONFIG_FILE": str(tmp / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    return _run_notebook(tmp, aws)


def _cell(notebook: Any, cell_id: str) -> Any:
    for cell in notebook.cells:
        if cell.get("id") == cell_id:
            return cell
    raise AssertionError(f"{NOTEBOOK.name} has no cell with id {cell_id!r}")


def _text(cell: Any) -> str:
    parts = []
    for out in cell.outputs:
        if out.output_type == "stream" and out.name == "stdout":
            parts.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            parts.append(out.data.get("text/plain", ""))
    return "".join(parts)


def test_the_committed_notebook_has_no_outputs() -> None:
    """Stripped notebooks diff cleanly and never carry ARNs or account data."""
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code, "the notebook has no code cells"
    dirty = [
        c["id"] for c in code if c.get("outputs") or c.get("execution_count") is not None or "execution" in c["metadata"]
    ]
    assert not dirty, f"cells with outputs: {dirty}; run scripts/strip_notebooks.py before committing"
    assert notebook["metadata"]["language_info"] == {"name": "python"}, "run scripts/strip_notebooks.py"


def test_the_notebook_runs_against_a_moto_server(executed: Any, moto_server: str) -> None:
    assert moto_server in _text(_cell(executed, "setup"))
    # The flow draws itself inline as an SVG, with no script and no remote resource.
    drawing = [o for o in _cell(executed, "build").outputs if "image/svg+xml" in o.get("data", {})]
    assert drawing, "the flow cell shows no SVG"
    svg = drawing[0]["data"]["image/svg+xml"]
    assert "<script" not in svg and "https://" not in svg
    assert "Start15mFeaturesPipeline" in svg

    assert _text(_cell(executed, "validate")).startswith("0 errors")
    assert "SUCCEEDED" in _text(_cell(executed, "simulate"))
    unhappy = _text(_cell(executed, "simulate-fail"))
    assert unhappy.startswith("FAILED Ndr15mFeaturesInferenceFailed")
    assert "ReleaseMiniBatchLockOnFailure -> WorkflowFailed" in unhappy

    deploy = _text(_cell(executed, "deploy")).splitlines()
    assert deploy[0] == "created arn:aws:states:us-east-1:123456789012:stateMachine:dev-sfn_ndr_15m_features_inference"
    assert deploy[1] == "again: unchanged"

    execution = _text(_cell(executed, "execute"))
    assert "SUCCEEDED (followed by the local simulator)" in execution.splitlines()[0]
    assert ":execution:dev-sfn_ndr_15m_features_inference:" in execution

    # the executions listed, and the flow drawn with the path the execution took
    progress = _cell(executed, "progress")
    assert _text(progress).split()[1:2] == ["SUCCEEDED"]
    pictures = [o["data"]["image/svg+xml"] for o in progress.outputs if "image/svg+xml" in o.get("data", {})]
    # the start edge and one transition into each later state of the happy path,
    # as the recorded scenario (refreshed by scripts/refresh after an edit) has it
    happy = json.loads((ROOT / "tests" / "scenarios" / "sfn_ndr_15m_features_inference" / "expected.json").read_text())["HappyPath"]["states"]
    assert len(pictures) == 1 and pictures[0].count('data-taken="true"') == len(happy)


def test_without_endpoint_or_credentials_the_aws_sections_say_what_to_set_and_skip(offline: Any) -> None:
    setup = _text(_cell(offline, "setup"))
    assert "endpoint: AWS" in setup
    assert "sections 4 and 5: skipped: no AWS credentials for AWS: configure AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)" in setup
    assert "moto_server -p 5000" in setup and "NDR_AWS_ENDPOINT_URL=http://127.0.0.1:5000" in setup
    for cell in ("deploy", "execute", "progress"):
        assert _text(_cell(offline, cell)).startswith("skipped: no AWS credentials"), cell
    # the offline sections ran as usual
    assert _text(_cell(offline, "validate")).startswith("0 errors")
    assert "SUCCEEDED" in _text(_cell(offline, "simulate"))
    errors = [o for c in offline.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []


def test_the_deployed_machine_is_in_the_moto_server(executed: Any, moto_server: str) -> None:
    """What the notebook reported is really there: substituted, JSONata, with one execution."""
    import boto3

    sfn = boto3.client(
        "stepfunctions",
        endpoint_url=moto_server,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    machines = sfn.list_state_machines()["stateMachines"]
    assert [m["name"] for m in machines] == ["dev-sfn_ndr_15m_features_inference"]
    definition = sfn.describe_state_machine(stateMachineArn=machines[0]["stateMachineArn"])["definition"]
    assert json.loads(definition)["QueryLanguage"] == "JSONata"
    assert "${" not in definition and "ndr-locks" in definition
    executions = sfn.list_executions(stateMachineArn=machines[0]["stateMachineArn"])["executions"]
    assert len(executions) == 1


def test_strip_script_turns_a_run_notebook_back_into_the_committed_file(executed: Any, tmp_path: Path) -> None:
    import subprocess

    nbformat = _require("nbformat")
    run = tmp_path / "run.ipynb"
    nbformat.write(executed, run)
    assert run.read_bytes() != NOTEBOOK.read_bytes()
    script = ROOT / "scripts" / "strip_notebooks.py"
    proc = subprocess.run([sys.executable, str(script), str(run)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == f"{run}: stripped"
    assert run.read_bytes() == NOTEBOOK.read_bytes()
    bad = tmp_path / "bad.ipynb"
    bad.write_text("not json")
    proc = subprocess.run([sys.executable, str(script), str(bad)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "cannot read the notebook" in proc.stderr
