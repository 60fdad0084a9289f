"""Small cells: every count from 1 to min_cell - 1 is hidden and cannot be recovered from what is published.

The attack is an independent linear program written here (not the library's
own audit): from the published output alone — segment sizes, overall shares,
the cells shown — minimise and maximise each hidden cell. A cell is recovered
when both bounds are equal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import microseg as ms

MIN_CELL = 10


def _bounds(n_vars, eqs, target):
    """Min and max of sum(x[target]) subject to eqs = [(var indices, rhs)] and x >= 0."""
    a = np.zeros((len(eqs), n_vars))
    b = np.zeros(len(eqs))
    for k, (idx, rhs) in enumerate(eqs):
        for i in idx:
            a[k, i] += 1
        b[k] = rhs
    c = np.zeros(n_vars)
    c[target] = 1
    lo = linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    hi = linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
    assert lo.status == 0, "published totals must be consistent"
    return lo.fun, (-hi.fun if hi.status == 0 else np.inf)


def _attack_column(prof, df, seg, col):
    """Check one column; return the number of hidden cells attacked."""
    t = prof.to_frame()
    t = t[t["column"] == col]
    sizes = prof.sizes.set_index("segment")["n"]
    segs = list(sizes.index)
    N = int(sizes.sum())
    kind = t["kind"].iloc[0]
    truth_seg = df[seg]
    if kind == "numeric":
        present = df[col].notna()
        levels = ["present", "missing"]
        truth = {(s, "present"): int((present & (truth_seg == s)).sum()) for s in segs}
        truth |= {(s, "missing"): int((~present & (truth_seg == s)).sum()) for s in segs}
        shown = {(r.segment, "present"): r.n for r in t.itertuples()}
        col_tot = {"present": int(present.sum()), "missing": int((~present).sum())}  # assume the attacker knows it
    elif kind == "flag":
        x = df[col].fillna(False).astype(bool)
        levels = ["True", "not True"]
        truth = {(s, "True"): int((x & (truth_seg == s)).sum()) for s in segs}
        truth |= {(s, "not True"): int((~x & (truth_seg == s)).sum()) for s in segs}
        shown = {(r.segment, "True"): r.n for r in t.itertuples()}
        c_true = round(t["share_overall"].iloc[0] * N)
        col_tot = {"True": c_true, "not True": N - c_true}
    else:
        levels = list(dict.fromkeys(t["level"]))
        lab = df[col].astype(object).where(df[col].notna(), "(missing)").astype(str)
        lab = lab.where(lab.isin(levels), "(other levels)")
        truth = {(s, lv): int(((lab == lv) & (truth_seg == s)).sum()) for s in segs for lv in levels}
        shown = {(r.segment, r.level): r.n for r in t.itertuples()}
        col_tot = {lv: round(t.loc[t.level == lv, "share_overall"].iloc[0] * N) for lv in levels}
    # every small count is hidden
    for key, v in truth.items():
        if 1 <= v < MIN_CELL and key in shown:
            assert pd.isna(shown[key]), f"small count shown: {col} {key}"
    cells = [(s, lv) for s in segs for lv in levels]
    unknown = [c for c in cells if c not in shown or pd.isna(shown[c])]
    if not unknown:
        return 0
    pos = {c: i for i, c in enumerate(unknown)}
    eqs = []
    for s in segs:
        known = sum(int(shown[(s, lv)]) for lv in levels if (s, lv) not in pos)
        idx = [pos[(s, lv)] for lv in levels if (s, lv) in pos]
        if idx:
            eqs.append((idx, int(sizes[s]) - known))
    for lv in levels:
        known = sum(int(shown[(s, lv)]) for s in segs if (s, lv) not in pos)
        idx = [pos[(s, lv)] for s in segs if (s, lv) in pos]
        if idx:
            eqs.append((idx, col_tot[lv] - known))
    attacked = 0
    for c in unknown:
        displayed = c in shown
        if not displayed and not 1 <= truth[c] < MIN_CELL:
            continue  # a hidden cell holding no small count may be derivable
        lo, hi = _bounds(len(unknown), eqs, [pos[c]])
        assert lo - 1e-6 <= truth[c] <= hi + 1e-6
        assert hi - lo >= 0.5, f"recovered {col} {c} = {truth[c]} from the published totals"
        attacked += 1
    return attacked


def _frame(seed):
    rng = np.random.default_rng(seed)
    k = rng.integers(3, 7)
    sizes = rng.integers(12, 160, k)
    seg = np.repeat([f"s{i}" for i in range(k)], sizes)
    n = seg.size
    df = pd.DataFrame({"seg": seg})
    df["ch"] = rng.choice(["app", "web", "store", "phone", "fax"], n, p=[0.55, 0.25, 0.12, 0.05, 0.03])
    df["flag"] = rng.random(n) < rng.uniform(0.03, 0.15)
    df["x"] = rng.normal(size=n)
    df.loc[rng.random(n) < 0.02, "x"] = np.nan
    df["ch"] = df["ch"].where(rng.random(n) > 0.01)
    return df


@pytest.mark.parametrize("seed", range(8))
def test_no_suppressed_cell_can_be_recovered_by_linear_programming(seed):
    df = _frame(seed)
    prof = ms.profile(df, "seg", min_cell=MIN_CELL)
    attacked = sum(_attack_column(prof, df, "seg", c) for c in ["ch", "flag", "x"] if c in set(prof.table["column"]))
    assert attacked > 0, "the frame should contain small cells to attack"


def test_suppressed_values_and_everything_derived_are_blank_with_a_reason():
    df = _frame(1)
    prof = ms.profile(df, "seg")
    t = prof.to_frame()
    sup = t[t["suppressed"] & (t["kind"] != "numeric")]
    assert len(sup) > 0
    for c in ["n", "share_segment", "index", "index_low", "index_high", "effect_size", "p_value", "p_adjusted", "significant"]:
        assert sup[c].isna().all(), c
    assert set(sup["suppressed_reason"]) <= {
        "count below min_cell",
        "complementary: hides a small count elsewhere in this column",
    }
    assert len(prof.suppressed) == int(t["suppressed"].sum())
    assert "values hidden" in prof._repr_html_()


def test_means_need_min_cell_people_with_a_value():
    df = pd.DataFrame({"seg": ["a"] * 30 + ["b"] * 30, "x": [1.0] * 5 + [np.nan] * 25 + list(range(30))})
    t = ms.profile(df, "seg").to_frame().set_index("segment")
    assert pd.isna(t.loc["a", "mean_segment"]) and pd.isna(t.loc["a", "median_segment"]) and pd.isna(t.loc["a", "n"])
    assert t.loc["a", "suppressed_reason"] == "fewer than min_cell people with a value"
    assert t.loc["b", "mean_segment"] == pytest.approx(14.5)


def _overlap_frames():
    rng = np.random.default_rng(4)
    n = 400
    yield pd.DataFrame({"a": rng.random(n) < 0.5, "b": rng.random(n) < 0.3, "c": rng.random(n) < 0.04})
    x = np.arange(100)
    # two flags: the pair count is one combination, so totals and pair counts must be protected too
    yield pd.DataFrame({"a": x % 4 == 0, "b": x > 30})
    # six flags: many small combinations, totals and pairs tied together
    rng = np.random.default_rng(5)
    yield pd.DataFrame({f"f{i}": rng.random(1500) < p for i, p in enumerate([0.5, 0.4, 0.3, 0.2, 0.1, 0.05])})


@pytest.mark.parametrize("df", list(_overlap_frames()))
def test_overlap_suppression_resists_linear_programming(df):
    ov = ms.overlap(df, list(df.columns))
    flags = list(df.columns)
    m = len(flags)
    combos = [tuple(bool((k >> i) & 1) for i in range(m)) for k in range(2**m)]
    truth = {cb: int((df[flags] == list(cb)).all(axis=1).sum()) for cb in combos}
    comb = ov.combinations
    shown = {tuple(r[f] for f in flags): r["n"] for _, r in comb.iterrows()}
    for cb in combos:
        if cb not in shown:
            assert truth[cb] == 0
            shown[cb] = 0
    unknown = [cb for cb in combos if pd.isna(shown[cb])]
    assert unknown, "this frame has small combinations"
    pos = {cb: i for i, cb in enumerate(unknown)}

    def eq(members, total):
        known = sum(int(shown[cb]) for cb in members if cb not in pos)
        return ([pos[cb] for cb in members if cb in pos], total - known)

    eqs = [eq(combos, ov.n)]
    for i, f in enumerate(flags):
        v = ov.totals.set_index("flag").loc[f, "n"]
        if not pd.isna(v):
            eqs.append(eq([cb for cb in combos if cb[i]], int(v)))
    for r in ov.pairs.itertuples():
        if not pd.isna(r.n_both):
            i, j = flags.index(r.flag_a), flags.index(r.flag_b)
            eqs.append(eq([cb for cb in combos if cb[i] and cb[j]], int(r.n_both)))
    eqs = [e for e in eqs if e[0]]
    for cb in unknown:
        lo, hi = _bounds(len(unknown), eqs, [pos[cb]])
        assert hi - lo >= 0.5, f"combination {cb} recovered"
    assert (comb["n"].dropna() >= 10).all()
    assert (ov.totals["n"].dropna() >= 10).all() and (ov.pairs["n_both"].dropna().isin([0]) | (ov.pairs["n_both"].dropna() >= 10)).all()


def test_overlap_counts_and_lift():
    df = pd.DataFrame({"gamer": [True] * 40 + [False] * 60, "pet": [True, False] * 50, "fit": [True] * 20 + [False] * 80})
    ov = ms.overlap(df, ["gamer", "pet", "fit"])
    assert ov.combinations["n"].sum() == 100
    pairs = ov.pairs.set_index(["flag_a", "flag_b"])
    assert pairs.loc[("gamer", "fit"), "lift"] == pytest.approx(20 * 100 / (40 * 20))
    assert pairs.loc[("gamer", "fit"), "n_both"] == 20
    assert "Overlap(3 flags" in repr(ov)


def test_describe_hides_small_missing_counts_with_a_complement_and_the_level_that_would_reveal_them():
    import microseg as ms

    df = pd.DataFrame({"age": [20.0] * 40 + [np.nan] * 3 + [30.0] * 17,
                       "flag": [True] * 30 + [False] * 27 + [None] * 3,
                       "x": [1.0] * 45 + [np.nan] * 15})  # fmt: skip
    d = ms.describe(df, min_cell=10)
    t = d.to_frame().set_index("column")
    assert t["missing"].isna().tolist() == [True, True, False] and t.loc["x", "missing"] == 15
    assert t["missing_share"].isna().tolist() == [True, True, False]
    # True (30) and False (27) would give flag's 3 missing away as 60 - 57: one of them is not listed
    assert d.levels.query("column == 'flag'")["n"].tolist() == [30]
    assert t.loc["flag", "top_levels"] == "True (50 %)"
