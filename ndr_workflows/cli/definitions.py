"""A definition dict from whatever a user hands over.

Every entry point that takes "a flow" (diagrams, contracts, IAM policies,
the SDK wrapper, the deploy) accepts the same things, read the same way, so
there is one reader: a StateMachine, a definition dict, JSON text, a path to
a definition file (a ``Path``, or a str naming an existing file), a flow
NAME, or any object with ``to_dict()`` (the SDK's graphs). Only ``os`` is
imported up front; ``json`` and the flows when needed.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path
    from typing import Any

__all__ = ["as_definition", "existing_path"]


def existing_path(value: object) -> Path | None:
    """``value`` as a Path when it is one, or a str that is not JSON text
    and names an existing file; else None."""
    from pathlib import Path

    if isinstance(value, os.PathLike):
        return Path(os.fspath(value))
    if isinstance(value, str) and not value.lstrip().startswith(("{", "[")) and os.path.isfile(value):
        return Path(value)
    return None


def as_definition(value: object, *, check: bool = False) -> tuple[dict[str, Any], str]:
    """(definition dict, title) of ``value``; ValueError / TypeError saying what is wrong.

    ``check``: a StateMachine is built with its checks (BuildError when it
    is wrong); by default it is rendered as it is, so a broken flow can
    still be drawn or inspected. The title is the flow's or file's name ("" if none).
    """
    if hasattr(value, "to_dict") and hasattr(value, "graph"):  # a StateMachine
        flow: Any = value
        return dict(flow.to_dict(check=check)), str(flow.name or "")
    if isinstance(value, dict):
        return value, ""
    title = ""
    path = existing_path(value)
    if path is not None:
        try:
            value = path.read_bytes()
        except OSError as exc:
            raise ValueError(f"{path}: cannot read: {exc.strerror or exc}") from None
        title = path.stem
    elif isinstance(value, str) and not value.lstrip().startswith("{"):
        from .flows import FLOW_NAMES, build_flow

        if value in FLOW_NAMES:
            return build_flow(value).to_dict(check=check), value
        raise ValueError(f"{value!r} is neither a flow NAME ({', '.join(FLOW_NAMES)}), an existing definition file nor JSON text")
    if isinstance(value, (str, bytes)):
        import json

        try:
            value = json.loads(value)
        except (ValueError, RecursionError) as exc:
            raise ValueError(f"{title or 'definition'}: not JSON: {exc}") from None
        if not isinstance(value, dict):
            raise ValueError(f"{title or 'definition'}: a definition is a JSON object, not {type(value).__name__}")
        return value, title
    if callable(getattr(value, "to_dict", None)):  # the SDK's graphs
        return dict(value.to_dict()), ""  # type: ignore[attr-defined]
    if hasattr(value, "keys") and hasattr(value, "__getitem__"):  # another Mapping
        return {key: value[key] for key in value.keys()}, ""  # type: ignore[attr-defined, index]
    raise TypeError(f"expected a definition (dict, JSON text, path), a flow NAME or a StateMachine, got {type(value).__name__}")
