"""Dask input: rfm, cohorts and profile give the pandas answers; bad Dask input gets clear errors."""

from __future__ import annotations

import subprocess
import warnings
import sys
from contextlib import nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import DataQualityWarning, MicrosegError, SchemaError

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def demo():
    return ms.datasets.make_customers(n_customers=2000, random_state=0)


def _rfm_both(tx, npartitions=4, **kw):
    return ms.rfm(tx, **kw), ms.rfm(dd.from_pandas(tx, npartitions=npartitions), **kw)


def _same_table(expected: pd.DataFrame, got: pd.DataFrame):
    # Dask stores text as pyarrow "string" where pandas uses "str": same ids, other dtype
    pd.testing.assert_frame_equal(expected, got, check_index_type=False, rtol=1e-12)
    assert got.index.tolist() == expected.index.tolist()


# --------------------------------------------------------------------------- rfm
@pytest.mark.parametrize(
    "kw",
    [{}, {"convention": "btyd", "freq": "W"}, {"order": "order_id", "freq": "h"}, {"value": None}],
    ids=["analyst", "btyd-weekly", "orders-hourly", "no-value"],
)
def test_rfm_on_dask_equals_rfm_on_pandas_for_demo_data(client, demo, kw):
    expected, got = _rfm_both(demo.transactions, **kw)
    _same_table(expected, got)
    assert got.attrs["as_of"] == expected.attrs["as_of"]
    assert got.attrs["microseg_rows"] == expected.attrs["microseg_rows"]


def _messy_log() -> pd.DataFrame:
    ts = pd.to_datetime(
        ["2024-01-01", "2024-01-03", "2024-02-01", "2024-01-05", "2024-01-06", "2024-01-07", "2024-03-01",
         "2024-01-02", "2024-02-02", "2024-04-01", "2024-01-09", None]
    )  # fmt: skip
    return pd.DataFrame({
        "customer_id": ["a", "a", "a", "b", "b", None, "c", "d", "d", "a", "e", "b"],
        "timestamp": ts,
        "amount": [10.0, -4.0, 7.0, 3.0, np.nan, 5.0, 2.0, -1.0, -2.0, 9.0, 6.0, 1.0],
    })  # fmt: skip


def test_rfm_on_dask_reports_the_same_left_out_rows_as_pandas(client):
    tx = _messy_log()  # a missing id, a missing time, a missing amount, a row after as_of, returns of a non-buyer (d)
    with pytest.warns(DataQualityWarning) as expected_w:
        expected = ms.rfm(tx, as_of="2024-03-15")
    with pytest.warns(DataQualityWarning) as got_w:
        got = ms.rfm(dd.from_pandas(tx, npartitions=3), as_of="2024-03-15")
    _same_table(expected, got)
    assert got.attrs["microseg_rows"] == expected.attrs["microseg_rows"] == {
        "missing customer id": 1, "missing timestamp": 1, "missing amount": 1, "after as_of": 1,
        "returns of customers without a purchase": 2,
    }  # fmt: skip
    assert [str(w.message) for w in got_w] == [str(w.message) for w in expected_w]


def test_rfm_on_dask_keeps_wall_time_of_time_zone_aware_logs(client, demo):
    tx = demo.transactions.head(3000).assign(timestamp=lambda d: d["timestamp"].dt.tz_localize("Europe/London",
                                                                                              ambiguous="NaT",
                                                                                              nonexistent="NaT"))
    tx = tx.dropna(subset=["timestamp"])
    as_of = pd.Timestamp("2023-06-30 12:00", tz="UTC")
    expected, got = _rfm_both(tx, as_of=as_of, convention="btyd", freq="h")
    _same_table(expected, got)
    assert len(got) > 0 and (got["recency"] <= got["T"]).all()  # hours on the local wall clock, none after as_of


def test_rfm_on_dask_raises_the_pandas_errors_for_bad_options(client, demo):
    ddf = dd.from_pandas(demo.transactions, npartitions=2)
    with pytest.raises(MicrosegError, match="convention"):
        ms.rfm(ddf, convention="nope")
    with pytest.raises(MicrosegError, match="before the first row"):
        ms.rfm(ddf, as_of="1990-01-01")
    with pytest.raises(SchemaError, match="has no column .client."):
        ms.rfm(ddf, customer="client")


