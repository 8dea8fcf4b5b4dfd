"""What each substitution names, derived from where the flows use it.

A value in an environment file is only as safe as what it becomes: a
``${LockTableName}`` in a DynamoDB task's ``TableName`` names a table (and
the IAM policy grants access to that table), a ``${...LambdaArn}`` in a
``lambda:invoke`` ``FunctionName`` names a function, and so on. Each use of
a placeholder gets a :class:`Kind` from its place in the definition:

* a Task's argument that names a resource: ``TableName`` of a DynamoDB task,
  ``PipelineName`` of a SageMaker one, ``FunctionName`` of ``lambda:invoke``,
  ``Entries[i].EventBusName`` of ``events:putEvents``, ``StateMachineArn`` of
  ``states:startExecution``, ``Bucket`` / ``Key`` / ``Prefix`` of an S3 call,
  the ``Resource`` itself (a Lambda function or activity ARN);
* a placeholder inside a JSONata expression, or inside a JSONPath path or
  intrinsic function (a ``Key.$`` field's value): the value becomes code;
* anything else (a Lambda's Payload field, a pipeline parameter) is a plain
  string -- unless the placeholder's name ends in ``S3Uri`` / ``S3Prefix`` /
  ``S3Path`` (the flows' naming convention), which makes it an S3 URI.

:mod:`.naming` holds each kind's rules; :mod:`.substitution` applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..asl.common import is_expression
from ..asl.walk import iter_states

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator, Mapping
    from typing import Any

__all__ = ["Kind", "Use", "KINDS", "uses", "PLACEHOLDER"]

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
SFN = "arn:aws:states:::"


@dataclass(frozen=True)
class Kind:
    """``code`` (stable, used in messages and tests) and ``label`` (prose)."""

    code: str
    label: str


KINDS = {
    k.code: k
    for k in (
        Kind("table", "a DynamoDB table name or ARN"),
        Kind("pipeline", "a SageMaker pipeline name or ARN"),
        Kind("function", "a Lambda function name or ARN"),
        Kind("event-bus", "an EventBridge event bus name or ARN"),
        Kind("state-machine", "a Step Functions state machine ARN"),
        Kind("task-resource", "a Lambda function or activity ARN (a Task's Resource)"),
        Kind("s3-bucket", "an S3 bucket name"),
        Kind("s3-key", "an S3 object key or prefix"),
        Kind("s3-uri", "an S3 URI (s3://bucket/prefix)"),
        Kind("expression-text", "text inside an expression (JSONata, a JSONPath path or an intrinsic function)"),
        Kind("string", "a plain string"),
    )
}
S3_URI_NAMES = ("S3Uri", "S3Prefix", "S3Path")


@dataclass(frozen=True)
class Use:
    """One place a placeholder is used: ``text`` is the whole string there
    (the placeholder alone, or with other text around it)."""

    flow: str
    state: str
    field: str
    kind: Kind
    text: str


def uses(definitions: Mapping[str, Any]) -> dict[str, list[Use]]:
    """Placeholder name -> every use in ``definitions`` (NAME -> definition
    with placeholders), in document order."""
    out: dict[str, list[Use]] = {}
    for flow, definition in definitions.items():
        if not isinstance(definition, dict):
            continue
        for state_path, field, text, kind in _strings(definition):
            for name in dict.fromkeys(PLACEHOLDER.findall(text)):
                used = kind
                if kind.code == "string" and name.endswith(S3_URI_NAMES):
                    used = KINDS["s3-uri"]
                out.setdefault(name, []).append(Use(flow, state_path, field, used, text))
    return out


def _strings(definition: dict[str, Any]) -> Iterator[tuple[str, str, str, Kind]]:
    """(state path, field, string, kind) of every string holding ``${``,
    states' own fields only (a Map's inner states come as states)."""
    nested_keys = ("States", "Iterator", "ItemProcessor", "Branches")
    for key, value in definition.items():
        if key != "States":
            yield from _leaves("", key, value, None)
    for path, _name, state, _lang in iter_states(definition):
        resource = state.get("Resource") if state.get("Type") == "Task" else None
        for key, value in state.items():
            if key in nested_keys and state.get("Type") in ("Map", "Parallel"):
                continue
            yield from _leaves(path, key, value, resource if isinstance(resource, str) else None)


def _leaves(path: str, field: str, value: Any, resource: str | None) -> Iterator[tuple[str, str, str, Kind]]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if "${" in key:
                yield path, f"{field}.{key} (the key)", key, KINDS["string"]
            yield from _leaves(path, f"{field}.{key}", inner, resource)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _leaves(path, f"{field}[{i}]", inner, resource)
    elif isinstance(value, str) and "${" in value:
        yield path, field, value, _kind(field, value, resource)


def _kind(field: str, text: str, resource: str | None) -> Kind:
    if is_expression(text) or "{%" in text or field.endswith(".$"):
        return KINDS["expression-text"]
    if resource is None:
        return KINDS["string"]
    if field == "Resource":
        return KINDS["task-resource"]
    argument = re.sub(r"^(Arguments|Parameters)\.", "", field)
    if argument == field:  # not an argument (Output, Assign, Comment...)
        return KINDS["string"]
    base = resource[len(SFN) :].split(".")[0] if resource.startswith(SFN) else ""
    service = base.split(":")[1] if base.startswith("aws-sdk:") and base.count(":") >= 2 else base.split(":")[0]
    if service == "dynamodb" and argument == "TableName":
        return KINDS["table"]
    if service == "sagemaker" and argument == "PipelineName":
        return KINDS["pipeline"]
    if base.startswith("lambda:invoke") and argument == "FunctionName":
        return KINDS["function"]
    if base == "events:putEvents" and re.fullmatch(r"Entries\[\d+\]\.EventBusName", argument):
        return KINDS["event-bus"]
    if base.startswith("states:startExecution") and argument == "StateMachineArn":
        return KINDS["state-machine"]
    if service == "s3" and argument == "Bucket":
        return KINDS["s3-bucket"]
    if service == "s3" and argument in ("Key", "Prefix"):
        return KINDS["s3-key"]
    return KINDS["string"]
