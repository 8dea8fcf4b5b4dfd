"""Executions of a deployed flow: ``python -m ndr_workflows.execution``
(start, follow, stop, list, history) and its notebook counterpart (the
execution object's ``stop``, ``list_events``, ``get_output``,
``render_progress``; ``attach``; ``list_executions``).

Against a moto server on localhost, which records executions but cannot
run JSONata, an execution is followed by the local simulator; following
a real AWS execution (polling) is shown with a scripted client.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_fixtures import FAKE_CREDENTIALS, SUBSTITUTIONS, use_fake_credentials, write_env

from ndr_workflows.cli.execution import main
from ndr_workflows.deploy import load_environment
from ndr_workflows.deploy.executions import StartedExecution, attach, list_executions, start_execution
from ndr_workflows.flows import build_flow

REPO = Path(__file__).resolve().parents[2]
F15 = "sfn_ndr_15m_features_inference"
PUBLICATION = "sfn_ndr_prediction_publication"
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:dev-" + F15
EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:dev-" + F15
BATCH = {"mini_batch_id": "mb-1", "batch_start_ts_iso": "2025-01-01T00:00:00Z", "batch_end_ts_iso": "2025-01-01T00:15:00Z"}


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    moto_server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto_server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        moto_server.stop()


@pytest.fixture
def deployed(server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    """(endpoint, environment file) with the 15m flow deployed in a clean fake account."""
    urllib.request.urlopen(urllib.request.Request(f"{server}/moto-api/reset", method="POST"), timeout=10).read()
    use_fake_credentials(monkeypatch)
    env = str(write_env(tmp_path))
    assert build_flow(F15).deploy(env, endpoint_url=server).action == "created"
    return server, env


def execution(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


# ---------------------------------------------------------------------------
# the command against a moto server
# ---------------------------------------------------------------------------


def test_start_follow_prints_each_state_as_entered_and_exits_0(deployed: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    endpoint, env = deployed
    code, out, err = execution(capsys, "start", F15, "--env", env, "--endpoint-url", endpoint, "--input", json.dumps(BATCH), "--name", "run-1", "--follow", "--format", "text")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"{EXECUTION}:run-1 (a localhost fake: followed by the local simulator)"
    entered = [line.split()[-1] for line in lines if "StateEntered" in line]
    assert entered == build_flow(F15).simulate(BATCH).states
    assert any("TaskScheduled" in line and "aws-sdk:dynamodb:putItem" in line and '"TableName":"ndr-locks"' in line for line in lines)
    assert lines[-1].startswith("SUCCEEDED  output: ")


def test_piped_output_is_json_and_a_failed_execution_exits_1(deployed: tuple[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    endpoint, env = deployed
    code, out, _ = execution(capsys, "start", F15, "--env", env, "--endpoint-url", endpoint, "--input", "{}", "--name", "empty")
    assert code == 0  # started
    assert json.loads(out) == {"executionArn": f"{EXECUTION}:empty", "status": "FAILED", "simulated": True}
    code, out, _ = execution(capsys, "follow", F15, "empty", "--env", env, "--endpoint-url", endpoint)
    assert code == 1
    followed = json.loads(out)
    assert (followed["status"], followed["error"]) == ("FAILED", "InvalidRuntimeParams")
    assert "missing required parameter mini_batch_id" in followed["cause"]
    assert followed["states"][-2:] == ["ValidateRuntimeParams", "InvalidRuntimeParams"]


def test_input_from_a_file_and_from_stdin(deployed: tuple[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    endpoint, env = deployed
    (tmp_path / "input.json").write_text(json.dumps(BATCH))
    code, out, _ = execution(capsys, "start", F15, "--env", env, "--endpoint-url", endpoint, "--input", str(tmp_path / "input.json"), "--follow")
    assert (code, json.loads(out)["status"]) == (0, "SUCCEEDED")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(BATCH).encode())))
    code, out, _ = execution(capsys, "start", F15, "--env", env, "--endpoint-url", endpoint, "--input", "-", "--follow")
    assert (code, json.loads(out)["status"]) == (0, "SUCCEEDED")


def test_list_stop_and_history(deployed: tuple[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    endpoint, env = deployed
    for name, given in (("ok", BATCH), ("bad", {}), ("later", BATCH)):
        assert execution(capsys, "start", F15, "--env", env, "--endpoint-url", endpoint, "--input", json.dumps(given), "--name", name)[0] == 0
    code, out, _ = execution(capsys, "stop", F15, "later", "--env", env, "--endpoint-url", endpoint, "--error", "Manual", "--cause", "by hand")
    assert code == 0 and json.loads(out)["status"] == "ABORTED"

    code, out, _ = execution(capsys, "list", F15, "--env", env, "--endpoint-url", endpoint)
    rows = json.loads(out)
    # most recent first; on the fake, what the simulator made of each RUNNING one
    assert [(r["name"], r["status"], r.get("simulated", False)) for r in rows] == [("later", "ABORTED", False), ("bad", "FAILED", True), ("ok", "SUCCEEDED", True)]
    assert [r["name"] for r in json.loads(execution(capsys, "list", F15, "--env", env, "--endpoint-url", endpoint, "--status", "FAILED")[1])] == ["bad"]
    assert len(json.loads(execution(capsys, "list", F15, "--env", env, "--endpoint-url", endpoint, "--max", "2")[1])) == 2
    code, out, _ = execution(capsys, "list", F15, "--env", env, "--endpoint-url", endpoint, "--format", "text")
    assert [line.split()[:3] for line in out.splitlines()] == [["later", "ABORTED", "started"], ["bad", "FAILED", "(simulated)"], ["ok", "SUCCEEDED", "(simulated)"]]

    # no EXECUTION: the most recent one, which was stopped
    code, out, _ = execution(capsys, "history", F15, "--env", env, "--endpoint-url", endpoint)
    assert [e["type"] for e in json.loads(out)] == ["ExecutionStarted", "ExecutionAborted"]
    assert execution(capsys, "follow", F15, "--env", env, "--endpoint-url", endpoint, "--format", "text")[1].splitlines()[-1].startswith("ABORTED")

    picture = tmp_path / "ok.svg"
    code, out, _ = execution(capsys, "history", F15, "ok", "--env", env, "--endpoint-url", endpoint, "--svg", str(picture))
    events = json.loads(out)
    assert code == 0 and events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"
    assert [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e] == build_flow(F15).simulate(BATCH).states
    assert events[0]["timestamp"].endswith("Z")
    svg = picture.read_text()
    assert svg.startswith("<svg") and svg.count('data-entered="true"') >= 11 and 'data-taken="true"' in svg


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["follow", F15, "nope"], f"dev-{F15} has no execution 'nope'"),
        (["follow", "sfn_ndr_training_orchestrator"], "dev-sfn_ndr_training_orchestrator is not deployed in"),
        (["start", F15, "--input", "{not json"], "the input: inline JSON: not JSON"),
        (["start", F15, "--input", "missing.json"], "the input: missing.json: cannot be read"),
        (["start", "sfn_ndr_15m", "--input", "{}"], "unknown flow 'sfn_ndr_15m'"),
        (["start", F15, "--mocks", "m.json"], "--mocks and --test-case go together"),
        (["follow", F15, "--interval", "0"], "give a positive number of seconds"),
        (["list", F15, "--max", "0"], "give 1 or more"),
        (["list", F15, "--status", "DONE"], "invalid choice: 'DONE'"),
        (["stop", F15], "the following arguments are required: EXECUTION"),
        (["history", F15, "--svg", "/"], "--svg /: Is a directory"),
        (["pause", F15], "invalid choice: 'pause'"),
    ],
)
def test_unusable_arguments_exit_2_with_one_line(deployed: tuple[str, str], capsys: pytest.CaptureFixture[str], args: list[str], words: str) -> None:
    endpoint, env = deployed
    execution(capsys, "start", F15, "--env", env, "--endpoint-url", endpoint, "--input", json.dumps(BATCH))
    code, out, err = execution(capsys, *args, "--env", env, "--endpoint-url", endpoint)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and words in err and "Traceback" not in err


def test_an_environment_file_that_is_unusable_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "env.json").write_text('{"region": "nowhere"}')
    code, _, err = execution(capsys, "list", F15, "--env", str(tmp_path / "env.json"))
    assert code == 2 and "region" in err and "Traceback" not in err


def test_a_flow_the_simulator_cannot_answer_needs_mocks(deployed: tuple[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    endpoint, env = deployed
    assert build_flow(PUBLICATION).deploy(env, endpoint_url=endpoint).action == "created"
    code, _, err = execution(capsys, "start", PUBLICATION, "--env", env, "--endpoint-url", endpoint, "--input", json.dumps(BATCH), "--follow")
    assert code == 2 and "the local simulator cannot follow this execution: PublishToTargets: nothing answers" in err
    mocks = {
        "StateMachines": {f"dev-{PUBLICATION}": {"TestCases": {"Published": {"PublishToTargets": "Published"}}}},
        "MockedResponses": {"Published": {"0": {"Return": {"Payload": {"rows_published": 3}}}}},
    }
    (tmp_path / "mocks.json").write_text(json.dumps(mocks))
    mocked = ["--mocks", str(tmp_path / "mocks.json"), "--test-case", "Published"]
    code, out, _ = execution(capsys, "start", PUBLICATION, "--env", env, "--endpoint-url", endpoint, "--input", json.dumps(BATCH), "--name", "p1", "--follow", *mocked)
    assert (code, json.loads(out)["status"]) == (0, "SUCCEEDED")
    # following it again gives the same result (same definition, input, name and start time)
    code, out, _ = execution(capsys, "follow", PUBLICATION, "p1", "--env", env, "--endpoint-url", endpoint, *mocked)
    assert (code, json.loads(out)["status"]) == (0, "SUCCEEDED")


def test_the_command_runs_as_python_dash_m(deployed: tuple[str, str]) -> None:
    import os

    endpoint, env = deployed
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(FAKE_CREDENTIALS)
    command = [sys.executable, "-m", "ndr_workflows.execution", "start", F15, "--env", env, "--endpoint-url", endpoint, "--input", json.dumps(BATCH), "--follow"]
    done = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "SUCCEEDED"
    helped = subprocess.run([sys.executable, "-m", "ndr_workflows.execution", "--help"], cwd=REPO, capture_output=True, text=True, timeout=60)
    for word in ("start", "follow", "stop", "list", "history", "exit codes:"):
        assert word in helped.stdout


# ---------------------------------------------------------------------------
# the notebook counterpart
# ---------------------------------------------------------------------------


def test_the_execution_object_stops_lists_events_gives_output_and_draws_its_path(deployed: tuple[str, str]) -> None:
    endpoint, env = deployed
    flow = build_flow(F15)
    run = flow.start_execution(env, BATCH, endpoint_url=endpoint, name="nb-1")
    assert run.get_output(wait=True) == run.simulation.output and run.status == "SUCCEEDED"
    events = run.list_events()
    assert events[0]["type"] == "ExecutionStarted" and events[-1]["type"] == "ExecutionSucceeded"
    assert [e["id"] for e in events] == list(range(1, len(events) + 1))
    picture = run.render_progress()._repr_svg_()
    assert picture.startswith("<svg") and picture.count('data-taken="true"') == len(run.states())  # start edge + one per transition
    # attach() finds it again; list_executions() lists it
    again = attach(env, F15, "nb-1", endpoint_url=endpoint)
    assert (again.status, again.states()) == ("SUCCEEDED", run.states())
    second = flow.start_execution(env, BATCH, endpoint_url=endpoint, name="nb-2")
    assert second.stop(error="Manual", cause="by hand") is second
    assert (second.status, second.error, second.cause, second.output) == ("ABORTED", "Manual", "by hand", None)
    rows = list_executions(env, F15, endpoint_url=endpoint)
    assert [(r["name"], r["status"]) for r in rows] == [("nb-2", "ABORTED"), ("nb-1", "SUCCEEDED")]
    assert [e["type"] for e in attach(env, F15, endpoint_url=endpoint).history()] == ["ExecutionStarted", "ExecutionAborted"]


def test_start_execution_from_python_needs_a_deployed_flow(deployed: tuple[str, str]) -> None:
    endpoint, env = deployed
    with pytest.raises(LookupError, match="dev-sfn_ndr_training_orchestrator is not deployed"):
        build_flow("sfn_ndr_training_orchestrator").start_execution(env, {}, endpoint_url=endpoint)
    with pytest.raises(LookupError, match="has no execution yet"):
        attach(env, F15, endpoint_url=endpoint)
    assert start_execution(build_flow(F15), load_environment(env), BATCH, endpoint_url=endpoint).simulated


# ---------------------------------------------------------------------------
# following an execution that AWS runs (a scripted client)
# ---------------------------------------------------------------------------


class _RunningOnAws:
    """Answers like AWS for an execution that enters one state per poll."""

    STATES = ["NormalizeIncomingMessage", "ResolvePipelineRuntimeParams", "ValidateRuntimeParams", "InvalidRuntimeParams"]

    def __init__(self) -> None:
        self.polls = 0
        self.stopped: dict[str, Any] | None = None

    def events(self) -> list[dict[str, Any]]:
        from datetime import datetime, timedelta, timezone

        start = datetime(2025, 1, 1, tzinfo=timezone.utc)
        events = [{"id": 1, "type": "ExecutionStarted", "timestamp": start, "executionStartedEventDetails": {"input": "{}"}}]
        for index, name in enumerate(self.STATES[: self.polls]):
            kind = "ChoiceStateEntered" if name.startswith("Validate") else "FailStateEntered" if name.startswith("Invalid") else "PassStateEntered"
            events.append({"id": index + 2, "type": kind, "timestamp": start + timedelta(seconds=index + 1), "stateEnteredEventDetails": {"name": name}})
        if self.polls > len(self.STATES):
            events.append({"id": 99, "type": "ExecutionFailed", "timestamp": start + timedelta(seconds=9), "executionFailedEventDetails": {"error": "InvalidRuntimeParams", "cause": "missing"}})
        return events

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        self.polls += 1
        if self.polls > len(self.STATES):
            return {"executionArn": executionArn, "status": "FAILED", "error": "InvalidRuntimeParams", "cause": "missing"}
        return {"executionArn": executionArn, "status": "RUNNING"}

    def get_paginator(self, name: str) -> Any:
        assert name == "get_execution_history"
        events = self.events()

        class _Pages:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return [{"events": events}]

        return _Pages()

    def describe_state_machine_for_execution(self, executionArn: str) -> dict[str, Any]:
        return {"definition": json.dumps(build_flow(F15).to_dict())}

    def stop_execution(self, **params: Any) -> dict[str, Any]:
        self.stopped = params
        return {"stopDate": "2025-01-01T00:00:05Z"}


def test_an_aws_execution_is_followed_event_by_event_until_it_stops() -> None:
    client = _RunningOnAws()
    slept: list[float] = []
    printed: list[str] = []
    run = StartedExecution(client, f"{EXECUTION}:e", sleep=slept.append).refresh()
    assert run.follow(printed.append, interval=2.0) is run
    # every event once, in order, as the polls found them
    assert [line.split()[1] for line in printed] == ["ExecutionStarted", "PassStateEntered", "PassStateEntered", "ChoiceStateEntered", "FailStateEntered", "ExecutionFailed"]
    assert printed[1].split() == ["+1.000s", "PassStateEntered", "NormalizeIncomingMessage"]
    assert printed[-1].split()[-2:] == ["InvalidRuntimeParams:", "missing"]
    assert slept == [2.0] * 4
    assert (run.status, run.simulated, run.states()) == ("FAILED", False, _RunningOnAws.STATES)
    picture = run.render_progress(title="e")._repr_svg_()
    assert picture.count('data-taken="true"') == 4  # start, and three transitions; where it stopped is red
    assert 'stroke="#c5221f" stroke-width="3"' in picture


def test_a_follow_stops_at_its_timeout_and_stop_sends_error_and_cause() -> None:
    client = _RunningOnAws()
    run = StartedExecution(client, f"{EXECUTION}:e", sleep=lambda _: None).refresh()
    run.follow(lambda _: None, interval=1.0, timeout=2.0)
    assert run.status == "RUNNING"
    run.stop(error="Manual", cause="by hand")
    assert client.stopped == {"executionArn": f"{EXECUTION}:e", "error": "Manual", "cause": "by hand"}
    assert run.status == "ABORTED"


def test_the_local_fake_s_placeholders_are_substituted_in_what_the_simulator_runs(deployed: tuple[str, str]) -> None:
    endpoint, env = deployed
    run = attach(env, F15, build_flow(F15).start_execution(env, BATCH, endpoint_url=endpoint).name, endpoint_url=endpoint)
    put = run.simulation.calls[0].arguments
    assert put["TableName"] == SUBSTITUTIONS["LockTableName"]


def test_aws_problem_says_what_to_set_before_anything_talks_to_aws(server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from ndr_workflows.deploy.aws import aws_problem

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    nothing = aws_problem(None)
    assert nothing is not None and nothing.startswith("no AWS credentials for AWS: configure AWS credentials") and "moto_server -p 5000" in nothing
    assert aws_problem(server) is None  # a local fake needs no credentials
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    assert (aws_problem(closed) or "").startswith(f"nothing answers at {closed}")
    assert "is not an http:// or https:// URL" in (aws_problem("localhost:5000") or "")
    use_fake_credentials(monkeypatch)
    assert aws_problem(None) is None
