"""A lock-guarded fragment of any shape releases the lock on every way out.

(a) graph: in the rendered definition, with the two release states removed,
    no path from the first guarded state reaches an end (End, Succeed, Fail,
    a state outside the fragment) or a state that can fail uncaught;
(b) execution (sfnx): with a fake DynamoDB lock table and random failures,
    every run ends and leaves the table empty, unless the release itself was
    made to fail; a lock held by someone else fails fast and touches nothing;
(c) a Succeed or Fail inside the guarded fragment is refused (LOCK_BYPASSED);
(d) the builder's output, state by state.
"""

from __future__ import annotations

import jsonata  # noqa: F401  (raises the recursion limit at import, not mid-test)
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sfnx.testing import Failure, run

from ndr_workflows import ON_FAILURE, BuildError, Catch, Choice, Fail, Fragment, Map, Parallel, Pass, Rule, StateMachine, Succeed, Task, Wait, chain, expr, obj
from ndr_workflows.expressions import EXECUTION_NAME, START_TIME
from ndr_workflows.steps import ErrorRoute, LockNames, lock, transient_retry, workflow_failed
from ndr_workflows.steps import LockTable as LockItem
from ndr_workflows.steps.errors import TRANSIENT_ERRORS
from ndr_workflows.steps.lock import CONDITION_FAILED, DELETE_ITEM_RESOURCE, PUT_ITEM_RESOURCE
from ndr_workflows.steps.message_expressions import epoch_seconds_after_start_text

LAMBDA = "arn:aws:states:::lambda:invoke"
TABLE = "${LockTableName}"
EXECUTION_ID = "arn:aws:states:us-east-1:123456789012:execution:machine:execution"
FLOW_ERROR = "LockedFlowFailed"
RELEASES = ("ReleaseOk", "ReleaseFailed")
PUT_CONDITION = "(attribute_not_exists(pk) AND attribute_not_exists(sk)) OR #owner = :owner OR #ttl < :now"
DELETE_CONDITION = "attribute_not_exists(pk) OR #owner = :owner"

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- random guarded fragments ------------------------------------------------------

_catch = st.sampled_from(["named", "to_failure"])
_task = st.tuples(
    st.just("task"),
    st.booleans(),  # a transient Retry
    st.lists(st.tuples(st.sampled_from(["Custom.A", "Custom.Boom"]), _catch, st.integers(0, 9)), max_size=2, unique_by=lambda c: c[0]).map(tuple),
    st.one_of(st.none(), st.tuples(_catch, st.integers(0, 9))),  # a final States.ALL catch
)
_choice = st.tuples(st.just("choice"), st.lists(st.one_of(st.integers(0, 9), st.just("fail")), min_size=1, max_size=3).map(tuple))
_other = st.one_of(
    st.tuples(st.just("map"), st.booleans()),
    st.tuples(st.just("parallel"), st.integers(1, 3), st.booleans()),
    st.tuples(st.just("wait")),
    st.tuples(st.just("pass")),
)
any_fragments = st.lists(st.one_of(_task, _choice, _other), min_size=1, max_size=8).map(tuple)
# What sfnx runs: Tasks and Choices.
task_choice_fragments = st.lists(st.one_of(_task, _task, _choice), min_size=1, max_size=7).map(tuple)


def _slot_name(i: int, slot) -> str:
    return f"G{i}{slot[0].capitalize()}"


