"""Preparing a deploy: which definitions, substituted and checked.

Everything here is local (no AWS): pick the definitions, check the
environment's substitutions against them, replace the placeholders and run
the validator. A flow that fails here is never sent anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from .environment import EnvFileError, check_name
from .substitution import placeholders, substitute, substitution_problems

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Mapping
    from typing import Any

    from ..model import Problem
    from .environment import Environment

__all__ = ["Prepared", "definitions_for", "prepare"]


@dataclass(frozen=True)
class Prepared:
    """One flow ready to deploy, or the reasons it is not.

    ``definition`` is substituted; ``findings`` are the validator's (errors
    and warnings); ``error`` says why the flow cannot go out at all.
    """

    name: str
    machine_name: str
    definition: dict[str, Any] | None
    findings: tuple[Problem, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.definition is not None


def definitions_for(flows: Any = None) -> dict[str, Any]:
    """NAME -> definition (with placeholders) for what the caller selected.

    ``flows``: None (all five), flow NAMEs, StateMachine objects (their
    ``name`` is the NAME), or a mapping NAME -> anything
    :func:`ndr_workflows.definitions.as_definition` reads (a definition
    dict, a StateMachine, JSON text, a file).
    A flow that does not build maps to its :class:`BuildError`.
    """
    from ..definitions import as_definition
    from ..flows import FLOW_NAMES, build_flow
    from ..model import BuildError

    items: list[tuple[str, Any]]
    if isinstance(flows, str) or (flows is not None and hasattr(flows, "to_dict")):
        flows = [flows]  # one flow given bare
    if flows is None:
        items = [(name, name) for name in FLOW_NAMES]
    elif isinstance(flows, dict):
        items = list(flows.items())
    else:
        items = []
        for flow in flows:
            if isinstance(flow, str):
                items.append((flow, flow))
            else:
                if not getattr(flow, "name", None):
                    raise ValueError("a StateMachine to deploy needs a name: StateMachine(..., name='sfn_...')")
                items.append((flow.name, flow))
    out: dict[str, Any] = {}
    for name, flow in items:
        try:
            if isinstance(flow, str):
                if flow not in FLOW_NAMES:
                    raise ValueError(f"unknown flow {flow!r}; the flows are: {', '.join(FLOW_NAMES)}")
                out[name] = build_flow(flow).to_dict()
            else:  # a dict, a StateMachine, JSON text, a file: the one reader
                out[name] = as_definition(flow, check=True)[0]
        except BuildError as exc:
            out[name] = exc
    return out


def prepare(env: Environment, definitions: Mapping[str, Any]) -> list[Prepared]:
    """Substitute and validate each definition.

    Raises :class:`EnvFileError` when the substitutions do not fit the
    selected flows (missing or unknown keys, every one listed) or a name is
    invalid: then nothing at all is deployed.
    """
    problems = substitution_problems(env, {n: d for n, d in definitions.items() if isinstance(d, dict)})
    for name in definitions:
        reason = check_name(env.machine_name(name))
        if reason:
            problems.append(f"state_machine_name_prefix: {reason}")
    if problems:
        raise EnvFileError(env.source, problems)
    from ..jsontext import compact
    from ..validate import has_errors, validate

    out: list[Prepared] = []
    for name, definition in definitions.items():
        machine = env.machine_name(name)
        if not isinstance(definition, dict):  # a BuildError
            findings = tuple(getattr(definition, "problems", ()))
            out.append(Prepared(name, machine, None, findings, "the flow does not build"))
            continue
        final = substitute(definition, env.substitutions)
        left = placeholders(final)
        if left or "${" in compact(final):
            shown = ", ".join("${" + n + "}" for n in left) or "a malformed ${...}"
            out.append(Prepared(name, machine, None, (), f"refused: the definition still holds {shown}"))
            continue
        # strict: the flows are this project's own, held to the build's rule
        # (a Catch that never matches is a warning only in others' definitions)
        findings = tuple(validate(final, for_deploy=True, strict=True))
        error = "validation failed" if has_errors(findings) else None
        out.append(Prepared(name, machine, None if error else final, findings, error))
    return out
