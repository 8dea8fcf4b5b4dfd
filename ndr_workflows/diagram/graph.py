"""The picture's graph, read from an ASL definition (plain data).

Both renderings (Mermaid text for the docs, SVG for notebooks) draw the same
thing, so the reading of ``States``/``Next``/``Choices``/``Catch``/``Map``/
``Parallel`` lives here once. It works on the *definition* (a dict), not on
the model, so hand-written or exported JSON can be drawn too, and it never
raises on a wrong definition: a transition to a state that does not exist
is drawn to a node marked missing, because a picture of a broken flow is
what helps to fix it.

Nothing here imports more than the interpreter already has loaded: the
export draws every flow on each run and must stay within its start-up
budget.
"""

from __future__ import annotations

from ..validate.common import is_expression

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["Node", "Edge", "Scope", "read_definition", "rule_label", "task_label"]

# Edge kinds; "catch" edges are drawn dashed.
NEXT, DEFAULT, RULE, CATCH, START, END = "next", "default", "rule", "catch", "start", "end"

LABEL_LIMIT = 40


class Node:
    """One state (or a start/end marker, or a missing target) of one scope."""

    __slots__ = ("name", "type", "path", "detail", "scopes")

    def __init__(self, name: str, type_: str, path: str, detail: str = "", scopes: list[Scope] | None = None) -> None:
        self.name = name
        self.type = type_  # an ASL Type, or "start", "end", "missing"
        self.path = path
        self.detail = detail  # a short second line (service call, Fail error)
        self.scopes = scopes or []  # Map: one, Parallel: one per branch

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


class Scope:
    """The states of one ``States`` object with the transitions among them."""

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
    """A Choice rule, briefly: its JSONata condition, or the JSONPath comparison."""
    if not isinstance(rule, dict):
        return "?"
    condition = rule.get("Condition")
    if isinstance(condition, str):
        text = condition.strip()
        if is_expression(text):
            text = text[2:-2]
        return brief(text)
    for key in ("And", "Or", "Not"):
        if key in rule:
            return brief(key + "(\u2026)")
    variable = rule.get("Variable")
    for key, value in rule.items():
        if key not in ("Variable", "Next", "Assign", "Output", "Comment"):
            return brief(f"{_text(variable)} {key} {_text(value)}")
    return "?"


def task_label(resource: object) -> str:
    """The service call of a Task in a few words: ``sagemaker startPipelineExecution``."""
    if not isinstance(resource, str):
        return ""
    prefix = "arn:aws:states:::"
    if not resource.startswith(prefix):
        return brief(resource.rsplit(":", 1)[-1])
    rest = resource[len(prefix):]
    if rest.startswith("aws-sdk:"):
        rest = rest[len("aws-sdk:"):]
    service, _, action = rest.partition(":")
    callback = action.endswith(".waitForTaskToken")
    if callback:
        action = action[: -len(".waitForTaskToken")]
    elif action.endswith(".sync"):
        action = action[: -len(".sync")] + " (sync)"
    return brief(f"{service} {action}".strip() + (" (callback)" if callback else ""))


def read_definition(definition: dict[str, Any], title: str = "") -> Scope:
    """The top scope with a start marker, and an end marker when a state ends the flow."""
    return _scope(definition, "", title, top=True)


def _scope(body: object, prefix: str, label: str, top: bool = False) -> Scope:
    scope = Scope(label)
    states = body.get("States") if isinstance(body, dict) else None
    if not isinstance(states, dict):
        states = {}
    by_name: dict[str, Node] = {}
    for name, state in states.items():
        name = _text(name)
        state = state if isinstance(state, dict) else {}
        type_ = _text(state.get("Type", "?"))
        path = prefix + name
        detail = ""
        scopes: list[Scope] = []
        if type_ == "Task":
            detail = task_label(state.get("Resource"))
        elif type_ == "Fail" and isinstance(state.get("Error"), str) and "{%" not in state["Error"]:
            detail = brief("Error: " + state["Error"])
        elif type_ == "Map":
            processor = state.get("ItemProcessor", state.get("Iterator"))
            scopes.append(_scope(processor, path + "/", "each item"))
        elif type_ == "Parallel":
            branches = state.get("Branches")
            for index, branch in enumerate(branches if isinstance(branches, list) else [], 1):
                scopes.append(_scope(branch, path + "/", f"branch {index}"))
        node = Node(name, type_, path, detail, scopes)
        scope.nodes.append(node)
        by_name[name] = node
    missing: dict[str, Node] = {}

    def target(name: object) -> Node:
        name = _text(name)
        if name in by_name:
            return by_name[name]
        if name not in missing:
            missing[name] = Node(name, "missing", prefix + name, "missing")
        return missing[name]

    end: Node | None = None
    for node in list(scope.nodes):
        state = states.get(node.name)
        state = state if isinstance(state, dict) else {}
        choices = state.get("Choices")
        for rule in choices if isinstance(choices, list) else []:
            if isinstance(rule, dict) and "Next" in rule:
                scope.edges.append(Edge(node, target(rule["Next"]), RULE, rule_label(rule)))
        if "Default" in state:
            scope.edges.append(Edge(node, target(state["Default"]), DEFAULT, "otherwise"))
        if "Next" in state:
            scope.edges.append(Edge(node, target(state["Next"]), NEXT))
        elif state.get("End") is True and top:
            if end is None:
                end = Node("End", "end", "")
            scope.edges.append(Edge(node, end, END))
        catches = state.get("Catch")
        for catcher in catches if isinstance(catches, list) else []:
            if isinstance(catcher, dict) and "Next" in catcher:
                errors = catcher.get("ErrorEquals")
                text = ", ".join(_text(e) for e in errors) if isinstance(errors, list) else ""
                scope.edges.append(Edge(node, target(catcher["Next"]), CATCH, brief(text)))
    start_name = body.get("StartAt") if isinstance(body, dict) else None
    if start_name is not None:
        scope.start = target(start_name)
    scope.nodes.extend(missing.values())
    if top:
        marker = Node("Start", "start", "")
        if scope.start is not None:
            scope.edges.insert(0, Edge(marker, scope.start, START))
        scope.nodes.insert(0, marker)
        if end is not None:
            scope.nodes.append(end)
    return scope


def walk(scope: Scope) -> list[tuple[Node, int]]:
    """Every node of the scope and of the scopes inside it, with its depth."""
    out: list[tuple[Node, int]] = []

    def visit(s: Scope, depth: int) -> None:
        for node in s.nodes:
            out.append((node, depth))
            for inner in node.scopes:
                visit(inner, depth + 1)

    visit(scope, 0)
    return out
