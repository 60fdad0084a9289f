"""Tests for microseg.campaign._uplift_segments: describable targeting rules, measured on held-out customers."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from microseg.campaign import uplift_segments  # noqa: E402
from microseg.errors import MicrosegError, SensitiveAttributeError  # noqa: E402


def _test(n=20_000, seed=0):
    """The contact adds 15 points for under-35s and takes 10 away from app users over 65."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"age": rng.integers(18, 80, n), "channel": rng.choice(["app", "web"], n),
                      "income": rng.normal(40_000, 8_000, n)})  # fmt: skip
    t = rng.random(n) < 0.5
    young = (X["age"] < 35).to_numpy()
    put_off = ((X["age"] >= 65) & (X["channel"] == "app")).to_numpy()
    tau = np.where(young, 0.15, 0.0) - np.where(put_off, 0.10, 0.0)
    y = rng.random(n) < 0.15 + tau * t
    return X, y, t, tau, young, put_off


def test_planted_persuadables_and_do_not_disturb_are_described_and_measured():
    X, y, t, tau, young, put_off = _test()
    score = tau + np.random.default_rng(1).normal(0, 0.02, len(X))
    seg = uplift_segments(X, score, y=y, treatment=t, random_state=0)
    top = seg.rules[seg.rules["group"] == "persuadables"].iloc[0]
    assert top["rule"] == "age < 35"
    assert top["effect_low"] < 0.15 < top["effect_high"] and top["effect_low"] > 0.08
    dnd = seg.rules[seg.rules["group"] == "do-not-disturb"].iloc[0]
    assert "age ≥ 65" in dnd["rule"] and "channel = app" in dnd["rule"]
    assert dnd["effect_high"] < 0 and dnd["effect_low"] < -0.10 < dnd["effect_high"]


def test_rules_are_measured_on_the_held_out_half_only():
    X, y, t, tau, young, _ = _test(n=10_000)
    seg = uplift_segments(X, tau, y=y, treatment=t, holdout=0.4, random_state=0)
    assert seg.n_rules_half + seg.n_heldout == len(X)
    assert seg.n_heldout == round(0.4 * t.sum()) + round(0.4 * (~t).sum())
    assert seg.overall["n"] == seg.n_heldout
    np.testing.assert_allclose(seg.rules["coverage"], seg.rules["n"] / seg.n_heldout)
    assert (seg.rules["n_treatment"] + seg.rules["n_control"] == seg.rules["n"]).all()


def test_rule_effect_matches_a_hand_read_out_of_the_held_out_rows():
    X, y, t, tau, young, _ = _test(n=6_000)
    seg = uplift_segments(X, tau, y=y, treatment=t, random_state=0)
    r = seg.rules.iloc[0]
    # the rows the rule matches, among the held-out half: redo the split and count by hand
    rng = np.random.RandomState(0)
    held = np.zeros(len(X), dtype=bool)
    for arm in (True, False):
        rows = np.flatnonzero(t == arm)
        held[rng.permutation(rows)[: int(round(0.5 * len(rows)))]] = True
    m = held & (X["age"] < 35).to_numpy()
    assert r["rule"] == "age < 35" and r["n"] == m.sum()
    assert r["effect"] == pytest.approx(y[m & t].mean() - y[m & ~t].mean())


def test_a_score_of_pure_noise_gives_rules_whose_held_out_effect_is_the_average():
    # nobody is special: whatever the rules say, measured on new customers they show the common effect
    rng = np.random.default_rng(5)
    n = 20_000
    X = pd.DataFrame({"age": rng.integers(18, 80, n), "income": rng.normal(40_000, 8_000, n)})
    t = rng.random(n) < 0.5
    y = rng.random(n) < np.where(t, 0.20, 0.15)
    seg = uplift_segments(X, rng.normal(0, 0.05, n), y=y, treatment=t, random_state=0)
    assert len(seg.rules)
    assert ((seg.rules["effect_low"] < 0.05) & (0.05 < seg.rules["effect_high"])).all()


def test_sensitive_columns_are_refused_and_identifiers_not_used():
    X, y, t, tau, _, _ = _test(n=2_000)
    with pytest.raises(SensitiveAttributeError, match="health_condition"):
        uplift_segments(X.assign(health_condition=np.where(tau > 0, "diabetes", "none")), tau, y=y, treatment=t)
    seg = uplift_segments(X.assign(customer_id=[f"C{i}" for i in range(2_000)]), tau, y=y, treatment=t, random_state=0)
    assert not seg.rules["rule"].str.contains("customer_id").any()


def test_treatment_given_as_a_column_is_not_a_rule_key():
    X, y, t, tau, _, _ = _test(n=4_000)
    seg = uplift_segments(X.assign(arm=t), tau, y=y, treatment="arm", random_state=0)
    assert not seg.rules["rule"].str.contains("arm").any()


def test_bad_scores_are_refused():
    X, y, t, tau, _, _ = _test(n=500)
    with pytest.raises(MicrosegError, match="uplift has 499 scores"):
        uplift_segments(X, tau[:-1], y=y, treatment=t)
    with pytest.raises(MicrosegError, match="no score is above zero nor below zero"):
        uplift_segments(X, np.zeros(500), y=y, treatment=t)


def test_describe_plot_and_frame():
    X, y, t, tau, _, _ = _test(n=6_000)
    seg = uplift_segments(X, tau, y=y, treatment=t, random_state=0)
    text = seg.describe()
    assert text.startswith("Everyone:") and "persuadables: age < 35" in text
    assert list(seg.to_frame().columns[:4]) == ["group", "rule", "n", "coverage"]
    ax = seg.plot()
    assert len(ax.patches) == len(seg.rules) and ax.get_xlabel()
    plt.close(ax.figure)
    assert "UpliftSegments(" in repr(seg)
