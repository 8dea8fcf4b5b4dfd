"""The SVG rendering of a laid-out flow (what a notebook shows inline).

Why presentation attributes and no ``<style>``: the SVG is put into the
notebook page itself, where a style sheet would leak to the whole page.
Every text is XML-escaped (and characters XML cannot hold are replaced), so
any state name gives a well-formed document.
"""

from __future__ import annotations

from .graph import CATCH, Edge, Node, read_definition
from .layout import FONT, GROUP_HEADER, LINE_H, SMALL, Box, Laid, label_left, layout, shown_label, text_width

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

    from .progress import Marks, Progress

__all__ = ["render", "xml_text"]

MARGIN = 16
TITLE_H = 24
INK, MUTED, RED = "#202124", "#5f6368", "#c5221f"
TAKEN = "#188038"  # the path an execution took (render_progress)
FADED = "0.35"  # opacity of what it did not go through
STYLE = {  # state type -> (fill, stroke, stroke width)
    "Task": ("#e8f0fe", "#1a73e8", 1.2),
    "Pass": ("#f1f3f4", "#5f6368", 1.2),
    "Choice": ("#fef7e0", "#b06000", 1.2),
    "Wait": ("#f3e8fd", "#8430ce", 1.2),
    "Succeed": ("#e6f4ea", "#188038", 2.0),
    "Fail": ("#fce8e6", RED, 3.0),
    "missing": ("#ffffff", RED, 1.2),
}


def xml_text(text: str) -> str:
    """Text safe inside an XML element or a double-quoted attribute."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == '"':
            out.append("&quot;")
        elif (code < 0x20 and ch not in "\t\n\r") or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            out.append("\ufffd")
        else:
            out.append(ch)
    return "".join(out)


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text(x: float, y: float, text: str, size: int = FONT, fill: str = INK, anchor: str = "middle", weight: str = "") -> str:
    bold = ' font-weight="bold"' if weight else ""
    return f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{fill}" text-anchor="{anchor}"{bold}>{xml_text(text)}</text>'


def _shape(node: Node, box: Box, x: float, y: float, outline: str | None = None) -> list[str]:
    """The node's shape and texts; ``outline`` (a colour) marks a state an execution entered."""
    w, h = box.w, box.h
    if node.type == "start":
        return [f'<circle cx="{_n(x + w / 2)}" cy="{_n(y + h / 2)}" r="7" fill="{INK}"/>']
    if node.type == "end":
        return [
            f'<circle cx="{_n(x + w / 2)}" cy="{_n(y + h / 2)}" r="8" fill="#ffffff" stroke="{INK}" stroke-width="1.5"/>',
            f'<circle cx="{_n(x + w / 2)}" cy="{_n(y + h / 2)}" r="5" fill="{INK}"/>',
        ]
    fill, stroke, width = STYLE.get(node.type, STYLE["Task"])
    if outline is not None:
        stroke, width = outline, max(width, 3.0)
    common = f'fill="{fill}" stroke="{stroke}" stroke-width="{_n(width)}"'
    if node.type == "Choice":
        points = [(x + w / 2, y), (x + w, y + h / 2), (x + w / 2, y + h), (x, y + h / 2)]
        shape = f'<polygon points="{" ".join(f"{_n(a)},{_n(b)}" for a, b in points)}" {common}/>'
    elif node.type == "Wait":
        k = 10
        points = [(x + k, y), (x + w - k, y), (x + w, y + h / 2), (x + w - k, y + h), (x + k, y + h), (x, y + h / 2)]
        shape = f'<polygon points="{" ".join(f"{_n(a)},{_n(b)}" for a, b in points)}" {common}/>'
    else:
        radius = h / 2 if node.type in ("Succeed", "Fail") else (10 if node.type == "Pass" else 4)
        dash = ' stroke-dasharray="4 3"' if node.type == "missing" else ""
        shape = f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="{_n(radius)}" {common}{dash}/>'
    lines = [shape]
    texts = [(node.name, FONT, INK)]
    if node.detail:
        texts.append((node.detail, SMALL, RED if node.type in ("missing", "Fail") else MUTED))
    top = y + (h - len(texts) * LINE_H) / 2
    for index, (text, size, color) in enumerate(texts):
        lines.append(_text(x + w / 2, top + index * LINE_H + LINE_H - 4, text, size, color))
    return lines


def _group(node: Node, box: Box, x: float, y: float, out: list[str], marks: Marks | None) -> None:
    entered = marks is not None and id(node) in marks.nodes
    stroke, width = (TAKEN, "2.4") if entered else ("#9aa0a6", "1.2")
    out.append(
        f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(box.w)}" height="{_n(box.h)}" rx="6" '
        f'fill="#fafafa" stroke="{stroke}" stroke-width="{width}" stroke-dasharray="6 3"/>'
    )
    out.append(_text(x + 8, y + GROUP_HEADER - 7, f"{node.name} ({node.type})", FONT, INK, "start", "bold"))
    for dx, dy, laid in box.inner:
        if node.type == "Parallel":
            out.append(
                f'<rect x="{_n(x + dx - 4)}" y="{_n(y + dy - LINE_H - 2)}" width="{_n(laid.w + 8)}" '
                f'height="{_n(laid.h + LINE_H + 6)}" rx="4" fill="#ffffff" stroke="#dadce0"/>'
            )
            out.append(_text(x + dx, y + dy - 5, laid.label, SMALL, MUTED, "start"))
        _draw(laid, x + dx, y + dy, out, marks)


