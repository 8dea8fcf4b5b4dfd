"""Least-privilege IAM for a flow, derived from what its Task states call.

Each Task's Resource names the API; its Arguments name the thing acted on
(table, pipeline, function, event bus). After substitution those are known
names, so each permission is granted on exactly that resource's ARN. Where a
name is a JSONata expression (decided at run time) only that ARN segment
becomes ``*``, and the statement's Sid says so. Actions are always named
(never ``service:*``). An integration this module does not know is an
error rather than a guess.
"""

from __future__ import annotations

from ..asl.common import is_expression
from ..asl.walk import iter_states
from .substitution import placeholders, substitute, value_report

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from .environment import Environment

__all__ = ["policy_for", "PolicyError", "ArnContext", "trust_policy"]

SFN = "arn:aws:states:::"
# Logging to CloudWatch Logs and X-Ray tracing: these actions have no
# resource-level permissions, so ``*`` is their narrowest resource.
LOG_DELIVERY_ACTIONS = (
    "logs:CreateLogDelivery", "logs:DeleteLogDelivery", "logs:DescribeLogGroups", "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery", "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:UpdateLogDelivery",
)  # fmt: skip
XRAY_ACTIONS = ("xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments")


class PolicyError(ValueError):
    """The policy cannot be derived; ``problems`` lists every state concerned."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("cannot derive the IAM policy:\n" + "\n".join(f"  {p}" for p in problems))


class ArnContext:
    """Partition, region and account for ARNs: real values, or CloudFormation
    pseudo parameters (``${AWS::Region}``) for a template."""

    def __init__(self, partition: str, region: str, account: str) -> None:
        self.partition, self.region, self.account = partition, region, account

    @classmethod
    def of(cls, env: Environment) -> ArnContext:
        return cls(env.partition, env.region, env.account)

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        return f"arn:{self.partition}:{service}:{self.region if region else ''}:{self.account if account else ''}:{resource}"


def trust_policy(ctx: ArnContext) -> dict[str, Any]:
    """Only Step Functions, and only for this account, may assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ctx.account}},
            }
        ],
    }


def policy_for(definition_or_flow: Any, env: Environment, *, context: ArnContext | None = None) -> dict[str, Any]:
    """The role policy one flow needs in ``env`` (a dict, IAM JSON).

    ``definition_or_flow``: an ASL dict (with or without placeholders), JSON
    text, a file or a flow (the package's one reader). Raises
    :class:`PolicyError` for a Task whose integration has no mapping,
    placeholders without values, or a flow whose build has errors.
    """
    from ..asl.problems import has_errors
    from ..asl.reader import read_definition

    read = read_definition(definition_or_flow)
    if read.built and has_errors(read.findings):
        raise PolicyError([f"{read.name or 'the flow'} does not build: {p}" for p in read.findings if p.is_error])
    definition = substitute(read.data, env.substitutions)
    left = placeholders(definition)
    if left:
        raise PolicyError([f"no value for ${{{n}}} in the environment's substitutions" for n in left])
    report = value_report(env, {read.name or "flow": read.data})
    if report.problems:  # a wildcard, an expression, another account... without the file's opt-in
        raise PolicyError(report.problems)
    ctx = context or ArnContext.of(env)
    grants: dict[tuple[str, str], set[str]] = {}  # (sid, action) -> resources
    problems: list[str] = []
    originals = {path: state for path, _name, state, _lang in iter_states(read.data) if state.get("Type") == "Task"}
    tasks = [(path, state) for path, _name, state, _lang in iter_states(definition) if state.get("Type") == "Task"]
    for path, state in tasks:
        opted = set().union(*(report.opt_ins.get(name, set()) for name in _names_in(originals.get(path))))
        try:
            for sid, actions, resource in _grants(state, ctx, tasks):
                sid += _opt_in_sid(opted)
                for action in actions:
                    grants.setdefault((sid, action), set()).add(resource)
        except PolicyError as exc:
            problems.extend(f"{path}: {p}" for p in exc.problems)
    if problems:
        raise PolicyError(problems)
    if env.logging is not None and env.logging.level != "OFF":
        grants.update({("CloudWatchLogsDeliveryNoResourceLevelPermissions", a): {"*"} for a in LOG_DELIVERY_ACTIONS})
    if env.tracing:
        grants.update({("XRayTracingNoResourceLevelPermissions", a): {"*"} for a in XRAY_ACTIONS})
    return {"Version": "2012-10-17", "Statement": _statements(grants)}


