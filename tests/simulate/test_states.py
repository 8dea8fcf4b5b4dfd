"""The simulator's interpreter, one semantic at a time, on small definitions
(ndr_workflows.simulate.run). Each behaviour has a passing and a failing case."""

from __future__ import annotations

import pytest

from ndr_workflows.simulate import NEVER, Delayed, Failure, Services, SimulationError, run

TASK = "arn:aws:states:::lambda:invoke"
FN = "arn:aws:lambda:us-east-1:123456789012:function:work"


def machine(states: dict, start: str | None = None, **top) -> dict:
    return {"QueryLanguage": "JSONata", "StartAt": start or next(iter(states)), "States": states, **top}


def handler_services(**handlers) -> Services:
    return Services(handlers=handlers)


def task(next_=None, **fields) -> dict:
    state = {"Type": "Task", "Resource": FN, **fields}
    state.update({"Next": next_} if next_ else {"End": True})
    return state


# --------------------------------------------------------------------------
# Pass, variables, Output / Assign order
# --------------------------------------------------------------------------


def test_pass_output_defaults_to_input_and_assign_sees_old_values():
    definition = machine(
        {
            "First": {"Type": "Pass", "Assign": {"x": 1, "y": 10}, "Next": "Second"},
            "Second": {
                "Type": "Pass",
                # Both Assign values and the Output read x from before this state.
                "Assign": {"x": "{% $x + 1 %}", "y": "{% $x %}"},
                "Output": "{% {'seen_x': $x, 'in': $states.input} %}",
                "End": True,
            },
        }
    )
    execution = run(definition, {"a": 1})
    assert execution.status == "SUCCEEDED"
    assert execution.output == {"seen_x": 1, "in": {"a": 1}}
    assert execution.variables == {"x": 2, "y": 1}
    assert execution.states == ["First", "Second"]
    # Without Output, a Pass passes its input on.
    assert run(machine({"P": {"Type": "Pass", "End": True}}), {"k": "v"}).output == {"k": "v"}


def test_unassigned_variable_and_a_failing_expression_are_query_evaluation_errors():
    # AWS creates the machine and fails the state when it runs (docs/asl_facts.md: unknown variables at run time).
    execution = run(machine({"P": {"Type": "Pass", "Output": "{% $missing %}", "End": True}}), {})
    assert (execution.status, execution.error) == ("FAILED", "States.QueryEvaluationError")
    assert "missing" in execution.cause and "P" in execution.cause
    adding = machine({"P": {"Type": "Pass", "Output": "{% $states.input.n + 1 %}", "End": True}})
    assert run(adding, {"n": 1}).output == 2
    execution = run(adding, {"n": "x"})
    assert (execution.status, execution.error) == ("FAILED", "States.QueryEvaluationError")
    assert "P" in execution.cause


def test_definitions_aws_would_refuse_are_refused_before_running():
    with pytest.raises(SimulationError, match=r"P: .*\[UNKNOWN_TARGET\]"):
        run(machine({"P": {"Type": "Pass", "Next": "Nowhere"}}), {})


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        ("2025-03-01T01:07:12+01:00", "2025-03-01T00:07:12.000Z"),
        ("2025-03-01t00:07:12.3z", "2025-03-01T00:07:12.300Z"),
        ("2025-03-01T00:07:12.345678Z", "2025-03-01T00:07:12.345Z"),
    ],
)
def test_execution_start_time_is_written_as_step_functions_writes_times(typed, written):
    show = machine({"Show": {"Type": "Pass", "Output": ["{% $states.context.Execution.StartTime %}", "{% $states.context.State.EnteredTime %}"], "End": True}})
    execution = run(show, {}, start_time=typed)
    assert execution.output == [written, written]
    assert execution.start_time == written


