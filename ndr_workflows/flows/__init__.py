"""The five NDR flows, one module each, and their registry.

A flow's NAME is its exported file's stem. ``build_flow(NAME, **options)``
builds one; every module also has ``build(completion=...)`` so the pipeline
waits can be switched between callback (default, exported) and polling.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..model import StateMachine

__all__ = ["FLOWS", "FLOW_NAMES", "build_flow", "flow_module"]

# NAME -> module (relative to this package), in the order of docs/flows/README.md.
FLOWS: dict[str, str] = {
    "sfn_ndr_15m_features_inference": "features_inference_15m",
    "sfn_ndr_monthly_fg_b_baselines": "monthly_fg_b_baselines",
    "sfn_ndr_training_orchestrator": "training_orchestrator",
    "sfn_ndr_backfill_reprocessing": "backfill_reprocessing",
    "sfn_ndr_prediction_publication": "prediction_publication",
}
FLOW_NAMES: tuple[str, ...] = tuple(FLOWS)


def flow_module(name: str) -> Any:
    """The module that defines flow ``name``; KeyError names the valid ones."""
    if name not in FLOWS:
        raise KeyError(f"unknown flow {name!r}; the flows are: {', '.join(FLOW_NAMES)}")
    return import_module(f"{__name__}.{FLOWS[name]}")


def build_flow(name: str, **options: Any) -> StateMachine:
    """Build flow ``name`` (see each module's ``build`` for the options)."""
    return flow_module(name).build(**options)
