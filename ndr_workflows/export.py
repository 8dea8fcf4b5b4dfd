"""Write the flows' definitions: ``python -m ndr_workflows.export``.

    python -m ndr_workflows.export [--out DIR] [--flow NAME ...] [--check]
                                   [--completion callback|polling]
                                   [--format text|json] [--debug]

Writes ``DIR/<NAME>.json`` for each flow (default DIR
``docs/step_functions_jsonata`` under the current directory, default every
flow of the registry; ``--flow A --flow B`` or ``--flow A B`` selects),
and beside it ``DIR/<NAME>.md``: a title line and the flow as a
Mermaid diagram (GitHub renders it; see ``ndr_workflows.diagram``). Every
selected flow is built and checked first, by every check ``python -m
ndr_workflows.validate`` runs (structure, fields, JSONata, variables,
quotas, placeholders, and the integrations against botocore's service
models, read from their distilled cache: botocore is never imported on a
warm cache); if any has an error, all its findings are printed and
*nothing* is written. The set is replaced as a whole
(:func:`ndr_workflows.asl.files.replace_directory`): the new files are
written into a sibling directory which is then swapped with DIR in one
system call, so a reader -- or a kill at any moment -- sees the old set or
the new one, never a mix; temporary files of earlier killed runs are
removed. Nothing is written when every file's bytes are unchanged.

``--check`` writes nothing: it names every file (``.json`` and ``.md``) that
is missing or differs from what the code generates and exits 1, or exits 0
when all match.

Text (the default, on a terminal or not) is a line per file,
``PATH: written|unchanged`` (``--check``: ``PATH: missing|differs from the
code`` on stderr); ``--format json`` prints one JSON object instead:
``{"files": [{"path", "status"}], "problems": [text]}`` with status
``written``, ``unchanged``, ``matches``, ``missing`` or ``differs``.

Exit codes: 0 success (or all files match); 1 a flow has problems, or
``--check`` found differences; 2 unusable arguments or an unwritable
directory.

The export is a program of the top layer: it resolves flow NAMEs through
the flow registry (``ndr_workflows.flows``) and runs ``python -m
ndr_workflows.export`` itself (no launcher).
"""

from __future__ import annotations

import os
import sys

from .cli.options import EXIT_FAILED, EXIT_OK, EXIT_USAGE

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from collections.abc import Sequence

__all__ = ["main", "render_flows", "DEFAULT_OUT"]

DEFAULT_OUT = os.path.join("docs", "step_functions_jsonata")
PROG = "python -m ndr_workflows.export"


def _parser() -> argparse.ArgumentParser:
    from .cli.options import Parser, add_debug, add_flow, add_format

    parser = Parser(
        prog=PROG,
        description="Write the NDR Step Functions definitions (JSONata) generated from the flow modules.",
        epilog="Exit codes: 0 ok / files match; 1 a flow has problems or --check found differences; 2 bad arguments or unwritable directory.",
    )
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"directory to write to (default: {DEFAULT_OUT})")
    add_flow(parser, "a flow to export, by NAME (file stem); repeatable, and --flow A B works too; default: every flow", several_per_option=True)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 naming every file that differs from the code")
    parser.add_argument(
        "--completion",
        choices=("callback", "polling"),
        default="callback",
        help="how pipeline waits are built: callback (default, the committed form) or polling",
    )
    add_format(parser, piped="text")
    add_debug(parser)
    return parser


