"""What would change: deployed state vs. the environment's wish.

"Unchanged" is decided here, on parsed values: the definition as JSON data
(so whitespace or key order in what AWS stores do not count), the role,
the tags, logging and tracing. Only when all match is nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass, field

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from .environment import Environment

__all__ = ["Desired", "Deployed", "changes", "unified_diff", "normal_logging"]


@dataclass(frozen=True)
class Desired:
    """What the environment wants one state machine to be."""

    definition: dict[str, Any]
    role_arn: str
    tags: dict[str, str]
    logging: dict[str, Any]
    tracing: bool

    @classmethod
    def of(cls, env: Environment, definition: dict[str, Any]) -> Desired:
        return cls(definition, env.role_arn, dict(env.tags), env.logging_api(), env.tracing)


@dataclass(frozen=True)
class Deployed:
    """What describe_state_machine + list_tags_for_resource report."""

    arn: str
    definition: Any
    role_arn: str
    tags: dict[str, str] = field(default_factory=dict)
    logging: dict[str, Any] = field(default_factory=dict)
    tracing: bool = False
    type: str = "STANDARD"

    @classmethod
    def from_api(cls, description: dict[str, Any], tags: list[dict[str, str]]) -> Deployed:
        import json

        text = description.get("definition", "")
        try:
            definition: Any = json.loads(text)
        except ValueError:
            definition = text  # not JSON: never equal to ours, shown raw in the diff
        return cls(
            arn=description["stateMachineArn"],
            definition=definition,
            role_arn=description.get("roleArn", ""),
            # aws:* tags belong to AWS (CloudFormation adds some); never ours to change.
            tags={t["key"]: t.get("value", "") for t in tags if not t["key"].startswith("aws:")},
            logging=description.get("loggingConfiguration") or {},
            tracing=bool((description.get("tracingConfiguration") or {}).get("enabled")),
            type=description.get("type", "STANDARD"),
        )


def normal_logging(config: dict[str, Any]) -> tuple[str, bool, tuple[str, ...]]:
    """Logging reduced to what matters: OFF is OFF whatever else is set."""
    level = str(config.get("level") or "OFF")
    if level == "OFF":
        return ("OFF", False, ())
    groups = tuple(sorted(d.get("cloudWatchLogsLogGroup", {}).get("logGroupArn", "") for d in config.get("destinations") or []))
    return (level, bool(config.get("includeExecutionData")), groups)


def changes(deployed: Deployed, desired: Desired) -> list[str]:
    """The aspects that differ, in a fixed order: definition, role, logging, tracing, tags."""
    out = []
    if deployed.definition != desired.definition:
        out.append("definition")
    if deployed.role_arn != desired.role_arn:
        out.append("role")
    if normal_logging(deployed.logging) != normal_logging(desired.logging):
        out.append("logging")
    if deployed.tracing != desired.tracing:
        out.append("tracing")
    if deployed.tags != desired.tags:
        out.append("tags")
    return out


def _text(value: Any) -> list[str]:
    from ..asl.reader import dumps

    if isinstance(value, str):
        return value.splitlines(keepends=True)
    return dumps(value).splitlines(keepends=True)


def unified_diff(machine_name: str, deployed: Deployed | None, desired: Desired) -> str:
    """The per-flow diff ``--dry-run`` prints: "new", or a unified diff of the
    definition plus one line per other changed setting."""
    from difflib import unified_diff as udiff

    if deployed is None:
        return f"new: {machine_name} (role {desired.role_arn}, {len(desired.tags)} tags, logging {desired.logging['level']}, tracing {'on' if desired.tracing else 'off'})\n"
    what = changes(deployed, desired)  # the one decision of what differs
    parts: list[str] = []
    if "definition" in what:
        parts.extend(udiff(_text(deployed.definition), _text(desired.definition), f"deployed/{machine_name}.json", f"new/{machine_name}.json"))
    if "role" in what:
        parts.append(f"role: {deployed.role_arn} -> {desired.role_arn}\n")
    if "logging" in what:
        parts.append(f"logging: {_show_logging(deployed.logging)} -> {_show_logging(desired.logging)}\n")
    if "tracing" in what:
        parts.append(f"tracing: {'on' if deployed.tracing else 'off'} -> {'on' if desired.tracing else 'off'}\n")
    if "tags" in what:
        for key in sorted(set(deployed.tags) | set(desired.tags)):
            old, new = deployed.tags.get(key), desired.tags.get(key)
            if old != new:
                parts.append(f"tag {key}: {'(none)' if old is None else repr(old)} -> {'(removed)' if new is None else repr(new)}\n")
    return "".join(parts)


def _show_logging(config: dict[str, Any]) -> str:
    level, data, groups = normal_logging(config)
    if level == "OFF":
        return "OFF"
    return f"{level}{' with execution data' if data else ''} to {', '.join(groups) or '(no log group)'}"
