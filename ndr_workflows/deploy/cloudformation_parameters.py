"""One CloudFormation template for every environment (what CDK and SAM users expect).

``python -m ndr_workflows.deploy --env ENV --cloudformation FILE --parameterised``
writes a template whose per-environment values are stack **Parameters**:
the state machine name prefix and one parameter per placeholder the flows
use, each with an ``AllowedPattern`` and lengths from its kind
(:mod:`.kinds`), so CloudFormation itself refuses a value that is no name
of that kind -- and, since no pattern lets ``"``, ``\\``, a control
character, a wildcard or ``{%`` through, no value can change the JSON of
the definition CloudFormation deploys (its substitution is plain text).

Resources are named, never given as ARNs: a Lambda function, a state
machine, a table, a pipeline or an event bus is a *name* parameter and the
template makes the ARN in the stack's own partition, region and account
(``Fn::Sub``). So the template cannot point a flow, or its role, at another
account; the parameter of ``${FooLambdaArn}`` is ``FooLambdaName``. The
environment file given still decides the shape (tags, logging, tracing);
its ``allow`` opt-ins do not apply here -- a value that needs one is
deployed with the per-environment template. SageMaker writes pipeline
names in lower case in ARNs and CloudFormation cannot lower-case, so a
pipeline parameter takes lower-case names.
"""

from __future__ import annotations

from .cloudformation import STACK, _context, _ordered, logical_id, machine_properties, role_resource
from .iam import policy_for
from .plan import read_definitions, template_definitions

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Mapping
    from typing import Any

    from .environment import Environment

__all__ = ["parameterised_template", "PARAMETER_RULES", "parameter_name", "parameter_values", "PREFIX_PARAMETER"]

