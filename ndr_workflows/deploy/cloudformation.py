"""A CloudFormation template for the flows of one environment.

For teams that deploy through stacks instead of ``python -m
ndr_workflows.deploy``: one ``AWS::StepFunctions::StateMachine`` per flow
whose ``DefinitionString`` is the exported definition, placeholders and
all, with the environment's values as ``DefinitionSubstitutions`` (so the
template shows the same text as docs/ and CloudFormation does the
replacing). Each machine gets its own role holding only that flow's
least-privilege policy (:mod:`.iam`) — one role per flow, so no flow can
touch another's resources. ARNs in the policies use the stack's own
partition, region and account (``Fn::Sub``), so the template is portable.

CloudFormation replaces ``${Name}`` in ``DefinitionString`` as plain text,
so a value holding ``"`` or ``\\`` would change the deployed JSON. Such
values are refused before (:mod:`.naming`), and every template is checked
after it is made: the definition CloudFormation would deploy
(:func:`cloudformation_substitute`, then ``json.loads``) must equal the one
the direct deploy sends. :mod:`.cloudformation_parameters` makes the
parameterised form (one template for every environment).
"""

from __future__ import annotations

from .iam import ArnContext, policy_for, trust_policy
from .plan import template_definitions
from .substitution import placeholders, substitute

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Mapping
    from typing import Any

    from .environment import Environment

__all__ = ["cloudformation_template", "logical_id", "cloudformation_substitute", "check_substitution", "machine_properties"]

STACK = ArnContext("${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}")


def logical_id(flow: str) -> str:
    """``sfn_ndr_15m_features_inference`` -> ``SfnNdr15mFeaturesInference``."""
    return "".join(part[:1].upper() + part[1:] for part in flow.replace("-", "_").split("_") if part)


def _sub(value: Any) -> Any:
    """Wrap every string holding a ``${AWS::...}`` in ``Fn::Sub``."""
    if isinstance(value, dict):
        return {k: _sub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_sub(v) for v in value]
    if isinstance(value, str) and "${AWS::" in value:
        return {"Fn::Sub": value}
    return value


def _ordered(machine: dict[str, Any]) -> dict[str, Any]:
    order = ("StateMachineName", "StateMachineType", "DefinitionString", "DefinitionSubstitutions", "RoleArn", "LoggingConfiguration", "TracingConfiguration", "Tags")
    return {k: machine[k] for k in sorted(machine, key=lambda k: order.index(k) if k in order else len(order))}


def _context(**fields: str) -> dict[str, Any]:
    """Architecture notes for readers and tools (cfn-lint's informational I4010)."""
    return {"com.aws.cloudformation.Context": dict(fields)}


def cloudformation_substitute(definition_string: str, substitutions: Mapping[str, str]) -> str:
    """``definition_string`` with each ``${Name}`` of ``substitutions``
    replaced as CloudFormation's ``DefinitionSubstitutions`` does it: as
    plain text, nothing escaped; other ``${...}`` stay as they are."""
    import re

    return re.sub(r"\$\{([^}]*)\}", lambda m: substitutions.get(m.group(1), m.group(0)), definition_string)


def check_substitution(name: str, definition_string: str, substitutions: Mapping[str, str], expected: Any, source: str) -> None:
    """Raise EnvFileError unless CloudFormation's text substitution of
    ``definition_string`` gives exactly ``expected`` (the direct deploy's
    definition), naming the keys whose values change the JSON."""
    import json

    from .environment import EnvFileError

    try:
        deployed = json.loads(cloudformation_substitute(definition_string, substitutions))
    except ValueError:
        deployed = None
    if deployed != expected:
        keys = [k for k, v in substitutions.items() if json.dumps(v)[1:-1] != v]
        shown = ", ".join(keys) or ", ".join(substitutions)
        raise EnvFileError(source, [f"{name}: CloudFormation's text substitution of {shown} would change the definition's JSON: the template would deploy something else than the direct deploy"])


