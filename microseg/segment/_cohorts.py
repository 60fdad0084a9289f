"""Acquisition cohorts: retention, active customers and revenue by periods since the first purchase.

One pass turns the log into cells: per (group, cohort, periods since the first
purchase) the customers purchasing (distinct customer × period keys, from
:func:`~microseg.segment._keys.distinct_keys`) or the revenue, and the cohort
sizes. Cells add up over customers, so a Dask log shuffled by customer gives
the same cells summed over its partitions; :func:`_finish` then pools small
groups, divides retention and builds the frame, the same code for both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _dask
from .._dask import is_dask
from .._transactions import check_has_purchases, prepare_log
from .._validation import check_columns, report_rows
from ..errors import MicrosegError
from ..privacy._small_cells import check_min_cell
from ..profiling._encode import MISSING, POOLED
from ._keys import distinct_keys

__all__ = ["cohorts"]

_PERIODS = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}
_METRICS = ("retention", "customers", "revenue")
_SMALL = ("pool", "suppress")
_BIG = np.iinfo(np.int64).max
ROW = "__microseg_row__"  # the input row order carried through a Dask shuffle (ties of the first purchase)


def _period_numbers(ticks: np.ndarray, period: str) -> np.ndarray:
    t = ticks.view("datetime64[ns]")
    if period == "D":
        return t.astype("datetime64[D]").view("i8")
    if period == "W":
        return (t.astype("datetime64[D]").view("i8") + 3) // 7
    months = t.astype("datetime64[M]").view("i8")
    if period == "M":
        return months
    if period == "Q":
        return months // 3
    return months // 12


def _to_period_index(numbers: np.ndarray, period: str) -> pd.PeriodIndex:
    if period == "D":
        start = numbers.astype("datetime64[D]")
    elif period == "W":
        start = (numbers * 7 - 3).astype("datetime64[D]")
    elif period == "M":
        start = numbers.astype("datetime64[M]")
    elif period == "Q":
        start = (numbers * 3).astype("datetime64[M]")
    else:
        start = (numbers * 12).astype("datetime64[M]")
    return pd.PeriodIndex(pd.DatetimeIndex(start.astype("datetime64[ns]")), freq=_PERIODS[period])


def _check_options(period, metric, value, min_cell, small_groups):
    if period not in _PERIODS:
        raise MicrosegError(f"period must be one of {sorted(_PERIODS)}, got {period!r}.")
    if metric not in _METRICS:
        raise MicrosegError(f"metric must be one of {list(_METRICS)}, got {metric!r}.")
    if metric == "revenue" and value is None:
        raise MicrosegError("metric='revenue' needs value= (the amount column).")
    if small_groups not in _SMALL:
        raise MicrosegError(f"small_groups must be one of {list(_SMALL)}, got {small_groups!r}.")
    return check_min_cell(min_cell)


def _check_by(by, customer):
    if by is None or isinstance(by, pd.Series):
        if isinstance(by, pd.Series) and by.index.has_duplicates:
            raise MicrosegError(f"by has {int(by.index.duplicated().sum())} duplicate customer ids; "
                                f"pass one value per {customer!r} (a Series indexed by customer id).")  # fmt: skip
        return
    if not isinstance(by, str):
        raise MicrosegError(f"by must be a column name of transactions or a Series indexed by {customer!r} "
                            f"(e.g. customers.set_index({customer!r})['acquisition_channel']), got {type(by).__name__}.")  # fmt: skip
    if by in (customer,):
        raise MicrosegError(f"by={by!r} is the customer id column; pass a grouping column (segment, channel, country).")


# --------------------------------------------------------------------------- cells
def _customer_groups(log, purchase, by, column, order):
    """Group value per customer code: the ``by`` Series' value, or the column's value at the first purchase row
    (earliest timestamp; ties broken by ``order``, the input row order)."""
    n = log.n_customers
    if isinstance(by, pd.Series):
        return by.reindex(log.ids).to_numpy()
    codes, ticks = log.codes, log.ticks
    pr = np.flatnonzero(purchase) if purchase is not None else np.arange(len(codes))
    t_first = np.full(n, _BIG, dtype=np.int64)
    np.minimum.at(t_first, codes[pr], ticks[pr])
    cand = pr[ticks[pr] == t_first[codes[pr]]]
    o = order[cand]
    o_first = np.full(n, _BIG, dtype=np.int64)
    np.minimum.at(o_first, codes[cand], o)
    chosen = cand[o == o_first[codes[cand]]]
    out = np.empty(n, dtype=object)
    out[:] = None
    out[codes[chosen]] = column[chosen]
    return out


def _cells(log, *, period, metric, by=None, column=None, order=None):
    """Cells of one log: (customers purchasing or revenue) per (group, cohort, k), cohort sizes, counts.

    Returns None when the log holds no purchase.
    """
    counts = dict(log.counts)
    codes, amount, n = log.codes, log.amount, log.n_customers
    p = _period_numbers(log.ticks, period)
    returns = amount is not None and bool((amount < 0).any())
    purchase = (amount >= 0) if returns else None
    n_purchases = int(purchase.sum()) if returns else len(codes)
    if n_purchases == 0:
        return None
    first = np.full(n, _BIG, dtype=np.int64)
    if returns:
        np.minimum.at(first, codes[purchase], p[purchase])
    else:
        np.minimum.at(first, codes, p)
    buyer = first != _BIG
    last_p = int(_period_numbers(np.array([log.as_of_ns]), period)[0])
    c_min = int(first[buyer].min())
    n_cohorts = n_k = last_p - c_min + 1
    if by is not None:
        values = _customer_groups(log, purchase, by, column, order)
        g_codes, labels = pd.factorize(pd.Series(values[buyer], dtype=object), use_na_sentinel=True)
        has_missing = bool((g_codes < 0).any())
        labels = list(labels) + ([MISSING] if has_missing else [])
        g = np.zeros(n, dtype=np.int64)
        g[buyer] = np.where(g_codes < 0, len(labels) - 1, g_codes)
    else:
        labels, g = [None], None
    G = len(labels)
    cohort = np.where(buyer, first - c_min, 0)
    cust_cell = cohort if g is None else g * n_cohorts + cohort  # (group, cohort) per customer code
    if returns:
        lost = ~buyer[codes]
        # returns dated before the customer's first purchase (of an order outside the log) have no cohort period
        early = ~lost & (p < first[codes])
        counts["returns of customers without a purchase"] = int(lost.sum())
        counts["returns before the customer's first purchase"] = int(early.sum())
    else:
        counts["returns of customers without a purchase"] = 0
        counts["returns before the customer's first purchase"] = 0
    if metric == "revenue":
        ok = ~(lost | early) if returns else slice(None)
        c_ok = codes[ok]
        cell = np.bincount(cust_cell[c_ok] * n_k + (p[ok] - first[c_ok]), weights=amount[ok],
                           minlength=G * n_cohorts * n_k)  # fmt: skip
    else:
        c_pr, p_pr = (codes[purchase], p[purchase]) if returns else (codes, p)
        keys = distinct_keys(c_pr * n_k + (p_pr - first[c_pr]), n * n_k)  # distinct (customer, k) purchase pairs
        cust, kk = keys // n_k, keys % n_k
        cell = np.bincount(cust_cell[cust] * n_k + kk, minlength=G * n_cohorts * n_k).astype("float64")
    size = np.bincount(cust_cell[buyer], minlength=G * n_cohorts)
    return {"cell": cell.reshape(G, n_cohorts, n_k), "size": size.reshape(G, n_cohorts), "c_min": c_min,
            "last_p": last_p, "labels": labels, "counts": counts}  # fmt: skip


def _order_labels(labels: list, dtype) -> list:
    """Groups in the column's order: categories for a categorical, else sorted (missing last)."""
    present = [x for x in labels if x is not MISSING]
    if isinstance(dtype, pd.CategoricalDtype):
        rank = {c: i for i, c in enumerate(dtype.categories)}
        present.sort(key=lambda v: rank.get(v, len(rank)))
    else:
        try:
            present.sort()
        except TypeError:
            present.sort(key=str)
    return present + ([MISSING] if len(present) < len(labels) else [])


