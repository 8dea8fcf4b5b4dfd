#!/usr/bin/env python3
"""Benchmark `python -m ndr_workflows.export` against bare start-up and against sfnx.

    python scripts/bench_export.py [--runs N]

Targets: exporting all five flows -- with every check `validate` runs,
the integration checks against botocore's service models included --
costs at most 8x a bare `python -c pass`, and per flow it is at least 20x
faster than the sfnx CLI's compile of one flow (`sfnx compile`, sfnx 3.1.0
from the test extra, on a flow of the same size written for sfnx here:
lock, two pipelines polled to completion, an event, the release); and the
export imports none of boto3, botocore, sagemaker or the stepfunctions SDK.

Every measurement is a fresh process of the same interpreter
(`sys.executable`), started from the repository root, as an installed
package runs: the package's bytecode is compiled first and the children run
without PYTHONDONTWRITEBYTECODE. Five commands are interleaved after two
warm-up runs of each, so that drifts in machine load hit all alike:

* `python -c pass` (the baseline) and `python -m` of an empty module;
* the export of all five flows (each run writes into a new directory),
  the distilled cache of the service models warm, as after a first run;
* the same export with that cache off (`NDR_WORKFLOWS_NO_CACHE=1`): every
  run reads botocore's model files, as a first run does;
* `sfnx compile` of the one sfnx flow.

Then the export runs once more under `-X importtime` to list the modules it
imports that bare start-up does not.

Exit status: 1 if a forbidden module is imported, 2 if a command fails,
0 otherwise. The ratios are printed beside their targets, not enforced.
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

from ndr_workflows.flows import FLOW_NAMES

REPO_ROOT = Path(__file__).resolve().parents[1]
EXPORT_MODULE = "ndr_workflows.export"
FLOWS = len(FLOW_NAMES)  # the per-flow figures divide by it
TARGET_RATIO = 8.0
TARGET_VS_SFNX = 20.0
WARMUP_RUNS = 2
FORBIDDEN = ("boto3", "botocore", "sagemaker", "stepfunctions")

# One flow for sfnx, the size of sfn_ndr_15m_features_inference (14 states).
SFNX_FLOW = '''\
from typing import TypedDict

from sfnx import aws, state_machine, wait


class Batch(TypedDict):
    mini_batch_id: str
    batch_start_ts_iso: str
    batch_end_ts_iso: str


class DuplicateMiniBatch(Exception):
    pass


class PipelineFailed(Exception):
    pass


@state_machine(timeout=86400)
def features_inference(input: Batch):
    """Lock a mini-batch, run the features and inference pipelines, publish, release."""
    batch = input["mini_batch_id"]
    try:
        aws.sdk.dynamodb.put_item(
            TableName="ndr-locks",
            Item={"pk": {"S": batch}, "owner": {"S": "execution"}},
            ConditionExpression="attribute_not_exists(pk)",
        )
    except aws.sdk.dynamodb.errors.ConditionalCheckFailedException:
        raise DuplicateMiniBatch(f"{batch} is already being processed") from None
    try:
        features = aws.sdk.sagemaker.start_pipeline_execution(
            PipelineName="ndr-15m-features",
            ClientRequestToken=batch,
            PipelineParameters=[
                {"Name": "MiniBatchId", "Value": batch},
                {"Name": "BatchStartTsIso", "Value": input["batch_start_ts_iso"]},
                {"Name": "BatchEndTsIso", "Value": input["batch_end_ts_iso"]},
            ],
        )
        status = "Executing"
        while status == "Executing":
            wait(60)
            described = aws.sdk.sagemaker.describe_pipeline_execution(PipelineExecutionArn=features["PipelineExecutionArn"])
            status = described["PipelineExecutionStatus"]
        if status != "Succeeded":
            raise PipelineFailed(f"features pipeline ended {status}")
        inference = aws.sdk.sagemaker.start_pipeline_execution(
            PipelineName="ndr-inference",
            ClientRequestToken=batch,
            PipelineParameters=[{"Name": "MiniBatchId", "Value": batch}],
        )
        status = "Executing"
        while status == "Executing":
            wait(60)
            described = aws.sdk.sagemaker.describe_pipeline_execution(PipelineExecutionArn=inference["PipelineExecutionArn"])
            status = described["PipelineExecutionStatus"]
        if status != "Succeeded":
            raise PipelineFailed(f"inference pipeline ended {status}")
        aws.sdk.eventbridge.put_events(
            Entries=[{"Source": "ndr.orchestration", "DetailType": "NdrInferencePipelineCompleted", "Detail": batch, "EventBusName": "ndr-bus"}]
        )
    except PipelineFailed:
        aws.sdk.dynamodb.delete_item(TableName="ndr-locks", Key={"pk": {"S": batch}})
        raise
    aws.sdk.dynamodb.delete_item(TableName="ndr-locks", Key={"pk": {"S": batch}})
    return {"mini_batch_id": batch, "status": "done"}
'''


class CommandFailed(RuntimeError):
    pass


def bare_command() -> list[str]:
    return [sys.executable, "-c", "pass"]


def export_command(out_dir: str) -> list[str]:
    return [sys.executable, "-m", EXPORT_MODULE, "--out", out_dir]


def sfnx_command(source: Path, out: Path) -> list[str]:
    sfnx = Path(sys.executable).parent / "sfnx"
    if not sfnx.exists():
        raise CommandFailed(f"{sfnx} is missing: sfnx comes with the test extra (pip install -e '.[test]')")
    return [str(sfnx), "compile", str(source), "-o", str(out)]


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def run_timed(cmd: list[str], *, what: str, env: dict[str, str] | None = None, cwd: Path = REPO_ROOT) -> float:
    """Wall time of one fresh process; raise CommandFailed if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env or child_env())
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise CommandFailed(f"{what} failed (exit {proc.returncode}): {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    return elapsed


def measure(runs: int) -> dict[str, list[float]]:
    compileall.compile_dir(str(REPO_ROOT / "ndr_workflows"), quiet=1)
    series: dict[str, list[float]] = {"bare": [], "dash_m": [], "export": [], "cold": [], "sfnx": []}
    with tempfile.TemporaryDirectory(prefix="bench_export_") as tmp:
        root = Path(tmp)
        empty_dir = root / "empty"
        empty_dir.mkdir()
        (empty_dir / "_bench_empty_module.py").write_text("", encoding="utf-8")
        source = root / "sfnx_flow.py"
        source.write_text(SFNX_FLOW, encoding="utf-8")
        warm = child_env(NDR_WORKFLOWS_CACHE_DIR=str(root / "cache"))  # the service-model cache, warmed by the warm-up runs
        cold = child_env(NDR_WORKFLOWS_NO_CACHE="1")
        for i in range(WARMUP_RUNS + runs):
            times = {
                "bare": run_timed(bare_command(), what="bare start-up"),
                "dash_m": run_timed([sys.executable, "-m", "_bench_empty_module"], what="python -m (empty)", cwd=empty_dir),
                "export": run_timed(export_command(str(root / f"export{i}")), what="export", env=warm),
                "cold": run_timed(export_command(str(root / f"cold{i}")), what="export, cache off", env=cold),
                "sfnx": run_timed(sfnx_command(source, root / f"sfnx{i}.json"), what="sfnx compile", cwd=root),
            }
            if i >= WARMUP_RUNS:
                for key, value in times.items():
                    series[key].append(value)
    return series


def imported_top_level(cmd: list[str], cwd: Path) -> set[str]:
    """Top-level package names imported by `cmd` (run with -X importtime)."""
    full = [cmd[0], "-X", "importtime", *cmd[1:]]
    proc = subprocess.run(full, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise CommandFailed(f"failed (exit {proc.returncode}): {' '.join(full)}\n{proc.stderr}")
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
        dash_m = imported_top_level([sys.executable, "-m", "_bench_empty_module"], Path(tmp))
    new = sorted(export - bare)
    from_dash_m = sorted((dash_m - bare) & set(new))
    forbidden = sorted(set(new) & set(FORBIDDEN))
    return new, from_dash_m, forbidden


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each (default 15)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")

    print(f"python: {sys.executable} ({sys.version.split()[0]})")
    print(f"runs: {args.runs} of each, interleaved, after {WARMUP_RUNS} warm-up runs of each; cwd {REPO_ROOT}")
    try:
        series = measure(args.runs)
        new, from_dash_m, forbidden = module_report()
    except CommandFailed as exc:
        print(f"\nERROR: {exc}", file=sys.stderr)
        return 2

    med = {key: statistics.median(values) for key, values in series.items()}
    labels = {
        "bare": "python -c pass (baseline)",
        "dash_m": "python -m <empty module>",
        "export": f"export ({FLOWS} flows), cache warm",
        "cold": f"export ({FLOWS} flows), cache off",
        "sfnx": "sfnx compile (1 flow)",
    }
    print()
    print(f"{'':40}{'median':>11}  {'min':>11}  {'max':>11}  {'x baseline':>10}")
    for key, label in labels.items():
        print(f"{label:40}{fmt_ms(med[key])}  {fmt_ms(min(series[key]))}  {fmt_ms(max(series[key]))}  {med[key] / med['bare']:9.2f}x")

    ratio = med["export"] / med["bare"]
    cold_ratio = med["cold"] / med["bare"]
    print(f"\nexport, every check, cache warm / baseline = {ratio:.2f}x (target <= {TARGET_RATIO:.0f}x): {'PASS' if ratio <= TARGET_RATIO else 'FAIL'}")
    print(f"export, every check, cache off / baseline = {cold_ratio:.2f}x (the cache saves {(med['cold'] - med['export']) * 1000:.1f} ms a run)")
    per_flow = med["export"] / FLOWS
    speedup = med["sfnx"] / per_flow
    verdict = "PASS" if speedup >= TARGET_VS_SFNX else "FAIL"
    print(f"per flow: export {per_flow * 1000:.1f} ms vs sfnx compile {med['sfnx'] * 1000:.1f} ms = {speedup:.1f}x faster (target >= {TARGET_VS_SFNX:.0f}x): {verdict}")

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
