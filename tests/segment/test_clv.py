"""Tests of microseg.segment._clv: BG/NBD and Gamma-Gamma maximum likelihood, predictions and CLV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import MicrosegError, SchemaError


@pytest.fixture(scope="module")
def cdnow_summary(shared_data):
    f = shared_data / "cdnow_customers_summary.csv"
    if not f.exists():
        pytest.skip("cdnow_customers_summary.csv not found")
    return pd.read_csv(f, index_col="ID")


@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary):
    return ms.BetaGeoModel().fit(cdnow_summary)


def test_bgnbd_reproduces_the_published_cdnow_fit(cdnow_model):
    # Fader, Hardie & Lee (2005): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    published = pd.Series({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    np.testing.assert_allclose(cdnow_model.params_[published.index], published, rtol=0.01)
    assert cdnow_model.log_likelihood_ == pytest.approx(-9582.4, abs=0.5)


def test_bgnbd_conditional_expectation_matches_the_published_example(cdnow_model):
    # the paper's customer with x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in the next 39 weeks
    one = pd.DataFrame({"frequency": [2.0], "recency": [30.43], "T": [38.86]})
    assert cdnow_model.expected_purchases(one, 39).iloc[0] == pytest.approx(1.226, abs=0.002)


def test_probability_alive_is_one_for_non_repeaters_and_falls_with_inactivity(cdnow_model):
    s = pd.DataFrame({"frequency": [0.0, 5, 5], "recency": [0.0, 38, 5], "T": [38.0, 38, 38]})
    p = cdnow_model.probability_alive(s)
    assert p.iloc[0] == 1.0
    assert p.iloc[1] > 0.85 > 0.5 > p.iloc[2]


def test_expected_purchases_grow_with_the_horizon(cdnow_model, cdnow_summary):
    e10 = cdnow_model.expected_purchases(cdnow_summary, 10)
    e50 = cdnow_model.expected_purchases(cdnow_summary, 50)
    assert (e50 >= e10).all() and (e10 >= 0).all()


def _simulate_gamma_gamma(n, p, q, v, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 8, n).astype(float)
    nu = rng.gamma(q, 1 / v, n)  # customer-level rate
    # mean of x Gamma(p, nu) spends is Gamma(p x, nu x)
    m = rng.gamma(p * x, 1 / (nu * x))
    return pd.DataFrame({"frequency": x, "recency": x, "T": x + 10, "monetary_value": m})


def test_gamma_gamma_recovers_planted_parameters():
    s = _simulate_gamma_gamma(20_000, p=6.0, q=4.0, v=15.0)
    gg = ms.GammaGammaModel().fit(s)
    np.testing.assert_allclose(gg.params_[["p", "q", "v"]], [6.0, 4.0, 15.0], rtol=0.15)


def test_gamma_gamma_shrinks_spend_towards_the_population_mean():
    s = _simulate_gamma_gamma(5_000, p=6.0, q=4.0, v=15.0)
    gg = ms.GammaGammaModel().fit(s)
    one = pd.DataFrame({"frequency": [1.0, 20.0, 0.0], "recency": [1.0, 20, 0], "T": [30.0] * 3,
                        "monetary_value": [100.0, 100.0, 0.0]})
    e = gg.expected_spend(one)
    p, q, v = gg.params_
    pop = p * v / (q - 1)
    assert pop < e.iloc[0] < e.iloc[1] < 100  # more purchases, less shrinkage
    assert e.iloc[2] == pytest.approx(pop)


def test_clv_is_discounted_and_ranks_active_big_spenders_first():
    s = _simulate_gamma_gamma(1_000, p=6.0, q=4.0, v=15.0)
    s["T"] = 300.0
    s["recency"] = np.linspace(0, 300, len(s))
    models = {"purchases": ms.BetaGeoModel().fit(s), "spend": ms.GammaGammaModel().fit(s)}
    low = ms.clv(s, discount_rate=0.0, **models)
    high = ms.clv(s, discount_rate=0.05, **models)
    assert (high["clv"] <= low["clv"] + 1e-9).all()
    # with no discounting, CLV is expected purchases times expected spend
    np.testing.assert_allclose(low["clv"], low["expected_purchases"] * low["expected_spend"], rtol=1e-9)
    np.testing.assert_allclose(low["clv"], low["expected_revenue"], rtol=1e-9)


def test_models_refuse_the_analyst_table():
    analyst = pd.DataFrame({"days_since_last": [1], "n_orders": [2], "total_spend": [3.0]})
    with pytest.raises(SchemaError, match="btyd"):
        ms.BetaGeoModel().fit(analyst)


def test_bgnbd_needs_repeat_buyers():
    s = pd.DataFrame({"frequency": [0.0, 0.0], "recency": [0.0, 0.0], "T": [5.0, 6.0]})
    with pytest.raises(MicrosegError, match="repeat"):
        ms.BetaGeoModel().fit(s)


def test_predict_before_fit_raises():
    with pytest.raises(ms.NotFittedError):
        ms.BetaGeoModel().probability_alive(pd.DataFrame({"frequency": [0.0], "recency": [0.0], "T": [1.0]}))


@pytest.mark.realdata
def test_clv_end_to_end_on_online_retail(data_file):
    df = pd.read_csv(data_file("online_retail.csv.gz"), dtype={"CustomerID": "str"},
                     usecols=["CustomerID", "InvoiceDate", "Quantity", "UnitPrice"])
    tx = pd.DataFrame({"customer_id": df["CustomerID"],
                       "timestamp": pd.to_datetime(df["InvoiceDate"], format="%Y-%m-%d %H:%M:%S"),
                       "amount": df["Quantity"] * df["UnitPrice"]})
    with pytest.warns(ms.DataQualityWarning):
        summary = ms.rfm(tx, convention="btyd")
    out = ms.clv(summary, horizon=6)
    assert len(out) == len(summary) and out["clv"].notna().all()
    assert out["probability_alive"].between(0, 1).all()
    # customers who bought often and recently are worth more than one-time buyers
    often = summary["frequency"] >= 10
    once = summary["frequency"] == 0
    assert out.loc[often, "clv"].median() > 5 * out.loc[once, "clv"].median()
    assert out["clv"].corr(summary["frequency"], method="spearman") > 0.5
