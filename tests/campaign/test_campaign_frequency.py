"""Frequency capping simulation: reach, frequency and wasted impressions against the analytic values."""

from __future__ import annotations

from math import exp, factorial

import numpy as np
import pytest

from microseg.campaign import FrequencyResult, frequency_cap
from microseg.campaign.frequency import expected_reach
from microseg.errors import MicrosegError


def test_poisson_reach_matches_one_minus_exp_minus_lambda():
    n = 200_000
    r = frequency_cap(n, impressions=[50_000, 200_000, 600_000], cap=3, random_state=0)
    lam = np.array([0.25, 1.0, 3.0])
    expected = 1 - np.exp(-lam)
    se = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(r.table["reach_share"].to_numpy() - expected) < 4 * se)
    assert r.table["reach_expected"].to_numpy() == pytest.approx(expected)


def test_negative_binomial_reach_matches_analytic():
    n, k, m = 200_000, 0.5, 2.0
    r = frequency_cap(n, impressions=n * m, cap=3, distribution="negative_binomial", dispersion=k, random_state=1)
    expected = 1 - (k / (k + m)) ** k
    assert r.table.loc[0, "reach_share"] == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / n))
    # uneven exposure reaches fewer people than Poisson at the same volume
    assert expected < 1 - exp(-m)


def test_wasted_impressions_match_poisson_expectation():
    n, lam, cap = 200_000, 2.0, 2
    r = frequency_cap(n, impressions=n * lam, cap=cap, random_state=2).table.iloc[0]
    # E[min(N, cap)] = sum_{j<cap} P(N > j); wasted = lam - E[min(N, cap)] per person
    p = [exp(-lam) * lam**j / factorial(j) for j in range(cap)]
    e_min = sum(1 - sum(p[: j + 1]) for j in range(cap))
    assert r["wasted"] / n == pytest.approx(lam - e_min, abs=0.01)
    assert r["served"] + r["wasted"] == r["simulated_impressions"]
    assert r["capped_frequency"] <= cap


def test_histogram_counts_everyone():
    r = frequency_cap(1000, impressions=[500, 3000], cap=2, random_state=0)
    assert (r.histogram.sum() == 1000).all()
    assert list(r.histogram.index) == ["0", "1", "2", "3+"]


def test_simulation_is_seeded():
    a = frequency_cap(5000, impressions=8000, random_state=7).table
    b = frequency_cap(5000, impressions=8000, random_state=7).table
    assert a.equals(b)


def test_expected_reach_rejects_unknown_distribution():
    with pytest.raises(MicrosegError, match="distribution"):
        expected_reach(1.0, distribution="uniform")


@pytest.mark.parametrize("kwargs", [{"cap": 0}, {"impressions": -1}, {"distribution": "binomial"}])
def test_bad_parameters_are_rejected(kwargs):
    args = {"impressions": 100, **kwargs}
    with pytest.raises(MicrosegError):
        frequency_cap(100, **args)


def test_reach_frequency_plot():
    r = frequency_cap(10_000, impressions=np.linspace(1000, 60_000, 6), cap=4, random_state=0)
    assert isinstance(r, FrequencyResult)
    assert "cap 4" in repr(r)
    ax = r.plot()
    assert len(ax.lines) == 3
    assert ax.get_xlabel().startswith("Average frequency")
    assert ax.get_ylabel() == "Reach (% of audience)"
    y = ax.lines[0].get_ydata()
    assert np.all(np.diff(y) > 0)
