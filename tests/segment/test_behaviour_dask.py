"""Dask input for funnel, purchase_timing, due_for_followup, drift and cohorts(by=): the pandas answers."""

from __future__ import annotations

import warnings
from contextlib import nullcontext

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import DataQualityWarning, MicrosegError

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

STEPS = ["view_product", "add_to_cart", "begin_checkout", "purchase"]


@pytest.fixture(scope="module")
def demo():
    return ms.datasets.make_customers(n_customers=2000, random_state=0)


@pytest.fixture(scope="module")
def channel(demo):
    return demo.customers.set_index("customer_id")["acquisition_channel"]


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return fn(*args, **kw)


def _same_funnel(expected, got):
    pd.testing.assert_frame_equal(expected.steps, got.steps)
    # Dask stores text as pyarrow "string" where pandas uses "str": same ids, other dtype
    pd.testing.assert_frame_equal(expected.customers, got.customers, check_index_type=False)
    assert got.customers.index.tolist() == expected.customers.index.tolist()
    if expected.by_group is None:
        assert got.by_group is None
    else:
        pd.testing.assert_frame_equal(expected.by_group, got.by_group)
    assert got.rows == expected.rows


# --------------------------------------------------------------------------- funnel
@pytest.mark.parametrize(
    "kw",
    [{}, {"order": "any", "window": None}, {"by": "device"}, {"by": "channel", "as_of": "2024-03-01", "window": "2D"}],
    ids=["strict-7d", "any-order-no-window", "by-event-column", "by-customer-series-as-of"],
)
def test_funnel_on_dask_equals_funnel_on_pandas_for_demo_events(client, demo, channel, kw):
    kw = {**kw, "by": channel} if kw.get("by") == "channel" else kw
    expected = _quiet(ms.funnel, demo.events, STEPS, **kw)
    got = _quiet(ms.funnel, dd.from_pandas(demo.events, npartitions=4), STEPS, **kw)
    _same_funnel(expected, got)
    assert expected.steps["customers"].iloc[-1] > 0


def _messy_events() -> pd.DataFrame:
    ts = pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-02", "2024-01-01", "2024-01-05", None,
                         "2024-01-03", "2024-01-03", "2024-01-04", "2024-03-01", "2024-01-02"])  # fmt: skip
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b", "b", None, "c", "c", "c", "d"],
        "timestamp": ts,
        "event": ["view", "view", "cart", "view", "cart", "view", "view", "view", "cart", "buy", "other"],
        # a's two first views at the same time disagree on the device: the first row wins
        "device": ["app", "web", "app", "web", "web", "app", "app", "app", "app", "app", "web"],
    })  # fmt: skip


def test_funnel_on_dask_reports_the_same_left_out_rows_and_breaks_ties_by_row_order(client):
    ev = _messy_events()
    with pytest.warns(DataQualityWarning) as expected_w:
        expected = ms.funnel(ev, ["view", "cart", "buy"], by="device", as_of="2024-02-01")
    with pytest.warns(DataQualityWarning) as got_w:
        got = ms.funnel(dd.from_pandas(ev, npartitions=3), ["view", "cart", "buy"], by="device", as_of="2024-02-01")
    _same_funnel(expected, got)
    assert expected.rows == {"missing timestamp": 1, "after as_of": 1, "anonymous events (no customer id)": 1}
    assert [str(w.message) for w in got_w] == [str(w.message) for w in expected_w]
    assert expected.by_group.set_index(["group", "step"]).loc[("app", "view"), "customers"] == 2  # a and c


def test_funnel_on_dask_raises_the_pandas_errors(client):
    ddf = dd.from_pandas(_messy_events(), npartitions=2)
    with pytest.raises(MicrosegError, match=r"steps \['checkout'\] never occur"):
        ms.funnel(ddf, ["view", "checkout"])
    with pytest.raises(MicrosegError, match="order must be"):
        ms.funnel(ddf, ["view", "cart"], order="sometimes")
    with pytest.raises(MicrosegError, match="before the first row of events"):
        ms.funnel(ddf, ["view", "cart"], as_of="1990-01-01")


# --------------------------------------------------------------------------- purchase timing
@pytest.mark.parametrize("kw", [{}, {"as_of": "2024-03-01"}, {"value": None}], ids=["default", "as-of", "no-value"])
def test_purchase_timing_on_dask_equals_pandas_for_demo_data(client, demo, kw):
    tx = demo.transactions
    with pytest.warns(DataQualityWarning, match="after as_of") if "as_of" in kw else nullcontext():
        expected = ms.purchase_timing(tx, **kw)
    with pytest.warns(DataQualityWarning, match="after as_of") if "as_of" in kw else nullcontext():
        got = ms.purchase_timing(dd.from_pandas(tx, npartitions=4), **kw)
    pd.testing.assert_frame_equal(expected, got, check_index_type=False, rtol=1e-12)
    assert got.index.tolist() == expected.index.tolist()
    assert got.attrs["as_of"] == expected.attrs["as_of"]
    assert got.attrs["microseg_rows"] == expected.attrs["microseg_rows"]


