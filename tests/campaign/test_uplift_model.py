"""Tests for microseg.campaign._uplift_model: UpliftModel (T-learner, X-learner, class transformation)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import microseg as ms
from microseg.campaign import UpliftModel
from microseg.errors import MicrosegError, SensitiveAttributeError


def _planted(n=8_000, treated_share=0.5, seed=0):
    """Mixed table; the contact adds 15 points for the young app users, nothing for the rest."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "age": rng.integers(18, 80, n).astype(float),
        "channel": pd.Categorical(rng.choice(["app", "web", "store"], n)),
        "newsletter": rng.random(n) < 0.4,
        "income": np.where(rng.random(n) < 0.1, np.nan, rng.normal(40_000, 10_000, n)),
    })
    X.loc[rng.random(n) < 0.05, "channel"] = np.nan
    t = rng.random(n) < treated_share
    target = ((X["age"] < 35) & (X["channel"] == "app")).to_numpy()
    tau = np.where(target, 0.15, 0.0)
    y = rng.random(n) < 0.10 + 0.05 * X["newsletter"].to_numpy() + tau * t
    return X, y, t, tau, target


@pytest.mark.parametrize("method", ["t_learner", "x_learner", "class_transformation"])
def test_each_method_finds_the_planted_uplift_on_a_mixed_table(method):
    X, y, t, tau, target = _planted()
    pred = UpliftModel(method=method, random_state=0).fit(X, y, t).predict(X)
    assert pred.shape == (len(X),)
    assert pred[target].mean() - pred[~target].mean() > 0.06
    assert abs(pred[~target].mean()) < 0.03
    assert stats.spearmanr(pred, tau)[0] > 0.3


def test_without_information_the_t_learner_is_the_difference_of_means():
    # one constant column: each arm's model can only learn its mean, so the uplift is the hand-computed difference
    rng = np.random.default_rng(1)
    t = rng.random(3_000) < 0.3
    y = rng.random(3_000) < np.where(t, 0.2, 0.12)
    X = pd.DataFrame({"c": np.ones(3_000)})
    # no early stopping: every row is used, and a constant column allows no split, so each model predicts its arm's rate
    base = HistGradientBoostingClassifier(early_stopping=False, max_iter=5)
    pred = UpliftModel(base_estimator=base).fit(X, y, t).predict(X)
    np.testing.assert_allclose(pred, y[t].mean() - y[~t].mean(), atol=1e-9)


def test_class_transformation_reweights_unequal_arms_to_the_difference_of_means():
    # 2 P(z = 1) - 1 is the uplift only when both arms weigh the same: with 20 % treated, the rows are reweighted
    rng = np.random.default_rng(2)
    t = rng.random(5_000) < 0.2
    y = rng.random(5_000) < np.where(t, 0.30, 0.10)
    X = pd.DataFrame({"c": np.ones(5_000)})
    base = HistGradientBoostingClassifier(early_stopping=False, max_iter=5)
    model = UpliftModel(method="class_transformation", base_estimator=base).fit(X, y, t)
    np.testing.assert_allclose(model.predict(X), y[t].mean() - y[~t].mean(), atol=1e-9)
    assert any("reweighted" in note for note in model.notes_)
    z = np.where(t, y, 1 - y)  # unweighted, the transformed class says something else entirely
    assert abs((2 * z.mean() - 1) - (y[t].mean() - y[~t].mean())) > 0.2


def test_class_transformation_with_equal_arms_does_not_reweight():
    X, y, t, _, _ = _planted(n=2_000)
    t = np.arange(len(X)) % 2 == 0
    model = UpliftModel(method="class_transformation", base_estimator=KNeighborsClassifier(50)).fit(X, y, t)
    assert not any("reweighted" in note for note in model.notes_)  # KNeighbors takes no sample_weight: not needed here


def test_class_transformation_refuses_an_estimator_without_weights_when_arms_differ():
    X, y, t, _, _ = _planted(n=2_000, treated_share=0.8)
    with pytest.raises(MicrosegError, match="sample_weight"):
        UpliftModel(method="class_transformation", base_estimator=KNeighborsClassifier()).fit(X, y, t)


def test_continuous_outcome_uses_regressors():
    rng = np.random.default_rng(3)
    X = pd.DataFrame({"x": rng.normal(size=6_000)})
    t = rng.random(6_000) < 0.5
    spend = 10 + 2 * X["x"].to_numpy() + np.where(t & (X["x"].to_numpy() > 0), 5.0, 0.0) + rng.normal(0, 1, 6_000)
    for method in ("t_learner", "x_learner"):
        model = UpliftModel(method=method, random_state=0).fit(X, spend, t)
        assert model.outcome_ == "continuous"
        pred = model.predict(X)
        pos = X["x"].to_numpy() > 0.3
        neg = X["x"].to_numpy() < -0.3
        assert abs(pred[pos].mean() - 5) < 0.7 and abs(pred[neg].mean()) < 0.7


