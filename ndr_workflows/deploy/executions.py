"""Executions of a deployed flow: start, follow, stop, list, history.

Against AWS the real execution is followed: ``DescribeExecution`` until it
stops, ``GetExecutionHistory`` for the steps. A local fake (moto on
localhost) accepts executions but cannot evaluate JSONata (it leaves them
RUNNING), so there an execution is *followed by the local simulator*
(:mod:`ndr_workflows.simulate`): the deployed (substituted) definition
run with the recorded input, name and start time, which gives the same
result whenever it is followed again. The object says which of the two it
is (``simulated``). An execution stopped on the fake is ABORTED, as the
fake records it.

``python -m ndr_workflows.execution`` (:mod:`ndr_workflows.cli.execution`)
is the command line; a notebook uses :func:`start_execution` (or
``flow.start_execution``), :func:`attach` and :func:`list_executions`.
"""

from __future__ import annotations

import time
from datetime import timezone

from .aws import AwsError, describe_error, is_local_endpoint, machine_arns, make_client
from .history import entered_states, event_line, new_events, simulated_events

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable
    from typing import Any

    from .environment import Environment

__all__ = ["StartedExecution", "start_execution", "attach", "list_executions", "execution_arn", "DONE"]

DONE = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


class StartedExecution:
    """An execution to follow. ``simulated`` is True when its outcome comes
    from the local simulator (``simulation`` holds the simulator's
    Execution); otherwise ``refresh()`` / ``wait()`` ask AWS.

    Named like the Step Functions Data Science SDK's ``Execution``:
    :meth:`stop`, :meth:`list_events`, :meth:`get_output`,
    :meth:`render_progress` (the flow drawn with the path taken, offline)."""

    def __init__(
        self,
        client: Any,
        arn: str,
        *,
        simulation: Any = None,
        definition: Any = None,
        input: Any = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.arn = arn
        self.simulation = simulation
        self.simulated = simulation is not None
        self.definition = definition
        self.input = input
        self._sleep = sleep
        self._description: dict[str, Any] = {}
        self._stopped: dict[str, Any] | None = None
        # a localhost fake's record that the simulator does not follow (a stopped
        # execution): its history is what the record says, not the fake's canned events
        self.recorded_only = False

    @property
    def name(self) -> str:
        return self.arn.rsplit(":", 1)[-1]

    @property
    def status(self) -> str:
        """The current status (asks AWS again while it is running)."""
        if self._stopped is not None:
            return "ABORTED"
        if self.simulation is not None:
            return str(self.simulation.status)
        if self._description.get("status") not in DONE:
            self.refresh()
        return str(self._description.get("status", "RUNNING"))

    def _known_status(self) -> str:
        """The status as last described (no new call)."""
        if self._stopped is not None:
            return "ABORTED"
        if self.simulation is not None:
            return str(self.simulation.status)
        return str(self._description.get("status", "RUNNING"))

    @property
    def output(self) -> Any:
        if self._stopped is not None:
            return None
        if self.simulation is not None:
            return self.simulation.output
        import json

        text = self._description.get("output")
        return json.loads(text) if text else None

    @property
    def error(self) -> str | None:
        if self._stopped is not None:
            return self._stopped.get("error")
        return self.simulation.error if self.simulation is not None else self._description.get("error")

    @property
    def cause(self) -> str | None:
        if self._stopped is not None:
            return self._stopped.get("cause")
        return self.simulation.cause if self.simulation is not None else self._description.get("cause")

    def _call(self, operation: str, **params: Any) -> Any:
        """One Step Functions call; a failure is one line (AwsError), not a traceback."""
        from botocore import exceptions as bce

        try:
            return getattr(self.client, operation)(**params)
        except (bce.ClientError, bce.BotoCoreError) as exc:
            raise describe_error(exc, "".join(part.title() for part in operation.split("_"))) from None

    def refresh(self) -> StartedExecution:
        if self.simulation is None and self._stopped is None:
            self._description = self._call("describe_execution", executionArn=self.arn)
        return self

    def wait(self, timeout: float = 3600.0, interval: float = 5.0) -> StartedExecution:
        """Poll until the execution stops (or ``timeout`` seconds pass)."""
        if self.simulation is not None or self._stopped is not None:
            return self
        waited = 0.0
        if not self._description:
            self.refresh()
        while self._description.get("status") not in DONE and waited < timeout:
            self._sleep(interval)
            waited += interval
            self.refresh()
        return self

    def follow(self, echo: Callable[[str], None] = print, *, interval: float = 5.0, timeout: float = 3600.0) -> StartedExecution:
        """Print each event as it happens (states entered, calls, failures)
        until the execution stops or ``timeout`` seconds pass; a simulated
        execution has happened already, so all its events come at once."""
        seen = 0
        waited = 0.0
        start = None
        while True:
            events = self.history()
            if start is None and events:
                start = events[0].get("timestamp")
            for event in new_events(events, seen):
                echo(event_line(event, start))
                seen = max(seen, int(event.get("id", 0)))
            if self._known_status() in DONE or waited >= timeout:
                return self
            self._sleep(interval)
            waited += interval
            self.refresh()

    def get_output(self, wait: bool = False) -> Any:
        """The output (None unless it SUCCEEDED); ``wait=True`` waits for the end first."""
        if wait:
            self.wait()
        return self.output

    def stop(self, error: str | None = None, cause: str | None = None) -> StartedExecution:
        """StopExecution with an optional error and cause: the execution ends
        ABORTED (no Catch runs: a flow's lock is then freed by its TTL)."""
        params: dict[str, Any] = {"executionArn": self.arn}
        if error is not None:
            params["error"] = error
        if cause is not None:
            params["cause"] = cause
        answer = self._call("stop_execution", **params)
        self._stopped = {"error": error, "cause": cause, "stopDate": answer.get("stopDate") if isinstance(answer, dict) else None}
        return self

    def states(self) -> list[str]:
        """Names of the states entered, in order."""
        if self.simulation is not None and self._stopped is None:
            return list(self.simulation.states)
        return entered_states(self.history())

    def history(self) -> list[dict[str, Any]]:
        """The execution's events, GetExecutionHistory's shape (for a
        simulated execution, its trace written as such events)."""
        if self.simulation is not None and self._stopped is None:
            return simulated_events(self.simulation, self.definition, self.input)
        if self.recorded_only or (self.simulated and self._stopped is not None):
            return self._recorded()
        from botocore import exceptions as bce

        events: list[dict[str, Any]] = []
        try:
            for page in self.client.get_paginator("get_execution_history").paginate(executionArn=self.arn):
                events.extend(page.get("events", []))
        except (bce.ClientError, bce.BotoCoreError) as exc:
            raise describe_error(exc, "GetExecutionHistory") from None
        return events

    list_events = history  # the Data Science SDK's name

    def _recorded(self) -> list[dict[str, Any]]:
        """A localhost fake's record as events: the start, and the stop."""
        described = self._call("describe_execution", executionArn=self.arn)
        events: list[dict[str, Any]] = [
            {"timestamp": described.get("startDate"), "type": "ExecutionStarted", "id": 1, "previousEventId": 0, "executionStartedEventDetails": {"input": described.get("input", "{}")}}
        ]
        if described.get("status") == "ABORTED":
            details = {key: described[key] for key in ("error", "cause") if described.get(key)}
            events.append({"timestamp": described.get("stopDate"), "type": "ExecutionAborted", "id": 2, "previousEventId": 1, "executionAbortedEventDetails": details})
        return events

    def _definition(self) -> Any:
        if self.definition is None:
            import json

            described = self._call("describe_state_machine_for_execution", executionArn=self.arn)
            self.definition = json.loads(described["definition"])
        return self.definition

    def render_progress(self, title: str | None = None) -> Progress:
        """The flow drawn with the path taken so far: the states entered and
        the transitions followed in green, where it stopped in red (an SVG
        laid out locally; a notebook shows it inline)."""
        from ..diagram import svg

        text = svg(self._definition(), title=self.name if title is None else title, visited=self.states(), status=self.status)
        return Progress(text)

    def text(self) -> str:
        head = f"{self.arn}: {self.status}" + (" (followed by the local simulator)" if self.simulated else "")
        if self.simulation is not None and self._stopped is None:
            return head + "\n" + str(self.simulation.text())
        return head + "".join(f"\n  {name}" for name in self.states())

    def to_dict(self) -> dict[str, Any]:
        """What the execution command prints as JSON: ARN, status, output or error / cause, states entered."""
        out: dict[str, Any] = {"executionArn": self.arn, "status": self.status, "simulated": self.simulated}
        if self.status == "SUCCEEDED":
            out["output"] = self.output
        elif self.status in DONE:
            out["error"], out["cause"] = self.error, self.cause
        out["states"] = self.states()
        return out

    def __repr__(self) -> str:
        return f"<StartedExecution {self.arn} {self.status}{' simulated' if self.simulated else ''}>"

    def _repr_html_(self) -> str:
        from html import escape

        if self.simulation is not None and self._stopped is None and hasattr(self.simulation, "_repr_html_"):
            return f"<p>{escape(self.arn)} — followed by the local simulator</p>" + str(self.simulation._repr_html_())
        return f"<pre>{escape(self.text())}</pre>"


class Progress:
    """An SVG picture that a notebook shows inline (``svg`` is its text)."""

    def __init__(self, svg: str) -> None:
        self.svg = svg

    def _repr_svg_(self) -> str:
        return self.svg

    def __str__(self) -> str:
        return self.svg


def _environment(env: Any) -> Environment:
    from .environment import Environment, load_environment

    return env if isinstance(env, Environment) else load_environment(env)


def _machine_arn(client: Any, env: Environment, flow_name: str, endpoint_url: str | None = None) -> str:
    from botocore import exceptions as bce

    machine = env.machine_name(flow_name)
    try:
        arn = machine_arns(client).get(machine)
    except (bce.ClientError, bce.BotoCoreError) as exc:
        raise describe_error(exc, "ListStateMachines", endpoint_url) from None
    if arn is None:
        raise LookupError(f"{machine} is not deployed in {env.source}; deploy it first")
    return arn


def execution_arn(machine_arn: str, execution: str) -> str:
    """The ARN of execution ``execution`` (a name, or already an ARN) of the machine ``machine_arn``."""
    if execution.startswith("arn:"):
        return execution
    return machine_arn.replace(":stateMachine:", ":execution:", 1) + ":" + execution


def _start_time(moment: Any) -> str:
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _simulate(client: Any, arn: str, definition: Any, execution_input: Any, env: Environment, started: Any, **options: Any) -> StartedExecution:
    """The execution followed by the local simulator (same name and start
    time as recorded, so TTLs and defaults match it)."""
    from ..simulate import run

    machine = arn.split(":execution:", 1)[-1].rsplit(":", 1)[0]
    options.setdefault("execution_name", arn.rsplit(":", 1)[-1])
    options.setdefault("state_machine", machine)
    if started is not None:
        options.setdefault("start_time", _start_time(started))
    from ..asl.reader import read_definition

    simulation = run(definition, execution_input, substitutions=env.substitutions, **options)
    rendered = definition if isinstance(definition, dict) else read_definition(definition).data
    return StartedExecution(client, arn, simulation=simulation, definition=rendered, input=execution_input)


def start_execution(
    flow: Any,
    env: Environment | str,
    input: Any = None,
    *,
    endpoint_url: str | None = None,
    name: str | None = None,
    client: Any = None,
    simulate: bool | None = None,
    flow_name: str | None = None,
    **simulate_options: Any,
) -> StartedExecution:
    """Start ``flow`` (a StateMachine with a name, or a definition with
    ``flow_name``) as deployed in ``env`` with ``input``.

    ``simulate`` defaults to True for a localhost endpoint (moto); then the
    simulator runs the flow with the environment's substitutions and
    ``simulate_options`` (mocks, test_case, services, start_time) go to
    :func:`ndr_workflows.simulate.run`.
    """
    import json

    from ..asl.reader import read_definition

    env = _environment(env)
    flow_name = flow_name or getattr(flow, "name", None) or read_definition(flow).name
    if not flow_name:
        raise ValueError("the flow needs a name (StateMachine(..., name='sfn_...'), or flow_name=) to find its deployed machine")
    client = client or make_client(env, endpoint_url)
    machine_arn = _machine_arn(client, env, flow_name, endpoint_url)
    kwargs: dict[str, Any] = {"stateMachineArn": machine_arn, "input": json.dumps(input if input is not None else {})}
    if name:
        kwargs["name"] = name
    from botocore import exceptions as bce

    try:
        started = client.start_execution(**kwargs)
    except (bce.ClientError, bce.BotoCoreError) as exc:
        raise describe_error(exc, "StartExecution", endpoint_url) from None
    arn = started["executionArn"]
    if simulate is None:
        simulate = is_local_endpoint(endpoint_url)
    if not simulate:
        return StartedExecution(client, arn, input=input).refresh()
    return _simulate(client, arn, flow, input, env, started.get("startDate"), **simulate_options)


def attach(
    env: Environment | str,
    flow_name: str,
    execution: str | None = None,
    *,
    endpoint_url: str | None = None,
    client: Any = None,
    simulate: bool | None = None,
    **simulate_options: Any,
) -> StartedExecution:
    """An execution of the deployed flow ``flow_name``: ``execution`` is its
    name or ARN, None the most recent one. On a localhost fake a RUNNING
    execution is followed by the local simulator (the deployed definition,
    the recorded input and start); LookupError when there is none."""
    import json

    env = _environment(env)
    client = client or make_client(env, endpoint_url)
    machine_arn = _machine_arn(client, env, flow_name, endpoint_url)
    if execution is None:
        recent = _list(client, machine_arn, None, 1, endpoint_url)
        if not recent:
            raise LookupError(f"{env.machine_name(flow_name)} has no execution yet")
        arn = recent[0]["executionArn"]
    else:
        arn = execution_arn(machine_arn, execution)
    found = StartedExecution(client, arn)
    try:
        found.refresh()
    except AwsError as exc:
        if "ExecutionDoesNotExist" in str(exc):
            raise LookupError(f"{env.machine_name(flow_name)} has no execution {execution!r}") from None
        raise
    if simulate is None:
        simulate = is_local_endpoint(endpoint_url)
    description = found._description
    if not simulate or description.get("status") != "RUNNING":
        found.recorded_only = simulate
        return found
    definition = json.loads(found._call("describe_state_machine_for_execution", executionArn=arn)["definition"])
    text = description.get("input")
    recorded_input = json.loads(text) if text else None
    return _simulate(client, arn, definition, recorded_input, env, description.get("startDate"), **simulate_options)


def _list(client: Any, machine_arn: str, status: str | None, max_results: int | None, endpoint_url: str | None) -> list[dict[str, Any]]:
    from botocore import exceptions as bce

    params: dict[str, Any] = {"stateMachineArn": machine_arn}
    if status:
        params["statusFilter"] = status
    rows: list[dict[str, Any]] = []
    try:
        for page in client.get_paginator("list_executions").paginate(**params):
            rows.extend(page.get("executions", []))
            if max_results is not None and len(rows) >= max_results:
                break
    except (bce.ClientError, bce.BotoCoreError) as exc:
        raise describe_error(exc, "ListExecutions", endpoint_url) from None
    return rows[:max_results] if max_results is not None else rows


def list_executions(
    env: Environment | str,
    flow_name: str,
    *,
    status: str | None = None,
    max_results: int | None = None,
    endpoint_url: str | None = None,
    client: Any = None,
    simulate: bool | None = None,
    **simulate_options: Any,
) -> list[dict[str, Any]]:
    """The flow's executions, most recent first (ListExecutions' rows:
    name, executionArn, status, startDate, stopDate), at most
    ``max_results``, only ``status`` ones if given. On a localhost fake a
    RUNNING one is followed by the local simulator and its row says how it
    ended (``"simulated": true``), or why the simulator could not run it
    (``"note"``); the status filter then applies to that outcome."""
    from ..simulate import SimulationError

    env = _environment(env)
    client = client or make_client(env, endpoint_url)
    machine_arn = _machine_arn(client, env, flow_name, endpoint_url)
    if simulate is None:
        simulate = is_local_endpoint(endpoint_url)
    if not simulate:
        return _list(client, machine_arn, status, max_results, endpoint_url)
    rows = []
    for row in _list(client, machine_arn, None, None, endpoint_url):
        row = dict(row)
        if row.get("status") == "RUNNING":
            try:
                followed = attach(env, flow_name, row["executionArn"], endpoint_url=endpoint_url, client=client, simulate=True, **simulate_options)
                row["status"], row["simulated"] = followed.status, True
            except SimulationError as exc:
                row["note"] = f"the local simulator cannot run it: {str(exc).splitlines()[0]}"
        if status is None or row.get("status") == status:
            rows.append(row)
        if max_results is not None and len(rows) >= max_results:
            break
    return rows
