"""``ndr_workflows.validate``: catch, before deploy, every mistake AWS would
reject or that would fail at run time, in any ASL definition.

    from ndr_workflows.validate import validate, has_errors
    findings = validate(definition_or_flow, for_deploy=False, machine_type="STANDARD")

Five families of checks, each finding a :class:`Finding` (the model's
:class:`~ndr_workflows.asl.problems.Problem`: path, code, message, hint,
severity): structure and fields (``structure``, ``fields``), JSONata
(``expressions``), variables (``variables``), integrations from botocore's
service models (``integrations``, loaded only when asked for), quotas,
placeholders and EXPRESS limits (``quotas``). The command line is
``python -m ndr_workflows.validate`` (see :mod:`ndr_workflows.cli.validate`).

Importing this package is cheap; the checks are imported when used.
"""

from __future__ import annotations

from ..asl.problems import Problem as Finding
from ..asl.problems import has_errors, unique
from ..asl.walk import iter_states

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["validate", "has_errors", "check_definition", "Finding", "iter_states", "placeholders", "UnusableInput", "MACHINE_TYPES", "unique"]

MACHINE_TYPES = ("STANDARD", "EXPRESS")


def __getattr__(name: str) -> Any:
    if name == "UnusableInput":
        from ..asl.reader import UnusableInput

        return UnusableInput
    raise AttributeError(name)


def placeholders(definition: Any) -> list[str]:
    """The ``${Name}`` placeholder names a definition uses, sorted."""
    from .quotas import placeholders as found

    return found(definition)


def validate(
    definition_or_flow: Any,
    *,
    for_deploy: bool = False,
    machine_type: str = "STANDARD",
    integrations: bool = True,
) -> list[Finding]:
    """Every finding about a definition, all at once.

    ``definition_or_flow``: anything :func:`ndr_workflows.asl.reader.read_definition`
    reads -- a parsed definition (dict), its JSON text (str or bytes), a
    file (:class:`pathlib.Path`, or a str naming one) or a flow
    (:class:`~ndr_workflows.StateMachine`: its build problems come first).
    ``for_deploy`` makes every remaining ``${Name}`` placeholder an error;
    ``machine_type="EXPRESS"`` adds the EXPRESS restrictions;
    ``integrations=False`` skips the checks that load botocore's models.
    Raises :class:`UnusableInput` (a ValueError) when a text or file is not
    JSON or cannot be read; a JSON value that is not a usable definition
    gives findings instead.
    """
    if machine_type not in MACHINE_TYPES:
        raise ValueError(f"machine_type must be one of {', '.join(MACHINE_TYPES)}, not {machine_type!r}")
    from ..asl.reader import read_definition

    read = read_definition(definition_or_flow)
    definition = read.data
    # A flow's build already ran the checks of families 1-3 (its findings).
    findings = read.findings + check_definition(definition, for_deploy=for_deploy, machine_type=machine_type, size=read.size, build=not read.built)
    if integrations and isinstance(definition, dict):
        from .integrations import check_integrations

        findings = findings + list(check_integrations(definition, machine_type=machine_type))
    return unique(findings)


def check_definition(
    definition: Any,
    *,
    for_deploy: bool = False,
    machine_type: str = "STANDARD",
    size: int | None = None,
    build: bool = True,
    quotas: bool = True,
) -> list[Finding]:
    """Every finding of families 1, 2, 3 and 5 about a definition (plain
    data), in a stable order, without duplicates. ``build``: the checks the
    export runs on every flow it renders (families 1-3, see
    ``ndr_workflows/model/checks.py``); ``quotas``: family 5. ``size`` is the
    definition's size in bytes when known (a file's); otherwise it is
    measured on the compact JSON. (It lives here rather than in a module of
    its own because the export imports it on every run.)"""
    found: list[Finding] = []
    add = found.append
    if build:
        from .structure import check_structure

        check_structure(definition, add)
    if isinstance(definition, dict):
        if build:
            from .expressions import check_expressions
            from .fields import check_fields
            from .variables import check_variables

            check_fields(definition, add)
            expressions: dict[int, list[tuple[str, str, str]]] = {}
            check_expressions(definition, add, expressions)
            check_variables(definition, add, expressions)
        if quotas:
            from .quotas import check_express, check_placeholders, check_quotas

            check_quotas(definition, add, size=size)
            check_placeholders(definition, add, for_deploy=for_deploy)
            if machine_type == "EXPRESS":
                check_express(definition, add)
    return unique(found)
