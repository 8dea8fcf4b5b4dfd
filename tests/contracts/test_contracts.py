"""SageMaker pipeline-parameter contracts (``ndr_workflows.contracts``):
each StartPipelineExecution must pass the names the pipeline declares, every
required one, and literal values of the declared type.

tests/data/pipelines/ holds a pipeline definition per placeholder, written
as ``Pipeline.definition()`` produces it (PipelineNameFGB.json as the whole
``describe_pipeline`` response), declaring what each flow's page in docs/flows/ says it passes.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from ndr_workflows.contracts import (
    ContractInputError,
    check_against_aws,
    check_pipeline_contracts,
    load_pipeline_definition,
    pipeline_definitions_from_aws,
    pipeline_starts,
)
from ndr_workflows.flows import FLOW_NAMES, build_flow
from ndr_workflows.steps import Polling

REPO = Path(__file__).resolve().parents[2]
PIPELINES_DIR = REPO / "tests" / "data" / "pipelines"
PIPELINES = {path.stem: path for path in sorted(PIPELINES_DIR.glob("*.json"))}
EXPORTS = REPO / "docs" / "step_functions_jsonata"
# what an environment file maps the placeholders to
NAMES = {key: "ndr-" + key[len("PipelineName"):].lower() for key in PIPELINES}
F15M = "sfn_ndr_15m_features_inference"
BACKFILL = "sfn_ndr_backfill_reprocessing"
FIVE_FLOWS = ("sfn_ndr_15m_features_inference", "sfn_ndr_monthly_fg_b_baselines", "sfn_ndr_training_orchestrator", BACKFILL, "sfn_ndr_prediction_publication")


def definition(name: str = F15M) -> dict[str, Any]:
    return json.loads((EXPORTS / f"{name}.json").read_text(encoding="utf-8"))


def start_state(defn: dict[str, Any], path: str) -> dict[str, Any]:
    states = defn["States"]
    *outer, last = path.split("/")
    for name in outer:
        states = states[name]["ItemProcessor"]["States"]
    return states[last]


def codes(findings: list[Any]) -> list[tuple[str, str, str]]:
    return [(f.path, f.code, f.severity) for f in findings]


def typed_pipeline() -> dict[str, Any]:
    return {
        "Version": "2020-12-01",
        "Parameters": [
            {"Name": "Count", "Type": "Integer", "DefaultValue": 1},
            {"Name": "Ratio", "Type": "Float", "DefaultValue": 0.5},
            {"Name": "Enabled", "Type": "Boolean", "DefaultValue": False},
            {"Name": "Label", "Type": "String", "DefaultValue": "x"},
        ],
        "Steps": [],
    }


def with_parameters(parameters: list[Any], pipeline_name: str = "typed") -> dict[str, Any]:
    return {
        "QueryLanguage": "JSONata",
        "StartAt": "Start",
        "States": {
            "Start": {
                "Type": "Task",
                "Resource": "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution",
                "Arguments": {"PipelineName": pipeline_name, "PipelineParameters": parameters, "ClientRequestToken": "x" * 32},
                "End": True,
            }
        },
    }


# ---------------------------------------------------------------------------
# the five flows honour their pipelines' contracts
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_each_flow_passes_against_its_pipelines_keyed_by_placeholder(name: str) -> None:
    assert check_pipeline_contracts(build_flow(name), PIPELINES) == []
    assert check_pipeline_contracts(build_flow(name, completion=Polling()), PIPELINES) == []


def test_pipelines_keyed_by_their_real_names_need_the_substitutions() -> None:
    by_name = {NAMES[key]: path for key, path in PIPELINES.items()}
    assert check_pipeline_contracts(definition(), by_name, NAMES) == []
    unchecked = check_pipeline_contracts(definition(), by_name)
    assert codes(unchecked) == [
        ("Start15mFeaturesPipeline", "PIPELINE_CONTRACT_UNCHECKED", "warning"),
        ("StartInferencePipeline", "PIPELINE_CONTRACT_UNCHECKED", "warning"),
    ]
    assert "${PipelineName15m}" in unchecked[0].message and "--env" in unchecked[0].hint


def test_every_start_is_found_including_inside_a_map() -> None:
    found = {flow: [(path, name) for path, _, name in pipeline_starts(build_flow(flow), NAMES)] for flow in FLOW_NAMES}
    assert ("RunBackfillWindows/StartBackfillPipeline", "ndr-backfill15m") in found[BACKFILL]
    # the five flows' seven starts (a flow added since brings its own)
    assert sum(len(starts) for flow, starts in found.items() if flow in FIVE_FLOWS) == 7


# ---------------------------------------------------------------------------
# broken contracts
# ---------------------------------------------------------------------------


def test_an_unknown_name_is_an_error_with_a_did_you_mean() -> None:
    defn = definition()
    start_state(defn, "Start15mFeaturesPipeline")["Arguments"]["PipelineParameters"][2]["Name"] = "MiniBatchID"
    findings = check_pipeline_contracts(defn, PIPELINES)
    assert codes(findings) == [
        ("Start15mFeaturesPipeline", "PIPELINE_PARAMETER_UNKNOWN", "error"),
        ("Start15mFeaturesPipeline", "PIPELINE_PARAMETER_MISSING", "error"),
    ]
    unknown, missing = findings
    assert unknown.message.startswith("PipelineParameters[2].Name: ") and "'MiniBatchID'" in unknown.message
    assert unknown.hint.startswith("did you mean 'MiniBatchId'?")
    assert "'MiniBatchId'" in missing.message and "not passed" in missing.message


def test_a_required_parameter_not_passed_is_an_error_at_the_nested_path() -> None:
    defn = definition(BACKFILL)
    state = start_state(defn, "RunBackfillWindows/StartBackfillPipeline")
    state["Arguments"]["PipelineParameters"] = [p for p in state["Arguments"]["PipelineParameters"] if p["Name"] != "BatchEndTsIso"]
    findings = check_pipeline_contracts(defn, PIPELINES)
    assert codes(findings) == [("RunBackfillWindows/StartBackfillPipeline", "PIPELINE_PARAMETER_MISSING", "error")]
    assert "'BatchEndTsIso' (String, no DefaultValue)" in findings[0].message


def test_parameters_with_a_default_may_be_left_out() -> None:
    defn = definition("sfn_ndr_monthly_fg_b_baselines")
    state = start_state(defn, "StartFGBBaselinePipeline")
    state["Arguments"]["PipelineParameters"] = [p for p in state["Arguments"]["PipelineParameters"] if p["Name"] != "Mode"]
    assert check_pipeline_contracts(defn, PIPELINES) == []


@pytest.mark.parametrize(
    "name, value, ok",
    [
        ("Count", "30", True),
        ("Count", "-2", True),
        ("Count", "1.5", False),
        ("Count", "thirty", False),
        ("Count", 30, False),  # not a string: values are strings
        ("Ratio", "1e3", True),
        ("Ratio", "0.25", True),
        ("Ratio", "nan", False),
        ("Ratio", "half", False),
        ("Enabled", "true", True),
        ("Enabled", "False", True),
        ("Enabled", "yes", False),
        ("Enabled", True, False),
        ("Label", "anything at all", True),
        ("Count", "{% $string($count) %}", True),  # computed at run time: not judged
        ("Count", "${ThePlaceholder}", True),  # resolved at deploy time: not judged without substitutions
    ],
)
def test_literal_values_must_fit_the_declared_type(name: str, value: Any, ok: bool) -> None:
    findings = check_pipeline_contracts(with_parameters([{"Name": name, "Value": value}]), {"typed": typed_pipeline()})
    if ok:
        assert findings == []
    else:
        assert codes(findings) == [("Start", "PIPELINE_PARAMETER_TYPE", "error")]
        assert findings[0].message.startswith("PipelineParameters[0].Value: ") and f"'{name}'" in findings[0].message


def test_a_placeholder_value_is_judged_after_substitution() -> None:
    defn = with_parameters([{"Name": "Count", "Value": "${ThePlaceholder}"}])
    pipelines = {"typed": typed_pipeline()}
    assert codes(check_pipeline_contracts(defn, pipelines, {"ThePlaceholder": "many"})) == [("Start", "PIPELINE_PARAMETER_TYPE", "error")]
    assert check_pipeline_contracts(defn, pipelines, {"ThePlaceholder": "12"}) == []


def test_a_name_passed_twice_is_an_error() -> None:
    findings = check_pipeline_contracts(with_parameters([{"Name": "Count", "Value": "1"}, {"Name": "Count", "Value": "2"}]), {"typed": typed_pipeline()})
    assert codes(findings) == [("Start", "PIPELINE_PARAMETER_DUPLICATE", "error")]
    assert findings[0].message.startswith("PipelineParameters[1].Name: ") and "PipelineParameters[0]" in findings[0].message


def test_a_malformed_parameter_entry_is_an_error() -> None:
    findings = check_pipeline_contracts(with_parameters([{"Name": "Count"}, "Count=1"]), {"typed": typed_pipeline()})
    assert codes(findings) == [("Start", "PIPELINE_PARAMETER_SHAPE", "error")] * 2


@pytest.mark.parametrize(
    "defn, field",
    [
        (with_parameters([], pipeline_name="{% $pipeline %}"), "PipelineName"),
        (with_parameters("{% $parameters %}"), "PipelineParameters"),  # type: ignore[arg-type]
        (with_parameters([{"Name": "{% $n %}", "Value": "1"}]), "PipelineParameters[0].Name"),
        (with_parameters([], pipeline_name="not-given"), "PipelineName"),
    ],
)
def test_what_cannot_be_checked_is_a_warning_naming_the_field(defn: dict[str, Any], field: str) -> None:
    findings = check_pipeline_contracts(defn, {"typed": typed_pipeline()})
    assert codes(findings) == [("Start", "PIPELINE_CONTRACT_UNCHECKED", "warning")]
    assert findings[0].message.startswith(field + ": ")


@pytest.mark.parametrize(("name", "words"), [(5, "PipelineName: 5 is not a string"), (None, "PipelineName: missing")])
def test_a_pipeline_name_that_is_not_a_string_is_an_error_not_an_expression(name: Any, words: str) -> None:
    defn = with_parameters([])
    if name is None:
        del defn["States"]["Start"]["Arguments"]["PipelineName"]
    else:
        defn["States"]["Start"]["Arguments"]["PipelineName"] = name
    findings = check_pipeline_contracts(defn, {"typed": typed_pipeline()})
    assert codes(findings) == [("Start", "PIPELINE_NAME_INVALID", "error")]
    assert findings[0].message.startswith(words) and "run time" not in findings[0].message


def test_a_case_slip_in_a_parameter_name_is_suggested_first() -> None:
    findings = check_pipeline_contracts(with_parameters([{"Name": "count", "Value": "1"}]), {"typed": typed_pipeline()})
    unknown = [f for f in findings if f.code == "PIPELINE_PARAMETER_UNKNOWN"]
    assert unknown and unknown[0].hint.startswith("did you mean 'Count'? (its parameters: ")


# ---------------------------------------------------------------------------
# the forms a pipeline definition comes in
# ---------------------------------------------------------------------------


class FakePipeline:
    """Duck type of sagemaker.workflow.pipeline.Pipeline: definition() -> JSON text."""

    def __init__(self, definition: dict[str, Any]) -> None:
        self._definition = definition

    def definition(self) -> str:
        return json.dumps(self._definition)


def test_every_form_of_a_pipeline_definition_reads_the_same() -> None:
    plain = json.loads((PIPELINES_DIR / "PipelineName15m.json").read_text(encoding="utf-8"))
    response = {"PipelineName": "ndr-15m", "PipelineDefinition": json.dumps(plain)}
    forms = [plain, json.dumps(plain), PIPELINES_DIR / "PipelineName15m.json", response, json.dumps(response), FakePipeline(plain)]
    expected = load_pipeline_definition(plain).parameters
    assert expected["MiniBatchId"] == ("String", False) and expected["ProcessingInstanceCount"] == ("Integer", True)
    for form in forms:
        assert load_pipeline_definition(form).parameters == expected, type(form)
    described = load_pipeline_definition(PIPELINES_DIR / "PipelineNameFGB.json").parameters
    assert described["Mode"] == ("String", True) and described["ReferenceTimeIso"] == ("String", False)


@pytest.mark.parametrize(
    "bad, words",
    [
        ("{not json", "not JSON"),
        ({"Parameters": {"Name": "x"}}, "Parameters: expected a list"),
        ({"Parameters": [{"Type": "String"}]}, "Parameters[0]: expected an object with a Name"),
        ({"Parameters": [{"Name": "x", "Type": "Decimal"}]}, "Parameters[0].Type: 'Decimal'"),
        (Path("/nonexistent/pipeline.json"), "/nonexistent/pipeline.json"),
        ([1, 2], "not list"),
    ],
)
def test_an_unusable_pipeline_definition_is_a_clear_error_naming_it(bad: object, words: str) -> None:
    with pytest.raises(ContractInputError) as info:
        check_pipeline_contracts(with_parameters([]), {"mine": bad})
    assert "pipeline 'mine'" in str(info.value) and words in str(info.value)


# ---------------------------------------------------------------------------
# online: describe_pipeline (moto)
# ---------------------------------------------------------------------------


@pytest.fixture()
def sagemaker() -> Any:
    with mock_aws():
        client = boto3.client("sagemaker", region_name="us-east-1")
        for key, path in PIPELINES.items():
            text = path.read_text(encoding="utf-8")
            if key == "PipelineNameFGB":  # stored as a describe_pipeline response
                text = json.loads(text)["PipelineDefinition"]
            client.create_pipeline(PipelineName=NAMES[key], PipelineDefinition=text, RoleArn="arn:aws:iam::123456789012:role/sm")
        yield client


def test_definitions_are_fetched_with_describe_pipeline(sagemaker: Any) -> None:
    found = pipeline_definitions_from_aws(sagemaker, ["ndr-15m", "ndr-fgb"])
    assert sorted(found) == ["ndr-15m", "ndr-fgb"]
    assert [p["Name"] for p in found["ndr-fgb"]["Parameters"]][:3] == ["ProjectName", "FeatureSpecVersion", "ReferenceTimeIso"]
    with pytest.raises(ContractInputError) as info:
        pipeline_definitions_from_aws(sagemaker, ["ndr-15m", "no-such-pipeline", "nor-this-one"])
    assert "'no-such-pipeline': ValidationException" in str(info.value) and "'nor-this-one'" in str(info.value)


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_the_online_check_passes_for_the_deployed_pipelines(sagemaker: Any, name: str) -> None:
    assert check_against_aws(build_flow(name), sagemaker, NAMES) == []


def test_the_online_check_reports_a_changed_or_absent_pipeline(sagemaker: Any) -> None:
    changed = json.loads((PIPELINES_DIR / "PipelineNameInference.json").read_text(encoding="utf-8"))
    changed["Parameters"].append({"Name": "ModelVersion", "Type": "String"})
    sagemaker.update_pipeline(PipelineName="ndr-inference", PipelineDefinition=json.dumps(changed))
    sagemaker.delete_pipeline(PipelineName="ndr-15m", ClientRequestToken="t" * 32)
    findings = check_against_aws(definition(), sagemaker, NAMES)
    assert codes(findings) == [
        ("Start15mFeaturesPipeline", "PIPELINE_NOT_DESCRIBED", "error"),
        ("StartInferencePipeline", "PIPELINE_PARAMETER_MISSING", "error"),
    ]
    assert "'ndr-15m'" in findings[0].message and "'ModelVersion'" in findings[1].message


# ---------------------------------------------------------------------------
# python -m ndr_workflows.contracts
# ---------------------------------------------------------------------------


def cli(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ndr_workflows.contracts", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def pipeline_args(**override: Path) -> list[str]:
    paths = {**PIPELINES, **override}
    return [arg for key, path in paths.items() for arg in ("--pipeline", f"{key}={path}")]


def test_cli_checks_the_five_flows_by_default_and_exits_0() -> None:
    result = cli(*pipeline_args())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s), 0 warning(s)" in result.stderr


def test_cli_reports_a_broken_contract_and_exits_1(tmp_path: Path) -> None:
    training = json.loads(PIPELINES["PipelineNameTraining"].read_text(encoding="utf-8"))
    training["Parameters"] = [p for p in training["Parameters"] if p["Name"] != "RunId"] + [{"Name": "Runid", "Type": "String"}]
    broken = tmp_path / "training.json"
    broken.write_text(json.dumps(training), encoding="utf-8")
    flow_file = EXPORTS / "sfn_ndr_training_orchestrator.json"
    result = cli(str(flow_file), *pipeline_args(PipelineNameTraining=broken))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert f"{flow_file}: StartTrainingPipeline: PIPELINE_PARAMETER_UNKNOWN: PipelineParameters[2].Name: " in lines[0]
    assert "(hint: did you mean 'Runid'?" in lines[0]
    assert any("PIPELINE_PARAMETER_MISSING" in line and "'Runid'" in line for line in lines)
    as_json = json.loads(cli(str(flow_file), "--format", "json", *pipeline_args(PipelineNameTraining=broken)).stdout)
    assert [row["code"] for row in as_json] == ["PIPELINE_PARAMETER_UNKNOWN", "PIPELINE_PARAMETER_MISSING"]
    assert set(as_json[0]) == {"file", "path", "code", "severity", "message", "hint"}


def test_cli_resolves_names_through_an_environment_file(tmp_path: Path) -> None:
    env = tmp_path / "env.json"
    env.write_text(json.dumps({"region": "us-east-1", "role_arn": "arn:aws:iam::123456789012:role/ndr-sfn", "substitutions": NAMES}), encoding="utf-8")
    by_name = [arg for key, path in PIPELINES.items() for arg in ("--pipeline", f"{NAMES[key]}={path}")]
    result = cli("--env", str(env), *by_name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s), 0 warning(s)" in result.stderr
    without = cli(*by_name)
    assert without.returncode == 0 and "PIPELINE_CONTRACT_UNCHECKED" in without.stdout


@pytest.mark.parametrize(
    "args, words",
    [
        (["--pipeline", "PipelineName15m=/nonexistent/p.json"], "/nonexistent/p.json"),
        (["/nonexistent/flow.json", "--pipeline", f"x={PIPELINES_DIR / 'PipelineName15m.json'}"], "/nonexistent/flow.json"),
        ([str(PIPELINES_DIR), "--pipeline", f"x={PIPELINES_DIR / 'PipelineName15m.json'}"], str(PIPELINES_DIR)),
        (["--pipeline", "x=/dev/null"], "pipeline 'x' (/dev/null): not JSON"),
        (["--env", "/nonexistent/env.json", "--pipeline", f"x={PIPELINES_DIR / 'PipelineName15m.json'}"], "/nonexistent/env.json"),
        (["--pipeline", "=nothing"], "expected NAME=FILE"),
        ([], "--pipeline"),
    ],
)
def test_cli_unusable_input_exits_2_without_a_traceback(args: list[str], words: str) -> None:
    result = cli(*args)
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stderr and "Traceback" not in result.stderr


def test_cli_help_documents_the_exit_codes() -> None:
    result = cli("--help")
    text = " ".join(result.stdout.split())
    assert result.returncode == 0 and "Exit codes: 0" in text and "--pipeline" in text and "--env" in text


def test_no_aws_sdk_is_imported_by_the_check() -> None:
    code = (
        "import sys\nfrom ndr_workflows.contracts import check_pipeline_contracts\n"
        "from ndr_workflows.flows import build_flow\n"
        f"assert check_pipeline_contracts(build_flow('{F15M}'), {{'PipelineName15m': {str(PIPELINES['PipelineName15m'])!r}, 'PipelineNameInference': {str(PIPELINES['PipelineNameInference'])!r}}}) == []\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore', 'sagemaker')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_check_does_not_change_the_definition() -> None:
    defn = definition()
    before = copy.deepcopy(defn)
    check_pipeline_contracts(defn, PIPELINES, NAMES)
    assert defn == before
