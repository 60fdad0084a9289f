"""Plots for campaign results: plan, reach vs frequency, send-time heatmap, test lift."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ._palette import segment_colors

__all__ = ["plan_chart", "reach_frequency", "send_time_heatmap", "lift_chart"]


def plan_chart(plan, *, ax=None):
    """Bars of planned cost and expected revenue per segment, coloured by segment.

    Parameters
    ----------
    plan : CampaignPlan
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
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
    ax.set_xticks(x, [str(s) for s in labels], rotation=30, ha="right")
    ax.set_xlabel("Segment")
    ax.set_ylabel("Amount")
    ax.set_title(title)
    ax.legend()
    return ax


def reach_frequency(result, *, ax=None):
    """Reach (share of people) against average frequency, simulated and analytic.

    Parameters
    ----------
    result : FrequencyResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    t = result.table.sort_values("mean_exposure")
    ax.plot(t["average_frequency"], t["reach_share"] * 100, marker="o", color="#1f77b4", label="simulated")
    ax.plot(t["average_frequency"], t["reach_expected"] * 100, linestyle="--", color="#7f7f7f", label="analytic")
    ax.axvline(result.cap, color="#d62728", linestyle=":", label=f"cap ({result.cap} per person)")
    ax.set_xlabel("Average frequency (impressions per person reached)")
    ax.set_ylabel("Reach (% of audience)")
    ax.set_title(f"Reach vs frequency ({result.distribution.replace('_', ' ')} exposure)")
    ax.legend()
    return ax


def send_time_heatmap(result, *, segment=None, ax=None):
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
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.5))
    grid = result.heatmap(segment)
    values = grid.to_numpy(dtype="float64") * 100
    im = ax.imshow(np.ma.masked_invalid(values), aspect="auto", cmap="viridis")
    ax.set_yticks(np.arange(len(grid.index)), [str(d) for d in grid.index])
    ax.set_xticks(np.arange(len(grid.columns)), [f"{int(h):02d}:00" for h in grid.columns], rotation=90)
    ax.figure.colorbar(im, ax=ax, label=f"{result.response} rate (%)")
    if segment is not None and segment in result.best.index and result.best.loc[segment, "note"] == "":
        b = result.best.loc[segment]
        r = list(grid.index).index(b["weekday"])
        c = list(grid.columns).index(b["hour"])
        ax.add_patch(plt.Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, edgecolor="#d62728", linewidth=2))
    ax.set_xlabel("Hour of sending")
    ax.set_ylabel("Weekday")
    ax.set_title(f"{str(result.response).capitalize()} rate by send time" + ("" if segment is None else f": {segment}"))
    return ax


def lift_chart(readout, *, relative: bool = False, ax=None):
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
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 0.5 * len(readout.table) + 1.5))
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
