"""Build errors: every problem at once, each with the state path and a hint."""

from __future__ import annotations

from ..asl.problems import Problem

__all__ = ["Problem", "BuildError"]


class BuildError(ValueError):
    """Raised when a flow cannot be correct. ``problems`` lists every one."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], subject: str = "flow") -> None:
        self.problems = tuple(problems)
        self.subject = subject
        count = len(self.problems)
        lines = [f"{subject}: {count} problem{'s' if count != 1 else ''}:"]
        lines += ["  " + str(p).replace("\n", "\n  ") for p in self.problems]
        super().__init__("\n".join(lines))
