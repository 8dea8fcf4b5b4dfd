"""Create or update the state machines, writing only what changed.

A deploy is re-run often (CI, notebooks), so it must be idempotent: each
flow's deployed state is read first and compared with the environment's
wish (:mod:`.diff`); an unchanged machine gets no write call at all. A
changed one gets exactly the calls for what changed: ``UpdateStateMachine``
for definition / role / logging / tracing, ``TagResource`` /
``UntagResource`` for tags. ``publish`` makes a version and points
``alias`` at it, so a bad deploy can be rolled back by moving the alias.
"""

from __future__ import annotations

from .aws import AwsError, describe_error, machine_arns, make_client, validation_client
from .diff import Deployed, Desired, changes, unified_diff
from .plan import Prepared, prepare, read_definitions
from .report import DeployResult

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Iterable, Mapping
    from pathlib import Path
    from typing import Any

    from .environment import Environment

__all__ = ["DeployResult", "deploy", "WRITE_OPERATIONS"]

# Every Step Functions call a deploy may make that changes something.
WRITE_OPERATIONS = frozenset(
    {"CreateStateMachine", "UpdateStateMachine", "TagResource", "UntagResource", "PublishStateMachineVersion", "CreateStateMachineAlias", "UpdateStateMachineAlias"}
)


class _RemoteValidation:
    """ValidateStateMachineDefinition, once unusable then skipped for the run."""

    def __init__(self, client: Any, echo: Callable[[str], None], endpoint_url: str | None) -> None:
        self.client = client
        self.endpoint_url = endpoint_url
        self.echo = echo
        self.unavailable: str | None = None
        self._fast: Any = None

    def check(self, text: str) -> list[str]:
        """Error messages from the service; [] when OK or unavailable."""
        if self.unavailable:
            return []
        from botocore import exceptions as bce

        answer: dict[str, Any] = {}
        try:
            if self._fast is None:
                self._fast = validation_client(self.client)
            answer = self._fast.validate_state_machine_definition(definition=text, type="STANDARD")
        except NotImplementedError:  # moto in-process (mock_aws)
            self.unavailable = "this endpoint does not implement ValidateStateMachineDefinition"
        except (bce.ClientError, bce.BotoCoreError) as exc:
            self.unavailable = str(describe_error(exc, "ValidateStateMachineDefinition", self.endpoint_url))
        if self.unavailable:
            self.echo(f"note: {self.unavailable}; validated with the local checks only")
            return []
        if answer.get("result") == "OK":
            return []
        return [
            f"{d.get('location') or ''}: {d.get('code')}: {d.get('message')}".lstrip(": ")
            for d in answer.get("diagnostics", [])
            if d.get("severity") == "ERROR"
        ] or ["ValidateStateMachineDefinition: FAIL"]