def _combine(parts: list[dict], dtype) -> dict:
    """Cells of several logs of disjoint customers (Dask partitions) on one grid: they add up."""
    c_min = min(q["c_min"] for q in parts)
    last_p = parts[0]["last_p"]
    n = last_p - c_min + 1
    labels = _order_labels(list(dict.fromkeys(x for q in parts for x in q["labels"])), dtype)
    pos = {x: i for i, x in enumerate(labels)}
    cell = np.zeros((len(labels), n, n), dtype="float64")
    size = np.zeros((len(labels), n), dtype=np.int64)
    for q in parts:
        gi = np.array([pos[x] for x in q["labels"]])
        off = q["c_min"] - c_min
        m = q["size"].shape[1]
        cell[gi, off:off + m, :m] += q["cell"]
        size[gi, off:off + m] += q["size"]
    return {"cell": cell, "size": size, "c_min": c_min, "last_p": last_p, "labels": labels}


def _pool(labels, totals, min_cell, small_groups):
    """Output group per input group (-1: suppressed) and the output labels: profiles' pooling rule."""
    totals = np.asarray(totals)
    rare = (totals > 0) & (totals < min_cell)
    target = np.arange(len(labels))
    if not rare.any():
        return target, list(labels), []
    if small_groups == "suppress":
        kept = [x for x, r in zip(labels, rare) if not r]
        return np.where(rare, -1, np.cumsum(~rare) - 1), kept, [x for x, r in zip(labels, rare) if r]
    pool = rare.copy()
    total = totals[pool].sum()
    for j in np.argsort(totals, kind="stable"):  # too few together: the smallest other groups join the pool
        if total >= min_cell:
            break
        if totals[j] > 0 and not pool[j]:
            pool[j] = True
            total += totals[j]
    keep = ~pool
    new = np.where(keep, np.cumsum(keep) - 1, int(keep.sum()))
    out_labels = [x for x, k in zip(labels, keep) if k] + [POOLED]
    if total < min_cell:  # every group together is still too small: nothing can be shown for the pool
        return np.where(pool, -1, new), out_labels[:-1], [x for x, p in zip(labels, pool) if p]
    return new, out_labels, [x for x, p in zip(labels, pool) if p]


