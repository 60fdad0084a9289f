"""Plots for campaign results: plan, reach vs frequency, send-time heatmap, test lift."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._axes import _axes, _deprecated, annotate_cells, category_ticks, engineering_ticks, legend_outside
from ._palette import segment_colors

__all__ = [
    "plot_plan", "plot_reach_frequency", "plot_send_time_heatmap", "plot_lift",
    "plan_chart", "reach_frequency", "send_time_heatmap", "lift_chart",
]  # fmt: skip


def plot_plan(plan, *, ax=None):
    """Bars of planned cost and expected revenue per segment, coloured by segment.

    Parameters
    ----------
    plan : CampaignPlan
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(8, 4))
    t = plan.table
    labels = list(t.index)
    colors = segment_colors(labels)
    x = np.arange(len(labels))
    w = 0.4
    incremental = getattr(plan, "incremental", False)
    ax.bar(x - w / 2, t["cost"].to_numpy(), width=w, color=[colors[s] for s in labels], alpha=0.45, label="cost")
    if incremental:
        rev = t["incremental_revenue"].to_numpy(dtype="float64")
        err = np.vstack([rev - t["incremental_revenue_low"].to_numpy(dtype="float64"),
                         t["incremental_revenue_high"].to_numpy(dtype="float64") - rev])
        ax.bar(x + w / 2, rev, width=w, color=[colors[s] for s in labels], yerr=err, capsize=3,
               label=f"incremental revenue ({1 - plan.alpha:.0%} interval)")
        ax.axhline(0, color="#7f7f7f", linewidth=0.8)
        title = "Incremental campaign plan: cost and incremental revenue per segment"
    else:
        ax.bar(x + w / 2, t["revenue"].to_numpy(), width=w, color=[colors[s] for s in labels],
               label="expected revenue (not incremental)")
        title = "Campaign plan (not incremental: raw response): cost and revenue per segment"
    category_ticks(ax, "x", x, labels, rotate_over=0)
    engineering_ticks(ax, "y")
    ax.set_xlabel("Segment")
    ax.set_ylabel("Amount")
    ax.set_title(title, fontsize="medium")
    legend_outside(ax)
    return ax


def plot_reach_frequency(result, *, ax=None):
    """Reach (share of people) against average frequency, simulated and analytic.

    Parameters
    ----------
    result : FrequencyResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(7, 4))
    t = result.table.sort_values("mean_exposure")
    ax.plot(t["average_frequency"], t["reach_share"] * 100, marker="o", color="#1f77b4", label="simulated")
    ax.plot(t["average_frequency"], t["reach_expected"] * 100, linestyle="--", color="#7f7f7f", label="analytic")
    ax.axvline(result.cap, color="#d62728", linestyle=":", label=f"cap ({result.cap} per person)")
    ax.set_xlabel("Average frequency (impressions per person reached)")
    ax.set_ylabel("Reach (% of audience)")
    ax.set_title(f"Reach vs frequency ({result.distribution.replace('_', ' ')} exposure)")
    legend_outside(ax)
    return ax


def plot_send_time_heatmap(result, *, ax=None, segment=None):
    """Heatmap of response rate by weekday (rows) and hour (columns) for one segment (default: all pooled).

    Parameters
    ----------
    result : SendTimeResult
    segment : label, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(11, 3.8))
    grid = result.heatmap(segment)
    values = grid.to_numpy(dtype="float64") * 100
    im = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap="viridis")
    ax.set_yticks(np.arange(len(grid.index)), [str(d) for d in grid.index])
    ax.set_xticks(np.arange(len(grid.columns)), [f"{int(h):02d}:00" for h in grid.columns], rotation=90)
    ax.figure.colorbar(im, ax=ax, label=f"{result.response} rate (%)")
    annotate_cells(ax, values, lambda v: f"{v:.0f}" if abs(v) >= 10 else f"{v:.1f}", image=im, fontsize=6)
    if segment is not None and segment in result.best.index and result.best.loc[segment, "note"] == "":
        b = result.best.loc[segment]
        r = list(grid.index).index(b["weekday"])
        c = list(grid.columns).index(b["hour"])
        ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="#d62728", linewidth=2))
    ax.set_xlabel("Hour of sending (cells: rate in %)")
    ax.set_ylabel("Weekday")
    ax.set_title(f"{str(result.response).capitalize()} rate by send time" + ("" if segment is None else f": {segment}"))
    return ax


def plot_lift(readout, *, ax=None, relative: bool = False):
    """Lift per segment with its confidence interval (a forest plot), overall last.

    Parameters
    ----------
    readout : Readout
    relative : bool
        Draw the relative lift (%) instead of the absolute one (percentage points).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax, figsize=(6.5, 0.5 * len(readout.table) + 1.5))
    t = readout.table
    col = "relative_lift" if relative else "lift"
    kind = getattr(readout, "kind", "binary")
    scale = 100 if relative or kind == "binary" else 1  # percentage points (rates) or outcome units (money)
    y = np.arange(len(t))[::-1]
    est = t[col].to_numpy(dtype="float64") * scale
    lo = t[f"{col}_low"].to_numpy(dtype="float64") * scale
    hi = t[f"{col}_high"].to_numpy(dtype="float64") * scale
    labels = list(t.index)
    colors = segment_colors([s for s in labels if s != "overall"])
    colors["overall"] = "#000000"
    for yi, e, a, b, s in zip(y, est, lo, hi, labels):
        ax.plot([a, b], [yi, yi], color=colors[s], linewidth=2)
        ax.plot([e], [yi], marker="D" if s == "overall" else "o", color=colors[s])
    ax.axvline(0, color="#7f7f7f", linestyle="--")
    ax.set_yticks(y, [str(s) for s in labels])
    what = {"binary": "rate", "continuous": "mean", "ratio": ""}[kind]
    if relative:
        ax.set_xlabel("Relative lift (%)")
    else:
        ax.set_xlabel("Lift (percentage points)" if kind == "binary" else f"Difference in {what} {readout.outcome}".replace("  ", " "))
    ax.set_ylabel("Segment")
    ax.set_title(f"Lift in {readout.outcome} {what}, treatment vs control ({(1 - readout.alpha):.0%} intervals)".replace("  ", " "))
    return ax


plan_chart = _deprecated("plan_chart", plot_plan)
reach_frequency = _deprecated("reach_frequency", plot_reach_frequency)
send_time_heatmap = _deprecated("send_time_heatmap", plot_send_time_heatmap)
lift_chart = _deprecated("lift_chart", plot_lift)
