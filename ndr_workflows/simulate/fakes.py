"""Built-in stateful fakes for SageMaker pipelines, EventBridge and S3.

They answer what the flows call, keep what happened for assertions, and
fail the way the real integrations fail (``SageMaker.*`` names of the aws-sdk
integration; malformed requests under the base exception
``SageMaker.SageMakerException``, as unmodelled errors arrive in Step
Functions). Identifiers are derived from the request, so runs repeat exactly.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .calls import json_copy
from ..asl.error_names import base_error
from .errors import Failure

__all__ = ["SageMaker", "StartedPipeline", "EventBridge", "S3", "ACCOUNT", "REGION"]

ACCOUNT = "123456789012"
REGION = "us-east-1"
FAILED_STATUSES = {"Failed": "PipelineFailed", "Stopped": "PipelineStopped"}


@dataclass(frozen=True)
class StartedPipeline:
    state: str
    pipeline: str  # PipelineName as written, e.g. "${PipelineName15m}"
    parameters: dict[str, str]
    token: str
    arn: str


def _short_name(pipeline: str) -> str:
    return re.sub(r"[^A-Za-z0-9-]", "", pipeline).lower() or "pipeline"


def _invalid(message: str) -> Failure:
    return Failure("SageMaker.SageMakerException", f"ValidationException: {message}")


class SageMaker:
    """Pipelines started with StartPipelineExecution and described with
    DescribePipelineExecution.

    ``statuses``: PipelineName as written (or ``"*"``) -> the statuses that
    successive describes of one execution return (the last repeats); default
    ``["Succeeded"]``. The last one is also how the pipeline ends when a
    completion callback waits for it (see :meth:`completion`)."""

    def __init__(self, statuses: Mapping[str, Sequence[str]] | None = None) -> None:
        self.statuses: dict[str, list[str]] = {"*": ["Succeeded"]}
        self.statuses.update({name: list(script) for name, script in (statuses or {}).items()})
        self.started: list[StartedPipeline] = []
        self.describes: list[tuple[str, str, str]] = []  # (state, arn, status)
        self._by_token: dict[str, StartedPipeline] = {}
        self._by_arn: dict[str, StartedPipeline] = {}
        self._described: Counter[str] = Counter()

    def _script(self, pipeline: str) -> list[str]:
        return self.statuses.get(pipeline) or self.statuses.get("*") or ["Succeeded"]

    def start_pipeline_execution(self, state: str, arguments: Any) -> dict[str, Any]:
        if not isinstance(arguments, Mapping):
            raise _invalid("the request must be an object")
        name = arguments.get("PipelineName")
        if not isinstance(name, str) or not name:
            raise _invalid("PipelineName is required")
        token = arguments.get("ClientRequestToken")
        if token is None:  # the AWS SDK fills an idempotency token in: a fresh one per call
            token = hashlib.sha256(f"sdk-filled-{len(self.started)}".encode()).hexdigest()
        if not isinstance(token, str) or not 32 <= len(token) <= 128:
            raise _invalid(f"ClientRequestToken must be 32 to 128 characters, got {token!r}")
        entries = arguments.get("PipelineParameters", []) or []
        if not isinstance(entries, list):
            raise _invalid(f"PipelineParameters must be a list, got {entries!r}")
        parameters: dict[str, str] = {}
        for entry in entries:
            if not isinstance(entry, Mapping) or set(entry) != {"Name", "Value"} or not isinstance(entry["Value"], str):
                raise _invalid(f"PipelineParameters entries are {{Name, Value}} with a string Value, got {entry!r}")
            parameters[str(entry["Name"])] = entry["Value"]
        known = self._by_token.get(token)
        if known is not None:  # SageMaker's idempotency token
            if known.pipeline != name or known.parameters != parameters:
                raise _invalid("ClientRequestToken was used before with different parameters")
            return {"PipelineExecutionArn": known.arn}
        execution_id = hashlib.sha256(f"{name}|{token}".encode()).hexdigest()[:12]
        arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:pipeline/{_short_name(name)}/execution/{execution_id}"
        started = StartedPipeline(state, name, parameters, token, arn)
        self.started.append(started)
        self._by_token[token] = started
        self._by_arn[arn] = started
        return {"PipelineExecutionArn": arn}

    def describe_pipeline_execution(self, state: str, arguments: Any) -> dict[str, Any]:
        arn = arguments.get("PipelineExecutionArn") if isinstance(arguments, Mapping) else None
        started = self._by_arn.get(arn) if isinstance(arn, str) else None
        if started is None:
            raise Failure("SageMaker.ResourceNotFoundException", f"Pipeline execution {arn!r} does not exist")
        script = self._script(started.pipeline)
        status = script[min(self._described[started.arn], len(script) - 1)]
        self._described[started.arn] += 1
        self.describes.append((state, started.arn, status))
        return {
            "PipelineArn": started.arn.split("/execution/")[0],
            "PipelineExecutionArn": started.arn,
            "PipelineExecutionStatus": status,
        }

    def knows(self, arn: Any) -> bool:
        return isinstance(arn, str) and arn in self._by_arn

    def completion(self, arn: str) -> dict[str, Any]:
        """What the completion callback sends for a started pipeline: the
        output ``{"pipeline_execution_arn", "status": "Succeeded"}``, or a
        SendTaskFailure (``PipelineFailed`` / ``PipelineStopped``)."""
        started = self._by_arn[arn]
        status = self._script(started.pipeline)[-1]
        if status in FAILED_STATUSES:
            raise Failure(FAILED_STATUSES[status], f"Pipeline execution {arn} ended with status {status}")
        return {"pipeline_execution_arn": arn, "status": status}


class EventBridge:
    """PutEvents captured: ``entries`` holds every entry put (as sent).

    ``fail_entries``: how many of the next PutEvents calls report their
    entries as failed (``ThrottlingException``, ``FailedEntryCount`` > 0),
    as EventBridge does when throttled. The optimized ``events:putEvents``
    integration then fails the Task with ``EventBridge.FailedEntry``; the
    aws-sdk integration returns the response as it is."""

    def __init__(self, fail_entries: int = 0) -> None:
        self.entries: list[dict[str, Any]] = []
        self.fail_entries = fail_entries

    def put_events(self, arguments: Any, prefix: str = "EventBridge") -> dict[str, Any]:
        entries = arguments.get("Entries") if isinstance(arguments, Mapping) else None
        if not isinstance(entries, list) or not 1 <= len(entries) <= 10:
            raise Failure(base_error(prefix), "ValidationException: Entries must be a list of 1 to 10 entries")
        if self.fail_entries > 0:
            self.fail_entries -= 1
            failed = [{"ErrorCode": "ThrottlingException", "ErrorMessage": "Rate exceeded"} for _ in entries]
            return {"Entries": failed, "FailedEntryCount": len(entries)}
        answers = []
        for entry in entries:
            self.entries.append(json_copy(entry))
            digest = hashlib.sha256(f"{len(self.entries)}".encode()).hexdigest()
            answers.append({"EventId": f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"})
        return {"Entries": answers, "FailedEntryCount": 0}


class S3:
    """Objects by bucket and key, for a Distributed Map's ItemReader
    (``s3:getObject``, ``s3:listObjectsV2``) and ResultWriter.

    ``objects``: ``"bucket/key"`` -> the object's content: text, bytes, or
    JSON data (stored as its JSON text). ``written`` lists what the
    ResultWriter stored, in order: (bucket, key)."""

    def __init__(self, objects: Mapping[str, Any] | None = None) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}
        self.written: list[tuple[str, str]] = []
        for name, content in (objects or {}).items():
            bucket, _, key = name.partition("/")
            self.put(bucket, key, content)

    def put(self, bucket: str, key: str, content: Any) -> None:
        if isinstance(content, str):
            data = content.encode("utf-8")
        elif isinstance(content, bytes):
            data = content
        else:
            data = json.dumps(content, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        self.objects[(bucket, key)] = data

    def knows(self, bucket: Any) -> bool:
        return any(b == bucket for b, _ in self.objects)

    def get_object(self, arguments: Any) -> bytes | None:
        """The object's content, or None when the fake does not have it."""
        if not isinstance(arguments, Mapping):
            return None
        return self.objects.get((str(arguments.get("Bucket")), str(arguments.get("Key"))))

    def list_objects(self, arguments: Any) -> dict[str, Any] | None:
        """ListObjectsV2's answer as the ItemReader reads it (keys in order,
        LastModified in epoch seconds), or None for a bucket it does not have."""
        bucket = arguments.get("Bucket") if isinstance(arguments, Mapping) else None
        if not self.knows(bucket):
            return None
        prefix = str(arguments.get("Prefix", "") or "")
        contents = [
            {"Etag": f'"{hashlib.md5(data).hexdigest()}"', "Key": key, "LastModified": 1735689600, "Size": len(data), "StorageClass": "STANDARD"}
            for (b, key), data in sorted(self.objects.items())
            if b == bucket and key.startswith(prefix)
        ]
        return {"Contents": contents}
