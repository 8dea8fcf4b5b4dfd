"""``python -m ndr_workflows.simulate``: run a definition or a flow locally.

    python -m ndr_workflows.simulate (DEFINITION.json | NAME | --flow NAME)
        [--input FILE|-|JSON] [--mocks MOCKS.json --test-case NAME]
        [--state-machine NAME] [--execution-name NAME] [--start-time ISO]
        [--env ENV_FILE] [--seed N] [--max-steps N] [--format text|json] [--debug]

A NAME is a built-in flow, built from the code (no export needed). Text
(the default on a terminal) is the path state by state: calls, retries
with their reasons, waits, errors and catches, the built-in DynamoDB
fake's tables at the end (the lock table), and the status with the output
or the error. JSON (the default when stdout is not a terminal, so scripts
keep what they parse) is one object: ``status`` (SUCCEEDED / FAILED),
``output`` or ``error`` / ``cause``, ``states`` (entered, in order) and
``calls`` (``{"state", "resource", "arguments"}`` per Task attempt).

Exit codes: 0 the execution SUCCEEDED; 1 it FAILED (the result is printed
all the same; an execution stopped by ``--max-steps`` is FAILED with
``States.Runtime``); 2 unusable arguments, unreadable or invalid files (not
JSON, NaN, nested too deeply), a definition with errors (the build's
checks, as ``python -m ndr_workflows.validate`` reports them) or using
something the simulator does not support ("the simulator does not support
..."), an unknown test case or a test case mocking a state
the definition lacks, or a Task that no mock and no built-in fake answers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ..simulate.api import DEFAULT_EXECUTION_NAME, DEFAULT_START_TIME, parse_start_time, run
from ..simulate.engine import MAX_STEPS
from ..simulate.errors import SimulationError
from .options import EXIT_FAILED, EXIT_OK, UsageError

PROG = "python -m ndr_workflows.simulate"

EPILOG = f"""\
The state machine's key under the mock file's StateMachines is the definition
file's name without .json (a flow's NAME), unless --state-machine is given;
it also names the execution's ARN. Tasks the test case does not mock are
answered by the built-in fakes (DynamoDB, SageMaker pipelines, EventBridge,
pipeline completion callbacks); any other unmocked Task stops the run (exit 2).
${{Name}} placeholders stay literal unless --env substitutes them (the
"substitutions" object of an environment file). Defaults: --input {{}},
--execution-name {DEFAULT_EXECUTION_NAME}, --start-time {DEFAULT_START_TIME}.

exit codes: 0 the execution SUCCEEDED, 1 it FAILED (its result is printed),
2 unusable arguments or files, a definition with errors (each listed, as
the validator reports it) or that uses what the simulator does not support,
unknown test case or mocked state, unmocked Task.
"""


def _parser() -> Any:
    import argparse

    from .options import Parser, add_debug, add_flow, add_format

    parser = Parser(
        prog=PROG,
        description="Run a Step Functions definition (JSONata, JSONPath or mixed), or a built-in flow, locally, offline, on a simulated clock.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("definition", nargs="?", metavar="DEFINITION.json|NAME", help="the ASL definition file, or a built-in flow's NAME")
    add_flow(parser, "the built-in flow to run, by NAME (instead of DEFINITION)")
    parser.add_argument("--input", metavar="FILE|-|JSON", default="{}", help="the execution input: a JSON file, - for stdin, or JSON text (default {})")
    parser.add_argument("--mocks", metavar="MOCKS.json", help="Step Functions Local mock configuration (needs --test-case)")
    parser.add_argument("--test-case", metavar="NAME", help="the test case of the mock configuration to use")
    parser.add_argument("--state-machine", metavar="NAME", help="the state machine's name (default: the definition file's stem, or the flow's NAME)")
    parser.add_argument("--execution-name", metavar="NAME", default=DEFAULT_EXECUTION_NAME, help=f"default {DEFAULT_EXECUTION_NAME}")
    parser.add_argument("--start-time", metavar="ISO", default=DEFAULT_START_TIME, help=f"default {DEFAULT_START_TIME}")
    parser.add_argument("--env", metavar="ENV_FILE", help="environment file whose substitutions replace ${Name} placeholders")
    parser.add_argument("--seed", type=int, default=0, help="seed for $random, $uuid, States.UUID, States.MathRandom and retry jitter (default 0)")
    parser.add_argument(
        "--max-steps", type=int, default=MAX_STEPS, metavar="N",
        help=f"stop the execution (FAILED, States.Runtime) after N states entered and retries (default {MAX_STEPS})",
    )
    add_format(parser, piped="json")
    add_debug(parser)
    return parser


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


def _subject(parser: Any, args: Any) -> tuple[Any, str]:
    """(what to run: a path or a built flow, its default state machine name)."""
    from .definitions import is_flow_name, unknown_name

    flows = args.flow or []
    if len(flows) > 1 or (flows and args.definition is not None):
        parser.error("give one definition: DEFINITION.json, NAME or --flow NAME")
    name = flows[0] if flows else args.definition
    if name is None:
        parser.error("what to run is missing: DEFINITION.json, a flow NAME, or --flow NAME")
    if flows or is_flow_name(name):
        from ..flows import build_flow

        return build_flow(name), name
    if name.isidentifier() and not Path(name).exists():
        raise UsageError(unknown_name(name))
    return Path(name), Path(name).stem


def main(argv: list[str] | None = None) -> int:
    from .options import run as run_program

    return run_program(PROG, _main, argv)


def _main(argv: list[str]) -> int:
    from .options import output_format, read_input

    parser = _parser()
    args = parser.parse_args(argv)
    if (args.mocks is None) != (args.test_case is None):
        parser.error("--mocks and --test-case go together")
    subject, machine = _subject(parser, args)
    try:
        parse_start_time(args.start_time)
        execution_input = read_input(args.input)
        mocks = Path(args.mocks) if args.mocks else None
        substitutions = _substitutions(args.env) if args.env else None
        execution = run(
            subject,
            execution_input,
            mocks=mocks,
            test_case=args.test_case,
            state_machine=args.state_machine or machine,
            execution_name=args.execution_name,
            start_time=args.start_time,
            substitutions=substitutions,
            seed=args.seed,
            max_steps=args.max_steps,
        )
    except SimulationError as exc:
        raise UsageError(str(exc)) from None
    if output_format(args) == "text":
        sys.stdout.write(execution.text())
    else:
        try:
            text = json.dumps(execution.to_dict(), indent=2, ensure_ascii=False, allow_nan=False)
        except (ValueError, RecursionError) as exc:  # not JSON (NaN from a handler), or nested too deeply to write
            raise UsageError(f"the execution's result cannot be written as JSON: {exc}") from None
        sys.stdout.write(text + "\n")
    sys.stdout.flush()
    return EXIT_OK if execution.status == "SUCCEEDED" else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
