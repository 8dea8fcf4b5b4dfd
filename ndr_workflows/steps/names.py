"""Name helpers shared by the builders."""

from __future__ import annotations

__all__ = ["snake", "pascal"]


def snake(label: str) -> str:
    """``Features`` -> ``features``, ``FGB`` -> ``fgb``, ``PredictionJoin``
    -> ``prediction_join``, ``RtReadiness`` -> ``rt_readiness``."""
    out = []
    for i, ch in enumerate(label):
        if ch.isupper() and i and (label[i - 1].islower() or label[i - 1].isdigit() or (i + 1 < len(label) and label[i + 1].islower() and label[i - 1].isupper())):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def pascal(name: str) -> str:
    """``mini_batch_id`` -> ``MiniBatchId``."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_") if part)
