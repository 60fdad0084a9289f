"""Send time: response by weekday and hour with Wilson intervals and the best window per segment."""

from __future__ import annotations

from math import sqrt
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest

from microseg.campaign import SendTimeResult, send_time
from microseg.campaign.send_timing import wilson_interval
from microseg.errors import DataQualityWarning


def _contacts(seed=0, n=6000):
    rng = np.random.default_rng(seed)
    day = pd.Timestamp("2024-01-01")  # a Monday
    offset_days = rng.integers(0, 28, n)
    hour = rng.choice([9, 13, 18], n)
    sent = day + pd.to_timedelta(offset_days, unit="D") + pd.to_timedelta(hour, unit="h")
    seg = np.where(rng.random(n) < 0.5, "evening", "morning")
    p = np.full(n, 0.05)
    p[(seg == "evening") & (hour == 18) & (np.asarray(sent.day_of_week) == 1)] = 0.4  # Tuesday 18:00
    p[(seg == "morning") & (hour == 9) & (np.asarray(sent.day_of_week) == 5)] = 0.4  # Saturday 09:00
    return pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "sent_at": sent, "seg": seg, "opened": rng.random(n) < p})


def test_wilson_interval_matches_hand_computation():
    x, n = 7, 40
    z = NormalDist().inv_cdf(0.975)
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    lo, hi = wilson_interval(x, n)
    assert (float(lo), float(hi)) == pytest.approx((centre - half, centre + half))


def test_planted_best_window_is_recovered_per_segment():
    r = send_time(_contacts(), segments="seg", min_count=50)
    assert (r.best.loc["evening", "weekday"], r.best.loc["evening", "hour"]) == ("Tuesday", 18)
    assert (r.best.loc["morning", "weekday"], r.best.loc["morning", "hour"]) == ("Saturday", 9)
    assert (r.best["note"] == "").all()


def test_cells_carry_counts_rates_and_intervals():
    c = _contacts()
    r = send_time(c, segments="seg", min_count=50)
    t = r.table
    assert t["sent"].sum() == len(c)
    assert t["responses"].sum() == c["opened"].sum()
    assert ((t["low"] <= t["rate"]) & (t["rate"] <= t["high"])).all()


def test_segment_without_enough_data_gets_no_window_and_a_note():
    c = _contacts()
    c.loc[:9, "seg"] = "rare"
    r = send_time(c, segments="seg", min_count=50)
    assert pd.isna(r.best.loc["rare", "hour"])
    assert r.best.loc["rare", "note"].startswith("not enough data")


def test_segments_can_come_from_a_customer_table():
    c = _contacts()
    labels = c.set_index("customer_id")["seg"]
    a = send_time(c.drop(columns="seg"), segments=labels, min_count=50)
    b = send_time(c, segments="seg", min_count=50)
    pd.testing.assert_frame_equal(a.best, b.best)


def test_hour_blocks_group_hours():
    r = send_time(_contacts(), hour_block=6, min_count=50)
    assert set(r.table["hour"]) == {6, 12, 18}


def test_missing_times_are_reported():
    c = _contacts()
    c.loc[:4, "sent_at"] = pd.NaT
    with pytest.warns(DataQualityWarning, match="missing send time: 5"):
        r = send_time(c, min_count=50)
    assert r.table["sent"].sum() == len(c) - 5


def test_heatmap_plot_marks_the_best_window():
    r = send_time(_contacts(), segments="seg", min_count=50)
    assert isinstance(r, SendTimeResult)
    grid = r.heatmap("evening")
    assert grid.shape == (7, 3)
    ax = r.plot(segment="evening")
    assert ax.images[0].get_array().shape == (7, 3)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["09:00", "13:00", "18:00"]
    assert len(ax.patches) == 1
    assert ax.get_ylabel() == "Weekday"


def test_send_time_on_demo_contacts():
    import microseg as ms

    try:
        data = ms.datasets.make_customers(n_customers=3000, random_state=0)
    except (ImportError, AttributeError):
        pytest.skip("make_customers is not available yet")
    sent = data.contacts[data.contacts["group"] == "treatment"]
    labels = data.customers.set_index("customer_id")["preferred_channel"]
    r = send_time(sent, segments=labels, response="opened", min_count=30, hour_block=3)
    assert set(r.best.index) == set(labels.unique())
    assert r.table["sent"].sum() == len(sent)
