"""What every flow shares (docs/flows/README.md), in the callback and the
polling form: JSONata only and expressions spelled the one way, retries of
transient errors only, failure records, idempotent pipeline starts, bounded
callback waits, the registry and the placeholder list. Parametrized over the
registry, so a new flow is held to them without a line here."""

from __future__ import annotations

import json
import re

import pytest
from contract_support import (
    CALLBACK,
    DAY,
    EXPORTS,
    EXPRESSION,
    HOUR,
    JSONPATH_FIELDS,
    PAGES,
    PUT_EVENTS,
    RELEASE_ON_FAILURE,
    ROOT,
    START_PIPELINE,
    all_keys,
    all_states,
    all_strings,
    built,
    committed,
    is_expr,
    mentions_variable,
    page,
    placeholders_in,
    placeholders_listed,
    structural_keys,
    tables,
)

from ndr_workflows.flows import FLOW_NAMES

FORMS = ["callback", "polling"]


def form(name: str, which: str) -> dict:
    return built(name, polling=(which == "polling"))


def test_the_registry_the_exports_and_the_flow_pages_list_the_same_flows() -> None:
    assert sorted(p.stem for p in EXPORTS.glob("*.json")) == sorted(FLOW_NAMES)
    assert sorted(p.stem for p in PAGES.glob("sfn_*.md")) == sorted(FLOW_NAMES)
    lines = (PAGES / "README.md").read_text(encoding="utf-8").split("\n")
    index = tables.find_table(lines, ("NAME", "module", "what it does"))
    assert index is not None, "docs/flows/README.md: no | NAME | module | what it does | table"
    listed = []
    for cells in index.rows:
        found = re.match(r"\[`(\w+)`\]\((\w+)\.md\)", cells[0])
        assert found, f"docs/flows/README.md: index row {cells[0]!r} is not [`<NAME>`](<NAME>.md)"
        listed.append(found.groups())
    assert [name for name, _ in listed] == list(FLOW_NAMES), "the index of docs/flows/README.md lists the flows in the registry's order"
    assert all(name == target for name, target in listed)


def test_every_flow_has_scenarios() -> None:
    missing = [name for name in FLOW_NAMES if not (ROOT / "tests" / "scenarios" / name / "expected.json").exists()]
    assert not missing, f"write tests/scenarios/<NAME>/ (mocks.json, inputs/, expected.json) for {missing}; see tests/scenarios/README.md"


def test_the_flows_use_every_placeholder_the_conventions_list() -> None:
    used: set[str] = set()
    for name in FLOW_NAMES:
        used |= placeholders_in(committed(name))
    listed = placeholders_listed()
    assert not used - listed, f"docs/flows/README.md: add a row | `<placeholder>` | what it names | to the placeholder table for {sorted(used - listed)}"
    assert not listed - used, f"docs/flows/README.md: the placeholder table lists {sorted(listed - used)}, which no flow uses"


@pytest.mark.parametrize("which", FORMS)
@pytest.mark.parametrize("name", FLOW_NAMES)
def test_jsonata_only_and_expression_spelling(name: str, which: str) -> None:
    doc = form(name, which)
    bad_keys = [k for k in all_keys(doc) if k.endswith(".$")]
    assert bad_keys == []
    jsonpath = [(p, k) for p, k in structural_keys(doc) if k in JSONPATH_FIELDS]
    assert jsonpath == []
    for text in all_strings(doc):
        if "{%" in text or "%}" in text:
            assert EXPRESSION.fullmatch(text), f"badly spelled expression: {text[:120]!r}"
    for path, state in all_states(doc):
        assert next(iter(state)) == "Type", f"{path}: first key is {next(iter(state))}"
        assert "QueryLanguage" not in state, f"{path} switches query language"
    if which == "callback":
        assert json.dumps(doc) == json.dumps(committed(name)), "key order differs from the committed file"


@pytest.mark.parametrize("which", FORMS)
@pytest.mark.parametrize("name", FLOW_NAMES)
def test_service_calls_retry_transient_errors_only(name: str, which: str) -> None:
    for path, state in all_states(form(name, which)):
        if state["Type"] != "Task":
            continue
        assert state.get("Retry"), f"{path}: a service call without Retry"
        for retrier in state["Retry"]:
            errors = retrier["ErrorEquals"]
            assert "BackoffRate" in retrier and "JitterStrategy" in retrier, path
            assert retrier.get("MaxAttempts", 3) > 0, path
            assert "States.ALL" not in errors, f"{path}: retries every error"
            assert not [e for e in errors if "ConditionalCheckFailed" in e or "ValidationException" in e], f"{path}: retries a business error {errors}"


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_only_put_events_retries_task_failures_and_never_timeouts(name: str) -> None:
    """Documented policy (steps/errors.py): the optimized events:putEvents
    integration's error names are not in botocore's models, so its Retry
    matches States.TaskFailed (never timeouts, bounded attempts); every
    other Retry names the integration's transient errors."""
    for path, state in all_states(built(name)):
        for retrier in state.get("Retry", ()):
            names = retrier["ErrorEquals"]
            assert "States.ALL" not in names and "States.Timeout" not in names, path
            if "States.TaskFailed" in names:
                assert state["Resource"] == PUT_EVENTS, f"{name}:{path}"
                assert names == ["States.TaskFailed"] and retrier["MaxAttempts"] <= 4


