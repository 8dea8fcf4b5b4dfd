"""A small layered layout for the SVG picture (no Graphviz, no JavaScript).

Why our own: a notebook must show a flow with no network and no binary to
install, and the flows are small (a dozen states, one level of Map), so a
plain Sugiyama-style layout reads well:

* back edges (loops, e.g. the polling form) are found by a depth-first walk
  from ``StartAt`` and set aside, so the rest is acyclic;
* each state's layer is its longest path from the start (top to bottom);
* within a layer states are ordered by the mean position of their
  predecessors, ties in declaration order;
* an edge between neighbouring layers is a straight arrow; an edge that
  skips layers, or goes back up, runs in a lane beside the graph (one lane
  per target, right for forward, left for back), turning only in the gaps
  between layers, so it never crosses a state;
* a Map or Parallel is laid out recursively and placed as one big box.

Everything is integers/rounded floats computed in a fixed order, so the same
definition gives the same bytes.
"""

from __future__ import annotations

from .graph import CATCH, Edge, Node, Group, brief

__all__ = ["Box", "Laid", "layout", "text_width"]

FONT = 12
SMALL = 10
LINE_H = 15
PAD_X, PAD_Y = 10, 7
H_GAP, V_GAP = 26, 44
LANE_GAP = 12
GROUP_PAD, GROUP_HEADER = 12, 22
MARKER = 18
LABEL_LIMIT = 28  # edge labels in the picture (the Mermaid text keeps 40)


def text_width(text: str, size: int = FONT) -> float:
    """An estimate of the rendered width (sans-serif); wide scripts count double."""
    width = 0.0
    for ch in text:
        code = ord(ch)
        if code >= 0x2E80:
            width += 1.0
        elif ch in "il.,:;|!'" or ch == " ":
            width += 0.32
        elif ch in "mwMW@":
            width += 0.85
        elif "A" <= ch <= "Z":
            width += 0.68
        else:
            width += 0.56
    return width * size


class Box:
    """A placed node: top-left corner, size, and for a Map/Parallel its inner layouts."""

    __slots__ = ("node", "x", "y", "w", "h", "inner", "layer")

    def __init__(self, node: Node, w: float, h: float, inner: list[tuple[float, float, Laid]]) -> None:
        self.node = node
        self.x = 0.0
        self.y = 0.0
        self.w = w
        self.h = h
        self.inner = inner  # (dx, dy, layout) relative to the box
        self.layer = 0

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


class Laid:
    """One scope laid out: its size, boxes and edge polylines (relative coordinates)."""

    __slots__ = ("w", "h", "boxes", "edges", "label")

    def __init__(self, label: str) -> None:
        self.w = 0.0
        self.h = 0.0
        self.boxes: list[Box] = []
        self.edges: list[tuple[Edge, list[tuple[float, float]], tuple[float, float, str]]] = []
        self.label = label


def _size(node: Node) -> Box:
    if node.is_marker:
        return Box(node, MARKER, MARKER, [])
    if node.groups:
        title = f"{node.name} ({node.type})"
        inner_layouts = [layout(scope) for scope in node.groups]
        inner: list[tuple[float, float, Laid]] = []
        if node.type == "Parallel":
            x: float = GROUP_PAD
            height: float = 0.0
            for laid in inner_layouts:
                # each branch in its own framed column with a small header
                inner.append((x, GROUP_HEADER + LINE_H, laid))
                x += laid.w + H_GAP
                height = max(height, laid.h + LINE_H)
            width = x - H_GAP + GROUP_PAD
        else:
            laid = inner_layouts[0]
            inner.append((GROUP_PAD, GROUP_HEADER, laid))
            width = laid.w + 2 * GROUP_PAD
            height = laid.h
        width = max(width, text_width(title) + 2 * PAD_X)
        # centre a narrow inner layout under a wide title
        if len(inner) == 1 and inner[0][2].w + 2 * GROUP_PAD < width:
            inner[0] = ((width - inner[0][2].w) / 2, inner[0][1], inner[0][2])
        return Box(node, round(width, 1), round(GROUP_HEADER + height + GROUP_PAD, 1), inner)
    lines = [text_width(node.name)]
    if node.detail:
        lines.append(text_width(node.detail, SMALL))
    width = max(lines) + 2 * PAD_X
    height = len(lines) * LINE_H + 2 * PAD_Y
    if node.type == "Choice":
        width, height = width + 36, height + 14
    return Box(node, round(max(width, 60), 1), height, [])


