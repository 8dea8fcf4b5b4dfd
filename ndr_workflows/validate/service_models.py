"""Botocore's service models, distilled to what the integration checks read
and cached on disk.

Why a cache: decoding the JSON models of the five services the flows use
takes ~50 ms (SageMaker's model alone is 2.6 MB; importing botocore to do it
would add ~100 ms more), most of the validator's budget. What the checks need is tiny: per service its SDK name,
its operation names and its modeled errors; per operation used, its input and
output shapes and the shapes they reach. That subset is kept in one marshal
file per botocore version (and Python version) in ``~/.cache/ndr_workflows``
(moved by ``NDR_WORKFLOWS_CACHE_DIR``, turned off by
``NDR_WORKFLOWS_NO_CACHE=1``; see :func:`cache_dir`).
A new botocore version means a new file name, so the subset is rebuilt from
the new models; botocore's version is read from its ``__init__.py`` so that a
warm run never imports botocore. What is missing from the cache (a service or
operation not seen before) is read from botocore's model files
(:mod:`.botocore_data`) and added; the file is replaced atomically. The cache only saves time: when it cannot be
read or written, the answers are the same.

Naming, as Step Functions spells it (docs/asl_facts.md "Tasks and error names"): the
aws-sdk integration names a service by its AWS SDK (Java 2.x) client name in
lower case (``aws-sdk:eventbridge`` is botocore's ``events``, ``aws-sdk:sfn``
is ``stepfunctions``), operations in camelCase, parameters in PascalCase,
and errors ``ServiceName.ErrorName`` with that client name in PascalCase and
the ``Exception`` suffix always present (``DynamoDb.ConditionalCheckFailedException``).
"""

from __future__ import annotations

import os
import sys

from .botocore_data import ModelReader, ServiceModelsUnavailable, botocore_root, botocore_version, service_names
from .botocore_data import service_id as read_service_id

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable
    from typing import Any

__all__ = [
    "ServiceModelsUnavailable",
    "Catalog",
    "ServiceModel",
    "Operation",
    "load_catalog",
    "sdk_service_name",
    "sdk_error_name",
    "pascal_case",
    "camel_case",
    "botocore_version",
    "catalog_path",
    "cache_dir",
]

FORMAT = 2  # bump when the distilled layout changes


def cache_dir() -> str | None:
    """The directory of ndr_workflows' on-disk cache (the distilled service
    models), or None when caching is off."""
    if os.environ.get("NDR_WORKFLOWS_NO_CACHE", "") not in ("", "0"):
        return None
    base = os.environ.get("NDR_WORKFLOWS_CACHE_DIR")
    if not base:
        home = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(home, "ndr_workflows")
    return base


# -- Step Functions' spellings --------------------------------------------------


