"""Tests of microseg.view.customer_view: one row per customer, nothing dropped, every source joined."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import DataQualityWarning, MicrosegError, ModelFitWarning, SchemaError


@pytest.fixture
def customers():
    return pd.DataFrame({
        "customer_id": ["a", "b", "c", "d"],
        "age": [30, 41, 25, 60],
        "email_opt_in": [True, True, False, True],
        "ads_opt_in": [True, False, True, True],
        "opted_out": [False, False, False, True],
        "last_updated": pd.to_datetime(["2024-01-10", "2023-12-31", "2024-01-20", "2023-01-20"]),
    }, index=[10, 11, 12, 13])


@pytest.fixture
def transactions():
    d = pd.DataFrame({
        "customer_id": ["a", "a", "b", "x"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-05", "2024-01-15"]),
        "amount": [10.0, 20.0, 5.0, 1.0],
    })
    return d


@pytest.fixture
def events():
    return pd.DataFrame({
        "customer_id": ["a", "a", "c", "c", None],
        "timestamp": pd.to_datetime(["2024-01-10", "2024-01-10 01:00", "2024-01-18", "2024-01-20", "2024-01-19"], format="ISO8601"),
        "event": ["visit", "add_to_cart", "visit", "email_open", "visit"],
    })


def test_view_keeps_every_customer_in_order_and_fills_non_buyers(customers, transactions):
    with pytest.warns(DataQualityWarning, match="not in customers: 1"):
        v = ms.customer_view(customers, transactions=transactions)
    assert v.index.tolist() == customers.index.tolist()
    assert v["customer_id"].tolist() == ["a", "b", "c", "d"]
    assert v["n_orders"].tolist() == [2, 1, 0, 0]
    assert v["total_spend"].tolist() == [30.0, 5.0, 0.0, 0.0]
    assert v.loc[10, "days_since_last"] == 4.0  # as_of = latest transaction, 2024-01-15
    assert np.isnan(v.loc[12, "days_since_last"]) and np.isnan(v.loc[12, "tenure_days"])
    assert v.attrs["as_of"] == pd.Timestamp("2024-01-15")


def test_view_adds_consent_and_freshness(customers, transactions):
    with pytest.warns(DataQualityWarning):
        v = ms.customer_view(customers, transactions=transactions, as_of="2024-01-20")
    assert v["contactable_email"].tolist() == [True, True, False, False]
    assert v["contactable_ads"].tolist() == [True, False, True, False]
    assert v["days_since_update"].tolist() == [10.0, 20.0, 0.0, 365.0]


def test_view_adds_furthest_step_and_last_activity(customers, transactions, events):
    with pytest.warns(DataQualityWarning):
        v = ms.customer_view(customers, transactions=transactions, events=events)
    assert v.attrs["as_of"] == pd.Timestamp("2024-01-20")  # latest of transactions and events
    assert v.loc[10, "furthest_step"] == "add_to_cart"
    assert v.loc[12, "furthest_step"] == "visit"
    assert pd.isna(v.loc[11, "furthest_step"])
    assert v.loc[12, "last_activity"] == pd.Timestamp("2024-01-20")  # an event, no purchase
    assert v.loc[11, "days_since_activity"] == 15.0
    assert pd.isna(v.loc[13, "last_activity"])


def test_clv_columns_are_nan_without_enough_repeat_buyers(customers, transactions):
    with pytest.warns(DataQualityWarning, match=r"buyers without CLV \(1 repeat buyers, fewer than"):
        v = ms.customer_view(customers, transactions=transactions)
    assert v["clv"].isna().all() and "probability_alive" in v
    assert v.attrs["microseg_rows"]["buyers without CLV (1 repeat buyers, fewer than min_repeat_buyers = 20)"] == 2


def test_clv_columns_are_counted_when_every_customer_bought_once(customers):
    tx = pd.DataFrame({"customer_id": list("abcd"), "timestamp": pd.to_datetime(["2024-01-01"] * 4),
                       "amount": 1.0})
    with pytest.warns(DataQualityWarning, match="buyers without CLV.*: 4"):
        v = ms.customer_view(customers, transactions=tx, min_repeat_buyers=0)
    assert v["clv"].isna().all()


def test_clv_columns_can_be_left_out(customers, transactions):
    with pytest.warns(DataQualityWarning, match="not in customers"):
        v = ms.customer_view(customers, transactions=transactions, clv_horizon=None)
    assert "clv" not in v and "buyers without CLV" not in str(v.attrs["microseg_rows"])


def test_clv_columns_are_filled_with_enough_repeat_buyers():
    rng = np.random.default_rng(0)
    ids = [f"c{i:03d}" for i in range(300)]
    n = 3_000
    tx = pd.DataFrame({
        "customer_id": rng.choice(ids, n),
        "timestamp": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), "D"),
        "amount": rng.gamma(2, 20, n),
    })
    cust = pd.DataFrame({"customer_id": ids + ["never"]})
    # random buyers: the BG/NBD fit runs to its Poisson limit, which is said, and its closed form is used
    with pytest.warns(ModelFitWarning, match="Poisson"):
        v = ms.customer_view(cust, transactions=tx)
    buyers = v["n_orders"] > 0
    assert v.loc[buyers, "clv"].notna().all() and (v.loc[buyers, "clv"] > 0).all()
    assert np.isnan(v["clv"].iloc[-1])
    assert v["clv"].corr(v["total_spend"], method="spearman") > 0.5


def test_survey_scores_are_joined(customers):
    survey = pd.DataFrame({"customer_id": ["c", "a"], "openness": [3.5, 4.0], "age": [26, 31]})
    v = ms.customer_view(customers, survey_scores=survey)
    assert v.loc[10, "openness"] == 4.0
    assert np.isnan(v.loc[11, "openness"]) and v.loc[12, "openness"] == 3.5
    assert v.loc[10, "age_survey"] == 31 and v.loc[10, "age"] == 30


def test_customer_table_must_have_one_row_per_customer(customers):
    with pytest.raises(SchemaError, match="must be unique"):
        ms.customer_view(pd.concat([customers, customers]))


def test_survey_with_repeated_ids_raises(customers):
    with pytest.raises(MicrosegError, match="repeated"):
        ms.customer_view(customers, survey_scores=pd.DataFrame({"customer_id": ["a", "a"], "x": [1, 2]}))


def test_view_does_not_modify_inputs(customers, transactions):
    before = customers.copy()
    with pytest.warns(DataQualityWarning):
        ms.customer_view(customers, transactions=transactions)
    pd.testing.assert_frame_equal(customers, before)


def test_ids_that_never_match_raise_with_the_dtypes(customers, transactions):
    tx = transactions.assign(customer_id=[1, 1, 2, 3])
    with pytest.raises(MicrosegError, match="no 'customer_id' of transactions matches"):
        ms.customer_view(customers, transactions=tx)


# ---------------------------------------------------------------- demo data end to end
@pytest.fixture(scope="module")
def demo():
    return ms.datasets.make_customers(n_customers=1_500, random_state=0)


def test_demo_view_has_one_row_per_customer_joined_with_every_source(demo):
    with pytest.warns(DataQualityWarning, match="anonymous events"):
        v = ms.customer_view(demo.customers, transactions=demo.transactions, events=demo.events)
    assert len(v) == len(demo.customers)
    assert v["customer_id"].tolist() == demo.customers["customer_id"].tolist()
    table = ms.rfm(demo.transactions)
    joined = v.set_index("customer_id").loc[table.index]
    np.testing.assert_array_equal(joined["n_orders"].to_numpy(), table["n_orders"].to_numpy())
    np.testing.assert_allclose(joined["total_spend"].to_numpy(), table["total_spend"].to_numpy())
    # enough repeat buyers on the demo data: CLV for every buyer
    assert v.loc[v["n_orders"] > 0, "clv"].notna().all()
    assert v["furthest_step"].notna().any()
    assert (v["days_since_activity"].dropna() >= 0).all()


def test_demo_funnel_narrows_and_drop_offs_partition_the_starters(demo):
    steps = ["view_product", "add_to_cart", "begin_checkout", "purchase"]
    with pytest.warns(DataQualityWarning, match="anonymous events"):
        f = ms.funnel(demo.events, steps, window="7D", by="device")
    n = f.steps["customers"].to_numpy()
    assert (np.diff(n) <= 0).all() and n[-1] > 0
    parts = [f.drop_off(s) for s in steps]
    assert sum(len(p) for p in parts) == n[0]
    assert len(set().union(*map(set, parts))) == n[0]
    assert f.by_group.groupby("group", observed=True)["customers"].first().sum() == n[0]
