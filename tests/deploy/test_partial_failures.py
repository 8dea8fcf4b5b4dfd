"""Deploys that say what they did when AWS fails part-way, against a moto
server on localhost: a TagResource or UntagResource refused after the
definition was updated, an UpdateStateMachine refused, an endpoint that
stops answering mid-run (a proxy that drops connections). Each flow's line
says created / updated / unchanged / failed at OPERATION (code, message,
what was already changed) / not attempted; the exit code says whether
anything failed; re-running converges."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from deploy_fixtures import SUBSTITUTIONS, CallRecorder, DroppingProxy, free_port, use_fake_credentials, write_env

from ndr_workflows.cli import deploy as cli
from ndr_workflows.deploy import deployer
from ndr_workflows.deploy.report import DeployResult, stop_report
from ndr_workflows.flows import FLOW_NAMES

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:dev-"
TRAINING = "sfn_ndr_training_orchestrator"


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
    urllib.request.urlopen(urllib.request.Request(f"{server}/moto-api/reset", method="POST"), timeout=10).read()
    use_fake_credentials(monkeypatch)
    return server


class Refuse:
    """Makes the deploy's client fail chosen Step Functions operations with
    an AWS error (botocore's before-call hook answers in AWS's place)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.failing: dict[str, tuple[str, str]] = {}
        self.recorder = CallRecorder()
        make = deployer.make_client
        monkeypatch.setattr(deployer, "make_client", lambda *a, **k: self._attach(make(*a, **k)))

    def _attach(self, client: Any) -> Any:
        client.meta.events.register("before-call.states.*", self._answer)
        return self.recorder.attach(client)

    def _answer(self, model: Any, **_: Any) -> Any:
        if model.name not in self.failing:
            return None
        from botocore.awsrequest import AWSResponse

        code, message = self.failing[model.name]
        return AWSResponse("http://refused", 400, {}, None), {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}


@pytest.fixture
def refuse(monkeypatch: pytest.MonkeyPatch) -> Refuse:
    return Refuse(monkeypatch)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, [line for line in captured.out.splitlines() if not line.startswith("note: ")], captured.err


def deployed(endpoint: str, flow: str) -> tuple[dict[str, Any], dict[str, str]]:
    import json

    import boto3

    client = boto3.client("stepfunctions", region_name="us-east-1", endpoint_url=endpoint)
    arn = ARN + flow
    tags = {t["key"]: t["value"] for t in client.list_tags_for_resource(resourceArn=arn)["tags"]}
    return json.loads(client.describe_state_machine(stateMachineArn=arn)["definition"]), tags


def test_a_refused_tag_resource_after_the_update_is_reported_as_such_and_a_rerun_converges(endpoint: str, tmp_path: Path, refuse: Refuse, capsys: pytest.CaptureFixture[str]) -> None:
    env = str(write_env(tmp_path))
    assert run(capsys, "--env", env, "--endpoint-url", endpoint)[0] == 0
    write_env(tmp_path, substitutions=dict(SUBSTITUTIONS, PipelineNameTraining="ndr-training-v2"), tags={"team": "ndr", "env": "dev"})
    refuse.failing["TagResource"] = ("AccessDeniedException", "not authorized to perform: states:TagResource")
    code, lines, _err = run(capsys, "--env", env, "--endpoint-url", endpoint)
    assert code == 1
    assert (
        f"{TRAINING}: failed at TagResource: AWS refused TagResource (AccessDeniedException, HTTP 400): not authorized to perform: states:TagResource; "
        "already changed in this run: definition; not changed: tags"
    ) in lines
    assert lines[-1] == f"{len(FLOW_NAMES)} failed"  # every flow's tags were refused; each says its definition went out
    definition, tags = deployed(endpoint, TRAINING)
    assert definition["States"]["StartTrainingPipeline"]["Arguments"]["PipelineName"] == "ndr-training-v2"  # new definition...
    assert tags == {"team": "ndr"}  # ... old tags: and the line said so
    refuse.failing.clear()
    code, lines, _ = run(capsys, "--env", env, "--endpoint-url", endpoint)
    assert code == 0 and lines[-1] == f"{len(FLOW_NAMES)} updated"
    assert f"{TRAINING}: updated {ARN}{TRAINING} (tags)" in lines
    assert run(capsys, "--env", env, "--endpoint-url", endpoint)[1][-1] == f"{len(FLOW_NAMES)} unchanged"


def test_a_refused_untag_is_named_and_nothing_after_it_is_claimed(endpoint: str, tmp_path: Path, refuse: Refuse, capsys: pytest.CaptureFixture[str]) -> None:
    env = str(write_env(tmp_path, tags={"team": "ndr", "old": "x"}))
    assert run(capsys, "--env", env, "--endpoint-url", endpoint, "--flow", TRAINING)[0] == 0
    write_env(tmp_path, tags={"team": "ndr", "env": "dev"})
    refuse.failing["UntagResource"] = ("ThrottlingException", "Rate exceeded")
    code, lines, _ = run(capsys, "--env", env, "--endpoint-url", endpoint, "--flow", TRAINING)
    assert code == 1
    assert lines[0] == f"{TRAINING}: failed at UntagResource: AWS refused UntagResource (ThrottlingException, HTTP 400): Rate exceeded; not changed: tags"
    assert refuse.recorder.writes()[-1] == "UntagResource" and "TagResource" not in refuse.recorder.writes()


