"""Acquisition cohorts: retention, active customers and revenue by periods since the first purchase."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _dask
from .._dask import is_dask
from .._transactions import check_has_purchases, prepare_log, wall_ticks
from .._validation import report_rows
from ..errors import MicrosegError

__all__ = ["cohorts"]

_PERIODS = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q-DEC", "Y": "Y-DEC"}
_METRICS = ("retention", "customers", "revenue")


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


def cohorts(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    time: str = "timestamp",
    value: str | None = "amount",
    period: str = "M",
    metric: str = "retention",
    as_of=None,
) -> pd.DataFrame:
    """Cohort × periods-since-acquisition matrix.

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

    Returns
    -------
    DataFrame
        Indexed by cohort (a ``PeriodIndex`` named ``"cohort"``), one column
        per period since acquisition (0, 1, ...), plus ``attrs["cohort_size"]``
        (customers per cohort) and ``attrs["metric"]``. Negative amounts
        (returns) count toward revenue but never as a purchase.

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
    """
    if is_dask(transactions):
        return cohorts_dask(transactions, customer=customer, time=time, value=value, period=period, metric=metric,
                            as_of=as_of)  # fmt: skip
    if period not in _PERIODS:
        raise MicrosegError(f"period must be one of {sorted(_PERIODS)}, got {period!r}.")
    if metric not in _METRICS:
        raise MicrosegError(f"metric must be one of {list(_METRICS)}, got {metric!r}.")
    if metric == "revenue" and value is None:
        raise MicrosegError("metric='revenue' needs value= (the amount column).")
    log = prepare_log(transactions, customer=customer, time=time, value=value, as_of=as_of)
    counts = dict(log.counts)
    codes, amount, n = log.codes, log.amount, log.n_customers
    p = _period_numbers(log.ticks, period)
    purchase = amount >= 0 if amount is not None else np.ones(len(codes), dtype=bool)
    check_has_purchases(int(purchase.sum()), len(codes), value)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes[purchase], p[purchase])
    buyer = first != np.iinfo(np.int64).max
    lost = ~buyer[codes]
    counts["returns of customers without a purchase"] = int(lost.sum())
    last_p = int(_period_numbers(np.array([log.as_of_ns]), period)[0])
    c_min = int(first[buyer].min())
    n_cohorts = last_p - c_min + 1
    n_k = n_cohorts
    # returns dated before the customer's first purchase (of an order outside the log) have no cohort period
    early = ~lost & (p < np.where(buyer, first, 0)[codes])
    counts["returns before the customer's first purchase"] = int(early.sum())
    ok = ~lost & ~early
    cohort_of_row = first[codes[ok]] - c_min
    k = p[ok] - first[codes[ok]]
    if metric == "revenue":
        cell = np.bincount(cohort_of_row * n_k + k, weights=amount[ok], minlength=n_cohorts * n_k)
    else:
        pr = purchase[ok]
        keys = np.unique((codes[ok][pr] * n_k + k[pr]))
        cust, kk = keys // n_k, keys % n_k
        cell = np.bincount((first[cust] - c_min) * n_k + kk, minlength=n_cohorts * n_k).astype("float64")
    mat = cell.reshape(n_cohorts, n_k)
    size = np.bincount(first[buyer] - c_min, minlength=n_cohorts)
    if metric == "retention":
        with np.errstate(invalid="ignore", divide="ignore"):
            mat = mat / size[:, None]
    # cells not observed yet: cohort c at k > last_p - c
    cc = np.arange(n_cohorts)[:, None]
    kk = np.arange(n_k)[None, :]
    mat = np.where(kk > (n_cohorts - 1 - cc), np.nan, mat)
    keep = size > 0
    index = _to_period_index(np.arange(c_min, last_p + 1)[keep], period)
    index.name = "cohort"
    out = pd.DataFrame(mat[keep], index=index, columns=pd.RangeIndex(n_k, name="periods_since_first"))
    out = out.loc[:, out.notna().any()]
    report_rows(out, counts, what="transaction rows")
    out.attrs["cohort_size"] = pd.Series(size[keep], index=index, name="customers")
    out.attrs["metric"] = metric
    return out


# --------------------------------------------------------------------------- Dask input
def _early_returns(part, customer, time, value, period):
    """Drop returns dated before their customer's first purchase period (cohorts' rule); count them."""
    if value is None or len(part) == 0:
        return part, 0
    codes, _ = pd.factorize(part[customer])
    p = _period_numbers(wall_ticks(part[time])[0], period)
    purchase = part[value].to_numpy(dtype="float64", na_value=np.nan) >= 0
    first = np.full(codes.max() + 1, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes[purchase], p[purchase])
    early = p < first[codes]
    n = int(early.sum())
    return (part[~early] if n else part), n


def _cohorts_part(part, customer, time, value, as_of_ts, period, metric):
    n_rows = len(part)
    part, lost = _dask.buyers_only(part, customer, value)
    part, early = _early_returns(part, customer, time, value, period)
    if len(part) == 0:
        return None, None, (lost, early, n_rows)
    m = "revenue" if metric == "revenue" else "customers"
    mat = cohorts(part, customer=customer, time=time, value=value, period=period, metric=m, as_of=as_of_ts)
    return mat, mat.attrs["cohort_size"], (lost, early, n_rows)


def cohorts_dask(transactions, *, customer, time, value, period, metric, as_of) -> pd.DataFrame:
    """:func:`cohorts` on a Dask DataFrame: the same matrix as the pandas function on the same rows.

    The usable rows are shuffled by customer (see :mod:`microseg._dask`) and
    :func:`cohorts` runs on every partition with the global reference date;
    the partitions' matrices are summed (counts of customers and revenue add
    up) and retention divided by the summed cohort sizes at the end.
    """
    from dask import delayed

    _dask.require_dask("ms.cohorts()")
    meta, cols = _dask.check_log_meta(transactions, customer, time, value)
    cohorts(transactions._meta_nonempty[cols].iloc[:1], customer=customer, time=time, value=value,
            period=period, metric=metric)  # the option checks of the pandas function  # fmt: skip
    as_of_ts, counts = _dask.reference_date(transactions, meta, cols, customer, time, value, as_of)
    shuffled = _dask.shuffled_log(transactions, meta, cols, customer, time, value, as_of_ts)
    out = _dask.compute(*[
        delayed(_cohorts_part)(p, customer, time, value, as_of_ts, period, metric) for p in _dask.partitions(shuffled)
    ])  # fmt: skip
    mats = [m for m, _, _ in out if m is not None]
    sizes = [s for _, s, _ in out if s is not None]
    if not mats:
        _dask.no_purchase_error(sum(c[2] for _, _, c in out), value)
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
