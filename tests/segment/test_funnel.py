"""Tests of microseg.segment._funnel: windows, strict and any order, breakdowns, drop-off lists, plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import DataQualityWarning, MicrosegError

STEPS = ["view", "cart", "checkout", "purchase"]


def _ev(rows):
    d = pd.DataFrame(rows, columns=["customer_id", "timestamp", "event"])
    return d.assign(timestamp=pd.to_datetime(d["timestamp"], format="ISO8601"))


@pytest.fixture
def events():
    return _ev([
        # a: the whole funnel in order within two days
        ("a", "2024-01-01 10:00", "view"), ("a", "2024-01-01 10:05", "cart"),
        ("a", "2024-01-02 09:00", "checkout"), ("a", "2024-01-02 09:10", "purchase"),
        # b: cart then abandoned
        ("b", "2024-01-03", "view"), ("b", "2024-01-03 01:00", "cart"),
        # c: cart before view (out of order), then checkout: strict stops at view
        ("c", "2024-01-04 08:00", "cart"), ("c", "2024-01-04 09:00", "view"), ("c", "2024-01-04 10:00", "checkout"),
        # d: purchase after the 7-day window
        ("d", "2024-01-01", "view"), ("d", "2024-01-02", "cart"), ("d", "2024-01-03", "checkout"),
        ("d", "2024-01-20", "purchase"),
        # e: never viewed: not in the funnel
        ("e", "2024-01-05", "cart"),
        ("f", "2024-01-06", "email_open"),
    ])


def test_strict_funnel_counts_computed_by_hand(events):
    f = ms.funnel(events, STEPS)
    assert f.steps["customers"].tolist() == [4, 3, 2, 1]
    np.testing.assert_allclose(f.steps["conversion"], [1, 0.75, 0.5, 0.25])
    np.testing.assert_allclose(f.steps["step_conversion"], [1, 0.75, 2 / 3, 0.5])
    assert f.customers.loc["c", "furthest_step"] == "view"
    assert f.customers.loc["d", "furthest_step"] == "checkout"
    assert "e" not in f.customers.index


def test_any_order_counts_steps_done_in_the_window_whatever_their_order(events):
    f = ms.funnel(events, STEPS, order="any")
    # c's cart came before the view, i.e. before the window opened: still not counted
    assert f.customers.loc["c", "n_steps"] == 1
    ev = pd.concat([events, _ev([("c", "2024-01-04 11:00", "cart")])])
    f = ms.funnel(ev, STEPS, order="any")
    assert f.customers.loc["c", "n_steps"] == 3
    assert ms.funnel(ev, STEPS, order="strict").customers.loc["c", "n_steps"] == 2  # checkout came before the cart


def test_window_none_has_no_time_limit(events):
    f = ms.funnel(events, STEPS, window=None)
    assert f.customers.loc["d", "converted"]
    assert f.steps["customers"].iloc[-1] == 2


def test_median_time_to_convert(events):
    f = ms.funnel(events, STEPS)
    assert f.steps.loc["purchase", "median_time"] == pd.Timedelta("23h10min")
    assert f.customers.loc["a", "time_to_convert"] == pd.Timedelta("23h10min")
    assert pd.isna(f.customers.loc["b", "time_to_convert"])


def test_drop_off_lists_who_did_a_step_but_not_the_next(events):
    f = ms.funnel(events, STEPS)
    assert list(f.drop_off("cart")) == ["b"]  # abandoned carts, for retargeting
    assert list(f.drop_off("view")) == ["c"]
    assert list(f.drop_off(3)) == ["d"]
    assert list(f.drop_off("purchase")) == ["a"]
    assert f.drop_offs()["customers"].tolist() == [1, 1, 1, 1]
    with pytest.raises(MicrosegError, match="unknown step"):
        f.drop_off("basket")


def test_breakdown_by_event_column_uses_the_first_step_event(events):
    ev = events.assign(device=np.where(events["customer_id"].isin(["a", "b"]), "app", "web"))
    f = ms.funnel(ev, STEPS, by="device")
    g = f.by_group.set_index(["group", "step"])
    assert g.loc[("app", "view"), "customers"] == 2 and g.loc[("app", "purchase"), "customers"] == 1
    assert g.loc[("web", "cart"), "conversion"] == 0.5


def test_breakdown_by_series_of_segments(events):
    seg = pd.Series({"a": "x", "b": "y", "c": "y", "d": "y"})
    f = ms.funnel(events, STEPS, by=seg)
    g = f.by_group.set_index(["group", "step"])
    assert g.loc[("y", "view"), "customers"] == 3 and g.loc[("y", "purchase"), "customers"] == 0


def test_anonymous_events_are_dropped_and_reported(events):
    ev = pd.concat([events, _ev([(None, "2024-01-01", "view")])], ignore_index=True)
    with pytest.warns(DataQualityWarning, match="anonymous events"):
        f = ms.funnel(ev, STEPS)
    assert f.rows["anonymous events (no customer id)"] == 1


def test_steps_that_never_occur_raise(events):
    with pytest.raises(MicrosegError, match=r"\['basket'\] never occur"):
        ms.funnel(events, ["view", "basket"])


@pytest.mark.parametrize("kw, match", [({"order": "loose"}, "order"), ({"window": "-1D"}, "positive")])
def test_bad_options_raise(events, kw, match):
    with pytest.raises(MicrosegError, match=match):
        ms.funnel(events, STEPS, **kw)


def test_plot_draws_one_bar_per_step(events):
    f = ms.funnel(events, STEPS)
    ax = f.plot()
    heights = [p.get_width() for p in ax.patches]
    assert heights == [4, 3, 2, 1]
    assert [t.get_text() for t in ax.get_yticklabels()] == STEPS
    assert ax.get_xlabel() == "Customers reaching the step"
    assert "4 steps" in repr(f)


def test_ids_in_many_arrow_chunks_are_encoded_on_threads_with_the_same_result(monkeypatch):
    import pyarrow as pa

    from microseg.segment import _funnel

    rng = np.random.default_rng(0)
    n = 3000
    ids = rng.choice([f"C{i:04d}" for i in range(300)], n).astype(object)
    ids[rng.random(n) < 0.1] = None
    chunked = pa.chunked_array([pa.array(ids[i:i + 250], pa.string()) for i in range(0, n, 250)])
    ev = pd.DataFrame({
        "customer_id": pd.Series(pd.array(chunked, dtype="str")),
        "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 30 * 24, n), unit="h"),
        "event": rng.choice(STEPS + ["other"], n),
    })  # fmt: skip
    with pytest.warns(DataQualityWarning):
        expected = ms.funnel(ev, STEPS)
    monkeypatch.setattr(_funnel, "_PARALLEL_MIN_ROWS", 0)
    with pytest.warns(DataQualityWarning):
        got = ms.funnel(ev, STEPS)
    pd.testing.assert_frame_equal(expected.customers, got.customers)
    pd.testing.assert_frame_equal(expected.steps, got.steps)
    assert expected.steps["customers"].iloc[-1] > 0
