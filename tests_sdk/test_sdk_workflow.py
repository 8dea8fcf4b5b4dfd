"""The sdk extra: our JSONata flows as Data Science SDK ``Workflow`` objects.

Runs only in .venv-sdk (scripts/test step 6), where the extra is installed;
a missing or unimportable ``stepfunctions`` FAILS here, it is never skipped.
"""

from __future__ import annotations

import configparser
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from sdk_environment import ENVIRONMENT, ROLE

ROOT = Path(__file__).resolve().parents[1]
FLOW = "sfn_ndr_15m_features_inference"
MACHINE = "dev-" + FLOW


def _sdk() -> Any:
    try:
        import ndr_workflows.sdk as sdk
    except ImportError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"the sdk extra does not import in this environment: {exc}\n"
                    "install it with: pip install -e '.[sdk,sdk-test]' -c tests_sdk/constraints.txt")
    return sdk


def _substituted(flow: Any) -> dict[str, Any]:
    from ndr_workflows.deploy import substitute

    return substitute(flow.to_dict(), ENVIRONMENT["substitutions"])


def test_the_pinned_set_installs_and_imports_together() -> None:
    """setup.cfg's pins are what is installed, and both SDKs import side by side."""
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    pins = dict(
        line.split("==")
        for line in cfg["options.extras_require"]["sdk"].splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    )
    assert pins == {"stepfunctions": "2.3.0", "sagemaker": version("sagemaker")}
    assert version("stepfunctions") == pins["stepfunctions"]
    assert version("sagemaker").startswith("2.")
    sdk = _sdk()  # imports stepfunctions (and so sagemaker) quietly
    import sagemaker
    import stepfunctions

    assert sagemaker.__version__ == pins["sagemaker"]
    assert issubclass(sdk.FlowWorkflow, stepfunctions.workflow.Workflow)


def test_create_execute_list_and_attach(sfn: Any) -> None:
    from ndr_workflows.flows import build_flow
    from ndr_workflows.asl.reader import dumps as pretty

    sdk = _sdk()
    flow = build_flow(FLOW)
    wf = sdk.workflow(flow, ENVIRONMENT, client=sfn)
    assert wf.name == MACHINE and wf.role == ROLE

    arn = wf.create()
    deployed = sfn.describe_state_machine(stateMachineArn=arn)
    # Our definition, substituted, byte for byte as exported; not an SDK re-creation.
    assert deployed["definition"] == pretty(_substituted(flow))
    assert json.loads(deployed["definition"])["QueryLanguage"] == "JSONata"
    assert "${" not in deployed["definition"]
    tags = sfn.list_tags_for_resource(resourceArn=arn)["tags"]
    assert {"key": "team", "value": "ndr"} in tags

    execution = wf.execute(name="run-1", inputs={"message": {"batch": "b1"}})
    assert json.loads(sfn.describe_execution(executionArn=execution.execution_arn)["input"]) == {
        "message": {"batch": "b1"}
    }
    listed = wf.list_executions()
    assert [e.execution_arn for e in listed] == [execution.execution_arn]

    attached = sdk.FlowWorkflow.attach(arn, client=sfn)
    assert isinstance(attached, sdk.FlowWorkflow)
    assert attached.name == MACHINE and attached.role == ROLE
    assert attached.definition.to_dict() == _substituted(flow)
    second = attached.execute(name="run-2", inputs={})
    assert {e.execution_arn for e in attached.list_executions()} == {execution.execution_arn, second.execution_arn}
    # Attaching needs no re-parse of JSONata: the SDK only ships what it was given.
    assert attached.create() == arn  # same definition and role: nothing to do, nothing raised


def test_create_refuses_to_pretend_and_update_updates(sfn: Any) -> None:
    """The SDK's create() returns the old ARN and keeps the old definition; ours says so."""
    from ndr_workflows.flows import build_flow

    sdk = _sdk()
    arn = sdk.workflow(build_flow(FLOW), ENVIRONMENT, client=sfn).create()

    polling = build_flow(FLOW, completion=_polling())
    changed = sdk.workflow(polling, ENVIRONMENT, client=sfn)
    with pytest.raises(sdk.StateMachineExists, match="different definition.*update"):
        changed.create()
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) != _substituted(polling)

    assert changed.update() == arn
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == _substituted(polling)
    assert len(sfn.list_state_machines()["stateMachines"]) == 1

    other_role = sdk.workflow(polling, ENVIRONMENT, role=ROLE + "-other", client=sfn)
    with pytest.raises(sdk.StateMachineExists, match="different role"):
        other_role.create()


