"""Task resources: the ARNs of the integrations the flows call, and a
reader that takes any Task ``Resource`` apart.

The builders write these ARNs, the simulator's built-in fakes answer them,
the validator and the deploy's IAM policies read them: one spelling of
each, here at the bottom, so that no part needs another's module to know
what ``arn:aws:states:::aws-sdk:dynamodb:putItem`` is.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = [
    "STATES_PREFIX",
    "SDK_PREFIX",
    "CALLBACK",
    "TOKEN_SUFFIXES",
    "LAMBDA_INVOKE",
    "LAMBDA_INVOKE_CALLBACK",
    "PUT_EVENTS",
    "DYNAMODB_GET_ITEM",
    "DYNAMODB_PUT_ITEM",
    "DYNAMODB_UPDATE_ITEM",
    "DYNAMODB_DELETE_ITEM",
    "DYNAMODB_QUERY",
    "S3_GET_OBJECT",
    "START_EXECUTION_SYNC2",
    "SAGEMAKER_START_PIPELINE",
    "SAGEMAKER_DESCRIBE_PIPELINE",
    "Integration",
    "Optimized",
    "parse_resource",
    "has_task_token",
]

STATES_PREFIX = "arn:aws:states:::"
SDK_PREFIX = STATES_PREFIX + "aws-sdk:"
# The suffix of a task that waits for SendTaskSuccess / SendTaskFailure with its token.
CALLBACK = ".waitForTaskToken"
# Tasks whose context object holds a task token: callbacks, and .sync tasks
# (a child execution may be handed the token and answer it itself).
TOKEN_SUFFIXES = (CALLBACK, ".sync", ".sync:2")

LAMBDA_INVOKE = STATES_PREFIX + "lambda:invoke"
LAMBDA_INVOKE_CALLBACK = LAMBDA_INVOKE + CALLBACK
PUT_EVENTS = STATES_PREFIX + "events:putEvents"
DYNAMODB_GET_ITEM = SDK_PREFIX + "dynamodb:getItem"
DYNAMODB_PUT_ITEM = SDK_PREFIX + "dynamodb:putItem"
DYNAMODB_UPDATE_ITEM = SDK_PREFIX + "dynamodb:updateItem"
DYNAMODB_DELETE_ITEM = SDK_PREFIX + "dynamodb:deleteItem"
DYNAMODB_QUERY = SDK_PREFIX + "dynamodb:query"
S3_GET_OBJECT = SDK_PREFIX + "s3:getObject"
# A child state machine run to completion, its output parsed.
START_EXECUTION_SYNC2 = STATES_PREFIX + "states:startExecution.sync:2"
SAGEMAKER_START_PIPELINE = SDK_PREFIX + "sagemaker:startPipelineExecution"
SAGEMAKER_DESCRIBE_PIPELINE = SDK_PREFIX + "sagemaker:describePipelineExecution"


class Integration:
    """A Task resource taken apart: ``kind`` is "aws-sdk", "optimized",
    "lambda-function" or "other" (activities, placeholders: not checked);
    ``service`` / ``action`` as written; ``suffix`` ("", ".sync", ...)."""

    __slots__ = ("kind", "service", "action", "suffix", "resource")

    def __init__(self, kind: str, service: str = "", action: str = "", suffix: str = "", resource: str = "") -> None:
        self.kind = kind
        self.service = service
        self.action = action
        self.suffix = suffix
        self.resource = resource

    @property
    def callback(self) -> bool:
        return self.suffix == CALLBACK

    @property
    def short(self) -> str:
        prefix = "aws-sdk:" if self.kind == "aws-sdk" else ""
        return f"{prefix}{self.service}:{self.action}{self.suffix}"


def parse_resource(resource: Any) -> Integration:
    """What a Task's Resource calls. A placeholder or expression anywhere in
    it makes it "other": it is only known at deploy time."""
    if not isinstance(resource, str) or "${" in resource or "{%" in resource:
        return Integration("other", resource=str(resource))
    parts = resource.split(":")
    if len(parts) >= 7 and parts[0] == "arn" and parts[2] == "lambda" and parts[5] == "function":
        return Integration("lambda-function", "lambda", "invoke", resource=resource)
    if not (len(parts) >= 6 and parts[0] == "arn" and parts[2] == "states" and parts[3] == parts[4] == ""):
        return Integration("other", resource=resource)
    rest = parts[5:]
    kind = "optimized"
    if rest[0] == "aws-sdk":
        kind, rest = "aws-sdk", rest[1:]
    service = rest[0] if rest else ""
    action = ":".join(rest[1:])
    suffix = ""
    for known in (CALLBACK, ".sync:2", ".sync"):
        if action.endswith(known):
            action, suffix = action[: -len(known)], known
            break
    else:
        if "." in action:
            action, suffix = action.split(".", 1)[0], "." + action.split(".", 1)[1]
    return Integration(kind, service, action, suffix, resource)


def has_task_token(resource: Any) -> bool:
    """Whether a Task calling ``resource`` has a task token in its context
    (``$states.context.Task.Token``): one ending in :data:`TOKEN_SUFFIXES`."""
    return isinstance(resource, str) and resource.endswith(TOKEN_SUFFIXES)


class Optimized:
    """An optimized integration the validator knows (its table is
    ``ndr_workflows.validate.integrations.OPTIMIZED``): the botocore operation it
    wraps, the parameters Step Functions passes on (None: all of the
    operation's), those whose value may be any JSON (Step Functions
    serializes it), the suffixes it supports, and its error names: the
    prefix it raises them under (None: not checked), names beyond the
    operation's modeled errors, and whether other names may come too (a
    Lambda function's own errors)."""

    __slots__ = ("service", "operation", "parameters", "any_json", "suffixes", "error_prefix", "error_extras", "open_errors")

    def __init__(
        self, service: str, operation: str, *, parameters: frozenset[str] | None = None, any_json: frozenset[str] = frozenset(),
        suffixes: tuple[str, ...] = ("",), error_prefix: str | None = None, error_extras: frozenset[str] = frozenset(), open_errors: bool = True,
    ) -> None:
        self.service = service
        self.operation = operation
        self.parameters = parameters
        self.any_json = any_json
        self.suffixes = suffixes
        self.error_prefix = error_prefix
        self.error_extras = error_extras
        self.open_errors = open_errors