def _edge(edge: Edge, points: list[tuple[float, float]], x: float, y: float, marks: Marks | None = None) -> str:
    catch = edge.kind == CATCH
    color = RED if catch else "#444444"
    marker = "ndrwf-arrow-catch" if catch else "ndrwf-arrow"
    dash = ' stroke-dasharray="5 4"' if catch else ""
    width, extra = "1.3", ""
    if marks is not None:
        if id(edge) in marks.edges:
            color, marker, width, extra = TAKEN, "ndrwf-arrow-taken", "2.6", ' data-taken="true"'
        else:
            extra = f' opacity="{FADED}"'
    coords = " ".join(f"{_n(px + x)},{_n(py + y)}" for px, py in points)
    return (
        f'<g class="edge" data-kind="{edge.kind}"{extra}><polyline points="{coords}" fill="none" stroke="{color}" '
        f'stroke-width="{width}"{dash} marker-end="url(#{marker})"/></g>'
    )


def _draw(laid: Laid, x: float, y: float, out: list[str], marks: Marks | None = None) -> None:
    for edge, points, _ in laid.edges:
        out.append(_edge(edge, points, x, y, marks))
    for box in laid.boxes:
        node = box.node
        kind = node.type
        state = ""
        outline = None
        if marks is not None:
            if id(node) in marks.nodes:
                outline = RED if marks.stopped_at == id(node) else TAKEN
                state = ' data-entered="true"'
            elif not box.inner:
                state = f' opacity="{FADED}"'
        out.append(f'<g class="state" data-type="{xml_text(kind)}"{state}><title>{xml_text(node.path or node.name)} ({xml_text(kind)})</title>')
        if box.inner:
            _group(node, box, x + box.x, y + box.y, out, marks)
        else:
            out.extend(_shape(node, box, x + box.x, y + box.y, outline if not node.is_marker else None))
        out.append("</g>")
    for edge, _, (lx, ly, anchor) in laid.edges:
        label = shown_label(edge)
        if label:
            color = RED if edge.kind == CATCH else MUTED
            width = text_width(label, SMALL) + 4
            left = label_left(lx, label, anchor)
            faded = marks is not None and id(edge) not in marks.edges
            if faded:
                out.append(f'<g opacity="{FADED}">')
            out.append(
                f'<rect x="{_n(x + left)}" y="{_n(y + ly - SMALL)}" width="{_n(width)}" height="{SMALL + 4}" '
                f'fill="#ffffff" fill-opacity="0.85"/>'
            )
            out.append(_text(x + lx, y + ly, label, SMALL, color, anchor))
            if faded:
                out.append("</g>")


def render(definition: dict[str, Any], title: str = "", progress: Progress | None = None) -> str:
    """The whole SVG document, UTF-8 text ending with a newline. With
    ``progress``, the states an execution entered and the transitions it
    took are drawn in green (where it stopped, when it did not succeed, in
    red), the rest faded (:mod:`.progress`)."""
    group = read_definition(definition, title)
    marks = None
    if progress is not None:
        from .progress import mark

        marks = mark(group, progress)
    laid = layout(group)
    head = TITLE_H if title else 0
    width = max(laid.w, text_width(title, 14) if title else 0) + 2 * MARGIN
    height = laid.h + 2 * MARGIN + head
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}" '
        f'viewBox="0 0 {_n(width)} {_n(height)}" font-family="Helvetica, Arial, sans-serif" role="img">',
        f"<title>{xml_text(title or 'state machine')}</title>",
        "<defs>",
        '<marker id="ndrwf-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        '<path d="M0,0L10,5L0,10z" fill="#444444"/></marker>',
        '<marker id="ndrwf-arrow-catch" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        f'<path d="M0,0L10,5L0,10z" fill="{RED}"/></marker>',
        *(
            [
                '<marker id="ndrwf-arrow-taken" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto">'
                f'<path d="M0,0L10,5L0,10z" fill="{TAKEN}"/></marker>'
            ]
            if marks is not None
            else []
        ),
        "</defs>",
        f'<rect width="{_n(width)}" height="{_n(height)}" fill="#ffffff"/>',
    ]
    if title:
        out.append(_text(MARGIN, MARGIN + 12, title, 14, INK, "start", "bold"))
    _draw(laid, MARGIN, MARGIN + head, out, marks)
    out.append("</svg>")
    return "\n".join(out) + "\n"
