"""Test design (sample size, power, MDE, holdout split) and read-out (lift CIs, BH) of randomised campaign tests."""

from __future__ import annotations

from math import ceil, exp, log, sqrt
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microseg.campaign import (
    Readout,
    benjamini_hochberg,
    design_test,
    holdout_split,
    minimum_detectable_lift,
    readout,
    sample_size,
    statistical_power,
)
from microseg.errors import DataQualityWarning, MicrosegError

Z = NormalDist()


def _n_by_hand(p_c, p_t, alpha, power, k):
    p_bar = (p_t + k * p_c) / (1 + k)
    za, zb = Z.inv_cdf(1 - alpha / 2), Z.inv_cdf(power)
    return (za * sqrt(p_bar * (1 - p_bar) * (1 + 1 / k)) + zb * sqrt(p_t * (1 - p_t) + p_c * (1 - p_c) / k)) ** 2 / (p_t - p_c) ** 2


def test_sample_size_matches_textbook_value():
    # 10 % vs 12 %, alpha 5 % two-sided, power 80 %: 3,841 per group (Fleiss, no continuity correction)
    assert sample_size(0.10, 0.02, relative=False) == (3841, 3841)


@pytest.mark.parametrize(
    "p_c, lift, alpha, power, k",
    [(0.05, 0.2, 0.05, 0.8, 1.0), (0.02, 0.5, 0.01, 0.9, 0.25), (0.3, -0.1, 0.05, 0.8, 2.0)],
)
def test_sample_size_matches_hand_formula(p_c, lift, alpha, power, k):
    n = _n_by_hand(p_c, p_c * (1 + lift), alpha, power, k)
    n_t, n_c = sample_size(p_c, lift, alpha=alpha, power=power, ratio=k)
    assert n_t == ceil(n)
    assert n_c == ceil(ceil(n) * k)


def test_power_at_the_sample_size_reaches_the_target():
    n_t, n_c = sample_size(0.04, 0.25, power=0.9)
    assert statistical_power(n_t, n_c, 0.04, 0.25) >= 0.9
    assert statistical_power(n_t - 50, n_c - 50, 0.04, 0.25) < 0.9


def test_power_matches_hand_formula():
    n_t, n_c, p_c, p_t = 2000, 1000, 0.05, 0.07
    p_bar = (n_t * p_t + n_c * p_c) / (n_t + n_c)
    se0 = sqrt(p_bar * (1 - p_bar) * (1 / n_t + 1 / n_c))
    se1 = sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    expected = Z.cdf((0.02 - Z.inv_cdf(0.975) * se0) / se1)
    assert statistical_power(n_t, n_c, p_c, 0.02, relative=False) == pytest.approx(expected, rel=1e-10)


def test_minimum_detectable_lift_inverts_power():
    mde = minimum_detectable_lift(5000, 500, 0.03, power=0.8)
    assert statistical_power(5000, 500, 0.03, mde) == pytest.approx(0.8, abs=1e-6)
    assert minimum_detectable_lift(50_000, 5000, 0.03) < mde


def test_minimum_detectable_lift_is_infinite_when_nothing_is_detectable():
    assert minimum_detectable_lift(2, 2, 0.5) == float("inf")


def test_design_errors_name_the_parameter():
    with pytest.raises(MicrosegError, match="baseline"):
        sample_size(1.5, 0.1)
    with pytest.raises(MicrosegError, match="lift"):
        sample_size(0.1, 0.0)


def test_holdout_split_is_stratified_and_exact():
    df = pd.DataFrame({"seg": np.repeat(["a", "b", "c"], [101, 50, 7])})
    g = holdout_split(df, control=0.1, segments="seg", random_state=1)
    counts = pd.crosstab(df["seg"], g)
    assert counts["control"].to_dict() == {"a": 10, "b": 5, "c": 1}
    assert g.index.equals(df.index)


def test_holdout_split_is_seeded():
    df = pd.DataFrame({"seg": np.repeat(["a", "b"], 200)})
    a = holdout_split(df, segments="seg", random_state=3)
    b = holdout_split(df, segments="seg", random_state=3)
    c = holdout_split(df, segments="seg", random_state=4)
    assert a.equals(b) and not a.equals(c)


def test_design_test_per_segment():
    df = pd.DataFrame({"seg": ["big"] * 40_000 + ["small"] * 1_000})
    t = design_test(df, segments="seg", baseline={"big": 0.05, "small": 0.05}, lift=0.2, control=0.2)
    assert t.loc["big", "n_control"] == 8000 and t.loc["small", "n_treatment"] == 800
    assert t.loc["big", "powered"] and not t.loc["small", "powered"]
    n_t, n_c = sample_size(0.05, 0.2, ratio=0.25)
    assert t.loc["big", "needed_size"] == ceil(max(n_t / 0.8, n_c / 0.2))
    assert t.loc["small", "mde"] > 0.2 > t.loc["big", "mde"]


def _two_by_two(x_t, n_t, x_c, n_c, seg="s"):
    g = ["treatment"] * n_t + ["control"] * n_c
    y = [True] * x_t + [False] * (n_t - x_t) + [True] * x_c + [False] * (n_c - x_c)
    return pd.DataFrame({"group": g, "converted": y, "seg": seg})


