"""Plots of CLV model checks: period transactions, calibration vs holdout, cumulative purchases, matrices, models."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes

from ._axes import legend_outside
from ._palette import segment_colors

__all__ = ["plot_calibration_holdout", "plot_cumulative_transactions", "plot_frequency_recency",
           "plot_model_comparison", "plot_period_transactions", "plot_survival"]


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.8))
    return ax


def _two_colors():
    c = segment_colors(["actual", "predicted"])
    return c["actual"], c["predicted"]


def plot_period_transactions(result, *, ax: Axes | None = None) -> Axes:
    """Bars: customers with 0, 1, 2, ... repeat purchases, actual next to the model's prediction."""
    ax = _axes(ax)
    t = result.table
    pos = np.arange(len(t))
    a, p = _two_colors()
    ax.bar(pos - 0.2, t["actual"], width=0.4, color=a, label="actual")
    ax.bar(pos + 0.2, t["predicted"], width=0.4, color=p, label=f"predicted ({result.model})")
    ax.set_xticks(pos, t.index)
    ax.set_xlabel("Repeat purchases in the calibration period")
    ax.set_ylabel("Customers")
    ax.set_title("Repeat purchases per customer: actual vs model")
    legend_outside(ax)
    return ax


def plot_calibration_holdout(result, *, ax: Axes | None = None) -> Axes:
    """Lines: mean holdout purchases by calibration repeat purchases, actual and predicted."""
    ax = _axes(ax)
    t = result.table
    a, p = _two_colors()
    ax.plot(t.index, t["actual"], marker="o", color=a, label="actual")
    ax.plot(t.index, t["predicted"], marker="s", linestyle="--", color=p, label=f"predicted ({result.model})")
    ax.set_xlabel("Repeat purchases in the calibration period")
    ax.set_ylabel("Mean purchases in the holdout period")
    tot = result.totals
    ax.set_title(f"Calibration vs holdout: {tot['actual']:,.0f} actual, {tot['predicted']:,.0f} predicted "
                 f"({tot['error']:+.1%})")
    legend_outside(ax)
    return ax


def plot_cumulative_transactions(result, *, ax: Axes | None = None) -> Axes:
    """Lines: cumulative repeat purchases over time, actual and predicted; the calibration end marked."""
    ax = _axes(ax)
    t = result.table
    a, p = _two_colors()
    ax.plot(t["period_start"], t["actual"], color=a, label="actual")
    ax.plot(t["period_start"], t["predicted"], color=p, linestyle="--", label=f"predicted ({result.model})")
    if result.calibration_end is not None:
        ax.axvline(result.calibration_end, color="grey", linestyle=":", label="end of calibration")
    ax.set_xlabel("Date")
    ax.tick_params(axis="x", labelrotation=30)
    ax.set_ylabel("Cumulative repeat purchases")
    ax.set_title("Cumulative repeat purchases of the cohort")
    legend_outside(ax)
    return ax


def plot_frequency_recency(result, *, ax: Axes | None = None) -> Axes:
    """Heatmap of P(alive) or expected purchases over frequency (rows) × recency (columns)."""
    ax = _axes(ax)
    t = result.table
    im = ax.imshow(t.to_numpy(), aspect="auto", origin="lower", cmap="viridis",
                   extent=(t.columns[0] - 0.5, t.columns[-1] + 0.5, t.index[0] - 0.5, t.index[-1] + 0.5))
    words = {"probability_alive": "Probability alive", "expected_purchases": "Expected purchases"}[result.kind]
    ax.figure.colorbar(im, ax=ax, label=words)
    ax.set_xlabel(f"Recency (time of the last repeat purchase; customers of age T = {result.T:g})")
    ax.set_ylabel("Frequency (repeat purchases)")
    ax.set_title(f"{words} by frequency and recency")
    return ax


def plot_model_comparison(result, *, ax: Axes | None = None) -> Axes:
    """Lines: mean holdout purchases by calibration frequency, actual and each model; legend with the MAE."""
    ax = _axes(ax)
    t = result.by_frequency
    colors = segment_colors(["actual", *result.table.index])
    ax.plot(t.index, t["actual"], marker="o", color=colors["actual"], linewidth=2.5, label="actual")
    for name, row in result.table.iterrows():  # one line per model
        ax.plot(t.index, t[name], marker="s", linestyle="--", color=colors[name],
                label=f"{name} (MAE {row['mae']:.3f}, total {row['aggregate_error']:+.1%})")
    ax.set_xlabel("Repeat purchases in the calibration period")
    ax.set_ylabel("Mean purchases in the holdout period")
    ax.set_title("Models compared on the holdout period")
    legend_outside(ax)
    return ax


def plot_survival(model, *, observed=None, periods: int | None = None, ax: Axes | None = None) -> Axes:
    """Survival curve of a fitted ``ShiftedBetaGeoModel``, with observed survivor shares as points."""
    ax = _axes(ax)
    obs = None if observed is None else np.asarray(observed, dtype="float64")
    if periods is None:
        periods = 12 if obs is None else max(12, 2 * (len(obs) - 1))
    s = model.survival(periods)
    a, p = _two_colors()
    ax.plot(s.index, s.to_numpy(), color=p, label="sBG model")
    if obs is not None:
        ax.plot(np.arange(len(obs)), obs / obs[0], "o", color=a, label="observed")
    ax.set_xlabel("Period")
    ax.set_ylabel("Share of the cohort still active")
    ax.set_ylim(0, 1.02)
    ax.set_title(f"Survival: alpha = {model.params_['alpha']:.3f}, beta = {model.params_['beta']:.3f}")
    legend_outside(ax)
    return ax
