"""botocore's service-model files, found and read without importing botocore.

Why: importing botocore costs more (~100 ms) than reading the few models a
validation needs; and a warm run, which reads the distilled cache
(:mod:`.service_models`), needs botocore's version only, which its
``__init__.py`` states. The files are read the way botocore's loader reads
them (``data/<service>/<newest api version>/service-2.json[.gz]``); when
``~/.aws/models`` may override them, or the layout is not what is expected,
botocore's own loader decides.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["ServiceModelsUnavailable", "botocore_root", "botocore_version", "service_names", "service_id", "ModelReader"]


class ServiceModelsUnavailable(RuntimeError):
    """botocore is not installed (or its data cannot be read)."""


def botocore_root() -> str | None:
    """botocore's package directory (found, not imported), or None."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("botocore")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    return os.path.dirname(spec.origin)


def botocore_version(root: str | None = None) -> str | None:
    """botocore's ``__version__``, read from its source."""
    root = root or botocore_root()
    if root is None:
        return None
    try:
        with open(os.path.join(root, "__init__.py"), encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("__version__"):
                    return line.split("=", 1)[1].strip().strip("'\"")
    except OSError:
        return None
    return None


def service_names(root: str) -> list[str]:
    """Every service botocore has data for (botocore's names)."""
    try:
        return sorted(n for n in os.listdir(os.path.join(root, "data")) if not n.startswith("."))
    except OSError as exc:
        raise ServiceModelsUnavailable(f"botocore's models cannot be read: {exc}") from exc


def _newest_model_file(root: str, service: str) -> str | None:
    """The model file botocore's loader picks: the newest API version's."""
    folder = os.path.join(root, "data", service)
    try:
        versions = sorted(v for v in os.listdir(folder) if not v.startswith("."))
    except OSError:
        return None
    for version in reversed(versions):
        for file_name in ("service-2.json", "service-2.json.gz"):
            path = os.path.join(folder, version, file_name)
            if os.path.isfile(path):
                return path
    return None


def _read(path: str, size: int = -1) -> bytes:
    if path.endswith(".gz"):
        import gzip

        with gzip.open(path, "rb") as handle:
            return handle.read(size)
    with open(path, "rb") as handle:
        return handle.read(size)


def service_id(root: str, service: str) -> str | None:
    """A service's ``serviceId``, from the head of its newest model file:
    mapping all 400-odd services by their whole models would take seconds,
    their heads take a tenth of one."""
    path = _newest_model_file(root, service)
    if path is None:
        return None
    try:
        head = _read(path, 4096)
    except OSError:
        return None
    marker = b'"serviceId"'
    at = head.find(marker)
    if at < 0:
        return None
    rest = head[at + len(marker) :].lstrip(b" :\t\r\n")
    end = rest.find(b'"', 1)
    return rest[1:end].decode("utf-8", "replace") if rest.startswith(b'"') and end > 0 else None


class ModelReader:
    """Reads whole service models (``service-2``), each at most once."""

    def __init__(self, root: str | None) -> None:
        self.root = root
        self._loader: Any = None
        self._models: dict[str, dict[str, Any] | None] = {}

    def load(self, service: str) -> dict[str, Any] | None:
        """botocore's model of ``service`` (botocore's name), or None when there is none."""
        if service not in self._models:
            if self.root is None:
                raise ServiceModelsUnavailable("botocore is not installed (pip install botocore)")
            if self._files_decide():
                self._models[service] = self._read_file(service)
            else:
                self._models[service] = self._with_botocore(service)
        return self._models[service]

    def _files_decide(self) -> bool:
        """Whether botocore's data directory is all there is (no
        ``~/.aws/models`` that botocore's loader would read first)."""
        assert self.root is not None
        customer = os.path.join(os.path.expanduser("~"), ".aws", "models")
        return os.path.isdir(os.path.join(self.root, "data")) and not os.path.isdir(customer)

    def _read_file(self, service: str) -> dict[str, Any] | None:
        """botocore's ``sdk-extras`` are not merged: they add boto-only
        parameters, which Step Functions does not pass."""
        assert self.root is not None
        path = _newest_model_file(self.root, service)
        if path is None:
            return None
        import json

        try:
            model = json.loads(_read(path))
        except (OSError, ValueError, EOFError):
            return None
        return model if isinstance(model, dict) and isinstance(model.get("operations"), dict) else None

    def _with_botocore(self, service: str) -> dict[str, Any] | None:
        if self._loader is None:
            try:
                from botocore.loaders import Loader
            except ImportError as exc:  # pragma: no cover - found but broken
                raise ServiceModelsUnavailable(f"botocore cannot be imported: {exc}") from exc
            self._loader = Loader()
        try:
            model = self._loader.load_service_model(service, "service-2")
        except Exception:  # UnknownServiceError, DataNotFoundError, a broken file: no such service
            return None
        return model if isinstance(model, dict) else None