def _finish(cells, *, period, metric, by_name, min_cell, small_groups, counts, stacklevel) -> pd.DataFrame:
    cell, size, c_min, last_p = cells["cell"], cells["size"], cells["c_min"], cells["last_p"]
    n_cohorts, n_k = size.shape[1], cell.shape[2]
    pooled, suppressed = [], []
    labels = cells["labels"]
    if by_name is not None:
        target, labels, moved = _pool(labels, size.sum(axis=1), min_cell, small_groups)
        pooled, suppressed = (moved, []) if POOLED in labels else ([], moved)
        keep_g = target >= 0
        c2 = np.zeros((len(labels), n_cohorts, n_k))
        s2 = np.zeros((len(labels), n_cohorts), dtype=np.int64)
        np.add.at(c2, target[keep_g], cell[keep_g])
        np.add.at(s2, target[keep_g], size[keep_g])
        cell, size = c2, s2
    mat = cell
    if metric == "retention":
        with np.errstate(invalid="ignore", divide="ignore"):
            mat = mat / size[:, :, None]
    # cells not observed yet: cohort c at k > last_p - c
    unobserved = np.arange(n_k)[None, :] > (n_cohorts - 1 - np.arange(n_cohorts)[:, None])
    mat = np.where(unobserved[None], np.nan, mat)
    keep = size > 0
    periods = _to_period_index(np.arange(c_min, last_p + 1), period)
    rows = mat[keep]
    if by_name is None:
        index = periods[keep[0]]
        index.name = "cohort"
    else:
        gi, ci = np.nonzero(keep)
        index = pd.MultiIndex.from_arrays([pd.Index(np.asarray(labels, dtype=object)[gi], dtype=object), periods[ci]],
                                          names=[by_name, "cohort"])  # fmt: skip
    out = pd.DataFrame(rows.reshape(len(index), n_k), index=index, columns=pd.RangeIndex(n_k, name="periods_since_first"))
    out = out.loc[:, out.notna().any()].astype("float64")
    report_rows(out, counts, what="transaction rows", stacklevel=stacklevel)
    out.attrs["cohort_size"] = pd.Series(size[keep].astype("int64"), index=index, name="customers")
    out.attrs["metric"] = metric
    if by_name is not None:
        out.attrs["by"] = by_name
        out.attrs["pooled_groups"] = list(pooled)
        out.attrs["suppressed_groups"] = list(suppressed)
        out.attrs["min_cell"] = min_cell
    return out