def test_a_classifier_base_for_a_continuous_outcome_is_refused():
    X = pd.DataFrame({"x": np.arange(100.0)})
    with pytest.raises(MicrosegError, match="regressor"):
        UpliftModel(base_estimator=LogisticRegression()).fit(X, np.arange(100.0), np.arange(100) % 2)


def test_class_transformation_needs_a_binary_outcome():
    X = pd.DataFrame({"x": np.arange(100.0)})
    with pytest.raises(MicrosegError, match="0/1 outcome"):
        UpliftModel(method="class_transformation").fit(X, np.arange(100.0), np.arange(100) % 2)


def test_x_learner_with_a_classifier_base_uses_the_default_regressor_for_effects():
    X, y, t, _, target = _planted(n=4_000)
    base = make_pipeline(StandardScaler(), LogisticRegression())
    model = UpliftModel(method="x_learner", base_estimator=base, random_state=0).fit(X, y, t)
    assert type(model.estimators_["control"]).__name__ == "Pipeline"
    assert type(model.estimators_["effect_control"]).__name__ == "HistGradientBoostingRegressor"


def test_a_regressor_base_reads_a_binary_outcome_as_a_probability():
    X, y, t, _, target = _planted(n=4_000)
    pred = UpliftModel(base_estimator=LinearRegression()).fit(X, y, t).predict(X)
    assert pred[target].mean() > pred[~target].mean()


def test_treatment_is_required_and_named_in_the_error():
    X, y, _, _, _ = _planted(n=200)
    with pytest.raises(MicrosegError, match="treatment"):
        UpliftModel().fit(X, y)


@pytest.mark.parametrize("bad, match", [(np.ones(200), "both arms"), (np.array(["a", "b"] * 100), "True/False"),
                                        (np.r_[np.ones(150), np.full(50, np.nan)], "missing")])  # fmt: skip
def test_bad_treatment_values_are_refused(bad, match):
    X, y, _, _, _ = _planted(n=200)
    with pytest.raises(MicrosegError, match=match):
        UpliftModel().fit(X, y, bad)


def test_outcome_with_missing_values_is_refused():
    X, y, t, _, _ = _planted(n=200)
    y = y.astype(float)
    y[3] = np.nan
    with pytest.raises(MicrosegError, match="y has 1 missing"):
        UpliftModel().fit(X, y, t)


def test_treatment_column_of_x_is_not_a_feature():
    X, y, t, _, _ = _planted(n=1_000)
    model = UpliftModel(random_state=0).fit(X.assign(arm=t), y, "arm")
    assert "arm" not in model.features_
    assert model.predict(X.assign(arm=t)).shape == (1_000,)


def test_identifier_columns_are_set_aside():
    X, y, t, _, _ = _planted(n=1_000)
    X = X.assign(customer_id=[f"C{i:05d}" for i in range(1_000)])
    model = UpliftModel(random_state=0).fit(X, y, t)
    assert "customer_id" not in model.features_
    assert any("customer_id" in note for note in model.notes_)


def test_sensitive_columns_are_refused_unless_allowed_with_a_reason():
    X, y, t, _, _ = _planted(n=1_000)
    X = X.assign(religion=np.where(np.arange(1_000) % 2 == 0, "Christian", "Muslim"))
    with pytest.raises(SensitiveAttributeError, match="religion"):
        UpliftModel().fit(X, y, t)
    model = UpliftModel(allow_sensitive={"religion": "audited fairness study"}, random_state=0).fit(X, y, t)
    assert model.sensitive_allowed_ == {"religion": "audited fairness study"}


def test_predict_needs_the_fitted_columns():
    X, y, t, _, _ = _planted(n=1_000)
    model = UpliftModel(random_state=0).fit(X, y, t)
    with pytest.raises(MicrosegError, match="income"):
        model.predict(X.drop(columns="income"))


def test_fit_does_not_modify_the_callers_frame():
    X, y, t, _, _ = _planted(n=1_000)
    before = X.copy()
    UpliftModel(random_state=0).fit(X, y, t).predict(X)
    pd.testing.assert_frame_equal(X, before)


def test_same_random_state_gives_the_same_uplift():
    X, y, t, _, _ = _planted(n=3_000)
    a = UpliftModel(method="x_learner", random_state=3).fit(X, y, t).predict(X)
    b = UpliftModel(method="x_learner", random_state=3).fit(X, y, t).predict(X)
    np.testing.assert_array_equal(a, b)