def _words(service_id: str) -> list[str]:
    """Split a botocore serviceId into words the way the AWS SDK for Java 2.x
    derives its class names: non-alphanumerics separate; ``v``/``V`` + digits
    after two letters of the other case is a version word; a lower-case
    letter followed by a capital (itself followed by a letter or digit)
    starts a word; the last capital of an acronym followed by lower case
    starts one; a digit followed by a letter ends one."""
    import re

    text = re.sub(r"[^A-Za-z0-9]+", " ", service_id)
    text = re.sub(r"([^a-z]{2,})v([0-9]+)", r"\1 v\2 ", text)
    text = re.sub(r"([^A-Z]{2,})V([0-9]+)", r"\1 V\2 ", text)
    text = re.sub(r"(?<=[a-z])(?=[A-Z][a-zA-Z0-9])", " ", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    text = re.sub(r"([0-9])([a-zA-Z])", r"\1 \2", text)
    return text.split()


def sdk_service_name(service_id: str) -> str:
    """The AWS SDK's class-name spelling of a botocore ``serviceId``, which
    Step Functions uses for aws-sdk error names (``DynamoDB`` -> ``DynamoDb``,
    ``ACM PCA`` -> ``AcmPca``, ``SFN`` -> ``Sfn``, ``Database Migration
    Service`` -> ``DatabaseMigration``). Lower-cased it is the service's name
    in ``arn:aws:states:::aws-sdk:<service>:<operation>``."""
    words = [w.lower().capitalize() for w in _words(service_id)]
    while len(words) > 1 and words[0] in ("Amazon", "Aws"):
        words.pop(0)
    if len(words) > 1 and words[-1] == "Service":
        words.pop()
    return "".join(words)


def sdk_error_name(shape_name: str) -> str:
    """An error shape's class name in the AWS SDK: ``Fault`` becomes
    ``Exception``, and ``Exception`` is appended when missing
    (``ResourceNotFound`` -> ``ResourceNotFoundException``)."""
    if shape_name.endswith("Exception"):
        return shape_name
    if shape_name.endswith("Fault"):
        return shape_name[: -len("Fault")] + "Exception"
    return shape_name + "Exception"


def pascal_case(member: str) -> str:
    """A parameter name as Step Functions writes it (``stateMachineArn`` -> ``StateMachineArn``)."""
    return member[:1].upper() + member[1:]


def camel_case(operation: str) -> str:
    """An operation name as the aws-sdk resource writes it (``PutItem`` -> ``putItem``)."""
    return operation[:1].lower() + operation[1:]


def catalog_path(version: str | None) -> str | None:
    """The distilled models' cache file for this botocore version, or None when caching is off."""
    base = cache_dir()
    if base is None or version is None:
        return None
    safe = "".join(c if c.isalnum() or c in ".-_" else "_" for c in version)
    return os.path.join(base, f"service-models-{sys.implementation.cache_tag}-botocore-{safe}-v{FORMAT}.marshal")


# -- the distilled models ------------------------------------------------------------


class Operation:
    """One operation: its botocore name, input/output shape names and the
    SDK names of the errors botocore lists for it."""

    __slots__ = ("name", "input", "output", "errors")

    def __init__(self, name: str, input: str | None, output: str | None, errors: tuple[str, ...]) -> None:
        self.name = name
        self.input = input
        self.output = output
        self.errors = errors


class ServiceModel:
    """A distilled service: ``name`` (botocore's), ``service_id``, ``sdk``
    (the SDK class name, the error prefix), ``operation_names`` (botocore's),
    ``errors`` (SDK names of every modeled error) and the ``shapes`` of the
    operations distilled so far (compact dicts, see :func:`_compact`)."""

    __slots__ = ("name", "service_id", "sdk", "operation_names", "errors", "shapes", "_ops")

    def __init__(self, name: str, raw: dict[str, Any]) -> None:
        self.name = name
        self.service_id: str = raw["id"]
        self.sdk: str = raw["sdk"]
        self.operation_names: tuple[str, ...] = tuple(raw["ops"])
        self.errors: frozenset[str] = frozenset(raw["errors"])
        self.shapes: dict[str, dict[str, Any]] = raw["shapes"]
        self._ops: dict[str, Any] = raw["ops"]

    def operation(self, name: str) -> Operation | None:
        """The operation called ``name`` (botocore's PascalCase), if distilled."""
        found = self._ops.get(name)
        if found is None:
            return None
        return Operation(name, found[0], found[1], tuple(found[2]))

    def shape(self, name: str | None) -> dict[str, Any] | None:
        return self.shapes.get(name) if name is not None else None


def _compact(shape: dict[str, Any]) -> dict[str, Any]:
    """What the checks read of a botocore shape: type, members (name -> shape),
    required members, list member / map value shape, document flag, the
    enum and length limits of strings and lists."""
    out: dict[str, Any] = {"type": shape.get("type", "")}
    if "members" in shape:
        out["members"] = {name: m.get("shape") for name, m in shape["members"].items()}
        out["required"] = tuple(shape.get("required", ()))
        idempotent = tuple(name for name, m in shape["members"].items() if m.get("idempotencyToken"))
        if idempotent:
            out["idempotent"] = idempotent
    if "member" in shape:
        out["member"] = shape["member"].get("shape")
    if "value" in shape:
        out["value"] = shape["value"].get("shape")
    if shape.get("document"):
        out["document"] = True
    if shape.get("enum"):
        out["enum"] = tuple(shape["enum"])
    if out["type"] in ("string", "list"):
        for key in ("min", "max"):
            if isinstance(shape.get(key), int):
                out[key] = shape[key]
    return out


def _reachable(shapes: dict[str, Any], roots: Iterable[str | None], into: dict[str, Any]) -> None:
    todo = [r for r in roots if r]
    while todo:
        name = todo.pop()
        if name in into or name not in shapes:
            continue
        compact = into[name] = _compact(shapes[name])
        todo.extend(compact.get("members", {}).values())
        for key in ("member", "value"):
            if compact.get(key):
                todo.append(compact[key])


class Catalog:
    """The distilled models of the services asked for so far, backed by the
    on-disk cache; what is missing is distilled from botocore's models on first use."""

    def __init__(self) -> None:
        self.root = botocore_root()
        self.version = botocore_version(self.root)
        self.path = catalog_path(self.version)
        self.data: dict[str, Any] = {"format": FORMAT, "sfn": {}, "complete": False, "services": {}}
        self.dirty = False
        self._reader = ModelReader(self.root)
        if self.path is not None:
            self._read()

    # -- cache file -----------------------------------------------------------------

    def _read(self) -> None:
        import marshal

        assert self.path is not None
        try:
            with open(self.path, "rb") as handle:
                loaded = marshal.load(handle)
        except (OSError, EOFError, ValueError, TypeError):
            return
        if isinstance(loaded, dict) and loaded.get("format") == FORMAT and isinstance(loaded.get("services"), dict):
            self.data = loaded

    def save(self) -> None:
        """Write the cache if anything was added (atomically; failures ignored)."""
        if not self.dirty or self.path is None:
            return
        import marshal

        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(tmp, "wb") as handle:
                marshal.dump(self.data, handle)
            os.replace(tmp, self.path)
            self.dirty = False
        except (OSError, ValueError):
            try:
                os.unlink(tmp)
            except OSError:
                pass

    # -- botocore -------------------------------------------------------------------

    def _model(self, service: str) -> dict[str, Any] | None:
        return self._reader.load(service)

    def _complete_index(self) -> None:
        """Map every Step Functions service name to botocore's (once per botocore version)."""
        if self.data["complete"]:
            return
        if self.root is None:
            raise ServiceModelsUnavailable("botocore is not installed (pip install botocore)")
        index: dict[str, str] = dict(self.data["sfn"])
        for name in service_names(self.root):
            found = read_service_id(self.root, name)
            if found:
                sfn = sdk_service_name(found).lower()
                if index.get(sfn) in (None, "") or name == sfn:
                    index[sfn] = name
        self.data["sfn"] = index
        self.data["complete"] = True
        self.dirty = True

    def _distil_service(self, service: str) -> bool:
        model = self._model(service)
        if model is None:
            return False
        metadata = model.get("metadata", {})
        sid = metadata.get("serviceId") or metadata.get("serviceFullName") or service
        shapes = model.get("shapes", {})
        self.data["services"][service] = {
            "id": sid,
            "sdk": sdk_service_name(sid),
            "ops": {name: None for name in model.get("operations", {})},
            "errors": tuple(sorted(sdk_error_name(n) for n, s in shapes.items() if s.get("exception"))),
            "shapes": {},
        }
        self.dirty = True
        return True

    def _distil_operation(self, service: str, operation: str) -> None:
        model = self._model(service)
        entry = self.data["services"][service]
        if model is None or operation not in model.get("operations", {}):
            return
        op = model["operations"][operation]
        shapes = model.get("shapes", {})
        input_name = op.get("input", {}).get("shape")
        output_name = op.get("output", {}).get("shape")
        errors = tuple(sdk_error_name(e["shape"]) for e in op.get("errors", ()) if "shape" in e)
        _reachable(shapes, (input_name, output_name), entry["shapes"])
        entry["ops"][operation] = (input_name, output_name, errors)
        self.dirty = True

    # -- what the checks call ---------------------------------------------------------

    def botocore_name(self, sfn_name: str) -> str | None:
        """botocore's name of the service Step Functions calls ``sfn_name``
        (``eventbridge`` -> ``events``), or None when there is none."""
        known = self.data["sfn"].get(sfn_name)
        if known is not None:
            return known or None
        if not self.data["complete"] and sfn_name and sfn_name.isalnum():
            # Usually the names agree (dynamodb, sagemaker, lambda): confirm from the model.
            if sfn_name in self.data["services"] or self._distil_service(sfn_name):
                if self.data["services"][sfn_name]["sdk"].lower() == sfn_name:
                    self.data["sfn"][sfn_name] = sfn_name
                    self.dirty = True
                    return sfn_name
        self._complete_index()
        found = self.data["sfn"].get(sfn_name) or ""
        if not found:
            self.data["sfn"][sfn_name] = ""
            self.dirty = True
        return found or None

    def sfn_service_names(self) -> list[str]:
        """Every aws-sdk service name (for "did you mean")."""
        self._complete_index()
        return sorted(k for k, v in self.data["sfn"].items() if v)

    def sfn_name_of(self, botocore_name: str) -> str | None:
        """Step Functions' name of a botocore service (``events`` -> ``eventbridge``)."""
        self._complete_index()
        found = [k for k, v in self.data["sfn"].items() if v == botocore_name]
        return min(found) if found else None

    def service(self, name: str) -> ServiceModel | None:
        """The distilled service (botocore's name), loading it if needed."""
        if name not in self.data["services"] and not self._distil_service(name):
            return None
        return ServiceModel(name, self.data["services"][name])

    def operation(self, service: str, operation: str) -> tuple[ServiceModel, Operation] | None:
        """A service and one of its operations (botocore's names), distilled on first use."""
        model = self.service(service)
        if model is None or operation not in model.operation_names:
            return None
        if self.data["services"][service]["ops"].get(operation) is None:
            self._distil_operation(service, operation)
            model = ServiceModel(service, self.data["services"][service])
        found = model.operation(operation)
        return (model, found) if found is not None else None


_CATALOG: Catalog | None = None


def load_catalog() -> Catalog:
    """The process's catalog (read from the cache once; cheap to call again).
    A new one is made when the cache file to use changes: another cache
    directory, or another botocore version."""
    global _CATALOG
    if _CATALOG is None or _CATALOG.path != catalog_path(botocore_version()):
        _CATALOG = Catalog()
    return _CATALOG
