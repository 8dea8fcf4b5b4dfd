"""``python -m ndr_workflows.validate``: check ASL definition files.

    python -m ndr_workflows.validate [PATH|NAME ...] [--flow NAME ...]
                                     [--format text|json] [--for-deploy]
                                     [--type STANDARD|EXPRESS] [--no-integrations]
                                     [--strict-compat] [--strict] [--debug]

Each PATH is a definition file (hand-written or exported, placeholders
allowed) or a directory, meaning every ``*.json`` file directly in it; a
NAME (or ``--flow NAME``) is a built-in flow, built from the code. With
neither, every built-in flow is built and checked. Every finding is
printed, one per line, ``FILE: STATE/PATH: CODE: message`` (text, the hint
at the end of the line) or as one JSON list of objects (``file``,
``path``, ``code``, ``severity``, ``message``, ``hint``). Text is the
default, on a terminal or not (scripts count and grep the lines). A
finding about the whole definition has the path ``(state machine)`` in
text, ``""`` in JSON. A summary goes to stderr.

An error is what AWS refuses when the state machine is created or what
fails every time it runs; what AWS accepts is a warning with its reason.
``--strict-compat`` turns the warnings about what asl-validator refuses into
errors, ``--strict`` also those about what is legal but almost certainly a
mistake (the built-in flows are always judged that way).

Exit codes: 0 no error finding (warnings allowed); 1 at least one error
finding; 2 unusable arguments, or a file that cannot be read or is not
JSON (the other files are still checked and printed).
"""

from __future__ import annotations

import os
import sys

from .options import EXIT_FAILED, EXIT_OK, EXIT_USAGE

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from collections.abc import Sequence

    from ..asl.problems import Problem

__all__ = ["main"]

PROG = "python -m ndr_workflows.validate"


def _parser() -> argparse.ArgumentParser:
    from .options import Parser, add_debug, add_flow, add_format

    parser = Parser(
        prog=PROG,
        description="Check Step Functions (ASL) definitions: structure, fields, JSONata, variables, integrations (botocore service models), quotas and placeholders.",
        epilog="Exit codes: 0 no error finding; 1 an error finding; 2 bad arguments, or a file that cannot be read or is not JSON.",
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH|NAME", help="definition files, directories of *.json files, or built-in flow NAMEs (default: every built-in flow)"
    )
    add_flow(parser, "a built-in flow to check, by NAME (repeatable)")
    add_format(parser, piped="text")
    parser.add_argument("--for-deploy", action="store_true", help="every ${Name} placeholder left is an error")
    parser.add_argument("--type", choices=("STANDARD", "EXPRESS"), default="STANDARD", dest="machine_type", help="state machine type (EXPRESS forbids .sync and .waitForTaskToken)")
    parser.add_argument("--no-integrations", action="store_true", help="skip the checks that load botocore's service models")
    parser.add_argument("--strict-compat", action="store_true", help="what AWS accepts but asl-validator refuses ({%%x%%} without spaces, \"\", nested arrays in templates) is an error, not a warning")
    parser.add_argument("--strict", action="store_true", help="also what is legal but almost certainly a mistake (a variable unassigned on some path, a literal that looks like an expression, a Catch that never matches) is an error: the rule the project's own build applies")
    add_debug(parser)
    return parser


def _expand(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    """(files and flow NAMEs to check, errors): directories become their
    *.json files; a NAME that is no file stays a NAME."""
    from .definitions import is_flow_name, unknown_name

    files: list[str] = []
    errors: list[str] = []
    for path in paths:
        if is_flow_name(path):
            files.append(path)
        elif path.isidentifier() and not os.path.exists(path):
            errors.append(unknown_name(path))
        elif os.path.isdir(path):
            found = sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith(".json") and os.path.isfile(os.path.join(path, n)))
            if not found:
                errors.append(f"{path}: a directory with no *.json file")
            files.extend(found)
        else:
            files.append(path)
    return files, errors


def _check(sources: Sequence[str], options: argparse.Namespace) -> tuple[list[tuple[str, Problem]], list[str]]:
    """Findings per file or flow NAME, and the files that could not be read."""
    from pathlib import Path

    from ..asl.reader import UnusableInput
    from ..validate import validate
    from .definitions import is_flow_name

    found: list[tuple[str, Problem]] = []
    errors: list[str] = []
    for source in sources:
        if is_flow_name(source):
            from ..flows import build_flow

            subject: object = build_flow(source)
        else:
            subject = Path(source)
        try:
            findings = validate(
                subject, for_deploy=options.for_deploy, machine_type=options.machine_type, integrations=not options.no_integrations,
                strict_compat=options.strict_compat, strict=options.strict,
            )
        except UnusableInput as exc:
            errors.append(str(exc))
            continue
        found.extend((source, f) for f in findings)
    return found, errors


def main(argv: Sequence[str] | None = None) -> int:
    from .options import run

    return run(PROG, _main, argv)


def _main(argv: list[str]) -> int:
    from ..asl.problems import finding_line, finding_row
    from .options import output_format

    options = _parser().parse_args(argv)
    if options.paths or options.flow:
        sources, usage_errors = _expand(options.paths)
        sources += list(dict.fromkeys(options.flow or ()))
    else:
        from ..flows import FLOW_NAMES

        sources, usage_errors = list(FLOW_NAMES), []
    found, read_errors = _check(sources, options)
    usage_errors += read_errors
    checked = len(sources) - len(read_errors)
    if output_format(options) == "json":
        import json

        rows = [finding_row(file, f) for file, f in found]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        for file, f in found:
            print(finding_line(file, f))
    for error in usage_errors:
        print(f"error: {error}", file=sys.stderr)
    errors = sum(1 for _, f in found if f.severity == "error")
    warnings = len(found) - errors
    print(f"{checked} definition(s) checked: {errors} error(s), {warnings} warning(s)" + (f"; {len(usage_errors)} unusable input(s)" if usage_errors else ""), file=sys.stderr)
    if usage_errors:
        return EXIT_USAGE
    return EXIT_FAILED if errors else EXIT_OK
