"""The polling form of each flow against its callback form: each pipeline
wait becomes Describe / Check / Wait / Increment on the same routes (see
docs/flows/README.md, "The polling form")."""

from __future__ import annotations

import json
import re

from contract_support import (
    CALLBACK,
    DESCRIBE_PIPELINE,
    RELEASE_ON_FAILURE,
    FlowContract,
    all_states,
    built,
    mentions_variable,
    placeholders_in,
)

POLL_STATES = (("Describe", "Pipeline"), ("Check", "PipelineStatus"), ("WaitBeforeDescribe", "Pipeline"), ("Increment", "PollAttempt"))


def _scope(doc: dict, top_level: set[str], wait_name: str) -> dict:
    """The States object that holds ``wait_name`` in the callback form: the
    top level, or the Map's iteration."""
    if wait_name in top_level:
        return doc["States"]
    (the_map,) = [s for s in doc["States"].values() if s["Type"] == "Map"]
    return the_map["ItemProcessor"]["States"]


def check_polling_form(contract: FlowContract) -> None:
    """Each callback wait becomes Describe / Check / Wait / Increment, on the
    same routes; nothing else changes."""
    name = contract.name
    callback, polling = built(name), built(name, polling=True)
    top_level = set(callback["States"])
    assert {k: v for k, v in polling.items() if k != "States"} == {k: v for k, v in callback.items() if k != "States"}
    assert not [p for p, _ in all_states(polling) if p.rsplit("/", 1)[-1].startswith("WaitFor")]
    assert placeholders_in(polling) == contract.placeholders - {"PipelineCompletionCallbackLambdaArn"}
    callback_waits = {p.rsplit("/", 1)[-1] for p, s in all_states(callback) if s.get("Resource") == CALLBACK and p.rsplit("/", 1)[-1].startswith("WaitFor")}
    assert callback_waits == set(contract.waits), "every pipeline wait needs its polling labels in the test"
    touched: set[str] = set()
    for wait_name, (label, snake) in contract.waits.items():
        old_scope, new_scope = _scope(callback, top_level, wait_name), _scope(polling, top_level, wait_name)
        old_wait = old_scope[wait_name]
        describe, check = f"Describe{label}Pipeline", f"Check{label}PipelineStatus"
        pause, increment = f"WaitBeforeDescribe{label}Pipeline", f"Increment{label}PollAttempt"
        counter = f"{snake}_poll_attempt"
        waits_here = [w for w in contract.waits if w in old_scope]
        four_each = {f"{kind}{contract.waits[w][0]}{tail}" for w in waits_here for kind, tail in POLL_STATES}
        assert set(new_scope) - (set(old_scope) - set(waits_here)) - four_each <= {"WindowPipelineSucceeded"}
        assert four_each <= set(new_scope)
        arn = re.fullmatch(r"\{% \$(\w+) %\}", old_wait["Arguments"]["Payload"]["expected_pipeline_execution_arn"])[1]
        failure_route = {c["Next"] for c in old_wait["Catch"]}
        # The start state now leads to the first describe and resets the counter.
        (start_name,) = [n for n, s in old_scope.items() if s.get("Next") == wait_name]
        starter = new_scope[start_name]
        assert starter["Next"] == describe
        assert starter["Assign"][arn] == "{% $states.result.PipelineExecutionArn %}"
        assert starter["Assign"][counter] == 0
        touched.add(start_name)

        d = new_scope[describe]
        assert d["Type"] == "Task" and d["Resource"] == DESCRIBE_PIPELINE
        assert d["Arguments"] == {"PipelineExecutionArn": "{% $" + arn + " %}"}
        assert d["Next"] == check
        assert {c["Next"] for c in d["Catch"]} == failure_route
        assert d.get("Retry") and "HeartbeatSeconds" not in d

        c = new_scope[check]
        assert c["Type"] == "Choice"
        # Failed/Stopped and too many attempts take the callback's failure
        # route, Succeeded goes on, anything else (the Default) keeps polling.
        assert c["Default"] == pause
        (success,) = [r for r in c["Choices"] if r["Next"] not in failure_route]
        assert success["Condition"] == "{% $" + f"{snake}_pipeline_status = 'Succeeded' %}}"
        if "Next" in old_wait:
            assert success["Next"] == old_wait["Next"], f"{check}: Succeeded must go on to {old_wait['Next']}"
        else:
            # The callback state ended the iteration; a Choice cannot end, so a
            # Succeeded pipeline must still reach a terminal state.
            target = new_scope[success["Next"]]
            assert target.get("End") or target["Type"] == "Succeed"
            four_each.add(success["Next"])
            touched.add(success["Next"])
        assert success.get("Output") == old_wait.get("Output")
        failing = [r for r in c["Choices"] if r["Next"] in failure_route]
        texts = json.dumps(failing)
        assert "PipelineExecutionFailed" in texts and "PipelineExecutionTimedOut" in texts
        assert "'Failed'" in texts and "'Stopped'" in texts
        assert mentions_variable(texts, counter)

        w = new_scope[pause]
        assert w["Type"] == "Wait" and w["Next"] == increment
        assert isinstance(w.get("Seconds"), int) and w["Seconds"] > 0

        i = new_scope[increment]
        assert i["Type"] == "Pass" and i["Next"] == describe
        assert i["Assign"] == {counter: "{% $" + counter + " + 1 %}"}
        touched |= {describe, check, pause, increment}

    # Everything else is unchanged.
    new_paths = dict(all_states(polling))
    for path, state in all_states(callback):
        if path.rsplit("/", 1)[-1] in touched | set(contract.waits):
            continue
        if state["Type"] == "Map":
            continue
        if name == "sfn_ndr_backfill_reprocessing" and path == "ValidateRuntimeParams":
            # The polling form bounds the windows by the execution history it
            # would write: the same checks with a smaller maximum.
            assert "at most 960 are allowed" in json.dumps(state)
            assert "at most 960 are allowed" not in json.dumps(new_paths[path])
            assert re.search(r"at most \d+ are allowed", json.dumps(new_paths[path]))
            continue
        assert new_paths[path] == state, path


def check_polling_failures(name: str) -> None:
    """A failed, stopped or timed-out poll takes the callback's failure route with a record."""
    for path, state in all_states(built(name, polling=True)):
        if state["Type"] != "Choice" or not path.endswith("PipelineStatus"):
            continue
        for rule in state["Choices"]:
            if rule["Next"] in ("WorkflowFailed", RELEASE_ON_FAILURE):
                assert rule["Assign"]["workflow_error"].startswith("{% {'Error': 'PipelineExecution"), path
                assert rule["Assign"]["workflow_failed_state"] == path.rsplit("/", 1)[-1]
            elif rule["Next"] == "RecordWindowFailure":
                assert '"mini_batch_id"' in rule["Output"] and "PipelineExecution" in rule["Output"], path
