"""Succeed and Fail: the states that end an execution (or a branch)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..expressions import Expr, Template
from .base import State

__all__ = ["Succeed", "Fail"]


@dataclass(frozen=True, kw_only=True)
class Succeed(State):
    """Ends the execution (or the Map iteration / Parallel branch) successfully."""

    TYPE: ClassVar[str] = "Succeed"
    CONTINUES: ClassVar[bool] = False

    output: Template = None


@dataclass(frozen=True, kw_only=True)
class Fail(State):
    """Ends the execution with an error name and a cause (literals or expressions)."""

    TYPE: ClassVar[str] = "Fail"
    CONTINUES: ClassVar[bool] = False

    error: str | Expr | None = None
    cause: str | Expr | None = None
