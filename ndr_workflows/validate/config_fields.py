"""Family 1d: the configuration objects of a state, in either query language:
a Distributed Map's ``ItemReader``, ``ItemBatcher``, ``ResultWriter`` and
``Label``, and a Task's ``Credentials``.

Each is an object with a small set of fields. In a JSONPath state their
dynamic parts are ``Parameters`` / ``*Path`` fields / ``name.$`` keys; in a
JSONata state ``Arguments`` and expressions. A field and its ``*Path``
twin cannot both be given.
"""

from __future__ import annotations

from ..asl.common import describe, did_you_mean, is_expression, is_int
from ..asl.problems import Problem
from .jsonpath_states import check_path, check_template
from ..asl.walk import JSONATA, JSONPATH, scopes, state_language

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from ..asl.common import Add

__all__ = ["check_config_fields"]

_MAX_BATCH_BYTES = 262_144
_INPUT_TYPES = ("CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")
_CSV_HEADER_LOCATIONS = ("FIRST_ROW", "GIVEN")
_LABEL_FORBIDDEN = set(" \t\n<>{}[]?*\"#%\\^|~`$&,;:/")
_MAX_LABEL = 40


def check_config_fields(definition: Any, add: Add) -> None:
    for scope in scopes(definition):
        for name, state in scope.states().items():
            if not isinstance(state, dict):
                continue
            kind = state.get("Type")
            path = scope.prefix + name
            language = state_language(state, scope.language)
            if kind == "Task" and "Credentials" in state:
                _credentials(state["Credentials"], path, language, add)
            if kind != "Map":
                continue
            if "ItemReader" in state:
                _item_reader(state["ItemReader"], path, language, add)
            if "ItemBatcher" in state:
                _item_batcher(state["ItemBatcher"], path, language, add)
            if "ResultWriter" in state:
                _result_writer(state["ResultWriter"], path, language, add)
            if "Label" in state:
                _label(state["Label"], path, add)


def _object(value: Any, label: str, path: str, add: Add) -> bool:
    if isinstance(value, dict):
        return True
    add(Problem(path, "BAD_CONFIG", f"{label} must be an object, not {describe(value)}"))
    return False


def _fields(value: dict[str, Any], label: str, allowed: dict[str, frozenset[str]], language: str, path: str, add: Add) -> None:
    """Unknown fields, and fields of the other query language."""
    mine = allowed[language]
    other = allowed[JSONPATH if language == JSONATA else JSONATA] - allowed["both"]
    for key in value:
        if key in mine or key in allowed["both"]:
            continue
        if key in other:
            code = "JSONPATH_FIELD" if language == JSONATA else "JSONATA_FIELD"
            add(Problem(path, code, f"{label}.{key} is a {'JSONPath' if language == JSONATA else 'JSONata'} field; this state uses {language}"))
        else:
            add(Problem(path, "UNKNOWN_FIELD", f"{label}.{key}: not a field of {label}", did_you_mean(key, sorted(mine | allowed["both"])), field=f"{label}.{key}"))


def _number(value: Any, label: str, low: int, high: int | None, language: str, path: str, add: Add) -> None:
    if language == JSONATA and is_expression(value):
        return
    if not is_int(value) or value < low or (high is not None and value > high):
        what = f"a whole number from {low}" + (f" to {high:,}" if high is not None else " up")
        add(Problem(path, "BAD_CONFIG", f"{label} must be {what}" + (" or an expression" if language == JSONATA else "") + f", not {describe(value)}"))


def _twins(value: dict[str, Any], label: str, keys: tuple[str, ...], path: str, add: Add) -> None:
    for key in keys:
        if key in value and f"{key}Path" in value:
            add(Problem(path, "CONFLICTING_FIELDS", f"{label}: {key} and {key}Path cannot both be given", f"keep one of them ({key}Path is {key} read from a path)"))


