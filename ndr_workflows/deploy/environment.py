"""Environment files: where and how the flows are deployed.

One file per environment (dev, prod, ...) holds everything that differs
between them: the AWS region, the execution role, the name prefix, tags, the
values that replace the definitions' ``${Name}`` placeholders, and optional
logging and tracing. The file is checked as a whole and every problem is
reported at once, so a broken file is fixed in one round trip; nothing
talks to AWS before the file is known to be usable.

JSON always works; ``.yaml`` / ``.yml`` files need PyYAML (an optional
import: ``pip install pyyaml``). Both are read by the package's one hardened
reader (:func:`ndr_workflows.asl.reader.read_data`): a duplicate key, a
5,000-digit number, NaN, deep nesting, YAML aliases or bytes that are not
UTF-8 give one message naming the file, never a traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Mapping
    from typing import Any

__all__ = ["Environment", "Logging", "EnvFileError", "load_environment", "parse_environment", "check_name", "check_alias"]

# The documented shape of an environment file (also shown in error messages).
FIELDS = ("region", "role_arn", "state_machine_name_prefix", "tags", "substitutions", "allow", "logging", "tracing")
LOGGING_FIELDS = ("level", "include_execution_data", "log_group_arn")
LOG_LEVELS = ("ALL", "ERROR", "FATAL", "OFF")

MAX_NAME = 80  # Step Functions state machine names: 1-80 characters.
REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
ROLE_ARN = re.compile(r"^arn:(?P<partition>aws|aws-cn|aws-us-gov):iam::(?P<account>[0-9]{12}):role/(?:[\x21-\x7e]+/)?(?P<name>[\w+=,.@-]{1,64})$")
LOG_GROUP_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):logs:[a-z0-9-]+:[0-9]{12}:log-group:[\w./#-]{1,512}:\*$")
# What Step Functions forbids in a state machine name (developer guide,
# "Naming"): whitespace, brackets, wildcards, these punctuation marks and
# control characters.
FORBIDDEN_NAME_CHARS = set(' \t\n\r<>{}[]?*"#%\\^|~`$&,;:/')
SUBSTITUTION_KEY = re.compile(r"^[A-Za-z0-9_]+$")
# CreateStateMachineAlias's name (botocore's model, CharacterRestrictedName):
# 1-80 of letters, digits, '_', '-', '.', and not digits only (a number
# after the machine's ARN names a version). Used with fullmatch.
ALIAS_NAME = re.compile(r"(?=.*[a-zA-Z_.-])[a-zA-Z0-9_.-]{1,80}")


class EnvFileError(ValueError):
    """The environment file cannot be used; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[str], substitutions: dict[str, str] | None = None) -> None:
        self.source = source
        self.problems = list(problems)
        #: The file's substitutions when that object itself was readable (its
        #: keys can be checked against the flows though other fields are wrong).
        self.substitutions = substitutions
        head = f"{source}: {len(self.problems)} problem{'s' if len(self.problems) != 1 else ''}:"
        super().__init__("\n".join([head] + [f"  {p}" for p in self.problems]))


@dataclass(frozen=True)
class Logging:
    """CloudWatch Logs for executions; ``level`` OFF needs no log group."""

    level: str
    include_execution_data: bool = False
    log_group_arn: str | None = None

    def to_api(self) -> dict[str, Any]:
        """The Step Functions API's ``loggingConfiguration``."""
        out: dict[str, Any] = {"level": self.level, "includeExecutionData": self.include_execution_data}
        if self.log_group_arn:
            out["destinations"] = [{"cloudWatchLogsLogGroup": {"logGroupArn": self.log_group_arn}}]
        return out


@dataclass(frozen=True)
class Environment:
    """A checked environment file. ``source`` names the file in messages."""

    region: str
    role_arn: str
    state_machine_name_prefix: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    substitutions: dict[str, str] = field(default_factory=dict)
    logging: Logging | None = None
    tracing: bool = False
    source: str = "environment"
    #: Per substitution key, what its value may do beyond a plain AWS name
    #: (``wildcard``, ``expression``, ``other-account``, ``other-region``):
    #: the file's ``"allow"``. Each use is warned about and named in the IAM Sids.
    allow: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def partition(self) -> str:
        match = ROLE_ARN.match(self.role_arn)
        return match.group("partition") if match else "aws"

    @property
    def account(self) -> str:
        """The account the machines live in: the role's account."""
        match = ROLE_ARN.match(self.role_arn)
        return match.group("account") if match else "000000000000"

    def machine_name(self, flow: str) -> str:
        return self.state_machine_name_prefix + flow

    def machine_arn(self, flow: str) -> str:
        return f"arn:{self.partition}:states:{self.region}:{self.account}:stateMachine:{self.machine_name(flow)}"

    def logging_api(self) -> dict[str, Any]:
        """What describe_state_machine reports when this environment is deployed."""
        return self.logging.to_api() if self.logging else {"level": "OFF", "includeExecutionData": False}


