"""Drawings of profiles: index heatmap, snake plot, radar, segment sizes, describe panels, overlaps.

Suppressed values are never drawn: they show as grey (heatmap) or gaps.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator

from ..errors import MicrosegError
from ._axes import _axes, _figure, annotate_cells, category_ticks, engineering_ticks, legend_outside
from ._palette import segment_colors

__all__ = ["plot_index_heatmap", "plot_snake", "plot_radar", "plot_sizes", "plot_describe", "plot_overlap"]


def _segments(prof) -> list:
    return list(prof.sizes["segment"])


def _standardised(prof) -> pd.DataFrame:
    t = prof.table[prof.table["kind"] == "numeric"]
    z = (t["mean_segment"] - t["mean_overall"]) / t["std_overall"].replace(0, np.nan)
    return (
        t.assign(z=z.to_numpy())
        .pivot_table(index="segment", columns="column", values="z", observed=False, dropna=False, sort=False)
        .reindex(_segments(prof))
    )


def plot_index_heatmap(prof, *, ax=None, max_traits: int = 30):
    """Heatmap of the index (segments × traits), diverging around 100, the index written in each cell;
    suppressed cells grey.

    Traits are the levels and flags whose index departs most from 100 in any
    segment (at most ``max_traits``). Colours are on a log scale, so 50 and 200
    are equally far from 100.
    """
    t = prof.table[prof.table["kind"] != "numeric"].copy()
    if t.empty:
        raise MicrosegError("this profile has no categorical or flag columns to draw as an index heatmap.")
    t["trait"] = [f"{c}" if k == "flag" else f"{c} = {lv}" for c, lv, k in zip(t["column"], t["level"], t["kind"])]
    mat = t.pivot_table(index="segment", columns="trait", values="index", observed=False, dropna=False, sort=False)
    mat = mat.reindex(_segments(prof))
    # index 0 (nobody in the segment has the trait) and very large indexes are clipped to 1/8 and 8 times
    # the population share, so one extreme cell does not wash out the colour scale; NaN stays suppressed
    logv = np.log2(np.clip(mat.to_numpy(dtype=float), 100 / 8, 100 * 8) / 100)
    spread = np.where(np.isfinite(logv), np.abs(logv), -1.0).max(axis=0)
    keep = np.argsort(-spread, kind="stable")[:max_traits]
    logv = logv[:, keep]
    logv = np.where(np.isfinite(logv), logv, np.nan)
    lim = float(np.abs(logv[np.isfinite(logv)]).max()) if np.isfinite(logv).any() else 1.0
    lim = max(lim, 0.1)
    ax = _axes(ax, figsize=(min(11.0, max(6, 0.5 * len(keep) + 2.5)), max(3, 0.5 * len(mat) + 1.5)))
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#d9d9d9")
    im = ax.imshow(np.ma.masked_invalid(logv), cmap=cmap, vmin=-lim, vmax=lim, aspect="auto")
    shown = np.where(np.isfinite(logv), mat.to_numpy(dtype=float)[:, keep], np.nan)
    annotate_cells(ax, shown, lambda v: f"{v:,.0f}", image=im, colour_by=logv,
                   fontsize=8 if len(keep) <= 12 else 7 if len(keep) <= 20 else 6)
    ax.set_xticks(range(len(keep)), [mat.columns[k] for k in keep], rotation=60, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(len(mat)), [str(s) for s in mat.index])
    ax.set_xlabel("trait")
    ax.set_ylabel("segment")
    ax.set_title("Index vs population (100 = same share; grey = suppressed)")
    cbar = ax.figure.colorbar(im, ax=ax)
    ticks = np.linspace(-lim, lim, 5)
    cbar.set_ticks(ticks, labels=[f"{100 * 2**v:.0f}" for v in ticks])
    cbar.set_label("index")
    return ax


def plot_snake(prof, *, ax=None):
    """Snake plot: each segment's mean of every numeric column, in SDs from the population mean."""
    z = _standardised(prof)
    if z.shape[1] == 0:
        raise MicrosegError("this profile has no numeric columns to draw as a snake plot.")
    colors = segment_colors(_segments(prof))
    ax = _axes(ax, figsize=(min(11.0, max(6, 0.8 * z.shape[1] + 3)), 4))
    x = np.arange(z.shape[1])
    for seg, row in z.iterrows():
        ax.plot(x, row.to_numpy(dtype=float), marker="o", color=colors[seg], label=str(seg))
    ax.axhline(0, color="black", lw=0.8)
    category_ticks(ax, "x", x, z.columns, max_labels=40, rotate_over=0)
    ax.set_xlabel("column")
    ax.set_ylabel("mean, in SDs from the population mean")
    ax.set_title("Segment means, standardised")
    legend_outside(ax, title="segment")
    return ax


