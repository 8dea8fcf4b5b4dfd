"""Our flows as Step Functions Data Science SDK workflows (the ``sdk`` extra).

Notebook users who know the SDK's ``Workflow`` (execute, list executions,
attach, CloudFormation) can keep it. The SDK builds JSONPath state machines
from its own step classes; it cannot express a JSONata flow, so
:func:`workflow` hands it OUR rendered definition, frozen, and the SDK only
ships it. Two SDK flaws are fixed here rather than inherited:

* ``Workflow.create()`` silently returns the existing machine's ARN when
  the name is taken, leaving the old definition live. :meth:`FlowWorkflow.create`
  refuses when the deployed machine differs, and :meth:`FlowWorkflow.deploy`
  creates, updates or reports "unchanged" -- all through
  :func:`ndr_workflows.deploy.deploy`, so the environment's tags, logging
  and tracing are deployed and compared like the definition and role.
* ``render_graph()`` needs a CDN and the classic Notebook; here it shows
  our offline diagram.

This module imports ``stepfunctions`` (and through it ``sagemaker`` 2.x),
which is why nothing in the core imports it: ``pip install
'ndr-workflows[sdk]'`` installs the pinned set that works together.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Mapping

try:
    with warnings.catch_warnings():
        # sagemaker 2.x warns on import that v3 exists; the extra pins 2.x on purpose.
        warnings.simplefilter("ignore")
        from stepfunctions.steps import FrozenGraph
        from stepfunctions.workflow import Workflow
except ImportError as exc:  # tests/sdk/test_extra.py
    raise ImportError(
        "ndr_workflows.sdk needs the optional 'sdk' extra (stepfunctions 2.3.0 with sagemaker 2.x and "
        f"setuptools<82): pip install 'ndr-workflows[sdk]'  (import failed: {exc})"
    ) from exc

from .deploy.diff import normal_logging
from .deploy.environment import Logging
from .model.machine import StateMachine

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from .deploy import DeployResult, Environment

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
        import json

        from .asl.reader import dumps

        return dumps(self.definition) if pretty else json.dumps(self.definition, ensure_ascii=False, separators=(",", ":"))

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

    create / update / deploy go through :func:`ndr_workflows.deploy.deploy`,
    so "unchanged" means what it means for ``python -m ndr_workflows.deploy``:
    the definition, role, tags, logging and tracing all match. Everything
    else (``execute``, ``list_executions``, ``delete``,
    ``get_cloudformation_template``, ``Execution`` objects) is the SDK's own.
    """

    # Set by the SDK's __init__; declared for the type checker.
    name: str
    role: str
    definition: FrozenDefinition
    state_machine_arn: str | None
    client: Any
    format_json: bool
    tags: list[dict[str, str]]

    def __init__(
        self,
        name: str,
        definition: Mapping[str, Any] | FrozenGraph,
        role: str,
        *,
        substitutions: Mapping[str, str] | None = None,
        logging: Logging | None = None,
        tracing: bool = False,
        **kwargs: Any,
    ) -> None:
        if not isinstance(definition, FrozenDefinition):
            definition = FrozenDefinition(definition.to_dict() if isinstance(definition, FrozenGraph) else definition)
        super().__init__(name, definition, role, **kwargs)
        #: The environment's placeholder values, applied to definitions given to :meth:`update`.
        self.substitutions = dict(substitutions or {})
        #: The environment's execution logging and X-Ray tracing, deployed with the machine.
        self.logging = logging
        self.tracing = tracing

    @classmethod
    def attach(cls, state_machine_arn: str, client: Any = None) -> FlowWorkflow:
        """A workflow for a deployed machine, as deployed: definition (JSONata
        or not), role, tags, logging and tracing."""
        if client is None:
            import boto3

            client = boto3.client("stepfunctions")
        from .deploy.diff import Deployed

        response = client.describe_state_machine(stateMachineArn=state_machine_arn)
        deployed = Deployed.from_api(response, client.list_tags_for_resource(resourceArn=state_machine_arn).get("tags", []))
        if not isinstance(deployed.definition, dict):
            raise ValueError(f"{state_machine_arn}: the deployed definition is not a JSON object")
        level, data, groups = normal_logging(deployed.logging)
        logging = Logging(level, data, groups[0] if groups else None) if level != "OFF" else None
        tags = [{"key": k, "value": v} for k, v in sorted(deployed.tags.items())]
        return cls(
            response["name"], deployed.definition, deployed.role_arn, state_machine_arn=deployed.arn, client=client,
            tags=tags, logging=logging, tracing=deployed.tracing,
        )  # fmt: skip

    # --- create / update, honestly ------------------------------------------
    def create(self) -> str:
        """Create the state machine and return its ARN.

        If one of this name exists: when it matches (definition, role, tags,
        logging, tracing) its ARN is returned (nothing to do); otherwise
        :class:`StateMachineExists` is raised — use :meth:`update` or
        :meth:`deploy`. (The SDK would return the old ARN and leave the old
        definition running.)
        """
        planned = self._deploy(dry_run=True)
        if planned.action == "would update":
            raise StateMachineExists(
                f"state machine {self.name!r} already exists ({planned.arn}) with a different {' and '.join(planned.changes)}; "
                "call .update() to replace it, or .deploy() to create or update as needed"
            )
        result = self._deploy() if planned.action == "would create" else planned
        self.state_machine_arn = result.arn
        return str(result.arn)

    def update(self, definition: Any = None, role: str | None = None) -> str:
        """Make the deployed machine this workflow (with ``definition`` and/or
        ``role`` instead, when given); returns the ARN.

        ``definition`` may be a flow, a definition dict or a graph; its
        placeholders are filled from the environment this workflow was made
        with. Nothing changes, here or in AWS, when it cannot be deployed.
        """
        new = self.definition
        if definition is not None:
            environment = self._environment(substitutions=self.substitutions)
            new = FrozenDefinition(_substituted(self.name, _definition(definition)[0], environment))
        planned = self._deploy(dry_run=True, definition=new, role=role)
        if planned.action == "would create":
            raise LookupError(f"state machine {self.name!r} does not exist; call .create() or .deploy()")
        result = self._deploy(definition=new, role=role) if planned.action != "unchanged" else planned
        self.definition, self.role, self.state_machine_arn = new, role or self.role, result.arn
        return str(result.arn)

    def deploy(self) -> str:
        """Create, update or leave alone; returns "created", "updated" or "unchanged"."""
        result = self._deploy()
        self.state_machine_arn = result.arn
        return result.action

    def render_graph(self, portrait: bool = False) -> Svg:
        """The flow's diagram, drawn offline (the SDK's widget loads scripts from a CDN)."""
        from . import diagram

        return Svg(diagram.svg(self.definition.to_dict()))

    def __repr__(self) -> str:
        return f"FlowWorkflow(name={self.name!r}, role={self.role!r}, state_machine_arn={self.state_machine_arn!r})"

    # --- helpers -------------------------------------------------------------
    def _environment(self, *, role: str | None = None, substitutions: Mapping[str, str] | None = None) -> Environment:
        """This workflow as a deploy environment: no prefix (the name is the
        machine's), no substitutions unless given (the definition is already
        substituted)."""
        from .deploy import Environment

        tags = {t["key"]: t["value"] for t in self.tags or []}
        region = str(getattr(getattr(self.client, "meta", None), "region_name", "") or "us-east-1")
        return Environment(region, role or self.role, "", tags, dict(substitutions or {}), self.logging, self.tracing, f"workflow {self.name!r}")

    def _deploy(self, *, dry_run: bool = False, definition: FrozenDefinition | None = None, role: str | None = None) -> DeployResult:
        """One :func:`ndr_workflows.deploy.deploy` of this machine; raises
        :class:`NotDeployable` (nothing sent) or AwsError (AWS refused)."""
        from .deploy import AwsError, EnvFileError, deploy

        definition = definition or self.definition
        try:
            [result] = deploy(self._environment(role=role), {self.name: definition.to_dict()}, client=self.client, dry_run=dry_run)
        except EnvFileError as exc:
            unfilled = not self.substitutions and any("missing" in problem for problem in exc.problems)
            hint = "\n(the definition still holds placeholders: make the workflow with env=)" if unfilled else ""
            raise NotDeployable(f"{self.name}: cannot be deployed:\n  " + "\n  ".join(exc.problems) + hint) from None
        if result.ok:
            return result
        errors = [f for f in result.findings if f.severity == "error"]
        if errors:
            lines = [f"  {f.path or '(top level)'}: {f.code}: {f.message}" for f in errors]
            raise NotDeployable(f"{self.name}: the definition has errors:\n" + "\n".join(lines))
        if result.arn is None and (result.error or "").startswith(("refused", "ValidateStateMachineDefinition")):
            raise NotDeployable(f"{self.name}: {result.error}")
        raise AwsError(f"{self.name}: {result.error}")


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
    definition, flow_name = _definition(flow)
    substitutions: dict[str, str] = {}
    logging: Logging | None = None
    tracing = False
    if env is not None:
        from .deploy import Environment, load_environment

        from .flows import FLOW_NAMES

        environment = env if isinstance(env, Environment) else load_environment(env, FLOW_NAMES)
        if name is None:
            if not flow_name:
                raise ValueError("name= is needed: a definition has no flow NAME to prefix")
            name = environment.machine_name(flow_name)
        definition = _substituted(name, definition, environment)
        substitutions = dict(environment.substitutions)
        role = role or environment.role_arn
        tags = {**environment.tags, **(tags or {})}
        logging, tracing = environment.logging, environment.tracing
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
    return FlowWorkflow(name, definition, role, tags=tag_list, client=client, substitutions=substitutions, logging=logging, tracing=tracing)


