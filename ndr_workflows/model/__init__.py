"""The JSONata-mode state model: one small module per state type, fragments
that compose with ``>>``, the state machine, its checks and the renderer."""

from .base import ON_FAILURE, Catch, OnFailure, Retry, State
from .choice import Choice, Rule
from .choose import Choose, Goto, choose
from .errors import BuildError, Problem
from .base import Fragment, chain
from .machine import StateMachine
from .map_ import Map
from .parallel import Parallel
from .pass_ import Pass
from .task import Task
from .terminal import Fail, Succeed
from .wait import Wait

__all__ = [
    "ON_FAILURE",
    "OnFailure",

    "Retry",
    "Catch",
    "State",
    "Pass",
    "Task",
    "Choice",
    "Rule",
    "choose",
    "Choose",
    "Goto",
    "Wait",
    "Map",
    "Parallel",
    "Succeed",
    "Fail",
    "Fragment",
    "chain",
    "StateMachine",
    "Problem",
    "BuildError",
]
