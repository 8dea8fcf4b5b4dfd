"""What every command shares, so that the commands agree with each other.

* exit codes: 0 ok; 1 findings, a failed execution or deploy, an
  unexpected error; 2 unusable arguments or input (one line on stderr, no
  traceback);
* ``--flow NAME``: a built-in flow by NAME, repeatable, checked against the
  flow registry only when given (a command reading files never builds the
  flows);
* ``--format text|json``: text for people on a terminal; when stdout is
  not a terminal each command keeps the output scripts relied on before
  (:func:`add_format`);
* ``--input``: a file, ``-`` (stdin) or inline JSON (:func:`read_input`);
* ``--debug``: the traceback of an unexpected error (:func:`run`).
"""

from __future__ import annotations

import argparse
import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Sequence
    from typing import Any, NoReturn

__all__ = ["EXIT_OK", "EXIT_FAILED", "EXIT_USAGE", "UsageError", "Parser", "flow_name", "add_flow", "add_format", "add_debug", "read_input", "run"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Unusable arguments or input: one line on stderr, exit 2."""


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error: ``PROG: error: MESSAGE (see --help)``."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def flow_name(text: str) -> str:
    """argparse type: a built-in flow's NAME (the registry is read only here)."""
    from ..flows import FLOW_NAMES, unknown_flow

    if text in FLOW_NAMES:
        return text
    raise argparse.ArgumentTypeError(unknown_flow(text))


def add_flow(parser: argparse.ArgumentParser, help: str, *, several_per_option: bool = False) -> None:
    """``--flow NAME``, repeatable. ``several_per_option`` also accepts the
    older ``--flow A B`` form, for commands with no positional argument it
    could swallow."""
    if several_per_option:
        parser.add_argument("--flow", action="extend", nargs="+", type=flow_name, metavar="NAME", help=help)
    else:
        parser.add_argument("--flow", action="append", type=flow_name, metavar="NAME", help=help)


def add_format(parser: argparse.ArgumentParser, *, piped: str) -> None:
    """``--format text|json``; unset means text on a terminal and ``piped``
    otherwise (resolved by :func:`output_format`)."""
    default = "text" if piped == "text" else f"text on a terminal, {piped} when the output is piped or redirected"
    parser.add_argument("--format", choices=("text", "json"), help=f"output format (default: {default})")
    parser.set_defaults(piped_format=piped)


def output_format(args: argparse.Namespace) -> str:
    """The format asked for, else text on a terminal, else the command's piped default."""
    if args.format:
        return str(args.format)
    try:
        interactive = sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdout
        interactive = False
    return "text" if interactive else str(args.piped_format)


def add_debug(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", help="show the Python traceback of an unexpected error")


def read_input(value: str, what: str = "the input") -> Any:
    """The JSON value ``value`` stands for: ``-`` reads stdin, an existing
    file is read, text that starts like JSON (``{``, ``[``, ``"``, a number,
    ``true``...) is JSON text (``'{"a": 1}'``), anything else is a file
    that cannot be read. Read by the package's one hardened reader
    (:func:`~ndr_workflows.asl.reader.read_data`: no NaN, no key twice, a
    UTF-8 BOM allowed, nesting and numbers within its limits). UsageError
    says what failed and why."""
    from ..asl.reader import UnusableInput, read_data

    try:
        if value == "-":
            return read_data(sys.stdin.buffer.read(), "stdin", yaml=False)
        stripped = value.strip()
        if not os.path.exists(value) and stripped and (stripped[0] in '{["-0123456789' or stripped in ("true", "false", "null")):
            return read_data(value.encode("utf-8"), "inline JSON", yaml=False)
        return read_data(value, yaml=False)
    except UnusableInput as exc:
        raise UsageError(f"{what}: {exc}") from None


def run(prog: str, main: Callable[[list[str]], int], argv: Sequence[str] | None) -> int:
    """``main(argv)`` with the shared ending: UsageError -> one line, exit 2;
    an unexpected exception -> one line naming it and where, exit 1 (with
    ``--debug``, the traceback); a reader that left the pipe -> quiet."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return main(args)
    except UsageError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ImportError as exc:  # the flow registry (RegistryError) or a flow module that does not import
        if "--debug" in args:
            raise
        print(f"{prog}: error: {exc}{where(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:  # e.g. piped into head: the reader left
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - so the interpreter's final flush does not fail
        except OSError:
            pass
        return EXIT_OK
    except Exception as exc:  # a bug: say what and where, briefly
        if "--debug" in args:
            raise
        print(f"{prog}: error: unexpected {type(exc).__name__}: {exc}{where(exc)} (run with --debug for the traceback)", file=sys.stderr)
        return EXIT_FAILED


def where(exc: BaseException) -> str:
    """The innermost frame inside ndr_workflows, as ' (at ndr_workflows/...py:line)'."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    root = os.path.dirname(here)
    found = ""
    tb = exc.__traceback__
    while tb is not None:
        filename = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if filename.startswith(here + os.sep):
            found = f" (at {os.path.relpath(filename, root)}:{tb.tb_lineno})"
        tb = tb.tb_next
    return found
