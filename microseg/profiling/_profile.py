"""Profiles: every segment against the rest of the population, from pandas or Dask input.

Small cells are suppressed by default: any count from 1 to ``min_cell - 1``
is hidden with everything derived from it, and enough other cells are hidden
that none can be recovered from the published totals (see
:mod:`microseg.privacy._small_cells`). The statistics are documented in
:mod:`microseg.profiling._stats`.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from .. import _dask
from .._dask import is_dask, is_dask_frame
from .._validation import check_alpha, check_columns, check_finite, check_frame, check_labels, report_rows
from ..errors import MicrosegError
from ..privacy._dp_mechanisms import check_privacy
from ..privacy._small_cells import check_min_cell
from ..privacy.sensitive import check_sensitive
from ._segment_profile import SegmentProfile, build_profile, select_columns

__all__ = ["profile"]


def _labels(df, segments, name="segments"):
    labels = check_labels(df, segments, name=name)
    is_name = isinstance(segments, Hashable) and not isinstance(segments, (pd.Series, np.ndarray))
    seg_col = segments if is_name and segments in df.columns else None
    if seg_col is None and isinstance(segments, pd.Series) and segments.name in df.columns:
        if df[segments.name].equals(labels):  # df["seg"] passed instead of "seg": do not profile it against itself
            seg_col = segments.name
    return labels, seg_col


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
    privacy: str | None = None,
    budget=None,
    epsilon: float | None = None,
    bounds: dict | None = None,
) -> SegmentProfile:
    """Profile every segment against the rest of the population.

    Parameters
    ----------
    df : pandas.DataFrame or dask.dataframe.DataFrame
        One row per person. A Dask DataFrame gives the same profile, from
        value counts computed in partitions (exact; no weights; see
        :func:`profile_dask`).
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
    privacy : {None, "dp"}
        ``"dp"``: publish counts, shares and means with differential-privacy
        noise (OpenDP; ``pip install "microseg[dp]"``), spending ``epsilon``
        from ``budget``; suppression uses the noisy counts, intervals and tests
        include the noise, medians are not released. See
        :mod:`microseg.profiling._dp_profile`. Default: exact numbers, small
        cells suppressed.
    budget : microseg.privacy.PrivacyBudget
        With ``privacy="dp"``: the budget this call spends from (held by the
        caller and passed to every private call on the same people).
    epsilon : float, optional
        With ``privacy="dp"``: the epsilon this call spends (default: all that
        is left in ``budget``).
    bounds : dict, optional
        With ``privacy="dp"``: ``{column: (low, high)}`` for numeric columns,
        from public knowledge, never from the data; columns in
        :data:`microseg.privacy.PUBLIC_BOUNDS` need none.

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
    continuity correction). Details in :mod:`microseg.profiling._stats`.

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
    eps = check_privacy(privacy, budget, epsilon, what="profile()")
    if eps is not None:
        return _private(df, segments, columns=columns, weights=weights, min_cell=min_cell, alpha=alpha,
                        max_levels=max_levels, budget=budget, epsilon=eps, bounds=bounds)  # fmt: skip
    if is_dask(df):
        return profile_dask(df, segments, columns=columns, weights=weights, min_cell=min_cell, alpha=alpha,
                            max_levels=max_levels, n_jobs=n_jobs)  # fmt: skip
    check_frame(df)
    check_sensitive(df.columns if columns is None else columns, data=df, action="warn", purpose="profile")
    min_cell, alpha = check_min_cell(min_cell), check_alpha(alpha)
    labels, seg_col = _labels(df, segments)
    exclude = {seg_col} if seg_col is not None else set()
    if isinstance(weights, Hashable) and not isinstance(weights, (np.ndarray, pd.Series)) and weights in df.columns:
        exclude.add(weights)
    check_finite(df, [c for c in (df.columns if columns is None else columns) if c not in exclude and c in df.columns],
                 name="df")  # fmt: skip
    return build_profile(
        df, labels, columns=columns, exclude=exclude, weights=weights, min_cell=min_cell, alpha=alpha,
        max_levels=max_levels, n_jobs=n_jobs,
    )  # fmt: skip


