"""Run the third-party ASL validators ("judges") over state machine definitions.

Two independent judges, so that our own validator is never the only one
that has looked at a definition:

* ``asl-validator`` (npm, pinned in package.json, installed by ``npm ci``):
  JSON-schema checks of every state plus transition checks, and it compiles
  every ``{% ... %}`` expression with the reference JSONata engine.  It runs
  as ONE node process for any number of files, because node start-up
  dominates its cost.
* ``statelint`` (PyPI): structural checks (dangling ``Next``, unreachable or
  missing terminal states, fields not allowed in a state, ...).  It runs
  in-process through ``statelint.linter.Linter.validate`` with
  ``Config(evaluate_jsonata=True)`` -- the equivalent of ``--eval-jsonata``.

A missing tool is an error, never a skip: the suite must not pass by
checking nothing.

Quirks worth knowing (asl-validator 4.0.0, statelint 3.1.0):

* asl-validator prints verdicts for valid files on stdout and for invalid
  files (with the error list) on stderr; a "Validator exception" has no file
  name.  Files are judged in argument order, so we merge both streams and
  attribute each block to the next path.  Exit codes: 0 all valid,
  1 some invalid, 2 a program error (e.g. an unparsable JSON file aborts the
  whole run).
* statelint parses (not only evaluates) JSONata only in fields it checks for
  a type (``Seconds``, ``TimeoutSeconds``, ``MaxConcurrency``, ...), using
  the literal values of ``Assign`` as variables.  An expression it cannot
  evaluate statically (e.g. ``"{% $states.input.n %}"``) is reported as
  "... is "{% ... %}" but should be an Integer" although AWS accepts it; see
  ``allow_unevaluated_jsonata``.  A JSONata *syntax* error in such a field
  makes statelint raise; we report that as a failure.  statelint silently
  accepts a definition whose top level is not an object; we do not.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping

__all__ = [
    "JudgeResult",
    "asl_validator",
    "asl_validator_bin",
    "judge_definitions",
    "statelint",
]

REPO_ROOT = Path(__file__).resolve().parents[2]

_ASL_HEADER = re.compile(
    r'^(?P<mark>[\u2713\u2715]) State machine definition "(?P<name>.*)" '
    r"is (?P<verdict>valid|invalid:)$"
)
_ASL_EXCEPTION = "Validator exception:"

# statelint's message when a JSONata value could not be evaluated at lint
# time and the raw "{% ... %}" string was type-checked instead.
_UNEVALUATED_JSONATA = re.compile(r' is "\{% .* %\}" but should be ')


@dataclass(frozen=True)
class JudgeResult:
    """What one judge said about a batch of files.

    ``verdicts`` maps each path to ``None`` when that file passed, or to the
    judge's message for it.  ``ok`` is true only when the judge itself ran
    cleanly and every file passed.
    """

    judge: str
    ok: bool
    output: str
    verdicts: dict[Path, str | None] = field(default_factory=dict)

    @property
    def failures(self) -> dict[Path, str]:
        return {p: m for p, m in self.verdicts.items() if m is not None}

    def __str__(self) -> str:
        if self.ok:
            return f"{self.judge}: all {len(self.verdicts)} file(s) valid"
        lines = [f"{self.judge}: FAILED"]
        for path, message in self.failures.items():
            lines.append(f"  {path}:\n    " + message.replace("\n", "\n    "))
        if not self.failures:
            lines.append(self.output)
        return "\n".join(lines)


# --------------------------------------------------------------------------
# asl-validator
# --------------------------------------------------------------------------


def asl_validator_bin() -> Path:
    """The repo-local asl-validator executable; RuntimeError if absent."""
    binary = REPO_ROOT / "node_modules" / ".bin" / "asl-validator"
    if not binary.exists():
        raise RuntimeError(
            f"asl-validator is not installed ({binary} missing). "
            f"Run `npm ci` in {REPO_ROOT} (scripts/test does it for you)."
        )
    if shutil.which("node") is None:
        raise RuntimeError(
            "asl-validator needs Node.js but `node` is not on PATH; install "
            "Node.js >= 18, then run `npm ci`."
        )
    return binary


def asl_validator(paths: Iterable[Path | str]) -> JudgeResult:
    """Validate many definition files in ONE asl-validator process."""
    paths = [Path(p).resolve() for p in paths]
    if not paths:
        raise ValueError("asl_validator() needs at least one path")
    cmd: list[str] = [str(asl_validator_bin())]
    for path in paths:
        cmd += ["--json-path", str(path)]
    # One pipe for both streams: node writes pipes synchronously on Linux,
    # so the order of verdicts is kept.
    proc = subprocess.run(
        cmd,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        check=False,
    )
    output = proc.stdout
    verdicts = _parse_asl_output(output, paths, proc.returncode)
    # Exit 2 is a program error that may have stopped the run midway.
    ok = proc.returncode == 0 and all(v is None for v in verdicts.values())
    return JudgeResult("asl-validator", ok, output, verdicts)


def _parse_asl_output(
    output: str, paths: list[Path], returncode: int
) -> dict[Path, str | None]:
    """Attribute asl-validator's output blocks to ``paths`` in order."""
    blocks: list[tuple[str | None, bool, list[str]]] = []  # (name, valid, lines)
    for line in output.splitlines():
        header = _ASL_HEADER.match(line)
        if header:
            blocks.append(
                (header["name"], header["verdict"] == "valid", [])
            )
        elif line.startswith(_ASL_EXCEPTION):
            blocks.append((None, False, [line]))
        elif blocks:
            blocks[-1][2].append(line)
    verdicts: dict[Path, str | None] = {}
    for index, path in enumerate(paths):
        if index >= len(blocks):
            tail = "\n".join(output.splitlines()[-5:])
            verdicts[path] = (
                f"no verdict from asl-validator (exit {returncode}); "
                f"last output:\n{tail}"
            )
            continue
        name, valid, lines = blocks[index]
        if name is not None and name != str(path):
            verdicts[path] = (
                f"asl-validator output out of step: expected {path}, got {name}"
            )
        elif valid:
            verdicts[path] = None
        else:
            verdicts[path] = "\n".join(l.strip() for l in lines if l.strip()) or (
                "invalid (no details)"
            )
    return verdicts


