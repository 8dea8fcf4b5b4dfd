"""Family 5: quotas, ``${Name}`` placeholders, EXPRESS restrictions.

Placeholders are how the exported definitions stay free of account and
environment specifics; the deploy substitutes them from an environment
file. A malformed one (``${``, ``${}``, ``${bad name}``) would never be
substituted, and an unresolved one reaching AWS is a broken ARN or name at
run time, so with ``for_deploy`` every remaining placeholder is an error.
"""

from __future__ import annotations

from ..asl.common import describe
from ..asl.problems import Problem
from ..asl.walk import iter_states, map_mode, nested_graphs

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterator
    from typing import Any

    from ..asl.common import Add

__all__ = ["check_quotas", "check_placeholders", "check_express", "placeholders", "iter_strings", "MAX_DEFINITION_BYTES", "FULL_CHECK_LIMIT", "encoded_size"]

MAX_DEFINITION_BYTES = 1_048_576
# Beyond this a definition is only measured: AWS refuses it whatever else it
# holds, and checking tens of megabytes in full would take minutes.
FULL_CHECK_LIMIT = 8 * MAX_DEFINITION_BYTES


def iter_strings(definition: Any) -> Iterator[tuple[str, str, str]]:
    """(state path, field label, string) of every string value in the
    definition; strings outside any state have the path ""."""
    if not isinstance(definition, dict):
        return
    yield from _graph_strings(definition, "", top=True)


def _graph_strings(graph: dict[str, Any], prefix: str, top: bool = False) -> Iterator[tuple[str, str, str]]:
    owner = prefix[:-1]
    for key, value in graph.items():
        if key == "States" and isinstance(value, dict):
            for name, state in value.items():
                path = prefix + str(name)
                if not isinstance(state, dict):
                    yield from _values(state, path, "")
                    continue
                nested = {field.split("[")[0] for field, _, _ in nested_graphs(state)}
                for field, inner in state.items():
                    if field in nested:
                        graphs = inner if isinstance(inner, list) else [inner]
                        for i, g in enumerate(graphs):
                            if isinstance(g, dict):
                                yield from _graph_strings(g, path + "/")
                            else:
                                yield from _values(g, path, f"{field}[{i}]" if field == "Branches" else field)
                    else:
                        yield from _values(inner, path, field)
        else:
            yield from _values(value, owner if not top else "", key)


def _values(value: Any, path: str, label: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(value, str):
        yield path, label, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _values(v, path, f"{label}.{k}" if label else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _values(v, path, f"{label}[{i}]")


def _is_name(name: str) -> bool:
    return bool(name) and (name[0].isalpha() or name[0] == "_") and all(ch.isalnum() or ch == "_" for ch in name) and name.isascii()


def _scan(text: str) -> Iterator[tuple[str, str | None]]:
    """(placeholder text, problem or None) for each ``${`` in ``text``."""
    start = text.find("${")
    while start >= 0:
        end = text.find("}", start + 2)
        if end < 0:
            yield text[start : start + 40], "is not closed with '}'"
            return
        name = text[start + 2 : end]
        if not name:
            yield "${}", "has no name"
        elif not _is_name(name):
            yield text[start : end + 1], "is not a valid name (letters, digits and underscores, not starting with a digit)"
        else:
            yield name, None
        start = text.find("${", end + 1)


def placeholders(definition: Any) -> list[str]:
    """The names of the well-formed ``${Name}`` placeholders, sorted."""
    names = {name for _, _, text in iter_strings(definition) if "${" in text for name, problem in _scan(text) if problem is None}
    return sorted(names)


def check_placeholders(definition: Any, add: Add, *, for_deploy: bool) -> None:
    for path, label, text in iter_strings(definition):
        if "${" not in text:
            continue
        for name, problem in _scan(text):
            if problem is not None:
                add(Problem(path, "BAD_PLACEHOLDER", f"{label}: placeholder {name!r} {problem}", "write ${Name}; the deploy substitutes it from the environment file"))
            elif for_deploy:
                add(Problem(path, "UNRESOLVED_PLACEHOLDER", f"{label}: placeholder ${{{name}}} is not substituted", f"set {name} in the environment file the deploy reads"))


def check_quotas(definition: Any, add: Add, *, size: int | None) -> None:
    if size is None:
        try:
            size = encoded_size(definition)
        except (TypeError, ValueError, RecursionError):
            return  # not JSON data: nothing to measure (reported elsewhere)
    if size > MAX_DEFINITION_BYTES:
        # Name the state that takes the most room (its own fields, nested graphs aside).
        largest, largest_size = "", 0
        for path, _, state, _ in iter_states(definition):
            own = {k: v for k, v in state.items() if k not in ("ItemProcessor", "Iterator", "Branches")}
            try:
                n = encoded_size(own)
            except (TypeError, ValueError, RecursionError):
                continue
            if n > largest_size:
                largest, largest_size = path, n
        where = f"; the largest state is '{largest}' ({largest_size:,} bytes)" if largest else ""
        add(
            Problem(
                largest,
                "DEFINITION_TOO_LARGE",
                f"the definition has {size:,} bytes; Step Functions allows at most {MAX_DEFINITION_BYTES:,}{where}",
                "split it into state machines started with states:startExecution",
            )
        )


def check_express(definition: Any, add: Add) -> None:
    for path, _, state, _ in iter_states(definition):
        kind = state.get("Type")
        resource = state.get("Resource")
        if kind == "Task" and isinstance(resource, str):
            for suffix, what in ((".waitForTaskToken", "callbacks (.waitForTaskToken)"), (".sync", "run-to-completion tasks (.sync)")):
                if resource.endswith(suffix) or f"{suffix}:" in resource:
                    add(Problem(path, "EXPRESS_UNSUPPORTED", f"Resource {describe(resource)}: EXPRESS state machines do not support {what}", "use a STANDARD state machine, or the request-response form with polling"))
        if kind == "Map" and map_mode(state) == "DISTRIBUTED":
            add(Problem(path, "EXPRESS_UNSUPPORTED", "EXPRESS state machines do not support a DISTRIBUTED Map", "use a STANDARD state machine, or an INLINE Map"))


def encoded_size(value: Any) -> int:
    """The size Step Functions counts against its quotas: the bytes of the
    compact JSON (``json``'s C encoder measures 30 MB in about a second).
    TypeError / ValueError for what is not JSON."""
    import json

    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8"))
