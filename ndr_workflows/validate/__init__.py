"""``ndr_workflows.validate``: catch, before deploy, every mistake AWS would
reject or that would fail at run time, in any ASL definition.

    from ndr_workflows.validate import validate, has_errors
    findings = validate(definition_or_flow, for_deploy=False, machine_type="STANDARD")

Five families of checks, each finding a :class:`Finding` (the model's
:class:`~ndr_workflows.asl.problems.Problem`: path, code, message, hint,
severity): structure and fields (``structure``, ``fields``, JSONPath values
in ``jsonpath_states``, configuration objects in ``config_fields``), JSONata
(``expressions``), variables (``variables``), integrations from botocore's
service models (``integrations``, loaded only when asked for), quotas,
placeholders and EXPRESS limits (``quotas``). Which findings are errors and
which warnings is decided in one table (``severity``). The command line is
``python -m ndr_workflows.validate`` (see :mod:`ndr_workflows.cli.validate`).

Importing this package is cheap; the checks are imported when used.
"""

from __future__ import annotations

from ..asl.problems import Problem as Finding
from ..asl.problems import explained, has_errors, unique
from ..asl.walk import iter_states

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["validate", "validated", "has_errors", "check_definition", "Finding", "iter_states", "placeholders", "UnusableInput", "MACHINE_TYPES", "unique"]

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
    strict_compat: bool = False,
    strict: bool = False,
) -> list[Finding]:
    """Every finding about a definition, all at once.

    ``definition_or_flow``: anything :func:`ndr_workflows.asl.reader.read_definition`
    reads -- a parsed definition (dict), its JSON text (str or bytes), a
    file (:class:`pathlib.Path`, or a str naming one) or a flow
    (:class:`~ndr_workflows.StateMachine`: its build problems come first).
    ``for_deploy`` makes every remaining ``${Name}`` placeholder an error;
    ``machine_type="EXPRESS"`` adds the EXPRESS restrictions;
    ``integrations=False`` skips the checks that load botocore's models.
    An error is what AWS refuses or what fails every time it runs; the rest
    are warnings (:mod:`.severity`). ``strict_compat`` makes the warnings
    about what asl-validator refuses errors; ``strict`` also those about
    what is legal but almost certainly a mistake (the rule the project's own
    build applies; a StateMachine is always judged by it).
    Raises :class:`UnusableInput` (a ValueError) when a text or file is not
    JSON or cannot be read; a JSON value that is not a usable definition
    gives findings instead.
    """
    return validated(
        definition_or_flow, for_deploy=for_deploy, machine_type=machine_type, integrations=integrations, strict_compat=strict_compat, strict=strict
    )[1]


def validated(
    definition_or_flow: Any,
    *,
    for_deploy: bool = False,
    machine_type: str = "STANDARD",
    integrations: bool = True,
    strict_compat: bool = False,
    strict: bool = False,
) -> tuple[Any, list[Finding]]:
    """The definition as read (a flow: rendered) and :func:`validate`'s
    findings about it: the export writes the one it judged."""
    if machine_type not in MACHINE_TYPES:
        raise ValueError(f"machine_type must be one of {', '.join(MACHINE_TYPES)}, not {machine_type!r}")
    from ..asl.reader import read_definition

    read = read_definition(definition_or_flow)
    definition = read.data
    if read.built:
        # A flow: its build already ran families 1-3 (its findings), with the
        # strict rules the project holds its own flows to.
        options = {"strict_compat": True, "strict": True}
        findings = read.findings + check_definition(definition, for_deploy=for_deploy, machine_type=machine_type, build=False, measured=True, **options)
    else:
        options = {"strict_compat": strict_compat, "strict": strict}
        oversized = _oversized(definition, read.size)
        if oversized:
            return definition, unique(read.findings + oversized)
        findings = read.findings + check_definition(definition, for_deploy=for_deploy, machine_type=machine_type, size=read.size, **options)
    if integrations and isinstance(definition, dict):
        from .integrations import check_integrations
        from .severity import apply_severity

        found = apply_severity(check_integrations(definition, machine_type=machine_type), **options)
        # A task token written as a literal: that finding explains the literal's own.
        findings = explained(findings, [f for f in found if f.code == "TASK_TOKEN_MISSING" and f.field.count(".") + f.field.count("[") > 0]) + found
    return definition, explained(unique(findings), [] if read.built else _lost_reach(definition, read.findings))


