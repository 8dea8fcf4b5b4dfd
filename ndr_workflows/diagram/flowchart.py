"""Mermaid flowchart text for a definition (GitHub renders it in Markdown).

Why the care with names: state names may hold spaces, quotes, ``#``, ``;``,
``<`` or words Mermaid reserves (``end``, ``style``...). Node ids are
therefore made only of ``[A-Za-z0-9_]`` with an ``n_`` prefix (never a
keyword, never an ``o``/``x`` that Mermaid would read as an edge head), and
every label is quoted with its special characters written as Mermaid's
``#code;`` entities, so any name survives and shows as it is.
"""

from __future__ import annotations

from .graph import CATCH, END, START, Edge, Node, Group, read_definition

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["flowchart", "markdown", "escape_label"]

_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _-.,:/()[]{}$=!?'*+@|%^~\u2026")
_ID_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")

# (open, close) of the node shape per state type.
SHAPES = {
    "Task": ('["', '"]'),
    "Pass": ('("', '")'),
    "Choice": ('{"', '"}'),
    "Wait": ('{{"', '"}}'),
    "Succeed": ('(["', '"])'),
    "Fail": ('(["', '"])'),
    "start": ('(("', '"))'),
    "end": ('(("', '"))'),
    "missing": ('>"', '"]'),
}
CLASSES = {"Succeed": "succeed", "Fail": "fail", "Choice": "choice", "missing": "missing", "start": "marker", "end": "marker"}
CLASS_DEFS = (
    "classDef succeed fill:#e6f4ea,stroke:#188038,stroke-width:2px",
    "classDef fail fill:#fce8e6,stroke:#c5221f,stroke-width:3px",
    "classDef choice fill:#fef7e0,stroke:#b06000",
    "classDef missing fill:#ffffff,stroke:#c5221f,stroke-dasharray:4 3",
    "classDef marker fill:#202124,stroke:#202124,color:#ffffff",
)


# ASCII characters outside _SAFE -> their entity (str.translate is fast; the
# export draws every flow on each run).
_ASCII_ESCAPES = {code: f"#{code};" for code in range(128) if chr(code) not in _SAFE}


def escape_label(text: str) -> str:
    """Text for inside a quoted Mermaid label: specials become ``#code;``."""
    if text.isascii():
        out = text.translate(_ASCII_ESCAPES)
    else:
        out = "".join(ch if ch in _SAFE else f"#{ord(ch)};" for ch in text)
    # Mermaid pre-processes any line holding "style ... : ... # ... ;" or
    # "classDef ..." (meant for its own directives); keep labels out of it.
    return out.replace("style", "#115;tyle").replace("classDef", "#99;lassDef")


class _Ids:
    """Readable, unique, deterministic node ids."""

    def __init__(self) -> None:
        self.used: set[str] = set()
        self.by_node: dict[int, str] = {}

    def __call__(self, node: Node) -> str:
        key = id(node)
        if key in self.by_node:
            return self.by_node[key]
        if node.type == "start":
            base = "m_start"
        elif node.type == "end":
            base = "m_end"
        else:
            name = node.name
            safe = name.isascii() and (name.isalnum() or name.replace("_", "a").isalnum())
            base = "n_" + (name if safe else "".join(ch if ch in _ID_SAFE else "_" for ch in name))
            lowered = base.lower()
            if "style" in lowered or "classdef" in lowered or len(base) > 60:
                base = "n_state"
        self.by_node[key] = self.fresh(base)
        return self.by_node[key]

    def fresh(self, base: str) -> str:
        """``base``, or ``base_2``, ``base_3``... whichever is not taken yet."""
        candidate, count = base, 1
        while candidate in self.used:
            count += 1
            candidate = f"{base}_{count}"
        self.used.add(candidate)
        return candidate


def _label(node: Node) -> str:
    if node.type == "start":
        return "start"
    if node.type == "end":
        return "end"
    text = escape_label(node.name)
    if node.type in ("Map", "Parallel"):
        return f"{text} ({node.type})"
    if node.detail:
        text += "<br/>" + escape_label(node.detail)
    return text


def _edge(edge: Edge, ids: _Ids) -> str:
    arrow = "-.->" if edge.kind == CATCH else "-->"
    label = f'|"{escape_label(edge.label)}"|' if edge.label and edge.kind not in (START, END) else ""
    return f"{ids(edge.source)} {arrow}{label} {ids(edge.target)}"


def _scope(scope: Group, ids: _Ids, indent: str, lines: list[str]) -> None:
    for node in scope.nodes:
        node_id = ids(node)
        if node.groups:
            lines.append(f'{indent}subgraph {node_id}["{_label(node)}"]')
            lines.append(f"{indent}    direction TB")
            if node.type == "Parallel":
                for index, inner in enumerate(node.groups, 1):
                    branch = ids.fresh(f"{node_id}__branch{index}")
                    lines.append(f'{indent}    subgraph {branch}["{escape_label(inner.label)}"]')
                    lines.append(f"{indent}        direction TB")
                    _scope(inner, ids, indent + "        ", lines)
                    lines.append(f"{indent}    end")
            else:
                _scope(node.groups[0], ids, indent + "    ", lines)
            lines.append(f"{indent}end")
            continue
        opening, closing = SHAPES.get(node.type, ('["', '"]'))
        css = CLASSES.get(node.type)
        lines.append(f"{indent}{node_id}{opening}{_label(node)}{closing}" + (f":::{css}" if css else ""))
    for edge in scope.edges:
        lines.append(indent + _edge(edge, ids))


def flowchart(definition: dict[str, Any]) -> str:
    """The Mermaid ``flowchart`` text (no fences), ending with a newline."""
    ids = _Ids()
    lines = ["flowchart TD"]
    _scope(read_definition(definition), ids, "    ", lines)
    lines.extend("    " + line for line in CLASS_DEFS)
    return "\n".join(lines) + "\n"


def markdown(name: str, definition: dict[str, Any]) -> str:
    """The ``<NAME>.md`` the export writes: a title line and a fenced diagram."""
    comment = definition.get("Comment") if isinstance(definition, dict) else None
    lines = [f"# {name}", ""]
    if isinstance(comment, str) and comment.strip():
        lines += [" ".join(comment.split()), ""]
    lines += [
        f"Generated from the flow module by `python -m ndr_workflows.export`; the definition is [{name}.json]({name}.json).",
        "",
        "```mermaid",
        flowchart(definition).rstrip("\n"),
        "```",
        "",
    ]
    return "\n".join(lines)
