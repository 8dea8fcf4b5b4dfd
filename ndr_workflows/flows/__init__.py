"""The NDR flows, one module each, and their registry.

A flow module declares its ``NAME`` (the exported file's stem, which is
also the deployed state machine's name after the environment's prefix) and
``build(**options)`` returning the :class:`~ndr_workflows.model.StateMachine`.
Listing the module in :data:`MODULES` below is all the registration there
is: the export, validate, deploy, the diagrams and the tests read the flows
from here (docs/adding_a_flow.md walks through it).

The modules are imported on first use of :data:`FLOW_NAMES` / :data:`FLOWS`
(PEP 562), not when this package is imported: a command given a definition
file never pays for building the flows.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from types import ModuleType
    from typing import Any

    from ..model import StateMachine

    FLOWS: dict[str, str]  # NAME -> module name (computed on first use)
    FLOW_NAMES: tuple[str, ...]  # the NAMEs, in MODULES order (computed on first use)

__all__ = ["MODULES", "FLOWS", "FLOW_NAMES", "build_flow", "flow_module", "unknown_flow", "RegistryError"]

# The flow modules of this package, one line each, in the order every
# command lists, exports and deploys them (that of docs/flows/README.md).
# Adding a flow: its module, and its line here.
MODULES: tuple[str, ...] = (
    "features_inference_15m",
    "monthly_fg_b_baselines",
    "training_orchestrator",
    "backfill_reprocessing",
    "prediction_publication",
)


class RegistryError(ImportError):
    """A listed flow module that is not a flow (no NAME or no build), or two
    modules claiming the same NAME."""


_registry: dict[str, str] | None = None


def _read_registry() -> dict[str, str]:
    """NAME -> module name, in :data:`MODULES` order (imports the modules once)."""
    global _registry
    if _registry is None:
        found: dict[str, str] = {}
        for module_name in MODULES:
            module = import_module(f"{__name__}.{module_name}")
            name = getattr(module, "NAME", None)
            if not isinstance(name, str) or not name or not callable(getattr(module, "build", None)):
                raise RegistryError(f"{module.__file__}: a flow module declares NAME = 'sfn_...' (a string) and def build(**options) -> StateMachine")
            if name in found:
                raise RegistryError(f"flow NAME {name!r} is declared by two modules: {found[name]} and {module_name}")
            found[name] = module_name
        _registry = found
    return _registry


def __getattr__(attribute: str) -> Any:
    if attribute == "FLOWS":
        return dict(_read_registry())
    if attribute == "FLOW_NAMES":
        return tuple(_read_registry())
    raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")


def flow_module(name: str) -> ModuleType:
    """The module that defines flow ``name``; KeyError names the valid ones."""
    registry = _read_registry()
    if name not in registry:
        raise KeyError(unknown_flow(name))
    return import_module(f"{__name__}.{registry[name]}")


def unknown_flow(name: str, opening: str = "unknown flow {name!r}") -> str:
    """What every command says of a NAME that is not a flow: ``opening``,
    the closest NAME if one is close, and the NAMEs."""
    from ..asl.common import did_you_mean

    names = tuple(_read_registry())
    hint = did_you_mean(name, names)
    return opening.format(name=name) + (f" ({hint})" if hint else "") + f"; the flows are: {', '.join(names)}"


def build_flow(name: str, **options: Any) -> StateMachine:
    """Build flow ``name`` (see each module's ``build`` for the options)."""
    return flow_module(name).build(**options)
