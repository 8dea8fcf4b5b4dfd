"""Publish an event to EventBridge."""

from __future__ import annotations

from ..asl.resources import PUT_EVENTS as PUT_EVENTS_RESOURCE
from ..expressions import json_string
from ..model import Fragment, Task
from ..model.checks import with_written
from .errors import TO_FAILURE, catch_all, transient_retry

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..expressions import Template
    from ..model import Retry
    from .errors import OnError

__all__ = ["PUT_EVENTS_RESOURCE", "EVENT_SOURCE", "EVENT_BUS", "publish_event"]

EVENT_SOURCE = "ndr.orchestration"
EVENT_BUS = "${EventBusName}"


def publish_event(
    name: str,
    *,
    detail_type: str,
    detail: Template,
    source: str = EVENT_SOURCE,
    event_bus: str = EVENT_BUS,
    assign: dict[str, Template] | None = None,
    output: Template = None,
    retry: tuple[Retry, ...] | None = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """``PutEvents`` with one entry whose ``Detail`` is ``$string(detail)``
    (EventBridge wants the JSON text, not an object)."""
    fragment = Fragment.of(
        Task(
            name=name,
            resource=PUT_EVENTS_RESOURCE,
            arguments={
                "Entries": [
                    {
                        "Source": source,
                        "DetailType": detail_type,
                        "Detail": json_string(detail),
                        "EventBusName": event_bus,
                    }
                ]
            },
            assign=assign,
            output=output,
            retry=transient_retry("events") if retry is None else retry,
            catch=catch_all(name, on_error),
        )
    )
    return with_written(fragment, detail)  # wrapped in $string(...): judged as written
