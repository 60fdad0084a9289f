"""Segment drift between two snapshots: what changed in a segment's make-up since last time.

:func:`drift` compares a population, or each segment of it, in two snapshots
(``before`` and ``after``): categorical shares, and numeric means and medians,
with effect sizes, tests adjusted together, and the population stability index
per column. The statistics are documented in :mod:`microseg.segment._drift_stats`.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import _dask
from .._dask import is_dask
from .._validation import (
    check_alpha,
    check_columns,
    check_frame,
    check_id_column,
    check_labels,
    check_unique,
    report_rows,
)
from .._words import number, pretty
from ..errors import MicrosegError, SchemaError
from ..privacy._small_cells import check_min_cell, protect
from ..profiling._encode import column_kind, encode_column
from ..profiling._stats import bh_adjust
from ._drift_stats import compare_snapshots, psi_band

__all__ = ["drift", "DriftResult"]

ALL = "all customers"
COLUMNS = [
    "segment", "column", "level", "kind", "n_before", "n_after", "share_before", "share_after", "change_pp", "index",
    "mean_before", "mean_after", "mean_change_pct", "difference", "difference_low", "difference_high",
    "median_before", "median_after", "effect_size", "effect_kind", "test", "p_value", "p_adjusted", "significant",
    "psi", "psi_band", "suppressed", "suppressed_reason",
]  # fmt: skip


@dataclass(frozen=True, repr=False, eq=False)
class DriftResult:
    """What changed between two snapshots, for the whole population or per segment.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (segment, column, level); see :meth:`to_frame`.
    psi : pandas.DataFrame
        One row per (segment, column): ``segment, column, psi, psi_band``
        (``"stable"`` below 0.1, ``"moderate"`` to 0.25, ``"major"`` above).
        Descriptive, not a test.
    segments : pandas.DataFrame
        One row per segment: ``segment, status`` (``"in both"``, ``"new"``,
        ``"gone"``), ``n_before, n_after``, ``stayed, joined, left`` (when
        customer ids are in both snapshots), ``n_compared`` and ``compared``.
        Counts from 1 to ``min_cell - 1`` (and those that would reveal them)
        are missing.
    paired : bool
        Whether paired tests were used (the same customers, matched on their id).
    notes : tuple of str
        The design chosen, columns left out, levels pooled, segments not compared.
    alpha, min_cell : the settings used.
    rows : dict
        Rows left out, by rule (also reported as a warning).
    """

    table: pd.DataFrame
    psi: pd.DataFrame
    segments: pd.DataFrame
    paired: bool
    notes: tuple = ()
    alpha: float = 0.05
    min_cell: int = 10
    rows: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The tidy table: one row per (segment, column, level), before vs after.

        ``change_pp`` is the change of a share in percentage points,
        ``index`` is ``100 × after / before`` (of the share, or of the mean),
        ``mean_change_pct`` the relative change of the mean and ``difference``
        its absolute change with a ``1 - alpha`` interval
        (``difference_low``/``difference_high``). ``effect_size`` is Cohen's h
        for shares and the standardised mean difference for numbers; ``test``
        names the test, ``p_adjusted`` is Benjamini–Hochberg over the whole
        table and ``significant`` is ``p_adjusted <= alpha``. ``psi`` repeats
        the column's stability index. Suppressed values are missing.
        """
        return self.table.copy()

    def flagged(self, segment=None) -> pd.DataFrame:
        """The significant rows (of one segment, or all), largest effect first."""
        t = self.table
        keep = t["significant"].fillna(False).astype(bool)
        if segment is not None:
            if segment not in set(self.segments["segment"]):
                raise MicrosegError(f"segment {segment!r} is not in this result; its segments are {list(self.segments['segment'])}.")
            keep &= t["segment"] == segment
        out = t[keep]
        return out.iloc[np.argsort(-out["effect_size"].abs().to_numpy(), kind="stable")].reset_index(drop=True)

    def describe(self, n_traits: int = 3) -> str:
        """What moved, in plain words: one line per segment.

        Examples
        --------
        ``"Champions: 9 pp more have age band '25-34'; mean basket −12 %."``
        """
        lines = []
        for _, s in self.segments.iterrows():
            seg = s["segment"]
            name = str(seg)
            if s["status"] == "new":
                lines.append(f"{name}: new, not in the earlier snapshot ({_count(s['n_after'], self.min_cell)} now).")
                continue
            if s["status"] == "gone":
                lines.append(f"{name}: gone, not in the later snapshot ({_count(s['n_before'], self.min_cell)} before).")
                continue
            if not s["compared"]:
                who = "customers stayed in it" if self.paired else "people in a snapshot"
                lines.append(f"{name}: too few people to compare (fewer than {self.min_cell} {who}).")
                continue
            rows = self.flagged(seg)
            # one phrase per column: its largest change, said as a gain when two levels mirror each other
            up = rows["change_pp"].fillna(0).to_numpy() > 0
            order = np.lexsort((~up, -np.round(rows["effect_size"].abs().to_numpy(dtype=float), 9)))
            rows = rows.iloc[order].drop_duplicates("column").head(n_traits)
            phrases = [_phrase(r) for _, r in rows.iterrows()]
            major = self.psi[(self.psi["segment"] == seg) & (self.psi["psi_band"] == "major")]
            if len(major):
                phrases.append("major shift (PSI > 0.25) in " + ", ".join(pretty(c) for c in major["column"]))
            lines.append(f"{name}: " + ("; ".join(phrases) if phrases else "no trait moved clearly") + ".")
        return "\n".join(lines)

    def plot(self, segment=None, ax=None, **kwargs):
        """Before/after index chart: one panel per segment (a Figure), or one Axes for a single segment."""
        from ..plot._drift import plot_drift

        return plot_drift(self, segment=segment, ax=ax, **kwargs)

    def __repr__(self) -> str:
        sig = int(self.table["significant"].fillna(False).astype(bool).sum())
        design = "paired" if self.paired else "two independent snapshots"
        return (
            f"DriftResult({len(self.segments)} segments, {self.table['column'].nunique()} columns, {design}, "
            f"{sig} significant changes at alpha={self.alpha})"
        )

    def _repr_html_(self) -> str:
        from .._tables import format_table

        items = "".join(f"<li>{html.escape(line)}</li>" for line in self.describe().splitlines())
        parts = [f"<p><b>{html.escape(repr(self))}</b></p>", f"<ul>{items}</ul>", format_table(self.segments, max_rows=None).html]
        cols = ["segment", "column", "level", "share_before", "share_after", "change_pp", "mean_before", "mean_after",
                "mean_change_pct", "effect_size", "test", "p_adjusted", "psi"]  # fmt: skip
        flagged = self.flagged()
        if len(flagged):
            parts.append(format_table(flagged[cols], max_rows=None).html)
        if self.notes:
            parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ul>")
        return "\n".join(parts)


