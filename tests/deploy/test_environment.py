"""Environment files: what a usable one looks like, and every way a file is
wrong reported at once, with the field named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from deploy_fixtures import SUBSTITUTIONS, env_data, write_env

from ndr_workflows.deploy import EnvFileError, Logging, load_environment, substitute
from ndr_workflows.deploy.cloudformation import cloudformation_substitute
from ndr_workflows.deploy.environment import check_name
from ndr_workflows.flows import FLOW_NAMES


def problems_of(data: Any) -> list[str]:
    with pytest.raises(EnvFileError) as caught:
        load_environment(data, FLOW_NAMES)
    return caught.value.problems


def test_the_issue_example_loads(tmp_path: Path) -> None:
    env = load_environment(write_env(tmp_path))
    assert (env.region, env.account, env.partition) == ("us-east-1", "123456789012", "aws")
    assert env.machine_name("sfn_ndr_15m_features_inference") == "dev-sfn_ndr_15m_features_inference"
    assert env.tags == {"team": "ndr"} and env.substitutions["LockTableName"] == "ndr-locks"
    assert env.logging is None and env.tracing is False
    assert env.logging_api() == {"level": "OFF", "includeExecutionData": False}


def test_yaml_files_load_like_json(tmp_path: Path) -> None:
    path = tmp_path / "env.yaml"
    path.write_text(
        "region: eu-west-1\nrole_arn: arn:aws:iam::123456789012:role/ndr-sfn\nstate_machine_name_prefix: prod-\n"
        "tags: {team: ndr}\nsubstitutions:\n  LockTableName: ndr-locks\n"
        "logging: {level: ALL, include_execution_data: true, log_group_arn: 'arn:aws:logs:eu-west-1:123456789012:log-group:ndr:*'}\ntracing: true\n",
        encoding="utf-8",
    )
    env = load_environment(path)
    assert env.region == "eu-west-1" and env.tracing is True
    assert env.logging == Logging("ALL", True, "arn:aws:logs:eu-west-1:123456789012:log-group:ndr:*")
    assert env.logging_api()["destinations"] == [{"cloudWatchLogsLogGroup": {"logGroupArn": "arn:aws:logs:eu-west-1:123456789012:log-group:ndr:*"}}]


def test_every_problem_is_listed_at_once() -> None:
    data = env_data(
        region="US East",
        role_arn="arn:aws:iam::123:user/bob",
        state_machine_name_prefix=7,
        tags={"team": 1, "aws:owner": "x"},
        substitutions=["LockTableName"],
        tracing="yes",
        extra=True,
    )
    problems = problems_of(data)
    expected = [
        "unknown field 'extra'",
        "region: 'US East' is not an AWS region name",
        "role_arn: 'arn:aws:iam::123:user/bob' is not an IAM role ARN",
        "state_machine_name_prefix: must be a string, not a number",
        "tags.team: must be a string, not a number",
        "tags: key 'aws:owner' uses the reserved prefix 'aws:'",
        "substitutions: must be an object of strings, not a list",
        "tracing: must be true or false, not a string",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)
    assert len(problems) == len(expected)


def test_unknown_field_suggests_the_right_one() -> None:
    data = env_data()
    data["substitution"] = data.pop("substitutions")
    (problem,) = problems_of(data)
    assert problem.startswith("unknown field 'substitution' (did you mean 'substitutions'?)")


@pytest.mark.parametrize("missing", ["region", "role_arn"])
def test_required_fields(missing: str) -> None:
    data = env_data()
    del data[missing]
    assert problems_of(data) == [f"{missing}: missing (required)"]


def test_prefix_plus_longest_flow_name_must_fit_80_characters() -> None:
    longest = "sfn_ndr_15m_features_inference"  # 30 characters
    fits = "p" * (80 - len(longest))
    assert load_environment(env_data(state_machine_name_prefix=fits)).machine_name(longest) == fits + longest
    (problem,) = problems_of(env_data(state_machine_name_prefix=fits + "x"))
    assert "81 characters; at most 80" in problem


@pytest.mark.parametrize("bad", ["dev ", "dev/", "dev:", "dev$", "a{b}", "tab\t"])
def test_prefix_characters_step_functions_forbids(bad: str) -> None:
    (problem,) = problems_of(env_data(state_machine_name_prefix=bad))
    assert problem.startswith("state_machine_name_prefix: ") and "forbids" in problem


def test_check_name_accepts_valid_names() -> None:
    assert check_name("dev-sfn_ndr.x+1") is None
    assert check_name("") is not None


def test_logging_fields_are_checked() -> None:
    problems = problems_of(env_data(logging={"level": "DEBUG", "include_execution_data": "no", "group": "x"}))
    assert any(p.startswith("logging: unknown field 'group'") for p in problems)
    assert any(p.startswith("logging.level: must be one of ALL, ERROR, FATAL, OFF") for p in problems)
    assert any(p.startswith("logging.include_execution_data: must be true or false") for p in problems)
    (problem,) = problems_of(env_data(logging={"level": "ALL"}))
    assert problem == "logging.log_group_arn: required when logging.level is ALL"
    (problem,) = problems_of(env_data(logging={"level": "ALL", "log_group_arn": "arn:aws:logs:us-east-1:123456789012:log-group:x"}))
    assert "ending in ':*'" in problem
    assert load_environment(env_data(logging={"level": "OFF"})).logging == Logging("OFF")


def test_substitution_values_are_checked() -> None:
    problems = problems_of(env_data(substitutions={"LockTableName": "", "EventBusName": "${Other}", "bad-key": "x"}))
    assert "substitutions.LockTableName: the value is empty" in problems
    assert any(p.startswith("substitutions.EventBusName: the value '${Other}' holds") for p in problems)
    assert any(p.startswith("substitutions: key 'bad-key' is not a placeholder name") for p in problems)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(EnvFileError, match=r"absent.json: 1 problem:\n  cannot be read: No such file"):
        load_environment(tmp_path / "absent.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"region": "us-east-1",\n  "role_arn": }', encoding="utf-8")
    with pytest.raises(EnvFileError, match=r"not JSON: Expecting value: line 2 column 15"):
        load_environment(bad)
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps([1]), encoding="utf-8")
    with pytest.raises(EnvFileError, match=r"the top level must be an object"):
        load_environment(listed)
    yaml_bad = tmp_path / "bad.yml"
    yaml_bad.write_text("region: [unclosed\n", encoding="utf-8")
    with pytest.raises(EnvFileError, match=r"not valid YAML"):
        load_environment(yaml_bad)


def test_yaml_without_pyyaml_says_how_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml -> ImportError
    path = tmp_path / "env.yaml"
    path.write_text("region: us-east-1\n", encoding="utf-8")
    with pytest.raises(EnvFileError, match=r"pip install pyyaml"):
        load_environment(path)


def test_substitute_replaces_in_every_string_and_stays_json_safe() -> None:
    definition = {
        "A": "${Table}",
        "B": ["x-${Table}-${Table}", {"${Key}": "${Unknown}"}],
        "C": 3,
        "D": "{% $x %}",
    }
    out = substitute(definition, {"Table": 'a"b\\c', "Key": "k"})
    assert out == {"A": 'a"b\\c', "B": ['x-a"b\\c-a"b\\c', {"k": "${Unknown}"}], "C": 3, "D": "{% $x %}"}
    assert json.loads(json.dumps(out)) == out
    assert definition["A"] == "${Table}"  # the input is not changed


def test_a_file_with_bad_fields_also_gets_its_substitution_keys_checked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ndr_workflows.cli.deploy import deploy_flows as deploy
    from ndr_workflows.cli.deploy import main

    subs = {k: v for k, v in SUBSTITUTIONS.items() if k != "LockTableName"}
    subs["LockTabelName"] = "ndr-locks"
    path = write_env(tmp_path, region="nowhere", substitutions=subs)
    assert main(["--env", str(path), "--flow", "sfn_ndr_15m_features_inference"]) == 2
    err = capsys.readouterr().err
    assert "region: 'nowhere' is not an AWS region name" in err
    assert "substitutions: missing 'LockTableName'" in err
    assert "substitutions: unknown 'LockTabelName'" in err and "did you mean 'LockTableName'" in err
    with pytest.raises(EnvFileError) as caught:
        deploy(path, ["sfn_ndr_15m_features_inference"], client=object())
    assert any("unknown 'LockTabelName'" in p for p in caught.value.problems)
    wrong_value = write_env(tmp_path, "value.json", region="nowhere", substitutions={**SUBSTITUTIONS, "LockTableName": 5})
    with pytest.raises(EnvFileError) as caught:
        deploy(wrong_value, client=object())
    assert caught.value.problems == ["region: 'nowhere' is not an AWS region name (like 'us-east-1')", "substitutions.LockTableName: must be a string, not a number"]
    unreadable = write_env(tmp_path, "worse.json", region="nowhere", substitutions=["not", "an", "object"])
    with pytest.raises(EnvFileError) as caught:
        deploy(unreadable, client=object())
    assert caught.value.problems == ["region: 'nowhere' is not an AWS region name (like 'us-east-1')", "substitutions: must be an object of strings, not a list"]


def test_the_flows_are_built_once_for_any_number_of_substitution_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    from ndr_workflows.cli import definitions
    from ndr_workflows.deploy import substitution

    built: list[str] = []
    real = definitions.build_flow
    monkeypatch.setattr(definitions, "build_flow", lambda name, **options: built.append(name) or real(name, **options))
    definitions._flow_placeholders.cache_clear()
    env = load_environment(env_data(substitutions={**SUBSTITUTIONS, "Typo": "x"}))
    for _ in range(3):
        problems = substitution.substitution_problems(env, {}, definitions.known_placeholders())
        assert problems == ["substitutions: unknown 'Typo': no flow uses ${Typo}"]
    assert len(built) == len(FLOW_NAMES)
    assert definitions.known_placeholders() >= {"LockTableName", "PipelineName15m"}
    # Without the flows' names (below the programs), only missing keys are judged.
    assert substitution.substitution_problems(env, {}) == []


def test_substitute_replaces_once_as_cloudformation_does() -> None:
    # A value holding ${Other} is not substituted again: the result used to
    # depend on the order of the keys, and differ from the template's.
    values = {"A": "${B}", "B": "x"}
    assert substitute({"k": "${A}-${B}"}, values) == {"k": "${B}-x"}
    assert substitute({"k": "${A}-${B}"}, dict(reversed(values.items()))) == {"k": "${B}-x"}
    assert cloudformation_substitute('"${A}-${B}"', values) == '"${B}-x"'