def _names_in(state: Any) -> set[str]:
    """The placeholder names a (not yet substituted) state uses."""
    import json

    from .kinds import PLACEHOLDER

    return set(PLACEHOLDER.findall(json.dumps(state))) if state is not None else set()


def _opt_in_sid(opted: set[str]) -> str:
    """The Sid's tail when the environment file opted in to a wider value
    (``DynamoDbItemsWildcardAllowedByEnvironment``): a reviewer sees it in
    the policy. An expression already says ``AnyNameIsExpression``."""
    words = {"wildcard": "Wildcard", "other-account": "OtherAccount", "other-region": "OtherRegion"}
    return "".join(words[w] for w in sorted(opted) if w in words) + "AllowedByEnvironment" if opted else ""


def _statements(grants: dict[tuple[str, str], set[str]]) -> list[dict[str, Any]]:
    """One statement per Sid and resource set (actions on the same resources
    merge); a Sid used for two resource sets gets a number (Sids are unique)."""
    merged: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for (sid, action), resources in sorted(grants.items()):
        merged.setdefault((sid, tuple(sorted(resources))), []).append(action)
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for (sid, targets), actions in merged.items():
        seen[sid] = seen.get(sid, 0) + 1
        name = sid if seen[sid] == 1 else f"{sid}{seen[sid]}"
        out.append({"Sid": name, "Effect": "Allow", "Action": sorted(actions), "Resource": list(targets) if len(targets) > 1 else targets[0]})
    return out


def _dynamic(value: Any) -> bool:
    """A value decided at run time (JSONata expression), or no value at all."""
    return not isinstance(value, str) or is_expression(value)


def _arg(state: dict[str, Any], key: str) -> Any:
    """An argument's literal value, or None when it is computed (JSONata
    ``{% %}``, or a JSONPath ``Key.$``)."""
    args = state.get("Arguments", state.get("Parameters"))
    if not isinstance(args, dict) or f"{key}.$" in args:
        return None
    value = args.get(key)
    return None if _dynamic(value) else value


def _has_arg(state: dict[str, Any], key: str) -> bool:
    """Whether the Task passes argument ``key`` at all (literal or computed)."""
    args = state.get("Arguments", state.get("Parameters"))
    return isinstance(args, dict) and (key in args or f"{key}.$" in args)


def _grants(state: dict[str, Any], ctx: ArnContext, tasks: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, list[str], str]]:
    resource = state.get("Resource")
    if not isinstance(resource, str):
        raise PolicyError([f"Resource {resource!r} is not a string"])
    if resource.startswith("arn:") and ":lambda:" in resource and ":function:" in resource:
        return [("InvokeLambdaFunctions", ["lambda:InvokeFunction"], resource)]
    if not resource.startswith(SFN):
        raise PolicyError([f"no IAM mapping for Resource {resource!r}"])
    api = resource[len(SFN):]
    base = api.split(".")[0]
    if base.startswith("aws-sdk:dynamodb:") or base.startswith("dynamodb:"):
        op = base.split(":")[-1]
        table = _arg(state, "TableName")
        resource, named = _table_arn(table, ctx), table
        if _has_arg(state, "IndexName"):  # a Query or Scan of an index is granted on the index, not on the table
            index = _arg(state, "IndexName")
            resource, named = f"{resource}/index/{index or '*'}", table if index else None
        return [(_sid("DynamoDbItems", named), [f"dynamodb:{_pascal(op)}"], resource)]
    if base == "aws-sdk:sagemaker:startPipelineExecution":
        return [(_sid("SageMakerStartPipeline", _arg(state, "PipelineName")), ["sagemaker:StartPipelineExecution"], r) for r in _pipeline_arns(_arg(state, "PipelineName"), ctx)]
    if base in ("aws-sdk:sagemaker:describePipelineExecution", "aws-sdk:sagemaker:stopPipelineExecution"):
        action = "sagemaker:" + _pascal(base.split(":")[-1])
        literal = _arg(state, "PipelineExecutionArn")
        if literal:
            return [("SageMakerPipelineExecutions", [action], literal)]
        started = sorted({_arg(s, "PipelineName") for _p, s in tasks if s.get("Resource") == SFN + "aws-sdk:sagemaker:startPipelineExecution"} - {None})
        if not started:
            return [("SageMakerPipelineExecutionsAnyPipelineArnIsExpression", [action], ctx.arn("sagemaker", "pipeline/*/execution/*"))]
        # The execution ARN is computed; it can only be one this flow started.
        return [("SageMakerPipelineExecutionsOfStartedPipelines", [action], f"{p}/execution/*") for name in started for p in _pipeline_arns(name, ctx)]
    if base == "lambda:invoke":
        return [(_sid("InvokeLambdaFunctions", _arg(state, "FunctionName")), ["lambda:InvokeFunction"], r) for r in _function_arns(_arg(state, "FunctionName"), ctx)]
    if base == "events:putEvents":
        return [(_sid("PutEvents", bus), ["events:PutEvents"], _bus_arn(bus, ctx)) for bus in _buses(state)]
    if base == "states:startExecution":
        return _start_execution(state, api, ctx)
    raise PolicyError([f"no IAM mapping for integration {resource!r}; grant it by hand"])


