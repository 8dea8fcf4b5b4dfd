"""Pictures of a flow: Mermaid text for the docs, an offline SVG for notebooks.

    from ndr_workflows.diagram import mermaid, svg
    mermaid(build_flow("sfn_ndr_backfill_reprocessing"))   # flowchart text
    svg(definition_dict)                                   # <svg ...> text

Both take a definition (dict, JSON text, a path to a JSON file, a flow
NAME) or a :class:`~ndr_workflows.model.StateMachine`. A StateMachine is drawn even
when its checks fail (dangling transitions show as nodes marked missing):
the picture is a way to see what is wrong. The export writes
``<NAME>.md`` with :func:`ndr_workflows.diagram.flowchart.markdown`.

The SVG is laid out here (no Graphviz, no JavaScript, no CDN), so a notebook
shows a flow with no network access; Mermaid text needs a renderer (GitHub,
JupyterLab >= 4.1, mermaid.live), which is why notebooks get the SVG.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from typing import Any

__all__ = ["mermaid", "svg", "as_definition"]


def as_definition(definition_or_flow: object) -> tuple[dict[str, Any], str]:
    """(definition dict, title) of whatever was given (:func:`ndr_workflows.definitions.as_definition`,
    a StateMachine unchecked); ValueError/TypeError saying what is wrong."""
    from ..definitions import as_definition as read

    definition, title = read(definition_or_flow)
    if not isinstance(definition.get("States"), dict):
        raise ValueError(f"{title or 'definition'}: not a state machine definition: no 'States' object")
    return definition, title


def mermaid(definition_or_flow: object) -> str:
    """The Mermaid ``flowchart`` text of a definition or StateMachine."""
    from .flowchart import flowchart

    definition, _ = as_definition(definition_or_flow)
    return flowchart(definition)


def svg(definition_or_flow: object, *, title: str | None = None) -> str:
    """A self-contained SVG document of the flow (deterministic bytes, no network)."""
    from .picture import render

    definition, name = as_definition(definition_or_flow)
    return render(definition, name if title is None else title)
