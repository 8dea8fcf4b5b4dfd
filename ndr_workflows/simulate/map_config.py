"""A Distributed Map's ItemReader, ItemBatcher and ResultWriter, read once
per definition (what :mod:`.maps` does with them at run time is described
there). Fields the simulator cannot honour are refused here, before the
run: "the simulator does not support ..." (exit 2).
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from .errors import Failure, SimulationError
from .fields import Fields, whole

if TYPE_CHECKING:  # pragma: no cover
    from .expressions import Frame

__all__ = ["Reader", "Batcher", "Writer", "ITEM_READER_FAILED", "GET_OBJECT", "LIST_OBJECTS", "PUT_OBJECT"]

ITEM_READER_FAILED = "States.ItemReaderFailed"
GET_OBJECT = "arn:aws:states:::s3:getObject"
LIST_OBJECTS = "arn:aws:states:::s3:listObjectsV2"
PUT_OBJECT = "arn:aws:states:::s3:putObject"
_DELIMITERS = {"COMMA": ",", "PIPE": "|", "SEMICOLON": ";", "SPACE": " ", "TAB": "\t"}


class Reader:
    """An ItemReader: the call that fetches the object (``request``), and
    how its content becomes items (``items``)."""

    def __init__(self, fields: Fields) -> None:
        raw = fields.raw
        self.where = fields.where
        self.resource = raw.get("Resource", "")
        self.arguments = fields.arguments()
        config: dict[str, Any] = raw["ReaderConfig"] if isinstance(raw.get("ReaderConfig"), dict) else {}
        self.input_type = config.get("InputType")
        self.header_location = config.get("CSVHeaderLocation", "FIRST_ROW")
        self.headers = config.get("CSVHeaders")
        self.delimiter = _DELIMITERS.get(config.get("CSVDelimiter", "COMMA"), ",")
        self.max_items = fields.inner(config, ".ReaderConfig").number("MaxItems")
        if self.resource not in (GET_OBJECT, LIST_OBJECTS):
            raise SimulationError(f"{self.where}: the simulator does not support the item source {self.resource!r} (it reads s3:getObject and s3:listObjectsV2)")
        unsupported: list[str] = [key for key in ("Transformation", "ManifestType", "ItemsPointer") if key in config]
        if self.resource == GET_OBJECT and self.input_type not in ("JSON", "JSONL", "CSV"):
            unsupported.append(f"InputType {self.input_type}")
        if unsupported:
            raise SimulationError(f"{self.where}: the simulator does not support ReaderConfig {', '.join(map(str, unsupported))}")

    def request(self, frame: Frame, error: str) -> tuple[Any, int | None]:
        """(the call's arguments, MaxItems or None)."""
        arguments = self.arguments(frame) if self.arguments is not None else {}
        limit = None
        if self.max_items is not None:
            limit = whole(self.max_items(frame), f"{self.where}: MaxItems", error, 1)
        return arguments, limit

    def items(self, answer: Any, limit: int | None) -> list[Any]:
        """The items of the object (or listing) the call answered."""
        items = self._items(answer)
        return items[:limit] if limit is not None else items

    def _items(self, answer: Any) -> list[Any]:
        if self.resource == LIST_OBJECTS:
            contents = answer.get("Contents", []) if isinstance(answer, dict) else answer
            if not isinstance(contents, list):
                raise Failure(ITEM_READER_FAILED, f"{self.where}: the object listing has no Contents array")
            return contents
        if isinstance(answer, bytes):
            try:
                answer = answer.decode("utf-8")
            except UnicodeDecodeError:
                raise Failure(ITEM_READER_FAILED, f"{self.where}: the object is not UTF-8 text") from None
        if not isinstance(answer, str):
            if self.input_type == "JSON" and isinstance(answer, list):
                return answer
            raise Failure(ITEM_READER_FAILED, f"{self.where}: the object's content is {type(answer).__name__}, not text")
        try:
            if self.input_type == "JSON":
                items = json.loads(answer)
                if not isinstance(items, list):
                    raise Failure(ITEM_READER_FAILED, f"{self.where}: the JSON object holds {type(items).__name__}, not an array")
                return items
            if self.input_type == "JSONL":
                return [json.loads(line) for line in answer.splitlines() if line.strip()]
        except (ValueError, RecursionError) as exc:
            raise Failure(ITEM_READER_FAILED, f"{self.where}: the object is not {self.input_type}: {exc}") from None
        return self._csv(answer)

    def _csv(self, text: str) -> list[dict[str, str]]:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=self.delimiter) if row]
        headers = list(self.headers or []) if self.header_location == "GIVEN" else (rows.pop(0) if rows else [])
        items = []
        for number, row in enumerate(rows, 1):
            if len(row) != len(headers):
                raise Failure(ITEM_READER_FAILED, f"{self.where}: CSV row {number} has {len(row)} fields, the header {len(headers)}")
            items.append(dict(zip(headers, row)))
        return items


