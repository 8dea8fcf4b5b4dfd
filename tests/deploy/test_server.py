"""``python -m ndr_workflows.deploy`` against a moto server on localhost,
started by the test on a free port: the judged scenario (create, unchanged
re-run, update, missing substitution, dry run), exit codes and messages.

Most runs call the CLI's ``main()`` in-process (over real HTTP to the
server) so the Step Functions calls can be recorded; a few run the real
command in a subprocess for exit codes and output.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import timezone
from pathlib import Path
from typing import Any

import pytest
from deploy_fixtures import FAKE_CREDENTIALS, SUBSTITUTIONS, CallRecorder, use_fake_credentials, write_env

from ndr_workflows.cli import deploy as cli
from ndr_workflows.deploy import deployer
from ndr_workflows.flows import FLOW_NAMES

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    port = free_port()
    moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto_server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        moto_server.stop()


@pytest.fixture
def endpoint(server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A clean fake account for each test."""
    urllib.request.urlopen(urllib.request.Request(f"{server}/moto-api/reset", method="POST"), timeout=10).read()
    use_fake_credentials(monkeypatch)
    return server


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> CallRecorder:
    """Records every Step Functions call the in-process CLI makes."""
    calls = CallRecorder()
    make = deployer.make_client
    monkeypatch.setattr(deployer, "make_client", lambda *a, **k: calls.attach(make(*a, **k)))
    return calls


def main(*args: str) -> int:
    return cli.main(list(args))