def build_guarded(slots) -> Fragment:
    """The guarded fragment a spec describes. Named targets are later states
    of the fragment (forward only, so runs end); with none left, ON_FAILURE."""
    names = [_slot_name(i, s) for i, s in enumerate(slots)]
    states = []
    for i, slot in enumerate(slots):
        name, later = names[i], names[i + 1 :]

        def target(kind: str, offset: int):
            return later[offset % len(later)] if kind == "named" and later else ON_FAILURE

        def catch(errors, kind, offset):
            where = target(kind, offset)
            return ErrorRoute().catch(name, errors) if where is ON_FAILURE else Catch(errors, where)

        kind = slot[0]
        if kind == "task":
            _, retry, specific, final = slot
            catches = [catch((error,), how, offset) for error, how, offset in specific]
            if final is not None:
                catches.append(catch(("States.ALL",), *final))
            states.append(
                Task(
                    name,
                    resource=LAMBDA,
                    arguments={"FunctionName": f"fn-{name}", "Payload": {"state": name}},
                    retry=transient_retry("lambda") if retry else (),
                    catch=catches,
                )
            )
        elif kind == "choice":
            rules = []
            for j, how in enumerate(slot[1]):
                condition = expr(f"$states.context.Execution.Input.go.{name}_{j} = true")
                if how == "fail" or not later:
                    rules.append(ErrorRoute().rule(name, condition, obj({"Error": "ChoiceFailed", "Cause": f"{name} rule {j}"})))
                else:
                    rules.append(Rule(condition, later[how % len(later)]))
            states.append(Choice(name, choices=rules))
        elif kind == "map":
            inner = Task(f"{name}Inner", resource=LAMBDA, arguments={"FunctionName": f"fn-{name}Inner"})
            states.append(Map(name, processor=inner, items=expr("[1, 2]"), catch=(ErrorRoute().catch(name),) if slot[1] else ()))
        elif kind == "parallel":
            branches = [Pass(f"{name}B{b}") for b in range(slot[1])]
            states.append(Parallel(name, branches=branches, catch=(ErrorRoute().catch(name),) if slot[2] else ()))
        elif kind == "wait":
            states.append(Wait(name, seconds=1))
        else:
            states.append(Pass(name))
    fragment = chain(*states)
    if not any(s.TYPE in ("Task", "Map", "Parallel") for s in fragment.states):
        # Nothing in the body can fail: ReleaseFailed would be unreachable
        # (see test_lock_around_a_body_that_cannot_fail_builds).
        fragment = fragment >> Task("GTail", resource=LAMBDA, arguments={"FunctionName": "fn-GTail"})
    return fragment


def locked(guarded, **overrides) -> Fragment:
    kwargs = dict(
        table=LockItem(TABLE, key={"pk": "job", "sk": EXECUTION_NAME}, ttl_epoch=expr(epoch_seconds_after_start_text(3600)), created_at=START_TIME),
        names=LockNames("Acquire", "Duplicate", "ReleaseOk", "ReleaseFailed", duplicate_error="DuplicateLock"),
    )
    kwargs.update(overrides)
    return lock(guarded, **kwargs)


def machine(guarded) -> StateMachine:
    return StateMachine(Pass("Before") >> locked(guarded) >> Pass("After"), on_failure=workflow_failed(FLOW_ERROR))


def targets(state: dict) -> list[str]:
    found = [state[k] for k in ("Next", "Default") if k in state]
    found += [r["Next"] for r in state.get("Choices", [])]
    found += [c["Next"] for c in state.get("Catch", [])]
    return found


# -- (a) graph property ----------------------------------------------------------------


@SETTINGS
@given(any_fragments)
def test_no_path_from_the_guarded_fragment_avoids_a_release(slots) -> None:
    guarded = build_guarded(slots)
    definition = machine(guarded).to_dict()
    states = definition["States"]
    inside = set(guarded.names())
    first = states["Acquire"]["Next"]
    assert first == guarded.start
    seen, todo = set(), [first]
    while todo:
        name = todo.pop()
        if name in seen or name in RELEASES:
            continue
        seen.add(name)
        state = states[name]
        assert name in inside, f"{name} is reached from the guarded fragment without a release"
        assert state["Type"] not in ("Succeed", "Fail") and not state.get("End"), f"{name} ends the execution with the lock held"
        if state["Type"] in ("Task", "Map", "Parallel"):
            catches = state.get("Catch", [])
            assert catches and catches[-1]["ErrorEquals"] == ["States.ALL"], f"{name} can fail uncaught with the lock held"
        todo.extend(targets(state))
    # ... and the releases are really on those paths, leading on.
    reached = set()
    todo = [first]
    while todo:
        name = todo.pop()
        if name not in reached:
            reached.add(name)
            todo.extend(targets(states[name]))
    assert "ReleaseOk" in reached and states["ReleaseOk"]["Next"] == "After"
    # The release on failure exists exactly when something in the guarded
    # fragment can fail into it (a fragment whose every catch stays inside,
    # or that cannot fail, has none), and it leads on to WorkflowFailed.
    assert ("ReleaseFailed" in states) == ("ReleaseFailed" in reached)
    if "ReleaseFailed" in states:
        assert states["ReleaseFailed"]["Next"] == "WorkflowFailed"
    event(f"guarded states reached: {len(seen)}")


