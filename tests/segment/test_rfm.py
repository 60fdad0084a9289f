"""Tests of microseg.segment._rfm: the RFM table in both conventions, the scorer and the named segments."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microseg as ms
from microseg.errors import DataQualityWarning, MicrosegError, SchemaError
from microseg.segment import RFM_SEGMENTS
from microseg.segment._rfm import _greedy_edges, _segment_grid

FIX = Path(__file__).parents[1] / "fixtures"


def _fixture_log() -> pd.DataFrame:
    return pd.read_csv(FIX / "synthetic_log.csv", dtype={"customer_id": "str"}, parse_dates=["timestamp"])


def _expected(name: str) -> pd.DataFrame:
    return pd.read_csv(FIX / name, dtype={"customer_id": "str"}, index_col="customer_id").astype("float64")


def assert_same_as_lifetimes(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Counts and periods identical; mean spend equal up to float summation order (1e-12)."""
    assert got.index.astype(str).tolist() == expected.index.astype(str).tolist()
    assert list(got.columns) == list(expected.columns)
    assert (got.dtypes == "float64").all()
    for col in ["frequency", "recency", "T"]:
        np.testing.assert_array_equal(got[col].to_numpy(), expected[col].to_numpy(), err_msg=col)
    if "monetary_value" in expected:
        np.testing.assert_allclose(got["monetary_value"].to_numpy(), expected["monetary_value"].to_numpy(),
                                   rtol=1e-12, atol=1e-9)


def _cdnow(path) -> pd.DataFrame:
    cd = pd.read_csv(path, dtype={"customer_id": "str"})
    cd["date"] = pd.to_datetime(cd["date"].astype(str), format="%Y%m%d")
    return cd


def _tx(rows):
    return pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"]).assign(
        timestamp=lambda d: pd.to_datetime(d["timestamp"], format="ISO8601")
    )


# ---------------------------------------------------------------- btyd equals lifetimes
@pytest.mark.parametrize("freq", ["D", "W"])
def test_btyd_matches_lifetimes_on_synthetic_log(freq):
    got = ms.rfm(_fixture_log(), convention="btyd", freq=freq)
    assert_same_as_lifetimes(got, _expected(f"btyd_synthetic_{freq}.csv"))


def test_btyd_matches_lifetimes_with_as_of_inside_the_log():
    log = _fixture_log()
    with pytest.warns(DataQualityWarning, match="after as_of"):
        got = ms.rfm(log, convention="btyd", as_of="2023-05-15 23:00:00")
    expected = _expected("btyd_synthetic_asof.csv")
    # lifetimes keeps the whole as_of day; rows after 23:00 on that day are the only difference
    late = log[(log["timestamp"] > "2023-05-15 23:00:00") & (log["timestamp"] < "2023-05-16")]
    assert late.empty
    assert_same_as_lifetimes(got, expected)
    assert got.attrs["microseg_rows"]["after as_of"] == int((log["timestamp"] > "2023-05-15 23:00:00").sum())


def test_btyd_matches_lifetimes_on_cdnow_sample(data_file):
    cd = _cdnow(data_file("cdnow_master.csv.gz"))
    expected = _expected("btyd_cdnow_sample.csv")
    sample = cd[cd["customer_id"].isin(expected.index)]
    got = ms.rfm(sample, time="date", value="dollar_value", convention="btyd", as_of="1998-06-30")
    assert_same_as_lifetimes(got, expected)


def test_btyd_matches_lifetimes_on_full_cdnow(data_file):
    lifetimes_utils = pytest.importorskip("lifetimes.utils")
    cd = _cdnow(data_file("cdnow_master.csv.gz"))
    expected = lifetimes_utils.summary_data_from_transaction_data(cd, "customer_id", "date", "dollar_value")
    got = ms.rfm(cd, time="date", value="dollar_value", convention="btyd")
    assert_same_as_lifetimes(got, expected)


