"""Family 4: service integrations, checked against botocore's service models.

What AWS accepts at deploy time but fails at run time, or never matches:
an operation or parameter the service does not have, a required parameter
left out, a literal of the wrong type, an error name the integration can
never raise (a Catch that silently never fires: this project began with a
``DynamoDB.ConditionalCheckFailedException`` Catch on an aws-sdk DynamoDB
task, which raises ``DynamoDb.…``), a callback task that does not pass its
token (it waits until it times out), and a result member that does not exist
(``$states.result.Payload`` of a callback task, whose result is the
SendTaskSuccess output itself).

The facts come from botocore's models through :mod:`.service_models`
(distilled and cached: a warm run never imports botocore); the spellings
Step Functions uses are in :mod:`ndr_workflows.asl.error_names`, docs/asl_facts.md
("Tasks and error names") and docs/validate_rules.md.
"""

from __future__ import annotations

from ..asl.common import closest, did_you_mean
from ..asl.error_names import DYNAMODB_EXTRA_ERRORS, DYNAMODB_PREFIX, LAMBDA_EXTRA_ERRORS, LAMBDA_PREFIX, STATES_ERRORS
from ..asl.problems import Problem
from ..asl.resources import CALLBACK, Integration, Optimized, parse_resource
from ..asl.walk import JSONATA, iter_states
from . import integration_args as args
from .service_models import ServiceModelsUnavailable, camel_case, load_catalog

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Iterator
    from typing import Any

    from .service_models import Catalog, Operation, ServiceModel

    Add = Callable[[Problem], None]

__all__ = ["check_integrations", "STATES_ERRORS", "OPTIMIZED"]

# Lambda's service errors as the optimized integration names them (docs/asl_facts.md),
# beyond Invoke's modeled ones: LAMBDA_EXTRA_ERRORS (asl/error_names.py, shared with the simulator).
LAMBDA = Optimized(
    "lambda", "Invoke", parameters=frozenset({"FunctionName", "Payload", "InvocationType", "Qualifier", "ClientContext"}),
    any_json=frozenset({"Payload"}), suffixes=("", CALLBACK), error_prefix=LAMBDA_PREFIX, error_extras=LAMBDA_EXTRA_ERRORS,
)
# The optimized DynamoDB integration names errors with the older SDK's
# spelling, DynamoDB.ConditionalCheckFailedException (docs/asl_facts.md).
_DYNAMODB = {"error_prefix": DYNAMODB_PREFIX, "error_extras": DYNAMODB_EXTRA_ERRORS, "open_errors": False}
OPTIMIZED: dict[str, Optimized] = {
    "lambda:invoke": LAMBDA,
    "events:putEvents": Optimized("events", "PutEvents", any_json=frozenset({"Detail"}), suffixes=("", CALLBACK)),
    "states:startExecution": Optimized("stepfunctions", "StartExecution", any_json=frozenset({"Input"}), suffixes=("", ".sync", ".sync:2", CALLBACK)),
    "dynamodb:getItem": Optimized("dynamodb", "GetItem", **_DYNAMODB),  # type: ignore[arg-type]
    "dynamodb:putItem": Optimized("dynamodb", "PutItem", **_DYNAMODB),  # type: ignore[arg-type]
    "dynamodb:updateItem": Optimized("dynamodb", "UpdateItem", **_DYNAMODB),  # type: ignore[arg-type]
    "dynamodb:deleteItem": Optimized("dynamodb", "DeleteItem", **_DYNAMODB),  # type: ignore[arg-type]
}
# Other optimized integrations (AWS "Integrating services with Step Functions"):
# known by name, their arguments and errors not checked here.
OTHER_OPTIMIZED = frozenset(
    """athena batch bedrock codebuild ecs eks elasticmapreduce emr-containers emr-serverless glue
    databrew apigateway http mediaconvert sagemaker sns sqs""".split()
)
# A result of an optimized integration may carry the SDK's HTTP metadata.
SDK_METADATA = frozenset({"SdkHttpMetadata", "SdkResponseMetadata"})


# -- the walk ------------------------------------------------------------------------