# -- (b) execution property ---------------------------------------------------------------


class LockTable:
    """A DynamoDB table that understands exactly the two conditions the lock writes."""

    def __init__(self, items=None) -> None:
        self.items = dict(items or {})

    @staticmethod
    def _owner(arguments) -> str:
        assert arguments["ExpressionAttributeNames"]["#owner"] == "owner"
        return arguments["ExpressionAttributeValues"][":owner"]["S"]

    def put(self, arguments) -> dict:
        assert arguments["TableName"] == TABLE
        if arguments["ConditionExpression"] != PUT_CONDITION:
            raise AssertionError(f"the fake table does not know the condition {arguments['ConditionExpression']!r}")
        item = arguments["Item"]
        key = (item["pk"]["S"], item["sk"]["S"])
        held = self.items.get(key)
        assert arguments["ExpressionAttributeNames"]["#ttl"] == "ttl_epoch"
        now = float(arguments["ExpressionAttributeValues"][":now"]["N"])
        # A missing ttl_epoch compares false, as in DynamoDB: not expired.
        expired = held is not None and "ttl_epoch" in held and float(held["ttl_epoch"]["N"]) < now
        if held is not None and held["owner"]["S"] != self._owner(arguments) and not expired:
            raise Failure(CONDITION_FAILED, "The conditional request failed")
        self.items[key] = item
        return {}

    def delete(self, arguments) -> dict:
        assert arguments["TableName"] == TABLE
        if arguments["ConditionExpression"] != DELETE_CONDITION:
            raise AssertionError(f"the fake table does not know the condition {arguments['ConditionExpression']!r}")
        key = (arguments["Key"]["pk"]["S"], arguments["Key"]["sk"]["S"])
        held = self.items.get(key)
        if held is not None and held["owner"]["S"] != self._owner(arguments):
            raise Failure(CONDITION_FAILED, "The conditional request failed")
        self.items.pop(key, None)
        return {}


_failure = st.tuples(st.sampled_from(["Lambda.ServiceException", "Custom.Boom", "Custom.A"]), st.integers(1, 6))
_release_failure = st.one_of(
    st.none(),
    st.tuples(st.just("DynamoDb.InternalServerErrorException"), st.integers(1, 4)),  # retried away
    st.tuples(st.just("DynamoDb.InternalServerErrorException"), st.just(5)),  # retries exhausted
    st.tuples(st.just(CONDITION_FAILED), st.just(1)),  # not retried
)


