"""Our flows as Step Functions Data Science SDK workflows (the ``sdk`` extra).

Notebook users who know the SDK's ``Workflow`` (execute, list executions,
attach, CloudFormation) can keep it. The SDK builds JSONPath state machines
from its own step classes; it cannot express a JSONata flow, so
:func:`workflow` hands it OUR rendered definition, frozen, and the SDK only
ships it. Two SDK flaws are fixed here rather than inherited:

* ``Workflow.create()`` silently returns the existing machine's ARN when
  the name is taken, leaving the old definition live. :meth:`FlowWorkflow.create`
  refuses when the deployed definition or role differ, and
  :meth:`FlowWorkflow.deploy` creates, updates or reports "unchanged".
* ``render_graph()`` needs a CDN and the classic Notebook; here it shows
  our offline diagram.

This module imports ``stepfunctions`` (and through it ``sagemaker`` 2.x),
which is why nothing in the core imports it: ``pip install
'ndr-workflows[sdk]'`` installs the pinned set that works together.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Mapping

try:
    with warnings.catch_warnings():
        # sagemaker 2.x warns on import that v3 exists; the extra pins 2.x on purpose.
        warnings.simplefilter("ignore")
        from stepfunctions.steps import FrozenGraph
        from stepfunctions.workflow import Workflow
except ImportError as exc:  # tests/test_sdk_extra.py
    raise ImportError(
        "ndr_workflows.sdk needs the optional 'sdk' extra (stepfunctions 2.3.0 with sagemaker 2.x and "
        f"setuptools<82): pip install 'ndr-workflows[sdk]'  (import failed: {exc})"
    ) from exc

from .model.machine import StateMachine

__all__ = ["workflow", "FlowWorkflow", "FrozenDefinition", "StateMachineExists", "NotDeployable"]


class StateMachineExists(RuntimeError):
    """``create()`` found a state machine of this name with another definition or role."""


class NotDeployable(ValueError):
    """The definition would be wrong in AWS: placeholders left, or validation errors."""


class FrozenDefinition(FrozenGraph):
    """Our definition as the SDK's graph: sent byte for byte as exported.

    The SDK's ``FrozenGraph`` re-serialises with a 4-space indent and has no
    ``repr``; this keeps the export's canonical text (2-space, key order kept).
    """

    def __init__(self, definition: Mapping[str, Any]) -> None:
        super().__init__(dict(definition))

    def to_json(self, pretty: bool = False) -> str:
        from .jsontext import compact, pretty as pretty_text

        return pretty_text(self.definition) if pretty else compact(self.definition)

    def __repr__(self) -> str:
        states = self.definition.get("States") or {}
        return f"FrozenDefinition({len(states)} states, StartAt={self.definition.get('StartAt')!r})"


class Svg:
    """An SVG picture; Jupyter shows it inline."""

    def __init__(self, text: str) -> None:
        self.text = text

    def _repr_svg_(self) -> str:
        return self.text


class FlowWorkflow(Workflow):
    """The SDK's ``Workflow`` around a JSONata definition, with honest create/update.

    Everything else (``execute``, ``list_executions``, ``delete``,
    ``get_cloudformation_template``, ``Execution`` objects) is the SDK's own.
    """

    # Set by the SDK's __init__; declared for the type checker.
    name: str
    role: str
    definition: FrozenDefinition
    state_machine_arn: str | None
    client: Any
    format_json: bool

    def __init__(
        self,
        name: str,
        definition: Mapping[str, Any] | FrozenGraph,
        role: str,
        *,
        substitutions: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(definition, FrozenDefinition):
            definition = FrozenDefinition(definition.to_dict() if isinstance(definition, FrozenGraph) else definition)
        super().__init__(name, definition, role, **kwargs)
        #: The environment's placeholder values, applied to definitions given to :meth:`update`.
        self.substitutions = dict(substitutions or {})

    @classmethod
    def attach(cls, state_machine_arn: str, client: Any = None) -> FlowWorkflow:
        """A workflow for a deployed machine; its definition is kept as it is (JSONata or not)."""
        if client is None:
            import boto3

            client = boto3.client("stepfunctions")
        response = client.describe_state_machine(stateMachineArn=state_machine_arn)
        try:
            definition = json.loads(response["definition"])
        except ValueError as exc:
            raise ValueError(f"{state_machine_arn}: the deployed definition is not JSON: {exc}") from None
        return cls(
            response["name"], definition, response["roleArn"], state_machine_arn=response["stateMachineArn"], client=client
        )

    # --- create / update, honestly ------------------------------------------
    def create(self) -> str:
        """Create the state machine and return its ARN.

        If one of this name exists: with the same definition and role its ARN
        is returned (nothing to do); otherwise :class:`StateMachineExists` is
        raised — use :meth:`update` or :meth:`deploy`. (The SDK would return
        the old ARN and leave the old definition running.)
        """
        _check_deployable(self.name, self.definition.to_dict())
        arn = self.state_machine_arn or self._find_arn()
        if arn is None:
            self.state_machine_arn = self._create()
            return str(self.state_machine_arn)
        differences = self._differences(arn)
        if differences:
            raise StateMachineExists(
                f"state machine {self.name!r} already exists ({arn}) with a different {' and '.join(differences)}; "
                "call .update() to replace it, or .deploy() to create or update as needed"
            )
        self.state_machine_arn = arn
        return str(arn)

    def update(self, definition: Any = None, role: str | None = None) -> str:
        """Replace the deployed definition (default: this workflow's) and/or role; returns the ARN.

        ``definition`` may be a flow, a definition dict or a graph. The
        machine is read back afterwards: an update that did not take raises.
        """
        new = self.definition
        if definition is not None:
            given = _definition_of(definition)
            if self.substitutions:
                from .deploy import substitute

                given = substitute(given, self.substitutions)
            new = FrozenDefinition(given)
        _check_deployable(self.name, new.to_dict())  # before anything changes, here or in AWS
        arn = self.state_machine_arn or self._find_arn()
        if arn is None:
            raise LookupError(f"state machine {self.name!r} does not exist; call .create() or .deploy()")
        self.definition, self.role, self.state_machine_arn = new, role or self.role, arn
        self._update(arn)
        return str(arn)

    def deploy(self) -> str:
        """Create, update or leave alone; returns "created", "updated" or "unchanged"."""
        _check_deployable(self.name, self.definition.to_dict())
        arn = self.state_machine_arn or self._find_arn()
        if arn is None:
            self.state_machine_arn = self._create()
            return "created"
        self.state_machine_arn = arn
        if not self._differences(arn):
            return "unchanged"
        self._update(arn)
        return "updated"

    def render_graph(self, portrait: bool = False) -> Svg:
        """The flow's diagram, drawn offline (the SDK's widget loads scripts from a CDN)."""
        from . import diagram

        return Svg(diagram.svg(self.definition.to_dict()))

    def __repr__(self) -> str:
        return f"FlowWorkflow(name={self.name!r}, role={self.role!r}, state_machine_arn={self.state_machine_arn!r})"

    # --- helpers -------------------------------------------------------------
    def _update(self, arn: str) -> None:
        """Send this definition and role, then read them back: an update that did not take raises."""
        self.client.update_state_machine(
            stateMachineArn=arn, definition=self.definition.to_json(pretty=self.format_json), roleArn=self.role
        )
        left = self._differences(arn)
        if left:
            raise RuntimeError(f"state machine {self.name!r} ({arn}): update_state_machine did not change its {' and '.join(left)}")

    def _find_arn(self) -> str | None:
        for page in self.client.get_paginator("list_state_machines").paginate():
            for machine in page["stateMachines"]:
                if machine["name"] == self.name:
                    return str(machine["stateMachineArn"])
        return None

    def _differences(self, arn: str) -> list[str]:
        """Which of "definition", "role" the deployed machine has differently."""
        deployed = self.client.describe_state_machine(stateMachineArn=arn)
        out = []
        try:
            same = json.loads(deployed["definition"]) == self.definition.to_dict()
        except ValueError:
            same = False
        if not same:
            out.append("definition")
        if deployed.get("roleArn") != self.role:
            out.append("role")
        return out


def workflow(
    flow: StateMachine | Mapping[str, Any] | str | Path,
    env: Any = None,
    *,
    name: str | None = None,
    role: str | None = None,
    tags: Mapping[str, str] | None = None,
    client: Any = None,
    endpoint_url: str | None = None,
) -> FlowWorkflow:
    """``flow`` as a :class:`FlowWorkflow`, placeholders substituted from ``env``.

    ``flow``: a :class:`StateMachine`, a definition dict, a flow NAME, JSON
    text or a path to a definition file. ``env`` (an environment file path,
    mapping or ``ndr_workflows.deploy.Environment``) supplies the
    substitutions, the machine name (prefix + flow NAME), the role, the tags
    and the region. Without ``env``, pass ``name`` and ``role``; the
    definition must then hold no ``${...}`` placeholder by the time it is
    created. ``endpoint_url`` points the client at a local fake.
    """
    definition = _definition_of(flow)
    substitutions: dict[str, str] = {}
    if env is not None:
        from .deploy import Environment, load_environment, substitute
        from .validate import placeholders

        environment = env if isinstance(env, Environment) else load_environment(env)
        if name is None:
            flow_name = _flow_name(flow)
            if not flow_name:
                raise ValueError("name= is needed: a definition has no flow NAME to prefix")
            name = environment.machine_name(flow_name)
        missing = [n for n in placeholders(definition) if n not in environment.substitutions]
        if missing:
            where = environment.source
            raise NotDeployable(f"{name}: substitutions missing from {where}: {', '.join(missing)}")
        substitutions = dict(environment.substitutions)
        definition = substitute(definition, substitutions)
        role = role or environment.role_arn
        tags = {**environment.tags, **(tags or {})}
        if client is None:
            from .deploy.aws import make_client

            client = make_client(environment, endpoint_url)
    if not name or not role:
        raise ValueError("pass env= (an environment file) or both name= and role=")
    from .deploy.environment import check_name

    bad_name = check_name(name)
    if bad_name:
        raise NotDeployable(bad_name)
    if client is None:
        import boto3

        client = boto3.client("stepfunctions", endpoint_url=endpoint_url)
    tag_list = [{"key": k, "value": v} for k, v in sorted((tags or {}).items())]
    return FlowWorkflow(name, definition, role, tags=tag_list, client=client, substitutions=substitutions)


def _flow_name(flow: Any) -> str | None:
    """The flow's NAME (file stem), if ``flow`` says it."""
    if isinstance(flow, StateMachine):
        return flow.name
    if isinstance(flow, Path):
        return flow.stem
    if isinstance(flow, str) and not flow.lstrip().startswith("{"):
        return Path(flow).stem
    return None