def _count(n, min_cell: int) -> str:
    return f"fewer than {min_cell}" if pd.isna(n) else f"{int(n):,}"


def _hide_small(v: np.ndarray, min_cell: int) -> pd.arrays.IntegerArray:
    out = pd.array(np.asarray(v, dtype=np.int64), dtype="Int64")
    out[(v > 0) & (v < min_cell)] = pd.NA
    return out


def _signed(v: float, unit: str) -> str:
    return f"{'+' if v > 0 else '−'}{number(abs(v))}{unit}"


def _phrase(r) -> str:
    col = pretty(r["column"])
    if r["kind"] == "numeric":
        if np.isfinite(r["mean_change_pct"]):
            return f"mean {col} {'+' if r['mean_change_pct'] > 0 else '−'}{abs(r['mean_change_pct']):.0f} %"
        return f"mean {col} {_signed(r['difference'], '')}"
    pp = r["change_pp"]
    more = "more" if pp > 0 else "fewer"
    what = f"are {col}" if r["kind"] == "flag" else f"have {col} {str(r['level']).replace('_', ' ')!r}"
    return f"{abs(pp):.0f} pp {more} {what}"


# -- inputs -----------------------------------------------------------------------------------------------


def _resolve_segments(before, after, segments):
    if segments is None:
        return (pd.Series(ALL, index=before.index, dtype=object), pd.Series(ALL, index=after.index, dtype=object), None)
    if isinstance(segments, tuple):
        if len(segments) != 2:
            raise MicrosegError(
                f"segments as a tuple must be (labels_before, labels_after), got {len(segments)} items; "
                "or pass the name of a column present in both snapshots."
            )
        return (check_labels(before, segments[0], name="segments[0] (before)"),
                check_labels(after, segments[1], name="segments[1] (after)"), None)  # fmt: skip
    if not isinstance(segments, Hashable):
        raise MicrosegError(
            "segments must be a column name present in both snapshots, or a pair (labels_before, labels_after); "
            f"got {type(segments).__name__}."
        )
    check_columns(before, [segments], name="before")
    check_columns(after, [segments], name="after")
    return before[segments], after[segments], segments


