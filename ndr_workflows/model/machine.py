"""The state machine: a body fragment, a failure handler, and top-level fields.

Building resolves what composition left symbolic (``ON_FAILURE`` goes to the
failure handler, open exits become ``End``), runs every build-time check and
either returns the rendered definition or raises one :class:`BuildError`
listing every problem.

The notebook conveniences (``validate``, ``simulate``, ``mermaid``,
``deploy``, ``start_execution``) hand the rendered definition to the parts
below the model, which take definitions and never import it: each is a
downward import, so there is no cycle. What needs the flow registry (the
flows' placeholder names, a flow NAME) is the command line's.
"""

from __future__ import annotations

from .errors import BuildError
from .base import Fragment
from .record import Record
from .render import dumps, render_graph

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from .base import State
    from .errors import Problem

__all__ = ["StateMachine", "finalize"]


def finalize(fragment: Fragment) -> Fragment:
    """Open exits become ``End``, recursively. A Choice cannot end a graph:
    its open exits stay open and the checks report them."""
    states: list[State] = []
    for s in fragment.states:
        if s.TYPE == "Map":
            s = s.replace(processor=finalize(s.processor))  # type: ignore[attr-defined]
        elif s.TYPE == "Parallel":
            s = s.replace(branches=tuple(finalize(b) for b in s.branches))  # type: ignore[attr-defined]
        if s.open_exit() and s.TYPE != "Choice":
            s = s.replace(end=True)
        states.append(s)
    return Fragment(tuple(states), fragment.start, fragment.problems)


class StateMachine(Record):
    """A whole flow.

    ``on_failure`` (usually a Fail state named ``WorkflowFailed``) receives
    every transition that builders sent to ``ON_FAILURE``; it is placed
    after the body's states, and left out when nothing routes to it. ``name`` is the flow's NAME (its file stem).
    """

    __slots__ = ("body", "comment", "timeout_seconds", "on_failure", "name")
    body: Fragment
    comment: str | None
    timeout_seconds: int | None
    on_failure: State | None
    name: str | None

    def __init__(
        self,
        body: Fragment | State | list[Any],
        *,
        comment: str | None = None,
        timeout_seconds: int | None = None,
        on_failure: State | None = None,
        name: str | None = None,
    ) -> None:
        self._set(body=Fragment.of(body), comment=comment, timeout_seconds=timeout_seconds, on_failure=on_failure, name=name)

    def graph(self) -> Fragment:
        """The resolved graph, before any check."""
        body = self.body
        # The failure handler is placed only when something routes to it.
        if self.on_failure is not None and body.failure_routes():
            body = body.on_failure(self.on_failure.name)
            body = Fragment(body.states + (self.on_failure,), body.start, body.problems)
        return finalize(body)

    def problems(self) -> list[Problem]:
        """Every build-time problem (structure, fields, JSONata, variables)."""
        return self.checked_dict()[1]

    def to_dict(self, *, check: bool = True) -> dict[str, Any]:
        """The ASL definition as plain data; raises :class:`BuildError` if wrong."""
        if not check:
            return self._render(self.graph())
        definition, problems = self.checked_dict()
        if any(p.is_error for p in problems):
            raise BuildError(problems, self.name or "flow")
        return definition

    def checked_dict(self) -> tuple[dict[str, Any], list[Problem]]:
        """The rendered definition (even when wrong) and every build problem:
        the validator's checks that need no service model, run on that
        definition, plus the model-only ones (:mod:`.checks`)."""
        from .checks import check_graph

        graph = self.graph()
        definition = self._render(graph)
        return definition, check_graph(graph, definition)

    def validate(self, *, for_deploy: bool = False, machine_type: str = "STANDARD", integrations: bool = True) -> list[Problem]:
        """Every finding of :func:`ndr_workflows.validate.validate` (build
        problems included), all at once; nothing is raised for a wrong flow."""
        from ..validate import validate

        return validate(self, for_deploy=for_deploy, machine_type=machine_type, integrations=integrations)

    def simulate(self, input: Any = None, **options: Any) -> Any:
        """Run this flow locally (offline, simulated clock); options and the
        returned Execution are those of :func:`ndr_workflows.simulate.run`."""
        from ..simulate import run

        return run(self, input, **options)

    def _render(self, graph: Fragment) -> dict[str, Any]:
        out: dict[str, Any] = {"QueryLanguage": "JSONata"}
        if self.comment:
            out["Comment"] = self.comment
        if self.timeout_seconds is not None:
            out["TimeoutSeconds"] = self.timeout_seconds
        out.update(render_graph(graph.states, graph.start))
        return out

    def mermaid(self) -> str:
        """The flow as Mermaid ``flowchart`` text (drawn even when checks fail)."""
        from ..diagram import mermaid

        return mermaid(self.to_dict(check=False))

    def _repr_svg_(self) -> str:
        """Inline picture in Jupyter: an SVG laid out locally, no network."""
        from ..diagram import svg

        return svg(self.to_dict(check=False), title=self.name or "")

    def deploy(self, env: Any, **options: Any) -> Any:
        """Create or update this flow's state machine in ``env`` (an
        environment file or Environment); returns its DeployResult. Options
        as :func:`ndr_workflows.deploy.deploy` (dry_run, endpoint_url, ...).
        The environment's substitutions this flow does not use are not
        judged here (``python -m ndr_workflows.deploy`` checks them against
        every flow)."""
        from ..deploy import deploy

        if not self.name:
            raise ValueError("a StateMachine to deploy needs a name: StateMachine(..., name='sfn_...')")
        return deploy(env, {self.name: self}, **options)[0]

    def start_execution(self, env: Any, input: Any = None, **options: Any) -> Any:
        """Start the deployed machine and return a StartedExecution to follow
        (AWS: polled; a localhost fake: followed by the local simulator)."""
        from ..deploy.executions import start_execution

        return start_execution(self, env, input, **options)

    def to_json(self, *, check: bool = True) -> str:
        """The exported text: deterministic bytes (UTF-8) for the same code."""
        return dumps(self.to_dict(check=check))
