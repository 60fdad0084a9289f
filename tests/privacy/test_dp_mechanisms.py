"""The OpenDP mechanisms: unbiased noise, of the documented scale and variance, certified epsilon."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from microseg.errors import MicrosegError
from microseg.privacy import PUBLIC_BOUNDS
from microseg.privacy._dp_mechanisms import (
    check_bounds,
    check_privacy,
    column_bounds,
    noisy_counts,
    noisy_sums,
)

pytest.importorskip("opendp")


def test_the_mean_of_many_noisy_counts_converges_to_the_true_count():
    true = np.array([0, 3, 37, 1000])
    draws = np.stack([noisy_counts(true, epsilon=0.5)[0] for _ in range(2000)])  # 2000 releases of 4 counts
    _, scale, var = noisy_counts(true, epsilon=0.5)
    se = math.sqrt(var / len(draws))
    assert np.all(np.abs(draws.mean(0) - true) < 4 * se), (draws.mean(0), se)
    assert draws.dtype == np.int64  # integer counts, some negative: nothing is clipped, so nothing is biased
    assert (draws[:, 0] < 0).any()


def test_count_noise_has_the_scale_one_over_epsilon_and_the_documented_variance():
    noisy, scale, var = noisy_counts(np.full(40_000, 50), epsilon=0.25)
    assert scale == pytest.approx(4.0)
    a = math.exp(-1 / scale)
    assert var == pytest.approx(2 * a / (1 - a) ** 2)
    assert noisy.var() == pytest.approx(var, rel=0.05)
    # discrete Laplace: P(noise = 0) = (1 - a) / (1 + a)
    assert np.mean(noisy == 50) == pytest.approx((1 - a) / (1 + a), abs=0.01)


def test_sum_noise_has_the_scale_sensitivity_over_epsilon():
    noisy, scale, var = noisy_sums(np.zeros(50_000), epsilon=2.0, sensitivity=60.0)
    assert scale == pytest.approx(30.0)
    assert var == pytest.approx(2 * 30.0**2)
    assert noisy.var() == pytest.approx(var, rel=0.05)
    assert abs(noisy.mean()) < 4 * math.sqrt(var / noisy.size)


def test_opendp_certifies_no_more_than_the_epsilon_asked():
    import opendp.prelude as dp

    dp.enable_features("contrib")
    _, scale, _ = noisy_counts(np.array([5]), epsilon=0.3)
    meas = dp.m.make_laplace(dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=scale)
    assert meas.map(1) <= 0.3


def test_missing_opendp_is_a_clear_error_naming_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "opendp", None)
    monkeypatch.setitem(sys.modules, "opendp.prelude", None)
    with pytest.raises(MicrosegError, match=r'pip install "microseg\[dp\]"'):
        noisy_counts(np.array([1, 2]), epsilon=1.0)


def test_bounds_come_from_the_caller_first_then_documented_public_knowledge():
    assert column_bounds("age", {}) == (0.0, 120.0, "public: " + PUBLIC_BOUNDS["age"][2])
    assert column_bounds("age", check_bounds({"age": (18, 100)})) == (18.0, 100.0, "given")
    assert column_bounds("income", {}) is None
    for low, high, why in PUBLIC_BOUNDS.values():
        assert low < high and why


@pytest.mark.parametrize("bad", [{"x": (5, 5)}, {"x": (0, float("inf"))}, {"x": "0-10"}, [("x", (0, 1))]])
def test_bad_bounds_are_refused_naming_the_column(bad):
    with pytest.raises(MicrosegError, match="bounds"):
        check_bounds(bad)


def test_privacy_options_are_checked():
    from microseg.privacy import PrivacyBudget

    with pytest.raises(MicrosegError, match="privacy='dp'"):
        check_privacy(None, PrivacyBudget(1), None, what="profile()")
    with pytest.raises(MicrosegError, match="PrivacyBudget"):
        check_privacy("dp", 1.0, None, what="profile()")
    with pytest.raises(MicrosegError, match="'dp'"):
        check_privacy("laplace", PrivacyBudget(1), None, what="profile()")
    assert check_privacy("dp", PrivacyBudget(1), None, what="profile()") == 1.0
