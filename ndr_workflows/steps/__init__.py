"""Reusable step builders. Each is a plain function returning a
:class:`~ndr_workflows.model.Fragment` (states with an entry and open
exits) that composes with others through ``>>``.

=====================  ====================================================
``normalize_message``  Pass: the incoming message as ``raw_message`` text
``resolve_params``     Pass: one variable per runtime parameter
``validate_params``    Choice + Fail: required / invalid parameters
``lock``               DynamoDB lock around a fragment, released on every way out
``start_pipeline``     SageMaker StartPipelineExecution, idempotent token
``wait_for_callback``  lambda:invoke.waitForTaskToken on the completion Lambda
``poll_pipeline``      DescribePipelineExecution / Choice / Wait loop
``run_pipeline``       start + wait, callback or polling by one argument
``invoke_lambda``      lambda:invoke (request-response or callback)
``publish_event``      EventBridge PutEvents with a ``$string`` Detail
``workflow_failed``    the Fail state that keeps the original error
``aws_sdk``            any aws-sdk operation; ``errors_of`` its error names
``dynamodb``           get / put / update / delete / query with plain values
``s3.get_json``        GetObject of a JSON document, parsed
``child_execution``    states:startExecution.sync:2, output parsed
``poll``               a describe / check / wait loop, names from one prefix
``repeat_until``       a bounded re-check loop (counter and limit)
``Params``             parameters from message, configuration item, default;
                       derived parameters; the validation gate
``later`` / ``at_most``  cross-field checks (``windows`` measures a range)
=====================  ====================================================
"""

from .errors import TO_FAILURE, TRANSIENT_ERRORS, ErrorRoute, catch_all, failure_record, transient_retry, workflow_failed
from .events import publish_event
from .lambda_ import PAYLOAD, invoke_lambda
from .lock import LockNames, LockTable, lock
from .messages import Param, normalize_message, resolve_params
from .pipeline import CALLBACK, Callback, Polling, poll_pipeline, run_pipeline, start_pipeline, wait_for_callback
from . import dynamodb, s3
from .checks import Check, Measure, at_most, later, missing, windows
from .executions import child_execution
from .loops import LoopNames, PollNames, bounded_loop, poll, repeat_until
from .params import ConfigField, Derived, Params, config
from .services import DEFAULT_RETRY, ServiceErrors, aws_sdk, errors_of
from .validation import validate_params

__all__ = [
    "TO_FAILURE",
    "TRANSIENT_ERRORS",
    "ErrorRoute",
    "catch_all",
    "failure_record",
    "transient_retry",
    "workflow_failed",
    "publish_event",
    "PAYLOAD",
    "invoke_lambda",
    "lock",
    "LockNames",
    "LockTable",
    "Param",
    "normalize_message",
    "resolve_params",
    "CALLBACK",
    "Callback",
    "Polling",
    "poll_pipeline",
    "run_pipeline",
    "start_pipeline",
    "wait_for_callback",
    "Check",
    "missing",
    "validate_params",
    "dynamodb",
    "s3",
    "Measure",
    "at_most",
    "later",
    "windows",
    "child_execution",
    "LoopNames",
    "PollNames",
    "bounded_loop",
    "poll",
    "repeat_until",
    "ConfigField",
    "Derived",
    "Params",
    "config",
    "DEFAULT_RETRY",
    "ServiceErrors",
    "aws_sdk",
    "errors_of",
]