@pytest.mark.parametrize(
    ("spelling", "seconds"),
    [
        ("2025-01-01T00:00:10Z", 10),
        ("2025-01-01t00:00:10.5z", 10.5),
        ("2025-01-01T01:00:20+01:00", 20),
        ("2024-12-31T23:59:59-00:00", 0),  # in the past: no wait
        ("2025-01-01 00:00:10Z", None),  # no T
        ("2025-01-01T00:00:10", None),  # no offset
        ("tomorrow", None),
    ],
)
def test_wait_timestamps_and_start_times_read_iso_times_alike(spelling, seconds):
    waiting = machine({"W": {"Type": "Wait", "Timestamp": "{% $states.input.at %}", "End": True}})
    execution = run(waiting, {"at": spelling}, start_time="2025-01-01T00:00:00Z")
    if seconds is None:
        assert execution.error == "States.QueryEvaluationError"
        with pytest.raises(SimulationError, match="not an ISO-8601 date-time"):
            run(waiting, {"at": spelling}, start_time=spelling)
        return
    assert (execution.status, execution.duration_seconds) == ("SUCCEEDED", seconds)
    assert run(waiting, {"at": spelling}, start_time=spelling).duration_seconds == 0


def test_integers_beyond_64_bits_are_evaluated_not_a_traceback():
    big = machine({"P": {"Type": "Pass", "Assign": {"n": 10**20}, "Next": "Q"}, "Q": {"Type": "Pass", "Output": "{% [$n + 1, $states.input.m > 5] %}", "End": True}})
    assert run(big, {"m": 10**30}).output == [10**20, True]  # JSONata numbers are doubles


def test_step_functions_functions_are_deterministic_under_a_seed():
    output = {
        "p": "{% $partition([1,2,3,4,5], 2) %}",
        "r": "{% $range(0, 10, 5) %}",
        "h": "{% $hash('abc', 'SHA-256') %}",
        "m": "{% $hash('abc', 'MD5') %}",
        "u": "{% $uuid() %}",
        "x": "{% $random() %}",
        "s": "{% $random(7) %}",
        "j": "{% $parse('{\"a\": [1, null]}') %}",
        "now": "{% $now() %}",
    }
    definition = machine({"P": {"Type": "Pass", "Output": output, "End": True}})
    first = run(definition, {}, seed=1).output
    assert first["p"] == [[1, 2], [3, 4], [5]]
    assert first["r"] == [0, 5, 10]
    assert first["h"] == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert first["m"] == "900150983cd24fb0d6963f7d28e17f72"
    assert first["j"] == {"a": [1, None]}
    assert first["now"] == "2025-01-01T00:00:00.000Z"
    assert 0 <= first["x"] < 1
    assert run(definition, {}, seed=1).output == first
    other = run(definition, {}, seed=2).output
    assert other["u"] != first["u"] and other["x"] != first["x"]
    assert other["s"] == first["s"]  # an explicit seed does not depend on the run's
    bad = run(machine({"P": {"Type": "Pass", "Output": "{% $hash('abc', 'SHA-3') %}", "End": True}}), {})
    assert bad.error == "States.QueryEvaluationError"


# --------------------------------------------------------------------------
# Choice, Wait, Succeed, Fail
# --------------------------------------------------------------------------

CHOICE = machine(
    {
        "Pick": {
            "Type": "Choice",
            "Choices": [
                {"Condition": "{% $states.input.n > 10 %}", "Next": "Big", "Assign": {"size": "big"}, "Output": "{% {'n': $states.input.n} %}"},
                {"Condition": "{% $states.input.n > 5 %}", "Next": "Medium"},
            ],
            "Default": "Small",
            "Assign": {"size": "default"},
        },
        "Big": {"Type": "Succeed"},
        "Medium": {"Type": "Succeed", "Output": "{% 'medium' %}"},
        "Small": {"Type": "Fail", "Error": "TooSmall", "Cause": "{% 'n=' & $states.input.n & ' size=' & $size %}"},
    }
)


def test_choice_takes_the_first_matching_rule_with_its_assign_and_output():
    big = run(CHOICE, {"n": 20, "extra": 1})
    assert (big.status, big.states, big.output, big.variables) == ("SUCCEEDED", ["Pick", "Big"], {"n": 20}, {"size": "big"})
    assert run(CHOICE, {"n": 7}).output == "medium"
    small = run(CHOICE, {"n": 1})
    assert (small.status, small.error, small.cause) == ("FAILED", "TooSmall", "n=1 size=default")


