"""AWS naming rules for each kind of substitution value (:mod:`.kinds`).

Two layers. Our own rules give the precise message (which character, how
long, which account): the characters and lengths of each service's names,
the shape of its ARNs, and that an ARN's partition, region and account are
the environment's (the role's). Then botocore's model of the argument
(``pattern``, ``min``, ``max`` of e.g. Lambda ``Invoke``'s ``FunctionName``)
is checked too, where it has one and botocore is installed, so a value AWS
would refuse is refused here, before anything is deployed.

``allowed`` holds the environment file's opt-ins for the key (``"allow"``):
``wildcard`` lets ``*`` / ``?`` through, ``expression`` a whole ``{% %}``
value, ``other-account`` / ``other-region`` an ARN elsewhere. A partition
other than the role's is never allowed (no call crosses partitions).
"""

from __future__ import annotations

import re
from functools import lru_cache

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["Context", "check_value", "check_text", "ALLOW_WORDS", "BOTOCORE_MEMBERS", "JSON_UNSAFE"]

ALLOW_WORDS = ("wildcard", "expression", "other-account", "other-region")
WILDCARDS = "*?"
# What CloudFormation's plain-text substitution cannot carry into a JSON
# string (it would end the string or start an escape): refused everywhere.
JSON_UNSAFE = '"\\'
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")  # and unpaired surrogates (no UTF-8)
ARN = re.compile(r"arn:(?P<partition>[^:]*):(?P<service>[^:]*):(?P<region>[^:]*):(?P<account>[^:]*):(?P<resource>.*)", re.S)

# botocore's (service, operation, member path) of the argument each kind is
# sent as; its pattern and lengths are checked on top of ours.
BOTOCORE_MEMBERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "table": ("dynamodb", "PutItem", ("TableName",)),
    "pipeline": ("sagemaker", "StartPipelineExecution", ("PipelineName",)),
    "function": ("lambda", "Invoke", ("FunctionName",)),
    "event-bus": ("events", "PutEvents", ("Entries", "EventBusName")),
    "state-machine": ("stepfunctions", "StartExecution", ("stateMachineArn",)),
    "s3-bucket": ("s3", "GetObject", ("Bucket",)),
    "s3-key": ("s3", "GetObject", ("Key",)),
}

TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")
PIPELINE_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,255}")
FUNCTION = re.compile(r"(?P<name>[a-zA-Z0-9_-]{1,64})(:(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]{1,128}))?")
EVENT_BUS_NAME = re.compile(r"[.\-_A-Za-z0-9]{1,256}")
MACHINE_NAME = re.compile(r"[^\s<>{}\[\]?*\"#%\\^|~`$&,;:/\x00-\x1f\x7f-\x9f]{1,80}")
ACTIVITY_NAME = MACHINE_NAME
BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]")
EXPRESSION_TEXT_UNSAFE = set("'\"`\\{}%")


class Context:
    """The environment's partition, region and account (the role's)."""

    def __init__(self, partition: str, region: str, account: str) -> None:
        self.partition, self.region, self.account = partition, region, account


def check_value(value: str, allowed: frozenset[str] | set[str]) -> tuple[list[str], set[str]]:
    """The rules every value obeys, whatever it names: (problems, opt-ins used).

    Problems are sentences about ``value`` (the caller names the key)."""
    problems: list[str] = []
    used: set[str] = set()
    control = sorted(set(CONTROL.findall(value)))
    if control:
        shown = ", ".join(_codepoint(c) for c in control)
        what = "an unpaired surrogate (not Unicode text)" if all("\ud800" <= c <= "\udfff" for c in control) else "a control character"
        problems.append(f"holds {what} ({shown}); no AWS name does")
    unsafe = sorted({c for c in value if c in JSON_UNSAFE})
    if unsafe:
        shown = " and ".join(repr(c) for c in unsafe)
        problems.append(f"holds {shown}, which CloudFormation's text substitution would put into the definition's JSON unescaped; no AWS name holds them")
    if "${" in value:
        problems.append("holds a '${' placeholder itself; values are substituted once")
    if "{%" in value or "%}" in value:
        if "expression" in allowed and value.startswith("{%") and value.endswith("%}"):
            used.add("expression")
        else:
            problems.append("holds a JSONata expression ('{%' ... '%}'): the value would be decided at run time from the execution's data, and the IAM grant would cover every resource of its kind" + _opt_in("expression"))
    wild = sorted({c for c in value if c in WILDCARDS})
    if wild and "expression" not in used:
        if "wildcard" in allowed:
            used.add("wildcard")
        else:
            problems.append(f"holds the wildcard {' and '.join(repr(c) for c in wild)}: the IAM grant would cover every resource it matches" + _opt_in("wildcard"))
    return problems, used


