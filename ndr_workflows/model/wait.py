"""The Wait state: pause for a number of seconds or until a time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ..expressions import Expr, Template
from .base import Seconds, State, Target

__all__ = ["Wait"]


@dataclass(frozen=True, kw_only=True)
class Wait(State):
    """A Wait state: exactly one of ``seconds`` or ``timestamp``."""

    TYPE: ClassVar[str] = "Wait"

    seconds: Seconds | None = None
    timestamp: str | Expr | None = None
    assign: Mapping[str, Template] | None = None
    output: Template = None
    next: Target | None = None
    end: bool = False
