"""Build errors: every problem at once, each with the state path and a hint."""

from __future__ import annotations

from .record import Record

__all__ = ["Problem", "BuildError"]


class Problem(Record):
    """One thing wrong with a flow.

    ``path`` names the state from the top, e.g.
    ``RunBackfillWindows/StartBackfillPipeline`` for a state inside a Map;
    ``message`` starts with the field when one is concerned
    (``Catch[0].Next: ...``); ``code`` is a stable identifier for scripts;
    ``severity`` is ``"error"`` (AWS would reject it, or it fails at run
    time) or ``"warning"`` (legal but almost certainly not meant).
    The validator's findings are the same type.
    """

    __slots__ = ("path", "code", "message", "hint", "severity")
    path: str
    code: str
    message: str
    hint: str
    severity: str

    def __init__(self, path: str, code: str, message: str, hint: str = "", severity: str = "error") -> None:
        self._set(path=path, code=code, message=message, hint=hint, severity=severity)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def __str__(self) -> str:
        text = f"{self.path or '(state machine)'}: {self.code}: {self.message}"
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