def check_text(kind: str, text: str, ctx: Context, allowed: frozenset[str] | set[str]) -> tuple[list[str], set[str]]:
    """``text`` (a field's whole string after substitution; for
    ``expression-text`` the value itself, which becomes code) against the
    rules of ``kind``: (problems, opt-ins used). An expression or a wildcard
    is judged by :func:`check_value` (refused, or opted in), not here."""
    if kind == "expression-text":
        return _expression_text(text), set()
    if kind == "string" or "{%" in text or "%}" in text:  # an expression is judged by check_value
        return [], set()
    # A wildcard is judged by check_value; here the question is whether some
    # name it matches fits the kind: '*' stands for none, one or three
    # characters ('*' alone must not fail a three-character minimum), '?' for one.
    first: tuple[list[str], set[str]] | None = None
    for stars in ("a", "", "aaa") if "*" in text else ("a",):
        name = text.replace("*", stars).replace("?", "a")
        tried: set[str] = set()
        rule = _RULES.get(kind)
        problems = rule(name, ctx, allowed, tried) if rule else []
        if not problems:
            problems = _botocore_problems(kind, name)
        if not problems:
            return problems, tried
        first = first or (problems, tried)
    assert first is not None
    return first


# -- the kinds ------------------------------------------------------------------------


def _arn_of(text: str, service: str, ctx: Context, allowed: frozenset[str] | set[str], used: set[str], problems: list[str]) -> str | None:
    """The resource part of an ARN of ``service`` after its partition,
    region and account are checked against the environment; None if not one."""
    found = ARN.fullmatch(text)
    if not found:
        problems.append(f"is not an ARN (arn:{ctx.partition}:{service}:REGION:ACCOUNT:...)")
        return None
    if found["service"] != service:
        problems.append(f"is an ARN of {found['service'] or 'no service'!r}, not of {service!r}")
        return None
    if found["partition"] != ctx.partition:
        problems.append(f"is in partition {found['partition']!r}, not the role's {ctx.partition!r}")
    _where(found["region"], found["account"], ctx, allowed, used, problems)
    return found["resource"]


def _where(region: str, account: str, ctx: Context, allowed: frozenset[str] | set[str], used: set[str], problems: list[str]) -> None:
    if not REGION.fullmatch(region):
        problems.append(f"names {region!r}, which is not an AWS region")
    elif region != ctx.region:
        if "other-region" in allowed:
            used.add("other-region")
        else:
            problems.append(f"names region {region}, not the environment's {ctx.region}" + _opt_in("other-region"))
    if not re.fullmatch(r"[0-9]{12}", account):
        problems.append(f"names {account!r}, which is not a 12-digit AWS account")
    elif account != ctx.account:
        if "other-account" in allowed:
            used.add("other-account")
        else:
            problems.append(f"names account {account}, not the role's {ctx.account}" + _opt_in("other-account"))


def _named(text: str, ctx: Context, allowed: Any, used: set[str], service: str, prefix: str, arn: str, of: str) -> tuple[str | None, list[str]]:
    """A resource given as its name or as an ARN of ``service`` whose resource
    part is ``prefix`` + name: (the name, or None when the ARN is not
    usable; the problems found on the way). ``arn`` and ``of`` word the
    message about an ARN of something else ("a DynamoDB", "a table")."""
    problems: list[str] = []
    if not text.startswith("arn:"):
        return text, problems
    resource = _arn_of(text, service, ctx, allowed, used, problems)
    if resource is None:
        return None, problems
    if not resource.startswith(prefix):
        return None, problems + [f"is {arn} ARN but not {of}'s (…:{prefix}NAME)"]
    return resource[len(prefix) :], problems


