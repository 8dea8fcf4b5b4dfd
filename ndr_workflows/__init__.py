"""ndr_workflows: the NDR platform's Step Functions state machines, written in
Python and rendered to Amazon States Language (JSONata query language).

Pipeline: flow module (``ndr_workflows.flows``) -> step builders
(``ndr_workflows.steps``) -> state model (``ndr_workflows.model``) -> JSON;
beside it, JSON -> ``validate`` / ``simulate`` / ``diagram`` / ``deploy`` /
``contracts``, all on ``ndr_workflows.asl`` (findings, the JSONata parser,
the one reader and walker). Imports go down only; docs/design/layers.md
draws the layers.

Importing this package imports nothing else: the names below are loaded
on first use (PEP 562), so ``import ndr_workflows.simulate`` loads the
simulator and what it stands on, not the state model or the builders.
No AWS SDK, no JSONata engine until a check needs it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
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

_EXPRESSIONS = ("Expr", "expr", "var", "lit", "obj", "arr", "json_string", "states_input", "context")
_MODEL = (
    "ON_FAILURE", "BuildError", "Catch", "Choice", "Fail", "Fragment", "Map", "Parallel", "Pass",
    "Problem", "Retry", "Rule", "StateMachine", "Succeed", "Task", "Wait", "chain",
)

__all__ = [*_EXPRESSIONS, *_MODEL]


def __getattr__(name: str) -> object:
    """The public names, imported from their modules on first use."""
    if name in _EXPRESSIONS:
        from . import expressions as module
    elif name in _MODEL:
        from . import model as module  # type: ignore[no-redef]
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
