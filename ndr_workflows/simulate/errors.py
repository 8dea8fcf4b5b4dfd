"""Errors a simulated execution raises, and how Retry / Catch match them.

Two kinds of failure are kept apart on purpose:

* :class:`Failure` is a Step Functions error (``error`` + ``cause``) that the
  state machine itself sees: a task failure, ``States.Timeout``,
  ``States.QueryEvaluationError``, ... Retry and Catch act on it, and an
  uncaught one ends the execution as FAILED.
* :class:`SimulationError` means the simulation cannot be run as asked (a Task
  with nothing to answer it, an unusable definition, mock file or argument).
  It is never seen by the state machine; the CLI turns it into exit code 2.
"""

from __future__ import annotations

# The names, spelled once for the validator and the simulator (re-exported).
from ..asl.error_names import (
    ALL,
    EXCEED_TOLERATED_FAILURE_THRESHOLD,
    HEARTBEAT_TIMEOUT,
    NO_CHOICE_MATCHED,
    QUERY_EVALUATION_ERROR,
    RUNTIME,
    TASK_FAILED,
    TIMEOUT,
)

__all__ = [
    "Failure",
    "SimulationError",
    "ExecutionTimedOut",
    "StepLimit",
    "matches",
    "QUERY_EVALUATION_ERROR",
    "TIMEOUT",
    "HEARTBEAT_TIMEOUT",
    "RUNTIME",
    "NO_CHOICE_MATCHED",
    "EXCEED_TOLERATED_FAILURE_THRESHOLD",
]

# Errors that States.TaskFailed does not match: timeouts (AWS documents this),
# and failures that are not the task's (an expression that cannot be
# evaluated is the state machine's own fault; as measured by sfnx's authors).
_NOT_TASK_FAILURES = frozenset({TIMEOUT, HEARTBEAT_TIMEOUT, QUERY_EVALUATION_ERROR, RUNTIME})


class Failure(Exception):
    """A Step Functions error: what a service fake or handler raises to fail
    its Task (the equivalent of the integration's error or of
    SendTaskFailure), and what the interpreter raises for ``States.*``."""

    def __init__(self, error: str | None, cause: str | None = "") -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause

    def __repr__(self) -> str:
        return f"Failure({self.error!r}, {self.cause!r})"


class SimulationError(ValueError):
    """The simulation cannot run as asked; the message names what and where
    (state name, file, mock). Not a Step Functions error: nothing catches it."""


class ExecutionTimedOut(Exception):
    """The execution's own TimeoutSeconds elapsed on the simulated clock.
    Not catchable by any Catch, so it is not a :class:`Failure`."""


class StepLimit(Exception):
    """The execution used up the simulator's bound of steps (states entered
    plus retries, ``max_steps``). Nothing catches it (not even a Distributed
    Map's tolerated failures); the execution ends FAILED with
    ``States.Runtime``, as AWS ends a STANDARD execution whose history
    outgrows 25,000 events."""

    def __init__(self, limit: int, path: str) -> None:
        super().__init__(
            f"the simulation stopped after {limit:,} steps (states entered and retries), at {path}: "
            "a loop that does not end, or raise max_steps (--max-steps)"
        )
        self.limit = limit
        self.path = path


def matches(error_equals: tuple[str, ...] | list[str], error: str | None) -> bool:
    """Whether a Retry / Catch ``ErrorEquals`` list matches ``error``.

    ``States.ALL`` matches everything but ``States.Runtime``;
    ``States.TaskFailed`` everything but timeouts, query evaluation errors and
    ``States.Runtime``; ``States.Timeout`` also matches heartbeat timeouts."""
    if error == RUNTIME:
        return False
    if error in error_equals or ALL in error_equals:
        return True
    if TASK_FAILED in error_equals and error not in _NOT_TASK_FAILURES:
        return True
    return error == HEARTBEAT_TIMEOUT and TIMEOUT in error_equals
