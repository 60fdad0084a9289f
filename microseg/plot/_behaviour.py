"""Plots of behavioural results: RFM grid, cohort heatmap, funnel bars and migration matrix."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap

from ._palette import segment_colors

__all__ = ["rfm_grid", "cohort_heatmap", "plot_cohorts", "funnel_chart", "migration_heatmap"]


def _duration(td: pd.Timedelta) -> str:
    """A window in words: '7 days', '36 hours', '90 minutes'."""
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        n = td.total_seconds() / size
        if n >= 1 and n == int(n):
            return f"{int(n)} {unit}{'s' if n != 1 else ''}"
    return str(td)


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.8))
    return ax


def _annotate(ax: Axes, mat: np.ndarray, fmt) -> None:
    finite = mat[np.isfinite(mat)]
    mid = (finite.max() + finite.min()) / 2 if finite.size else 0
    for i in range(mat.shape[0]):
        for j in range(mat.shape[1]):
            if np.isfinite(mat[i, j]):
                ax.text(j, i, fmt(mat[i, j]), ha="center", va="center", fontsize=8,
                        color="white" if mat[i, j] > mid else "black")


def rfm_grid(scores: pd.DataFrame, *, value: pd.Series | str | None = None, segments: pd.Series | None = None,
             ax: Axes | None = None) -> Axes:
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
        _annotate(ax, mat[::-1], lambda x: f"{x:,.0f}" if abs(x) >= 10 else f"{x:.2g}")
        title = f"RFM grid: {what} by recency and frequency score"
    ax.set_xticks(range(n_f), [str(i) for i in range(1, n_f + 1)])
    ax.set_yticks(range(n_r), [str(i) for i in range(n_r, 0, -1)])
    ax.set_xlabel("Frequency score (5 = most orders)")
    ax.set_ylabel("Recency score (5 = most recent)")
    ax.set_title(title)
    return ax


def cohort_heatmap(matrix: pd.DataFrame, *, ax: Axes | None = None, annotate: bool = True) -> Axes:
    """Heatmap of a cohort matrix from ``ms.cohorts``: cohorts down, periods since acquisition across."""
    ax = _axes(ax)
    mat = matrix.to_numpy(dtype="float64")
    metric = matrix.attrs.get("metric", "value")
    img = ax.imshow(np.ma.masked_invalid(mat), cmap="Blues", aspect="auto")
    ax.figure.colorbar(img, ax=ax, label={"retention": "share of cohort purchasing", "customers": "customers purchasing",
                                          "revenue": "revenue"}.get(metric, metric))
    if annotate and mat.size <= 600:
        fmt = (lambda x: f"{x:.0%}") if metric == "retention" else (lambda x: f"{x:,.0f}")
        _annotate(ax, mat, fmt)
    step = max(1, len(matrix.index) // 20)
    ax.set_yticks(range(0, len(matrix.index), step), [str(c) for c in matrix.index[::step]])
    stepx = max(1, len(matrix.columns) // 20)
    ax.set_xticks(range(0, len(matrix.columns), stepx), [str(c) for c in matrix.columns[::stepx]])
    ax.set_xlabel("Periods since first purchase")
    ax.set_ylabel("Cohort (period of first purchase)")
    ax.set_title(f"Cohort {metric}")
    return ax


_METRIC_WORDS = {"retention": "share of cohort purchasing", "customers": "customers purchasing", "revenue": "revenue"}


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


def plot_cohorts(matrix: pd.DataFrame, *, ncols: int = 3, ax: Axes | None = None, cmap: str = "viridis"):
    """Small multiples of the cohort triangles of ``ms.cohorts(..., by=...)``, on one colour scale.

    Period 0 (the acquisition period, 100 % retention by definition, and the
    largest count or revenue) is drawn in grey and left out of the colour
    scale, so that the scale shows how the groups differ afterwards.

    Parameters
    ----------
    matrix : DataFrame
        From :func:`microseg.cohorts`; with ``by=`` (a MultiIndex group × cohort)
        one panel per group, else a single triangle.
    ncols : int
        Panels per row.
    ax : Axes, optional
        Only for a single triangle.

    Returns
    -------
    Figure with one panel per group (and one colour bar), or the Axes for a single triangle.
    """
    from matplotlib.colors import Normalize

    metric = matrix.attrs.get("metric", "value")
    later = matrix.loc[:, [c for c in matrix.columns if c != 0]].to_numpy(dtype="float64")
    finite = later[np.isfinite(later)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    norm = Normalize(vmin=lo, vmax=hi if hi > lo else lo + 1e-9)
    label = _METRIC_WORDS.get(metric, metric) + " (periods 1 and later)"
    sizes = matrix.attrs.get("cohort_size")
    if not isinstance(matrix.index, pd.MultiIndex):
        ax = _axes(ax)
        img = _triangle(ax, matrix, norm, cmap)
        ax.figure.colorbar(img, ax=ax, label=label)
        ax.set_xlabel("Periods since first purchase (0 in grey)")
        ax.set_ylabel("Cohort (period of first purchase)")
        ax.set_title(f"Cohort {metric}")
        return ax
    if ax is not None:
        raise ValueError("plot_cohorts draws one panel per group; ax= is for a single triangle (no by=).")
    groups = list(dict.fromkeys(matrix.index.get_level_values(0)))
    ncols = max(1, min(ncols, len(groups)))
    nrows = -(-len(groups) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(4.2 * ncols, 3.4 * nrows), squeeze=False, sharex=True)
    name = matrix.index.names[0]
    img = None
    for i, g in enumerate(groups):
        a = axes.flat[i]
        img = _triangle(a, matrix.xs(g, level=0), norm, cmap)
        n = "" if sizes is None else f" ({int(sizes.xs(g, level=0).sum()):,} customers)"
        a.set_title(f"{g}{n}", fontsize=9)
        if i % ncols == 0:
            a.set_ylabel("Cohort")
        if i // ncols == nrows - 1 or i + ncols >= len(groups):
            a.set_xlabel("Periods since first purchase")
    for a in axes.flat[len(groups):]:
        a.set_visible(False)
    fig.colorbar(img, ax=axes.ravel().tolist(), label=label)
    fig.suptitle(f"Cohort {metric} by {name} (period 0 in grey, off the colour scale)")
    return fig


def funnel_chart(result, *, ax: Axes | None = None) -> Axes:
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
    window = "no time limit" if result.window is None else f"within {_duration(result.window)}"
    ax.set_title(f"Funnel ({result.order} order, {window})")
    ax.set_xlim(0, max(s["customers"].max(), 1) * 1.5)
    return ax


def migration_heatmap(result, *, ax: Axes | None = None, shares: bool = True) -> Axes:
    """Segment before (rows) × segment after (columns): share of each row's customers, or counts."""
    ax = _axes(ax)
    m = result.shares if shares else result.counts
    mat = m.to_numpy(dtype="float64")
    img = ax.imshow(np.ma.masked_invalid(mat), cmap="Purples", aspect="auto")
    ax.figure.colorbar(img, ax=ax, label="share of the segment before" if shares else "customers")
    _annotate(ax, mat, (lambda x: f"{x:.0%}") if shares else (lambda x: f"{x:,.0f}"))
    ax.set_xticks(range(m.shape[1]), [str(c) for c in m.columns], rotation=45, ha="right")
    ax.set_yticks(range(m.shape[0]), [str(c) for c in m.index])
    ax.set_xlabel("Segment after")
    ax.set_ylabel("Segment before")
    ax.set_title("Migration between segments")
    return ax
