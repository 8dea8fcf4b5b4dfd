"""The interpreter: walks a compiled definition on a simulated clock.

Semantics follow Step Functions (JSONata mode):

* a state's ``Assign`` and ``Output`` both see the variables from before the
  state; ``Assign`` is evaluated first, then ``Output``, then the variables
  are updated. ``Output`` defaults to the result for Task / Map / Parallel,
  to the input otherwise, to ``$states.errorOutput`` in a Catch;
* a failure in Arguments, the call, Assign or Output is retried by the first
  retrier that matches it (only that one; once it is used up the state fails
  even if a later one would match), then caught by the first catcher;
* time never passes for real: Retry intervals, Wait states and declared task
  durations move the simulated clock, which feeds ``EnteredTime``, ``$now``
  and the timeouts (the execution's ``TimeoutSeconds``, else one year).
* Map iterations run in index order, each to completion; Parallel branches
  in order. Their variables live in a scope of their own.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Protocol, cast

from .calls import NEVER, Call, Delayed
from .definition import Graph, State
from .errors import (
    EXCEED_TOLERATED_FAILURE_THRESHOLD,
    HEARTBEAT_TIMEOUT,
    NO_CHOICE_MATCHED,
    QUERY_EVALUATION_ERROR,
    RUNTIME,
    TIMEOUT,
    ExecutionTimedOut,
    Failure,
    matches,
)
from .expressions import Evaluator, Frame, Variables
from .functions import Runtime, iso_millis, parse_iso_ms

__all__ = ["Interpreter", "Answerer", "MAX_TRANSITIONS", "LIFETIME_SECONDS"]

MAX_TRANSITIONS = 25_000  # a STANDARD execution's history limit, roughly
LIFETIME_SECONDS = 365 * 24 * 3600  # a STANDARD execution without TimeoutSeconds: one year


class Answerer(Protocol):
    def answer(self, call: Call, invocation: int, interpreter: Interpreter) -> Any: ...


class _Caught:
    """A failure a Catch handled: where to go, with what input."""

    __slots__ = ("next", "output")

    def __init__(self, next_state: str, output: Any) -> None:
        self.next = next_state
        self.output = output


def _whole_seconds(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer() or value < 0:
        raise Failure(QUERY_EVALUATION_ERROR, f"{what} is {value!r}, not a whole number of 0 or more")
    return int(value)


def _percentage(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise Failure(QUERY_EVALUATION_ERROR, f"{what} is {value!r}, not a number from 0 to 100")
    return float(value)


class Interpreter:
    """One execution. ``answerer`` answers each Task call."""

    def __init__(
        self,
        answerer: Answerer,
        *,
        execution: dict[str, Any],
        state_machine: dict[str, Any],
        start_ms: int,
        timeout_seconds: int | None,
        runtime: Runtime,
    ) -> None:
        self.answerer = answerer
        self.execution_context = execution
        self.state_machine_context = state_machine
        self.runtime = runtime
        runtime.now_ms = start_ms
        self.deadline_ms = start_ms + (timeout_seconds or LIFETIME_SECONDS) * 1000
        self.states: list[str] = []
        self.calls: list[Call] = []
        # (kind, state, time_ms, detail) for the renderings; cheap tuples.
        self.trace: list[tuple[str, str, int, Any]] = []
        self.invocations: Counter[str] = Counter()
        self._iso_ms = -1
        self._iso = ""
        self._tokens = 0

    # ---- the clock ----------------------------------------------------------

    def now_iso(self) -> str:
        now = self.runtime.now_ms
        if now != self._iso_ms:
            self._iso_ms, self._iso = now, iso_millis(now)
        return self._iso

    def advance(self, seconds: float) -> None:
        if seconds <= 0:
            return
        target = self.runtime.now_ms + (math.inf if seconds == math.inf else int(round(seconds * 1000)))
        if target > self.deadline_ms:
            self.runtime.now_ms = self.deadline_ms
            raise ExecutionTimedOut()
        self.runtime.now_ms = int(target)

    # ---- graphs -------------------------------------------------------------

    def run_graph(self, graph: Graph, state_input: Any, variables: Variables) -> Any:
        name = graph.start
        states = graph.states
        while True:
            state = states[name]
            self.states.append(name)
            if len(self.states) > MAX_TRANSITIONS:
                raise Failure(RUNTIME, f"more than {MAX_TRANSITIONS} states entered; the execution is stopped")
            self.trace.append(("enter", state.path, self.runtime.now_ms, None))
            about: dict[str, Any] = {"Name": name, "EnteredTime": self.now_iso()}
            context: dict[str, Any] = {
                "Execution": self.execution_context,
                "StateMachine": self.state_machine_context,
                "State": about,
            }
            frame = Frame(state_input, context, variables)
            kind = state.type
            if state.is_task_like:
                about["RetryCount"] = 0
                if state.token:
                    self._tokens += 1
                    context["Task"] = {"Token": f"token-{self._tokens:06d}"}
                found = self._with_retry(state, frame, about)
                if isinstance(found, _Caught):
                    name, state_input = found.next, found.output
                    continue
                output = found
            elif kind == "Pass":
                output = self._settle(state.assign, state.output, frame, state_input)
            elif kind == "Choice":
                rule = None
                for candidate in state.rules:
                    test = candidate.condition(frame)
                    if not isinstance(test, bool):
                        raise Failure(QUERY_EVALUATION_ERROR, f"{state.path}: a Choice Condition gave {test!r}, not a boolean")
                    if test:
                        rule = candidate
                        break
                if rule is None:
                    if state.default is None:
                        raise Failure(NO_CHOICE_MATCHED, f"{state.path}: no Choice rule matched and there is no Default")
                    state_input = self._settle(state.assign, state.output, frame, state_input)
                    name = state.default
                else:
                    state_input = self._settle(rule.assign, rule.output, frame, state_input)
                    name = rule.next
                continue
            elif kind == "Wait":
                self._wait(state, frame)
                output = self._settle(state.assign, state.output, frame, state_input)
            elif kind == "Succeed":
                output = state.output(frame) if state.output is not None else state_input
                self.trace.append(("succeed", state.path, self.runtime.now_ms, None))
                return output
            else:  # Fail
                error = state.error(frame) if state.error is not None else None
                cause = state.cause(frame) if state.cause is not None else None
                for what, value in (("Error", error), ("Cause", cause)):
                    if value is not None and not isinstance(value, str):
                        raise Failure(QUERY_EVALUATION_ERROR, f"{state.path}: {what} gave {value!r}, not a string")
                self.trace.append(("fail", state.path, self.runtime.now_ms, (error, cause)))
                raise Failure(error, cause)
            if state.end:
                self.trace.append(("end", state.path, self.runtime.now_ms, None))
                return output
            state_input = output
            name = cast(str, state.next)  # compile_definition: Next is set unless End

    def _settle(self, assign: Any, output: Any, frame: Frame, default: Any) -> Any:
        """Assign then Output, both reading the variables from before."""
        if assign is not None:
            assigned = {key: evaluate(frame) for key, evaluate in assign}
            result = output(frame) if output is not None else default
            frame.variables.vars.update(assigned)
            return result
        return output(frame) if output is not None else default

    def _wait(self, state: State, frame: Frame) -> None:
        if state.seconds is not None:
            seconds = _whole_seconds(state.seconds(frame), f"{state.path}: Seconds")
            self.trace.append(("wait", state.path, self.runtime.now_ms, (float(seconds), "Seconds")))
            self.advance(seconds)
            return
        stamp = cast(Evaluator, state.timestamp)(frame)
        target = parse_iso_ms(stamp)
        if target is None:
            raise Failure(QUERY_EVALUATION_ERROR, f"{state.path}: Timestamp {stamp!r} is not an ISO-8601 date-time with an offset")
        until = max(0.0, (target - self.runtime.now_ms) / 1000)
        self.trace.append(("wait", state.path, self.runtime.now_ms, (until, f"until {stamp}")))
        if until:
            self.advance(until)

    # ---- Task, Map, Parallel: retry and catch ---------------------------------

    def _with_retry(self, state: State, frame: Frame, about: dict[str, Any]) -> Any:
        retriers = state.retry
        used = [0] * len(retriers)
        total = 0
        while True:
            try:
                return self._attempt(state, frame)
            except Failure as failure:
                index = next((i for i, r in enumerate(retriers) if matches(r.error_equals, failure.error)), None)
                if index is None or used[index] >= retriers[index].max_attempts:
                    return self._catch(state, frame, failure, total)
                retrier = retriers[index]
                delay = retrier.interval * retrier.backoff ** used[index]
                if retrier.max_delay is not None:
                    delay = min(delay, retrier.max_delay)
                if retrier.full_jitter:
                    delay = self.runtime.rng.uniform(0, delay)
                used[index] += 1
                total += 1
                self.trace.append(("retry", state.path, self.runtime.now_ms, (failure.error, failure.cause, delay)))
                self.advance(delay)
                about = dict(about, RetryCount=total, EnteredTime=about["EnteredTime"])
                frame.context = dict(frame.context, State=about)

    def _catch(self, state: State, frame: Frame, failure: Failure, retries: int) -> _Caught:
        catcher = next((c for c in state.catch if matches(c.error_equals, failure.error)), None)
        if catcher is None:
            self.trace.append(("error", state.path, self.runtime.now_ms, (failure.error, failure.cause)))
            raise failure
        self.trace.append(("catch", state.path, self.runtime.now_ms, (failure.error, failure.cause, catcher.next)))
        error_output = {"Error": failure.error, "Cause": failure.cause}
        context = dict(frame.context)
        context["State"] = dict(context["State"], RetryCount=retries)
        caught = frame.with_error(error_output, context)
        return _Caught(catcher.next, self._settle(catcher.assign, catcher.output, caught, error_output))

    def _attempt(self, state: State, frame: Frame) -> Any:
        kind = state.type
        if kind == "Task":
            result = self._task(state, frame)
        elif kind == "Map":
            result = self._map(state, frame)
        else:
            branch_input = state.arguments(frame) if state.arguments is not None else frame.input
            result = [self.run_graph(branch, branch_input, branch.variables(frame.variables)) for branch in state.branches]
        if state.assign is None and state.output is None:
            return result
        return self._settle(state.assign, state.output, frame.with_result(result), result)

    def _task(self, state: State, frame: Frame) -> Any:
        arguments = state.arguments(frame) if state.arguments is not None else frame.input
        timeout = heartbeat = None
        if state.timeout is not None:
            timeout = _whole_seconds(state.timeout(frame), f"{state.path}: TimeoutSeconds")
        if state.heartbeat is not None:
            heartbeat = _whole_seconds(state.heartbeat(frame), f"{state.path}: HeartbeatSeconds")
        call = Call(state.name, state.resource, arguments)
        self.calls.append(call)
        invocation = self.invocations[state.name]
        self.invocations[state.name] = invocation + 1
        self.trace.append(("call", state.path, self.runtime.now_ms, call))
        answer = self.answerer.answer(call, invocation, self)
        if answer.__class__ is Delayed or answer is NEVER:
            answer = self._elapse(state, answer, timeout, heartbeat)
        elif isinstance(answer, Failure):
            raise answer
        return answer

    def _elapse(self, state: State, answer: Any, timeout: int | None, heartbeat: int | None) -> Any:
        if answer is NEVER:
            seconds, beats, result = math.inf, None, None
        else:
            seconds, beats, result = float(answer.seconds), answer.heartbeat_interval, answer.result
        self.trace.append(("wait", state.path, self.runtime.now_ms, (seconds, "for the task's answer")))
        silent = seconds if beats is None else float(beats)
        if heartbeat is not None and silent > heartbeat and (timeout is None or heartbeat < timeout):
            self.advance(heartbeat)
            raise Failure(HEARTBEAT_TIMEOUT, f"{state.path}: no heartbeat within HeartbeatSeconds ({heartbeat})")
        if timeout is not None and seconds > timeout:
            self.advance(timeout)
            raise Failure(TIMEOUT, f"{state.path}: the task did not finish within TimeoutSeconds ({timeout})")
        self.advance(seconds)
        if isinstance(result, Failure):
            raise result
        return result

    def _map(self, state: State, frame: Frame) -> list[Any]:
        items = state.items(frame) if state.items is not None else frame.input
        if not isinstance(items, list):
            raise Failure(QUERY_EVALUATION_ERROR, f"{state.path}: the items to iterate over are {type(items).__name__}, not an array")
        if state.max_concurrency is not None:
            _whole_seconds(state.max_concurrency(frame), f"{state.path}: MaxConcurrency")
        # The thresholds are read when the Map starts, failures or not.
        count = percentage = 0.0
        if state.tolerated_count is not None:
            count = _whole_seconds(state.tolerated_count(frame), f"{state.path}: ToleratedFailureCount")
        if state.tolerated_percentage is not None:
            percentage = _percentage(state.tolerated_percentage(frame), f"{state.path}: ToleratedFailurePercentage")
        results: list[Any] = []
        failed = 0
        processor = cast(Graph, state.processor)
        for index, item in enumerate(items):
            self.trace.append(("iteration", state.path, self.runtime.now_ms, (index, len(items))))
            child_input = item
            if state.item_selector is not None:
                context = dict(frame.context)
                context["Map"] = {"Item": {"Index": index, "Value": item}}
                child_input = state.item_selector(Frame(frame.input, context, frame.variables))
            if not state.distributed:
                results.append(self.run_graph(processor, child_input, processor.variables(frame.variables)))
                continue
            try:
                results.append(self.run_graph(processor, child_input, processor.variables(frame.variables)))
            except Failure as failure:
                failed += 1
                results.append({"Error": failure.error, "Cause": failure.cause})
        if failed:
            over_count = bool(count) and failed > count
            over_percentage = bool(percentage) and failed * 100 > percentage * len(items)
            # No threshold set: any failure fails the Map; else exceeding either does.
            if over_count or over_percentage or (not count and not percentage):
                raise Failure(
                    EXCEED_TOLERATED_FAILURE_THRESHOLD,
                    f"{state.path}: {failed} of {len(items)} iterations failed, more than tolerated",
                )
        return results