def test_choice_without_match_or_default_and_non_boolean_condition():
    no_default = machine({"Pick": {"Type": "Choice", "Choices": [{"Condition": "{% false %}", "Next": "End"}]}, "End": {"Type": "Succeed"}})
    assert run(no_default, {}).error == "States.NoChoiceMatched"
    states = {"Pick": {"Type": "Choice", "Choices": [{"Condition": "{% $states.input.c %}", "Next": "End"}], "Default": "End"}, "End": {"Type": "Succeed"}}
    assert run(machine(states), {"c": True}).status == "SUCCEEDED"
    assert run(machine(states), {"c": 1}).error == "States.QueryEvaluationError"


def test_wait_seconds_and_timestamp_move_the_simulated_clock():
    definition = machine(
        {
            "Short": {"Type": "Wait", "Seconds": "{% $states.input.s %}", "Next": "Until"},
            "Until": {"Type": "Wait", "Timestamp": "2025-01-01T01:00:00Z", "Next": "Done"},
            "Done": {"Type": "Pass", "Output": "{% $now() %}", "End": True},
        }
    )
    execution = run(definition, {"s": 30})
    assert execution.output == "2025-01-01T01:00:00.000Z"
    assert execution.duration_seconds == 3600
    assert run(definition, {"s": -1}).error == "States.QueryEvaluationError"
    assert run(definition, {"s": "ten"}).error == "States.QueryEvaluationError"


def test_fail_error_and_cause_may_be_expressions():
    definition = machine({"F": {"Type": "Fail", "Error": "{% $states.input.e %}", "Cause": "fixed"}})
    execution = run(definition, {"e": "Custom.Error"})
    assert (execution.status, execution.error, execution.cause) == ("FAILED", "Custom.Error", "fixed")
    assert run(definition, {"e": 5}).error == "States.QueryEvaluationError"


def test_execution_timeout_on_the_simulated_clock():
    definition = machine({"W": {"Type": "Wait", "Seconds": 100, "End": True}}, TimeoutSeconds=60)
    execution = run(definition, {})
    assert (execution.status, execution.error) == ("FAILED", "States.Timeout")
    assert execution.duration_seconds == 60
    assert run(machine({"W": {"Type": "Wait", "Seconds": 10, "End": True}}, TimeoutSeconds=60), {}).status == "SUCCEEDED"


# --------------------------------------------------------------------------
# Task: arguments, result, Output / Assign defaults
# --------------------------------------------------------------------------


def test_task_output_defaults_to_the_result_and_assign_sees_it():
    definition = machine(
        {
            "Call": task(
                "After",
                Arguments={"n": "{% $states.input.n %}", "fixed": [1, "two"]},
                Assign={"got": "{% $states.result.doubled %}", "was": "{% $states.input.n %}"},
            ),
            "After": {"Type": "Pass", "End": True},
        }
    )
    services = handler_services(Call=lambda call: {"doubled": call.arguments["n"] * 2})
    execution = run(definition, {"n": 21}, services=services)
    assert execution.output == {"doubled": 42}
    assert execution.variables == {"got": 42, "was": 21}
    assert [(c.state, c.resource, c.arguments) for c in execution.calls] == [("Call", FN, {"n": 21, "fixed": [1, "two"]})]


def test_task_without_anything_to_answer_it_is_a_simulation_error():
    with pytest.raises(SimulationError, match="Call"):
        run(machine({"Call": task()}), {})


def test_task_token_only_in_callback_tasks():
    callback = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "Arguments": {"FunctionName": "cb", "Payload": {"token": "{% $states.context.Task.Token %}"}},
        "End": True,
    }
    execution = run(machine({"CB": callback}), {}, services=Services(callbacks={"cb": lambda payload: {"echo": payload["token"]}}))
    assert execution.output["echo"].startswith("token-")
    plain = dict(callback, Resource="arn:aws:states:::lambda:invoke")
    failed = run(machine({"CB": plain}), {}, services=Services(lambdas={"cb": {}}))
    assert failed.error == "States.QueryEvaluationError"  # no Task.Token in a request-response task


