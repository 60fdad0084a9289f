"""``profile(..., privacy="dp")``: a differentially private :class:`SegmentProfile`.

Small-cell suppression protects one table at a time; two tables of nearly the
same people (``profile(df)`` and ``profile(df[df.age >= 30])``) give away the
small cells of their difference. Differential privacy protects every release,
whatever else is published: each count, sum and sum of squares carries noise
calibrated to what one person can change (:mod:`microseg.privacy._dp_mechanisms`,
through OpenDP), and the epsilon spent is charged to the caller's
:class:`~microseg.privacy.PrivacyBudget`.

What is released, and how the call's ``epsilon`` is split (basic composition,
an equal share per query):

* segment sizes: one histogram of people per segment (1 query);
* each flag or categorical column: the segment × level histogram, levels from
  the public schema (a flag's True/not True, a categorical dtype's categories,
  plus ``"(missing)"``) — never from the values present (1 query);
* each numeric column with public bounds: people with a value per segment,
  the sum and the sum of squares of the values clamped to the bounds and
  centred on their midpoint (3 queries).

Everything else — shares, index, means, standard deviations, effect sizes,
intervals and tests — is computed from those noisy numbers (post-processing
costs no privacy). Shares are ratios of noisy counts; intervals add the noise
variance to the sampling variance (delta method); tests are normal (z) tests
whose variance includes the noise, so a difference made of noise is not
called significant. A cell is suppressed when its *noisy* count is below
``min_cell``; complementary suppression is not needed because no published
total is exact. Medians are not released (a private median needs its own
mechanism); segment labels and level names are taken as public.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import check_alpha
from ..errors import MicrosegError, SchemaError
from ..privacy._dp_mechanisms import check_bounds, column_bounds, noisy_counts, noisy_sums
from ..privacy._small_cells import check_min_cell
from ._encode import MISSING, column_kind
from ._segment_profile import SegmentProfile
from ._stats import COLUMNS, LEVEL_DERIVED, NUMERIC_DERIVED, bh_adjust

__all__ = ["dp_profile", "dp_columns", "REASON_NOISY", "REASON_NOISY_FEW"]

REASON_NOISY = "noisy count below min_cell"
REASON_NOISY_FEW = "noisy count of people with a value below min_cell"


def dp_columns(df, columns, exclude, bounds, max_levels, notes, *, what="profile"):
    """``[(name, kind, spec)]`` for a private release: levels from the schema, bounds from the caller or public knowledge.

    ``spec`` is the list of level names (flags and categories) or ``(low, high, source)``.
    Explicit columns that cannot be released privately raise; default ones are left out with a note.
    """
    explicit = columns is not None
    if explicit:
        columns = [columns] if isinstance(columns, str) else list(columns)
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise SchemaError(f"columns {missing} are not in the data; its columns are {list(df.columns)[:20]}.")
    else:
        columns = [c for c in df.columns if c not in exclude]
    out = []
    left_out: dict[str, list] = {}
    for c in columns:
        s = df[c]
        kind = column_kind(s)
        problem = None
        if kind is None:
            problem = "dates and times (derive a number with public bounds)"
        elif kind == "flag":
            out.append((c, kind, ["True", "not True"]))
        elif kind == "numeric":
            b = column_bounds(c, bounds)
            if b is None:
                problem = (
                    "numeric without public bounds (pass bounds={column: (low, high)} from what is known without "
                    "looking at the data, such as a price list or a legal limit — never its own min and max)"
                )
            else:
                out.append((c, kind, b))
        elif isinstance(s.dtype, pd.CategoricalDtype):
            levels = [str(v) for v in s.cat.categories]
            if len(levels) > max_levels:
                problem = f"more declared categories than max_levels={max_levels}"
            else:
                out.append((c, "category", [*levels, MISSING]))
        else:
            problem = (
                "text, whose values present are themselves private (declare the public levels with "
                "df[column].astype(pd.CategoricalDtype([...])))"
            )
        if problem:
            if explicit:
                raise SchemaError(f"{what}(privacy='dp'): column {c!r}: {problem}.")
            left_out.setdefault(problem, []).append(c)
    for problem, cols in left_out.items():
        notes.append(f"left out of the private {what}: {', '.join(map(repr, cols))} — {problem}.")
    if not out:
        raise SchemaError(
            f"{what}(privacy='dp'): no column can be released privately; pass columns=[...] naming flags, "
            "categorical columns, or numeric columns with bounds={col: (low, high)}."
        )
    return out


def _codes(s: pd.Series, kind: str, levels: list[str]) -> np.ndarray:
    """Level per row on the public levels (last level: missing or not True)."""
    if kind == "flag":
        return np.where(s.fillna(False).to_numpy(dtype=bool), 0, 1).astype(np.int64)
    codes = s.cat.codes.to_numpy().astype(np.int64)
    return np.where(codes < 0, len(levels) - 1, codes)


def _share_var(p, n, noise_var, n_other_cells):
    """Sampling + noise variance of ``p = X / N`` where ``N`` is ``X`` plus ``n_other_cells`` noisy cells."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        sampling = p * (1 - p) / n
        noise = noise_var * ((1 - p) ** 2 + p**2 * n_other_cells) / n**2
    return sampling, noise


