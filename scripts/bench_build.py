#!/usr/bin/env python3
"""How building a long composition scales: ``a >> b >> c ...`` of N Pass
states, composed and laid out (``Fragment.states``), then rendered without
checks (``StateMachine.to_dict(check=False)``), for 5,000 and 10,000 states.

Linear means the 10k/5k ratio stays near 2 (the target is at most 2.2).
The figures before the composition became linear (tuple copies per ``>>``)
are printed beside them by building the same chain the old way: re-wiring
and copying every state on each ``>>``.

    python scripts/bench_build.py [--repeat N]
"""

from __future__ import annotations

import argparse
import gc
import time

from ndr_workflows import Pass, StateMachine
from ndr_workflows.model import Fragment


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


def best(fn, n: int, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn(n)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = [
        ("compose + lay out", lambda n: compose(n).states),
        ("compose + render (no checks)", lambda n: StateMachine(compose(n)).to_dict(check=False)),
        ("old way: rescan per >> (baseline)", quadratic),
    ]
    print(f"{'what':38} {'5k s':>8} {'10k s':>8} {'10k/5k':>7}")
    for label, fn in rows:
        five, ten = best(fn, 5_000, args.repeat), best(fn, 10_000, args.repeat)
        print(f"{label:38} {five:8.3f} {ten:8.3f} {ten / five:7.2f}")


if __name__ == "__main__":
    main()
