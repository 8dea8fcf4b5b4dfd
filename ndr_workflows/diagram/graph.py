"""The picture's graph, read from an ASL definition (plain data).

Both renderings (Mermaid text for the docs, SVG for notebooks) draw the same
thing, so the reading of ``States``/``Next``/``Choices``/``Catch``/``Map``/
``Parallel`` lives here once. It works on the *definition* (a dict), not on
the model, so hand-written or exported JSON can be drawn too, and it never
raises on a wrong definition: a transition to a state that does not exist
is drawn to a node marked missing, because a picture of a broken flow is
what helps to fix it. The definition is walked with the package's one
walker (:mod:`ndr_workflows.asl.walk`): each :class:`~ndr_workflows.asl.walk.Scope`
is drawn as a :class:`Group`.

Nothing here imports more than the interpreter already has loaded: the
export draws every flow on each run and must stay within its start-up
budget.
"""

from __future__ import annotations

from ..asl.common import is_expression
from ..asl.resources import CALLBACK, SDK_PREFIX, STATES_PREFIX
from ..asl.walk import Scope, transitions

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["Node", "Edge", "Group", "read_definition", "rule_label", "condition_label", "task_label"]

# Edge kinds; "catch" edges are drawn dashed.
NEXT, DEFAULT, RULE, CATCH, START, END = "next", "default", "rule", "catch", "start", "end"

LABEL_LIMIT = 40


class Node:
    """One state (or a start/end marker, or a missing target) of one scope."""

    __slots__ = ("name", "type", "path", "detail", "groups")

    def __init__(self, name: str, type_: str, path: str, detail: str = "", groups: list[Group] | None = None) -> None:
        self.name = name
        self.type = type_  # an ASL Type, or "start", "end", "missing"
        self.path = path
        self.detail = detail  # a short second line (service call, Fail error)
        self.groups = groups or []  # Map: one, Parallel: one per branch

    @property
    def is_marker(self) -> bool:
        return self.type in ("start", "end")


class Edge:
    __slots__ = ("source", "target", "kind", "label")

    def __init__(self, source: Node, target: Node, kind: str, label: str = "") -> None:
        self.source = source
        self.target = target
        self.kind = kind
        self.label = label


class Group:
    """The drawing of one scope: its states with the transitions among them."""

    __slots__ = ("label", "nodes", "edges", "start")

    def __init__(self, label: str) -> None:
        self.label = label
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.start: Node | None = None