@st.composite
def scenarios(draw):
    slots = draw(task_choice_fragments)
    names = [_slot_name(i, s) for i, s in enumerate(slots)]
    failures = {}
    for name, slot in zip(names, slots):
        if slot[0] == "task" and draw(st.booleans()):
            failures[f"fn-{name}"] = draw(_failure)
    go = {f"{name}_{j}": draw(st.booleans()) for name, slot in zip(names, slots) if slot[0] == "choice" for j in range(len(slot[1]))}
    return slots, failures, go, draw(_release_failure)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_run_releases_the_lock(scenario) -> None:
    slots, failures, go, release_failure = scenario
    guarded = build_guarded(slots)
    definition = machine(guarded).to_dict()
    table = LockTable()
    remaining = {fn: times for fn, (_, times) in failures.items()}
    release_left = release_failure[1] if release_failure else 0

    def tasks(call):
        nonlocal release_left
        if call.resource == PUT_ITEM_RESOURCE:
            return table.put(call.arguments)
        if call.resource == DELETE_ITEM_RESOURCE:
            if release_left:
                release_left -= 1
                raise Failure(release_failure[0], "injected release failure")
            return table.delete(call.arguments)
        assert call.resource == LAMBDA
        fn = call.arguments["FunctionName"]
        assert table.items, f"{call.state} called without the lock held"
        if remaining.get(fn):
            remaining[fn] -= 1
            raise Failure(failures[fn][0], f"injected into {fn}")
        return {"StatusCode": 200, "Payload": {"ok": True}}

    execution = run(definition, {"go": go}, tasks=tasks)  # returns: every run ends
    releases = [c for c in execution.calls if c.resource == DELETE_ITEM_RESOURCE]
    assert execution.calls[0].resource == PUT_ITEM_RESOURCE
    assert releases, "the lock was never released"
    assert all(c.resource == DELETE_ITEM_RESOURCE for c in execution.calls[-len(releases) :])
    release_broken = release_failure is not None and release_failure[1] >= (5 if release_failure[0] != CONDITION_FAILED else 1)
    if release_broken:
        assert execution.error == FLOW_ERROR
        assert len(table.items) == 1, "the item stays when its release failed"
    else:
        assert table.items == {}, f"lock left behind: {execution!r}"
        assert (execution.error is None) == ("ReleaseOk" in execution.states and "After" in execution.states)
    if execution.error is not None:
        assert execution.error == FLOW_ERROR
        if "ReleaseFailed" in execution.states:
            # The release on the failure path keeps the original error record.
            failed_state = execution.cause.split(" failed with ")[0].removeprefix("State ")
            assert failed_state in guarded.names(), execution.cause
            assert any(e in execution.cause for e in ("Lambda.ServiceException", "Custom.Boom", "Custom.A", "ChoiceFailed")), execution.cause
            if release_broken:
                # ... and says that the release failed too.
                assert "(releasing the lock failed too: " in execution.cause, execution.cause
    event(f"outcome: {'succeeded' if execution.error is None else 'failed'}{' (release broken)' if release_broken else ''}")
    event(f"lambda failures scheduled: {len(failures)}")


def test_a_lock_held_by_another_execution_fails_fast_and_touches_nothing() -> None:
    guarded = build_guarded((("task", True, (), None), ("choice", (0,)), ("task", False, (), ("to_failure", 0))))
    definition = machine(guarded).to_dict()
    theirs = {"pk": {"S": "job"}, "sk": {"S": "execution"}, "owner": {"S": "arn:aws:states:us-east-1:123456789012:execution:machine:other"}, "ttl_epoch": {"N": "4102444800"}}
    table = LockTable({("job", "execution"): theirs})
    before = dict(table.items)

    def tasks(call):
        if call.resource == PUT_ITEM_RESOURCE:
            return table.put(call.arguments)
        if call.resource == DELETE_ITEM_RESOURCE:
            return table.delete(call.arguments)
        raise AssertionError(f"{call.state} ran although the lock is someone else's")

    execution = run(definition, {}, tasks=tasks)
    assert execution.error == "DuplicateLock"
    assert execution.states[-1] == "Duplicate"
    assert [c.resource for c in execution.calls] == [PUT_ITEM_RESOURCE]
    assert table.items == before


def test_our_own_lock_is_reacquired_and_released() -> None:
    """A retried put after an ambiguous error finds our own item: not a duplicate."""
    guarded = build_guarded((("task", False, (), None),))
    definition = machine(guarded).to_dict()
    ours = {"pk": {"S": "job"}, "sk": {"S": "execution"}, "owner": {"S": EXECUTION_ID}}
    table = LockTable({("job", "execution"): ours})

    def tasks(call):
        if call.resource == PUT_ITEM_RESOURCE:
            return table.put(call.arguments)
        if call.resource == DELETE_ITEM_RESOURCE:
            return table.delete(call.arguments)
        return {"StatusCode": 200, "Payload": {}}

    execution = run(definition, {}, tasks=tasks)
    assert execution.error is None, execution
    assert table.items == {}