def _level_rows(g, K, col, levels, kind, eps_q, z):
    L = len(levels)
    cnt = np.bincount(g * L + _codes(col, kind, levels), minlength=K * L).reshape(K, L)
    noisy, scale, v = noisy_counts(cnt, eps_q)
    x = noisy.astype(float)
    Nk = np.maximum(x.sum(1, keepdims=True), 1.0)
    N = max(x.sum(), 1.0)
    Xr = x.sum(0, keepdims=True) - x
    Nr = np.maximum(N - Nk, 1.0)
    p1 = x / Nk
    p2 = np.clip(Xr / Nr, 0, 1)
    p_all = np.clip(x.sum(0, keepdims=True) / N, 0, 1)
    s1, n1 = _share_var(np.clip(p1, 0, 1), Nk, v, L - 1)
    s2, n2 = _share_var(p2, Nr, (K - 1) * v, L - 1)
    pi = Nk / N
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        index = 100 * p1 / p_all
        var_log = (1 / p1 - pi / p_all) ** 2 * (s1 + n1) + ((1 - pi) / p_all) ** 2 * (s2 + n2)
        se = np.sqrt(np.maximum(var_log, 0))
        pooled = np.clip((x + Xr) / N, 0, 1)
        zval = (p1 - p2) / np.sqrt(pooled * (1 - pooled) * (1 / Nk + 1 / Nr) + n1 + n2)
        low, high = index * np.exp(-z * se), index * np.exp(z * se)
    pval = np.where(np.isfinite(zval), 2 * stats.norm.sf(np.abs(zval)), 1.0)
    h = 2 * np.arcsin(np.sqrt(np.clip(p1, 0, 1))) - 2 * np.arcsin(np.sqrt(p2))
    shown = slice(0, 1) if kind == "flag" else slice(0, L)
    lv = levels[shown]
    rows = {
        "segment": np.repeat(np.arange(K), len(lv)), "level": np.tile(np.asarray(lv, dtype=object), K),
        "n": noisy[:, shown], "share_segment": p1[:, shown], "share_overall": np.broadcast_to(p_all, (K, L))[:, shown],
        "index": index[:, shown], "index_low": low[:, shown],
        "index_high": high[:, shown], "effect_size": h[:, shown], "p_value": pval[:, shown],
    }  # fmt: skip
    return {k: (v.reshape(-1) if isinstance(v, np.ndarray) and v.ndim == 2 else v) for k, v in rows.items()}, scale


def _numeric_rows(g, K, values, lo, hi, eps_q, z):
    x = values.to_numpy(dtype="float64", na_value=np.nan)
    has = ~np.isnan(x)
    cnt = np.bincount(g * 2 + np.where(has, 0, 1), minlength=2 * K).reshape(K, 2)
    mid, r = (lo + hi) / 2, (hi - lo) / 2
    c = np.clip(x[has], lo, hi) - mid
    gs = g[has]
    ncnt, scale_n, vn = noisy_counts(cnt, eps_q)
    S, scale_s, vs = noisy_sums(np.bincount(gs, weights=c, minlength=K), eps_q, sensitivity=r)
    Q, _, vq = noisy_sums(np.bincount(gs, weights=c * c, minlength=K), eps_q, sensitivity=r * r)
    Nk = np.maximum(ncnt[:, 0].astype(float), 1.0)

    def moments(n, s, q, n_var, s_var):
        mc = np.clip(s / n, -r, r)
        var = np.clip(q / n - mc**2, 0, r * r)
        var_mean = var / n + (s_var + mc**2 * n_var) / n**2
        return mid + mc, var, var_mean, (s_var + mc**2 * n_var) / n**2

    mk, vk, vmk, noise_k = moments(Nk, S, Q, vn, vs)
    Nr = np.maximum(Nk.sum() - Nk, 1.0)
    mr, vr, vmr, noise_r = moments(Nr, S.sum() - S, Q.sum() - Q, (K - 1) * vn, (K - 1) * vs)
    ma, va, _, _ = moments(np.array(max(Nk.sum(), 1.0)), np.array(S.sum()), np.array(Q.sum()), K * vn, K * vs)
    half = z * np.sqrt(vmk)
    diff = mk - mr
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        zval = diff / np.sqrt(vmk + vmr)
        smd = diff / np.sqrt((vk + vr) / 2)
    pval = np.where(np.isfinite(zval), 2 * stats.norm.sf(np.abs(zval)), 1.0)
    rows = {
        "segment": np.arange(K), "level": np.full(K, "", dtype=object), "n": ncnt[:, 0], "mean_segment": mk,
        "mean_low": mk - half, "mean_high": mk + half, "mean_overall": np.full(K, float(ma)), "mean_rest": mr,
        "difference": diff, "std_overall": np.full(K, float(np.sqrt(va))),
        "effect_size": np.where(np.isfinite(smd), smd, 0.0), "p_value": pval,
    }  # fmt: skip
    return rows, (scale_n, scale_s)


