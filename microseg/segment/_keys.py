"""Distinct integer keys without ``np.unique``'s hash table: a bitmap when the key space is small, else sort + diff.

Cohorts (distinct customer × period pairs) and purchase timing (distinct
customer × day pairs) count distinct composite keys over millions of rows;
``np.unique`` took 66 % of ``cohorts`` on 15 M keys. Both functions here return
exactly what ``np.unique(keys)`` returns: the distinct keys in increasing order.
"""

from __future__ import annotations

import numpy as np

__all__ = ["distinct_keys"]

_BITMAP_BYTES_PER_ROW = 8  # a bitmap up to 8 bytes per input row costs less than sorting the rows
_BITMAP_MIN = 1 << 20


def distinct_keys(keys: np.ndarray, size: int | None = None) -> np.ndarray:
    """Sorted distinct values of non-negative integer ``keys`` (``np.unique(keys)``), as int64.

    ``size`` is an upper bound of the keys (all keys < size). When the key
    space is small next to the number of rows, the keys are marked in a
    boolean bitmap (one pass, no sort); otherwise they are sorted and the
    neighbours compared.

    Examples
    --------
    >>> distinct_keys(np.array([5, 1, 5, 3, 1]), size=6).tolist()
    [1, 3, 5]
    >>> distinct_keys(np.array([10**12, 7, 10**12])).tolist()
    [7, 1000000000000]
    """
    keys = np.asarray(keys, dtype=np.int64)
    if keys.size == 0:
        return keys.copy()
    if size is None:
        size = int(keys.max()) + 1
    if size <= max(_BITMAP_BYTES_PER_ROW * keys.size, _BITMAP_MIN):
        seen = np.zeros(size, dtype=bool)
        seen[keys] = True
        return np.flatnonzero(seen).astype(np.int64, copy=False)
    s = np.sort(keys)
    first = np.empty(s.size, dtype=bool)
    first[0] = True
    np.not_equal(s[1:], s[:-1], out=first[1:])
    return s[first]