def _private(df, segments, *, weights, budget, epsilon, **options) -> SegmentProfile:
    from ._dp_profile import dp_profile

    if is_dask(df) or weights is not None:
        raise MicrosegError(
            "privacy='dp' profiles a pandas frame without weights (a weighted or Dask profile has no private "
            "version yet); .compute() the Dask frame, or leave weights out."
        )
    check_frame(df)
    check_sensitive(df.columns if options["columns"] is None else options["columns"], data=df, action="warn",
                    purpose="profile")  # fmt: skip
    labels, seg_col = _labels(df, segments)
    name = seg_col if seg_col is not None else (getattr(segments, "name", None) or "segments")
    return dp_profile(df, labels, exclude={seg_col} - {None}, budget=budget, epsilon=epsilon, seg_name=name, **options)


# --------------------------------------------------------------------------- Dask input
_SEG = "__microseg_segment__"


def _value_counts_part(part, number, meta, seg, columns):
    """Rows per (segment, value) of each column, where each value first appears, and unlabelled rows."""
    _dask.check_partition(part, meta, [seg, *columns], number, "df")
    lab = part[seg]
    has = lab.notna().to_numpy()
    n_missing = int((~has).sum())
    if n_missing:
        part = part[has]
    out = {}
    for c in columns:
        f = pd.DataFrame({"s": part[seg], "v": part[c]})
        vc = f.groupby(["s", "v"], dropna=False, observed=True, sort=False).size()
        vals = part[c].dropna()
        first = pd.Series(np.arange(len(vals), dtype=np.int64), index=vals.to_numpy()) if len(vals) else None
        if first is not None:
            first = first[~first.index.duplicated()]
            first = pd.DataFrame({"partition": number, "position": first.to_numpy()}, index=first.index)
        out[c] = (vc[vc > 0], first)
    seg_n = lab[has].value_counts(dropna=True, sort=False) if len(lab) else lab.value_counts()
    cats = {c: list(part[c].cat.categories) for c in [seg, *columns] if isinstance(part[c].dtype, pd.CategoricalDtype)}
    return out, seg_n[seg_n > 0], n_missing, cats


def _categories(meta, column, partition_cats) -> pd.CategoricalDtype:
    """The column's categories: the metadata's, then those of the partitions in partition order.

    Partitions are read rather than trusting ``.cat.known``: Parquet dictionaries
    arrive with empty metadata categories that Dask still calls known.
    """
    dtype = meta[column].dtype
    found = [v for cats in partition_cats for v in cats.get(column, [])]
    union = list(dict.fromkeys([*dtype.categories, *found]))
    return pd.CategoricalDtype(union, ordered=dtype.ordered)


def _expand(vc: pd.Series, seg_order: pd.Index, dtype) -> pd.Series:
    """Values repeated by their counts, sorted by segment (in ``seg_order``)."""
    frame = vc.rename("n").reset_index()
    frame["_k"] = seg_order.get_indexer(frame["s"])
    frame = frame.sort_values("_k", kind="stable")
    values = pd.Series(frame["v"].array).repeat(frame["n"].to_numpy())
    values = values.reset_index(drop=True)
    if values.dtype != dtype:
        try:
            values = values.astype(dtype)
        except (TypeError, ValueError):
            pass
    return values


