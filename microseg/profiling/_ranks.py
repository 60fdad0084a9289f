"""Mann–Whitney rank sums per segment, for :mod:`microseg.profiling._stats`.

Private module. The rows come grouped by segment, each segment's values
sorted. Two exact ways to the (mid-)rank sum of every segment:

* **few distinct values** (at most a quarter as many runs of equal values as
  rows, as with ages, ratings, counts): the tie counts per (segment, value)
  are read off the sorted runs in one pass, and the ranks follow from the
  counts per distinct value; no sort of the rows;
* **many values**: one argsort of the concatenated sorted runs gives the
  order of all values, and the mid-ranks of each group of ties.
"""

from __future__ import annotations

import numpy as np

__all__ = ["rank_sums"]


def rank_sums(vs: np.ndarray, wg: np.ndarray | None, n_k: np.ndarray, K: int, W: float):
    """Rank sums per segment, the tie term and the overall median.

    ``vs``: the values, grouped by segment (``n_k`` rows each) and sorted
    within each segment; ``wg``: their weights (or None); ``W`` the total weight.
    Returns ``(R, tie, med_all)``. Unweighted: ``R`` sums the mid-ranks (1 …
    n), ``tie`` is ``sum(t**3 - t)`` over groups of ``t`` tied values, and the
    median is the mean of the two middle values. Weighted: ``R`` sums
    ``w * (weight of smaller values + half the weight of the tied ones)``,
    ``tie`` is the weight of each group of ties (an array), and the median the
    smallest value whose cumulative weight reaches half of ``W``.

    Examples
    --------
    >>> import numpy as np
    >>> R, tie, med = rank_sums(np.array([1.0, 2.0, 2.0, 3.0]), None, np.array([2, 2]), 2, 4.0)
    >>> R.tolist(), tie, med
    ([3.5, 6.5], 6.0, 2.0)
    """
    n = vs.size
    if n == 0:
        return np.zeros(K), (0.0 if wg is None else np.zeros(0)), np.nan
    off = np.concatenate([[0], np.cumsum(n_k)[:-1]])
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(vs[1:], vs[:-1], out=new[1:])
    new[off[n_k > 0]] = True  # a segment's first value opens a run
    if int(np.count_nonzero(new)) <= n // 4:
        return _from_tie_counts(vs, wg, np.flatnonzero(new), np.cumsum(n_k), n, W)
    return _from_order(vs, wg, n_k, K, n, W)


def _finish(seg, size, gid, mass_sorted, K, n, wg, uniq, W):
    """Ranks from the mass (count or weight) of each (segment, value) entry, entries sorted by value."""
    g_mass = np.bincount(gid, weights=mass_sorted)
    cum = np.cumsum(g_mass)
    if wg is None:
        mid = cum - g_mass + (g_mass + 1) / 2  # 1-based mid-rank of each distinct value
        R = np.bincount(seg, weights=size * mid[gid], minlength=K)
        tie = float(np.sum(g_mass**3 - g_mass))
        lo = np.searchsorted(cum, (n - 1) // 2, side="right")
        hi = np.searchsorted(cum, n // 2, side="right")
        return R, tie, float((uniq[lo] + uniq[hi]) / 2)
    wmid = (cum - g_mass) + 0.5 * g_mass
    R = np.bincount(seg, weights=mass_sorted * wmid[gid], minlength=K)
    med = float(uniq[min(np.searchsorted(cum, 0.5 * W, side="left"), uniq.size - 1)])
    return R, g_mass, med


def _from_tie_counts(vs, wg, starts, ends, n, W):
    K = len(ends)
    val = vs[starts]
    size = np.diff(starts, append=n).astype(float)  # rows per (segment, value)
    seg = np.searchsorted(ends, starts, side="right")  # the segment of each run
    mass = size if wg is None else np.add.reduceat(wg, starts)
    o = np.argsort(val, kind="stable")  # a few entries, not the rows
    V = val[o]
    gnew = np.empty(len(V), dtype=bool)
    gnew[0] = True
    np.not_equal(V[1:], V[:-1], out=gnew[1:])
    gid = np.cumsum(gnew) - 1
    return _finish(seg[o], size[o], gid, mass[o], K, n, wg, V[gnew], W)


def _from_order(vs, wg, n_k, K, n, W):
    seg_of = np.repeat(np.arange(K, dtype=np.int16 if K < 32_000 else np.int64), n_k)
    order = np.argsort(vs)  # ties get equal mid-ranks, so their order does not matter
    G = vs[order]
    gs = seg_of[order]
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(G[1:], G[:-1], out=new[1:])
    if wg is None and int(np.count_nonzero(new)) == n:  # no ties: the rank is the position
        R = np.bincount(gs, weights=np.arange(1, n + 1, dtype=float), minlength=K)
        return R, 0.0, float((G[(n - 1) // 2] + G[n // 2]) / 2)
    gid = np.cumsum(new) - 1
    mass = np.ones(n) if wg is None else wg[order]
    return _finish(gs, np.ones(n), gid, mass, K, n, wg, G[new], W)
