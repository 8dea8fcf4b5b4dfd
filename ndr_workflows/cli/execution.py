"""``python -m ndr_workflows.execution``: executions of a deployed flow.

    python -m ndr_workflows.execution start   NAME --env ENV_FILE [--input FILE|-|JSON] [--name EXECUTION] [--follow]
    python -m ndr_workflows.execution follow  NAME [EXECUTION] --env ENV_FILE [--interval S] [--timeout S]
    python -m ndr_workflows.execution stop    NAME EXECUTION --env ENV_FILE [--error ERROR] [--cause CAUSE]
    python -m ndr_workflows.execution list    NAME --env ENV_FILE [--status STATUS] [--max N]
    python -m ndr_workflows.execution history NAME [EXECUTION] --env ENV_FILE [--svg FILE]

each with [--endpoint-url URL] [--format text|json] [--debug]. NAME is a
built-in flow; its machine is the environment's prefix + NAME. EXECUTION
is an execution's name or ARN; left out (follow, history), the most recent
execution. Against a localhost fake (a moto server), which records
executions but cannot run JSONata, an execution is followed by the local
simulator (``--mocks``/``--test-case`` as for ``simulate``).

A command of its own rather than options of ``deploy``: deploying changes
what is deployed, these commands run and inspect executions of it, and
none of deploy's options (dry run, publish, policies) means anything here.

Exit codes: 0 done (follow: the execution SUCCEEDED); 1 the execution
FAILED, TIMED_OUT or was ABORTED (follow), is still running at
``--timeout``, or AWS could not be used (credentials, endpoint, refused
call); 2 unusable arguments, environment file or input, a flow not
deployed, an execution that does not exist, or one the local simulator
cannot run.
"""

from __future__ import annotations

import argparse
import sys

from .options import EXIT_FAILED, EXIT_OK, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["main"]

PROG = "python -m ndr_workflows.execution"

EPILOG = """\
text (the default on a terminal) is for people: one line per event as it
happens (states entered, service calls, failures, Map iterations), a table
of executions; JSON (the default when the output is piped) is one document:
the execution (executionArn, status, output or error/cause, states), the
list of executions, or the list of events.

exit codes:
  0  done; follow / start --follow: the execution SUCCEEDED
  1  the execution FAILED, TIMED_OUT or was ABORTED, or is still running
     at --timeout; AWS could not be used (credentials, endpoint, refused)
  2  unusable arguments, environment file or input; flow not deployed;
     no such execution; the local simulator cannot run it
"""

STATUSES = ("RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE")


