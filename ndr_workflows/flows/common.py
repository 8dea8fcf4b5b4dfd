"""What the five flows share: the two standard parameters, "now", and the
opening states (normalize, resolve, validate)."""

from __future__ import annotations

from ..expressions import expr
from ..model import Fragment
from ..steps import Param, normalize_message, resolve_params, validate_params
from ..steps.message_expressions import epoch_seconds_after_start_text, now_iso_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..steps import Check

__all__ = ["HOUR", "DAY", "project_params", "now_iso", "epoch_after_start", "opening"]

HOUR = 3600
DAY = 24 * HOUR


def project_params() -> list[Param]:
    """``project_name`` (default ``ndr-project``) and ``feature_spec_version`` (``v1``)."""
    return [Param("project_name", "ndr-project"), Param("feature_spec_version", "v1")]


def now_iso():  # noqa: ANN201 - an Expr
    """The execution's start time without milliseconds (retries and redrives see the same)."""
    return expr(now_iso_text())


def epoch_after_start(seconds: int):  # noqa: ANN201 - an Expr
    """Epoch seconds of the execution's start time plus ``seconds``."""
    return expr(epoch_seconds_after_start_text(seconds))


def opening(params: list[Param], checks: list[Check] | None = None, *, validate: bool = False) -> Fragment:
    """NormalizeIncomingMessage >> ResolvePipelineRuntimeParams
    [>> ValidateRuntimeParams]."""
    fragment = normalize_message() >> resolve_params(params)
    if validate or checks:
        fragment = fragment >> validate_params(params, checks or ())
    return fragment
