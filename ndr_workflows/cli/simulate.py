"""``python -m ndr_workflows.simulate``: run a definition locally.

Prints one JSON object: ``status`` (SUCCEEDED / FAILED), ``output`` or
``error`` / ``cause``, ``states`` (entered, in order) and ``calls``
(``{"state", "resource", "arguments"}`` per Task attempt).

Exit codes: 0 the simulation ran (whatever the execution's status: a FAILED
execution is a result, not an error of the command); 2 unusable arguments,
unreadable or invalid files (not JSON, NaN, nested too deeply), a definition
with errors (the build's checks, as ``python -m ndr_workflows.validate``
reports them) or that the simulator cannot run, an unknown test case or a
test case mocking a state the definition lacks, or a Task that no mock and
no built-in fake answers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..simulate.api import DEFAULT_EXECUTION_NAME, DEFAULT_START_TIME, parse_start_time, run
from ..simulate.errors import SimulationError

EPILOG = f"""\
The state machine's key under the mock file's StateMachines is the definition
file's name without .json, unless --state-machine is given; it also names the
execution's ARN. Tasks the test case does not mock are answered by the
built-in fakes (DynamoDB, SageMaker pipelines, EventBridge, pipeline
completion callbacks); any other unmocked Task stops the run (exit 2).
${{Name}} placeholders stay literal unless --env substitutes them (the
"substitutions" object of an environment file). Defaults: --execution-name
{DEFAULT_EXECUTION_NAME}, --start-time {DEFAULT_START_TIME}.

exit codes: 0 the simulation ran (status SUCCEEDED or FAILED), 2 unusable
arguments or files, a definition with errors (each listed, as the validator
reports it), unknown test case or mocked state, unmocked Task.
"""


def _parser() -> Any:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m ndr_workflows.simulate",
        description="Run a JSONata Step Functions definition locally, offline, on a simulated clock.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("definition", metavar="DEFINITION.json", help="the ASL definition file")
    parser.add_argument("--input", metavar="INPUT.json", required=True, help="the execution input (a JSON file; - for stdin)")
    parser.add_argument("--mocks", metavar="MOCKS.json", help="Step Functions Local mock configuration (needs --test-case)")
    parser.add_argument("--test-case", metavar="NAME", help="the test case of the mock configuration to use")
    parser.add_argument("--state-machine", metavar="NAME", help="the state machine's name (default: the definition file's stem)")
    parser.add_argument("--execution-name", metavar="NAME", default=DEFAULT_EXECUTION_NAME, help=f"default {DEFAULT_EXECUTION_NAME}")
    parser.add_argument("--start-time", metavar="ISO", default=DEFAULT_START_TIME, help=f"default {DEFAULT_START_TIME}")
    parser.add_argument("--env", metavar="ENV_FILE", help="environment file whose substitutions replace ${Name} placeholders")
    parser.add_argument("--seed", type=int, default=0, help="seed for $random, $uuid and retry jitter (default 0)")
    return parser


def _read_json(path: str, what: str) -> Any:
    """A JSON file (``-``: stdin) read by the package's one hardened reader:
    no NaN or Infinity, no duplicate key, a UTF-8 BOM allowed, nesting and
    numbers within its limits."""
    from ..asl.reader import UnusableInput, read_data

    try:
        if path == "-":
            value = read_data(sys.stdin.buffer.read(), "stdin", yaml=False)
        else:
            value = read_data(path, yaml=False)
    except UnusableInput as exc:
        raise SimulationError(f"the {what}: {exc}") from None
    return value


def _substitutions(path: str) -> dict[str, str]:
    """The environment file's substitutions, read by the deploy package's
    loader (which checks the whole file)."""
    from ..deploy.environment import EnvFileError, load_environment
    from ..flows import FLOW_NAMES

    try:
        return dict(load_environment(Path(path), FLOW_NAMES).substitutions)
    except EnvFileError as exc:
        raise SimulationError(str(exc)) from None
    except OSError as exc:
        raise SimulationError(f"cannot read the environment file {path}: {exc.strerror}") from None


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if (args.mocks is None) != (args.test_case is None):
        parser.error("--mocks and --test-case go together")
    try:
        parse_start_time(args.start_time)
        execution_input = _read_json(args.input, "input")
        mocks = Path(args.mocks) if args.mocks else None
        substitutions = _substitutions(args.env) if args.env else None
        execution = run(
            Path(args.definition),
            execution_input,
            mocks=mocks,
            test_case=args.test_case,
            state_machine=args.state_machine or Path(args.definition).stem,
            execution_name=args.execution_name,
            start_time=args.start_time,
            substitutions=substitutions,
            seed=args.seed,
        )
    except SimulationError as exc:
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    try:
        text = json.dumps(execution.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
    except (ValueError, RecursionError) as exc:  # not JSON (NaN from a handler), or nested too deeply to write
        print(f"{parser.prog}: error: the execution's result cannot be written as JSON: {exc}", file=sys.stderr)
        return 2
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into head: the reader left
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
