"""Recency, frequency and monetary value per customer: :func:`rfm`, from pandas or Dask input.

``rfm`` turns a transaction log into one row per customer, in one of two
conventions: the analyst's (days since the last order, number of orders,
spend) or the buy-till-you-die models' (repeat purchase periods, recency and
age in periods, mean repeat spend — the input of :mod:`microseg.segment._clv`).
Scores and named segments are in :mod:`microseg.segment._rfm`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import _dask
from .._dask import is_dask
from .._transactions import check_freq, check_has_purchases, prepare_log, to_period
from .._validation import check_columns, check_frame, report_rows
from ..errors import MicrosegError

__all__ = ["rfm", "ANALYST_COLUMNS", "BTYD_COLUMNS"]

ANALYST_COLUMNS = ["days_since_last", "n_orders", "total_spend", "mean_order_value", "tenure_days"]
BTYD_COLUMNS = ["frequency", "recency", "T", "monetary_value"]
_DAY_NS = 86_400_000_000_000


def rfm(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    time: str = "timestamp",
    value: str | None = "amount",
    as_of=None,
    freq: str = "D",
    convention: str = "analyst",
    order: str | None = None,
) -> pd.DataFrame:
    """Recency, frequency and monetary value per customer from a transaction log.

    Parameters
    ----------
    transactions : DataFrame or dask.dataframe.DataFrame
        One row per transaction (or order line): customer id, timestamp, amount.
        A Dask DataFrame gives the same pandas table, computed in partitions
        (see :mod:`microseg._dask`; needs ``pip install "microseg[scale]"``).
    customer, time, value : str
        Column names. ``value=None`` leaves out the monetary columns.
    as_of : date-like, optional
        The reference date. ``None`` (default) means the latest timestamp in the
        log. Rows after ``as_of`` are excluded and reported; an ``as_of`` before
        the first transaction is an error.
    freq : {"D", "W", "h"}
        The purchase period. Several transactions of a customer in one period
        count as one purchase (one order).
    convention : {"analyst", "btyd"}
        ``"analyst"``: ``days_since_last`` (days from the last purchase to
        ``as_of``), ``n_orders`` (purchase periods, or distinct ``order`` ids),
        ``total_spend`` (net of returns), ``mean_order_value`` and
        ``tenure_days`` (days from the first purchase to ``as_of``).
        ``"btyd"``: ``frequency`` (repeat purchase periods), ``recency`` (last
        minus first purchase period), ``T`` (``as_of`` minus the first purchase
        period) and ``monetary_value`` (mean spend of the repeat periods, 0 when
        there are none), all floats, in periods of ``freq`` — the same values as
        ``lifetimes.utils.summary_data_from_transaction_data`` for a log
        without returns.
    order : str, optional
        Column of order ids; with it, ``n_orders`` counts distinct orders
        instead of purchase periods (analyst convention only).

    Returns
    -------
    DataFrame
        One row per customer, indexed by customer id (sorted).
        ``attrs["microseg_rows"]`` counts the rows left out per rule and
        ``attrs["as_of"]`` holds the reference date.

    Notes
    -----
    Negative amounts are returns or cancellations: they count toward spend (in
    the period where they fall, for ``monetary_value``) but never as orders; a
    period with only returns is not a purchase. Returns of customers with no
    purchase in the log are left out and reported. Rows without a customer id,
    timestamp or amount are dropped and reported (a ``DataQualityWarning``).
    A reference date with a time of day keeps the rows up to that moment; the
    period arithmetic then uses the period holding ``as_of``.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-21"]),
    ...     "amount": [10.0, 5.0, 20.0, 8.0]})
    >>> table = ms.rfm(tx)
    >>> table[["days_since_last", "n_orders", "total_spend", "tenure_days"]]  # doctest: +NORMALIZE_WHITESPACE
                 days_since_last  n_orders  total_spend  tenure_days
    customer_id
    a                         10         2         35.0           20
    b                          0         1          8.0            0
    >>> ms.rfm(tx, convention="btyd")  # doctest: +NORMALIZE_WHITESPACE
                 frequency  recency     T  monetary_value
    customer_id
    a                  1.0     10.0  20.0            20.0
    b                  0.0      0.0   0.0             0.0
    """
    if is_dask(transactions):
        return rfm_dask(transactions, customer=customer, time=time, value=value, as_of=as_of, freq=freq,
                        convention=convention, order=order)  # fmt: skip
    check_freq(freq)
    if convention not in ("analyst", "btyd"):
        raise MicrosegError(f"convention must be 'analyst' or 'btyd', got {convention!r}.")
    if order is not None:
        if convention != "analyst":
            raise MicrosegError("order= counts distinct orders and applies to convention='analyst' only.")
        check_columns(check_frame(transactions, name="transactions"), [order], name="transactions")
    log = prepare_log(transactions, customer=customer, time=time, value=value, as_of=as_of)
    counts = dict(log.counts)
    codes, ticks, amount = log.codes, log.ticks, log.amount
    n = log.n_customers

    # purchase rows: amount >= 0 (returns and cancellations are never orders)
    has_returns = amount is not None and bool((amount < 0).any())
    purchase = amount >= 0 if has_returns else None
    p_codes = codes[purchase] if has_returns else codes
    p_ticks = ticks[purchase] if has_returns else ticks
    check_has_purchases(len(p_codes), len(codes), value)

    # customers with purchases; returns of others are left out
    buyers = np.bincount(p_codes, minlength=n) > 0
    counts["returns of customers without a purchase"] = 0
    if not buyers.all():
        lost = ~buyers[codes]
        counts["returns of customers without a purchase"] = int(lost.sum())

    periods = to_period(p_ticks, freq)
    as_of_period = int(to_period(np.array([log.as_of_ns]), freq)[0])
    # distinct (customer, period) purchase periods via one sort of combined keys (int32 when they fit)
    pmin = int(periods.min())
    span = int(periods.max()) - pmin + 1
    if n * span < np.iinfo(np.int32).max:  # int32 keys sort faster and take half the memory
        keys = p_codes.astype(np.int32)
        keys *= np.int32(span)
        keys += (periods - pmin).astype(np.int32)
    else:
        keys = p_codes * span + (periods - pmin)
    keys.sort()
    distinct = np.empty(len(keys), dtype=bool)
    distinct[0] = True
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    ukeys = keys[distinct]
    del keys, distinct
    ukeys = ukeys.astype(np.int64, copy=False)
    cust = ukeys // span
    n_periods = np.bincount(cust, minlength=n)
    # the keys are sorted: each customer's first and last purchase period open and close its run
    starts = np.flatnonzero(np.concatenate(([True], cust[1:] != cust[:-1])))
    ends = np.append(starts[1:] - 1, len(cust) - 1)
    who = cust[starts]
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    first[who] = ukeys[starts] - who * span + pmin
    last[who] = ukeys[ends] - who * span + pmin
    del cust, starts, ends, who

    monetary = None
    if amount is not None:
        all_periods = to_period(ticks, freq) if has_returns else periods
        if has_returns:
            # rows in a purchase period of their customer (purchases, and returns on purchase days)
            rk = codes * span + (all_periods - pmin)
            inside = (all_periods >= pmin) & (all_periods < pmin + span)
            pos = np.searchsorted(ukeys, rk)
            pos[pos >= len(ukeys)] = 0
            in_period = inside & (ukeys[pos] == rk) & buyers[codes]
        else:
            in_period = None
        repeat = all_periods != first[codes]
        if in_period is not None:
            repeat &= in_period
        repeat_spend = np.bincount(codes, weights=np.where(repeat, amount, 0.0), minlength=n)
        total_spend = np.bincount(codes, weights=np.where(buyers[codes], amount, 0.0) if has_returns else amount,
                                  minlength=n)
        monetary = (repeat_spend, total_spend)

    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        out = _columns(convention, log, first, last, n_periods, monetary, as_of_period, freq, p_codes, p_ticks,
                       transactions, order, purchase, n)
    result = log.frame(out, mask=buyers)
    report_rows(result, counts, what="transaction rows")
    result.attrs["as_of"] = log.as_of
    result.attrs["microseg_rfm"] = convention
    return result


def _columns(convention, log, first, last, n_periods, monetary, as_of_period, freq, p_codes, p_ticks,
             transactions, order, purchase, n) -> dict:
    big = np.iinfo(np.int64).max
    if convention == "btyd":
        frequency = (n_periods - 1).astype("float64")
        out = {
            "frequency": frequency,
            "recency": (last - first).astype("float64"),
            "T": (as_of_period - first).astype("float64"),
        }
        if monetary is not None:
            out["monetary_value"] = np.where(frequency > 0, monetary[0] / np.maximum(frequency, 1), 0.0)
    else:
        as_of_day = log.as_of_ns // _DAY_NS
        first_day, last_day = first, last
        if freq != "D":
            # days from the first/last purchase row (not period) to as_of
            t_first = np.full(n, big, dtype=np.int64)
            t_last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
            np.minimum.at(t_first, p_codes, p_ticks)
            np.maximum.at(t_last, p_codes, p_ticks)
            first_day, last_day = t_first // _DAY_NS, t_last // _DAY_NS
        n_orders = n_periods
        if order is not None:
            n_orders = _distinct_orders(transactions, order, log, purchase, n)
        out = {"days_since_last": (as_of_day - last_day).astype("int64"), "n_orders": n_orders.astype("int64")}
        if monetary is not None:
            out["total_spend"] = monetary[1]
            out["mean_order_value"] = monetary[1] / np.maximum(n_orders, 1)
        out["tenure_days"] = (as_of_day - first_day).astype("int64")
    return out


def _distinct_orders(transactions, order, log, purchase, n) -> np.ndarray:
    col = transactions[order]
    if log.keep is not None:
        col = col[log.keep]
    ocodes, _ = pd.factorize(col, use_na_sentinel=True)
    codes = log.codes
    ok = ocodes >= 0
    if purchase is not None:
        ok &= purchase
    ocodes = ocodes.astype(np.int64)
    span = int(ocodes.max()) + 1 if ok.any() else 1
    keys = codes[ok] * span + ocodes[ok]
    keys.sort()
    distinct = np.empty(len(keys), dtype=bool)
    distinct[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    return np.bincount(keys[distinct] // span, minlength=n)  # sort + neighbour compare, not np.unique


# --------------------------------------------------------------------------- scores


# --------------------------------------------------------------------------- Dask input
def _rfm_part(part, customer, time, value, as_of_ts, kw):
    n_rows = len(part)
    part, lost = _dask.buyers_only(part, customer, value)
    if len(part) == 0:
        return None, lost, n_rows
    table = rfm(part, customer=customer, time=time, value=value, as_of=as_of_ts, **kw)
    return table, lost, n_rows


def rfm_dask(transactions, *, customer, time, value, as_of, freq, convention, order) -> pd.DataFrame:
    """:func:`rfm` on a Dask DataFrame: the same table as the pandas function on the same rows.

    One pass over the log counts the rows left out per rule and finds the
    reference date; the usable rows are then shuffled by customer, so that each
    customer's rows sit in one partition, and :func:`rfm` runs on every
    partition with the global reference date. Per customer everything is
    exact, so the concatenated table equals the pandas one.
    """
    from dask import delayed

    _dask.require_dask("ms.rfm()")
    # the option checks of the pandas function, on a one-row stand-in
    meta, cols = _dask.check_log_meta(transactions, customer, time, value, extra=(order,))
    if order is not None and convention != "analyst":
        rfm(transactions._meta_nonempty, customer=customer, time=time, value=value, freq=freq,
            convention=convention, order=order)  # raises the pandas error  # fmt: skip
    rfm(transactions._meta_nonempty[cols].iloc[:1], customer=customer, time=time, value=value, freq=freq,
        convention=convention, order=order)  # fmt: skip
    as_of_ts, counts = _dask.reference_date(transactions, meta, cols, customer, time, value, as_of)
    shuffled = _dask.shuffled_log(transactions, meta, cols, customer, time, value, as_of_ts)
    kw = {"freq": freq, "convention": convention, "order": order}
    out = _dask.compute(*[delayed(_rfm_part)(p, customer, time, value, as_of_ts, kw) for p in _dask.partitions(shuffled)])
    tables = [t for t, _, _ in out if t is not None]
    if not tables:
        _dask.no_purchase_error(sum(n for _, _, n in out), value)
    counts["returns of customers without a purchase"] = sum(lost for _, lost, _ in out)
    result = pd.concat(tables) if len(tables) > 1 else tables[0].copy()
    result = result.iloc[result.index.argsort()]
    result.attrs = {}
    report_rows(result, counts, what="transaction rows", stacklevel=4)
    result.attrs["as_of"] = as_of_ts
    result.attrs["microseg_rfm"] = convention
    return result
