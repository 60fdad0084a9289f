"""The one small-cell rule: counts from 1 to min_cell - 1 hidden, with the complementary cells that would reveal them."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microseg.errors import DataQualityWarning, MicrosegError, SchemaError
from microseg.privacy import suppress_small_cells
from microseg.privacy._small_cells import feasible_range


def _quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return suppress_small_cells(*args, **kwargs)


def test_a_lone_small_count_gets_a_complement_so_the_total_does_not_give_it_away():
    out = _quiet(pd.DataFrame({"n": [120, 4, 60, 30]}), min_cell=10)
    assert out["n"].isna().tolist() == [False, True, False, True]


def test_zeros_and_large_counts_are_shown():
    out = _quiet(pd.DataFrame({"n": [0, 12, 50]}), min_cell=10)
    assert out["n"].tolist() == [0, 12, 50]
    assert out.attrs["microseg_rows"] == {"counts of 1 to 9 people (suppressed)": 0,
                                          "complementary cells (suppressed so that no small count can be recovered)": 0}


def test_a_plan_like_table_with_a_size_margin_hides_the_small_status_counts_and_their_complements():
    t = pd.DataFrame({"size": [500, 300], "opted_out": [7, 40], "no_consent": [100, 60], "reachable": [393, 200],
                      "cost": [39.3, 20.0]}, index=["x", "y"])  # fmt: skip
    parts = ["opted_out", "no_consent", "reachable"]
    out = _quiet(t, count=["size", *parts], margins={"size": parts}, min_cell=10)
    assert pd.isna(out.loc["x", "opted_out"])
    # no hidden small count can be solved for from the shown cells, the column totals and size = sum of parts
    shown = out[["size", *parts]].notna().to_numpy().ravel()
    values = t[["size", *parts]].to_numpy().ravel()
    idx = np.arange(8).reshape(2, 4)
    cons = [idx[:, j] for j in range(4)] + [(idx[i], np.array([1.0, -1, -1, -1])) for i in range(2)]
    lo, hi = feasible_range(values, cons, ~shown, [1])
    assert hi - lo >= 1
    assert out["cost"].isna().tolist() == [True, out.loc["y", parts].isna().any()]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(0, 40), min_size=2, max_size=12), st.integers(2, 12))
def test_no_published_count_is_small_and_no_hidden_small_count_is_determined(counts, min_cell):
    # two rows at least: the attacker is given the column total, and the total of a one-row table is its cell
    # (see the single-row test below)
    t = pd.DataFrame({"n": counts})
    out = _quiet(t, min_cell=min_cell)
    shown = out["n"].dropna().astype(int)
    assert not shown.between(1, min_cell - 1).any()
    hidden = out["n"].isna().to_numpy()
    v = np.array(counts)
    for i in np.flatnonzero(hidden & (v >= 1) & (v < min_cell)):
        lo, hi = feasible_range(v, [np.arange(len(v))], hidden, [i])
        assert hi - lo >= 1


def test_a_one_row_table_hides_its_small_count_and_has_no_complement_to_add():
    out = _quiet(pd.DataFrame({"n": [3]}), min_cell=10)
    assert out["n"].isna().all()  # hidden; its total is the same count, which the caller must not publish either


@pytest.mark.parametrize("bad, what", [([5.0, np.inf], "infinite"), ([5.0, np.nan], "missing"), ([5, -1], "negative"),
                                       ([5.5, 20], "not whole")])  # fmt: skip
def test_counts_that_are_not_numbers_of_people_are_refused_naming_the_column(bad, what):
    with pytest.raises(SchemaError, match=f"count column 'n' has 1 {what}.*whole number >= 0"):
        suppress_small_cells(pd.DataFrame({"n": bad}), min_cell=10)


def test_min_cell_and_min_count_together_are_refused():
    with pytest.raises(MicrosegError, match="pass min_cell only"):
        suppress_small_cells(pd.DataFrame({"n": [1]}), min_cell=10, min_count=10)


def test_margins_must_name_count_columns():
    with pytest.raises(MicrosegError, match="margins name columns that are not count columns"):
        suppress_small_cells(pd.DataFrame({"n": [1], "m": [2]}), count="n", margins={"n": ["m"]})