@pytest.mark.parametrize(("suffix", "has_token"), [("", False), (".sync", True), (".sync:2", True), (".waitForTaskToken", True)])
def test_callback_and_sync_tasks_have_a_task_token(suffix, has_token):
    """AWS hands the token to .sync and .sync:2 tasks too (a child execution
    may answer it itself); a request-response task has none."""
    start = {
        "Type": "Task",
        "Resource": "arn:aws:states:::states:startExecution" + suffix,
        "Arguments": {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:child", "Input": {"context": "{% $states.context %}"}},
        "End": True,
    }
    execution = run(machine({"Start": start}), {}, services=handler_services(Start=lambda call: call.arguments["Input"]["context"]))
    assert ("Task" in execution.output) is has_token
    assert sorted(execution.output) == sorted(["Execution", "State", "StateMachine"] + (["Task"] if has_token else []))


# --------------------------------------------------------------------------
# Retry and Catch
# --------------------------------------------------------------------------


def flaky(failures: int, error: str = "Lambda.ServiceException"):
    attempts = []

    def answer(call):
        attempts.append(call)
        if len(attempts) <= failures:
            raise Failure(error, f"attempt {len(attempts)}")
        return {"attempts": len(attempts)}

    return answer


RETRY = {"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "BackoffRate": 3.0, "MaxAttempts": 3}


def test_retry_with_backoff_on_the_simulated_clock():
    definition = machine({"Call": task(Retry=[RETRY], Output="{% {'r': $states.result, 'count': $states.context.State.RetryCount} %}")})
    execution = run(definition, {}, services=handler_services(Call=flaky(3)))
    assert execution.status == "SUCCEEDED"
    assert execution.output == {"r": {"attempts": 4}, "count": 3}
    assert len(execution.calls) == 4
    assert execution.duration_seconds == 2 + 6 + 18  # interval * rate^n, never slept
    exhausted = run(definition, {}, services=handler_services(Call=flaky(4)))
    assert (exhausted.error, exhausted.cause, len(exhausted.calls)) == ("Lambda.ServiceException", "attempt 4", 4)


def test_retry_max_delay_and_full_jitter():
    capped = dict(RETRY, MaxAttempts=4, MaxDelaySeconds=5)
    execution = run(machine({"Call": task(Retry=[capped])}), {}, services=handler_services(Call=flaky(4)))
    assert execution.duration_seconds == 2 + 5 + 5 + 5
    jittered = dict(capped, JitterStrategy="FULL")
    first = run(machine({"Call": task(Retry=[jittered])}), {}, services=handler_services(Call=flaky(4)), seed=3)
    again = run(machine({"Call": task(Retry=[jittered])}), {}, services=handler_services(Call=flaky(4)), seed=3)
    assert first.duration_seconds == again.duration_seconds < 17
    assert first.status == "SUCCEEDED"


def test_max_attempts_zero_never_retries_and_only_the_first_matching_retrier_counts():
    never = dict(RETRY, MaxAttempts=0)
    assert len(run(machine({"Call": task(Retry=[never])}), {}, services=handler_services(Call=flaky(1))).calls) == 1
    # The first retrier matches and is used up; the later, generous one is not consulted.
    two = [dict(RETRY, MaxAttempts=1), {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5, "IntervalSeconds": 1}]
    execution = run(machine({"Call": task(Retry=two)}), {}, services=handler_services(Call=flaky(3)))
    assert (execution.status, len(execution.calls)) == ("FAILED", 2)


def catching(*catchers) -> dict:
    """Call -> Ok, caught into A and / or B (only those targeted: an
    unreachable state is an error)."""
    targets = {catcher["Next"] for catcher in catchers}
    handlers = {name: {"Type": "Pass", "End": True} for name in ("A", "B") if name in targets}
    return machine({"Call": task("Ok", Catch=list(catchers)), "Ok": {"Type": "Succeed"}, **handlers})


def test_catch_order_and_error_output():
    definition = catching(
        {"ErrorEquals": ["Custom.One"], "Next": "A", "Assign": {"caught": "{% $states.errorOutput.Error %}"}},
        {"ErrorEquals": ["States.ALL"], "Next": "B", "Output": "{% {'e': $states.errorOutput, 'in': $states.input} %}"},
    )
    one = run(definition, {"i": 1}, services=handler_services(Call=flaky(9, "Custom.One")))
    assert (one.states, one.output, one.variables) == (["Call", "A"], {"Error": "Custom.One", "Cause": "attempt 1"}, {"caught": "Custom.One"})
    other = run(definition, {"i": 1}, services=handler_services(Call=flaky(9, "Custom.Two")))
    assert other.states == ["Call", "B"]
    assert other.output == {"e": {"Error": "Custom.Two", "Cause": "attempt 1"}, "in": {"i": 1}}
    uncaught = run(catching({"ErrorEquals": ["Custom.One"], "Next": "A"}), {}, services=handler_services(Call=flaky(9, "Custom.Two")))
    assert (uncaught.status, uncaught.error) == ("FAILED", "Custom.Two")


def test_task_failed_matches_task_errors_but_not_timeouts():
    definition = catching({"ErrorEquals": ["States.TaskFailed"], "Next": "A"}, {"ErrorEquals": ["States.Timeout"], "Next": "B"})
    assert run(definition, {}, services=handler_services(Call=flaky(9, "Anything.AtAll"))).states == ["Call", "A"]
    timed_out = dict(definition)
    timed_out["States"] = dict(definition["States"], Call=dict(definition["States"]["Call"], TimeoutSeconds=5))
    execution = run(timed_out, {}, services=handler_services(Call=lambda call: NEVER))
    assert execution.states == ["Call", "B"]
    assert execution.duration_seconds == 5
    # A QueryEvaluationError is not a task failure either.
    broken = machine({"Call": task("Ok", Arguments="{% $states.input.n + 1 %}", Catch=[{"ErrorEquals": ["States.TaskFailed"], "Next": "Ok"}]), "Ok": {"Type": "Succeed"}})
    assert run(broken, {"n": "x"}, services=handler_services(Call=lambda call: {})).error == "States.QueryEvaluationError"


def test_timeouts_from_declared_durations_and_heartbeats():
    definition = catching({"ErrorEquals": ["States.Timeout"], "Next": "A", "Output": "{% $states.errorOutput %}"})
    states = definition["States"]
    states["Call"] = dict(states["Call"], TimeoutSeconds=100, HeartbeatSeconds=30)
    slow = run(definition, {}, services=handler_services(Call=lambda call: Delayed({"ok": True}, 120, heartbeat_interval=10)))
    assert (slow.output["Error"], slow.duration_seconds) == ("States.Timeout", 100)
    silent = run(definition, {}, services=handler_services(Call=lambda call: Delayed({"ok": True}, 60)))
    assert (silent.output["Error"], silent.duration_seconds) == ("States.HeartbeatTimeout", 30)
    in_time = run(definition, {}, services=handler_services(Call=lambda call: Delayed({"ok": True}, 90, heartbeat_interval=20)))
    assert (in_time.states, in_time.output, in_time.duration_seconds) == (["Call", "Ok"], {"ok": True}, 90)


def test_a_task_that_never_answers_without_timeout_ends_with_the_execution_timeout():
    execution = run(machine({"Call": task()}, TimeoutSeconds=3600), {}, services=handler_services(Call=lambda call: NEVER))
    assert (execution.status, execution.error, execution.duration_seconds) == ("FAILED", "States.Timeout", 3600)


def test_expression_errors_in_arguments_are_retried_and_caught_by_states_all():
    definition = machine(
        {
            "Call": task("Ok", Arguments="{% $states.input.missing %}", Retry=[{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}], Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]),
            "Ok": {"Type": "Succeed"},
            "Handled": {"Type": "Pass", "End": True},
        }
    )
    execution = run(definition, {}, services=handler_services(Call=lambda call: {}))
    assert execution.states == ["Call", "Handled"]
    assert execution.output["Error"] == "States.QueryEvaluationError"
    assert execution.calls == []  # Arguments never evaluated, so nothing was called
    assert execution.duration_seconds == 1 + 2


# --------------------------------------------------------------------------
# Map and Parallel
# --------------------------------------------------------------------------


def map_state(**fields) -> dict:
    processor = {
        "StartAt": "Inner",
        "States": {
            "Inner": {
                "Type": "Task",
                "Resource": FN,
                "Arguments": {"item": "{% $states.input %}", "outer": "{% $outer %}"},
                "Assign": {"inner_only": 1},
                "End": True,
            }
        },
    }
    return {"Type": "Map", "ItemProcessor": processor, "End": True, **fields}


def test_inline_map_runs_items_in_order_with_item_selector_and_scopes():
    definition = machine(
        {
            "Setup": {"Type": "Pass", "Assign": {"outer": "o"}, "Next": "Each"},
            "Each": map_state(
                Items="{% $states.input.xs %}",
                ItemSelector={"i": "{% $states.context.Map.Item.Index %}", "v": "{% $states.context.Map.Item.Value %}"},
                MaxConcurrency=2,
            ),
        }
    )
    services = handler_services(Inner=lambda call: call.arguments)
    execution = run(definition, {"xs": ["a", "b", "c"]}, services=services)
    assert execution.output == [{"item": {"i": n, "v": v}, "outer": "o"} for n, v in enumerate("abc")]
    assert execution.states == ["Setup", "Each", "Inner", "Inner", "Inner"]
    assert execution.variables == {"outer": "o"}  # what an iteration assigns stays in it
    assert run(definition, {"xs": "not a list"}, services=services).error == "States.QueryEvaluationError"


def test_inline_map_fails_with_the_first_failing_iteration_and_stops():
    def answer(call):
        if call.arguments["item"] == 2:
            raise Failure("Item.Bad", "two")
        return call.arguments["item"]

    definition = machine({"Setup": {"Type": "Pass", "Assign": {"outer": 0}, "Next": "Each"}, "Each": map_state()})
    execution = run(definition, [1, 2, 3], services=handler_services(Inner=answer))
    assert (execution.error, execution.cause) == ("Item.Bad", "two")
    assert len(execution.calls) == 2


def test_distributed_map_tolerates_failures_up_to_the_threshold():
    processor_map = map_state(ToleratedFailureCount=1)
    processor_map["ItemProcessor"]["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    inner = processor_map["ItemProcessor"]["States"]["Inner"]
    inner["Arguments"] = {"item": "{% $states.input %}"}  # a child workflow sees no outer variables

    def answer(call):
        if call.arguments["item"] % 2 == 0:
            raise Failure("Item.Even", str(call.arguments["item"]))
        return call.arguments["item"]

    definition = machine({"Each": processor_map})
    ok = run(definition, [1, 2, 3], services=handler_services(Inner=answer))
    assert ok.status == "SUCCEEDED"
    assert ok.output == [1, {"Error": "Item.Even", "Cause": "2"}, 3]
    too_many = run(definition, [2, 4, 5], services=handler_services(Inner=answer))
    assert too_many.error == "States.ExceedToleratedFailureThreshold"
    percent = dict(processor_map, ToleratedFailurePercentage=50)
    del percent["ToleratedFailureCount"]
    assert run(machine({"Each": percent}), [1, 2, 3, 5], services=handler_services(Inner=answer)).status == "SUCCEEDED"
    assert run(machine({"Each": percent}), [2, 4, 3], services=handler_services(Inner=answer)).status == "FAILED"


def test_parallel_runs_branches_in_order_and_propagates_a_branch_error():
    def branch(name: str) -> dict:
        return {"StartAt": name, "States": {name: {"Type": "Task", "Resource": FN, "Arguments": {"n": "{% $states.input.n %}"}, "End": True}}}

    definition = machine(
        {
            "Both": {
                "Type": "Parallel",
                "Arguments": {"n": "{% $states.input.base + 1 %}"},
                "Branches": [branch("Left"), branch("Right")],
                "Output": "{% $states.result[1] %}",
                "Catch": [{"ErrorEquals": ["Right.Broken"], "Next": "Recovered"}],
                "End": True,
            },
            "Recovered": {"Type": "Pass", "End": True},
        }
    )
    services = handler_services(Left=lambda c: {"l": c.arguments["n"]}, Right=lambda c: {"r": c.arguments["n"] * 10})
    execution = run(definition, {"base": 1}, services=services)
    assert (execution.output, execution.states) == ({"r": 20}, ["Both", "Left", "Right"])

    def broken(call):
        raise Failure("Right.Broken", "no")

    failed = run(definition, {"base": 1}, services=handler_services(Left=lambda c: {}, Right=broken))
    assert failed.states == ["Both", "Left", "Right", "Recovered"]
    assert failed.output == {"Error": "Right.Broken", "Cause": "no"}


# --------------------------------------------------------------------------
# Unusable definitions
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"x.$": "$.a.concat('b')"}, "End": True}}}, r"P: Parameters.x.\$: the simulator does not support the JSONPath function concat\(\)"),
        (machine({"P": {"Type": "Pass", "Next": "Nowhere"}}), "Nowhere"),
        (machine({"P": {"Type": "Teleport", "End": True}}), "Teleport"),
        (machine({"P": {"Type": "Pass", "Output": "{% $x + %}", "End": True}}), "P: Output"),
        (machine({"M": dict(map_state(), ItemBatcher={"MaxItemsPerBatch": 2})}), "M: ItemBatcher"),
        (machine({"P": {"Type": "Pass", "ResultPath": "$.x", "End": True}}), "P: ResultPath"),
        (machine({"C": {"Type": "Choice", "Choices": [{"Variable": "$.x", "BooleanEquals": True, "Next": "C"}]}}), "Condition"),
    ],
)
def test_unusable_definitions_raise_simulation_error_naming_the_place(definition, message):
    with pytest.raises(SimulationError, match=message):
        run(definition, {})