def _online_retail(path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype={"CustomerID": "str", "Customer ID": "str"})
    df = df.rename(columns={"Customer ID": "CustomerID", "Price": "UnitPrice", "Invoice": "InvoiceNo"})
    return pd.DataFrame({
        "customer_id": df["CustomerID"],
        "timestamp": pd.to_datetime(df["InvoiceDate"], format="%Y-%m-%d %H:%M:%S"),
        "amount": df["Quantity"] * df["UnitPrice"],
        "order_id": df["InvoiceNo"],
    })


@pytest.fixture(scope="module")
def retail(shared_data):
    """Read each Online Retail file once for this module."""
    cache = {}

    def get(name):
        if name not in cache:
            if not (shared_data / name).exists():
                pytest.skip(f"{name} not found")
            cache[name] = _online_retail(shared_data / name)
        return cache[name]

    return get


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["online_retail.csv.gz", "online_retail_ii_2009_2010.csv.gz"])
def test_btyd_matches_lifetimes_on_online_retail_purchases(retail, name):
    lifetimes_utils = pytest.importorskip("lifetimes.utils")
    tx = retail(name).dropna(subset=["customer_id"])
    tx = tx[tx["amount"] >= 0]  # lifetimes has no notion of returns: compare on purchases only
    expected = lifetimes_utils.summary_data_from_transaction_data(tx, "customer_id", "timestamp", "amount")
    got = ms.rfm(tx.drop(columns="order_id"), convention="btyd")
    assert_same_as_lifetimes(got, expected)


@pytest.mark.realdata
def test_online_retail_rfm_reports_missing_ids_and_counts_returns_as_spend(retail):
    tx = retail("online_retail.csv.gz")
    with pytest.warns(DataQualityWarning, match="missing customer id: 135,080"):
        table = ms.rfm(tx, order="order_id")
    assert table.attrs["microseg_rows"]["missing customer id"] == 135_080
    known = tx.dropna(subset=["customer_id"])
    buyers = known.loc[known["amount"] >= 0, "customer_id"].unique()
    assert len(table) == len(buyers)
    kept = known[known["customer_id"].isin(buyers)]
    np.testing.assert_allclose(table["total_spend"].sum(), kept["amount"].sum(), rtol=1e-9)
    # orders are invoices with a purchase line, never cancellations ("C...")
    orders = kept[kept["amount"] >= 0].groupby("customer_id")["order_id"].nunique()
    pd.testing.assert_series_equal(table["n_orders"], orders.astype("int64").rename("n_orders"),
                                   check_index_type=False, check_names=False)


# ---------------------------------------------------------------- analyst convention, hand computed
def test_analyst_values_computed_by_hand():
    tx = _tx([
        ("a", "2024-01-01 09:00", 10.0), ("a", "2024-01-01 17:00", 5.0), ("a", "2024-01-11", 20.0),
        ("b", "2024-01-21", 8.0),
    ])
    t = ms.rfm(tx)
    assert t.loc["a"].tolist() == [10, 2, 35.0, 17.5, 20]
    assert t.loc["b"].tolist() == [0, 1, 8.0, 8.0, 0]
    assert t.attrs["as_of"] == pd.Timestamp("2024-01-21")


def test_returns_count_toward_spend_but_never_as_orders():
    tx = _tx([
        ("a", "2024-01-01", 50.0), ("a", "2024-01-05", -20.0),  # return on a day without a purchase
        ("a", "2024-01-09", 30.0), ("a", "2024-01-09", -10.0),  # return on a purchase day
        ("b", "2024-01-10", 5.0),
    ])
    t = ms.rfm(tx)
    assert t.loc["a", "n_orders"] == 2
    assert t.loc["a", "total_spend"] == 50.0
    assert t.loc["a", "days_since_last"] == 1
    b = ms.rfm(tx, convention="btyd")
    assert b.loc["a", "frequency"] == 1.0
    assert b.loc["a", "recency"] == 8.0
    assert b.loc["a", "monetary_value"] == 20.0  # the repeat day nets 30 - 10


