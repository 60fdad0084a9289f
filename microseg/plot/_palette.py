"""One colour per segment, the same in every plot."""

from __future__ import annotations

from collections.abc import Iterable

_TAB10 = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
]
_OTHER = "#b0b0b0"


def segment_colors(segments: Iterable) -> dict:
    """Map each segment label to a colour, stably.

    Labels are ordered as given (sort them first for a canonical order); the
    i-th label gets the i-th colour of a 20-colour cycle, and labels named
    ``"other"`` or ``"suppressed"`` get grey, so a segment keeps its colour in
    every plot drawn from the same set of labels.

    Examples
    --------
    >>> segment_colors(["b", "a", "other"])
    {'b': '#1f77b4', 'a': '#ff7f0e', 'other': '#b0b0b0'}
    """
    out, i = {}, 0
    for s in segments:
        if s in out:
            continue
        if isinstance(s, str) and s.lower() in {"other", "suppressed"}:
            out[s] = _OTHER
            continue
        out[s] = _TAB10[i % 10] if i < 10 else _lighten(_TAB10[i % 10])
        i += 1
    return out


def _lighten(hex_color: str, amount: float = 0.45) -> str:
    r, g, b = (int(hex_color[k : k + 2], 16) for k in (1, 3, 5))
    r, g, b = (round(c + (255 - c) * amount) for c in (r, g, b))
    return f"#{r:02x}{g:02x}{b:02x}"
