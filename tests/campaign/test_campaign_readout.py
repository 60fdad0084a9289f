"""Read-outs of money and test health: Welch / bootstrap / delta-method intervals, CUPED, SRM, balance, peeking."""

from __future__ import annotations

import warnings
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from microseg.campaign import Readout, design_test, readout
from microseg.errors import MicrosegError, TestHealthWarning

Z = NormalDist()
HILLSTROM_SPLITS = ["history_segment", "zip_code", "channel", "newbie"]


def _spend_test(n_t=3000, n_c=3000, effect=2.0, seed=0, split=None):
    """Customers with a pre-period spend ``history`` and a post-period ``spend`` that follows it."""
    rng = np.random.default_rng(seed)
    n = n_t + n_c
    history = rng.gamma(2.0, 50.0, n)
    group = np.array(["treatment"] * n_t + ["control"] * n_c)
    spend = 0.2 * history + rng.normal(0, 10, n) + np.where(group == "treatment", effect, 0.0)
    seg = rng.choice(["a", "b", "c"], n) if split is None else split
    return pd.DataFrame({"group": group, "spend": spend, "history": history, "seg": seg})


# --------------------------------------------------------------------------- continuous outcomes
def test_continuous_readout_matches_scipy_welch():
    df = _spend_test()
    r = readout(df, outcome="spend").overall
    t, c = df.loc[df.group == "treatment", "spend"], df.loc[df.group == "control", "spend"]
    ref = stats.ttest_ind(t, c, equal_var=False)
    ci = ref.confidence_interval(0.95)
    assert r["lift"] == pytest.approx(t.mean() - c.mean(), rel=1e-12)
    assert (r["lift_low"], r["lift_high"]) == pytest.approx((ci.low, ci.high), rel=1e-10)
    assert r["p_value"] == pytest.approx(ref.pvalue, rel=1e-10)
    assert r["incremental_total"] == pytest.approx(r["lift"] * 3000)


def test_hillstrom_spend_readouts_match_scipy_welch_with_bh(data_file):
    import microseg as ms

    hs = ms.datasets.load_hillstrom(data_file("hillstrom.csv.gz"))
    for arm in ["Womens E-Mail", "Mens E-Mail"]:
        sub = hs[hs["segment"].isin([arm, "No E-Mail"])]
        for split in [None, *HILLSTROM_SPLITS]:
            r = readout(sub, outcome="spend", group="segment", treatment=arm, control="No E-Mail", segments=split)
            rows = r.table
            labels = list(rows.index[:-1]) if split is not None else []
            for i, label in enumerate([*labels, "overall"]):
                part = sub if i == len(labels) else sub[sub[split].astype(object) == label]
                t = part.loc[part["segment"] == arm, "spend"].to_numpy()
                c = part.loc[part["segment"] == "No E-Mail", "spend"].to_numpy()
                ref = stats.ttest_ind(t, c, equal_var=False)
                ci = ref.confidence_interval(0.95)
                row = rows.iloc[i]
                assert row["lift"] == pytest.approx(t.mean() - c.mean(), rel=1e-9)
                assert (row["lift_low"], row["lift_high"]) == pytest.approx((ci.low, ci.high), rel=1e-8)
                assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-8)
            if labels:
                q = stats.false_discovery_control(rows["p_value"].to_numpy()[:-1], method="bh")
                assert rows["p_adjusted"].to_numpy()[:-1] == pytest.approx(q, rel=1e-10)


def test_hillstrom_published_spend_effects(data_file):
    import microseg as ms

    hs = ms.datasets.load_hillstrom(data_file("hillstrom.csv.gz"))
    r = readout(hs, outcome="spend", group="segment", treatment=["Mens E-Mail", "Womens E-Mail"], control="No E-Mail",
                expected_split={"treatment": 2, "control": 1})
    o = r.overall
    # MineThatData challenge: spend per customer $0.65 without e-mail; men's $1.42, women's $1.08
    assert o["mean_control"] == pytest.approx(0.653, abs=5e-4)
    assert o["lift_low"] > 0 and not o["srm"] and r.health == ()