def _segment_names(lb: pd.Series, la: pd.Series) -> list:
    cats = []
    for s in (lb, la):
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats += list(s.cat.categories)
    seen = pd.unique(pd.concat([lb.dropna().astype(object), la.dropna().astype(object)], ignore_index=True))
    try:
        rest = sorted(seen, key=lambda v: (str(type(v)), v))
    except TypeError:
        rest = list(seen)
    return list(dict.fromkeys(cats + rest))


def _select(before, after, columns, exclude, notes):
    explicit = columns is not None
    if explicit:
        columns = [columns] if isinstance(columns, str) else list(columns)
        check_columns(before, columns, name="before")
        check_columns(after, columns, name="after")
    else:
        columns = [c for c in before.columns if c in after.columns and c not in exclude]
        only = [c for c in list(before.columns) + list(after.columns) if (c in before) != (c in after) and c not in exclude]
        if only:
            notes.append(f"columns in only one snapshot left out: {', '.join(map(repr, dict.fromkeys(only)))}.")
    out = []
    for c in columns:
        kb, ka = column_kind(before[c]), column_kind(after[c])
        if kb != ka:
            raise SchemaError(
                f"column {c!r} is {kb or 'dates'} in before (dtype {before[c].dtype}) but {ka or 'dates'} in after "
                f"(dtype {after[c].dtype}); give it the same type in both snapshots."
            )
        if kb is None:
            if explicit:
                raise SchemaError(f"column {c!r} holds dates/times; drift compares numbers, flags and categories. "
                                  "Derive one first, e.g. days since: (as_of - df[col]).dt.days.")  # fmt: skip
            notes.append(f"column {c!r} left out: dates and times are not compared (derive a number from them).")
            continue
        out.append((c, kb))
    if not out:
        raise SchemaError("no column to compare; pass columns=[...] naming numeric, boolean or categorical columns "
                          "present in both snapshots.")  # fmt: skip
    return out


def _subset(col, idx):
    """The column restricted to rows ``idx``, with levels nobody in them holds dropped; None when constant."""
    if col.kind == "numeric":
        return dataclasses.replace(col, values=col.values[idx])
    codes = col.codes[idx]
    used = np.bincount(codes, minlength=len(col.levels)) > 0
    if used.sum() < 2:
        return None
    if used.all():
        return dataclasses.replace(col, codes=codes)
    remap = np.cumsum(used) - 1
    return dataclasses.replace(col, codes=remap[codes], levels=[lv for lv, u in zip(col.levels, used) if u],
                               hidden=col.hidden[used])  # fmt: skip