def test_update_with_a_new_flow_substitutes_it_and_refuses_a_broken_one(sfn: Any) -> None:
    from ndr_workflows.flows import build_flow

    sdk = _sdk()
    wf = sdk.workflow(build_flow(FLOW), ENVIRONMENT, client=sfn)
    arn = wf.create()
    polling = build_flow(FLOW, completion=_polling())
    assert wf.update(polling) == arn  # placeholders filled from the environment it was made with
    assert sfn.describe_state_machine(stateMachineArn=arn)["definition"] == wf.definition.to_json(pretty=True)
    assert wf.definition.to_dict() == _substituted(polling)

    broken = {"QueryLanguage": "JSONata", "StartAt": "Nowhere", "States": {"Done": {"Type": "Succeed"}}}
    with pytest.raises(sdk.NotDeployable, match="Nowhere"):
        wf.update(broken)
    assert wf.definition.to_dict() == _substituted(polling)
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == _substituted(polling)


def test_deploy_creates_then_leaves_alone_then_updates(sfn: Any) -> None:
    from ndr_workflows.flows import build_flow

    sdk = _sdk()
    assert sdk.workflow(build_flow(FLOW), ENVIRONMENT, client=sfn).deploy() == "created"
    assert sdk.workflow(build_flow(FLOW), ENVIRONMENT, client=sfn).deploy() == "unchanged"
    polling = build_flow(FLOW, completion=_polling())
    wf = sdk.workflow(polling, ENVIRONMENT, client=sfn)
    assert wf.deploy() == "updated"
    assert json.loads(sfn.describe_state_machine(stateMachineArn=wf.state_machine_arn)["definition"]) == _substituted(
        polling
    )


def test_tags_logging_and_tracing_count_like_the_deploy_command(sfn: Any) -> None:
    """"unchanged" means definition, role, tags, logging and tracing all match (docs/deploy.md)."""
    sdk = _sdk()
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/ndr/sfn:*"
    logged = {**ENVIRONMENT, "logging": {"level": "ERROR", "include_execution_data": True, "log_group_arn": group}, "tracing": True}
    wf = sdk.workflow(FLOW, logged, client=sfn)
    assert wf.deploy() == "created"
    described = sfn.describe_state_machine(stateMachineArn=wf.state_machine_arn)
    assert described["tracingConfiguration"] == {"enabled": True}
    assert described["loggingConfiguration"]["level"] == "ERROR"
    assert sdk.workflow(FLOW, logged, client=sfn).deploy() == "unchanged"
    attached = sdk.FlowWorkflow.attach(wf.state_machine_arn, client=sfn)
    assert attached.create() == wf.state_machine_arn  # attached as deployed, logging and tracing included

    untraced = sdk.workflow(FLOW, {**logged, "tracing": False}, client=sfn)
    with pytest.raises(sdk.StateMachineExists, match="different tracing"):
        untraced.create()
    assert untraced.deploy() == "updated"
    assert sfn.describe_state_machine(stateMachineArn=wf.state_machine_arn)["tracingConfiguration"] == {"enabled": False}

    retagged = sdk.workflow(FLOW, {**logged, "tracing": False, "tags": {"team": "ndr-2", "stage": "dev"}}, client=sfn)
    with pytest.raises(sdk.StateMachineExists, match="different tags"):
        retagged.create()
    assert retagged.update() == wf.state_machine_arn
    tags = sfn.list_tags_for_resource(resourceArn=wf.state_machine_arn)["tags"]
    assert sorted((t["key"], t["value"]) for t in tags) == [("stage", "dev"), ("team", "ndr-2")]
    assert retagged.deploy() == "unchanged"


def test_unknown_substitutions_are_refused_like_the_deploy_command(sfn: Any) -> None:
    sdk = _sdk()
    typo = {**ENVIRONMENT, "substitutions": {**ENVIRONMENT["substitutions"], "LockTabelName": "x"}}
    with pytest.raises(sdk.NotDeployable, match="unknown 'LockTabelName'.*did you mean 'LockTableName'"):
        sdk.workflow(FLOW, typo, client=sfn)
    assert sfn.list_state_machines()["stateMachines"] == []


