"""SageMaker pipeline-parameter contracts: does each StartPipelineExecution
pass what the pipeline declares?

A flow and a pipeline are written by different people and deployed at
different times; a renamed parameter (``MiniBatchID`` vs ``MiniBatchId``)
or a new required one is otherwise found only when a real execution fails,
often hours into a backfill. So each ``aws-sdk:sagemaker:startPipelineExecution``
task's ``PipelineParameters`` are checked against the pipeline's definition
(``Parameters: [{Name, Type, DefaultValue?}]``) for

* names the pipeline does not declare (with a did-you-mean),
* required parameters (no ``DefaultValue``) that are not passed,
* literal values that cannot be the declared type (``Integer``/``Float``/
  ``Boolean``; every value is a string, per the API), and
* names passed twice.

Values written as JSONata expressions are computed at run time and are not
type-checked. Offline the pipeline definitions come from files (the JSON
``describe_pipeline`` returns in ``PipelineDefinition``, or what
``Pipeline.definition()`` produces) or from sagemaker ``Pipeline`` objects;
online (deploy) from :func:`pipeline_definitions_from_aws`.

    python -m ndr_workflows.contracts DEFINITION.json ... --pipeline NAME=PIPELINE.json ... [--env ENV_FILE] [--format text|json]

(the command line is :mod:`ndr_workflows.cli.contracts`)

``NAME`` is the pipeline's name, or the placeholder's name (``PipelineName15m``)
when the definition says ``${PipelineName15m}``. Exit codes: 0 no error
found (warnings are printed), 1 a contract is broken, 2 unusable arguments
or unreadable files. Neither boto3 nor sagemaker is imported by this module.
"""

from __future__ import annotations

from ..asl.common import did_you_mean, is_expression
from ..asl.placeholders import substitute
from ..asl.problems import Problem
from ..asl.resources import SAGEMAKER_START_PIPELINE as START_PIPELINE
from ..asl.walk import iter_states

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable, Mapping
    from typing import Any

__all__ = [
    "ContractInputError",
    "PipelineContract",
    "check_pipeline_contracts",
    "check_against_aws",
    "load_pipeline_definition",
    "pipeline_definitions_from_aws",
    "pipeline_starts",
]

TYPES = ("String", "Integer", "Float", "Boolean")


class ContractInputError(ValueError):
    """A pipeline definition (or a definition) that cannot be read at all."""


class PipelineContract:
    """The parameters one pipeline declares: {name: (type, has a default)}."""

    __slots__ = ("parameters",)

    def __init__(self, parameters: dict[str, tuple[str, bool]]) -> None:
        self.parameters = parameters

    @property
    def required(self) -> list[str]:
        return [name for name, (_, has_default) in self.parameters.items() if not has_default]


def _json(text: str | bytes, source: str) -> Any:
    import json

    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ContractInputError(f"{source}: not JSON: {exc}") from None


