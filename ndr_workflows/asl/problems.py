"""Findings: what is wrong, where, and how to fix it.

Every part of the package reports the same type: the model's build checks,
the validator, the pipeline contracts, the deploy. A :class:`Problem` names
the state by its path from the top (``RunBackfillWindows/StartBackfillPipeline``
for a state inside a Map), a stable ``code`` for scripts, a ``message`` and a
``hint``, and its ``severity``.

``field`` is the finding's root cause as data: the value of the state it is
about (``Catch[0].Next``, ``Arguments.Payload.id``; "" for the state or the
machine as a whole). When one mistake shows in several checks (the model
reports a failure route that nothing resolved; the validator, reading the
rendered JSON, would also see a transition to a state that does not exist),
the knock-on findings are recognised by that cause
(:meth:`Problem.explains`), never by the wording of their messages.

Where a state stands in its graph -- whether the start reaches it, whether
it leads to an end -- is not a value of the state: a finding about it
(``UNREACHABLE``, ``NO_PATH_TO_END``) has the field :data:`REACH`. A
mistake elsewhere that changes the graph -- a name the definition holds
twice, so that JSON keeps one of the two states -- is its root cause: the
check that knows it adds a cause with that field on each state concerned,
which explains that finding and nothing else about the state.
"""

from __future__ import annotations

from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

__all__ = ["Problem", "unique", "has_errors", "explained", "finding_line", "finding_row", "TOP_LEVEL", "REACH"]

# How a finding about the whole definition names its place in text output.
TOP_LEVEL = "(state machine)"
# The field of a finding about where a state stands in its graph (see the module's docstring).
REACH = "(reach)"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a flow or a definition.

    ``message`` starts with the field when one is concerned
    (``Catch[0].Next: ...``); ``severity`` is ``"error"`` (AWS would reject
    it, or it fails at run time) or ``"warning"`` (legal but almost
    certainly not meant); ``field`` is the value the finding is about (see
    the module's docstring).
    """

    path: str
    code: str
    message: str
    hint: str = ""
    severity: str = "error"
    field: str = ""

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def explains(self, other: Problem) -> bool:
        """Whether ``other`` is about the value this finding is about (the
        same state, and the same field or a part of it): a knock-on of the
        same mistake."""
        if not self.field or other.path != self.path:
            return False
        field, inner = self.field, other.field
        return inner == field or (inner.startswith(field) and inner[len(field)] in ".[")

    def __str__(self) -> str:
        text = f"{self.path or TOP_LEVEL}: {self.code}: {self.message}"
        return f"{text}\n    hint: {self.hint}" if self.hint else text


def unique(findings: Iterable[Problem]) -> list[Problem]:
    """The findings in order of discovery, exact duplicates dropped."""
    return list(dict.fromkeys(findings))


def explained(findings: Iterable[Problem], causes: Iterable[Problem]) -> list[Problem]:
    """The findings that none of ``causes`` explains (the knock-ons dropped)."""
    causes = list(causes)
    if not causes:
        return list(findings)
    return [f for f in findings if not any(cause is not f and cause.explains(f) for cause in causes)]


def has_errors(findings: Iterable[Problem]) -> bool:
    """Whether any finding is an error (not just a warning)."""
    return any(f.severity == "error" for f in findings)


def finding_row(file: str, f: Problem) -> dict[str, str]:
    """One finding as a ``--format json`` row of the commands that print findings."""
    return {"file": file, "path": f.path, "code": f.code, "severity": f.severity, "message": f.message, "hint": f.hint}


def finding_line(file: str, f: Problem) -> str:
    """One finding as one line, ``FILE: STATE/PATH: CODE: message (hint: ...)``:
    scripts count and grep lines, so the hint goes at its end."""
    message = f.message if f.severity == "error" else f"{f.severity}: {f.message}"
    line = f"{file}: {f.path or TOP_LEVEL}: {f.code}: {message}"
    return f"{line} (hint: {f.hint})" if f.hint else line
