"""Keeping the garbage collector off the definition leaves no trace: after
a run nothing is frozen, a caller's own frozen objects and a disabled
collector are left as they were, and a run inside a handler (or another
thread) runs inside the outer run's freeze."""

from __future__ import annotations

import gc

import pytest

from ndr_workflows.simulate import Services, run

PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
TASK = {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "End": True}}}


@pytest.fixture
def collector():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_a_run_leaves_nothing_frozen_and_the_collector_on(collector):
    assert run(PASS, {}).status == "SUCCEEDED"
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_a_callers_own_freeze_and_a_disabled_collector_are_left_alone(collector):
    gc.freeze()
    frozen = gc.get_freeze_count()
    run(PASS, {})
    assert 0 < gc.get_freeze_count() <= frozen  # not unfrozen, nothing more frozen (some frozen objects may have been freed)
    gc.unfreeze()
    gc.disable()
    run(PASS, {})
    assert not gc.isenabled() and gc.get_freeze_count() == 0


def test_a_run_inside_a_handler_runs_inside_the_outer_freeze(collector):
    seen = []

    def handler(call):
        seen.append(gc.get_freeze_count() > 0)
        status = run(PASS, {}).status
        seen.append(gc.get_freeze_count() > 0)
        return status

    assert run(TASK, {}, services=Services(handlers={"T": handler})).output == "SUCCEEDED"
    assert seen == [True, True] and gc.get_freeze_count() == 0