def test_bootstrap_interval_is_seeded_and_close_to_welch_on_a_large_sample():
    df = _spend_test(effect=1.0)
    welch = readout(df, outcome="spend").overall
    a = readout(df, outcome="spend", method="bootstrap", n_boot=1000, random_state=0)
    b = readout(df, outcome="spend", method="bootstrap", n_boot=1000, random_state=0)
    assert a.method == "bootstrap"
    assert a.table.equals(b.table)
    o = a.overall
    assert o["lift"] == pytest.approx(welch["lift"])
    width = welch["lift_high"] - welch["lift_low"]
    assert o["lift_low"] == pytest.approx(welch["lift_low"], abs=0.1 * width)
    assert o["lift_high"] == pytest.approx(welch["lift_high"], abs=0.1 * width)


def test_bootstrap_percentiles_are_the_quantiles_of_resampled_differences():
    from microseg.campaign import _stats

    rng = np.random.RandomState(3)
    y_t, y_c = rng.lognormal(0, 1.5, 200), rng.lognormal(0, 1.5, 150)
    r = _stats.bootstrap(y_t, y_c, 0.1, n_boot=400, rng=np.random.RandomState(7))
    rs = np.random.RandomState(7)
    bt = y_t[rs.randint(0, 200, size=(400, 200))].mean(axis=1)
    bc = y_c[rs.randint(0, 150, size=(400, 150))].mean(axis=1)
    assert (r["low"], r["high"]) == pytest.approx(tuple(np.quantile(bt - bc, [0.05, 0.95])))


# --------------------------------------------------------------------------- ratio metrics
def test_ratio_metric_uses_delta_method_by_hand():
    rng = np.random.default_rng(1)
    n = 4000
    group = np.where(np.arange(n) < n / 2, "treatment", "control")
    visits = rng.poisson(np.where(group == "treatment", 2.2, 2.0)) + 1
    spend = visits * rng.gamma(2.0, np.where(group == "treatment", 6.0, 5.0), n)
    df = pd.DataFrame({"group": group, "spend": spend, "visits": visits})
    r = readout(df, outcome="spend", per="visits")
    assert r.kind == "ratio" and r.outcome == "spend per visits"
    o = r.overall
    out = {}
    for arm in ("treatment", "control"):
        y, x = spend[group == arm], visits[group == arm]
        ratio = y.sum() / x.sum()
        resid = (y - ratio * x) / x.mean()  # linearised ratio: Var(R) = var(resid) / n
        out[arm] = (ratio, resid.var(ddof=1) / len(y))
    d = out["treatment"][0] - out["control"][0]
    se = np.sqrt(out["treatment"][1] + out["control"][1])
    z = Z.inv_cdf(0.975)
    assert o["ratio_treatment"] == pytest.approx(out["treatment"][0])
    assert o["lift"] == pytest.approx(d)
    assert (o["lift_low"], o["lift_high"]) == pytest.approx((d - z * se, d + z * se), rel=1e-9)
    assert o["p_value"] == pytest.approx(2 * (1 - Z.cdf(abs(d) / se)), rel=1e-6)


def test_hillstrom_spend_per_visit_is_a_ratio_readout(data_file):
    import microseg as ms

    hs = ms.datasets.load_hillstrom(data_file("hillstrom.csv.gz"))
    r = readout(hs, outcome="spend", per="visit", group="segment", treatment=["Mens E-Mail", "Womens E-Mail"],
                control="No E-Mail", segments="channel")
    visits_t = hs.loc[hs["treatment"], "visit"].sum()
    assert r.overall["denominator_treatment"] == visits_t
    assert r.overall["ratio_treatment"] == pytest.approx(hs.loc[hs["treatment"], "spend"].sum() / visits_t)


