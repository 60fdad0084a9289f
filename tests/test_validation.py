import warnings

import numpy as np
import pandas as pd
import pytest

from microseg import _validation as v
from microseg.errors import DataQualityWarning, MicrosegError, SchemaError


def test_missing_column_names_it_and_lists_what_is_there():
    df = pd.DataFrame({"customer_id": ["a"], "amount": [1.0]})
    with pytest.raises(SchemaError, match=r"no column 'timestamp'; its columns are \['customer_id', 'amount'\]"):
        v.check_columns(df, ["customer_id", "timestamp"], name="transactions")


def test_float_ids_are_refused_with_the_fix():
    df = pd.DataFrame({"customer_id": [17850.0, np.nan]})
    with pytest.raises(SchemaError, match=r"ids stored as floats.*dtype=\{'customer_id': str\}"):
        v.check_id_column(df, "customer_id")


def test_text_dates_are_refused_not_guessed():
    df = pd.DataFrame({"timestamp": ["01/02/2024", "03/02/2024"]})
    with pytest.raises(SchemaError, match=r"must hold timestamps.*pd.to_datetime"):
        v.check_datetime(df, "timestamp")


def test_mixed_time_zones_are_refused():
    ts = [pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("2024-01-01", tz="Europe/Paris")]
    df = pd.DataFrame({"timestamp": pd.Series(ts, dtype=object)})
    with pytest.raises(SchemaError, match="mixes time zones"):
        v.check_datetime(df, "timestamp")


def test_non_numeric_amounts_are_refused():
    df = pd.DataFrame({"amount": ["1.0", "x"]})
    with pytest.raises(SchemaError, match=r"'amount'.*must be numeric.*pd.to_numeric"):
        v.check_numeric(df, "amount")


def test_empty_frame_and_non_frame_are_refused():
    with pytest.raises(SchemaError, match="is empty"):
        v.check_frame(pd.DataFrame({"a": []}))
    with pytest.raises(SchemaError, match="must be a pandas DataFrame, got numpy.ndarray"):
        v.check_frame(np.zeros(3))


def test_duplicate_ids_are_counted():
    df = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "c"]})
    with pytest.raises(SchemaError, match="2 ids repeat"):
        v.check_unique(df, "customer_id")


def test_nan_and_inf_are_reported_per_column():
    df = pd.DataFrame({"x": [1.0, np.nan], "y": [1.0, np.inf]})
    with pytest.raises(SchemaError, match="'x'.*1 missing"):
        v.check_no_missing(df, ["x"])
    with pytest.raises(SchemaError, match=r"infinite values in column 'y' \(1\)"):
        v.check_finite(df, ["y"])


@pytest.mark.parametrize("w, msg", [([1, -1], "negative"), ([1, np.nan], "missing"), ([0, 0], "all zero"), ([1], "one weight per row")])
def test_bad_weights_are_refused(w, msg):
    with pytest.raises(MicrosegError, match=msg):
        v.check_weights(w, 2)


def test_misaligned_labels_are_refused():
    df = pd.DataFrame({"a": [1, 2, 3]})
    with pytest.raises(MicrosegError, match="index does not match"):
        v.check_labels(df, pd.Series(["x", "y", "z"], index=[5, 6, 7]))
    with pytest.raises(MicrosegError, match="2 labels but the data has 3 rows"):
        v.check_labels(df, ["x", "y"])


def test_shuffled_series_labels_are_realigned():
    df = pd.DataFrame({"a": [1, 2, 3]}, index=[10, 11, 12])
    lab = pd.Series(["z", "x", "y"], index=[12, 10, 11])
    assert v.check_labels(df, lab).tolist() == ["x", "y", "z"]


@pytest.mark.parametrize("bad", [0, 1.5, -0.1, "big"])
def test_share_outside_unit_interval_is_refused(bad):
    with pytest.raises(MicrosegError, match=r"\(0, 1\]"):
        v.check_share(bad)


def test_report_rows_warns_once_with_counts_and_records_them():
    df = pd.DataFrame({"a": [1]})
    with pytest.warns(DataQualityWarning, match="missing id: 2; cancelled: 5") as rec:
        out = v.report_rows(df, {"missing id": 2, "cancelled": 5, "future": 0})
    assert len(rec) == 1
    assert out.attrs["microseg_rows"] == {"missing id": 2, "cancelled": 5, "future": 0}


def test_report_rows_is_silent_when_nothing_was_dropped():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = v.report_rows(pd.DataFrame(), {"missing id": 0})
    assert out.attrs["microseg_rows"] == {"missing id": 0}