# -- (c) no Succeed / Fail inside -------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(any_fragments, st.sampled_from(["succeed", "fail"]), st.booleans())
def test_a_terminal_state_inside_the_guarded_fragment_is_refused(slots, terminal, from_choice) -> None:
    body = build_guarded(slots)
    end = Succeed("EndsHere") if terminal == "succeed" else Fail("EndsHere", error="E", cause="c")
    if from_choice:
        # Reached by a rule while the fragment still has its normal exit.
        jump = Choice("JumpToEnd", choices=[Rule(expr("$states.input.stop = true"), "EndsHere")])
        chained = jump >> body
        guarded = Fragment(chained.states + (end,), "JumpToEnd", chained.problems)
    else:
        guarded = body >> end
    with pytest.raises(BuildError) as caught:
        machine(guarded).to_dict()
    bypassed = [p for p in caught.value.problems if p.code == "LOCK_BYPASSED"]
    assert [p.path for p in bypassed] == ["EndsHere"]
    assert end.TYPE in bypassed[0].message


def test_a_succeed_inside_a_map_iteration_is_not_a_bypass() -> None:
    """A Succeed in a Map iteration ends the iteration, not the execution."""
    inner = Choice("Skip", choices=[Rule(expr("$states.input = 1"), "SkipItem")]) >> Pass("Work")
    inner = Fragment(inner.states + (Succeed("SkipItem"),), inner.start)
    guarded = Map("Items", processor=inner, items=expr("[1, 2]"))
    definition = machine(guarded).to_dict()
    assert definition["States"]["Items"]["Catch"][-1]["Next"] == "ReleaseFailed"


# -- (d) the builder's output -----------------------------------------------------------------


@pytest.fixture(scope="module")
def rendered() -> dict:
    guarded = chain(
        Task("Covered", resource=LAMBDA, arguments={"FunctionName": "a"}, catch=[ErrorRoute().catch("Covered")]),
        Task("Partial", resource=LAMBDA, arguments={"FunctionName": "b"}, catch=[Catch(("Custom.A",), "Last")]),
        Task("Bare", resource=LAMBDA, arguments={"FunctionName": "c"}),
        Task("Last", resource=LAMBDA, arguments={"FunctionName": "d"}),
    )
    return machine(guarded).to_dict()["States"]


def test_acquire_catches_the_condition_failure_as_a_duplicate(rendered) -> None:
    acquire = rendered["Acquire"]
    assert acquire["Resource"] == PUT_ITEM_RESOURCE
    assert acquire["Arguments"]["ConditionExpression"] == PUT_CONDITION
    assert acquire["Catch"][0] == {"ErrorEquals": ["DynamoDb.ConditionalCheckFailedException"], "Next": "Duplicate"}
    # Any other acquire failure goes to the flow's failure (nothing to release).
    assert acquire["Catch"][-1]["ErrorEquals"] == ["States.ALL"] and acquire["Catch"][-1]["Next"] == "WorkflowFailed"
    assert rendered["Duplicate"] == {"Type": "Fail", "Error": "DuplicateLock", "Cause": "The lock already exists: another execution holds it"}
    assert acquire["Next"] == "Covered"


@pytest.mark.parametrize("release", RELEASES)
def test_releases_retry_dynamodb_transient_errors(rendered, release) -> None:
    state = rendered[release]
    assert state["Resource"] == DELETE_ITEM_RESOURCE
    assert state["Arguments"]["ConditionExpression"] == DELETE_CONDITION
    assert state["Arguments"]["Key"] == {k: v for k, v in rendered["Acquire"]["Arguments"]["Item"].items() if k in ("pk", "sk")}
    retry = state["Retry"]
    assert len(retry) == 1 and set(retry[0]["ErrorEquals"]) == set(TRANSIENT_ERRORS["dynamodb"])
    assert "DynamoDb.ThrottlingException" in retry[0]["ErrorEquals"]
    assert CONDITION_FAILED not in retry[0]["ErrorEquals"]
    assert retry[0]["MaxAttempts"] >= 1
    # Releases pass their input on unchanged.
    assert state["Output"] == "{% $states.input %}"


