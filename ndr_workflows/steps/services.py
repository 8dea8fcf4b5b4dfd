"""Any ``aws-sdk:`` service call, with its real error names.

``aws_sdk("CountObjects", "s3:listObjectsV2", {...})`` is a Task on
``arn:aws:states:::aws-sdk:s3:listObjectsV2``. Its arguments are checked
against botocore's service model by the validator (``flow.validate()``,
the export), with the rest of the flow, so there is one place that knows
the models. :func:`errors_of` offers the operation's modeled error names,
spelled as Step Functions raises them (``DynamoDb.ConditionalCheckFailedException``),
for Retry and Catch; a short name (``"ConditionalCheckFailed"``) given to
``catch=`` is resolved through it, and a name the operation cannot raise is
a build problem listing those it can.

Retries: by default a service call retries what is transient and never a
business error: for aws-sdk integrations the service's base exception (how
throttling arrives, since botocore does not model it per operation) and
``SdkClientException``, plus the modeled throttling / capacity errors of the
services listed in :data:`TRANSIENT_ERRORS`. ``retry=()`` turns retries
off; a tuple of ``Retry`` replaces them.
"""

from __future__ import annotations

from ..model import Catch, Fragment, Retry, Task
from ..model.errors import Problem
from ..model.record import Record
from .errors import TO_FAILURE, TRANSIENT_ERRORS, catch_all

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping
    from typing import Union

    from ..expressions import Expr, Template
    from ..model.base import Target
    from .errors import OnError

    Catches = Union[Mapping[str, Target], tuple[Catch, ...], list[Catch], None]

__all__ = ["SDK_RESOURCE_PREFIX", "sdk_resource", "sdk_prefix", "ServiceErrors", "errors_of", "aws_sdk", "default_retry", "DEFAULT_RETRY"]

SDK_RESOURCE_PREFIX = "arn:aws:states:::aws-sdk:"

# The SDK's spelling of the services the builders use most (the error
# prefix); any other is read from botocore's models (validate.service_models).
_KNOWN_PREFIX = {
    "dynamodb": "DynamoDb",
    "s3": "S3",
    "sagemaker": "SageMaker",
    "sfn": "Sfn",
    "eventbridge": "EventBridge",
    "lambda": "Lambda",
    "glue": "Glue",
    "athena": "Athena",
    "sqs": "Sqs",
    "sns": "Sns",
    "ssm": "Ssm",
    "secretsmanager": "SecretsManager",
}


class _Default:
    """The "builder's default" marker for ``retry=`` (None would be ambiguous)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DEFAULT_RETRY"


DEFAULT_RETRY = _Default()


def sdk_resource(call: str) -> str:
    """``"s3:getObject"`` -> ``arn:aws:states:::aws-sdk:s3:getObject``."""
    return call if call.startswith("arn:") else SDK_RESOURCE_PREFIX + call


def _split(call: str) -> tuple[str, str]:
    text = call[len(SDK_RESOURCE_PREFIX) :] if call.startswith(SDK_RESOURCE_PREFIX) else call
    service, _, operation = text.partition(":")
    return service, operation


def sdk_prefix(service: str) -> str:
    """The error prefix of an aws-sdk service (``dynamodb`` -> ``DynamoDb``)."""
    known = _KNOWN_PREFIX.get(service)
    if known is not None:
        return known
    from ..validate.service_models import ServiceModelsUnavailable, load_catalog

    try:
        catalog = load_catalog()
        name = catalog.botocore_name(service)
        model = catalog.service(name) if name else None
    except ServiceModelsUnavailable:
        model = None
    if model is None:
        raise ValueError(f"aws-sdk has no service {service!r}")
    return model.sdk


class ServiceErrors(Record):
    """The errors one aws-sdk operation can raise, as Step Functions names
    them: ``modeled`` (botocore's list for the operation), ``base`` (what an
    unmodeled error, throttling among them, arrives as) and ``client``
    (``SdkClientException``)."""

    __slots__ = ("call", "prefix", "modeled", "base", "client")
    call: str
    prefix: str
    modeled: tuple[str, ...]
    base: str
    client: str

    def __init__(self, call: str, prefix: str, modeled: tuple[str, ...]) -> None:
        self._set(call=call, prefix=prefix, modeled=tuple(modeled), base=f"{prefix}.{prefix}Exception", client=f"{prefix}.SdkClientException")

    @property
    def all(self) -> tuple[str, ...]:
        return self.modeled + (self.base, self.client)

    def named(self, name: str) -> str:
        """The full name of ``name`` (``ConditionalCheckFailed``,
        ``ConditionalCheckFailedException`` or the full name);
        ValueError naming the valid ones when the operation cannot raise it."""
        if name.startswith("States."):
            return name
        short = name.split(".", 1)[1] if name.startswith(self.prefix + ".") else name
        for candidate in (short, short + "Exception"):
            full = f"{self.prefix}.{candidate}"
            if full in self.all:
                return full
        raise ValueError(f"{self.call} cannot raise {name!r}; it raises {', '.join(self.all)} (and States.*)")


def errors_of(call: str) -> ServiceErrors:
    """The error names of an aws-sdk operation (``"dynamodb:putItem"``), from
    botocore's service model (read lazily, cached on disk)."""
    from ..validate.service_models import ServiceModelsUnavailable, load_catalog

    service, operation = _split(call)
    prefix = sdk_prefix(service)
    try:
        catalog = load_catalog()
        name = catalog.botocore_name(service)
        found = catalog.operation(name, operation[:1].upper() + operation[1:]) if name else None
    except ServiceModelsUnavailable:
        found = None
    if found is None:
        raise ValueError(f"aws-sdk:{service} has no operation {operation!r}")
    return ServiceErrors(f"aws-sdk:{service}:{operation}", prefix, tuple(f"{prefix}.{e}" for e in found[1].errors))