def check_name(name: str) -> str | None:
    """Why ``name`` is not a valid state machine name, or None."""
    if not name:
        return "the state machine name is empty"
    if len(name) > MAX_NAME:
        return f"state machine name {name!r} is {len(name)} characters; at most {MAX_NAME} are allowed (shorten state_machine_name_prefix)"
    bad = sorted({c for c in name if c in FORBIDDEN_NAME_CHARS or ord(c) < 32 or 127 <= ord(c) < 160})
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        return f"state machine name {name!r} contains characters Step Functions forbids: {shown}"
    return None


def check_alias(alias: str) -> str | None:
    """Why ``alias`` is not a valid state machine alias name, or None."""
    if ALIAS_NAME.fullmatch(alias):
        return None
    if not alias:
        return "the alias name is empty"
    if len(alias) > MAX_NAME:
        return f"alias name {alias!r} is {len(alias)} characters; at most {MAX_NAME} are allowed"
    if alias.isdigit():
        return f"alias name {alias!r} is digits only; Step Functions needs a letter, '_', '-' or '.' in it"
    return f"alias name {alias!r} may hold only letters, digits, '_', '-' and '.'"


def load_environment(source: str | Path | Mapping[str, Any], flow_names: Iterable[str] = ()) -> Environment:
    """Read and check an environment file (JSON, or YAML by extension).

    A mapping is checked the same way, for notebooks that build one inline.
    ``flow_names``: the flows whose machines the prefix must leave room for
    (the command line passes the five; each deployed name is checked anyway).
    Raises :class:`EnvFileError` listing every problem.
    """
    if not isinstance(source, (str, Path)):
        return parse_environment(source, "environment", flow_names)
    from ..asl.reader import UnusableInput, read_data

    path = Path(source)
    try:
        data = read_data(path, str(path))
    except UnusableInput as exc:
        raise EnvFileError(str(path), [_without_source(str(exc), str(path))]) from None
    return parse_environment(data, str(path), flow_names)


def _without_source(message: str, source: str) -> str:
    """The reader's message less its leading ``SOURCE: `` (EnvFileError names the file)."""
    if message.startswith(source + ": "):
        return message[len(source) + 2:]
    if message.startswith(source + "."):  # a JSON-data check's path: SOURCE.field: ...
        return message[len(source) + 1:]
    return message


