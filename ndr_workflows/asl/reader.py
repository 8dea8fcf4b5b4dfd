"""The one reader: a file, JSON text, a dict or a flow -> a definition.

Every part that takes "a definition" (the validator, the simulator, the
diagrams, the deploy, the pipeline contracts) reads it here, the same way:

* a path (``os.PathLike``, or a ``str`` naming an existing file) is read
  as a file; other ``str`` and ``bytes`` are parsed as JSON text;
* a ``dict`` (or another mapping) must be JSON data (string keys, no NaN),
  as must any other JSON value (the validator reports that it is no
  definition);
* a flow -- any object with ``checked_dict()``, as the model's
  ``StateMachine`` has -- is rendered, with its build problems as findings
  (this layer never imports the model: it only calls the method);
* any other object with ``to_dict()`` (the Data Science SDK's graphs).

A flow NAME is not read here: resolving one needs the flow registry, which
sits above every part that reads definitions (``ndr_workflows.cli``).

JSON text is parsed with the duplicate keys kept in view: ``json.loads``
silently keeps the last of two equal keys, so a state defined twice under
one name would vanish without a word. The reader records every object that
had a duplicate key and reports it at the state that holds it. The one
writer, :func:`dumps`, is here too: the canonical text of a definition.

Every file the package reads -- definitions, environment files (JSON or
YAML), mock configurations, execution inputs -- comes through here and is
held to the same limits, so that nothing downstream meets a value it cannot
handle (a traceback, a RecursionError, an Infinity that cannot be written
back): UTF-8 only (a BOM is allowed; UTF-16/32 and invalid bytes are named),
nesting at most :data:`MAX_DEPTH` deep, integers of at most
:data:`MAX_INT_DIGITS` digits, no NaN, no Infinity and no number too large
for a double, no unpaired surrogate (``"\\ud800"``, which no UTF-8 writer
can encode). :func:`read_data` is the strict form for everything that is
not a definition: a duplicate key is an error there (an environment file
naming ``LockTableName`` twice would otherwise deploy the last one without
a word), and YAML is read without aliases (no "billion laughs").
"""

from __future__ import annotations

import json
import os
import re

from .problems import Problem
from .walk import nested_graphs

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path
    from typing import Any, TypeGuard

__all__ = ["UnusableInput", "Definition", "read_definition", "parse_text", "read_file", "read_data", "check_json_data", "dumps", "is_path", "MAX_DEPTH", "MAX_INT_DIGITS"]

#: Deepest nesting of objects and arrays accepted (a definition of the five
#: flows is under 20 deep; recursive code downstream needs a bound).
MAX_DEPTH = 100
#: Longest integer accepted, in digits (Python refuses to convert past 4,300;
#: Step Functions' JSONata computes with doubles anyway).
MAX_INT_DIGITS = 100


_SURROGATE = re.compile("[\ud800-\udfff]")
_INT_LIMIT = 10**MAX_INT_DIGITS


class UnusableInput(ValueError):
    """The input cannot be judged at all: unreadable, or not JSON."""


class Definition:
    """What :func:`read_definition` found: ``data`` (the parsed definition,
    a dict when usable), ``name`` (the flow's name or the file's stem, ""
    when there is none), ``findings`` (duplicate keys; a flow's build
    problems), ``size`` (bytes of the file or text, None for data) and
    ``built`` (whether it came from a flow, whose build checks have run)."""

    __slots__ = ("data", "name", "findings", "size", "built")

    def __init__(self, data: Any, name: str = "", findings: list[Problem] | None = None, size: int | None = None, built: bool = False) -> None:
        self.data = data
        self.name = name
        self.findings = findings or []
        self.size = size
        self.built = built


def is_path(value: object) -> TypeGuard[str | os.PathLike[str]]:
    """Whether :func:`read_definition` reads ``value`` as a file name."""
    if isinstance(value, os.PathLike):
        return True
    return isinstance(value, str) and not value.lstrip().startswith(("{", "[")) and os.path.isfile(value)