def cohorts(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    time: str = "timestamp",
    value: str | None = "amount",
    period: str = "M",
    metric: str = "retention",
    as_of=None,
    by=None,
    min_cell: int = 10,
    small_groups: str = "pool",
) -> pd.DataFrame:
    """Cohort × periods-since-acquisition matrix, for all customers or one triangle per group.

    A customer's cohort is the period of their first purchase. Cell (c, k)
    holds, for cohort c and k periods after acquisition: the share of the
    cohort that purchased (``"retention"``), the number of customers who
    purchased (``"customers"``) or the net revenue, returns included
    (``"revenue"``). Cells after ``as_of`` are NaN (not observed yet).

    Parameters
    ----------
    transactions : DataFrame or dask.dataframe.DataFrame
        A Dask DataFrame gives the same pandas matrix, computed in partitions.
    customer, time, value : str
        Column names (``value`` may be None unless ``metric="revenue"``).
    period : {"D", "W", "M", "Q", "Y"}, default "M"
    metric : {"retention", "customers", "revenue"}, default "retention"
    as_of : date-like, optional
        Reference date; rows after it are excluded and reported.
    by : str or Series, optional
        One triangle per group: a column of ``transactions`` (its value at the
        customer's first purchase; ties by row order) or a Series indexed by
        customer id, e.g. ``customers.set_index("customer_id")["acquisition_channel"]``.
        Customers without a value form the group ``"(missing)"``.
    min_cell : int, default 10
        With ``by``: groups with fewer than ``min_cell`` customers are pooled
        into ``"(other levels)"`` (with the smallest other groups when they are
        too few together), as :func:`microseg.profile` pools rare levels.
    small_groups : {"pool", "suppress"}, default "pool"
        ``"suppress"`` leaves the small groups out instead.

    Returns
    -------
    DataFrame
        Indexed by cohort (a ``PeriodIndex`` named ``"cohort"``; with ``by``, a
        MultiIndex (group, cohort)), one column per period since acquisition
        (0, 1, ...), plus ``attrs["cohort_size"]`` (customers per cohort,
        same index) and ``attrs["metric"]``; with ``by`` also ``attrs["by"]``,
        ``attrs["pooled_groups"]`` and ``attrs["suppressed_groups"]``.
        Negative amounts (returns) count toward revenue but never as a purchase.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "c"],
    ...                    "timestamp": pd.to_datetime(["2024-01-05", "2024-02-07", "2024-01-20", "2024-02-01"]),
    ...                    "amount": [10.0, 5.0, 8.0, 3.0]})
    >>> ms.cohorts(tx)  # doctest: +NORMALIZE_WHITESPACE
    periods_since_first    0    1
    cohort
    2024-01              1.0  0.5
    2024-02              1.0  NaN
    >>> channel = pd.Series({"a": "web", "b": "store", "c": "web"}, name="channel")
    >>> ms.cohorts(tx, by=channel, min_cell=1)  # doctest: +NORMALIZE_WHITESPACE
    periods_since_first    0    1
    channel cohort
    store   2024-01      1.0  0.0
    web     2024-01      1.0  1.0
            2024-02      1.0  NaN
    """
    if is_dask(transactions):
        return cohorts_dask(transactions, customer=customer, time=time, value=value, period=period, metric=metric,
                            as_of=as_of, by=by, min_cell=min_cell, small_groups=small_groups)  # fmt: skip
    min_cell = _check_options(period, metric, value, min_cell, small_groups)
    _check_by(by, customer)
    if isinstance(by, str):
        check_columns(transactions, [by], name="transactions")
    log = prepare_log(transactions, customer=customer, time=time, value=value, as_of=as_of)
    column = order = None
    if isinstance(by, str):
        column = transactions[by].to_numpy(dtype=object)
        column = column if log.keep is None else column[log.keep]
        order = np.arange(len(log.codes))
    cells = _cells(log, period=period, metric=metric, by=by, column=column, order=order)
    if cells is None:
        check_has_purchases(0, len(log.codes), value)
    dtype = transactions[by].dtype if isinstance(by, str) else (by.dtype if by is not None else None)
    if by is not None:
        cells.update(_combine([cells], dtype))
    counts = cells["counts"]
    return _finish(cells, period=period, metric=metric, by_name=_by_name(by), min_cell=min_cell,
                   small_groups=small_groups, counts=counts, stacklevel=4)  # fmt: skip