def deploy(
    env: Environment | str | Path,
    flows: Mapping[str, Any] | Iterable[Any],
    *,
    known_placeholders: Iterable[str] | None = None,
    dry_run: bool = False,
    endpoint_url: str | None = None,
    publish: bool = False,
    alias: str | None = None,
    client: Any = None,
    echo: Callable[[str], None] | None = None,
    check_pipelines: bool = False,
) -> list[DeployResult]:
    """Deploy ``flows`` to ``env``; one result per flow.

    ``flows``: NAME -> a definition (dict, JSON text, a file) or a flow, or
    flows that carry their name (StateMachine(..., name=...)). Placeholders
    are substituted from ``env``; with ``known_placeholders`` (the names
    all of the project's flows use) a substitution key none of them uses is
    an error too (the deploy command passes those of the five flows).

    ``check_pipelines`` also checks every StartPipelineExecution's
    parameters against the pipeline's definition as SageMaker describes it
    (:func:`ndr_workflows.contracts.check_against_aws`); an error there
    stops that flow like a validation error.

    Raises :class:`EnvFileError` (nothing deployed) when the environment
    does not fit the flows, ValueError for an ``alias`` Step Functions
    would refuse (before anything is written), and :class:`AwsError` when
    AWS cannot be used at all before the first flow (no credentials,
    endpoint unreachable). Per-flow failures (validation, a refused call)
    are results with action "failed", naming the operation; when AWS
    becomes unusable mid-run (the endpoint stops answering) the flow at
    hand fails and the rest are "not attempted" (:mod:`.report`).
    """
    from .environment import EnvFileError, Environment, load_environment
    from .substitution import with_substitution_problems

    selected = read_definitions(_named(flows))
    if not isinstance(env, Environment):
        try:
            env = load_environment(env)
        except EnvFileError as exc:  # report the substitution keys' problems too
            raise with_substitution_problems(exc, selected, known_placeholders) from None
    if alias is not None and not publish:
        raise ValueError("alias needs publish=True (an alias points at a published version)")
    if alias is not None:
        from .environment import check_alias

        problem = check_alias(alias)
        if problem:
            raise ValueError(problem)
    say = echo or (lambda _line: None)
    prepared = prepare(env, selected, known_placeholders)
    from .substitution import value_report

    for warning in value_report(env, selected).warnings:  # opt-ins the environment file uses
        say(f"warning: {warning}")
    if all(not p.ok for p in prepared):
        return [_failed(p) for p in prepared]
    from botocore import exceptions as bce

    client = client or make_client(env, endpoint_url)
    remote = _RemoteValidation(client, say, endpoint_url)
    try:
        existing = machine_arns(client)
    except (bce.ClientError, bce.BotoCoreError) as exc:
        raise describe_error(exc, "ListStateMachines", endpoint_url) from None
    if check_pipelines:
        prepared = _check_pipelines(env, prepared, endpoint_url)
    results: list[DeployResult] = []
    for index, item in enumerate(prepared):
        if not item.ok:
            results.append(_failed(item))
            continue
        progress = _Progress()
        try:
            result = _deploy_one(client, env, item, existing.get(item.machine_name), remote, dry_run, publish, alias, endpoint_url, progress)
        except (bce.ClientError, bce.BotoCoreError, AwsError) as exc:
            error = exc if isinstance(exc, AwsError) else describe_error(exc, progress.operation or "", endpoint_url)
            result = DeployResult(
                item.name, item.machine_name, "failed", progress.arn or existing.get(item.machine_name), progress.wanted, findings=item.findings,
                error=str(error), operation=progress.operation, error_code=_code(exc), applied=tuple(progress.applied), uncertain=_uncertain(exc),
            )  # fmt: skip
            if error.fatal:  # no later call can succeed: say what this run never reached
                results.append(result)
                reason = f"the run stopped at {item.name}: {error}"
                results += [
                    DeployResult(p.name, p.machine_name, "not attempted", existing.get(p.machine_name), error=reason) if p.ok else _failed(p)  # refused locally all the same
                    for p in prepared[index + 1 :]
                ]
                return results
        results.append(result)
    return results


class _Progress:
    """What one flow's deploy has done so far: the call in progress, what
    the finished calls changed, the machine's ARN once known."""

    def __init__(self) -> None:
        self.operation: str | None = None
        self.applied: list[str] = []
        self.wanted: tuple[str, ...] = ()
        self.arn: str | None = None

    def call(self, operation: str, method: Any, **params: Any) -> Any:
        self.operation = operation
        return method(**params)


def _code(exc: BaseException) -> str | None:
    """The AWS error code, or the connection failure's name."""
    from botocore import exceptions as bce

    if isinstance(exc, bce.ClientError):
        return str(exc.response.get("Error", {}).get("Code") or "") or None
    return type(exc).__name__ if isinstance(exc, bce.BotoCoreError) else None


def _uncertain(exc: BaseException) -> bool:
    """The request may have reached AWS and been applied (no answer came back)."""
    from botocore import exceptions as bce

    return isinstance(exc, (bce.ConnectionClosedError, bce.ReadTimeoutError))


def _named(flows: Mapping[str, Any] | Iterable[Any]) -> Mapping[str, Any]:
    """NAME -> definition or flow, from a mapping or from flows that carry their name."""
    if hasattr(flows, "items"):
        return flows  # type: ignore[return-value]
    if isinstance(flows, (str, bytes)) or callable(getattr(flows, "checked_dict", None)):
        flows = [flows]
    named: dict[str, Any] = {}
    for flow in flows:
        name = getattr(flow, "name", None)
        if isinstance(flow, str) or not name:
            raise ValueError(
                "deploy takes {NAME: definition or flow} or flows with a name (StateMachine(..., name='sfn_...')); "
                f"a flow NAME alone ({flow!r}) is resolved by python -m ndr_workflows.deploy"
            )
        named[name] = flow
    return named


