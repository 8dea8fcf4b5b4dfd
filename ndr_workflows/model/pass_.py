"""The Pass state: assign variables, reshape data, move on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from ..expressions import Template
from .base import State, Target

__all__ = ["Pass"]


@dataclass(frozen=True, kw_only=True)
class Pass(State):
    """A Pass state. ``output`` replaces the input; ``assign`` sets variables."""

    TYPE: ClassVar[str] = "Pass"

    assign: Mapping[str, Template] | None = None
    output: Template = None
    next: Target | None = None
    end: bool = False