def test_readout_lift_and_intervals_match_hand_computation():
    x_t, n_t, x_c, n_c = 120, 2000, 80, 2000
    r = readout(_two_by_two(x_t, n_t, x_c, n_c)).overall
    p_t, p_c = x_t / n_t, x_c / n_c
    z = Z.inv_cdf(0.975)
    se = sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    assert r["lift"] == pytest.approx(0.02)
    assert r["lift_low"] == pytest.approx(0.02 - z * se)
    assert r["lift_high"] == pytest.approx(0.02 + z * se)
    se_log = sqrt(1 / x_t - 1 / n_t + 1 / x_c - 1 / n_c)
    assert r["relative_lift"] == pytest.approx(0.5)
    assert r["relative_lift_low"] == pytest.approx(exp(log(1.5) - z * se_log) - 1)
    assert r["relative_lift_high"] == pytest.approx(exp(log(1.5) + z * se_log) - 1)
    pool = 200 / 4000
    zstat = 0.02 / sqrt(pool * (1 - pool) * (2 / 2000))
    assert r["p_value"] == pytest.approx(2 * (1 - Z.cdf(zstat)))
    assert r["incremental_conversions"] == pytest.approx(40.0)


def test_benjamini_hochberg_matches_hand_computation():
    # sorted p: .01 .02 .03 .04 .5 -> p*m/rank: .05 .05 .05 .05 .5
    q = benjamini_hochberg([0.04, 0.5, 0.01, 0.03, 0.02])
    assert q.tolist() == pytest.approx([0.05, 0.5, 0.05, 0.05, 0.05])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30))
def test_bh_adjusted_values_are_at_least_p_and_keep_the_order(p):
    q = benjamini_hochberg(p)
    assert np.all(q >= np.array(p) - 1e-12) and np.all(q <= 1)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(q[order]) >= -1e-12)


def test_readout_per_segment_applies_bh_across_segments():
    df = pd.concat([_two_by_two(150, 2000, 80, 2000, "strong"), _two_by_two(85, 2000, 80, 2000, "none")], ignore_index=True)
    r = readout(df, segments="seg")
    assert list(r.table.index) == ["none", "strong", "overall"]
    seg = r.by_segment
    assert seg["p_adjusted"].tolist() == pytest.approx(benjamini_hochberg(seg["p_value"]).tolist())
    assert seg.loc["strong", "significant"] and not seg.loc["none", "significant"]
    assert r.overall["n_treatment"] == 4000


def test_readout_reports_rows_in_neither_arm():
    df = _two_by_two(10, 100, 5, 100)
    df.loc[0, "group"] = "other"
    with pytest.warns(DataQualityWarning, match="in neither arm: 1"):
        r = readout(df, treatment="treatment", control="control")
    assert r.overall["n_treatment"] == 99


def test_readout_needs_both_arms():
    with pytest.raises(MicrosegError, match="no control group"):
        readout(_two_by_two(10, 100, 5, 100), control="holdout")
    with pytest.raises(MicrosegError, match="both arms"):
        readout(_two_by_two(10, 100, 5, 100), treatment="sent")


def test_readout_renders_and_plots():
    df = pd.concat([_two_by_two(150, 2000, 80, 2000, "a"), _two_by_two(85, 2000, 80, 2000, "b")], ignore_index=True)
    r = readout(df, segments="seg")
    assert isinstance(r, Readout)
    assert repr(r).startswith("Readout(converted:")
    assert "<table" in r._repr_html_()
    ax = r.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "overall"]
    assert len(ax.lines) == 2 * 3 + 1  # interval + point per row, zero line
    assert ax.get_xlabel() == "Lift (percentage points)"


def test_hillstrom_readout_reproduces_published_conversion_rates(data_file):
    import microseg as ms

    hs = ms.datasets.load_hillstrom(data_file("hillstrom.csv.gz"))
    r = readout(hs, outcome="conversion", group="segment", treatment=["Mens E-Mail", "Womens E-Mail"], control="No E-Mail")
    o = r.overall
    assert (o["n_treatment"], o["n_control"]) == (42694, 21306)
    assert o["rate_control"] == pytest.approx(0.0057, abs=5e-5)  # published: 0.57 %
    assert o["rate_treatment"] == pytest.approx(0.0107, abs=5e-5)
    assert o["lift_low"] > 0
    mens = readout(hs[hs["segment"] != "Womens E-Mail"], outcome="conversion", group="segment",
                   treatment="Mens E-Mail", control="No E-Mail").overall
    womens = readout(hs[hs["segment"] != "Mens E-Mail"], outcome="conversion", group="segment",
                     treatment="Womens E-Mail", control="No E-Mail").overall
    assert mens["rate_treatment"] == pytest.approx(0.0125, abs=5e-5)  # published: 1.25 %
    assert womens["rate_treatment"] == pytest.approx(0.0088, abs=5e-5)  # published: 0.88 %
    by_zip = readout(hs, outcome="conversion", group="segment", treatment=["Mens E-Mail", "Womens E-Mail"],
                     control="No E-Mail", segments="zip_code")
    assert set(by_zip.by_segment.index) == {"Rural", "Suburban", "Urban"}
    assert by_zip.by_segment["n_treatment"].sum() == 42694


def test_readout_on_demo_contacts():
    import microseg as ms

    try:
        data = ms.datasets.make_customers(n_customers=3000, random_state=0)
    except (ImportError, AttributeError):
        pytest.skip("make_customers is not available yet")
    c = data.contacts
    r = readout(c, outcome="converted", group="group", segments="campaign")
    t = r.by_segment
    assert t["n_treatment"].sum() + t["n_control"].sum() == len(c)
    assert (t["rate_treatment"].between(0, 1)).all()
    # controls were never sent anything, so their open rate is 0
    opened = readout(c, outcome="opened", group="group").overall
    assert opened["rate_control"] == 0 and opened["rate_treatment"] > 0
