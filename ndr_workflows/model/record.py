"""A small immutable value type for the model.

Why not ``dataclasses(frozen=True, slots=True)``: a dataclass compiles its
generated methods when its class is defined, at every start-up (no bytecode
cache), and the export defines 33 of these classes: measured 10-20 ms more
per export (``scripts/bench_records.py`` converts them in a copy of the
package and runs both side by side; figures in docs/design/hand_written.md).
A slotted class with an explicit ``__init__`` gives the same value
semantics (immutable, compared and hashed by value, ``replace()`` through
``__init__`` so the result is checked again) and keeps the signatures
readable in a notebook.
"""

from __future__ import annotations

TYPE_CHECKING = False  # avoids importing typing at run time; type checkers treat it as True
if TYPE_CHECKING:  # pragma: no cover
    from typing import TypeVar

    _R = TypeVar("_R", bound="Record")

__all__ = ["Record"]


class Record:
    """Immutable, slotted, compared by value; subclasses list ``__slots__``."""

    __slots__ = ()

    @classmethod
    def _fields(cls) -> tuple[str, ...]:
        cached = cls.__dict__.get("_field_cache")
        if cached is not None:
            return cached
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            for slot in klass.__dict__.get("__slots__", ()):
                if slot not in names:
                    names.append(slot)
        result = tuple(names)
        type.__setattr__(cls, "_field_cache", result)
        return result

    def _set(self, **values: object) -> None:
        for key, value in values.items():
            object.__setattr__(self, key, value)

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable; use .replace({key}=...) for a changed copy")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def _values(self) -> tuple[object, ...]:
        return tuple(getattr(self, f, None) for f in self._fields())

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self).__name__,) + tuple(_freeze(v) for v in self._values()))

    def __repr__(self) -> str:
        parts = [f"{f}={getattr(self, f, None)!r}" for f in self._fields() if getattr(self, f, None) not in (None, (), False, {})]
        return f"{type(self).__name__}({', '.join(parts)})"

    def as_kwargs(self) -> dict[str, object]:
        """The constructor arguments that rebuild this value."""
        return {f: getattr(self, f, None) for f in self._fields() if not f.startswith("_")}

    def replace(self: _R, **changes: object) -> _R:
        """A copy with ``changes`` applied (through ``__init__``, so checked)."""
        kwargs = self.as_kwargs()
        kwargs.update(changes)
        extra = getattr(self, "_extra", None)
        if extra:
            kwargs.update(extra)
        return type(self)(**kwargs)


def _freeze(value: object) -> object:
    if isinstance(value, dict):
        return tuple((k, _freeze(v)) for k, v in value.items())
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value
