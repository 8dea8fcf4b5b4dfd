"""What the flow contract tests share: the flow pages read as data, the
definitions (built and committed), walkers, and the checks each per-flow
test file (``test_<flow>_contract.py``) runs on its own flow.

The contract of a flow lives in ``docs/flows/<NAME>.md``. Its state table is
read with the project's one table format (``scripts/contract_tables.py``)
and compared with the definition through facts extracted *here*,
independently of the code that writes the table, so a table writer that
dropped a Catch or a rule would not hide it. What a row cannot show (the
variables a state assigns, its placeholders, pipeline parameters, payload
keys, event Detail) is written by hand in the per-flow test files as
:class:`Props`, and survives edits elsewhere in the flow.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from ndr_workflows.flows import build_flow
from ndr_workflows.steps import Polling

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "docs" / "step_functions_jsonata"
PAGES = ROOT / "docs" / "flows"

HOUR = 3600
DAY = 24 * HOUR

PUT_ITEM = "arn:aws:states:::aws-sdk:dynamodb:putItem"
DELETE_ITEM = "arn:aws:states:::aws-sdk:dynamodb:deleteItem"
START_PIPELINE = "arn:aws:states:::aws-sdk:sagemaker:startPipelineExecution"
DESCRIBE_PIPELINE = "arn:aws:states:::aws-sdk:sagemaker:describePipelineExecution"
CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"
INVOKE = "arn:aws:states:::lambda:invoke"
PUT_EVENTS = "arn:aws:states:::events:putEvents"

DUPLICATE_ERROR = "DynamoDb.ConditionalCheckFailedException"
RELEASE_ON_FAILURE = "ReleaseMiniBatchLockOnFailure"

# Pipeline parameter name -> the runtime parameter (variable) it carries.
PIPELINE_PARAM_VARIABLE = {
    "ProjectName": "project_name",
    "FeatureSpecVersion": "feature_spec_version",
    "MiniBatchId": "mini_batch_id",
    "BatchStartTsIso": "batch_start_ts_iso",
    "BatchEndTsIso": "batch_end_ts_iso",
    "ReferenceMonthIso": "reference_month_iso",
    "ReferenceTimeIso": "reference_time_iso",
    "Mode": "mode",
    "RunId": "run_id",
    "ExecutionTsIso": "execution_ts_iso",
}
BATCH_PIPELINE_PARAMS = ("ProjectName", "FeatureSpecVersion", "MiniBatchId", "BatchStartTsIso", "BatchEndTsIso")
CALLBACK_PAYLOAD = ("taskToken", "expected_pipeline_execution_arn", "success_statuses", "failure_statuses")

# Fields that exist only in the JSONPath query language (docs/asl_facts.md).
JSONPATH_FIELDS = {
    "InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath", "ItemsPath",
    "Result", "ErrorPath", "CausePath", "SecondsPath", "TimestampPath", "Variable",
}
# Values that are data (templates), not ASL structure.
DATA_FIELDS = {"Arguments", "Output", "Assign", "ItemSelector", "Items", "Condition", "Error", "Cause"}
EXPRESSION = re.compile(r"\{% (?=\S)[^\n]*(?<=\S) %\}")
PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")


def _load_tables() -> Any:
    spec = importlib.util.spec_from_file_location("contract_tables", ROOT / "scripts" / "contract_tables.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


tables = _load_tables()


# ---------------------------------------------------------------------------
# The pages.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    params: tuple[str, ...]
    required: tuple[str, ...]
    rows: dict[str, tuple[str, str]]  # path -> (type / call, then)


@lru_cache(maxsize=None)
def page(name: str) -> Page:
    """``docs/flows/<name>.md`` read as data."""
    path = PAGES / f"{name}.md"
    assert path.exists(), f"{path.relative_to(ROOT)} is missing: the contract of {name} (scripts/refresh creates it)"
    lines = path.read_text(encoding="utf-8").split("\n")
    states = tables.find_table(lines, tables.STATE_HEADER)
    assert states is not None, f"{path.name}: no table | state | type / call | then | notes |"
    rows: dict[str, tuple[str, str]] = {}
    for cells in states.rows:
        assert len(cells) == 4, f"{path.name}: row {cells} has {len(cells)} cells, not 4"
        assert cells[0] not in rows, f"{path.name}: state {cells[0]} has two rows"
        rows[cells[0]] = (cells[1], cells[2])
    params: list[str] = []
    required: list[str] = []
    found = tables.find_table(lines, tables.PARAM_HEADER)
    for cells in found.rows if found else ():
        assert re.fullmatch(r"`\w+`", cells[0]), f"{path.name}: parameter {cells[0]!r} is not `name`"
        params.append(cells[0].strip("`"))
        if "**required**" in cells[1]:
            required.append(params[-1])
    return Page(tuple(params), tuple(required), rows)


@lru_cache(maxsize=None)
def placeholders_listed() -> frozenset[str]:
    """The placeholder table of docs/flows/README.md."""
    lines = (PAGES / "README.md").read_text(encoding="utf-8").split("\n")
    found = tables.find_table(lines, ("placeholder", "what it names"))
    assert found is not None, "docs/flows/README.md: no | placeholder | what it names | table"
    return frozenset(cells[0].strip("`") for cells in found.rows)


def facts(state: dict) -> dict[str, Any]:
    """What a state-table row says, taken from the definition."""
    resource = state.get("Resource")
    arguments = state.get("Arguments") if isinstance(state.get("Arguments"), dict) else {}
    target = None
    for key in ("PipelineName", "FunctionName", "TableName", "StateMachineArn"):
        if key in arguments:
            target = arguments[key]
            break
    else:
        if resource == PUT_EVENTS and len(arguments.get("Entries", ())) == 1:
            target = arguments["Entries"][0].get("DetailType")
    if not isinstance(target, str) or target.startswith("{%"):
        target = None
    mode = None
    if state["Type"] == "Map":
        mode = state["ItemProcessor"].get("ProcessorConfig", {}).get("Mode", "INLINE").lower()
    return {
        "type": state["Type"],
        "mode": mode,
        "resource": resource,
        "target": target,
        "error": state.get("Error") if state["Type"] == "Fail" and not is_expr(state.get("Error")) else None,
        "next": state.get("Next"),
        "end": state.get("End", False),
        "rules": [rule["Next"] for rule in state.get("Choices", ())],
        "default": state.get("Default"),
        "catch": [(tuple(c["ErrorEquals"]), c["Next"]) for c in state.get("Catch", ())],
    }


def check_page(name: str, doc: dict) -> None:
    """The page's state table is exactly the definition's states, and each
    row says what the state is and where it goes."""
    contract = page(name)
    states = dict(all_states(doc))
    where = f"docs/flows/{name}.md"
    missing = [p for p in states if p not in contract.rows]
    extra = [p for p in contract.rows if p not in states]
    assert not missing and not extra, f"{where}: states without a row {missing}, rows without a state {extra} (scripts/refresh rewrites the table)"
    assert list(contract.rows) == list(states), f"{where}: rows are not in the definition's order"
    for path, (call, then) in contract.rows.items():
        said = {**tables.parse_call(call), **tables.parse_then(then)}
        assert said == facts(states[path]), f"{where}: row {path} says {said}, the definition {facts(states[path])}"


# ---------------------------------------------------------------------------
# Definitions.
# ---------------------------------------------------------------------------

SOURCES = ["built", "committed"]


def export_path(name: str) -> Path:
    return EXPORTS / f"{name}.json"


def committed(name: str) -> dict:
    return json.loads(export_path(name).read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def _built_text(name: str, polling: bool) -> str:
    machine = build_flow(name, completion=Polling()) if polling else build_flow(name)
    return json.dumps(machine.to_dict())


def built(name: str, polling: bool = False) -> dict:
    """A fresh copy of the built definition (callback or polling form)."""
    return json.loads(_built_text(name, polling))


def definition(name: str, source: str) -> dict:
    return built(name) if source == "built" else committed(name)


def all_states(doc: dict, prefix: str = "") -> Iterator[tuple[str, dict]]:
    """(path, state) for every state, Map/Parallel children included."""
    for name, state in doc["States"].items():
        path = f"{prefix}{name}"
        yield path, state
        if state["Type"] == "Map":
            yield from all_states(state["ItemProcessor"], path + "/")
        for i, branch in enumerate(state.get("Branches", ())):
            yield from all_states(branch, f"{path}[{i}]/")


def all_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from all_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from all_strings(v)


def all_keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from all_keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from all_keys(v)


def structural_keys(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Keys of ASL structure (state, rule, catcher, retrier, processor),
    skipping template values such as Arguments, Output and Assign."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield path, k
            if k not in DATA_FIELDS:
                yield from structural_keys(v, f"{path}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from structural_keys(v, f"{path}[{i}]")


def placeholders_in(value: Any) -> set[str]:
    found: set[str] = set()
    for text in all_strings(value):
        found.update(PLACEHOLDER.findall(text))
    return found


def state_placeholders(state: dict) -> set[str]:
    """Placeholders of one state, not of a Map's inner states."""
    return placeholders_in({k: v for k, v in state.items() if k != "ItemProcessor"})