def check_integrations(definition: dict[str, Any], *, machine_type: str = "STANDARD") -> list[Problem]:
    """Every family-4 finding of an ASL definition (plain data); never raises.
    ``machine_type`` is accepted for symmetry (EXPRESS limits are family 5)."""
    found: list[Problem] = []
    add = found.append
    tasks: list[tuple[str, dict[str, Any], str, Integration]] = []
    for path, _name, state, language in iter_states(definition):
        kind = state.get("Type")
        if kind == "Task":
            tasks.append((path, state, language, parse_resource(state.get("Resource"))))
        elif kind in ("Map", "Parallel"):
            _check_error_names(state, path, None, None, add)
    catalog: Catalog | None = None
    if any(t[3].kind != "other" for t in tasks):
        try:
            catalog = load_catalog()
        except ServiceModelsUnavailable as exc:
            add(Problem("", "SERVICE_MODELS_UNAVAILABLE", f"integration checks skipped: {exc}", "pip install botocore", severity="warning"))
    for path, state, language, integration in tasks:
        try:
            _check_task(state, path, language, integration, catalog, add)
        except ServiceModelsUnavailable as exc:
            add(Problem(path, "SERVICE_MODELS_UNAVAILABLE", f"Resource: not checked: {exc}", "pip install botocore", severity="warning"))
        except RecursionError:
            add(Problem(path, "INTEGRATION_TOO_DEEP", "Arguments: nested too deeply to check"))
    if catalog is not None:
        catalog.save()
    from .severity import apply_severity

    return apply_severity(found)


def _check_task(state: dict[str, Any], path: str, language: str, integration: Integration, catalog: Catalog | None, add: Add) -> None:
    field = "Arguments" if language == JSONATA else "Parameters"
    resolved = _resolve(integration, path, catalog, add)
    if integration.callback:
        args.check_task_token(state, path, field, language, add)
    # Without Parameters / Arguments the state's input is the request: only known at run time.
    if resolved is not None and field in state:
        service, operation, spec = resolved
        shape = service.shape(operation.input)
        if shape is not None:
            label = f"{service.service_id} {operation.name}"
            args.check_arguments(state[field], shape, service, field, path, label, spec, language != JSONATA, add)
    if language == JSONATA:
        result = None
        if resolved is not None and not integration.callback:
            service, operation, spec = resolved
            output = operation.output
            if integration.kind == "optimized" and integration.service == "states" and integration.suffix.startswith(".sync"):
                output = None  # the result is DescribeExecution's, with Output parsed for .sync:2
            result = (service, f"{service.service_id} {operation.name}", output, integration.kind == "optimized")
        args.check_result_reads(state, path, integration, result, add)
    context = _error_context(integration, resolved, catalog)
    _check_error_names(state, path, integration, context, add)


def _resolve(integration: Integration, path: str, catalog: Catalog | None, add: Add) -> tuple[ServiceModel, Operation, Optimized | None] | None:
    """The service model and operation a resource calls, reporting resources that name none."""
    where = f"Resource {integration.resource!r}"
    if integration.kind == "aws-sdk":
        if integration.suffix not in ("", CALLBACK):
            add(Problem(path, "INTEGRATION_UNSUPPORTED_SUFFIX", f"{where}: aws-sdk integrations support only request-response and {CALLBACK}, not {integration.suffix!r}", "poll with a describe call, or use an optimized integration that supports .sync", field="Resource"))
        if catalog is None:
            return None
        botocore_name = catalog.botocore_name(integration.service)
        if botocore_name is None:
            alias = catalog.sfn_name_of(integration.service)
            if alias:
                hint = f"did you mean 'aws-sdk:{alias}'? (Step Functions names botocore's {integration.service!r} {alias!r}: the AWS SDK's client name)"
            else:
                hint = did_you_mean(integration.service.lower(), catalog.sfn_service_names(), "aws-sdk:")
            add(Problem(path, "INTEGRATION_UNKNOWN_SERVICE", f"{where}: no AWS service is called {integration.service!r} in the aws-sdk integration", hint or "the service name is the AWS SDK's, in lower case (aws-sdk:eventbridge, aws-sdk:sfn, aws-sdk:dynamodb)", field="Resource"))
            return None
        service = catalog.service(botocore_name)
        if service is None:
            return None
        by_camel = {camel_case(op): op for op in service.operation_names}
        operation_name = by_camel.get(integration.action)
        if operation_name is None:
            hint = did_you_mean(integration.action, by_camel)
            lowered = {k.lower(): k for k in by_camel}.get(integration.action.lower())
            if lowered:
                hint = f"did you mean '{lowered}'? (operations are camelCase in the resource)"
            add(Problem(path, "INTEGRATION_UNKNOWN_OPERATION", f"{where}: {service.service_id} has no operation {integration.action!r}", hint or f"see botocore's {botocore_name} model for the operations", field="Resource"))
            return None
        found = catalog.operation(botocore_name, operation_name)
        return (found[0], found[1], None) if found is not None else None
    if integration.kind != "optimized":
        return None
    key = f"{integration.service}:{integration.action}"
    spec = OPTIMIZED.get(key)
    if spec is None:
        if integration.service in OTHER_OPTIMIZED:
            return None
        other = "write arn:aws:states:::aws-sdk:<service>:<operation> for any other API call"
        hint = did_you_mean(key, list(OPTIMIZED))
        hint = f"{hint} or {other}" if hint else other
        add(Problem(path, "INTEGRATION_UNKNOWN_RESOURCE", f"{where}: no Step Functions integration is called {key!r}", hint, field="Resource"))
        return None
    if integration.suffix not in spec.suffixes:
        hint = did_you_mean(integration.suffix, [s for s in spec.suffixes if s]) or "supported: " + ", ".join(repr(s) if s else "request-response" for s in spec.suffixes)
        add(Problem(path, "INTEGRATION_UNSUPPORTED_SUFFIX", f"{where}: {key} does not support {integration.suffix!r}", hint, field="Resource"))
    if catalog is None:
        return None
    found = catalog.operation(spec.service, spec.operation)
    return (found[0], found[1], spec) if found is not None else None


