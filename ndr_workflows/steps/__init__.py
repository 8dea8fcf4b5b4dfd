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
=====================  ====================================================
"""

from .errors import TO_FAILURE, TRANSIENT_ERRORS, ErrorRoute, catch_all, failure_record, transient_retry, workflow_failed
from .events import publish_event
from .lambda_ import PAYLOAD, invoke_lambda
from .lock import lock
from .messages import Param, normalize_message, resolve_params
from .pipeline import CALLBACK, Callback, Polling, poll_pipeline, run_pipeline, start_pipeline, wait_for_callback
from .validation import Check, missing, validate_params

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
]
