"""The package type-checks: mypy reports no error (configured in pyproject.toml).

The model's records set their fields through ``Record._set``; only the
class-level annotations tell a type checker (and an editor) what they are,
so a field added to ``__slots__`` without one, or a builder passing the
wrong type, fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_mypy_reports_no_errors() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "ndr_workflows", "--ignore-missing-imports"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"mypy exited {result.returncode}:\n{result.stdout}{result.stderr}"
