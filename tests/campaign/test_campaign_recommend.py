"""Complementary products from co-purchase lift; never re-offer a bought product or family."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microseg.campaign import associations, recommend
from microseg.errors import DataQualityWarning, MicrosegError

WINTER = {"coat_std": "coat", "coat_premium": "coat", "gloves": "gloves", "hat": "hat", "scarf": "scarf", "tea": "tea", "mug": "mug"}


def _winter_orders():
    baskets = [
        ["coat_std", "gloves", "hat"], ["coat_premium", "gloves", "scarf"], ["coat_std", "scarf", "hat"],
        ["coat_premium", "hat"], ["coat_std", "coat_premium"], ["tea", "mug"], ["tea", "mug"], ["tea"],
    ]
    rows = [(f"o{i}", f"c{i}", p) for i, b in enumerate(baskets) for p in b]
    rows += [("o100", "buyer", "coat_std")]
    return pd.DataFrame(rows, columns=["order_id", "customer_id", "product_id"]).assign(amount=10.0)


def test_association_measures_match_hand_computation():
    tx = pd.DataFrame({"order_id": [1, 1, 2, 2, 3, 3, 4], "product_id": ["a", "b", "a", "b", "a", "c", "b"]})
    t = associations(tx, value=None, min_support=0.25).set_index(["antecedent", "consequent"])
    # N = 4 baskets; a in 3, b in 3, {a, b} in 2
    row = t.loc[("a", "b")]
    assert row["count"] == 2
    assert row["support"] == pytest.approx(2 / 4)
    assert row["confidence"] == pytest.approx(2 / 3)
    assert row["lift"] == pytest.approx((2 / 3) / (3 / 4))
    assert t.loc[("a", "c"), "lift"] == pytest.approx((1 / 3) / (1 / 4))
    assert ("b", "c") not in t.index
    assert t.attrs["n_baskets"] == 4


def test_min_support_drops_rare_pairs():
    tx = pd.DataFrame({"order_id": [1, 1, 2, 2, 3, 3, 4], "product_id": ["a", "b", "a", "b", "a", "c", "b"]})
    t = associations(tx, value=None, min_support=0.5)
    assert set(zip(t["antecedent"], t["consequent"])) == {("a", "b"), ("b", "a")}


def test_baskets_by_customer_day():
    tx = pd.DataFrame(
        {
            "customer_id": ["x", "x", "x", "y"],
            "timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-01 17:00", "2024-01-02 09:00", "2024-01-01 09:00"]),
            "order_id": ["o1", "o2", "o3", "o4"],
            "product_id": ["a", "b", "a", "b"],
        }
    )
    by_day = associations(tx, by="customer_day", value=None, min_support=0.01)
    by_order = associations(tx, by="order", value=None, min_support=0.01)
    assert by_day.attrs["n_baskets"] == 3 and len(by_day) == 2
    assert by_order.empty


def test_returns_are_not_purchases_and_are_reported():
    tx = _winter_orders()
    tx.loc[0, "amount"] = -10.0
    with pytest.warns(DataQualityWarning, match="not a purchase\\): 1"):
        associations(tx, min_support=0.1)


def test_coat_buyer_is_offered_gloves_hats_scarves_not_more_coats():
    r = recommend(_winter_orders(), ["buyer"], min_support=0.1, families=WINTER)
    assert set(r["product"]) == {"gloves", "hat", "scarf"}
    assert (r["because"] == "coat_std").all()
    assert r["rank"].tolist() == [1, 2, 3]
    assert r["score"].is_monotonic_decreasing
    without_families = recommend(_winter_orders(), ["buyer"], min_support=0.1)
    # without the family map, co-purchase alone does not offer the premium coat either (lift below 1) ...
    assert "coat_std" not in set(without_families["product"])


def test_family_column_of_transactions_is_honoured():
    tx = _winter_orders().assign(family=lambda d: d["product_id"].map(WINTER))
    r = recommend(tx, ["c4"], min_support=0.1, families="family", min_lift=0.0)
    assert not set(r["product"]) & {"coat_std", "coat_premium"}


def test_customers_without_history_are_reported():
    with pytest.warns(DataQualityWarning, match="without purchase history"):
        r = recommend(_winter_orders(), ["buyer", "stranger"], min_support=0.1)
    assert set(r["customer"]) == {"buyer"}


def test_bad_parameters_are_rejected():
    with pytest.raises(MicrosegError, match="by"):
        associations(_winter_orders(), by="week")
    with pytest.raises(MicrosegError, match="min_support"):
        recommend(_winter_orders(), min_support=0)


@settings(max_examples=40, deadline=None)
@given(
    lines=st.lists(st.tuples(st.integers(0, 15), st.integers(0, 5), st.integers(0, 9)), min_size=1, max_size=80),
    n=st.integers(1, 4),
    use_families=st.booleans(),
)
def test_recommendations_never_include_purchased_products_or_families(lines, n, use_families):
    tx = pd.DataFrame(lines, columns=["order", "customer", "product"])
    tx = tx.assign(order_id="o" + tx["order"].astype(str), customer_id="c" + tx["customer"].astype(str),
                   product_id="p" + tx["product"].astype(str), amount=1.0)
    fam = {f"p{i}": f"f{i // 3}" for i in range(10)} if use_families else None
    r = recommend(tx, n=n, min_support=0.01, min_lift=0.0, families=fam)
    bought = set(zip(tx["customer_id"], tx["product_id"]))
    assert not any((c, p) in bought for c, p in zip(r["customer"], r["product"]))
    if fam:
        fams = {(c, fam[p]) for c, p in bought}
        assert not any((c, fam[p]) in fams for c, p in zip(r["customer"], r["product"]))
    assert (r.groupby("customer")["rank"].max() <= n).all()
    assert not r.duplicated(["customer", "product"]).any()


def test_online_retail_complements(data_file):
    import microseg as ms

    tx = ms.datasets.load_online_retail(data_file("online_retail.csv.gz"), years="2010-2011")
    tx = tx[tx["is_product"]]
    with pytest.warns(DataQualityWarning, match="not a purchase"):
        pairs = associations(tx, min_support=0.01)
    assert pairs.attrs["n_baskets"] > 18_000
    assert (pairs["lift"] > 1).mean() > 0.95
    # the strongest pairs are variants of one product line (e.g. green / pink regency teacups)
    assert pairs["lift"].iloc[0] > 10
    some = tx["customer_id"].dropna().drop_duplicates().head(300)
    with pytest.warns(DataQualityWarning):
        r = recommend(tx, some, n=5, min_support=0.005)
    assert r["customer"].nunique() > 250
    bought = set(zip(tx["customer_id"], tx["product_id"]))
    assert not any((c, p) in bought for c, p in zip(r["customer"], r["product"]))
    assert (r["lift"] > 1).all()


def test_demo_recommendations_follow_planted_families():
    import microseg as ms

    try:
        data = ms.datasets.make_customers(n_customers=3000, random_state=0)
    except (ImportError, AttributeError):
        pytest.skip("make_customers is not available yet")
    tx = data.transactions
    with pytest.warns(DataQualityWarning):
        r = recommend(tx, n=3, min_support=0.001)
    cat = tx.drop_duplicates("product_id").set_index("product_id")["category"].astype(str)
    # families are bought together and live within one category: complements mostly share the category
    assert (r["product"].map(cat) == r["because"].map(cat)).mean() > 0.7
    bought = set(zip(tx.loc[tx["amount"] > 0, "customer_id"], tx.loc[tx["amount"] > 0, "product_id"]))
    assert not any((c, p) in bought for c, p in zip(r["customer"], r["product"]))
    with pytest.warns(DataQualityWarning):
        by_cat = recommend(tx, data.customers["customer_id"].head(200), n=3, min_support=0.001, families="category")
    bought_cat = {(c, cat[p]) for c, p in bought}
    assert not any((c, cat[p]) in bought_cat for c, p in zip(by_cat["customer"], by_cat["product"]))