def read_definition(value: object, source: str = "definition") -> Definition:
    """``value`` read as the module's docstring says; UnusableInput when it
    cannot be read or is not JSON data (``source`` names it in messages)."""
    if isinstance(value, (dict, list, int, float)) or value is None:  # JSON data (the checks judge a non-object)
        check_json_data(value, source)
        return Definition(value)
    checked = getattr(value, "checked_dict", None)
    if callable(checked):  # a flow: rendered, its build problems as findings
        data, problems = checked()
        return Definition(data, str(getattr(value, "name", None) or ""), list(problems), built=True)
    if is_path(value):
        path = os.fspath(value)
        data, findings, size = read_file(path)
        return Definition(data, os.path.splitext(os.path.basename(path))[0], findings, size)
    if isinstance(value, (str, bytes)):
        try:
            data, findings = parse_text(value, source)
        except UnusableInput:
            if isinstance(value, str) and value.strip() and not value.lstrip().startswith(("{", "[")) and "\n" not in value:
                raise UnusableInput(f"{source}: {value!r} is neither JSON text nor an existing file") from None
            raise
        return Definition(data, "", findings, len(value.encode("utf-8") if isinstance(value, str) else value))
    if callable(getattr(value, "to_dict", None)):  # the SDK's graphs
        return read_definition(dict(value.to_dict()), source)  # type: ignore[attr-defined]
    if hasattr(value, "keys") and hasattr(value, "__getitem__"):  # another Mapping
        return read_definition({key: value[key] for key in value.keys()}, source)  # type: ignore[attr-defined, index]
    raise UnusableInput(f"{source}: expected a definition (a dict, JSON text, a file) or a flow, not {type(value).__name__}")


def dumps(definition: Any) -> str:
    """The canonical text of a definition: keys in their order, 2-space
    indent, non-ASCII as is (UTF-8), a newline at the end. The export
    writes these bytes and the deploy sends them."""
    return json.dumps(definition, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _Refused(ValueError):
    """A number the reader refuses (raised from json's hooks, not a syntax error)."""


def _int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer of {digits} digits (at most {MAX_INT_DIGITS} are accepted)")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        shown = text if len(text) <= 24 else text[:20] + "..."
        raise _Refused(f"the number {shown} is too large for a double")
    return value


_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def _decode(data: bytes, source: str) -> str:
    """UTF-8 text (a BOM allowed), or UnusableInput naming the encoding found."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            raise UnusableInput(f"{source}: {name} text (it starts with a {name} byte order mark); save it as UTF-8")
    if b"\x00" in data[:4]:
        raise UnusableInput(f"{source}: holds NUL bytes at its start: UTF-16 or UTF-32 text, or not text at all; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnusableInput(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def parse_text(text: str | bytes, source: str = "definition") -> tuple[Any, list[Problem]]:
    """(definition, findings about duplicate keys); UnusableInput if not JSON."""
    duplicates: dict[int, list[str]] = {}

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        dups = []
        for key, value in items:
            if key in out:
                dups.append(key)
            out[key] = value
        if dups:
            duplicates[id(out)] = dups
        return out

    if isinstance(text, bytes):
        text = _decode(text, source)
    elif text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise UnusableInput(f"{source}: empty, not a JSON definition")
    definition = _loads(text, source, pairs)
    findings: list[Problem] = []
    if duplicates:
        _report(definition, duplicates, findings)
    return definition, findings


def _loads(text: str, source: str, pairs: Any) -> Any:
    """json.loads with the reader's limits; UnusableInput naming the problem."""
    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=_no_constant, parse_int=_int, parse_float=_float)
    except _Refused as exc:
        raise UnusableInput(f"{source}: not usable JSON: {exc}") from None
    except ValueError as exc:
        raise UnusableInput(f"{source}: not JSON: {exc}") from None
    except RecursionError:
        raise UnusableInput(f"{source}: not usable JSON: nested too deeply (at most {MAX_DEPTH} levels)") from None
    _check_parsed(data, source)
    return data