def test_release_on_failure_keeps_the_original_error_record(rendered) -> None:
    state = rendered["ReleaseFailed"]
    (catch,) = state["Catch"]
    assert catch["ErrorEquals"] == ["States.ALL"] and catch["Next"] == "WorkflowFailed"
    # The failed state and the original Error stay; the release's own error is
    # kept beside them and added to the Cause.
    assert set(catch["Assign"]) == {"lock_release_error", "workflow_error"}
    assert catch["Assign"]["lock_release_error"] == "{% $states.errorOutput %}"
    assert catch["Assign"]["workflow_error"].startswith("{% {'Error': $workflow_error.Error, 'Cause': $workflow_error.Cause & ")
    assert "Assign" not in state
    assert state["Next"] == "WorkflowFailed"
    # On the success path a failed release is the error to report.
    ok = rendered["ReleaseOk"]
    assert ok["Catch"][-1]["Assign"]["workflow_failed_state"] == "ReleaseOk"
    assert ok["Next"] == "After"


def test_states_without_a_catch_all_get_one_to_the_release(rendered) -> None:
    # Its own catch-all (to ON_FAILURE) now goes to the release, unchanged otherwise.
    assert rendered["Covered"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "Assign": {"workflow_failed_state": "Covered", "workflow_error": "{% $states.errorOutput %}"}, "Next": "ReleaseFailed"}
    ]
    # A specific catch is kept first; a catch-all is added after it.
    partial = rendered["Partial"]["Catch"]
    assert partial[0] == {"ErrorEquals": ["Custom.A"], "Next": "Last"}
    assert partial[1]["ErrorEquals"] == ["States.ALL"] and partial[1]["Next"] == "ReleaseFailed"
    assert partial[1]["Assign"]["workflow_failed_state"] == "Partial"
    for name in ("Bare", "Last"):
        catches = rendered[name]["Catch"]
        assert len(catches) == 1 and catches[0]["ErrorEquals"] == ["States.ALL"] and catches[0]["Next"] == "ReleaseFailed"
        assert catches[0]["Assign"]["workflow_failed_state"] == name
    assert rendered["Last"]["Next"] == "ReleaseOk"


def test_lock_around_a_body_that_cannot_fail_builds() -> None:
    """Pass, Choice and Wait states have no Catch: nothing can fail into the
    release, so the builder leaves the release-on-failure out."""
    states = StateMachine(locked(Pass("P")), on_failure=workflow_failed(FLOW_ERROR)).to_dict()["States"]
    assert "ReleaseFailed" not in states
    assert states["P"]["Next"] == "ReleaseOk"
    assert states["Acquire"]["Catch"][-1]["Next"] == "WorkflowFailed"


@pytest.mark.parametrize("jump", ["catch", "choice"])
def test_a_jump_out_of_the_guarded_fragment_is_refused(jump: str) -> None:
    """Leaving the guarded fragment other than by its exit or ON_FAILURE would
    skip the release."""
    if jump == "catch":
        inner = Task("Call", resource=LAMBDA, arguments={"FunctionName": "f"}, catch=[Catch("States.ALL", "After")])
    else:
        inner = Pass("Set", assign={"v": 1}) >> Choice("Call", choices=[Rule(expr("$v = 1"), "After")])
    with pytest.raises(BuildError) as caught:
        machine(inner).to_dict()
    found = [(p.path, p.code) for p in caught.value.problems]
    assert ("Call", "LOCK_BYPASSED") in found
    assert any("outside the lock-guarded fragment" in p.message for p in caught.value.problems)
