"""What the model's value classes (``model/record.py``'s Record) give a flow
author, and what any other implementation of them (dataclasses, see
docs/design/hand_written.md) would have to keep."""

from __future__ import annotations

import inspect

import pytest

from ndr_workflows import Catch, Pass, Retry, Task
from ndr_workflows.steps import PollNames

LAMBDA = "arn:aws:states:::lambda:invoke"


def test_values_compare_and_hash_by_value_even_holding_dicts() -> None:
    a, same, other = Pass("A", assign={"x": [1]}), Pass("A", assign={"x": [1]}), Pass("A", assign={"x": [2]})
    assert a == same and not a != same
    assert a != other and not a == other
    assert a != Task("A", resource=LAMBDA)  # another type is never equal
    assert len({a, same, other}) == 2


def test_replace_runs_the_constructor_again() -> None:
    retry = Retry("States.Timeout", backoff_rate=1).replace(backoff_rate=2)
    assert retry.backoff_rate == 2.0 and isinstance(retry.backoff_rate, float)
    assert Catch("E", "Next").replace(errors="F").errors == ("F",)
    with pytest.raises(TypeError, match=r"'nxt' \(did you mean 'next'\?\)"):
        Pass("A").replace(nxt="B")


def test_replace_keeps_a_jsonpath_keyword_for_the_build_to_report() -> None:
    wired = Pass("A", parameters={"a": 1}).replace(next="B")
    assert wired.next == "B"
    assert [asl for asl, _ in wired.jsonpath_fields()] == ["Parameters"]


def test_a_constructor_reads_as_its_keywords_in_a_notebook() -> None:
    parameters = list(inspect.signature(Task).parameters)
    assert parameters[:3] == ["name", "resource", "arguments"]
    assert parameters[-1] == "jsonpath" and not any(p.startswith("_") for p in parameters)


def test_repr_shows_what_was_given() -> None:
    assert repr(Pass("A", assign={"x": 1})) == "Pass(name='A', assign={'x': 1})"
    assert repr(Retry("E", backoff_rate=2)) == "Retry(errors=('E',), backoff_rate=2.0)"


def test_values_are_immutable() -> None:
    names = PollNames.for_("Run")
    with pytest.raises(AttributeError, match=r"immutable; use \.replace\(check=\.\.\.\)"):
        names.check = "Other"  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del names.check
    assert names.replace(check="Other").check == "Other" and names.check == "CheckRunStatus"