# --------------------------------------------------------------------------- issue 21, point 4: bad input, every case
import microseg as ms  # noqa: E402
from microseg.errors import IdentifierTypeError  # noqa: E402


def _table(n=120, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"customer_id": [f"C{i}" for i in range(n)], "x": rng.normal(size=n), "y": rng.normal(size=n),
                         "seg": rng.choice(["a", "b"], n), "opted_out": False, "email_opt_in": True})  # fmt: skip


def _with_inf(df):
    out = df.copy()
    out.loc[out.index[[3, 7]], "x"] = [np.inf, -np.inf]
    return out


def test_check_finite_names_every_column_with_infinite_values_at_once():
    df = pd.DataFrame({"a": [1.0, np.inf], "b": [-np.inf, -np.inf], "c": [1.0, 2.0]})
    with pytest.raises(SchemaError, match=r"column 'a' \(1\), column 'b' \(2\).*replace\(\[np.inf, -np.inf\], np.nan\)"):
        v.check_finite(df)


def test_describe_counts_infinite_values_and_summarises_without_them():
    df = _with_inf(_table())
    with pytest.warns(DataQualityWarning, match=r"infinite values.*column 'x': 2"):
        d = ms.describe(df[["x", "y"]])
    assert np.isfinite(d.to_frame().set_index("column").loc["x", "mean"])


