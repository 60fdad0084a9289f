"""Profiling: who is in the data, and how each segment differs from the population.

* :func:`describe` — the population, column by column;
* :func:`profile` — every segment against the rest of the population, with
  tests, effect sizes, intervals and Benjamini–Hochberg adjusted p-values
  (:class:`SegmentProfile`);
* :func:`compare` — the same statistics for two groups;
* :func:`overlap` — how flags co-occur (UpSet-style combination counts, lift).

Small cells are suppressed by default: any count from 1 to ``min_cell - 1``
is hidden with everything derived from it, and enough other cells are hidden
that none can be recovered from the published totals (see
:mod:`microseg._suppression`). The statistics are documented in
:mod:`microseg._profile_stats`.

The module is called ``profiling`` rather than ``profile``: a submodule named
``profile`` would replace the function ``ms.profile`` on the package as soon as
it is imported.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import _profile_stats as st
from ._dask import is_dask
from ._describe import Description, describe
from ._overlap import Overlap, overlap
from ._profile_stats import check_min_cell as _check_min_cell
from ._validation import check_columns, check_frame, check_labels, check_weights, report_rows
from .errors import AudienceTooSmallError, MicrosegError, SchemaError
from .privacy.sensitive import check_sensitive

__all__ = ["describe", "profile", "compare", "overlap", "SegmentProfile", "Description", "Overlap"]

def _check_alpha(alpha) -> float:
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise MicrosegError(f"alpha must be between 0 and 1 (e.g. 0.05), got {alpha!r}.")
    return float(alpha)


def _resolve_weights(df, weights):
    if weights is None:
        return None, None
    if isinstance(weights, Hashable) and not isinstance(weights, (np.ndarray, pd.Series)) and weights in df.columns:
        return check_weights(df[weights], len(df), name=f"weights column {weights!r}"), weights
    if isinstance(weights, str):
        check_columns(df, [weights])
    if isinstance(weights, pd.Series) and not weights.index.equals(df.index):
        raise MicrosegError("weights is a Series whose index does not match the data's index; align it first.")
    return check_weights(weights, len(df)), None


def _select_columns(df, columns, exclude, max_levels, notes):
    """Return [(name, kind)], raising on explicit bad columns and noting default skips."""
    explicit = columns is not None
    if explicit:
        columns = [columns] if isinstance(columns, str) else list(columns)
        check_columns(df, columns)
    else:
        columns = [c for c in df.columns if c not in exclude]
    out = []
    for c in columns:
        s = df[c]
        kind = st.column_kind(s)
        if kind is None:
            if explicit:
                raise SchemaError(
                    f"column {c!r} holds dates/times (dtype {s.dtype}); profile() compares numbers, flags "
                    "and categories. Derive one first, e.g. days since: (as_of - df[col]).dt.days."
                )
            notes.append(f"column {c!r} left out: dates and times are not profiled (derive a number from them).")
            continue
        if s.isna().all():
            raise SchemaError(
                f"column {c!r} is missing for every row; drop it (columns=[...]) or fill it before profiling."
            )
        out.append((c, kind))
    if not out:
        raise SchemaError("no column to profile; pass columns=[...] naming numeric, boolean or categorical columns.")
    return out


def _labels(df, segments, name="segments"):
    labels = check_labels(df, segments, name=name)
    is_name = isinstance(segments, Hashable) and not isinstance(segments, (pd.Series, np.ndarray))
    seg_col = segments if is_name and segments in df.columns else None
    if seg_col is None and isinstance(segments, pd.Series) and segments.name in df.columns:
        if df[segments.name].equals(labels):  # df["seg"] passed instead of "seg": do not profile it against itself
            seg_col = segments.name
    return labels, seg_col


@dataclass(frozen=True, repr=False, eq=False)
class SegmentProfile:
    """Every segment against the rest of the population.

    Attributes
    ----------
    table : pandas.DataFrame
        The tidy long table, one row per (segment, column, level); see
        :meth:`to_frame`.
    sizes : pandas.DataFrame
        One row per segment: ``segment, n, share, n_eff`` (``share`` weighted
        when weights are given; ``n`` counts people).
    suppressed : pandas.DataFrame
        What was hidden and why: ``segment, column, level, reason``.
    notes : tuple of str
        Columns left out, levels pooled, rows excluded — in words.
    alpha, min_cell : the settings used; ``weighted`` says whether weights were given.
    rows : dict
        Rows left out of the profile, by rule (also reported as a warning).
    """

    table: pd.DataFrame
    sizes: pd.DataFrame
    suppressed: pd.DataFrame
    notes: tuple = ()
    alpha: float = 0.05
    min_cell: int = 10
    weighted: bool = False
    rows: dict = field(default_factory=dict)
    _source: tuple | None = field(default=None, compare=False)

    # -- tables -------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The tidy long table: one row per (segment, column, level).

        ``level`` is ``""`` for numeric columns, ``"True"`` for flags and the
        category (as str) for categorical columns. Suppressed values are
        missing, and ``suppressed``/``suppressed_reason`` say why.
        """
        return self.table.copy()

    def distinctive(self, segment, n: int = 10, *, min_effect: float = 0.2) -> pd.DataFrame:
        """The segment's significant traits with ``|effect_size| >= min_effect``, largest first.

        Rows of :meth:`to_frame`.
        """
        self._check_segment(segment)
        t = self.table
        keep = (t["segment"] == segment) & t["significant"].fillna(False).astype(bool)
        keep &= t["effect_size"].abs() >= min_effect
        out = t[keep]
        return out.iloc[np.argsort(-out["effect_size"].abs().to_numpy(), kind="stable")].head(n).reset_index(drop=True)

    def _check_segment(self, segment):
        if segment not in set(self.sizes["segment"]):
            raise MicrosegError(
                f"segment {segment!r} is not in this profile; its segments are {list(self.sizes['segment'])}."
            )

    def describe_segments(self, n_traits: int = 3) -> pd.DataFrame:
        """Per segment a short suggested name and one plain-English sentence.

        Returns a frame with ``segment, n, share, name, description``.
        """
        rows = []
        for _, s in self.sizes.iterrows():
            traits = self.distinctive(s["segment"], n=n_traits)
            phrases = [_phrase(r) for _, r in traits.iterrows()]
            words = list(dict.fromkeys(_short(r) for _, r in traits.iterrows()))[:2]
            name = ", ".join(words) if words else "typical"
            pct = f"{100 * s['share']:.0f} %"
            body = ", ".join(phrases) if phrases else "no trait differs clearly from the rest"
            rows.append(
                {
                    "segment": s["segment"],
                    "n": s["n"],
                    "share": s["share"],
                    "name": name,
                    "description": f"Segment {s['segment']}, {pct} of customers: {body}.",
                }
            )
        return pd.DataFrame(rows)

    def compare(self, a, b=None) -> SegmentProfile:
        """Compare segment ``a`` with segment ``b`` (or with everyone else when ``b`` is None)."""
        if self._source is None:
            raise MicrosegError("this profile keeps no data to compare from; call ms.compare(df, a, b) instead.")
        self._check_segment(a)
        if b is not None:
            self._check_segment(b)
        df, labels, weights, columns = self._source
        if columns is None:
            columns = list(dict.fromkeys(self.table["column"]))
        return compare(
            df,
            labels == a,
            None if b is None else labels == b,
            columns=columns,
            weights=weights,
            min_cell=self.min_cell,
            alpha=self.alpha,
            names=(a, "rest" if b is None else b),
        )

    # -- display ------------------------------------------------------------------
    def plot(self, kind: str = "heatmap", ax=None, **kwargs):
        """Draw the profile: ``"heatmap"`` (index), ``"snake"``, ``"radar"`` or ``"sizes"``."""
        from .plot import _profile as pp

        funcs = {"heatmap": pp.plot_index_heatmap, "snake": pp.plot_snake, "radar": pp.plot_radar, "sizes": pp.plot_sizes}
        if kind not in funcs:
            raise MicrosegError(f"kind must be one of {sorted(funcs)}, got {kind!r}.")
        return funcs[kind](self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        k = len(self.sizes)
        sig = int(self.table["significant"].fillna(False).astype(bool).sum())
        return (
            f"SegmentProfile({k} segments, {self.table['column'].nunique()} columns, "
            f"{sig} significant traits at alpha={self.alpha}, {len(self.suppressed)} cells suppressed)"
        )

    def _repr_html_(self) -> str:
        desc = self.describe_segments()
        parts = [f"<p><b>{html.escape(repr(self))}</b></p>", desc.to_html(index=False)]
        if len(self.suppressed) or self.notes:
            why = (
                f"{len(self.suppressed)} values hidden: counts from 1 to {self.min_cell - 1} people "
                "and the cells that would let them be recovered from the totals."
            )
            items = "".join(f"<li>{html.escape(n)}</li>" for n in (why, *self.notes))
            parts.append(f"<ul>{items}</ul>")
        return "\n".join(parts)


def _pretty(col) -> str:
    return str(col).replace("_", " ")


def _number(v: float) -> str:
    """A number as people write it: 48,852 rather than 4.89e+04; 3 significant digits below 1,000."""
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def _phrase(r) -> str:
    col = _pretty(r["column"])
    if r["kind"] == "numeric":
        higher = r["difference"] > 0
        word = ("older" if higher else "younger") if col == "age" else f"{col} {'above' if higher else 'below'} average"
        return f"{word} (mean {_number(r['mean_segment'])} vs {_number(r['mean_overall'])})"
    ratio = r["index"] / 100
    what = f"to be {col}" if r["kind"] == "flag" else f"to have {col} {str(r['level']).replace('_', ' ')!r}"
    if ratio >= 1:
        return f"{ratio:.1f}× as likely {what}"
    return f"{1 / ratio:.1f}× less likely {what}" if ratio > 0 else f"never {what[3:]}"


def _short(r) -> str:
    col = _pretty(r["column"])
    if r["kind"] == "numeric":
        if col == "age":
            return "older" if r["difference"] > 0 else "younger"
        return f"{'high' if r['difference'] > 0 else 'low'}-{col}"
    if r["kind"] == "flag":
        return col if r["effect_size"] > 0 else f"non-{col}"
    return str(r["level"]) if r["effect_size"] > 0 else f"not-{r['level']}"


def _build_profile(
    df, labels, *, columns, exclude, weights, min_cell, alpha, max_levels, names=None, notes=None, keep_source=True,
    n_jobs=None,
):  # fmt: skip
    notes = list(notes or [])
    rows = {}
    w, _ = _resolve_weights(df, weights)
    missing_lab = labels.isna().to_numpy()
    if missing_lab.any():
        rows["rows without a segment label (left out)"] = int(missing_lab.sum())
        keep = ~missing_lab
        df_used, labels_used = df.loc[keep], labels[keep]
        w_used = None if w is None else w[keep]
    else:
        df_used, labels_used, w_used = df, labels, w
    if isinstance(labels_used.dtype, pd.CategoricalDtype):
        codes = labels_used.cat.codes.to_numpy().astype(np.int64)
        seg_names = list(labels_used.cat.categories)
        used = np.bincount(codes, minlength=len(seg_names)) > 0
        if not used.all():
            remap = np.cumsum(used) - 1
            codes = remap[codes]
            seg_names = [s for s, u in zip(seg_names, used) if u]
    else:
        codes, uniq = pd.factorize(labels_used, sort=True)
        codes = codes.astype(np.int64)
        seg_names = list(uniq)
    if names is not None:
        seg_names = list(names)
    if len(seg_names) < 2:
        raise MicrosegError(
            f"segments has {len(seg_names)} level ({seg_names!r}); a profile compares at least two "
            "segments. Check the labels, or use ms.describe(df) for the whole population."
        )
    sizes_n = np.bincount(codes, minlength=len(seg_names))
    small = [(s, int(n)) for s, n in zip(seg_names, sizes_n) if n < min_cell]
    if small:
        raise AudienceTooSmallError(
            f"segments {[s for s, _ in small]} have fewer than min_cell={min_cell} people, so even their "
            "size cannot be shown; merge them into a larger segment (e.g. 'other') or lower min_cell deliberately."
        )
    sel = _select_columns(df_used, columns, exclude, max_levels, notes)
    col_notes = [[] for _ in sel]
    encoded = st.map_columns(
        lambda i: st.encode_column(df_used[sel[i][0]], sel[i][1], min_cell, col_notes[i], max_levels if columns is None else None),
        list(range(len(sel))),
        n_jobs,
    )
    notes.extend(n for ns in col_notes for n in ns)
    encoded = [e for e in encoded if e is not None]
    if not encoded:
        raise SchemaError("no column left to profile once constant, rare and identifier-like columns were left out; " + " ".join(notes))
    table, sup = st.profile_table(codes, seg_names, encoded, w_used, min_cell=min_cell, alpha=alpha, n_jobs=n_jobs)
    if w_used is None:
        share = sizes_n / sizes_n.sum()
        neff = sizes_n.astype(float)
    else:
        sw = np.bincount(codes, weights=w_used, minlength=len(seg_names))
        sw2 = np.bincount(codes, weights=w_used**2, minlength=len(seg_names))
        share = sw / sw.sum()
        neff = sw**2 / sw2
    sizes = pd.DataFrame({"segment": pd.Categorical(seg_names, categories=pd.Index(seg_names, dtype=object)), "n": sizes_n, "share": share, "n_eff": neff})
    source = (df, labels, weights, columns) if keep_source else None
    result = SegmentProfile(
        table=table, sizes=sizes, suppressed=sup, notes=tuple(notes), alpha=alpha, min_cell=min_cell,
        weighted=w is not None, rows=rows, _source=source,
    )  # fmt: skip
    if rows:
        report_rows(result, rows, stacklevel=4)
    return result


def profile(
    df: pd.DataFrame,
    segments,
    *,
    columns: Sequence[Hashable] | None = None,
    weights=None,
    min_cell: int = 10,
    alpha: float = 0.05,
    max_levels: int = 50,
    n_jobs: int | None = None,
) -> SegmentProfile:
    """Profile every segment against the rest of the population.

    Parameters
    ----------
    df : pandas.DataFrame or dask.dataframe.DataFrame
        One row per person. A Dask DataFrame gives the same profile, from
        value counts computed in partitions (exact; no weights; see
        :mod:`microseg._dask`).
    segments : column name or array-like
        The segment of each row: a column of ``df`` or labels aligned with it
        (a Series on the same index, or an array in row order; with a Dask
        ``df``, a column name or a Dask Series with known divisions). Rows with a
        missing label are left out (reported as a warning).
    columns : list of column names, optional
        Columns to profile. Default: every column but the segment and weight
        columns, leaving out dates and categorical columns with more than
        ``max_levels`` levels (said in ``notes``).
    weights : column name or array-like, optional
        Survey weights: shares, means and medians are weighted, tests use the
        effective sample size ``(Σw)² / Σw²``. ``min_cell`` counts people.
    min_cell : int
        Counts from 1 to ``min_cell - 1`` are suppressed, with complementary
        cells, and means/medians need ``min_cell`` people with a value.
        Levels with fewer than ``min_cell`` people overall are pooled into
        ``"(other levels)"``.
    alpha : float
        Significance level of the Benjamini–Hochberg adjusted p-values;
        intervals are ``1 - alpha`` intervals.
    max_levels : int
        See ``columns``.
    n_jobs : int, optional
        Columns computed on this many threads (``-1``: all cores; default 1).
        The results do not depend on it.

    Returns
    -------
    SegmentProfile

    Raises
    ------
    MicrosegError
        Segments with a single level, labels not aligned with ``df``, weights
        missing or negative.
    SchemaError
        A column missing for every row.
    AudienceTooSmallError
        A segment with fewer than ``min_cell`` people.

    Notes
    -----
    Each segment is tested against the rest of the population; the index
    (``100 × share_segment / share_overall``) compares it with the whole.
    Levels and flags: Fisher's exact test where an expected count of the
    2 × 2 table is below 20, else Pearson's chi-square (no continuity
    correction); effect size Cohen's h. Numeric columns: Mann–Whitney U
    (normal approximation with tie and continuity corrections, as
    ``scipy.stats.mannwhitneyu(method="asymptotic")``); effect size the
    standardised mean difference with the average of the two variances.
    Index interval: delta method on ``log(index)`` with segment and rest as
    independent binomials. Mean interval: ``t``; median interval: order
    statistics. All p-values are adjusted together (Benjamini–Hochberg);
    ``significant`` is ``p_adjusted <= alpha``. With weights, the tests use
    effective sample sizes (and weighted mid-ranks for Mann–Whitney, without
    continuity correction). Details in :mod:`microseg._profile_stats`.

    Examples
    --------
    >>> import numpy as np, pandas as pd, microseg as ms
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"seg": rng.choice(["a", "b"], 400), "spend": rng.gamma(2, 50, 400)})
    >>> df["gamer"] = (df["seg"] == "a") & (rng.random(400) < 0.6)
    >>> prof = ms.profile(df, "seg")
    >>> prof.distinctive("a")[["column", "level", "significant"]]
      column level  significant
    0  gamer  True         True
    """
    if is_dask(df):
        from ._dask import profile_dask

        return profile_dask(df, segments, columns=columns, weights=weights, min_cell=min_cell, alpha=alpha,
                            max_levels=max_levels, n_jobs=n_jobs)  # fmt: skip
    check_frame(df)
    check_sensitive(df.columns if columns is None else columns, data=df, action="warn", purpose="profile")
    min_cell, alpha = _check_min_cell(min_cell), _check_alpha(alpha)
    labels, seg_col = _labels(df, segments)
    exclude = {seg_col} if seg_col is not None else set()
    if isinstance(weights, Hashable) and not isinstance(weights, (np.ndarray, pd.Series)) and weights in df.columns:
        exclude.add(weights)
    return _build_profile(
        df, labels, columns=columns, exclude=exclude, weights=weights, min_cell=min_cell, alpha=alpha,
        max_levels=max_levels, n_jobs=n_jobs,
    )  # fmt: skip


def compare(
    df: pd.DataFrame,
    a,
    b=None,
    *,
    columns: Sequence[Hashable] | None = None,
    weights=None,
    min_cell: int = 10,
    alpha: float = 0.05,
    names: tuple = ("A", "B"),
) -> SegmentProfile:
    """The profile statistics for two groups: ``a`` against ``b``, or against everyone else.

    ``a`` and ``b`` are conditions as in :func:`microseg.rule_segments` (a
    boolean mask aligned with ``df``, a callable ``df -> mask`` or a
    :meth:`~pandas.DataFrame.eval` string). With ``b=None`` the second group is
    the rest of ``df`` (named ``"rest"``), so the index compares ``a`` with the
    whole population; otherwise rows in neither group are left out and the
    index compares each group with the two together.

    Returns
    -------
    SegmentProfile
        With two segments, named by ``names``.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> df = pd.DataFrame({"age": list(range(20, 80)) * 5, "app": [True, False, False] * 100})
    >>> res = ms.compare(df, "age < 40")
    >>> list(res.sizes["segment"]), res.sizes["n"].tolist()
    (['A', 'rest'], [100, 200])
    """
    from .segment.rules import _resolve

    check_frame(df)
    check_sensitive(df.columns if columns is None else columns, data=df, action="warn", purpose="comparison")
    min_cell, alpha = _check_min_cell(min_cell), _check_alpha(alpha)
    ma = _resolve(df, names[0], a)
    notes = []
    if b is None:
        names = (names[0], "rest")
        mb = ~ma
    else:
        mb = _resolve(df, names[1], b)
        both = ma & mb
        if both.any():
            raise MicrosegError(
                f"{int(both.sum())} rows are in both groups; the groups must not overlap. "
                "Use b=None to compare a group with everyone else."
            )
        outside = int((~ma & ~mb).sum())
        if outside:
            notes.append(f"{outside} rows in neither group are not part of this comparison.")
    keep = ma | mb
    sub = df if keep.all() else df.loc[keep]
    lab = pd.Series(np.where(ma[keep], 0, 1), index=sub.index)
    lab = pd.Series(pd.Categorical.from_codes(lab.to_numpy(), categories=pd.Index(list(names), dtype=object)), index=sub.index)
    w = weights
    if weights is not None and not (isinstance(weights, Hashable) and not isinstance(weights, (np.ndarray, pd.Series)) and weights in df.columns):
        w = np.asarray(pd.Series(weights).to_numpy(dtype="float64", na_value=np.nan))
        if w.shape == (len(df),):
            w = w[keep]
    exclude = {weights} if w is weights and weights is not None else set()
    return _build_profile(
        sub, lab, columns=columns, exclude=exclude, weights=w, min_cell=min_cell, alpha=alpha, max_levels=50,
        notes=notes, keep_source=False,
    )  # fmt: skip
