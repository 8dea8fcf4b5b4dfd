"""One finding per mistake in a flow built with the builders, as a data
scientist edits one: one, two or three mistakes at once -- each reported
exactly once by ``flow.validate()`` and the export, naming its state and
field, quoting what the author wrote (not the builders' wrapping of it),
and nothing else reported.

The same for hand-written definitions: tests/validate/test_root_causes.py.
"""

from __future__ import annotations

import itertools

import pytest

from ndr_workflows.expressions import expr, var
from ndr_workflows.model import BuildError, Pass, StateMachine, Succeed
from ndr_workflows.model.choose import choose
from ndr_workflows.steps import Check, LockNames, LockTable, Param, Params, lock, publish_event, run_pipeline, workflow_failed
from ndr_workflows.validate import has_errors, validated

# name -> (state, code, field) it must be reported as, once
MISTAKES: dict[str, tuple[str, str, str]] = {
    "detail_type=123": ("EmitBatchReadyEvent", "INTEGRATION_ARGUMENT_TYPE", "Arguments.Entries[0].DetailType"),
    "pipeline=15": ("StartFeaturesPipeline", "INTEGRATION_ARGUMENT_TYPE", "Arguments.PipelineName"),
    "broken default": ("ResolvePipelineRuntimeParams", "JSONATA_SYNTAX", "Assign.region"),
    "misspelt variable in the lock key": ("AcquireBatchLock", "UNKNOWN_VARIABLE", "Arguments.Item.pk.S"),
    "a name used twice": ("Note", "DUPLICATE_NAME", ""),
    "misspelt target": ("Route", "UNKNOWN_TARGET", "Choices[0].Next"),
    "unknown function in a check": ("ValidateRuntimeParams", "UNKNOWN_FUNCTION", "Choices[0].Condition"),
    "misspelt variable in a check": ("ValidateRuntimeParams", "UNKNOWN_VARIABLE", "Choices[0].Condition"),
    "broken expression in a Pass": ("Count", "JSONATA_SYNTAX", "Assign.n"),
}


def flow(*mistakes: str) -> StateMachine:
    """A flow like the 15m one, with ``mistakes`` made in it."""
    m = set(mistakes)
    assert m <= set(MISTAKES)
    params = [
        Param("project_name", "ndr-project"),
        Param("mini_batch_id", required=True),
        Param("region", expr("$uppercase($states.input.region" if "broken default" in m else "$uppercase($states.input.region)")),
    ]
    checks = [Check(expr("$toUpper($mini_batch_id) = 'X'" if "unknown function in a check" in m else "$uppercase($mini_batch_id) = 'X'"), "mini_batch_id X is reserved")]
    if "misspelt variable in a check" in m:
        checks.append(Check(expr("$mini_batch_idd = 'Y'"), "mini_batch_id Y is reserved"))
    opening = Params(*params).opening(checks)
    start = run_pipeline(
        start="StartFeaturesPipeline",
        wait="WaitForFeaturesPipeline",
        pipeline=15 if "pipeline=15" in m else "${PipelineName}",  # type: ignore[arg-type]
        arn_variable="features_arn",
        parameters={"MiniBatchId": var("mini_batch_id")},
    )
    emit = publish_event("EmitBatchReadyEvent", detail_type=123 if "detail_type=123" in m else "BatchReady", detail={"id": var("mini_batch_id")})  # type: ignore[arg-type]
    window = LockTable(
        "${LockTableName}",
        key={"pk": var("projct_name" if "misspelt variable in the lock key" in m else "project_name") + "#" + var("mini_batch_id")},
        ttl_epoch=expr("$floor($toMillis($states.context.Execution.StartTime) / 1000) + 86400"),
        created_at=expr("$states.context.Execution.StartTime"),
    )
    locked = lock(start >> emit, table=window, names=LockNames.for_("Batch"))
    note = Pass("Note", assign={"noted": True}) >> Pass("Note" if "a name used twice" in m else "NoteAgain")
    count = Pass("Count", assign={"n": expr("$count([1, 2]" if "broken expression in a Pass" in m else "$count([1, 2])")})
    route = choose("Route").when(var("n") > 0, "Sucess" if "misspelt target" in m else "Success").otherwise(Pass("Skip"))
    return StateMachine(opening >> locked >> note >> count >> route >> Succeed("Success"), name="sfn_test_flow", on_failure=workflow_failed("WorkflowFailed"))


def findings(*mistakes: str) -> list[tuple[str, str, str]]:
    built = flow(*mistakes)
    found = built.validate()
    for f in found:
        assert f.path, f"{f} names no state"
        assert f.message.startswith(f.field), f"{f} does not name its field first"
    # the export refuses exactly these (validate.validated is its verdict)
    _, judged = validated(built)
    assert judged == found and has_errors(found) == bool(mistakes)
    return [(f.path, f.code, f.field) for f in found]


def test_the_flow_without_mistakes_has_no_finding() -> None:
    assert findings() == []


@pytest.mark.parametrize("name", MISTAKES)
def test_each_mistake_alone_is_one_finding(name: str) -> None:
    assert findings(name) == [MISTAKES[name]]


@pytest.mark.parametrize("size", [2, 3])
def test_two_and_three_mistakes_at_once_are_each_one_finding(size: int) -> None:
    for names in itertools.combinations(MISTAKES, size):
        assert sorted(findings(*names)) == sorted(MISTAKES[name] for name in names), names


def test_the_messages_quote_what_the_author_wrote() -> None:
    found = {f.code + ":" + f.path: f for f in flow("broken default", "unknown function in a check", "misspelt variable in the lock key", "misspelt target", "a name used twice").validate()}
    assert found["JSONATA_SYNTAX:ResolvePipelineRuntimeParams"].message == (
        "Assign.region: Expected ')' before end of expression (at position 31): $uppercase($states.input.region"
    )
    unknown = found["UNKNOWN_FUNCTION:ValidateRuntimeParams"]
    assert unknown.hint == "did you mean '$uppercase'?"
    assert "the same text is also at Choices[0].Assign.runtime_param_errors" in unknown.message
    variable = found["UNKNOWN_VARIABLE:AcquireBatchLock"]
    assert variable.hint == "did you mean '$project_name'?"
    assert variable.message.startswith("Arguments.Item.pk.S: $projct_name is never assigned (also read at ")
    assert "ReleaseBatchLockOnSuccess: Arguments.Key.pk.S" in variable.message
    assert found["UNKNOWN_TARGET:Route"].hint == "did you mean 'Success'?"
    assert found["DUPLICATE_NAME:Note"].message == "state name 'Note' is given to 2 states of one graph: the definition, a JSON object, keeps only one of them"


def test_to_dict_refuses_what_needs_no_service_model() -> None:
    """The build raises the same findings, but for those of the service
    models (the export and validate() add those)."""
    with pytest.raises(BuildError) as caught:
        flow("broken default", "detail_type=123", "a name used twice").to_dict()
    assert sorted((p.path, p.code) for p in caught.value.problems) == [("Note", "DUPLICATE_NAME"), ("ResolvePipelineRuntimeParams", "JSONATA_SYNTAX")]
