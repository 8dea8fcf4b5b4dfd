"""Our verdicts against asl-validator's on one corpus of valid and broken
definitions (asl-validator runs once, over every file).

* Valid definitions: both say valid.
* Broken definitions (one mutation each, tests/support/validate_mutations.py): we
  always find an error on the mutated state. Where asl-validator also
  refuses the file, the verdicts agree. Where it accepts it, the defect
  kind must be listed in ``ASL_VALIDATOR_BLIND`` with the reason it cannot
  see it (``ASL_VALIDATOR_PARTLY``: it sees it in some places only), and
  every kind listed as blind must really pass asl-validator, so the lists
  stay a true account of the difference (README).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from judges import asl_validator
from validate_mutations import FAMILIES, MUTATIONS, mutate

from ndr_workflows.flows import FLOW_NAMES
from ndr_workflows.validate import validate

pytestmark = pytest.mark.judges

REPO = Path(__file__).resolve().parents[2]
EXPORTS = REPO / "docs" / "step_functions_jsonata"
BASES = ("sfn_ndr_15m_features_inference", "sfn_ndr_backfill_reprocessing")

# Defect kinds asl-validator (4.0.0) accepts, and why: it checks the JSON
# schema of each state, the transitions and the JSONata syntax, nothing
# that needs data flow, service models or Step Functions' runtime rules.
ASL_VALIDATOR_BLIND = {
    # family 1: rules the schema does not state
    "bad_retry": "Retry values (BackoffRate >= 1, MaxAttempts >= 0, JitterStrategy FULL|NONE) are not range-checked",
    "empty_error_equals": "an empty ErrorEquals passes the schema",
    "heartbeat_not_below_timeout": "HeartbeatSeconds < TimeoutSeconds is a relation between two fields",
    "states_all_not_last": "the position of States.ALL among Retry/Catch entries is not checked",
    "distributed_only_field": "ToleratedFailurePercentage is accepted in an INLINE Map",
    # family 2: the expression parses, but Step Functions has no such thing there
    "error_output_outside_catch": "$states.errorOutput outside a Catch parses; it is undefined at run time",
    "result_in_arguments": "$states.result in Arguments parses; it does not exist before the task runs",
    "result_in_pass": "$states.result in a Pass state parses; a Pass has no result",
    "task_token_outside_callback": "the task token exists only in .waitForTaskToken tasks",
    "unknown_function": "unknown functions are only found when the expression is evaluated",
    "unknown_states_field": "$states.<typo> parses",
    # family 3: data flow
    "read_before_assign": "variables are not followed along the paths of the graph",
    "reserved_variable": "assigning 'states' passes the schema",
    "unknown_variable": "variables are not followed at all",
    "outer_variable_assigned": "Map/Parallel variable scopes are not modelled",
    "inner_variable_read_outside": "Map/Parallel variable scopes are not modelled",
    # family 4: service models
    "argument_bad_value": "Arguments are not checked against botocore's models",
    "argument_key_typo": "Arguments are not checked against botocore's models",
    "argument_wrong_type": "Arguments are not checked against botocore's models",
    "missing_required_argument": "Arguments are not checked against botocore's models",
    "nested_argument_key_typo": "Arguments are not checked against botocore's models",
    "operation_typo": "the operation of an aws-sdk Resource is not looked up",
    "service_typo": "the service of an aws-sdk Resource is not looked up",
    "optimized_resource_typo": "optimized integration ARNs are not looked up",
    "unsupported_suffix": "the integration pattern (.sync / .waitForTaskToken) of a service is not looked up",
    "aws_sdk_to_optimized_dynamodb": "error names are not checked against the integration",
    "error_name_typo": "error names are not checked against the integration",
    "error_of_another_service": "error names are not checked against the integration",
    "error_service_misspelled": "error names are not checked against the integration",
    "error_without_exception_suffix": "error names are not checked against the integration",
    "unknown_states_error": "States.* error names are not checked",
    "callback_without_token": "a callback task that never passes its token is not detected",
    "payload_of_callback_result": "the shape of a task's result is not modelled",
    "result_member_typo": "the shape of a task's result is not modelled",
    # family 5
    "bad_placeholder": "${...} placeholders are ordinary strings to it",
    "too_large": "the 1 MiB definition quota is not checked",
}

# Kinds asl-validator sees in some places only.
ASL_VALIDATOR_PARTLY = {
    "broken_delimiter": "a string with half a delimiter is refused where the schema demands an expression (a whole Output or Assign value), "
    "but inside an Arguments/Output template it is just a literal string to it (Step Functions passes it on as text)",
    "delimiter_spacing": "'{%x%}' is refused in the fields its schema types, accepted inside templates",
    "query_language_downgrade": "QueryLanguage JSONPath is refused on some state types only",
    "choice_without_default": "Default is optional in ASL (a run that matches no rule fails with States.NoChoiceMatched); "
    "it refuses the file only when the Default's target is reachable no other way",
}

HAND_WRITTEN_VALID: dict[str, Any] = {
    "jsonpath": {
        "Comment": "A JSONPath machine: our JSONata rules do not apply to it.",
        "StartAt": "Read",
        "States": {
            "Read": {"Type": "Pass", "Parameters": {"id.$": "$.id"}, "ResultPath": "$.copy", "Next": "Check"},
            "Check": {"Type": "Choice", "Choices": [{"Variable": "$.copy.id", "IsPresent": True, "Next": "Done"}], "Default": "Stop"},
            "Done": {"Type": "Succeed"},
            "Stop": {"Type": "Fail", "Error": "NoId", "Cause": "no id"},
        },
    },
    "jsonata_scopes": {
        "QueryLanguage": "JSONata",
        "TimeoutSeconds": 600,
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Assign": {"n": 0, "items": "{% [1, 2, 3] %}"}, "Next": "Fan"},
            "Fan": {
                "Type": "Map",
                "Items": "{% $items %}",
                "ItemSelector": {"value": "{% $states.context.Map.Item.Value %}", "index": "{% $states.context.Map.Item.Index %}"},
                "MaxConcurrency": 2,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "INLINE"},
                    "StartAt": "Double",
                    "States": {
                        "Double": {"Type": "Pass", "Assign": {"twice": "{% $states.input.value * 2 %}"}, "Next": "Add"},
                        "Add": {"Type": "Pass", "Output": "{% $twice + $n %}", "End": True},
                    },
                },
                "Assign": {"doubled": "{% $states.result %}"},
                "Next": "Both",
            },
            "Both": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "Sum", "States": {"Sum": {"Type": "Pass", "Output": "{% $sum($doubled) %}", "End": True}}},
                    {"StartAt": "Pause", "States": {"Pause": {"Type": "Wait", "Seconds": "{% $n + 1 %}", "End": True}}},
                ],
                "Output": "{% $states.result[0] %}",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "Failed"}],
                "Next": "Loop",
            },
            "Loop": {"Type": "Choice", "Choices": [{"Condition": "{% $n < 2 %}", "Assign": {"n": "{% $n + 1 %}"}, "Next": "Both"}], "Default": "Done"},
            "Done": {"Type": "Succeed", "Output": "{% {'sum': $states.input, 'rounds': $n} %}"},
            "Failed": {"Type": "Fail", "Error": "{% $states.input.Error %}", "Cause": "{% $states.input.Cause %}"},
        },
    },
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str | None, str | None]]:
    """name -> (file, mutation kind or None, mutated state path or None)."""
    directory = tmp_path_factory.mktemp("corpus")
    entries: dict[str, tuple[Path, str | None, str | None]] = {}

    def add(name: str, definition: Any, kind: str | None, path: str | None) -> None:
        file = directory / f"{name}.json"
        file.write_text(json.dumps(definition, indent=2), encoding="utf-8")
        entries[name] = (file, kind, path)

    for name in FLOW_NAMES:
        add(name, json.loads((EXPORTS / f"{name}.json").read_text(encoding="utf-8")), None, None)
    for name, definition in HAND_WRITTEN_VALID.items():
        add(name, definition, None, None)
    for base in BASES:
        definition = json.loads((EXPORTS / f"{base}.json").read_text(encoding="utf-8"))
        for kind in sorted(MUTATIONS):
            mutated, path = mutate(definition, kind, 0)
            if path is not None:
                add(f"{base}.{kind}", mutated, kind, path)
    return entries


@pytest.fixture(scope="module")
def asl_verdicts(corpus: dict[str, tuple[Path, str | None, str | None]]) -> dict[str, str | None]:
    result = asl_validator([file for file, _, _ in corpus.values()])
    return {name: result.verdicts[file.resolve()] for name, (file, _, _) in corpus.items()}


def test_the_corpus_covers_every_family(corpus: dict[str, tuple[Path, str | None, str | None]]) -> None:
    kinds = {kind for _, kind, _ in corpus.values() if kind}
    assert {FAMILIES[k] for k in kinds} == {1, 2, 3, 4, 5}
    assert len(kinds) > 20


def test_both_accept_the_valid_definitions(corpus: dict[str, tuple[Path, str | None, str | None]], asl_verdicts: dict[str, str | None]) -> None:
    for name, (file, kind, _) in corpus.items():
        if kind is None:
            assert asl_verdicts[name] is None, f"asl-validator refuses {name}: {asl_verdicts[name]}"
            assert validate(file) == [], f"we refuse {name}: {[str(f) for f in validate(file)]}"


def test_we_refuse_every_broken_definition_and_explain_each_disagreement(
    corpus: dict[str, tuple[Path, str | None, str | None]], asl_verdicts: dict[str, str | None]
) -> None:
    blind_seen: set[str] = set()
    for name, (file, kind, path) in corpus.items():
        if kind is None:
            continue
        # strict: some mutations are legal ASL, warnings by default (validate/severity.py)
        errors = [f for f in validate(file, strict=True) if f.severity == "error"]
        assert path in {f.path for f in errors}, f"{name}: no error at {path!r}: {[str(f) for f in errors]}"
        if asl_verdicts[name] is None:
            assert kind in ASL_VALIDATOR_BLIND or kind in ASL_VALIDATOR_PARTLY, f"{name}: asl-validator accepts it and we refuse it; document why in ASL_VALIDATOR_BLIND"
            blind_seen.add(kind)
        else:
            assert kind not in ASL_VALIDATOR_BLIND, f"{name}: asl-validator now refuses {kind!r} ({asl_verdicts[name][:200]}); remove it from ASL_VALIDATOR_BLIND"
    assert blind_seen - set(ASL_VALIDATOR_PARTLY) == {k for k in ASL_VALIDATOR_BLIND if any(kind == k for _, kind, _ in corpus.values())}
