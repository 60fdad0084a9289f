"""The statistics behind :func:`microseg.drift`: one group of people seen in two snapshots.

Shares, means, medians, effect sizes and the small-cell suppression come from
the profile machinery (:func:`microseg.profiling._stats.profile_table`, with the
two snapshots as its two groups), so a drift table hides exactly what a
profile of the same people would hide. What is added here:

* **paired tests** for the same customers seen twice: McNemar's exact test for
  each level (the binomial test on the customers who moved into the level
  against those who moved out of it), and Wilcoxon's signed-rank test
  (Pratt's treatment of zero differences, normal approximation) for numbers;
* **intervals for the change of the mean**: Welch's ``t`` for two independent
  snapshots, the paired ``t`` for matched customers;
* the **population stability index** ``PSI = Σ (a - b) · ln(a / b)`` over the
  bins of a column (``b`` and ``a`` the shares before and after): the levels of
  a categorical column, the deciles of ``before`` for a number, missing values
  as a bin of their own. When a bin is empty in either snapshot, 0.5 is added
  to every bin of both (additive smoothing), so the index stays finite. The
  usual reading: below 0.1 stable, 0.1–0.25 a moderate shift, above 0.25 a
  major one. It describes; it does not test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..profiling._encode import EncodedColumn
from ..profiling._stats import profile_table

__all__ = ["psi", "column_psi", "mcnemar_exact", "compare_snapshots", "psi_band"]

PSI_MODERATE = 0.1
PSI_MAJOR = 0.25


def psi(before_counts, after_counts) -> float:
    """Population stability index of two histograms over the same bins.

    Empty bins are smoothed: when any bin is empty in either histogram, 0.5 is
    added to every bin of both.

    Examples
    --------
    >>> round(psi([50, 50], [40, 60]), 4)   # 0.1·ln(0.6/0.5) - 0.1·ln(0.4/0.5)
    0.0405
    >>> round(psi([10, 0], [5, 5]), 3)   # smoothed: [10.5, 0.5] vs [5.5, 5.5]
    1.384
    """
    b = np.asarray(before_counts, dtype=float)
    a = np.asarray(after_counts, dtype=float)
    if b.sum() == 0 or a.sum() == 0:
        return float("nan")
    if (b == 0).any() or (a == 0).any():
        b, a = b + 0.5, a + 0.5
    pb, pa = b / b.sum(), a / a.sum()
    return float(np.sum((pa - pb) * np.log(pa / pb)))


def psi_band(value: float) -> str:
    """The rule-of-thumb reading of a PSI value: ``"stable"``, ``"moderate"`` or ``"major"``."""
    if not np.isfinite(value):
        return ""
    return "stable" if value < PSI_MODERATE else ("moderate" if value < PSI_MAJOR else "major")


def column_psi(col: EncodedColumn, is_after: np.ndarray) -> float:
    """PSI of one encoded column between the rows of ``before`` (``~is_after``) and of ``after``."""
    if col.kind == "numeric":
        x = col.values
        xb = x[~is_after]
        xb = xb[~np.isnan(xb)]
        if xb.size == 0:
            return float("nan")
        edges = np.unique(np.quantile(xb, np.linspace(0.1, 0.9, 9)))  # nine values
        codes = np.searchsorted(edges, x, side="right")
        codes = np.where(np.isnan(x), edges.size + 1, codes)
        n_bins = edges.size + 2
    else:
        codes, n_bins = col.codes, len(col.levels)
    cb = np.bincount(codes[~is_after], minlength=n_bins)
    ca = np.bincount(codes[is_after], minlength=n_bins)
    used = (cb + ca) > 0  # a bin no one is in (e.g. no missing values) is not a bin
    return psi(cb[used], ca[used])


def mcnemar_exact(moved_in, moved_out) -> np.ndarray:
    """Two-sided exact McNemar p-values: binomial test of ``moved_in`` out of ``moved_in + moved_out`` at 1/2.

    Examples
    --------
    >>> mcnemar_exact([0, 10, 3], [0, 2, 3]).round(4).tolist()
    [1.0, 0.0386, 1.0]
    """
    b = np.asarray(moved_in, dtype=np.int64)
    c = np.asarray(moved_out, dtype=np.int64)
    n = b + c
    p = 2 * stats.binom.cdf(np.minimum(b, c), np.maximum(n, 1), 0.5)
    return np.where(n > 0, np.minimum(p, 1.0), 1.0)


def _wilcoxon(d: np.ndarray) -> float:
    d = d[~np.isnan(d)]
    if d.size == 0 or not np.any(d != 0):
        return 1.0
    return float(stats.wilcoxon(d, zero_method="pratt", method="approx").pvalue)


_KEEP = ["n", "share_segment", "mean_segment", "mean_low", "mean_high", "median_segment", "effect_size", "test",
         "p_value", "suppressed", "suppressed_reason"]  # fmt: skip


def compare_snapshots(encoded: list[EncodedColumn], is_after: np.ndarray, *, paired: bool, min_cell: int, alpha: float):
    """One group's rows of the drift table, before vs after.

    ``encoded`` columns hold the group's rows of both snapshots (``is_after``
    marks the later ones). With ``paired``, row ``i`` of ``before`` and row
    ``i`` of ``after`` are the same customer (the two halves have equal
    length). Returns a DataFrame, one row per (column, level), with p-values
    not yet adjusted, and a list of PSI values (one per column).
    """
    g = is_after.astype(np.int64)
    table, _ = profile_table(g, ["before", "after"], encoded, None, min_cell=min_cell, alpha=alpha)
    keys = ["column", "level"]
    b = table[table["segment"] == "before"].set_index(keys)
    a = table[table["segment"] == "after"].set_index(keys)
    out = pd.DataFrame(index=a.index)
    out["kind"] = a["kind"]
    for side, t in (("before", b), ("after", a)):
        out[f"n_{side}"] = t["n"]
        out[f"share_{side}"] = t["share_segment"]
        out[f"mean_{side}"] = t["mean_segment"]
        out[f"median_{side}"] = t["median_segment"]
    out["effect_size"] = a["effect_size"]  # after vs before: Cohen's h, or the standardised mean difference
    out["effect_kind"] = a["kind"].map(lambda k: "smd" if k == "numeric" else "cohen_h")
    out["test"] = a["test"]
    out["p_value"] = a["p_value"]
    hidden = (a["suppressed"] | b["suppressed"]).to_numpy()
    reasons = [ra or rb for ra, rb in zip(a["suppressed_reason"], b["suppressed_reason"])]
    # Welch interval for the change of the mean (standard errors recovered from the t intervals of each side)
    tq = {}
    se2 = {}
    for side, t in (("before", b), ("after", a)):
        n = t["n"].to_numpy(dtype="float64", na_value=np.nan)
        tq[side] = stats.t.ppf(1 - alpha / 2, np.maximum(np.nan_to_num(n, nan=2) - 1, 1))
        se2[side] = ((t["mean_high"] - t["mean_low"]).to_numpy() / (2 * tq[side])) ** 2
    diff = np.array(out["mean_after"] - out["mean_before"], dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        nb = out["n_before"].to_numpy(dtype="float64", na_value=np.nan)
        na = out["n_after"].to_numpy(dtype="float64", na_value=np.nan)
        df = (se2["before"] + se2["after"]) ** 2 / (se2["before"] ** 2 / (nb - 1) + se2["after"] ** 2 / (na - 1))
        half = stats.t.ppf(1 - alpha / 2, df) * np.sqrt(se2["before"] + se2["after"])
    psis = [column_psi(c, is_after) for c in encoded]
    if paired:
        m = int((~is_after).sum())
        p = out["p_value"].to_numpy(dtype=float).copy()
        tests = out["test"].to_numpy(dtype=object).copy()
        for col in encoded:
            rows = np.flatnonzero(out.index.get_level_values("column") == col.name)
            if col.kind == "numeric":
                d = col.values[m:] - col.values[:m]
                p[rows] = _wilcoxon(d)
                tests[rows] = "wilcoxon"
                d = d[~np.isnan(d)]
                if d.size > 1:
                    diff[rows] = d.mean()
                    half[rows] = stats.t.ppf(1 - alpha / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
            else:
                cb, ca = col.codes[:m], col.codes[m:]
                moved = cb != ca
                L = len(col.levels)
                into = np.bincount(ca[moved], minlength=L)
                out_of = np.bincount(cb[moved], minlength=L)
                lv = {name: j for j, name in enumerate(col.levels)}
                idx = [lv[v] for v in out.index.get_level_values("level")[rows]]
                p[rows] = mcnemar_exact(into[idx], out_of[idx])
                tests[rows] = "mcnemar"
        out["p_value"], out["test"] = np.where(hidden, np.nan, p), tests
    out["difference"] = np.where(out["kind"] == "numeric", diff, np.nan)
    out["difference_low"] = out["difference"] - half
    out["difference_high"] = out["difference"] + half
    out["suppressed"] = hidden
    out["suppressed_reason"] = reasons
    return out.reset_index(), psis