def _size(value: Any) -> int:
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


class Batcher:
    """An ItemBatcher: groups the selected items into child inputs."""

    def __init__(self, fields: Fields) -> None:
        self.where = fields.where
        self.max_items = fields.number("MaxItemsPerBatch")
        self.max_bytes = fields.number("MaxInputBytesPerBatch")
        self.batch_input = fields.payload("BatchInput")

    def batches(self, items: list[Any], frame: Frame, error: str) -> list[dict[str, Any]]:
        """``{"Items": [...], "BatchInput": ...}`` per child, in order: at
        most MaxItemsPerBatch items and MaxInputBytesPerBatch bytes (the
        child input as compact JSON) each."""
        most = whole(self.max_items(frame), f"{self.where}: MaxItemsPerBatch", error, 1) if self.max_items is not None else None
        size = whole(self.max_bytes(frame), f"{self.where}: MaxInputBytesPerBatch", error, 1) if self.max_bytes is not None else None
        extra = {"BatchInput": self.batch_input(frame)} if self.batch_input is not None else {}
        base = _size({"Items": [], **extra})
        batches: list[dict[str, Any]] = []
        current: list[Any] = []
        used = 0
        for item in items:
            grow = _size(item) if size is not None else 0
            if size is not None and base + grow > size:
                raise SimulationError(
                    f"{self.where}: an item of {base + grow} bytes as a batch is over MaxInputBytesPerBatch ({size}); "
                    "the simulator does not support it (AWS does not document what it does)"
                )
            full = (most is not None and len(current) >= most) or (size is not None and base + used + grow + 1 > size)
            if current and full:
                batches.append({"Items": current, **extra})
                current, used = [], 0
            used += grow + (1 if current else 0)  # the comma between items
            current.append(item)
        if current:
            batches.append({"Items": current, **extra})
        return batches


class Writer:
    """A ResultWriter: the objects it writes and the Map's result."""

    def __init__(self, fields: Fields) -> None:
        raw = fields.raw
        self.where = fields.where
        self.resource = raw.get("Resource")
        self.arguments = fields.arguments()
        config: dict[str, Any] = raw["WriterConfig"] if isinstance(raw.get("WriterConfig"), dict) else {}
        self.output_type = config.get("OutputType", "JSON")
        self.transformation = config.get("Transformation", "NONE")
        if self.resource is not None and self.resource != PUT_OBJECT:
            raise SimulationError(f"{self.where}: the simulator does not support writing results to {self.resource!r}")
        if self.resource is None and self.transformation == "NONE":
            raise SimulationError(f"{self.where}: the simulator does not support a WriterConfig without a Resource and with Transformation NONE")

    def write(self, frame: Frame, records: list[dict[str, Any]], run_id: str, run_arn: str) -> tuple[list[tuple[str, str, str]], Any]:
        """([(bucket, key, body) to store], the Map's result) for the
        children's ``records`` ({Input, Output | Error, Cause, Status})."""
        outputs = [record.get("Output") for record in records]
        if self.transformation == "FLATTEN":
            outputs = [item for output in outputs for item in (output if isinstance(output, list) else [output])]
        if self.resource is None:
            return [], outputs
        arguments = self.arguments(frame) if self.arguments is not None else {}
        arguments = arguments if isinstance(arguments, dict) else {}
        bucket = str(arguments.get("Bucket", ""))
        prefix = str(arguments.get("Prefix", "")).strip("/")
        folder = f"{prefix}/{run_id}" if prefix else run_id
        entries: list[Any] = records if self.transformation == "NONE" else outputs
        if self.output_type == "JSONL":
            body = "".join(json.dumps(entry, separators=(",", ":"), ensure_ascii=False) + "\n" for entry in entries)
        else:
            body = json.dumps(entries, separators=(",", ":"), ensure_ascii=False)
        results_key = f"{folder}/SUCCEEDED_0.{'jsonl' if self.output_type == 'JSONL' else 'json'}"
        manifest = {
            "DestinationBucket": bucket,
            "MapRunArn": run_arn,
            "ResultFiles": {"FAILED": [], "PENDING": [], "SUCCEEDED": [{"Key": results_key, "Size": len(body.encode("utf-8"))}]},
        }
        manifest_key = f"{folder}/manifest.json"
        files = [(bucket, results_key, body), (bucket, manifest_key, json.dumps(manifest, separators=(",", ":")))]
        return files, {"MapRunArn": run_arn, "ResultWriterDetails": {"Bucket": bucket, "Key": manifest_key}}
