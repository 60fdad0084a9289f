"""Tests of microseg.segment._clv: BG/NBD and Gamma-Gamma maximum likelihood, predictions and CLV."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import MicrosegError, ModelFitWarning, SchemaError


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


# --------------------------------------------------------------- never silently NaN: boundary fits and edge cases
def _simulate_btyd(n, *, r=None, alpha=None, lam=None, a=None, b=None, T=52.0, seed=0):
    """Purchase histories from a gamma (or fixed ``lam``) Poisson process with optional BG dropout."""
    rng = np.random.default_rng(seed)
    rate = np.full(n, lam) if lam is not None else rng.gamma(r, 1 / alpha, n)
    p = rng.beta(a, b, n) if a is not None else np.zeros(n)
    x = np.zeros(n)
    tx = np.zeros(n)
    t = np.zeros(n)
    alive = np.ones(n, bool)
    while alive.any():  # one purchase per customer per pass: vectorised over customers
        t = t + rng.exponential(1 / rate)
        buy = alive & (t <= T)
        x[buy] += 1
        tx[buy] = t[buy]
        alive = buy & (rng.random(n) >= p)  # BG/NBD: dropout happens right after a purchase
    return pd.DataFrame({"frequency": x, "recency": tx, "T": T})


def _finite(frame):
    return bool(np.isfinite(frame.to_numpy(dtype="float64")).all())


@pytest.fixture(scope="module")
def random_buyers():
    rng = np.random.default_rng(0)
    ids = [f"c{i:03d}" for i in range(300)]
    tx = pd.DataFrame({
        "customer_id": rng.choice(ids, 3_000),
        "timestamp": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, 3_000), "D"),
        "amount": rng.gamma(2, 20, 3_000),
    })
    return ms.rfm(tx, convention="btyd")


def test_random_buyers_reach_the_poisson_limit_and_every_clv_output_is_finite(random_buyers):
    with pytest.warns(ModelFitWarning, match="Poisson process"):
        model = ms.BetaGeoModel().fit(random_buyers)
    assert model.limit_ == "poisson"
    lam = random_buyers["frequency"].sum() / random_buyers["T"].sum()  # the Poisson MLE, by hand
    assert model.limit_params_["lambda"] == pytest.approx(lam, rel=1e-12)
    np.testing.assert_allclose(model.expected_purchases(random_buyers, 30), lam * 30, rtol=1e-12)
    assert (model.probability_alive(random_buyers) == 1).all()
    assert model.expected_purchases_new(30) == pytest.approx(lam * 30)
    with pytest.warns(ModelFitWarning):
        out = ms.clv(random_buyers)
    assert _finite(out) and (out["clv"] > 0).all()


def test_a_boundary_fit_is_no_worse_than_the_full_models_likelihood(random_buyers):
    with pytest.warns(ModelFitWarning):
        model = ms.BetaGeoModel().fit(random_buyers)
    s = random_buyers
    # any interior BG/NBD point has a lower likelihood than the Poisson limit the fit reached
    interior = ms.BetaGeoModel._loglik([50.0, 50.0 / model.limit_params_["lambda"], 0.01, 5.0],
                                       s["frequency"].to_numpy(), s["recency"].to_numpy(), s["T"].to_numpy()).sum()
    assert model.log_likelihood_ >= interior


def test_no_dropout_limit_matches_the_nbd_closed_form():
    s = _simulate_btyd(3_000, r=0.8, alpha=8.0, T=40.0, seed=1)  # gamma-Poisson purchases, nobody leaves
    with pytest.warns(ModelFitWarning, match="NBD"):
        model = ms.BetaGeoModel().fit(s)
    assert model.limit_ == "nbd"
    # the NBD maximum likelihood, computed independently
    from scipy.optimize import minimize
    from scipy.special import gammaln

    x, T = s["frequency"].to_numpy(), s["T"].to_numpy()

    def nll(lp):
        r, alpha = np.exp(lp)
        return -(gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)).sum()

    r, alpha = np.exp(minimize(nll, [0.0, 1.0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-10,
                                                                                "maxiter": 5000}).x)
    np.testing.assert_allclose(model.limit_params_[["r", "alpha"]], [r, alpha], rtol=1e-3)
    r, alpha = model.limit_params_[["r", "alpha"]]
    np.testing.assert_allclose(model.expected_purchases(s, 20), (r + x) * 20 / (alpha + T), rtol=1e-12)
    assert model.params_["a"] == 0 and (model.probability_alive(s) == 1).all()
    np.testing.assert_allclose(model.params_[["r", "alpha"]], [r, alpha])


def test_no_heterogeneity_limit_matches_the_confluent_closed_form():
    from scipy.special import hyp1f1

    from microseg.segment import _bgnbd_limits as lim

    lam, a, b, t = 0.4, 1.5, 6.0, 10.0
    x = np.arange(0.0, 40.0)
    alive_mean = (a + b + x - 1) / (a - 1) * (1 - hyp1f1(a - 1, a + b + x - 1, -lam * t))  # limit of the 2F1 form
    np.testing.assert_allclose(lim.expected_alive_poisson_dropout((lam, a, b), x, t), alive_mean, rtol=1e-10)
    # the full BG/NBD expectation tends to it as r, alpha -> infinity with r / alpha = lam
    T = np.full_like(x, 30.0)
    for r, tol in [(1e4, 5e-3), (1e7, 5e-6)]:  # the gap shrinks like 1 / r
        np.testing.assert_allclose(lim.expected_alive((r, r / lam, a, b), x, T, t), alive_mean, rtol=tol)


def test_a_fit_at_the_no_heterogeneity_boundary_predicts_with_the_closed_form():
    # 60 customers bought steadily to the end; 40 bought at the same pace, then stopped (dropout is plain)
    s = pd.DataFrame({"frequency": [4.0] * 60 + [2.0] * 40, "recency": [38.0] * 60 + [8.0] * 40, "T": 40.0})
    with pytest.warns(ModelFitWarning, match="same rate"):
        model = ms.BetaGeoModel().fit(s)
    assert model.limit_ == "poisson_dropout"
    lam, a, b = model.limit_params_[["lambda", "a", "b"]]
    x, tx, T = (s[c].to_numpy() for c in ("frequency", "recency", "T"))
    odds = np.where(x > 0, a / (b + x - 1) * np.exp(lam * (T - tx)), 0.0)
    np.testing.assert_allclose(model.probability_alive(s), 1 / (1 + odds), rtol=1e-12)
    assert np.isfinite(model.expected_purchases(s, 10)).all()


def test_an_interior_fit_is_not_mistaken_for_a_limit():
    s = _simulate_btyd(4_000, r=0.5, alpha=5.0, a=0.8, b=2.5, T=52.0, seed=3)
    model = ms.BetaGeoModel().fit(s)  # no ModelFitWarning (pytest turns warnings into errors)
    assert model.limit_ is None and model.limit_params_ is None


def test_the_quadrature_agrees_with_hyp2f1_where_hyp2f1_is_accurate():
    from microseg.segment import _bgnbd_limits as lim

    rng = np.random.default_rng(4)
    for params in [(0.2426, 4.4135, 0.7929, 2.4258), (2.0, 30.0, 0.1, 5.0), (0.5, 1.0, 3.0, 0.5)]:
        r, alpha, a, b = params
        x = rng.integers(0, 40, 100).astype(float)
        T = rng.uniform(1, 80, 100)
        for t in (1.0, 39.0, 300.0):
            c, shape = t / (alpha + T), r + x

            def h(p, rows, c=c, shape=shape):
                return -np.expm1(-shape[rows, None] * np.log1p(c[rows, None] * p)) / p

            quad = lim.beta_expectation(a, b + x, h, shape * c, steep=c + np.minimum(shape * c, 1e3))
            np.testing.assert_allclose(quad, lim.expected_alive(params, x, T, t), rtol=1e-8)


def test_a_model_applied_to_one_customer_gives_finite_values(cdnow_model):
    one = pd.DataFrame({"frequency": [300.0], "recency": [70.0], "T": [78.0], "monetary_value": [25.0]})
    e = cdnow_model.expected_purchases(one, 52)  # huge x: hyp2f1 is replaced by the quadrature if it fails
    assert np.isfinite(e).all() and e.iloc[0] > 0
    assert np.isfinite(cdnow_model.probability_alive(one)).all()


def test_fitting_on_one_customer_or_only_one_time_buyers_is_refused_clearly():
    one = pd.DataFrame({"frequency": [3.0], "recency": [20.0], "T": [30.0], "monetary_value": [10.0]})
    with pytest.raises(MicrosegError, match="repeat buyers"):
        ms.clv(one)
    once = pd.DataFrame({"frequency": [0.0] * 50, "recency": 0.0, "T": np.linspace(5, 50, 50),
                         "monetary_value": 0.0})
    with pytest.raises(MicrosegError, match="has 0 customers with a repeat purchase"):
        ms.clv(once)


def test_identical_histories_give_finite_equal_predictions():
    s = pd.DataFrame({"frequency": [4.0] * 200, "recency": 30.0, "T": 40.0, "monetary_value": 25.0})
    with pytest.warns(ModelFitWarning):
        out = ms.clv(s, period_length=4.0)
    assert _finite(out)
    assert out.nunique().max() == 1
    # Gamma-Gamma also runs to its no-heterogeneity boundary here (q, v -> inf), where spend -> the mean 25
    assert out["expected_spend"].iloc[0] == pytest.approx(25.0, rel=1e-2)


def test_undefined_population_spend_is_counted_in_a_warning():
    gg = ms.GammaGammaModel()
    gg.params_ = pd.Series({"p": 2.0, "q": 0.8, "v": 10.0})  # q <= 1: no finite population mean
    bg = ms.BetaGeoModel()
    bg.params_, bg.limit_, bg.limit_params_ = pd.Series({"r": 0.5, "alpha": 5.0, "a": 0.8, "b": 2.5}), None, None
    s = pd.DataFrame({"frequency": [0.0, 2.0, 0.0], "recency": [0.0, 10.0, 0.0], "T": [20.0] * 3,
                      "monetary_value": [0.0, 12.0, 0.0]})
    with pytest.warns(ModelFitWarning, match=r"2 of 3 customers .* q = 0.8 <= 1"):
        out = ms.clv(s, purchases=bg, spend=gg)
    assert out["clv"].isna().sum() == 2 and np.isfinite(out["clv"].iloc[1])