def test_an_update_refused_because_of_its_logging_changes_nothing_and_says_so(endpoint: str, tmp_path: Path, refuse: Refuse, capsys: pytest.CaptureFixture[str]) -> None:
    env = str(write_env(tmp_path))
    assert run(capsys, "--env", env, "--endpoint-url", endpoint, "--flow", TRAINING)[0] == 0
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/ndr/sfn:*"
    write_env(tmp_path, logging={"level": "ERROR", "log_group_arn": group}, substitutions=dict(SUBSTITUTIONS, PipelineNameTraining="ndr-training-v3"))
    refuse.failing["UpdateStateMachine"] = ("AccessDeniedException", "The state machine IAM Role is not authorized to access the Log Destination")
    code, lines, _ = run(capsys, "--env", env, "--endpoint-url", endpoint, "--flow", TRAINING)
    assert code == 1
    assert lines[0] == (
        f"{TRAINING}: failed at UpdateStateMachine: AWS refused UpdateStateMachine (AccessDeniedException, HTTP 400): "
        "The state machine IAM Role is not authorized to access the Log Destination; not changed: definition, logging"
    )
    definition, _ = deployed(endpoint, TRAINING)
    assert definition["States"]["StartTrainingPipeline"]["Arguments"]["PipelineName"] == "ndr-training"


def test_a_refused_describe_fails_that_flow_only(endpoint: str, tmp_path: Path, refuse: Refuse, capsys: pytest.CaptureFixture[str]) -> None:
    env = str(write_env(tmp_path))
    assert run(capsys, "--env", env, "--endpoint-url", endpoint)[0] == 0
    refuse.failing["ListTagsForResource"] = ("AccessDeniedException", "no")
    code, lines, err = run(capsys, "--env", env, "--endpoint-url", endpoint)
    assert code == 1 and lines[-1] == f"{len(FLOW_NAMES)} failed" and err == ""
    assert f"{TRAINING}: failed at ListTagsForResource: AWS refused ListTagsForResource (AccessDeniedException, HTTP 400): no" in lines


def test_an_endpoint_that_stops_answering_mid_run_says_what_was_done_and_what_not(endpoint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proxy = DroppingProxy(endpoint)
    try:
        proxy.drop_after("CreateStateMachine", 3)  # the third create reaches moto, its answer never comes back
        env = str(write_env(tmp_path))
        code, lines, err = run(capsys, "--env", env, "--endpoint-url", proxy.url)
    finally:
        proxy.close()
    first, second, third, *rest = FLOW_NAMES
    reason = f"the Step Functions endpoint {proxy.url}/ closed the connection before answering CreateStateMachine"
    assert code == 1
    assert lines == [
        f"{first}: created {ARN}{first}",
        f"{second}: created {ARN}{second}",
        f"{third}: failed at CreateStateMachine: {reason}; whether CreateStateMachine was applied is unknown (the connection dropped after the request): re-run to converge",
        *(f"{name}: not attempted (the run stopped at {third}: {reason})" for name in rest),
        f"2 created, 1 failed, {len(rest)} not attempted",
    ]
    assert err.splitlines() == [
        f"error: the run stopped at {third} (CreateStateMachine): {reason}",
        f"  changed in this run before it stopped: created {first}, created {second}",
        f"  not attempted: {', '.join(rest)}; re-run the same command to converge",
    ]
    assert proxy.dropped[0] == "CreateStateMachine (forwarded)" and set(proxy.dropped[1:]) == {"CreateStateMachine"}  # botocore retried
    # The endpoint is back: the same command converges (the third create had reached moto after all).
    code, lines, _ = run(capsys, "--env", env, "--endpoint-url", endpoint)
    assert code == 0 and lines[-1] == f"{len(rest)} created, 3 unchanged"


def test_summaries_and_the_stop_report() -> None:
    results = [
        DeployResult("a", "dev-a", "updated", ARN + "a", ("definition",)),
        DeployResult("b", "dev-b", "failed", ARN + "b", ("definition", "tags"), error="x", operation="TagResource", error_code="X", applied=("definition",)),
        DeployResult("c", "dev-c", "not attempted", error="the run stopped at b: x"),
    ]
    assert [r.ok for r in results] == [True, False, False]
    assert results[1].summary() == "b: failed at TagResource: x; already changed in this run: definition; not changed: tags"
    assert results[2].summary() == "c: not attempted (the run stopped at b: x)"
    assert stop_report(results) == [
        "the run stopped at b (TagResource): x",
        "changed in this run before it stopped: updated a, b (partly: definition)",
        "not attempted: c; re-run the same command to converge",
    ]
    assert stop_report(results[:2]) == []
