"""Tests of microseg.segment._cohorts and its heatmap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import DataQualityWarning, MicrosegError


def _tx(rows):
    d = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    return d.assign(timestamp=pd.to_datetime(d["timestamp"], format="ISO8601"))


@pytest.fixture
def small():
    return _tx([
        ("a", "2024-01-05", 10.0), ("a", "2024-02-07", 5.0), ("a", "2024-03-01", 7.0),
        ("b", "2024-01-20", 8.0), ("b", "2024-03-02", -3.0),  # a return: revenue, not activity
        ("c", "2024-02-01", 3.0), ("c", "2024-03-09", 4.0),
        ("d", "2024-03-10", 1.0),
    ])


def test_retention_matrix_computed_by_hand(small):
    m = ms.cohorts(small)
    assert [str(p) for p in m.index] == ["2024-01", "2024-02", "2024-03"]
    np.testing.assert_allclose(m.loc[pd.Period("2024-01", "M")].to_numpy(), [1.0, 0.5, 0.5])
    np.testing.assert_allclose(m.loc[pd.Period("2024-02", "M")].to_numpy()[:2], [1.0, 1.0])
    assert np.isnan(m.iloc[1, 2]) and np.isnan(m.iloc[2, 1])  # not observed yet
    assert m.attrs["cohort_size"].tolist() == [2, 1, 1]


def test_customers_metric_counts_active_customers(small):
    m = ms.cohorts(small, metric="customers")
    assert m.iloc[0].tolist() == [2.0, 1.0, 1.0]


def test_revenue_metric_includes_returns(small):
    m = ms.cohorts(small, metric="revenue")
    assert m.iloc[0].tolist() == [18.0, 5.0, 7.0 - 3.0]
    assert np.nansum(m.to_numpy()) == small["amount"].sum()


def test_weekly_and_quarterly_periods(small):
    q = ms.cohorts(small, period="Q")
    assert len(q) == 1 and q.iloc[0, 0] == 1.0
    w = ms.cohorts(small, period="W")
    assert w.index.freqstr.startswith("W")


def test_rows_after_as_of_are_reported(small):
    with pytest.warns(DataQualityWarning, match="after as_of: 4"):
        m = ms.cohorts(small, as_of="2024-02-28")
    assert len(m) == 2


@pytest.mark.parametrize("kw, match", [({"period": "X"}, "period"), ({"metric": "ltv"}, "metric"),
                                       ({"metric": "revenue", "value": None}, "value")])
def test_bad_options_raise(small, kw, match):
    with pytest.raises(MicrosegError, match=match):
        ms.cohorts(small, **kw)


def test_heatmap_draws_one_cell_per_value(small):
    m = ms.cohorts(small)
    ax = ms.plot.plot_cohort_heatmap(m)
    assert ax.get_xlabel() == "Periods since first purchase"
    assert ax.get_title() == "Cohort retention"
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("100%") == 4 and len(texts) == int(m.notna().sum().sum())


def _retail(path):
    df = pd.read_csv(path, usecols=lambda c: c in {"CustomerID", "Customer ID", "InvoiceDate", "Quantity", "UnitPrice",
                                                  "Price"}, dtype={"CustomerID": "str", "Customer ID": "str"})
    df = df.rename(columns={"Customer ID": "CustomerID", "Price": "UnitPrice"})
    return pd.DataFrame({"customer_id": df["CustomerID"],
                         "timestamp": pd.to_datetime(df["InvoiceDate"], format="%Y-%m-%d %H:%M:%S"),
                         "amount": df["Quantity"] * df["UnitPrice"]})


@pytest.fixture(scope="module")
def retail_two_years(shared_data):
    files = [shared_data / "online_retail_ii_2009_2010.csv.gz", shared_data / "online_retail.csv.gz"]
    if not all(f.exists() for f in files):
        pytest.skip("Online Retail files not found")
    old, new = (_retail(f) for f in files)
    old = old[old["timestamp"] < "2010-12-01"]  # the overlap is in both files
    return pd.concat([old, new], ignore_index=True)


@pytest.mark.realdata
def test_online_retail_cohorts_over_two_years(retail_two_years):
    with pytest.warns(DataQualityWarning, match="missing customer id"):
        m = ms.cohorts(retail_two_years)
    assert str(m.index[0]) == "2009-12" and str(m.index[-1]) == "2011-12"
    assert (m[0] == 1.0).all()
    # month-1 retention of the first cohort is well below 1 and above 0
    assert 0.1 < m.iloc[0, 1] < 0.6
    assert m.attrs["cohort_size"].sum() == retail_two_years.loc[retail_two_years["amount"] >= 0, "customer_id"].nunique()


@pytest.mark.realdata
def test_online_retail_rfm_segments_migrate_between_years(retail_two_years):
    tx = retail_two_years
    with pytest.warns(DataQualityWarning):
        year1 = ms.rfm(tx, as_of="2010-12-01")
    with pytest.warns(DataQualityWarning):
        year2 = ms.rfm(tx[tx["timestamp"] >= "2010-12-01"])
    scorer = ms.RFMScorer().fit(year1)
    seg1 = ms.rfm_segments(scorer.transform(year1))
    seg2 = ms.rfm_segments(scorer.transform(year2))
    m = ms.migration(seg1, seg2)
    assert m.counts.to_numpy().sum() == len(seg1.index.union(seg2.index))
    np.testing.assert_allclose(m.shares.sum(axis=1), 1.0)
    # Champions stay more often than Lost customers become Champions
    assert m.shares.loc["Champions", "Champions"] > m.shares.loc["Lost", "Champions"]
    ax = m.plot()
    assert ax.get_ylabel() == "Segment before"


# --------------------------------------------------------------------------- one triangle per group
@pytest.fixture
def grouped():
    tx = _tx([
        ("a", "2024-01-05", 10.0), ("a", "2024-02-07", 5.0),
        ("b", "2024-01-20", 8.0),
        ("c", "2024-02-01", 3.0), ("c", "2024-03-09", 4.0),
        ("d", "2024-01-10", 2.0), ("d", "2024-03-10", 1.0),
        ("e", "2024-03-01", 6.0),
    ])
    return tx, pd.Series({"a": "web", "b": "web", "c": "web", "d": "store", "e": None}, name="channel")


def test_cohorts_by_a_series_give_one_hand_computed_triangle_per_group(grouped):
    tx, channel = grouped
    m = ms.cohorts(tx, by=channel, min_cell=1)
    assert m.index.names == ["channel", "cohort"]
    assert list(dict.fromkeys(m.index.get_level_values(0))) == ["store", "web", "(missing)"]
    np.testing.assert_allclose(m.loc[("web", pd.Period("2024-01", "M"))].to_numpy(), [1.0, 0.5, 0.0])  # a, b
    np.testing.assert_allclose(m.loc[("store", pd.Period("2024-01", "M"))].to_numpy(), [1.0, 0.0, 1.0])  # d
    assert m.attrs["cohort_size"].loc[("web", pd.Period("2024-01", "M"))] == 2
    assert m.attrs["cohort_size"].sum() == 5


def test_cohorts_by_group_add_up_to_the_cohorts_of_everyone(grouped):
    tx, channel = grouped
    per_group = ms.cohorts(tx, by=channel, min_cell=1, metric="customers")
    total = ms.cohorts(tx, metric="customers")
    summed = per_group.groupby(level="cohort").sum(min_count=1)
    pd.testing.assert_frame_equal(summed, total, check_names=False)


def test_cohorts_by_a_column_use_its_value_at_the_first_purchase(grouped):
    tx, _ = grouped
    tx = tx.assign(channel=["app", "web", "web", "app", "web", "web", "app", "app"])
    m = ms.cohorts(tx, by="channel", min_cell=1, metric="customers")
    # a, c, e start on the app; b and d on the web
    assert m.attrs["cohort_size"].groupby(level=0).sum().to_dict() == {"app": 3, "web": 2}


def test_small_groups_are_pooled_as_in_profiles(grouped):
    tx, channel = grouped
    with pytest.raises(AssertionError):
        assert "(other levels)" in ms.cohorts(tx, by=channel, min_cell=1).index.get_level_values(0)
    m = ms.cohorts(tx, by=channel, min_cell=2)  # store (1) and (missing) (1) together reach 2
    assert list(dict.fromkeys(m.index.get_level_values(0))) == ["web", "(other levels)"]
    assert m.attrs["pooled_groups"] == ["store", "(missing)"]
    assert m.attrs["cohort_size"].xs("(other levels)").sum() == 2


def test_small_groups_can_be_suppressed_instead(grouped):
    tx, channel = grouped
    m = ms.cohorts(tx, by=channel, min_cell=2, small_groups="suppress")
    assert list(dict.fromkeys(m.index.get_level_values(0))) == ["web"]
    assert m.attrs["suppressed_groups"] == ["store", "(missing)"]


def test_a_pool_too_small_even_with_every_group_is_suppressed(grouped):
    tx, channel = grouped
    m = ms.cohorts(tx, by=channel.replace("web", "shop"), min_cell=50)
    assert len(m) == 0 and m.attrs["suppressed_groups"] == ["shop", "store", "(missing)"]


@pytest.mark.parametrize(
    "kw, match",
    [({"by": 3}, "by must be"), ({"by": "nope"}, "nope"), ({"by": "customer_id"}, "customer id column"),
     ({"by": pd.Series([1, 2], index=["a", "a"])}, "duplicate customer ids"), ({"small_groups": "hide"}, "small_groups"),
     ({"min_cell": 0}, "min_cell")],
)  # fmt: skip
def test_bad_breakdowns_raise(grouped, kw, match):
    tx, _ = grouped
    with pytest.raises(MicrosegError, match=match):
        ms.cohorts(tx, **kw)


def test_plot_cohorts_draws_one_panel_per_group_on_one_scale_without_period_zero(grouped):
    import matplotlib.pyplot as plt

    tx, channel = grouped
    m = ms.cohorts(tx, by=channel, min_cell=1)
    fig = ms.plot.plot_cohorts(m)
    panels = [a for a in fig.axes if a.get_visible() and a.images]
    assert len(panels) == 3
    limits = {a.images[0].get_clim() for a in panels}
    later = m.drop(columns=0).to_numpy()
    assert limits == {(np.nanmin(later), np.nanmax(later))}  # one scale, period 0 (always 1.0) not on it
    assert np.ma.getmaskarray(panels[0].images[0].get_array())[:, 0].all()
    plt.close(fig)
    fig = ms.plot.plot_cohorts(ms.cohorts(tx))  # without by=: one panel, still a Figure (one return type)
    panels = [a for a in fig.axes if a.get_visible() and a.images]
    assert len(panels) == 1 and panels[0].get_xlabel().startswith("Periods")
    plt.close("all")
