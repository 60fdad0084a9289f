"""Preparing logs: the threaded factorisation of Arrow ids against pandas' (hypothesis)."""

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import microseg._transactions as tr


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "cc", "d", "ee", "f"])), min_size=1, max_size=80),
       st.integers(2, 4))
def test_threaded_factorisation_gives_pandas_codes_and_uniques(values, workers):
    s = pd.Series(values, dtype="str")
    old_min, old_cpu = tr._PARALLEL_MIN_ROWS, tr.os.cpu_count
    tr._PARALLEL_MIN_ROWS, tr.os.cpu_count = 0, (lambda: workers)
    try:
        codes, uniques = tr._factorize(s)
    finally:
        tr._PARALLEL_MIN_ROWS, tr.os.cpu_count = old_min, old_cpu
    want_codes, want_uniques = pd.factorize(s, use_na_sentinel=True)
    # the same grouping: equal ids share a code, missing ids get -1, and each code names its id
    assert (codes < 0).tolist() == (want_codes < 0).tolist()
    ok = codes >= 0
    assert [uniques[c] for c in codes[ok]] == [want_uniques[c] for c in want_codes[ok]]
    assert len(uniques) == len(want_uniques)
