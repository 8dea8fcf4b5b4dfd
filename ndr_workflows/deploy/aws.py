"""The Step Functions client, and AWS failures as one-line messages.

boto3 is imported here, inside functions, so ``import ndr_workflows`` stays
free of it. A deploy talks to AWS or to a local fake (moto server,
LocalStack) given by ``endpoint_url``; either way a failure the user can
act on (no credentials, access denied, endpoint down) becomes a sentence,
not a traceback.
"""

from __future__ import annotations

import weakref

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from .environment import Environment

__all__ = ["AwsError", "make_client", "describe_error", "is_local_endpoint", "validation_client", "endpoint_problem", "machine_arns", "aws_problem"]


# The credentials used against a localhost endpoint when none are configured.
LOCAL_FAKE_KEY = "local-fake"


class AwsError(RuntimeError):
    """An AWS call failed; ``str()`` is a one-line explanation."""

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


def endpoint_problem(endpoint_url: str) -> str | None:
    """Why ``endpoint_url`` cannot be a Step Functions endpoint (it must be
    an http:// or https:// URL with a host), or None when it can."""
    from urllib.parse import urlparse

    try:
        parts = urlparse(endpoint_url)
        parts.port  # noqa: B018 - parsing the port raises ValueError when it is not a number
    except ValueError as exc:
        return f"{endpoint_url!r} is not a URL ({exc})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{endpoint_url!r} is not an http:// or https:// URL with a host (like http://localhost:5000)"
    return None


# The session each client of make_client() was made from, so a second
# client (validation_client) gets the same credentials without reading the
# client's private attributes.
_SESSIONS: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()


def make_client(env: Environment, endpoint_url: str | None = None, service: str = "stepfunctions", **config: Any) -> Any:
    """A ``stepfunctions`` (or other ``service``) client for the environment's region.

    ``config`` goes to ``botocore.config.Config`` (timeouts, retries).
    Raises :class:`AwsError` (fatal) for an ``endpoint_url`` that is not an
    http(s) URL with a host.
    """
    if endpoint_url is not None:
        problem = endpoint_problem(endpoint_url)
        if problem:
            raise AwsError(f"endpoint URL {problem}", fatal=True)
    import boto3
    from botocore.config import Config

    session = boto3.session.Session()
    if is_local_endpoint(endpoint_url) and session.get_credentials() is None:
        # A fake on this machine (moto server, LocalStack) accepts any
        # credentials; asking for real ones there would only get in the way.
        session = boto3.session.Session(aws_access_key_id=LOCAL_FAKE_KEY, aws_secret_access_key=LOCAL_FAKE_KEY)
    options = {"retries": {"max_attempts": 3, "mode": "standard"}, "connect_timeout": 10, "read_timeout": 60}
    options.update(config)
    try:
        client = session.client(service, region_name=env.region, endpoint_url=endpoint_url, config=Config(**options))
    except ValueError as exc:  # botocore: "Invalid endpoint: ..."
        raise AwsError(f"cannot make a {service} client: {exc}", fatal=True) from None
    _SESSIONS[client] = session
    return client


def validation_client(client: Any) -> Any:
    """A copy of ``client`` that gives up fast: one attempt, short timeouts.

    Only for ValidateStateMachineDefinition, which some fakes answer with
    HTTP 500 (boto3 would retry that several times with back-off). Made
    from the same session as ``client`` (so the same credentials); a client
    not made by :func:`make_client` is used as it is.
    """
    from botocore.config import Config

    try:
        session = _SESSIONS.get(client)
    except TypeError:  # not weak-referenceable: certainly not ours
        session = None
    if session is None:
        return client
    meta = client.meta
    return session.client(
        "stepfunctions",
        region_name=meta.region_name,
        endpoint_url=meta.endpoint_url,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=3, read_timeout=10),
    )


def machine_arns(client: Any) -> dict[str, str]:
    """name -> ARN of the account's state machines in the client's region
    (found by name, so the account need not be known in advance)."""
    out: dict[str, str] = {}
    for page in client.get_paginator("list_state_machines").paginate():
        for machine in page.get("stateMachines", []):
            out[machine["name"]] = machine["stateMachineArn"]
    return out


