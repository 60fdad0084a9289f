"""Plots for psychographic results: scale reliability, factor loadings, parallel analysis, golden questions."""

from __future__ import annotations

import numpy as np

from ..errors import MicrosegError
from ._axes import _axes, annotate_cells, legend_outside

__all__ = ["plot_reliability", "plot_loadings", "plot_parallel_analysis", "plot_golden_questions"]



def plot_reliability(result, *, ax=None, threshold: float = 0.7):
    """Horizontal bars of Cronbach's alpha per scale, with a line at ``threshold``.

    Bars below the threshold are drawn lighter. Returns the Axes.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> s = pd.DataFrame({"q1": [1, 2, 4, 5], "q2": [2, 2, 5, 4], "q3": [1, 3, 4, 4]})
    >>> ax = plot_reliability(ms.reliability(s))
    >>> ax.get_xlabel()
    "Cronbach's alpha"
    """
    ax = _axes(ax, figsize=(6.4, 4.2))
    scales = result.scales
    alpha = scales["alpha"].fillna(0).to_numpy()
    y = np.arange(len(scales))
    colors = ["#1f77b4" if a >= threshold else "#9ecae1" for a in alpha]
    ax.barh(y, alpha, color=colors)
    ax.set_yticks(y, [str(s) for s in scales.index])
    ax.invert_yaxis()
    ax.axvline(threshold, color="#444444", linestyle="--", linewidth=1, label=f"{threshold:g} rule of thumb")
    ax.set_xlim(min(0, float(alpha.min()) - 0.05), 1)
    ax.set_xlabel("Cronbach's alpha")
    ax.set_ylabel("Scale")
    ax.set_title("Reliability of each scale")
    legend_outside(ax)
    return ax


def plot_loadings(model, *, ax=None, annotate: float = 0.3):
    """Heatmap of factor loadings (items × factors), red positive, blue negative.

    ``model`` is a fitted ``PsychographicModel`` or a loadings DataFrame.
    Loadings with absolute value at least ``annotate`` are written in the cells.
    Returns the Axes.
    """
    loadings = getattr(model, "loadings_", model)
    ax = _axes(ax, figsize=(max(5.0, 0.9 * loadings.shape[1] + 3), max(4.2, 0.26 * loadings.shape[0] + 1.5)))
    vals = loadings.to_numpy(dtype=float)
    im = ax.imshow(vals, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto")
    ax.set_xticks(np.arange(vals.shape[1]), [str(c) for c in loadings.columns], rotation=30, ha="right")
    ax.set_yticks(np.arange(vals.shape[0]), [str(i) for i in loadings.index])
    annotate_cells(ax, np.where(np.abs(vals) >= annotate, vals, np.nan), lambda v: f"{v:.2f}", image=im, fontsize=7)
    ax.figure.colorbar(im, ax=ax, label="Loading")
    ax.set_xlabel("Factor")
    ax.set_ylabel("Survey item")
    ax.set_title("Factor loadings")
    return ax


def plot_parallel_analysis(model, *, ax=None):
    """Scree plot of observed eigenvalues against random data (Horn's parallel analysis). Returns the Axes."""
    table = getattr(model, "parallel_", model)
    if table is None:
        raise MicrosegError(
            "the model chose n_factors itself; fit it with n_factors='parallel' to plot the analysis."
        )
    ax = _axes(ax, figsize=(6.4, 4.2))
    x = table["component"].to_numpy()
    ax.plot(x, table["observed"].to_numpy(dtype=float), marker="o", label="Survey answers")
    ax.plot(x, table["random_q95"].to_numpy(dtype=float), linestyle="--", label="Random data (95th percentile)")
    k = int(table["retain"].sum())
    if k:
        ax.axvline(k + 0.5, color="#444444", linewidth=1, label=f"{k} factors kept")
    ax.set_xlabel("Component")
    ax.set_ylabel("Eigenvalue")
    ax.set_title("Parallel analysis")
    legend_outside(ax)
    return ax


def plot_golden_questions(result, *, ax=None):
    """Cross-validated accuracy against the number of items asked, with the target. Returns the Axes."""
    ax = _axes(ax, figsize=(6.4, 4.2))
    steps = result.steps
    n_items = steps["n_items"].to_numpy(dtype=float)
    acc = steps["accuracy"].to_numpy(dtype=float)
    ax.errorbar(n_items, acc, yerr=steps["accuracy_sd"].to_numpy(dtype=float), marker="o", capsize=3,
                label="Cross-validated accuracy")
    for n, a, item in zip(n_items, acc, steps["item"]):
        ax.annotate(f"+ {item}", (n, a), textcoords="offset points", xytext=(4, -10), fontsize=7)
    ax.axhline(result.target_accuracy, color="#444444", linestyle="--", linewidth=1,
               label=f"Target {result.target_accuracy:.0%}")
    ax.set_xticks(steps["n_items"].to_numpy())
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("Number of questions asked")
    ax.set_ylabel("Share assigned to their segment")
    ax.set_title("Golden questions")
    legend_outside(ax)
    return ax