# -- error names ------------------------------------------------------------------------


class ErrorContext:
    """What a Task can raise: ``prefix`` (the service's error prefix),
    ``allowed`` (full names), ``operation_errors`` (modeled for the
    operation itself), ``spellings`` (lower-cased names that mean the same
    service), ``open`` (other names are legitimate: a function's own errors,
    a callback's SendTaskFailure), ``severity`` for names it cannot raise,
    ``other_spellings``: the optimized integration's prefix for the service."""

    __slots__ = ("what", "prefix", "allowed", "operation_errors", "spellings", "open", "severity", "other_spellings")

    def __init__(
        self, what: str, prefix: str, allowed: frozenset[str], operation_errors: frozenset[str], spellings: frozenset[str], open: bool,
        severity: str = "error", other_spellings: frozenset[str] = frozenset(),
    ) -> None:
        self.other_spellings = other_spellings
        self.what = what
        self.prefix = prefix
        self.allowed = allowed
        self.operation_errors = operation_errors
        self.spellings = spellings
        self.open = open
        self.severity = severity


def _error_context(integration: Integration, resolved: tuple[ServiceModel, Operation, Optimized | None] | None, catalog: Catalog | None) -> ErrorContext | None:
    callback = integration.callback
    if integration.kind == "aws-sdk" and resolved is not None:
        service, operation, _ = resolved
        p = service.sdk
        base = {f"{p}.{p}Exception", f"{p}.SdkClientException"}
        allowed = frozenset(f"{p}.{e}" for e in service.errors) | base
        op_errors = frozenset(f"{p}.{e}" for e in operation.errors) | base
        spellings = frozenset({p.lower(), service.name.replace("-", "").lower(), service.service_id.replace(" ", "").lower()})
        optimized = frozenset(o.error_prefix for o in OPTIMIZED.values() if o.service == service.name and o.error_prefix)
        return ErrorContext(integration.short, p, allowed, op_errors, spellings, callback, other_spellings=optimized)
    spec = resolved[2] if resolved is not None else None
    if integration.kind == "lambda-function" or (integration.kind == "optimized" and integration.service == "lambda"):
        spec = LAMBDA
    if spec is not None and spec.error_prefix is not None:
        p = spec.error_prefix
        model = catalog.service(spec.service) if catalog is not None else None
        modeled = model.errors if model is not None else frozenset()
        allowed = frozenset(f"{p}.{e}" for e in modeled | spec.error_extras)
        what = "a Lambda function" if integration.kind == "lambda-function" else integration.short
        return ErrorContext(what, p, allowed, allowed, frozenset({p.lower(), "aws" + p.lower()}), spec.open_errors or callback)
    if integration.kind == "optimized" and integration.service == "events" and not callback:
        # Its one service error: a throttled or failed entry (FailedEntryCount > 0).
        failed_entry = frozenset({"EventBridge.FailedEntry"})
        return ErrorContext(integration.short, "EventBridge", failed_entry, failed_entry, frozenset({"eventbridge", "events", "cloudwatchevents"}), False, "warning")
    return None