# --------------------------------------------------------------------------- CUPED
def test_cuped_keeps_the_effect_and_narrows_the_interval_as_theory_says():
    df = _spend_test(effect=2.0, n_t=5000, n_c=5000)
    plain = readout(df, outcome="spend").overall
    adj = readout(df, outcome="spend", covariate="history")
    o = adj.overall
    assert adj.method == "welch+cuped"
    x, y = df["history"].to_numpy(), df["spend"].to_numpy()
    assert o["cuped_theta"] == pytest.approx(np.cov(y, x)[0, 1] / x.var(ddof=1))
    assert o["lift_low"] < 2.0 < o["lift_high"]
    rho = np.corrcoef(y - np.where(df.group == "treatment", 2.0, 0), x)[0, 1]
    ratio = (o["lift_high"] - o["lift_low"]) / (plain["lift_high"] - plain["lift_low"])
    assert ratio == pytest.approx(np.sqrt(1 - rho**2), abs=0.03)
    assert o["mean_treatment"] == pytest.approx(plain["mean_treatment"])  # raw means are still reported


def test_cuped_with_history_narrows_hillstrom_spend_intervals(data_file):
    import microseg as ms

    hs = ms.datasets.load_hillstrom(data_file("hillstrom.csv.gz"))
    kw = dict(outcome="spend", group="segment", treatment=["Mens E-Mail", "Womens E-Mail"], control="No E-Mail")
    plain = readout(hs, **kw).overall
    adj = readout(hs, covariate="history", **kw).overall
    width = lambda r: r["lift_high"] - r["lift_low"]  # noqa: E731
    assert width(adj) < width(plain)
    assert adj["lift"] == pytest.approx(plain["lift"], abs=0.05 * width(plain))
    # no narrower than theory allows: each arm's variance falls by at most rho^2, rho the correlation of spend and
    # history within the arm (about 0.02: last year's spend barely predicts spend in a two-week window)
    rho = max(abs(np.corrcoef(g["spend"], g["history"])[0, 1]) for _, g in hs.groupby("treatment"))
    assert 0 < 1 - width(adj) / width(plain) <= 1 - np.sqrt(1 - rho**2)
    by = readout(hs, covariate="history", segments="zip_code", **kw).by_segment
    assert (by["cuped_theta"] > 0).all()  # past spend predicts spend in every zip-code class


# --------------------------------------------------------------------------- sample-ratio mismatch
def test_srm_detects_a_planted_mismatch_and_warns():
    # intended 50/50; segment "b" lost 12 % of its control rows (a logging bug)
    ok = pd.DataFrame({"group": ["treatment"] * 5000 + ["control"] * 5000, "seg": "a"})
    bad = pd.DataFrame({"group": ["treatment"] * 5000 + ["control"] * 4400, "seg": "b"})
    df = pd.concat([ok, bad], ignore_index=True).assign(converted=lambda d: np.arange(len(d)) % 7 == 0)
    with pytest.warns(TestHealthWarning, match="(?i)sample-ratio mismatch in b, overall: control is 46.81 % of b"):
        r = readout(df, segments="seg", expected_split=0.5)
    assert r.table["srm"].to_dict() == {"a": False, "b": True, "overall": True}
    chi2 = 2 * 300**2 / 4700
    assert r.table.loc["b", "srm_p_value"] == pytest.approx(min(1.0, 2 * stats.chi2.sf(chi2, 1)), rel=1e-6)  # BH over 2
    assert "sample-ratio mismatch" in repr(r)


