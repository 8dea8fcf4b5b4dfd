"""The two Pass states every flow starts with: normalize the incoming
message, then resolve one variable per runtime parameter.

A flow can be started with its parameters as input fields, as a
``k=v;k=v`` string, as an SQS or SNS record carrying either form (or JSON
object text), or with a ``message_body``; all resolve to the same variables.
The JSONata text itself lives in :mod:`.message_expressions`.
"""

from __future__ import annotations

from ..expressions import Expr, expr, to_jsonata
from ..model import Fragment, Pass
from ..model.record import Record
from .message_expressions import ParamSpec, epoch_seconds_after_start_text, month_end_text, previous_month_start_text, normalized_output_text, now_iso_text, raw_message_text, resolve_text, resolved_output_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..expressions import Template

__all__ = ["Param", "normalize_message", "resolve_params", "RAW_MESSAGE", "START_EPOCH", "NOW_ISO", "epoch_after_start", "previous_month_start", "month_end_of"]

RAW_MESSAGE = "raw_message"
# The execution's start in whole epoch seconds, and as ISO text without
# milliseconds: "now" for a flow (a retried or redriven state sees the same).
START_EPOCH = Expr("$floor($toMillis($states.context.Execution.StartTime) / 1000)")
NOW_ISO = Expr(now_iso_text())


def epoch_after_start(seconds: int) -> Expr:
    """Epoch seconds of the execution's start time plus ``seconds``."""
    return Expr(epoch_seconds_after_start_text(seconds))

# The typed parameters whose checks steps.checks writes.
TYPES = ("string", "timestamp", "date", "number", "enum", "pattern", "list", "non_empty_list", "s3_uri")
KINDS = ("string", "number", "list")


class Param(Record):
    """A runtime parameter.

    ``default`` is a literal or an expression (e.g. the execution's start
    time); ``required=True`` means no default: a missing value resolves to
    null and the gate rejects the run. ``kind`` says how a value read from
    ``k=v`` text is converted: ``"number"`` (``step_minutes=30``) or
    ``"list"`` (comma-separated, ``targets=redshift,iceberg``); a ``type``
    implies it.

    ``type`` makes the parameter write its own check (see
    :mod:`.checks`): ``"timestamp"``, ``"date"``, ``"number"`` (bounds
    ``minimum`` / ``maximum`` inclusive, ``above`` / ``below`` exclusive),
    ``"enum"`` (``one_of``), ``"pattern"`` (``pattern``, a regex),
    ``"non_empty_list"``, ``"s3_uri"``. ``message`` replaces the check's
    message, ``error`` its error name (and Fail state) when each rule fails
    on its own (default ``FailInvalid<Name>``; a missing required parameter
    is ``FailMissing<Name>``).

    ``source=config(item, attribute)`` reads the parameter from a
    configuration item when the message does not give it (see
    :class:`~ndr_workflows.steps.params.Params`): precedence message, item,
    default.
    """

    __slots__ = ("name", "default", "required", "kind", "type", "minimum", "maximum", "above", "below", "one_of", "pattern", "message", "error", "source")
    name: str
    default: Template
    required: bool
    kind: str
    type: str | None
    minimum: object
    maximum: object
    above: object
    below: object
    one_of: tuple[object, ...] | None
    pattern: str | None
    message: str | None
    error: str | None
    source: object

    def __init__(
        self,
        name: str,
        default: Template = None,
        *,
        required: bool = False,
        kind: str | None = None,
        type: str | None = None,  # noqa: A002 - the parameter's type
        minimum: object = None,
        maximum: object = None,
        above: object = None,
        below: object = None,
        one_of: tuple[object, ...] | list[object] | None = None,
        pattern: str | None = None,
        message: str | None = None,
        error: str | None = None,
        source: object = None,
    ) -> None:
        if kind is None:
            kind = "number" if type == "number" else "list" if type == "non_empty_list" else "string"
        self._set(
            name=name, default=default, required=required, kind=kind, type=type, minimum=minimum, maximum=maximum, above=above, below=below,
            one_of=tuple(one_of) if one_of is not None else None, pattern=pattern, message=message, error=error, source=source,
        )

    def spec(self) -> ParamSpec:
        default = None if self.default is None else (self.default.text if isinstance(self.default, Expr) else to_jsonata(self.default))
        return ParamSpec(name=self.name, kind=self.kind, required=self.required, default_text=default)


def previous_month_start() -> Expr:
    """The first instant of the calendar month before the execution's start
    (UTC), e.g. 2025-02-01T00:00:00Z for a start in March 2025."""
    return Expr(previous_month_start_text())


def month_end_of(month: Param) -> Expr:
    """The last second of the month that parameter ``month`` gives, given or
    defaulted (its resolution is repeated inside: Assign entries cannot read
    each other's new values), e.g. 2024-06-30T23:59:59Z."""
    return Expr(month_end_text(resolve_text(month.spec())))


def normalize_message(name: str = "NormalizeIncomingMessage", *, variable: str = RAW_MESSAGE) -> Fragment:
    """A Pass assigning ``raw_message``: the input if it is a string; else
    ``message_body``; else the first SQS record's ``body``; else the first
    SNS record's ``Sns.Message``; else the empty string.

    Its Output hands the parameter resolution the input and the message's
    JSON fields (checked and parsed once, here); the resolution's Output
    restores the input."""
    return Fragment.of(Pass(name, assign={variable: expr(raw_message_text())}, output=expr(normalized_output_text())))


def resolve_params(params: list[Param] | tuple[Param, ...], name: str = "ResolvePipelineRuntimeParams") -> Fragment:
    """A Pass assigning one variable per parameter: the first present,
    non-empty value of the input field, the field of ``raw_message`` when it
    is JSON object text, the ``p=`` value in ``raw_message`` (``k=v;...``
    text), else the default (null for a required parameter)."""
    fragment = Fragment.of(Pass(name, assign={p.name: expr(resolve_text(p.spec())) for p in params}, output=expr(resolved_output_text())))
    from ..model.errors import Problem

    for p in params:
        if p.type is not None and p.type not in TYPES:
            fragment = fragment.with_problem(Problem(name, "BAD_PARAM_TYPE", f"parameter {p.name}: type must be one of {', '.join(TYPES)}, not {p.type!r}"))
        if p.kind not in KINDS:
            fragment = fragment.with_problem(Problem(name, "BAD_PARAM_KIND", f"parameter {p.name}: kind must be one of {', '.join(KINDS)}, not {p.kind!r}"))
        if p.required and p.default is not None:
            fragment = fragment.with_problem(Problem(name, "REQUIRED_WITH_DEFAULT", f"parameter {p.name} is required but has a default", "drop one of them"))
    from ..model.checks import with_written

    return with_written(fragment, [p.default for p in params])
