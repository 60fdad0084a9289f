"""``describe(..., privacy="dp")`` and ``overlap(..., privacy="dp")``: differentially private versions.

The same rules as :mod:`microseg.profiling._dp_profile`: noise from OpenDP,
levels from the public schema, numeric bounds from the caller or
:data:`microseg.privacy.PUBLIC_BOUNDS`, suppression on noisy counts, the
epsilon charged to the caller's :class:`~microseg.privacy.PrivacyBudget`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..privacy._dp_mechanisms import check_bounds, column_bounds, noisy_counts, noisy_sums
from ._encode import MISSING, column_kind

__all__ = ["dp_describe", "dp_overlap"]


def dp_describe(df: pd.DataFrame, *, top: int, min_cell: int, budget, epsilon: float, bounds):
    """Per column: noisy missing count; mean and std from clamped noisy sums; top levels from noisy counts.

    Queries (an equal share of ``epsilon`` each): the number of rows; per
    column, its histogram over public levels plus missing (flags, categorical
    dtypes) or present/missing (other columns); per numeric column with public
    bounds, the clamped centred sum and sum of squares. ``distinct``, the
    minimum, quartiles and maximum are not released. Returns the per-column
    table and the levels table of a :class:`~microseg.profiling.Description`.
    """
    bounds = check_bounds(bounds)
    plan = []
    for c in df.columns:
        s = df[c]
        kind = column_kind(s) or "datetime"
        if kind == "flag":
            levels = ["True", "False", MISSING]
        elif kind == "category" and isinstance(s.dtype, pd.CategoricalDtype):
            levels = [*(str(v) for v in s.cat.categories), MISSING]
        else:
            levels = None
        b = column_bounds(c, bounds) if kind == "numeric" else None
        plan.append((c, kind, levels, b))
    units = 1 + sum(1 + (2 if b is not None else 0) for *_, b in plan)
    eps_q = epsilon / units
    budget.spend(epsilon, f"describe({len(plan)} columns)")
    n_noisy = int(noisy_counts(np.array([len(df)]), eps_q)[0][0])
    N = max(n_noisy, 1)
    rows, lv_rows = [], []
    for c, kind, levels, b in plan:
        s = df[c]
        row = {"column": c, "kind": kind, "dtype": str(s.dtype), "n": n_noisy}
        if levels is not None:
            if kind == "flag":
                codes = np.where(s.isna(), 2, np.where(s.fillna(False).to_numpy(dtype=bool), 0, 1))
            else:
                codes = s.cat.codes.to_numpy().astype(np.int64)
                codes = np.where(codes < 0, len(levels) - 1, codes)
            cnt = noisy_counts(np.bincount(codes, minlength=len(levels)), eps_q)[0]
            miss = int(cnt[-1])
            total = max(int(np.clip(cnt, 0, None).sum()), 1)
            order = np.argsort(-cnt[:-1], kind="stable")
            shown = [j for j in order if cnt[j] >= min_cell][:top]
            for j in shown:
                lv_rows.append({"column": c, "level": levels[j], "n": int(cnt[j]), "share": cnt[j] / total})
            row["top_levels"] = ", ".join(f"{levels[j]} ({100 * cnt[j] / total:.0f} %)" for j in shown)
        else:
            present = s.notna().to_numpy()
            cnt = noisy_counts(np.array([int(present.sum()), int((~present).sum())]), eps_q)[0]
            miss = int(cnt[1])
            if b is not None:
                lo, hi, _ = b
                mid, r = (lo + hi) / 2, (hi - lo) / 2
                x = np.clip(s.to_numpy(dtype="float64", na_value=np.nan)[present], lo, hi) - mid
                S = noisy_sums(np.array([x.sum()]), eps_q, sensitivity=r)[0][0]
                Q = noisy_sums(np.array([(x * x).sum()]), eps_q, sensitivity=r * r)[0][0]
                n_val = max(float(cnt[0]), 1.0)
                mc = float(np.clip(S / n_val, -r, r))
                row.update(mean=mid + mc, std=float(np.sqrt(np.clip(Q / n_val - mc**2, 0, r * r))))
        row.update(missing=max(miss, 0), missing_share=min(max(miss, 0) / N, 1.0))
        rows.append(row)
    cols = ["column", "kind", "dtype", "n", "missing", "missing_share", "distinct", "mean", "std", "min", "p25",
            "median", "p75", "max", "top_levels"]  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=cols)
    lv = pd.DataFrame(lv_rows, columns=["column", "level", "n", "share"])
    return table, lv


def dp_overlap(df: pd.DataFrame, flags: list, bits: np.ndarray, *, min_cell: int, budget, epsilon: float):
    """Noisy counts of the ``2^m`` combinations (one query, the whole ``epsilon``); totals, pairs and lift from them.

    Every combination is listed (the set of combinations that occur is itself
    private); those with a noisy count below ``min_cell`` are suppressed, and
    so are flag totals and pair counts whose noisy value is below it. Returns
    ``(combinations, pairs, totals, n)`` of an :class:`~microseg.profiling.Overlap`.
    """
    m = len(flags)
    budget.spend(epsilon, f"overlap({m} flags)")
    cells = noisy_counts(np.bincount(bits, minlength=2**m), epsilon)[0]
    combos = np.arange(2**m)
    has = [(combos >> i) & 1 == 1 for i in range(m)]
    N = max(int(np.clip(cells, 0, None).sum()), 1)
    sup = cells < min_cell
    comb = pd.DataFrame({f: has[i] for i, f in enumerate(flags)})
    comb["n"] = pd.array(np.where(sup, 0, cells), dtype="Int64")
    comb.loc[sup, "n"] = pd.NA
    comb["share"] = comb["n"].astype("Float64") / N
    comb["suppressed"] = sup
    comb = comb.iloc[np.argsort(-np.where(sup, -1, cells), kind="stable")].reset_index(drop=True)
    tot = np.array([cells[h].sum() for h in has])
    totals = pd.DataFrame({"flag": flags, "n": pd.array(tot, dtype="Int64")})
    totals.loc[tot < min_cell, "n"] = pd.NA
    totals["share"] = totals["n"].astype("Float64") / N
    pr = []
    for i in range(m):
        for j in range(i + 1, m):
            nb = int(cells[has[i] & has[j]].sum())
            ok = nb >= min_cell and tot[i] >= min_cell and tot[j] >= min_cell
            pr.append({"flag_a": flags[i], "flag_b": flags[j], "n_a": totals["n"][i], "n_b": totals["n"][j],
                       "n_both": nb if nb >= min_cell else pd.NA, "share_both": nb / N if nb >= min_cell else np.nan,
                       "lift": nb * N / (tot[i] * tot[j]) if ok else np.nan})  # fmt: skip
    pairs = pd.DataFrame(pr)
    pairs["n_both"] = pairs["n_both"].astype("Int64")
    pairs = pairs.sort_values("lift", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    return comb, pairs, totals, N
