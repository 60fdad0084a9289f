"""Recency, frequency and monetary value per customer; RFM scores and named segments.

``rfm`` turns a transaction log into one row per customer, in one of two
conventions: the analyst's (days since the last order, number of orders,
spend) or the buy-till-you-die models' (repeat purchase periods, recency and
age in periods, mean repeat spend — the input of :mod:`microseg.segment._clv`).
``RFMScorer`` learns score edges on a reference period and applies them to
other periods; ``rfm_segments`` names each cell of the recency × frequency grid.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import _dask
from .._dask import is_dask
from .._transactions import check_freq, check_has_purchases, prepare_log, to_period
from .._validation import check_columns, check_frame, report_rows
from ..errors import MicrosegError, SchemaError

__all__ = ["rfm", "RFMScorer", "rfm_segments", "RFM_SEGMENTS", "ANALYST_COLUMNS", "BTYD_COLUMNS"]

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
    big = np.iinfo(np.int64).max
    first = np.full(n, big, dtype=np.int64)
    last = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(first, p_codes, periods)
    np.maximum.at(last, p_codes, periods)

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
    n_periods = np.bincount(ukeys // span, minlength=n)
    ukeys = ukeys.astype(np.int64, copy=False)

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
    keys = np.unique(codes[ok] * span + ocodes[ok])
    return np.bincount(keys // span, minlength=n)


# --------------------------------------------------------------------------- scores
def _greedy_edges(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Upper edges of up to ``n_bins`` bins of near-equal counts that never split a tie."""
    vals, cnt = np.unique(values, return_counts=True)
    if len(vals) <= n_bins:
        return (vals[:-1] + vals[1:]) / 2.0
    edges = []
    total = cnt.sum()
    i, acc, done = 0, 0, 0
    bins_left = n_bins
    target = total / bins_left
    while i < len(vals) and bins_left > 1:
        acc += cnt[i]
        distinct_left = len(vals) - i - 1
        close = False
        if distinct_left <= bins_left - 1:
            close = True
        elif acc >= target:
            close = True
        elif abs(acc - target) <= abs(acc + cnt[i + 1] - target) and acc > 0:
            close = True
        if close:
            edges.append((vals[i] + vals[i + 1]) / 2.0)
            done += acc
            acc = 0
            bins_left -= 1
            target = (total - done) / bins_left
        i += 1
    return np.asarray(edges, dtype="float64")


