"""Test configuration shared by the suite.

In CI (``CI`` set, as ``.ci/run`` runs) hypothesis is derandomized: every
run explores the same examples, so a submission's result does not depend on
luck. Locally it explores new examples each run (and remembers failures in
.hypothesis/). ``HYPOTHESIS_PROFILE`` picks a profile explicitly.

The suite's processes (and the subprocesses they start) keep the distilled
service-model cache in a directory of their own: a test that changes or
removes it must not touch the user's ~/.cache/ndr_workflows, which every
export reads at start-up.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from typing import Any

import pytest
from hypothesis import settings

if "NDR_WORKFLOWS_CACHE_DIR" not in os.environ:
    _cache = tempfile.mkdtemp(prefix="ndr-workflows-test-cache-")
    os.environ["NDR_WORKFLOWS_CACHE_DIR"] = _cache
    atexit.register(shutil.rmtree, _cache, True)

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


# -- the fault-injection count, added up over the worker processes -------------

_SUMMARY = "ndr_fault_summary"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker hands its counts to the controller (pytest-xdist)."""
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:
        import fault_summary

        workeroutput[_SUMMARY] = fault_summary.dump()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    """The controller adds up what each worker counted."""
    text = getattr(node, "workeroutput", {}).get(_SUMMARY)
    if text:
        import fault_summary

        fault_summary.merge(text)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    import fault_summary
    from scenarios.mock_config import FLOWS

    found = fault_summary.lines(list(FLOWS))
    if found:
        terminalreporter.write_sep("-", "fault injection (tests/simulate/test_faults.py)")
        for line in found:
            terminalreporter.write_line(line)
