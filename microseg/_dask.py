"""Dask input: the generic machinery the features' Dask code is built from.

Each feature keeps its Dask code next to its pandas code (``ms.rfm`` in
:mod:`microseg.segment._rfm_table`, ``ms.cohorts`` in :mod:`microseg.segment._cohorts`,
``ms.funnel`` in :mod:`microseg.segment._funnel`, ``ms.purchase_timing`` in
:mod:`microseg.segment._timing`, ``ms.drift`` in :mod:`microseg.segment._drift`,
``ms.profile`` in :mod:`microseg.profiling._profile`, ``SegmentModel.predict``
in :mod:`microseg.segment._cluster`, ``Lookalike.score_samples`` and
``.audience`` in :mod:`microseg.lookalike._dask_rows`); this module holds what they
share, and imports nothing above itself:

* detection without importing dask (:func:`is_dask`), and :func:`require_dask`;
* partitions as delayed objects, one ``compute``, and the check that a
  partition agrees with the frame's metadata;
* event logs (rfm, cohorts, funnel, purchase timing): one pass over the log counts the rows left out
  per rule and finds the reference date (:func:`reference_date`); the usable
  rows are then shuffled by customer (:func:`shuffled_log`), so that each
  customer's rows sit in one partition and the pandas implementation can run
  on every partition with the global reference date;
* the input row order carried through the shuffle (:func:`with_row_order`),
  for rules that break ties by row order;
* per-customer tables computed whole when their statistics need every row
  (:func:`collect`);
* row-wise mapping of a fitted model's method (:func:`map_rows`).

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

import numpy as np
import pandas as pd

from ._transactions import as_timestamp, check_has_purchases, wall_ticks
from ._validation import check_columns, check_datetime, check_frame, check_id_column, check_numeric
from .errors import MicrosegError, SchemaError

__all__ = [
    "is_dask",
    "is_dask_frame",
    "require_dask",
    "check_partition",
    "partitions",
    "compute",
    "check_log_meta",
    "reference_date",
    "shuffled_log",
    "with_row_order",
    "collect",
    "buyers_only",
    "no_purchase_error",
    "check_columns_meta",
    "map_rows",
]

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


def check_partition(part: pd.DataFrame, meta: pd.DataFrame, columns, number: int, name: str) -> None:
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


def partitions(ddf):
    """The partitions of a Dask frame as delayed objects (the graph optimised once)."""
    return ddf.to_delayed(optimize_graph=True)


def compute(*args):
    import dask

    return dask.compute(*args)


# --------------------------------------------------------------------------- logs (rfm, cohorts)
def check_log_meta(ddf, customer, time, value, extra=(), name="transactions"):
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
    ticks, t_missing = wall_ticks(part[time])
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


def _bounds_part(part, number, meta, cols, customer, time, value, as_of_ns, also=None):
    check_partition(part, meta, cols, number, "transactions")
    keep, ticks, _, counts = _usable(part, customer, time, value, as_of_ns)
    extra = also(part) if also is not None else None
    if keep.any():
        kt = ticks[keep]
        return int(kt.min()), int(kt.max()), counts, extra
    return None, None, counts, extra


def _add_counts(total: dict, counts: dict) -> dict:
    for k, v in counts.items():
        total[k] = total.get(k, 0) + int(v)
    return total


def reference_date(ddf, meta, cols, customer, time, value, as_of, *, also=None, name="transactions"):
    """One pass: rows left out per rule, and the reference date (pandas' rules and errors).

    ``also(partition)``, when given, is computed on every partition in the
    same pass; its results (a list, one per partition) are returned third.
    """
    from dask import delayed

    tz = getattr(meta[time].dtype, "tz", None)
    as_of_ts = None if as_of is None else as_timestamp(as_of, tz)
    as_of_ns = None if as_of_ts is None else as_of_ts.value
    parts = partitions(ddf[cols])
    out = compute(*[
        delayed(_bounds_part)(p, i, meta, cols, customer, time, value, as_of_ns, also) for i, p in enumerate(parts)
    ])  # fmt: skip
    counts: dict = {}
    lo, hi = [], []
    for first, last, c, _ in out:
        _add_counts(counts, c)
        if first is not None:
            lo.append(first)
            hi.append(last)
    if not lo:
        raise MicrosegError(f"{name} has no usable rows (every row lacks a customer id, timestamp or amount).")
    first_ns, last_ns = min(lo), max(hi)
    if as_of_ts is None:
        as_of_ts = pd.Timestamp(last_ns, unit="ns")
        counts["after as_of"] = 0
    elif as_of_ts.value < first_ns:
        raise MicrosegError(
            f"as_of={as_of_ts} is before the first row of {name} ({pd.Timestamp(first_ns, unit='ns')}); "
            "pass a later date, or None for the latest timestamp in the data."
        )
    if also is not None:
        return as_of_ts, counts, [e for _, _, _, e in out]
    return as_of_ts, counts


def _keep_usable(part, customer, time, value, as_of_ns, where=None):
    keep, _, after, _ = _usable(part, customer, time, value, as_of_ns)
    keep &= ~after
    if where is not None:
        keep &= np.asarray(where(part), dtype=bool)
    return part if keep.all() else part[keep]


def buyers_only(part, customer, value):
    """Drop the rows of customers without a purchase in this (customer-complete) partition; count them."""
    if value is None or len(part) == 0:
        return part, 0
    codes, _ = pd.factorize(part[customer])
    amount = part[value].to_numpy(dtype="float64", na_value=np.nan)
    buyer = np.bincount(codes, weights=(amount >= 0).astype(float), minlength=codes.max() + 1) > 0
    ok = buyer[codes]
    lost = int((~ok).sum())
    return (part[ok] if lost else part), lost


def shuffled_log(ddf, meta, cols, customer, time, value, as_of_ts, *, where=None):
    """Usable rows only (nothing after as_of), shuffled so each customer sits in one partition.

    ``where(partition)``, when given, is a row mask of the rows the caller
    needs (e.g. the funnel's step events): the others never enter the shuffle.
    """
    used = ddf[cols].map_partitions(
        _keep_usable, customer, time, value, as_of_ts.value, where, meta=meta[cols].iloc[:0]
    )
    return used.shuffle(on=customer)


def _add_row_order(part: pd.DataFrame, name: str, partition_info=None) -> pd.DataFrame:
    number = 0 if partition_info is None else int(partition_info["number"])
    return part.assign(**{name: (number << 40) + np.arange(len(part), dtype=np.int64)})


def with_row_order(ddf, name: str):
    """``ddf`` with an int64 column ``name`` that orders its rows as they are (partition, then position).

    A shuffle moves rows between partitions; a rule that breaks ties by row
    order (the first row of a customer) reads this column after the shuffle
    and gives the answer pandas gives on the unshuffled frame.
    """
    meta = ddf._meta.assign(**{name: np.zeros(0, dtype=np.int64)})
    return ddf.map_partitions(_add_row_order, name, meta=meta)


def collect(obj, columns=None):
    """A Dask frame or series as pandas (only ``columns`` of a frame, those it has), in one compute;
    pandas input is returned as it is. For per-customer tables whose statistics need every row at once."""
    if not is_dask(obj):
        return obj
    if columns is not None and is_dask_frame(obj):
        obj = obj[[c for c in dict.fromkeys(columns) if c in obj.columns]]
    return obj.compute()


def no_purchase_error(n_rows: int, value):
    """Raise the pandas functions' error for a log without a single purchase."""
    check_has_purchases(0, n_rows, value)


# --------------------------------------------------------------------------- row-wise model methods
def check_columns_meta(X, model_check) -> None:
    """Run the model's column checks on the Dask frame's (empty) metadata, so errors come before any work."""
    model_check(X._meta_nonempty)


def map_rows(X, func, *args, dtype, name: str):
    """``func(partition, *args)`` on every partition of ``X``: a Dask Series of ``dtype`` named ``name``,
    aligned with ``X``'s partitions and index (``func`` returns a pandas Series on the partition's index)."""
    meta = pd.Series(np.empty(0, dtype=dtype), index=X._meta.index, name=name)
    return X.map_partitions(func, *args, meta=meta)


