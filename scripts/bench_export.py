#!/usr/bin/env python3
"""Benchmark `python -m ndr_workflows.export` against bare interpreter start-up.

    python scripts/bench_export.py [--runs N]

Design principle "no import side effects, fast start": exporting all five
flows should cost at most 3x a bare `python -c pass`, and must not import
boto3, botocore, sagemaker or the stepfunctions SDK.

Every measurement is a fresh process of the same interpreter
(`sys.executable`), started from the repository root, as an installed
package runs: the package's bytecode is compiled first and the children run
without PYTHONDONTWRITEBYTECODE.  Four commands are interleaved (bare,
`python -m` of an empty module, export, export with the JSONata analysis
cache off) after two warm-up runs of each, so that drifts in machine load
hit all alike; each export writes into a new directory.  "export" is the
everyday case (the analysis cache, see ndr_workflows/model/jsonata.py, is
warm after the first run); "export, cold" re-parses every expression.
Then the export runs once more under `-X importtime` to list the modules it
imports that bare start-up does not.

Exit status: 1 if a forbidden module is imported, 2 if the export itself
fails, 0 otherwise.  The time ratio is informational (printed, not enforced).
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
EXPORT_MODULE = "ndr_workflows.export"
TARGET_RATIO = 3.0
WARMUP_RUNS = 2
FORBIDDEN = ("boto3", "botocore", "sagemaker", "stepfunctions")


class ExportFailed(RuntimeError):
    pass


def bare_command() -> list[str]:
    return [sys.executable, "-c", "pass"]


def export_command(out_dir: str) -> list[str]:
    return [sys.executable, "-m", EXPORT_MODULE, "--out", out_dir]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def run_timed(cmd: list[str], *, what: str, env: dict[str, str] | None = None, cwd: Path = REPO_ROOT) -> float:
    """Wall time of one fresh process; raise ExportFailed if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or child_env()
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise ExportFailed(
            f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            f"{proc.stdout}{proc.stderr}"
        )
    return elapsed


def measure(runs: int) -> dict[str, list[float]]:
    compileall.compile_dir(str(REPO_ROOT / "ndr_workflows"), quiet=1)
    series: dict[str, list[float]] = {"bare": [], "dash_m": [], "export": [], "cold": []}
    with tempfile.TemporaryDirectory(prefix="bench_export_") as tmp:
        empty_dir = Path(tmp) / "empty"
        empty_dir.mkdir()
        (empty_dir / "_bench_empty_module.py").write_text("", encoding="utf-8")
        cache_dir = str(Path(tmp) / "cache")
        warm_env = child_env(NDR_WORKFLOWS_CACHE_DIR=cache_dir)
        cold_env = child_env(NDR_WORKFLOWS_NO_CACHE="1")
        for i in range(WARMUP_RUNS + runs):
            times = {
                "bare": run_timed(bare_command(), what="bare start-up"),
                "dash_m": run_timed([sys.executable, "-m", "_bench_empty_module"], what="python -m (empty)", cwd=empty_dir),
                "export": run_timed(export_command(str(Path(tmp) / f"warm{i}")), what="export", env=warm_env),
                "cold": run_timed(export_command(str(Path(tmp) / f"cold{i}")), what="export (cold)", env=cold_env),
            }
            if i >= WARMUP_RUNS:
                for key, value in times.items():
                    series[key].append(value)
    return series


def imported_top_level(cmd: list[str], cwd: Path) -> set[str]:
    """Top-level package names imported by `cmd` (run with -X importtime)."""
    full = [cmd[0], "-X", "importtime", *cmd[1:]]
    proc = subprocess.run(
        full, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if proc.returncode != 0:
        raise ExportFailed(
            f"failed (exit {proc.returncode}): {' '.join(full)}\n{proc.stderr}"
        )
    names: set[str] = set()
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "imported package" in line:
            continue
        name = line.rsplit("|", 1)[-1].strip()
        if name:
            names.add(name.split(".")[0])
    return names


def module_report() -> tuple[list[str], list[str], list[str]]:
    """(modules new vs bare start-up, those that `python -m` alone brings, forbidden)."""
    bare = imported_top_level(bare_command(), REPO_ROOT)
    with tempfile.TemporaryDirectory(prefix="bench_export_") as tmp:
        export = imported_top_level(export_command(str(Path(tmp) / "out")), REPO_ROOT)
        # What running *any* module with -m costs, to tell it apart.
        (Path(tmp) / "_bench_empty_module.py").write_text("", encoding="utf-8")
        dash_m = imported_top_level(
            [sys.executable, "-m", "_bench_empty_module"], Path(tmp)
        )
    new = sorted(export - bare)
    from_dash_m = sorted((dash_m - bare) & set(new))
    forbidden = sorted(set(new) & set(FORBIDDEN))
    return new, from_dash_m, forbidden


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=15, help="measured runs of each (default 15)"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")

    print(f"python: {sys.executable} ({sys.version.split()[0]})")
    print(
        f"runs: {args.runs} of each, interleaved, after {WARMUP_RUNS} warm-up runs "
        f"of each; cwd {REPO_ROOT}"
    )
    try:
        series = measure(args.runs)
        new, from_dash_m, forbidden = module_report()
    except ExportFailed as exc:
        print(f"\nERROR: {exc}", file=sys.stderr)
        return 2

    med = {key: statistics.median(values) for key, values in series.items()}
    labels = {
        "bare": "python -c pass (baseline)",
        "dash_m": "python -m <empty module>",
        "export": "export (all five flows)",
        "cold": "export, analysis cache off",
    }
    print()
    print(f"{'':34}{'median':>10}  {'min':>10}  {'x baseline':>10}")
    for key, label in labels.items():
        print(f"{label:34}{fmt_ms(med[key])}  {fmt_ms(min(series[key]))}  {med[key] / med['bare']:9.2f}x")
    ratio = med["export"] / med["bare"]
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(
        f"\nratio median export / median bare = {ratio:.2f}x "
        f"(target <= {TARGET_RATIO:.1f}x): {verdict}; with the cache off: {med['cold'] / med['bare']:.2f}x"
    )

    print("\nmodules imported by the export but not by bare start-up (top level):")
    for name in new:
        note = "   (imported by `python -m` itself)" if name in from_dash_m else ""
        print(f"  {name}{note}")
    if not new:
        print("  (none)")
    print()
    for name in FORBIDDEN:
        print(f"  {name:14} {'IMPORTED' if name in forbidden else 'not imported'}")
    if forbidden:
        print(f"\nFAIL: the export imports forbidden modules: {', '.join(forbidden)}")
        return 1
    print("\nOK: none of " + ", ".join(FORBIDDEN) + " is imported by the export.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
