"""The interpreter: walks a compiled definition on a simulated clock.

Semantics follow Step Functions, per state in its query language:

* JSONata: a state's ``Assign`` and ``Output`` both see the variables from
  before the state; ``Assign`` is evaluated first, then ``Output``, then the
  variables are updated. ``Output`` defaults to the result for Task / Map /
  Parallel, to the input otherwise, to ``$states.errorOutput`` in a Catch;
* JSONPath: ``InputPath`` narrows the input, ``Parameters`` builds the
  request (or a Pass's result, unless ``Result`` gives it), the work gives a
  result, ``ResultSelector`` reshapes it, ``Assign`` reads it as ``$``,
  ``ResultPath`` places it in the state's original input (``null``: the
  input unchanged), ``OutputPath`` selects the output; a Catch's
  ``ResultPath`` places ``{Error, Cause}`` the same way. Variables change
  after the output is computed, as in JSONata;
* a failure in the request, the call, or the result's processing is retried
  by the first retrier that matches it (only that one; once it is used up
  the state fails even if a later one would match), then caught by the
  first catcher;
* time never passes for real: Retry intervals, Wait states and declared task
  durations move the simulated clock, which feeds ``EnteredTime``, ``$now``
  and the timeouts (the execution's ``TimeoutSeconds``, else one year);
* every state entered and every retry counts against ``max_steps``: past it
  the execution stops, FAILED with ``States.Runtime`` (:class:`StepLimit`),
  so any loop ends with bounded time and memory.
* Map iterations run in index order, each to completion; Parallel branches
  in order. Their variables live in a scope of their own.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter
from typing import Any, Protocol, cast

from .calls import NEVER, Call, Delayed
from .definition import Graph, State
from .errors import HEARTBEAT_TIMEOUT, NO_CHOICE_MATCHED, QUERY_EVALUATION_ERROR, TIMEOUT, ExecutionTimedOut, Failure, SimulationError, StepLimit, matches
from .expressions import MISSING, Evaluator, Frame, Variables
from .fields import whole
from .functions import Runtime, iso_millis, parse_iso_ms
from .maps import run_map

__all__ = ["Interpreter", "Answerer", "MAX_STEPS", "LIFETIME_SECONDS"]

MAX_STEPS = 25_000  # states entered + retries; a STANDARD execution's history holds 25,000 events
LIFETIME_SECONDS = 365 * 24 * 3600  # a STANDARD execution without TimeoutSeconds: one year


class Answerer(Protocol):
    def answer(self, call: Call, invocation: int, interpreter: Interpreter) -> Any: ...

    def store(self, bucket: str, key: str, body: str) -> None: ...


class _Caught:
    """A failure a Catch handled: where to go, with what input."""

    __slots__ = ("next", "output")

    def __init__(self, next_state: str, output: Any) -> None:
        self.next = next_state
        self.output = output


def _retry_delay(interval: float, backoff: float, used: int, max_delay: float | None) -> float:
    """IntervalSeconds * BackoffRate ** used, capped by MaxDelaySeconds; a
    delay too large for a float is forever (the execution times out)."""
    try:
        delay = interval * backoff**used
    except OverflowError:
        delay = math.inf
    return min(delay, max_delay) if max_delay is not None else delay


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
        max_steps: int = MAX_STEPS,
    ) -> None:
        self.answerer = answerer
        self.execution_context = execution
        self.state_machine_context = state_machine
        self.runtime = runtime
        runtime.now_ms = start_ms
        self.deadline_ms = start_ms + (timeout_seconds or LIFETIME_SECONDS) * 1000
        self.max_steps = max_steps
        self.steps = 0
        self.states: list[str] = []
        self.calls: list[Call] = []
        # (kind, state, time_ms, detail) for the renderings; cheap tuples.
        self.trace: list[tuple[str, str, int, Any]] = []
        self.invocations: Counter[str] = Counter()
        self._iso_ms = -1
        self._iso = ""
        self._tokens = 0
        self._map_runs = 0

    # ---- the clock and the bound --------------------------------------------

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

    def _step(self, path: str) -> None:
        self.steps += 1
        if self.steps > self.max_steps:
            raise StepLimit(self.max_steps, path)

    # ---- graphs -------------------------------------------------------------

    def run_graph(self, graph: Graph, state_input: Any, variables: Variables) -> Any:
        name = graph.start
        states = graph.states
        while True:
            state = states[name]
            self._step(state.path)
            self.states.append(name)
            self.trace.append(("enter", state.path, self.runtime.now_ms, None))
            about: dict[str, Any] = {"Name": name, "EnteredTime": self.now_iso(), "RetryCount": 0}
            context: dict[str, Any] = {
                "Execution": self.execution_context,
                "StateMachine": self.state_machine_context,
                "State": about,
            }
            frame = Frame(state_input, context, variables)
            jsonpath = state.jsonpath
            if jsonpath and state.input_path is not None:
                frame.input = state.input_path(frame)
            kind = state.type
            if state.is_task_like:
                if state.token:
                    self._tokens += 1
                    context["Task"] = {"Token": f"token-{self._tokens:06d}"}
                found = self._with_retry(state, frame, about)
                if isinstance(found, _Caught):
                    name, state_input = found.next, found.output
                    continue
                output = found
            elif kind == "Pass":
                if jsonpath:
                    result = state.arguments(frame) if state.arguments is not None else frame.input
                    output = self._finish(state, frame, state.result if state.result is not MISSING else result, state.assign)
                else:
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
                    assign, out, name = state.assign, state.output, state.default
                else:
                    assign, out, name = rule.assign, rule.output, rule.next
                state_input = self._leave(state, frame, assign, out, state_input)
                continue
            elif kind == "Wait":
                self._wait(state, frame)
                output = self._leave(state, frame, state.assign, state.output, state_input)
            elif kind == "Succeed":
                if jsonpath:
                    output = state.output_path(frame) if state.output_path is not None else frame.input
                else:
                    output = state.output(frame) if state.output is not None else state_input
                self.trace.append(("succeed", state.path, self.runtime.now_ms, None))
                return output
            else:  # Fail
                error = state.error(frame) if state.error is not None else None
                cause = state.cause(frame) if state.cause is not None else None
                for what, value in (("Error", error), ("Cause", cause)):
                    if value is not None and not isinstance(value, str):
                        raise Failure(state.data_error, f"{state.path}: {what} gave {value!r}, not a string")
                self.trace.append(("fail", state.path, self.runtime.now_ms, (error, cause)))
                raise Failure(error, cause)
            if state.end:
                self.trace.append(("end", state.path, self.runtime.now_ms, None))
                return output
            state_input = output
            name = cast(str, state.next)  # compile_definition: Next is set unless End

    def _settle(self, assign: Any, output: Any, frame: Frame, default: Any) -> Any:
        """JSONata: Assign then Output, both reading the variables from before."""
        if assign is not None:
            assigned = {key: evaluate(frame) for key, evaluate in assign}
            result = output(frame) if output is not None else default
            frame.variables.vars.update(assigned)
            return result
        return output(frame) if output is not None else default

    def _leave(self, state: State, frame: Frame, assign: Any, output: Evaluator | None, state_input: Any) -> Any:
        """The output of a state that produces no result (Choice, Wait), in
        its query language; ``assign`` and ``output`` are the state's, or
        the matched Choice rule's."""
        if state.jsonpath:
            return self._finish(state, frame, frame.input, assign)
        return self._settle(assign, output, frame, state_input)

    def _finish(self, state: State, frame: Frame, result: Any, assign: Evaluator | None) -> Any:
        """JSONPath: Assign (reading the result as ``$``), ResultPath into
        the original input, OutputPath; the variables change last."""
        assigned = assign(frame.on(result)) if assign is not None else None
        output = state.result_path.apply(frame.raw, result) if state.result_path is not None else result
        if state.output_path is not None:
            output = state.output_path(frame.on(output))
        if assigned:
            frame.variables.vars.update(assigned)
        return output

    def _wait(self, state: State, frame: Frame) -> None:
        if state.seconds is not None:
            seconds = whole(state.seconds(frame), f"{state.path}: Seconds", state.data_error)
            self.trace.append(("wait", state.path, self.runtime.now_ms, (float(seconds), "Seconds")))
            self.advance(seconds)
            return
        stamp = cast(Evaluator, state.timestamp)(frame)
        target = parse_iso_ms(stamp)
        if target is None:
            raise Failure(state.data_error, f"{state.path}: Timestamp {stamp!r} is not an ISO-8601 date-time with an offset")
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
                delay = _retry_delay(retrier.interval, retrier.backoff, used[index], retrier.max_delay)
                if retrier.full_jitter and delay != math.inf:
                    delay = self.runtime.rng.uniform(0, delay)
                used[index] += 1
                total += 1
                self._step(state.path)
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
        if not state.jsonpath:
            return _Caught(catcher.next, self._settle(catcher.assign, catcher.output, caught, error_output))
        assigned = catcher.assign(caught.on(error_output)) if catcher.assign is not None else None
        output = catcher.result_path.apply(frame.raw, error_output) if catcher.result_path is not None else error_output
        if assigned:
            frame.variables.vars.update(assigned)
        return _Caught(catcher.next, output)

    def _attempt(self, state: State, frame: Frame) -> Any:
        kind = state.type
        if kind == "Task":
            result = self._task(state, frame)
        elif kind == "Map":
            result = run_map(self, state, frame)
        else:
            branch_input = state.arguments(frame) if state.arguments is not None else frame.input
            result = [self.run_graph(branch, branch_input, branch.variables(frame.variables)) for branch in state.branches]
        if state.jsonpath:
            if state.result_selector is not None:
                result = state.result_selector(frame.on(result))
            return self._finish(state, frame, result, state.assign)
        if state.assign is None and state.output is None:
            return result
        return self._settle(state.assign, state.output, frame.with_result(result), result)

    def _task(self, state: State, frame: Frame) -> Any:
        arguments = state.arguments(frame) if state.arguments is not None else frame.input
        timeout = heartbeat = None
        if state.timeout is not None:
            timeout = whole(state.timeout(frame), f"{state.path}: TimeoutSeconds", state.data_error)
        if state.heartbeat is not None:
            heartbeat = whole(state.heartbeat(frame), f"{state.path}: HeartbeatSeconds", state.data_error)
        if state.credentials is not None:
            state.credentials(frame)  # evaluated (it may fail), not used
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

    # ---- what a Map's ItemReader and ResultWriter ask for ---------------------

    def ask(self, call: Call, state: State) -> Any:
        """The answer to a call that is not a Task's (an ItemReader's),
        counted as an invocation of the state (mocks by its name answer it)."""
        invocation = self.invocations[state.name]
        self.invocations[state.name] = invocation + 1
        self.trace.append(("call", state.path, self.runtime.now_ms, call))
        answer = self.answerer.answer(call, invocation, self)
        if answer is NEVER:
            raise SimulationError(f"{state.path}: {call.resource} never answers (NEVER): the simulator cannot read items from it")
        if answer.__class__ is Delayed:
            self.advance(float(answer.seconds))
            answer = answer.result
        if isinstance(answer, Failure):
            raise answer
        return answer

    def store(self, bucket: str, key: str, body: str) -> None:
        self.answerer.store(bucket, key, body)

    def map_run(self, state: State) -> tuple[str, str]:
        """(id, ARN) of a Distributed Map's run, the same in every rerun."""
        self._map_runs += 1
        run_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{self.execution_context['Id']}/{state.path}/{self._map_runs}"))
        machine = self.state_machine_context["Name"]
        arn = str(self.execution_context["Id"]).split(":execution:")[0]
        return run_id, f"{arn}:mapRun:{machine}/{state.name}:{run_id}"
