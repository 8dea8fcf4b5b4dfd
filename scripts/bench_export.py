#!/usr/bin/env python3
"""Benchmark `python -m ndr_workflows.export` against bare interpreter start-up.

    python scripts/bench_export.py [--runs N]

Design principle "no import side effects, fast start": exporting all five
flows should cost at most 3x a bare `python -c pass`, and must not import
boto3, botocore, sagemaker or the stepfunctions SDK.

Every measurement is a fresh process of the same interpreter
(`sys.executable`), started from the repository root.  Bare and export runs
are interleaved (bare, export, bare, export, ...) after two warm-up runs of
each, so that drifts in machine load hit both alike.  Then the export runs
once more under `-X importtime` to list the modules it imports that bare
start-up does not.

Exit status: 1 if a forbidden module is imported, 2 if the export itself
fails, 0 otherwise.  The time ratio is informational (printed, not enforced).
"""

from __future__ import annotations

import argparse
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


def run_timed(cmd: list[str], *, what: str) -> float:
    """Wall time of one fresh process; raise ExportFailed if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise ExportFailed(
            f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n"
            f"{proc.stdout}{proc.stderr}"
        )
    return elapsed


def measure(runs: int) -> tuple[list[float], list[float]]:
    bare: list[float] = []
    export: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bench_export_") as tmp:
        for i in range(WARMUP_RUNS + runs):
            out_dir = str(Path(tmp) / f"run{i}")
            b = run_timed(bare_command(), what="bare start-up")
            e = run_timed(export_command(out_dir), what="export")
            if i >= WARMUP_RUNS:
                bare.append(b)
                export.append(e)
    return bare, export


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
        bare, export = measure(args.runs)
        new, from_dash_m, forbidden = module_report()
    except ExportFailed as exc:
        print(f"\nERROR: {exc}", file=sys.stderr)
        return 2

    med_bare, med_export = statistics.median(bare), statistics.median(export)
    ratio = med_export / med_bare
    print()
    print(f"{'':32}{'median':>10}  {'min':>10}")
    print(f"{'python -c pass':32}{fmt_ms(med_bare)}  {fmt_ms(min(bare))}")
    print(
        f"{'python -m ' + EXPORT_MODULE:32}{fmt_ms(med_export)}  {fmt_ms(min(export))}"
    )
    verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
    print(
        f"\nratio median_export / median_bare = {ratio:.2f}x "
        f"(target <= {TARGET_RATIO:.1f}x): {verdict}"
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