# --------------------------------------------------------------------------
# statelint
# --------------------------------------------------------------------------


def statelint(
    paths: Iterable[Path | str], *, allow_unevaluated_jsonata: bool = False
) -> JudgeResult:
    """Lint definition files in-process with statelint (JSONata evaluation on).

    ``allow_unevaluated_jsonata`` drops statelint's false positives on
    expressions it cannot evaluate at lint time (see the module docstring);
    off by default so that nothing is hidden unless a test asks for it.
    """
    try:
        from statelint.config import Config
        from statelint.linter import Linter
    except ImportError as exc:  # pragma: no cover - environment problem
        raise RuntimeError(
            "statelint is not installed; run `pip install -e '.[test]'` "
            "(scripts/test does it for you)."
        ) from exc
    try:
        import jsonata  # noqa: F401  (statelint's --eval-jsonata needs it)
    except ImportError as exc:  # pragma: no cover - environment problem
        raise RuntimeError(
            "jsonata-python is not installed; statelint cannot evaluate JSONata"
        ) from exc

    config = Config(evaluate_jsonata=True)
    verdicts: dict[Path, str | None] = {}
    report: list[str] = []
    for path in (Path(p).resolve() for p in paths):
        verdicts[path] = _statelint_one(path, Linter, config, allow_unevaluated_jsonata)
        if verdicts[path] is not None:
            report.append(f"{path}\n{verdicts[path]}")
    ok = all(v is None for v in verdicts.values())
    return JudgeResult("statelint", ok, "\n".join(report), verdicts)


def _statelint_one(path: Path, linter, config, allow_unevaluated: bool) -> str | None:
    try:
        definition = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"cannot read definition: {exc}"
    if not isinstance(definition, dict):
        return f"top level is {type(definition).__name__}, not an object"
    try:
        problems = linter.validate(definition, config)
    except Exception as exc:  # statelint raises on JSONata syntax errors
        return f"statelint raised {type(exc).__name__}: {exc}"
    if allow_unevaluated:
        problems = [p for p in problems if not _UNEVALUATED_JSONATA.search(p)]
    return "\n".join(problems) if problems else None


# --------------------------------------------------------------------------
# both, in one batch
# --------------------------------------------------------------------------


def judge_definitions(
    definitions: Mapping[str, dict], tmp_path: Path, *, allow_unevaluated_jsonata: bool = False
) -> dict[str, str]:
    """Write each definition to ``tmp_path`` and run both judges on all of them.

    Returns the failures only, ``{name: message}``; an empty dict means every
    definition passed both judges.  One asl-validator process for the batch.
    """
    if not definitions:
        raise ValueError("judge_definitions() needs at least one definition")
    tmp_path.mkdir(parents=True, exist_ok=True)
    files: dict[Path, str] = {}
    for index, (name, definition) in enumerate(definitions.items()):
        stem = re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "definition"
        path = (tmp_path / f"{index:03d}_{stem}.json").resolve()
        path.write_text(json.dumps(definition, indent=2) + "\n", encoding="utf-8")
        files[path] = name

    failures: dict[str, list[str]] = {}
    results = (
        asl_validator(files),
        statelint(files, allow_unevaluated_jsonata=allow_unevaluated_jsonata),
    )
    for result in results:
        for path, message in result.failures.items():
            failures.setdefault(files[path], []).append(f"{result.judge}: {message}")
        if not result.ok and not result.failures:
            for name in files.values():
                failures.setdefault(name, []).append(
                    f"{result.judge} failed without a verdict:\n{result.output}"
                )
    return {name: "\n".join(messages) for name, messages in failures.items()}
