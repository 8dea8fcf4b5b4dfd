"""Run Step Functions definitions (JSONata, JSONPath, or both mixed)
locally, offline, in milliseconds: an interpreter on a simulated clock, built-in fakes of the AWS
services the flows use, and mocks in Step Functions Local's format.

``run(definition_or_flow, input, ...) -> Execution`` is the entry point;
``python -m ndr_workflows.simulate`` is the command line. The JSONata engine
(jsonatapy) is imported only when an expression is first compiled.
"""

from __future__ import annotations

from .api import DEFAULT_EXECUTION_NAME, DEFAULT_START_TIME, Prepared, prepare, run
from .calls import NEVER, Call, Delayed
from .dynamodb import DynamoDB, UnsupportedExpression
from .errors import Failure, SimulationError
from .execution import Execution
from .fakes import S3, EventBridge, SageMaker, StartedPipeline
from .services import Services

__all__ = [
    "run",
    "prepare",
    "Prepared",
    "Execution",
    "Call",
    "Services",
    "Failure",
    "SimulationError",
    "Delayed",
    "NEVER",
    "DynamoDB",
    "SageMaker",
    "StartedPipeline",
    "EventBridge",
    "S3",
    "UnsupportedExpression",
    "DEFAULT_START_TIME",
    "DEFAULT_EXECUTION_NAME",
]
