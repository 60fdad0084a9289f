"""ms.rfm's fast paths (no-null shortcut, first/last period from the sorted keys, distinct orders by sort + diff,
categorical ids) against a slow reference written with pandas groupby, on random small logs (hypothesis)."""

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import microseg as ms
from microseg.errors import DataQualityWarning

ROW = st.tuples(
    st.one_of(st.none(), st.sampled_from(["a", "b", "c", "d"])),
    st.one_of(st.none(), st.integers(0, 30)),
    st.integers(0, 23),
    st.one_of(st.just(np.nan), st.sampled_from([-5.0, 0.0, 2.5, 10.0, 99.75])),
    st.integers(0, 4),
)


def slow_rfm(tx: pd.DataFrame, as_of: pd.Timestamp | None) -> tuple[pd.DataFrame, dict]:
    """The documented rules with pandas: rows without id/time/amount and after as_of dropped, then per customer."""
    counts = {}
    miss_c = tx["customer_id"].isna()
    counts["missing customer id"] = int(miss_c.sum())
    miss_t = tx["timestamp"].isna() & ~miss_c
    counts["missing timestamp"] = int(miss_t.sum())
    miss_a = tx["amount"].isna() & ~miss_c & ~miss_t
    counts["missing amount"] = int(miss_a.sum())
    tx = tx[~(miss_c | miss_t | miss_a)]
    if as_of is None:
        as_of = tx["timestamp"].max()
    after = tx["timestamp"] > as_of
    counts["after as_of"] = int(after.sum())
    tx = tx[~after].assign(day=lambda d: d["timestamp"].dt.normalize())
    buyers = set(tx.loc[tx["amount"] >= 0, "customer_id"])
    counts["returns of customers without a purchase"] = int((~tx["customer_id"].isin(buyers)).sum())
    rows = {}
    as_of_day = as_of.normalize()
    for cid, g in tx[tx["customer_id"].isin(buyers)].groupby("customer_id", observed=True):
        buys = g[g["amount"] >= 0]
        days = sorted(buys["day"].unique())
        rows[cid] = {
            "days_since_last": (as_of_day - days[-1]).days,
            "n_orders": buys["order"].nunique(),
            "n_periods": len(days),
            "total_spend": g["amount"].sum(),
            "tenure_days": (as_of_day - days[0]).days,
            "recency": float((days[-1] - days[0]).days),
        }
    return pd.DataFrame.from_dict(rows, orient="index").sort_index(), counts


@settings(max_examples=60, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=50), st.booleans(), st.one_of(st.none(), st.integers(5, 35)))
def test_rfm_equals_the_groupby_reference_with_missing_values_as_of_and_orders(rows, categorical, as_of_day):
    tx = pd.DataFrame(rows, columns=["customer_id", "day", "hour", "amount", "order"])
    tx["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(tx["day"] * 24 + tx["hour"], "h")
    tx["customer_id"] = tx["customer_id"].astype("category" if categorical else "str")
    tx = tx[["customer_id", "timestamp", "amount", "order"]]
    as_of = None if as_of_day is None else pd.Timestamp("2024-01-01") + pd.Timedelta(days=as_of_day)
    usable = tx.dropna(subset=["customer_id", "timestamp", "amount"])
    if as_of is not None and (usable.empty or as_of < usable["timestamp"].min()):
        return
    if not ((usable["amount"] >= 0) & (usable["timestamp"] <= (as_of or usable["timestamp"].max()))).any():
        return
    expected, counts = slow_rfm(tx, as_of)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        analyst = ms.rfm(tx, as_of=as_of)
        orders = ms.rfm(tx, as_of=as_of, order="order")
        btyd = ms.rfm(tx, as_of=as_of, convention="btyd")
    assert [str(i) for i in analyst.index] == [str(i) for i in expected.index]
    assert analyst.attrs["microseg_rows"] == counts
    for col in ["days_since_last", "tenure_days"]:
        assert analyst[col].tolist() == expected[col].tolist(), col
    assert analyst["n_orders"].tolist() == expected["n_periods"].tolist()
    assert orders["n_orders"].tolist() == expected["n_orders"].tolist()
    np.testing.assert_allclose(analyst["total_spend"].to_numpy(), expected["total_spend"].to_numpy(), rtol=1e-12)
    assert btyd["recency"].tolist() == expected["recency"].tolist()
