"""The CLV section of the demo report: holdout check and diagnostics of BG/NBD, CLV with intervals by RFM segment."""

from __future__ import annotations

import warnings

import pandas as pd

from ..errors import DataQualityWarning
from ._page import Report


def section_clv(rep: Report, data, rfm_segment: pd.Series, *, min_cell: int, holdout_weeks: int = 26) -> None:
    """Add the CLV section: holdout check (table, two figures), parameter table, CLV intervals by segment."""
    from ..segment import (
        BetaGeoModel,
        GammaGammaModel,
        calibration_holdout,
        calibration_vs_holdout,
        clv,
        cumulative_transactions,
        frequency_recency_matrix,
        period_transactions,
        rfm,
    )

    tx = data.transactions
    as_of = tx["timestamp"].max()
    cal_end = as_of - pd.Timedelta(weeks=holdout_weeks)
    rep.section("Customer lifetime value: a holdout check and intervals")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # returns without a purchase: reported in Behaviour
        split = calibration_holdout(tx, calibration_end=cal_end, as_of=as_of, freq="W")
        summary = rfm(tx, convention="btyd", freq="W")
    bg_cal = BetaGeoModel().fit(split)
    check = calibration_vs_holdout(split, model=bg_cal)
    tot = check.totals
    rep.text(
        f"BG/NBD fitted on the purchases up to {cal_end:%Y-%m-%d} ({len(split):,} customers, weeks with a purchase "
        f"counted once) predicted {tot['predicted']:,.0f} repeat purchase weeks in the last {holdout_weeks} weeks; "
        f"the customers made {tot['actual']:,.0f} ({tot['error']:+.1%}). Check this gap before a CLV total goes "
        "into a budget."
    )
    rep.figure(check.plot(), alt="calibration vs holdout")
    rep.figure(cumulative_transactions(tx, calibration_end=cal_end, as_of=as_of, model=bg_cal, freq="W").plot(),
               alt="cumulative repeat purchases")
    rep.text("Does the model describe the calibration data? Customers by number of repeat purchase weeks, actual "
             "against simulated from the fitted model; and the probability that a customer is still active by "
             "frequency and recency.")
    rep.figure(period_transactions(split, model=bg_cal, random_state=0).plot(), alt="period transactions")
    rep.figure(frequency_recency_matrix(split, model=bg_cal).plot(), alt="probability alive matrix")

    bg, gg = BetaGeoModel().fit(summary), GammaGammaModel().fit(summary)
    value = clv(summary, horizon=12, period_length=4.345, purchases=bg, spend=gg, alpha=0.05)
    rep.text("Model parameters", kind="h3")
    rep.text("Fitted on all purchases to date; standard errors from the observed information, 95 % intervals "
             "on the log scale.")
    params = pd.concat([bg.summary(), gg.summary()])
    rep.table(params)
    rep.text("CLV over the next 12 months by RFM segment", kind="h3")
    seg = rfm_segment.reindex(value.index.astype(str)).astype("str").fillna("(not scored)").to_numpy()
    by = (value.assign(segment=seg).groupby("segment")
          .agg(customers=("clv", "size"), mean_clv=("clv", "mean"), mean_clv_low=("clv_low", "mean"),
               mean_clv_high=("clv_high", "mean"), mean_expected_purchases=("expected_purchases", "mean"))
          .sort_values("mean_clv", ascending=False))  # fmt: skip
    by = by[by["customers"] >= min_cell]
    rep.table(by)
    width = ((value["clv_high"] - value["clv_low"]) / value["clv"]).median()
    rep.text(
        "CLV discounted at 1 % a month (BG/NBD purchases × Gamma-Gamma spend). The low/high columns are the "
        "segment means of each customer's 95 % interval: intervals for the expected value, reflecting the "
        f"uncertainty of the fitted parameters (median width {width:.0%} of the CLV), not the much larger spread "
        f"of one customer's actual purchases. Segments of fewer than {min_cell} customers are not shown."
    )