def test_customers_with_only_returns_are_left_out_and_reported():
    tx = _tx([("a", "2024-01-01", 50.0), ("z", "2024-01-02", -20.0), ("z", "2024-01-03", -5.0)])
    with pytest.warns(DataQualityWarning, match="returns of customers without a purchase: 2"):
        t = ms.rfm(tx)
    assert t.index.tolist() == ["a"]


def test_missing_customer_ids_are_dropped_and_reported():
    tx = _tx([("a", "2024-01-01", 50.0), (None, "2024-01-02", 20.0), ("b", "2024-01-03", 5.0)])
    with pytest.warns(DataQualityWarning, match="missing customer id: 1"):
        t = ms.rfm(tx)
    assert t.attrs["microseg_rows"]["missing customer id"] == 1
    assert t["total_spend"].sum() == 55.0


def test_rows_after_as_of_are_excluded_and_days_count_from_as_of():
    tx = _tx([("a", "2024-01-01", 1.0), ("a", "2024-02-01", 1.0)])
    with pytest.warns(DataQualityWarning, match="after as_of: 1"):
        t = ms.rfm(tx, as_of="2024-01-11")
    assert t.loc["a", "n_orders"] == 1 and t.loc["a", "days_since_last"] == 10


def test_order_column_counts_distinct_orders():
    tx = _tx([("a", "2024-01-01", 1.0), ("a", "2024-01-01", 2.0), ("a", "2024-01-01", 3.0)])
    tx["order_id"] = ["o1", "o1", "o2"]
    assert ms.rfm(tx, order="order_id").loc["a", "n_orders"] == 2
    assert ms.rfm(tx).loc["a", "n_orders"] == 1


def test_value_none_leaves_out_monetary_columns():
    tx = _tx([("a", "2024-01-01", 1.0)]).drop(columns="amount")
    assert list(ms.rfm(tx, value=None, convention="btyd").columns) == ["frequency", "recency", "T"]


def test_timezone_aware_timestamps_use_local_days():
    tx = _tx([("a", "2024-01-01 23:30", 1.0), ("a", "2024-01-02 00:30", 1.0)])
    tx["timestamp"] = tx["timestamp"].dt.tz_localize("Europe/Paris")
    assert ms.rfm(tx).loc["a", "n_orders"] == 2


def test_caller_frame_is_not_modified():
    tx = _fixture_log()
    before = tx.copy()
    ms.rfm(tx, convention="btyd")
    pd.testing.assert_frame_equal(tx, before)


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda d: d.assign(timestamp=d["timestamp"].astype(str)), "must hold timestamps"),
        (lambda d: d.assign(amount=d["amount"].astype(str)), "must be numeric"),
        (lambda d: d.assign(customer_id=np.arange(len(d), dtype=float)), "floats"),
        (lambda d: d.drop(columns="amount"), "no column 'amount'"),
    ],
)
def test_bad_input_raises_a_clear_error(change, match):
    with pytest.raises(SchemaError, match=match):
        ms.rfm(change(_fixture_log()))


