"""Shared by the deploy tests (test_deploy*.py, test_iam.py,
test_cloudformation.py): an environment like the issue's example with a
value for every placeholder of the flows, fake AWS credentials, and a
recorder of the Step Functions calls a client makes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ACCOUNT = "123456789012"  # moto's default account
LAMBDA = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:"

SUBSTITUTIONS = {
    "LockTableName": "ndr-locks",
    "EventBusName": "ndr-bus",
    "PipelineCompletionCallbackLambdaArn": LAMBDA + "ndr-pipeline-callback",
    "PipelineName15m": "ndr-15m-features",
    "PipelineNameInference": "ndr-inference",
    "PipelineNameBackfill15m": "ndr-backfill-15m",
    "BuildBackfillWindowsLambdaArn": LAMBDA + "ndr-build-backfill-windows",
    "PipelineNameFGB": "ndr-fg-b-baselines",
    "PipelineNameMachineInventory": "ndr-machine-inventory",
    "SupplementalBaselineLambdaArn": LAMBDA + "ndr-supplemental-baselines",
    "PipelineNamePredictionJoin": "ndr-prediction-join",
    "PublishJoinedPredictionsLambdaArn": LAMBDA + "ndr-publish-joined-predictions",
    "ApprovedModelS3Prefix": "s3://ndr-models/approved/",
    "HumanApprovalLambdaArn": LAMBDA + "ndr-human-approval",
    "ModelAttributesRegistryLambdaArn": LAMBDA + "ndr-model-attributes-registry",
    "ModelDeployLambdaArn": LAMBDA + "ndr-model-deploy",
    "ModelPublishLambdaArn": LAMBDA + "ndr-model-publish",
    "PipelineNameTraining": "ndr-training",
}

FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def env_data(**overrides: Any) -> dict[str, Any]:
    """The example environment as a dict; keyword arguments replace fields."""
    data: dict[str, Any] = {
        "region": "us-east-1",
        "role_arn": f"arn:aws:iam::{ACCOUNT}:role/ndr-sfn",
        "state_machine_name_prefix": "dev-",
        "tags": {"team": "ndr"},
        "substitutions": dict(SUBSTITUTIONS),
    }
    data.update(overrides)
    return data


def write_env(directory: Path, name: str = "env.json", **overrides: Any) -> Path:
    path = directory / name
    path.write_text(json.dumps(env_data(**overrides), indent=2), encoding="utf-8")
    return path


def use_fake_credentials(monkeypatch: Any) -> None:
    for key, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


class CallRecorder:
    """The Step Functions operations a client makes, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def attach(self, client: Any) -> Any:
        client.meta.events.register("before-parameter-build.states.*", self._record)
        return client

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls.append((model.name, dict(params)))

    def params(self, operation: str) -> list[dict[str, Any]]:
        return [p for name, p in self.calls if name == operation]

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]

    def writes(self) -> list[str]:
        from ndr_workflows.deploy import WRITE_OPERATIONS

        return [name for name in self.names() if name in WRITE_OPERATIONS]

    def clear(self) -> None:
        self.calls.clear()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DroppingProxy:
    """An HTTP proxy on 127.0.0.1 in front of a moto server that stops
    answering on cue: once ``drop_after(operation, n)`` has seen the n-th
    call of ``operation`` (``X-Amz-Target`` ``AWSStepFunctions.<operation>``),
    that call is forwarded but its answer never sent, and every later
    request is dropped unanswered (the connection closed): an endpoint that
    dies mid-run, with one request whose fate the client cannot know."""

    def __init__(self, upstream: str) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import urlparse

        target = urlparse(upstream)
        proxy = self
        self.seen: dict[str, int] = {}
        self.trigger: tuple[str, int] | None = None
        self.dead = False
        self.dropped: list[str] = []
        self.lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                import http.client

                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                operation = (self.headers.get("X-Amz-Target") or "").rsplit(".", 1)[-1]
                with proxy.lock:
                    proxy.seen[operation] = proxy.seen.get(operation, 0) + 1
                    dead_before = proxy.dead
                    if proxy.trigger == (operation, proxy.seen[operation]):
                        proxy.dead = True
                if dead_before:
                    proxy.dropped.append(operation)
                    self.close_connection = True
                    return
                upstream_conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
                upstream_conn.request("POST", self.path, body, {k: v for k, v in self.headers.items() if k.lower() != "host"})
                answer = upstream_conn.getresponse()
                data = answer.read()
                upstream_conn.close()
                if proxy.dead:  # forwarded (maybe applied), but the answer is lost
                    proxy.dropped.append(operation + " (forwarded)")
                    self.close_connection = True
                    return
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length", "server", "date"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def drop_after(self, operation: str, count: int) -> None:
        self.trigger = (operation, count)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