PREFIX_PARAMETER = "StateMachineNamePrefix"
_SAFE = r"[^\"\\\x00-\x1f*?]"  # what a plain value may hold: JSON-string-safe, no wildcard
# ...and, as the direct deploy refuses in every value (naming.check_value), no
# placeholder and no JSONata delimiter: a key "{% $states.input.k %}" would be code.
_NO_CODE = r"(?!.*(\$\{|\{%|%\}))"
# kind -> (AllowedPattern, MinLength, MaxLength, ARN made from the name or None, description)
PARAMETER_RULES: dict[str, tuple[str, int, int, str | None, str]] = {
    "table": (r"^[a-zA-Z0-9_.-]+$", 3, 255, None, "DynamoDB table name"),
    "pipeline": (r"^[a-z0-9](-*[a-z0-9]){0,255}$", 1, 256, None, "SageMaker pipeline name, lower case"),
    "function": (r"^[a-zA-Z0-9_-]{1,64}(:(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$", 1, 193, "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:", "Lambda function name (optionally :VERSION or :ALIAS) in this stack's account and region"),
    "task-resource": (r"^[a-zA-Z0-9_-]{1,64}(:(\$LATEST|[a-zA-Z0-9_-]{1,128}))?$", 1, 193, "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:", "Lambda function name in this stack's account and region"),
    "event-bus": (r"^[.\-_A-Za-z0-9]+$", 1, 256, None, "EventBridge event bus name"),
    "state-machine": (r"^[a-zA-Z0-9_-]{1,80}(:[a-zA-Z0-9_-]{1,80})?$", 1, 161, "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:", "state machine name in this stack's account and region"),
    "s3-bucket": (r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", 3, 63, None, "S3 bucket name"),
    "s3-key": (rf"^{_NO_CODE}{_SAFE}+$", 1, 1024, None, "S3 object key or prefix"),
    "s3-uri": (rf"^{_NO_CODE}s3://[a-z0-9][a-z0-9.-]{{1,61}}[a-z0-9](/{_SAFE}*)?$", 8, 1093, None, "S3 URI (s3://bucket/prefix)"),
    "expression-text": (r"^[^'\"`\\{}%\x00-\x1f*?]+$", 1, 1024, None, "text used inside an expression"),
    "string": (rf"^{_NO_CODE}{_SAFE}+$", 1, 4096, None, "plain string"),
}
NAME_PATTERN = r"^[a-zA-Z0-9_.-]*$"  # a subset of what Step Functions allows in a name


def parameter_name(key: str, kind: str) -> str:
    """The stack parameter of placeholder ``key``: the key itself, or, where
    the template makes the ARN from a name, ``...Arn`` -> ``...Name``."""
    if PARAMETER_RULES[kind][3] is None:
        return key
    return (key[:-3] if key.endswith("Arn") else key) + "Name"


def _kind_of(key: str, kinds: list[str]) -> str:
    named = [k for k in kinds if k != "string"]
    if len(set(named)) > 1:
        raise ValueError(f"${{{key}}} is used as {' and as '.join(sorted(set(named)))}: one parameter cannot be both")
    return named[0] if named else "string"


def parameter_values(env: Environment, definitions: Mapping[str, Any]) -> dict[str, str]:
    """The parameter values that make the parameterised template deploy what
    ``env`` deploys (for ``--parameter-overrides`` and the tests): names
    where the template makes the ARN from one."""
    from .kinds import uses

    out = {PREFIX_PARAMETER: env.state_machine_name_prefix}
    for key, found in uses(read_definitions(definitions)).items():
        kind = _kind_of(key, [u.kind.code for u in found])
        value = env.substitutions[key]
        if PARAMETER_RULES[kind][3] is not None:
            marker = ":function:" if ":function:" in value else ":stateMachine:"
            value = value.split(marker, 1)[1] if marker in value else value
        out[parameter_name(key, kind)] = value
    return out


def parameterised_template(env: Environment, flows: Mapping[str, Any], *, known_placeholders: Iterable[str] | None = None) -> dict[str, Any]:
    """The template (a dict) with a Parameter per placeholder and for the
    name prefix; see the module's docstring. Raises as
    :func:`~.cloudformation.cloudformation_template` does, and ValueError
    for a placeholder used as two kinds of resource."""
    import dataclasses

    from .kinds import uses
    from .substitution import placeholders

    definitions = template_definitions(env, flows, known_placeholders)
    kinds = {key: _kind_of(key, [u.kind.code for u in found]) for key, found in uses(definitions).items()}
    longest = max((len(n) for n in definitions), default=0)
    parameters: dict[str, Any] = {
        PREFIX_PARAMETER: {
            "Type": "String",
            "Description": "Prefix of every state machine's name (e.g. dev-): the environment",
            "AllowedPattern": NAME_PATTERN,
            "MaxLength": 80 - longest,
            "ConstraintDescription": f"letters, digits, '_', '.', '-'; at most {80 - longest} characters (state machine names are at most 80)",
        }
    }
    for key in sorted(kinds):
        pattern, low, high, _arn, label = PARAMETER_RULES[kinds[key]]
        parameters[parameter_name(key, kinds[key])] = {
            "Type": "String",
            "Description": f"{label}: the value of the flows' placeholder {key}",
            "AllowedPattern": pattern,
            "MinLength": low,
            "MaxLength": high,
            "ConstraintDescription": f"must be a {label} ({low}-{high} characters matching {pattern})",
        }
    # Policies: derived from stand-in names (valid for every kind), which then become the parameters.
    stand_ins = {key: _stand_in(i, kinds[key], env) for i, key in enumerate(sorted(kinds))}
    probe = dataclasses.replace(env, substitutions={**env.substitutions, **{k: v[0] for k, v in stand_ins.items()}}, allow={})
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    for name, definition in definitions.items():
        logical = logical_id(name)
        policy = _with_parameters(policy_for(definition, probe, context=STACK), stand_ins, kinds)
        resources[f"{logical}Role"] = role_resource(env, name, policy, f"{name} (prefixed)")
        machine = machine_properties(env, name, definition, logical)
        machine["StateMachineName"] = {"Fn::Sub": f"${{{PREFIX_PARAMETER}}}{name}"}
        used = placeholders(definition)
        if used:
            machine["DefinitionSubstitutions"] = {key: _substitution(key, kinds[key]) for key in used}
        machine = _ordered(machine)
        why = f"The {name} flow (ndr_workflows.flows); its placeholders are the stack's parameters"
        resources[logical] = {"Type": "AWS::StepFunctions::StateMachine", "Metadata": _context(why=why), "Properties": machine}
        outputs[f"{logical}Arn"] = {"Description": f"ARN of the {name} state machine", "Value": {"Ref": logical}}
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "NDR Step Functions state machines for any environment (parameters: name prefix and placeholders), generated by ndr_workflows.deploy",
        "Metadata": _context(arch="One STANDARD Step Functions state machine per NDR flow, each assuming its own least-privilege IAM role"),
        "Parameters": parameters,
        "Resources": resources,
        "Outputs": outputs,
    }


def _substitution(key: str, kind: str) -> Any:
    arn = PARAMETER_RULES[kind][3]
    parameter = parameter_name(key, kind)
    return {"Fn::Sub": f"{arn}${{{parameter}}}"} if arn else {"Ref": parameter}


def _stand_in(index: int, kind: str, env: Environment) -> tuple[str, str]:
    """(a value of ``kind`` no real policy holds, the text it becomes in the
    policy's ARNs): ``${Parameter}``, or the whole ARN the template makes."""
    token = f"ndrparam{index:03d}x"
    if kind == "state-machine":
        return f"arn:{env.partition}:states:{env.region}:{env.account}:stateMachine:{token}", token
    if kind == "s3-uri":
        return f"s3://{token}/", token
    return token, token


def _with_parameters(policy: dict[str, Any], stand_ins: dict[str, tuple[str, str]], kinds: dict[str, str]) -> dict[str, Any]:
    """``policy`` with every stand-in replaced by its parameter (``${Name}``,
    resolved by the ``Fn::Sub`` :func:`~.cloudformation.role_resource`
    wraps ARNs in)."""
    import json

    text = json.dumps(policy)
    for key, (value, token) in stand_ins.items():
        parameter = "${" + parameter_name(key, kinds[key]) + "}"
        if value != token:  # a whole ARN stand-in: the stack's ARN of that name
            text = text.replace(value, (PARAMETER_RULES[kinds[key]][3] or "") + parameter)
        text = text.replace(token, parameter)
    return json.loads(text)  # type: ignore[no-any-return]
