"""Plots of privacy results: export steps, k-anonymity group sizes, record age."""

from __future__ import annotations

import numpy as np

from ._axes import _axes, engineering_ticks, legend_outside

__all__ = ["plot_export_steps", "plot_group_sizes", "plot_record_age"]



def plot_export_steps(report, *, ax=None):
    """Horizontal bars: rows removed at each export step and rows exported.

    Parameters
    ----------
    report : microseg.privacy.ExportReport
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, figsize=(6.5, 3.5))
    counts = report.counts
    steps = counts["step"].tolist()
    colors = ["#bbbbbb"] * (len(steps) - 1) + ["#2a7ab0"]
    ax.barh(steps[::-1], counts["rows"].to_numpy()[::-1], color=colors[::-1])
    engineering_ticks(ax, "x")
    ax.set_xlabel("Rows")
    ax.set_ylabel("Export step")
    ax.set_title(f"Audience export to {report.platform}: {report.exported:,} of {report.rows_in:,} rows")
    return ax


def plot_group_sizes(result, *, ax=None):
    """Histogram of rows by the size of their quasi-identifier group, with the target k marked.

    Parameters
    ----------
    result : microseg.privacy.KAnonymityResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, figsize=(6.5, 3.5))
    sizes = result.groups["size"].to_numpy()
    top = int(sizes.max())
    bins = np.unique(np.round(np.geomspace(1, top + 1, num=min(30, top + 1))).astype(int))
    ax.hist(sizes, bins=bins, weights=sizes, color="#2a7ab0")
    ax.axvline(result.target, color="#c0392b", linestyle="--", label=f"target k = {result.target}")
    ax.set_xscale("log")
    ax.set_xlabel("Group size (rows sharing the quasi-identifiers)")
    ax.set_ylabel("Rows")
    ax.set_title(f"k-anonymity: k = {result.k}, {result.n_at_risk:,} rows at risk")
    engineering_ticks(ax, "y")
    legend_outside(ax)
    return ax


def plot_record_age(result, *, ax=None):
    """Bars of records by months since their last update, with the expected valid share as a line.

    Parameters
    ----------
    result : microseg.privacy.FreshnessResult
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    ax = _axes(ax, figsize=(6.5, 3.5))
    months = result.records["months_since_update"].dropna().to_numpy()
    top = max(12, int(np.ceil(months.max())) if len(months) else 12)
    edges = np.arange(0, top + 2)
    counts, _ = np.histogram(months, bins=edges)
    ax.bar(edges[:-1] + 0.5, counts, width=0.9, color="#2a7ab0", label="records")
    ax.set_xlabel("Months since last update")
    ax.set_ylabel("Records")
    ax.set_title(f"Data decay at {result.monthly_decay:.1%} a month: {result.expected_stale_share:.1%} expected stale")
    twin = ax.twinx()
    grid = np.linspace(0, top + 1, 100)
    twin.plot(grid, (1 - result.monthly_decay) ** grid, color="#c0392b", label="expected valid share")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("Expected valid share")
    return ax
