"""A Map state's run: its items (an array of the input, or an ItemReader's
S3 object), ItemSelector, ItemBatcher, the iterations in index order, a
Distributed Map's tolerated failures and its ResultWriter.

Distributed Maps run inline, each child workflow to completion in turn:

* ``ItemReader``: the object is asked for as a call (``s3:getObject`` /
  ``s3:listObjectsV2`` with the reader's Parameters / Arguments), answered
  like a Task by a mock of the Map state's name, a handler, or the
  built-in :class:`~.fakes.S3` fake; the text is read as ``JSON`` (an
  array), ``JSONL``, or ``CSV`` (``FIRST_ROW`` or ``GIVEN`` headers, every
  value a string); ``MaxItems`` keeps the first items. An object that
  cannot be read so fails the Map with ``States.ItemReaderFailed``.
  ``MANIFEST`` and ``PARQUET`` objects are not supported (exit 2).
* ``ItemBatcher``: the selected items are grouped in order, at most
  ``MaxItemsPerBatch`` items and ``MaxInputBytesPerBatch`` bytes of child
  input (compact JSON) per batch; each child gets
  ``{"Items": [...], "BatchInput": ...}`` (BatchInput when given).
* ``ResultWriter``: with an S3 ``Resource``, the children's results go to
  the S3 fake (``<Prefix>/<map run id>/manifest.json`` and
  ``SUCCEEDED_0.json``, as JSON or JSONL, whole child records or, with
  ``Transformation: COMPACT`` / ``FLATTEN``, their outputs) and the Map's
  result is ``{"MapRunArn", "ResultWriterDetails": {"Bucket", "Key"}}``;
  a ``WriterConfig`` alone transforms the Map's result.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from .calls import Call
from .definition import Graph, State
from .errors import EXCEED_TOLERATED_FAILURE_THRESHOLD, Failure
from .expressions import Frame, Variables
from .fields import whole
from .functions import Runtime
from .map_config import ITEM_READER_FAILED

__all__ = ["run_map", "Runner"]


class Runner(Protocol):
    """What a Map needs of the interpreter."""

    trace: list[tuple[str, str, int, Any]]
    runtime: Runtime

    def run_graph(self, graph: Graph, state_input: Any, variables: Variables) -> Any: ...

    def ask(self, call: Call, state: State) -> Any: ...

    def store(self, bucket: str, key: str, body: str) -> None: ...

    def map_run(self, state: State) -> tuple[str, str]: ...


def _percentage(value: Any, what: str, error: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
        raise Failure(error, f"{what} is {value!r}, not a number from 0 to 100")
    return float(value)


def _selected(state: State, frame: Frame, items: list[Any]) -> Iterator[Any]:
    """Each item as its iteration receives it (after ItemSelector)."""
    if state.item_selector is None:
        yield from items
        return
    for index, item in enumerate(items):
        context = dict(frame.context)
        context["Map"] = {"Item": {"Index": index, "Value": item}}
        yield state.item_selector(Frame(frame.input, context, frame.variables))


def run_map(interpreter: Runner, state: State, frame: Frame) -> Any:
    """The Map's result: its iterations' outputs in order (or the
    ResultWriter's answer)."""
    error = state.data_error
    if state.reader is not None:
        arguments, limit = state.reader.request(frame, error)
        try:
            answer = interpreter.ask(Call(state.name, state.reader.resource, arguments), state)
        except Failure as failure:
            raise Failure(ITEM_READER_FAILED, f"{state.path}: ItemReader: {failure.error}: {failure.cause}") from None
        items = state.reader.items(answer, limit)
    else:
        items = state.items(frame) if state.items is not None else frame.input
    if not isinstance(items, list):
        raise Failure(error, f"{state.path}: the items to iterate over are {type(items).__name__}, not an array")
    if state.max_concurrency is not None:
        whole(state.max_concurrency(frame), f"{state.path}: MaxConcurrency", error)
    # The thresholds are read when the Map starts, failures or not.
    count = percentage = 0.0
    if state.tolerated_count is not None:
        count = whole(state.tolerated_count(frame), f"{state.path}: ToleratedFailureCount", error)
    if state.tolerated_percentage is not None:
        percentage = _percentage(state.tolerated_percentage(frame), f"{state.path}: ToleratedFailurePercentage", error)
    inputs: Any = _selected(state, frame, items)
    total = len(items)
    if state.batcher is not None:
        inputs = state.batcher.batches(list(inputs), frame, error)
        total = len(inputs)
    processor = state.processor
    assert processor is not None
    results: list[Any] = []
    records: list[dict[str, Any]] = []
    failed = 0
    for index, child_input in enumerate(inputs):
        interpreter.trace.append(("iteration", state.path, interpreter.runtime.now_ms, (index, total)))
        if not state.distributed:
            results.append(interpreter.run_graph(processor, child_input, processor.variables(frame.variables)))
            continue
        try:
            output = interpreter.run_graph(processor, child_input, processor.variables(frame.variables))
            results.append(output)
            records.append({"Input": child_input, "Output": output, "Status": "SUCCEEDED"})
        except Failure as failure:
            failed += 1
            results.append({"Error": failure.error, "Cause": failure.cause})
            records.append({"Input": child_input, "Error": failure.error, "Cause": failure.cause, "Status": "FAILED"})
    if failed:
        over_count = bool(count) and failed > count
        over_percentage = bool(percentage) and failed * 100 > percentage * total
        # No threshold set: any failure fails the Map; else exceeding either does.
        if over_count or over_percentage or (not count and not percentage):
            raise Failure(EXCEED_TOLERATED_FAILURE_THRESHOLD, f"{state.path}: {failed} of {total} iterations failed, more than tolerated")
    if state.writer is not None:
        files, result = state.writer.write(frame, records, *interpreter.map_run(state))
        for bucket, key, body in files:
            interpreter.store(bucket, key, body)
        return result
    return results