def test_mixed_timezones_raise():
    tx = pd.DataFrame({"customer_id": ["a", "b"], "amount": [1.0, 2.0],
                       "timestamp": [pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-01", tz="Asia/Tokyo")]})
    with pytest.raises(SchemaError, match="mixes time zones"):
        ms.rfm(tx)


def test_as_of_before_first_transaction_raises():
    with pytest.raises(MicrosegError, match="before the first row"):
        ms.rfm(_fixture_log(), as_of="2000-01-01")


# ---------------------------------------------------------------- scorer
def _analyst_table(n=2_000, seed=0):
    rng = np.random.default_rng(seed)
    n_orders = np.where(rng.random(n) < 0.6, 1, rng.geometric(0.3, n) + 1)
    return pd.DataFrame({
        "days_since_last": rng.integers(0, 365, n),
        "n_orders": n_orders,
        "total_spend": rng.lognormal(4, 1, n) * n_orders,
        "mean_order_value": rng.lognormal(4, 1, n),
        "tenure_days": rng.integers(365, 700, n),
    }, index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))


def test_scorer_gives_five_balanced_scores_on_continuous_values():
    table = _analyst_table()
    s = ms.RFMScorer().fit_transform(table)
    counts = s["M"].value_counts().sort_index()
    assert counts.index.tolist() == [1, 2, 3, 4, 5]
    assert counts.min() >= 0.18 * len(table)
    # recency reversed: the most recent customers score 5
    assert s.loc[table["days_since_last"].idxmin(), "R"] == 5
    assert s.loc[table["days_since_last"].idxmax(), "R"] == 1


def test_scorer_keeps_ties_together_and_leaves_no_empty_bin_with_many_one_time_buyers():
    table = _analyst_table()
    s = ms.RFMScorer().fit_transform(table)
    # every one-time buyer gets the same F score, and it is the lowest
    assert s.loc[table["n_orders"] == 1, "F"].nunique() == 1
    assert (s.loc[table["n_orders"] == 1, "F"] == 1).all()
    assert sorted(s["F"].unique()) == [1, 2, 3, 4, 5]
    # ties never split, in any column
    for col, score in [("days_since_last", "R"), ("n_orders", "F"), ("total_spend", "M")]:
        assert (pd.DataFrame({"v": table[col], "s": s[score]}).groupby("v")["s"].nunique() == 1).all()


def test_scorer_spreads_scores_when_there_are_fewer_values_than_bins():
    table = pd.DataFrame({"days_since_last": [1, 2, 3] * 4, "n_orders": [1, 2, 3] * 4, "total_spend": [1.0, 2, 3] * 4})
    s = ms.RFMScorer().fit_transform(table)
    assert sorted(s["F"].unique()) == [1, 3, 5]
    assert sorted(s["R"].unique()) == [1, 3, 5]


def test_scorer_applies_reference_edges_to_a_new_period():
    ref = _analyst_table(seed=0)
    new = _analyst_table(seed=1)
    scorer = ms.RFMScorer().fit(ref)
    s = scorer.transform(new)
    edges = scorer.edges_["total_spend"]
    expected = np.searchsorted(edges, new["total_spend"].to_numpy()) + 1
    np.testing.assert_array_equal(s["M"].to_numpy(), expected)


def test_scorer_raises_on_btyd_table():
    btyd = ms.rfm(_fixture_log(), convention="btyd")
    with pytest.raises(SchemaError, match="btyd"):
        ms.RFMScorer().fit(btyd)


def test_scorer_raises_before_fit():
    with pytest.raises(ms.NotFittedError):
        ms.RFMScorer().transform(_analyst_table())


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=200), st.integers(2, 7))
def test_greedy_edges_never_split_ties_and_fill_every_bin(values, n_bins):
    v = np.asarray(values, dtype=float)
    edges = _greedy_edges(v, n_bins)
    bins = np.searchsorted(edges, v)
    k = min(n_bins, len(np.unique(v)))
    assert len(edges) == k - 1
    assert set(bins) == set(range(k))  # no empty bin
    assert np.all(np.diff(edges) > 0)


# ---------------------------------------------------------------- segments
def test_standard_segments_name_every_cell_exactly_once():
    grid = _segment_grid(RFM_SEGMENTS)
    assert grid.shape == (5, 5)
    assert grid.notna().all().all()
    assert set(grid.to_numpy().ravel()) == set(RFM_SEGMENTS)
    assert len(RFM_SEGMENTS) == 11


@pytest.mark.parametrize(
    "r, f, name",
    [(5, 5, "Champions"), (5, 1, "New Customers"), (4, 1, "Promising"), (3, 3, "Need Attention"),
     (1, 5, "Can't Lose Them"), (1, 1, "Lost"), (2, 2, "Hibernating"), (2, 4, "At Risk"), (4, 4, "Loyal"),
     (4, 2, "Potential Loyalist"), (3, 1, "About to Sleep")],
)
def test_standard_segment_cells(r, f, name):
    assert ms.rfm_segments(pd.DataFrame({"R": [r], "F": [f]})).iloc[0] == name


