"""The lookalike fast paths against their slow references, on random small inputs (hypothesis)."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microseg.errors import DataQualityWarning, SmallSeedWarning
from microseg.lookalike import Lookalike
from microseg.lookalike._codes import RankLookup, level_codes
from microseg.lookalike._engines import MISSING, TableEncoder, decide, make_engine

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LEVELS = ["a", "b", "c", "d", "e"]


def slow_positions(s: pd.Series, known: pd.Index) -> np.ndarray:
    """The reference: each row's level as text (missing as "(missing)") looked up in ``known`` (-1 unknown)."""
    text = [MISSING if pd.isna(v) else str(v) for v in s.astype(object)]
    return known.get_indexer(pd.Index(text, dtype=object))


def slow_transform(enc: TableEncoder, X: pd.DataFrame) -> np.ndarray:
    """The encoded matrix built one cell at a time, straight from the encoder's fitted description."""
    out = np.zeros((len(X), enc.n_features_))
    j = 0
    for c in enc.columns_:
        if enc.kinds_[c] in ("numeric", "datetime"):
            s = X[c]
            if enc.kinds_[c] == "datetime":
                v = ((s - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)
            else:
                v = s.to_numpy(dtype=float, na_value=np.nan)
            miss = np.isnan(v)
            out[:, j] = np.where(miss, enc.medians_[c], v)
            j += 1
            if enc.indicator_[c]:
                out[:, j] = miss
                j += 1
        else:
            known, codes, width = enc.levels_[c]
            pos = slow_positions(X[c], known)
            for i, p in enumerate(pos):
                if p >= 0:
                    out[i, j + codes[p]] = 1
            j += width
    return out


def as_dtype(values: list, kind: str) -> pd.Series:
    s = pd.Series(values, dtype=object)
    if kind == "str":
        return s.astype("str")
    if kind == "category":
        return s.astype("category")
    return s


@st.composite
def mixed_frames(draw, n_min=6, n_max=40):
    n = draw(st.integers(n_min, n_max))
    kind = draw(st.sampled_from(["object", "str", "category"]))
    level = st.one_of(st.none(), st.sampled_from(LEVELS))
    number = st.one_of(st.none(), st.floats(-1e3, 1e3, allow_nan=False), st.integers(-5, 5).map(float))
    df = pd.DataFrame(
        {
            "x": pd.array(draw(st.lists(number, min_size=n, max_size=n)), dtype="Float64").astype("float64"),
            "k": np.array(draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)), dtype=np.int16),
            "c": as_dtype(draw(st.lists(level, min_size=n, max_size=n)), kind),
            "flag": np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))),
            "t": pd.Timestamp("2024-01-01") + pd.to_timedelta(draw(st.lists(st.integers(0, 400), min_size=n, max_size=n)), unit="D"),
        }
    )
    return df


@SETTINGS
@given(
    st.lists(st.one_of(st.none(), st.sampled_from(LEVELS + ["zz"])), min_size=1, max_size=60),
    st.lists(st.sampled_from(LEVELS + [MISSING]), min_size=1, max_size=6, unique=True),
    st.sampled_from(["object", "str", "category"]),
)
def test_level_codes_equal_a_lookup_of_each_rows_text(values, known, kind):
    s = as_dtype(values, kind)
    known = pd.Index(known, dtype=object)
    width = len(known)
    code_map = np.arange(width)[::-1].copy()
    got = level_codes(s, known, code_map, width, MISSING)
    pos = slow_positions(s, known)
    assert got.dtype == np.uint8
    assert got.tolist() == np.where(pos >= 0, code_map[np.maximum(pos, 0)], width).tolist()


@SETTINGS
@given(mixed_frames(), mixed_frames(n_min=1, n_max=15), st.sampled_from([0, 0.2]))
def test_transform_equals_the_cell_by_cell_encoding(fit_df, new_df, min_share):
    enc = TableEncoder(min_share=min_share, max_levels=3).fit(fit_df, list(fit_df.columns))
    for X in (fit_df, new_df):  # new tables bring unknown levels and new missing values
        np.testing.assert_array_equal(enc.transform(X), slow_transform(enc, X))


@SETTINGS
@given(mixed_frames(), mixed_frames(n_min=1, n_max=15), st.integers(1, 7), st.integers(0, 2**32 - 1))
def test_linear_decision_equals_the_encoded_matrix_times_the_coefficients(fit_df, new_df, chunk, seed):
    enc = TableEncoder(min_share=0).fit(fit_df, list(fit_df.columns))
    rng = np.random.default_rng(seed)
    coef = rng.normal(size=enc.n_features_) * 10.0 ** rng.integers(-3, 3, enc.n_features_)
    intercept = float(rng.normal())
    for X in (fit_df, new_df):
        Z = slow_transform(enc, X)
        want = Z @ coef + intercept
        got = enc.linear_decision(X, coef, intercept, chunk=chunk)
        scale = np.abs(Z) @ np.abs(coef) + abs(intercept)  # summation order differs: tolerance relative to the terms
        assert np.all(np.abs(got - want) <= 1e-12 * scale)


