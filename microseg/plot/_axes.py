"""The plot contract's shared pieces: the one ``_axes`` helper, multi-panel figures, readable ticks,
values written in heatmap cells, legends outside the data, and deprecated aliases of renamed functions.

Every ``ms.plot`` function has the form ``plot_<thing>(result, *, ax=None, ...)``
and returns the Axes it drew on; a multi-panel plot returns a Figure and says
so in its docstring (it draws its own figure, so ``ax`` must stay ``None``).
"""

from __future__ import annotations

import functools
import warnings

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..errors import MicrosegError

__all__ = ["compact_number"]


def _axes(ax: Axes | None, *, figsize=(6.4, 4.2), **subplot_kw) -> Axes:
    """Return ``ax``, or the Axes of a new figure of ``figsize`` when ``ax`` is None."""
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, subplot_kw=subplot_kw or None)
    elif not isinstance(ax, Axes):
        raise MicrosegError(
            f"ax must be a matplotlib Axes (e.g. from plt.subplots()), got {type(ax).__name__}; "
            "pass ax=None to draw on a new figure."
        )
    return ax


def _figure(ax, n_panels: int, ncols: int, size=(4.0, 3.0), *, what: str = "this plot"):
    """A new Figure with ``n_panels`` Axes on a grid of ``ncols`` columns (the unused ones hidden)."""
    if ax is not None:
        raise MicrosegError(
            f"{what} has several panels and draws its own Figure, so ax must be None (got {type(ax).__name__}); "
            "call it without ax=, or draw one panel yourself from result.to_frame()."
        )
    ncols = max(1, min(ncols, n_panels))
    nrows = int(np.ceil(n_panels / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(size[0] * ncols, size[1] * nrows), squeeze=False)
    axes = axes.ravel()
    for a in axes[n_panels:]:
        a.set_visible(False)
    return fig, axes[:n_panels]


def compact_number(v: float, pos=None) -> str:
    """A tick label in engineering style: ``250``, ``1950``, ``15k``, ``200k``, ``3M``, ``1.2B``.

    Numbers below 10,000 are written in full (years stay years).

    Examples
    --------
    >>> [compact_number(v) for v in (0, 950, 1950, 15_000, 200_000, 3_000_000, -25_000)]
    ['0', '950', '1950', '15k', '200k', '3M', '-25k']
    >>> compact_number(0.25)
    '0.25'
    """
    a = abs(v)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e4, "k")):
        if a >= size:
            size = 1e3 if suffix == "k" else size
            return f"{v / size:.3g}{suffix}"
    if a >= 1000:
        return f"{v:.0f}"
    if a == 0:
        return "0"
    return f"{v:.3g}"


def engineering_ticks(ax: Axes, axis: str = "both", *, nbins: int = 6) -> None:
    """Short, non-overlapping number ticks (``100k 200k 300k``) on a numeric axis."""
    for name in ("x", "y") if axis == "both" else (axis,):
        a = ax.xaxis if name == "x" else ax.yaxis
        if a.get_scale() != "linear":
            continue
        a.set_major_locator(MaxNLocator(nbins=nbins))
        a.set_major_formatter(FuncFormatter(compact_number))


def category_ticks(ax: Axes, axis: str, positions, labels, *, max_labels: int = 24, rotate_over: int = 8) -> None:
    """Category ticks that never run together: every ``k``-th label when there are many, rotated when long."""
    labels = [str(s) for s in labels]
    positions = list(positions)
    step = max(1, int(np.ceil(len(labels) / max_labels)))
    pos, lab = positions[::step], labels[::step]
    longest = max((len(s) for s in lab), default=0)
    if axis == "x":
        if len(lab) * max(longest, 1) > 60 or longest > rotate_over:
            ax.set_xticks(pos, lab, rotation=45 if longest <= 14 else 60, ha="right", rotation_mode="anchor")
        else:
            ax.set_xticks(pos, lab)
    else:
        ax.set_yticks(pos, lab)


def annotate_cells(ax: Axes, mat, fmt, *, image=None, colour_by=None, fontsize: float = 8,
                   max_cells: int = 600) -> None:
    """Write each finite value of ``mat`` in its heatmap cell, dark or light against the cell's colour.

    ``colour_by`` holds the values the image was drawn from when they differ from
    those written (e.g. a log scale); the text colour follows the cell colour.
    """
    mat = np.asarray(mat, dtype=float)
    drawn = mat if colour_by is None else np.asarray(colour_by, dtype=float)
    if mat.size > max_cells:
        return
    for i, j in zip(*np.nonzero(np.isfinite(mat))):
        color = "black"
        if image is not None and np.isfinite(drawn[i, j]):
            r, g, b = to_rgb(image.cmap(image.norm(drawn[i, j])))
            color = "white" if 0.299 * r + 0.587 * g + 0.114 * b < 0.5 else "black"
        ax.text(j, i, fmt(mat[i, j]), ha="center", va="center", fontsize=fontsize, color=color)


def legend_outside(ax: Axes, **kw):
    """A legend to the right of the Axes, so it never covers data."""
    kw.setdefault("fontsize", "small")
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0, frameon=False, **kw)


def _deprecated(old: str, new):
    """A renamed plot function's old name: calls ``new`` with a FutureWarning."""

    @functools.wraps(new)
    def alias(*args, **kwargs):
        warnings.warn(
            f"microseg.plot.{old} is renamed {new.__name__} and will be removed; call ms.plot.{new.__name__}"
            "(result, ax=...) (options by keyword).",
            FutureWarning,
            stacklevel=2,
        )
        return new(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old
    alias.__doc__ = f"Deprecated alias of :func:`{new.__name__}` (a FutureWarning says so)."
    return alias
