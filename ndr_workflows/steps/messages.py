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
from .message_expressions import ParamSpec, normalized_output_text, raw_message_text, resolve_text, resolved_output_text

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from ..expressions import Template

__all__ = ["Param", "normalize_message", "resolve_params", "RAW_MESSAGE"]

RAW_MESSAGE = "raw_message"
KINDS = ("string", "number", "list")


class Param(Record):
    """A runtime parameter.

    ``default`` is a literal or an expression (e.g. the execution's start
    time); ``required=True`` means no default: a missing value resolves to
    null and ``validate_params`` rejects the run. ``kind`` says how a value
    read from ``k=v`` text is converted: ``"number"`` (``step_minutes=30``)
    or ``"list"`` (comma-separated, ``targets=redshift,iceberg``).
    """

    __slots__ = ("name", "default", "required", "kind")
    name: str
    default: Template
    required: bool
    kind: str

    def __init__(self, name: str, default: Template = None, *, required: bool = False, kind: str = "string") -> None:
        self._set(name=name, default=default, required=required, kind=kind)

    def spec(self) -> ParamSpec:
        default = None if self.default is None else (self.default.text if isinstance(self.default, Expr) else to_jsonata(self.default))
        return ParamSpec(name=self.name, kind=self.kind, required=self.required, default_text=default)


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
        if p.kind not in KINDS:
            fragment = fragment.with_problem(Problem(name, "BAD_PARAM_KIND", f"parameter {p.name}: kind must be one of {', '.join(KINDS)}, not {p.kind!r}"))
        if p.required and p.default is not None:
            fragment = fragment.with_problem(Problem(name, "REQUIRED_WITH_DEFAULT", f"parameter {p.name} is required but has a default", "drop one of them"))
    return fragment