@SETTINGS
@given(
    st.lists(st.one_of(st.floats(-50, 50), st.sampled_from([0.0, 1.0, 1.0, 2.5]), st.just(np.nan)), min_size=1, max_size=80),
    st.lists(st.one_of(st.floats(-60, 60), st.sampled_from([0.0, 1.0, 2.5, np.inf, -np.inf, np.nan])), min_size=1, max_size=80),
)
def test_rank_lookup_equals_searchsorted(reference, queries):
    ref = np.sort(np.array(reference, dtype=float))
    d = np.array(queries, dtype=float)
    assert RankLookup(ref)(d).tolist() == np.searchsorted(ref, d, side="left").tolist()


def test_rank_lookup_on_a_peaked_reference_with_many_ties_equals_searchsorted():
    rng = np.random.default_rng(1)
    ref = np.sort(np.concatenate([rng.standard_cauchy(5000), np.zeros(3000), np.full(100, 7.25)]))
    d = np.concatenate([rng.standard_cauchy(20_000), ref[::7], [0.0, 7.25, -np.inf, np.inf]])
    assert np.array_equal(RankLookup(ref)(d), np.searchsorted(ref, d, side="left"))


@pytest.mark.parametrize("method", ["pu", "gbm", "similarity"])
def test_chunked_decision_from_codes_equals_the_engine_on_the_encoded_matrix(method):
    rng = np.random.default_rng(0)
    n = 3000
    X = pd.DataFrame(
        {
            "x": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n)),
            "c": pd.Series(rng.choice(LEVELS, n)).astype("str"),
            "k": pd.Categorical(rng.choice(["p", "q", "r"], n)),
            "t": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
        }
    )
    s = (X["x"].fillna(0) + (X["c"] == "a") + rng.normal(size=n)) > 1.2
    enc = TableEncoder().fit(X, list(X.columns))
    Z = enc.transform(X)
    eng = make_engine(method).fit(Z, s.to_numpy(), np.ones(n), enc, 0)
    got = decide(eng, enc, X, chunk=700)
    want = eng.decision(Z)
    if method == "pu":
        scale = np.abs(Z) @ np.abs(eng.coef_) + abs(eng.intercept_)
        assert np.all(np.abs(got - want) <= 1e-12 * scale)
    else:
        np.testing.assert_array_equal(got, want)


def test_scores_equal_the_share_of_the_reference_below_each_decision():
    rng = np.random.default_rng(3)
    n = 2000
    X = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(LEVELS, n)})
    seed = (X["x"] + rng.normal(size=n)) > 1.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSeedWarning)
        warnings.simplefilter("ignore", DataQualityWarning)
        look = Lookalike(method="pu", customer=None, opt_out=None, chunk_size=333, random_state=0).fit(X, seed=seed)
    d = look.engine_.decision(look.encoder_.transform(X))
    want = np.searchsorted(look.reference_, d, side="left") / len(look.reference_)
    np.testing.assert_allclose(look.score_samples(X).to_numpy(), want, rtol=0, atol=2 / len(look.reference_))


def test_text_columns_encoded_on_threads_give_the_same_codes_and_decisions(monkeypatch):
    import microseg.lookalike._codes as codes_mod

    rng = np.random.default_rng(5)
    n = 4000
    X = pd.DataFrame({f"c{i}": pd.Series(rng.choice(LEVELS + [None], n)).astype("str") for i in range(3)})
    X["x"] = rng.normal(size=n)
    enc = TableEncoder(min_share=0).fit(X, list(X.columns))
    coef = rng.normal(size=enc.n_features_)
    serial = enc.codes(X), enc.linear_decision(X, coef, 0.5)
    monkeypatch.setattr(codes_mod, "_PARALLEL_MIN_ROWS", 0)
    monkeypatch.setattr(codes_mod.os, "cpu_count", lambda: 3)
    threaded = enc.codes(X), enc.linear_decision(X, coef, 0.5)
    assert all(np.array_equal(a, b) for a, b in zip(serial[0], threaded[0]))
    np.testing.assert_array_equal(serial[1], threaded[1])


@pytest.mark.parametrize("group_table", [1, 4, 4096])
def test_linear_decision_is_the_same_whatever_the_grouping_of_categorical_columns(monkeypatch, group_table):
    import microseg.lookalike._codes as codes_mod

    rng = np.random.default_rng(7)
    n = 3000
    X = pd.DataFrame({f"c{i}": pd.Categorical(rng.choice(LEVELS + [None], n)) for i in range(4)})
    X["s"] = pd.Series(rng.choice(LEVELS, n)).astype("str")
    X["x"] = np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n))
    enc = TableEncoder(min_share=0).fit(X, list(X.columns))
    coef = rng.normal(size=enc.n_features_)
    monkeypatch.setattr(codes_mod, "_GROUP_TABLE", group_table)
    got = enc.linear_decision(X, coef, -1.5, chunk=1000)
    Z = slow_transform(enc, X)
    want = Z @ coef - 1.5
    assert np.all(np.abs(got - want) <= 1e-12 * (np.abs(Z) @ np.abs(coef) + 1.5))