def command(*args: str, env_overrides: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(FAKE_CREDENTIALS)
    environment.update(env_overrides or {})
    return subprocess.run([sys.executable, "-m", "ndr_workflows.deploy", *args], cwd=REPO, env=environment, capture_output=True, text=True, timeout=120)


def test_create_rerun_update_dry_run_and_missing_substitution(endpoint: str, tmp_path: Path, recorder: CallRecorder, capsys: pytest.CaptureFixture[str]) -> None:
    env = write_env(tmp_path)
    # 1. First run (a real subprocess): all five created.
    first = command("--env", str(env), "--endpoint-url", endpoint)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    for name in FLOW_NAMES:
        assert f"{name}: created arn:aws:states:us-east-1:123456789012:stateMachine:dev-{name}" in lines
    assert lines[-1] == f"{len(FLOW_NAMES)} created"
    assert "validated with the local checks only" in first.stdout  # moto answers ValidateStateMachineDefinition with HTTP 500

    # 2. Re-run: unchanged, and no write call at all.
    assert main("--env", str(env), "--endpoint-url", endpoint) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == f"{len(FLOW_NAMES)} unchanged"
    assert recorder.writes() == []
    assert out.splitlines()[0] == f"note: {endpoint} could not process ValidateStateMachineDefinition (HTTP 500); validated with the local checks only"

    # 3. A changed substitution updates only the flow that uses it.
    recorder.clear()
    write_env(tmp_path, substitutions=dict(SUBSTITUTIONS, PipelineNameTraining="ndr-training-v2"))
    assert main("--env", str(env), "--endpoint-url", endpoint) == 0
    out = capsys.readouterr().out
    assert "sfn_ndr_training_orchestrator: updated arn:aws:states:us-east-1:123456789012:stateMachine:dev-sfn_ndr_training_orchestrator (definition)" in out
    assert out.splitlines()[-1] == f"1 updated, {len(FLOW_NAMES) - 1} unchanged"
    assert recorder.writes() == ["UpdateStateMachine"]

    # 4. Dry run of a tag change: a diff per flow, nothing written.
    recorder.clear()
    write_env(tmp_path, substitutions=dict(SUBSTITUTIONS, PipelineNameTraining="ndr-training-v2", LockTableName="ndr-locks-v3"), tags={"team": "ndr", "env": "dev"})
    assert main("--env", str(env), "--endpoint-url", endpoint, "--dry-run") == 0
    out = capsys.readouterr().out
    assert recorder.writes() == []
    assert out.count("  tag env: (none) -> 'dev'") == len(FLOW_NAMES)
    assert '  -        "TableName": "ndr-locks",' in out and '  +        "TableName": "ndr-locks-v3",' in out
    assert out.splitlines()[-1] == f"{len(FLOW_NAMES)} would update (dry run: nothing written)"

    # 5. Missing substitutions: exit 2, all listed, nothing created (a new prefix shows it).
    recorder.clear()
    subs = {k: v for k, v in SUBSTITUTIONS.items() if k not in ("ModelDeployLambdaArn", "EventBusName")}
    fresh = write_env(tmp_path, "fresh.json", state_machine_name_prefix="fresh-", substitutions=subs)
    missing = command("--env", str(fresh), "--endpoint-url", endpoint)
    assert missing.returncode == 2
    assert "missing 'EventBusName' (used by sfn_ndr_15m_features_inference, sfn_ndr_monthly_fg_b_baselines" in missing.stderr
    assert "missing 'ModelDeployLambdaArn' (used by sfn_ndr_training_orchestrator)" in missing.stderr
    assert "nothing was deployed" in missing.stderr and "Traceback" not in missing.stderr
    assert main("--env", str(env), "--endpoint-url", endpoint, "--dry-run", "--flow", "sfn_ndr_15m_features_inference") == 0
    names = _machine_names(endpoint)
    assert names == {"dev-" + n for n in FLOW_NAMES}


def _machine_names(endpoint: str) -> set[str]:
    import boto3

    client = boto3.client("stepfunctions", region_name="us-east-1", endpoint_url=endpoint)
    return {m["name"] for m in client.list_state_machines()["stateMachines"]}


def test_dry_run_on_an_empty_account_says_new_for_each_flow(endpoint: str, tmp_path: Path) -> None:
    result = command("--env", str(write_env(tmp_path)), "--endpoint-url", endpoint, "--dry-run", "--flow", "sfn_ndr_15m_features_inference", "--flow", "sfn_ndr_backfill_reprocessing")
    assert result.returncode == 0, result.stderr
    assert "sfn_ndr_15m_features_inference: would create dev-sfn_ndr_15m_features_inference" in result.stdout
    assert "  new: dev-sfn_ndr_backfill_reprocessing (role arn:aws:iam::123456789012:role/ndr-sfn, 1 tags, logging OFF, tracing off)" in result.stdout
    assert _machine_names(endpoint) == set()


def test_publish_with_alias_over_http(endpoint: str, tmp_path: Path, recorder: CallRecorder, capsys: pytest.CaptureFixture[str]) -> None:
    env = str(write_env(tmp_path))
    assert main("--env", env, "--endpoint-url", endpoint, "--flow", "sfn_ndr_prediction_publication", "--publish", "--alias", "live") == 0
    out = capsys.readouterr().out
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:dev-sfn_ndr_prediction_publication"
    assert f"created {arn}; version {arn}:1; alias {arn}:live" in out
    recorder.clear()
    assert main("--env", env, "--endpoint-url", endpoint, "--flow", "sfn_ndr_prediction_publication", "--publish", "--alias", "live") == 0
    assert f"unchanged {arn}; version {arn}:1; alias {arn}:live" in capsys.readouterr().out
    assert recorder.writes() == []


def test_a_flow_failing_validation_exits_1_and_lists_findings(endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from ndr_workflows.cli import definitions
    from ndr_workflows.flows import build_flow

    broken = build_flow("sfn_ndr_15m_features_inference").to_dict()
    broken["States"]["AcquireMiniBatchLock"]["Next"] = "Nowhere"
    real = definitions.flow_definitions
    monkeypatch.setattr(definitions, "flow_definitions", lambda flows: {**real(flows), "sfn_ndr_15m_features_inference": broken})
    assert main("--env", str(write_env(tmp_path)), "--endpoint-url", endpoint) == 1
    out = capsys.readouterr().out
    assert "sfn_ndr_15m_features_inference: failed: validation failed" in out
    assert "  error: AcquireMiniBatchLock: " in out and "Nowhere" in out
    assert out.splitlines()[-1] == f"{len(FLOW_NAMES) - 1} created, 1 failed"


def test_unreachable_endpoint_is_one_line_exit_1(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    result = command("--env", str(write_env(tmp_path)), "--endpoint-url", url)
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: cannot reach the Step Functions endpoint {url}/"
    assert result.stdout.count("\n") <= 1  # at most the validation note


NO_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_SESSION_TOKEN": "", "AWS_EC2_METADATA_DISABLED": "true"}


def test_no_credentials_is_one_line_exit_1(tmp_path: Path) -> None:
    # not a local endpoint: the request is refused while signing, before any connection
    result = command("--env", str(write_env(tmp_path)), "--endpoint-url", "http://states.example.invalid:5000", env_overrides=NO_CREDENTIALS)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip() == "error: no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"


def test_a_local_fake_needs_no_credentials(endpoint: str, tmp_path: Path) -> None:
    result = command("--env", str(write_env(tmp_path)), "--endpoint-url", endpoint, env_overrides=NO_CREDENTIALS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith(f"{len(FLOW_NAMES)} created")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--env", "ENV", "--alias", "live"], "--alias needs --publish"),
        (["--env", "ENV", "--flow", "sfn_nope"], "argument --flow: unknown flow 'sfn_nope'"),
        (["--env", "MISSING"], "cannot be read"),
        ([], "the following arguments are required: --env"),
        (["--env", "ENV", "--iam-policy", "x", "--dry-run"], "only write files"),
        (["--env", "ENV", "--endpoint-url", "notaurl"], "argument --endpoint-url: 'notaurl' is not an http:// or https:// URL"),
        (["--env", "ENV", "--endpoint-url", ""], "argument --endpoint-url: '' is not an http:// or https:// URL"),
        (["--env", "ENV", "--endpoint-url", "http://[::1"], "argument --endpoint-url: 'http://[::1' is not a URL"),
        (["--env", "ENV", "--endpoint-url", "ftp://localhost"], "is not an http:// or https:// URL"),
        (["--env", "ENV", "--publish", "--alias", ""], "argument --alias: the alias name is empty"),
        (["--env", "ENV", "--publish", "--alias", "live now"], "argument --alias: alias name 'live now' may hold only letters, digits"),
        (["--env", "ENV", "--publish", "--alias", "2024"], "argument --alias: alias name '2024' is digits only"),
        (["--env", "ENV", "--publish", "--alias", "x" * 81], "at most 80"),
    ],
)
def test_unusable_arguments_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    env = str(write_env(tmp_path))
    argv = [env if a == "ENV" else str(tmp_path / "missing.json") if a == "MISSING" else a for a in args]
    try:
        code = main(*argv)
    except SystemExit as exc:  # argparse's own errors
        code = int(exc.code or 0)
    assert code == 2
    assert message in capsys.readouterr().err


def test_help_documents_exit_codes() -> None:
    result = command("--help")
    assert result.returncode == 0
    for text in ("--env ENV_FILE", "--dry-run", "--endpoint-url URL", "--publish", "--alias NAME", "--iam-policy DIR", "--cloudformation FILE", "exit codes:", "  2  unusable arguments"):
        assert text in result.stdout


def test_start_execution_on_a_local_endpoint_is_followed_by_the_simulator(endpoint: str, tmp_path: Path) -> None:
    from ndr_workflows.flows import build_flow

    env = write_env(tmp_path)
    flow = build_flow("sfn_ndr_prediction_publication")
    assert flow.deploy(str(env), endpoint_url=endpoint).action == "created"
    from ndr_workflows.simulate import Services

    services = Services(lambdas={SUBSTITUTIONS["PublishJoinedPredictionsLambdaArn"]: lambda payload: {"published": payload["mini_batch_id"]}})
    started = flow.start_execution(str(env), _publication_input(), endpoint_url=endpoint, name="run-1", services=services)
    assert started.simulated is True
    assert started.arn == "arn:aws:states:us-east-1:123456789012:execution:dev-sfn_ndr_prediction_publication:run-1"
    assert started.status == "SUCCEEDED", (started.error, started.cause)
    assert started.states()[0] == build_flow("sfn_ndr_prediction_publication").to_dict()["StartAt"]
    assert "followed by the local simulator" in started.text()
    # the simulated run is the recorded one: it starts when moto says the execution started
    import boto3

    recorded = boto3.client("stepfunctions", region_name="us-east-1", endpoint_url=endpoint).describe_execution(executionArn=started.arn)
    assert started.simulation.start_time == recorded["startDate"].astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _publication_input() -> dict[str, Any]:
    return {
        "project_name": "ndr",
        "feature_spec_version": "v1",
        "mini_batch_id": "mb-1",
        "batch_start_ts_iso": "2025-01-01T00:00:00Z",
        "batch_end_ts_iso": "2025-01-01T00:15:00Z",
    }


def test_warnings_are_printed_and_do_not_stop_the_deploy(endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import ndr_workflows.validate as validate_module
    from ndr_workflows.model import Problem

    warning = Problem("EmitPublicationEvent", "SOME_WARNING", "Retry[0]: looks odd", severity="warning")
    monkeypatch.setattr(validate_module, "validate", lambda definition, **_: [warning])
    assert main("--env", str(write_env(tmp_path)), "--endpoint-url", endpoint, "--flow", "sfn_ndr_prediction_publication") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1:] == [
        "sfn_ndr_prediction_publication: created arn:aws:states:us-east-1:123456789012:stateMachine:dev-sfn_ndr_prediction_publication",
        "  warning: EmitPublicationEvent: SOME_WARNING: Retry[0]: looks odd",
        "1 created",
    ]
