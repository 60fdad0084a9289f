"""The single customer view: one row per customer, joining what they are, did and agreed to."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._transactions import prepare_log
from .._validation import check_columns, check_frame, check_id_column, check_unique, report_rows
from ..errors import DataQualityWarning, MicrosegError

__all__ = ["customer_view", "DEFAULT_FUNNEL_STEPS"]

#: funnel steps used for ``furthest_step`` when ``funnel_steps`` is not given (those present in the events)
DEFAULT_FUNNEL_STEPS = ["visit", "view_product", "add_to_cart", "begin_checkout", "purchase"]
_DAY = pd.Timedelta(days=1)


def _latest(frames) -> pd.Timestamp | None:
    best = None
    for df, col in frames:
        if df is None or col not in df.columns or not pd.api.types.is_datetime64_any_dtype(df[col]):
            continue
        s = df[col]
        if isinstance(s.dtype, pd.DatetimeTZDtype):
            s = s.dt.tz_localize(None)
        m = s.max()
        if pd.notna(m) and (best is None or m > best):
            best = m
    return best


def _last_time(df, *, customer, time, as_of) -> pd.Series:
    log = prepare_log(df, customer=customer, time=time, as_of=as_of)
    last = np.full(log.n_customers, np.iinfo(np.int64).min)
    np.maximum.at(last, log.codes, log.ticks)
    return log.frame({"last": last.view("datetime64[ns]")})["last"]


def customer_view(
    customers: pd.DataFrame,
    *,
    transactions: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    survey_scores: pd.DataFrame | None = None,
    as_of=None,
    customer: str = "customer_id",
    time: str = "timestamp",
    value: str = "amount",
    event: str = "event",
    funnel_steps: list | None = None,
    min_repeat_buyers: int = 20,
    clv_horizon: int | None = 12,
) -> pd.DataFrame:
    """One row per customer: the customer table joined with RFM, CLV, funnel stage, activity, consent and freshness.

    Parameters
    ----------
    customers : DataFrame
        One row per customer, with the id in column ``customer``.
    transactions : DataFrame, optional
        Adds the analyst RFM columns (``days_since_last``, ``n_orders``,
        ``total_spend``, ``mean_order_value``, ``tenure_days``) and, when at
        least ``min_repeat_buyers`` customers bought more than once, the CLV
        columns ``expected_purchases``, ``probability_alive`` and ``clv`` over
        ``clv_horizon`` months (BG/NBD + Gamma-Gamma); otherwise they are NaN,
        and the buyers left without CLV are counted in a
        :class:`~microseg.errors.DataQualityWarning` that says why.
        ``clv_horizon=None`` leaves the CLV columns out.
    events : DataFrame, optional
        Adds ``furthest_step`` (the furthest of ``funnel_steps`` reached in
        order, no time limit; default: those of
        :data:`DEFAULT_FUNNEL_STEPS` present in the events).
    survey_scores : DataFrame, optional
        Scores per customer (indexed by customer id, or with a ``customer``
        column), joined as they are (clashing names get a ``_survey`` suffix).
    as_of : date-like, optional
        One reference date for everything; default: the latest timestamp in
        the transactions and events (or in ``last_updated`` if there are none).
    customer, time, value, event : str
        Column names.

    Returns
    -------
    DataFrame
        The rows of ``customers``, in order, never dropped, with the added
        columns. Customers without transactions get ``n_orders = 0``,
        ``total_spend = 0`` and NaN recency, tenure and CLV. Also, when the
        inputs allow: ``last_activity`` and ``days_since_activity`` (latest
        transaction or event), ``contactable_email``/``contactable_ads``
        (opt-in and not opted out) and ``days_since_update`` (freshness, from
        ``last_updated``). ``attrs["as_of"]`` holds the reference date.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> customers = pd.DataFrame({"customer_id": ["a", "b", "c"], "age": [30, 41, 25]})
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-05"]),
    ...                    "amount": [10.0, 20.0, 5.0]})
    >>> view = ms.customer_view(customers, transactions=tx, clv_horizon=None)  # too few buyers for CLV
    >>> view[["customer_id", "n_orders", "total_spend", "days_since_last"]]
      customer_id  n_orders  total_spend  days_since_last
    0           a         2         30.0              0.0
    1           b         1          5.0              6.0
    2           c         0          0.0              NaN
    """
    check_frame(customers, name="customers")
    check_columns(customers, [customer], name="customers")
    check_id_column(customers, customer, name="customers")
    check_unique(customers, customer, name="customers")
    if as_of is None:
        as_of = _latest([(transactions, time), (events, time)])
        if as_of is None:
            as_of = _latest([(customers, "last_updated")])
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else None
    if as_of_ts is not None and as_of_ts.tzinfo is not None:
        as_of_ts = as_of_ts.tz_convert("UTC").tz_localize(None)

    out = customers.copy()
    ids = out[customer]
    counts: dict[str, int] = {}
    last_parts = []

    if transactions is not None:
        table = _rfm(transactions, customer=customer, time=time, value=value, as_of=as_of_ts)
        if len(table) and not table.index.isin(ids).any():
            raise MicrosegError(
                f"no {customer!r} of transactions matches one of customers (dtypes "
                f"{transactions[customer].dtype} and {customers[customer].dtype}); make the ids the same type, "
                f"e.g. .astype(str) on both."
            )
        counts["customers in transactions but not in customers"] = int((~table.index.isin(ids)).sum())
        t = table.reindex(ids)
        out["days_since_last"] = t["days_since_last"].to_numpy(dtype="float64", na_value=np.nan)
        out["n_orders"] = t["n_orders"].fillna(0).astype("int64").to_numpy()
        out["total_spend"] = t["total_spend"].fillna(0.0).to_numpy()
        out["mean_order_value"] = t["mean_order_value"].to_numpy()
        out["tenure_days"] = t["tenure_days"].to_numpy(dtype="float64", na_value=np.nan)
        clv_cols, clv_counts = _clv_columns(transactions, customer, time, value, as_of_ts, min_repeat_buyers,
                                            clv_horizon, ids)
        for col, values in clv_cols.items():
            out[col] = values
        counts.update(clv_counts)
        last_parts.append(_last_time(transactions, customer=customer, time=time, as_of=as_of_ts).reindex(ids))

    if events is not None:
        check_frame(events, name="events")
        check_columns(events, [customer, time, event], name="events")
        steps = funnel_steps
        if steps is None:
            present = set(pd.unique(events[event].dropna()))
            steps = [s for s in DEFAULT_FUNNEL_STEPS if s in present]
        if len(steps) >= 2:
            from ..segment import funnel

            f = funnel(events, steps, customer=customer, time=time, event=event, window=None, as_of=as_of_ts)
            out["furthest_step"] = f.customers["furthest_step"].reindex(ids).to_numpy()
        ev = events[events[customer].notna()]
        last_parts.append(_last_time(ev, customer=customer, time=time, as_of=as_of_ts).reindex(ids))

    if last_parts:
        last = pd.concat([p.reset_index(drop=True) for p in last_parts], axis=1).max(axis=1)
        out["last_activity"] = last.to_numpy()
        out["days_since_activity"] = ((as_of_ts - last) / _DAY).to_numpy()

    cols = set(customers.columns)
    if "opted_out" in cols:
        opted_out = customers["opted_out"].fillna(True).astype(bool).to_numpy()
        for src, dst in (("email_opt_in", "contactable_email"), ("ads_opt_in", "contactable_ads")):
            if src in cols:
                out[dst] = customers[src].fillna(False).astype(bool).to_numpy() & ~opted_out
    if "last_updated" in cols and as_of_ts is not None and pd.api.types.is_datetime64_any_dtype(customers["last_updated"]):
        lu = customers["last_updated"]
        if isinstance(lu.dtype, pd.DatetimeTZDtype):
            lu = lu.dt.tz_convert("UTC").dt.tz_localize(None)
        out["days_since_update"] = ((as_of_ts - lu) / _DAY).to_numpy()

    if survey_scores is not None:
        out = _join_survey(out, survey_scores, customer)

    report_rows(out, counts, what="rows")
    out.attrs["as_of"] = as_of_ts
    return out


def _rfm(transactions, **kw) -> pd.DataFrame:
    from ..segment import rfm

    return rfm(transactions, convention="analyst", **kw)


def _clv_columns(transactions, customer, time, value, as_of, min_repeat_buyers, horizon, ids) -> dict:
    from ..segment import clv
    from ..segment import rfm

    nan = np.full(len(ids), np.nan)
    empty = {"expected_purchases": nan, "probability_alive": nan, "clv": nan.copy()}
    if horizon is None:
        return {}, {}
    with warnings.catch_warnings():  # the same rows were already reported by the analyst table
        warnings.simplefilter("ignore", DataQualityWarning)
        summary = rfm(transactions, customer=customer, time=time, value=value, as_of=as_of, convention="btyd")
    n_buyers = int(summary.index.isin(ids).sum())
    n_repeat = int((summary["frequency"] > 0).sum())
    if n_repeat < min_repeat_buyers:
        why = f"{n_repeat} repeat buyers, fewer than min_repeat_buyers = {min_repeat_buyers}"
        return empty, {f"buyers without CLV ({why})": n_buyers}
    try:
        c = clv(summary, horizon=horizon, alpha=None).reindex(ids)
    except MicrosegError as exc:
        return empty, {f"buyers without CLV (the CLV models could not be fitted: {exc})": n_buyers}
    cols = {k: c[k].to_numpy() for k in ("expected_purchases", "probability_alive", "clv")}
    return cols, {}


def _join_survey(out: pd.DataFrame, survey: pd.DataFrame, customer: str) -> pd.DataFrame:
    check_frame(survey, name="survey_scores")
    s = survey.set_index(customer) if customer in survey.columns else survey
    if s.index.has_duplicates:
        raise MicrosegError(
            f"survey_scores has {int(s.index.duplicated().sum())} repeated customer ids; one row per customer."
        )
    s = s.rename(columns={c: f"{c}_survey" for c in s.columns if c in out.columns})
    joined = s.reindex(out[customer])
    for c in joined.columns:
        out[c] = joined[c].to_numpy()
    return out