def _check_parsed(value: Any, source: str) -> None:
    """The limits json.loads does not apply itself: depth and unpaired surrogates."""
    todo = [(value, 1)]
    while todo:
        item, depth = todo.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                raise UnusableInput(f"{source}: not usable JSON: nested too deeply (at most {MAX_DEPTH} levels)")
            if isinstance(item, dict):
                for key, inner in item.items():
                    if _SURROGATE.search(key):
                        raise UnusableInput(f"{source}: not usable JSON: the key {key!r} holds an unpaired surrogate (not Unicode text)")
                    todo.append((inner, depth + 1))
            else:
                todo.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str) and _SURROGATE.search(item):
            shown = item if len(item) <= 40 else item[:37] + "..."
            raise UnusableInput(f"{source}: not usable JSON: the string {shown!r} holds an unpaired surrogate (not Unicode text)")


def check_json_data(value: Any, where: str = "definition") -> None:
    """Raise UnusableInput unless ``value`` is JSON data (a Python dict
    handed to validate(): string keys, JSON scalars, no NaN) within the
    reader's limits (depth, integer size). Unpaired surrogates are left to
    the parts that write text (the diagrams show them as U+FFFD); in a
    file they are refused (:func:`parse_text`)."""
    todo = [(value, where, 1)]
    while todo:
        item, at, depth = todo.pop()
        if isinstance(item, (dict, list, tuple)) and depth > MAX_DEPTH:
            raise UnusableInput(f"{at}: nested too deeply (at most {MAX_DEPTH} levels)")
        if isinstance(item, dict):
            for k, v in item.items():
                if not isinstance(k, str):
                    raise UnusableInput(f"{at}: key {k!r} is not a string, so this is not JSON data")
                todo.append((v, f"{at}.{k}", depth + 1))
        elif isinstance(item, (list, tuple)):
            todo.extend((v, f"{at}[{i}]", depth + 1) for i, v in enumerate(item))
        elif isinstance(item, float) and (item != item or item in (float("inf"), float("-inf"))):
            raise UnusableInput(f"{at}: {item!r} is not JSON")
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int) and abs(item) >= _INT_LIMIT:
            raise UnusableInput(f"{at}: an integer of more than {MAX_INT_DIGITS} digits")
        elif not isinstance(item, (str, int, float)):
            raise UnusableInput(f"{at}: {type(item).__name__} is not a JSON value")