def test_segment_config_can_be_overridden():
    config = {"Recent": "[4-5][1-5]", "Old": "[1-3][1-5]"}
    seg = ms.rfm_segments(pd.DataFrame({"R": [5, 1], "F": [1, 5]}), segment_config=config)
    assert seg.tolist() == ["Recent", "Old"]


@pytest.mark.parametrize("config, match", [
    ({"A": "[1-5][1-4]"}, "no segment"),
    ({"A": "[1-5][1-5]", "B": "11"}, "named twice"),
])
def test_segment_config_must_cover_each_cell_once(config, match):
    with pytest.raises(MicrosegError, match=match):
        ms.rfm_segments(pd.DataFrame({"R": [1], "F": [1]}), segment_config=config)


# ---------------------------------------------------------------- grid plot
def test_rfm_grid_coloured_by_value_shows_mean_per_cell():
    scores = pd.DataFrame({"R": [5, 5, 1], "F": [5, 5, 1]})
    ax = ms.plot.plot_rfm_grid(scores, value=pd.Series([10.0, 30.0, 4.0], name="total_spend"))
    texts = sorted(t.get_text() for t in ax.texts)
    assert texts == ["20", "4"]
    assert ax.get_xlabel().startswith("Frequency score") and ax.get_ylabel().startswith("Recency score")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["5", "4", "3", "2", "1"]


def test_rfm_grid_coloured_by_segment_names_every_occupied_cell():
    table = _analyst_table()
    scores = ms.RFMScorer().fit_transform(table)
    seg = ms.rfm_segments(scores)
    ax = ms.plot.plot_rfm_grid(scores, segments=seg)
    occupied = scores.groupby(["R", "F"]).ngroups
    assert len(ax.texts) == occupied
    assert any(t.get_text().startswith("Champions") for t in ax.texts)


def test_parallel_factorisation_of_arrow_ids_gives_the_same_table(monkeypatch):
    import microseg._transactions as tr

    log = _fixture_log()
    log.loc[3, "customer_id"] = None
    with pytest.warns(DataQualityWarning):
        expected = ms.rfm(log, convention="btyd")
    monkeypatch.setattr(tr, "_PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(tr.os, "cpu_count", lambda: 3)
    with pytest.warns(DataQualityWarning, match="missing customer id: 1"):
        got = ms.rfm(log, convention="btyd")
    pd.testing.assert_frame_equal(got, expected)


def _naive_rfm(tx: pd.DataFrame) -> pd.DataFrame:
    """The documented rules, written the slow obvious way."""
    as_of = tx["timestamp"].max().normalize()
    tx = tx.assign(day=tx["timestamp"].dt.normalize())
    buyers = tx.loc[tx["amount"] >= 0, "customer_id"].unique()
    tx = tx[tx["customer_id"].isin(buyers)]
    rows = {}
    for cid, g in tx.groupby("customer_id"):
        buy_days = sorted(g.loc[g["amount"] >= 0, "day"].unique())
        repeat_days = buy_days[1:]
        repeat_spend = g.loc[g["day"].isin(repeat_days), "amount"].sum()
        rows[cid] = {
            "frequency": float(len(buy_days) - 1),
            "recency": float((buy_days[-1] - buy_days[0]).days),
            "T": float((as_of - buy_days[0]).days),
            "monetary_value": repeat_spend / len(repeat_days) if repeat_days else 0.0,
            "total_spend": g["amount"].sum(),
        }
    return pd.DataFrame.from_dict(rows, orient="index")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.integers(0, 20), st.integers(0, 23),
                          st.sampled_from([-7.5, 0.0, 3.0, 10.25, 40.0])), min_size=1, max_size=40))