def dp_profile(df, labels, *, columns, exclude, min_cell, alpha, max_levels, budget, epsilon, bounds, seg_name):
    """The private profile; see the module docstring. ``labels`` aligned with ``df``, none missing."""
    min_cell, alpha = check_min_cell(min_cell), check_alpha(alpha)
    bounds = check_bounds(bounds)
    if labels.isna().any():
        raise MicrosegError(
            "segments has missing labels; under privacy='dp' their number would be published exactly. "
            "Give those rows a segment of their own (e.g. labels.fillna('unknown')) or drop them first."
        )
    if isinstance(labels.dtype, pd.CategoricalDtype):
        seg_names = list(labels.cat.categories)
        g = labels.cat.codes.to_numpy().astype(np.int64)
    else:
        g, uniq = pd.factorize(labels, sort=True)
        g, seg_names = g.astype(np.int64), list(uniq)
    K = len(seg_names)
    if K < 2:
        raise MicrosegError(f"segments has {K} level ({seg_names!r}); a profile compares at least two segments.")
    notes: list[str] = []
    sel = dp_columns(df, columns, exclude, bounds, max_levels, notes)
    units = 1 + sum(3 if kind == "numeric" else 1 for _, kind, _ in sel)
    eps_q = epsilon / units
    budget.spend(epsilon, f"profile({seg_name}, {len(sel)} columns)")
    z = float(stats.norm.ppf(1 - alpha / 2))
    sizes_noisy, size_scale, _ = noisy_counts(np.bincount(g, minlength=K), eps_q)
    parts, scales = [], []
    for name, kind, spec in sel:
        if kind == "numeric":
            rows, sc = _numeric_rows(g, K, df[name], spec[0], spec[1], eps_q, z)
            notes.append(f"column {name!r}: values clamped to [{spec[0]:g}, {spec[1]:g}] ({spec[2]}).")
        else:
            rows, sc = _level_rows(g, K, df[name], spec, kind, eps_q, z)
        frame = pd.DataFrame(rows)
        frame.insert(1, "column", [name] * len(frame))
        frame["kind"] = kind
        parts.append(frame)
        scales.append(sc)
    table = pd.concat(parts, ignore_index=True)
    numeric = (table["kind"] == "numeric").to_numpy()
    table["effect_kind"] = np.where(numeric, "smd", "cohen_h")
    table["test"] = np.where(numeric, "z (means, with DP noise)", "z (shares, with DP noise)")
    table["p_adjusted"] = bh_adjust(table["p_value"].to_numpy())
    small = (table["n"] < min_cell).to_numpy()
    for c in LEVEL_DERIVED[1:]:
        table.loc[small & ~numeric, c] = np.nan
    for c in NUMERIC_DERIVED[1:]:
        if c in table:
            table.loc[small & numeric, c] = np.nan
    sig = pd.array(table["p_adjusted"].to_numpy() <= alpha, dtype="boolean")
    sig[small] = pd.NA
    table["significant"] = sig
    n = pd.array(table["n"].to_numpy(), dtype="Int64")
    n[small] = pd.NA
    table["n"] = n
    table["suppressed"] = small
    table["suppressed_reason"] = np.where(small, np.where(numeric, REASON_NOISY_FEW, REASON_NOISY), "")
    table["segment"] = pd.Categorical.from_codes(table["segment"], categories=pd.Index(seg_names, dtype=object))
    table = table.reindex(columns=COLUMNS)
    sup = table.loc[table["suppressed"], ["segment", "column", "level", "suppressed_reason"]]
    sup = sup.rename(columns={"suppressed_reason": "reason"}).reset_index(drop=True)
    ns = sizes_noisy.astype(float)
    size_n = pd.array(sizes_noisy, dtype="Int64")
    size_n[sizes_noisy < min_cell] = pd.NA
    sizes = pd.DataFrame({
        "segment": pd.Categorical(seg_names, categories=pd.Index(seg_names, dtype=object)), "n": size_n,
        "share": np.where(sizes_noisy >= min_cell, np.clip(ns, 0, None) / max(np.clip(ns, 0, None).sum(), 1.0), np.nan),
        "n_eff": np.where(sizes_noisy >= min_cell, ns, np.nan),
    })  # fmt: skip
    count_scale = 1.0 / eps_q
    notes.insert(0, (
        f"differentially private: epsilon={epsilon:g} over {units} queries ({eps_q:.3g} each, basic composition); "
        f"every count carries discrete Laplace noise of scale {count_scale:.3g} (95 % of the noise within "
        f"±{count_scale * np.log(20):.3g}); values with a noisy count below min_cell={min_cell} are suppressed; "
        "medians are not released."
    ))  # fmt: skip
    return SegmentProfile(
        table=table, sizes=sizes, suppressed=sup, notes=tuple(notes), alpha=alpha, min_cell=min_cell,
        weighted=False, rows={}, _source=None,
    )  # fmt: skip
