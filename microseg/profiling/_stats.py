"""The statistics behind :func:`microseg.profile`: counts, means, medians, tests, effect sizes.

Everything is computed per column with whole-array numpy operations, never a
Python loop over rows or segments:

* each categorical column is factorised once; counts per (segment, level) come
  from one ``np.bincount`` of ``segment * n_levels + level`` (with the weights
  for weighted shares);
* numeric columns: sums and centred sums of squares per segment by
  ``np.bincount``; rows are grouped by segment once per profile (a radix sort
  of the segment codes), each segment's values are sorted on their own (medians
  and their intervals are read by position), and a stable merge of those
  sorted runs gives the distinct values with their tie counts and mid-ranks
  (or, where values are few, the tie counts are read off the sorted runs):
  Mann–Whitney rank sums per segment in :mod:`._ranks`.

Methods (segment compared with the rest of the population; the index compares
it with the whole):

* **index** ``100 × share_segment / share_overall``; interval by the delta
  method on ``log(index)``, with segment and rest as independent binomials
  (``share_overall = π·p_segment + (1-π)·p_rest``, ``π`` the segment's share);
  a zero count uses 0.5 in place of 0 for the upper limit and 0 as the lower;
* **levels and flags**: Fisher's exact test when any expected count of the
  2 × 2 table (segment/rest × level/not) is below 20, else Pearson's
  chi-square without continuity correction (the pooled two-proportion z-test);
  effect size Cohen's ``h = 2·asin√p_segment − 2·asin√p_rest``;
* **numeric**: Mann–Whitney U, normal approximation with tie and continuity
  corrections (equal to ``scipy.stats.mannwhitneyu(method="asymptotic")``);
  effect size the standardised mean difference
  ``(mean_segment − mean_rest) / sqrt((var_segment + var_rest) / 2)``;
  mean interval ``t`` based, median interval from order statistics (binomial,
  normal approximation);
* **weights**: shares, means and medians are weighted; tests and intervals use
  the effective sample size ``n_eff = (Σw)² / Σw²`` of the segment and of the
  rest (2 × 2 tables of effective counts, rounded for Fisher's test; the
  Mann–Whitney statistic from weighted mid-ranks, variance with ``n_eff``);
* p-values adjusted with Benjamini–Hochberg across the whole table.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ._encode import EncodedColumn
from ._ranks import rank_sums

__all__ = ["profile_table", "bh_adjust", "fisher_two_sided", "map_columns"]

FISHER_BELOW = 20.0


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values; NaN entries stay NaN and do not count.

    Examples
    --------
    >>> bh_adjust(np.array([0.01, 0.04, np.nan, 0.03])).round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    q = p[ok]
    m = q.size
    if m == 0:
        return out
    order = np.argsort(q)
    ranked = q[order] * m / np.arange(1, m + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    adj = np.empty(m)
    adj[order] = np.minimum(ranked, 1.0)
    out[ok] = adj
    return out


def fisher_two_sided(a, n1, k, n) -> np.ndarray:
    """Two-sided Fisher exact p-values for many 2 × 2 tables at once.

    Table ``[[a, n1 - a], [k - a, n - n1 - k + a]]``: the sum of the
    hypergeometric probabilities no larger than the observed one (relative
    tolerance 1e-7), as ``scipy.stats.fisher_exact`` computes it, vectorised
    over tables by concatenating their supports.

    Examples
    --------
    >>> from scipy.stats import fisher_exact
    >>> p = fisher_two_sided(np.array([9, 3]), np.array([12, 10]), np.array([13, 4]), np.array([30, 40]))
    >>> bool(np.allclose(p, [fisher_exact([[9, 3], [4, 14]]).pvalue, fisher_exact([[3, 7], [1, 29]]).pvalue]))
    True
    """
    from scipy.special import gammaln

    a, n1, k, n = (np.asarray(v, dtype=np.int64) for v in (a, n1, k, n))
    lo = np.maximum(0, n1 + k - n)
    hi = np.minimum(n1, k)
    length = hi - lo + 1
    start = np.concatenate([[0], np.cumsum(length)[:-1]])
    owner = np.repeat(np.arange(a.size), length)
    x = lo[owner] + np.arange(length.sum()) - start[owner]

    def lchoose(m, r):
        return gammaln(m + 1) - gammaln(r + 1) - gammaln(m - r + 1)

    kk, nn, nn1 = k[owner], n[owner], n1[owner]
    logp = lchoose(kk, x) + lchoose(nn - kk, nn1 - x) - lchoose(nn, nn1)
    obs = lchoose(k, a) + lchoose(n - k, n1 - a) - lchoose(n, n1)
    keep = logp <= obs[owner] + 1e-7
    p = np.bincount(owner, weights=np.where(keep, np.exp(logp), 0.0), minlength=a.size)
    return np.minimum(p, 1.0)


def _neff(sw: np.ndarray, sw2: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sw2 > 0, sw**2 / sw2, 0.0)


def _level_stats(g, K, col: EncodedColumn, w, seg_w, seg_w2, z_crit):
    L = len(col.levels)
    idx = g * L + col.codes
    cnt = np.bincount(idx, minlength=K * L).reshape(K, L)
    if w is None:
        wcnt = cnt.astype(float)
    else:
        wcnt = np.bincount(idx, weights=w, minlength=K * L).reshape(K, L)
    W = seg_w.sum()
    Wk = seg_w[:, None]
    Wr = W - Wk
    wl = wcnt.sum(0)[None, :]
    p_all = wl / W
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = wcnt / Wk
        p2 = (wl - wcnt) / Wr
    if w is None:
        n1 = np.broadcast_to(Wk, cnt.shape).astype(float)
        n2 = np.broadcast_to(Wr, cnt.shape).astype(float)
    else:
        n1 = np.broadcast_to(_neff(seg_w, seg_w2)[:, None], cnt.shape)
        n2 = np.broadcast_to(_neff(W - seg_w, seg_w2.sum() - seg_w2)[:, None], cnt.shape)
    # index and its interval (delta method on the log ratio)
    index = 100 * p1 / p_all
    pi_s = Wk / W
    p1c = np.where(p1 > 0, p1, 0.5 / np.maximum(n1, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        var_log = (1 / p1c - pi_s / p_all) ** 2 * p1c * (1 - p1c) / n1 + (
            (1 - pi_s) / p_all
        ) ** 2 * p2 * (1 - p2) / n2
    se = np.sqrt(np.maximum(var_log, 0))
    centre = 100 * p1c / p_all
    low = np.where(p1 > 0, centre * np.exp(-z_crit * se), 0.0)
    high = centre * np.exp(z_crit * se)
    # tests on the 2 x 2 table segment/rest x level/not (effective counts when weighted)
    a = p1 * n1
    c = p2 * n2
    tot = n1 + n2
    col1 = a + c
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.minimum.reduce(
            [n1 * col1 / tot, n1 * (tot - col1) / tot, n2 * col1 / tot, n2 * (tot - col1) / tot]
        )
        pooled = col1 / tot
        zval = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    pval = 2 * stats.norm.sf(np.abs(zval))
    pval = np.where((pooled <= 0) | (pooled >= 1), 1.0, pval)
    use_fisher = expected < FISHER_BELOW
    if use_fisher.any():
        i, j = np.nonzero(use_fisher)
        ai = np.rint(a[i, j]).astype(np.int64)
        ci = np.rint(c[i, j]).astype(np.int64)
        n1i = np.maximum(np.rint(n1[i, j]).astype(np.int64), ai)
        n2i = np.maximum(np.rint(n2[i, j]).astype(np.int64), ci)
        pval[i, j] = fisher_two_sided(ai, n1i, ai + ci, n1i + n2i)
    h = 2 * np.arcsin(np.sqrt(np.clip(p1, 0, 1))) - 2 * np.arcsin(np.sqrt(np.clip(p2, 0, 1)))
    return {
        "counts": cnt,
        "n": cnt,
        "share_segment": p1,
        "share_overall": np.broadcast_to(p_all, cnt.shape),
        "index": index,
        "index_low": low,
        "index_high": high,
        "effect_size": h,
        "test": np.where(use_fisher, "fisher", "chi2"),
        "p_value": pval,
    }


def _numeric_stats(g, K, col: EncodedColumn, w, z_crit, alpha, o_seg, seg_n):
    x_all = col.values
    # rows grouped by segment (o_seg, one radix sort per profile); each segment's slice sorted on its own
    xg = x_all[o_seg]
    wg = None if w is None else w[o_seg]
    miss = np.isnan(xg)
    if miss.any():
        miss_k = np.bincount(np.repeat(np.arange(K), seg_n)[miss], minlength=K)
        keep = ~miss
        xg = xg[keep]
        wg = None if wg is None else wg[keep]
    else:
        miss_k = np.zeros(K, dtype=np.int64)
    n_k = seg_n - miss_k
    n = xg.size
    off = np.concatenate([[0], np.cumsum(n_k)[:-1]])
    ends = off + n_k
    for k in range(K):  # one sort per segment, not a loop over rows
        sl = slice(off[k], ends[k])
        if wg is None:
            xg[sl].sort()
        else:
            o = np.argsort(xg[sl])
            xg[sl] = xg[sl][o]
            wg[sl] = wg[sl][o]
    nz = n_k > 0

    def segsum(v):
        out = np.zeros(K)
        if n:
            out[nz] = np.add.reduceat(v, off[nz])
        return out

    wp = wg
    W_k = n_k.astype(float) if wp is None else segsum(wp)
    W = W_k.sum()
    if wp is None:
        ne_k = n_k.astype(float)
        ne_r = (n - n_k).astype(float)
        ne = float(n)
    else:
        w2k = segsum(wp * wp)
        ne_k = _neff(W_k, w2k)
        ne_r = _neff(W - W_k, w2k.sum() - w2k)
        ne = float(W**2 / w2k.sum())
    centre = (float(np.dot(xg, wp) / W) if wp is not None else float(xg.mean())) if n else np.nan
    d = xg - centre
    wd = d if wp is None else d * wp
    s1 = segsum(wd)
    s2 = segsum(wd * d)
    S1, S2 = s1.sum(), s2.sum()

    def moments(Wg, a1, a2, neg):
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = centre + a1 / Wg
            var = (a2 - a1**2 / Wg) / Wg * neg / (neg - 1)
        return mean, np.maximum(var, 0)

    mean_k, var_k = moments(W_k, s1, s2, ne_k)
    mean_r, var_r = moments(W - W_k, S1 - s1, S2 - s2, ne_r)
    mean_all, var_all = moments(np.array(W), np.array(S1), np.array(S2), np.array(ne))
    with np.errstate(divide="ignore", invalid="ignore"):
        tq = stats.t.ppf(1 - alpha / 2, np.maximum(ne_k - 1, 1))
        half = tq * np.sqrt(var_k / ne_k)
        smd = (mean_k - mean_r) / np.sqrt((var_k + var_r) / 2)
    smd = np.where(np.isfinite(smd), smd, 0.0)
    vs = xg
    R, tie, med_all = rank_sums(vs, wg, n_k, K, W)
    n2 = n - n_k
    if wp is None:
        U1 = R - n_k * (n_k + 1) / 2.0
        U = np.maximum(U1, n_k * n2 - U1)
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.sqrt(n_k * n2 / 12 * ((n + 1) - tie / max(n * (n - 1), 1)))
            zz = (U - n_k * n2 / 2 - 0.5) / s
    else:
        Wr = W - W_k
        with np.errstate(divide="ignore", invalid="ignore"):
            auc = (R - W_k**2 / 2) / (W_k * Wr)
            ue = auc * ne_k * ne_r
            f3 = float(np.sum((tie / W) ** 3))
            s = np.sqrt(ne_k * ne_r / 12 * (ne_k + ne_r + 1) * (1 - f3))
            zz = np.abs(ue - ne_k * ne_r / 2) / s
    p = np.clip(2 * stats.norm.sf(zz), 0, 1)
    p = np.where(np.isfinite(p), p, 1.0)
    med, mlo, mhi = np.full(K, np.nan), np.full(K, np.nan), np.full(K, np.nan)
    ok = n_k > 0
    if wp is None:
        nk = n_k[ok]
        o = off[ok]
        med[ok] = (vs[o + (nk - 1) // 2] + vs[o + nk // 2]) / 2
        j = np.clip(np.floor(nk / 2 - z_crit * np.sqrt(nk) / 2), 1, nk).astype(np.int64)
        k = np.clip(np.ceil(1 + nk / 2 + z_crit * np.sqrt(nk) / 2), 1, nk).astype(np.int64)
        mlo[ok] = vs[o + j - 1]
        mhi[ok] = vs[o + k - 1]
    else:
        cum = np.cumsum(wg)
        first = np.minimum(off, max(n - 1, 0))
        base = np.where(ok, cum[first] - wg[first], 0.0)

        def wq(q):
            pos = np.searchsorted(cum, base + q * W_k, side="left")
            pos = np.clip(pos, off, off + np.maximum(n_k - 1, 0))
            return vs[np.minimum(pos, n - 1)]

        half_q = z_crit * 0.5 / np.sqrt(np.maximum(ne_k, 1))
        med[ok] = wq(0.5)[ok]
        mlo[ok] = wq(np.clip(0.5 - half_q, 0, 1))[ok]
        mhi[ok] = wq(np.clip(0.5 + half_q, 0, 1))[ok]
    present_cnt = np.stack([n_k, miss_k], axis=1)
    return {
        "counts": present_cnt,
        "n": n_k[:, None],
        "mean_segment": mean_k[:, None],
        "mean_low": (mean_k - half)[:, None],
        "mean_high": (mean_k + half)[:, None],
        "median_segment": med[:, None],
        "median_low": mlo[:, None],
        "median_high": mhi[:, None],
        "mean_overall": np.full((K, 1), float(mean_all)),
        "median_overall": np.full((K, 1), med_all),
        "mean_rest": mean_r[:, None],
        "difference": (mean_k - mean_r)[:, None],
        "std_overall": np.full((K, 1), math.sqrt(float(var_all))),
        "effect_size": smd[:, None],
        "test": np.full((K, 1), "mannwhitney"),
        "p_value": p[:, None],
    }


REASON_SMALL = "count below min_cell"
REASON_FEW = "fewer than min_cell people with a value"
REASON_COMP = "complementary: hides a small count elsewhere in this column"
LEVEL_DERIVED = ["n", "share_segment", "index", "index_low", "index_high", "effect_size", "p_value", "p_adjusted"]
NUMERIC_DERIVED = [
    "n", "mean_segment", "mean_low", "mean_high", "median_segment", "median_low", "median_high",
    "mean_rest", "difference", "effect_size", "p_value", "p_adjusted",
]  # fmt: skip

COLUMNS = [
    "segment", "column", "level", "kind", "n", "share_segment", "share_overall", "index", "index_low",
    "index_high", "mean_segment", "mean_low", "mean_high", "median_segment", "median_low", "median_high",
    "mean_overall", "median_overall", "mean_rest", "difference", "std_overall", "effect_size",
    "effect_kind", "test", "p_value", "p_adjusted", "significant", "suppressed", "suppressed_reason",
]  # fmt: skip


def n_workers(n_jobs) -> int:
    """scikit-learn's convention: None → 1, -1 → all cores, -2 → all but one."""
    import os

    if n_jobs is None:
        return 1
    n_jobs = int(n_jobs)
    cores = os.cpu_count() or 1
    return max(1, n_jobs if n_jobs > 0 else cores + 1 + n_jobs)