def _with_retry(retrier) -> dict:
    return machine({"Call": task(Retry=[dict({"ErrorEquals": ["States.ALL"]}, **retrier)])})


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (_with_retry({"MaxAttempts": "x"}), r"Call: Retry\[0\]\.MaxAttempts must be a whole number >= 0, not 'x' \[BAD_RETRY\]"),
        (_with_retry({"IntervalSeconds": "a"}), r"Call: Retry\[0\]\.IntervalSeconds .* \[BAD_RETRY\]"),
        (_with_retry({"BackoffRate": [1]}), r"Call: Retry\[0\]\.BackoffRate .* \[BAD_RETRY\]"),
        (machine({"Call": task(Retry=5)}), r"Call: Retry must be an array"),
        (machine({"Call": task(Catch=3)}), r"Call: Catch must be an array"),
        (dict(machine({"P": {"Type": "Pass", "End": True}}), StartAt=["P"]), r"\(state machine\): StartAt must be a state name"),
        (machine({"P": {"Type": "Pass", "Next": {"to": "P"}}}), r"P: Next must be a state name"),
        (machine({"P": {"Type": ["Pass"], "End": True}}), r"P: .*\[UNKNOWN_STATE_TYPE\]"),
        # two mistakes, two errors: Q, which nothing reaches, is where P's Next to 'Nowhere' was meant to go (one finding)
        (machine({"P": {"Type": "Pass", "Next": "Nowhere"}, "Q": {"Type": "Pass", "End": True}}, TimeoutSeconds=0), r"2 errors"),
    ],
)
def test_definitions_the_validator_rejects_are_refused_with_every_finding(definition, message):
    """The simulator runs the build's checks first: a wrong definition is a
    SimulationError listing each error with its state, never a traceback."""
    with pytest.raises(SimulationError, match=message):
        run(definition, {})


