"""Dask input: the aggregations computed in partitions, the row-wise model methods applied per partition.

``ms.rfm``, ``ms.cohorts`` and ``ms.profile`` hand a ``dask.dataframe.DataFrame``
to the functions here and get back exactly what the pandas implementation
returns on the same rows. Raw rows never travel to the client:

* **rfm, cohorts** — one pass over the log counts the rows left out per rule
  and finds the first and latest usable timestamp (the reference date); the
  usable rows are then shuffled by customer, so that each customer's rows sit
  in one partition, and the pandas implementation runs on every partition
  with the global reference date. Per customer everything is exact, so the
  concatenated RFM table equals the pandas one; cohort matrices of the
  partitions are summed (counts of customers and revenue add up) and
  retention divided by the summed cohort sizes at the end.
* **profile** — every partition sends, for each profiled column, the number
  of rows per (segment, value) (missing values included) and where each value
  first appears. The client expands those counts into a table sorted by
  segment with the same multiset of values per segment and runs the pandas
  statistics on it. Counts, shares, tests, means, medians and Mann–Whitney
  are therefore exact (means up to the order of floating-point summation);
  the client holds one small integer or float array per profiled column and
  row, and the value counts themselves, which are small for categories,
  flags and whole-number columns. A continuous column with millions of
  distinct values sends millions of counts: round it first (for example
  ``ddf.assign(income=ddf["income"].round(-2))``) — the profile is then
  exact for the rounded values. Survey weights are not supported on Dask
  input.
* **score_samples / audience / predict** — the fitted model is applied to every
  partition; the result is a Dask object (the one documented exception to
  "one return type per function").

Memory: the shuffle holds a few copies of a partition in a worker, so
partitions of about a million transactions suit workers of 1–2 GiB. Dask fuses
small Parquet files into partitions of several million rows unless
``dask.config.set({"dataframe.parquet.minimum-partition-size": 1})``
(``benchmarks/bench_scale.py`` does so).

Dask is optional (``pip install "microseg[scale]"``); nothing here imports it
until a Dask object is actually handed over.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable

import numpy as np
import pandas as pd

from ._transactions import _as_timestamp, _wall_ticks
from ._validation import check_columns, check_datetime, check_frame, check_id_column, check_numeric
from .errors import MicrosegError, SchemaError

__all__ = ["is_dask", "is_dask_frame", "require_dask", "rfm_dask", "cohorts_dask", "profile_dask"]

INSTALL_HINT = 'pip install "microseg[scale]"'


# --------------------------------------------------------------------------- detection
def _dask_classes(obj) -> list[type]:
    return [c for c in type(obj).__mro__ if (c.__module__ or "").split(".")[0] in ("dask", "dask_expr")]


def is_dask(obj) -> bool:
    """True for a Dask DataFrame or Series (detected without importing dask).

    Examples
    --------
    >>> import pandas as pd
    >>> is_dask(pd.DataFrame({"a": [1]}))
    False
    """
    if "dask" not in sys.modules and "dask_expr" not in sys.modules:
        return False  # no Dask object can exist before dask is imported
    return any(c.__name__ in ("DataFrame", "Series", "FrameBase") for c in _dask_classes(obj))


def is_dask_frame(obj) -> bool:
    """True for a Dask DataFrame (not a Series), detected without importing dask."""
    return is_dask(obj) and any(c.__name__ == "DataFrame" for c in _dask_classes(obj))


def require_dask(what: str = "this function"):
    """Import and return ``dask.dataframe``, or raise a MicrosegError saying how to install it."""
    try:
        import dask  # noqa: F401
        import dask.dataframe as dd
    except ImportError as exc:
        raise MicrosegError(
            f"{what} on a Dask DataFrame needs Dask, which is not installed (or incomplete: {exc}); "
            f"install it with: {INSTALL_HINT}"
        ) from exc
    return dd


# --------------------------------------------------------------------------- partitions
def _family(dtype) -> str:
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return f"datetime[{getattr(dtype, 'tz', None)}]"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_string_dtype(dtype):
        return "text"
    return str(dtype)


def _check_partition(part: pd.DataFrame, meta: pd.DataFrame, columns, number: int, name: str) -> None:
    """Raise SchemaError when a partition's column disagrees with the frame's metadata.

    Units of timestamps, integer vs float amounts, ``str`` vs ``string`` and
    partition-specific categories are accepted; anything else (text in a
    numeric column, numbers in a timestamp column, ...) is an error naming the
    partition and the column.
    """
    if not isinstance(part, pd.DataFrame):
        raise SchemaError(f"partition {number} of {name} is a {type(part).__name__}, not a pandas DataFrame.")
    missing = [c for c in columns if c not in part.columns]
    if missing:
        raise SchemaError(
            f"partition {number} of {name} lacks columns {missing} that the Dask frame's metadata lists; "
            "make every partition (every file read) carry the same columns."
        )
    for c in columns:
        got, want = part[c].dtype, meta[c].dtype
        if got != want and _family(got) != _family(want):
            raise SchemaError(
                f"partition {number} of {name} holds column {c!r} as {got}, but the Dask frame's metadata "
                f"says {want}: the partitions have inconsistent dtypes. Make them agree, e.g. "
                f"ddf = ddf.astype({{{c!r}: {str(want)!r}}}), or read the files with one explicit schema."
            )


def _partitions(ddf):
    """The partitions of a Dask frame as delayed objects (the graph optimised once)."""
    return ddf.to_delayed(optimize_graph=True)


def _compute(*args):
    import dask

    return dask.compute(*args)


# --------------------------------------------------------------------------- logs (rfm, cohorts)
def _check_log_meta(ddf, customer, time, value, extra=(), name="transactions"):
    meta = ddf._meta
    check_frame(meta, name=name, allow_empty=True)
    cols = [customer, time] + ([value] if value is not None else []) + [c for c in extra if c is not None]
    check_columns(meta, cols, name=name)
    check_id_column(meta, customer, name=name)
    check_datetime(meta, time, name=name)
    if value is not None:
        check_numeric(meta, value, name=name)
    return meta, list(dict.fromkeys(cols))


def _usable(part: pd.DataFrame, customer, time, value, as_of_ns):
    """Row mask of usable rows, their ticks, and the rows left out per rule (prepare_log's rules and order)."""
    keep = ~part[customer].isna().to_numpy()
    counts = {"missing customer id": int((~keep).sum())}
    ticks, t_missing = _wall_ticks(part[time])
    counts["missing timestamp"] = int((t_missing & keep).sum())
    keep &= ~t_missing
    if value is not None:
        amount = part[value].to_numpy(dtype="float64", na_value=np.nan)
        a_missing = np.isnan(amount)
        counts["missing amount"] = int((a_missing & keep).sum())
        keep &= ~a_missing
    after = ticks > as_of_ns if as_of_ns is not None else np.zeros(len(part), bool)
    counts["after as_of"] = int((after & keep).sum())
    return keep, ticks, after, counts


def _bounds_part(part, number, meta, cols, customer, time, value, as_of_ns):
    _check_partition(part, meta, cols, number, "transactions")
    keep, ticks, _, counts = _usable(part, customer, time, value, as_of_ns)
    if keep.any():
        kt = ticks[keep]
        return int(kt.min()), int(kt.max()), counts
    return None, None, counts


def _add_counts(total: dict, counts: dict) -> dict:
    for k, v in counts.items():
        total[k] = total.get(k, 0) + int(v)
    return total


def _reference(ddf, meta, cols, customer, time, value, as_of):
    """One pass: rows left out per rule, and the reference date (pandas' rules and errors)."""
    from dask import delayed

    tz = getattr(meta[time].dtype, "tz", None)
    as_of_ts = None if as_of is None else _as_timestamp(as_of, tz)
    as_of_ns = None if as_of_ts is None else as_of_ts.value
    parts = _partitions(ddf[cols])
    out = _compute(*[
        delayed(_bounds_part)(p, i, meta, cols, customer, time, value, as_of_ns) for i, p in enumerate(parts)
    ])  # fmt: skip
    counts: dict = {}
    lo, hi = [], []
    for first, last, c in out:
        _add_counts(counts, c)
        if first is not None:
            lo.append(first)
            hi.append(last)
    if not lo:
        raise MicrosegError("transactions has no usable rows (every row lacks a customer id, timestamp or amount).")
    first_ns, last_ns = min(lo), max(hi)
    if as_of_ts is None:
        as_of_ts = pd.Timestamp(last_ns, unit="ns")
        counts["after as_of"] = 0
    elif as_of_ts.value < first_ns:
        raise MicrosegError(
            f"as_of={as_of_ts} is before the first row of transactions ({pd.Timestamp(first_ns, unit='ns')}); "
            "pass a later date, or None for the latest timestamp in the data."
        )
    return as_of_ts, counts


def _keep_usable(part, customer, time, value, as_of_ns):
    keep, _, after, _ = _usable(part, customer, time, value, as_of_ns)
    keep &= ~after
    return part if keep.all() else part[keep]


def _buyers_only(part, customer, value):
    """Drop the rows of customers without a purchase in this (customer-complete) partition; count them."""
    if value is None or len(part) == 0:
        return part, 0
    codes, _ = pd.factorize(part[customer])
    amount = part[value].to_numpy(dtype="float64", na_value=np.nan)
    buyer = np.bincount(codes, weights=(amount >= 0).astype(float), minlength=codes.max() + 1) > 0
    ok = buyer[codes]
    lost = int((~ok).sum())
    return (part[ok] if lost else part), lost


def _shuffled_log(ddf, meta, cols, customer, time, value, as_of_ts):
    """Usable rows only (nothing after as_of), shuffled so each customer sits in one partition."""
    used = ddf[cols].map_partitions(
        _keep_usable, customer, time, value, as_of_ts.value, meta=meta[cols].iloc[:0]
    )
    return used.shuffle(on=customer)


def _rfm_part(part, customer, time, value, as_of_ts, kw):
    from .segment.rfm import rfm

    n_rows = len(part)
    part, lost = _buyers_only(part, customer, value)
    if len(part) == 0:
        return None, lost, n_rows
    table = rfm(part, customer=customer, time=time, value=value, as_of=as_of_ts, **kw)
    return table, lost, n_rows


def _no_purchase_error(n_rows: int, value):
    from ._transactions import check_has_purchases

    check_has_purchases(0, n_rows, value)


def rfm_dask(transactions, *, customer, time, value, as_of, freq, convention, order) -> pd.DataFrame:
    """:func:`microseg.rfm` on a Dask DataFrame (see the module docstring)."""
    from dask import delayed

    from ._validation import report_rows
    from .segment.rfm import rfm

    require_dask("ms.rfm()")
    # the option checks of the pandas function, on a one-row stand-in
    meta, cols = _check_log_meta(transactions, customer, time, value, extra=(order,))
    if order is not None and convention != "analyst":
        rfm(transactions._meta_nonempty, customer=customer, time=time, value=value, freq=freq,
            convention=convention, order=order)  # raises the pandas error  # fmt: skip
    rfm(transactions._meta_nonempty[cols].iloc[:1], customer=customer, time=time, value=value, freq=freq,
        convention=convention, order=order)  # fmt: skip
    as_of_ts, counts = _reference(transactions, meta, cols, customer, time, value, as_of)
    shuffled = _shuffled_log(transactions, meta, cols, customer, time, value, as_of_ts)
    kw = {"freq": freq, "convention": convention, "order": order}
    out = _compute(*[delayed(_rfm_part)(p, customer, time, value, as_of_ts, kw) for p in _partitions(shuffled)])
    tables = [t for t, _, _ in out if t is not None]
    if not tables:
        _no_purchase_error(sum(n for _, _, n in out), value)
    counts["returns of customers without a purchase"] = sum(lost for _, lost, _ in out)
    result = pd.concat(tables) if len(tables) > 1 else tables[0].copy()
    result = result.iloc[result.index.argsort()]
    result.attrs = {}
    report_rows(result, counts, what="transaction rows", stacklevel=4)
    result.attrs["as_of"] = as_of_ts
    result.attrs["microseg_rfm"] = convention
    return result


def _early_returns(part, customer, time, value, period):
    """Drop returns dated before their customer's first purchase period (cohorts' rule); count them."""
    from .segment.cohorts import _period_numbers

    if value is None or len(part) == 0:
        return part, 0
    codes, _ = pd.factorize(part[customer])
    p = _period_numbers(_wall_ticks(part[time])[0], period)
    purchase = part[value].to_numpy(dtype="float64", na_value=np.nan) >= 0
    first = np.full(codes.max() + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes[purchase], p[purchase])
    early = p < first[codes]
    n = int(early.sum())
    return (part[~early] if n else part), n


def _cohorts_part(part, customer, time, value, as_of_ts, period, metric):
    from .segment.cohorts import cohorts

    n_rows = len(part)
    part, lost = _buyers_only(part, customer, value)
    part, early = _early_returns(part, customer, time, value, period)
    if len(part) == 0:
        return None, None, (lost, early, n_rows)
    m = "revenue" if metric == "revenue" else "customers"
    mat = cohorts(part, customer=customer, time=time, value=value, period=period, metric=m, as_of=as_of_ts)
    return mat, mat.attrs["cohort_size"], (lost, early, n_rows)


def cohorts_dask(transactions, *, customer, time, value, period, metric, as_of) -> pd.DataFrame:
    """:func:`microseg.cohorts` on a Dask DataFrame (see the module docstring)."""
    from dask import delayed

    from ._validation import report_rows
    from .segment.cohorts import cohorts

    require_dask("ms.cohorts()")
    meta, cols = _check_log_meta(transactions, customer, time, value)
    cohorts(transactions._meta_nonempty[cols].iloc[:1], customer=customer, time=time, value=value,
            period=period, metric=metric)  # the option checks of the pandas function  # fmt: skip
    as_of_ts, counts = _reference(transactions, meta, cols, customer, time, value, as_of)
    shuffled = _shuffled_log(transactions, meta, cols, customer, time, value, as_of_ts)
    out = _compute(*[
        delayed(_cohorts_part)(p, customer, time, value, as_of_ts, period, metric) for p in _partitions(shuffled)
    ])  # fmt: skip
    mats = [m for m, _, _ in out if m is not None]
    sizes = [s for _, s, _ in out if s is not None]
    if not mats:
        _no_purchase_error(sum(c[2] for _, _, c in out), value)
    counts["returns of customers without a purchase"] = sum(c[0] for _, _, c in out)
    counts["returns before the customer's first purchase"] = sum(c[1] for _, _, c in out)
    # cells add up across partitions (each customer is in one); a cell is unobserved (NaN) in every partition or none
    total = mats[0]
    for m in mats[1:]:
        total = total.add(m, fill_value=0)
    size = sizes[0]
    for s in sizes[1:]:
        size = size.add(s, fill_value=0)
    total = total.sort_index()
    size = size.reindex(total.index).astype("int64")
    k = total.columns.astype("int64")
    total = total.reindex(columns=pd.RangeIndex(int(k.max()) + 1, name="periods_since_first"))
    if metric == "retention":
        total = total.div(size, axis=0)
    total = total.astype("float64").loc[:, total.notna().any()]
    total.index.name = "cohort"
    total.attrs = {}
    report_rows(total, counts, what="transaction rows", stacklevel=4)
    size.name = "customers"
    total.attrs["cohort_size"] = size
    total.attrs["metric"] = metric
    return total


# --------------------------------------------------------------------------- profile
_SEG = "__microseg_segment__"


def _value_counts_part(part, number, meta, seg, columns):
    """Rows per (segment, value) of each column, where each value first appears, and unlabelled rows."""
    _check_partition(part, meta, [seg, *columns], number, "df")
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
    """:func:`microseg.profile` on a Dask DataFrame (see the module docstring)."""
    from dataclasses import replace

    from dask import delayed

    from ._validation import report_rows
    from .profiling import _build_profile, _check_alpha, _check_min_cell, _select_columns

    require_dask("ms.profile()")
    if weights is not None:
        raise MicrosegError(
            "weights are not supported when df is a Dask DataFrame; profile a pandas frame "
            "(e.g. a weighted sample, .compute()) or leave weights out."
        )
    meta = df._meta
    check_frame(meta, allow_empty=True)
    min_cell, alpha = _check_min_cell(min_cell), _check_alpha(alpha)
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
    sel = _select_columns(stand_in, columns, exclude, max_levels, notes)
    names = [c for c, _ in sel]
    out = _compute(*[
        delayed(_value_counts_part)(p, i, meta, seg, names) for i, p in enumerate(_partitions(df[[seg, *names]]))
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
    result = _build_profile(
        expanded, labels, columns=columns, exclude=set(), weights=None, min_cell=min_cell, alpha=alpha,
        max_levels=max_levels, notes=notes, n_jobs=n_jobs,
    )  # fmt: skip
    if n_missing:
        rows = {"rows without a segment label (left out)": n_missing}
        result = replace(result, rows=rows)
        report_rows(result, rows, stacklevel=4)
    return result


# --------------------------------------------------------------------------- row-wise model methods
def _check_columns_meta(X, model_check) -> None:
    """Run the model's column checks on the Dask frame's (empty) metadata, so errors come before any work."""
    model_check(X._meta_nonempty)


def _predict_part(part, model):
    labels = model.predict(part) if len(part) else np.empty(0, dtype=np.int64)
    return pd.Series(np.asarray(labels, dtype=np.int64), index=part.index, name="segment")


def predict_dask(model, X):
    """``SegmentModel.predict`` on a Dask DataFrame: a Dask Series of segment numbers (name ``"segment"``),
    aligned with ``X``'s partitions and index (``X.assign(segment=model.predict(X))``)."""
    from sklearn.utils.validation import check_is_fitted

    require_dask("SegmentModel.predict()")
    check_is_fitted(model, "cluster_centers_")
    meta = pd.Series(np.empty(0, dtype=np.int64), index=X._meta.index, name="segment")
    return X.map_partitions(_predict_part, model, meta=meta)


def _score_part(part, model):
    if len(part) == 0:
        return pd.Series(np.empty(0, dtype=np.float64), index=part.index, name="score")
    return model.score_samples(part)


def score_samples_dask(model, X):
    """``Lookalike.score_samples`` on a Dask DataFrame: a Dask Series of scores (name ``"score"``), row by row."""
    require_dask("Lookalike.score_samples()")
    _check_columns_meta(X, model._check_X)
    meta = pd.Series(np.empty(0, dtype=np.float64), index=X._meta.index, name="score")
    return X.map_partitions(_score_part, model, meta=meta)


def _pool(model, part):
    """Lookalike.audience's eligibility rule on one partition: not a seed member, not opted out."""
    return model._eligible(part)


def _pool_counts_part(part, model):
    part = model._check_X(part)
    pool, in_seed, opted = _pool(model, part)
    return int(in_seed.sum()), int((opted & ~in_seed).sum()), int(pool.sum())


def _top_part(part, model, k):
    """Decisions and row positions of this partition's best ``k`` pool rows (all rows tied with the k-th)."""
    part = model._check_X(part)
    pool, _, _ = _pool(model, part)
    pos = np.flatnonzero(pool)
    if len(pos) == 0:
        return np.empty(0), pos
    d = model._decision(part.iloc[pos] if len(pos) < len(part) else part)
    if len(d) > k:
        kth = np.partition(d, len(d) - k)[len(d) - k]
        keep = d >= kth
        d, pos = d[keep], pos[keep]
    return d, pos


def _select_part(part, chosen):
    pos, score, rank, tier = chosen
    out = part.iloc[pos].copy()
    out["score"] = score
    out["rank"] = rank
    out["tier"] = tier
    return out


def audience_dask(model, X, *, size, n):
    """``Lookalike.audience`` on a Dask DataFrame: a Dask DataFrame of the chosen rows.

    Exactly the rows, scores, ranks and tiers of the pandas method on the
    concatenated partitions (ties broken by row order, as there). Three passes
    over ``X``: the pool is counted, then each partition sends the decision
    values and positions of its best ``k`` rows (``k`` the audience size; so
    the client holds at most ``k`` values per partition), and the chosen rows
    are picked out partition by partition. The rows come in partition order —
    sort by ``rank`` after ``.compute()`` for best first. The counts of rows
    left out are not attached (Dask frames carry no ``attrs``).
    """
    import math

    from dask import delayed

    from ._validation import check_share
    from .lookalike import TIER_EDGES, TIERS

    dd = require_dask("Lookalike.audience()")
    _check_columns_meta(X, model._check_X)
    if size is not None and n is not None:
        raise MicrosegError("pass either size= (a share of the pool) or n= (a number of rows), not both.")
    clash = [c for c in ("score", "rank", "tier") if c in X.columns]
    if clash:
        raise SchemaError(f"X already has column(s) {clash}; rename them so the audience can add its own.")
    if size is None and n is None:
        size = 0.05
    if size is not None:
        size = check_share(size, name="size")
    if n is not None and (int(n) != n or n < 1):
        raise MicrosegError(f"n must be a positive whole number of rows, got {n!r}.")
    parts = _partitions(X)
    counts = _compute(*[delayed(_pool_counts_part)(p, model) for p in parts])
    n_pool = sum(c[2] for c in counts)
    if n_pool == 0:
        raise MicrosegError("no rows of X are eligible: every row is a seed member or opted out.")
    k = min(int(n), n_pool) if n is not None else max(1, math.ceil(size * n_pool - 1e-9))
    tops = _compute(*[delayed(_top_part)(p, model, k) for p in parts])
    d = np.concatenate([t[0] for t in tops])
    pos = np.concatenate([t[1] for t in tops]).astype(np.int64)
    part_no = np.concatenate([np.full(len(t[0]), i, dtype=np.int64) for i, t in enumerate(tops)])
    order = np.lexsort((pos, part_no, -d))[:k]  # best first; ties in row order, like the stable sort in pandas
    rank = np.arange(1, k + 1)
    score = model._to_score(d[order])
    tier = pd.cut((rank - 1) / n_pool, bins=list(TIER_EDGES), right=False, labels=list(TIERS), ordered=True)
    tier_dtype = tier.dtype
    meta = X._meta.assign(
        score=pd.Series(np.empty(0), dtype="float64", index=X._meta.index),
        rank=pd.Series(np.empty(0, dtype=np.int64), index=X._meta.index),
        tier=pd.Series(pd.Categorical([], dtype=tier_dtype), index=X._meta.index),
    )  # fmt: skip
    pieces = []
    for i, p in enumerate(parts):
        m = part_no[order] == i
        o = np.argsort(pos[order][m], kind="stable")  # rows in partition order
        chosen = (pos[order][m][o], score[m][o], rank[m][o], pd.Categorical(np.asarray(tier)[m][o], dtype=tier_dtype))
        pieces.append(delayed(_select_part)(p, chosen))
    return dd.from_delayed(pieces, meta=meta, verify_meta=False)