# --------------------------------------------------------------------------- cohorts
@pytest.mark.parametrize(
    "kw", [{}, {"metric": "revenue", "period": "W"}, {"metric": "customers", "period": "Q", "as_of": "2024-05-01"}]
)
def test_cohorts_on_dask_equal_cohorts_on_pandas_for_demo_data(client, demo, kw):
    tx = demo.transactions
    with pytest.warns(DataQualityWarning, match="after as_of") if "as_of" in kw else nullcontext():
        expected = ms.cohorts(tx, **kw)
    with pytest.warns(DataQualityWarning, match="after as_of") if "as_of" in kw else nullcontext():
        got = ms.cohorts(dd.from_pandas(tx, npartitions=4), **kw)
    pd.testing.assert_frame_equal(expected, got, rtol=1e-12)
    pd.testing.assert_series_equal(expected.attrs["cohort_size"], got.attrs["cohort_size"])
    assert got.attrs["microseg_rows"] == expected.attrs["microseg_rows"]


def test_cohorts_on_dask_report_the_same_left_out_rows_as_pandas(client):
    tx = pd.concat([_messy_log(), pd.DataFrame({
        "customer_id": ["e"], "timestamp": pd.to_datetime(["2024-01-08"]), "amount": [-3.0]})])  # before e's first
    for metric in ("retention", "revenue"):
        with pytest.warns(DataQualityWarning) as expected_w:
            expected = ms.cohorts(tx, period="D", metric=metric)
        with pytest.warns(DataQualityWarning) as got_w:
            got = ms.cohorts(dd.from_pandas(tx, npartitions=3), period="D", metric=metric)
        pd.testing.assert_frame_equal(expected, got, rtol=1e-12)
        assert got.attrs["microseg_rows"] == expected.attrs["microseg_rows"]
        assert expected.attrs["microseg_rows"]["returns before the customer's first purchase"] == 1
        assert [str(w.message) for w in got_w] == [str(w.message) for w in expected_w]


def test_a_dask_log_without_purchases_gets_the_pandas_error(client):
    tx = _messy_log().dropna().assign(amount=lambda d: -d["amount"].abs())
    ddf = dd.from_pandas(tx, npartitions=2)
    with pytest.raises(MicrosegError, match="no purchase"):
        ms.rfm(ddf)
    with pytest.raises(MicrosegError, match="no purchase"):
        ms.cohorts(ddf)


# --------------------------------------------------------------------------- profile
@pytest.fixture(scope="module")
def people(demo):
    return demo.customers.merge(demo.truth.customers[["customer_id", "persona"]], on="customer_id")


def _same_profile(expected, got):
    pd.testing.assert_frame_equal(expected.table, got.table, rtol=1e-9)
    pd.testing.assert_frame_equal(expected.sizes, got.sizes, rtol=1e-12)
    pd.testing.assert_frame_equal(expected.suppressed, got.suppressed)
    assert got.notes == expected.notes


def test_profile_on_dask_equals_profile_on_pandas_for_demo_data(client, people):
    expected = ms.profile(people, "persona")
    got = ms.profile(dd.from_pandas(people, npartitions=3), "persona")
    _same_profile(expected, got)
    # medians and rank tests are exact, not approximated
    num = expected.table["kind"] == "numeric"
    for c in ("median_segment", "median_low", "median_high", "p_value"):
        np.testing.assert_array_equal(expected.table.loc[num, c], got.table.loc[num, c])


def test_profile_on_dask_equals_pandas_for_categories_read_from_parquet(client, people, tmp_path):
    # Parquet dictionaries reach Dask as categoricals whose metadata lists no categories
    df = people.assign(persona=people["persona"].astype("category"))
    for i in range(4):
        df.iloc[i * 500 : (i + 1) * 500].to_parquet(tmp_path / f"part-{i}.parquet")
    cols = ["age", "gender", "country", "preferred_channel", "gamer"]
    expected = ms.profile(pd.read_parquet(tmp_path), "persona", columns=cols)
    got = ms.profile(dd.read_parquet(str(tmp_path), filesystem="arrow"), "persona", columns=cols)
    _same_profile(expected, got)
    assert set(got.sizes["segment"]) == set(df["persona"].unique())  # the categories were found in the partitions
    assert set(got.table["column"]) == set(cols)