def test_a_duplicate_state_name_in_definition_text_is_refused():
    text = '{"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}, "P": {"Type": "Succeed"}}}'
    with pytest.raises(SimulationError, match=r"P: state name 'P' is defined more than once .*\[DUPLICATE_NAME\]"):
        run(text, {})


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_inputs_and_definitions_that_are_not_json_data_are_refused(bad):
    ok = machine({"P": {"Type": "Pass", "End": True}})
    with pytest.raises(SimulationError, match="the execution input: input.x: .* is not JSON"):
        run(ok, {"x": bad})
    with pytest.raises(SimulationError, match="the definition: .* is not JSON"):
        run(machine({"W": {"Type": "Wait", "Seconds": bad, "End": True}}), {})


@pytest.mark.parametrize("field", ["ToleratedFailureCount", "ToleratedFailurePercentage"])
def test_a_tolerated_failure_expression_of_the_wrong_type_is_a_query_evaluation_error(field):
    each = map_state(**{field: "{% $states.input.limit %}"})
    each["ItemProcessor"]["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    each["ItemProcessor"]["States"]["Inner"]["Arguments"] = {"item": "{% $states.input %}"}
    each["Items"] = "{% $states.input.xs %}"
    definition = machine({"Each": each})
    services = handler_services(Inner=lambda call: call.arguments["item"])
    assert run(definition, {"xs": [1, 2], "limit": 1}, services=services).output == [1, 2]
    failed = run(definition, {"xs": [1, 2], "limit": "x"}, services=services)
    assert (failed.status, failed.error) == ("FAILED", "States.QueryEvaluationError")
    assert f"Each: {field} is 'x'" in failed.cause
    assert failed.calls == []  # read when the Map starts, before any iteration


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("9999-12-31T23:59:55Z", "too late"),
        ("0001-01-01T00:00:00+10:00", "before 0001-01-01T00:00:00Z"),
        ("2025-01-01T00:00:00", "with an offset"),
    ],
)
def test_start_times_the_clock_cannot_run_from_are_refused(start, message):
    waiting = machine({"W": {"Type": "Wait", "Seconds": 10, "Next": "P"}, "P": {"Type": "Pass", "Output": "{% $now() %}", "End": True}})
    with pytest.raises(SimulationError, match=message):
        run(waiting, {}, start_time=start)
    # The execution's TimeoutSeconds bounds how far the clock can go.
    bounded = dict(waiting, TimeoutSeconds=60)
    assert run(bounded, {}, start_time="9999-12-31T23:58:59.999Z").output == "9999-12-31T23:59:09.999Z"
    with pytest.raises(SimulationError, match="too late"):
        run(bounded, {}, start_time="9999-12-31T23:59:00Z")
    assert run(waiting, {}, start_time="0001-01-01T00:00:00Z").output == "0001-01-01T00:00:10.000Z"