def _by_name(by):
    if by is None:
        return None
    if isinstance(by, str):
        return by
    return by.name if by.name is not None else "group"


# --------------------------------------------------------------------------- Dask input
def _cohorts_part(part, customer, time, value, as_of_ts, period, metric, by):
    if len(part) == 0:
        return None, 0
    log = prepare_log(part, customer=customer, time=time, value=value, as_of=as_of_ts)
    column = order = None
    if isinstance(by, str):
        column = part[by].to_numpy(dtype=object)
        order = part[ROW].to_numpy(dtype=np.int64)
    return _cells(log, period=period, metric=metric, by=by, column=column, order=order), len(part)


def cohorts_dask(transactions, *, customer, time, value, period, metric, as_of, by=None, min_cell=10,
                 small_groups="pool") -> pd.DataFrame:  # fmt: skip
    """:func:`cohorts` on a Dask DataFrame: the same matrix as the pandas function on the same rows.

    The usable rows are shuffled by customer (see :mod:`microseg._dask`) and
    the cells of every partition computed with the global reference date;
    cells add up across partitions (each customer is in one), and pooling,
    retention and the frame are done once on the sums, by the pandas code.
    """
    from dask import delayed

    _dask.require_dask("ms.cohorts()")
    by = _dask.collect(by)  # a Dask Series of groups per customer: one value per customer, computed once
    min_cell = _check_options(period, metric, value, min_cell, small_groups)
    meta, cols = _dask.check_log_meta(transactions, customer, time, value, extra=[by] if isinstance(by, str) else ())
    _check_by(by, customer)
    as_of_ts, counts = _dask.reference_date(transactions, meta, cols, customer, time, value, as_of)
    src, src_meta, src_cols = transactions, meta, cols
    if isinstance(by, str):
        src = _dask.with_row_order(transactions[cols], ROW)
        src_meta, src_cols = src._meta, cols + [ROW]
    shuffled = _dask.shuffled_log(src, src_meta, src_cols, customer, time, value, as_of_ts)
    out = _dask.compute(*[
        delayed(_cohorts_part)(p, customer, time, value, as_of_ts, period, metric, by)
        for p in _dask.partitions(shuffled)
    ])  # fmt: skip
    parts = [c for c, _ in out if c is not None]
    if not parts:
        _dask.no_purchase_error(sum(n for _, n in out), value)
    for rule in ("returns of customers without a purchase", "returns before the customer's first purchase"):
        counts[rule] = sum(c["counts"][rule] for c in parts)
    dtype = meta[by].dtype if isinstance(by, str) else (by.dtype if by is not None else None)
    cells = _combine(parts, dtype) if by is not None else _combine([dict(c, labels=[None]) for c in parts], None)
    return _finish(cells, period=period, metric=metric, by_name=_by_name(by), min_cell=min_cell,
                   small_groups=small_groups, counts=counts, stacklevel=5)  # fmt: skip