def default_retry(call: str) -> tuple[Retry, ...]:
    """Backoff with full jitter on the transient errors of ``call``."""
    service, operation = _split(call)
    errors = TRANSIENT_ERRORS.get(f"{service}:{operation}") or TRANSIENT_ERRORS.get(service)
    if errors is None:
        prefix = sdk_prefix(service)
        errors = (f"{prefix}.{prefix}Exception", f"{prefix}.SdkClientException")
    return (Retry(errors, interval_seconds=2, max_attempts=4, backoff_rate=2.0, max_delay_seconds=60, jitter="FULL"),)


def resolve_catches(name: str, call: str | None, catch: Catches) -> tuple[tuple[Catch, ...], list[Problem]]:
    """Catch entries from a ``{error: target}`` mapping (short names resolved
    for ``call``) or as given."""
    if not catch:
        return (), []
    if isinstance(catch, (tuple, list)):
        return tuple(catch), []
    out: list[Catch] = []
    problems: list[Problem] = []
    errors: ServiceErrors | None = None
    for error, target in catch.items():
        full = error
        if call is not None and not error.startswith("States."):
            try:
                errors = errors or errors_of(call)  # type: ignore[arg-type]
                full = errors.named(error)
            except ValueError as exc:
                problems.append(Problem(name, "UNKNOWN_ERROR_NAME", str(exc), "use one of the names listed, or catch States.ALL"))
                continue
        out.append(Catch((full,), target))
    return tuple(out), problems


def aws_sdk(
    name: str,
    call: str,
    arguments: Template = None,
    *,
    assign: dict[str, Template] | None = None,
    output: Template = None,
    retry: tuple[Retry, ...] | list[Retry] | _Default | None = DEFAULT_RETRY,
    catch: Catches = None,
    on_error: OnError = TO_FAILURE,
    timeout_seconds: int | Expr | None = None,
    comment: str | None = None,
) -> Fragment:
    """A Task calling ``call`` (``"service:operation"``, the operation in
    camelCase as Step Functions writes it) with ``arguments`` (PascalCase
    names, as in the service API).

    ``catch``: ``{error: target}`` tried before the catch-all (``on_error``,
    default the flow's failure handler; None for no catch-all); targets may
    be state names or states / fragments (pulled in)."""
    service, operation = _split(call)
    problems: list[Problem] = []
    if not service or not operation:
        problems.append(Problem(name, "BAD_SERVICE_CALL", f"call {call!r} is not 'service:operation'", "e.g. 's3:getObject'"))
    if retry is DEFAULT_RETRY:
        try:
            retries: tuple[Retry, ...] = default_retry(call) if service else ()
        except ValueError as exc:
            retries = ()
            problems.append(Problem(name, "BAD_SERVICE_CALL", str(exc)))
    else:
        retries = tuple(retry or ())  # type: ignore[arg-type]
    catches, found = resolve_catches(name, call if service and operation else None, catch)
    problems.extend(found)
    task = Task(
        name,
        resource=sdk_resource(call),
        arguments=arguments,
        assign=assign,
        output=output,
        timeout_seconds=timeout_seconds,
        retry=retries,
        catch=catches + catch_all(name, on_error),
        comment=comment,
    )
    return Fragment((task,), name, tuple(problems))