def test_profile_on_dask_takes_labels_as_a_dask_series_with_known_divisions(client, people):
    rng = np.random.default_rng(1)
    labels = pd.Series(rng.choice(["x", "y", "z"], len(people)), index=people.index, name="group")
    cols = ["age", "income", "gender", "gamer", "preferred_channel"]
    expected = ms.profile(people, labels, columns=cols)
    got = ms.profile(dd.from_pandas(people, npartitions=3), dd.from_pandas(labels, npartitions=3), columns=cols)
    _same_profile(expected, got)
    assert got.sizes.set_index("segment")["n"].to_dict() == labels.value_counts().to_dict()  # every label aligned


def test_profile_on_dask_refuses_labels_when_divisions_are_unknown(client, people):
    ddf = dd.from_pandas(people, npartitions=3).clear_divisions()
    labels = dd.from_pandas(people["persona"], npartitions=3).clear_divisions()
    with pytest.raises(MicrosegError, match="known divisions"):
        ms.profile(ddf, labels)


def test_profile_on_dask_reports_rows_without_a_label(client, people):
    df = people.assign(persona=people["persona"].where(people.index % 10 != 0))
    cols = ["age", "income", "gender"]
    with pytest.warns(DataQualityWarning, match="without a segment label"):
        expected = ms.profile(df, "persona", columns=cols)
    with pytest.warns(DataQualityWarning, match="without a segment label"):
        got = ms.profile(dd.from_pandas(df, npartitions=4), "persona", columns=cols)
    _same_profile(expected, got)
    assert got.rows == expected.rows == {"rows without a segment label (left out)": 200}


def test_profile_on_dask_refuses_weights(client, people):
    with pytest.raises(MicrosegError, match="weights are not supported"):
        ms.profile(dd.from_pandas(people, npartitions=2), "persona", weights="income")


# --------------------------------------------------------------------------- bad input, missing dask
def test_partitions_with_inconsistent_dtypes_raise_naming_partition_and_column(client):
    from dask import delayed

    good = _messy_log().dropna()
    bad = good.assign(amount=good["amount"].astype(str))
    ddf = dd.from_delayed([delayed(good), delayed(bad)], meta=good.iloc[:0], verify_meta=False)
    with pytest.raises(SchemaError, match=r"partition 1 of transactions holds column 'amount' as"):
        ms.rfm(ddf)


def test_missing_dask_says_how_to_install_it(monkeypatch):
    from microseg._dask import require_dask

    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(MicrosegError, match=r'pip install "microseg\[scale\]"'):
        require_dask("ms.rfm()")


def test_pandas_calls_never_import_dask():
    code = (
        "import sys, pandas as pd, microseg as ms\n"
        "tx = pd.DataFrame({'customer_id': ['a'], 'timestamp': pd.to_datetime(['2024-01-01']), 'amount': [1.0]})\n"
        "ms.cohorts(tx)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'dask'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True,
                         cwd=Path(__file__).parents[1])
    assert out.stdout.strip() == "[]"


# --------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def retail(shared_data):
    return ms.datasets.load_online_retail(shared_data, years="2010-2011")


@pytest.fixture(scope="module")
def retail_parquet(retail, tmp_path_factory):
    """The invoice lines as six Parquet files, read back by Dask the way large logs are."""
    tx = retail[["customer_id", "order_id", "timestamp", "amount"]]
    folder = tmp_path_factory.mktemp("retail")
    for i, chunk in enumerate(np.array_split(np.arange(len(tx)), 6)):
        tx.iloc[chunk].to_parquet(folder / f"part-{i}.parquet", index=False)
    # filesystem="arrow": the pyarrow reader (the fsspec one trips a pandas deprecation warning inside dask)
    return tx, dd.read_parquet(str(folder), filesystem="arrow")


@pytest.mark.realdata
def test_rfm_and_cohorts_on_dask_equal_pandas_for_online_retail(client, retail_parquet):
    tx, ddf = retail_parquet
    with pytest.warns(DataQualityWarning, match="missing customer id"):
        expected = ms.rfm(tx, order="order_id")
    with pytest.warns(DataQualityWarning, match="missing customer id"):
        got = ms.rfm(ddf, order="order_id")
    _same_table(expected, got)
    assert got.attrs["microseg_rows"] == expected.attrs["microseg_rows"]
    with pytest.warns(DataQualityWarning):
        expected_c = ms.cohorts(tx, metric="revenue")
    with pytest.warns(DataQualityWarning):
        got_c = ms.cohorts(ddf, metric="revenue")
    pd.testing.assert_frame_equal(expected_c, got_c, rtol=1e-9)