def _error_entries(state: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for kind in ("Retry", "Catch"):
        entries = state.get(kind)
        if not isinstance(entries, list):
            continue
        for i, entry in enumerate(entries):
            names = entry.get("ErrorEquals") if isinstance(entry, dict) else None
            if isinstance(names, list):
                for j, name in enumerate(names):
                    if isinstance(name, str) and name:
                        yield f"{kind}[{i}].ErrorEquals[{j}]", name


def _check_error_names(state: dict[str, Any], path: str, integration: Integration | None, context: ErrorContext | None, add: Add) -> None:
    """Each entry's error name. Names that spell the service the same wrong
    way (``DynamoDb.`` where ``DynamoDB.`` is raised) are one mistake: one
    finding, on the first, naming the others."""
    spelt: dict[str, list[Problem]] = {}
    for label, name in _error_entries(state):
        if name.startswith("States."):
            if name not in STATES_ERRORS:
                add(Problem(path, "ERROR_NAME_UNKNOWN_STATES", f"{label}: {name!r} is not an error Step Functions raises", did_you_mean(name, sorted(STATES_ERRORS)) or "States.* names: " + ", ".join(sorted(STATES_ERRORS)), field=label))
            continue
        if context is None:
            continue
        found: list[Problem] = []
        _check_service_error(name, label, path, context, found.append)
        for problem in found:
            if problem.code == "ERROR_NAME_SERVICE_SPELLING":
                spelt.setdefault(name.partition(".")[0], []).append(problem)
            else:
                add(problem)
    for first, *more in spelt.values():
        if more:
            others = ", ".join(p.field for p in more)
            first = Problem(first.path, first.code, f"{first.message} (as are {others}, spelt the same way)", first.hint, first.severity, first.field)
        add(first)


def _with_suffix(rest: str) -> str:
    return rest if rest.endswith("Exception") else rest + "Exception"


def _check_service_error(name: str, label: str, path: str, ctx: ErrorContext, add: Add) -> None:
    if ctx.severity == "warning":  # an integration whose error names are not documented
        if name not in ctx.allowed and not ctx.open:
            add(Problem(path, "ERROR_NAME_UNDOCUMENTED", f"{label}: {ctx.what} documents no error {name!r}",
                        f"it raises {', '.join(sorted(ctx.allowed))} when an entry fails; its other failures arrive as States.TaskFailed", "warning", field=label))
        return
    prefix, dot, rest = name.partition(".")
    p = ctx.prefix
    if dot and prefix != p and prefix.lower() in ctx.spellings | {p.lower()}:
        right = f"{p}.{_with_suffix(rest)}"
        if ctx.allowed and right not in ctx.allowed:
            right = closest(right, sorted(ctx.allowed)) or f"{p}.{rest}"
        note = f" ('{prefix}.' is the optimized integration's spelling)" if prefix in ctx.other_spellings else ""
        add(Problem(path, "ERROR_NAME_SERVICE_SPELLING", f"{label}: {name!r} is never raised by {ctx.what}: it spells the service {p!r}, so this entry never matches", f"did you mean '{right}'?{note}", ctx.severity, field=label))
        return
    if dot and prefix == p:
        if name in ctx.allowed:
            if name not in ctx.operation_errors:
                add(Problem(path, "ERROR_NAME_NOT_MODELED_FOR_OPERATION", f"{label}: {name!r} is a {p} error, but botocore does not list it for {ctx.what}", "check that the operation can raise it", "warning", field=label))
            return
        if ctx.allowed:
            hint = did_you_mean(name, sorted(ctx.allowed))
            if not rest.endswith("Exception") and f"{p}.{_with_suffix(rest)}" in ctx.allowed:
                hint = f"did you mean '{p}.{_with_suffix(rest)}'? (the Exception suffix is always present)"
            add(Problem(path, "ERROR_NAME_UNKNOWN", f"{label}: {name!r} is not an error {ctx.what} raises", hint or f"{p} errors are its modeled errors with the Exception suffix, {p}.{p}Exception and {p}.SdkClientException", ctx.severity, field=label))
            return
    if ctx.open:
        return
    hint = did_you_mean(name, sorted(ctx.allowed)) or did_you_mean(name, sorted(e.partition(".")[2] for e in ctx.allowed), f"{p}.")
    default = f"it raises {p}.* names and States.*" if ctx.allowed else "its failures arrive as States.TaskFailed"
    add(Problem(path, "ERROR_NAME_NOT_RAISED", f"{label}: {name!r} cannot be raised by {ctx.what}", hint or default, ctx.severity, field=label))
