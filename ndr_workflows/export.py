"""Write the flows' definitions: ``python -m ndr_workflows.export``.

    python -m ndr_workflows.export [--out DIR] [--flow NAME ...] [--check]
                                   [--completion callback|polling]

Writes ``DIR/<NAME>.json`` for each flow (default DIR
``docs/step_functions_jsonata`` under the current directory, default all
five flows), and beside it ``DIR/<NAME>.md``: a title line and the flow as a
Mermaid diagram (GitHub renders it; see ``ndr_workflows.diagram``). Every
selected flow is built and checked first (structure, fields, JSONata
syntax, variables); if any has a problem, all problems are
printed and *nothing* is written. The set is replaced as a whole
(:func:`ndr_workflows.asl.files.replace_directory`): the new files are
written into a sibling directory which is then swapped with DIR in one
system call, so a reader -- or a kill at any moment -- sees the old set or
the new one, never a mix; temporary files of earlier killed runs are
removed. Nothing is written when every file's bytes are unchanged.

``--check`` writes nothing: it names every file (``.json`` and ``.md``) that
is missing or differs from what the code generates and exits 1, or exits 0
when all match.

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

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    import argparse
    from collections.abc import Sequence

__all__ = ["main", "render_flows", "parse_args", "DEFAULT_OUT"]

DEFAULT_OUT = os.path.join("docs", "step_functions_jsonata")
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    import argparse

    from .flows import FLOW_NAMES

    parser = argparse.ArgumentParser(
        prog="python -m ndr_workflows.export",
        description="Write the NDR Step Functions definitions (JSONata) generated from the flow modules.",
        epilog="Exit codes: 0 ok / files match; 1 a flow has problems or --check found differences; 2 bad arguments or unwritable directory.",
    )
    parser.add_argument("--out", default=DEFAULT_OUT, metavar="DIR", help=f"directory to write to (default: {DEFAULT_OUT})")
    parser.add_argument(
        "--flow",
        action="extend",
        nargs="+",
        metavar="NAME",
        choices=FLOW_NAMES,
        help="flow(s) to export, by NAME (file stem); default: all five: " + ", ".join(FLOW_NAMES),
    )
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 naming every file that differs from the code")
    parser.add_argument(
        "--completion",
        choices=("callback", "polling"),
        default="callback",
        help="how pipeline waits are built: callback (default, the committed form) or polling",
    )
    parser.add_argument("--debug", action="store_true", help="show a Python traceback when a flow cannot be built")
    return parser


def parse_args(argv: Sequence[str]) -> dict[str, object]:
    """The options, as argparse reads them (exit 2 on unusable arguments)."""
    return vars(_parser().parse_args(list(argv)))


def render_flows(
    names: Sequence[str], completion: str = "callback", debug: bool = False, diagrams: dict[str, str] | None = None
) -> tuple[dict[str, str], list[str]]:
    """Build, check and render each flow: ({NAME: JSON text}, [error text]).

    With ``diagrams``, also fills it with {NAME: the ``<NAME>.md`` text}, drawn
    from the same definition (so the picture never disagrees with the JSON).
    """
    from .flows import build_flow
    from .model import BuildError
    from .model.render import dumps

    options = {}
    if completion == "polling":
        from .steps import Polling

        options["completion"] = Polling()
    texts: dict[str, str] = {}
    errors: list[str] = []
    for name in names:
        try:
            definition = build_flow(name, **options).to_dict()
            texts[name] = dumps(definition)
            if diagrams is not None:
                from .diagram.flowchart import markdown

                diagrams[name] = markdown(name, definition)
        except BuildError as exc:
            errors.append(str(exc) if exc.subject == name else f"{name}: {exc}")
        except Exception as exc:  # a bug in a flow module: say where, briefly
            if debug:
                raise
            errors.append(f"{name}: cannot be built: {type(exc).__name__}: {exc}{_where(exc)}\n  (run with --debug for the traceback)")
    return texts, errors


def _where(exc: BaseException) -> str:
    """The innermost frame inside ndr_workflows, as ' (at ndr_workflows/...py:line)'."""
    tb = exc.__traceback__
    where = ""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    while tb is not None:
        filename = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if filename.startswith(here + os.sep):
            where = f" (at {os.path.relpath(filename, root)}:{tb.tb_lineno})"
        tb = tb.tb_next
    return where


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    from .flows import FLOW_NAMES

    flows = options["flow"]
    names = list(dict.fromkeys(flows)) if flows else list(FLOW_NAMES)  # type: ignore[call-overload]
    out = str(options["out"])
    check = bool(options["check"])
    if options["completion"] == "polling" and out == DEFAULT_OUT:
        # The committed exports are the callback form (docs/flows/README.md).
        print(f"error: --completion polling needs --out DIR: {DEFAULT_OUT} holds the callback form", file=sys.stderr)
        return EXIT_USAGE
    if os.path.exists(out) and not os.path.isdir(out):
        print(f"error: --out {out}: exists and is not a directory", file=sys.stderr)
        return EXIT_USAGE
    diagrams: dict[str, str] = {}
    texts, errors = render_flows(names, str(options["completion"]), bool(options["debug"]), diagrams)
    if errors:
        for error in errors:
            print(error, file=sys.stderr)
        print(f"error: nothing written: {len(errors)} flow(s) have problems", file=sys.stderr)
        return EXIT_PROBLEMS
    outputs = {}
    for name in names:
        outputs[os.path.join(out, f"{name}.json")] = texts[name].encode("utf-8")
        outputs[os.path.join(out, f"{name}.md")] = diagrams[name].encode("utf-8")
    if check:
        stale = [path for path, data in outputs.items() if _read(path) != data]
        for path in stale:
            state = "missing" if not os.path.exists(path) else "differs from the code"
            print(f"{path}: {state}", file=sys.stderr)
        if stale:
            print(f"{len(stale)} file(s) out of date; run: python -m ndr_workflows.export" + (f" --out {out}" if out != DEFAULT_OUT else ""), file=sys.stderr)
            return EXIT_PROBLEMS
        print(f"{len(outputs)} file(s) match the code")
        return EXIT_OK
    changed = {path: data for path, data in outputs.items() if _read(path) != data}
    from .asl.files import remove_leftovers, replace_directory

    try:
        if changed:
            os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
            replace_directory(out, {os.path.basename(path): data for path, data in changed.items()})
        else:
            remove_leftovers(out)  # what killed runs left, even when nothing changes
    except OSError as exc:
        print(f"error: cannot write to {out}: {exc.strerror or exc}; nothing was changed", file=sys.stderr)
        return EXIT_USAGE
    for path in outputs:
        print(f"{path}: {'written' if path in changed else 'unchanged'}")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
