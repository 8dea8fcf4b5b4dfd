"""The machine-read tables of the flow pages, ``docs/flows/<NAME>.md``.

One format, one module: ``scripts/refresh`` rewrites the tables with it and
the contract tests (``tests/flows/``) read them with it. A flow page holds

* a **parameters** table, ``| parameter | default |``: the runtime
  parameters in the order ``ResolvePipelineRuntimeParams`` assigns them; the
  default column is prose written by people (``**required**`` in it marks a
  parameter the flow rejects a run without);
* a **states** table, ``| state | type / call | then | notes |``: one row per
  state of the exported (callback) form, states inside a Map written
  ``Map/Inner``. The first three columns are derived from the definition; the
  notes are written by people and never rewritten.

Cell grammar (what :func:`call_cell` and :func:`then_cell` write, and
:func:`parse_call` / :func:`parse_then` read back):

* type / call: the state's ``Type``; a Map adds ``(inline)`` or
  ``(distributed)``; a Fail adds its literal Error in backticks; a Task adds
  its resource without ``arn:aws:states:::`` and then, when it is a literal,
  what it calls: the pipeline, function or table name, or the event's
  DetailType, e.g. ``Task `aws-sdk:sagemaker:startPipelineExecution` `${PipelineName15m}```.
* then: parts joined by ``; ``: the Next state in backticks or ``end``;
  ``rule N → `X``` for the N-th Choice rule and ``otherwise → `Y``` for its
  Default; ``on `E1`, `E2` → `Z``` for each Catch, in order; ``—`` when the
  state has no transition (Succeed, Fail).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

STATE_HEADER = ("state", "type / call", "then", "notes")
PARAM_HEADER = ("parameter", "default")
PARAMS_STATE = "ResolvePipelineRuntimeParams"
NEW_STATE_NOTE = "*(added by scripts/refresh: say what this state is for)*"
NEW_PARAM_NOTE = "*(added by scripts/refresh: say its default)*"
ARN_PREFIX = "arn:aws:states:::"
NOTHING = "—"


# ---------------------------------------------------------------------------
# Markdown tables.
# ---------------------------------------------------------------------------


def split_row(line: str) -> list[str]:
    """The cells of one table line, stripped; ``\\|`` stays inside its cell."""
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", text)]


@dataclass
class Table:
    """A table found in a page: lines ``start`` (the header) to ``end``
    (exclusive), and its data rows as cells."""

    start: int
    end: int
    rows: list[list[str]] = field(default_factory=list)


def find_table(lines: Sequence[str], header: Sequence[str]) -> Table | None:
    """The first table whose header cells are ``header`` (case-insensitive)."""
    wanted = [h.lower() for h in header]
    for index, line in enumerate(lines):
        if not line.lstrip().startswith("|") or [c.lower() for c in split_row(line)] != wanted:
            continue
        end = index + 2  # header and separator
        rows = []
        while end < len(lines) and lines[end].lstrip().startswith("|"):
            rows.append(split_row(lines[end]))
            end += 1
        return Table(index, end, rows)
    return None


def table_lines(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    def line(cells: Sequence[str]) -> str:
        return "|" + "".join(f" {cell} |" if cell else " |" for cell in cells)

    return [line(header), "|" + "---|" * len(header)] + [line(row) for row in rows]


# ---------------------------------------------------------------------------
# States of a definition and their derived cells.
# ---------------------------------------------------------------------------


def walk(definition: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(path, state) in declaration order; a Map's states as ``Map/Inner``,
    a Parallel's as ``Parallel[i]/Inner``."""
    for name, state in definition["States"].items():
        path = prefix + name
        yield path, state
        if isinstance(state.get("ItemProcessor"), Mapping):
            yield from walk(state["ItemProcessor"], path + "/")
        for i, branch in enumerate(state.get("Branches") or ()):
            yield from walk(branch, f"{path}[{i}]/")


def _literal(value: object) -> str | None:
    if isinstance(value, str) and value and not value.startswith("{%") and "`" not in value and "|" not in value:
        return value
    return None