class RFMScorer(TransformerMixin, BaseEstimator):
    """Score recency, frequency and monetary value 1–5 (5 best) with edges learned on a reference period.

    Fit on an analyst RFM table (from :func:`rfm` with ``convention="analyst"``);
    transform that period or any other into scores ``R``, ``F``, ``M``. Edges
    split the customers into ``n_bins`` groups of near-equal size without ever
    splitting customers with the same value, so ties (e.g. the many one-time
    buyers) share a score and heavy skew does not produce empty bins. When a
    column has fewer distinct values than ``n_bins``, its scores are spread
    over 1..``n_bins`` (e.g. 1, 3, 5 for three values). Recency is reversed:
    the most recent customers score highest.

    A DataFrame is read by column name (``days_since_last``, ``n_orders`` and
    the ``monetary`` column; other columns are ignored) and gives a DataFrame of
    scores with its index. A numeric array (or a DataFrame without those names)
    must have exactly three columns, in the order recency (days since the last
    order), frequency (number of orders), monetary value, and gives an integer
    array of scores.

    Parameters
    ----------
    n_bins : int, default 5
    monetary : {"total_spend", "mean_order_value"}, default "total_spend"
        The monetary column of a DataFrame.

    Attributes
    ----------
    edges_ : dict
        Column name → array of bin edges.
    n_features_in_ : int
    feature_names_in_ : ndarray
        Only when fitted on a DataFrame.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> table = pd.DataFrame({"days_since_last": [1, 10, 40, 90, 300], "n_orders": [9, 4, 2, 1, 1],
    ...                       "total_spend": [900.0, 300.0, 80.0, 20.0, 15.0]})
    >>> ms.RFMScorer().fit_transform(table)
       R  F  M
    0  5  5  5
    1  4  4  4
    2  3  2  3
    3  2  1  2
    4  1  1  1
    >>> ms.RFMScorer().fit_transform(table.to_numpy())[0]
    array([5, 5, 5])
    """

    _columns = {"R": "days_since_last", "F": "n_orders"}

    def __init__(self, n_bins: int = 5, monetary: str = "total_spend"):
        self.n_bins = n_bins
        self.monetary = monetary

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # scores are integers whatever the input dtype
        return tags

    def _by_name(self, X) -> bool:
        """True to read ``X`` by column name; raise for a btyd table."""
        if not isinstance(X, pd.DataFrame):
            return False
        if "days_since_last" not in X.columns and {"frequency", "recency", "T"} <= set(X.columns):
            raise SchemaError(
                "RFMScorer scores the analyst RFM table, but this looks like a btyd table "
                "(frequency/recency/T); build it with ms.rfm(..., convention='analyst')."
            )
        cols = self._used_columns()
        if any(c in X.columns for c in cols):
            return True
        # no RFM column name at all: three unnamed columns are read in order, anything else is an error
        if X.shape[1] == 3:
            return False
        check_columns(X, cols, name="RFM table")  # raises, naming the missing columns
        return True

    def _check_table(self, X, *, reset: bool):
        """The three columns (recency, frequency, monetary) as float arrays, and the input's index or None."""
        cols = self._used_columns()
        if self._by_name(X):
            check_frame(X, name="RFM table")
            check_columns(X, cols, name="RFM table")
            arrays = []
            for c in cols:
                v = X[c].to_numpy(dtype="float64", na_value=np.nan)
                if np.isnan(v).any():
                    raise SchemaError(
                        f"column {c!r} of the RFM table has {int(np.isnan(v).sum())} missing values; "
                        "score only customers with at least one purchase (e.g. table.dropna())."
                    )
                arrays.append(v)
            if reset:
                self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
                self.n_features_in_ = X.shape[1]
            return arrays, X.index
        A = validate_data(self, X, reset=reset, dtype="float64", ensure_min_samples=2 if reset else 1)
        if A.shape[1] != 3:
            raise MicrosegError(
                f"RFMScorer scores three columns (recency, frequency, monetary), got X with "
                f"n_features = {A.shape[1]}; pass the analyst table from ms.rfm() as a DataFrame, "
                "or an array of exactly those three columns in that order."
            )
        return [A[:, 0], A[:, 1], A[:, 2]], None

    def _used_columns(self) -> list[str]:
        if self.monetary not in ("total_spend", "mean_order_value"):
            raise MicrosegError(f"monetary must be 'total_spend' or 'mean_order_value', got {self.monetary!r}.")
        return ["days_since_last", "n_orders", self.monetary]

    def fit(self, X, y=None):
        """Learn the score edges of each column on ``X`` (the reference period)."""
        if not isinstance(self.n_bins, (int, np.integer)) or self.n_bins < 2:
            raise MicrosegError(f"n_bins must be an integer >= 2, got {self.n_bins!r}.")
        for attr in ("feature_names_in_", "n_features_in_"):
            if hasattr(self, attr):
                delattr(self, attr)
        arrays, _ = self._check_table(X, reset=True)
        cols = self._used_columns()
        self.edges_ = {c: _greedy_edges(v, int(self.n_bins)) for c, v in zip(cols, arrays)}
        return self

    def _score(self, values: np.ndarray, edges: np.ndarray, reverse: bool) -> np.ndarray:
        k = len(edges) + 1
        b = np.searchsorted(edges, values, side="left")  # 0..k-1; a value equal to an edge midpoint goes low
        if k < self.n_bins:
            b = np.rint(b * (self.n_bins - 1) / max(k - 1, 1)).astype(np.int64)
        score = b + 1
        return (self.n_bins + 1 - score) if reverse else score

    def transform(self, X):
        """Scores ``R``, ``F``, ``M`` in 1..``n_bins``: a DataFrame for a DataFrame, else an int array."""
        check_is_fitted(self, "edges_")
        arrays, index = self._check_table(X, reset=False)
        scores = {
            name: self._score(v, self.edges_[c], reverse=(name == "R")).astype("int64")
            for name, c, v in zip(("R", "F", "M"), self._used_columns(), arrays)
        }
        if index is None:
            return np.column_stack(list(scores.values()))
        return pd.DataFrame(scores, index=index)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(["R", "F", "M"], dtype=object)