def _substituted(name: str, definition: dict[str, Any], environment: Environment) -> dict[str, Any]:
    """``definition`` with the environment's values; NotDeployable listing
    every missing or unknown substitution (the deploy's own check)."""
    from .cli.definitions import known_placeholders
    from .deploy.substitution import substitute, substitution_problems

    problems = substitution_problems(environment, {name: definition}, known_placeholders())
    if problems:
        raise NotDeployable(f"{name}: the substitutions of {environment.source} do not fit:\n  " + "\n  ".join(problems))
    return dict(substitute(definition, environment.substitutions))


def _definition(flow: Any) -> tuple[dict[str, Any], str]:
    """(definition, flow NAME or "") of a flow, a flow NAME, a dict, JSON
    text or a file; BuildError for a flow whose build has errors."""
    from .asl.problems import has_errors
    from .cli.definitions import resolve
    from .model import BuildError

    read = resolve(flow)
    if read.built and has_errors(read.findings):
        raise BuildError(read.findings, read.name or "flow")
    if not isinstance(read.data, dict):
        if read.size is None and not read.built:  # a Python value, not a definition
            raise TypeError(f"expected a definition (dict, JSON text, path), a flow NAME or a StateMachine, got {type(flow).__name__}")
        raise ValueError(f"{read.name or 'definition'}: a definition is a JSON object, not {type(read.data).__name__}")
    return read.data, read.name