def _dynamic(value: dict[str, Any], label: str, language: str, path: str, add: Add) -> None:
    """The Parameters (JSONPath) or Arguments (JSONata) of a configuration."""
    if language == JSONPATH and "Parameters" in value:
        if _object(value["Parameters"], f"{label}.Parameters", path, add):
            check_template(value["Parameters"], f"{label}.Parameters", path, add)
    if language == JSONATA and "Arguments" in value:
        arguments = value["Arguments"]
        if not isinstance(arguments, dict) and not is_expression(arguments):
            add(Problem(path, "BAD_CONFIG", f"{label}.Arguments must be an object or an expression, not {describe(arguments)}"))


def _resource(value: dict[str, Any], label: str, path: str, add: Add, required: bool = True) -> None:
    if "Resource" not in value:
        if required:
            add(Problem(path, "BAD_CONFIG", f"{label} needs a Resource (e.g. arn:aws:states:::s3:getObject)"))
        return
    resource = value["Resource"]
    if not isinstance(resource, str) or not (resource.startswith("arn:") or resource.startswith("${")):
        add(Problem(path, "BAD_CONFIG", f"{label}.Resource must be an ARN such as arn:aws:states:::s3:getObject, not {describe(resource)}"))


_READER = {"both": frozenset({"Resource", "ReaderConfig"}), JSONPATH: frozenset({"Parameters"}), JSONATA: frozenset({"Arguments"})}


def _item_reader(value: Any, path: str, language: str, add: Add) -> None:
    if not _object(value, "ItemReader", path, add):
        return
    _fields(value, "ItemReader", _READER, language, path, add)
    _resource(value, "ItemReader", path, add)
    _dynamic(value, "ItemReader", language, path, add)
    config = value.get("ReaderConfig")
    if "ReaderConfig" not in value or not _object(config, "ItemReader.ReaderConfig", path, add):
        return
    label = "ItemReader.ReaderConfig"
    _twins(config, label, ("MaxItems",), path, add)
    if "MaxItems" in config:
        _number(config["MaxItems"], f"{label}.MaxItems", 1, 100_000_000, language, path, add)
    if "MaxItemsPath" in config:
        if language == JSONATA:
            add(Problem(path, "JSONPATH_FIELD", f"{label}.MaxItemsPath is a JSONPath field; this state uses JSONata", "use MaxItems with an expression"))
        else:
            check_path(config["MaxItemsPath"], f"{label}.MaxItemsPath", path, add, reference=True)
    for key, allowed in (("InputType", _INPUT_TYPES), ("CSVHeaderLocation", _CSV_HEADER_LOCATIONS)):
        if key in config and config[key] not in allowed:
            add(Problem(path, "BAD_CONFIG", f"{label}.{key} must be one of {', '.join(allowed)}, not {describe(config[key])}"))
    if config.get("CSVHeaderLocation") == "GIVEN":
        headers = config.get("CSVHeaders")
        if not isinstance(headers, list) or not headers or not all(isinstance(h, str) for h in headers):
            add(Problem(path, "BAD_CONFIG", f"{label}: CSVHeaderLocation GIVEN needs CSVHeaders, a non-empty array of column names"))


_BATCHER = {
    "both": frozenset({"MaxItemsPerBatch", "MaxInputBytesPerBatch", "BatchInput"}),
    JSONPATH: frozenset({"MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"}),
    JSONATA: frozenset(),
}