def is_local_endpoint(endpoint_url: str | None) -> bool:
    """True for a fake on this machine (where executions are simulated)."""
    if not endpoint_url:
        return False
    from urllib.parse import urlparse

    host = (urlparse(endpoint_url).hostname or "").lower()
    return host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost")


def describe_error(exc: BaseException, operation: str = "", endpoint_url: str | None = None) -> AwsError:
    """The one-line message for a botocore failure; ``fatal`` when no later
    call can succeed either (credentials, endpoint)."""
    from botocore import exceptions as bce

    where = endpoint_url or "AWS"
    operation = operation or str(getattr(exc, "operation_name", "") or "")
    if isinstance(exc, bce.NoCredentialsError):
        return AwsError("no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", fatal=True)
    if isinstance(exc, (bce.EndpointConnectionError, bce.ConnectTimeoutError)):
        return AwsError(f"cannot reach the Step Functions endpoint {getattr(exc, 'kwargs', {}).get('endpoint_url') or where}", fatal=True)
    if isinstance(exc, bce.ConnectionClosedError):
        url = getattr(exc, "kwargs", {}).get("endpoint_url") or where
        return AwsError(f"the Step Functions endpoint {url} closed the connection before answering{f' {operation}' if operation else ''}", fatal=True)
    if isinstance(exc, bce.ReadTimeoutError):
        return AwsError(f"the Step Functions endpoint {where} did not answer in time", fatal=True)
    if isinstance(exc, bce.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code") or "Error")
        message = " ".join(str(error.get("Message") or "").split())
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        doing = f"{operation} " if operation else ""
        fatal = code in ("UnrecognizedClientException", "InvalidClientTokenId", "ExpiredTokenException", "InvalidSignatureException", "SignatureDoesNotMatch")
        if fatal:
            return AwsError(f"AWS rejected the credentials ({code}): {message}", fatal=True)
        if isinstance(status, int) and status >= 500:
            named = "" if code.isdigit() else f", {code}"
            return AwsError(f"{where} could not process {doing}(HTTP {status}{named})")
        text = f"AWS refused {doing}({code}{f', HTTP {status}' if status else ''})"
        return AwsError(f"{text}: {message}" if message else text)
    if isinstance(exc, bce.BotoCoreError):
        return AwsError(f"AWS call {operation} failed: {exc}", fatal=True)
    return AwsError(f"{type(exc).__name__}: {exc}")


def aws_problem(endpoint_url: str | None = None, timeout: float = 3.0) -> str | None:
    """What to set before anything can talk to AWS, or None when it can.

    With ``endpoint_url`` (a local fake), something must answer there; a
    remote endpoint also needs credentials. Without it (AWS itself),
    credentials must be configured. For the notebook, whose AWS sections
    say this and skip instead of failing; the check makes no AWS call.
    """
    fake = "start a local fake AWS (moto_server -p 5000, from pip install -e '.[notebook]') and set NDR_AWS_ENDPOINT_URL=http://127.0.0.1:5000"
    credentials = "configure AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
    if endpoint_url:
        problem = endpoint_problem(endpoint_url)
        if problem:
            return f"NDR_AWS_ENDPOINT_URL: {problem}"
        import socket
        from urllib.parse import urlparse

        parts = urlparse(endpoint_url)
        try:
            socket.create_connection((parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)), timeout=timeout).close()
        except OSError as exc:
            return f"nothing answers at {endpoint_url} ({exc.strerror or exc}): {fake}, or unset NDR_AWS_ENDPOINT_URL and {credentials}"
        if is_local_endpoint(endpoint_url):
            return None
    import boto3

    if boto3.session.Session().get_credentials() is None:
        where = f"the endpoint {endpoint_url}" if endpoint_url else "AWS"
        return f"no AWS credentials for {where}: {credentials}, or {fake}"
    return None
