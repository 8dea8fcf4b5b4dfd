"""The committed exports, and every flow's polling form, pass the two
third-party judges: asl-validator (compiles every JSONata expression with
the reference engine) and statelint (structure, JSONata evaluation on).

A missing judge is a failure, not a skip: the suite must not pass by
checking nothing.
"""

from __future__ import annotations

import json
import shutil

import pytest

from judges import REPO_ROOT, asl_validator_bin, judge_definitions
from ndr_workflows.flows import FLOW_NAMES, build_flow
from ndr_workflows.steps import Polling

pytestmark = pytest.mark.judges

EXPORTS = REPO_ROOT / "docs" / "step_functions_jsonata"


def test_the_judges_are_installed() -> None:
    binary = asl_validator_bin()  # raises when the npm install is missing
    assert binary == REPO_ROOT / "node_modules" / ".bin" / "asl-validator"
    assert binary.exists()
    assert shutil.which("node") is not None
    import jsonata  # noqa: F401  statelint's JSONata evaluation needs it
    from statelint.linter import Linter  # noqa: F401


POLLING = " (polling form)"


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Both judges over every export and every polling form, in ONE
    batch (one asl-validator process): {name: failure text}."""
    definitions: dict[str, dict] = {}
    for name in FLOW_NAMES:
        definitions[name] = json.loads((EXPORTS / f"{name}.json").read_text(encoding="utf-8"))
    for name in FLOW_NAMES:
        definitions[name + POLLING] = build_flow(name, completion=Polling()).to_dict()
    assert len(definitions) == 2 * len(FLOW_NAMES)
    directory = tmp_path_factory.mktemp("judged")
    failures = judge_definitions(definitions, directory)
    # Every definition really went to the judges.
    assert len(list(directory.glob("*.json"))) == 2 * len(FLOW_NAMES)
    assert set(failures) <= set(definitions)
    return failures


def report(failures: dict[str, str]) -> str:
    return "\n\n".join(f"{name}:\n{text}" for name, text in failures.items())


def test_committed_exports_pass_both_judges(verdicts: dict[str, str]) -> None:
    failures = {name: text for name, text in verdicts.items() if name in FLOW_NAMES}
    assert failures == {}, report(failures)


def test_polling_forms_pass_both_judges(verdicts: dict[str, str]) -> None:
    failures = {name: text for name, text in verdicts.items() if name.endswith(POLLING)}
    assert failures == {}, report(failures)