def test_endless_loops_stop():
    # AWS refuses a machine with no terminal state at all: this one has an
    # end that the always-true rule never lets it reach.
    loop = machine({"Again": {"Type": "Pass", "Next": "Check"}, "Check": {"Type": "Choice", "Choices": [{"Condition": True, "Next": "Again"}], "Default": "Done"}, "Done": {"Type": "Succeed"}})
    execution = run(loop, {})
    assert execution.error == "States.Runtime"


def test_text_and_html_renderings_show_the_trace():
    definition = machine(
        {
            "Call": task("Ok", Retry=[RETRY], Catch=[{"ErrorEquals": ["States.ALL"], "Next": "Handled"}]),
            "Ok": {"Type": "Succeed"},
            "Handled": {"Type": "Fail", "Error": "Gave<Up>", "Cause": "retries exhausted"},
        }
    )
    execution = run(definition, {}, services=handler_services(Call=flaky(9)))
    text = execution.text()
    assert text.startswith("FAILED")
    assert text.count("retry") == 3 and "catch" in text and "Lambda.ServiceException: attempt 4 -> Handled" in text
    assert "+26.000s" in text  # simulated time of the last attempt
    assert "error: Gave<Up>" in text
    html = execution._repr_html_()
    assert "Gave&lt;Up&gt;" in html and "Gave<Up>" not in html
    # header, enters, calls, retries, catch, the Fail state's error
    assert html.count("<tr>") == 1 + len(execution.states) + len(execution.calls) + 3 + 1 + 1
    assert "fail    Gave<Up>: retries exhausted" in text
