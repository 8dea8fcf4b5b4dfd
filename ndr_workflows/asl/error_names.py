"""Error names Step Functions and its integrations raise: one spelling of
each, shared by the validator (a Retry / Catch must name an error that can
happen) and the simulator (which raises them), so the two cannot drift.

Plain data with no imports: the simulator imports it on every run, and
nothing here needs botocore (the names botocore models per operation are
the validator's business, in :mod:`.integrations`). The spellings are in
docs/asl_facts.md ("Tasks and error names").
"""

from __future__ import annotations

__all__ = [
    "STATES_ERRORS",
    "ALL",
    "TASK_FAILED",
    "TIMEOUT",
    "HEARTBEAT_TIMEOUT",
    "QUERY_EVALUATION_ERROR",
    "RUNTIME",
    "NO_CHOICE_MATCHED",
    "EXCEED_TOLERATED_FAILURE_THRESHOLD",
    "LAMBDA_PREFIX",
    "LAMBDA_EXTRA_ERRORS",
    "DYNAMODB_PREFIX",
    "DYNAMODB_EXTRA_ERRORS",
    "base_error",
]

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
HEARTBEAT_TIMEOUT = "States.HeartbeatTimeout"
QUERY_EVALUATION_ERROR = "States.QueryEvaluationError"
RUNTIME = "States.Runtime"
NO_CHOICE_MATCHED = "States.NoChoiceMatched"
EXCEED_TOLERATED_FAILURE_THRESHOLD = "States.ExceedToleratedFailureThreshold"

# Every error name Step Functions itself raises (docs/asl_facts.md, plus those of
# JSONPath, HTTP tasks and Distributed Map, which a definition may also catch).
STATES_ERRORS = frozenset(
    {ALL, TASK_FAILED, TIMEOUT, HEARTBEAT_TIMEOUT, QUERY_EVALUATION_ERROR, RUNTIME, NO_CHOICE_MATCHED, EXCEED_TOLERATED_FAILURE_THRESHOLD}
    | set(
        """States.Permissions States.BranchFailed States.DataLimitExceeded States.IntrinsicFailure
        States.ParameterPathFailure States.ResultPathMatchFailure States.ItemReaderFailed
        States.ResultWriterFailed States.Http.Socket""".split()
    )
)

# The optimized integrations name service errors with the older SDK's
# spellings: a prefix of their own, and names beyond the operation's
# modeled errors (the base exception among them).
LAMBDA_PREFIX = "Lambda"
LAMBDA_EXTRA_ERRORS = frozenset({"AWSLambdaException", "SdkClientException", "ClientExecutionTimeoutException", "Unknown"})
DYNAMODB_PREFIX = "DynamoDB"  # the aws-sdk integration's is DynamoDb
DYNAMODB_EXTRA_ERRORS = frozenset({"AmazonDynamoDBException", "SdkClientException"})

_OPTIMIZED_BASE = {LAMBDA_PREFIX: "AWSLambdaException", DYNAMODB_PREFIX: "AmazonDynamoDBException"}


def base_error(prefix: str) -> str:
    """The name under which an error the service does not model per
    operation (a ValidationException) arrives, for an integration's error
    prefix: the optimized integrations' own base exception
    (``DynamoDB.AmazonDynamoDBException``), else the aws-sdk rule
    ``<Prefix>.<Prefix>Exception`` (``DynamoDb.DynamoDbException``)."""
    return f"{prefix}.{_OPTIMIZED_BASE.get(prefix, prefix + 'Exception')}"