def _check_pipelines(env: Environment, prepared: list[Prepared], endpoint_url: str | None) -> list[Prepared]:
    """Pipeline-parameter contracts against SageMaker (deploy-time option)."""
    import dataclasses

    from ..contracts import check_against_aws
    from ..validate import has_errors

    sagemaker = make_client(env, endpoint_url, "sagemaker")
    out = []
    for item in prepared:
        if item.ok:
            found = tuple(check_against_aws(item.definition, sagemaker, env.substitutions))
            error = "pipeline contract check failed" if has_errors(found) else None
            item = dataclasses.replace(item, findings=item.findings + found, error=error, definition=None if error else item.definition)
        out.append(item)
    return out


def _failed(item: Prepared) -> DeployResult:
    return DeployResult(item.name, item.machine_name, "failed", findings=item.findings, error=item.error)


def _deploy_one(
    client: Any,
    env: Environment,
    item: Prepared,
    arn: str | None,
    remote: _RemoteValidation,
    dry_run: bool,
    publish: bool,
    alias: str | None,
    endpoint_url: str | None,
    progress: _Progress,
) -> DeployResult:
    from ..asl.reader import dumps

    assert item.definition is not None
    text = dumps(item.definition)
    refused = remote.check(text)
    if refused:
        return DeployResult(item.name, item.machine_name, "failed", arn, findings=item.findings, error="ValidateStateMachineDefinition: " + "; ".join(refused))
    notes = (f"{remote.unavailable}; validated with the local checks only",) if remote.unavailable else ()
    desired = Desired.of(env, item.definition)
    deployed = None
    if arn is not None:
        description = progress.call("DescribeStateMachine", client.describe_state_machine, stateMachineArn=arn)
        tags = progress.call("ListTagsForResource", client.list_tags_for_resource, resourceArn=arn).get("tags", [])
        deployed = Deployed.from_api(description, tags)
        if deployed.type != "STANDARD":
            return DeployResult(item.name, item.machine_name, "failed", arn, error=f"{arn} is a {deployed.type} state machine; delete it or change the prefix (the flows need STANDARD)")
    what = tuple(changes(deployed, desired)) if deployed else ()
    progress.wanted = what
    diff = unified_diff(item.machine_name, deployed, desired) if (deployed is None or what) else ""
    if dry_run:
        action = "would create" if deployed is None else ("would update" if what else "unchanged")
        return DeployResult(item.name, item.machine_name, action, arn, what, diff, item.findings, notes=notes)
    version = None
    if deployed is None:
        answer = progress.call(
            "CreateStateMachine", client.create_state_machine, name=item.machine_name, definition=text, roleArn=env.role_arn, type="STANDARD",
            tags=[{"key": k, "value": v} for k, v in env.tags.items()],
            loggingConfiguration=desired.logging, tracingConfiguration={"enabled": env.tracing}, publish=publish,
        )  # fmt: skip
        arn, action, version = answer["stateMachineArn"], "created", answer.get("stateMachineVersionArn")
    else:
        assert arn is not None
        action = "updated" if what else "unchanged"
        version = _update(client, arn, text, desired, deployed, what, publish, progress)
    progress.arn = arn
    versions: tuple[str | None, str | None] = (version, None)  # what create/update published, if anything
    publish_error = None
    if publish:
        from botocore import exceptions as bce

        try:
            versions = _publish(client, arn, version, alias, desired)
        except (bce.ClientError, bce.BotoCoreError, AwsError) as exc:
            # the machine is created/updated all the same: say so, and that publishing failed
            reason = exc if isinstance(exc, AwsError) else describe_error(exc, "", endpoint_url)
            publish_error = f"publishing a version{f' or the alias {alias!r}' if alias else ''} at {endpoint_url or 'AWS'} failed: {reason}"
    return DeployResult(
        item.name, item.machine_name, action, arn, what, diff, item.findings,
        version_arn=versions[0], alias_arn=versions[1], notes=notes, publish_error=publish_error,
    )  # fmt: skip


