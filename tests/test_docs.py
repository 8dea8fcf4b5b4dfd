"""The repository speaks for itself: no file sends a reader outside it,
every relative link of the README and docs/ leads somewhere, and the README
stays a front door that tells the truth about what it needs."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
from repository import repository_files

ROOT = Path(__file__).resolve().parents[1]

# Spelled in pieces so that this file does not match itself.
OUTSIDE_NAMES = ("FLOWS", "ASL" + "_NOTES", "DESIGN", "GROWN" + "_FLOWS")
OUTSIDE_FILE = re.compile(r"[\w./-]*\b(?:" + "|".join(OUTSIDE_NAMES) + r")\.md\b")
OUTSIDE_PATHS = (".." + "/shared", "/" + "work/")
# The two names are distinctive enough to count without their extension.
OUTSIDE_BARE = re.compile(r"\b(?:" + "|".join(OUTSIDE_NAMES[1::2]) + r")\b(?!\.md)")


def outside_references(text: str) -> list[str]:
    found = [path for path in OUTSIDE_PATHS if path in text]
    for match in OUTSIDE_FILE.finditer(text):
        token = match[0]
        if not (token.startswith("docs/") and ".." not in token):  # a page of this repository's docs/ is fine
            found.append(token)
    found += OUTSIDE_BARE.findall(text)
    return found


def test_no_file_points_outside_the_repository() -> None:
    offenders = {}
    for name in repository_files(ROOT):
        path = ROOT / name
        found = outside_references(path.read_bytes().decode("utf-8", errors="ignore"))
        if found:
            offenders[name] = sorted(set(found))
    assert not offenders, f"these files send readers outside the repository (say it in docs/ instead): {offenders}"


@pytest.mark.parametrize(
    "text, bad",
    [
        ("see " + "FLOWS" + ".md for the table", True),
        ("the facts in " + "ASL" + "_NOTES" + ".md", True),
        ("(" + "DESIGN" + ".md, contracts)", True),
        ("read .." + "/shared/anything", True),
        ("open /" + "work/x", True),
        ("shared/" + "GROWN" + "_FLOWS" + ".md", True),
        ("as " + "ASL" + "_NOTES" + " says", True),
        ("see docs/flows/README.md and docs/design.md", False),
        ("docs/" + "DESIGN" + ".md", False),
        ("MY_" + "FLOWS" + ".md", False),
    ],
)
def test_the_check_sees_outside_references_and_nothing_else(text: str, bad: bool) -> None:
    assert bool(outside_references(text)) is bad


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*]|\]\([^)]*\)|\[|\]", "", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return {slug(line.lstrip("#")) for line in text.splitlines() if re.match(r"#{1,6} ", line)}


DOC_FILES = [ROOT / "README.md", ROOT / "tests" / "scenarios" / "README.md"] + sorted(
    p for p in (ROOT / "docs").rglob("*.md") if "step_functions_jsonata" not in p.parts
)


@pytest.mark.parametrize("document", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_resolves(document: Path) -> None:
    text = re.sub(r"```.*?```", "", document.read_text(encoding="utf-8"), flags=re.S)
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (document.parent / file_part).resolve() if file_part else document
        if not linked.exists() or ROOT not in linked.parents and linked != ROOT:
            broken.append(target)
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(target)
    assert not broken, f"{document.relative_to(ROOT)}: links that lead nowhere: {broken}"


REPOSITORY_PATH = re.compile(r"(?<![\w/.-])((?:tests|scripts|ndr_workflows|notebooks)/[\w./-]*\.(?:py|json|ipynb|md))\b")


@pytest.mark.parametrize("document", DOC_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_repository_path_a_page_names_exists(document: Path) -> None:
    """A page that sends the reader to ``tests/simulate/test_agreement.py``
    (in a link or as plain text) names a file that is there: files move
    (tests are laid out like the code), pages must follow."""
    text = document.read_text(encoding="utf-8")
    missing = sorted({p for p in REPOSITORY_PATH.findall(text) if "*" not in p and "<" not in p and not (ROOT / p).exists()})
    assert not missing, f"{document.relative_to(ROOT)} names files that do not exist: {missing}"


def test_the_readme_is_a_front_door() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 250, f"README.md has {len(lines)} lines; move details into docs/"


def test_the_readme_says_the_python_versions_that_are_true() -> None:
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    required = config["options"]["python_requires"].strip()
    assert required.startswith(">=")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"Python ≥ {required[2:]}**" in readme, "README must say the Python version setup.cfg requires"
    # The test extra pins sfnx, which needs a newer Python than the package.
    assert "sfnx==3.1.0" in config["options.extras_require"]["test"] and "Python ≥ 3.11" in readme


def test_every_test_file_the_testing_guide_names_exists() -> None:
    # The guide's table is how a reader finds the tests of what they changed;
    # after the tests moved into tests/<part>/ it named two dozen files that
    # were no longer there.
    text = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:[\w<>]+/)*(?:test_[\w<>]+|[\w]+_support|flow_harness)\.py)`", text))
    assert named, "the guide names no test file"
    missing = [name for name in sorted(named) if not list((ROOT / "tests").glob(name.removeprefix("tests/").replace("<flow>", "*")))]
    assert not missing, f"docs/testing.md names test files that do not exist: {missing}"
