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
"""

from __future__ import annotations

from .iam import ArnContext, policy_for, trust_policy
from .plan import FlowError, read_definitions
from .substitution import placeholders, substitution_problems

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Mapping
    from typing import Any

    from .environment import Environment

__all__ = ["cloudformation_template", "logical_id"]

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


def _context(**fields: str) -> dict[str, Any]:
    """Architecture notes for readers and tools (cfn-lint's informational I4010)."""
    return {"com.aws.cloudformation.Context": dict(fields)}


def cloudformation_template(env: Environment, flows: Mapping[str, Any], *, known_placeholders: Iterable[str] | None = None) -> dict[str, Any]:
    """The template (a dict; write it as JSON). ``flows``: NAME -> a
    definition or a flow; ``known_placeholders`` as for deploy().

    Raises :class:`EnvFileError` when substitutions are missing or unknown,
    :class:`PolicyError` when a flow's policy cannot be derived, and
    :class:`~.plan.FlowError` when a flow does not build.
    """
    from ..asl.reader import dumps
    from .environment import EnvFileError

    definitions = read_definitions(flows)
    for value in definitions.values():
        if isinstance(value, FlowError):
            raise value
    problems = substitution_problems(env, definitions, known_placeholders)
    if problems:
        raise EnvFileError(env.source, problems)
    tags = [{"Key": k, "Value": v} for k, v in env.tags.items()]
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for name, definition in definitions.items():
        logical = logical_id(name)
        role: dict[str, Any] = {
            "AssumeRolePolicyDocument": _sub(trust_policy(STACK)),
            "Description": f"Execution role of the {env.machine_name(name)} state machine (least privilege, generated)",
            "Policies": [{"PolicyName": f"{name}-least-privilege", "PolicyDocument": _sub(policy_for(definition, env, context=STACK))}],
        }
        if tags:
            role["Tags"] = tags
        why = f"Execution role of {env.machine_name(name)}: only the calls its Task states make, on their resources"
        resources[f"{logical}Role"] = {"Type": "AWS::IAM::Role", "Metadata": _context(why=why), "Properties": role}
        machine: dict[str, Any] = {
            "StateMachineName": env.machine_name(name),
            "StateMachineType": "STANDARD",
            "DefinitionString": dumps(definition),
            "RoleArn": {"Fn::GetAtt": [f"{logical}Role", "Arn"]},
        }
        used = placeholders(definition)
        if used:
            machine["DefinitionSubstitutions"] = {key: env.substitutions[key] for key in used}
        if env.logging is not None:
            logging: dict[str, Any] = {"Level": env.logging.level, "IncludeExecutionData": env.logging.include_execution_data}
            if env.logging.log_group_arn:
                logging["Destinations"] = [{"CloudWatchLogsLogGroup": {"LogGroupArn": env.logging.log_group_arn}}]
            machine["LoggingConfiguration"] = logging
        if env.tracing:
            machine["TracingConfiguration"] = {"Enabled": True}
        if tags:
            machine["Tags"] = tags
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