@pytest.mark.parametrize("call", [
    lambda df: ms.profile(df[["x", "y", "seg"]], "seg"),
    lambda df: ms.compare(df[["x", "y"]], a=df["seg"].eq("a").to_numpy()),
    lambda df: ms.explain(df[["x", "y"]], df["seg"]),
    lambda df: ms.privacy.generalise_to_k(df, ["x", "seg"], k=5),
    lambda df: ms.SegmentModel(n_segments=2, random_state=0).fit(df[["x", "y"]]),
    lambda df: ms.Lookalike(min_seed=10).fit(df[["customer_id", "x", "y", "opted_out"]], seed=df["y"] > 0.5),
], ids=["profile", "compare", "explain", "generalise_to_k", "SegmentModel", "Lookalike"])
def test_infinite_values_are_refused_naming_the_column_and_the_fix(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        with pytest.raises(SchemaError, match=r"infinite values in column 'x' \(2\).*replace\(\[np.inf, -np.inf\], np.nan\)"):
            call(_with_inf(_table()))


def test_suppress_small_cells_refuses_an_infinite_count():
    with pytest.raises(SchemaError, match="count column 'n' has 1 infinite"):
        ms.privacy.suppress_small_cells(pd.DataFrame({"n": [50.0, np.inf]}), min_cell=10)


@pytest.mark.parametrize("call", [
    lambda s: ms.privacy.has_consent(s, channel="email"),
    lambda s: ms.SegmentModel(n_segments=2).fit(s),
    lambda s: ms.PsychographicModel().fit(s),
    lambda s: ms.Lookalike().fit(s, seed=s > 0),
], ids=["has_consent", "SegmentModel", "PsychographicModel", "Lookalike"])
def test_a_series_for_a_table_is_refused_with_the_fix(call):
    s = _table()["x"]
    with pytest.raises(SchemaError, match=r"Series.*df\[\['x'\]\]"):
        call(s)


def test_send_time_counts_missing_responses_and_refuses_values_other_than_0_and_1():
    t = pd.to_datetime(["2024-01-01 09:00"] * 200 + ["2024-01-02 18:00"] * 200)
    ok = pd.DataFrame({"sent_at": t, "opened": pd.Series([1.0, np.nan] * 200)})
    with pytest.warns(DataQualityWarning, match="missing response: 200"):
        ms.campaign.send_time(ok, min_count=50)
    for bad in ([np.inf, 1.0], [0.5, 1.0], [2.0, 0.0]):
        with pytest.raises(SchemaError, match=r"response column 'opened' must hold True/False or 0/1.*200 values"):
            ms.campaign.send_time(pd.DataFrame({"sent_at": t, "opened": bad * 200}), min_count=50)
    objects = pd.DataFrame({"sent_at": t, "opened": pd.Series([True, None] * 200, dtype=object)})
    with pytest.warns(DataQualityWarning, match="missing response: 200"):
        assert ms.campaign.send_time(objects, min_count=50).best["rate"].tolist() == [1.0]


def _float_id_cases():
    X = _table().assign(customer_id=np.arange(120, dtype="float64"))
    tx = pd.DataFrame({"customer_id": [1.0, 1.0, 2.0, 2.0, 3.0], "order_id": [1, 1, 2, 2, 3], "amount": 5.0,
                       "product_id": ["a", "b", "a", "b", "a"], "timestamp": pd.date_range("2024-01-01", periods=5)})  # fmt: skip
    return {
        "rfm": lambda: ms.rfm(tx),
        "recommend": lambda: ms.campaign.recommend(tx),
        "Lookalike": lambda: ms.Lookalike(min_seed=10).fit(X[["customer_id", "x", "opted_out"]], seed=X["x"] > 0.5),
        "plan": lambda: ms.campaign.plan(X.assign(segment="s"), response=0.1, cost_per_contact=1.0, value_per_conversion=2.0),
        "holdout_split": lambda: ms.campaign.holdout_split(X, control=0.2, random_state=0),
        "suppression_list": lambda: ms.privacy.suppression_list(X.assign(email="a@b.example"), customer="customer_id"),
        "contact_status": lambda: ms.privacy.contact_status(X, channel="email", customer="customer_id"),
        "customer_view": lambda: ms.customer_view(X),
        "lookalike.evaluate": lambda: ms.lookalike.evaluate(X[["customer_id", "x", "y", "opted_out"]], seed=X["x"] > 0.5),
        "export_audience": lambda: ms.privacy.export_audience(X.assign(email="a@b.example", ads_opt_in=True), platform="meta",
                                                              customer="customer_id", updated=None),
    }


@pytest.mark.parametrize("name", sorted(_float_id_cases()))
def test_float_ids_are_refused_the_same_way_by_every_function_that_takes_ids(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(SchemaError, match=r"ids stored as floats.*dtype=\{'customer_id': str\}"):
            _float_id_cases()[name]()


def _series_cases():
    """Every public function that takes a table, called with a Series (functions that take a Series by design excluded)."""
    def look(s):
        return ms.Lookalike().fit(s, seed=s > 0)

    return {
        "describe": lambda s: ms.describe(s),
        "profile": lambda s: ms.profile(s, ["a", "b"] * (len(s) // 2)),
        "compare": lambda s: ms.compare(s, a=np.arange(len(s)) % 2 == 0),
        "overlap": lambda s: ms.overlap(s, ["x"]),
        "rule_segments": lambda s: ms.rule_segments(s, {"big": "x > 0"}),
        "combine": lambda s: ms.combine(s, ["x"]),
        "customer_view": lambda s: ms.customer_view(s),
        "k_anonymity": lambda s: ms.privacy.k_anonymity(s, ["x"]),
        "generalise_to_k": lambda s: ms.privacy.generalise_to_k(s, ["x"], k=2),
        "freshness": lambda s: ms.privacy.freshness(s),
        "contact_status": lambda s: ms.privacy.contact_status(s, channel="email"),
        "has_consent": lambda s: ms.privacy.has_consent(s, channel="email"),
        "is_suppressed": lambda s: ms.privacy.is_suppressed(s, ms.privacy.suppression_list(pd.DataFrame({"email": ["a@b.c"]}))),
        "suppression_list": lambda s: ms.privacy.suppression_list(s),
        "export_audience": lambda s: ms.privacy.export_audience(s, platform="meta"),
        "suppress_small_cells": lambda s: ms.privacy.suppress_small_cells(s),
        "k_holdout_split": lambda s: ms.campaign.holdout_split(s, control=0.2),
        "readout": lambda s: ms.campaign.readout(s, outcome="x", group="g"),
        "send_time": lambda s: ms.campaign.send_time(s),
        "recommend": lambda s: ms.campaign.recommend(s),
        "rfm": lambda s: ms.rfm(s),
        "cohorts": lambda s: ms.cohorts(s),
        "purchase_timing": lambda s: ms.purchase_timing(s),
        "funnel": lambda s: ms.funnel(s, ["a", "b"]),
        "clv": lambda s: ms.clv(s),
        "explain": lambda s: ms.explain(s, ["a", "b"] * (len(s) // 2)),
        "choose_k": lambda s: ms.choose_k(s, k=range(2, 4)),
        "stability": lambda s: ms.stability(s, k=2),
        "SegmentModel": lambda s: ms.SegmentModel(n_segments=2).fit(s),
        "PsychographicModel": lambda s: ms.PsychographicModel().fit(s),
        "Lookalike": look,
    }


@pytest.mark.parametrize("name", sorted(_series_cases()))
def test_every_public_function_answers_a_series_for_a_table_with_a_clear_error(name):
    s = _table()["x"]
    before = s.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(MicrosegError, match="(?i)series|DataFrame|table"):
            _series_cases()[name](s)
    pd.testing.assert_series_equal(s, before)