def parse_environment(data: Any, source: str = "environment", flow_names: Iterable[str] = ()) -> Environment:
    """Check already-parsed file content; see :func:`load_environment`."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise EnvFileError(source, [f"the top level must be an object with the fields {', '.join(FIELDS)}, not {_kind(data)}"])
    for key in data:
        if key not in FIELDS:
            problems.append(f"unknown field {key!r}{_suggest(key, FIELDS)}; the fields are: {', '.join(FIELDS)}")

    region = _string(data, "region", problems, required=True)
    if region and not REGION.match(region):
        problems.append(f"region: {region!r} is not an AWS region name (like 'us-east-1')")
    role_arn = _string(data, "role_arn", problems, required=True)
    if role_arn and not ROLE_ARN.match(role_arn):
        problems.append(f"role_arn: {role_arn!r} is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)")
    prefix = _string(data, "state_machine_name_prefix", problems, required=False) or ""
    if prefix:
        # Every machine name (prefix + flow NAME) must fit: the longest decides.
        longest = max(flow_names, key=len, default="")
        reason = check_name(prefix + longest)
        if reason:
            problems.append(f"state_machine_name_prefix: {reason}")

    tags = _string_map(data, "tags", problems)
    for key, value in tags.items():
        if not 1 <= len(key) <= 128:
            problems.append(f"tags: key {key!r} must be 1-128 characters")
        if key.lower().startswith("aws:"):
            problems.append(f"tags: key {key!r} uses the reserved prefix 'aws:'")
        if len(value) > 256:
            problems.append(f"tags.{key}: the value must be at most 256 characters")
        bad = sorted({c for c in key + value if not (c.isalnum() or c.isspace() and c.isprintable() or c in "_.:/=+-@")})
        if bad:
            problems.append(f"tags.{key}: holds {', '.join(repr(c) for c in bad)}; tags take letters, digits, spaces and _ . : / = + - @")
    if len(tags) > 50:
        problems.append(f"tags: {len(tags)} tags; a state machine takes at most 50")

    substitutions = _string_map(data, "substitutions", problems)
    for key, value in substitutions.items():
        if not SUBSTITUTION_KEY.match(key):
            problems.append(f"substitutions: key {key!r} is not a placeholder name (letters, digits, _)")
        if not value:
            problems.append(f"substitutions.{key}: the value is empty")
        elif "${" in value:
            problems.append(f"substitutions.{key}: the value {value!r} holds a '${{' placeholder itself")

    allow = _allow(data.get("allow", {}), substitutions, problems)
    logging = _logging(data.get("logging"), problems) if "logging" in data else None
    tracing = data.get("tracing", False)
    if not isinstance(tracing, bool):
        problems.append(f"tracing: must be true or false, not {_kind(tracing)}")
        tracing = False

    if problems:
        raw = data.get("substitutions", {})
        # every key counts for the key checks, even one whose value is wrong (reported above)
        keys = {str(k): v if isinstance(v, str) else "" for k, v in raw.items()} if isinstance(raw, dict) else None
        raise EnvFileError(source, problems, keys)
    assert region is not None and role_arn is not None
    return Environment(region, role_arn, prefix, tags, substitutions, logging, tracing, source, allow)


def _allow(value: Any, substitutions: dict[str, str], problems: list[str]) -> dict[str, tuple[str, ...]]:
    """``"allow": {"KEY": ["wildcard", ...]}``: opt-ins per substitution key."""
    from .naming import ALLOW_WORDS

    if not isinstance(value, dict):
        problems.append(f'allow: must be an object of lists, like {{"LockTableName": ["wildcard"]}}, not {_kind(value)}')
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for key, words in value.items():
        if key not in substitutions:
            problems.append(f"allow: {key!r} is not a key of substitutions{_suggest(key, tuple(substitutions))}")
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            problems.append(f"allow.{key}: must be a list of {', '.join(ALLOW_WORDS)}, not {_kind(words)}")
            continue
        for word in words:
            if word not in ALLOW_WORDS:
                problems.append(f"allow.{key}: unknown opt-in {word!r}{_suggest(word, ALLOW_WORDS)}; the opt-ins are: {', '.join(ALLOW_WORDS)}")
        out[str(key)] = tuple(dict.fromkeys(w for w in words if w in ALLOW_WORDS))
    return out


def _logging(value: Any, problems: list[str]) -> Logging | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(f"logging: must be an object with {', '.join(LOGGING_FIELDS)}, not {_kind(value)}")
        return None
    for key in value:
        if key not in LOGGING_FIELDS:
            problems.append(f"logging: unknown field {key!r}{_suggest(key, LOGGING_FIELDS)}; the fields are: {', '.join(LOGGING_FIELDS)}")
    level = value.get("level")
    if level not in LOG_LEVELS:
        problems.append(f"logging.level: must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    include = value.get("include_execution_data", False)
    if not isinstance(include, bool):
        problems.append(f"logging.include_execution_data: must be true or false, not {_kind(include)}")
    group = value.get("log_group_arn")
    if group is not None and (not isinstance(group, str) or not LOG_GROUP_ARN.match(group)):
        problems.append(f"logging.log_group_arn: {group!r} is not a log group ARN ending in ':*' (arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*)")
    if level in LOG_LEVELS and level != "OFF" and not group:
        problems.append(f"logging.log_group_arn: required when logging.level is {level}")
    if level not in LOG_LEVELS or not isinstance(include, bool):
        return None
    return Logging(str(level), include, group if isinstance(group, str) else None)


def _string(data: dict[str, Any], key: str, problems: list[str], *, required: bool) -> str | None:
    if key not in data:
        if required:
            problems.append(f"{key}: missing (required)")
        return None
    value = data[key]
    if not isinstance(value, str):
        problems.append(f"{key}: must be a string, not {_kind(value)}")
        return None
    return value


def _string_map(data: dict[str, Any], key: str, problems: list[str]) -> dict[str, str]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        problems.append(f"{key}: must be an object of strings, not {_kind(value)}")
        return {}
    out: dict[str, str] = {}
    for k, v in value.items():
        if not isinstance(v, str):
            problems.append(f"{key}.{k}: must be a string, not {_kind(v)}")
        else:
            out[str(k)] = v
    return out


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _suggest(word: str, choices: tuple[str, ...]) -> str:
    from ..asl.common import did_you_mean

    hint = did_you_mean(word, choices)
    return f" ({hint})" if hint else ""
