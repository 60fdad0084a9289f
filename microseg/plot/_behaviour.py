"""Plots of behavioural results: RFM grid, cohort heatmap, funnel bars and migration matrix."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from .._words import duration
from ..errors import MicrosegError
from ._axes import _axes, _deprecated, annotate_cells, category_ticks, engineering_ticks
from ._palette import segment_colors

__all__ = [
    "plot_rfm_grid", "plot_cohort_heatmap", "plot_cohorts", "plot_funnel", "plot_migration_heatmap",
    "rfm_grid", "cohort_heatmap", "funnel_chart", "migration_heatmap",
]  # fmt: skip


def plot_rfm_grid(scores: pd.DataFrame, *, ax: Axes | None = None, value: pd.Series | str | None = None,
                  segments: pd.Series | None = None) -> Axes:
    """Recency × frequency grid of RFM scores, coloured by mean value or by segment.

    Parameters
    ----------
    scores : DataFrame
        With ``R`` and ``F`` (from ``RFMScorer``); rows are customers.
    value : Series or column name, optional
        Colour each cell by the mean of this value (e.g. ``total_spend``);
        default: the number of customers.
    segments : Series, optional
        Segment per customer (from ``rfm_segments``): colour each cell by its
        segment and write the segment name.
    ax : Axes, optional

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    r, f = scores["R"].to_numpy(), scores["F"].to_numpy()
    n_r, n_f = int(max(r.max(), 5)), int(max(f.max(), 5))
    count = np.zeros((n_r, n_f))
    np.add.at(count, (r - 1, f - 1), 1)
    if segments is not None:
        seg = pd.Series(segments).reindex(scores.index) if isinstance(segments, pd.Series) else pd.Series(segments)
        labels = list(seg.cat.categories) if isinstance(seg.dtype, pd.CategoricalDtype) else sorted(seg.dropna().unique())
        colors = segment_colors(labels)
        cell = pd.DataFrame({"R": r, "F": f, "s": seg.to_numpy()}).groupby(["R", "F"], observed=True)["s"].agg(
            lambda x: x.mode().iloc[0])
        codes = np.full((n_r, n_f), np.nan)
        for (ri, fi), name in cell.items():
            codes[ri - 1, fi - 1] = labels.index(name)
        ax.imshow(codes[::-1], cmap=ListedColormap([colors[lab] for lab in labels]), vmin=-0.5,
                  vmax=len(labels) - 0.5, aspect="auto")
        for (ri, fi), name in cell.items():
            ax.text(fi - 1, n_r - ri, f"{name}\n{int(count[ri - 1, fi - 1]):,}", ha="center", va="center", fontsize=7)
        title = "Customers by recency and frequency score, coloured by segment"
    else:
        if value is None:
            mat, what = np.where(count > 0, count, np.nan), "customers"
        else:
            v = scores[value] if isinstance(value, str) else pd.Series(value).reindex(scores.index)
            total = np.zeros((n_r, n_f))
            np.add.at(total, (r - 1, f - 1), v.to_numpy(dtype="float64"))
            with np.errstate(invalid="ignore", divide="ignore"):
                mat = total / count
            what = f"mean {v.name or 'value'}"
        img = ax.imshow(mat[::-1], cmap="viridis", aspect="auto")
        ax.figure.colorbar(img, ax=ax, label=what)
        annotate_cells(ax, mat[::-1], lambda x: f"{x:,.0f}" if abs(x) >= 10 else f"{x:.2g}", image=img)
        title = f"RFM grid: {what} by recency and frequency score"
    ax.set_xticks(range(n_f), [str(i) for i in range(1, n_f + 1)])
    ax.set_yticks(range(n_r), [str(i) for i in range(n_r, 0, -1)])
    ax.set_xlabel("Frequency score (5 = most orders)")
    ax.set_ylabel("Recency score (5 = most recent)")
    ax.set_title(title)
    return ax


