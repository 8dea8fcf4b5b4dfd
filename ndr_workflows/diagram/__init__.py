"""Pictures of a flow: Mermaid text for the docs, an offline SVG for notebooks.

    from ndr_workflows.diagram import mermaid, svg
    mermaid(build_flow("sfn_ndr_backfill_reprocessing"))   # flowchart text of a flow
    svg(definition_dict)                                   # <svg ...> text

Both take a definition (dict, JSON text, a path to a JSON file) or a flow
(a :class:`~ndr_workflows.StateMachine`); a flow NAME is resolved by the
command line, which knows the flows. A flow is drawn even when its checks
fail (dangling transitions show as nodes marked missing): the picture is a
way to see what is wrong. The export writes
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
    """(definition dict, title) of whatever was given (read by
    :func:`ndr_workflows.asl.reader.read_definition`: a dict, JSON text, a
    file, a flow); ValueError (TypeError for a Python value that is no
    definition) saying what is wrong."""
    from ..asl.reader import read_definition

    read = read_definition(definition_or_flow)
    definition, title = read.data, read.name
    if not isinstance(definition, dict):
        kind = TypeError if read.size is None and not read.built else ValueError
        raise kind(f"{title or 'definition'}: a definition is a JSON object, not {type(definition).__name__}")
    if not isinstance(definition.get("States"), dict):
        raise ValueError(f"{title or 'definition'}: not a state machine definition: no 'States' object")
    return definition, title


def mermaid(definition_or_flow: object) -> str:
    """The Mermaid ``flowchart`` text of a definition or StateMachine."""
    from .flowchart import flowchart

    definition, _ = as_definition(definition_or_flow)
    return flowchart(definition)


def svg(definition_or_flow: object, *, title: str | None = None, visited: Any = None, status: str = "RUNNING") -> str:
    """A self-contained SVG document of the flow (deterministic bytes, no
    network). ``visited`` (the names of the states an execution entered,
    in order) with its ``status`` draws the path it took
    (:mod:`.progress`)."""
    from .picture import render

    definition, name = as_definition(definition_or_flow)
    progress = None
    if visited is not None:
        from .progress import Progress

        progress = Progress(visited, status)
    return render(definition, name if title is None else title, progress)
