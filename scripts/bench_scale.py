#!/usr/bin/env python3
"""Benchmark how the checks grow with the size of a definition.

    python scripts/bench_scale.py [--sizes 5000,10000] [--runs N] [--big-mb 30]

Issue 10's target: at about 10,000 states each measured tool takes at most
2.3 times its time at about 5,000 states, and at most 400 MB of memory.
The recorded baseline before this benchmark existed: validate took about
3.5 times as long at 10k states as at 5k, and 1.1 GB at about 9k states
(the variable check kept a set of names per state).

The definitions are generated here, the same for every run: a JSONPath
machine in blocks of about ten states, half of them JSONata states (a
mixed machine, legal in AWS), each block assigning a variable and reading
the ones before it, with a Task (Retry, Catch), a Choice loop, a Map of
two states and, every fifth block, a Parallel of two branches. States are
counted with the nested ones.

Each measurement is a fresh process of this interpreter (peak memory is
the child's own maximum resident set, VmHWM, its interpreter included):

  validate   ``validate(Path(file))``: reading the file, every check,
             botocore's service models from the distilled cache
  build      ``check_definition(definition, quotas=False, strict=True)``:
             what the build runs on a rendered flow (on the simulator's
             mixed machine: under the size quota at both sizes)
  simulate-chain, simulate-mixed
             ``ndr_workflows.simulate.run(Path(file), {"n": 1}, ...)``:
             reading the file, the build's checks, compiling every state,
             and one execution through every state of the machine (the
             Tasks answered by a handler); it must succeed

The simulator refuses what AWS refuses, a definition over the 1,048,576
byte quota among them, so it runs machines of its own (GENERATORS), made
to stay under the quota at 10,000 states: a chain of Pass states (JSONPath
and JSONata in turn, each assigning a variable from the one before), and a
mixed JSONPath machine in blocks of ten states (a Pass with an intrinsic
function in its Assign, a Task with a Catch and a ResultPath, a JSONPath
Choice, a Map of a JSONPath and a JSONata state, a JSONata Choice, a
Parallel of a JSONPath and a JSONata branch), each block reading the
variable of the one before. To measure another tool, add its code to
MEASURES (and its generator to GENERATORS when it needs its own machine).

Then a file of ``--big-mb`` megabytes (the same blocks, many more of them)
is validated once: it must get its DEFINITION_TOO_LARGE finding in seconds.

Exit status: 0; 2 when a child fails; 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
RATIO_TARGET = 2.3
MEMORY_TARGET_MB = 400.0
BASELINE = "before issue 10: validate 10k/5k = 3.5x, 1.1 GB at ~9k states; simulate refused every JSONPath machine"
QUOTA = 1_048_576
LAMBDA = "arn:aws:states:::lambda:invoke"

# name -> the code a child runs, with FILE the definition's path; it prints
# the seconds its work took (the interpreter's start-up left out).
MEASURES: dict[str, str] = {
    "validate": (
        "import time, pathlib; from ndr_workflows.validate import validate\n"
        "t = time.perf_counter(); found = validate(pathlib.Path(FILE)); t = time.perf_counter() - t\n"
        "print(t, len(found))"
    ),
    "build": (
        "import json, time; from ndr_workflows.validate import check_definition\n"
        "d = json.load(open(FILE)); t = time.perf_counter(); found = check_definition(d, quotas=False, strict=True); t = time.perf_counter() - t\n"
        "print(t, len(found))"
    ),
    **{
        f"simulate-{kind}": (
            "import time, pathlib; from ndr_workflows.simulate import Services, run\n"
            "answer = {'StatusCode': 200, 'ExecutedVersion': '$LATEST', 'Payload': [1, 2]}\n"
            "services = Services(handlers={'arn:aws:states:::lambda:invoke': lambda call: answer})\n"
            "t = time.perf_counter(); e = run(pathlib.Path(FILE), {'n': 1}, services=services, max_steps=1_000_000); t = time.perf_counter() - t\n"
            "assert e.status == 'SUCCEEDED', (e.error, e.cause)\n"
            "print(t, len(e.states))"
        )
        for kind in ("chain", "mixed")
    },
}


def _jsonata_block(k: int) -> dict[str, Any]:
    prev = f"v{k - 1}" if k else "v0"
    nxt = f"P{k + 1}"
    inner = {
        "StartAt": f"I{k}",
        "States": {
            f"I{k}": {"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {f"local{k}": "{% $states.input * 2 %}"}, "Next": f"J{k}"},
            f"J{k}": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": f"{{% $local{k} + $v0 %}}", "End": True},
        },
    }
    states: dict[str, Any] = {
        f"P{k}": {"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {f"v{k}": f"{{% $states.input.n + ${prev} %}}", "seen": True}, "Next": f"T{k}"},
        f"T{k}": {
            "Type": "Task", "QueryLanguage": "JSONata", "Resource": LAMBDA, "TimeoutSeconds": 60,
            "Arguments": {"FunctionName": "worker", "Payload": {"block": k, "value": f"{{% $v{k} %}}", "id": "{% $states.context.Execution.Id %}"}},
            "Output": "{% $states.result.Payload %}", "Assign": {f"r{k}": "{% $states.result.StatusCode %}"},
            "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 3, "BackoffRate": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": f"H{k}"}], "Next": f"C{k}",
        },
        f"H{k}": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% $states.input %}", "Next": f"M{k}"},
        f"C{k}": {
            "Type": "Choice", "QueryLanguage": "JSONata",
            "Choices": [{"Condition": f"{{% $r{k} = 200 %}}", "Next": f"M{k}"}, {"Condition": f"{{% $r{k} = 429 %}}", "Next": f"W{k}"}], "Default": f"M{k}",
        },
        f"W{k}": {"Type": "Wait", "QueryLanguage": "JSONata", "Seconds": "{% 1 + 1 %}", "Next": f"T{k}"},
        f"M{k}": {"Type": "Map", "QueryLanguage": "JSONata", "Items": "{% [1, 2, 3] %}", "ItemProcessor": inner, "Output": "{% $states.input %}", "Next": nxt},
    }
    return states


def _jsonpath_block(k: int) -> dict[str, Any]:
    nxt = f"P{k + 1}"
    inner = {"StartAt": f"I{k}", "States": {f"I{k}": {"Type": "Pass", "Parameters": {"item.$": "$", "index.$": "$$.Map.Item.Index"}, "Next": f"J{k}"}, f"J{k}": {"Type": "Succeed"}}}
    return {
        f"P{k}": {"Type": "Pass", "Assign": {f"v{k}.$": "$.n", "seen": True}, "Parameters": {"n.$": "States.MathAdd($.n, 1)", "prev.$": f"$v{k - 1}"}, "Next": f"T{k}"},
        f"T{k}": {
            "Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 60,
            "Parameters": {"FunctionName": "worker", "Payload": {"block": k, "input.$": "$", "label.$": "States.Format('block {}', $.n)"}},
            "ResultSelector": {"code.$": "$.StatusCode", "body.$": "$.Payload"}, "ResultPath": "$.result",
            "Retry": [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "MaxAttempts": 3, "BackoffRate": 2}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": f"H{k}"}], "Next": f"C{k}",
        },
        f"H{k}": {"Type": "Pass", "Next": f"M{k}"},
        f"C{k}": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.result.code", "NumericEquals": 200, "Next": f"M{k}"},
                {"And": [{"Variable": "$.result.code", "NumericEquals": 429}, {"Variable": "$.n", "IsPresent": True}], "Next": f"W{k}"},
            ],
            "Default": f"M{k}",
        },
        f"W{k}": {"Type": "Wait", "SecondsPath": "$.n", "Next": f"T{k}"},
        f"M{k}": {"Type": "Map", "ItemsPath": "$.result.body.items", "MaxConcurrency": 4, "ItemProcessor": inner, "ResultPath": "$.mapped", "Next": nxt},
    }


def _parallel(k: int) -> dict[str, Any]:
    branch = {"StartAt": f"B{k}a", "States": {f"B{k}a": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": f"{{% $v{k - 1} %}}", "End": True}}}
    other = {"StartAt": f"B{k}b", "States": {f"B{k}b": {"Type": "Pass", "Result": {"k": k}, "End": True}}}
    return {f"P{k}": {"Type": "Parallel", "Branches": [branch, other], "Assign": {f"v{k}.$": "$[1].k"}, "ResultPath": "$.both", "Next": f"P{k + 1}"}}


def definition(states: int) -> dict[str, Any]:
    """A mixed machine of about ``states`` states (nested ones counted)."""
    body: dict[str, Any] = {"P0": {"Type": "Pass", "Assign": {"v0": 1}, "Result": {"n": 1}, "Next": "P1"}}
    k, count = 1, 1
    while count < states:
        block = _parallel(k) if k % 5 == 0 else _jsonata_block(k) if k % 2 else _jsonpath_block(k)
        body.update(block)
        count += _count(block)
        k += 1
    body[f"P{k}"] = {"Type": "Succeed"}
    return {"Comment": f"bench_scale: {k} blocks", "StartAt": "P0", "States": body}


def chain_definition(states: int) -> dict[str, Any]:
    """A chain of ``states`` Pass states, JSONPath and JSONata in turn, each
    assigning a variable from the one before."""
    body: dict[str, Any] = {}
    for k in range(states):
        nxt: dict[str, Any] = {"Next": f"S{k + 1}"} if k + 1 < states else {"End": True}
        if k % 2:
            body[f"S{k}"] = {"Type": "Pass", "QueryLanguage": "JSONata", "Assign": {f"v{k}": f"{{% $v{k - 1} + 1 %}}"}, **nxt}
        else:
            body[f"S{k}"] = {"Type": "Pass", "Assign": {f"v{k}.$": f"$v{k - 1}" if k else "$.n"}, **nxt}
    return {"Comment": f"bench_scale: a chain of {states} Pass states", "StartAt": "S0", "States": body}


def _simulate_block(k: int) -> dict[str, Any]:
    nxt = f"P{k + 1}"
    item = {
        "StartAt": f"I{k}",
        "States": {
            f"I{k}": {"Type": "Pass", "Parameters": {"i.$": "$"}, "Next": f"J{k}"},
            f"J{k}": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": f"{{% $states.input.i * $v{k} %}}", "End": True},
        },
    }
    branches = [
        {"StartAt": f"L{k}", "States": {f"L{k}": {"Type": "Pass", "Result": k, "End": True}}},
        {"StartAt": f"R{k}", "States": {f"R{k}": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": f"{{% $v{k} %}}", "End": True}}},
    ]
    return {
        f"P{k}": {"Type": "Pass", "Assign": {f"v{k}.$": f"States.MathAdd($v{k - 1}, 1)"}, "Next": f"T{k}"},
        f"T{k}": {"Type": "Task", "Resource": LAMBDA, "ResultPath": "$.r", "Catch": [{"ErrorEquals": ["States.ALL"], "Next": f"C{k}"}], "Next": f"C{k}"},
        f"C{k}": {"Type": "Choice", "Choices": [{"Variable": "$.r.Payload", "IsPresent": True, "Next": f"M{k}"}], "Default": f"Q{k}"},
        f"M{k}": {"Type": "Map", "ItemsPath": "$.r.Payload", "ItemProcessor": item, "ResultPath": "$.m", "Next": f"Q{k}"},
        f"Q{k}": {"Type": "Choice", "QueryLanguage": "JSONata", "Choices": [{"Condition": f"{{% $v{k} > 0 %}}", "Next": f"B{k}"}], "Default": nxt},
        f"B{k}": {"Type": "Parallel", "Branches": branches, "ResultPath": None, "Next": nxt},
    }


def mixed_simulate_definition(states: int) -> dict[str, Any]:
    """A mixed JSONPath machine of about ``states`` states (nested ones
    counted) in blocks of ten, under the size quota at 10,000 states."""
    body: dict[str, Any] = {"P0": {"Type": "Pass", "Assign": {"v0": 1}, "Next": "P1"}}
    k, count = 1, 1
    while count < states:
        block = _simulate_block(k)
        body.update(block)
        count += _count(block)
        k += 1
    body[f"P{k}"] = {"Type": "Succeed"}
    return {"Comment": f"bench_scale: {k - 1} blocks for the simulator", "StartAt": "P0", "States": body}


# measure -> the machine it runs (default: definition). The build's checks
# run on a machine under the size quota at both sizes: over it, they also
# measure every state to name the largest (linear, but work the smaller
# size does not do, so the ratio would compare unlike runs).
GENERATORS = {"simulate-chain": chain_definition, "simulate-mixed": mixed_simulate_definition, "build": mixed_simulate_definition}


def _count(states: dict[str, Any]) -> int:
    total = 0
    for state in states.values():
        total += 1
        for graph in ([state["ItemProcessor"]] if "ItemProcessor" in state else []) + state.get("Branches", []):
            total += _count(graph["States"])
    return total


# The child's peak resident set in kB, printed last on stderr. Linux's
# VmHWM is the high-water mark of the child's own memory; ru_maxrss is not:
# a process started by fork (or vfork) and exec inherits its parent's
# maxrss, so it would report this script's own peak (the generated
# definitions) whenever that is higher than the child's.
PEAK = """
import resource, sys
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(peak, file=sys.stderr)
"""


def run_child(measure: str, file: Path, env: dict[str, str]) -> tuple[float, float, int]:
    """(seconds of work, peak resident MB, the count the child prints after
    the seconds) of one fresh process."""
    code = f"FILE = {str(file)!r}\n" + MEASURES[measure] + PEAK
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, env=env, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"{measure} on {file.name} failed (exit {proc.returncode}):\n{proc.stderr[-2000:]}")
    seconds, count = proc.stdout.split()[:2]
    peak_kb = int(proc.stderr.strip().splitlines()[-1])
    return float(seconds), peak_kb / 1024, int(count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,10000", help="numbers of states, comma-separated (default 5000,10000)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each measurement; the median is reported (default 5)")
    parser.add_argument("--big-mb", type=float, default=30.0, help="size of the oversized file in MB (0: skip it)")
    parser.add_argument("--measure", action="append", choices=sorted(MEASURES), help="what to measure (default: all)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    measures = args.measure or sorted(MEASURES)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
    print(f"python: {sys.executable} ({sys.version.split()[0]}); {os.cpu_count()} CPU(s); {args.runs} run(s) each, median")
    print(f"baseline: {BASELINE}")
    missed = False
    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("NDR_WORKFLOWS_")}
        env["NDR_WORKFLOWS_CACHE_DIR"] = str(Path(tmp) / "cache")
        files: dict[tuple[str, int], Path] = {}
        for generator in {GENERATORS.get(measure, definition) for measure in measures} | {definition}:
            for size in sizes:
                d = generator(size)
                files[generator.__name__, size] = path = Path(tmp) / f"{generator.__name__}_{size}.json"
                path.write_text(json.dumps(d, indent=2), encoding="utf-8")
                compact = len(json.dumps(d, separators=(",", ":")))
                quota = "over" if compact > QUOTA else "under"
                print(f"{generator.__name__} of {size} states: {_count(d['States'])} states, {compact / 1e6:.2f} MB compact ({quota} the quota)")
        try:
            run_child("validate", files["definition", sizes[-1]], env)  # fill the service models' cache
            print(f"\n{'measure':16}{'states':>8}{'seconds':>10}{'min-max':>14}{'peak MB':>10}{'ratio':>8}")
            for measure in measures:
                # The sizes interleaved, run after run: a drift in the machine's load hits all alike.
                runs: dict[int, list[tuple[float, float, int]]] = {size: [] for size in sizes}
                generator = GENERATORS.get(measure, definition).__name__
                for _ in range(args.runs):
                    for size in sizes:
                        runs[size].append(run_child(measure, files[generator, size], env))
                first = None
                for size in sizes:
                    seconds = statistics.median(r[0] for r in runs[size])
                    spread = f"{min(r[0] for r in runs[size]):.2f}-{max(r[0] for r in runs[size]):.2f}"
                    peak = max(r[1] for r in runs[size])
                    ratio = "" if first is None else f"{seconds / first:.2f}x"
                    first = first or seconds
                    print(f"{measure:16}{size:>8}{seconds:>10.2f}{spread:>14}{peak:>10.0f}{ratio:>8}")
                    if peak > MEMORY_TARGET_MB:
                        missed = True
                if len(sizes) > 1 and first and seconds / first > RATIO_TARGET * (sizes[-1] / sizes[0]) / 2:
                    missed = True
            if args.big_mb > 0:
                big = Path(tmp) / "big.json"
                compact = len(json.dumps(definition(sizes[-1]), separators=(",", ":")))
                states = int(sizes[-1] * args.big_mb * 1e6 / compact)
                big.write_text(json.dumps(definition(states), separators=(",", ":")), encoding="utf-8")
                code = ("import time, pathlib; from ndr_workflows.validate import validate\n"
                        "t = time.perf_counter(); found = validate(pathlib.Path(FILE)); t = time.perf_counter() - t\n"
                        "print(t, sum(f.code == 'DEFINITION_TOO_LARGE' for f in found))")
                MEASURES["_big"] = code
                seconds, peak, too_large = run_child("_big", big, env)
                print(f"\n{big.stat().st_size / 1e6:.1f} MB file ({states} states): validate {seconds:.1f} s, peak {peak:.0f} MB")
                if too_large != 1:
                    print(f"ERROR: the oversized file got {too_large} DEFINITION_TOO_LARGE findings, not one", file=sys.stderr)
                    return 2
        except RuntimeError as exc:
            print(f"ERROR: {exc}", file=sys.stderr)
            return 2
    print(f"\ntargets: 10k/5k time ratio <= {RATIO_TARGET}, peak memory <= {MEMORY_TARGET_MB:.0f} MB: {'MISSED' if missed else 'met'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