def test_rfm_follows_the_documented_rules_on_random_logs(rows):
    tx = pd.DataFrame(rows, columns=["customer_id", "day", "hour", "amount"])
    tx["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(tx["day"] * 24 + tx["hour"], "h")
    tx = tx[["customer_id", "timestamp", "amount"]]
    if not (tx["amount"] >= 0).any():
        return
    expected = _naive_rfm(tx)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        btyd = ms.rfm(tx, convention="btyd")
        analyst = ms.rfm(tx)
    assert btyd.index.tolist() == expected.index.tolist()
    for col in ["frequency", "recency", "T", "monetary_value"]:
        np.testing.assert_allclose(btyd[col].to_numpy(), expected[col].to_numpy(), err_msg=col, atol=1e-9)
    np.testing.assert_allclose(analyst["total_spend"].to_numpy(), expected["total_spend"].to_numpy(), atol=1e-9)
    np.testing.assert_array_equal(analyst["n_orders"].to_numpy(), btyd["frequency"].to_numpy() + 1)
    assert (btyd["recency"] <= btyd["T"]).all()


def test_hourly_periods_count_purchases_in_the_same_hour_once():
    tx = _tx([("a", "2024-01-01 10:05", 1.0), ("a", "2024-01-01 10:55", 2.0), ("a", "2024-01-01 13:00", 4.0)])
    b = ms.rfm(tx, convention="btyd", freq="h")
    assert b.loc["a"].tolist() == [1.0, 3.0, 3.0, 4.0]
    a = ms.rfm(tx, freq="h")
    assert a.loc["a", "n_orders"] == 2 and a.loc["a", "days_since_last"] == 0


def test_unknown_freq_and_convention_raise():
    with pytest.raises(MicrosegError, match="freq"):
        ms.rfm(_fixture_log(), freq="M")
    with pytest.raises(MicrosegError, match="convention"):
        ms.rfm(_fixture_log(), convention="pymc")


# --------------------------------------------------------------- named segments for any number of bins
def _every_cell(n):
    r, f = np.meshgrid(np.arange(1, n + 1), np.arange(1, n + 1))
    return pd.DataFrame({"R": r.ravel(), "F": f.ravel()})


@pytest.mark.parametrize("n_bins", [4, 5, 6, 7, 8, 9, 10])
def test_every_named_segment_is_reachable_with_four_or_more_bins(n_bins):
    seg = ms.rfm_segments(_every_cell(n_bins), n_bins=n_bins)
    assert set(seg) == set(RFM_SEGMENTS)


def test_the_extreme_cells_keep_their_meaning_for_any_number_of_bins():
    for n in (3, 4, 5, 10):
        scores = pd.DataFrame({"R": [n, 1, n, 1], "F": [n, 1, 1, n]})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)  # n = 3 cannot reach two segments
            got = ms.rfm_segments(scores, n_bins=n).tolist()
        assert got == ["Champions", "Lost", "New Customers", "Can't Lose Them"], n


def test_three_bins_name_the_segments_no_cell_can_reach():
    with pytest.warns(DataQualityWarning, match="no cell falls in 2 of the 11 segments: Promising, Hibernating"):
        seg = ms.rfm_segments(_every_cell(3), n_bins=3)
    assert seg.nunique() == 9 and list(seg.cat.categories) == list(RFM_SEGMENTS)


def test_segments_read_the_number_of_bins_from_the_scorer():
    table = pd.DataFrame({"days_since_last": np.arange(100.0), "n_orders": np.arange(100) % 17 + 1,
                          "total_spend": np.linspace(5, 500, 100)})
    scores = ms.RFMScorer(n_bins=10).fit_transform(table)
    assert scores.attrs["n_bins"] == 10
    seg = ms.rfm_segments(scores)  # no error about 1..5, no silently empty segments
    assert seg.notna().all() and seg.nunique() >= 9


def test_scores_outside_the_bins_are_refused_with_the_fix():
    with pytest.raises(MicrosegError, match=r"integers 1..5; 1 rows are not \(e.g. \[7\]\). Pass n_bins="):
        ms.rfm_segments(pd.DataFrame({"R": [7, 1], "F": [1, 1]}))