def _table(text: str, ctx: Context, allowed: Any, used: set[str]) -> list[str]:
    name, problems = _named(text, ctx, allowed, used, "dynamodb", "table/", "a DynamoDB", "a table")
    if name is not None and not TABLE_NAME.fullmatch(name):
        problems.append(f"is not a DynamoDB table name: 3-255 of letters, digits, '_', '-', '.' ({len(name)} characters{_others(name, TABLE_NAME)})")
    return problems


def _pipeline(text: str, ctx: Context, allowed: Any, used: set[str]) -> list[str]:
    name, problems = _named(text, ctx, allowed, used, "sagemaker", "pipeline/", "a SageMaker", "a pipeline")
    if name is not None and not PIPELINE_NAME.fullmatch(name):
        problems.append(f"is not a SageMaker pipeline name: 1-256 letters, digits and '-', starting and ending with a letter or digit ({len(name)} characters)")
    return problems


def _function(text: str, ctx: Context, allowed: Any, used: set[str]) -> list[str]:
    problems: list[str] = []
    rest = text
    if text.startswith("arn:"):
        resource = _arn_of(text, "lambda", ctx, allowed, used, problems)
        if resource is None:
            return problems
        if not resource.startswith("function:"):
            return problems + ["is a Lambda ARN but not a function's (…:function:NAME)"]
        rest = resource[len("function:") :]
    elif re.match(r"[^:]*:function:", text):  # ACCOUNT:function:NAME (a partial ARN)
        account, _function_word, rest = text.split(":", 2)
        _where(ctx.region, account, ctx, allowed, used, problems)
    if not FUNCTION.fullmatch(rest):
        problems.append("is not a Lambda function: a name of 1-64 letters, digits, '-', '_' (with an optional :VERSION or :ALIAS), a partial ARN or an ARN")
    return problems


def _event_bus(text: str, ctx: Context, allowed: Any, used: set[str]) -> list[str]:
    name, problems = _named(text, ctx, allowed, used, "events", "event-bus/", "an EventBridge", "an event bus")
    if name is not None and not EVENT_BUS_NAME.fullmatch(name):
        problems.append(f"is not an event bus name: 1-256 of letters, digits, '.', '-', '_' ({len(name)} characters)")
    return problems


def _state_machine(text: str, ctx: Context, allowed: Any, used: set[str]) -> list[str]:
    problems: list[str] = []
    resource = _arn_of(text, "states", ctx, allowed, used, problems)
    if resource is None:
        return problems
    parts = resource.split(":")
    if parts[0] != "stateMachine" or not 2 <= len(parts) <= 3 or not MACHINE_NAME.fullmatch(parts[1]):
        problems.append("is not a state machine ARN (…:stateMachine:NAME, NAME 1-80 characters Step Functions allows)")
    return problems


def _task_resource(text: str, ctx: Context, allowed: Any, used: set[str]) -> list[str]:
    found = ARN.fullmatch(text)
    if found and found["service"] == "states" and found["resource"].startswith("activity:"):
        problems: list[str] = []
        resource = _arn_of(text, "states", ctx, allowed, used, problems)
        if resource is not None and not ACTIVITY_NAME.fullmatch(resource[len("activity:") :]):
            problems.append("is not an activity ARN (…:activity:NAME)")
        return problems
    if not text.startswith("arn:"):
        return ["is not an ARN: a Task's Resource is a Lambda function or activity ARN"]
    return _function(text, ctx, allowed, used)


def _bucket_problems(name: str) -> list[str]:
    if not BUCKET.fullmatch(name) or ".." in name or re.fullmatch(r"[0-9.]+", name):
        return [f"{name!r} is not an S3 bucket name: 3-63 of lower-case letters, digits, '.', '-', starting and ending with a letter or digit"]
    return []