def _update(client: Any, arn: str, text: str, desired: Desired, deployed: Deployed, what: tuple[str, ...], publish: bool, progress: _Progress) -> str | None:
    """The calls for what changed; returns the version ARN when one was
    published. ``progress.applied`` grows as each call goes through (one
    UpdateStateMachine changes definition, role, logging and tracing
    together or not at all; tags follow in their own calls)."""
    fields: dict[str, Any] = {}
    if "definition" in what:
        fields["definition"] = text
    if "role" in what:
        fields["roleArn"] = desired.role_arn
    if "logging" in what:
        fields["loggingConfiguration"] = desired.logging
    if "tracing" in what:
        fields["tracingConfiguration"] = {"enabled": desired.tracing}
    version = None
    if fields:
        answer = progress.call("UpdateStateMachine", client.update_state_machine, stateMachineArn=arn, publish=publish, **fields)
        version = answer.get("stateMachineVersionArn")
        progress.applied += [w for w in what if w != "tags"]
    if "tags" in what:
        stale = sorted(k for k in deployed.tags if k not in desired.tags)
        fresh = [{"key": k, "value": v} for k, v in desired.tags.items() if deployed.tags.get(k) != v]
        if stale:
            progress.call("UntagResource", client.untag_resource, resourceArn=arn, tagKeys=stale)
            if fresh:
                progress.applied.append(f"tags removed ({', '.join(stale)})")
        if fresh:
            progress.call("TagResource", client.tag_resource, resourceArn=arn, tags=fresh)
        progress.applied = [a for a in progress.applied if not a.startswith("tags removed")] + ["tags"]
    return version


def _publish(client: Any, arn: str, version: str | None, alias: str | None, desired: Desired) -> tuple[str | None, str | None]:
    """Make sure a version holds this revision and point ``alias`` at it.

    ``version`` is the one the create/update call just published, if any.
    Otherwise the alias's current version and the latest version are
    checked first: when one already holds exactly this revision nothing is
    published (a re-run writes nothing); else PublishStateMachineVersion.
    The alias is created or moved only when it points elsewhere.
    """
    from botocore import exceptions as bce

    alias_arn = f"{arn}:{alias}" if alias else None
    current = None
    if alias_arn:
        try:
            routing = client.describe_state_machine_alias(stateMachineAliasArn=alias_arn)["routingConfiguration"]
            current = routing[0]["stateMachineVersionArn"] if len(routing) == 1 else None
        except bce.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") not in ("ResourceNotFound", "ResourceNotFoundException"):
                raise
            current = ""
    if version is None:
        candidates = [current] if current else []
        candidates += [v for v in [_latest_version(client, arn)] if v and v != current]
        version = next((v for v in candidates if _same_revision(client, v, desired)), None)
    if version is None:
        try:
            version = client.publish_state_machine_version(stateMachineArn=arn)["stateMachineVersionArn"]
        except NotImplementedError:  # moto in-process
            raise AwsError("this endpoint does not implement PublishStateMachineVersion") from None
    if alias_arn and alias:
        routing_config = [{"stateMachineVersionArn": version, "weight": 100}]
        if current == "":
            client.create_state_machine_alias(name=alias, routingConfiguration=routing_config)
        elif current != version:
            client.update_state_machine_alias(stateMachineAliasArn=alias_arn, routingConfiguration=routing_config)
    return version, alias_arn


def _latest_version(client: Any, arn: str) -> str | None:
    """The newest published version's ARN (the API lists newest first), or
    None when there is none or the endpoint cannot say."""
    from botocore import exceptions as bce

    try:
        versions = client.list_state_machine_versions(stateMachineArn=arn, maxResults=1).get("stateMachineVersions", [])
    except (NotImplementedError, bce.ClientError):  # moto in-process / a fake without versions
        return None
    return str(versions[0]["stateMachineVersionArn"]) if versions else None


def _same_revision(client: Any, version_arn: str, desired: Desired) -> bool:
    """Whether the version holds exactly what is wished (versions carry no
    tags); the same comparison as for the machine itself (:func:`.diff.changes`)."""
    pinned = Deployed.from_api(client.describe_state_machine(stateMachineArn=version_arn), [])
    return [c for c in changes(pinned, desired) if c != "tags"] == []