def test_placeholders_are_never_deployed(sfn: Any) -> None:
    from ndr_workflows.flows import build_flow

    sdk = _sdk()
    raw = sdk.workflow(build_flow(FLOW), name=MACHINE, role=ROLE, client=sfn)
    with pytest.raises(sdk.NotDeployable, match=r"missing 'LockTableName'(.|\n)*env="):
        raw.create()
    incomplete = {**ENVIRONMENT, "substitutions": {"LockTableName": "ndr-locks"}}
    with pytest.raises(sdk.NotDeployable, match="PipelineName15m"):
        sdk.workflow(build_flow(FLOW), incomplete, client=sfn)
    assert sfn.list_state_machines()["stateMachines"] == []


def test_invalid_definition_is_refused_with_its_findings(sfn: Any) -> None:
    sdk = _sdk()
    broken = {"QueryLanguage": "JSONata", "StartAt": "Missing", "States": {"Done": {"Type": "Succeed"}}}
    wf = sdk.workflow(broken, name="dev-broken", role=ROLE, client=sfn)
    with pytest.raises(sdk.NotDeployable, match="Missing"):
        wf.deploy()
    assert sfn.list_state_machines()["stateMachines"] == []


def test_cloudformation_template_and_offline_graph(sfn: Any) -> None:
    from ndr_workflows.flows import build_flow

    sdk = _sdk()
    wf = sdk.workflow(build_flow(FLOW), ENVIRONMENT, client=sfn)
    template = wf.get_cloudformation_template()
    assert '"QueryLanguage": "JSONata"' in template and "${" not in template
    svg = wf.render_graph()._repr_svg_()
    assert svg.lstrip().startswith("<svg") and "<script" not in svg and "http://" not in svg.replace(
        "http://www.w3.org", ""
    )


def _polling() -> Any:
    from ndr_workflows.steps import Polling

    return Polling()


def test_constraints_freeze_every_installed_distribution() -> None:
    """tests_sdk/constraints.txt must list the whole environment, or CI drifts.

    A new dependency (in setup.cfg or pulled in by one) fails here until the
    file is refreshed (see its header).
    """
    from importlib.metadata import distributions

    lines = (ROOT / "tests_sdk" / "constraints.txt").read_text().splitlines()
    pinned = {n.lower().replace("_", "-"): v for n, v in (line.split("==") for line in lines if line and not line.startswith("#"))}
    installed = {
        d.metadata["Name"].lower().replace("_", "-"): d.version
        for d in distributions()
        if d.metadata["Name"].lower() not in ("pip", "ndr-workflows")
        # importing pkg_resources puts setuptools' own vendored copies on sys.path
        and "_vendor" not in Path(str(d.locate_file(""))).parts
    }
    unpinned = {n: v for n, v in installed.items() if pinned.get(n) != v}
    assert not unpinned, f"installed but not pinned in tests_sdk/constraints.txt: {unpinned}"


def test_unusable_arguments_say_what_is_wrong(sfn: Any) -> None:
    from ndr_workflows.flows import build_flow

    sdk = _sdk()
    with pytest.raises(ValueError, match="pass env= .* or both name= and role="):
        sdk.workflow(build_flow(FLOW), client=sfn)
    with pytest.raises(ValueError, match="neither a flow NAME"):
        sdk.workflow("sfn_ndr_no_such_flow", ENVIRONMENT, client=sfn)
    with pytest.raises(TypeError, match="got int"):
        sdk.workflow(42, ENVIRONMENT, client=sfn)  # type: ignore[arg-type]
    long_prefix = {**ENVIRONMENT, "state_machine_name_prefix": "x" * 60}
    with pytest.raises(ValueError, match="at most 80"):  # the environment file's own check
        sdk.workflow(FLOW, long_prefix, client=sfn)
    with pytest.raises(sdk.NotDeployable, match="at most 80"):
        sdk.workflow(FLOW, name="x" * 81, role=ROLE, client=sfn)
    # A flow NAME is enough: it is built, named prefix + NAME, substituted.
    assert sdk.workflow(FLOW, ENVIRONMENT, client=sfn).name == MACHINE