def _membership(cb, ca_of_b, n_b, n_a, K, min_cell):
    """stayed/joined/left per segment, small counts suppressed (with what would reveal them)."""
    stayed = np.bincount(cb[(cb >= 0) & (ca_of_b == cb)], minlength=K)
    left, joined = n_b - stayed, n_a - stayed
    out = np.stack([stayed, joined, left], axis=1).astype(float)
    for k in range(K):  # one small table per segment
        if 0 < n_b[k] < min_cell or 0 < n_a[k] < min_cell:
            out[k] = np.nan
            continue
        sup, _ = protect(np.array([stayed[k], left[k], joined[k]]), [np.array([0, 1]), np.array([0, 2])], min_cell=min_cell)
        out[k, [0, 2, 1]] = np.where(sup, np.nan, out[k, [0, 2, 1]])
    return out


def drift(
    before: pd.DataFrame,
    after: pd.DataFrame,
    *,
    segments=None,
    columns: Sequence[Hashable] | None = None,
    paired: bool | None = None,
    customer: str = "customer_id",
    min_cell: int = 10,
    alpha: float = 0.05,
) -> DriftResult:
    """What changed in a population, or in each segment, between two snapshots.

    Parameters
    ----------
    before, after : pandas.DataFrame or dask.dataframe.DataFrame
        One row per customer at each time. Dask frames (and Dask label
        Series) give the same result: the compared columns are computed
        (one row per customer, not a log) and the pandas statistics run on them.
    segments : column name or (labels_before, labels_after), optional
        The segment of each row: a column present in both snapshots, or two
        label arrays aligned with ``before`` and ``after``. Default: the whole
        population. Rows with a missing label are left out (reported as a
        warning). Segments present in only one snapshot are listed as
        ``"new"`` or ``"gone"``; a segment whose membership changed is compared
        as it is in each snapshot (two-sample), or through the customers who
        stayed in it (paired); ``segments`` gives stayed/joined/left.
    columns : list of column names, optional
        Default: every column in both snapshots except ``segments`` and
        ``customer``, leaving out dates and categorical columns with more
        than 50 levels.
    paired : bool, optional
        ``True``: the same customers followed over time, matched on
        ``customer`` (McNemar's test for shares, Wilcoxon's signed-rank test
        for numbers; customers in only one snapshot are left out).
        ``False``: two independent snapshots (Fisher's exact test or
        chi-square for shares, Mann–Whitney for numbers). ``None``: paired
        when ``customer`` is in both and at least half of the smaller
        snapshot's customers are in both (said in ``notes``).
    customer : str
        The customer id column.
    min_cell : int
        Counts from 1 to ``min_cell - 1`` are suppressed as in
        :func:`microseg.profile`; a segment needs ``min_cell`` people in each
        snapshot (``min_cell`` matched customers when paired) to be compared.
    alpha : float
        Significance level of the Benjamini–Hochberg adjusted p-values (over
        the whole table) and the intervals' level ``1 - alpha``.

    Returns
    -------
    DriftResult

    Examples
    --------
    >>> import numpy as np, pandas as pd, microseg as ms
    >>> rng = np.random.default_rng(0)
    >>> before = pd.DataFrame({"channel": rng.choice(["app", "web"], 800, p=[0.4, 0.6]), "basket": rng.gamma(4, 10, 800)})
    >>> after = pd.DataFrame({"channel": rng.choice(["app", "web"], 800, p=[0.55, 0.45]), "basket": rng.gamma(4, 10, 800)})
    >>> res = ms.drift(before, after)
    >>> res.flagged()[["column", "level", "significant"]]
        column level  significant
    0  channel   web         True
    1  channel   app         True
    >>> print(res.describe(n_traits=1))
    all customers: 19 pp more have channel 'app'.
    """
    if any(is_dask(x) for x in (before, after, *(segments if isinstance(segments, tuple) else ()))):
        # exact tests, medians and ranks need each compared column whole: only those columns are computed
        need = None if columns is None else [*([columns] if isinstance(columns, str) else columns), customer,
                                             *([] if segments is None or isinstance(segments, tuple) else [segments])]
        before, after = _dask.collect(before, need), _dask.collect(after, need)
        segments = tuple(_dask.collect(s) for s in segments) if isinstance(segments, tuple) else segments
    check_frame(before, name="before")
    check_frame(after, name="after")
    min_cell, alpha = check_min_cell(min_cell), check_alpha(alpha)
    lb, la, seg_col = _resolve_segments(before, after, segments)
    notes, rows = [], {}
    unique, m = False, 0
    has_ids = customer in before.columns and customer in after.columns
    if paired and not has_ids:
        check_columns(before, [customer], name="before")
        check_columns(after, [customer], name="after")
    if has_ids:
        for name, df in (("before", before), ("after", after)):
            check_id_column(df, customer, name=name)
        ids_b, ids_a = before[customer], after[customer]
        unique = not ids_b.duplicated().any() and not ids_a.duplicated().any()
        if paired or (paired is None and unique):
            check_unique(before, customer, name="before")
            check_unique(after, customer, name="after")
        pos_a = pd.Index(ids_a).get_indexer(ids_b) if unique else np.full(len(before), -1)
        n_common = int((pos_a >= 0).sum())
        if paired is None:
            paired = unique and n_common >= 0.5 * min(len(before), len(after))
            notes.append(
                f"{n_common:,} customers are in both snapshots, so the tests are "
                + ("paired (matched on customer)." if paired else "two-sample (independent snapshots).")
                + " Pass paired=True or False to choose."
            )
        elif not paired and n_common:
            notes.append(f"{n_common:,} customers are in both snapshots but paired=False treats them as independent.")
    paired = bool(paired)
    sel = _select(before, after, columns, {seg_col, customer}, notes)
    names = _segment_names(lb, la)
    K = len(names)
    code_of = {s: k for k, s in enumerate(names)}
    cb = lb.map(code_of).fillna(-1).to_numpy(dtype=np.int64)  # map: a hashed lookup per distinct label
    ca = la.map(code_of).fillna(-1).to_numpy(dtype=np.int64)
    n_b, n_a = np.bincount(cb[cb >= 0], minlength=K), np.bincount(ca[ca >= 0], minlength=K)
    if segments is not None:
        rows["before rows without a segment label (left out)"] = int((cb < 0).sum())
        rows["after rows without a segment label (left out)"] = int((ca < 0).sum())
    cols = [c for c, _ in sel]
    if paired:
        ib = np.flatnonzero(pos_a >= 0)
        ia = pos_a[ib]
        rows["before rows whose customer is not in after (not paired)"] = len(before) - ib.size
        rows["after rows whose customer is not in before (not paired)"] = len(after) - ib.size
        stacked = pd.concat([before[cols].iloc[ib], after[cols].iloc[ia]], ignore_index=True)
        g_b, g_a = cb[ib], ca[ia]
        groups = [np.flatnonzero((g_b == k) & (g_a == k)) for k in range(K)]  # stayed in segment k
        n_cmp = np.array([len(ix) for ix in groups])
        m = ib.size
        groups = [np.concatenate([ix, ix + m]) for ix in groups]
    else:
        keep_b, keep_a = np.flatnonzero(cb >= 0), np.flatnonzero(ca >= 0)
        stacked = pd.concat([before[cols].iloc[keep_b], after[cols].iloc[keep_a]], ignore_index=True)
        g_all = np.concatenate([cb[keep_b], ca[keep_a]])
        after_row = np.r_[np.zeros(keep_b.size, bool), np.ones(keep_a.size, bool)]
        groups = [np.flatnonzero(g_all == k) for k in range(K)]
        n_cmp = np.minimum(n_b, n_a)
    enc_notes: list[str] = []
    encoded = [encode_column(stacked[c], kind, min_cell, enc_notes, 50 if columns is None else None) for c, kind in sel]
    notes.extend(enc_notes)
    encoded = [e for e in encoded if e is not None]
    if not encoded:
        raise SchemaError("no column left to compare once constant, rare and identifier-like columns were left out; "
                          + " ".join(enc_notes))  # fmt: skip
    parts, psis = [], []
    compared = (n_b >= min_cell) & (n_a >= min_cell) & (n_cmp >= min_cell)
    for k in range(K):
        if not compared[k]:
            if n_b[k] and n_a[k]:
                notes.append(f"segment {names[k]!r} not compared: fewer than min_cell={min_cell} "
                             + ("matched customers stayed in it." if paired else "people in a snapshot."))  # fmt: skip
            continue
        idx = groups[k]
        is_after = idx >= m if paired else after_row[idx]
        sub = [s for s in (_subset(e, idx) for e in encoded) if s is not None]
        if not sub:
            continue
        t, ps = compare_snapshots(sub, is_after, paired=paired, min_cell=min_cell, alpha=alpha)
        t.insert(0, "segment", names[k])
        parts.append(t)
        psis += [{"segment": names[k], "column": c.name, "psi": v} for c, v in zip(sub, ps)]
    if not parts:
        raise MicrosegError(
            f"no segment has at least min_cell={min_cell} people in both snapshots"
            + (" among customers matched on their id" if paired else "")
            + "; nothing can be compared. Check the snapshots, or merge small segments."
        )
    table = pd.concat(parts, ignore_index=True)
    psi = pd.DataFrame(psis)
    psi["psi_band"] = [psi_band(v) for v in psi["psi"]]
    table = table.merge(psi, on=["segment", "column"], how="left")
    table["change_pp"] = 100 * (table["share_after"] - table["share_before"])
    with np.errstate(divide="ignore", invalid="ignore"):
        base = np.where(table["kind"] == "numeric", table["mean_before"], table["share_before"])
        now = np.where(table["kind"] == "numeric", table["mean_after"], table["share_after"])
        table["index"] = np.where(base > 0, 100 * now / base, np.nan)
        table["mean_change_pct"] = np.where(table["mean_before"] > 0, table["index"] - 100, np.nan)
    table["p_adjusted"] = bh_adjust(table["p_value"].to_numpy(dtype=float))
    sig = pd.array(table["p_adjusted"] <= alpha, dtype="boolean")
    sig[table["suppressed"].to_numpy() | table["p_adjusted"].isna().to_numpy()] = pd.NA
    table["significant"] = sig
    cat = pd.Index(names, dtype=object)
    table["segment"] = pd.Categorical(table["segment"], categories=cat)
    table = table.reindex(columns=COLUMNS)
    psi["segment"] = pd.Categorical(psi["segment"], categories=cat)
    status = np.where(n_b == 0, "new", np.where(n_a == 0, "gone", "in both"))
    seg = pd.DataFrame({"segment": pd.Categorical(names, categories=cat), "status": status,
                        "n_before": _hide_small(n_b, min_cell), "n_after": _hide_small(n_a, min_cell)})  # fmt: skip
    if has_ids and unique:
        ca_of_b = np.where(pos_a >= 0, ca[np.maximum(pos_a, 0)], -2)
        mem = _membership(cb, ca_of_b, n_b, n_a, K, min_cell)
        for j, c in enumerate(["stayed", "joined", "left"]):
            seg[c] = pd.array(np.nan_to_num(mem[:, j], nan=-1).astype(np.int64), dtype="Int64")
            seg.loc[np.isnan(mem[:, j]), c] = pd.NA
    seg["n_compared"] = _hide_small(np.where(compared, n_cmp, 0), min_cell)
    seg["compared"] = compared
    result = DriftResult(table=table, psi=psi, segments=seg, paired=paired, notes=tuple(notes), alpha=alpha,
                         min_cell=min_cell, rows=rows)  # fmt: skip
    if any(rows.values()):
        report_rows(result, rows, stacklevel=3)
    return result
