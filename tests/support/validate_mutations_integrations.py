"""Single-defect mutations of family 4 (integrations), registered into
tests/support/validate_mutations.py's generator: each makes one mistake of the kind
botocore's models or Step Functions' spellings reveal, in one Task state,
and returns that state's path (None when the definition offers no place)."""

from __future__ import annotations

import random
from typing import Any

from validate_mutations import mutation, tasks

TOKEN = "$states.context.Task.Token"


def _typo(word: str, rng: random.Random, kinds: tuple[str, ...] = ("drop", "swap", "double", "case")) -> str:
    """A near miss of ``word`` that is still recognisably it."""
    i = rng.randrange(1, len(word) - 1) if len(word) > 2 else 0
    kind = rng.choice(kinds)
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "swap" and word[i] != word[i + 1 : i + 2]:
        return word[:i] + word[i + 1 : i + 2] + word[i] + word[i + 2 :]
    if kind == "case" and word[i].isalpha():
        return word[:i] + word[i].swapcase() + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def _service_tasks(d: dict, prefix: str = "") -> list[tuple[str, dict]]:
    return [(p, s) for p, s in tasks(d) if isinstance(s.get("Resource"), str) and s["Resource"].startswith("arn:aws:states:::" + prefix)]


def _pick(rng: random.Random, items: list) -> Any:
    return rng.choice(items) if items else None


@mutation("argument_key_typo", 4)
def _argument_key_typo(d: dict, rng: random.Random) -> str | None:
    picked = _pick(rng, [t for t in _service_tasks(d) if isinstance(t[1].get("Arguments"), dict) and t[1]["Arguments"]])
    if picked is None:
        return None
    args = picked[1]["Arguments"]
    key = rng.choice(sorted(args))
    args[_typo(key, rng)] = args.pop(key)
    return picked[0]


@mutation("nested_argument_key_typo", 4)
def _nested_argument_key_typo(d: dict, rng: random.Random) -> str | None:
    """A key inside a list of structures: PipelineParameters[i].Name, Entries[i].DetailType."""
    slots = []
    for path, state in _service_tasks(d):
        args = state.get("Arguments")
        for field in ("PipelineParameters", "Entries"):
            items = args.get(field) if isinstance(args, dict) else None
            if isinstance(items, list):
                slots += [(path, item) for item in items if isinstance(item, dict) and item]
    picked = _pick(rng, slots)
    if picked is None:
        return None
    item = picked[1]
    key = rng.choice(sorted(item))
    item[_typo(key, rng)] = item.pop(key)
    return picked[0]


@mutation("missing_required_argument", 4)
def _missing_required_argument(d: dict, rng: random.Random) -> str | None:
    required = ("FunctionName", "PipelineName", "ClientRequestToken", "TableName", "Item", "Key", "Entries", "StateMachineArn")
    slots = [(p, s, k) for p, s in _service_tasks(d) if isinstance(s.get("Arguments"), dict) for k in required if k in s["Arguments"]]
    picked = _pick(rng, slots)
    if picked is None:
        return None
    del picked[1]["Arguments"][picked[2]]
    return picked[0]


@mutation("argument_wrong_type", 4)
def _argument_wrong_type(d: dict, rng: random.Random) -> str | None:
    slots = []
    for path, state in _service_tasks(d):
        args = state.get("Arguments")
        if not isinstance(args, dict):
            continue
        for key, bad in (("PipelineParameters", {"Name": "x", "Value": "y"}), ("Entries", {"Source": "x"}), ("FunctionName", 42), ("TableName", ["t"]), ("PipelineName", 7)):
            if key in args:
                slots.append((path, args, key, bad))
    picked = _pick(rng, slots)
    if picked is None:
        return None
    path, args, key, bad = picked
    args[key] = bad
    return path


@mutation("operation_typo", 4)
def _operation_typo(d: dict, rng: random.Random) -> str | None:
    picked = _pick(rng, _service_tasks(d, "aws-sdk:"))
    if picked is None:
        return None
    head, _, operation = picked[1]["Resource"].rpartition(":")
    picked[1]["Resource"] = f"{head}:{rng.choice([_typo(operation, rng), operation[:1].upper() + operation[1:]])}"
    return picked[0]


