#!/usr/bin/env python3
"""How building a long composition scales: ``a >> b >> c ...`` of N Pass
states, composed and laid out (``Fragment.states``), then rendered without
checks (``StateMachine.to_dict(check=False)``), for 5,000 and 10,000 states.

Linear means the 10k/5k ratio stays near 2 (the target is at most 2.2).
Each figure is the median of ``--repeat`` runs in this process (the
garbage collector run before each), with the fastest and slowest run; the
ratio is of the medians.
The figures before the composition became linear (tuple copies per ``>>``)
are printed beside them by building the same chain the old way: re-wiring
and copying every state on each ``>>``.

    python scripts/bench_build.py [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time

from ndr_workflows import Pass, StateMachine
from ndr_workflows.model import Fragment

TARGET = 2.2


def compose(n: int) -> Fragment:
    fragment = Fragment.of(Pass("S0"))
    for i in range(1, n):
        fragment = fragment >> Pass(f"S{i}")
    return fragment


def quadratic(n: int) -> tuple:
    """The old way: every >> rescans and copies the whole chain."""
    states: tuple = (Pass("S0"),)
    for i in range(1, n):
        nxt = Pass(f"S{i}")
        states = tuple(s.wire(nxt.name) if s.open_exit() else s for s in states) + (nxt,)
    return states


def timings(fn, n: int, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn(n)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each row and size; the median is reported (default 5)")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be >= 1")
    rows = [
        ("compose + lay out", lambda n: compose(n).states),
        ("compose + render (no checks)", lambda n: StateMachine(compose(n)).to_dict(check=False)),
        ("old way: rescan per >> (baseline)", quadratic),
    ]
    print(f"median of {args.repeat} runs (min-max), seconds; target: 10k/5k <= {TARGET}")
    print(f"{'what':36} {'5k':>21} {'10k':>21} {'10k/5k':>7}")
    for label, fn in rows:
        five, ten = timings(fn, 5_000, args.repeat), timings(fn, 10_000, args.repeat)
        ratio = statistics.median(ten) / statistics.median(five)
        print(f"{label:36} {cell(five):>21} {cell(ten):>21} {ratio:7.2f}")


def cell(times: list[float]) -> str:
    return f"{statistics.median(times):.3f} ({min(times):.3f}-{max(times):.3f})"


if __name__ == "__main__":
    main()