def _classify(scope: Group, boxes: dict[int, Box]) -> set[int]:
    """ids of back edges (to a state on the current depth-first path)."""
    out_edges: dict[int, list[Edge]] = {id(n): [] for n in scope.nodes}
    for edge in scope.edges:
        out_edges[id(edge.source)].append(edge)
    back: set[int] = set()
    state: dict[int, int] = {}  # 1 on the path, 2 done
    roots = [scope.nodes[0]] if scope.nodes and scope.nodes[0].type == "start" else []
    if scope.start is not None:
        roots.append(scope.start)
    roots += scope.nodes
    for root in roots:
        if id(root) in state:
            continue
        # iterative DFS keeping edge order
        stack: list[tuple[Node, int]] = [(root, 0)]
        state[id(root)] = 1
        while stack:
            node, index = stack[-1]
            edges = out_edges[id(node)]
            if index >= len(edges):
                state[id(node)] = 2
                stack.pop()
                continue
            stack[-1] = (node, index + 1)
            target = edges[index].target
            mark = state.get(id(target))
            if mark == 1:
                back.add(id(edges[index]))
            elif mark is None:
                state[id(target)] = 1
                stack.append((target, 0))
    return back


def layout(scope: Group) -> Laid:
    """Place the scope's states and route its edges."""
    laid = Laid(scope.label)
    boxes = [_size(node) for node in scope.nodes]
    by_node = {id(b.node): b for b in boxes}
    order = {id(b.node): i for i, b in enumerate(boxes)}
    back = _classify(scope, by_node)
    forward = [e for e in scope.edges if id(e) not in back]
    # longest-path layering over the forward (acyclic) edges, Kahn's order
    indegree = {id(b.node): 0 for b in boxes}
    for edge in forward:
        indegree[id(edge.target)] += 1
    layer = {id(b.node): 0 for b in boxes}
    ready = [b.node for b in boxes if indegree[id(b.node)] == 0]
    while ready:
        ready.sort(key=lambda n: order[id(n)])
        node = ready.pop(0)
        for edge in forward:
            if edge.source is node:
                key = id(edge.target)
                layer[key] = max(layer[key], layer[id(node)] + 1)
                indegree[key] -= 1
                if indegree[key] == 0:
                    ready.append(edge.target)
    for box in boxes:
        box.layer = layer[id(box.node)]
    count = max(layer.values(), default=-1) + 1
    rows: list[list[Box]] = [[] for _ in range(count)]
    for box in boxes:
        rows[box.layer].append(box)
    # vertical placement
    tops: list[float] = []
    heights: list[float] = []
    y = 0.0
    for row in rows:
        tops.append(y)
        height = max((b.h for b in row), default=0.0)
        heights.append(height)
        for b in row:
            b.y = round(y + (height - b.h) / 2, 1)
        y += height + V_GAP
    total_h = y - V_GAP if rows else 0.0
    # horizontal placement, layer by layer, centred on x = 0 for now
    preds: dict[int, list[Box]] = {id(b.node): [] for b in boxes}
    for edge in forward:
        preds[id(edge.target)].append(by_node[id(edge.source)])
    for index, row in enumerate(rows):
        if index:
            def weight(b: Box) -> tuple[float, int]:
                above = [p.cx for p in preds[id(b.node)] if p.layer < b.layer]
                return (sum(above) / len(above) if above else 0.0, order[id(b.node)])

            row.sort(key=weight)
        width = sum(b.w for b in row) + H_GAP * (len(row) - 1)
        x = -width / 2
        for b in row:
            b.x = round(x, 1)
            x += b.w + H_GAP
    min_x = min((b.x for b in boxes), default=0.0)
    max_x = max((b.x + b.w for b in boxes), default=0.0)
    # lanes: one per target, for edges that skip layers (right) or go back (left)
    right: dict[int, int] = {}
    left: dict[int, int] = {}
    for edge in scope.edges:
        src, dst = by_node[id(edge.source)], by_node[id(edge.target)]
        if id(edge) in back or dst.layer <= src.layer:
            left.setdefault(id(dst.node), len(left))
        elif dst.layer - src.layer > 1:
            right.setdefault(id(dst.node), len(right))
    shift = -min_x + len(left) * LANE_GAP + (LANE_GAP if left else 0)
    # back edges turn in the gap above their target, even above the first layer
    top_pad = V_GAP / 2 + 10 if left else 0.0
    tops = [t + top_pad for t in tops]
    for b in boxes:
        b.x = round(b.x + shift, 1)
        b.y = round(b.y + top_pad, 1)
    graph_right = max_x + shift
    laid.w = round(graph_right + len(right) * LANE_GAP + (LANE_GAP if right else 0), 1)
    laid.h = round(total_h + 2 * top_pad, 1)
    laid.boxes = boxes
    _route(scope, laid, by_node, back, tops, heights, left, right, graph_right)
    _fit_labels(laid)
    return laid


