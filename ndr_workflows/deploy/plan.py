"""Preparing a deploy: which definitions, substituted and checked.

Everything here is local (no AWS): pick the definitions, check the
environment's substitutions against them, replace the placeholders and run
the validator. A flow that fails here is never sent anywhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from .environment import EnvFileError, check_name
from .substitution import placeholders, substitute, substitution_problems

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Mapping
    from typing import Any

    from ..asl.problems import Problem
    from .environment import Environment

__all__ = ["Prepared", "FlowError", "read_definitions", "template_definitions", "prepare"]


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


class FlowError(ValueError):
    """A flow given to the deploy whose build found errors: every problem."""

    def __init__(self, name: str, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.name = name
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = [f"{name}: {count} problem{'s' if count != 1 else ''}:"]
        lines += ["  " + str(p).replace("\n", "\n  ") for p in self.problems]
        super().__init__("\n".join(lines))


def read_definitions(definitions: Mapping[str, Any]) -> dict[str, Any]:
    """NAME -> definition (with placeholders) of what the caller selected.

    ``definitions``: NAME -> anything :func:`ndr_workflows.asl.reader.read_definition`
    reads (a definition dict, JSON text, a file, a flow). A flow whose build
    has errors maps to a :class:`FlowError`; a value that is not a
    definition at all raises ValueError. (Flow NAMEs are resolved above the
    deploy, by the command line, which knows the flows.)
    """
    from ..asl.problems import has_errors
    from ..asl.reader import read_definition

    out: dict[str, Any] = {}
    for name, value in definitions.items():
        if isinstance(value, FlowError):  # read already
            out[name] = value
            continue
        read = read_definition(value, name)
        if read.built and has_errors(read.findings):
            out[name] = FlowError(name, read.findings)
        elif not isinstance(read.data, dict):
            raise ValueError(f"{name}: a definition is a JSON object, not {type(read.data).__name__}")
        else:
            out[name] = read.data
    return out


def template_definitions(env: Environment, flows: Mapping[str, Any], known: Iterable[str] | None = None) -> dict[str, Any]:
    """:func:`read_definitions` for a template: every flow must build, and
    the substitutions must fit them. Raises the first :class:`FlowError`,
    or :class:`EnvFileError` with every substitution problem."""
    definitions = read_definitions(flows)
    for value in definitions.values():
        if isinstance(value, FlowError):
            raise value
    problems = substitution_problems(env, definitions, known)
    if problems:
        raise EnvFileError(env.source, problems)
    return definitions


def prepare(env: Environment, definitions: Mapping[str, Any], known: Iterable[str] | None = None) -> list[Prepared]:
    """Substitute and validate each definition (:func:`read_definitions`'s).

    Raises :class:`EnvFileError` when the substitutions do not fit the
    selected flows (missing keys, and with ``known`` unknown ones: every
    one listed) or a name is invalid: then nothing at all is deployed.
    """
    problems = substitution_problems(env, {n: d for n, d in definitions.items() if isinstance(d, dict)}, known)
    for name in definitions:
        reason = check_name(env.machine_name(name))
        if reason:
            problems.append(f"state_machine_name_prefix: {reason}")
    if problems:
        raise EnvFileError(env.source, problems)
    from ..validate import has_errors, validate

    out: list[Prepared] = []
    for name, definition in definitions.items():
        machine = env.machine_name(name)
        if not isinstance(definition, dict):  # a FlowError
            findings = tuple(getattr(definition, "problems", ()))
            out.append(Prepared(name, machine, None, findings, "the flow does not build"))
            continue
        final = substitute(definition, env.substitutions)
        left = placeholders(final)
        if left or "${" in json.dumps(final, ensure_ascii=False):
            shown = ", ".join("${" + n + "}" for n in left) or "a malformed ${...}"
            out.append(Prepared(name, machine, None, (), f"refused: the definition still holds {shown}"))
            continue
        # strict: the flows are this project's own, held to the build's rule
        # (a Catch that never matches is a warning only in others' definitions)
        findings = tuple(validate(final, for_deploy=True, strict=True))
        error = "validation failed" if has_errors(findings) else None
        out.append(Prepared(name, machine, None if error else final, findings, error))
    return out