def machine_properties(env: Environment, name: str, definition: dict[str, Any], logical: str) -> dict[str, Any]:
    """A state machine's properties, less DefinitionSubstitutions (the
    caller's: values or parameters)."""
    from ..asl.reader import dumps

    machine: dict[str, Any] = {
        "StateMachineName": env.machine_name(name),
        "StateMachineType": "STANDARD",
        "DefinitionString": dumps(definition),
        "RoleArn": {"Fn::GetAtt": [f"{logical}Role", "Arn"]},
    }
    if env.logging is not None:
        logging: dict[str, Any] = {"Level": env.logging.level, "IncludeExecutionData": env.logging.include_execution_data}
        if env.logging.log_group_arn:
            logging["Destinations"] = [{"CloudWatchLogsLogGroup": {"LogGroupArn": env.logging.log_group_arn}}]
        machine["LoggingConfiguration"] = logging
    if env.tracing:
        machine["TracingConfiguration"] = {"Enabled": True}
    if env.tags:
        machine["Tags"] = [{"Key": k, "Value": v} for k, v in env.tags.items()]
    return machine


def role_resource(env: Environment, name: str, policy: dict[str, Any], machine: str | None = None) -> dict[str, Any]:
    """The flow's own role: trusted by Step Functions in this account only.
    ``machine``: how to call the state machine (default: its name in ``env``)."""
    machine = machine or env.machine_name(name)
    role: dict[str, Any] = {
        "AssumeRolePolicyDocument": _sub(trust_policy(STACK)),
        "Description": f"Execution role of the {machine} state machine (least privilege, generated)",
        "Policies": [{"PolicyName": f"{name}-least-privilege", "PolicyDocument": _sub(policy)}],
    }
    if env.tags:
        role["Tags"] = [{"Key": k, "Value": v} for k, v in env.tags.items()]
    why = f"Execution role of {machine}: only the calls its Task states make, on their resources"
    return {"Type": "AWS::IAM::Role", "Metadata": _context(why=why), "Properties": role}


def cloudformation_template(env: Environment, flows: Mapping[str, Any], *, known_placeholders: Iterable[str] | None = None) -> dict[str, Any]:
    """The template (a dict; write it as JSON). ``flows``: NAME -> a
    definition or a flow; ``known_placeholders`` as for deploy().

    Raises :class:`EnvFileError` when substitutions are missing or unknown,
    :class:`PolicyError` when a flow's policy cannot be derived, and
    :class:`~.plan.FlowError` when a flow does not build.
    """
    definitions = template_definitions(env, flows, known_placeholders)
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for name, definition in definitions.items():
        logical = logical_id(name)
        resources[f"{logical}Role"] = role_resource(env, name, policy_for(definition, env, context=STACK))
        machine = machine_properties(env, name, definition, logical)
        used = placeholders(definition)
        if used:
            machine["DefinitionSubstitutions"] = {key: env.substitutions[key] for key in used}
            check_substitution(name, machine["DefinitionString"], machine["DefinitionSubstitutions"], substitute(definition, env.substitutions), env.source)
        # Key order as CloudFormation users read it: substitutions beside the definition.
        machine = _ordered(machine)
        why = f"The {name} flow (ndr_workflows.flows), placeholders substituted from the environment"
        resources[logical] = {"Type": "AWS::StepFunctions::StateMachine", "Metadata": _context(why=why), "Properties": machine}
        outputs[f"{logical}Arn"] = {"Description": f"ARN of {env.machine_name(name)}", "Value": {"Ref": logical}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"NDR Step Functions state machines ({env.state_machine_name_prefix or 'no prefix'}), generated by ndr_workflows.deploy",
        "Metadata": _context(arch="One STANDARD Step Functions state machine per NDR flow, each assuming its own least-privilege IAM role"),
        "Resources": resources,
        "Outputs": outputs,
    }
