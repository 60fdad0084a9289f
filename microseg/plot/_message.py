"""The personalisation matrix as a heatmap: segments × messages (× channels), values written in the cells."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..errors import MicrosegError
from ._axes import _axes

__all__ = ["plot_message_matrix"]


def plot_message_matrix(matrix, *, ax=None, value: str = "uplift"):
    """Heatmap of a :class:`~microseg.campaign.MessageMatrix`, with the value written in every cell.

    Rows are segments, columns messages (``message | channel`` when the matrix
    has channels). Values are in percentage points; a ``*`` marks a cell
    significant after Benjamini–Hochberg (on the unshrunk p-values), a box the
    best cell of each segment (:meth:`~microseg.campaign.MessageMatrix.best`),
    and suppressed or untested cells are grey with no value.

    Parameters
    ----------
    matrix : MessageMatrix
    ax : matplotlib Axes, optional
    value : {"uplift", "raw_uplift", "prior_uplift"}
        The shrunk estimate (default), the unshrunk one, or the additive average.

    Returns
    -------
    matplotlib Axes
    """
    if value not in ("uplift", "raw_uplift", "prior_uplift"):
        raise MicrosegError(f"value must be 'uplift', 'raw_uplift' or 'prior_uplift', got {value!r}.")
    t = matrix.table
    segs = list(t.index.get_level_values("segment").unique())
    cols = [n for n in t.index.names if n != "segment"]
    wide = t[value].unstack(cols, sort=False).reindex(segs)
    sig = t["significant"].astype("boolean").fillna(False).unstack(cols, sort=False).reindex(index=segs, columns=wide.columns)
    labels = [" | ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in wide.columns]
    vals = wide.to_numpy(dtype=float) * 100
    ax = _axes(ax, figsize=(max(5, 1.1 * len(labels) + 2.5), max(3, 0.55 * len(segs) + 1.5)))
    finite = vals[np.isfinite(vals)]
    lim = max(float(np.abs(finite).max()) if finite.size else 1.0, 0.1)
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#d9d9d9")
    im = ax.imshow(np.ma.masked_invalid(vals), cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
    for i in range(vals.shape[0]):
        for j in range(vals.shape[1]):
            v = vals[i, j]
            if np.isfinite(v):
                star = "*" if bool(sig.iat[i, j]) else ""
                ax.text(j, i, f"{v:+.1f}{star}", ha="center", va="center", fontsize=9,
                        color="white" if abs(v) > 0.6 * lim else "black")
    best = matrix.best()
    for i, s in enumerate(segs):
        if s in best.index and isinstance(best.at[s, "message"], str):
            key = (best.at[s, "message"], best.at[s, "channel"]) if len(cols) == 2 else best.at[s, "message"]
            j = list(wide.columns).index(key)
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=2))
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(segs)), [str(s) for s in segs])
    ax.set_xlabel(" | ".join(cols))
    ax.set_ylabel("segment")
    what = {"uplift": "Incremental response, shrunk", "raw_uplift": "Incremental response, unshrunk",
            "prior_uplift": "Segment + message average"}[value]
    ax.set_title(f"{what} (points vs control; * significant after BH; box = best; grey = suppressed)", fontsize=10)
    cbar = ax.figure.colorbar(im, ax=ax)
    cbar.set_label("uplift (percentage points)")
    return ax
