"""Build-time errors: a flow that cannot be right raises one BuildError that
lists every problem, each with its state path and a hint."""

from __future__ import annotations

import pytest

from ndr_workflows import (
    ON_FAILURE,
    BuildError,
    Catch,
    Choice,
    Fail,
    Fragment,
    Map,
    Parallel,
    Pass,
    Retry,
    Rule,
    StateMachine,
    Succeed,
    Task,
    Wait,
    expr,
    var,
)

LAMBDA = "arn:aws:states:::lambda:invoke"


def problems_of(machine: StateMachine) -> list:
    with pytest.raises(BuildError) as caught:
        machine.to_dict()
    return list(caught.value.problems)


def codes(problems: list) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for p in problems:
        found.setdefault(p.code, set()).add(p.path)
    return found


def test_every_problem_is_reported_at_once_with_paths_and_hints() -> None:
    inner = Task("InnerCall", resource=LAMBDA, arguments={"FunctionName": "f"}, next="Nowhere")
    body = (
        Pass("Start", parameters={"a": 1})
        >> Map("Fan", processor=inner, items=var("items"))
        >> Task("Call", resource=LAMBDA, catch=[Catch("States.ALL", "Missing")])
        >> Pass("X" * 81)
    )
    orphans = (Pass("Orphan"), Pass("Start"))
    machine = StateMachine(Fragment(body.states + orphans, body.start, body.problems))
    found = codes(problems_of(machine))
    assert found["JSONPATH_FIELD"] == {"Start"}
    assert found["UNKNOWN_TARGET"] == {"Fan/InnerCall", "Call"}
    assert found["DUPLICATE_NAME"] == {"Start"}
    assert found["NAME_TOO_LONG"] == {"X" * 81}
    # Orphan, which nothing reaches, is where the Catch to 'Missing' may have
    # meant to go: one finding says both (no UNREACHABLE beside it)
    assert "UNREACHABLE" not in found
    (catch,) = [p for p in problems_of(machine) if p.path == "Call" and p.code == "UNKNOWN_TARGET"]
    assert catch.hint == "did you mean 'Orphan'? (nothing else goes to it)"
    assert found["UNKNOWN_VARIABLE"] == {"Fan"}
    # The exception text is one readable report: a line per problem, hints.
    with pytest.raises(BuildError) as caught:
        machine.to_json()
    text = str(caught.value)
    assert "Fan/InnerCall: UNKNOWN_TARGET: Next goes to 'Nowhere'" in text
    assert "hint: use arguments= (Task, Parallel) or item_selector= (Map)" in text
    assert text.splitlines()[0].endswith(f"{len(caught.value.problems)} problems:")


def test_a_fail_state_cannot_have_a_next() -> None:
    machine = StateMachine(Pass("A") >> Fail("Stop", error="E") >> Pass("After"))
    found = problems_of(machine)
    chain = [p for p in found if p.code == "CHAIN_AFTER_END"]
    assert [p.path for p in chain] == ["Stop"]
    assert "Fail state cannot have a Next" in chain[0].message
    # and the state that would follow it is unreachable, reported too
    assert {p.path for p in found if p.code == "UNREACHABLE"} == {"After"}


def test_dangling_choice_target_suggests_the_close_name() -> None:
    machine = StateMachine(
        Pass("A", assign={"x": 1})
        >> Choice("Pick", choices=[Rule(expr("$x = 1"), "Sucess")])
        >> Succeed("Success")
    )
    (problem,) = problems_of(machine)
    assert (problem.path, problem.code) == ("Pick", "UNKNOWN_TARGET")
    assert problem.message.startswith("Choices[0].Next")
    assert "did you mean 'Success'?" in problem.hint


def test_missing_transition_from_a_choice_without_rules() -> None:
    (problem,) = problems_of(StateMachine(Choice("Empty", choices=[]) >> Succeed("Done")))
    assert (problem.path, problem.code) == ("Empty", "NO_CHOICES")


def test_next_and_end_together() -> None:
    (problem,) = problems_of(StateMachine(Fragment((Pass("A", next="B", end=True), Pass("B")), "A")))
    assert (problem.path, problem.code) == ("A", "NEXT_AND_END")


def test_unresolved_failure_route_names_the_state_and_field() -> None:
    body = Task("Call", resource=LAMBDA, catch=[Catch("States.ALL", ON_FAILURE)])
    (problem,) = problems_of(StateMachine(body))
    assert (problem.path, problem.code) == ("Call", "UNRESOLVED_FAILURE_ROUTE")
    assert problem.message.startswith("Catch[0].Next")
    # with a failure handler it resolves
    ok = StateMachine(body, on_failure=Fail("WorkflowFailed", error="E")).to_dict()
    assert ok["States"]["Call"]["Catch"][0]["Next"] == "WorkflowFailed"


