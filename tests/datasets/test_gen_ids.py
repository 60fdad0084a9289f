"""Zero-padded ids built from bytes, against Python's string formatting (hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from microseg.datasets._gen_common import _fixed_ids


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10**9 - 1), min_size=1, max_size=50), st.sampled_from(["C", "S", "O", ""]),
       st.integers(1, 9), st.booleans())
def test_fixed_ids_equal_formatted_numbers(numbers, prefix, width, with_nulls):
    nums = np.array(numbers, dtype=np.int64) % 10**width
    valid = (np.arange(len(nums)) % 3 != 1) if with_nulls else None
    got = _fixed_ids(prefix, nums, width, valid=valid)
    want = [f"{prefix}{v:0{width}d}" for v in nums]
    if valid is not None:
        assert got.isna().tolist() == (~valid).tolist()
        assert got[valid].tolist() == [w for w, ok in zip(want, valid) if ok]
    else:
        assert got.tolist() == want