_METRIC_WORDS = {"retention": "share of cohort purchasing", "customers": "customers purchasing", "revenue": "revenue"}


def plot_cohort_heatmap(matrix: pd.DataFrame, *, ax: Axes | None = None, annotate: bool = True) -> Axes:
    """Heatmap of a cohort matrix from ``ms.cohorts``: cohorts down, periods since acquisition across.

    Period 0 (the acquisition period: 100 % retention by definition, the
    largest count or revenue) is drawn in grey and left out of the colour
    scale, so the scale shows what happens afterwards.
    """
    ax = _axes(ax)
    mat = matrix.to_numpy(dtype="float64")
    metric = matrix.attrs.get("metric", "value")
    cols = np.asarray(matrix.columns)
    later = np.where(cols[None, :] == 0, np.nan, mat)
    img = ax.imshow(np.ma.masked_invalid(later), cmap="Blues", aspect="auto")
    ax.imshow(np.ma.masked_invalid(np.where(cols[None, :] == 0, 1.0, np.nan)), cmap=ListedColormap(["#dddddd"]),
              aspect="auto")  # fmt: skip
    ax.figure.colorbar(img, ax=ax, label=_METRIC_WORDS.get(metric, metric) + " (period 0 in grey)")
    if annotate and mat.size <= 600:
        fmt = (lambda x: f"{x:.0%}") if metric == "retention" else (lambda x: f"{x:,.0f}")
        annotate_cells(ax, mat, fmt, image=img, fontsize=7 if mat.shape[1] <= 18 else 6)
    category_ticks(ax, "y", range(len(matrix.index)), matrix.index, max_labels=20)
    category_ticks(ax, "x", range(len(matrix.columns)), matrix.columns, max_labels=16, rotate_over=99)
    ax.set_xlabel("Periods since first purchase")
    ax.set_ylabel("Cohort (period of first purchase)")
    ax.set_title(f"Cohort {metric}")
    return ax


def _triangle(ax: Axes, matrix: pd.DataFrame, norm, cmap: str):
    """One cohort triangle: periods 1.. on the shared colour scale, period 0 in grey (off the scale)."""
    mat = matrix.to_numpy(dtype="float64")
    cols = np.asarray(matrix.columns)
    scaled = np.ma.masked_invalid(np.where(cols[None, :] == 0, np.nan, mat))
    img = ax.imshow(scaled, cmap=cmap, norm=norm, aspect="auto", interpolation="nearest")
    zero = np.ma.masked_invalid(np.where(cols[None, :] == 0, 1.0, np.nan))
    ax.imshow(zero, cmap=ListedColormap(["#dddddd"]), aspect="auto", interpolation="nearest")
    step = max(1, len(matrix.index) // 12)
    ax.set_yticks(range(0, len(matrix.index), step), [str(c) for c in matrix.index[::step]], fontsize=7)
    stepx = max(1, len(cols) // 12)
    ax.set_xticks(range(0, len(cols), stepx), [str(c) for c in cols[::stepx]], fontsize=7)
    return img


def plot_cohorts(matrix: pd.DataFrame, *, ax=None, ncols: int = 3, cmap: str = "viridis") -> Figure:
    """Small multiples of the cohort triangles of ``ms.cohorts(..., by=...)``, on one colour scale.

    Period 0 (the acquisition period, 100 % retention by definition, and the
    largest count or revenue) is drawn in grey and left out of the colour
    scale, so that the scale shows how the groups differ afterwards.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`microseg.cohorts`; with ``by=`` (a MultiIndex group × cohort)
        one panel per group, else a single panel.
    ax : None
        A multi-panel plot draws its own Figure; passing ``ax`` is an error.
    ncols : int
        Panels per row.

    Returns
    -------
    Figure
        One panel per group and one colour bar (a multi-panel plot, so a Figure).
    """
    from matplotlib.colors import Normalize

    if ax is not None:
        raise MicrosegError("plot_cohorts draws one panel per group on a Figure of its own; call it without ax=.")
    metric = matrix.attrs.get("metric", "value")
    later = matrix.loc[:, [c for c in matrix.columns if c != 0]].to_numpy(dtype="float64")
    finite = later[np.isfinite(later)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    norm = Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1e-9)
    label = _METRIC_WORDS.get(metric, metric) + " (periods 1 and later)"
    sizes = matrix.attrs.get("cohort_size")
    grouped = isinstance(matrix.index, pd.MultiIndex)
    groups = list(dict.fromkeys(matrix.index.get_level_values(0))) if grouped else [None]
    ncols = max(1, min(ncols, len(groups)))
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols + 1.0, 3.4 * nrows), squeeze=False, sharex=True)
    name = matrix.index.names[0] if grouped else None
    img = None
    for i, g in enumerate(groups):
        a = axes.flat[i]
        img = _triangle(a, matrix.xs(g, level=0) if grouped else matrix, norm, cmap)
        if grouped:
            n = "" if sizes is None else f" ({int(sizes.xs(g, level=0).sum()):,} customers)"
            a.set_title(f"{g}{n}", fontsize=9)
        if i % ncols == 0:
            a.set_ylabel("Cohort")
        if i // ncols == nrows - 1 or i + ncols >= len(groups):
            a.set_xlabel("Periods since first purchase")
    for a in axes.flat[len(groups):]:
        a.set_visible(False)
    fig.colorbar(img, ax=axes.ravel().tolist(), label=label)
    by = f" by {name}" if grouped else ""
    fig.suptitle(f"Cohort {metric}{by} (period 0 in grey, off the colour scale)")
    return fig