def is_expr(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("{%")


def mentions_variable(text: str, name: str) -> bool:
    return re.search(rf"\${re.escape(name)}(?![A-Za-z0-9_])", text) is not None


# ---------------------------------------------------------------------------
# Hand-written properties of states.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Props:
    """What a state keeps beyond its row, written by hand.

    ``assigns``: the state-level Assign keys (exactly); ``placeholders``:
    the ``${...}`` names the state uses (exactly); ``pipeline_params``:
    PipelineParameters names in order; ``payload``: Lambda Payload keys
    (exactly, in order); ``arn_variable``: the variable holding the
    execution ARN a callback expects; ``detail_fields`` / ``detail_variable``:
    an event's Detail, an object of those variables or that one variable.
    """

    assigns: frozenset[str] = frozenset()
    placeholders: frozenset[str] = frozenset()
    pipeline_params: tuple[str, ...] | None = None
    payload: tuple[str, ...] | None = None
    arn_variable: str | None = None
    detail_type: str | None = None
    detail_fields: tuple[str, ...] | None = None
    detail_variable: str | None = None


def fs(*names: str) -> frozenset[str]:
    return frozenset(names)


def start(pipeline: str, params: tuple[str, ...], arn: str) -> Props:
    return Props(assigns=fs(arn), placeholders=fs(pipeline), pipeline_params=params)


def wait(arn: str) -> Props:
    return Props(placeholders=fs("PipelineCompletionCallbackLambdaArn"), payload=CALLBACK_PAYLOAD, arn_variable=arn)


def invoke(function: str, payload: tuple[str, ...], assigns: frozenset[str] = frozenset(), extra: frozenset[str] = frozenset()) -> Props:
    return Props(assigns=assigns, placeholders=fs(function) | extra, payload=payload)


def event(detail_type: str, fields: tuple[str, ...] | None = None, variable: str | None = None) -> Props:
    return Props(placeholders=fs("EventBusName"), detail_type=detail_type, detail_fields=fields, detail_variable=variable)


def no_props(*paths: str) -> dict[str, Props]:
    """States that assign nothing and use no placeholder."""
    return {path: Props() for path in paths}


def opening(params: tuple[str, ...]) -> dict[str, Props]:
    return {"NormalizeIncomingMessage": Props(assigns=fs("raw_message")), "ResolvePipelineRuntimeParams": Props(assigns=frozenset(params))}


def check_props(path: str, state: dict, props: Props) -> None:
    """One state against what its test file says it keeps."""
    assert set(state.get("Assign", {})) == set(props.assigns), f"{path}: Assign"
    assert state_placeholders(state) == set(props.placeholders), f"{path}: placeholders"
    if props.pipeline_params is not None:
        args = state["Arguments"]
        (pipeline,) = props.placeholders
        assert args["PipelineName"] == "${" + pipeline + "}", f"{path}: PipelineName"
        names = [p["Name"] for p in args["PipelineParameters"]]
        assert names == list(props.pipeline_params), f"{path}: pipeline parameter names"
        for param in args["PipelineParameters"]:
            assert set(param) == {"Name", "Value"}, f"{path}: {param}"
            value = param["Value"]
            variable = PIPELINE_PARAM_VARIABLE[param["Name"]]
            # Values are strings: the expression converts with $string.
            assert is_expr(value) and "$string(" in value, f"{path}: {param['Name']} is not turned into a string: {value}"
            wanted = f"$states.input.{variable}" if "/" in path else f"${variable}"
            assert re.search(re.escape(wanted) + r"(?![A-Za-z0-9_])", value), f"{path}: {param['Name']} should carry {wanted}: {value}"
        (arn,) = props.assigns
        assert state["Assign"][arn] == "{% $states.result.PipelineExecutionArn %}", f"{path}: {arn}"
    if props.payload is not None:
        payload = state["Arguments"]["Payload"]
        assert list(payload) == list(props.payload), f"{path}: Payload keys"
        function = sorted(props.placeholders - {"ApprovedModelS3Prefix"})
        assert state["Arguments"]["FunctionName"] == "${" + function[0] + "}", f"{path}: FunctionName"
    if props.arn_variable is not None:
        payload = state["Arguments"]["Payload"]
        assert payload["taskToken"] == "{% $states.context.Task.Token %}"
        assert payload["expected_pipeline_execution_arn"] == "{% $" + props.arn_variable + " %}", f"{path}: expected ARN"
        assert payload["success_statuses"] == ["Succeeded"]
        assert payload["failure_statuses"] == ["Failed", "Stopped"]
    if props.detail_type is not None:
        (entry,) = state["Arguments"]["Entries"]
        assert entry["DetailType"] == props.detail_type, path
        detail = entry["Detail"]
        if props.detail_variable:
            assert detail == "{% $string($" + props.detail_variable + ") %}", path
        if props.detail_fields is not None:
            keys = re.findall(r'"([A-Za-z_]+)": \$([A-Za-z_]+)', detail)
            assert [k for k, _ in keys] == list(props.detail_fields), path
            assert all(k == v for k, v in keys), keys


def check_event_convention(path: str, state: dict) -> None:
    """Every event, asserted or new: one entry, our source and bus, a JSON text Detail."""
    (entry,) = state["Arguments"]["Entries"]
    assert entry["Source"] == "ndr.orchestration", path
    assert entry["EventBusName"] == "${EventBusName}", path
    assert is_expr(entry["Detail"]) and entry["Detail"].startswith("{% $string("), f"{path}: Detail must be the JSON text of an object"


@dataclass(frozen=True)
class FlowContract:
    """The hand-written part of one flow's contract."""

    name: str
    timeout: int
    failure_error: str
    props: dict[str, Props]
    placeholders: frozenset[str]
    # WaitFor<X>CompletionEvent -> (X, x) for the polling form.
    waits: dict[str, tuple[str, str]] = field(default_factory=dict)


def check_properties(contract: FlowContract, doc: dict) -> None:
    states = dict(all_states(doc))
    unknown = [p for p in contract.props if p not in states]
    assert not unknown, f"{contract.name}: the test asserts properties of states the flow no longer has: {unknown}"
    for path, props in contract.props.items():
        check_props(path, states[path], props)
    for path, state in states.items():
        if state.get("Resource") == PUT_EVENTS:
            check_event_convention(path, state)
    found = placeholders_in(doc)
    assert found == contract.placeholders
    assert found <= placeholders_listed(), f"placeholders missing from docs/flows/README.md: {sorted(found - placeholders_listed())}"


def check_top_level(contract: FlowContract, doc: dict) -> None:
    assert set(doc) == {"QueryLanguage", "Comment", "TimeoutSeconds", "StartAt", "States"}
    assert doc["QueryLanguage"] == "JSONata"
    assert isinstance(doc["Comment"], str) and doc["Comment"].strip()
    assert doc["StartAt"] == "NormalizeIncomingMessage"
    assert doc["TimeoutSeconds"] == contract.timeout
    failed = doc["States"]["WorkflowFailed"]
    assert (failed["Type"], failed["Error"]) == ("Fail", contract.failure_error)


def check_parameters(name: str, doc: dict) -> None:
    """The parameters are the page's, in its order; the message is read in every form."""
    states = doc["States"]
    assert list(states["ResolvePipelineRuntimeParams"]["Assign"]) == list(page(name).params)
    normalize = states["NormalizeIncomingMessage"]["Assign"]["raw_message"]
    assert is_expr(normalize)
    for field_name in ("message_body", "Records", "body", "Sns", "Message"):
        assert f"'{field_name}'" in normalize, f"raw_message does not look at {field_name}"


def check_validation(name: str) -> None:
    """Required parameters (the page's **required**) are each named by the
    validation rule, which records the reasons InvalidRuntimeParams reports;
    a flow without any has no validation state."""
    required = page(name).required
    states = built(name)["States"]
    if not required:
        assert "ValidateRuntimeParams" not in states
        return
    validate = states["ValidateRuntimeParams"]
    (rule,) = validate["Choices"]
    assert rule["Next"] == "InvalidRuntimeParams"
    for param in required:
        assert mentions_variable(rule["Condition"], param), param
    (reasons,) = rule["Assign"]
    for param in required:
        assert param in rule["Assign"][reasons], param
    cause = states["InvalidRuntimeParams"]["Cause"]
    assert is_expr(cause) and mentions_variable(cause, reasons)


def check_golden(name: str) -> None:
    assert build_flow(name).to_json().encode("utf-8") == export_path(name).read_bytes()
    assert built(name) == committed(name)