@mutation("service_typo", 4)
def _service_typo(d: dict, rng: random.Random) -> str | None:
    picked = _pick(rng, _service_tasks(d, "aws-sdk:"))
    if picked is None:
        return None
    parts = picked[1]["Resource"].split(":")
    service = parts[6]
    parts[6] = rng.choice([_typo(service, rng, ("drop", "swap", "double")), {"dynamodb": "dynamo", "sagemaker": "sage-maker", "events": "events"}.get(service, service + "s")])
    picked[1]["Resource"] = ":".join(parts)
    return picked[0]


@mutation("optimized_resource_typo", 4)
def _optimized_resource_typo(d: dict, rng: random.Random) -> str | None:
    picked = _pick(rng, [t for t in _service_tasks(d) if "aws-sdk:" not in t[1]["Resource"]])
    if picked is None:
        return None
    resource = picked[1]["Resource"]
    replacements = {"lambda:invoke": ["lambda:invok", "lambda:Invoke", "lamda:invoke"], "events:putEvents": ["events:putEvent", "eventbridge:putEvents"]}
    for old, news in replacements.items():
        if old in resource:
            picked[1]["Resource"] = resource.replace(old, rng.choice(news))
            return picked[0]
    return None


@mutation("unsupported_suffix", 4)
def _unsupported_suffix(d: dict, rng: random.Random) -> str | None:
    picked = _pick(rng, [t for t in _service_tasks(d) if not t[1]["Resource"].endswith(".waitForTaskToken")])
    if picked is None:
        return None
    picked[1]["Resource"] += rng.choice([".sync", ".waitForTaskTokn", ".sync:3"])
    return picked[0]


def _error_slots(d: dict, prefixes: tuple[str, ...]) -> list[tuple[str, list, int]]:
    found = []
    for path, state in _service_tasks(d):
        for entry in state.get("Retry", []) + state.get("Catch", []):
            names = entry.get("ErrorEquals", [])
            found += [(path, names, i) for i, n in enumerate(names) if n.startswith(prefixes)]
    return found


@mutation("error_service_misspelled", 4)
def _error_service_misspelled(d: dict, rng: random.Random) -> str | None:
    """The project's founding bug: DynamoDB. where the aws-sdk integration says DynamoDb."""
    picked = _pick(rng, _error_slots(d, ("DynamoDb.", "SageMaker.", "Lambda.")))
    if picked is None:
        return None
    path, names, i = picked
    service, _, rest = names[i].partition(".")
    names[i] = {"DynamoDb": "DynamoDB", "SageMaker": rng.choice(["Sagemaker", "SAGEMAKER"]), "Lambda": "lambda"}[service] + "." + rest
    return path


@mutation("error_without_exception_suffix", 4)
def _error_without_exception_suffix(d: dict, rng: random.Random) -> str | None:
    picked = _pick(rng, [t for t in _error_slots(d, ("DynamoDb.", "SageMaker.", "Lambda.")) if t[1][t[2]].endswith("Exception")])
    if picked is None:
        return None
    path, names, i = picked
    names[i] = names[i][: -len("Exception")]
    return path


@mutation("error_name_typo", 4)
def _error_name_typo(d: dict, rng: random.Random) -> str | None:
    picked = _pick(rng, _error_slots(d, ("DynamoDb.", "SageMaker.", "Lambda.", "States.TaskFailed")))
    if picked is None:
        return None
    path, names, i = picked
    service, _, rest = names[i].partition(".")
    names[i] = f"{service}.{_typo(rest, rng)}"
    return path


@mutation("unknown_states_error", 4)
def _unknown_states_error(d: dict, rng: random.Random) -> str | None:
    slots = []
    for path, state in tasks(d):
        for entry in state.get("Retry", []) + state.get("Catch", []):
            slots.append((path, entry["ErrorEquals"]))
    picked = _pick(rng, slots)
    if picked is None:
        return None
    path, names = picked
    names.insert(0, rng.choice(["States.Timeouts", "States.TaskFailure", "States.Throttled", "States.HeartBeatTimeout"]))
    return path


