"""Imports go down only, and no module of the package imports itself back.

The layers are import-linter's contract in setup.cfg (``lint-imports``,
which scripts/test runs too); the cycle check is here, on grimp's graph of
the package with the type-only (TYPE_CHECKING) imports included: a cycle
that exists only for the type checker still ties the modules together for
a reader. Each check is also shown a package that breaks it, so that it
cannot pass by checking nothing.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import grimp

REPO = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
FORBIDDEN = ("boto3", "botocore", "sagemaker", "stepfunctions")


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every import cycle of ``graph``: its strongly connected components of
    more than one module (Tarjan's algorithm, iterative), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            module, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph.find_modules_directly_imported_by(target)))))
                    break
                if target in on_stack:
                    low[module] = min(low[module], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def package_graph(name: str = "ndr_workflows") -> grimp.ImportGraph:
    return grimp.build_graph(name, exclude_type_checking_imports=False, cache_dir=None)


def test_no_module_of_the_package_is_in_an_import_cycle() -> None:
    assert cycles(package_graph()) == []


def test_the_cycle_check_finds_a_cycle_of_any_length() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d", "pkg.e"):
        graph.add_module(module)
    for importer, imported in (("pkg.a", "pkg.b"), ("pkg.b", "pkg.c"), ("pkg.c", "pkg.a"), ("pkg.d", "pkg.a"), ("pkg.d", "pkg.e"), ("pkg.e", "pkg.d")):
        graph.add_import(importer=importer, imported=imported)
    assert cycles(graph) == [["pkg.a", "pkg.b", "pkg.c"], ["pkg.d", "pkg.e"]]
    graph.remove_import(importer="pkg.c", imported="pkg.a")
    graph.remove_import(importer="pkg.e", imported="pkg.d")
    assert cycles(graph) == []


def test_a_cycle_closed_only_by_a_type_checking_import_is_found(tmp_path: Path, monkeypatch) -> None:
    package = tmp_path / "layered_example"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "low.py").write_text("TYPE_CHECKING = False\nif TYPE_CHECKING:\n    from .high import High\n")
    (package / "high.py").write_text("from .low import TYPE_CHECKING\n\nclass High:\n    pass\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert cycles(package_graph("layered_example")) == [["layered_example.high", "layered_example.low"]]


def layers() -> list[list[str]]:
    """The layers of setup.cfg's contract, top first, each a list of modules."""
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    lines = [line.strip() for line in config["importlinter:contract:layers"]["layers"].splitlines() if line.strip()]
    return [[part.strip().strip("()") for part in line.replace("|", ":").split(":")] for line in lines]


def test_every_part_of_the_package_is_in_a_layer() -> None:
    listed = {module for layer in layers() for module in layer}
    parts = package_graph().find_children("ndr_workflows")
    assert parts - listed == set(), "a new part of the package: put it in a layer in setup.cfg"
    assert layers()[-1] == ["ndr_workflows.asl"]


def lint_imports(cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} is missing: it comes with import-linter (the test extra)"
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, env={**os.environ, **env}, timeout=120)


def test_the_layers_contract_holds() -> None:
    result = lint_imports(REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_an_upward_import_breaks_the_layers_contract(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(REPO / "ndr_workflows", copy / "ndr_workflows", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "setup.cfg", copy / "setup.cfg")
    walker = copy / "ndr_workflows" / "asl" / "walk.py"
    walker.write_text(walker.read_text() + textwrap.dedent("""
        def _upward():
            from ..model import StateMachine  # the bottom layer reaching up

            return StateMachine
        """))
    result = lint_imports(copy, PYTHONPATH=str(copy))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "ndr_workflows.asl.walk -> ndr_workflows.model" in result.stdout


def loaded_by(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    script = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    return set(result.stdout.split())


def test_importing_the_package_loads_no_aws_sdk() -> None:
    loaded = loaded_by("import ndr_workflows\nfrom ndr_workflows import StateMachine, expr\nimport ndr_workflows.flows")
    assert {name.split(".")[0] for name in loaded} & set(FORBIDDEN) == set()
    assert "ndr_workflows.model" in loaded  # the names above were loaded on first use


def test_importing_one_part_loads_only_it_and_what_it_stands_on() -> None:
    ours = {name for name in loaded_by("import ndr_workflows.simulate") if name.startswith("ndr_workflows.")}
    assert {name.split(".")[1] for name in ours} == {"simulate", "asl"}
    ours = {name for name in loaded_by("import ndr_workflows.validate") if name.startswith("ndr_workflows.")}
    assert {name.split(".")[1] for name in ours} == {"validate", "asl"}
