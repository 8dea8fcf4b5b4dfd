"""Runtime parameters from several sources, in order of precedence: the
message, a DynamoDB configuration item, the default; and parameters
derived from others.

``Params(Param(...), ..., Derived(...), ...)`` is declared once; then

* ``params.opening()`` — NormalizeIncomingMessage >> ResolvePipelineRuntimeParams
  (the message's values; defaults of parameters without a configuration
  source), optionally followed by the gate;
* ``params.read_config(item, name=..., table=..., key=...)`` — a ``GetItem``
  whose Assign gives each parameter with ``source=config(item, attribute)``
  the message's value when there is one, else the item's attribute
  (decoded), else its default;
* ``params.gate(...)`` — the validation gate over every parameter's rules.

Derived parameters are written in order, each an expression of earlier
ones. Step Functions evaluates every ``Assign`` entry against the values
from *before* the state, so a derived value is computed in the first state
where all it reads is available, and what it reads from that same state is
bound locally (``($a := <a's expression>; <derived expression>)``): the
author writes them in order and need not care.
"""

from __future__ import annotations

from ..expressions import STATES_RESULT, Expr, expr
from ..model import Fragment, Pass
from ..model.checks import with_written
from ..model.errors import Problem
from ..asl.jsonata import analyse
from ..model.record import Record
from .dynamodb import attributes, decoded, first_present
from .errors import TO_FAILURE
from .message_expressions import resolve_text, resolved_output_text
from .messages import Param, normalize_message
from .services import DEFAULT_RETRY, aws_sdk
from .validation import validate_params

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping

    from ..expressions import Template
    from ..model import Retry
    from .checks import Check
    from .errors import OnError

__all__ = ["ConfigField", "config", "Derived", "Params"]


class ConfigField(Record):
    """An attribute of a configuration item (see :meth:`Params.read_config`)."""

    __slots__ = ("item", "attribute")
    item: str
    attribute: str

    def __init__(self, item: str, attribute: str) -> None:
        self._set(item=item, attribute=attribute)


def config(item: str, attribute: str) -> ConfigField:
    """``source=config("routing", "data_source_name")``: the parameter comes
    from that attribute of the configuration item ``routing`` when the
    message does not give it."""
    return ConfigField(item, attribute)


class Derived(Record):
    """A parameter computed from others (``value`` reads them as variables)."""

    __slots__ = ("name", "value")
    name: str
    value: Expr

    def __init__(self, name: str, value: Expr) -> None:
        self._set(name=name, value=value)


_LIST_CLEAN = (
    "($l := {value}; $type($l) = 'array' ? [$distinct($filter($map($l, function($x){{ $type($x) = 'string' ? $trim($x) : $x }}), "
    "function($x){{ $x != '' and $x != null }}))] : $l)"
)


