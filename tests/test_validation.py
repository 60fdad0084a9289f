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
    with pytest.raises(SchemaError, match="'y'.*1 infinite"):
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
