"""The fault-injection count printed at the end of a run
(tests/simulate/test_faults.py records, tests/conftest.py prints).

The suite runs in several worker processes (pytest-xdist): each worker
counts the schedules it tried; conftest.py hands each worker's counts to
the controller (``workeroutput``), which adds them up and prints one
summary, as a run in one process does.
"""

from __future__ import annotations

import json
from collections import Counter

# (flow, the state the run ended in) -> schedules tried
TRIED: Counter[tuple[str, str]] = Counter()
# a known gap, in words -> schedules that fell into it
LEFT_TO_TTL: Counter[str] = Counter()


def dump() -> str:
    """This process's counts as JSON text (for the controller)."""
    return json.dumps({"tried": [[flow, last, n] for (flow, last), n in TRIED.items()], "left_to_ttl": dict(LEFT_TO_TTL)})


def merge(text: str) -> None:
    """Add a worker's counts (:func:`dump`'s text) to this process's."""
    data = json.loads(text)
    for flow, last, n in data["tried"]:
        TRIED[(flow, last)] += n
    LEFT_TO_TTL.update(data["left_to_ttl"])


def lines(flows: list[str]) -> list[str]:
    """The summary's lines (none when no schedule ran), flows in order."""
    if not TRIED:
        return []
    out = [f"{sum(TRIED.values())} failure schedules tried; each run ended in a named Fail state, a Succeed state or the flow's End state"]
    for flow in flows + sorted({f for f, _ in TRIED} - set(flows)):
        outcomes = {last: n for (f, last), n in sorted(TRIED.items()) if f == flow}
        if outcomes:
            shown = ", ".join(f"{last} {n}" for last, n in outcomes.items())
            out.append(f"  {flow}: {sum(outcomes.values())} ({shown})")
    out += [f"  {n} schedules: {gap}" for gap, n in LEFT_TO_TTL.items()]
    return out