def _parser() -> argparse.ArgumentParser:
    from .deploy import _endpoint_url
    from .options import Parser, add_debug, add_format, flow_name

    parser = Parser(
        prog=PROG,
        description="Start, follow, stop, list and show the history of executions of a deployed flow.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    commands.required = True

    def command(name: str, help: str, execution: str | None) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.add_argument("flow", type=flow_name, metavar="NAME", help="the built-in flow, by NAME (its machine: the environment's prefix + NAME)")
        if execution == "required":
            sub.add_argument("execution", metavar="EXECUTION", help="the execution's name or ARN")
        elif execution == "optional":
            sub.add_argument("execution", nargs="?", metavar="EXECUTION", help="the execution's name or ARN (default: the most recent one)")
        sub.add_argument("--env", required=True, metavar="ENV_FILE", help="environment file (region, name prefix, substitutions)")
        sub.add_argument("--endpoint-url", metavar="URL", type=_endpoint_url, help="a local fake AWS (moto server) instead of AWS")
        add_format(sub, piped="json")
        add_debug(sub)
        return sub

    def following(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--interval", type=_seconds, default=5.0, metavar="S", help="seconds between polls of AWS (default 5)")
        sub.add_argument("--timeout", type=_seconds, default=3600.0, metavar="S", help="stop following after S seconds (default 3600; exit 1)")
        sub.add_argument("--mocks", metavar="MOCKS.json", help="a localhost fake: mock configuration for the simulator (needs --test-case)")
        sub.add_argument("--test-case", metavar="NAME", help="the mock configuration's test case")

    start = command("start", "start an execution (and, with --follow, follow it)", None)
    start.add_argument("--input", metavar="FILE|-|JSON", default="{}", help="the execution input: a JSON file, - for stdin, or JSON text (default {})")
    start.add_argument("--name", metavar="EXECUTION", help="the execution's name (default: one AWS makes up)")
    start.add_argument("--follow", action="store_true", help="print its events as they happen, until it stops")
    following(start)
    following(command("follow", "print an execution's events as they happen, until it stops", "optional"))
    stop = command("stop", "stop an execution (StopExecution): it ends ABORTED, no Catch runs", "required")
    stop.add_argument("--error", metavar="ERROR", help="the error code recorded with the stop")
    stop.add_argument("--cause", metavar="CAUSE", help="the cause recorded with the stop")
    listing = command("list", "list the flow's executions, most recent first", None)
    listing.add_argument("--status", choices=STATUSES, help="only executions with this status")
    listing.add_argument("--max", type=_count, default=20, metavar="N", help="at most N executions (default 20)")
    history = command("history", "show an execution's events", "optional")
    history.add_argument("--svg", metavar="FILE", help="also write the flow drawn with the path taken to FILE (SVG)")
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r}: give a positive number of seconds")
    return value


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    from .options import run

    return run(PROG, _main, argv)


def _main(argv: list[str]) -> int:
    from ..deploy.aws import AwsError
    from ..deploy.environment import EnvFileError, load_environment
    from ..flows import FLOW_NAMES
    from ..simulate import SimulationError
    from .options import output_format

    parser = _parser()
    args = parser.parse_args(argv)
    if (getattr(args, "mocks", None) is None) != (getattr(args, "test_case", None) is None):
        parser.error("--mocks and --test-case go together")
    args.json = output_format(args) == "json"
    try:
        env = load_environment(args.env, FLOW_NAMES)
        commands = {"start": _start, "follow": _follow, "stop": _stop, "list": _list, "history": _history}
        return commands[args.command](env, args)
    except EnvFileError as exc:
        raise UsageError(str(exc)) from None
    except LookupError as exc:  # not deployed, no such execution
        raise UsageError(str(exc.args[0]) if exc.args else str(exc)) from None
    except SimulationError as exc:
        raise UsageError(f"the local simulator cannot follow this execution: {exc}") from None
    except AwsError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_FAILED


def _simulate_options(args: argparse.Namespace) -> dict[str, Any]:
    if getattr(args, "mocks", None):
        from pathlib import Path

        return {"mocks": Path(args.mocks), "test_case": args.test_case}
    return {}


def _print_json(value: Any) -> None:
    import json

    print(json.dumps(value, indent=2, ensure_ascii=False, default=str))


def _start(env: Any, args: argparse.Namespace) -> int:
    from ..deploy.executions import start_execution
    from ..flows import build_flow
    from .options import read_input

    execution_input = read_input(args.input)
    flow = build_flow(args.flow)
    started = start_execution(flow, env, execution_input, endpoint_url=args.endpoint_url, name=args.name, **_simulate_options(args))
    if args.follow:
        return _report(started, args)
    if args.json:
        _print_json({"executionArn": started.arn, "status": started.status, "simulated": started.simulated})
    else:
        print(f"started {started.arn}" + (" (a localhost fake: followed by the local simulator)" if started.simulated else ""))
    return EXIT_OK


def _follow(env: Any, args: argparse.Namespace) -> int:
    from ..deploy.executions import attach

    found = attach(env, args.flow, args.execution, endpoint_url=args.endpoint_url, **_simulate_options(args))
    return _report(found, args)


def _report(execution: Any, args: argparse.Namespace) -> int:
    """Follow ``execution`` to its end: its events as they come (text), or
    the execution as one JSON object once it stopped."""
    if args.json:
        execution.wait(timeout=args.timeout, interval=args.interval)
    else:
        print(f"{execution.arn}" + (" (a localhost fake: followed by the local simulator)" if execution.simulated else ""), flush=True)
        execution.follow(lambda line: print(line, flush=True), interval=args.interval, timeout=args.timeout)
    status = execution.status
    if args.json:
        _print_json(execution.to_dict())
    elif status == "SUCCEEDED":
        print(f"SUCCEEDED  output: {_brief(execution.output)}")
    elif status == "RUNNING":
        print(f"still RUNNING after {args.timeout:g}s")
    else:
        print(f"{status}  error: {execution.error}  cause: {execution.cause}")
    return EXIT_OK if status == "SUCCEEDED" else EXIT_FAILED


def _brief(value: Any, width: int = 2000) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
    return text if len(text) <= width else text[: width - 3] + "..."


def _stop(env: Any, args: argparse.Namespace) -> int:
    from ..deploy.executions import attach
    from ..deploy.history import iso

    found = attach(env, args.flow, args.execution, endpoint_url=args.endpoint_url, simulate=False)
    found.stop(error=args.error, cause=args.cause)
    stopped = (found._stopped or {}).get("stopDate")
    if args.json:
        _print_json({"executionArn": found.arn, "status": "ABORTED", "stopDate": iso(stopped)})
    else:
        print(f"stopped {found.arn}" + (f" at {iso(stopped)}" if stopped else ""))
    return EXIT_OK


def _list(env: Any, args: argparse.Namespace) -> int:
    from ..deploy.executions import list_executions
    from ..deploy.history import iso

    rows = list_executions(env, args.flow, status=args.status, max_results=args.max, endpoint_url=args.endpoint_url)
    if args.json:
        _print_json([{key: iso(value) for key, value in row.items() if key != "stateMachineArn"} for row in rows])
        return EXIT_OK
    if not rows:
        print(f"{env.machine_name(args.flow)}: no executions" + (f" with status {args.status}" if args.status else ""))
        return EXIT_OK
    width = max(len(str(row.get("name", ""))) for row in rows)
    for row in rows:
        simulated = " (simulated)" if row.get("simulated") else ""
        note = f"  {row['note']}" if row.get("note") else ""
        stop = f"  stopped {iso(row['stopDate'])}" if row.get("stopDate") else ""
        print(f"{str(row.get('name', '')):<{width}}  {str(row.get('status', '')) + simulated:<22}  started {iso(row.get('startDate'))}{stop}{note}")
    return EXIT_OK


def _history(env: Any, args: argparse.Namespace) -> int:
    from ..deploy.executions import attach
    from ..deploy.history import event_line, event_row

    found = attach(env, args.flow, args.execution, endpoint_url=args.endpoint_url)
    events = found.history()
    if args.svg:
        _write_svg(args.svg, str(found.render_progress()))
    if args.json:
        _print_json([event_row(event) for event in events])
        return EXIT_OK
    start = events[0].get("timestamp") if events else None
    print(f"{found.arn}: {found.status}" + (" (followed by the local simulator)" if found.simulated else ""))
    for event in events:
        print(event_line(event, start))
    return EXIT_OK


def _write_svg(path: str, text: str) -> None:
    from ..asl.files import target_problem, write_atomically

    problem = target_problem(path)
    if problem is not None:
        raise UsageError(f"--svg {path}: {problem.strerror}")
    try:
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise UsageError(f"--svg {path}: {exc.strerror or exc}") from None


if __name__ == "__main__":
    sys.exit(main())
