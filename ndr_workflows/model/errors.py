"""Build errors: every problem at once, each with the state path and a hint."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "BuildError"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a flow.

    ``path`` names the state, e.g. ``RunBackfillWindows/StartBackfillPipeline``
    for a state inside a Map, optionally followed by the field
    (``.../Catch[0].Next``).
    """

    path: str
    code: str
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.path}: {self.code}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


class BuildError(ValueError):
    """Raised when a flow cannot be correct. ``problems`` lists every one."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], subject: str = "flow") -> None:
        self.problems = tuple(problems)
        self.subject = subject
        count = len(self.problems)
        lines = [f"{subject}: {count} problem{'s' if count != 1 else ''}:"]
        lines += ["  " + str(p).replace("\n", "\n  ") for p in self.problems]
        super().__init__("\n".join(lines))