@pytest.mark.realdata
def test_profile_on_dask_equals_pandas_for_online_retail_lines(client, retail):
    lines = retail[["country", "quantity", "unit_price", "is_cancellation", "is_product"]].head(100_000)
    lines = lines.assign(uk=np.where(lines["country"] == "United Kingdom", "UK", "abroad"))
    cols = ["quantity", "unit_price", "is_cancellation", "is_product"]
    expected = ms.profile(lines, "uk", columns=cols)
    got = ms.profile(dd.from_pandas(lines, npartitions=4, sort=False), "uk", columns=cols)
    _same_profile(expected, got)
    assert got.sizes.set_index("segment")["n"].sum() == len(lines)  # every line counted once across partitions


# --------------------------------------------------------------------------- row-wise model methods
@pytest.fixture(scope="module")
def fitted(people):
    cols = ["customer_id", "age", "income", "gender", "preferred_channel", "gamer", "travel_lover", "opted_out"]
    X = people[cols]
    seed = X["customer_id"][(people["persona"] == people["persona"].iloc[0]) & ~people["opted_out"]]
    with pytest.warns(ms.lookalike.SmallSeedWarning):  # 306 members: enough to test, small for a campaign
        look = ms.Lookalike(method="pu", random_state=0, min_seed=50).fit(X, seed=seed)
    model = ms.SegmentModel(n_segments=4, random_state=0).fit(X[["age", "income", "gender", "preferred_channel"]])
    return X, look, model


def test_segment_model_predict_on_dask_returns_a_dask_series_equal_to_pandas(client, fitted):
    X, _, model = fitted
    cols = ["age", "income", "gender", "preferred_channel"]
    got = model.predict(dd.from_pandas(X[cols], npartitions=3))
    assert type(got).__module__.startswith("dask")
    np.testing.assert_array_equal(got.compute().to_numpy(), model.predict(X[cols]))


def test_lookalike_scores_on_dask_equal_pandas_row_by_row(client, fitted):
    X, look, _ = fitted
    got = look.score_samples(dd.from_pandas(X, npartitions=3))
    assert type(got).__module__.startswith("dask")
    pd.testing.assert_series_equal(got.compute(), look.score_samples(X), check_index_type=False)


@pytest.mark.parametrize("kw", [{"size": 0.1}, {"n": 37}])
def test_lookalike_audience_on_dask_chooses_the_pandas_rows(client, fitted, kw):
    X, look, _ = fitted
    expected = look.audience(X, **kw)
    got = look.audience(dd.from_pandas(X, npartitions=3), **kw)
    assert type(got).__module__.startswith("dask")
    got = got.compute().sort_values("rank")
    pd.testing.assert_frame_equal(got, expected, check_index_type=False, check_dtype=False)
    assert got["score"].dtype == expected["score"].dtype and got["tier"].dtype == expected["tier"].dtype


def test_lookalike_audience_on_dask_applies_opt_out_and_suppression_per_person_across_partitions(client, fitted):
    """A person's records in different partitions, linked by a chain (e-mail in one, phone in another)."""
    X, look, _ = fitted
    X = X.drop(columns=[c for c in ("email", "phone") if c in X.columns]).head(300).reset_index(drop=True)
    X = X.assign(opted_out=False, email=[f"p{i}@x.example" for i in range(len(X))], phone=None)
    best = look.audience(X, n=5).index.tolist()
    # row best[0] is opted out through a twin in the last partition (same address, upper-cased, +tag)
    X.loc[len(X) - 1, ["email", "opted_out"]] = [f" P{best[0]}+Z@X.example", True]
    # best[1]'s e-mail shares a record with a phone; that phone's other record is on the list
    X.loc[len(X) - 2, ["email", "phone"]] = [f"p{best[1]}@x.example", "+447700900001"]
    X.loc[0 if best[1] != 0 else 1, "phone"] = "+44 7700 900001"
    listed = pd.DataFrame({"phone": ["+447700900001"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sl = ms.privacy.suppression_list(listed)
    expected = look.audience(X, n=5, suppression=sl)
    got = look.audience(dd.from_pandas(X, npartitions=3), n=5, suppression=sl).compute().sort_values("rank")
    assert best[0] not in expected.index and best[1] not in expected.index
    assert got.index.tolist() == expected.index.tolist()
    np.testing.assert_array_equal(got["score"].to_numpy(), expected["score"].to_numpy())
