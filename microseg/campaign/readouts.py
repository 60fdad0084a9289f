"""Read-out of randomised campaign tests: yes/no responses, money and ratio metrics, and test health.

:func:`readout` compares treatment and control per segment and overall:

- **yes/no outcomes** (conversion): rates, absolute lift (difference of
  rates) with a Wald interval, relative lift with a log-ratio (Katz) interval,
  the pooled two-proportion z-test;
- **continuous outcomes** (spend per customer): difference of means with
  Welch's t interval and test (``method="welch"``, the default), or a
  percentile-bootstrap interval for heavy tails (``method="bootstrap"``);
- **ratio metrics** whose denominator is not the randomisation unit (spend per
  visit, per order; ``per=COLUMN``): delta-method intervals;

with Benjamini-Hochberg adjusted p-values across segments. Test health comes
with it: a sample-ratio-mismatch test (``expected_split``), covariate balance
(``balance``: standardised mean differences of pre-period columns), peeking
(``design``: the table of :func:`~microseg.campaign.design_test`) and CUPED
variance reduction with a pre-period metric (``covariate``).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from dataclasses import dataclass, field
from numbers import Real

import numpy as np
import pandas as pd

from .._validation import check_columns, check_frame, check_labels, report_rows
from ..errors import MicrosegError, SchemaError, TestHealthWarning
from . import _stats
from ._readout_parts import SMD_THRESHOLD, _arms, _balance, _binary_table, _control_share, _numeric, _planned
from .testing import _level, benjamini_hochberg

__all__ = ["readout", "Readout", "SRM_THRESHOLD"]

#: p-value below which arm sizes are a sample-ratio mismatch (after BH across segments).
SRM_THRESHOLD = 0.001


@dataclass(frozen=True, repr=False)
class Readout:
    """The read-out of a randomised campaign test, per segment and overall.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment (index ``segment``), then a final ``"overall"`` row
        (only that row when no segments are given). Yes/no outcomes:
        ``n_treatment``, ``conversions_treatment``, ``rate_treatment``,
        ``n_control``, ``conversions_control``, ``rate_control``. Continuous
        outcomes: ``n_treatment``, ``mean_treatment``, ``n_control``,
        ``mean_control``. Ratio metrics: ``n_treatment``,
        ``denominator_treatment``, ``ratio_treatment`` and the same for control.
        Then ``lift`` (absolute: difference of rates, means or ratios; for a
        yes/no outcome the uplift per treated customer) with
        ``lift_low``/``lift_high``, ``relative_lift`` with
        ``relative_lift_low``/``relative_lift_high``, ``p_value``,
        ``p_adjusted`` (Benjamini-Hochberg across the segments; the overall row
        keeps its own p-value), ``significant`` (``p_adjusted < alpha``), and
        ``incremental_conversions`` (yes/no) or ``incremental_total``
        (continuous): lift x n_treatment. With ``covariate``: ``cuped_theta``.
        With ``expected_split``: ``srm_p_value`` (BH-adjusted across segments)
        and ``srm``. With ``design``: ``planned_size``, ``share_of_plan`` and
        ``early``.
    alpha : float
    outcome : str
    kind : str
        ``"binary"``, ``"continuous"`` or ``"ratio"``.
    method : str
        How intervals were computed: ``"wald"``, ``"welch"``, ``"bootstrap"``
        or ``"delta"``, with ``"+cuped"`` when a covariate adjusted them.
    balance : pandas.DataFrame or None
        Per pre-period column (one row per level of a categorical):
        ``mean_treatment``, ``mean_control``, ``smd``, ``imbalanced``.
    health : tuple of str
        Problems found (sample-ratio mismatch, imbalance, peeking); empty when healthy.
    """

    table: pd.DataFrame
    alpha: float
    outcome: str
    kind: str = "binary"
    method: str = "wald"
    balance: pd.DataFrame | None = field(default=None, repr=False)
    health: tuple = ()

    @property
    def overall(self) -> pd.Series:
        """The overall row."""
        return self.table.loc["overall"]

    @property
    def by_segment(self) -> pd.DataFrame:
        """The per-segment rows (without the overall row)."""
        return self.table.drop(index="overall")

    def to_frame(self) -> pd.DataFrame:
        """The read-out table (a copy)."""
        return self.table.copy()

    def plot(self, ax=None, **kwargs):
        """Draw the lift per segment with its interval (see :func:`microseg.plot.plot_lift`)."""
        from ..plot import plot_lift

        return plot_lift(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        o = self.overall
        n_sig = int(self.by_segment["significant"].sum())
        segs = f", {n_sig} of {len(self.by_segment)} segments significant after BH at {self.alpha}" if len(self.by_segment) else ""
        if self.kind == "binary":
            body = (f"{o['rate_treatment']:.2%} treated vs {o['rate_control']:.2%} control, "
                    f"lift {o['lift'] * 100:+.2f} pts [{o['lift_low'] * 100:+.2f}, {o['lift_high'] * 100:+.2f}]")
        else:
            what = "mean" if self.kind == "continuous" else "ratio"
            m = "mean" if self.kind == "continuous" else "ratio"
            body = (f"{what} {o[f'{m}_treatment']:.4g} treated vs {o[f'{m}_control']:.4g} control, "
                    f"difference {o['lift']:+.4g} [{o['lift_low']:+.4g}, {o['lift_high']:+.4g}]")
        flags = "".join(f"; WARNING: {h}" for h in self.health)
        return f"Readout({self.outcome}: {body}, p={o['p_value']:.2g}{segs}; {self.method}{flags})"

    def _repr_html_(self) -> str:
        from .._tables import format_table

        units = dict.fromkeys(["lift", "lift_low", "lift_high"], "pp" if self.kind == "binary" else "number")
        out = f"<p><b>{_html_escape(repr(self))}</b></p>" + format_table(self.table, max_rows=None, units=units).html
        if self.balance is not None:
            out += "<p>Covariate balance (standardised mean differences):</p>" + format_table(self.balance, max_rows=None).html
        return out


def _html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def readout(
    results: pd.DataFrame,
    *,
    outcome: Hashable = "converted",
    group: Hashable = "group",
    treatment=None,
    control=None,
    segments=None,
    per: Hashable | None = None,
    method: str | None = None,
    covariate: Hashable | None = None,
    balance=None,
    expected_split=None,
    design: pd.DataFrame | None = None,
    alpha: float = 0.05,
    n_boot: int = 2000,
    random_state=None,
) -> Readout:
    """Read out a randomised test per segment: effect with intervals, p-values, BH, and test health.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per customer in the test (e.g. ``contacts`` of one campaign).
    outcome : str
        The outcome column: yes/no (boolean or 0/1: conversion) or continuous
        (spend per customer); with ``per``, the numerator of a ratio metric.
    group : str
        Column giving the arm.
    treatment, control : value or list of values, optional
        The arm value(s) counted as treatment and as control; rows in neither
        arm are left out and reported (e.g. a second treatment arm). By default
        a boolean column is read as True = treatment, and otherwise the column
        must hold the labels ``"treatment"`` and ``"control"``.
    segments : str or array-like, optional
        Column name or labels to read out by (default: overall only).
    per : str, optional
        Denominator column of a ratio metric that is not counted per customer
        (e.g. ``outcome="spend", per="visits"``: spend per visit), read out
        with delta-method intervals; customers remain the randomisation unit.
    method : {"welch", "bootstrap"}, optional
        Interval of a continuous outcome: Welch's t (default), or the
        percentile bootstrap for heavy tails (``n_boot`` resamples, seeded by
        ``random_state``). Yes/no outcomes default to the two-proportion (Wald)
        interval; ratio metrics always use the delta method.
    covariate : str, optional
        A pre-period metric (e.g. last year's spend) for CUPED: the outcome is
        adjusted by ``theta (x - mean(x))`` within each segment, which keeps
        the effect and narrows its interval.
    balance : str or list of str, optional
        Pre-period columns whose standardised mean difference between arms is
        reported (``Readout.balance``); ``|smd| > 0.1`` is flagged.
    expected_split : float or mapping, optional
        The intended split: control share (``0.1`` for a 10 % holdout) or
        ``{"treatment": 2, "control": 1}``. Arm sizes are tested against it
        (chi-square, overall and per segment with BH); ``p < 0.001`` is a
        sample-ratio mismatch.
    design : pandas.DataFrame, optional
        The :func:`~microseg.campaign.design_test` table of this test; rows
        below their planned size are flagged as an early read-out (peeking).
    alpha : float
        1 - confidence level of the intervals, and the level for ``significant``.

    Returns
    -------
    Readout

    Warns
    -----
    TestHealthWarning
        On a sample-ratio mismatch, an imbalanced pre-period column, or a
        read-out before the planned sample size.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"group": ["treatment"] * 1000 + ["control"] * 1000,
    ...                    "converted": [True] * 60 + [False] * 940 + [True] * 40 + [False] * 960})
    >>> r = readout(df)
    >>> r.overall[["rate_treatment", "rate_control", "lift", "relative_lift"]].astype(float).round(3).tolist()
    [0.06, 0.04, 0.02, 0.5]
    >>> round(float(r.overall["p_value"]), 4)
    0.0402
    >>> spend = df.assign(spend=[20.0] * 60 + [0.0] * 940 + [18.0] * 40 + [0.0] * 960)
    >>> s = readout(spend, outcome="spend")
    >>> s.overall[["mean_treatment", "mean_control", "lift"]].astype(float).round(3).tolist()
    [1.2, 0.72, 0.48]
    """
    check_frame(results, name="results")
    cols = [outcome, group] + [c for c in (per, covariate) if c is not None]
    balance_cols = [] if balance is None else ([balance] if isinstance(balance, str) else list(balance))
    check_columns(results, cols + balance_cols, name="results")
    alpha = _level(alpha, "alpha")
    if method not in (None, "welch", "bootstrap"):
        raise MicrosegError(f"method must be 'welch' or 'bootstrap' (or None for the default), got {method!r}.")
    is_t, is_c = _arms(results[group], treatment, control, group)

    y = _numeric(results, outcome, role="outcome")
    binary = per is None and bool(np.isin(y, [0.0, 1.0]).all())
    if per is not None:
        kind = "ratio"
        x = _numeric(results, per, role="per (denominator)")
        if (x < 0).any():
            raise SchemaError(f"per column {per!r} has {int((x < 0).sum())} negative values; a denominator counts visits or orders.")
        if method is not None or covariate is not None:
            raise MicrosegError("ratio metrics (per=...) are read out with delta-method intervals only; drop method= and covariate=.")
        how = "delta"
    else:
        kind = "binary" if binary else "continuous"
        how = method or ("wald" if binary and covariate is None else "welch")
    xcov = _numeric(results, covariate, role="covariate") if covariate is not None else None

    labels = pd.Series("all", index=results.index) if segments is None else check_labels(results, segments)
    in_test = is_t | is_c
    dropped = {"in neither arm": int((~in_test).sum()), "missing segment label": int((in_test & labels.isna().to_numpy()).sum())}
    keep = in_test & labels.notna().to_numpy()
    report_rows(None, dropped, what="test rows", stacklevel=3)

    codes, uniques = pd.factorize(labels[keep], sort=True)
    seg_index = list(uniques)
    n_seg = len(seg_index)
    t = is_t[keep]
    yk = y[keep]
    groups = [np.flatnonzero(codes == k) for k in range(n_seg)] if n_seg > 1 else [np.arange(len(codes))]
    groups.append(np.arange(len(codes)))  # the overall row
    if how == "bootstrap":
        from sklearn.utils import check_random_state

        rng = check_random_state(random_state)
        if not (isinstance(n_boot, Real) and n_boot >= 100):
            raise MicrosegError(f"n_boot must be a whole number >= 100 bootstrap resamples, got {n_boot!r}.")

    thetas = np.full(len(groups), np.nan)
    if how == "wald":
        n_t, n_c, x_t, x_c, res = _binary_table(yk, t, codes, n_seg, alpha)
    else:
        rows = []
        for i, rows_i in enumerate(groups):
            if segments is None and i == 1:  # the overall row is the only segment
                rows.append(rows[0])
                thetas[1] = thetas[0]
                continue
            ti = t[rows_i]
            yi = yk[rows_i]
            if kind == "ratio":
                xi = x[keep][rows_i]
                rows.append(_stats.ratio_delta(yi[ti], xi[ti], yi[~ti], xi[~ti], alpha))
                continue
            if xcov is not None:
                yi, thetas[i] = _stats.cuped(yi, xcov[keep][rows_i])
            if how == "bootstrap":
                r = _stats.bootstrap(yi[ti], yi[~ti], alpha, n_boot=int(n_boot), rng=rng)
            else:
                r = _stats.welch(yi[ti], yi[~ti], alpha)
            if xcov is not None:  # report the raw means; the difference and intervals are the adjusted ones
                raw = yk[rows_i]
                r["mean_t"], r["mean_c"] = float(raw[ti].mean()), float(raw[~ti].mean())
            rows.append(r)
        res = pd.DataFrame(rows)
        n_t = np.array([t[g].sum() for g in groups], dtype="float64")
        n_c = np.array([(~t[g]).sum() for g in groups], dtype="float64")
        x_t = np.array([yk[g][t[g]].sum() for g in groups])
        x_c = np.array([yk[g][~t[g]].sum() for g in groups])

    pv = res["p"].to_numpy(dtype="float64")
    padj = np.append(benjamini_hochberg(pv[:-1]), pv[-1])
    cols = {"n_treatment": n_t.astype(np.int64)}
    if kind == "binary":
        cols |= {"conversions_treatment": x_t.astype(np.int64), "rate_treatment": res["mean_t"].to_numpy(),
                 "n_control": n_c.astype(np.int64), "conversions_control": x_c.astype(np.int64), "rate_control": res["mean_c"].to_numpy()}
    elif kind == "continuous":
        cols |= {"mean_treatment": res["mean_t"].to_numpy(), "n_control": n_c.astype(np.int64), "mean_control": res["mean_c"].to_numpy()}
    else:
        xk = x[keep]
        cols |= {"denominator_treatment": np.array([xk[g][t[g]].sum() for g in groups]), "ratio_treatment": res["mean_t"].to_numpy(),
                 "n_control": n_c.astype(np.int64), "denominator_control": np.array([xk[g][~t[g]].sum() for g in groups]),
                 "ratio_control": res["mean_c"].to_numpy()}
    d = res["diff"].to_numpy(dtype="float64")
    cols |= {"lift": d, "lift_low": res["low"].to_numpy(dtype="float64"), "lift_high": res["high"].to_numpy(dtype="float64"),
             "relative_lift": res["rel"].to_numpy(dtype="float64"), "relative_lift_low": res["rel_low"].to_numpy(dtype="float64"),
             "relative_lift_high": res["rel_high"].to_numpy(dtype="float64"), "p_value": pv, "p_adjusted": padj,
             "significant": padj < alpha}
    if kind == "binary":
        cols["incremental_conversions"] = d * n_t
    elif kind == "continuous":
        cols["incremental_total"] = d * n_t
    if xcov is not None:
        cols["cuped_theta"] = thetas
    table = pd.DataFrame(cols, index=pd.Index([*seg_index, "overall"], name="segment", dtype=object))
    if segments is None:
        table = table.iloc[[-1]]

    health = []
    if expected_split is not None:
        share = _control_share(expected_split)
        n_tt, n_cc = table["n_treatment"].to_numpy(), table["n_control"].to_numpy()
        p_srm = _stats.srm_test(n_tt, n_cc, share)
        if len(table) > 1:
            p_srm = np.append(benjamini_hochberg(p_srm[:-1]), p_srm[-1])
        table["srm_p_value"] = p_srm
        table["srm"] = p_srm < SRM_THRESHOLD
        if table["srm"].any():
            where = ", ".join(str(s) for s in table.index[table["srm"]])
            worst = int(np.argmin(table["srm_p_value"].to_numpy()))
            o = table.iloc[worst]
            health.append(
                f"sample-ratio mismatch in {where}: control is {100 * o['n_control'] / (o['n_treatment'] + o['n_control']):.2f} % "
                f"of {table.index[worst]}, intended {100 * share:.2f} % (p={o['srm_p_value']:.2g}); the assignment or the logging "
                "is broken, so do not trust this read-out until the cause is found"
            )
    if balance_cols:
        bal = _balance(results.loc[keep], balance_cols, t, ~t)
        if bal["imbalanced"].any():
            worst = bal["smd"].abs().idxmax()
            health.append(
                f"covariate imbalance in {', '.join(sorted({c for c, _ in bal.index[bal['imbalanced']]}))} "
                f"(largest |SMD| {abs(bal.loc[worst, 'smd']):.2f} > {SMD_THRESHOLD}); check the randomisation"
            )
    else:
        bal = None
    if design is not None:
        planned = _planned(design, list(table.index))
        size = (table["n_treatment"] + table["n_control"]).to_numpy(dtype="float64")
        table["planned_size"] = planned
        with np.errstate(invalid="ignore", divide="ignore"):
            table["share_of_plan"] = size / planned
        table["early"] = table["share_of_plan"].to_numpy() < 1
        if table["early"].any():
            where = ", ".join(f"{s} ({v:.0%})" for s, v in table.loc[table["early"], "share_of_plan"].items())
            health.append(
                f"read out before the planned sample size (peeking): {where} of plan; p-values and intervals "
                "are not valid for an early stop, wait for the planned size"
            )
    for h in health:
        warnings.warn(h[0].upper() + h[1:] + ".", TestHealthWarning, stacklevel=2)
    return Readout(table=table, alpha=alpha, outcome=str(outcome) if per is None else f"{outcome} per {per}",
                   kind=kind, method=how + ("+cuped" if xcov is not None else ""), balance=bal, health=tuple(health))
