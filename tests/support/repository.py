"""The files of this repository, as a test sees them: tracked ones and new
ones git does not ignore (so uncommitted work counts), or, in a copy without
git, every file outside the tool directories (virtualenvs, node_modules,
caches), which are pruned, never walked."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

TOOL_DIRS = {".git", ".venv", ".venv-sdk", "node_modules", "__pycache__", ".hypothesis", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def repository_files(root: Path) -> list[str]:
    """Paths relative to ``root``, sorted."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=root, capture_output=True, check=True, timeout=60
        ).stdout.decode().split("\0")
        return sorted(f for f in listed if f and (root / f).is_file())
    except (OSError, subprocess.CalledProcessError):  # a copy without git
        found = []
        for directory, subdirectories, files in os.walk(root):
            subdirectories[:] = [d for d in subdirectories if d not in TOOL_DIRS and not d.endswith(".egg-info")]
            found += [os.path.relpath(os.path.join(directory, f), root) for f in files]
        return sorted(found)
