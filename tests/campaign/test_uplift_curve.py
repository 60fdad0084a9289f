"""Tests for microseg.campaign._uplift_curve: Qini and uplift curves, areas normalised as scikit-uplift's."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from microseg.campaign import uplift_curve  # noqa: E402
from microseg.errors import MicrosegError  # noqa: E402

# Eight customers, already sorted by score (highest first).
Y = np.array([1, 0, 1, 0, 0, 1, 0, 0])
T = np.array([1, 1, 1, 0, 0, 0, 1, 0])
SCORE = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])


def test_qini_curve_and_area_match_a_hand_count():
    # Qini(k) = Y_t - Y_c * N_t / N_c over the top k:
    # k=1..3 treated (1, 0, 1 converted), k=4,5 control (no conversion), k=6 control converts (2 - 1*3/3),
    # k=7 treated (2 - 1*4/3), k=8 control (2 - 1*4/4).
    uc = uplift_curve(Y, SCORE, T, n_boot=0)
    np.testing.assert_allclose(uc.curve["qini"], [0, 1, 1, 2, 2, 2, 1, 2 - 4 / 3, 1])
    np.testing.assert_array_equal(uc.curve["targeted"], np.arange(9))
    # area 10 1/6; random line to (8, 1): 4; perfect curve (treated converters first, control converter last)
    # (0,0) (2,2) (7,2) (8,1): 13.5  ->  (10 1/6 - 4) / (13.5 - 4) = 37/57
    assert uc.qini_auc == pytest.approx(37 / 57, abs=1e-12)


def test_uplift_curve_and_area_match_a_hand_count():
    # uplift(k) = (Y_t/N_t - Y_c/N_c) * k; no control among the top 3: the control rate counts as 0 (scikit-uplift)
    uc = uplift_curve(Y, SCORE, T, n_boot=0)
    np.testing.assert_allclose(uc.curve["uplift"], [0, 1, 1, 2, 4 * (2 / 3), 5 * (2 / 3), 6 * (2 / 3 - 1 / 3),
                                                    7 * (2 / 4 - 1 / 3), 8 * (2 / 4 - 1 / 4)])  # fmt: skip
    # scikit-uplift 0.5.1: uplift_auc_score(Y, SCORE, T) = 0.3915343915343914
    assert uc.uplift_auc == pytest.approx(0.3915343915343914, abs=1e-12)


def test_the_perfect_score_has_area_one_and_its_reverse_is_negative():
    rng = np.random.default_rng(0)
    y, t = rng.integers(0, 2, 500), rng.integers(0, 2, 500)
    perfect = y * t - y * (1 - t)
    assert uplift_curve(y, perfect, t, n_boot=0).qini_auc == pytest.approx(1.0)
    assert uplift_curve(y, -perfect, t, n_boot=0).qini_auc < 0


def test_tied_scores_enter_together():
    # a constant score targets everyone at once: the curve is the random line, the area 0
    rng = np.random.default_rng(1)
    y, t = rng.integers(0, 2, 300), rng.integers(0, 2, 300)
    uc = uplift_curve(y, np.zeros(300), t, n_boot=0)
    assert list(uc.curve["targeted"]) == [0, 300]
    assert uc.qini_auc == pytest.approx(0.0, abs=1e-12) and uc.uplift_auc == pytest.approx(0.0, abs=1e-12)


def test_areas_equal_scikit_uplift_on_random_data_with_ties():
    sklift = pytest.importorskip("sklift.metrics", exc_type=ImportError)  # skipped where scikit-uplift is absent or broken
    rng = np.random.default_rng(2)
    for trial in range(40):
        n = int(rng.integers(20, 400))
        y, t = rng.integers(0, 2, n), rng.integers(0, 2, n)
        score = rng.random(n) if trial % 2 else rng.integers(0, 5, n).astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # scikit-uplift calls a deprecated scikit-learn helper
            q, u = sklift.qini_auc_score(y, score, t), sklift.uplift_auc_score(y, score, t)
        uc = uplift_curve(y, score, t, n_boot=0)
        assert uc.qini_auc == pytest.approx(q, abs=1e-10)
        assert uc.uplift_auc == pytest.approx(u, abs=1e-10)


def test_a_score_without_information_has_an_interval_around_zero():
    rng = np.random.default_rng(3)
    n = 4_000
    t = rng.random(n) < 0.5
    y = rng.random(n) < np.where(t, 0.15, 0.10)  # the same effect for everyone: nobody to find
    uc = uplift_curve(y, rng.random(n), t, random_state=0)
    assert uc.qini_auc_low < 0 < uc.qini_auc_high
    assert uc.uplift_auc_low < 0 < uc.uplift_auc_high


def test_a_score_that_knows_the_planted_effect_beats_random():
    rng = np.random.default_rng(4)
    n = 4_000
    t = rng.random(n) < 0.5
    tau = np.where(rng.random(n) < 0.3, 0.25, 0.0)
    y = rng.random(n) < 0.1 + tau * t
    uc = uplift_curve(y, tau + rng.normal(0, 0.01, n), t, random_state=0)
    assert uc.qini_auc_low > 0.1
    assert uc.qini_auc_low <= uc.qini_auc <= uc.qini_auc_high
    assert uc.uplift_auc_low <= uc.uplift_auc <= uc.uplift_auc_high


def test_bootstrap_keeps_the_arm_sizes_and_is_reproducible():
    rng = np.random.default_rng(5)
    y, t, s = rng.integers(0, 2, 1_000), rng.random(1_000) < 0.2, rng.random(1_000)
    a = uplift_curve(y, s, t, n_boot=50, random_state=7)
    b = uplift_curve(y, s, t, n_boot=50, random_state=7)
    assert (a.qini_auc_low, a.qini_auc_high) == (b.qini_auc_low, b.qini_auc_high)
    assert (a.n_treatment, a.n_control) == (int(t.sum()), int((~t).sum()))
    assert np.isnan(uplift_curve(y, s, t, n_boot=0).qini_auc_low)


def test_to_frame_and_repr_give_both_areas():
    uc = uplift_curve(Y, SCORE, T, n_boot=20, random_state=0)
    f = uc.to_frame()
    assert list(f.index) == ["qini", "uplift"] and list(f.columns) == ["auc", "auc_low", "auc_high"]
    assert "qini_auc=0.649" in repr(uc)


@pytest.mark.parametrize("kwargs, match", [
    (dict(y=[0, 1, 2, 1], uplift=[1, 2, 3, 4], treatment=[1, 0, 1, 0]), "0/1 outcome"),
    (dict(y=[0, 1, 1, 1], uplift=[1, 2, 3, 4], treatment=[1, 1, 1, 1]), "control"),
    (dict(y=[0, 1, 1, 1], uplift=[1, np.nan, 3, 4], treatment=[1, 0, 1, 0]), "missing or infinite"),
    (dict(y=[0, 1, 1], uplift=[1, 2, 3, 4], treatment=[1, 0, 1, 0]), "y has 3 values"),
])  # fmt: skip
def test_bad_inputs_are_refused_with_the_reason(kwargs, match):
    with pytest.raises(MicrosegError, match=match):
        uplift_curve(kwargs["y"], kwargs["uplift"], kwargs["treatment"], n_boot=0)


def test_plot_draws_the_curve_the_random_line_and_the_perfect_curve():
    uc = uplift_curve(Y, SCORE, T, n_boot=0)
    for kind in ("qini", "uplift"):
        ax = uc.plot(kind=kind)
        labels = [line.get_label() for line in ax.get_lines()]
        assert any("random" in lab for lab in labels) and any("perfect" in lab for lab in labels)
        random_line = next(line for line in ax.get_lines() if "random" in line.get_label())
        assert random_line.get_ydata()[-1] == pytest.approx(uc.curve[kind].iloc[-1])
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        plt.close(ax.figure)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(4, 200), levels=st.integers(1, 6))
def test_areas_depend_only_on_the_order_of_the_scores(seed, n, levels):
    # any strictly increasing transform of the score leaves both curves and both areas unchanged
    rng = np.random.default_rng(seed)
    y, t = rng.integers(0, 2, n), rng.integers(0, 2, n)
    t[0], t[1] = 0, 1  # both arms present
    score = rng.integers(0, levels, n).astype(float) + rng.random(n) * (levels > 3)
    a = uplift_curve(y, score, t, n_boot=0)
    b = uplift_curve(y, np.exp(2 * score) - 7, t, n_boot=0)
    np.testing.assert_allclose(a.curve[["qini", "uplift"]], b.curve[["qini", "uplift"]], atol=1e-9)
    np.testing.assert_allclose([a.qini_auc, a.uplift_auc], [b.qini_auc, b.uplift_auc], atol=1e-9, equal_nan=True)
    # every curve ends at the whole test's effect: treated conversions minus control's, scaled to the treated
    n_t, n_c = t.sum(), n - t.sum()
    assert a.curve["qini"].iloc[-1] == pytest.approx(y[t == 1].sum() - y[t == 0].sum() * n_t / n_c)
