"""Tests of ParetoNBDModel: the published CDNOW fit, lifetimes' predictions, stability and planted parameters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import MicrosegError
from microseg.segment._pareto import _log_hyp2f1_c_a1


@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary):
    return ms.ParetoNBDModel().fit(cdnow_summary)


def test_pareto_nbd_reproduces_the_published_cdnow_fit(cdnow_model):
    # Fader, Hardie & Lee (2005): r = 0.55, alpha = 10.58, s = 0.61, beta = 11.67, LL = -9595.0
    published = pd.Series({"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67})
    np.testing.assert_allclose(cdnow_model.params_[published.index], published, rtol=0.01)
    assert cdnow_model.log_likelihood_ == pytest.approx(-9595.0, abs=0.5)


def test_pareto_nbd_fits_cdnow_worse_than_bgnbd_by_the_published_margin(cdnow_model, cdnow_summary):
    # the BG/NBD paper: -9582.4 (BG/NBD) against -9595.0 (Pareto/NBD)
    bg = ms.BetaGeoModel().fit(cdnow_summary)
    assert bg.log_likelihood_ - cdnow_model.log_likelihood_ == pytest.approx(12.6, abs=0.3)


def test_pareto_nbd_predictions_match_lifetimes(cdnow_model, cdnow_summary):
    lifetimes = pytest.importorskip("lifetimes")
    ref = lifetimes.ParetoNBDFitter().fit(cdnow_summary["frequency"], cdnow_summary["recency"], cdnow_summary["T"])
    f, r, T = (cdnow_summary[c] for c in ["frequency", "recency", "T"])
    model = cdnow_model._with_free(ref.params_[["r", "alpha", "s", "beta"]].to_numpy())  # the same parameters
    np.testing.assert_allclose(model.probability_alive(cdnow_summary), ref.conditional_probability_alive(f, r, T),
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(model.expected_purchases(cdnow_summary, 39),
                               ref.conditional_expected_number_of_purchases_up_to_time(39, f, r, T), rtol=1e-6)
    assert model.expected_purchases_new(39) == pytest.approx(ref.expected_number_of_purchases_up_to_time(39),
                                                              rel=1e-9)


def test_hypergeometric_term_stays_finite_where_hyp2f1_overflows():
    # 2F1(a, b; a+1; z) -> (1 - z)^-b for large a: the quadrature fallback agrees with that limit
    a = np.array([5e3, 2e4])
    got = _log_hyp2f1_c_a1(a, 1500.0, 0.7)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, -1500.0 * np.log1p(-0.7), rtol=2e-3)
    # and with the closed form where both work
    np.testing.assert_allclose(_log_hyp2f1_c_a1(300.0, 300.5, 0.5), 207.5984128672582, rtol=1e-12)


@pytest.mark.parametrize("beta", [3.0, 11.67, 40.0])  # both branches: alpha >= beta and alpha < beta
def test_heavy_buyers_give_finite_likelihood_and_predictions(cdnow_model, beta):
    model = cdnow_model._with_free(np.array([0.55, 10.58, 0.61, beta]))
    s = pd.DataFrame({"frequency": [300.0, 1000.0, 50.0, 5000.0, 0.0], "recency": [38.0, 38.5, 1.0, 30.0, 0.0],
                      "T": [38.86] * 5})
    ll = model._loglik(model.params_.to_numpy(), *(s[c].to_numpy() for c in ["frequency", "recency", "T"]))
    assert np.isfinite(ll).all()
    p = model.probability_alive(s)
    assert p.between(0, 1).all() and p.iloc[2] < 1e-20 < p.iloc[4] < p.iloc[0]
    assert np.isfinite(model.expected_purchases(s, 10)).all()


def test_both_branches_agree_where_alpha_equals_beta(cdnow_summary):
    m = ms.ParetoNBDModel().fit(cdnow_summary)
    x, tx, T = (cdnow_summary[c].to_numpy() for c in ["frequency", "recency", "T"])
    lo = m._loglik(np.array([0.5, 10.0, 0.6, 10.0 - 1e-9]), x, tx, T)
    hi = m._loglik(np.array([0.5, 10.0, 0.6, 10.0 + 1e-9]), x, tx, T)
    np.testing.assert_allclose(lo, hi, rtol=1e-7)


def test_pareto_nbd_recovers_planted_parameters():
    rng = np.random.default_rng(1)
    n, r, alpha, s, beta = 20_000, 0.8, 8.0, 0.9, 15.0
    T = rng.uniform(30, 52, n)
    lam = rng.gamma(r, 1 / alpha, n)
    life = rng.exponential(1 / rng.gamma(s, 1 / beta, n))
    end = np.minimum(life, T)
    x = rng.poisson(lam * end).astype(float)
    tx = np.where(x > 0, end * rng.beta(np.maximum(x, 1), 1), 0.0)  # the last of x uniform times in (0, end)
    model = ms.ParetoNBDModel().fit(pd.DataFrame({"frequency": x, "recency": tx, "T": T}))
    table = model.summary()
    truth = pd.Series({"r": r, "alpha": alpha, "s": s, "beta": beta})
    assert ((table["low"] < truth) & (truth < table["high"])).all(), table
    np.testing.assert_allclose(model.params_, truth, rtol=0.25)


def test_clv_takes_a_pareto_nbd_purchase_model(cdnow_model, cdnow_summary):
    s = cdnow_summary.assign(monetary_value=np.where(cdnow_summary["frequency"] > 0, 30.0, 0.0))
    gg = ms.GammaGammaModel()
    gg.params_ = pd.Series({"p": 6.0, "q": 4.0, "v": 15.0})
    out = ms.clv(s, purchases=cdnow_model, spend=gg, period_length=4.345)
    assert np.isfinite(out.to_numpy()).all()
    assert (out["clv_low"] < out["clv"]).all() and (out["clv"] < out["clv_high"]).all()


def test_pareto_nbd_needs_repeat_buyers():
    s = pd.DataFrame({"frequency": [0.0, 1.0], "recency": [0.0, 2.0], "T": [5.0, 6.0]})
    with pytest.raises(MicrosegError, match="repeat"):
        ms.ParetoNBDModel().fit(s)


def test_summary_near_a_boundary_is_finite_and_warns():
    # six customers, two repeat buyers: the dropout rate is not identified (s -> 0)
    s = pd.DataFrame({"frequency": [0, 0, 0, 1, 2, 0], "recency": [0, 0, 0, 5, 9, 0], "T": [10.0] * 6})
    model = ms.ParetoNBDModel().fit(s)
    with pytest.warns(ms.errors.ModelFitWarning, match="barely identify"):
        table = model.summary()
    assert np.isfinite(table[["estimate", "se", "low", "high"]].to_numpy()).all()
    assert np.isfinite(model.expected_purchases(s, 10)).all()
