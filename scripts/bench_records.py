#!/usr/bin/env python3
"""What the model's value classes would cost as ``dataclasses(frozen=True, slots=True)``.

    python scripts/bench_records.py [--runs N]

The state types, Retry, Catch, Rule, Fragment, StateMachine and the
builders' small records (LockTable, PollNames, Param, Check, ...) are built
on ``Record`` (model/record.py), a hand-written immutable slotted class.
This measures the alternative on the real classes. It copies the package
into a temporary directory twice and, in each copy, decorates every class
built on Record (found by importing the package: the subclasses of Record,
at any depth) with ``@dataclass(...)`` and drops its ``__slots__`` line;
nothing else changes, the exports stay the same bytes:

  dataclass      ``@dataclass(frozen=True, slots=True)``: the decorator as a
                 plain record would use it (it also generates ``__init__``
                 and ``__repr__``; a hand-written ``__init__`` is kept);
  dataclass, least  ``@dataclass(frozen=True, slots=True, init=False,
                 repr=False)``: the least a conversion can cost (the states
                 keep their hand-written ``__init__``, which takes the
                 JSONPath keywords, and their short ``repr``).

Then the three trees (Record and the two trials) are measured side by side,
fresh processes interleaved so that drifts in machine load hit all alike,
after one warm-up run of each, bytecode compiled first as for an installed
package:

  import          ``import ndr_workflows`` (it loads nothing: PEP 562)
  import model    ``import ndr_workflows.model, ndr_workflows.steps``
  import flows    the five flow modules (``FLOW_NAMES``), which define no record
  build 5 flows   each flow's ``build()`` and ``to_dict(check=False)``: the
                  first build in a fresh process, as the export does it
  10k chain       compose and lay out ``Pass >> Pass >> ...`` of 10,000 states
  export          ``python -m ndr_workflows.export --out DIR``, wall time

The first five are timed inside the child (``time.perf_counter``), the
export from outside. Medians, with the fastest and slowest run, are
printed beside Record's.
``--keep DIR`` leaves the trial copies in DIR, to run anything else on
them (``cd DIR/dataclass_least && python -X importtime -c "import
ndr_workflows.model"``).
"""

from __future__ import annotations

import argparse
import compileall
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "ndr_workflows"
TRIALS = {
    "dataclass": "frozen=True, slots=True",
    "dataclass, least": "frozen=True, slots=True, init=False, repr=False",
}

CHILD = """\
import time
t0 = time.perf_counter()
import ndr_workflows
t1 = time.perf_counter()
import ndr_workflows.model, ndr_workflows.steps
t2 = time.perf_counter()
from ndr_workflows.flows import FLOW_NAMES, build_flow
FLOW_NAMES[0]
t3 = time.perf_counter()
for name in FLOW_NAMES:
    build_flow(name).to_dict(check=False)
t4 = time.perf_counter()
from ndr_workflows.model import Fragment, Pass
chain = Fragment.of(Pass("S0"))
for i in range(1, 10_000):
    chain = chain >> Pass(f"S{i}")
chain.states
t5 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
"""
CHILD_ROWS = ("import", "import model", "import flows", "build 5 flows", "10k chain")


