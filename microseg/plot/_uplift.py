"""Plots for uplift targeting: the Qini (or uplift) curve with its random line, and the effect of each targeting rule."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._axes import legend_outside

__all__ = ["plot_uplift_curve", "plot_uplift_segments"]

_MODEL, _RANDOM, _PERFECT = "#1f77b4", "#7f7f7f", "#2ca02c"


def plot_uplift_curve(curve, *, ax=None, kind: str = "qini"):
    """The Qini (or uplift) curve of a score, with the random line and the perfect curve.

    Parameters
    ----------
    curve : UpliftCurve
    ax : matplotlib Axes, optional
    kind : {"qini", "uplift"}
        Which curve to draw.

    Returns
    -------
    matplotlib Axes
    """
    if kind not in ("qini", "uplift"):
        raise ValueError(f"kind must be 'qini' or 'uplift', got {kind!r}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    c = curve.curve
    n = curve.n
    auc, lo, hi = (getattr(curve, f"{kind}_auc{s}") for s in ("", "_low", "_high"))
    interval = "" if np.isnan(lo) else f" [{lo:.3f}, {hi:.3f}]"
    ax.plot(c["share"] * 100, c[kind], color=_MODEL, linewidth=1.8,
            label=f"targeting by the score (area {auc:.3f}{interval})")  # fmt: skip
    ax.plot([0, 100], [0, c[kind].iloc[-1]], color=_RANDOM, linestyle="--", linewidth=1.2,
            label="random targeting (area 0)")  # fmt: skip
    p = curve.perfect[curve.perfect["curve"] == kind]
    ax.plot(p["targeted"] / n * 100, p["value"], color=_PERFECT, linestyle=":", linewidth=1.2, label="perfect targeting (area 1)")
    ax.axhline(0, color="#bbbbbb", linewidth=0.8)
    ax.set_xlabel("Customers targeted, highest score first (%)")
    if kind == "qini":
        ax.set_ylabel("Extra conversions (Qini)")
        ax.set_title("Qini curve: extra conversions against the share targeted")
    else:
        ax.set_ylabel("Conversion-rate difference x customers targeted")
        ax.set_title("Uplift curve")
    legend_outside(ax)
    return ax


def plot_uplift_segments(result, *, ax=None):
    """Measured effect of each targeting rule on held-out customers, with intervals, against everyone.

    Parameters
    ----------
    result : UpliftSegments
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.6 * max(len(result.rules), 2) + 1.5))
    r = result.rules
    colors = {"persuadables": "#2ca02c", "do-not-disturb": "#d62728"}
    y = np.arange(len(r))[::-1]
    eff = r["effect"].to_numpy(dtype="float64")
    err = np.vstack([eff - r["effect_low"].to_numpy(dtype="float64"), r["effect_high"].to_numpy(dtype="float64") - eff])
    ax.barh(y, eff, xerr=err, capsize=3, color=[colors.get(g, "#1f77b4") for g in r["group"]], alpha=0.8)
    overall = float(result.overall["effect"])
    ax.axvline(overall, color="#7f7f7f", linestyle="--", linewidth=1.2, label=f"everyone ({overall:+.3f})")
    ax.axvline(0, color="#bbbbbb", linewidth=0.8)
    labels = [f"{g}: {rule}\n({cov:.0%} of customers)" for g, rule, cov in zip(r["group"], r["rule"], r["coverage"])]
    ax.set_yticks(y, labels, fontsize="small")
    ax.set_xlabel(f"Effect of the contact on held-out customers ({1 - result.alpha:.0%} interval)")
    ax.set_title("Targeting rules: the effect measured where each rule applies")
    legend_outside(ax)
    return ax
