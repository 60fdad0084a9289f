"""Tests of microseg.segment._timing: purchase intervals, who is due, per-segment summary and migration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import MicrosegError


def _tx(rows):
    d = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    return d.assign(timestamp=pd.to_datetime(d["timestamp"], format="ISO8601"))


@pytest.fixture
def tx():
    return _tx([
        ("a", "2024-01-01", 5.0), ("a", "2024-01-11", 5.0), ("a", "2024-01-19", 5.0), ("a", "2024-01-19", 2.0),
        ("b", "2024-01-15", 9.0), ("b", "2024-01-16", 9.0), ("b", "2024-01-17", -9.0),
        ("c", "2024-01-20", 1.0),
        ("d", "2023-11-01", 1.0), ("d", "2023-12-01", 1.0),  # overdue by three weeks
    ])


def test_typical_interval_is_the_median_gap_between_purchase_days(tx):
    t = ms.purchase_timing(tx)
    assert t.loc["a", "n_purchases"] == 3
    assert t.loc["a", "typical_interval_days"] == 9.0  # gaps 10 and 8
    assert t.loc["a", "next_expected"] == pd.Timestamp("2024-01-28")
    assert t.loc["a", "days_until_due"] == 8.0
    assert np.isnan(t.loc["c", "typical_interval_days"])
    assert t.loc["b", "n_purchases"] == 2  # the return is not a purchase


def test_due_for_followup_lists_customers_due_in_the_window(tx):
    # as_of = 2024-01-20: a is due in 8 days, b was due 3 days ago (interval 1), d 20 days ago (interval 30)
    assert list(ms.due_for_followup(tx, window="7D").index) == []
    assert list(ms.due_for_followup(tx, window="10D").index) == ["a"]


def test_due_for_followup_can_include_recently_overdue_customers_soonest_first(tx):
    due = ms.due_for_followup(tx, window="10D", include_overdue=True)
    assert list(due.index) == ["d", "a"]  # b is overdue by more than its own interval


def test_due_for_followup_respects_as_of(tx):
    with pytest.warns(ms.DataQualityWarning, match="after as_of"):
        due = ms.due_for_followup(tx, window="3D", as_of="2024-01-16 12:00")
    assert "b" in due.index  # as of the 16th, b (interval 1) is due on the 17th


@pytest.mark.parametrize("kw, match", [({"window": "soon"}, "window"), ({"min_purchases": 1}, "min_purchases")])
def test_due_for_followup_bad_options(tx, kw, match):
    with pytest.raises(MicrosegError, match=match):
        ms.due_for_followup(tx, **kw)


def test_timing_summary_per_segment(tx):
    t = ms.purchase_timing(tx)
    seg = pd.Series({"a": "x", "b": "x", "c": "y", "d": "y"})
    s = ms.timing_summary(t, seg)
    assert s.loc["x", "customers"] == 2 and s.loc["x", "repeat_buyers"] == 2
    assert s.loc["x", "median_interval_days"] == 5.0  # median of 9 and 1
    assert s.loc["y", "share_overdue"] == 1.0
    assert s.loc["x", "share_due"] == 0.5


def test_migration_counts_and_shares():
    before = pd.Series({"a": "Loyal", "b": "Loyal", "c": "Lost", "e": "Lost"})
    after = pd.Series({"a": "Loyal", "b": "Lost", "d": "Lost", "e": "Lost"})
    m = ms.migration(before, after)
    assert m.counts.loc["Loyal", "Loyal"] == 1 and m.counts.loc["Loyal", "Lost"] == 1
    assert m.counts.loc["(new)", "Lost"] == 1 and m.counts.loc["Lost", "(gone)"] == 1
    np.testing.assert_allclose(m.shares.loc["Loyal"].to_numpy(), [0.5, 0.5, 0.0])
    assert m.stayed == pytest.approx(2 / 3)
    long = m.to_frame()
    assert long["customers"].sum() == 5


def test_migration_keeps_category_order():
    cats = pd.CategoricalDtype(["Champions", "Loyal", "Lost"], ordered=True)
    before = pd.Series(["Lost", "Champions"], index=["a", "b"], dtype=cats)
    after = pd.Series(["Champions", "Champions"], index=["a", "b"], dtype=cats)
    m = ms.migration(before, after)
    assert list(m.counts.index) == ["Champions", "Loyal", "Lost"]
    assert list(m.counts.columns) == ["Champions", "Loyal", "Lost"]


def test_migration_refuses_duplicate_ids():
    with pytest.raises(MicrosegError, match="duplicate"):
        ms.migration(pd.Series(["a", "b"], index=["x", "x"]), pd.Series(["a"], index=["x"]))


def test_migration_plot_shows_shares():
    m = ms.migration(pd.Series({"a": "L", "b": "L"}), pd.Series({"a": "L", "b": "M"}))
    ax = m.plot()
    assert ax.get_xlabel() == "Segment after" and ax.get_title() == "Migration between segments"
    assert sorted(t.get_text() for t in ax.texts) == ["50%", "50%"]