# --------------------------------------------------------------------------- named segments
#: The 11 standard segments on the recency (first digit) × frequency (second digit) grid of 1–5 scores.
RFM_SEGMENTS: dict[str, list[str]] = {
    "Champions": ["5[4-5]"],
    "Loyal": ["[3-4][4-5]"],
    "Potential Loyalist": ["[4-5][2-3]"],
    "New Customers": ["51"],
    "Promising": ["41"],
    "Need Attention": ["33"],
    "About to Sleep": ["3[1-2]"],
    "At Risk": ["[1-2][3-4]"],
    "Can't Lose Them": ["[1-2]5"],
    "Hibernating": ["12", "2[1-2]"],
    "Lost": ["11"],
}


def _segment_grid(config: Mapping[str, list[str] | str], n_bins: int = 5) -> pd.DataFrame:
    """R × F table of segment names; raises unless every cell is named exactly once."""
    cells = [f"{r}{f}" for r in range(1, n_bins + 1) for f in range(1, n_bins + 1)]
    owner: dict[str, list[str]] = {c: [] for c in cells}
    for name, patterns in config.items():
        if isinstance(patterns, str):
            patterns = [patterns]
        for p in patterns:
            rx = re.compile(p)
            for c in cells:
                if rx.fullmatch(c):
                    owner[c].append(name)
    missing = [c for c, o in owner.items() if not o]
    double = {c: o for c, o in owner.items() if len(o) > 1}
    if missing or double:
        parts = []
        if missing:
            parts.append(f"cells (RF) with no segment: {missing}")
        if double:
            parts.append(f"cells named twice: {double}")
        raise MicrosegError(
            "segment_config must name every recency × frequency cell exactly once; " + "; ".join(parts) + "."
        )
    grid = pd.DataFrame(index=pd.Index(range(1, n_bins + 1), name="R"), columns=pd.Index(range(1, n_bins + 1), name="F"),
                        dtype=object)
    for c, o in owner.items():
        grid.loc[int(c[0]), int(c[1])] = o[0]
    return grid


def rfm_segments(scores: pd.DataFrame, segment_config: Mapping[str, list[str] | str] | None = None) -> pd.Series:
    """Name each customer's segment from their R and F scores.

    Parameters
    ----------
    scores : DataFrame
        With integer columns ``R`` and ``F`` in 1..5 (from :class:`RFMScorer`).
    segment_config : mapping, optional
        Segment name → regular expression(s) over the two-digit ``"RF"`` cell
        (``"5[4-5]"`` is R 5 and F 4 or 5). Defaults to :data:`RFM_SEGMENTS`,
        the 11 standard segments. It must name each of the 25 cells exactly
        once.

    Returns
    -------
    Series
        Ordered categorical of segment names, indexed like ``scores``.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> ms.rfm_segments(pd.DataFrame({"R": [5, 1, 3], "F": [5, 1, 3]})).tolist()
    ['Champions', 'Lost', 'Need Attention']
    """
    config = RFM_SEGMENTS if segment_config is None else segment_config
    check_frame(scores, name="scores")
    check_columns(scores, ["R", "F"], name="scores")
    grid = _segment_grid(config)
    r = scores["R"].to_numpy()
    f = scores["F"].to_numpy()
    bad = ~np.isin(r, np.arange(1, 6)) | ~np.isin(f, np.arange(1, 6))
    if bad.any():
        raise MicrosegError(f"scores R and F must be integers 1..5; {int(bad.sum())} rows are not.")
    names = grid.to_numpy()[r.astype(int) - 1, f.astype(int) - 1]
    cat = pd.CategoricalDtype(list(config), ordered=True)
    return pd.Series(pd.Categorical(names, dtype=cat), index=scores.index, name="segment")


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
