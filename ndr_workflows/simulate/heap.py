"""Keeping Python's cyclic garbage collector off what cannot be garbage.

A definition of thousands of states is hundreds of thousands of objects
(the parsed JSON, the compiled states), and the collector walks all of
them at each full collection, which a compile or an execution allocates
enough to trigger many times: at 5,000 states that was more than half of
an execution's time, and it grew faster than the definition
(``scripts/bench_scale.py`` measures it). So:

* compiling a definition runs with the collector paused (:func:`paused`):
  it only builds objects that live as long as the definition, and runs no
  code of the caller's;
* an execution runs with the objects that existed before it frozen
  (:func:`older_objects_frozen`: ``gc.freeze()`` leaves them out of
  collections without keeping them alive) and unfrozen after it, so the
  collector walks what the execution allocates, garbage cycles of handlers
  included.

Neither is done when the collector is off or when the process froze
objects itself (``gc.get_freeze_count()``): those are the caller's choices.
An execution started while another one holds the freeze (a handler that
runs a simulation, another thread) runs inside it and leaves it alone.

Measured: at 5,000 states one execution of the mixed machine of
``bench_scale.py`` triggered one full collection of 18 ms in a 52 ms run,
at 10,000 states one of 38 ms in 113 ms; frozen, the runs took 31 and
70 ms.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused", "older_objects_frozen"]


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block (when it was on)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


_frozen = [0]  # executions running inside our freeze (nested runs, threads): they leave it alone


@contextmanager
def older_objects_frozen() -> Iterator[None]:
    """The objects alive now left out of collections during the block."""
    if _frozen[0] or not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    _frozen[0] += 1
    try:
        yield
    finally:
        _frozen[0] -= 1
        gc.unfreeze()