def test_jsonpath_fields_are_errors_with_their_asl_name() -> None:
    machine = StateMachine(
        Task("T", resource=LAMBDA, result_path="$.x", ResultSelector={"a.$": "$.b"}, output_path="$.y")
        >> Wait("W", seconds_path="$.s")
        >> Choice("C", choices=[Rule(expr("true"), "D")], variable="$.v")
        >> Succeed("D")
    )
    found = problems_of(machine)
    by_state: dict[str, set[str]] = {}
    for p in found:
        if p.code == "JSONPATH_FIELD":
            by_state.setdefault(p.path, set()).add(p.message.split(" ")[0])
    assert by_state == {"T": {"ResultPath", "ResultSelector", "OutputPath"}, "W": {"SecondsPath"}, "C": {"Variable"}}
    assert {p.code for p in found} == {"JSONPATH_FIELD", "WAIT_FIELDS"}


def test_jsonpath_keys_and_literal_expressions_in_templates() -> None:
    machine = StateMachine(
        Task(
            "T",
            resource=LAMBDA,
            arguments={"FunctionName": "f", "Payload.$": "$.p", "Note": "{% $x %}", "Empty": "", "Nested": [[1]]},
        )
    )
    found = codes(problems_of(machine))
    assert set(found) == {"JSONPATH_KEY", "EXPRESSION_AS_LITERAL", "EMPTY_STRING", "NESTED_ARRAY"}
    assert all(paths == {"T"} for paths in found.values())


def test_jsonata_syntax_and_unknown_functions() -> None:
    machine = StateMachine(
        Pass("Bad", output=expr("$states.input.a +"))
        >> Pass("Fn", output=expr("$eval('1') & $lenght('x')"))
        >> Pass("Lines", output=expr("1 +\n 2"))
    )
    found = problems_of(machine)
    by_code = codes(found)
    assert by_code["JSONATA_SYNTAX"] == {"Bad"}
    assert by_code["UNKNOWN_FUNCTION"] == {"Fn"}
    assert by_code["MULTILINE_EXPRESSION"] == {"Lines"}
    hints = {p.message.split(": ")[1]: p.hint for p in found if p.code == "UNKNOWN_FUNCTION"}
    assert hints["$lenght is not a JSONata or Step Functions function"] == "did you mean '$length'?"


def test_states_fields_only_where_they_exist() -> None:
    machine = StateMachine(
        Pass("P", output=expr("$states.result"))
        >> Task("T", resource=LAMBDA, arguments={"token": expr("$states.context.Task.Token"), "r": expr("$states.result")})
        >> Task("U", resource=LAMBDA, output=expr("$states.errorOutput"), catch=[Catch("States.ALL", "V", output=expr("$states.errorOutput"))])
        >> Succeed("V")
    )
    found = codes(problems_of(machine))
    assert found == {
        "RESULT_NOT_AVAILABLE": {"P", "T"},
        "TASK_TOKEN_NOT_AVAILABLE": {"T"},
        "ERROR_OUTPUT_NOT_AVAILABLE": {"U"},
    }


def test_variables_must_be_assigned_on_every_path() -> None:
    machine = StateMachine(
        Pass("Start", assign={"a": 1})
        >> Choice("Branch", choices=[Rule(expr("$a = 1"), "SetsB")], default="SkipsB")
    )
    rest = Fragment(
        (
            Pass("SetsB", assign={"b": 2}, next="Join"),
            Pass("SkipsB", next="Join"),
            Pass("Join", output=expr("$a + $b + $c")),
        ),
        "SetsB",
    )
    machine = StateMachine(Fragment(machine.body.states + rest.states, "Start"))
    found = problems_of(machine)
    assert {(p.path, p.code, p.message) for p in found} == {
        ("Join", "VARIABLE_MAYBE_UNASSIGNED", "Output: $b is not assigned on every path that reaches this state"),
        ("Join", "UNKNOWN_VARIABLE", "Output: $c is never assigned"),
    }


def test_catch_assign_counts_on_the_catch_path_only() -> None:
    body = Fragment(
        (
            Task("T", resource=LAMBDA, assign={"ok": True}, catch=[Catch("States.ALL", "Failed", assign={"err": expr("$states.errorOutput")})], next="Done"),
            Pass("Done", output=expr("$ok")),
            Fail("Failed", error="E", cause=expr("$err.Cause & $ok")),
        ),
        "T",
    )
    (problem,) = problems_of(StateMachine(body))
    # the Catch is the only way into Failed, and it never runs T's Assign
    assert (problem.path, problem.code) == ("Failed", "VARIABLE_UNASSIGNED")
    assert "$ok" in problem.message


def test_reserved_and_outer_scope_variables() -> None:
    inner = Pass("Inner", assign={"outer": 2, "local": expr("$outer + $states.input")})
    machine = StateMachine(
        Pass("Start", assign={"states": 1, "outer": 1, "bad-name": 3})
        >> Map("Fan", processor=inner, items=expr("[1, 2]"))
        >> Pass("After", output=expr("$local"))
    )
    found = {(p.path, p.code) for p in problems_of(machine)}
    assert found == {
        ("Start", "RESERVED_VARIABLE"),
        ("Start", "BAD_VARIABLE_NAME"),
        ("Fan/Inner", "OUTER_VARIABLE_ASSIGNED"),
        ("After", "UNKNOWN_VARIABLE"),
    }