def _target(state: Mapping[str, Any]) -> str | None:
    """What a Task calls, when the definition says it literally."""
    arguments = state.get("Arguments")
    if not isinstance(arguments, Mapping):
        return None
    for key in ("PipelineName", "FunctionName", "TableName", "StateMachineArn"):
        if key in arguments:
            return _literal(arguments[key])
    entries = arguments.get("Entries")
    if isinstance(entries, list) and len(entries) == 1 and isinstance(entries[0], Mapping):
        return _literal(entries[0].get("DetailType"))
    return None


def call_cell(state: Mapping[str, Any]) -> str:
    kind = str(state.get("Type"))
    if kind == "Map":
        config = (state.get("ItemProcessor") or {}).get("ProcessorConfig") or {}
        return f"Map ({str(config.get('Mode', 'INLINE')).lower()})"
    if kind == "Fail":
        error = _literal(state.get("Error"))
        return f"Fail `{error}`" if error else "Fail"
    if kind == "Task":
        resource = str(state.get("Resource", ""))
        cell = f"Task `{resource.removeprefix(ARN_PREFIX)}`"
        target = _target(state)
        return f"{cell} `{target}`" if target else cell
    return kind


def then_cell(state: Mapping[str, Any]) -> str:
    parts = []
    if "Next" in state:
        parts.append(f"`{state['Next']}`")
    elif state.get("End"):
        parts.append("end")
    for number, rule in enumerate(state.get("Choices") or (), 1):
        parts.append(f"rule {number} → `{rule.get('Next')}`")
    if "Default" in state:
        parts.append(f"otherwise → `{state['Default']}`")
    for catcher in state.get("Catch") or ():
        errors = ", ".join(f"`{e}`" for e in catcher.get("ErrorEquals", ()))
        parts.append(f"on {errors} → `{catcher.get('Next')}`")
    return "; ".join(parts) or NOTHING


# ---------------------------------------------------------------------------
# Reading the cells back.
# ---------------------------------------------------------------------------

_CALL = re.compile(r"(?P<type>[A-Za-z]+)(?: \((?P<mode>inline|distributed)\))?(?: `(?P<first>[^`]+)`)?(?: `(?P<second>[^`]+)`)?")
_RULE = re.compile(r"rule (?P<number>\d+) → `(?P<next>[^`]+)`")
_CATCH = re.compile(r"on (?P<errors>`[^`]+`(?:, `[^`]+`)*) → `(?P<next>[^`]+)`")


class CellError(ValueError):
    """A cell that does not follow the grammar above."""


def parse_call(cell: str) -> dict[str, Any]:
    """``{"type", "mode", "resource", "target", "error"}`` (None when absent)."""
    found = _CALL.fullmatch(cell.strip())
    if not found:
        raise CellError(f"type / call {cell!r} is not 'Type', 'Map (inline)', 'Fail `Error`' or 'Task `resource` `target`'")
    kind, first, second = found["type"], found["first"], found["second"]
    if (found["mode"] and kind != "Map") or (first and kind not in ("Task", "Fail")) or (second and kind != "Task"):
        raise CellError(f"type / call {cell!r}: only a Map has a mode, only a Task or a Fail has a `value`")
    return {
        "type": kind,
        "mode": found["mode"],
        "resource": (first if first.startswith("arn:") else ARN_PREFIX + first) if kind == "Task" and first else None,
        "target": second,
        "error": first if kind == "Fail" else None,
    }


def parse_then(cell: str) -> dict[str, Any]:
    """``{"next", "end", "rules", "default", "catch"}``; rules in order, catch
    a list of (errors tuple, next)."""
    result: dict[str, Any] = {"next": None, "end": False, "rules": [], "default": None, "catch": []}
    text = cell.strip()
    if text == NOTHING:
        return result
    for position, part in enumerate(p.strip() for p in text.split("; ")):
        rule, catch = _RULE.fullmatch(part), _CATCH.fullmatch(part)
        if position == 0 and part == "end":
            result["end"] = True
        elif position == 0 and re.fullmatch(r"`[^`]+`", part):
            result["next"] = part[1:-1]
        elif rule:
            if int(rule["number"]) != len(result["rules"]) + 1:
                raise CellError(f"then {cell!r}: rules must be numbered 1, 2, ... in order")
            result["rules"].append(rule["next"])
        elif part.startswith("otherwise → `") and part.endswith("`") and part.count("`") == 2:
            result["default"] = part[len("otherwise → `"):-1]
        elif catch:
            result["catch"].append((tuple(e.strip("`") for e in catch["errors"].split(", ")), catch["next"]))
        else:
            raise CellError(f"then {cell!r}: cannot read {part!r} (expected `Next`, end, rule N → `X`, otherwise → `Y` or on `Error` → `Z`)")
    return result


