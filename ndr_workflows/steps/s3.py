"""Read a JSON object from S3."""

from __future__ import annotations

from ..asl.resources import S3_GET_OBJECT

from ..expressions import Expr
from .errors import TO_FAILURE
from .services import DEFAULT_RETRY, aws_sdk

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..expressions import Template
    from ..model import Fragment, Retry
    from ..model.base import Target
    from .errors import OnError
    from .services import Catches

__all__ = ["GET_OBJECT_RESOURCE", "NO_SUCH_KEY", "get_json"]

GET_OBJECT_RESOURCE = S3_GET_OBJECT
# What the aws-sdk integration raises for a missing object.
NO_SUCH_KEY = "S3.NoSuchKeyException"


def get_json(
    name: str,
    *,
    bucket: Template,
    key: Template,
    into: str,
    on_missing: Target | None = None,
    output: Template = None,
    retry: tuple[Retry, ...] | list[Retry] | None | object = DEFAULT_RETRY,
    catch: Catches = None,
    on_error: OnError = TO_FAILURE,
) -> Fragment:
    """``GetObject`` of a JSON document, parsed into the variable ``into``
    (``$parse`` of the body; a body that is not JSON fails the state with
    ``States.QueryEvaluationError``, which ``on_error`` catches). A missing
    object (``S3.NoSuchKeyException``) goes to ``on_missing`` when given."""
    routes = dict(catch or {})  # type: ignore[arg-type]
    if on_missing is not None:
        routes[NO_SUCH_KEY] = on_missing
    return aws_sdk(
        name,
        "s3:getObject",
        {"Bucket": bucket, "Key": key},
        assign={into: Expr("$parse($states.result.Body)")},
        output=output,
        retry=retry,  # type: ignore[arg-type]
        catch=routes or None,
        on_error=on_error,
    )