def profile_dask(df, segments, *, columns, weights, min_cell, alpha, max_levels, n_jobs=None):
    """:func:`profile` on a Dask DataFrame: the same profile, from value counts computed in partitions.

    Every partition sends, for each profiled column, the number of rows per
    (segment, value) (missing values included) and where each value first
    appears. The client expands those counts into a table sorted by segment
    with the same multiset of values per segment and runs the pandas
    statistics on it. Counts, shares, tests, means, medians and Mann–Whitney
    are therefore exact (means up to the order of floating-point summation);
    the client holds one small integer or float array per profiled column and
    row, and the value counts themselves, which are small for categories,
    flags and whole-number columns. A continuous column with millions of
    distinct values sends millions of counts: round it first (for example
    ``ddf.assign(income=ddf["income"].round(-2))``) — the profile is then
    exact for the rounded values. Survey weights are not supported on Dask
    input.
    """
    from dataclasses import replace

    from dask import delayed


    _dask.require_dask("ms.profile()")
    if weights is not None:
        raise MicrosegError(
            "weights are not supported when df is a Dask DataFrame; profile a pandas frame "
            "(e.g. a weighted sample, .compute()) or leave weights out."
        )
    meta = df._meta
    check_frame(meta, allow_empty=True)
    min_cell, alpha = check_min_cell(min_cell), check_alpha(alpha)
    if is_dask(segments):
        if is_dask_frame(segments):
            raise MicrosegError("segments must be a column name or a Dask Series, got a Dask DataFrame.")
        if not (df.known_divisions and segments.known_divisions):
            raise MicrosegError(
                "segments is a Dask Series, and aligning it with df needs known divisions on both, but "
                f"df.known_divisions={df.known_divisions}, segments.known_divisions={segments.known_divisions}. "
                "Add the labels as a column of df (df.assign(segment=...)) and pass its name, or set the "
                "divisions first (e.g. df = df.set_index(...) / df.repartition(divisions=...))."
            )
        df = df.assign(**{_SEG: segments})
        seg, seg_name = _SEG, getattr(segments, "name", None) or "segments"
        exclude: set = set()
    elif isinstance(segments, Hashable) and not isinstance(segments, (pd.Series, np.ndarray)) and segments in meta.columns:
        seg, seg_name, exclude = segments, segments, {segments}
    elif isinstance(segments, str):
        check_columns(meta, [segments])
    else:
        raise MicrosegError(
            "with a Dask DataFrame, segments must be a column name of df or a Dask Series aligned with it, "
            f"got {type(segments).__name__}; add the labels as a column (df.assign(segment=...))."
        )
    meta = df._meta
    notes: list[str] = []
    stand_in = df._meta_nonempty.drop(columns=[seg] if seg == _SEG else [])
    for c in stand_in.columns:  # categoricals with unknown categories: a text stand-in, same kind
        if isinstance(stand_in[c].dtype, pd.CategoricalDtype) and stand_in[c].isna().all():
            stand_in[c] = "level"
    sel = select_columns(stand_in, columns, exclude, max_levels, notes, by_values=False)  # a stand-in: kinds by dtype
    names = [c for c, _ in sel]
    out = _dask.compute(*[
        delayed(_value_counts_part)(p, i, meta, seg, names) for i, p in enumerate(_dask.partitions(df[[seg, *names]]))
    ])  # fmt: skip
    partition_cats = [cats for _, _, _, cats in out]
    out = [o[:3] for o in out]
    n_missing = sum(m for _, _, m in out)
    seg_n = pd.concat([s for _, s, _ in out]).groupby(level=0, observed=True, sort=False).sum()
    seg_dtype = meta[seg].dtype
    if isinstance(seg_dtype, pd.CategoricalDtype):
        seg_dtype = _categories(meta, seg, partition_cats)
        seg_order = pd.Index(seg_dtype.categories)
        seg_order = seg_order[seg_order.isin(seg_n.index)]
    else:
        seg_order = pd.Index(seg_n.index).sort_values()
    sizes = seg_n.reindex(seg_order).to_numpy()
    labels = pd.Series(pd.Index(seg_order).repeat(sizes), name=seg_name)
    if isinstance(seg_dtype, pd.CategoricalDtype):
        labels = labels.astype(seg_dtype)
    data = {}
    for (c, kind) in sel:
        vc = pd.concat([o[c][0] for o, _, _ in out]).groupby(level=[0, 1], dropna=False, observed=True).sum()
        dtype = meta[c].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            dtype = _categories(meta, c, partition_cats)
        values = _expand(vc, seg_order, dtype)
        if kind == "category" and not isinstance(meta[c].dtype, pd.CategoricalDtype):
            firsts = [o[c][1] for o, _, _ in out if o[c][1] is not None]
            if firsts:
                first = pd.concat(firsts).reset_index(names="value")
                first = first.sort_values(["partition", "position"], kind="stable").drop_duplicates("value")
                values = pd.Series(pd.Categorical(values, categories=pd.Index(first["value"].tolist())), name=c)
        data[c] = values.rename(c)
    expanded = pd.DataFrame(data)
    expanded.index = pd.RangeIndex(len(expanded))
    result = build_profile(
        expanded, labels, columns=columns, exclude=set(), weights=None, min_cell=min_cell, alpha=alpha,
        max_levels=max_levels, notes=notes, n_jobs=n_jobs,
    )  # fmt: skip
    if n_missing:
        rows = {"rows without a segment label (left out)": n_missing}
        result = replace(result, rows=rows)
        report_rows(result, rows, stacklevel=4)
    return result