def _definition_of(flow: Any) -> dict[str, Any]:
    """A definition dict from a flow, a dict, a flow NAME, JSON text or a file."""
    if isinstance(flow, StateMachine):
        return flow.to_dict()
    if isinstance(flow, FrozenGraph):
        return dict(flow.to_dict())
    if isinstance(flow, Mapping):
        return dict(flow)
    if isinstance(flow, Path):
        try:
            return dict(json.loads(flow.read_text(encoding="utf-8")))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{flow}: cannot read a definition: {exc}") from None
    if isinstance(flow, str):
        if flow.lstrip().startswith("{"):
            try:
                return dict(json.loads(flow))
            except ValueError as exc:
                raise ValueError(f"definition text is not JSON: {exc}") from None
        from .flows import FLOW_NAMES, build_flow

        if flow in FLOW_NAMES:
            return build_flow(flow).to_dict()
        if flow.endswith(".json"):
            return _definition_of(Path(flow))
        raise ValueError(f"{flow!r} is neither a flow NAME ({', '.join(FLOW_NAMES)}) nor a definition")
    raise TypeError(f"expected a StateMachine, a definition dict, a flow NAME or a path, got {type(flow).__name__}")


def _check_deployable(name: str, definition: Mapping[str, Any]) -> None:
    """Refuse placeholders left and validation errors, listing them all."""
    from .validate import has_errors, placeholders, validate

    left = list(placeholders(definition))
    if left:
        raise NotDeployable(f"{name}: placeholders not substituted: {', '.join('${' + n + '}' for n in left)} (pass env=)")
    findings = validate(dict(definition), for_deploy=True)
    if has_errors(findings):
        lines = [f"  {f.path or '(top level)'}: {f.code}: {f.message}" for f in findings if f.severity == "error"]
        raise NotDeployable(f"{name}: the definition has errors:\n" + "\n".join(lines))
