"""The definition size quota (1,048,576 bytes): the build refuses a flow
over it, and a file far over it is only measured (its other checks would
take long and cannot change the verdict). Speed itself is measured by
scripts/bench_scale.py, not here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ndr_workflows import BuildError, Pass, StateMachine
from ndr_workflows.validate import validate
from ndr_workflows.validate.quotas import FULL_CHECK_LIMIT, MAX_DEFINITION_BYTES, encoded_size


def test_the_build_refuses_a_flow_over_the_quota() -> None:
    flow = StateMachine(Pass("Big", output={"blob": "x" * MAX_DEFINITION_BYTES}), name="too_big")
    with pytest.raises(BuildError) as caught:
        flow.to_dict()
    assert [p.code for p in caught.value.problems] == ["DEFINITION_TOO_LARGE"]
    assert caught.value.problems[0].path == "Big"


def test_a_file_far_over_the_quota_is_only_measured(tmp_path: Path) -> None:
    def definition(comment_bytes: int) -> dict[str, object]:
        # reading $never_assigned would be an error if it were checked
        return {"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "Comment": "c" * comment_bytes, "Output": "{% $never_assigned %}", "End": True}}}

    file = tmp_path / "huge.json"
    file.write_text(json.dumps(definition(FULL_CHECK_LIMIT)), encoding="utf-8")
    found = validate(file)
    assert [(f.path, f.code, f.severity) for f in found] == [("S", "DEFINITION_TOO_LARGE", "error"), ("", "CHECKS_SKIPPED", "warning")]
    assert f"{file.stat().st_size:,} bytes" in found[0].message
    # up to the limit every check runs
    near = definition(FULL_CHECK_LIMIT - 200)
    assert encoded_size(near) <= FULL_CHECK_LIMIT
    assert {f.code for f in validate(near)} == {"DEFINITION_TOO_LARGE", "UNKNOWN_VARIABLE"}


@pytest.mark.parametrize(
    "value, size",
    [({"a": [1, 2.5, None, True]}, 23), ({"k": "\u00e9"}, 10), ([], 2), ("x", 3), ({"s": "\u2028"}, 11), ({"z": "\x00"}, 14)],
)
def test_the_size_is_that_of_the_compact_utf8_text(value: object, size: int) -> None:
    """What Step Functions counts: the compact JSON's UTF-8 bytes (no spaces;
    non-ASCII as itself, control characters escaped)."""
    assert encoded_size(value) == size


@pytest.mark.parametrize("value, error", [({"a": float("nan")}, ValueError), ({"a": {1, 2}}, TypeError)])
def test_what_is_not_json_has_no_size(value: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        encoded_size(value)
