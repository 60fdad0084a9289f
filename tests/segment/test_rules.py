"""Rule segments: bands, rule_segments, combine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg import DataQualityWarning, MicrosegError, SchemaError


def test_age_bands_are_left_closed_with_readable_labels():
    s = ms.bands(pd.Series([0, 17, 18, 24, 25, 64, 65, 99], name="age"), "age")
    assert s.tolist() == ["0–17", "0–17", "18–24", "18–24", "25–34", "55–64", "65+", "65+"]
    assert s.cat.ordered
    assert s.attrs["counts"]["18–24"] == 2


def test_explicit_edges_and_labels():
    s = ms.bands(pd.Series([5.0, 15.0, 25.0]), [0, 10, 20, 30], labels=["low", "mid", "high"])
    assert s.tolist() == ["low", "mid", "high"]
    assert s.attrs["edges"] == [0.0, 10.0, 20.0, 30.0]


def test_quantile_bands_have_equal_sizes():
    x = pd.Series(np.arange(100, dtype=float))
    s = ms.bands(x, "quantile", q=4)
    assert list(s.attrs["counts"].values()) == [25, 25, 25, 25]
    assert s.iloc[0] == "Q1" and s.iloc[-1] == "Q4"


def test_values_outside_edges_are_reported_not_dropped_silently():
    with pytest.warns(DataQualityWarning, match=r"outside the band edges \(left missing\): 1"):
        s = ms.bands(pd.Series([1, 5, 50]), [0, 10, 20])
    assert s.isna().tolist() == [False, False, True]


def test_bands_reject_wrong_label_count_and_text():
    with pytest.raises(MicrosegError, match="need 2 labels"):
        ms.bands(pd.Series([1, 2]), [0, 1, 3], labels=["a"])
    with pytest.raises(SchemaError, match="numeric"):
        ms.bands(pd.Series(["a", "b"]), "age")


def test_rule_segments_first_match_wins_rest_is_other():
    df = pd.DataFrame({"age": [22, 25, 61, 40], "gamer": [True, True, True, False]})
    rules = {"gamers": df["gamer"], "young": "age < 30", "seniors": lambda d: d["age"] >= 60}
    s = ms.rule_segments(df, rules)
    assert s.tolist() == ["gamers", "gamers", "gamers", "other"]
    s2 = ms.rule_segments(df, {"young": "age < 30", "gamers": df["gamer"].to_numpy()})
    assert s2.tolist() == ["young", "young", "gamers", "other"]
    assert s2.attrs["counts"] == {"young": 2, "gamers": 1, "other": 1}
    assert list(s2.cat.categories) == ["young", "gamers", "other"]


def test_rule_segments_missing_values_do_not_match():
    df = pd.DataFrame({"vip": pd.array([True, None, False], dtype="boolean")})
    assert ms.rule_segments(df, {"vip": df["vip"]}).tolist() == ["vip", "other", "other"]


def test_rule_segments_errors_name_the_rule():
    df = pd.DataFrame({"age": [1, 2]}, index=[5, 6])
    with pytest.raises(MicrosegError, match="rule 'x'.*index"):
        ms.rule_segments(df, {"x": pd.Series([True, False])})
    with pytest.raises(MicrosegError, match="rule 'y'.*3 values"):
        ms.rule_segments(df, {"y": [True, False, True]})
    with pytest.raises(MicrosegError, match="rule 'z'.*True/False"):
        ms.rule_segments(df, {"z": "age + 1"})
    with pytest.raises(MicrosegError, match="unmatched"):
        ms.rule_segments(df, {"other": "age > 1"})


def test_combine_labels_every_combination_largest_first():
    df = pd.DataFrame({"g": ["f", "m", "f", "f", "m"], "u": ["x", "y", "x", None, "y"]})
    s = ms.combine(df, ["g", "u"])
    assert s.tolist() == ["f / x", "m / y", "f / x", "f / (missing)", "m / y"]
    assert s.attrs["counts"] == {"f / x": 2, "m / y": 2, "f / (missing)": 1}
    # many columns with many levels: labels come from the combinations that occur only
    big = pd.DataFrame({c: np.arange(1000) % (97 + i) for i, c in enumerate("abcd")})
    assert ms.combine(big, list("abcd")).nunique() == 1000
