"""Start an execution of a deployed flow and follow it (for notebooks).

Against AWS the real execution is followed: ``describe_execution`` until it
stops, ``get_execution_history`` for the steps. A local fake (moto on
localhost) accepts the execution but cannot evaluate JSONata, so there the
execution is started for the record and *followed by the local simulator*
(:mod:`ndr_workflows.simulate`) with the environment's substitutions; the
object returned says which of the two it is.
"""

from __future__ import annotations

import time
from datetime import timezone

from .aws import describe_error, is_local_endpoint, machine_arns, make_client

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable
    from typing import Any

    from .environment import Environment

__all__ = ["StartedExecution", "start_execution"]

DONE = ("SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED")


class StartedExecution:
    """An execution to follow. ``simulated`` is True when its outcome comes
    from the local simulator (``simulation`` holds the simulator's
    Execution); otherwise ``refresh()`` / ``wait()`` ask AWS."""

    def __init__(self, client: Any, arn: str, *, simulation: Any = None, sleep: Callable[[float], None] = time.sleep) -> None:
        self.client = client
        self.arn = arn
        self.simulation = simulation
        self.simulated = simulation is not None
        self._sleep = sleep
        self._description: dict[str, Any] = {}

    @property
    def status(self) -> str:
        """The current status (asks AWS again while it is running)."""
        if self.simulation is not None:
            return str(self.simulation.status)
        if self._description.get("status") not in DONE:
            self.refresh()
        return str(self._description.get("status", "RUNNING"))

    @property
    def output(self) -> Any:
        if self.simulation is not None:
            return self.simulation.output
        import json

        text = self._description.get("output")
        return json.loads(text) if text else None

    @property
    def error(self) -> str | None:
        return self.simulation.error if self.simulation is not None else self._description.get("error")

    @property
    def cause(self) -> str | None:
        return self.simulation.cause if self.simulation is not None else self._description.get("cause")

    def refresh(self) -> StartedExecution:
        if self.simulation is None:
            from botocore import exceptions as bce

            try:
                self._description = self.client.describe_execution(executionArn=self.arn)
            except (bce.ClientError, bce.BotoCoreError) as exc:  # one line, not a traceback
                raise describe_error(exc, "DescribeExecution") from None
        return self

    def wait(self, timeout: float = 3600.0, interval: float = 5.0) -> StartedExecution:
        """Poll until the execution stops (or ``timeout`` seconds pass)."""
        if self.simulation is not None:
            return self
        waited = 0.0
        if not self._description:
            self.refresh()
        while self._description.get("status") not in DONE and waited < timeout:
            self._sleep(interval)
            waited += interval
            self.refresh()
        return self

    def states(self) -> list[str]:
        """Names of the states entered, in order."""
        if self.simulation is not None:
            return list(self.simulation.states)
        return [e["stateEnteredEventDetails"]["name"] for e in self.history() if "stateEnteredEventDetails" in e]

    def history(self) -> list[dict[str, Any]]:
        """The execution's events (AWS), or the simulator's calls as events."""
        if self.simulation is not None:
            return [{"type": "TaskCall", "state": c.state, "resource": c.resource, "arguments": c.arguments} for c in self.simulation.calls]
        from botocore import exceptions as bce

        events: list[dict[str, Any]] = []
        try:
            for page in self.client.get_paginator("get_execution_history").paginate(executionArn=self.arn):
                events.extend(page.get("events", []))
        except (bce.ClientError, bce.BotoCoreError) as exc:
            raise describe_error(exc, "GetExecutionHistory") from None
        return events

    def text(self) -> str:
        head = f"{self.arn}: {self.status}" + (" (followed by the local simulator)" if self.simulated else "")
        if self.simulation is not None and hasattr(self.simulation, "text"):
            return head + "\n" + str(self.simulation.text())
        return head + "".join(f"\n  {name}" for name in self.states())

    def __repr__(self) -> str:
        return f"<StartedExecution {self.arn} {self.status}{' simulated' if self.simulated else ''}>"

    def _repr_html_(self) -> str:
        if self.simulation is not None and hasattr(self.simulation, "_repr_html_"):
            from html import escape

            return f"<p>{escape(self.arn)} — followed by the local simulator</p>" + str(self.simulation._repr_html_())
        from html import escape

        return f"<pre>{escape(self.text())}</pre>"


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
    from .environment import Environment, load_environment

    if not isinstance(env, Environment):
        env = load_environment(env)
    flow_name = flow_name or getattr(flow, "name", None) or read_definition(flow).name
    if not flow_name:
        raise ValueError("the flow needs a name (StateMachine(..., name='sfn_...'), or flow_name=) to find its deployed machine")
    from botocore import exceptions as bce

    client = client or make_client(env, endpoint_url)
    machine = env.machine_name(flow_name)
    try:
        machine_arn = machine_arns(client).get(machine)
        if machine_arn is None:
            raise LookupError(f"{machine} is not deployed in {env.source}; deploy it first")
        kwargs: dict[str, Any] = {"stateMachineArn": machine_arn, "input": json.dumps(input if input is not None else {})}
        if name:
            kwargs["name"] = name
        started = client.start_execution(**kwargs)
        arn = started["executionArn"]
    except (bce.ClientError, bce.BotoCoreError) as exc:
        raise describe_error(exc, "StartExecution", endpoint_url) from None
    if simulate is None:
        simulate = is_local_endpoint(endpoint_url)
    if not simulate:
        return StartedExecution(client, arn).refresh()
    from ..simulate import run

    simulate_options.setdefault("execution_name", arn.rsplit(":", 1)[-1])
    simulate_options.setdefault("state_machine", machine)
    start_date = started.get("startDate")
    if start_date is not None and "start_time" not in simulate_options:
        # the followed run is the recorded execution: same name, same start (so TTLs and defaults match it)
        utc = start_date.astimezone(timezone.utc)
        simulate_options["start_time"] = utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    simulation = run(flow, input, substitutions=env.substitutions, **simulate_options)
    return StartedExecution(client, arn, simulation=simulation)