def record_classes() -> list[tuple[Path, str]]:
    """(source file, class name) of every class built on Record."""
    sys.path.insert(0, str(REPO_ROOT))
    import ndr_workflows.flows
    import ndr_workflows.model
    import ndr_workflows.steps  # noqa: F401 - imported for their classes
    from ndr_workflows.flows import FLOW_NAMES, build_flow
    from ndr_workflows.model.record import Record

    for name in FLOW_NAMES:  # the flows' own modules, should one define a record
        build_flow(name)
    found: list[tuple[Path, str]] = []
    todo = list(Record.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        module = sys.modules[cls.__module__]
        found.append((Path(module.__file__ or "").resolve(), cls.__name__))
    return sorted(set(found))


def decorate(tree: Path, classes: list[tuple[Path, str]], arguments: str) -> None:
    """Turn each class of ``classes`` in ``tree``'s copy of the package into a dataclass."""
    by_file: dict[Path, list[str]] = {}
    for file, name in classes:
        by_file.setdefault(tree / file.relative_to(REPO_ROOT), []).append(name)
    for file, names in by_file.items():
        text = file.read_text(encoding="utf-8")
        for name in names:
            header = re.compile(rf"^class {name}\(.*\):\n(?:(?:    .*)?\n)*?    __slots__ = .*\n", re.M)
            match = header.search(text)
            if match is None:
                raise SystemExit(f"{file}: class {name} with a __slots__ line not found")
            block = match.group(0)
            without_slots = block[: block.rindex("    __slots__")]
            text = text[: match.start()] + f"@_bench_dataclass({arguments})\n" + without_slots + text[match.end():]
        future = "from __future__ import annotations\n"
        text = text.replace(future, future + "from dataclasses import dataclass as _bench_dataclass\n", 1)
        file.write_text(text, encoding="utf-8")


def child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPATH")}


def run(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())
    if proc.returncode != 0:
        raise SystemExit(f"failed in {cwd}: {' '.join(cmd)}\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def measure_once(tree: Path, out: Path) -> dict[str, float]:
    times = dict(zip(CHILD_ROWS, (float(x) for x in run([sys.executable, "-c", CHILD], tree).split())))
    start = time.perf_counter()
    run([sys.executable, "-m", "ndr_workflows.export", "--out", str(out)], tree)
    times["export"] = time.perf_counter() - start
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="measured runs of each tree (default 15)")
    parser.add_argument("--keep", metavar="DIR", type=Path, help="make the trial copies in DIR (a new directory) and keep them, e.g. for python -X importtime")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    if args.keep is not None and args.keep.exists():
        parser.error(f"--keep {args.keep}: already exists")
    classes = record_classes()
    print(f"python: {sys.executable} ({sys.version.split()[0]})")
    print(f"{len(classes)} classes built on Record: {', '.join(name for _, name in classes)}")
    print(f"runs: {args.runs} of each tree, interleaved, after a warm-up run of each")
    with tempfile.TemporaryDirectory(prefix="bench_records_") as tmp:
        root = Path(tmp) if args.keep is None else args.keep.resolve()
        trees = {"Record": REPO_ROOT}
        for label, arguments in TRIALS.items():
            tree = root / label.replace(", ", "_")
            shutil.copytree(REPO_ROOT / PACKAGE, tree / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
            decorate(tree, classes, arguments)
            trees[label] = tree
        for tree in trees.values():
            compileall.compile_dir(str(tree / PACKAGE), quiet=1)
        series: dict[str, dict[str, list[float]]] = {label: {} for label in trees}
        for i in range(1 + args.runs):
            for label, tree in trees.items():
                for row, value in measure_once(tree, root / "out" / f"{label}{i}").items():
                    if i > 0:
                        series[label].setdefault(row, []).append(value)
        # The trials must export the same bytes (the conversion changes no output).
        reference = root / "out" / "Record0"
        for label in TRIALS:
            for file in sorted(reference.iterdir()):
                if (root / "out" / f"{label}0" / file.name).read_bytes() != file.read_bytes():
                    raise SystemExit(f"{label}: {file.name} differs from Record's export")
    rows = (*CHILD_ROWS, "export")
    print(f"\n{'median (min-max) ms':19}" + "".join(f"{label:>31}" for label in trees))
    for row in rows:
        base = statistics.median(series["Record"][row])
        cells = []
        for label in trees:
            values = series[label][row]
            med = statistics.median(values)
            delta = "" if label == "Record" else f" {(med - base) * 1000:+6.1f}"
            cells.append(f"{med * 1000:6.1f} ({min(values) * 1000:.1f}-{max(values) * 1000:.1f}){delta}")
        print(f"{row:19}" + "".join(f"{cell:>31}" for cell in cells))
    print("\n(a trial's third figure is its median minus Record's)")
    if args.keep is not None:
        print(f"the trial copies: {', '.join(str(tree) for label, tree in trees.items() if label != 'Record')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
