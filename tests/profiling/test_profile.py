"""profile(): statistics equal hand computations and scipy; weights; bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import microseg as ms
from microseg import AudienceTooSmallError, DataQualityWarning, MicrosegError, SchemaError


@pytest.fixture
def tiny():
    # segment a: 12 people, 9 gamers; segment b: 18 people, 4 gamers
    seg = ["a"] * 12 + ["b"] * 18
    gamer = [True] * 9 + [False] * 3 + [True] * 4 + [False] * 14
    spend = [float(v) for v in [5, 7, 7, 9, 12, 15, 15, 18, 20, 22, 30, 41]] + [
        float(v) for v in [1, 2, 2, 3, 4, 5, 5, 6, 7, 7, 8, 9, 10, 12, 13, 15, 15, 40]
    ]
    return pd.DataFrame({"seg": seg, "gamer": gamer, "spend": spend})


def _row(prof, segment, column, level=""):
    t = prof.to_frame()
    r = t[(t["segment"] == segment) & (t["column"] == column) & (t["level"] == level)]
    assert len(r) == 1
    return r.iloc[0]


def test_index_interval_and_fisher_match_hand_computation(tiny):
    prof = ms.profile(tiny, "seg", min_cell=1)
    r = _row(prof, "a", "gamer", "True")
    p1, p2, p_all, pi = 9 / 12, 4 / 18, 13 / 30, 12 / 30
    assert r["n"] == 9
    assert r["share_segment"] == pytest.approx(p1)
    assert r["share_overall"] == pytest.approx(p_all)
    assert r["index"] == pytest.approx(100 * p1 / p_all)
    # delta method on log(index), segment and rest independent binomials
    var = (1 / p1 - pi / p_all) ** 2 * p1 * (1 - p1) / 12 + ((1 - pi) / p_all) ** 2 * p2 * (1 - p2) / 18
    z = stats.norm.ppf(0.975)
    assert r["index_low"] == pytest.approx(100 * p1 / p_all * math.exp(-z * math.sqrt(var)))
    assert r["index_high"] == pytest.approx(100 * p1 / p_all * math.exp(z * math.sqrt(var)))
    # expected counts below 20 -> Fisher's exact test on segment vs rest
    assert r["test"] == "fisher"
    assert r["p_value"] == pytest.approx(stats.fisher_exact([[9, 3], [4, 14]]).pvalue)
    assert r["effect_size"] == pytest.approx(2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2)))


def test_numeric_row_matches_scipy_and_hand_computation(tiny):
    prof = ms.profile(tiny, "seg", min_cell=1)
    r = _row(prof, "a", "spend")
    a = tiny.loc[tiny.seg == "a", "spend"].to_numpy()
    b = tiny.loc[tiny.seg == "b", "spend"].to_numpy()
    assert r["mean_segment"] == pytest.approx(a.mean())
    lo, hi = stats.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=stats.sem(a))
    assert (r["mean_low"], r["mean_high"]) == pytest.approx((lo, hi))
    assert r["median_segment"] == pytest.approx(np.median(a))
    # order-statistic interval: ranks floor(n/2 - z sqrt(n)/2) and ceil(1 + n/2 + z sqrt(n)/2)
    z = stats.norm.ppf(0.975)
    j, k = math.floor(6 - z * math.sqrt(12) / 2), math.ceil(1 + 6 + z * math.sqrt(12) / 2)
    srt = np.sort(a)
    assert (r["median_low"], r["median_high"]) == (srt[j - 1], srt[k - 1])
    assert r["mean_rest"] == pytest.approx(b.mean())
    assert r["difference"] == pytest.approx(a.mean() - b.mean())
    smd = (a.mean() - b.mean()) / math.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2)
    assert r["effect_size"] == pytest.approx(smd)
    mw = stats.mannwhitneyu(a, b, method="asymptotic")
    assert r["test"] == "mannwhitney"
    assert r["p_value"] == pytest.approx(mw.pvalue, rel=1e-12)
    assert r["mean_overall"] == pytest.approx(tiny["spend"].mean())
    assert r["median_overall"] == pytest.approx(tiny["spend"].median())


def test_mann_whitney_from_rank_sums_equals_scipy_with_heavy_ties():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"seg": rng.integers(0, 5, 4000), "x": rng.integers(0, 7, 4000).astype(float)})
    df.loc[df.seg == 2, "x"] += rng.integers(0, 2, (df.seg == 2).sum())
    prof = ms.profile(df, "seg")
    t = prof.to_frame()
    for s in range(5):
        a, b = df.x[df.seg == s], df.x[df.seg != s]
        expected = stats.mannwhitneyu(a, b, method="asymptotic").pvalue
        assert t.loc[t.segment == s, "p_value"].item() == pytest.approx(expected, rel=1e-10, abs=1e-300)


def test_large_expected_counts_use_chi_square_without_correction():
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"seg": rng.choice(["a", "b", "c"], 3000), "ch": rng.choice(["app", "web"], 3000)})
    prof = ms.profile(df, "seg")
    r = _row(prof, "b", "ch", "app")
    inb = df.seg == "b"
    tab = pd.crosstab(inb, df.ch == "app").to_numpy()
    chi2 = stats.chi2_contingency(tab, correction=False)
    assert r["test"] == "chi2"
    assert r["p_value"] == pytest.approx(chi2.pvalue, rel=1e-9)


def test_p_values_adjusted_with_benjamini_hochberg_across_the_whole_table():
    rng = np.random.default_rng(2)
    n = 2000
    df = pd.DataFrame(
        {"seg": rng.choice(list("abcd"), n), "x": rng.normal(size=n), "c": rng.choice(list("pqr"), n), "f": rng.random(n) < 0.3}
    )
    df.loc[df.seg == "a", "x"] += 0.3
    t = ms.profile(df, "seg").to_frame()
    assert len(t) == 4 * (1 + 3 + 1)
    np.testing.assert_allclose(t["p_adjusted"], stats.false_discovery_control(t["p_value"]), rtol=1e-12)
    assert (t["significant"] == (t["p_adjusted"] <= 0.05)).all()
    assert t.loc[(t.segment == "a") & (t.column == "x"), "significant"].item()


def test_table_has_the_documented_columns_and_levels():
    df = pd.DataFrame(
        {"seg": ["a", "b"] * 20, "age": range(40), "vip": [True, False, False, True] * 10, "ch": pd.Categorical(["x", "y"] * 20)}
    )
    t = ms.profile(df, "seg").to_frame()
    need = ["segment", "column", "level", "n", "share_segment", "share_overall", "index", "mean_segment",
            "mean_overall", "effect_size", "p_value", "p_adjusted", "significant"]  # fmt: skip
    assert set(need) <= set(t.columns)
    assert set(t.loc[t.column == "age", "level"]) == {""}
    assert set(t.loc[t.column == "vip", "level"]) == {"True"}
    assert set(t.loc[t.column == "ch", "level"]) == {"x", "y"}
    assert (t["level"].map(type) == str).all()


def test_integer_weights_equal_replicated_rows_for_shares_and_means():
    rng = np.random.default_rng(5)
    n = 600
    df = pd.DataFrame({"seg": rng.choice(["a", "b"], n), "x": rng.normal(size=n).round(2), "f": rng.random(n) < 0.4})
    w = rng.integers(1, 4, n)
    rep = df.loc[df.index.repeat(w)].reset_index(drop=True)
    tw = ms.profile(df, "seg", weights=w).to_frame()
    tr = ms.profile(rep, "seg").to_frame()
    for c in ["share_segment", "share_overall", "index", "mean_segment", "mean_overall", "mean_rest"]:
        np.testing.assert_allclose(tw[c].astype(float), tr[c].astype(float), rtol=1e-10)
    # n counts people, not weights
    assert tw.loc[(tw.segment == "a") & (tw.column == "f"), "n"].item() == ((df.seg == "a") & df.f).sum()


def test_weighted_tests_use_the_effective_sample_size():
    rng = np.random.default_rng(6)
    n = 3000
    df = pd.DataFrame({"seg": rng.choice(["a", "b"], n), "f": rng.random(n) < 0.3})
    w = rng.uniform(0.2, 3.0, n)
    r = ms.profile(df, "seg", weights=w).to_frame().query("segment == 'a'").iloc[0]
    ina = (df.seg == "a").to_numpy()
    f = df.f.to_numpy()
    p1 = w[ina & f].sum() / w[ina].sum()
    p2 = w[~ina & f].sum() / w[~ina].sum()
    n1 = w[ina].sum() ** 2 / (w[ina] ** 2).sum()
    n2 = w[~ina].sum() ** 2 / (w[~ina] ** 2).sum()
    pool = (p1 * n1 + p2 * n2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(pool * (1 - pool) * (1 / n1 + 1 / n2))
    assert r["share_segment"] == pytest.approx(p1)
    assert r["p_value"] == pytest.approx(2 * stats.norm.sf(abs(z)))
    # scaling all weights changes nothing
    r2 = ms.profile(df, "seg", weights=w * 7.5).to_frame().query("segment == 'a'").iloc[0]
    assert r2["p_value"] == pytest.approx(r["p_value"])
    sizes = ms.profile(df, "seg", weights=w).sizes
    assert sizes.loc[0, "n_eff"] == pytest.approx(n1)


def test_weights_column_is_not_profiled_and_min_cell_counts_people():
    df = pd.DataFrame({"seg": ["a"] * 20 + ["b"] * 20, "rare": [True] * 3 + [False] * 37, "w": [100.0] * 40})
    df.loc[20:31, "rare"] = True
    prof = ms.profile(df, "seg", weights="w")
    assert "w" not in set(prof.table["column"])
    r = _row(prof, "a", "rare", "True")
    assert r["suppressed"] and pd.isna(r["n"]) and pd.isna(r["index"])


def test_rare_levels_are_pooled_and_noted():
    df = pd.DataFrame({"seg": ["a", "b"] * 33, "c": ["x"] * 25 + ["y"] * 30 + ["z"] * 6 + ["w"] * 5})
    prof = ms.profile(df, "seg")
    assert set(prof.table["level"]) == {"x", "y", "(other levels)"}
    assert any("pooled" in n for n in prof.notes)


def test_identifier_like_and_date_columns_left_out_by_default_with_a_note():
    n = 200
    df = pd.DataFrame({"seg": ["a", "b"] * 100, "id": [f"C{i}" for i in range(n)], "d": pd.date_range("2024", periods=n), "x": range(n)})
    prof = ms.profile(df, "seg", min_cell=1)
    assert set(prof.table["column"]) == {"x"}
    assert any("'id'" in n for n in prof.notes) and any("'d'" in n for n in prof.notes)


def test_distinctive_keeps_significant_large_effects_ranked():
    rng = np.random.default_rng(8)
    n = 4000
    df = pd.DataFrame({"seg": rng.choice(["a", "b", "c"], n), "x": rng.normal(size=n), "y": rng.normal(size=n), "f": rng.random(n) < 0.3})
    a = df.seg == "a"
    df.loc[a, "x"] += 1.0
    df.loc[a, "y"] += 0.4
    df.loc[a, "f"] = rng.random(a.sum()) < 0.32
    d = ms.profile(df, "seg").distinctive("a")
    assert d["column"].tolist() == ["x", "y"]
    assert (d["effect_size"].abs() >= 0.2).all() and d["significant"].all()
    with pytest.raises(MicrosegError, match="not in this profile"):
        ms.profile(df, "seg").distinctive("zzz")


def test_describe_segments_reads_the_distinctive_traits():
    rng = np.random.default_rng(9)
    n = 3000
    df = pd.DataFrame({"seg": rng.choice(["s1", "s2"], n), "age": rng.normal(40, 8, n), "gamer": rng.random(n) < 0.2})
    s1 = df.seg == "s1"
    df.loc[s1, "age"] -= 12
    df.loc[s1, "gamer"] = rng.random(s1.sum()) < 0.6
    d = ms.profile(df, "seg").describe_segments().set_index("segment")
    text = d.loc["s1", "description"]
    assert text.startswith("Segment s1, ") and "younger (mean " in text and "as likely to be gamer" in text
    assert "younger" in d.loc["s1", "name"]


def test_compare_with_rest_matches_a_two_segment_profile():
    rng = np.random.default_rng(10)
    n = 1500
    df = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(list("pq"), n)})
    mask = rng.random(n) < 0.3
    got = ms.compare(df, mask).to_frame()
    ref = ms.profile(df, np.where(mask, "A", "rest")).to_frame()
    np.testing.assert_allclose(got["p_value"], ref["p_value"])
    np.testing.assert_allclose(got["index"].astype(float), ref["index"].astype(float))


def test_compare_two_groups_leaves_out_the_others_and_rejects_overlap():
    df = pd.DataFrame({"age": np.arange(300) % 70, "app": [True, False, False] * 100})
    res = ms.compare(df, "age < 20", "age >= 50")
    assert res.sizes["n"].sum() == ((df.age < 20) | (df.age >= 50)).sum()
    assert any("neither group" in n for n in res.notes)
    with pytest.raises(MicrosegError, match="both groups"):
        ms.compare(df, "age < 30", "age > 20")


def test_segment_profile_compare_calls_compare():
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"seg": rng.choice(list("abc"), 900), "x": rng.normal(size=900)})
    prof = ms.profile(df, "seg")
    res = prof.compare("a", "b")
    assert list(res.sizes["segment"]) == ["a", "b"]
    assert res.sizes["n"].tolist() == [(df.seg == "a").sum(), (df.seg == "b").sum()]
    assert set(res.table["column"]) == {"x"}


def test_missing_labels_are_reported():
    df = pd.DataFrame({"seg": ["a", "b", None] * 20, "x": range(60)})
    with pytest.warns(DataQualityWarning, match="without a segment label"):
        prof = ms.profile(df, "seg")
    assert prof.rows == {"rows without a segment label (left out)": 20}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"segments": "one"}, MicrosegError, "1 level"),
        ({"segments": ["a", "b"]}, MicrosegError, "2 labels but the data has 40 rows"),
        ({"segments": pd.Series(["a", "b"] * 20, index=range(100, 140))}, MicrosegError, "index does not match"),
        ({"segments": "seg", "columns": ["empty"]}, SchemaError, "missing for every row"),
        ({"segments": "seg", "weights": [-1.0] + [1.0] * 39}, MicrosegError, "negative"),
        ({"segments": "seg", "weights": [np.nan] + [1.0] * 39}, MicrosegError, "missing values"),
        ({"segments": "seg", "columns": ["nope"]}, SchemaError, "no column 'nope'"),
        ({"segments": ["a"] * 35 + ["b"] * 5}, AudienceTooSmallError, "fewer than min_cell"),
    ],
)
def test_bad_input_gets_a_clear_error(kwargs, error, match):
    df = pd.DataFrame({"seg": ["a", "b"] * 20, "one": ["x"] * 40, "x": range(40), "empty": [np.nan] * 40})
    with pytest.raises(error, match=match):
        ms.profile(df, **kwargs)


def test_caller_frame_is_not_modified():
    df = pd.DataFrame({"seg": ["a", "b"] * 20, "x": range(40), "c": ["p", "q", "r", "s"] * 10})
    before = df.copy()
    ms.profile(df, "seg")
    pd.testing.assert_frame_equal(df, before)


def test_describe_summarises_each_column():
    df = pd.DataFrame({"x": [1.0, 2, 3, np.nan] * 11, "c": ["a", "b", "b", "b"] * 10 + ["z"] * 4, "f": [True, False] * 22})
    d = ms.describe(df)
    t = d.to_frame().set_index("column")
    assert t.loc["x", "missing_share"] == 0.25 and t.loc["x", "median"] == 2.0
    assert t.loc["c", "distinct"] == 3
    assert d.levels.query("column == 'c'")["level"].tolist() == ["b", "a"]  # 'z' has 4 < min_cell people
    assert "Description(3 columns" in repr(d) and "<table" in d._repr_html_()


def test_weighted_mann_whitney_with_unit_weights_is_close_to_the_unweighted_test():
    rng = np.random.default_rng(12)
    n = 5000
    df = pd.DataFrame({"seg": rng.choice(["a", "b"], n), "x": rng.normal(size=n)})
    df.loc[df.seg == "a", "x"] += 0.05
    pu = ms.profile(df, "seg").to_frame().query("segment == 'a'")["p_value"].item()
    pw = ms.profile(df, "seg", weights=np.ones(n)).to_frame().query("segment == 'a'")["p_value"].item()
    assert pw == pytest.approx(pu, rel=0.02)


def test_weighted_mann_whitney_follows_the_weights():
    # doubling the weight of high values in segment a raises its weighted rank sum
    rng = np.random.default_rng(13)
    n = 4000
    df = pd.DataFrame({"seg": rng.choice(["a", "b"], n), "x": rng.normal(size=n)})
    w = np.where((df.seg == "a") & (df.x > 0), 3.0, 1.0)
    t = ms.profile(df, "seg", weights=w).to_frame().query("segment == 'a'").iloc[0]
    assert t["mean_segment"] > 0.2 and t["significant"] and t["effect_size"] > 0.2


def test_threads_give_the_same_table():
    rng = np.random.default_rng(14)
    n = 3000
    df = pd.DataFrame({"seg": rng.choice(list("abc"), n), "x": rng.normal(size=n), "y": rng.gamma(2, 1, n), "c": rng.choice(list("pqrs"), n)})
    pd.testing.assert_frame_equal(ms.profile(df, "seg").to_frame(), ms.profile(df, "seg", n_jobs=2).to_frame())


def test_mann_whitney_without_ties_equals_scipy():
    rng = np.random.default_rng(15)
    df = pd.DataFrame({"seg": rng.integers(0, 4, 3000), "x": rng.normal(size=3000)})
    df.loc[df.seg == 1, "x"] += 0.1
    t = ms.profile(df, "seg").to_frame()
    for s in range(4):
        expected = stats.mannwhitneyu(df.x[df.seg == s], df.x[df.seg != s], method="asymptotic").pvalue
        assert t.loc[t.segment == s, "p_value"].item() == pytest.approx(expected, rel=1e-10)


def test_segment_column_passed_as_series_is_not_profiled():
    df = pd.DataFrame({"seg": ["a", "b"] * 30, "x": range(60)})
    assert set(ms.profile(df, df["seg"]).table["column"]) == {"x"}


def test_pooling_note_says_when_a_large_level_joins_the_rare_ones():
    df = pd.DataFrame({"seg": ["a", "b"] * 505, "gender": ["female"] * 593 + ["male"] * 411 + [None] * 6})
    notes = " ".join(ms.profile(df.astype({"gender": "category"}), "seg").notes)
    assert "pooled into '(other levels)' ('(missing)')" in notes
    assert "'male' joined the pool to reach min_cell" in notes
