"""Drawing of :class:`~microseg.DriftResult`: a before/after index chart per segment.

Each bar is ``100 × after / before`` — of a share for a level or flag, of the
mean for a number — on a log scale, so 50 and 200 are equally far from 100.
Significant changes are drawn in the segment's colour, the others pale;
suppressed values are not drawn.
"""

from __future__ import annotations

import numpy as np

from ..errors import MicrosegError
from ._axes import _axes, _figure
from ._palette import segment_colors

__all__ = ["plot_drift"]


def _label(r) -> str:
    if r["kind"] == "numeric":
        return f"mean {r['column']}"
    return str(r["column"]) if r["kind"] == "flag" else f"{r['column']} = {r['level']}"


def _panel(ax, rows, segment, color, alpha):
    idx = rows["index"].to_numpy(dtype=float)
    y = np.arange(len(rows))[::-1]
    sig = rows["significant"].fillna(False).to_numpy(dtype=bool)
    logv = np.log2(np.clip(idx, 100 / 8, 100 * 8) / 100)
    ax.barh(y, logv, color=[color if s else "#d0d0d0" for s in sig], edgecolor=color, height=0.7)
    ax.axvline(0, color="black", lw=0.8)
    lim = max(float(np.abs(logv).max(initial=0.0)) * 1.15, np.log2(1.25))
    ax.set_xlim(-lim, lim)
    ticks = np.linspace(-lim, lim, 5)
    ax.set_xticks(ticks, [f"{100 * 2**t:.0f}" for t in ticks])
    ax.set_yticks(y, [_label(r) for _, r in rows.iterrows()])
    ax.set_xlabel("index, after vs before (100 = unchanged)")
    ax.set_title(f"{segment}: what changed (coloured = significant at alpha={alpha})")
    return ax


def plot_drift(result, *, segment=None, ax=None, max_traits: int = 10):
    """Before/after index chart: per segment, the traits whose share or mean moved most.

    Parameters
    ----------
    result : DriftResult
    segment : label, optional
        Draw this segment only (on ``ax``). Default: every compared segment.
    ax : matplotlib Axes, optional
        Only with a single panel (one segment compared, or ``segment`` given).
    max_traits : int
        Traits per panel, largest effect first.

    Returns
    -------
    Axes for a single panel; with several segments a multi-panel **Figure** (one panel per segment,
    ``ax`` must then be None).
    """
    t = result.table[np.isfinite(result.table["index"].to_numpy(dtype=float))]
    compared = [s for s, c in zip(result.segments["segment"], result.segments["compared"]) if c]
    if segment is not None:
        if segment not in compared:
            raise MicrosegError(f"segment {segment!r} was not compared; compared segments: {compared}.")
        compared = [segment]
    colors = segment_colors(list(result.segments["segment"]))
    panels = []
    for s in compared:
        rows = t[t["segment"] == s]
        rows = rows.iloc[np.argsort(-rows["effect_size"].abs().to_numpy(), kind="stable")[:max_traits]]
        if len(rows):
            panels.append((s, rows))
    if not panels:
        raise MicrosegError("nothing to draw: every change is suppressed or no segment was compared.")
    if len(panels) == 1:
        ax = _axes(ax, figsize=(7, max(2.5, 0.35 * len(panels[0][1]) + 1.2)))
        s, rows = panels[0]
        return _panel(ax, rows, s, colors[s], result.alpha)
    if ax is not None:
        raise MicrosegError(f"{len(panels)} segments give {len(panels)} panels; pass segment=... to draw one on ax.")
    fig, axes = _figure(None, len(panels), 2, size=(7.0, max(2.5, 0.35 * max_traits + 1.2)))
    for a, (s, rows) in zip(axes, panels):
        _panel(a, rows, s, colors[s], result.alpha)
    fig.tight_layout()
    return fig
