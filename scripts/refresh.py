"""After a flow changes, refresh every expectation derived from the code.

    scripts/refresh [--check]

1. the exports and their diagrams (``python -m ndr_workflows.export``);
2. the parameter and state tables of ``docs/flows/<NAME>.md`` (a page is
   created for a flow that has none); the notes and defaults people wrote
   are kept, rows of removed states dropped;
3. ``tests/scenarios/<NAME>/``: new Task states mocked with a success,
   mocks of removed states dropped, and every test case's recorded outcome
   (status, error, states) rewritten from a fresh simulation.

It prints what changed, file by file, and what a person must now review:
notes, scenario inputs and mocks for new states, the properties the tests
assert. When nothing differs it writes nothing. ``--check`` writes nothing
and exits 1 when something would change.

Exit codes: 0 refreshed (or nothing to do); 1 a flow cannot be built, a
scenario cannot run, or ``--check`` found something to refresh; 2 bad
arguments.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# This checkout's package, whichever virtualenv runs the script.
sys.path.insert(0, str(ROOT))

import contract_tables  # noqa: E402 - scripts/ is on the path as the script's directory
import refresh_scenarios  # noqa: E402

PAGES = ROOT / "docs" / "flows"
SCENARIOS = ROOT / "tests" / "scenarios"
FLOW_TESTS = ROOT / "tests" / "flows"


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def build_all() -> tuple[dict[str, dict], list[str]]:
    from ndr_workflows import BuildError
    from ndr_workflows.flows import FLOW_NAMES, build_flow
    from ndr_workflows.validate import has_errors, validated

    definitions, problems = {}, []
    for name in FLOW_NAMES:
        # every check the export runs (service models included)
        definition, findings = validated(build_flow(name))
        if has_errors(findings):
            problems.append(str(BuildError(findings, name)))
        else:
            definitions[name] = definition
    return definitions, problems


def export(check: bool) -> tuple[list[str], bool]:
    """Lines to print about the exports, and whether they were out of date."""
    command = [sys.executable, "-m", "ndr_workflows.export"] + (["--check"] if check else [])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    if check:
        stale = [line for line in done.stderr.splitlines() if line.startswith("docs/") and ": " in line]
        return [f"{line} (would be rewritten)" for line in stale], done.returncode != 0
    if done.returncode != 0:
        raise SystemExit(f"scripts/refresh: the export failed:\n{done.stdout}{done.stderr}")
    written = [line for line in done.stdout.splitlines() if line.endswith(": written")]
    return written, bool(written)


def names(items: list[str]) -> str:
    return ", ".join(items)


def flow_test_files(flow: str) -> list[Path]:
    """The flow's own test files: ``tests/flows/test_<x>_contract.py``
    saying ``NAME = "<flow>"``, and its siblings ``test_<x>_*.py``."""
    if not FLOW_TESTS.is_dir():
        return []
    found: list[Path] = []
    for contract in sorted(FLOW_TESTS.glob("test_*_contract.py")):
        if f'NAME = "{flow}"' in contract.read_text(encoding="utf-8"):
            prefix = contract.name.removesuffix("contract.py")
            found += sorted(FLOW_TESTS.glob(f"{prefix}*.py"))
    return found


def refresh_pages(definitions: dict[str, dict], out: dict[Path, str], report: list[str], review: list[str]) -> None:
    from ndr_workflows.flows import flow_module

    for flow, definition in definitions.items():
        page = PAGES / f"{flow}.md"
        if not page.exists():
            out[page] = contract_tables.new_page(flow, definition, rel(Path(flow_module(flow).__file__)))
            report.append(f"{rel(page)}: created")
            review.append(f"{rel(page)}: write what the flow is for, the parameters' defaults and every state's notes")
            if flow not in (PAGES / "README.md").read_text(encoding="utf-8"):
                review.append(f"docs/flows/README.md: add {flow} to the index (and any new placeholder to the placeholder table)")
            if not flow_test_files(flow):
                review.append(f"tests/flows/: write test_<x>_contract.py (NAME = \"{flow}\") and test_<x>_behaviour.py")
            continue
        old = page.read_text(encoding="utf-8")
        try:
            text, changes = contract_tables.refresh_page(old, definition)
        except contract_tables.CellError as exc:
            raise SystemExit(f"scripts/refresh: {rel(page)}: {exc}") from exc
        if text == old:
            continue
        out[page] = text
        parts = [f"{label} {names(items)}" for label, items in (
            ("states added:", changes.added), ("states removed:", changes.removed), ("type/call or then changed:", changes.changed),
            ("parameters added:", changes.params_added), ("parameters removed:", changes.params_removed)) if items]
        report.append(f"{rel(page)}: " + ("; ".join(parts) or "table layout rewritten"))
        if changes.added or changes.changed:
            review.append(f"{rel(page)}: the notes of {names(changes.added + changes.changed)} (what each state does and promises)")
        if changes.params_added:
            review.append(f"{rel(page)}: the default of {names(changes.params_added)} (write **required** if a run is rejected without it)")
        tests = flow_test_files(flow)
        if changes.added and not tests:
            review.append(f'tests/flows/: no test_<x>_contract.py says NAME = "{flow}"; add its contract and behaviour tests')
        for state in changes.added if tests else ():
            short = state.rsplit("/", 1)[-1]
            if not any(short in t.read_text(encoding="utf-8") for t in tests):
                review.append(f"{names([rel(t) for t in tests])}: nothing asserts what {short} does (its arguments, variables, events); add the properties it must keep")


def unregistered_pages(definitions: dict[str, dict], review: list[str]) -> None:
    for page in sorted(PAGES.glob("sfn_*.md")):
        if page.stem not in definitions:
            review.append(f"{rel(page)}: no flow of that NAME is registered any more; delete the page (and its scenarios) or register the flow")


def refresh_scenarios_of(definitions: dict[str, dict], out: dict[Path, str], report: list[str], review: list[str]) -> list[str]:
    problems = []
    for flow, definition in definitions.items():
        directory = SCENARIOS / flow
        if not (directory / "expected.json").exists():
            review.append(f"tests/scenarios/{flow}/: no scenarios for this flow (mocks.json, inputs/, expected.json)")
            continue
        contents, changes = refresh_scenarios.refresh_flow(directory, flow, definition)
        out.update(contents)
        problems += changes.problems
        mocks, expected = rel(directory / "mocks.json"), rel(directory / "expected.json")
        if changes.mocked:
            report.append(f"{mocks}: " + "; ".join(f"{s} answered with a success in {n} test case(s)" for s, n in changes.mocked.items()))
            review.append(f"{mocks}: {names(list(changes.mocked))} now answered with a success where a test case did not mock it; add test cases where it fails (in expected.json: a description and an input)")
        if changes.unmocked:
            report.append(f"{mocks}: mocks of removed states dropped: {names(changes.unmocked)}")
        if changes.outcomes:
            report.append(f"{expected}: recorded outcome of {len(changes.outcomes)} test case(s) rewritten: {names(changes.outcomes)}")
            review.append(f"{expected}: do the descriptions of {names(changes.outcomes)} still say what happens?")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/refresh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if anything would change")
    options = parser.parse_args(argv)

    definitions, problems = build_all()
    if problems:
        print("scripts/refresh: nothing refreshed; the flows have problems:", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        return 1
    report, review, out = [], [], {}
    refresh_pages(definitions, out, report, review)
    unregistered_pages(definitions, review)
    problems = refresh_scenarios_of(definitions, out, report, review)
    if problems:
        print("scripts/refresh: nothing refreshed; these scenarios cannot run:", file=sys.stderr)
        print("\n".join(problems), file=sys.stderr)
        return 1
    exported, stale = export(options.check)
    report[:0] = exported
    if out and not options.check:
        from ndr_workflows.asl.files import write_all

        write_all((str(path), text.encode("utf-8")) for path, text in sorted(out.items()))
    if report:
        print("would refresh:" if options.check else "refreshed:")
        print("\n".join(f"  {line}" for line in report))
    else:
        print("nothing to refresh: the exports, the flow pages and the recorded scenarios match the code")
    if review:
        print("now review (written by people; scripts/refresh does not decide them):")
        print("\n".join(f"  {line}" for line in review))
    if report and not options.check:
        print("then run the tests: scripts/test")
    return 1 if options.check and (stale or out) else 0


if __name__ == "__main__":
    sys.exit(main())
