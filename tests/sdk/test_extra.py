"""The optional ``sdk`` extra, seen from the main environment.

Its behaviour is tested in its own virtualenv (tests_sdk/, run by
scripts/test in .venv-sdk); here: without the extra, importing
``ndr_workflows.sdk`` says how to install it, and the pins CI tests with
agree with the ones users install.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _extra(name: str) -> dict[str, str]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    lines = [s.strip() for s in cfg["options.extras_require"][name].splitlines()]
    return {line.split("==")[0].split("[")[0]: line for line in lines if line and not line.startswith("#")}


def _constraints() -> dict[str, str]:
    lines = (ROOT / "tests_sdk" / "constraints.txt").read_text().splitlines()
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


def test_without_the_extra_the_import_error_says_how_to_install() -> None:
    # Simulate an environment without stepfunctions, whatever this one has.
    code = "import sys; sys.modules['stepfunctions'] = None\nimport ndr_workflows.sdk"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: ndr_workflows.sdk needs the optional 'sdk' extra")
    assert "pip install 'ndr-workflows[sdk]'" in last


def test_ci_tests_the_pins_users_install() -> None:
    sdk = _extra("sdk")
    constraints = _constraints()
    assert sdk["stepfunctions"] == "stepfunctions==2.3.0"
    assert sdk["sagemaker"] == f"sagemaker=={constraints['sagemaker']}"
    assert constraints["sagemaker"].startswith("2.")
    setuptools_major = int(constraints["setuptools"].split(".")[0])
    assert 70 <= setuptools_major < 82, "stepfunctions imports pkg_resources, removed in setuptools 82"
    assert _extra("sdk-test")["moto"] == f"moto=={constraints['moto']}"


def test_the_sdk_tests_run_in_their_own_venv_and_not_here() -> None:
    script = (ROOT / "scripts" / "test").read_text()
    assert "'.[sdk,sdk-test]' -c tests_sdk/constraints.txt" in script
    assert '"$SDK_PY" -m pytest tests_sdk' in script
    # The main run collects tests/ only (tests_sdk would fail to import without the extra).
    assert 'testpaths = ["tests"]' in (ROOT / "pyproject.toml").read_text()
