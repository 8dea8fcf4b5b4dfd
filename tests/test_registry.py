"""Flows register themselves: a flow module and one line in
``ndr_workflows.flows.MODULES`` are all it takes for the export, validate,
deploy, the diagrams and the tests to pick a flow up (docs/adding_a_flow.md).

The sixth flow, the example module of docs/adding_a_flow.md read from the
page, is added to a copy of the package in a temporary directory,
which ``PYTHONPATH`` puts before the installed one; every command then runs
in a fresh process, as a user would run it.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import re
from pathlib import Path

import pytest

from ndr_workflows.flows import FLOW_NAMES, MODULES, RegistryError

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "adding_a_flow.md"


def the_docs_example() -> tuple[str, str, dict[str, str]]:
    """(module name, module text, substitutions to add) as docs/adding_a_flow.md
    gives them: the example is what these tests add, so the page cannot drift."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## 1. The module", 1)[1].split("\n## ", 1)[0]
    (module_name,) = set(re.findall(r"the module `(\w+)\.py`", section))
    (module,) = re.findall(r"^```python\n(.*?)^```", section, flags=re.S | re.M)
    placeholders = text.split("## 4. ", 1)[1].split("\n## ", 1)[0]
    environment = placeholders.split("`notebooks/dev_environment.json`", 1)[1].split("\n* ", 1)[0]
    return module_name, module, dict(re.findall(r'`"(\w+)": "([^"]+)",`', environment))


MODULE_NAME, SIXTH_MODULE, NEW_SUBSTITUTIONS = the_docs_example()
(SIXTH,) = re.findall(r'^NAME = "(\w+)"$', SIXTH_MODULE, flags=re.M)
# The flows without the example (someone who followed the page has it registered already).
BEFORE = tuple(name for name in FLOW_NAMES if name != SIXTH)


