"""Mann–Whitney rank sums (tie-count and sort paths) against scipy's ranks, on random small inputs (hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata

from microseg.profiling._encode import encode_column
from microseg.profiling._ranks import rank_sums


def grouped(values, segs, weights, K):
    """Rows grouped by segment, each segment's values sorted (weights carried along), as _stats prepares them."""
    o = np.lexsort((values, segs))
    return values[o], None if weights is None else weights[o], np.bincount(segs, minlength=K)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 3), st.one_of(st.integers(0, 4).map(float), st.floats(-1e6, 1e6))),
             min_size=1, max_size=120),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_rank_sums_equal_scipys_mid_ranks_summed_per_segment(rows, weighted, seed):
    K = 4
    segs = np.array([r[0] for r in rows])
    x = np.array([r[1] for r in rows])
    w = np.random.default_rng(seed).uniform(0.1, 3, len(x)) if weighted else None
    vs, wg, n_k = grouped(x, segs, w, K)
    W = float(len(x) if w is None else w.sum())
    R, tie, med = rank_sums(vs.copy(), wg, n_k, K, W)
    if w is None:
        np.testing.assert_array_equal(R, np.bincount(segs, weights=rankdata(x), minlength=K))
        _, t = np.unique(x, return_counts=True)
        assert tie == float(np.sum(t.astype(float) ** 3 - t))
        assert med == float(np.median(x))
    else:
        # weighted mid-rank of a value: weight of the smaller values plus half the weight of its ties
        wmid = np.array([w[x < v].sum() + 0.5 * w[x == v].sum() for v in x])
        np.testing.assert_allclose(R, np.bincount(segs, weights=w * wmid, minlength=K), rtol=1e-12)
        u = np.unique(x)
        np.testing.assert_allclose(tie, [w[x == v].sum() for v in u], rtol=1e-12)
        cum = np.cumsum([w[x == v].sum() for v in u])
        assert med == u[min(np.searchsorted(cum, 0.5 * W), len(u) - 1)]


def test_few_distinct_values_take_the_tie_count_path_and_agree_with_the_sort_path():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 6, 5000).astype(float)
    segs = rng.integers(0, 3, 5000)
    vs, _, n_k = grouped(x, segs, None, 3)
    R, tie, med = rank_sums(vs, None, n_k, 3, 5000.0)
    np.testing.assert_array_equal(R, np.bincount(segs, weights=rankdata(x), minlength=3))
    assert med == np.median(x)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "c"])), min_size=2, max_size=60), st.booleans())
def test_category_codes_are_one_byte_and_name_the_same_levels_as_the_text(values, categorical):
    import pandas as pd

    s = pd.Series(values, dtype="category" if categorical else "str", name="c")
    col = encode_column(s, "category", 1, [])
    if col is None:
        return
    assert col.codes.dtype == np.int8
    text = ["(missing)" if pd.isna(v) else v for v in values]
    assert [col.levels[c] for c in col.codes] == text