def read_file(path: str | os.PathLike[str] | Path) -> tuple[Any, list[Problem], int]:
    """(definition, duplicate-key findings, size in bytes) of a file."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except IsADirectoryError:
        raise UnusableInput(f"{path}: is a directory, not a definition file") from None
    except OSError as exc:
        raise UnusableInput(f"{path}: cannot be read: {exc.strerror or exc}") from None
    definition, findings = parse_text(data, str(path))
    return definition, findings, len(data)


def read_data(value: str | bytes | os.PathLike[str], source: str | None = None, *, yaml: bool | None = None) -> Any:
    """Strictly read a file that is not a definition (an environment file, a
    mock configuration, an execution input): JSON data or UnusableInput,
    one message naming ``source`` (default: the path) and the problem.

    ``value``: a path (``str`` or ``os.PathLike``), or the content itself as
    ``bytes`` (stdin, text from a notebook). ``yaml``: read YAML (None: by the file's extension, .yaml/.yml). On top
    of :func:`parse_text`'s limits, a key appearing twice in one object is
    an error, and YAML is read without aliases, tags beyond the JSON types
    or values JSON cannot hold (dates, NaN).
    """
    if not isinstance(value, bytes):
        path = os.fspath(value)
        source = source or path
        if yaml is None:
            yaml = path.lower().endswith((".yaml", ".yml"))
        try:
            with open(path, "rb") as handle:
                value = handle.read()
        except IsADirectoryError:
            raise UnusableInput(f"{source}: is a directory, not a file") from None
        except OSError as exc:
            raise UnusableInput(f"{source}: cannot be read: {exc.strerror or exc}") from None
    source = source or "text"
    text = _decode(value, source)
    if not text.strip():
        raise UnusableInput(f"{source}: empty")
    if yaml:
        from ._yaml import YamlUnusable, load_yaml

        try:
            data = load_yaml(text, MAX_DEPTH, MAX_INT_DIGITS)
        except YamlUnusable as exc:
            raise UnusableInput(f"{source}: {exc}") from None
        check_json_data(data, source)
        return data
    duplicates: list[tuple[dict[str, Any], str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, inner in items:
            if key in out:
                duplicates.append((out, key))
            out[key] = inner
        return out

    data = _loads(text, source, pairs)
    if duplicates:
        target, key = duplicates[0]
        where = _path_to(data, target)
        raise UnusableInput(f"{source}: the key {key!r} appears more than once in {f'{where!r}' if where else 'the top-level object'}; only one value can count, so none does")
    return data


def _path_to(data: Any, target: Any) -> str:
    """The dotted path of the object ``target`` inside ``data`` ("" at the top)."""
    todo: list[tuple[Any, str]] = [(data, "")]
    while todo:
        item, at = todo.pop()
        if item is target:
            return at
        if isinstance(item, dict):
            todo.extend((v, f"{at}.{k}" if at else k) for k, v in item.items())
        elif isinstance(item, list):
            todo.extend((v, f"{at}[{i}]") for i, v in enumerate(item))
    return ""


def _report(definition: Any, duplicates: dict[int, list[str]], out: list[Problem]) -> None:
    def value(v: Any, path: str, label: str) -> None:
        if isinstance(v, dict):
            for key in duplicates.get(id(v), ()):
                where = f"{label}.{key}" if label else key
                out.append(Problem(path, "DUPLICATE_KEY", f"{where}: the key appears more than once in one object; JSON keeps only the last", "remove or rename one of them"))
            for k, inner in v.items():
                value(inner, path, f"{label}.{k}" if label else k)
        elif isinstance(v, list):
            for i, inner in enumerate(v):
                value(inner, path, f"{label}[{i}]")

    def graph(g: Any, prefix: str, owner: str, label: str) -> None:
        if not isinstance(g, dict):
            value(g, owner, label)
            return
        for key in duplicates.get(id(g), ()):
            if key == "States":
                out.append(Problem(owner, "DUPLICATE_KEY", f"{label + '.' if label else ''}States appears more than once; JSON keeps only the last"))
            else:
                out.append(Problem(owner, "DUPLICATE_KEY", f"{label + '.' if label else ''}{key}: the key appears more than once in one object; JSON keeps only the last"))
        for key, v in g.items():
            if key != "States" or not isinstance(v, dict):
                value(v, owner, f"{label}.{key}" if label else key)
                continue
            for name in duplicates.get(id(v), ()):
                out.append(
                    Problem(prefix + name, "DUPLICATE_NAME", f"state name '{name}' is defined more than once in one States object; JSON keeps only the last definition", "state names must be unique in the whole state machine")
                )
            for name, state in v.items():
                path = prefix + name
                if not isinstance(state, dict):
                    continue
                for key2 in duplicates.get(id(state), ()):
                    out.append(Problem(path, "DUPLICATE_KEY", f"{key2}: the field appears more than once in state '{name}'; JSON keeps only the last", "remove one of them"))
                nested = {f.split("[")[0] for f, _, _ in nested_graphs(state)}
                for field, inner in state.items():
                    if field in nested:
                        graphs = inner if isinstance(inner, list) else [inner]
                        for i, sub in enumerate(graphs):
                            graph(sub, path + "/", path, f"{field}[{i}]" if field == "Branches" else field)
                    else:
                        value(inner, path, field)

    graph(definition, "", "", "")