def plot_funnel(result, *, ax: Axes | None = None) -> Axes:
    """Horizontal bars of customers per funnel step, with conversion from step 1 and from the previous step."""
    ax = _axes(ax)
    s = result.steps
    y = np.arange(len(s))[::-1]
    ax.barh(y, s["customers"].to_numpy(), color="#1f77b4")
    for yi, (n, c, sc) in zip(y, s[["customers", "conversion", "step_conversion"]].itertuples(index=False)):
        ax.text(n, yi, f" {n:,} ({c:.0%}; {sc:.0%} of previous)", va="center", fontsize=8)
    ax.set_yticks(y, [str(i) for i in s.index])
    ax.set_xlabel("Customers reaching the step")
    ax.set_ylabel("Funnel step")
    window = "no time limit" if result.window is None else f"within {duration(result.window)}"
    ax.set_title(f"Funnel ({result.order} order, {window})")
    ax.set_xlim(0, max(s["customers"].max(), 1) * 1.5)
    engineering_ticks(ax, "x")
    return ax


def plot_migration_heatmap(result, *, ax: Axes | None = None, shares: bool = True) -> Axes:
    """Segment before (rows) × segment after (columns): share of each row's customers, or counts."""
    ax = _axes(ax)
    m = result.shares if shares else result.counts
    mat = m.to_numpy(dtype="float64")
    img = ax.imshow(np.ma.masked_invalid(mat), cmap="Purples", aspect="auto")
    ax.figure.colorbar(img, ax=ax, label="share of the segment before" if shares else "customers")
    annotate_cells(ax, mat, (lambda x: f"{x:.0%}") if shares else (lambda x: f"{x:,.0f}"), image=img)
    category_ticks(ax, "x", range(m.shape[1]), m.columns, rotate_over=0)
    ax.set_yticks(range(m.shape[0]), [str(c) for c in m.index])
    ax.set_xlabel("Segment after")
    ax.set_ylabel("Segment before")
    ax.set_title("Migration between segments")
    return ax


rfm_grid = _deprecated("rfm_grid", plot_rfm_grid)
cohort_heatmap = _deprecated("cohort_heatmap", plot_cohort_heatmap)
funnel_chart = _deprecated("funnel_chart", plot_funnel)
migration_heatmap = _deprecated("migration_heatmap", plot_migration_heatmap)