def test_srm_is_silent_on_a_fair_split():
    rng = np.random.default_rng(0)
    g = np.where(rng.random(30_000) < 0.1, "control", "treatment")
    df = pd.DataFrame({"group": g, "converted": rng.random(30_000) < 0.05, "seg": rng.choice(list("abcd"), 30_000)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = readout(df, segments="seg", expected_split={"treatment": 9, "control": 1})
    assert not r.table["srm"].any() and r.health == ()
    assert "WARNING" not in repr(r)


# --------------------------------------------------------------------------- balance and peeking
def test_balance_reports_standardised_mean_differences():
    df = _spend_test(effect=0.0)
    df.loc[df.group == "treatment", "history"] += 40.0  # planted imbalance in the pre-period
    df["region"] = np.where(np.arange(len(df)) % 2 == 0, "north", "south")
    with pytest.warns(TestHealthWarning, match="(?i)covariate imbalance in history"):
        r = readout(df, outcome="spend", balance=["history", "region"])
    b = r.balance
    t, c = df.loc[df.group == "treatment", "history"], df.loc[df.group == "control", "history"]
    assert b.loc[("history", ""), "smd"] == pytest.approx((t.mean() - c.mean()) / np.sqrt((t.var() + c.var()) / 2))
    assert b.loc[("history", ""), "imbalanced"]
    assert not b.loc[("region", "north"), "imbalanced"]
    assert "<table" in r._repr_html_() and "Covariate balance" in r._repr_html_()


def test_an_early_readout_says_it_is_peeking():
    customers = pd.DataFrame({"seg": ["a"] * 20_000 + ["b"] * 20_000})
    design = design_test(customers, segments="seg", baseline=0.05, lift=0.2, control=0.5)
    rng = np.random.default_rng(0)
    so_far = pd.DataFrame({"seg": ["a"] * 20_000 + ["b"] * 8_000, "group": np.tile(["treatment", "control"], 14_000),
                           "converted": rng.random(28_000) < 0.05})
    with pytest.warns(TestHealthWarning, match=r"(?i)peeking\): b \(40%\), overall \(70%\)"):
        r = readout(so_far, segments="seg", design=design)
    assert r.table["early"].to_dict() == {"a": False, "b": True, "overall": True}
    assert "peeking" in repr(r)


# --------------------------------------------------------------------------- bad input
def test_no_control_group_points_to_design_test():
    df = pd.DataFrame({"group": ["treatment"] * 10, "converted": [True, False] * 5})
    with pytest.raises(MicrosegError, match="no control group.*cannot be measured.*design_test"):
        readout(df)
    with pytest.raises(MicrosegError, match="no control group"):
        readout(df, treatment="treatment", control="control")


def test_treatment_column_must_hold_two_labels_and_the_error_names_them():
    df = pd.DataFrame({"arm": ["Mens E-Mail", "Womens E-Mail", "No E-Mail"] * 4, "converted": [True, False] * 6})
    with pytest.raises(MicrosegError, match=r"column 'arm' must hold two labels.*found 3 value\(s\).*'Mens E-Mail'"):
        readout(df, group="arm")
    with pytest.raises(MicrosegError, match=r"column 'arm' holds 3 value\(s\).*ambiguous"):
        readout(df, group="arm", control="No E-Mail")


def test_boolean_treatment_column_is_read_as_true_treated():
    df = pd.DataFrame({"treated": [True] * 100 + [False] * 100, "converted": [True] * 30 + [False] * 70 + [True] * 10 + [False] * 90})
    r = readout(df, group="treated")
    assert (r.overall["rate_treatment"], r.overall["rate_control"]) == (0.3, 0.1)


def test_readout_results_render():
    r = readout(_spend_test(), outcome="spend", segments="seg")
    assert isinstance(r, Readout) and r.kind == "continuous"
    assert repr(r).startswith("Readout(spend: mean")
    ax = r.plot()
    assert ax.get_xlabel() == "Difference in mean spend"


def test_bad_options_are_named():
    df = _spend_test()
    with pytest.raises(MicrosegError, match="method"):
        readout(df, outcome="spend", method="t")
    with pytest.raises(MicrosegError, match="expected_split"):
        readout(df, outcome="spend", expected_split=1.5)
    with pytest.raises(MicrosegError, match="delta-method"):
        readout(df, outcome="spend", per="history", covariate="history")
    df.loc[3, "spend"] = np.nan
    with pytest.raises(MicrosegError, match="outcome column 'spend' has 1 missing"):
        readout(df, outcome="spend")
