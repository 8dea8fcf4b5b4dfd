#!/usr/bin/env python3
"""Remove outputs, execution counts and run metadata from notebooks before committing.

    .venv/bin/python scripts/strip_notebooks.py [NOTEBOOK ...]   (default: notebooks/*.ipynb)

Committed notebooks carry no outputs, so they diff cleanly and never hold
ARNs or account data from a run; tests/notebook/test_notebook.py checks it. Exit 0,
or 2 when a file cannot be read as a notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path


def strip(path: Path) -> bool:
    """Strip ``path`` in place; True when it changed."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    changed = False
    for cell in notebook.cells:
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            cell.outputs, cell.execution_count = [], None
            changed = True
        if cell.metadata.pop("execution", None) is not None:  # nbclient's timings
            changed = True
    # The kernel's Python version and the like change with whoever ran it last.
    language = notebook.metadata.get("language_info", {})
    if set(language) - {"name"}:
        notebook.metadata["language_info"] = {"name": language.get("name", "python")}
        changed = True
    for key in ("widgets",):
        if notebook.metadata.pop(key, None) is not None:
            changed = True
    if changed:
        nbformat.write(notebook, path)
    return changed


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[1]
    paths = [Path(a) for a in argv] or sorted((root / "notebooks").glob("*.ipynb"))
    for path in paths:
        try:
            changed = strip(path)
        except (OSError, ValueError) as exc:
            print(f"{path}: cannot read the notebook: {exc}", file=sys.stderr)
            return 2
        print(f"{path}: {'stripped' if changed else 'clean'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