def _text(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def brief(text: str, limit: int = LABEL_LIMIT) -> str:
    """One line of at most ``limit`` characters (an ellipsis marks a cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def rule_label(rule: object) -> str:
    """What a Choice rule means, briefly: its ``Comment`` when it has one
    (the builders write the check's message there), else a readable
    shortening of its JSONata condition (:func:`condition_label`), else the
    JSONPath comparison."""
    if not isinstance(rule, dict):
        return "?"
    comment = rule.get("Comment")
    if isinstance(comment, str) and comment.strip():
        return brief(comment)
    condition = rule.get("Condition")
    if isinstance(condition, str):
        return condition_label(condition)
    for key in ("And", "Or", "Not"):
        if key in rule:
            return brief(key + "(\u2026)")
    variable = rule.get("Variable")
    for key, value in rule.items():
        if key not in ("Variable", "Next", "Assign", "Output", "Comment"):
            return brief(f"{_text(variable)} {key} {_text(value)}")
    return "?"


_GUARD = "$exists($states.input) ?"
_OPEN, _CLOSE = "([{", ")]}"


def condition_label(condition: str, limit: int = LABEL_LIMIT) -> str:
    """A JSONata condition as a short label: without ``{% %}``, without the
    builders' ``$exists($states.input) ? X : false`` guard (always true at
    run time), ``$states.input.`` as ``input.``, and, when still too long,
    its innermost brackets' contents collapsed to an ellipsis level by level
    (``$count([\u2026]) > 0``) so that what shows is the outer shape, not a
    cut through the middle of the first operand."""
    text = " ".join(condition.split())
    if is_expression(text):
        text = text[2:-2].strip()
    if text.startswith(_GUARD) and text.endswith(": false"):
        text = text[len(_GUARD) : -len(": false")].strip()
    while text.startswith("(") and min(_depths(text)[:-1], default=0) >= 1:  # redundant outer parentheses
        text = text[1:-1].strip()
    text = text.replace("$states.input.", "input.")
    if len(text) <= limit:
        return text
    depth = max(_depths(text), default=0)
    while depth > 0:
        depth -= 1
        shorter = _collapse(text, depth)
        if len(shorter) <= limit:
            # an outline with no name left in it says less than the first words
            return shorter if any(ch.isalnum() for ch in shorter) else brief(text, limit)
    return brief(_collapse(text, 0), limit)


def _depths(text: str) -> list[int]:
    """The bracket depth after each character (string literals skipped)."""
    return [depth for depth, _ in _scan(text)]


def _scan(text: str) -> list[tuple[int, bool]]:
    """(bracket depth after the character, whether it opens a bracket) per
    character; brackets inside string literals count for nothing."""
    out: list[tuple[int, bool]] = []
    depth, quote = 0, ""
    for index, ch in enumerate(text):
        opens = False
        if quote:
            if ch == quote and text[index - 1] != "\\":
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in _OPEN:
            depth += 1
            opens = True
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        out.append((depth, opens))
    return out


def _collapse(text: str, keep: int) -> str:
    """``text`` with whatever lies deeper than ``keep`` brackets replaced by one ellipsis per run."""
    out: list[str] = []
    for ch, (depth, opens) in zip(text, _scan(text)):
        if depth <= keep or (opens and depth == keep + 1):
            out.append(ch)
        elif not out or out[-1] != "\u2026":
            out.append("\u2026")
    return "".join(out)


def task_label(resource: object) -> str:
    """The service call of a Task in a few words: ``sagemaker startPipelineExecution``."""
    if not isinstance(resource, str):
        return ""
    if not resource.startswith(STATES_PREFIX):
        return brief(resource.rsplit(":", 1)[-1])
    rest = resource[len(SDK_PREFIX) :] if resource.startswith(SDK_PREFIX) else resource[len(STATES_PREFIX) :]
    service, _, action = rest.partition(":")
    callback = action.endswith(CALLBACK)
    if callback:
        action = action[: -len(CALLBACK)]
    elif action.endswith(".sync"):
        action = action[: -len(".sync")] + " (sync)"
    return brief(f"{service} {action}".strip() + (" (callback)" if callback else ""))


def read_definition(definition: dict[str, Any], title: str = "") -> Group:
    """The top scope with a start marker, and an end marker when a state ends the flow."""
    return _group(Scope.top(definition), title, top=True)


def _group(scope: Scope, label: str, top: bool = False) -> Group:
    group = Group(label)
    states = scope.states()
    by_name: dict[str, Node] = {}
    for name, state in states.items():
        state = state if isinstance(state, dict) else {}
        type_ = _text(state.get("Type", "?"))
        detail = ""
        inner = scope.children(name, state)
        groups: list[Group] = []
        if type_ == "Task":
            detail = task_label(state.get("Resource"))
        elif type_ == "Fail" and isinstance(state.get("Error"), str) and "{%" not in state["Error"]:
            detail = brief("Error: " + state["Error"])
        elif type_ == "Map":  # drawn even without a processor: the picture shows what is missing
            groups.append(_group(inner[0], "each item") if inner else Group("each item"))
        elif type_ == "Parallel":
            groups.extend(_group(branch, f"branch {index}") for index, branch in enumerate(inner, 1))
        node = Node(name, type_, scope.prefix + name, detail, groups)
        group.nodes.append(node)
        by_name[name] = node
    missing: dict[str, Node] = {}

    def target(name: object) -> Node:
        name = _text(name)
        if name in by_name:
            return by_name[name]
        if name not in missing:
            missing[name] = Node(name, "missing", scope.prefix + name, "missing")
        return missing[name]

    end: Node | None = None
    for node in list(group.nodes):
        state = states.get(node.name)
        found = transitions(state)
        # Drawn in reading order: a Choice's rules and Default, Next (or End), then the catchers.
        for field, to, rule in found:
            if field.startswith("Choices["):
                group.edges.append(Edge(node, target(to), RULE, rule_label(rule)))
            elif field == "Default":
                group.edges.append(Edge(node, target(to), DEFAULT, "otherwise"))
        if isinstance(state, dict) and "Next" in state:
            group.edges.append(Edge(node, target(state["Next"]), NEXT))
        elif isinstance(state, dict) and state.get("End") is True:
            # the flow's end, or inside a Map / Parallel the iteration's or branch's successful end
            if end is None:
                end = Node("End", "end", scope.prefix)
            group.edges.append(Edge(node, end, END))
        for field, to, catcher in found:
            if field.startswith("Catch[") and catcher is not None:
                errors = catcher.get("ErrorEquals")
                text = ", ".join(_text(e) for e in errors) if isinstance(errors, list) else ""
                group.edges.append(Edge(node, target(to), CATCH, brief(text)))
    start_name = scope.start()
    if start_name is not None:
        group.start = target(start_name)
    group.nodes.extend(missing.values())
    if top:
        marker = Node("Start", "start", "")
        if group.start is not None:
            group.edges.insert(0, Edge(marker, group.start, START))
        group.nodes.insert(0, marker)
    if end is not None:
        group.nodes.append(end)
    return group


def walk(group: Group) -> list[tuple[Node, int]]:
    """Every node of the group and of the groups inside it, with its depth."""
    out: list[tuple[Node, int]] = []

    def visit(g: Group, depth: int) -> None:
        for node in g.nodes:
            out.append((node, depth))
            for inner in node.groups:
                visit(inner, depth + 1)

    visit(group, 0)
    return out