def _s3_bucket(text: str, ctx: Context, allowed: Any, used: set[str]) -> list[str]:
    return [p.replace(f"{text!r} is", "is", 1) for p in _bucket_problems(text)]


def _s3_key(text: str, ctx: Context, allowed: Any, used: set[str]) -> list[str]:
    size = len(text.encode("utf-8", "surrogatepass"))
    return [] if 1 <= size <= 1024 else [f"is not an S3 object key: 1-1,024 bytes ({size})"]


def _s3_uri(text: str, ctx: Context, allowed: Any, used: set[str]) -> list[str]:
    if not text.startswith("s3://"):
        return ["is not an S3 URI: it must start with s3://"]
    bucket, _, key = text[len("s3://") :].partition("/")
    problems = [p.replace(f"{bucket!r} is", f"names bucket {bucket!r}, which is", 1) for p in _bucket_problems(bucket)]
    if len(key.encode("utf-8", "surrogatepass")) > 1024:
        problems.append("has a key longer than 1,024 bytes")
    return problems


def _expression_text(text: str) -> list[str]:
    bad = sorted({c for c in text if c in EXPRESSION_TEXT_UNSAFE})
    if bad:
        return [f"is used inside an expression, where {' '.join(bad)} would change the expression's code"]
    return []


_RULES = {
    "table": _table,
    "pipeline": _pipeline,
    "function": _function,
    "event-bus": _event_bus,
    "state-machine": _state_machine,
    "task-resource": _task_resource,
    "s3-bucket": _s3_bucket,
    "s3-key": _s3_key,
    "s3-uri": _s3_uri,
}


# -- botocore -------------------------------------------------------------------------


@lru_cache(maxsize=None)
def botocore_rule(kind: str) -> tuple[str | None, int | None, int | None, str]:
    """(pattern, min, max, where) of botocore's model of the argument ``kind``
    is sent as; all None when botocore (or the member) is not there."""
    member = BOTOCORE_MEMBERS.get(kind)
    if member is None:
        return None, None, None, ""
    service, operation, path = member
    from ..validate.botocore_data import ModelReader, ServiceModelsUnavailable, botocore_root

    try:
        model = ModelReader(botocore_root()).load(service)
    except ServiceModelsUnavailable:
        return None, None, None, ""
    if model is None or operation not in model.get("operations", {}):
        return None, None, None, ""
    shapes = model.get("shapes", {})
    shape = shapes.get(model["operations"][operation].get("input", {}).get("shape"), {})
    for name in path:
        if shape.get("type") == "list":
            shape = shapes.get(shape.get("member", {}).get("shape"), {})
        shape = shapes.get(shape.get("members", {}).get(name, {}).get("shape"), {})
    where = f"botocore's model of {service} {operation} {'.'.join(path)}"
    return shape.get("pattern"), shape.get("min"), shape.get("max"), where


def _botocore_problems(kind: str, text: str) -> list[str]:
    pattern, low, high, where = botocore_rule(kind)
    problems = []
    if isinstance(low, int) and len(text) < low or isinstance(high, int) and len(text) > high:
        problems.append(f"is {len(text)} characters; {where} allows {low or 0}-{high or 'any'}")
    if pattern and not re.fullmatch(pattern, text, re.ASCII):
        problems.append(f"does not match {where}: {pattern}")
    return problems


def _others(name: str, allowed: re.Pattern[str]) -> str:
    """The characters of ``name`` that ``allowed`` (a name pattern of at
    least 3 characters) refuses, as a message tail."""
    bad = sorted({c for c in name if not allowed.fullmatch(c * 3)})
    return f"; not allowed: {', '.join(repr(c) for c in bad)}" if bad else ""


def _codepoint(char: str) -> str:
    names = {"\n": "newline", "\r": "carriage return", "\t": "tab", "\x00": "NUL"}
    return f"U+{ord(char):04X}" + (f" {names[char]}" if char in names else "")


def _opt_in(word: str) -> str:
    return f'; if that is meant, opt in per key with "allow": {{"KEY": ["{word}"]}}'