def plot_radar(prof, *, ax=None):
    """Radar chart of standardised means, one closed polygon per segment (needs a polar Axes)."""
    z = _standardised(prof)
    if z.shape[1] < 3:
        raise MicrosegError("a radar chart needs at least three numeric columns; use kind='snake'.")
    if ax is None:
        ax = _axes(None, figsize=(6, 6), projection="polar")
    elif getattr(ax, "name", "") != "polar":
        raise MicrosegError("plot(kind='radar') needs a polar Axes: plt.subplot(projection='polar').")
    colors = segment_colors(_segments(prof))
    angles = np.linspace(0, 2 * np.pi, z.shape[1], endpoint=False)
    closed = np.append(angles, angles[0])
    for seg, row in z.iterrows():
        v = row.to_numpy(dtype=float)
        ax.plot(closed, np.append(v, v[0]), color=colors[seg], label=str(seg))
        ax.fill(closed, np.append(v, v[0]), color=colors[seg], alpha=0.1)
    ax.set_xticks(angles, [str(c) for c in z.columns])
    ax.set_title("Segment means, in SDs from the population mean")
    ax.legend(title="segment", loc="upper left", bbox_to_anchor=(1.12, 1.05), fontsize="small", frameon=False)
    return ax


def plot_sizes(prof, *, ax=None):
    """Horizontal bars: people per segment, labelled with the share."""
    s = prof.sizes
    colors = segment_colors(_segments(prof))
    ax = _axes(ax, figsize=(6, max(2.5, 0.4 * len(s) + 1)))
    y = np.arange(len(s))
    ax.barh(y, s["n"].to_numpy(), color=[colors[g] for g in s["segment"]])
    for yi, n, sh in zip(y, s["n"], s["share"]):
        ax.text(n, yi, f" {100 * sh:.1f} %", va="center", fontsize="small")
    ax.set_yticks(y, [str(g) for g in s["segment"]])
    ax.invert_yaxis()
    ax.set_xlim(0, max(float(s["n"].max()), 1.0) * 1.18)
    engineering_ticks(ax, "x")
    ax.set_xlabel("people")
    ax.set_ylabel("segment")
    ax.set_title("Segment sizes")
    return ax


def plot_describe(desc, *, ax=None, columns=None):
    """One panel per column of a :class:`~microseg.profile.Description` (at most 12).

    A multi-panel plot: it draws its own figure (``ax`` must be None) and returns the **Figure**.
    """
    t = desc.columns
    if columns is not None:
        t = t[t["column"].isin(list(columns))]
    t = t[t["kind"].isin(["numeric", "category", "binary"])].head(12)
    k = max(len(t), 1)
    ncol = min(3, k)
    fig, axes = _figure(ax, k, ncol, size=(4.0, 2.6), what="plot_describe")
    for a, (_, r) in zip(axes, t.iterrows()):
        if r["kind"] == "numeric":
            a.boxplot(
                [[r["min"], r["p25"], r["median"], r["p75"], r["max"]]],
                orientation="horizontal", whis=(0, 100), widths=0.5,
            )  # fmt: skip
            a.set_yticks([])
            engineering_ticks(a, "x", nbins=5)
            a.set_xlabel(str(r["column"]))
        else:
            lv = desc.levels[desc.levels["column"] == r["column"]]
            a.barh(lv["level"].astype(str), 100 * lv["share"].to_numpy())
            a.invert_yaxis()
            a.xaxis.set_major_locator(MaxNLocator(nbins=4))
            a.set_xlabel("% of people")
        a.set_title(f"{r['column']} ({100 * r['missing_share']:.0f} % missing)", fontsize="small")
    for a in axes[len(t) :]:
        a.set_visible(False)
    fig.suptitle("Population profile")
    fig.tight_layout()
    return fig


def plot_overlap(ov, *, ax=None, top: int = 20):
    """Bars of the largest flag combinations (UpSet-style); suppressed combinations are left out."""
    c = ov.combinations[~ov.combinations["suppressed"]].head(top)
    flags = list(ov.totals["flag"])
    names = [" + ".join(f for f in flags if row[f]) or "none" for _, row in c.iterrows()]
    ax = _axes(ax, figsize=(max(6, 0.5 * len(c) + 2), 4))
    ax.bar(np.arange(len(c)), c["n"].to_numpy(dtype=float), color="#1f77b4")
    ax.set_xticks(np.arange(len(c)), names, rotation=60, ha="right")
    ax.set_xlabel("combination of flags")
    ax.set_ylabel("people")
    n_sup = int(ov.combinations["suppressed"].sum())
    ax.set_title("Flag combinations" + (f" ({n_sup} small ones suppressed)" if n_sup else ""))
    return ax