@pytest.mark.parametrize("which", FORMS)
@pytest.mark.parametrize("name", FLOW_NAMES)
def test_failures_keep_their_reason(name: str, which: str) -> None:
    doc = form(name, which)
    assert "WorkflowFailed" in doc["States"], f"{name}: no WorkflowFailed state; build the StateMachine with on_failure=workflow_failed(\"Ndr<Flow>Failed\")"
    failed = doc["States"]["WorkflowFailed"]
    assert "WorkflowFailed" in page(name).rows, f"docs/flows/{name}.md: no row for WorkflowFailed (scripts/refresh writes the table)"
    (call, _) = page(name).rows["WorkflowFailed"]
    assert failed["Error"] == tables.parse_call(call)["error"]
    cause = failed["Cause"]
    assert is_expr(cause), "WorkflowFailed's Cause must be an expression"
    leads_to_failure = {"WorkflowFailed", RELEASE_ON_FAILURE}
    recorded: set[str] = set()
    for path, state in all_states(doc):
        state_name = path.rsplit("/", 1)[-1]
        for catcher in state.get("Catch", ()):
            if catcher["Next"] not in leads_to_failure:
                continue
            if state_name == RELEASE_ON_FAILURE:
                # The release's own failure keeps the record that led there.
                assert "Assign" not in catcher or "$states.errorOutput" in json.dumps(catcher["Assign"]), path
                continue
            assign = catcher.get("Assign", {})
            error_vars = [k for k, v in assign.items() if v == "{% $states.errorOutput %}"]
            assert error_vars, f"{path}: Catch to {catcher['Next']} does not keep $states.errorOutput"
            assert state_name in assign.values(), f"{path}: Catch does not record which state failed"
            recorded.update(error_vars)
    assert recorded, "no Catch leads to WorkflowFailed"
    for variable in recorded:
        assert mentions_variable(cause, variable), f"Cause ignores ${variable}"
        assert f"${variable}.Error" in cause and f"${variable}.Cause" in cause
    assert not [p for p, s in all_states(doc) if s["Type"] == "Task" and not s.get("Catch")], "a Task without Catch"


@pytest.mark.parametrize("which", FORMS)
@pytest.mark.parametrize("name", FLOW_NAMES)
def test_no_catch_names_the_optimized_dynamodb_error_spelling(name: str, which: str) -> None:
    names = [e for _, s in all_states(form(name, which)) for c in s.get("Catch", ()) for e in c["ErrorEquals"]]
    assert not [e for e in names if e.startswith("DynamoDB.")]


@pytest.mark.parametrize("which", FORMS)
@pytest.mark.parametrize("name", FLOW_NAMES)
def test_every_pipeline_start_has_a_deterministic_client_request_token(name: str, which: str) -> None:
    starts = [(p, s) for p, s in all_states(form(name, which)) if s.get("Resource") == START_PIPELINE]
    assert starts, f"{name}: no startPipelineExecution; every flow orchestrates at least one SageMaker pipeline (run_pipeline in ndr_workflows.steps)"
    for path, state in starts:
        token = state["Arguments"].get("ClientRequestToken")
        assert is_expr(token), f"{path}: no ClientRequestToken"
        # SHA-256 hex is 64 characters (SageMaker wants 32-128) and the same on a retry.
        assert "$hash(" in token and "'SHA-256'" in token, path
        assert "$states.context.Execution.Id" in token and "$states.context.State.Name" in token, path
        for volatile in ("$now(", "$millis(", "$random(", "$uuid(", "EnteredTime", "RetryCount"):
            assert volatile not in token, f"{path}: token depends on {volatile}"


@pytest.mark.parametrize("name", FLOW_NAMES)
def test_callback_waits_have_bounded_timeouts_and_no_heartbeat(name: str) -> None:
    doc = built(name)
    budget = 0
    for path, state in all_states(doc):
        assert "HeartbeatSeconds" not in state, f"{name}:{path}"
        if state.get("Resource") != CALLBACK:
            continue
        timeout = state.get("TimeoutSeconds")
        assert isinstance(timeout, int), f"{name}:{path}: no TimeoutSeconds"
        if path.endswith("CompletionEvent"):
            assert HOUR <= timeout <= DAY, f"{name}:{path}: {timeout} s is not hours"
        else:  # the human approval
            assert path == "RequireHumanApproval"
            assert DAY <= timeout < 30 * DAY, f"{name}:{path}: {timeout} s is not days"
        if "/" not in path:
            budget += timeout
    # The waits of one run fit in the execution's own timeout.
    assert "TimeoutSeconds" in doc, (
        f"{name}: the state machine has no TimeoutSeconds; every flow bounds its execution: give build() a keyword "
        "timeout_seconds: int = ... (e.g. 6 * HOUR from flows/common.py) and pass StateMachine(..., timeout_seconds=timeout_seconds)"
    )
    assert budget < doc["TimeoutSeconds"], f"{name}: its callback waits add up to {budget} s, more than its TimeoutSeconds ({doc['TimeoutSeconds']} s)"
