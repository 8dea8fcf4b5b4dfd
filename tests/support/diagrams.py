"""Helpers of the diagram tests: hostile definitions, and a reader of the
Mermaid flowchart text the package writes (to check it node by node)."""

from __future__ import annotations

import re
from typing import Any

from ndr_workflows.flows import FLOW_NAMES, build_flow
from ndr_workflows.steps import Polling

ODD_NAMES = [
    "end",
    "a \"quoted\" name",
    "x#1; <b>&amp;</b>",
    "style: fill#f00;",
    "o",
    "graph",
    "subgraph",
    "Zürich ✓ 東京",
    "100% | done",
    "classDef x fill:#fff;",
    "--> [x] (y) {z}",
    "`tick`",
]


def odd_definition() -> dict[str, Any]:
    """A hand-written definition whose state names are hostile to Mermaid."""
    names = ODD_NAMES
    states: dict[str, Any] = {}
    for index, name in enumerate(names):
        state: dict[str, Any] = {"Type": "Pass"}
        if index + 1 < len(names):
            state["Next"] = names[index + 1]
        else:
            state["End"] = True
        states[name] = state
    states[names[1]] = {
        "Type": "Choice",
        "Choices": [{"Condition": "{% $x = \"a|b\" %}", "Next": names[2]}, {"Condition": "{% $y %}", "Next": "end"}],
        "Default": names[3],
    }
    states[names[2]] = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {},
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "subgraph"}],
        "Next": names[3],
    }
    return {"QueryLanguage": "JSONata", "StartAt": "end", "States": states}


def definitions() -> dict[str, dict[str, Any]]:
    out = {name: build_flow(name).to_dict() for name in FLOW_NAMES}
    out.update({f"{name} (polling)": build_flow(name, completion=Polling()).to_dict() for name in FLOW_NAMES})
    out["odd names"] = odd_definition()
    return out


# ---------------------------------------------------------------------------
# a reader of the flowchart text we write
# ---------------------------------------------------------------------------

NODE = re.compile(r'^(?P<id>[A-Za-z0-9_]+)(?P<open>\(\(|\(\[|\[|\(|\{\{|\{|>)"(?P<label>[^"]*)"(?P<close>\)\)|\]\)|\]|\)|\}\}|\})(?::::(?P<cls>\w+))?$')
EDGE = re.compile(r'^(?P<src>[A-Za-z0-9_]+) (?P<arrow>-->|-\.->)(?:\|"(?P<label>[^"]*)"\|)? (?P<dst>[A-Za-z0-9_]+)$')
SUBGRAPH = re.compile(r'^subgraph (?P<id>[A-Za-z0-9_]+)\["(?P<label>[^"]*)"\]$')


def decode(label: str) -> str:
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), label).replace("<br/>", "\n")


class Chart:
    def __init__(self, text: str) -> None:
        lines = text.splitlines()
        assert lines[0] == "flowchart TD"
        self.nodes: dict[str, tuple[str, str, str | None]] = {}  # id -> (label, shape, class)
        self.subgraphs: dict[str, str] = {}
        self.parent: dict[str, str | None] = {}
        self.edges: list[tuple[str, str, str, str | None]] = []
        stack: list[str] = []
        for raw in lines[1:]:
            line = raw.strip()
            assert raw.startswith("    " * (len(stack) + 1)) or line == "end", f"bad indent: {raw!r}"
            if line.startswith("classDef ") or line == "direction TB":
                continue
            if line == "end":
                assert stack, "end without subgraph"
                stack.pop()
                continue
            if m := SUBGRAPH.match(line):
                assert m["id"] not in self.subgraphs and m["id"] not in self.nodes, m["id"]
                self.subgraphs[m["id"]] = decode(m["label"])
                self.parent[m["id"]] = stack[-1] if stack else None
                stack.append(m["id"])
            elif m := NODE.match(line):
                assert m["id"] not in self.nodes and m["id"] not in self.subgraphs, f"duplicate id {m['id']}"
                self.nodes[m["id"]] = (decode(m["label"]), m["open"], m["cls"])
                self.parent[m["id"]] = stack[-1] if stack else None
            elif m := EDGE.match(line):
                self.edges.append((m["src"], m["dst"], m["arrow"], decode(m["label"]) if m["label"] is not None else None))
            else:
                raise AssertionError(f"unreadable line: {raw!r}")
        assert not stack, "unclosed subgraph"
        for src, dst, _, _ in self.edges:
            for end in (src, dst):
                assert end in self.nodes or end in self.subgraphs, f"edge to undefined {end}"

    def id_of(self, name: str) -> str:
        found = [i for i, (label, _, cls) in self.nodes.items() if label.split("\n")[0] == name and cls != "marker"]
        found += [i for i, label in self.subgraphs.items() if label.rsplit(" (", 1)[0] == name]
        assert len(found) == 1, (name, found)
        return found[0]


def transitions(definition: dict[str, Any], top: bool = True) -> list[tuple[str, str, str]]:
    """(source, target, kind) of every transition, nested scopes included."""
    out = [("start", definition["StartAt"], "start")] if top else []
    for name, state in definition["States"].items():
        for rule in state.get("Choices", []):
            out.append((name, rule["Next"], "rule"))
        if "Default" in state:
            out.append((name, state["Default"], "default"))
        if "Next" in state:
            out.append((name, state["Next"], "next"))
        elif state.get("End"):  # the flow's end, or a Map iteration's / Parallel branch's
            out.append((name, "end", "end"))
        for catcher in state.get("Catch", []):
            out.append((name, catcher["Next"], "catch"))
        if state["Type"] == "Map":
            out += transitions(state["ItemProcessor"], top=False)
        for branch in state.get("Branches", []):
            out += transitions(branch, top=False)
    return out


def ending_scopes(definition: dict[str, Any]) -> int:
    """How many scopes (the flow, each Map processor, each Parallel branch)
    have a state with ``End``: each is drawn with its own end marker."""
    count = 1 if any(s.get("End") for s in definition["States"].values()) else 0
    for state in definition["States"].values():
        if state["Type"] == "Map":
            count += ending_scopes(state["ItemProcessor"])
        for branch in state.get("Branches", []):
            count += ending_scopes(branch)
    return count


def all_states(definition: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for name, state in definition["States"].items():
        out.append((name, state))
        if state["Type"] == "Map":
            out += all_states(state["ItemProcessor"])
        for branch in state.get("Branches", []):
            out += all_states(branch)
    return out