def test_retry_and_catch_rules() -> None:
    machine = StateMachine(
        Task(
            "T",
            resource=LAMBDA,
            retry=[Retry(["States.ALL", "X"]), Retry(["Y"], max_attempts=-1, jitter="SOME", backoff_rate=0.5)],
            catch=[Catch("States.ALL", "Done"), Catch("Z", "Done")],
            timeout_seconds=10,
            heartbeat_seconds=10,
        )
        >> Succeed("Done")
    )
    found = problems_of(machine)
    found_codes = sorted(p.code for p in found)
    assert found_codes == sorted(
        ["STATES_ALL_NOT_ALONE", "STATES_ALL_NOT_LAST", "BAD_RETRY", "BAD_RETRY", "BAD_RETRY", "STATES_ALL_NOT_LAST", "HEARTBEAT_NOT_BELOW_TIMEOUT"]
    )
    assert {p.path for p in found} == {"T"}


def test_inline_map_rejects_distributed_only_fields() -> None:
    machine = StateMachine(Map("Fan", processor=Pass("Item"), items=expr("[1]"), tolerated_failure_percentage=10))
    (problem,) = problems_of(machine)
    assert (problem.path, problem.code) == ("Fan", "DISTRIBUTED_ONLY_FIELD")
    assert "catch the failure inside the iteration" in problem.hint


def test_parallel_branches_are_checked_as_their_own_scopes() -> None:
    machine = StateMachine(Parallel("Both", branches=[Pass("Left", next="Right"), Pass("Right")]))
    (problem,) = problems_of(machine)
    assert (problem.path, problem.code) == ("Both/Left", "UNKNOWN_TARGET")


def test_unknown_keyword_is_a_type_error_with_a_suggestion() -> None:
    with pytest.raises(TypeError, match=r"'assing' \(did you mean 'assign'\?\)"):
        Pass("A", assing={"x": 1})


def test_states_are_immutable_values() -> None:
    a = Pass("A", assign={"x": 1})
    assert a == Pass("A", assign={"x": 1})
    with pytest.raises(AttributeError, match="immutable"):
        a.name = "B"  # type: ignore[misc]
    b = a.replace(name="B")
    assert (a.name, b.name) == ("A", "B")


def test_a_valid_machine_renders_in_a_fixed_key_order() -> None:
    machine = StateMachine(
        Task("T", resource=LAMBDA, arguments={"FunctionName": "f"}, assign={"r": expr("$states.result.Payload")}, retry=[Retry(["Lambda.ServiceException"], backoff_rate=2)])
        >> Succeed("Done"),
        comment="c",
        timeout_seconds=60,
    )
    d = machine.to_dict()
    assert list(d) == ["QueryLanguage", "Comment", "TimeoutSeconds", "StartAt", "States"]
    assert list(d["States"]["T"]) == ["Type", "Resource", "Arguments", "Assign", "Retry", "Next"]
    # statelint wants BackoffRate as a float
    assert d["States"]["T"]["Retry"][0]["BackoffRate"] == 2.0 and isinstance(d["States"]["T"]["Retry"][0]["BackoffRate"], float)
    assert machine.to_json().endswith("}\n") and "\n  " in machine.to_json()


def test_a_choice_rule_does_not_run_the_states_assign() -> None:
    """The state-level Assign of a Choice runs on the Default only; a matching
    rule runs its own (sfnx and AWS agree)."""
    body = Fragment(
        (
            Pass("Start", assign={"flag": True}, next="Pick"),
            Choice("Pick", choices=[Rule(expr("$flag"), "UseX")], default="Other", assign={"x": 1}),
            Pass("UseX", output=expr("$x")),
            Pass("Other", output=expr("$x")),
        ),
        "Start",
    )
    (problem,) = problems_of(StateMachine(body))
    # the only way into UseX is the rule, whose edge does not carry $x: it always fails
    assert (problem.path, problem.code) == ("UseX", "VARIABLE_UNASSIGNED")


def test_resource_arguments_wait_and_unretriable_errors() -> None:
    machine = StateMachine(
        Task("NoArn", resource="lambda:invoke", arguments="payload")
        >> Task("Placeholder", resource="${SomeFunctionArn}", retry=[Retry(["States.DataLimitExceeded", "Custom.E"])])
        >> Wait("Back", seconds=-5)
    )
    found = {(p.path, p.code) for p in problems_of(machine)}
    assert found == {("NoArn", "BAD_RESOURCE"), ("NoArn", "BAD_ARGUMENTS"), ("Placeholder", "NOT_RETRIABLE"), ("Back", "BAD_SECONDS")}
