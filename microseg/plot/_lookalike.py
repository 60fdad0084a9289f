"""Plots for lookalike results: the size-vs-quality curve and the model's drivers."""

from __future__ import annotations

import numpy as np

from ..errors import MicrosegError
from ._axes import _axes, legend_outside
from ._palette import segment_colors

__all__ = ["plot_lookalike_curve", "plot_lookalike_drivers"]


def plot_lookalike_curve(evaluation, *, ax=None, metric: str = "recall"):
    """Draw audience size against recall (or lift) per method, with ±1 standard error.

    Parameters
    ----------
    evaluation : LookalikeEvaluation
        From :func:`microseg.lookalike.evaluate`.
    metric : {"recall", "lift"}
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    if metric not in ("recall", "lift"):
        raise MicrosegError(f"metric must be 'recall' or 'lift', got {metric!r}; pass metric='recall' or 'lift'.")
    ax = _axes(ax, figsize=(7, 4))
    s = evaluation.summary()
    methods = evaluation.methods
    colors = segment_colors(methods)
    for m in methods:
        part = s[s["method"] == m].sort_values("size")
        x = part["size"].to_numpy() * 100
        y = part[metric].to_numpy()
        se = part[f"{metric}_se"].fillna(0).to_numpy()
        ax.plot(x, y, marker="o", color=colors[m], label=m)
        ax.fill_between(x, y - se, y + se, color=colors[m], alpha=0.2, linewidth=0)
    sizes = np.array(sorted(s["size"].unique())) * 100
    ref = sizes / 100 if metric == "recall" else np.ones_like(sizes)
    ax.plot(sizes, ref, linestyle="--", color="#7f7f7f", label="random (expected)")
    ax.set_xlabel("Audience size (% of the eligible pool)")
    ax.set_ylabel("Recall of held-out seed members" if metric == "recall" else "Lift over random")
    ax.set_title(f"Lookalike quality by audience size ({evaluation.n_repeats} repeats)")
    legend_outside(ax, title="method")
    return ax


def plot_lookalike_drivers(explanation, *, ax=None, n: int = 10):
    """Horizontal bars of the strongest drivers of a fitted lookalike model.

    Parameters
    ----------
    explanation : LookalikeExplanation
        From :meth:`microseg.lookalike.Lookalike.explain`.
    n : int
        Number of columns shown.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(6, 0.4 * min(n, len(explanation.drivers)) + 1.5))
    d = explanation.drivers.head(n).iloc[::-1]
    color = ["#2ca02c" if v == "up" else "#d62728" if v == "down" else "#1f77b4" for v in d["direction"]]
    ax.barh([str(c) for c in d["column"]], d["importance"], color=color)
    linear = explanation.method == "pu"
    ax.set_xlabel("Largest coefficient (log-odds per SD)" if linear else "Drop in AUC when shuffled")
    ax.set_ylabel("Feature column")
    ax.set_title(f"What drives the lookalike score ({explanation.method})")
    return ax
