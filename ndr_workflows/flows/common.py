"""What the flows share: the two standard parameters, "now", and the
opening states (normalize, resolve, validate)."""

from __future__ import annotations

from ..expressions import var
from ..steps import Param, Params
from ..steps.messages import NOW_ISO, START_EPOCH, epoch_after_start

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..expressions import Expr, Template
    from ..model import Fragment
    from ..steps import Check

__all__ = ["HOUR", "DAY", "BATCH_PARAMS", "batch_pipeline_parameters", "project_params", "now_iso", "epoch_after_start", "START_EPOCH", "opening"]

HOUR = 3600
DAY = 24 * HOUR


# The mini-batch's identity, as variables and as pipeline parameters.
BATCH_PARAMS = ("project_name", "feature_spec_version", "mini_batch_id", "batch_start_ts_iso", "batch_end_ts_iso")
_PIPELINE_NAMES = ("ProjectName", "FeatureSpecVersion", "MiniBatchId", "BatchStartTsIso", "BatchEndTsIso")


def batch_pipeline_parameters() -> dict[str, Template]:
    """The five parameters the mini-batch pipelines take."""
    return {k: var(v) for k, v in zip(_PIPELINE_NAMES, BATCH_PARAMS)}


def project_params() -> list[Param]:
    """``project_name`` (default ``ndr-project``) and ``feature_spec_version`` (``v1``)."""
    return [Param("project_name", "ndr-project"), Param("feature_spec_version", "v1")]


def now_iso() -> Expr:
    """The execution's start time without milliseconds (retries and redrives see the same)."""
    return NOW_ISO


def opening(params: list[Param], checks: list[Check] | None = None, *, validate: bool = False) -> Fragment:
    """NormalizeIncomingMessage >> ResolvePipelineRuntimeParams
    [>> ValidateRuntimeParams]."""
    return Params(*params).opening(checks or (), gate=validate or any(p.required or p.type for p in params))
