"""Plots for clustered segments: choosing k, stability, explanations."""

from __future__ import annotations

import numpy as np

from ._axes import _axes, _figure, category_ticks, legend_outside
from ._palette import segment_colors

__all__ = ["plot_choose_k", "plot_stability", "plot_explain"]


def plot_choose_k(result, *, ax=None):
    """Five panels: inertia with the elbow, silhouette, Calinski–Harabasz, Davies–Bouldin, gap.

    A multi-panel plot: it draws its own figure (``ax`` must be None) and
    returns the **Figure**; the recommended k is marked with a dashed line in every panel.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import microseg as ms
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, 1, (60, 2)), rng.normal(6, 1, (60, 2))], columns=["a", "b"])
    >>> fig = ms.choose_k(X, k=range(2, 5), n_references=3, random_state=0).plot()
    >>> [a.get_title() for a in fig.axes if a.get_visible()][1:3]
    ['Silhouette (higher is better)', 'Calinski–Harabasz (higher is better)']
    """
    s = result.scores
    ks = s.index.to_numpy()
    panels = [
        ("inertia", f"Inertia (elbow at k = {result.elbow})", "within-segment sum of squares"),
        ("silhouette", "Silhouette (higher is better)", "mean silhouette"),
        ("calinski_harabasz", "Calinski–Harabasz (higher is better)", "score"),
        ("davies_bouldin", "Davies–Bouldin (lower is better)", "score"),
        ("gap", "Gap statistic (1-SE rule)", "gap"),
    ]
    fig, axes = _figure(ax, len(panels), 3, what="plot_choose_k")
    for a, (col, title, ylabel) in zip(axes, panels):
        if col == "gap":
            a.errorbar(ks, s["gap"], yerr=s["gap_se"], marker="o", capsize=3)
        else:
            a.plot(ks, s[col], marker="o")
        a.axvline(result.recommended, color="grey", linestyle="--", linewidth=1)
        a.set_title(title)
        a.set_xlabel("number of segments (k)")
        a.set_ylabel(ylabel)
        a.set_xticks(ks)
    fig.suptitle(result.recommendation, fontsize="medium", wrap=True)
    fig.tight_layout()
    return fig


def plot_stability(result, *, ax=None):
    """Two panels: ARI across resamples by k, and each segment's mean Jaccard recovery.

    A multi-panel plot: it draws its own figure (``ax`` must be None) and
    returns the **Figure**. Dotted lines mark the 0.6 (unstable) and 0.75 (doubtful) thresholds.
    """
    fig, (a1, a2) = _figure(ax, 2, 2, size=(5.0, 3.5), what="plot_stability")
    r = result.resamples
    ks = list(result.by_k.index)
    a1.boxplot([r.loc[r["k"] == k, "ari"].to_numpy() for k in ks], positions=range(len(ks)))
    a1.set_xticks(range(len(ks)), [str(k) for k in ks])
    a1.set_title("Agreement with the full-data segments")
    a1.set_xlabel("number of segments (k)")
    a1.set_ylabel("adjusted Rand index")
    seg = result.segments
    labels = [f"k={row.k} · {row.segment}" for row in seg.itertuples()]
    colors = segment_colors(sorted(seg["segment"].unique()))
    a2.bar(range(len(seg)), seg["jaccard"], yerr=seg["jaccard_sd"],
           color=[colors[s] for s in seg["segment"]], capsize=2)
    a2.axhline(0.75, color="grey", linestyle=":", linewidth=1)
    a2.axhline(0.6, color="firebrick", linestyle=":", linewidth=1)
    category_ticks(a2, "x", range(len(seg)), labels, max_labels=30, rotate_over=0)
    a2.set_ylim(0, 1.05)
    a2.set_title("Segment recovery (clusterboot)")
    a2.set_xlabel("segment")
    a2.set_ylabel("mean Jaccard")
    fig.tight_layout()
    return fig


def plot_explain(result, *, ax=None):
    """Grouped bars: coverage and precision of each segment's rules. Returns the Axes."""
    ax = _axes(ax, figsize=(7.5, 3.5))
    seg = result.segments
    x = np.arange(len(seg))
    ax.bar(x - 0.2, seg["coverage"], width=0.4, label="coverage (share of segment matched)")
    ax.bar(x + 0.2, seg["precision"], width=0.4, label="precision (share of matched in segment)")
    ax.set_xticks(x, [str(s) for s in seg.index])
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("segment")
    ax.set_ylabel("share")
    ax.set_title("How well the rules describe each segment")
    legend_outside(ax)
    return ax