def parameters(definition: Mapping[str, Any]) -> list[str] | None:
    """The runtime parameters, in the order the flow resolves them."""
    state = definition.get("States", {}).get(PARAMS_STATE)
    if not isinstance(state, Mapping) or not isinstance(state.get("Assign"), Mapping):
        return None
    return list(state["Assign"])


# ---------------------------------------------------------------------------
# Refreshing a page.
# ---------------------------------------------------------------------------


@dataclass
class PageChanges:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    params_added: list[str] = field(default_factory=list)
    params_removed: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any((self.added, self.removed, self.changed, self.params_added, self.params_removed))


def _merge(rows: list[list[str]], width: int, wanted: list[list[str]], new_note: str) -> tuple[list[list[str]], list[str], list[str], list[str]]:
    """Rows for ``wanted`` (key and derived cells), keeping each existing
    row's hand-written last cell; (rows, added, removed, changed)."""
    old = {row[0]: (row + [""] * width)[:width] for row in rows if row}
    merged, added, changed = [], [], []
    for derived in wanted:
        key = derived[0]
        if key in old:
            if [c.split() for c in old[key][: len(derived)]] != [c.split() for c in derived]:
                changed.append(key)
            merged.append(derived + [old[key][-1]])
        else:
            added.append(key)
            merged.append(derived + [new_note])
    keys = {d[0] for d in wanted}
    removed = [key for key in old if key not in keys]
    return merged, added, removed, changed


def refresh_page(text: str, definition: Mapping[str, Any]) -> tuple[str, PageChanges]:
    """The page with its tables rewritten from ``definition`` (hand-written
    cells kept), and what changed. Raises CellError if it has no state table."""
    lines = text.split("\n")
    changes = PageChanges()
    states = find_table(lines, STATE_HEADER)
    if states is None:
        raise CellError("no state table (| state | type / call | then | notes |)")
    wanted = [[path, call_cell(state), then_cell(state)] for path, state in walk(definition)]
    rows, changes.added, changes.removed, changes.changed = _merge(states.rows, 4, wanted, NEW_STATE_NOTE)
    lines[states.start : states.end] = table_lines(STATE_HEADER, rows)
    names = parameters(definition)
    params = find_table(lines, PARAM_HEADER)
    if names is not None and params is not None:
        rows, changes.params_added, changes.params_removed, _ = _merge(params.rows, 2, [[f"`{n}`"] for n in names], NEW_PARAM_NOTE)
        lines[params.start : params.end] = table_lines(PARAM_HEADER, rows)
    return "\n".join(lines), changes


def duration(seconds: object) -> str:
    """An execution's TimeoutSeconds as a flow page says it (``6 hours``)."""
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        return "none (runs up to a year)"
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}{'s' if seconds != size else ''}"
    return f"{seconds} seconds"


def new_page(name: str, definition: Mapping[str, Any], module: str = "") -> str:
    """A page for a flow that has none yet: the tables, and prose to write.

    ``module`` is the flow module's path from the repository's root."""
    comment = definition.get("Comment") or ""
    code = [f"Code: [`{module}`](../../{module})."] if module else []
    text = "\n".join(
        [
            f"# {name}",
            "",
            "*(added by scripts/refresh: say what this flow is for, who starts it and what it promises)*",
            "",
            f"{comment}".strip(),
            "",
            *code,
            f"Export: [`{name}.json`](../step_functions_jsonata/{name}.json)",
            f"and its [diagram](../step_functions_jsonata/{name}.md).",
            f"Execution timeout: {duration(definition.get('TimeoutSeconds'))}. Conventions shared by every flow: [README.md](README.md).",
            "",
            "## Runtime parameters",
            "",
            *table_lines(PARAM_HEADER, []),
            "",
            "## States",
            "",
            *table_lines(STATE_HEADER, []),
            "",
        ]
    )
    return refresh_page(text, definition)[0]
