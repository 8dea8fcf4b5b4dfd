"""What a deploy did, per flow, said so that an operator can act on it.

Each flow ends as one of: created, updated, unchanged (or, in a dry run,
would create / would update), failed, or not attempted (the run stopped
before it: the endpoint stopped answering, the credentials expired). A
failure names the AWS operation and its error code and message, and what
the same flow had already changed in this run (an ``UpdateStateMachine``
that went through before its ``TagResource`` failed leaves the new
definition with the old tags: the line says so). When the run stopped
early, :func:`stop_report` says which flows were created or updated before
it stopped and which were not attempted; a re-run converges.
"""

from __future__ import annotations

from dataclasses import dataclass

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence

    from ..asl.problems import Problem

__all__ = ["DeployResult", "stop_report", "ACTIONS"]

ACTIONS = ("created", "updated", "unchanged", "would create", "would update", "failed", "not attempted")


@dataclass(frozen=True)
class DeployResult:
    """What happened to one flow.

    ``action``: one of :data:`ACTIONS`; for failed, ``error`` says why,
    ``operation`` names the AWS call that failed (None when the flow failed
    before any call: validation), ``error_code`` its code (``AccessDeniedException``,
    or the connection error's name), ``applied`` what the flow's earlier
    calls in this run already changed (``("definition",)``), ``uncertain``
    that the failing call may have been applied (the connection dropped
    after the request was sent), and ``findings`` the validator's findings.
    ``changes`` names what differed (definition, role, logging, tracing,
    tags); ``diff`` is the dry-run text. ``publish_error`` says why
    publishing a version or moving the alias failed after the machine itself
    was created/updated (``action`` and ``arn`` still say what was done).
    """

    name: str
    machine_name: str
    action: str
    arn: str | None = None
    changes: tuple[str, ...] = ()
    diff: str = ""
    findings: tuple[Problem, ...] = ()
    error: str | None = None
    version_arn: str | None = None
    alias_arn: str | None = None
    notes: tuple[str, ...] = ()
    publish_error: str | None = None
    operation: str | None = None
    error_code: str | None = None
    applied: tuple[str, ...] = ()
    uncertain: bool = False

    @property
    def ok(self) -> bool:
        """Nothing failed: the flow was deployed (or planned) and, with
        publish, its version/alias too."""
        return self.action not in ("failed", "not attempted") and self.publish_error is None

    def summary(self) -> str:
        """One line: ``NAME: ACTION ARN (what changed)``, what publishing did,
        or what failed, where, and what was done before it."""
        if self.action == "not attempted":
            return f"{self.name}: not attempted ({self.error or 'the run stopped before it'})"
        if self.action == "failed":
            text = f"{self.name}: failed"
            if self.operation:
                text += f" at {self.operation}"
            text += f": {self.error}"
            if self.applied:
                text += f"; already changed in this run: {', '.join(self.applied)}"
            rest = [c for c in self.changes if c not in self.applied]
            if self.operation and rest:
                text += f"; not changed: {', '.join(rest)}"
            if self.uncertain:
                text += f"; whether {self.operation} was applied is unknown (the connection dropped after the request): re-run to converge"
            return text
        text = f"{self.name}: {self.action} {self.arn or self.machine_name}"
        if self.changes and self.action != "would create":
            text += f" ({', '.join(self.changes)})"
        if self.version_arn:
            text += f"; version {self.version_arn}"
        if self.alias_arn:
            text += f"; alias {self.alias_arn}"
        if self.publish_error:
            text += f"; but {self.publish_error}"
        return text


def stop_report(results: Sequence[DeployResult]) -> list[str]:
    """Lines for a run that stopped early (some flow not attempted): where it
    stopped, what this run had changed by then, what it never reached.
    Empty when every flow was attempted."""
    skipped = [r.name for r in results if r.action == "not attempted"]
    if not skipped:
        return []
    failed = next((r for r in results if r.action == "failed" and r.operation), None)
    lines = [f"the run stopped at {failed.name} ({failed.operation}): {failed.error}" if failed else "the run stopped early"]
    done = [f"{r.action} {r.name}" for r in results if r.action in ("created", "updated")]
    partly = [f"{r.name} (partly: {', '.join(r.applied)})" for r in results if r.action == "failed" and r.applied]
    lines.append("changed in this run before it stopped: " + (", ".join(done + partly) or "nothing"))
    lines.append(f"not attempted: {', '.join(skipped)}; re-run the same command to converge")
    return lines
