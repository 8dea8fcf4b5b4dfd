#!/usr/bin/env python3
"""Benchmark the local simulator against sfnx's test runner, side by side.

    python scripts/bench_simulate.py [--runs N] [--sfnx-runs M] [--rounds R] [--enforce]

Issue 4's target: at least 1000 executions per second of the 15m flow's
happy path on this 2-core machine, and at least 10x sfnx's runner
(`sfnx.testing.run`) on the same definition and input.

Both run in this one process, on the committed export
docs/step_functions_jsonata/sfn_ndr_15m_features_inference.json, with the
input and the "HappyPath" test case of tests/scenarios/<that flow>/:

* "simulate, mocks": `ndr_workflows.simulate.run(definition, input,
  mocks=..., test_case="HappyPath")`, the Step Functions Local mock file;
* "simulate, fakes": the same with the built-in stateful fakes
  (`Services()`: the lock table evaluates the conditions, SageMaker starts
  pipelines and answers the completion callbacks, EventBridge captures);
* "simulate, new dict": as "mocks", but with a fresh copy of the definition
  each run (run() caches the compiled definition by object identity; this
  line shows the cost without that cache);
* "sfnx": `sfnx.testing.run(definition, input, tasks=...)`, the Tasks
  answered from the same mock test case (tests/scenarios/mock_config.py).

First each runs once and the two interpreters must agree on the states
entered and the service calls (else exit 2: a fast wrong answer is no
answer). Then each is warmed up, and the timed runs are interleaved in
rounds so that drifts in machine load hit all alike; the figure per
runner is the median of its rounds' executions per second (and the best
round). The first run of each, in this process, is reported too.

Exit status: 0; 2 when the runners disagree or a run fails; with
--enforce, 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import copy
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tests"))  # tests/scenarios/mock_config.py

from scenarios.mock_config import MockedTasks, comparable_call, run_sfnx, scenarios  # noqa: E402

FLOW = "sfn_ndr_15m_features_inference"
TEST_CASE = "HappyPath"
TARGET_RATE = 1000.0
TARGET_RATIO = 10.0


def runners() -> tuple[dict[str, Callable[[], Any]], dict[str, Any]]:
    from ndr_workflows.simulate import Services, run

    scenario = next(s for s in scenarios(FLOW) if s.test_case == TEST_CASE)
    definition, execution_input, mocks = scenario.definition(), scenario.input(), scenario.mocks()

    def ours_mocks() -> Any:
        return run(definition, execution_input, mocks=mocks, test_case=TEST_CASE, state_machine=FLOW)

    def ours_fakes() -> Any:
        return run(definition, execution_input, services=Services(), state_machine=FLOW)

    def ours_fresh() -> Any:
        # a new definition object each time: run() caches the compiled
        # definition by object identity, so this pays the compile every run
        return run(copy.deepcopy(definition), execution_input, mocks=mocks, test_case=TEST_CASE, state_machine=FLOW)

    def theirs() -> Any:
        return run_sfnx(definition, execution_input, MockedTasks(mocks, FLOW, TEST_CASE), state_machine=FLOW)

    about = {"definition": scenario.definition_path, "input": scenario.input_path, "mocks": scenario.mocks_path}
    return {"simulate, mocks": ours_mocks, "simulate, fakes": ours_fakes, "simulate, new dict": ours_fresh, "sfnx": theirs}, about


def trace(execution: Any) -> tuple[Any, ...]:
    calls = [comparable_call(c.state, c.resource, c.arguments) for c in execution.calls]
    return (execution.error, tuple(execution.states), tuple(repr(call) for call in calls))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3000, help="timed runs of each simulate variant (default 3000; a tenth for 'new dict')")
    parser.add_argument("--sfnx-runs", type=int, default=40, help="timed runs of sfnx (default 40; it is slow)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds the runs are split into (default 5)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs of each first (default 3)")
    parser.add_argument("--enforce", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if min(args.runs, args.sfnx_runs, args.rounds) < 1 or args.warmup < 0:
        parser.error("--runs, --sfnx-runs and --rounds must be >= 1, --warmup >= 0")

    functions, about = runners()
    print(f"python: {sys.executable} ({sys.version.split()[0]}); load average {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"definition: {about['definition'].relative_to(REPO_ROOT)}")
    print(f"input:      {about['input'].relative_to(REPO_ROOT)}")
    print(f"mocks:      {about['mocks'].relative_to(REPO_ROOT)} (test case {TEST_CASE})")

    first: dict[str, float] = {}
    traces = {}
    for name, function in functions.items():
        start = time.perf_counter()
        execution = function()
        first[name] = time.perf_counter() - start
        if execution.error is not None:
            print(f"\nERROR: {name} failed: {execution.error}: {execution.cause}", file=sys.stderr)
            return 2
        traces[name] = trace(execution)
    if traces["simulate, mocks"] != traces["sfnx"]:
        print("\nERROR: the simulator and sfnx disagree on the states or the calls:", file=sys.stderr)
        print(f"  simulate: {traces['simulate, mocks'][1]}\n  sfnx:     {traces['sfnx'][1]}", file=sys.stderr)
        return 2
    if traces["simulate, new dict"] != traces["sfnx"]:
        print("\nERROR: a fresh copy of the definition gives another trace", file=sys.stderr)
        return 2
    if traces["simulate, fakes"][1] != traces["sfnx"][1]:
        print("\nERROR: with the built-in fakes the simulator enters other states", file=sys.stderr)
        return 2
    states, calls = len(traces["sfnx"][1]), len(traces["sfnx"][2])
    print(f"happy path: {states} states entered, {calls} service calls, identical in both interpreters")

    for function in functions.values():
        for _ in range(args.warmup):
            function()
    share = {"sfnx": args.sfnx_runs, "simulate, new dict": max(1, args.runs // 10)}
    counts = {name: max(1, share.get(name, args.runs) // args.rounds) for name in functions}
    rates: dict[str, list[float]] = {name: [] for name in functions}
    for _ in range(args.rounds):
        for name, function in functions.items():
            start = time.perf_counter()
            for _ in range(counts[name]):
                function()
            rates[name].append(counts[name] / (time.perf_counter() - start))

    print(f"\n{args.rounds} interleaved rounds after {args.warmup} warm-up runs of each; runs per round: "
          + ", ".join(f"{name} {n}" for name, n in counts.items()))
    print()
    print(f"{'':20}{'median exec/s':>14}{'best exec/s':>13}{'ms / exec':>11}{'first run*':>12}")
    median = {name: statistics.median(values) for name, values in rates.items()}
    for name in functions:
        print(f"{name:20}{median[name]:14.1f}{max(rates[name]):13.1f}{1000 / median[name]:11.3f}{first[name] * 1000:9.1f} ms")

    print("* the first run in this process: compiling the definition (the fakes variant reuses the compiled one)")
    ratio = median["simulate, mocks"] / median["sfnx"]
    ratio_fakes = median["simulate, fakes"] / median["sfnx"]
    rate_ok = median["simulate, mocks"] >= TARGET_RATE
    ratio_ok = ratio >= TARGET_RATIO
    print(f"\nsimulate (mocks): {median['simulate, mocks']:.0f} executions/s (target >= {TARGET_RATE:.0f}/s): {'PASS' if rate_ok else 'FAIL'}")
    print(f"ratio simulate / sfnx (medians): {ratio:.1f}x with mocks, {ratio_fakes:.1f}x with the fakes "
          f"(target >= {TARGET_RATIO:.0f}x): {'PASS' if ratio_ok else 'FAIL'}")
    print("(a shared machine makes these figures noisy; compare the ratio, measured side by side)")
    if args.enforce and not (rate_ok and ratio_ok):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