def shown_label(edge: Edge) -> str:
    """The label drawn on an edge ("" for none)."""
    return brief(edge.label, LABEL_LIMIT) if edge.label and edge.kind in ("rule", "default", CATCH) else ""


def label_left(x: float, label: str, anchor: str) -> float:
    width = text_width(label, SMALL) + 4
    return x - 2 - (width if anchor == "end" else width / 2 if anchor == "middle" else 0)


def _fit_labels(laid: Laid) -> None:
    """Widen the layout (and shift it right) so every edge label is inside it."""
    low, high = 0.0, laid.w
    for edge, _, (x, _y, anchor) in laid.edges:
        label = shown_label(edge)
        if label:
            left = label_left(x, label, anchor)
            low = min(low, left)
            high = max(high, left + text_width(label, SMALL) + 4)
    if low < 0:
        d = -low
        for box in laid.boxes:
            box.x = round(box.x + d, 1)
        laid.edges = [
            (edge, [(round(px + d, 1), py) for px, py in points], (round(lx + d, 1), ly, anchor))
            for edge, points, (lx, ly, anchor) in laid.edges
        ]
    laid.w = round(high - low, 1)


def _route(
    scope: Group,
    laid: Laid,
    by_node: dict[int, Box],
    back: set[int],
    tops: list[float],
    heights: list[float],
    left: dict[int, int],
    right: dict[int, int],
    graph_right: float,
) -> None:
    outs: dict[int, list[Edge]] = {}
    ins: dict[int, list[Edge]] = {}
    for edge in scope.edges:
        src, dst = by_node[id(edge.source)], by_node[id(edge.target)]
        if id(edge) not in back and dst.layer - src.layer == 1:
            outs.setdefault(id(src.node), []).append(edge)
            ins.setdefault(id(dst.node), []).append(edge)
    for sources in outs.values():
        sources.sort(key=lambda e: by_node[id(e.target)].cx)
    for targets in ins.values():
        targets.sort(key=lambda e: by_node[id(e.source)].cx)

    def spread(box: Box, edges: list[Edge], edge: Edge) -> float:
        if box.node.type == "Choice" or box.node.is_marker or len(edges) < 2:
            return box.cx
        index = edges.index(edge)
        return box.x + box.w * (index + 1) / (len(edges) + 1)

    def bottom(box: Box) -> float:
        return box.y + box.h

    for edge in scope.edges:
        src, dst = by_node[id(edge.source)], by_node[id(edge.target)]
        if id(edge) not in back and dst.layer - src.layer == 1:
            start = (round(spread(src, outs[id(src.node)], edge), 1), round(bottom(src), 1))
            end = (round(spread(dst, ins[id(dst.node)], edge), 1), dst.y)
            points = [start, end]
            # labels of a Choice's fanned-out edges: alternate along the edge,
            # and written away from the other edges (left of a leftward edge)
            siblings = outs[id(src.node)]
            t = 0.3 + 0.25 * (siblings.index(edge) % 2) if len(siblings) > 2 else 0.45
            dx = end[0] - start[0]
            anchor = "end" if dx < -1 else ("start" if dx > 1 else "middle")
            label_at = (round(start[0] + dx * t + (4 if anchor == "start" else 0), 1), round(start[1] + (end[1] - start[1]) * t, 1), anchor)
        else:
            going_back = id(edge) in back or dst.layer <= src.layer
            if going_back:
                lane = left[id(dst.node)]
                lane_x = (len(left) - lane) * LANE_GAP - LANE_GAP / 2
                end_x = dst.x + dst.w * 0.25
            else:
                lane = right[id(dst.node)]
                lane_x = graph_right + (lane + 1) * LANE_GAP
                end_x = dst.x + dst.w * 0.75
            offset = (lane % 4) * 5 - 8
            below = tops[src.layer] + heights[src.layer] + V_GAP / 2 + offset
            above = tops[dst.layer] - V_GAP / 2 + offset
            start_x = src.cx + (src.w * 0.2 if not going_back and src.node.type != "Choice" and not src.node.is_marker else 0)
            points = [
                (round(start_x, 1), round(bottom(src), 1)),
                (round(start_x, 1), round(below, 1)),
                (round(lane_x, 1), round(below, 1)),
                (round(lane_x, 1), round(above, 1)),
                (round(end_x, 1), round(above, 1)),
                (round(end_x, 1), dst.y),
            ]
            label_at = (round(start_x + 4, 1), round(bottom(src) + (below - bottom(src)) * 0.6, 1), "start")
        laid.edges.append((edge, points, label_at))
