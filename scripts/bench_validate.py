#!/usr/bin/env python3
"""Benchmark `python -m ndr_workflows.validate` on the five exported flows.

    python scripts/bench_validate.py [--runs N]

Issue 3's target: cold validation of all five flows, all checks, botocore's
service models included, at most 300 ms, measured in a fresh process on
the exported files.  What makes it possible is the distilled cache of
botocore's models (ndr_workflows/validate/service_models.py): the first run
after installing (or upgrading) botocore imports botocore and reads the
models it needs; every later run reads a small marshal file instead.

Every measurement is a fresh process of the same interpreter
(`sys.executable`), started from the repository root, as an installed
package runs: the package's bytecode is compiled first and the children run
without PYTHONDONTWRITEBYTECODE.  Three commands are interleaved after two
warm-up runs of each, so that drifts in machine load hit all alike:

  bare         `python -c pass`
  warm cache   validate of the five files; the cache (distilled models)
               in a temporary directory filled by the
               warm-up runs: every run after the first one after an install
  cold cache   the same with a new, empty cache directory each run: the very
               first run (botocore imported, models read, caches written)

Then the warm command runs once more under `-X importtime` to check that it
imports no botocore.

Exit status: 2 if a validation fails (a finding, or a crash), 1 if the warm
run imports botocore, 0 otherwise.  The 300 ms target is reported, not
enforced (the machine is shared; the figures are noisy).
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FLOWS = sorted((REPO_ROOT / "docs" / "step_functions_jsonata").glob("*.json"))
TARGET_MS = 300.0
WARMUP_RUNS = 2


class BenchFailed(RuntimeError):
    pass


def bare_command() -> list[str]:
    return [sys.executable, "-c", "pass"]


def validate_command() -> list[str]:
    return [sys.executable, "-m", "ndr_workflows.validate", *(str(p.relative_to(REPO_ROOT)) for p in FLOWS)]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("NDR_WORKFLOWS_")}
    env.update(extra)
    return env


def run_timed(cmd: list[str], *, what: str, env: dict[str, str]) -> float:
    """Wall time of one fresh process; raise BenchFailed if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise BenchFailed(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    return elapsed


def measure(runs: int) -> dict[str, list[float]]:
    compileall.compile_dir(str(REPO_ROOT / "ndr_workflows"), quiet=1)
    series: dict[str, list[float]] = {"bare": [], "warm": [], "cold": []}
    with tempfile.TemporaryDirectory(prefix="bench_validate_") as tmp:
        warm_env = child_env(NDR_WORKFLOWS_CACHE_DIR=str(Path(tmp) / "warm"))
        for i in range(WARMUP_RUNS + runs):
            cold_env = child_env(NDR_WORKFLOWS_CACHE_DIR=str(Path(tmp) / f"cold{i}"))
            times = {
                "bare": run_timed(bare_command(), what="bare start-up", env=child_env()),
                "warm": run_timed(validate_command(), what="validate (warm cache)", env=warm_env),
                "cold": run_timed(validate_command(), what="validate (cold cache)", env=cold_env),
            }
            if i >= WARMUP_RUNS:
                for key, value in times.items():
                    series[key].append(value)
        botocore = imports_botocore(warm_env)
    series["_botocore"] = [1.0 if botocore else 0.0]
    return series


def imports_botocore(env: dict[str, str]) -> bool:
    cmd = validate_command()
    proc = subprocess.run([cmd[0], "-X", "importtime", *cmd[1:]], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if proc.returncode != 0:
        raise BenchFailed(f"validate under -X importtime failed (exit {proc.returncode})\n{proc.stdout}")
    return any(line.rsplit("|", 1)[-1].strip().split(".")[0] == "botocore" for line in proc.stderr.splitlines() if line.startswith("import time:"))


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each (default 15)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    from ndr_workflows.flows import FLOW_NAMES

    if len(FLOWS) != len(FLOW_NAMES):
        print(f"ERROR: expected one exported definition per flow in docs/step_functions_jsonata ({len(FLOW_NAMES)}), found {len(FLOWS)}", file=sys.stderr)
        return 2

    print(f"python: {sys.executable} ({sys.version.split()[0]}); {os.cpu_count()} CPU(s)")
    print(f"runs: {args.runs} of each, interleaved, after {WARMUP_RUNS} warm-up runs of each; cwd {REPO_ROOT}")
    print("command: " + " ".join(["python", *validate_command()[1:]]))
    try:
        series = measure(args.runs)
    except BenchFailed as exc:
        print(f"\nERROR: {exc}", file=sys.stderr)
        return 2
    botocore = series.pop("_botocore")[0] > 0

    labels = {
        "bare": "python -c pass (baseline)",
        "warm": "validate, warm cache",
        "cold": "validate, cold cache (first run)",
    }
    med = {key: statistics.median(values) for key, values in series.items()}
    print()
    print(f"{'':34}{'median':>10}  {'min':>10}  {'max':>10}")
    for key, label in labels.items():
        print(f"{label:34}{fmt_ms(med[key])}  {fmt_ms(min(series[key]))}  {fmt_ms(max(series[key]))}")
    warm_ms = med["warm"] * 1000
    verdict = "PASS" if warm_ms <= TARGET_MS else "FAIL"
    print(f"\ntarget: validation of the {len(FLOWS)} flows <= {TARGET_MS:.0f} ms: median {warm_ms:.0f} ms with the cache: {verdict}; "
          f"first run (no cache) {med['cold'] * 1000:.0f} ms")
    print(f"warm run imports botocore: {'YES' if botocore else 'no'}")
    if botocore:
        print("FAIL: with a warm cache the validator must not import botocore")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