def map_columns(fn, items, n_jobs) -> list:
    """``[fn(x) for x in items]``, on threads when ``n_jobs`` asks for more than one.

    The work is numpy sorting, gathering and counting on large arrays, which
    releases the GIL, so threads run it in parallel.
    """
    workers = min(n_workers(n_jobs), len(items))
    if workers <= 1:
        return [fn(x) for x in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fn, items))


def profile_table(g, seg_names, encoded, w, *, min_cell, alpha, n_jobs=None):
    """The tidy long table with suppression applied, and the list of what was suppressed and why.

    Segment codes ``g`` (0 … K-1), encoded columns, optional weights. Returns
    ``(table, suppressed)``.
    """
    from ..privacy._small_cells import protect, table_constraints

    K = len(seg_names)
    z_crit = float(stats.norm.ppf(1 - alpha / 2))
    seg_w = np.bincount(g, minlength=K).astype(float) if w is None else np.bincount(g, weights=w, minlength=K)
    seg_w2 = seg_w if w is None else np.bincount(g, weights=w**2, minlength=K)
    o_seg = np.argsort(g.astype(np.int16) if K < 32_000 else g, kind="stable")  # radix sort, once
    seg_n = np.bincount(g, minlength=K)
    parts: dict[str, list] = {}

    def add(key, arr):
        parts.setdefault(key, []).append(arr)

    def column_stats(col):
        if col.kind == "numeric":
            return _numeric_stats(g, K, col, w, z_crit, alpha, o_seg, seg_n)
        return _level_stats(g, K, col, w, seg_w, seg_w2, z_crit)

    all_stats = map_columns(column_stats, encoded, n_jobs)
    n_rows = 0
    for col, st in zip(encoded, all_stats):
        if col.kind == "numeric":
            levels, hidden = [""], np.array([False, True])
            sl = np.array([0])
        else:
            levels, hidden = col.levels, col.hidden
            sl = np.flatnonzero(~hidden)
        cnt = st.pop("counts")
        L = cnt.shape[1]
        sup, prim = protect(
            cnt.ravel(), table_constraints(K, L), min_cell=min_cell,
            hidden=np.tile(hidden, K), shape=(K, L),
        )  # fmt: skip
        sup, prim = sup.reshape(K, L), prim.reshape(K, L)
        m = K * len(sl)
        start = n_rows
        n_rows += m
        add("segment", np.repeat(np.arange(K), len(sl)))
        add("_col", np.full(m, len(parts.get("_names", [])), dtype=np.int64))
        parts.setdefault("_names", []).append(col.name)
        add("level", np.tile(np.asarray(levels, dtype=object)[sl], K))
        add("kind", np.full(m, col.kind, dtype=object))
        add("effect_kind", np.full(m, "smd" if col.kind == "numeric" else "cohen_h", dtype=object))
        for k, v in st.items():
            v = np.asarray(v)
            v = v[:, sl] if v.shape[1] == L else v
            add(k, (v.reshape(-1), start))
        add("_small", prim[:, sl].reshape(-1))
        add("_comp", (sup & ~prim)[:, sl].reshape(-1))
    names = parts.pop("_names")
    frame = {}
    for k, chunks in parts.items():
        if chunks and isinstance(chunks[0], tuple):
            dtype = object if k == "test" else float
            full = np.full(n_rows, None if dtype is object else np.nan, dtype=dtype)
            for v, start in chunks:
                full[start : start + v.size] = v
            frame[k] = full
        else:
            frame[k] = np.concatenate(chunks)
    col_codes = frame.pop("_col")
    name_arr = np.empty(len(names), dtype=object)
    name_arr[:] = names
    frame["column"] = name_arr[col_codes]
    # BH over every test performed (suppressed ones included, which is conservative)
    frame["p_adjusted"] = bh_adjust(frame["p_value"])
    sig = frame["p_adjusted"] <= alpha
    small, comp = frame.pop("_small"), frame.pop("_comp")
    numeric = frame["kind"] == "numeric"
    hide_level = (small | comp) & ~numeric
    hide_num_all = small & numeric
    for c in LEVEL_DERIVED:
        if c in frame and c != "n":
            frame[c][hide_level] = np.nan
    for c in NUMERIC_DERIVED:
        if c in frame and c != "n":
            frame[c][hide_num_all] = np.nan
    hide_n = small | comp
    frame["n"] = pd.array(np.where(hide_n, 0, frame["n"]).astype(np.int64), dtype="Int64")
    frame["n"][hide_n] = pd.NA
    sig_arr = pd.array(sig, dtype="boolean")
    sig_arr[hide_level | hide_num_all] = pd.NA
    frame["significant"] = sig_arr
    reason = np.full(n_rows, "", dtype=object)
    reason[comp] = REASON_COMP
    reason[small & ~numeric] = REASON_SMALL
    reason[small & numeric] = REASON_FEW
    frame["suppressed"] = small | comp
    frame["suppressed_reason"] = reason
    frame["segment"] = pd.Categorical.from_codes(frame["segment"], categories=pd.Index(seg_names, dtype=object))
    out = pd.DataFrame(frame).reindex(columns=COLUMNS)
    sup = out.loc[out["suppressed"], ["segment", "column", "level", "suppressed_reason"]]
    return out, sup.rename(columns={"suppressed_reason": "reason"}).reset_index(drop=True)