def render_flows(
    names: Sequence[str], completion: str = "callback", debug: bool = False, diagrams: dict[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Build, check (as :func:`ndr_workflows.validate.validate` checks a flow)
    and render each flow: ({NAME: JSON text}, [error text]).

    With ``diagrams``, also fills it with {NAME: the ``<NAME>.md`` text}, drawn
    from the same definition (so the picture never disagrees with the JSON).
    """
    from .flows import build_flow
    from .model import BuildError
    from .model.render import dumps
    from .validate import has_errors, validated

    options = {}
    if completion == "polling":
        from .steps import Polling

        options["completion"] = Polling()
    texts: dict[str, str] = {}
    errors: list[str] = []
    for name in names:
        try:
            # Every check `validate` runs, the service models' included
            # (their distilled cache keeps this cheap): the edit -> export
            # loop is where a data scientist learns of a mistake.
            definition, findings = validated(build_flow(name, **options))
            if has_errors(findings):
                raise BuildError(findings, name)
            texts[name] = dumps(definition)
            if diagrams is not None:
                from .diagram.flowchart import markdown

                diagrams[name] = markdown(name, definition)
        except BuildError as exc:
            errors.append(str(exc) if exc.subject == name else f"{name}: {exc}")
        except Exception as exc:  # a bug in a flow module: say where, briefly
            if debug:
                raise
            from .cli.options import where

            errors.append(f"{name}: cannot be built: {type(exc).__name__}: {exc}{where(exc)}\n  (run with --debug for the traceback)")
    return texts, errors


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


class _Report:
    """What the export says: text lines as it goes (the default), or with
    ``--format json`` one object at the end (:meth:`close`)."""

    def __init__(self, json_format: bool) -> None:
        self.json = json_format
        self.files: list[dict[str, str]] = []
        self.problems: list[str] = []

    def file(self, path: str, status: str, *, stderr: bool = False) -> None:
        if self.json:
            self.files.append({"path": path, "status": status})
        else:
            print(f"{path}: {'differs from the code' if status == 'differs' else status}", file=sys.stderr if stderr else sys.stdout)

    def problem(self, text: str) -> None:
        if self.json:
            self.problems.append(text)
        print(text, file=sys.stderr)

    def close(self) -> None:
        if self.json:
            import json

            print(json.dumps({"files": self.files, "problems": self.problems}, indent=2, ensure_ascii=False))


def main(argv: Sequence[str] | None = None) -> int:
    from .cli.options import run

    return run(PROG, _main, argv)


def _main(argv: list[str]) -> int:
    from .cli.options import output_format

    parser = _parser()
    args = parser.parse_args(argv)
    from .flows import FLOW_NAMES

    names = list(dict.fromkeys(args.flow)) if args.flow else list(FLOW_NAMES)
    out = args.out
    if args.completion == "polling" and out == DEFAULT_OUT:
        # The committed exports are the callback form (docs/flows/README.md).
        parser.error(f"--completion polling needs --out DIR: {DEFAULT_OUT} holds the callback form")
    if os.path.exists(out) and not os.path.isdir(out):
        parser.error(f"--out {out}: exists and is not a directory")
    report = _Report(output_format(args) == "json")
    try:
        return _export(names, out, args, report)
    finally:
        report.close()


def _export(names: list[str], out: str, args: argparse.Namespace, report: _Report) -> int:
    diagrams: dict[str, str] = {}
    texts, errors = render_flows(names, args.completion, args.debug, diagrams)
    if errors:
        for error in errors:
            report.problem(error)
        print(f"error: nothing written: {len(errors)} flow(s) have problems", file=sys.stderr)
        return EXIT_FAILED
    outputs = {}
    for name in names:
        outputs[os.path.join(out, f"{name}.json")] = texts[name].encode("utf-8")
        outputs[os.path.join(out, f"{name}.md")] = diagrams[name].encode("utf-8")
    if args.check:
        stale = [path for path, data in outputs.items() if _read(path) != data]
        for path in outputs:
            if path in stale:
                report.file(path, "missing" if not os.path.exists(path) else "differs", stderr=True)
            elif report.json:
                report.file(path, "matches")
        if stale:
            again = (f" --out {out}" if out != DEFAULT_OUT else "") + (" --completion polling" if args.completion == "polling" else "")
            print(f"{len(stale)} file(s) out of date; run: python -m ndr_workflows.export{again}", file=sys.stderr)
            return EXIT_FAILED
        if not report.json:
            print(f"{len(outputs)} file(s) match the code")
        return EXIT_OK
    changed = {path: data for path, data in outputs.items() if _read(path) != data}
    from .asl.files import directory_problem, remove_leftovers, replace_directory

    try:
        problem = directory_problem(out)
        if problem is not None:
            raise problem
        if changed:
            os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
            replace_directory(out, {os.path.basename(path): data for path, data in changed.items()})
        else:
            remove_leftovers(out)  # what killed runs left, even when nothing changes
    except OSError as exc:
        print(f"error: cannot write to {out}: {exc.strerror or exc}; nothing was changed", file=sys.stderr)
        return EXIT_USAGE
    for path in outputs:
        report.file(path, "written" if path in changed else "unchanged")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
