"""ndr_workflows: the NDR platform's Step Functions state machines, written in
Python and rendered to Amazon States Language (JSONata query language).

Pipeline: flow module (``ndr_workflows.flows``) -> step builders
(``ndr_workflows.steps``) -> state model (``ndr_workflows.model``) -> JSON.

Importing this package is cheap: no AWS SDK, no JSONata engine until a
check needs it.
"""

from .expressions import Expr, arr, context, expr, json_string, lit, obj, states_input, var
from .model import (
    ON_FAILURE,
    BuildError,
    Catch,
    Choice,
    Fail,
    Fragment,
    Map,
    Parallel,
    Pass,
    Problem,
    Retry,
    Rule,
    StateMachine,
    Succeed,
    Task,
    Wait,
    chain,
)

__version__ = "0.1.0"

__all__ = [
    "Expr",
    "expr",
    "var",
    "lit",
    "obj",
    "arr",
    "json_string",
    "states_input",
    "context",
    "ON_FAILURE",
    "BuildError",
    "Catch",
    "Choice",
    "Fail",
    "Fragment",
    "Map",
    "Parallel",
    "Pass",
    "Problem",
    "Retry",
    "Rule",
    "StateMachine",
    "Succeed",
    "Task",
    "Wait",
    "chain",
]