def _sid(prefix: str, name: Any) -> str:
    """The statement's Sid; says so when the resource name is decided at run time."""
    return f"{prefix}{'AnyNameIsExpression' if name is None else ''}"


def _pascal(op: str) -> str:
    return op[:1].upper() + op[1:]


def _table_arn(name: Any, ctx: ArnContext) -> str:
    if isinstance(name, str) and name.startswith("arn:"):
        return name
    return ctx.arn("dynamodb", f"table/{name or '*'}")


def _pipeline_arns(name: Any, ctx: ArnContext) -> list[str]:
    """SageMaker lower-cases pipeline names in ARNs; grant the name as
    written too when it has capitals (both name the same pipeline)."""
    if name is None:
        return [ctx.arn("sagemaker", "pipeline/*")]
    if isinstance(name, str) and name.startswith("arn:"):
        return [name]
    return sorted({ctx.arn("sagemaker", f"pipeline/{name.lower()}"), ctx.arn("sagemaker", f"pipeline/{name}")})


def _function_arns(name: Any, ctx: ArnContext) -> list[str]:
    """A function given by name, partial ARN or ARN; unqualified ones also
    get ``:*`` (any version or alias of that same function)."""
    if name is None:
        return [ctx.arn("lambda", "function:*")]
    parts = name.split(":")
    if name.startswith("arn:"):
        arn, qualified = name, len(parts) > 7
    elif len(parts) >= 3 and parts[1] == "function":  # 123456789012:function:NAME[:QUALIFIER]
        arn, qualified = f"arn:{ctx.partition}:lambda:{ctx.region}:{name}", len(parts) > 3
    else:
        arn, qualified = ctx.arn("lambda", f"function:{name}"), len(parts) > 1
    return [arn] if qualified else [arn, f"{arn}:*"]


def _buses(state: dict[str, Any]) -> list[Any]:
    args = state.get("Arguments", state.get("Parameters"))
    entries = args.get("Entries") if isinstance(args, dict) else None
    if not isinstance(entries, list):
        return [None]
    out: list[Any] = []
    for entry in entries:
        if not isinstance(entry, dict) or "EventBusName.$" in entry:
            out.append(None)
        else:
            bus = entry.get("EventBusName", "default")
            out.append(None if _dynamic(bus) else bus)
    return out


def _bus_arn(bus: Any, ctx: ArnContext) -> str:
    if isinstance(bus, str) and bus.startswith("arn:"):
        return bus
    return ctx.arn("events", f"event-bus/{bus or '*'}")


def _start_execution(state: dict[str, Any], api: str, ctx: ArnContext) -> list[tuple[str, list[str], str]]:
    machine = _arg(state, "StateMachineArn")
    target = machine if machine else ctx.arn("states", "stateMachine:*")
    sid = "StartChildExecutions" + ("AnyNameIsExpression" if not machine else "")
    out = [(sid, ["states:StartExecution"], target)]
    if ".sync" in api:
        name = target.split(":stateMachine:", 1)[-1] if ":stateMachine:" in target else "*"
        out.append(("FollowChildExecutions", ["states:DescribeExecution", "states:StopExecution"], ctx.arn("states", f"execution:{name}:*")))
        out.append(("ChildExecutionEventsRule", ["events:DescribeRule", "events:PutRule", "events:PutTargets"], ctx.arn("events", "rule/StepFunctionsGetEventsForStepFunctionsExecutionRule")))
    return out