class Params:
    """The flow's parameters, in declaration order (see the module docstring)."""

    def __init__(self, *entries: Param | Derived) -> None:
        self.params: tuple[Param, ...] = tuple(e for e in entries if isinstance(e, Param))
        self.derived: tuple[Derived, ...] = tuple(e for e in entries if isinstance(e, Derived))
        self.order = [e.name for e in entries]
        items: list[str] = []
        for p in self.params:
            if isinstance(p.source, ConfigField) and p.source.item not in items:
                items.append(p.source.item)
        self.items = tuple(items)
        self._placement = self._place()

    # -- where each derived value is computed -------------------------------------

    def _place(self) -> dict[str, str | None]:
        """Derived name -> the step computing it ("" = the resolve state, an
        item name = that configuration read, None = never available)."""
        known = {p.name for p in self.params}
        available = {p.name for p in self.params if not isinstance(p.source, ConfigField)}
        placement: dict[str, str | None] = {}
        steps = [""] + list(self.items)
        for i, step in enumerate(steps):
            if step:
                available |= {p.name for p in self.params if isinstance(p.source, ConfigField) and p.source.item == step}
            for d in self.derived:
                if d.name in placement:
                    continue
                reads = analyse(d.value.text).variables & (known | {x.name for x in self.derived})
                if reads <= available:
                    placement[d.name] = step
                    available.add(d.name)
            known |= {d.name for d in self.derived}
        for d in self.derived:
            placement.setdefault(d.name, None)
        return placement

    def _with_derived(self, step: str, assign: dict[str, Template]) -> dict[str, Template]:
        """``assign`` plus the derived values computed at ``step``, each with
        what it reads from this same state bound locally."""
        raw: dict[str, str] = {name: (value.text if isinstance(value, Expr) else expr_text(value)) for name, value in assign.items()}
        out = dict(assign)
        for d in self.derived:
            if self._placement[d.name] != step:
                continue
            needed: list[str] = []
            todo = sorted(analyse(d.value.text).variables & set(raw), key=self.order.index)
            while todo:
                name = todo.pop(0)
                if name in needed:
                    continue
                needed.append(name)
                todo.extend(sorted(analyse(raw[name]).variables & set(raw) - set(needed), key=self.order.index))
            needed.sort(key=self.order.index)
            text = d.value.text if not needed else "(" + "; ".join(f"${n} := {raw[n]}" for n in needed) + f"; {d.value.text})"
            out[d.name] = Expr(text)
            raw[d.name] = d.value.text
        return out

    # -- the states ----------------------------------------------------------------

    def opening(self, checks: list[Check] | tuple[Check, ...] = (), *, gate: bool = False, fail_each: bool = False, name: str = "ResolvePipelineRuntimeParams") -> Fragment:
        """NormalizeIncomingMessage >> ResolvePipelineRuntimeParams, then the
        gate when ``gate`` (or ``checks``) says so."""
        fragment = normalize_message() >> self.resolve(name)
        if gate or checks or fail_each:
            fragment = fragment >> self.gate(checks, fail_each=fail_each)
        return fragment

    def resolve(self, name: str = "ResolvePipelineRuntimeParams") -> Fragment:
        """The Pass resolving every parameter from the message (see
        :func:`~ndr_workflows.steps.resolve_params`)."""
        assign: dict[str, Template] = {}
        for p in self.params:
            spec = p.replace(default=None).spec() if isinstance(p.source, ConfigField) else p.spec()
            assign[p.name] = expr(resolve_text(spec))
        assign = self._with_derived("", assign)
        fragment = Fragment.of(Pass(name, assign=assign, output=expr(resolved_output_text())))
        from .messages import resolve_params

        # The parameter problems resolve_params reports (kinds, types, ...).
        for problem in resolve_params(self.params, name).problems:
            fragment = fragment.with_problem(problem)
        for d, step in self._placement.items():
            if step is None:
                fragment = fragment.with_problem(Problem(name, "DERIVED_NEVER_AVAILABLE", f"derived parameter {d} reads a value no parameter provides"))
        return with_written(fragment, [d.value for d in self.derived])

    def read_config(
        self,
        item: str,
        *,
        name: str,
        table: str,
        key: Mapping[str, object],
        retry: tuple[Retry, ...] | list[Retry] | None | object = DEFAULT_RETRY,
        on_error: OnError = TO_FAILURE,
    ) -> Fragment:
        """``GetItem`` of the configuration item ``item``: each parameter
        sourced from it gets the message's value, else the attribute's,
        else its default (null)."""
        assign: dict[str, Template] = {}
        item_value = STATES_RESULT.field("Item")
        for p in self.params:
            if not (isinstance(p.source, ConfigField) and p.source.item == item):
                continue
            from_item = decoded(item_value.field(p.source.attribute))
            if p.kind == "list":
                from_item = Expr(_LIST_CLEAN.format(value=from_item.text))
            candidates: list[Template] = [Expr("$" + p.name), from_item]
            if p.default is not None:
                candidates.append(p.default)
            assign[p.name] = first_present(*candidates)
        assign = self._with_derived(item, assign)
        fragment = aws_sdk(name, "dynamodb:getItem", {"TableName": table, "Key": attributes(key)}, assign=assign, retry=retry, on_error=on_error)  # type: ignore[arg-type]
        if item not in self.items:
            fragment = fragment.with_problem(Problem(name, "UNKNOWN_CONFIG_ITEM", f"no parameter has source=config({item!r}, ...)", f"the items are: {', '.join(self.items) or 'none'}"))
        return fragment

    def gate(self, checks: list[Check] | tuple[Check, ...] = (), *, fail_each: bool = False, name: str = "ValidateRuntimeParams", fail_name: str = "InvalidRuntimeParams", error: str = "InvalidRuntimeParams") -> Fragment:
        """The validation gate over every parameter's rules and ``checks``."""
        return validate_params(self.params, checks, fail_each=fail_each, name=name, fail_name=fail_name, error=error)


def expr_text(value: Template) -> str:
    from ..expressions import to_jsonata

    return to_jsonata(value)