def _lost_reach(definition: Any, read: list[Finding]) -> list[Finding]:
    """A file that gives one States object a name twice: JSON keeps the last
    state of that name, so which states the others reached is lost. Every
    state of that graph gets a cause explaining its reach findings (the
    duplicate is the finding)."""
    twice = [f.path for f in read if f.code == "DUPLICATE_NAME"]
    if not twice or not isinstance(definition, dict):
        return []
    from ..asl.problems import REACH
    from ..asl.walk import scopes

    causes: list[Finding] = []
    for scope in scopes(definition):
        states = scope.states()
        if any(path.startswith(scope.prefix) and path[len(scope.prefix) :] in states for path in twice):
            causes.extend(Finding(scope.prefix + name, "DUPLICATE_NAME", "a name this graph holds twice", field=REACH) for name in states)
    return causes


def _oversized(definition: Any, size: int | None) -> list[Finding]:
    """For a definition far over the size quota (``FULL_CHECK_LIMIT``): its
    size finding and a note that nothing else was checked; else []."""
    from .quotas import FULL_CHECK_LIMIT, MAX_DEFINITION_BYTES, check_quotas, encoded_size

    if size is None:
        try:
            size = encoded_size(definition)
        except (TypeError, ValueError, RecursionError):
            return []
    if size <= FULL_CHECK_LIMIT:
        return []
    found: list[Finding] = []
    check_quotas(definition, found.append, size=size)
    limit = FULL_CHECK_LIMIT // MAX_DEFINITION_BYTES
    found.append(Finding("", "CHECKS_SKIPPED", f"the definition has {size:,} bytes, more than {limit} times the quota: only its size was checked", "split it into state machines started with states:startExecution, then validate each", "warning"))
    return found


def check_definition(
    definition: Any,
    *,
    for_deploy: bool = False,
    machine_type: str = "STANDARD",
    size: int | None = None,
    build: bool = True,
    quotas: bool = True,
    measured: bool = False,
    strict_compat: bool = False,
    strict: bool = False,
) -> list[Finding]:
    """Every finding of families 1, 2, 3 and 5 about a definition (plain
    data), in a stable order, without duplicates. ``build``: the checks the
    export runs on every flow it renders (families 1-3, see
    ``ndr_workflows/model/checks.py``, and the definition size quota);
    ``quotas``: family 5. ``size`` is the definition's size in bytes when
    known (a file's); otherwise it is measured on the compact JSON, unless
    ``measured`` says the build already judged it.
    ``strict_compat`` / ``strict``: as for :func:`validate`. (It lives here
    rather than in a module of its own because the export imports it on
    every run.)"""
    found: list[Finding] = []
    add = found.append
    if build:
        from .structure import check_structure

        check_structure(definition, add)
    if isinstance(definition, dict):
        if build:
            from .config_fields import check_config_fields
            from .expressions import check_expressions
            from .fields import check_fields
            from .jsonpath_states import check_jsonpath_states
            from .variables import check_variables

            check_fields(definition, add)
            check_jsonpath_states(definition, add)
            check_config_fields(definition, add)
            expressions: dict[int, list[tuple[str, str, str]]] = {}
            check_expressions(definition, add, expressions)
            check_variables(definition, add, expressions)
        if build or (quotas and not measured):
            from .quotas import check_quotas

            check_quotas(definition, add, size=size)
        if quotas:
            from .quotas import check_express, check_placeholders

            check_placeholders(definition, add, for_deploy=for_deploy)
            if machine_type == "EXPRESS":
                check_express(definition, add)
    from .severity import apply_severity

    return unique(apply_severity(found, strict_compat=strict_compat, strict=strict))