def test_unknown_method_is_refused():
    X, y, t, _, _ = _planted(n=200)
    with pytest.raises(MicrosegError, match="method must be one of"):
        UpliftModel(method="s_learner").fit(X, y, t)


# ----------------------------------------------------------------------------- demo data: the planted uplift
def planted_contact_effect(data) -> tuple[np.ndarray, np.ndarray]:
    """The effect of each demo contact, as microseg.datasets._gen_contacts plants it.

    A contact converts with ``p0 = 0.3 * propensity`` on its own; treated,
    it is opened with ``p_open`` (the channel's open rate times the
    persona's) and an opened contact converts with ``incr = p0 * uplift[persona]
    / p_open`` more, so the effect is ``(1 - p0) * p_open * incr``.
    """
    from microseg.datasets._gen_contacts import _OPEN_RATE
    from microseg.datasets._gen_personas import _B2C

    c = data.contacts
    truth = data.truth.customers.set_index("customer_id").loc[c["customer_id"]]
    code = truth["persona"].astype(str).map({p: i for i, p in enumerate(_B2C["personas"])}).to_numpy()
    p0 = 0.3 * truth["propensity"].to_numpy()
    p_open = np.clip(c["channel"].astype(str).map(_OPEN_RATE).to_numpy(float) * np.asarray(_B2C["open_p"])[code], 0, 0.95)
    incr = np.clip(p0 * np.asarray(_B2C["uplift"])[code] / p_open, 0, 0.95)
    return (1 - p0) * p_open * incr, truth["persona"].astype(str).to_numpy()


DEMO_FEATURES = ["age", "gender", "income", "education", "occupation", "marital_status", "household_size", "children",
                 "urban_rural", "employment_status", "travel_lover", "gamer", "pet_owner", "tv_series_fan", "sports_fan",
                 "foodie", "fitness_fan", "preferred_channel"]  # fmt: skip


def demo_uplift_table(data) -> pd.DataFrame:
    """One row per demo contact: who the customer is and how they buy (spend share per category, orders, order value)."""
    tx = data.transactions
    share = tx.pivot_table(index="customer_id", columns="category", values="amount", aggfunc="sum", observed=True, fill_value=0)
    share = share.div(share.sum(axis=1), axis=0).add_prefix("share_")
    share = share.drop(columns=[c for c in share.columns if "health" in c])  # health purchases are sensitive data
    orders = tx.groupby("customer_id")["order_id"].nunique().rename("orders")
    value = (tx.groupby("customer_id")["amount"].sum() / orders).rename("order_value")
    view = data.customers.set_index("customer_id")[DEMO_FEATURES].join(share).join(orders).join(value)
    X = view.loc[data.contacts["customer_id"]].reset_index(drop=True)
    X["channel"] = data.contacts["channel"].to_numpy()
    return X


@pytest.mark.slow
def test_demo_planted_uplift_is_recovered():
    data = ms.datasets.make_customers(n_customers=60_000, random_state=0)
    c = data.contacts
    X = demo_uplift_table(data)
    y, t = c["converted"].to_numpy(), (c["group"] == "treatment").to_numpy()
    tau, persona = planted_contact_effect(data)
    # held out by customer: no customer's contacts on both sides
    ids = c["customer_id"].drop_duplicates()
    test = c["customer_id"].isin(ids.sample(frac=0.5, random_state=0)).to_numpy()
    pred = UpliftModel(random_state=0).fit(X[~test], y[~test], t[~test]).predict(X[test])
    rho = stats.spearmanr(pred, tau[test])[0]
    assert rho > 0.3, rho  # measured 0.41 (0.38 with random_state=1 for the data)
    by_persona = pd.DataFrame({"pred": pred, "tau": tau[test], "persona": persona[test]}).groupby("persona").mean()
    assert by_persona["pred"].idxmax() == "bargain_hunters"  # the e-mail triples their conversion
    assert by_persona.loc["affluent_travellers", "pred"] < by_persona.loc["bargain_hunters", "pred"] / 2  # planted: none


def test_outcome_and_treatment_series_are_aligned_on_the_index():
    X, y, t, _, _ = _planted(n=3_000)
    X.index = X.index + 1_000
    order = np.random.default_rng(0).permutation(X.index)
    y_s = pd.Series(y, index=X.index).loc[order]  # same labels, another order
    t_s = pd.Series(t, index=X.index).loc[order]
    a = UpliftModel(random_state=0).fit(X, y_s, t_s).predict(X)
    b = UpliftModel(random_state=0).fit(X, y, t).predict(X)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(MicrosegError, match="index does not match"):
        UpliftModel().fit(X, y, pd.Series(t))  # labels 0..n-1 are not X's