@mutation("error_of_another_service", 4)
def _error_of_another_service(d: dict, rng: random.Random) -> str | None:
    slots = []
    for path, state in _service_tasks(d, "aws-sdk:"):
        service = state["Resource"].split(":")[6]
        other = "SageMaker.SageMakerException" if service == "dynamodb" else "DynamoDb.ConditionalCheckFailedException"
        for entry in state.get("Retry", []) + state.get("Catch", []):
            if "States.ALL" not in entry["ErrorEquals"]:
                slots.append((path, entry["ErrorEquals"], other))
    picked = _pick(rng, slots)
    if picked is None:
        return None
    path, names, other = picked
    names.append(other)
    return path


def _drop_token(value: Any) -> bool:
    """Remove every argument that passes the task token; True if one was found."""
    found = False
    items = list(value.items()) if isinstance(value, dict) else list(enumerate(value)) if isinstance(value, list) else []
    for key, inner in reversed(items):
        if isinstance(inner, str) and TOKEN in inner:
            del value[key]
            found = True
        elif isinstance(inner, (dict, list)):
            found = _drop_token(inner) or found
    return found


@mutation("callback_without_token", 4)
def _callback_without_token(d: dict, rng: random.Random) -> str | None:
    picked = _pick(rng, [t for t in tasks(d) if str(t[1].get("Resource", "")).endswith(".waitForTaskToken")])
    if picked is None or not _drop_token(picked[1].get("Arguments")):
        return None
    return picked[0]


@mutation("payload_of_callback_result", 4)
def _payload_of_callback_result(d: dict, rng: random.Random) -> str | None:
    """The project's second real bug: a callback's result has no Payload."""
    picked = _pick(rng, [t for t in tasks(d) if str(t[1].get("Resource", "")).endswith(".waitForTaskToken")])
    if picked is None:
        return None
    reader = "{% $states.result.Payload." + rng.choice(["status", "approval_status", "pipeline_execution_arn"]) + " %}"
    state = picked[1]
    if isinstance(state.get("Output"), dict) and state["Output"] and rng.random() < 0.5:
        state["Output"][rng.choice(sorted(state["Output"]))] = reader
    else:
        state.setdefault("Assign", {})["callback_status"] = reader
    return picked[0]


@mutation("result_member_typo", 4)
def _result_member_typo(d: dict, rng: random.Random) -> str | None:
    slots = []
    for path, state in _service_tasks(d):
        if state["Resource"].endswith(".waitForTaskToken"):
            continue
        for field in ("Assign", "Output"):
            value = state.get(field)
            if isinstance(value, dict):
                slots += [(path, value, k) for k, v in value.items() if isinstance(v, str) and "$states.result." in v]
    picked = _pick(rng, slots)
    if picked is None:
        return None
    path, container, key = picked
    text = container[key]
    start = text.index("$states.result.") + len("$states.result.")
    end = start
    while end < len(text) and (text[end].isalnum() or text[end] == "_"):
        end += 1
    member = text[start:end]
    container[key] = text[:start] + rng.choice([member.upper(), _typo(member, rng)]) + text[end:]
    return path if container[key] != text else None


@mutation("argument_bad_value", 4)
def _argument_bad_value(d: dict, rng: random.Random) -> str | None:
    """A literal outside the model's enum or length limits."""
    slots: list[tuple[str, dict, str, Any]] = []
    for path, state in _service_tasks(d):
        args = state.get("Arguments")
        if not isinstance(args, dict):
            continue
        if state["Resource"].endswith("lambda:invoke"):
            slots.append((path, args, "InvocationType", rng.choice(["Async", "event", "RequestReply"])))
        if "Entries" in args:
            slots.append((path, args, "Entries", []))
        if "ClientRequestToken" in args:
            slots.append((path, args, "ClientRequestToken", "too-short-token"))
    picked = _pick(rng, slots)
    if picked is None:
        return None
    path, args, key, value = picked
    args[key] = value
    return path


@mutation("aws_sdk_to_optimized_dynamodb", 4)
def _aws_sdk_to_optimized_dynamodb(d: dict, rng: random.Random) -> str | None:
    """The founding bug the other way round: the optimized DynamoDB
    integration raises DynamoDB.*, so the DynamoDb.* names no longer match."""
    picked = _pick(rng, [t for t in _service_tasks(d, "aws-sdk:dynamodb:") if t[1].get("Retry") or t[1].get("Catch")])
    if picked is None:
        return None
    picked[1]["Resource"] = picked[1]["Resource"].replace("aws-sdk:dynamodb:", "dynamodb:")
    return picked[0]
