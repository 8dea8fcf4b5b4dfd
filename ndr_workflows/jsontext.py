"""JSON text without importing :mod:`json`.

``import json`` pulls in ``re`` (and ``enum``, ``functools``...), about a
quarter of the export's start-up budget. The renderer needs only encoding,
and only of plain data, so this module writes it with the C string quoting
``_json`` that :mod:`json` itself uses. The test suite checks it against
``json.dumps`` on random documents.
"""

from __future__ import annotations

try:
    from _json import encode_basestring as quote
except ImportError:  # pragma: no cover - interpreters without the accelerator
    from json.encoder import py_encode_basestring as quote

__all__ = ["quote", "compact", "pretty", "encoded_size"]


def _scalar(value: object) -> str:
    if isinstance(value, str):
        return quote(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value!r} is not JSON")
        return float.__repr__(value)
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON")


def compact(value: object) -> str:
    """Like ``json.dumps(value, ensure_ascii=False, separators=(",", ":"))``."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{quote(_key(k))}:{compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(compact(v) for v in value) + "]"
    return _scalar(value)


def _not_json(value: object) -> object:
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON")


def encoded_size(value: object, *, string_keys: bool = False) -> int:
    """``len(compact(value).encode("utf-8"))``: the size Step Functions counts
    against its quotas. Written by the C encoder behind :mod:`json` when it
    is there (a 30 MB definition is measured in about a second);
    TypeError / ValueError for what is not JSON, as :func:`compact`.
    ``string_keys``: the caller knows every key is a string (data read from
    JSON), so they are not checked again."""
    try:
        from _json import make_encoder
    except ImportError:  # pragma: no cover - interpreters without the accelerator
        return len(compact(value).encode("utf-8"))
    if not string_keys and _has_bad_key(value):
        compact(value)  # raises the TypeError naming the key
    encode = make_encoder(None, _not_json, quote, None, ":", ",", False, False, False)
    return len("".join(encode(value, 0)).encode("utf-8"))


def _has_bad_key(value: object) -> bool:
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            if not all(type(k) is str for k in item):
                return True
            todo.extend(item.values())
        elif isinstance(item, (list, tuple)):
            todo.extend(item)
    return False


def pretty(value: object) -> str:
    """Like ``json.dumps(value, indent=2, ensure_ascii=False)`` plus a final newline."""
    out: list[str] = []
    _pretty(value, "\n", out)
    out.append("\n")
    return "".join(out)


def _key(key: object) -> str:
    if isinstance(key, str):
        return key
    raise TypeError(f"object keys must be strings, not {type(key).__name__} {key!r}")


def _pretty(value: object, newline: str, out: list[str]) -> None:
    if isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        out.append("{")
        first = True
        for k, v in value.items():
            out.append(inner if first else "," + inner)
            first = False
            out.append(quote(_key(k)))
            out.append(": ")
            _pretty(v, inner, out)
        out.append(newline + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        out.append("[")
        first = True
        for v in value:
            out.append(inner if first else "," + inner)
            first = False
            _pretty(v, inner, out)
        out.append(newline + "]")
    else:
        out.append(_scalar(value))
