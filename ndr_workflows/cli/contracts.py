"""``python -m ndr_workflows.contracts``: check pipeline-parameter contracts offline.

    python -m ndr_workflows.contracts [DEFINITION.json|NAME ...] [--flow NAME ...]
                                      --pipeline NAME=PIPELINE.json ...
                                      [--env ENV_FILE] [--format text|json] [--debug]

A DEFINITION is a file; a NAME (or ``--flow NAME``) a built-in flow, built
from the code; with neither, every built-in flow is checked. Prints every
finding as ``SOURCE: STATE/PATH: CODE: message`` (text, the default on a
terminal or not) or a JSON list. Exit codes: 0 no error (warnings
allowed), 1 a contract is broken, 2 unusable arguments or unreadable files.
"""

from __future__ import annotations

import os
import sys

from ..asl.problems import finding_line, finding_row
from ..contracts import ContractInputError, check_pipeline_contracts
from .options import EXIT_FAILED, EXIT_OK, EXIT_USAGE

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from collections.abc import Sequence
    from typing import Any

    from ..asl.problems import Problem

__all__ = ["main"]

PROG = "python -m ndr_workflows.contracts"


def _parser() -> argparse.ArgumentParser:
    from .options import Parser, add_debug, add_flow, add_format

    parser = Parser(
        prog=PROG,
        description=(
            "Check each StartPipelineExecution's PipelineParameters against the SageMaker pipeline's definition: "
            "unknown names, required parameters not passed, literal values of the wrong type, duplicates."
        ),
        epilog=(
            "A pipeline definition file holds what describe_pipeline returns (the response, or its PipelineDefinition) "
            "or what Pipeline.definition() produces. NAME is the pipeline's name, or the placeholder's name "
            "(PipelineName15m for ${PipelineName15m}); without NAME= the file's stem is used. "
            "Exit codes: 0 no error (warnings allowed); 1 a contract is broken; 2 unusable arguments or unreadable files."
        ),
    )
    parser.add_argument("definitions", nargs="*", metavar="DEFINITION|NAME", help="ASL definition files or built-in flow NAMEs (default: every built-in flow)")
    add_flow(parser, "a built-in flow to check, by NAME (repeatable)")
    parser.add_argument(
        "--pipeline", action="append", default=[], metavar="NAME=FILE", required=True, help="a pipeline's definition file (repeat for each pipeline)"
    )
    parser.add_argument("--env", metavar="ENV_FILE", help="environment file whose substitutions resolve ${...} pipeline names")
    add_format(parser, piped="text")
    add_debug(parser)
    return parser


def _pipelines(specs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in specs:
        name, eq, path = spec.partition("=")
        if not eq:
            name, path = os.path.splitext(os.path.basename(spec))[0], spec
        if not name or not path:
            raise ContractInputError(f"--pipeline {spec!r}: expected NAME=FILE")
        out[name] = path
    return out


def _sources(paths: list[str], flows: list[str]) -> list[tuple[str, Any]]:
    """(label, definition or flow) per DEFINITION / NAME / --flow (default: every flow)."""
    from pathlib import Path

    from .definitions import is_flow_name, unknown_name

    if not paths and not flows:
        from ..flows import FLOW_NAMES

        flows = list(FLOW_NAMES)
    found: list[tuple[str, Any]] = []
    for path in paths:
        if is_flow_name(path):
            flows = [*flows, path] if path not in flows else flows
        elif path.isidentifier() and not os.path.exists(path):
            raise ContractInputError(unknown_name(path))
        else:
            found.append((path, Path(path)))
    from ..flows import build_flow

    return found + [(name, build_flow(name)) for name in dict.fromkeys(flows)]


def _substitutions(env_file: str | None) -> dict[str, str]:
    if not env_file:
        return {}
    from ..deploy import load_environment
    from ..flows import FLOW_NAMES

    try:
        return dict(load_environment(env_file, FLOW_NAMES).substitutions)
    except ValueError as exc:  # EnvFileError lists every problem
        raise ContractInputError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ndr_workflows.contracts``."""
    from .options import run

    return run(PROG, _run, argv)


def _run(argv: list[str]) -> int:
    from .options import output_format

    args = _parser().parse_args(argv)
    from pathlib import Path

    try:
        substitutions = _substitutions(args.env)
        pipelines = {name: Path(path) for name, path in _pipelines(args.pipeline).items()}
        findings: list[tuple[str, Problem]] = []
        for label, source in _sources(args.definitions, args.flow or []):
            findings += [(label, problem) for problem in check_pipeline_contracts(source, pipelines, substitutions)]
    except ContractInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    errors = sum(1 for _, p in findings if p.is_error)
    if output_format(args) == "json":
        import json

        print(json.dumps([finding_row(label, p) for label, p in findings], indent=2))
    else:
        for label, p in findings:
            print(finding_line(label, p))
    warnings = len(findings) - errors
    print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return EXIT_FAILED if errors else EXIT_OK
