"""Purchase timing (typical interval, next expected purchase, who is due) and migration between segments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import _dask
from .._dask import is_dask
from .._transactions import prepare_log
from .._validation import check_frame, check_labels, report_rows
from ..errors import MicrosegError
from ._keys import distinct_keys

__all__ = ["purchase_timing", "due_for_followup", "timing_summary", "migration", "MigrationResult"]

_DAY_NS = 86_400_000_000_000


def purchase_timing(
    transactions: pd.DataFrame,
    *,
    customer: str = "customer_id",
    time: str = "timestamp",
    value: str | None = "amount",
    as_of=None,
) -> pd.DataFrame:
    """Per customer: purchase days, typical inter-purchase interval and next expected purchase.

    Purchases are distinct purchase days (rows with a negative amount —
    returns — are not purchases). A Dask DataFrame gives the same table
    (shuffled by customer once), and so does :func:`due_for_followup` on it. The typical interval is the median gap in
    days between consecutive purchase days; the next expected purchase is the
    last purchase plus that interval.

    Returns
    -------
    DataFrame
        Indexed by customer id: ``n_purchases``, ``first_purchase``,
        ``last_purchase``, ``typical_interval_days`` (NaN with a single
        purchase), ``next_expected`` and ``days_until_due`` (negative when
        overdue), relative to ``as_of`` (``attrs["as_of"]``).

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b"],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-19", "2024-01-20"]),
    ...                    "amount": [5.0, 5.0, 5.0, 9.0]})
    >>> t = ms.purchase_timing(tx)
    >>> t.loc["a", ["n_purchases", "typical_interval_days", "days_until_due"]].tolist()
    [3.0, 9.0, 8.0]
    """
    if is_dask(transactions):
        return purchase_timing_dask(transactions, customer=customer, time=time, value=value, as_of=as_of)
    log = prepare_log(transactions, customer=customer, time=time, value=value, as_of=as_of)
    out = _timing(log)
    if out is None:
        raise MicrosegError("transactions have no purchase (every amount is negative).")
    counts = dict(log.counts)
    counts["returns of customers without a purchase"] = 0
    report_rows(out, counts, what="transaction rows")
    out.attrs["as_of"] = log.as_of
    return out


def _timing(log) -> pd.DataFrame | None:
    """One row per buyer of a prepared log (None without a purchase)."""
    codes, n = log.codes, log.n_customers
    day = log.ticks // _DAY_NS
    if log.amount is not None:
        buy = log.amount >= 0
        if not buy.all():
            codes, day = codes[buy], day[buy]
    if len(day) == 0:
        return None
    dmin = int(day.min())
    span = int(day.max()) - dmin + 1
    keys = distinct_keys(codes * span + (day - dmin), n * span)  # distinct (customer, purchase day), sorted
    cust, d = keys // span, keys % span + dmin
    n_purchases = np.bincount(cust, minlength=n)
    # keys are sorted by customer, then day: a customer's first and last purchase days are at its run's ends
    new = np.r_[True, cust[1:] != cust[:-1]]
    end = np.r_[new[1:], True]
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.full(n, np.iinfo(np.int64).min)
    first[cust[new]] = d[new]
    last[cust[end]] = d[end]
    same = ~new[1:]
    gaps = pd.Series((d[1:] - d[:-1])[same].astype("float64"))
    med = gaps.groupby(cust[1:][same]).median()
    typical = np.full(n, np.nan)
    typical[med.index.to_numpy()] = med.to_numpy()
    as_of_day = log.as_of_ns // _DAY_NS
    buyer = n_purchases > 0
    safe_first = np.where(buyer, first, 0)
    safe_last = np.where(buyer, last, 0)
    next_day = safe_last + typical
    return log.frame(
        {
            "n_purchases": n_purchases.astype("int64"),
            "first_purchase": safe_first.astype("datetime64[D]").astype("datetime64[ns]"),
            "last_purchase": safe_last.astype("datetime64[D]").astype("datetime64[ns]"),
            "typical_interval_days": typical,
            "next_expected": pd.to_datetime(np.where(np.isnan(next_day), np.nan, next_day * _DAY_NS)),
            "days_until_due": next_day - as_of_day,
        },
        mask=buyer,
    )


def _timing_part(part, customer, time, value, as_of_ts):
    if len(part) == 0:
        return None
    return _timing(prepare_log(part, customer=customer, time=time, value=value, as_of=as_of_ts))


def purchase_timing_dask(transactions, *, customer, time, value, as_of) -> pd.DataFrame:
    """:func:`purchase_timing` on a Dask DataFrame: the same table as the pandas function on the same rows.

    The usable rows are shuffled by customer (see :mod:`microseg._dask`) and
    every partition's buyers computed with the global reference date; the
    rows are then put in the pandas order (by customer id).
    """
    from dask import delayed

    _dask.require_dask("ms.purchase_timing()")
    meta, cols = _dask.check_log_meta(transactions, customer, time, value)
    as_of_ts, counts = _dask.reference_date(transactions, meta, cols, customer, time, value, as_of)
    shuffled = _dask.shuffled_log(transactions, meta, cols, customer, time, value, as_of_ts)
    out = _dask.compute(*[delayed(_timing_part)(p, customer, time, value, as_of_ts) for p in _dask.partitions(shuffled)])
    parts = [q for q in out if q is not None]
    if not parts:
        raise MicrosegError("transactions have no purchase (every amount is negative).")
    table = pd.concat(parts) if len(parts) > 1 else parts[0]
    table = table.iloc[table.index.argsort()]
    table.attrs = {}
    counts["returns of customers without a purchase"] = 0
    report_rows(table, counts, what="transaction rows", stacklevel=4)
    table.attrs["as_of"] = as_of_ts
    return table


def due_for_followup(
    transactions: pd.DataFrame,
    *,
    window="7D",
    as_of=None,
    min_purchases: int = 2,
    include_overdue: bool = False,
    customer: str = "customer_id",
    time: str = "timestamp",
    value: str | None = "amount",
) -> pd.DataFrame:
    """Customers whose next expected purchase falls within ``window`` after ``as_of``.

    Reach people when they are likely to need the product again, not right
    after they bought. Only customers with at least ``min_purchases`` purchase
    days have a typical interval. ``include_overdue=True`` also lists customers
    whose expected date has passed (by at most one typical interval).

    Returns
    -------
    DataFrame
        The rows of :func:`purchase_timing` for the customers due, soonest first.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b"],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-15", "2024-01-16"]),
    ...                    "amount": [5.0, 5.0, 9.0, 9.0]})
    >>> list(ms.due_for_followup(tx, window="7D").index)
    ['b', 'a']
    """
    try:
        w = pd.Timedelta(window) / pd.Timedelta(days=1)
    except (TypeError, ValueError):
        raise MicrosegError(f"window must be a duration such as '7D', got {window!r}.") from None
    if min_purchases < 2:
        raise MicrosegError(f"min_purchases must be >= 2 (an interval needs two purchases), got {min_purchases!r}.")
    t = purchase_timing(transactions, customer=customer, time=time, value=value, as_of=as_of)
    due = t["days_until_due"]
    ok = (t["n_purchases"] >= min_purchases) & (due <= w)
    if include_overdue:
        ok &= due >= -t["typical_interval_days"]
    else:
        ok &= due >= 0
    out = t[ok].sort_values(["days_until_due"], kind="stable")
    out.attrs = dict(t.attrs)
    return out


def timing_summary(timing: pd.DataFrame, segments, *, due_within: float = 30.0) -> pd.DataFrame:
    """Purchase timing per segment: customers, repeat buyers, typical interval and who is due.

    Parameters
    ----------
    timing : DataFrame
        From :func:`purchase_timing`.
    segments : str or Series or array
        A column of ``timing``, a Series indexed by customer id, or labels in row order.
    due_within : float, default 30
        Days ahead for the ``share_due`` column.

    Returns
    -------
    DataFrame
        One row per segment: ``customers``, ``repeat_buyers``,
        ``median_interval_days``, ``median_days_until_due``, ``share_due``
        (repeat buyers due within ``due_within`` days) and ``share_overdue``.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b", "b", "c"],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-15", "2024-01-16",
    ...                                                 "2024-01-20"]), "amount": 1.0})
    >>> t = ms.purchase_timing(tx)
    >>> ms.timing_summary(t, pd.Series({"a": "x", "b": "x", "c": "y"}))["repeat_buyers"].tolist()
    [2, 0]
    """
    check_frame(timing, name="timing")
    if isinstance(segments, pd.Series) and not segments.index.equals(timing.index):
        segments = segments.reindex(timing.index)
    seg = check_labels(timing, segments)
    df = timing.assign(_segment=seg.array)  # .array keeps an ordered categorical's order
    df["_repeat"] = df["typical_interval_days"].notna()
    df["_due"] = df["_repeat"] & df["days_until_due"].between(0, due_within)
    df["_over"] = df["_repeat"] & (df["days_until_due"] < 0)
    g = df.groupby("_segment", observed=True, sort=True)
    out = pd.DataFrame({
        "customers": g.size(),
        "repeat_buyers": g["_repeat"].sum().astype("int64"),
        "median_interval_days": g["typical_interval_days"].median(),
        "median_days_until_due": g["days_until_due"].median(),
    })
    rep = out["repeat_buyers"].replace(0, np.nan)
    out["share_due"] = g["_due"].sum() / rep
    out["share_overdue"] = g["_over"].sum() / rep
    out.index.name = "segment"
    return out


@dataclass(frozen=True)
class MigrationResult:
    """Transition matrix between two labellings of the same customers.

    Attributes
    ----------
    counts : DataFrame
        Segment before (rows) × segment after (columns); ``"(new)"`` and
        ``"(gone)"`` hold customers present in only one period.
    shares : DataFrame
        Row shares of ``counts``: where each segment's customers went.
    """

    counts: pd.DataFrame
    shares: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """Long format: before, after, customers, share."""
        c = self.counts.stack().rename("customers")
        s = self.shares.stack().rename("share")
        return pd.concat([c, s], axis=1).reset_index()

    @property
    def stayed(self) -> float:
        """Share of customers present in both periods who kept their segment."""
        common = [r for r in self.counts.index if r in self.counts.columns and r not in ("(new)", "(gone)")]
        both = self.counts.drop(index="(new)", columns="(gone)", errors="ignore")
        total = both.to_numpy().sum()
        return float(sum(self.counts.loc[r, r] for r in common) / total) if total else float("nan")

    def plot(self, ax=None, *, shares: bool = True):
        from ..plot import plot_migration_heatmap

        return plot_migration_heatmap(self, ax=ax, shares=shares)

    def __repr__(self) -> str:
        return f"MigrationResult({self.counts.shape[0]} segments before x {self.counts.shape[1]} after, stayed={self.stayed:.1%})"

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return f"<p>{self!r}</p>" + format_table(self.counts, max_rows=None).html


def migration(labels_before: pd.Series, labels_after: pd.Series) -> MigrationResult:
    """How customers move between segments from one period to the next.

    Parameters
    ----------
    labels_before, labels_after : Series
        Segment per customer, indexed by customer id (e.g. ``rfm_segments`` of
        two periods). Customers in only one of them appear as ``"(new)"``
        (rows) or ``"(gone)"`` (columns).

    Returns
    -------
    MigrationResult

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> before = pd.Series({"a": "Loyal", "b": "Loyal", "c": "Lost"})
    >>> after = pd.Series({"a": "Loyal", "b": "Lost", "d": "Lost"})
    >>> m = ms.migration(before, after)
    >>> int(m.counts.loc["Loyal", "Lost"]), int(m.counts.loc["(new)", "Lost"]), int(m.counts.loc["Lost", "(gone)"])
    (1, 1, 1)
    """
    for name, s in (("labels_before", labels_before), ("labels_after", labels_after)):
        if not isinstance(s, pd.Series):
            raise MicrosegError(f"{name} must be a Series indexed by customer id, got {type(s).__name__}.")
        if s.index.has_duplicates:
            raise MicrosegError(f"{name} has {int(s.index.duplicated().sum())} duplicate customer ids; one label per customer.")
    idx = labels_before.index.union(labels_after.index)
    b = labels_before.reindex(idx).astype(object).where(lambda x: x.notna(), "(new)")
    a = labels_after.reindex(idx).astype(object).where(lambda x: x.notna(), "(gone)")

    def order(s, extra):
        cats = list(s.cat.categories) if isinstance(s.dtype, pd.CategoricalDtype) else sorted(s.dropna().unique(), key=str)
        return cats + [extra]

    rows = order(labels_before, "(new)")
    cols = order(labels_after, "(gone)")
    counts = pd.crosstab(pd.Categorical(b, categories=rows), pd.Categorical(a, categories=cols), dropna=False)
    counts.index = pd.Index(rows, name="before")
    counts.columns = pd.Index(cols, name="after")
    counts = counts.loc[(counts.sum(axis=1) > 0) | (counts.index != "(new)"), (counts.sum(axis=0) > 0) | (counts.columns != "(gone)")]
    shares = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    return MigrationResult(counts.astype("int64"), shares)