def _item_batcher(value: Any, path: str, language: str, add: Add) -> None:
    if not _object(value, "ItemBatcher", path, add):
        return
    _fields(value, "ItemBatcher", _BATCHER, language, path, add)
    _twins(value, "ItemBatcher", ("MaxItemsPerBatch", "MaxInputBytesPerBatch"), path, add)
    if not any(k in value for k in ("MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath")):
        add(Problem(path, "BAD_CONFIG", "ItemBatcher needs MaxItemsPerBatch, MaxInputBytesPerBatch or both", "e.g. \"MaxItemsPerBatch\": 100"))
    if "MaxItemsPerBatch" in value:
        _number(value["MaxItemsPerBatch"], "ItemBatcher.MaxItemsPerBatch", 1, None, language, path, add)
    if "MaxInputBytesPerBatch" in value:
        _number(value["MaxInputBytesPerBatch"], "ItemBatcher.MaxInputBytesPerBatch", 1, _MAX_BATCH_BYTES, language, path, add)
    if language == JSONPATH:
        for key in ("MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath"):
            if key in value:
                check_path(value[key], f"ItemBatcher.{key}", path, add, reference=True)
    if "BatchInput" in value:
        batch = value["BatchInput"]
        if language == JSONATA and is_expression(batch):
            return
        if _object(batch, "ItemBatcher.BatchInput", path, add) and language == JSONPATH:
            check_template(batch, "ItemBatcher.BatchInput", path, add)


_WRITER = {"both": frozenset({"Resource", "WriterConfig"}), JSONPATH: frozenset({"Parameters"}), JSONATA: frozenset({"Arguments"})}


def _result_writer(value: Any, path: str, language: str, add: Add) -> None:
    if not _object(value, "ResultWriter", path, add):
        return
    _fields(value, "ResultWriter", _WRITER, language, path, add)
    if "Resource" not in value and "WriterConfig" not in value:
        add(Problem(path, "BAD_CONFIG", "ResultWriter needs a Resource (arn:aws:states:::s3:putObject) with its Bucket and Prefix, or a WriterConfig"))
    _resource(value, "ResultWriter", path, add, required=False)
    _dynamic(value, "ResultWriter", language, path, add)
    config = value.get("WriterConfig")
    if "WriterConfig" in value and _object(config, "ResultWriter.WriterConfig", path, add):
        for key, allowed in (("OutputType", ("JSON", "JSONL")), ("Transformation", ("NONE", "COMPACT", "FLATTEN"))):
            if key in config and config[key] not in allowed:
                add(Problem(path, "BAD_CONFIG", f"ResultWriter.WriterConfig.{key} must be one of {', '.join(allowed)}, not {describe(config[key])}"))


def _label(value: Any, path: str, add: Add) -> None:
    if not isinstance(value, str) or not value or len(value) > _MAX_LABEL or set(value) & _LABEL_FORBIDDEN or any(ord(c) < 0x20 for c in value):
        add(Problem(path, "BAD_CONFIG", f"Label must be 1 to {_MAX_LABEL} characters without spaces or any of <>{{}}[]?*\"#%\\^|~`$&,;:/, not {describe(value)}"))


def _credentials(value: Any, path: str, language: str, add: Add) -> None:
    if not _object(value, "Credentials", path, add):
        return
    keys = set(value)
    allowed = {"RoleArn", "RoleArn.$"} if language == JSONPATH else {"RoleArn"}
    for key in sorted(keys - allowed):
        hint = "'RoleArn.$' is JSONPath syntax; give RoleArn an expression" if key == "RoleArn.$" else did_you_mean(key, sorted(allowed)) or "Credentials has only RoleArn"
        add(Problem(path, "BAD_CONFIG", f"Credentials.{key}: not a field of Credentials", hint))
    given = keys & allowed
    if len(given) != 1:
        add(Problem(path, "BAD_CONFIG", "Credentials needs exactly one RoleArn" + (" (or RoleArn.$)" if language == JSONPATH else ""), "the ARN of the role the task assumes"))
        return
    (key,) = given
    role = value[key]
    if key == "RoleArn.$":
        check_template(value, "Credentials", path, add)
    elif not isinstance(role, str) or not (role.startswith("arn:") or role.startswith("${") or (language == JSONATA and is_expression(role))):
        add(Problem(path, "BAD_CONFIG", "Credentials.RoleArn must be a role ARN" + (" or an expression" if language == JSONATA else "") + f", not {describe(role)}"))
