"""The judge harness must be able to say "no".

A harness that always passes would make every judge-based test worthless, so
each judge is shown one definition it must accept and one it must reject.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from judges import asl_validator, judge_definitions, statelint

pytestmark = pytest.mark.judges

VALID = {
    "QueryLanguage": "JSONata",
    "StartAt": "AddOne",
    "States": {
        "AddOne": {
            "Type": "Pass",
            "Output": {"b": "{% $states.input.a + 1 %}"},
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
    },
}


def _broken_jsonata() -> dict:
    definition = copy.deepcopy(VALID)
    definition["States"]["AddOne"]["Output"]["b"] = "{% $states.input.a + %}"
    return definition


def _dangling_next() -> dict:
    definition = copy.deepcopy(VALID)
    definition["States"]["AddOne"]["Next"] = "Nowhere"
    return definition


def _write(tmp_path: Path, name: str, definition: dict) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(definition), encoding="utf-8")
    return path


def test_valid_definition_passes_both_judges(tmp_path: Path) -> None:
    path = _write(tmp_path, "valid", VALID)
    asl = asl_validator([path])
    lint = statelint([path])
    assert asl.ok, str(asl)
    assert lint.ok, str(lint)
    assert asl.verdicts == {path.resolve(): None}
    assert lint.verdicts == {path.resolve(): None}


def test_broken_jsonata_fails_asl_validator(tmp_path: Path) -> None:
    good = _write(tmp_path, "good", VALID)
    bad = _write(tmp_path, "bad", _broken_jsonata())
    result = asl_validator([good, bad])  # one process, two verdicts
    assert not result.ok
    assert result.verdicts[good.resolve()] is None
    assert result.verdicts[bad.resolve()], str(result)
    assert "/States/AddOne/Output" in result.verdicts[bad.resolve()]


def test_dangling_next_fails_statelint(tmp_path: Path) -> None:
    good = _write(tmp_path, "good", VALID)
    bad = _write(tmp_path, "bad", _dangling_next())
    result = statelint([good, bad])
    assert not result.ok
    assert result.verdicts[good.resolve()] is None
    assert "Nowhere" in (result.verdicts[bad.resolve()] or "")


def test_statelint_reports_jsonata_syntax_error_in_checked_field(tmp_path: Path) -> None:
    # statelint raises on such input; the harness must turn that into a failure.
    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Pause",
        "States": {"Pause": {"Type": "Wait", "Seconds": "{% 1 + %}", "End": True}},
    }
    result = statelint([_write(tmp_path, "wait", definition)])
    assert not result.ok
    assert "raised" in str(result)


def test_non_object_definition_fails_both(tmp_path: Path) -> None:
    path = _write(tmp_path, "list", [VALID])  # type: ignore[arg-type]
    assert not asl_validator([path]).ok
    assert not statelint([path]).ok


def test_judge_definitions_reports_only_failures_by_name(tmp_path: Path) -> None:
    failures = judge_definitions(
        {
            "valid": VALID,
            "broken jsonata": _broken_jsonata(),
            "dangling/next": _dangling_next(),
        },
        tmp_path,
    )
    assert set(failures) == {"broken jsonata", "dangling/next"}
    assert failures["broken jsonata"].startswith("asl-validator: ")
    assert "statelint: " in failures["dangling/next"]
    assert "asl-validator: " in failures["dangling/next"]


def test_missing_asl_validator_is_an_error_not_a_skip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import judges

    monkeypatch.setattr(judges, "REPO_ROOT", tmp_path)
    with pytest.raises(RuntimeError, match="npm ci"):
        asl_validator([_write(tmp_path, "valid", VALID)])
