"""``python -m ndr_workflows.contracts``: check pipeline-parameter contracts offline.

    python -m ndr_workflows.contracts [DEFINITION.json ...] --pipeline NAME=PIPELINE.json ...
                                      [--env ENV_FILE] [--format text|json]

With no DEFINITION the five built-in flows are checked. Prints every
finding as ``SOURCE: STATE/PATH: CODE: message`` (text) or a JSON list.
Exit codes: 0 no error (warnings allowed), 1 a contract is broken, 2 unusable
arguments or unreadable files.
"""

from __future__ import annotations

import os
import sys

from ..flows import FLOW_NAMES

from ..asl.problems import finding_line, finding_row
from ..contracts import ContractInputError, check_pipeline_contracts

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from collections.abc import Sequence
    from typing import Any

    from ..asl.problems import Problem

__all__ = ["main", "run"]

EXIT_OK, EXIT_BROKEN, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m ndr_workflows.contracts",
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
    parser.add_argument("definitions", nargs="*", metavar="DEFINITION", help="ASL definition files (default: the five built-in flows)")
    parser.add_argument(
        "--pipeline", action="append", default=[], metavar="NAME=FILE", required=True, help="a pipeline's definition file (repeat for each pipeline)"
    )
    parser.add_argument("--env", metavar="ENV_FILE", help="environment file whose substitutions resolve ${...} pipeline names")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default text)")
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


def _sources(paths: list[str]) -> list[tuple[str, Any]]:
    if paths:
        from pathlib import Path

        return [(path, Path(path)) for path in paths]
    from ..flows import build_flow

    return [(name, build_flow(name)) for name in FLOW_NAMES]


def _substitutions(env_file: str | None) -> dict[str, str]:
    if not env_file:
        return {}
    from ..deploy import load_environment

    try:
        return dict(load_environment(env_file, FLOW_NAMES).substitutions)
    except ValueError as exc:  # EnvFileError lists every problem
        raise ContractInputError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m ndr_workflows.contracts``."""
    return run(argv)


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    from pathlib import Path

    try:
        substitutions = _substitutions(args.env)
        pipelines = {name: Path(path) for name, path in _pipelines(args.pipeline).items()}
        findings: list[tuple[str, Problem]] = []
        for label, source in _sources(args.definitions):
            findings += [(label, problem) for problem in check_pipeline_contracts(source, pipelines, substitutions)]
    except ContractInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    errors = sum(1 for _, p in findings if p.is_error)
    if args.format == "json":
        import json

        print(json.dumps([finding_row(label, p) for label, p in findings], indent=2))
    else:
        for label, p in findings:
            print(finding_line(label, p))
    warnings = len(findings) - errors
    print(f"{errors} error(s), {warnings} warning(s)", file=sys.stderr)
    return EXIT_BROKEN if errors else EXIT_OK