def test_the_docs_example_is_found_whole() -> None:
    assert SIXTH_MODULE.startswith('"""') and "def build(" in SIXTH_MODULE and "COMMENT = " in SIXTH_MODULE
    assert NEW_SUBSTITUTIONS and all("${" + key + "}" in SIXTH_MODULE for key in NEW_SUBSTITUTIONS)


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the package with the example module and its one line, last."""
    root = tmp_path_factory.mktemp("sixth")
    shutil.copytree(REPO / "ndr_workflows", root / "ndr_workflows", ignore=shutil.ignore_patterns("__pycache__"))
    flows = root / "ndr_workflows" / "flows"
    (flows / f"{MODULE_NAME}.py").write_text(SIXTH_MODULE, encoding="utf-8")
    registry = flows / "__init__.py"
    text = registry.read_text(encoding="utf-8")
    text = text.replace(f'    "{MODULE_NAME}",\n', "")
    last = f'    "{[m for m in MODULES if m != MODULE_NAME][-1]}",\n'
    assert text.count(last) == 1
    registry.write_text(text.replace(last, last + f'    "{MODULE_NAME}",\n'), encoding="utf-8")
    return root


def run(copy: Path, *args: str, cwd: Path | None = None, **extra: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    environment.update(PYTHONPATH=str(copy), AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1", **extra)
    return subprocess.run([sys.executable, *args], cwd=cwd or copy, env=environment, capture_output=True, text=True, timeout=300)


def test_the_copy_is_the_package_the_commands_run(copy: Path) -> None:
    done = run(copy, "-c", "import ndr_workflows.flows as f; print(f.__file__); print(' '.join(f.FLOW_NAMES))")
    assert done.returncode == 0, done.stderr
    where, names = done.stdout.splitlines()
    assert where == str(copy / "ndr_workflows" / "flows" / "__init__.py")
    assert names.split() == [*BEFORE, SIXTH]  # the declared order, the new one last


def test_export_writes_the_sixth_flow_and_its_diagram(copy: Path, tmp_path: Path) -> None:
    done = run(copy, "-m", "ndr_workflows.export", "--out", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}{ext}" for n in (*BEFORE, SIXTH) for ext in (".json", ".md"))
    definition = json.loads((tmp_path / f"{SIXTH}.json").read_text())
    assert definition["StartAt"] == "NormalizeIncomingMessage" and definition["Comment"]
    starts = [name for name, state in definition["States"].items() if state.get("Resource", "").endswith(":startPipelineExecution")]
    diagram = (tmp_path / f"{SIXTH}.md").read_text()
    assert starts and diagram.startswith(f"# {SIXTH}\n") and f"n_{starts[0]}" in diagram and "```mermaid" in diagram
    # one flow by name, too
    done = run(copy, "-m", "ndr_workflows.export", "--out", str(tmp_path / "one"), "--flow", SIXTH, cwd=tmp_path)
    assert done.returncode == 0 and sorted(p.name for p in (tmp_path / "one").iterdir()) == [f"{SIXTH}.json", f"{SIXTH}.md"]


def test_validate_checks_the_sixth_flow_by_default_and_by_name(copy: Path) -> None:
    done = run(copy, "-m", "ndr_workflows.validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(BEFORE) + 1} definition(s) checked" in done.stderr
    done = run(copy, "-m", "ndr_workflows.validate", SIXTH, "--format", "json")
    assert (done.returncode, json.loads(done.stdout)) == (0, [])
    assert "1 definition(s) checked" in done.stderr


def test_deploy_dry_run_plans_the_sixth_flow(copy: Path) -> None:
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        # moto keeps its fake accounts per process: start from an empty one, whatever other tests deployed
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/moto-api/reset", method="POST"), timeout=10).read()
        # the example environment file with the new placeholders' values, as the page says to add them
        data = json.loads((REPO / "notebooks" / "dev_environment.json").read_text(encoding="utf-8"))
        data["substitutions"].update(NEW_SUBSTITUTIONS)
        env = str(copy / "dev_environment.json")
        Path(env).write_text(json.dumps(data), encoding="utf-8")
        done = run(copy, "-m", "ndr_workflows.deploy", "--env", env, "--dry-run", "--endpoint-url", f"http://127.0.0.1:{port}", "--format", "json")
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr
    planned = json.loads(done.stdout)
    assert [(row["flow"], row["action"]) for row in planned] == [(name, "would create") for name in (*BEFORE, SIXTH)]
    assert planned[-1]["machine"] == f"dev-{SIXTH}"


def test_the_tests_parametrized_over_the_flows_pick_it_up(copy: Path) -> None:
    tests = [str(REPO / "tests" / "diagram" / "test_diagram.py"), str(REPO / "tests" / "diagram" / "test_svg.py")]
    done = run(copy, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", SIXTH, "--rootdir", str(REPO), "-c", str(REPO / "pyproject.toml"), *tests)  # cwd: the copy, first on sys.path
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    passed = int(done.stdout.strip().splitlines()[-1].split()[0])
    assert passed >= 4  # each flow-parametrized test, with the sixth flow as the parameter


def test_a_listed_module_that_is_no_flow_is_one_clear_error(copy: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(copy / "ndr_workflows", broken / "ndr_workflows", ignore=shutil.ignore_patterns("__pycache__"))
    (broken / "ndr_workflows" / "flows" / f"{MODULE_NAME}.py").write_text("NAME = 'sfn_ndr_15m_features_inference'\n\ndef build(**options):\n    raise NotImplementedError\n")
    done = run(broken, "-m", "ndr_workflows.export", "--check")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"flow NAME 'sfn_ndr_15m_features_inference' is declared by two modules: features_inference_15m and {MODULE_NAME}" in done.stderr
    (broken / "ndr_workflows" / "flows" / f"{MODULE_NAME}.py").write_text("def build():\n    pass\n")
    done = run(broken, "-m", "ndr_workflows.validate")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{MODULE_NAME}.py: a flow module declares NAME = 'sfn_...'" in done.stderr
    assert issubclass(RegistryError, ImportError)


def test_every_flow_module_of_the_package_is_registered() -> None:
    """A flow module left out of MODULES would silently be no flow: not
    exported, validated or deployed. Every module of ndr_workflows/flows/
    but the shared helpers is listed."""
    import pkgutil

    import ndr_workflows.flows as flows

    helpers = {"common"}
    found = {m.name for m in pkgutil.iter_modules(flows.__path__)} - helpers
    assert found == set(flows.MODULES), f"flow modules not in flows.MODULES: {sorted(found - set(flows.MODULES))}"


def test_a_mistyped_flow_name_gets_the_same_hint_from_the_registry_and_from_the_programs() -> None:
    from ndr_workflows.cli.definitions import flow_definitions
    from ndr_workflows.flows import build_flow

    hint = "unknown flow 'sfn_ndr_training' (did you mean 'sfn_ndr_training_orchestrator'?); the flows are: " + ", ".join(FLOW_NAMES)
    with pytest.raises(KeyError) as from_registry:
        build_flow("sfn_ndr_training")
    assert from_registry.value.args[0] == hint
    with pytest.raises(ValueError) as from_programs:
        flow_definitions(["sfn_ndr_training"])
    assert str(from_programs.value) == hint
