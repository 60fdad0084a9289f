"""Property tests: the fast paths of cohorts, funnel and purchase_timing against slow references on small inputs.

Each reference is written the plain way (a pandas groupby, or a loop over
customers), so it shares no code with the vectorised implementation.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microseg as ms
from microseg.errors import DataQualityWarning
from microseg.segment._keys import distinct_keys

IDS = ["a", "b", "c", "d", "e", None]
START = pd.Timestamp("2024-01-01")


@given(st.lists(st.integers(0, 10**12), max_size=60), st.booleans())
def test_distinct_keys_equal_np_unique(values, small):
    keys = np.array([v % 97 for v in values] if small else values, dtype=np.int64)
    np.testing.assert_array_equal(distinct_keys(keys), np.unique(keys))


@st.composite
def logs(draw, amounts=True, events=None, hours=24 * 200, step=1):
    n = draw(st.integers(1, 40))
    rows = {
        "customer_id": draw(st.lists(st.sampled_from(IDS), min_size=n, max_size=n)),
        "timestamp": [START + pd.Timedelta(hours=h) if h is not None else pd.NaT
                      for h in draw(st.lists(st.one_of(st.integers(0, hours // step).map(lambda x: x * step), st.none()),
                                               min_size=n, max_size=n))],
    }  # fmt: skip
    if amounts:
        rows["amount"] = draw(st.lists(st.sampled_from([5.0, 1.0, 20.0, -3.0, np.nan]), min_size=n, max_size=n))
    if events:
        rows["event"] = draw(st.lists(st.sampled_from(events), min_size=n, max_size=n))
    df = pd.DataFrame(rows)
    return df.astype({"customer_id": "str", "timestamp": "datetime64[ns]"})


def _quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return fn(*args, **kw)


def _usable(tx, value=True):
    cols = ["customer_id", "timestamp"] + (["amount"] if value else [])
    return tx.dropna(subset=cols)


# --------------------------------------------------------------------------- cohorts
_FREQ = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q-DEC"}


def _ref_cohorts(tx, period, metric, as_of):
    d = _usable(tx)
    d = d[d["timestamp"] <= as_of].copy()
    d["p"] = d["timestamp"].dt.to_period(_FREQ[period]).array.asi8
    last = pd.Timestamp(as_of).to_period(_FREQ[period]).ordinal
    first = d[d["amount"] >= 0].groupby("customer_id")["p"].min()
    d = d[d["customer_id"].isin(first.index)]
    d["first"] = d["customer_id"].map(first)
    d = d[d["p"] >= d["first"]]
    d["k"] = d["p"] - d["first"]
    if metric == "revenue":
        cells = d.groupby(["first", "k"])["amount"].sum()
    else:
        cells = d[d["amount"] >= 0].groupby(["first", "k"])["customer_id"].nunique().astype(float)
    size = first.value_counts()
    c_min = int(first.min())
    out = {}
    for c in sorted(size.index):
        row = [cells.get((c, k), 0.0) if k <= last - c else np.nan for k in range(last - c_min + 1)]
        out[c] = np.array(row, dtype=float) / (size[c] if metric == "retention" else 1)
    mat = pd.DataFrame(out).T
    return mat.loc[:, mat.notna().any()], size.sort_index()


@settings(max_examples=60, deadline=None)
@given(logs(), st.sampled_from(["D", "W", "M", "Q"]), st.sampled_from(["retention", "customers", "revenue"]))
def test_cohorts_equal_a_groupby_reference(tx, period, metric):
    d = _usable(tx)
    if not (d["amount"] >= 0).any():
        return
    as_of = d["timestamp"].max()
    got = _quiet(ms.cohorts, tx, period=period, metric=metric)
    ref, size = _ref_cohorts(tx, period, metric, as_of)
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-12)
    assert got.attrs["cohort_size"].tolist() == size.tolist()
    assert [p.ordinal for p in got.index] == list(ref.index)


@settings(max_examples=40, deadline=None)
@given(logs(), st.sampled_from(["M", "W"]), st.sampled_from(["retention", "revenue"]))
def test_cohorts_by_group_equal_the_cohorts_of_each_group_alone(tx, period, metric):
    d = _usable(tx)
    if not (d["amount"] >= 0).any():
        return
    as_of = d["timestamp"].max()
    group = pd.Series({"a": "x", "b": "y", "c": "x", "d": "z", "e": "y"}, name="g")
    got = _quiet(ms.cohorts, tx, period=period, metric=metric, by=group, min_cell=1)
    for g in dict.fromkeys(got.index.get_level_values(0)):
        members = group.index[group == g]
        ref, size = _ref_cohorts(tx[tx["customer_id"].isin(members)], period, metric, as_of)
        mine = got.xs(g, level=0)
        np.testing.assert_allclose(mine.iloc[:, : ref.shape[1]].to_numpy(), ref.to_numpy(), rtol=1e-12)
        assert mine.iloc[:, ref.shape[1]:].isna().all().all()
        assert got.attrs["cohort_size"].xs(g, level=0).tolist() == size.tolist()


# --------------------------------------------------------------------------- funnel
STEPS = ["view", "cart", "buy"]


def _ref_funnel(ev, order, window, as_of):
    d = _usable(ev, value=False)
    d = d[d["timestamp"] <= as_of]
    out = {}
    for cust, g in d.groupby("customer_id"):
        times = {s: sorted(g.loc[g["event"] == s, "timestamp"]) for s in STEPS}
        if not times["view"]:
            continue
        start = times["view"][0]
        end = start + window if window is not None else pd.Timestamp.max
        reached, prev, last_t = 1, start, start
        for s in STEPS[1:]:
            lower = prev if order == "strict" else start
            ok = [t for t in times[s] if lower <= t <= end]
            if not ok:
                break
            reached += 1
            prev = ok[0]
            last_t = ok[0] if order == "strict" else max(last_t, ok[0])
        out[cust] = (start, reached, last_t - start if reached == len(STEPS) else pd.NaT)
    return out


@settings(max_examples=60, deadline=None)
@given(logs(amounts=False, events=STEPS + ["other"], hours=24 * 6, step=6), st.sampled_from(["strict", "any"]),
       st.sampled_from([None, "2D", "12h"]), st.booleans())  # fmt: skip
def test_funnel_equals_a_per_customer_loop(ev, order, window, categorical):
    d = _usable(ev, value=False)
    if not set(STEPS) <= set(ev["event"]) or d.empty:
        return
    if categorical:
        ev = ev.astype({"event": pd.CategoricalDtype(["other", "buy", "view", "cart", "unused"])})
    f = _quiet(ms.funnel, ev, STEPS, order=order, window=window)
    ref = _ref_funnel(ev, order, None if window is None else pd.Timedelta(window), d["timestamp"].max())
    c = f.customers
    assert list(c.index) == sorted(ref)
    assert c["n_steps"].tolist() == [ref[k][1] for k in c.index]
    assert c["start"].tolist() == [ref[k][0] for k in c.index]
    got_t = [None if pd.isna(t) else t for t in c["time_to_convert"]]
    assert got_t == [None if pd.isna(ref[k][2]) else ref[k][2] for k in c.index]
    assert f.steps["customers"].tolist() == [sum(r[1] > k for r in ref.values()) for k in range(len(STEPS))]
    assert f.rows["anonymous events (no customer id)"] == int(ev["customer_id"].isna().sum())


# --------------------------------------------------------------------------- purchase timing
@settings(max_examples=60, deadline=None)
@given(logs())
def test_purchase_timing_equals_a_groupby_reference(tx):
    d = _usable(tx)
    buys = d[d["amount"] >= 0]
    if buys.empty:
        return
    got = _quiet(ms.purchase_timing, tx)
    days = buys.assign(day=buys["timestamp"].dt.floor("D")).drop_duplicates(["customer_id", "day"])
    days = days.sort_values(["customer_id", "day"])
    g = days.groupby("customer_id")["day"]
    gaps = days.assign(gap=g.diff().dt.days).dropna(subset=["gap"]).groupby("customer_id")["gap"].median()
    assert list(got.index) == sorted(g.groups)
    assert got["n_purchases"].tolist() == g.size().tolist()
    assert got["first_purchase"].tolist() == g.min().tolist()
    assert got["last_purchase"].tolist() == g.max().tolist()
    np.testing.assert_allclose(got["typical_interval_days"].to_numpy(), gaps.reindex(got.index).to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("n", [0, 3])
def test_purchase_timing_reference_agrees_on_a_hand_example(n):
    tx = pd.DataFrame({"customer_id": ["a"] * (n + 2), "timestamp": pd.date_range("2024-01-01", periods=n + 2, freq="3D"),
                       "amount": 1.0})  # fmt: skip
    assert ms.purchase_timing(tx).loc["a", "typical_interval_days"] == 3.0
