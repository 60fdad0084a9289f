"""scikit-learn's estimator checks for every microseg estimator.

Add estimators to ``ESTIMATORS``; list each check an estimator is expected to
fail in ``EXPECTED_FAILED_CHECKS`` with the reason. Checks not listed must pass.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from microseg import (BetaGeoModel, GammaGammaModel, Lookalike, ParetoNBDModel, PsychographicModel, RFMScorer,
                      SegmentModel)
from microseg.campaign import UpliftModel
from microseg.errors import SmallSeedWarning


class UpliftModelAlternatingArms(UpliftModel):
    """UpliftModel told that every other row was treated, so scikit-learn's checks (which call
    ``fit(X, y)`` without a treatment) reach the fitting code: arrays, dtypes, missing values,
    pickling, idempotence, row-order and subset invariance of ``predict``."""

    def fit(self, X, y, treatment=None):
        if treatment is None:
            treatment = np.arange(np.shape(X)[0]) % 2 == 0
        return super().fit(X, y, treatment)

ESTIMATORS = [
    SegmentModel(n_segments=3, random_state=0),
    PsychographicModel(scale_range=None, random_state=0),
    PsychographicModel(n_factors=2, n_segments=3, segmenter="kmeans", scale_range=None, random_state=0),
    RFMScorer(),
    BetaGeoModel(),
    ParetoNBDModel(),
    GammaGammaModel(),
    Lookalike(method="pu", opt_out=None, min_seed=1, random_state=0),
    UpliftModel(random_state=0),
    UpliftModelAlternatingArms(method="x_learner", random_state=0),
]

# ----------------------------------------------------------------------------- expected failures
# RFMScorer scores exactly three columns; these checks fit on 2, 4, 5 or 10 columns.
_RFM_WIDTH = (
    "RFMScorer scores exactly three columns (recency, frequency, monetary value); this check fits "
    "on an array of another width (2, 4, 5 or 10 columns), which is refused with a clear error."
)
# The btyd models take the btyd summary columns in order; random data breaks their domain.
_BTYD_WIDTH = (
    "the model takes the btyd summary columns in order (frequency, recency, T[, monetary_value]); this "
    "check fits on an array of another width, which is refused with a clear error."
)
_BTYD_DOMAIN = (
    "the check's random columns read as (frequency, recency, T) have recency > T on some rows (a last "
    "purchase after the end of the observation), an invalid summary the model refuses with a clear error."
)
_GG_WIDTH = (
    "GammaGammaModel takes four btyd columns (frequency, recency, T, monetary_value); this check fits "
    "on 2, 3, 5 or 10 columns, which is refused with a clear error."
)
# Lookalike needs people outside the seed, and never describes groups of fewer than 10 people.
_LOOK_SMALL = (
    "the check fits on 20-30 rows with y binarised from 3-4 classes (the larger label is the seed), "
    "leaving fewer than 10 rows outside the seed; Lookalike refuses that: it needs a population to "
    "rank, and its explanation never describes a group of fewer than 10 people (privacy min_cell)."
)

# UpliftModel learns from a randomised test: fit(X, y, treatment). The checks call fit(X, y).
_UPLIFT_TREATMENT = (
    "the check calls fit(X, y) without a treatment; an uplift is the difference between contacted and "
    "control customers, so UpliftModel refuses to fit without knowing who was contacted (a clear error "
    "naming the parameter). UpliftModelAlternatingArms runs these checks with a treatment given."
)


def _all(reason: str, *checks: str) -> dict[str, str]:
    return dict.fromkeys(checks, reason)


EXPECTED_FAILED_CHECKS: dict[str, dict[str, str]] = {
    "SegmentModel": {
        "check_sample_weight_equivalence_on_dense_data": (
            "k-means++ seeding draws rows at random, so repeating a row and giving it weight 2 "
            "changes the random draws and can end in another local optimum; scikit-learn's own "
            "KMeans is listed with the same expected failure."
        ),
    },
    "RFMScorer": _all(
        _RFM_WIDTH,
        "check_estimators_overwrite_params",
        "check_estimators_fit_returns_self",
        "check_readonly_memmap_input",
        "check_n_features_in_after_fitting",
        "check_positive_only_tag_during_fit",
        "check_estimators_dtypes",
        "check_dtype_object",
        "check_fit_idempotent",
        "check_fit_check_is_fitted",
        "check_n_features_in",
    ),
    "BetaGeoModel": {
        **_all(
            _BTYD_WIDTH,
            "check_estimators_overwrite_params",
            "check_estimators_fit_returns_self",
            "check_readonly_memmap_input",
            "check_estimators_dtypes",
            "check_dtype_object",
            "check_fit_idempotent",
            "check_fit_check_is_fitted",
            "check_n_features_in",
        ),
        **_all(
            _BTYD_DOMAIN,
            "check_fit_score_takes_y",
            "check_dont_overwrite_parameters",
            "check_n_features_in_after_fitting",
            "check_pipeline_consistency",
            "check_estimators_nan_inf",
            "check_estimators_pickle",
            "check_f_contiguous_array_estimator",
            "check_methods_sample_order_invariance",
            "check_methods_subset_invariance",
            "check_dict_unchanged",
            "check_fit2d_predict1d",
        ),
    },
    "GammaGammaModel": {
        **_all(
            _GG_WIDTH,
            "check_fit_score_takes_y",
            "check_estimators_overwrite_params",
            "check_dont_overwrite_parameters",
            "check_estimators_fit_returns_self",
            "check_readonly_memmap_input",
            "check_estimators_dtypes",
            "check_dtype_object",
            "check_pipeline_consistency",
            "check_estimators_nan_inf",
            "check_estimators_pickle",
            "check_f_contiguous_array_estimator",
            "check_methods_sample_order_invariance",
            "check_methods_subset_invariance",
            "check_dict_unchanged",
            "check_fit_idempotent",
            "check_fit_check_is_fitted",
            "check_n_features_in",
            "check_fit2d_predict1d",
        ),
        "check_n_features_in_after_fitting": _BTYD_DOMAIN,
    },
    "Lookalike": _all(
        _LOOK_SMALL,
        "check_estimators_overwrite_params",
        "check_dont_overwrite_parameters",
        "check_estimators_fit_returns_self",
        "check_readonly_memmap_input",
        "check_n_features_in_after_fitting",
        "check_f_contiguous_array_estimator",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_fit2d_1feature",
        "check_dict_unchanged",
        "check_fit2d_predict1d",
    ),
    "UpliftModel": _all(
        _UPLIFT_TREATMENT,
        "check_dict_unchanged",
        "check_dont_overwrite_parameters",
        "check_dtype_object",
        "check_estimators_dtypes",
        "check_estimators_fit_returns_self",
        "check_estimators_overwrite_params",
        "check_estimators_pickle",
        "check_f_contiguous_array_estimator",
        "check_fit2d_1feature",
        "check_fit2d_predict1d",
        "check_fit_check_is_fitted",
        "check_fit_idempotent",
        "check_fit_score_takes_y",
        "check_methods_sample_order_invariance",
        "check_methods_subset_invariance",
        "check_n_features_in",
        "check_n_features_in_after_fitting",
        "check_pipeline_consistency",
        "check_positive_only_tag_during_fit",
        "check_readonly_memmap_input",
    ),
}


EXPECTED_FAILED_CHECKS["ParetoNBDModel"] = EXPECTED_FAILED_CHECKS["BetaGeoModel"]  # the same btyd input


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED_CHECKS.get(type(estimator).__name__, {})


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    # the checks fit many tiny models: thread pools only add overhead on a small, loaded machine
    with threadpool_limits(1):
        yield


def _check_name(check) -> str:
    while hasattr(check, "__wrapped__"):
        check = check.__wrapped__
    return getattr(check, "func", check).__name__


# xfail_strict: a check listed above that starts passing fails the run, so the list stays honest.
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks, xfail_strict=True)
def test_sklearn_compatible_estimator(estimator, check):
    expected = _check_name(check) in _expected_failed_checks(estimator)
    try:
        with warnings.catch_warnings():
            # Lookalike warns (by design) for seeds under 1,000 members; the checks' seeds are tiny.
            warnings.simplefilter("ignore", SmallSeedWarning)
            check(estimator)
    except Exception as exc:
        if expected:
            # pytest parses the source of every frame to report an xfail (~0.3 s each in the
            # 5,000-line estimator_checks.py); the expected failure needs no traceback.
            raise exc.with_traceback(None) from None
        raise


# ----------------------------------------------------------------------------- the array paths


def test_rfm_scorer_array_gives_the_scores_of_the_table():
    table = pd.DataFrame({"days_since_last": [1, 10, 40, 90, 300, 7], "n_orders": [9, 4, 2, 1, 1, 3],
                          "total_spend": [900.0, 300.0, 80.0, 20.0, 15.0, 120.0], "tenure_days": [5] * 6})
    by_name = RFMScorer().fit_transform(table)
    by_position = RFMScorer().fit_transform(table[["days_since_last", "n_orders", "total_spend"]].to_numpy())
    np.testing.assert_array_equal(by_position, by_name.to_numpy())


def test_btyd_models_array_gives_the_fit_of_the_table():
    s = pd.DataFrame({"frequency": [1, 3, 2, 5, 0, 4, 0, 2], "recency": [5, 20, 9, 30, 0, 25, 0, 12],
                      "T": [30] * 8, "monetary_value": [20.0, 35.0, 12.0, 50.0, 0.0, 28.0, 0.0, 18.0]})
    for model in (BetaGeoModel(), GammaGammaModel()):
        by_name = clone(model).fit(s)
        by_position = clone(model).fit(s.to_numpy())
        np.testing.assert_allclose(by_position.params_, by_name.params_, rtol=1e-6)
        assert by_position.n_features_in_ == 4 and not hasattr(by_position, "feature_names_in_")
    alive = BetaGeoModel().fit(s).probability_alive(s.to_numpy())
    np.testing.assert_allclose(alive.to_numpy(), BetaGeoModel().fit(s).probability_alive(s).to_numpy())


def test_btyd_models_refuse_a_last_purchase_after_the_end():
    bad = np.array([[1.0, 5.0, 30.0], [2.0, 40.0, 30.0], [0.0, 0.0, 30.0]])
    with pytest.raises(ValueError, match="recency <= T"):
        BetaGeoModel().fit(bad)


def test_lookalike_binary_labels_larger_is_the_seed():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    seed = X[:, 0] + rng.normal(0, 0.5, 300) > 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSeedWarning)
        by_mask = Lookalike(method="pu", opt_out=None, min_seed=1, random_state=0).fit(X, seed)
        by_labels = Lookalike(method="pu", opt_out=None, min_seed=1, random_state=0).fit(X, np.where(seed, 7, 3))
    assert by_labels.n_seed_ == by_mask.n_seed_ == int(seed.sum())
    np.testing.assert_allclose(by_labels.decision_function(X), by_mask.decision_function(X))


def test_lookalike_refuses_multiclass_y():
    X = np.random.default_rng(0).normal(size=(60, 3))
    with pytest.raises(ValueError, match="3 classes"):
        Lookalike(method="pu", opt_out=None, min_seed=1).fit(X, np.arange(60) % 3)
