"""Conditions written in Python, and composition: value semantics kept for
the records, JSONata the parser accepts, fragments that pull in what they
reach, and chains laid out in one pass."""

from __future__ import annotations

import pytest

from ndr_workflows import BuildError, Catch, Choice, Fail, Pass, Rule, StateMachine, Succeed, Task, expr, var
from ndr_workflows.expressions import Condition, all_of, any_of, concat, exists, is_empty, join, not_
from ndr_workflows.model import Fragment, choose
from ndr_workflows.asl.jsonata import analyse
from ndr_workflows.simulate import run

LAMBDA = "arn:aws:states:::lambda:invoke"


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (var("a").eq(0), "$a = 0"),
        (var("a").ne("x"), "$a != 'x'"),
        (var("a") >= 179, "$a >= 179"),
        (var("s").is_in(("Failed", "Stopped")), "$s in ['Failed', 'Stopped']"),
        ((var("a") > 1) & var("b").eq("x") | ~exists(var("c")), "$a > 1 and $b = 'x' or $not($exists($c))"),
        (((var("a") > 1) | (var("b") < 2)) & var("c").eq(None), "($a > 1 or $b < 2) and $c = null"),
        (all_of(var("a").eq(1), var("b").eq(2), var("c").eq(3)), "$a = 1 and $b = 2 and $c = 3"),
        (any_of(var("a").eq(1), var("b").eq(2)), "$a = 1 or $b = 2"),
        (var("t").eq("it's"), '$t = "it\'s"'),
        (var("x").is_in(var("xs")), "$x in $xs"),
    ],
)
def test_conditions_render_to_jsonata_the_parser_accepts(condition, text) -> None:
    assert isinstance(condition, Condition)
    assert condition.text == text
    assert analyse(condition.text).error is None


def test_text_and_numbers() -> None:
    assert (var("p") + "#" + var("v")).text == "$p & '#' & $v"
    assert ("s3://" + var("b")).text == "'s3://' & $b"
    assert (var("n") + 1).text == "$n + 1"
    assert concat("n=", var("n") + 1).text == "'n=' & ($n + 1)"
    assert join(var("xs")).text == "$join($xs, ', ')"
    assert analyse(is_empty(var("x")).text).error is None


def test_expressions_keep_value_equality_so_records_compare_and_hash() -> None:
    a, b = var("a").eq(1), expr("$a = 1")
    assert a == b and hash(a) == hash(b)
    rule_a, rule_b = Rule(a, "X"), Rule(b, "X")
    assert rule_a == rule_b and hash(rule_a) == hash(rule_b)
    assert {rule_a, rule_b} == {rule_a}
    assert var("a") != var("b")


def test_python_boolean_logic_on_a_condition_is_refused() -> None:
    with pytest.raises(TypeError, match="combine conditions with &"):
        bool(var("a").eq(1))
    with pytest.raises(TypeError, match="combine conditions with &"):
        var("a").eq(1) and var("b").eq(2)  # noqa: B015
    with pytest.raises(TypeError, match=r"write x.eq\(y\)"):
        (var("a") == 1) & var("b").eq(2)  # noqa: B015
    with pytest.raises(TypeError, match="to join text use"):
        var("a").eq(1) & "text"  # noqa: B015
    with pytest.raises(TypeError, match=r"x.eq\(y\)"):
        choose("C").when(var("a") == 1, Pass("P"))


def test_not_and_ne_are_guarded_for_linters_only_where_needed() -> None:
    assert var("a").eq(1).guarded().text == "$a = 1"
    assert var("a").ne(1).guarded().text == "$exists($states.input) ? ($a != 1) : false"
    assert not_(var("a").ne(1)).vacuous is False


def test_a_chain_is_laid_out_like_the_states_wired_by_hand() -> None:
    chained = Pass("A") >> Task("B", resource=LAMBDA, arguments={"FunctionName": "f"}) >> Pass("C")
    assert chained.names() == ["A", "B", "C"]
    assert [getattr(s, "next", None) for s in chained.states] == ["B", "C", None]
    left_deep = (Pass("A") >> Pass("B")) >> (Pass("C") >> Pass("D"))
    right_deep = Pass("A") >> (Pass("B") >> (Pass("C") >> Pass("D")))
    assert left_deep == right_deep and hash(left_deep) == hash(right_deep)


def test_a_long_chain_needs_no_recursion() -> None:
    fragment = Fragment.of(Pass("S0"))
    for i in range(1, 20_000):
        fragment = fragment >> Pass(f"S{i}")
    assert len(fragment.states) == 20_000 and fragment.states[-2].next == "S19999"


def test_chaining_after_an_end_is_still_reported() -> None:
    with pytest.raises(BuildError, match="CHAIN_AFTER_END"):
        StateMachine(Pass("A") >> Succeed("Done") >> Pass("B")).to_dict()


def test_targets_may_be_states_or_fragments_and_are_pulled_in() -> None:
    task = Task("Call", resource=LAMBDA, arguments={"FunctionName": "f"}, catch=[Catch(["States.ALL"], next=Pass("Recover") >> Fail("Broken", error="Broken"))])
    definition = StateMachine(task >> Succeed("Done")).to_dict()
    assert list(definition["States"]) == ["Call", "Recover", "Broken", "Done"]
    assert definition["States"]["Call"]["Catch"][0]["Next"] == "Recover"
    assert definition["States"]["Recover"]["Next"] == "Broken"


def test_choose_branches_rejoin_and_a_name_is_a_jump() -> None:
    loop = Pass("Count", assign={"n": 0}) >> Pass("Again", assign={"n": var("n") + 1}) >> choose("More").when(var("n") < 3, "Again") >> Succeed("Done")
    execution = run(StateMachine(loop).to_dict(), {})
    assert execution.states == ["Count", "Again", "More", "Again", "More", "Again", "More", "Done"]
    branching = choose("Pick").when(var("x").eq(1), Pass("One")).otherwise(Pass("Other"))
    assert isinstance(branching, Fragment) and branching.names() == ["Pick", "One", "Other"]
    state = branching.states[0]
    assert isinstance(state, Choice) and state.default == "Other"