def load_pipeline_definition(value: object, source: str = "pipeline") -> PipelineContract:
    """A pipeline's contract from a definition dict, a describe_pipeline
    response, JSON text, a file path, or an object with ``.definition()``
    (a sagemaker ``Pipeline``). ContractInputError says what is wrong."""
    from ..asl.reader import is_path

    path = value if is_path(value) else None
    if path is not None:
        try:
            with open(path, "rb") as handle:
                value = handle.read()
        except OSError as exc:
            raise ContractInputError(f"{source}: cannot read {path}: {exc.strerror or exc}") from None
        source = f"{source} ({path})"
    elif not isinstance(value, (str, bytes, dict)) and callable(getattr(value, "definition", None)):
        try:
            value = value.definition()  # type: ignore[attr-defined]
        except Exception as exc:  # the SDK builds the JSON; any failure is the input's
            raise ContractInputError(f"{source}: Pipeline.definition() failed: {type(exc).__name__}: {exc}") from None
    if isinstance(value, (str, bytes)):
        value = _json(value, source)
    if isinstance(value, dict) and isinstance(value.get("PipelineDefinition"), (str, dict)):
        inner = value["PipelineDefinition"]  # a describe_pipeline response
        value = _json(inner, f"{source}: PipelineDefinition") if isinstance(inner, str) else inner
    if not isinstance(value, dict):
        raise ContractInputError(f"{source}: a pipeline definition is a JSON object, not {type(value).__name__}")
    declared = value.get("Parameters", [])
    if not isinstance(declared, list):
        raise ContractInputError(f"{source}: Parameters: expected a list of {{Name, Type, DefaultValue}}")
    parameters: dict[str, tuple[str, bool]] = {}
    for index, entry in enumerate(declared):
        name = entry.get("Name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            raise ContractInputError(f"{source}: Parameters[{index}]: expected an object with a Name")
        kind = entry.get("Type", "String")
        if kind not in TYPES:
            raise ContractInputError(f"{source}: Parameters[{index}].Type: {kind!r} is not one of {', '.join(TYPES)}")
        parameters[name] = (kind, entry.get("DefaultValue") is not None)
    return PipelineContract(parameters)


def _as_definition(definition_or_flow: object) -> dict[str, Any]:
    """The definition (the package's one reader,
    :func:`ndr_workflows.asl.reader.read_definition`), or ContractInputError."""
    from ..asl.reader import read_definition

    try:
        read = read_definition(definition_or_flow)
    except ValueError as exc:
        raise ContractInputError(str(exc)) from None
    if not isinstance(read.data, dict):
        raise ContractInputError(f"{read.name or 'definition'}: a definition is a JSON object, not {type(read.data).__name__}")
    return read.data


def _substitute(text: str, substitutions: Mapping[str, str]) -> str:
    """``text`` with the ``${Name}`` placeholders of ``substitutions`` replaced (the deploy's own replacement)."""
    return str(substitute(text, substitutions))


def pipeline_starts(definition_or_flow: object, substitutions: Mapping[str, str] | None = None) -> list[tuple[str, dict[str, Any], str | None]]:
    """(state path, state, pipeline name resolved as far as possible or None
    for an expression) of every StartPipelineExecution task."""
    subs = substitutions or {}
    out = []
    for path, _, state, _ in iter_states(_as_definition(definition_or_flow)):
        if state.get("Type") != "Task" or state.get("Resource") != START_PIPELINE:
            continue
        arguments = state.get("Arguments", state.get("Parameters"))
        name = arguments.get("PipelineName") if isinstance(arguments, dict) else None
        out.append((path, state, _substitute(name, subs) if isinstance(name, str) and not is_expression(name) else None))
    return out


def _candidates(written: str, substitutions: Mapping[str, str]) -> list[str]:
    """Keys a pipeline may be given under: resolved name, placeholder name, as written."""
    keys = [_substitute(written, substitutions)]
    if written.startswith("${") and written.endswith("}") and written.count("${") == 1:
        keys.append(written[2:-1])
    keys.append(written)
    resolved = keys[0]
    if resolved.startswith("arn:") and ":pipeline/" in resolved:
        keys.append(resolved.rsplit("/", 1)[-1])
    return list(dict.fromkeys(keys))


def check_pipeline_contracts(
    definition_or_flow: object,
    pipelines: Mapping[str, object],
    substitutions: Mapping[str, str] | None = None,
) -> list[Problem]:
    """Every broken contract between the definition's StartPipelineExecution
    tasks and the given pipelines, as findings at the task's state path.

    ``pipelines`` maps a pipeline name (or a placeholder name such as
    ``PipelineName15m``) to its definition in any form
    :func:`load_pipeline_definition` reads. A task whose pipeline is not
    given, or whose name or parameters are expressions, gets a warning that
    it could not be checked. Raises ContractInputError for unreadable input.
    """
    subs = dict(substitutions or {})
    contracts = {str(key): load_pipeline_definition(value, f"pipeline {key!r}") for key, value in pipelines.items()}
    findings: list[Problem] = []
    for path, state, _ in pipeline_starts(definition_or_flow):
        arguments = state.get("Arguments", state.get("Parameters"))
        if not isinstance(arguments, dict):
            findings.append(_unchecked(path, "Arguments", "is not an object (an expression?); its pipeline parameters cannot be checked"))
            continue
        written = arguments.get("PipelineName")
        if not isinstance(written, str):
            shown = "missing" if written is None else f"{_json_text(written)} is not a string"
            findings.append(Problem(path, "PIPELINE_NAME_INVALID", f"PipelineName: {shown}; StartPipelineExecution needs the pipeline's name (a string)"))
            continue
        if is_expression(written):
            findings.append(_unchecked(path, "PipelineName", "is computed at run time; its pipeline parameters cannot be checked"))
            continue
        keys = _candidates(written, subs)
        found = next((key for key in keys if key in contracts), None)
        shown = keys[0] if keys[0] == written else f"{written} = {keys[0]}"
        if found is None:
            hint = "pass its definition (--pipeline NAME=FILE)"
            if "${" in keys[0]:
                hint += "; key it by the placeholder name or give the substitutions (--env)"
            findings.append(_unchecked(path, "PipelineName", f"no definition given for pipeline {shown!r}; not checked", hint))
            continue
        findings.extend(_check_parameters(path, arguments, contracts[found], shown, subs))
    return findings


def _unchecked(path: str, field: str, message: str, hint: str = "") -> Problem:
    return Problem(path, "PIPELINE_CONTRACT_UNCHECKED", f"{field}: {message}", hint, severity="warning")


def _check_parameters(path: str, arguments: dict[str, Any], contract: PipelineContract, pipeline: str, subs: Mapping[str, str]) -> list[Problem]:
    findings: list[Problem] = []
    passed = arguments.get("PipelineParameters", [])
    if not isinstance(passed, list):
        return [_unchecked(path, "PipelineParameters", "is computed at run time; it cannot be checked")]
    seen: dict[str, int] = {}
    declared = contract.parameters
    for index, entry in enumerate(passed):
        where = f"PipelineParameters[{index}]"
        name = entry.get("Name") if isinstance(entry, dict) else None
        if not isinstance(entry, dict) or not isinstance(name, str) or "Value" not in entry:
            findings.append(Problem(path, "PIPELINE_PARAMETER_SHAPE", f"{where}: expected {{\"Name\": <string>, \"Value\": <string>}}"))
            continue
        if is_expression(name):
            findings.append(_unchecked(path, f"{where}.Name", "is computed at run time; it cannot be checked"))
            continue
        if name in seen:
            findings.append(
                Problem(path, "PIPELINE_PARAMETER_DUPLICATE", f"{where}.Name: {name!r} is passed twice (also PipelineParameters[{seen[name]}])", "pass each parameter once")
            )
            continue
        seen[name] = index
        if name not in declared:
            findings.append(
                Problem(
                    path,
                    "PIPELINE_PARAMETER_UNKNOWN",
                    f"{where}.Name: pipeline {pipeline!r} has no parameter {name!r}",
                    _did_you_mean(name, declared),
                )
            )
            continue
        problem = _type_problem(entry["Value"], declared[name][0], subs)
        if problem:
            findings.append(Problem(path, "PIPELINE_PARAMETER_TYPE", f"{where}.Value: {problem} (parameter {name!r} of pipeline {pipeline!r})"))
    for name in contract.required:
        if name not in seen:
            kind = declared[name][0]
            findings.append(
                Problem(
                    path,
                    "PIPELINE_PARAMETER_MISSING",
                    f"PipelineParameters: required parameter {name!r} ({kind}, no DefaultValue) of pipeline {pipeline!r} is not passed",
                    f'add {{"Name": "{name}", "Value": ...}}, or give the parameter a default in the pipeline',
                )
            )
    return findings


def _did_you_mean(name: str, declared: Mapping[str, object]) -> str:
    names = list(declared)
    listing = "its parameters: " + (", ".join(names) if names else "none")
    folded = [n for n in names if n.lower() == name.lower()]  # a case slip first
    hint = f"did you mean {folded[0]!r}?" if folded else did_you_mean(name, names)
    return f"{hint} ({listing})" if hint else listing


def _type_problem(value: object, kind: str, subs: Mapping[str, str]) -> str:
    """Why a literal value cannot be a parameter of ``kind`` ("" when it can, or cannot be known)."""
    if not isinstance(value, str):
        return f"{_json_text(value)} is not a string; pipeline parameter values are strings (write \"{_json_text(value)}\" or $string(...))"
    if is_expression(value):
        return ""
    value = _substitute(value, subs)
    if "${" in value:
        return ""
    if kind == "Integer":
        try:
            int(value.strip(), 10)
        except ValueError:
            return f"{value!r} is not an Integer"
    elif kind == "Float":
        try:
            number = float(value)
        except ValueError:
            return f"{value!r} is not a Float"
        if number != number or number in (float("inf"), float("-inf")):
            return f"{value!r} is not a finite Float"
    elif kind == "Boolean" and value.strip().lower() not in ("true", "false"):
        return f"{value!r} is not a Boolean (true or false)"
    return ""


def _json_text(value: object) -> str:
    import json

    return json.dumps(value)


def pipeline_definitions_from_aws(client: Any, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """{name: pipeline definition} via ``describe_pipeline`` (a boto3 SageMaker client).

    Raises ContractInputError naming every pipeline that could not be
    described (and why) after trying them all.
    """
    found: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    for name in dict.fromkeys(names):
        try:
            response = client.describe_pipeline(PipelineName=name)
            text = response["PipelineDefinition"]
            found[name] = _json(text, f"pipeline {name!r}") if isinstance(text, str) else text
        except ContractInputError as exc:
            failures.append(str(exc))
        except Exception as exc:  # botocore ClientError and friends: say which and why
            failures.append(f"pipeline {name!r}: {_aws_error(exc)}")
    if failures:
        raise ContractInputError("cannot describe pipeline(s):\n  " + "\n  ".join(failures))
    return found


def _aws_error(exc: BaseException) -> str:
    response = getattr(exc, "response", None)
    if isinstance(response, dict) and isinstance(response.get("Error"), dict):
        error = response["Error"]
        return f"{error.get('Code', type(exc).__name__)}: {error.get('Message', '')}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}"


def check_against_aws(definition_or_flow: object, client: Any, substitutions: Mapping[str, str] | None = None) -> list[Problem]:
    """The online check (deploy time): describe each pipeline the definition
    starts (after substitution) and check the contracts. A pipeline that
    cannot be described is an error finding at the task that starts it."""
    starts = pipeline_starts(definition_or_flow, substitutions)
    definitions: dict[str, object] = {}
    findings: list[Problem] = []
    failed: dict[str, str] = {}
    for _, _, name in starts:
        if name is None or "${" in name or name in definitions or name in failed:
            continue
        try:
            definitions.update(pipeline_definitions_from_aws(client, [name]))
        except ContractInputError as exc:
            failed[name] = str(exc).split("\n  ", 1)[-1]
    reported = set()
    for path, _, name in starts:
        if name in failed:
            reported.add(path)
            findings.append(Problem(path, "PIPELINE_NOT_DESCRIBED", f"PipelineName: {failed[name]}", "create the pipeline first, or check the name and the permissions"))
    checked = check_pipeline_contracts(definition_or_flow, definitions, substitutions)
    return findings + [p for p in checked if p.path not in reported]
