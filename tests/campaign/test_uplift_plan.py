"""plan(uplift=...): segments funded on measured lift, and within each segment the highest uplift scores first."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from microseg.campaign import plan, readout
from microseg.errors import MicrosegError, NotIncrementalWarning


def _readout_and_customers():
    """Segment "x" gains 10 points, "w" 5 points (both measured); 20 customers each, with an uplift score."""
    cells = {"x": (300, 100), "w": (200, 100)}
    parts = []
    for seg, (x_t, x_c) in cells.items():
        parts.append(pd.DataFrame({
            "segment": seg,
            "group": ["treatment"] * 2000 + ["control"] * 2000,
            "converted": [True] * x_t + [False] * (2000 - x_t) + [True] * x_c + [False] * (2000 - x_c),
        }))  # fmt: skip
    ro = readout(pd.concat(parts, ignore_index=True), segments="segment")
    rng = np.random.default_rng(0)
    customers = pd.DataFrame({"customer_id": [f"c{i}" for i in range(40)], "segment": np.repeat(["x", "w"], 20),
                              "opted_out": False, "email_opt_in": True, "score": rng.normal(0.05, 0.05, 40)})  # fmt: skip
    return ro, customers


def test_within_each_segment_the_highest_scores_are_contacted_first():
    ro, customers = _readout_and_customers()
    # budget for 10 contacts: all go to "x" (the higher lift), and there to its 10 highest scores
    p = plan(customers, response=ro, cost_per_contact=1.0, value_per_conversion=50.0, budget=10.0, uplift="score")
    chosen = set(p.contacts["customer"])
    x = customers[customers["segment"] == "x"]
    assert chosen == set(x.nlargest(10, "score")["customer_id"])
    assert list(p.contacts["uplift"]) == sorted(p.contacts["uplift"], reverse=True)
    # the plan's numbers stay the segment's measured lift
    assert p.table.loc["x", "incremental_conversions"] == pytest.approx(10 * ro.table.loc["x", "lift"])


def test_without_uplift_the_order_within_a_segment_is_unchanged():
    ro, customers = _readout_and_customers()
    p = plan(customers, response=ro, cost_per_contact=1.0, value_per_conversion=50.0, budget=10.0)
    assert list(p.contacts["customer"]) == [f"c{i}" for i in range(10)]  # row order
    assert "uplift" not in p.contacts.columns


def test_min_uplift_leaves_the_low_scores_alone_and_counts_them():
    ro, customers = _readout_and_customers()
    p = plan(customers, response=ro, cost_per_contact=1.0, value_per_conversion=50.0,
             uplift=customers["score"], min_uplift=0.0)  # fmt: skip
    negative = customers["score"] < 0
    assert not set(p.contacts["customer"]) & set(customers.loc[negative, "customer_id"])
    assert p.table["below_min_uplift"].to_dict() == customers[negative].groupby("segment").size().reindex(
        ["w", "x"], fill_value=0).to_dict()
    assert (p.table["contacts"] + p.table["below_min_uplift"] == p.table["reachable"]).all()


def test_uplift_orders_contacts_in_a_raw_plan_with_one_probability_per_segment():
    _, customers = _readout_and_customers()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotIncrementalWarning)
        p = plan(customers, response={"x": 0.1, "w": 0.05}, cost_per_contact=1.0, value_per_conversion=50.0,
                 budget=5.0, uplift="score")  # fmt: skip
    x = customers[customers["segment"] == "x"]
    assert set(p.contacts["customer"]) == set(x.nlargest(5, "score")["customer_id"])


@pytest.mark.parametrize("kwargs, match", [
    (dict(min_uplift=0.0), "min_uplift needs uplift"),
    (dict(uplift=np.zeros(39)), "uplift has 39 scores"),
    (dict(uplift="nope"), "nope"),
    (dict(uplift=np.r_[np.zeros(39), np.nan]), "missing or infinite"),
])  # fmt: skip
def test_bad_uplift_is_refused(kwargs, match):
    ro, customers = _readout_and_customers()
    with pytest.raises(MicrosegError, match=match):
        plan(customers, response=ro, cost_per_contact=1.0, value_per_conversion=50.0, **kwargs)
