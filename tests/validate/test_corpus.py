"""The corpus (tests/data/corpus/): definitions written for this project,
JSONata, JSONPath and mixed, valid and with each kind of defect, each with
the verdict it must get in ``index.json``: the exact error codes and the
exact warning codes (so a new false positive, or a lost finding, fails
here), what it shows, and asl-validator's verdict with the reason wherever
the two disagree.

The verdicts follow AWS's behaviour: an error is what AWS refuses at
creation or what fails every time it runs (docs/validate_rules.md).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from ndr_workflows.validate import validate
from ndr_workflows.validate.severity import COMPAT, SUSPICIOUS

CORPUS = Path(__file__).resolve().parents[1] / "data" / "corpus"
INDEX: dict[str, dict] = json.loads((CORPUS / "index.json").read_text(encoding="utf-8"))
LANGUAGES = ("jsonata", "jsonpath", "mixed")


def test_the_corpus_is_large_varied_and_indexed() -> None:
    files = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.json") if p.name != "index.json")
    assert files == sorted(INDEX), "every file has a verdict and every verdict a file"
    assert len(files) >= 150
    for language in LANGUAGES:
        entries = [e for f, e in INDEX.items() if f.startswith(language + "/")]
        assert sum(not e["errors"] for e in entries) >= 10, f"{language}: valid definitions"
        assert sum(bool(e["errors"]) for e in entries) >= 8, f"{language}: defective definitions"
    codes = {c for e in INDEX.values() for c in e["errors"] + e["warnings"]}
    # every kind of defect of issue 10, and every warning the validator gives
    assert {
        "DUPLICATE_KEY", "CONFLICTING_FIELDS", "WAIT_FIELDS", "BAD_PATH", "NO_TERMINAL_STATE", "BAD_INTRINSIC", "BAD_CONFIG", "BAD_TEMPLATE",
        "BAD_CHOICE_RULE", "BAD_COMPARISON", "QUERY_LANGUAGE_DOWNGRADE", "UNKNOWN_VARIABLE", "VARIABLE_UNASSIGNED", "UNKNOWN_FUNCTION",
    } <= codes
    assert set(COMPAT) | set(SUSPICIOUS) - {"ERROR_NAME_UNKNOWN", "ERROR_NAME_NOT_RAISED", "ERROR_NAME_UNKNOWN_STATES"} <= codes
    assert all(e["about"] for e in INDEX.values())


@pytest.mark.parametrize("name", sorted(INDEX))
def test_each_definition_gets_its_verdict(name: str) -> None:
    entry = INDEX[name]
    found = validate(CORPUS / name)
    errors = sorted({f.code for f in found if f.severity == "error"})
    warnings = sorted({f.code for f in found if f.severity == "warning"})
    assert (errors, warnings) == (entry["errors"], entry["warnings"]), "\n".join(str(f) for f in found)


def test_strict_compatibility_refuses_what_asl_validator_refuses_and_strict_all_warnings() -> None:
    for name, entry in INDEX.items():
        if not entry["warnings"]:
            continue
        compat = {f.code for f in validate(CORPUS / name, strict_compat=True) if f.severity == "error"}
        assert compat == set(entry["errors"]) | (set(entry["warnings"]) & set(COMPAT)), name
        strict = {f.code for f in validate(CORPUS / name, strict=True) if f.severity == "error"}
        assert strict == set(entry["errors"]) | set(entry["warnings"]), name


@pytest.mark.judges
def test_asl_validator_gives_the_recorded_verdicts_and_each_disagreement_has_its_reason(capsys: pytest.CaptureFixture[str]) -> None:
    from judges import asl_validator

    files = [CORPUS / name for name in sorted(INDEX)]
    result = asl_validator(files)
    counts: Counter[str] = Counter()
    for name, file in zip(sorted(INDEX), files):
        entry = INDEX[name]
        theirs = "valid" if result.verdicts[file.resolve()] is None else "invalid"
        assert theirs == entry["asl_validator"], f"{name}: asl-validator now says {theirs}: {result.verdicts[file.resolve()]}"
        ours = "invalid" if entry["errors"] else "valid"
        assert (ours != theirs) == bool(entry.get("disagreement")), f"{name}: a disagreement needs its reason, an agreement none"
        counts[f"we say {ours}, asl-validator {theirs}"] += 1
    with capsys.disabled():
        print("\ncorpus against asl-validator: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
