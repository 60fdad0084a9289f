"""``overlap()``: how flags co-occur, small counts suppressed (re-exported by :mod:`microseg.profiling`)."""

from __future__ import annotations

import html
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..privacy._dp_mechanisms import check_privacy
from ..privacy._small_cells import check_min_cell, protect
from .._validation import check_columns, check_frame
from ..errors import MicrosegError, SchemaError

__all__ = ["overlap", "Overlap"]



@dataclass(frozen=True, repr=False, eq=False)
class Overlap:
    """How flags co-occur.

    Attributes
    ----------
    combinations : pandas.DataFrame
        One row per combination of flags that occurs (one boolean column per
        flag, then ``n`` and ``share``), largest first; suppressed counts are
        missing (``suppressed`` True).
    pairs : pandas.DataFrame
        ``flag_a, flag_b, n_a, n_b, n_both, share_both, lift`` with
        ``lift = P(a and b) / (P(a) P(b))``.
    totals : pandas.DataFrame
        ``flag, n, share``.
    n : int
        People.
    min_cell : int
    """

    combinations: pd.DataFrame
    pairs: pd.DataFrame
    totals: pd.DataFrame
    n: int
    min_cell: int = 10

    def to_frame(self) -> pd.DataFrame:
        """The combination counts (UpSet-style), largest first."""
        return self.combinations.copy()

    def plot(self, ax=None, *, top: int = 20):
        """UpSet-style bars of the largest combinations; returns the Axes."""
        from ..plot._profile import plot_overlap

        return plot_overlap(self, ax=ax, top=top)

    def __repr__(self) -> str:
        return f"Overlap({len(self.totals)} flags, {len(self.combinations)} combinations, {self.n} people)"

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return f"<p><b>{html.escape(repr(self))}</b></p>" + format_table(self.combinations.head(20), max_rows=None).html


def overlap(
    df: pd.DataFrame, flags: Sequence[Hashable], *, min_cell: int = 10, privacy: str | None = None, budget=None,
    epsilon: float | None = None,
) -> Overlap:
    """Attribute overlaps: counts of every combination of flags, and pairwise co-occurrence with lift.

    With ``privacy="dp"`` (``budget`` and ``epsilon`` as in
    :func:`microseg.profile`), the combination counts carry
    differential-privacy noise and totals, pairs and lift are sums of them;
    suppression uses the noisy counts.

    Counts from 1 to ``min_cell - 1`` — of combinations, flag totals and pair
    counts alike — are suppressed, with complementary counts, so none can be
    recovered from what is published.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> df = pd.DataFrame({"gamer": [True] * 40 + [False] * 60, "pet_owner": [True, False] * 50})
    >>> ov = ms.overlap(df, ["gamer", "pet_owner"])
    >>> ov.combinations["n"].tolist()
    [30, 30, 20, 20]
    >>> ov.pairs["lift"].round(2).tolist()
    [1.0]
    """
    check_frame(df)
    min_cell = check_min_cell(min_cell)
    flags = list(flags)
    if len(flags) < 2:
        raise MicrosegError("overlap() needs at least two flag columns.")
    if len(flags) > 12:
        raise MicrosegError(f"overlap() takes at most 12 flags (2^12 combinations); got {len(flags)}.")
    check_columns(df, flags)
    for f in flags:
        if not pd.api.types.is_bool_dtype(df[f]):
            raise SchemaError(f"column {f!r} must be boolean (True/False), found dtype {df[f].dtype}; build a flag first, e.g. df[col] > 0.")
        if df[f].isna().any():
            raise SchemaError(f"column {f!r} has {int(df[f].isna().sum())} missing values; fill them (fillna(False)) first.")
    m = len(flags)
    bits = np.zeros(len(df), dtype=np.int64)
    for i, f in enumerate(flags):
        bits |= df[f].to_numpy(dtype=bool).astype(np.int64) << i
    eps = check_privacy(privacy, budget, epsilon, what="overlap()")
    if eps is not None:
        from ._dp_tables import dp_overlap

        comb, pairs, totals, n = dp_overlap(df, flags, bits, min_cell=min_cell, budget=budget, epsilon=eps)
        return Overlap(combinations=comb, pairs=pairs, totals=totals, n=n, min_cell=min_cell)
    cells = np.bincount(bits, minlength=2**m)
    combos = np.arange(2**m)
    has = [(combos >> i) & 1 == 1 for i in range(m)]
    N = len(df)
    pair_idx = [(i, j) for i in range(m) for j in range(i + 1, m)]
    # cells: the 2^m combinations, then the m flag totals, then the pair counts; every one is published
    # unless suppressed, and each total is tied to its combinations by "total - sum(parts) = 0"
    groups = [np.flatnonzero(h) for h in has] + [np.flatnonzero(has[i] & has[j]) for i, j in pair_idx]
    n_cells = 2**m
    values = np.concatenate([cells, [int(cells[gr].sum()) for gr in groups]]).astype(np.int64)
    constraints = [np.arange(n_cells)]
    for k, gr in enumerate(groups):
        idx = np.concatenate([[n_cells + k], gr])
        constraints.append((idx, np.concatenate([[1.0], -np.ones(gr.size)])))
    sup_all, _ = protect(values, constraints, min_cell=min_cell)
    sup, sup_tot, sup_pair = sup_all[:n_cells], sup_all[n_cells : n_cells + m], sup_all[n_cells + m :]
    tot = values[n_cells : n_cells + m]
    both = values[n_cells + m :]
    present = np.flatnonzero((cells > 0) | sup)
    comb = pd.DataFrame({f: has[i][present] for i, f in enumerate(flags)})
    comb["n"] = pd.array(np.where(sup[present], 0, cells[present]), dtype="Int64")
    comb.loc[sup[present], "n"] = pd.NA
    comb["share"] = comb["n"].astype("Float64") / N
    comb["suppressed"] = sup[present]
    comb = comb.iloc[np.argsort(-np.where(sup[present], -1, cells[present]), kind="stable")].reset_index(drop=True)
    totals = pd.DataFrame({"flag": flags, "n": pd.array(np.where(sup_tot, 0, tot), dtype="Int64")})
    totals.loc[sup_tot, "n"] = pd.NA
    totals["share"] = totals["n"].astype("Float64") / N
    pr = []
    for k, ((i, j), nb) in enumerate(zip(pair_idx, both)):
        ok = not (sup_pair[k] or sup_tot[i] or sup_tot[j])
        pr.append({"flag_a": flags[i], "flag_b": flags[j], "n_a": totals["n"][i], "n_b": totals["n"][j],
                   "n_both": pd.NA if sup_pair[k] else int(nb), "share_both": np.nan if sup_pair[k] else nb / N,
                   "lift": nb * N / (tot[i] * tot[j]) if ok and tot[i] and tot[j] else np.nan})  # fmt: skip
    pairs = pd.DataFrame(pr)
    pairs["n_both"] = pairs["n_both"].astype("Int64")
    pairs = pairs.sort_values("lift", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    return Overlap(combinations=comb, pairs=pairs, totals=totals, n=N, min_cell=min_cell)
