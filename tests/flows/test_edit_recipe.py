"""The README's "Editing a flow" recipe, followed literally on a copy of the
repository: add the builder call it shows, put it in the chain, run
``scripts/refresh``; then the export is up to date and the tests that read
what refresh rewrites pass on the copy.

The copy holds the tracked files (and new, unignored ones, so uncommitted
work is what is tested); ``.venv`` and ``node_modules`` are linked, not
copied. Only the flow, scenario and notebook tests run there (about half a minute):
the whole suite on a copy would double the suite's time (docs/testing.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from contract_support import ROOT
from repository import repository_files

MODULE = Path("ndr_workflows/flows/features_inference_15m.py")
NAME = "sfn_ndr_15m_features_inference"
# What runs on the copy: everything that reads an expectation refresh rewrites.
# (The notebook test counts the happy path's steps in the drawing of the path taken.)
TESTS_ON_THE_COPY = ["tests/flows", "tests/simulate/test_agreement.py", "tests/simulate/test_flows.py", "tests/simulate/test_cli.py", "tests/notebook/test_notebook.py"]


def recipe() -> tuple[str, str, str]:
    """(the code to add, the chain before, the chain after), read from the README."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Editing a flow", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^( *)```python\n(.*?)^\1```", section, flags=re.S | re.M)
    (code,) = [textwrap.dedent(body) for _, body in blocks if textwrap.dedent(body).startswith("features_ready = ")]
    found = re.search(r"change `([^`]+)`\s+to `([^`]+)`", section)
    assert found, "README: 'Editing a flow' no longer says which chain to change"
    return code, found[1], found[2]


ANCHOR = "    locked = lock("


def undone(text: str) -> str:
    """The module without the recipe: as it is, or, when someone has
    followed the recipe already (as the README says to), with the recipe's
    code and chain taken out again, so the recipe can be followed once more."""
    code, before, after = recipe()
    inserted = textwrap.indent(code, "    ") + ANCHOR
    if text.count(before) == 1 and code not in text and text.count(ANCHOR) == 1:
        return text
    assert text.count(after) == 1 and text.count(inserted) == 1, (
        f"{MODULE} holds neither the chain the README's recipe changes nor the recipe done literally: "
        "update the example in README.md 'Editing a flow'"
    )
    return text.replace(inserted, ANCHOR).replace(after, before)


def done(text: str) -> str:
    code, before, after = recipe()
    return text.replace(ANCHOR, textwrap.indent(code, "    ") + ANCHOR).replace(before, after)


def copy_of_the_repository(target: Path) -> Path:
    for name in repository_files(ROOT):
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target / name)
    for tools in (".venv", "node_modules"):
        if (ROOT / tools).exists():
            (target / tools).symlink_to(ROOT / tools)
    return target


def run(copy: Path, *command: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(copy)}
    return subprocess.run(list(command), cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)


def test_the_readme_recipe_then_refresh_leaves_the_flow_tests_green(tmp_path: Path) -> None:
    code, before, after = recipe()
    assert "features_ready" not in before and after == before.replace("features >>", "features >> features_ready >>")
    copy = copy_of_the_repository(tmp_path / "repo")
    original_export = (ROOT / "docs" / "step_functions_jsonata" / f"{NAME}.json").read_bytes()

    module = copy / MODULE
    text = module.read_text(encoding="utf-8")
    if undone(text) != text:  # the recipe was followed already: start from before it, on the copy
        module.write_text(undone(text), encoding="utf-8")
        reverted = run(copy, str(copy / "scripts" / "refresh"))
        assert reverted.returncode == 0, reverted.stdout + reverted.stderr
    module.write_text(done(undone(text)), encoding="utf-8")

    refreshed = run(copy, str(copy / "scripts" / "refresh"))
    assert refreshed.returncode == 0, refreshed.stdout + refreshed.stderr
    report = refreshed.stdout
    assert f"docs/flows/{NAME}.md: states added: EmitFeaturesReadyEvent" in report
    assert f"tests/scenarios/{NAME}/expected.json: recorded outcome of" in report
    assert "now review" in report and "the notes of EmitFeaturesReadyEvent" in report
    assert "EmitFeaturesReadyEvent" in (copy / "docs" / "step_functions_jsonata" / f"{NAME}.json").read_text(encoding="utf-8")

    again = run(copy, str(copy / "scripts" / "refresh"))
    assert (again.returncode, again.stdout.splitlines()[0]) == (0, "nothing to refresh: the exports, the flow pages and the recorded scenarios match the code")
    check = run(copy, sys.executable, "-m", "ndr_workflows.export", "--check")
    assert check.returncode == 0, check.stderr

    tests = run(copy, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *TESTS_ON_THE_COPY, "--deselect", f"tests/flows/{Path(__file__).name}")
    assert tests.returncode == 0, tests.stdout[-4000:] + tests.stderr[-2000:]
    assert re.search(r"\d+ passed", tests.stdout) and "failed" not in tests.stdout.splitlines()[-1]
    # The repository itself was not touched.
    assert (ROOT / "docs" / "step_functions_jsonata" / f"{NAME}.json").read_bytes() == original_export


def test_the_readme_recipe_applies_to_the_module_as_it_is() -> None:
    """Fast, in the repository: the recipe's code compiles, and the module
    holds exactly one place to insert it and one chain to change (or the
    recipe, done literally, that can be taken out again)."""
    code, before, after = recipe()
    compile(code, "README.md", "exec")
    assert "publish_event(" in code and after == before.replace("features >>", "features >> features_ready >>")
    text = undone((ROOT / MODULE).read_text(encoding="utf-8"))
    assert text.count(before) == 1 and text.count(ANCHOR) == 1 and code not in text
    applied = done(text)
    assert applied.count(after) == 1 and undone(applied) == text