def test_purchase_timing_on_dask_drops_the_same_rows_and_customers_as_pandas(client):
    tx = pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", None, "c", "d", "d", "a"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-09", "2024-01-03", "2024-01-04",
                                     None, "2024-01-05", "2024-01-06", "2024-01-20"]),
        "amount": [5.0, 6.0, 7.0, np.nan, 3.0, 2.0, -1.0, -4.0, 1.0],  # d only returns
    })  # fmt: skip
    with pytest.warns(DataQualityWarning) as expected_w:
        expected = ms.purchase_timing(tx)
    with pytest.warns(DataQualityWarning) as got_w:
        got = ms.purchase_timing(dd.from_pandas(tx, npartitions=3))
    pd.testing.assert_frame_equal(expected, got, check_index_type=False)
    assert list(got.index) == ["a"] and got.loc["a", "n_purchases"] == 3
    assert [str(w.message) for w in got_w] == [str(w.message) for w in expected_w]


def test_purchase_timing_on_dask_without_purchases_gets_the_pandas_error(client):
    tx = pd.DataFrame({"customer_id": ["a", "b"], "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "amount": [-1.0, -2.0]})  # fmt: skip
    with pytest.raises(MicrosegError, match="no purchase"):
        ms.purchase_timing(dd.from_pandas(tx, npartitions=2))


@pytest.mark.parametrize("kw", [{"window": "30D"}, {"window": "14D", "include_overdue": True, "min_purchases": 3}])
def test_due_for_followup_on_dask_lists_the_pandas_customers(client, demo, kw):
    expected = ms.due_for_followup(demo.transactions, **kw)
    got = ms.due_for_followup(dd.from_pandas(demo.transactions, npartitions=4), **kw)
    pd.testing.assert_frame_equal(expected, got, check_index_type=False, rtol=1e-12)
    assert got.index.tolist() == expected.index.tolist() and len(got) > 0


# --------------------------------------------------------------------------- drift
@pytest.fixture(scope="module")
def snapshots(demo):
    c = demo.customers[["customer_id", "age", "income", "gender", "acquisition_channel", "email_opt_in"]]
    rng = np.random.default_rng(0)
    after = c.assign(income=c["income"] * rng.normal(1.25, 0.05, len(c)), email_opt_in=rng.random(len(c)) < 0.6)
    return c, after


@pytest.mark.parametrize("kw", [{}, {"segments": "gender", "paired": False}, {"columns": ["income", "email_opt_in"]}],
                         ids=["paired-population", "two-sample-by-segment", "chosen-columns"])  # fmt: skip
def test_drift_on_dask_equals_drift_on_pandas(client, snapshots, kw):
    before, after = snapshots
    expected = _quiet(ms.drift, before, after, **kw)
    got = _quiet(ms.drift, dd.from_pandas(before, npartitions=3), dd.from_pandas(after, npartitions=2), **kw)
    pd.testing.assert_frame_equal(expected.table, got.table, rtol=1e-12)
    pd.testing.assert_frame_equal(expected.segments, got.segments)
    assert got.paired == expected.paired and got.notes == expected.notes
    assert expected.table["significant"].fillna(False).any()  # the income shift is found


# --------------------------------------------------------------------------- cohorts by group
@pytest.mark.parametrize("by", ["channel", "acquisition"])
def test_cohorts_by_group_on_dask_equal_pandas(client, demo, channel, by):
    by = channel if by == "acquisition" else by
    expected = ms.cohorts(demo.transactions, by=by, min_cell=40)
    got = ms.cohorts(dd.from_pandas(demo.transactions, npartitions=4), by=by, min_cell=40)
    pd.testing.assert_frame_equal(expected, got, rtol=1e-12)
    pd.testing.assert_series_equal(expected.attrs["cohort_size"], got.attrs["cohort_size"])
    assert got.attrs["pooled_groups"] == expected.attrs["pooled_groups"]
    assert expected.index.nlevels == 2


def test_cohorts_by_group_on_dask_pools_small_groups_like_pandas(client, demo, channel):
    expected = ms.cohorts(demo.transactions, by=channel, min_cell=300, metric="customers")
    got = ms.cohorts(dd.from_pandas(demo.transactions, npartitions=3), by=channel, min_cell=300, metric="customers")
    pd.testing.assert_frame_equal(expected, got)
    assert expected.attrs["pooled_groups"] and "(other levels)" in expected.index.get_level_values(0)


def test_groups_given_as_a_dask_series_give_the_pandas_breakdowns(client, demo, channel):
    groups = dd.from_pandas(channel, npartitions=2)
    ddf_tx = dd.from_pandas(demo.transactions, npartitions=3)
    pd.testing.assert_frame_equal(ms.cohorts(demo.transactions, by=channel), ms.cohorts(ddf_tx, by=groups))
    expected = _quiet(ms.funnel, demo.events, STEPS, by=channel)
    got = _quiet(ms.funnel, dd.from_pandas(demo.events, npartitions=3), STEPS, by=groups)
    _same_funnel(expected, got)
