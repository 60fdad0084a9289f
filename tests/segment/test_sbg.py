"""Tests of ShiftedBetaGeoModel: Fader & Hardie (2007) fits, survival algebra, DERL and input checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln

import microseg as ms
from microseg.errors import MicrosegError, SchemaError

REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]


@pytest.mark.parametrize(("survivors", "alpha", "beta"), [(REGULAR, 0.704, 1.182), (HIGH_END, 0.668, 3.806)])
def test_sbg_reproduces_fader_hardie_2007(survivors, alpha, beta):
    model = ms.ShiftedBetaGeoModel().fit(ms.ShiftedBetaGeoModel.from_survivors(survivors))
    np.testing.assert_allclose(model.params_[["alpha", "beta"]], [alpha, beta], atol=1.5e-3)
    # the fitted curve tracks the observed survivors (the paper's Figure 3: within 2 % of the cohort)
    np.testing.assert_allclose(1000 * model.survival(7).to_numpy(), survivors, atol=20)


def test_from_survivors_gives_one_row_per_customer():
    rows = ms.ShiftedBetaGeoModel.from_survivors(REGULAR)
    assert len(rows) == 1000
    assert rows["churned"].sum() == 1000 - 241
    assert (rows.loc[~rows["churned"], "periods"] == 7).all()
    assert (rows.loc[rows["churned"], "periods"] == 1).sum() == 369


def test_cohorts_of_different_ages_are_rows_with_different_periods():
    # two cohorts from the same process: one observed for 7 years, one for 3: the fit uses both
    old = ms.ShiftedBetaGeoModel.from_survivors(REGULAR)
    young = ms.ShiftedBetaGeoModel.from_survivors(REGULAR[:4])
    both = ms.ShiftedBetaGeoModel().fit(pd.concat([old, young], ignore_index=True))
    assert both.n_customers_ == 2000
    np.testing.assert_allclose(both.params_, [0.704, 1.182], rtol=0.1)


def test_retention_rises_and_is_the_ratio_of_survivals():
    model = ms.ShiftedBetaGeoModel().fit(ms.ShiftedBetaGeoModel.from_survivors(REGULAR))
    s, r = model.survival(10), model.retention(10)
    np.testing.assert_allclose(r.to_numpy(), s.to_numpy()[1:] / s.to_numpy()[:-1], rtol=1e-12)
    assert (np.diff(r.to_numpy()) > 0).all()


def test_expected_remaining_lifetime_is_infinite_when_alpha_at_most_one_and_finite_on_a_horizon():
    model = ms.ShiftedBetaGeoModel().fit(ms.ShiftedBetaGeoModel.from_survivors(REGULAR))
    assert model.expected_remaining_lifetime(0) == np.inf  # alpha = 0.704 <= 1
    a, b = model.params_
    k = np.arange(1, 51)
    by_hand = np.exp(betaln(a, b + 3 + k) - betaln(a, b + 3)).sum()
    assert model.expected_remaining_lifetime(3, horizon=50) == pytest.approx(by_hand, rel=1e-12)
    m2 = model._with_free(np.array([2.5, 4.0]))
    assert m2.expected_remaining_lifetime(2) == pytest.approx((4.0 + 2) / 1.5)


def test_derl_equals_the_discounted_sum_of_survival_probabilities():
    model = ms.ShiftedBetaGeoModel().fit(ms.ShiftedBetaGeoModel.from_survivors(HIGH_END))
    a, b = model.params_
    k = np.arange(1, 5_000)
    for n in (0, 4):
        by_hand = (np.exp(betaln(a, b + n + k) - betaln(a, b + n)) / 1.1 ** (k - 1)).sum()
        assert model.derl(n, discount_rate=0.1) == pytest.approx(by_hand, rel=1e-9)
    # customers who stayed longer are worth more (survivor bias), and discounting lowers the value
    assert (np.diff(model.derl(np.arange(8), discount_rate=0.1)) > 0).all()
    assert model.derl(0, discount_rate=0.2) < model.derl(0, discount_rate=0.1)


def test_sbg_summary_has_standard_errors():
    table = ms.ShiftedBetaGeoModel().fit(ms.ShiftedBetaGeoModel.from_survivors(REGULAR)).summary()
    assert list(table.index) == ["alpha", "beta"]
    assert (table["se"] > 0).all() and (table["low"] < table["estimate"]).all()


def test_sbg_plot_draws_the_curve_and_the_observed_points():
    model = ms.ShiftedBetaGeoModel().fit(ms.ShiftedBetaGeoModel.from_survivors(REGULAR))
    ax = model.plot(observed=REGULAR)
    assert len(ax.lines) == 2 and ax.get_ylabel()


@pytest.mark.parametrize(
    ("frame", "error"),
    [
        (pd.DataFrame({"periods": [1, 2, 0], "churned": [True, True, True]}), SchemaError),
        (pd.DataFrame({"periods": [1.5, 2, 3], "churned": [True, False, True]}), SchemaError),
        (pd.DataFrame({"periods": [1, 2, 3], "churned": [True, None, True]}), SchemaError),
        (pd.DataFrame({"periods": [1, 1, 1], "churned": [True, True, False]}), MicrosegError),
        (pd.DataFrame({"months": [1, 2, 3], "churned": [True, False, True]}), SchemaError),
    ],
)
def test_bad_input_is_refused(frame, error):
    with pytest.raises(error):
        ms.ShiftedBetaGeoModel().fit(frame)


def test_increasing_survivors_are_refused():
    with pytest.raises(MicrosegError, match="increase"):
        ms.ShiftedBetaGeoModel.from_survivors([100, 80, 90])
