"""Deploy against moto in-process (mock_aws): create, idempotent re-run,
targeted updates, refusals. Every test records the Step Functions calls
the deploy makes, so "unchanged" is checked as "no write call at all"."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import moto
import pytest
from deploy_fixtures import SUBSTITUTIONS, CallRecorder, env_data, use_fake_credentials

from ndr_workflows.cli.definitions import known_placeholders
from ndr_workflows.cli.deploy import deploy_flows
from ndr_workflows.deploy import AwsError, EnvFileError, Logging, deploy, load_environment
from ndr_workflows.deploy.aws import make_client
from ndr_workflows.flows import FLOW_NAMES, build_flow

FIVE = set(FLOW_NAMES)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, CallRecorder]]:
    """A moto-backed client with a call recorder; validation is the service's
    'not implemented' path (moto), i.e. local checks only."""
    use_fake_credentials(monkeypatch)
    with moto.mock_aws():
        recorder = CallRecorder()
        client = recorder.attach(make_client(load_environment(env_data())))
        yield client, recorder


def run(client: Any, env: Any = None, flows: Any = None, **options: Any) -> dict[str, Any]:
    """Deploy flows by NAME (default all five) as the deploy command does, or
    a mapping NAME -> definition (then checked against all five flows too)."""
    env = env or load_environment(env_data())
    if isinstance(flows, dict):
        results = deploy(env, flows, client=client, known_placeholders=known_placeholders(), **options)
    else:
        results = deploy_flows(env, flows, client=client, **options)
    return {r.name: r for r in results}


def test_first_run_creates_all_five_then_a_rerun_writes_nothing(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    first = run(client)
    assert {n: r.action for n, r in first.items()} == {n: "created" for n in FLOW_NAMES}
    assert recorder.writes() == ["CreateStateMachine"] * len(FLOW_NAMES)
    created = recorder.params("CreateStateMachine")[0]
    assert created["type"] == "STANDARD" and created["tags"] == [{"key": "team", "value": "ndr"}]
    assert first["sfn_ndr_15m_features_inference"].arn == "arn:aws:states:us-east-1:123456789012:stateMachine:dev-sfn_ndr_15m_features_inference"
    machines = {m["name"] for m in client.list_state_machines()["stateMachines"]}
    assert machines == {"dev-" + n for n in FLOW_NAMES}
    deployed = client.describe_state_machine(stateMachineArn=first["sfn_ndr_15m_features_inference"].arn)["definition"]
    assert "${" not in deployed and '"TableName": "ndr-locks"' in deployed

    recorder.clear()
    second = run(client)
    assert {r.action for r in second.values()} == {"unchanged"}
    assert recorder.writes() == []
    assert all(r.arn == first[n].arn for n, r in second.items())


def test_a_changed_flow_updates_only_that_machine(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    run(client)
    flows: dict[str, Any] = {n: build_flow(n).to_dict() for n in FLOW_NAMES}
    changed = "sfn_ndr_training_orchestrator"
    flows[changed]["Comment"] = flows[changed].get("Comment", "") + " (changed)"
    recorder.clear()
    results = run(client, flows=flows)
    assert {n: r.action for n, r in results.items() if r.action != "unchanged"} == {changed: "updated"}
    assert results[changed].changes == ("definition",)
    updates = recorder.params("UpdateStateMachine")
    assert recorder.writes() == ["UpdateStateMachine"]
    assert updates[0]["stateMachineArn"].endswith(":dev-" + changed)
    assert set(updates[0]) == {"stateMachineArn", "definition", "publish"}  # nothing else re-sent


def test_a_changed_tag_is_tagged_and_untagged_without_touching_the_definition(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    run(client, load_environment(env_data(tags={"team": "ndr", "old": "x"})), ["sfn_ndr_15m_features_inference"])
    recorder.clear()
    results = run(client, load_environment(env_data(tags={"team": "ml", "cost": "42"})), ["sfn_ndr_15m_features_inference"])
    result = results["sfn_ndr_15m_features_inference"]
    assert (result.action, result.changes) == ("updated", ("tags",))
    assert sorted(recorder.writes()) == ["TagResource", "UntagResource"]
    assert recorder.params("UntagResource")[0]["tagKeys"] == ["old"]
    tags = client.list_tags_for_resource(resourceArn=result.arn)["tags"]
    assert {t["key"]: t["value"] for t in tags} == {"team": "ml", "cost": "42"}


def test_a_changed_role_is_updated_alone(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    run(client, flows=["sfn_ndr_prediction_publication"])
    recorder.clear()
    role = "arn:aws:iam::123456789012:role/ndr-sfn-v2"
    result = run(client, load_environment(env_data(role_arn=role)), ["sfn_ndr_prediction_publication"])["sfn_ndr_prediction_publication"]
    assert (result.action, result.changes) == ("updated", ("role",))
    assert recorder.writes() == ["UpdateStateMachine"]
    assert set(recorder.params("UpdateStateMachine")[0]) == {"stateMachineArn", "roleArn", "publish"}
    assert client.describe_state_machine(stateMachineArn=result.arn)["roleArn"] == role


def test_logging_and_tracing_are_set_compared_and_updated(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/ndr/sfn:*"
    env = load_environment(env_data(logging={"level": "ERROR", "include_execution_data": True, "log_group_arn": group}, tracing=True))
    flow = ["sfn_ndr_backfill_reprocessing"]
    arn = run(client, env, flow)["sfn_ndr_backfill_reprocessing"].arn
    described = client.describe_state_machine(stateMachineArn=arn)
    assert described["loggingConfiguration"]["level"] == "ERROR"
    assert described["loggingConfiguration"]["destinations"][0]["cloudWatchLogsLogGroup"]["logGroupArn"] == group
    assert described["tracingConfiguration"] == {"enabled": True}
    recorder.clear()
    assert run(client, env, flow)["sfn_ndr_backfill_reprocessing"].action == "unchanged"
    assert recorder.writes() == []
    result = run(client, dataclasses.replace(env, tracing=False), flow)["sfn_ndr_backfill_reprocessing"]
    assert (result.action, result.changes) == ("updated", ("tracing",))
    assert recorder.params("UpdateStateMachine")[0]["tracingConfiguration"] == {"enabled": False}


def test_missing_substitutions_create_nothing_and_are_all_listed(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    subs = {k: v for k, v in SUBSTITUTIONS.items() if k not in ("LockTableName", "PipelineNameTraining", "EventBusName")}
    with pytest.raises(EnvFileError) as caught:
        run(client, load_environment(env_data(substitutions=subs)))
    text = str(caught.value)
    for name in ("LockTableName", "PipelineNameTraining", "EventBusName"):
        assert f"missing {name!r}" in text
    assert "used by sfn_ndr_15m_features_inference" in text
    assert len(caught.value.problems) == 3
    assert recorder.names() == []  # not even a read
    assert client.list_state_machines()["stateMachines"] == []


def test_unknown_substitutions_are_errors_checked_against_all_five_flows(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    subs = dict(SUBSTITUTIONS, LockTabelName="typo", Unused="x")
    with pytest.raises(EnvFileError) as caught:
        run(client, load_environment(env_data(substitutions=subs)))
    problems = caught.value.problems
    assert any("unknown 'LockTabelName'" in p and "did you mean 'LockTableName'" in p for p in problems)
    assert any("unknown 'Unused'" in p for p in problems)
    assert recorder.names() == []
    # A key used only by a flow that is not selected is still known (all five count) ...
    only_15m = run(client, flows=["sfn_ndr_15m_features_inference"])
    assert only_15m["sfn_ndr_15m_features_inference"].action == "created"
    # ... and missing keys are checked for the selected flows only.
    needed = {k: SUBSTITUTIONS[k] for k in ("LockTableName", "EventBusName", "PipelineCompletionCallbackLambdaArn", "PipelineName15m", "PipelineNameInference")}
    assert run(client, load_environment(env_data(substitutions=needed)), ["sfn_ndr_15m_features_inference"])["sfn_ndr_15m_features_inference"].action == "unchanged"


def test_dry_run_writes_nothing_and_shows_new_or_a_unified_diff(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    plan = run(client, dry_run=True)
    assert {r.action for r in plan.values()} == {"would create"}
    assert all(r.diff.startswith("new: dev-") for r in plan.values())
    assert recorder.writes() == [] and client.list_state_machines()["stateMachines"] == []
    run(client)
    recorder.clear()
    subs = dict(SUBSTITUTIONS, LockTableName="ndr-locks-v2")
    plan = run(client, load_environment(env_data(substitutions=subs, tags={"team": "ml"})), dry_run=True)
    assert recorder.writes() == []
    lock = plan["sfn_ndr_15m_features_inference"]
    assert lock.action == "would update" and lock.changes == ("definition", "tags")
    assert "--- deployed/dev-sfn_ndr_15m_features_inference.json" in lock.diff
    assert '-        "TableName": "ndr-locks",' in lock.diff and '+        "TableName": "ndr-locks-v2",' in lock.diff
    assert "tag team: 'ndr' -> 'ml'" in lock.diff
    other = plan["sfn_ndr_training_orchestrator"]
    assert other.changes == ("tags",) and "TableName" not in other.diff
    deployed = client.describe_state_machine(stateMachineArn=lock.arn)["definition"]
    assert '"ndr-locks"' in deployed  # still the old one


def _with_unresolved(text: str) -> dict[str, Any]:
    definition = copy.deepcopy(build_flow("sfn_ndr_15m_features_inference").to_dict())
    definition["States"]["AcquireMiniBatchLock"]["Arguments"]["TableName"] = text
    return definition


def test_a_definition_still_holding_a_placeholder_is_refused(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    # A value that itself holds a placeholder (an Environment built in Python skips the file checks).
    # Its value is judged by what it names before anything is prepared: nothing deployed.
    env = dataclasses.replace(load_environment(env_data()), substitutions=dict(SUBSTITUTIONS, LockTableName="${Other}"))
    with pytest.raises(EnvFileError, match=r"substitutions.LockTableName: '\$\{Other\}' holds a '\$\{' placeholder itself"):
        run(client, env, ["sfn_ndr_15m_features_inference"])
    # A malformed placeholder the substitution cannot resolve.
    result = run(client, flows={"sfn_ndr_15m_features_inference": _with_unresolved("${Lock Table}")})["sfn_ndr_15m_features_inference"]
    assert result.action == "failed" and "${" in (result.error or "")
    assert recorder.writes() == []


def test_a_flow_that_fails_validation_is_not_deployed_the_others_are(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    broken = build_flow("sfn_ndr_prediction_publication").to_dict()
    first = broken["StartAt"]
    broken["States"][first]["Next"] = "NoSuchState"
    flows = {"sfn_ndr_prediction_publication": broken, "sfn_ndr_15m_features_inference": build_flow("sfn_ndr_15m_features_inference").to_dict()}
    results = run(client, flows=flows)
    bad = results["sfn_ndr_prediction_publication"]
    assert bad.action == "failed" and bad.error == "validation failed"
    assert any("NoSuchState" in f.message and f.path == first for f in bad.findings)
    assert results["sfn_ndr_15m_features_inference"].action == "created"
    assert [p["name"] for p in recorder.params("CreateStateMachine")] == ["dev-sfn_ndr_15m_features_inference"]


def test_a_remote_validation_failure_stops_the_flow(aws: tuple[Any, CallRecorder], monkeypatch: pytest.MonkeyPatch) -> None:
    client, recorder = aws
    answer = {"result": "FAIL", "diagnostics": [{"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": "bad", "location": "/States/X"}]}
    monkeypatch.setattr("ndr_workflows.deploy.deployer.validation_client", lambda _c: _Answering(answer))
    result = run(client, flows=["sfn_ndr_15m_features_inference"])["sfn_ndr_15m_features_inference"]
    assert result.action == "failed" and "SCHEMA_VALIDATION_FAILED" in (result.error or "")
    monkeypatch.setattr("ndr_workflows.deploy.deployer.validation_client", lambda _c: _Answering({"result": "OK", "diagnostics": []}))
    result = run(client, flows=["sfn_ndr_15m_features_inference"])["sfn_ndr_15m_features_inference"]
    assert result.action == "created" and result.notes == ()
    assert recorder.writes() == ["CreateStateMachine"]


class _Answering:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer

    def validate_state_machine_definition(self, **_: Any) -> dict[str, Any]:
        return self.answer


def test_unavailable_remote_validation_falls_back_and_says_so(aws: tuple[Any, CallRecorder]) -> None:
    client, _ = aws
    lines: list[str] = []
    results = deploy_flows(load_environment(env_data()), ["sfn_ndr_15m_features_inference"], client=client, echo=lines.append)
    assert results[0].action == "created"
    assert lines == ["note: this endpoint does not implement ValidateStateMachineDefinition; validated with the local checks only"]
    assert results[0].notes == ("this endpoint does not implement ValidateStateMachineDefinition; validated with the local checks only",)


def test_publish_points_the_alias_at_a_new_version_and_reruns_write_nothing(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    flow = ["sfn_ndr_15m_features_inference"]
    first = run(client, flows=flow, publish=True, alias="live")["sfn_ndr_15m_features_inference"]
    assert first.version_arn == first.arn + ":1" and first.alias_arn == first.arn + ":live"
    alias = client.describe_state_machine_alias(stateMachineAliasArn=first.alias_arn)
    assert alias["routingConfiguration"] == [{"stateMachineVersionArn": first.arn + ":1", "weight": 100}]
    recorder.clear()
    again = run(client, flows=flow, publish=True, alias="live")["sfn_ndr_15m_features_inference"]
    assert (again.action, again.version_arn) == ("unchanged", first.arn + ":1")
    assert recorder.writes() == []
    subs = dict(SUBSTITUTIONS, EventBusName="ndr-bus-2")
    changed = run(client, load_environment(env_data(substitutions=subs)), flow, publish=True, alias="live")["sfn_ndr_15m_features_inference"]
    assert (changed.action, changed.version_arn) == ("updated", first.arn + ":2")
    assert recorder.writes() == ["UpdateStateMachine", "UpdateStateMachineAlias"]
    alias = client.describe_state_machine_alias(stateMachineAliasArn=first.alias_arn)
    assert alias["routingConfiguration"][0]["stateMachineVersionArn"] == first.arn + ":2"


@pytest.mark.parametrize("url", ["notaurl", "", "http://[::1", "http://localhost:port"])
def test_a_bad_endpoint_url_is_an_aws_error_not_a_traceback(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_credentials(monkeypatch)
    with pytest.raises(AwsError, match="endpoint URL") as caught:
        make_client(load_environment(env_data()), url)
    assert caught.value.fatal
    with pytest.raises(AwsError, match="endpoint URL"):
        deploy_flows(load_environment(env_data()), ["sfn_ndr_15m_features_inference"], endpoint_url=url)


def test_the_fast_validation_client_uses_the_same_session_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    from ndr_workflows.deploy.aws import validation_client

    use_fake_credentials(monkeypatch)
    client = make_client(load_environment(env_data()), "http://localhost:5999")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "changed-since")  # the session's credentials count, not the process's now
    fast = validation_client(client)
    assert fast is not client and fast.meta.endpoint_url == "http://localhost:5999"
    assert fast._request_signer._credentials.access_key == "testing"
    assert fast.meta.config.retries["total_max_attempts"] == 1
    foreign = object()
    assert validation_client(foreign) is foreign  # not made here: used as it is


def _answer(client: Any, operation: str, answer: Any) -> None:
    """Stand in for one Step Functions operation moto does not implement
    (botocore uses a before-call handler's return value as the response;
    an exception it raises is the call's)."""

    def handler(**_: Any) -> Any:
        if isinstance(answer, BaseException):
            raise answer
        return (SimpleNamespace(status_code=200, headers={}), answer)

    client.meta.events.register(f"before-call.sfn.{operation}", handler)


def test_publish_without_alias_reruns_publish_nothing_when_the_latest_version_holds_the_revision(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    flow = ["sfn_ndr_15m_features_inference"]
    first = run(client, flows=flow, publish=True)["sfn_ndr_15m_features_inference"]
    assert first.version_arn == first.arn + ":1"
    latest = {"stateMachineVersions": [{"stateMachineVersionArn": first.arn + ":1", "creationDate": "2025-01-01T00:00:00Z"}]}
    _answer(client, "ListStateMachineVersions", latest)
    _answer(client, "PublishStateMachineVersion", {"stateMachineVersionArn": first.arn + ":9", "creationDate": "2025-01-01T00:00:00Z"})
    recorder.clear()
    again = run(client, flows=flow, publish=True)["sfn_ndr_15m_features_inference"]
    assert (again.action, again.version_arn, again.ok) == ("unchanged", first.arn + ":1", True)
    assert recorder.writes() == []  # no PublishStateMachineVersion for a revision already published
    # a version holding another revision (say, published by hand before a role change) does not count
    other_role = load_environment(env_data(role_arn="arn:aws:iam::123456789012:role/other"))
    changed = run(client, other_role, flow, publish=True)["sfn_ndr_15m_features_inference"]
    assert changed.action == "updated" and changed.version_arn == first.arn + ":2"
    recorder.clear()
    latest["stateMachineVersions"][0]["stateMachineVersionArn"] = first.arn + ":1"  # pretend :2 is not listed
    rerun = run(client, other_role, flow, publish=True)["sfn_ndr_15m_features_inference"]
    assert rerun.version_arn == first.arn + ":9" and recorder.writes() == ["PublishStateMachineVersion"]


def test_a_failed_publish_still_reports_the_created_machine(aws: tuple[Any, CallRecorder]) -> None:
    from botocore.exceptions import ClientError

    client, _ = aws
    refusal = ClientError({"Error": {"Code": "ValidationException", "Message": "bad alias"}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "CreateStateMachineAlias")
    _answer(client, "CreateStateMachineAlias", refusal)
    env = load_environment(env_data())
    result = deploy_flows(env, ["sfn_ndr_15m_features_inference"], client=client, publish=True, alias="live", endpoint_url="http://localhost:4566")[0]
    assert result.action == "created" and result.arn == "arn:aws:states:us-east-1:123456789012:stateMachine:dev-sfn_ndr_15m_features_inference"
    assert not result.ok and result.version_arn == result.arn + ":1"  # published with the create; only the alias failed
    assert "http://localhost:4566" in (result.publish_error or "") and "bad alias" in (result.publish_error or "")
    line = result.summary()
    assert line.startswith(f"sfn_ndr_15m_features_inference: created {result.arn}") and "publishing a version or the alias 'live'" in line


@pytest.mark.parametrize("alias", ["", "live\n", "a/b", "123", "x" * 81])
def test_an_invalid_alias_is_refused_before_anything_is_written(aws: tuple[Any, CallRecorder], alias: str) -> None:
    client, recorder = aws
    with pytest.raises(ValueError, match="alias name"):
        run(client, flows=["sfn_ndr_15m_features_inference"], publish=True, alias=alias)
    assert recorder.names() == []


def test_valid_alias_names_are_accepted() -> None:
    from ndr_workflows.deploy.environment import check_alias

    assert [check_alias(a) for a in ("live", "v1.2-rc_3", "9a", "x" * 80)] == [None] * 4


def test_alias_needs_publish() -> None:
    with pytest.raises(ValueError, match="publish"):
        deploy(load_environment(env_data()), {}, alias="live", client=object())


def test_an_aws_refusal_fails_that_flow_with_one_line(aws: tuple[Any, CallRecorder]) -> None:
    client, _ = aws

    def deny(**_: Any) -> Any:
        return _Http(400), {"Error": {"Code": "AccessDeniedException", "Message": "User: x is not\nauthorized"}, "ResponseMetadata": {"HTTPStatusCode": 400}}

    client.meta.events.register("before-call.states.CreateStateMachine", deny)
    results = run(client, flows=["sfn_ndr_15m_features_inference", "sfn_ndr_training_orchestrator"])
    for result in results.values():
        assert result.action == "failed"
        assert result.error == "AWS refused CreateStateMachine (AccessDeniedException, HTTP 400): User: x is not authorized"
        assert "\n" not in result.summary()


def test_unusable_credentials_stop_the_whole_run(aws: tuple[Any, CallRecorder]) -> None:
    client, _ = aws

    def reject(**_: Any) -> Any:
        return _Http(400), {"Error": {"Code": "UnrecognizedClientException", "Message": "The security token included in the request is invalid."}}

    client.meta.events.register("before-call.states.ListStateMachines", reject)
    with pytest.raises(AwsError, match=r"^AWS rejected the credentials \(UnrecognizedClientException\)"):
        run(client)


class _Http:
    def __init__(self, status: int) -> None:
        self.status_code = status
        self.headers: dict[str, str] = {}
        self.content = b""


def test_an_express_machine_of_the_same_name_is_not_converted(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    definition = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}'
    client.create_state_machine(name="dev-sfn_ndr_15m_features_inference", definition=definition, roleArn="arn:aws:iam::123456789012:role/r", type="EXPRESS")
    recorder.clear()
    result = run(client, flows=["sfn_ndr_15m_features_inference"])["sfn_ndr_15m_features_inference"]
    assert result.action == "failed" and "EXPRESS" in (result.error or "")
    assert recorder.writes() == []


def test_logging_level_off_matches_a_machine_without_logging(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    flow = ["sfn_ndr_15m_features_inference"]
    run(client, flows=flow)
    recorder.clear()
    env = dataclasses.replace(load_environment(env_data()), logging=Logging("OFF"))
    assert run(client, env, flow)["sfn_ndr_15m_features_inference"].action == "unchanged"
    assert recorder.writes() == []


PIPELINES = Path(__file__).resolve().parents[1] / "data" / "pipelines"


def _create_pipeline(name: str, definition: dict[str, Any]) -> None:
    import boto3

    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    sagemaker.create_pipeline(PipelineName=name, PipelineDefinition=json.dumps(definition), RoleArn="arn:aws:iam::123456789012:role/sm")


def test_check_pipelines_compares_parameters_with_the_deployed_pipelines(aws: tuple[Any, CallRecorder]) -> None:
    client, recorder = aws
    flow = ["sfn_ndr_15m_features_inference"]
    features = json.loads((PIPELINES / "PipelineName15m.json").read_text(encoding="utf-8"))
    _create_pipeline("ndr-15m-features", features)
    # The inference pipeline is not there yet: the flow stops, naming the task.
    missing = run(client, flows=flow, check_pipelines=True)["sfn_ndr_15m_features_inference"]
    assert missing.action == "failed" and missing.error == "pipeline contract check failed"
    assert [(f.path, f.code) for f in missing.findings if f.is_error] == [("StartInferencePipeline", "PIPELINE_NOT_DESCRIBED")]
    # A pipeline that requires a parameter the flow does not pass.
    inference = json.loads((PIPELINES / "PipelineNameInference.json").read_text(encoding="utf-8"))
    inference["Parameters"].append({"Name": "ModelVersion", "Type": "String"})
    _create_pipeline("ndr-inference", inference)
    broken = run(client, flows=flow, check_pipelines=True)["sfn_ndr_15m_features_inference"]
    assert broken.action == "failed"
    assert any(f.path == "StartInferencePipeline" and "ModelVersion" in f.message for f in broken.findings)
    assert recorder.writes() == []
    # Without the option the contracts are not consulted.
    assert run(client, flows=flow)["sfn_ndr_15m_features_inference"].action == "created"


class _FakeSfn:
    """Answers like AWS for an execution that runs, then succeeds."""

    def __init__(self) -> None:
        self.describes = 0

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        self.describes += 1
        if self.describes < 3:
            return {"executionArn": executionArn, "status": "RUNNING"}
        return {"executionArn": executionArn, "status": "SUCCEEDED", "output": '{"ok": true}'}

    def get_paginator(self, name: str) -> Any:
        assert name == "get_execution_history"
        events = [{"type": "ExecutionStarted"}, {"type": "PassStateEntered", "stateEnteredEventDetails": {"name": "NormalizeMessage"}}]

        class _Pages:
            def paginate(self, **_: Any) -> list[dict[str, Any]]:
                return [{"events": events[:1]}, {"events": events[1:]}]

        return _Pages()


def test_an_aws_execution_is_polled_until_it_stops() -> None:
    from ndr_workflows.deploy.executions import StartedExecution

    slept: list[float] = []
    client = _FakeSfn()
    execution = StartedExecution(client, "arn:aws:states:us-east-1:123456789012:execution:m:e", sleep=slept.append).refresh()
    assert execution.wait(interval=2.0) is execution
    assert (execution.status, execution.output, execution.simulated) == ("SUCCEEDED", {"ok": True}, False)
    assert slept == [2.0, 2.0] and client.describes == 3
    assert execution.states() == ["NormalizeMessage"]
    assert execution.text().splitlines() == ["arn:aws:states:us-east-1:123456789012:execution:m:e: SUCCEEDED", "  NormalizeMessage"]


def test_start_execution_needs_a_deployed_machine(aws: tuple[Any, CallRecorder]) -> None:
    client, _ = aws
    with pytest.raises(LookupError, match="dev-sfn_ndr_15m_features_inference is not deployed"):
        build_flow("sfn_ndr_15m_features_inference").start_execution(load_environment(env_data()), {}, client=client)


def test_flows_are_given_by_name_above_the_deploy_and_as_definitions_to_it(aws: tuple[Any, CallRecorder]) -> None:
    client, _ = aws
    env = load_environment(env_data())
    assert [r.name for r in deploy_flows(env, "sfn_ndr_15m_features_inference", client=client, dry_run=True)] == ["sfn_ndr_15m_features_inference"]
    with pytest.raises(ValueError, match="unknown flow 'sfn_nope'; the flows are: sfn_ndr_15m_features_inference"):
        deploy_flows(env, ["sfn_nope"], client=client)
    # The deploy itself takes flows (with their name) and definitions by NAME, never a bare NAME.
    flow = build_flow("sfn_ndr_training_orchestrator")
    assert [r.name for r in deploy(env, flow, client=client, dry_run=True)] == ["sfn_ndr_training_orchestrator"]
    assert [r.name for r in deploy(env, {"custom": flow.to_dict()}, client=client, dry_run=True)] == ["custom"]
    with pytest.raises(ValueError, match="a flow NAME alone .* is resolved by python -m ndr_workflows.deploy"):
        deploy(env, "sfn_ndr_15m_features_inference", client=client)
