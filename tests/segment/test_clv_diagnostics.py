"""Tests of the CLV diagnostics and of compare_models."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import MicrosegError


@pytest.fixture(scope="module")
def cdnow(cdnow_log):
    cd = cdnow_log
    table = ms.calibration_holdout(cd, calibration_end="1997-09-30", as_of="1998-06-30", freq="W")
    return cd, table, ms.BetaGeoModel().fit(table)


def test_period_transactions_counts_customers_and_fits_cdnow(cdnow_summary):
    pt = ms.period_transactions(cdnow_summary, max_frequency=7, n_draws=20, random_state=0)
    t = pt.to_frame()
    assert t["actual"].tolist() == np.bincount(np.minimum(cdnow_summary["frequency"], 7)).tolist()
    assert t["predicted"].sum() == pytest.approx(len(cdnow_summary))
    # the BG/NBD paper's Figure: the model tracks the histogram (1,411 customers without a repeat purchase)
    assert t.loc["0", "actual"] == 1411
    np.testing.assert_allclose(t["predicted"], t["actual"], rtol=0.15, atol=15)


def test_period_transactions_is_seeded(cdnow_summary):
    a = ms.period_transactions(cdnow_summary, random_state=1).to_frame()
    b = ms.period_transactions(cdnow_summary, random_state=1).to_frame()
    pd.testing.assert_frame_equal(a, b)


def test_calibration_vs_holdout_totals_are_the_table_sums(cdnow):
    _, table, bg = cdnow
    check = ms.calibration_vs_holdout(table, model=bg)
    assert check.totals["actual"] == 18_440
    assert check.totals["predicted"] == pytest.approx(bg.expected_purchases(table, 39).sum(), rel=1e-9)
    t = check.to_frame()
    assert t["customers"].sum() == len(table)
    # heavier calibration buyers buy more in the holdout, and the model sees it
    assert (np.diff(t["actual"]) > 0).all() and (np.diff(t["predicted"]) > 0).all()


def test_cumulative_transactions_counts_every_repeat_purchase_period(cdnow):
    cd, table, bg = cdnow
    cum = ms.cumulative_transactions(cd, calibration_end="1997-09-30", as_of="1998-06-30", model=bg, freq="W")
    t = cum.to_frame()
    # every CDNOW customer joined in the calibration period: the final count is their repeat purchase weeks
    full = ms.rfm(cd, convention="btyd", freq="W", as_of="1998-06-30")
    assert t["actual"].iloc[-1] == full["frequency"].sum()
    # the calibration's repeat purchases fall between the counts at the end of the week before and of the
    # week holding calibration_end (which also holds purchases after it)
    end = t.index[t["period_start"] <= pd.Timestamp("1997-09-30")][-1]
    assert t.loc[end - 1, "actual"] < table["frequency"].sum() < t.loc[end, "actual"]
    assert (np.diff(t["predicted"]) >= 0).all()
    assert t["predicted"].iloc[-1] == pytest.approx(t["actual"].iloc[-1], rel=0.1)


def test_cumulative_prediction_sums_new_customer_expectations():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c", "c"],
                       "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-06",
                                                    "2024-01-04", "2024-01-09"]),
                       "amount": 1.0})
    bg = ms.BetaGeoModel()
    bg.params_, bg.limit_, bg.limit_params_ = pd.Series({"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}), None, None
    t = ms.cumulative_transactions(tx, calibration_end="2024-01-05", model=bg).to_frame()
    e = [bg.expected_purchases_new(k) for k in range(9)]
    # customers joined on days 0, 1 and 3
    assert t.loc[5, "predicted"] == pytest.approx(e[5] + e[4] + e[2])
    assert t["actual"].tolist() == [0, 0, 1, 1, 1, 2, 2, 2, 3]


def test_frequency_recency_matrix_is_the_model_on_a_grid(cdnow_summary):
    bg = ms.BetaGeoModel().fit(cdnow_summary)
    m = ms.frequency_recency_matrix(cdnow_summary, model=bg).to_frame()
    T = cdnow_summary["T"].max()
    one = pd.DataFrame({"frequency": [5.0], "recency": [20.0], "T": [T]})
    assert m.loc[5, 20] == pytest.approx(bg.probability_alive(one).iloc[0])
    assert (np.diff(m.loc[1:].to_numpy(), axis=1) >= -1e-12).all()  # more recent, more likely alive
    e = ms.frequency_recency_matrix(cdnow_summary, model=bg, kind="expected_purchases", t=10).to_frame()
    assert e.loc[5, 20] == pytest.approx(bg.expected_purchases(one, 10).iloc[0])
    with pytest.raises(MicrosegError, match="kind"):
        ms.frequency_recency_matrix(cdnow_summary, model=bg, kind="clv")


def test_compare_models_ranks_on_the_holdout(cdnow):
    _, table, bg = cdnow
    result = ms.compare_models(table, models=["bgnbd", "paretonbd"])
    t = result.to_frame()
    assert list(t["rank"]) == [1, 2] and t["mae"].is_monotonic_increasing
    assert t.loc["BG/NBD", "holdout_predicted"] == pytest.approx(16_507, rel=1e-3)
    assert t.loc["BG/NBD", "aggregate_error"] == pytest.approx(16_507 / 18_440 - 1, abs=1e-3)
    assert (t["holdout_actual"] == 18_440).all()
    assert t.loc["BG/NBD", "log_likelihood"] == pytest.approx(bg.log_likelihood_)
    assert set(result.by_frequency.columns) == {"customers", "actual", "BG/NBD", "Pareto/NBD"}


def test_compare_models_refuses_unknown_names(cdnow):
    with pytest.raises(MicrosegError, match="unknown model"):
        ms.compare_models(cdnow[1], models=["bgnbd", "weibull"])


def test_every_diagnostic_plots_with_words(cdnow, cdnow_summary):
    cd, table, bg = cdnow
    results = [
        ms.period_transactions(table, model=bg),
        ms.calibration_vs_holdout(table, model=bg),
        ms.cumulative_transactions(cd, calibration_end="1997-09-30", model=bg, freq="W"),
        ms.frequency_recency_matrix(table, model=bg),
        ms.compare_models(table),
    ]
    for r in results:
        ax = r.plot()
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        assert type(r).__name__ in repr(r) and "<table" in r._repr_html_()
    cum_ax = results[2].plot()
    assert any(line.get_label() == "end of calibration" for line in cum_ax.lines)


def test_degenerate_dropout_limit_gives_finite_new_customer_expectations():
    # Beta(a, b) with a, b -> 0: each customer leaves at once or never (found by the no-mutation property test)
    from microseg.segment import _bgnbd_limits as limits

    lam, a, b, t = 0.037, 1.6e-17, 1.1e-16, 30.0
    got = limits.expected_alive_poisson_dropout(np.array([lam, a, b]), np.zeros(1), t)[0]
    # p is 1 with probability a / (a + b) (then at most one more purchase: 1 - exp(-lam t) expected), else 0
    expected = lam * t + a / (a + b) * (-np.expm1(-lam * t) - lam * t)
    assert got == pytest.approx(expected, rel=1e-3)


def test_cumulative_transactions_reports_the_rows_it_drops():
    tx = pd.DataFrame({"customer_id": ["a", "a", None, "b", "b", "a"],
                       "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-02",
                                                    "2024-01-08", "2024-02-01"]),
                       "amount": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})
    bg = ms.BetaGeoModel()
    bg.params_, bg.limit_, bg.limit_params_ = pd.Series({"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}), None, None
    with pytest.warns(ms.DataQualityWarning, match="missing customer id: 1"):
        cum = ms.cumulative_transactions(tx, calibration_end="2024-01-04", as_of="2024-01-10", model=bg)
    assert cum.to_frame().attrs["microseg_rows"]["after as_of"] == 1
    assert cum.to_frame()["actual"].iloc[-1] == 2  # a on day 2, b on day 6
