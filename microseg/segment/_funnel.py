"""Funnels: who took which steps of the purchase journey, in order, within a window; who dropped off where."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._transactions import prepare_log
from .._validation import check_columns, check_frame, report_rows
from ..errors import MicrosegError

__all__ = ["funnel", "FunnelResult"]

_NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class FunnelResult:
    """Result of :func:`funnel`.

    Attributes
    ----------
    steps : DataFrame
        One row per step: ``customers`` (unique customers who reached it),
        ``conversion`` (share of step-1 customers), ``step_conversion`` (share
        of the previous step) and ``median_time`` (median time from the first
        step to reaching this one).
    customers : DataFrame
        One row per customer who did step 1: ``start``, ``n_steps`` (steps
        reached), ``furthest_step``, ``converted`` (reached the last step),
        ``time_to_convert`` and ``window_complete`` (False when the window
        runs past ``as_of``, so the customer may still convert).
    by_group : DataFrame or None
        With ``by=``: customers and conversion per group and step (long format).
    window : Timedelta or None
    order : str
    rows : dict
        Event rows left out per rule.
    """

    steps: pd.DataFrame
    customers: pd.DataFrame
    by_group: pd.DataFrame | None = None
    window: pd.Timedelta | None = None
    order: str = "strict"
    rows: dict = field(default_factory=dict)

    @property
    def step_names(self) -> list:
        return list(self.steps.index)

    def drop_off(self, step) -> pd.Index:
        """Customers who reached ``step`` (a name or 1-based number) but not the next one.

        For the last step this is everyone who converted.
        """
        names = self.step_names
        if isinstance(step, (int, np.integer)) and step not in names:
            if not 1 <= step <= len(names):
                raise MicrosegError(f"step must be 1..{len(names)} or a step name, got {step!r}.")
            k = int(step)
        else:
            if step not in names:
                raise MicrosegError(f"unknown step {step!r}; the steps are {names}.")
            k = names.index(step) + 1
        c = self.customers
        return c.index[c["n_steps"].to_numpy() == k]

    def drop_offs(self) -> pd.DataFrame:
        """Counts of customers dropping off after each step (the last row: converted)."""
        n = self.customers["n_steps"].value_counts().reindex(range(1, len(self.steps) + 1), fill_value=0)
        return pd.DataFrame({"customers": n.to_numpy()}, index=self.steps.index)

    def to_frame(self) -> pd.DataFrame:
        return self.steps.copy()

    def plot(self, ax=None):
        from ..plot import plot_funnel

        return plot_funnel(self, ax=ax)

    def __repr__(self) -> str:
        s = self.steps
        return (f"FunnelResult({len(s)} steps, {int(s['customers'].iloc[0]):,} started, "
                f"{int(s['customers'].iloc[-1]):,} converted ({s['conversion'].iloc[-1]:.1%}), order={self.order!r})")

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return f"<p>{self!r}</p>" + format_table(self.steps, max_rows=None).html


def _window_ns(window) -> int | None:
    if window is None:
        return None
    try:
        td = pd.Timedelta(window)
    except (TypeError, ValueError):
        raise MicrosegError(f"window must be a duration such as '7D' or '12h', or None; got {window!r}.") from None
    if td <= pd.Timedelta(0):
        raise MicrosegError(f"window must be positive, got {window!r}.")
    return int(td.value)


def funnel(
    events: pd.DataFrame,
    steps: Sequence,
    *,
    customer: str = "customer_id",
    time: str = "timestamp",
    event: str = "event",
    window="7D",
    by=None,
    order: str = "strict",
    as_of=None,
) -> FunnelResult:
    """Funnel of ``steps``: per-step customers, conversion, time to convert, furthest step and drop-offs.

    Each customer's window starts at their first step-1 event and lasts
    ``window``. With ``order="strict"`` step k counts only after step k-1 was
    reached (same timestamp allowed); with ``order="any"`` a customer reaches
    step k when steps 1..k all occur in the window, in any order.

    Parameters
    ----------
    events : DataFrame
        One row per event: customer id, timestamp, event name.
    steps : sequence
        Event names, in funnel order (at least two).
    customer, time, event : str
        Column names.
    window : duration or None, default "7D"
        ``None``: no time limit.
    by : str or Series, optional
        A column of ``events`` (its value at the customer's first step-1
        event) or a Series of groups indexed by customer id: conversion per group.
    order : {"strict", "any"}
    as_of : date-like, optional
        Events after it are excluded and reported.

    Returns
    -------
    FunnelResult

    Notes
    -----
    Events without a customer id (anonymous visitors) are dropped and reported.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> ev = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b", "c"],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03",
    ...                                                 "2024-01-01", "2024-01-20", "2024-01-05"]),
    ...                    "event": ["view", "cart", "purchase", "view", "cart", "view"]})
    >>> f = ms.funnel(ev, ["view", "cart", "purchase"], window="7D")
    >>> f.steps["customers"].tolist()
    [3, 1, 1]
    >>> list(f.drop_off("view"))
    ['b', 'c']
    """
    check_frame(events, name="events")
    check_columns(events, [event], name="events")
    steps = list(steps)
    if len(steps) < 2:
        raise MicrosegError(f"a funnel needs at least two steps, got {steps!r}.")
    if len(set(steps)) != len(steps):
        raise MicrosegError(f"funnel steps must be distinct, got {steps!r}.")
    if order not in ("strict", "any"):
        raise MicrosegError(f"order must be 'strict' or 'any', got {order!r}.")
    w_ns = _window_ns(window)
    present = set(pd.unique(events[event].dropna()))
    missing = [s for s in steps if s not in present]
    if missing:
        examples = sorted(map(str, present))[:10]
        raise MicrosegError(
            f"funnel steps {missing} never occur in column {event!r} of events; "
            f"its values include {examples}. Check the spelling of the steps."
        )
    log = prepare_log(events, customer=customer, time=time, as_of=as_of, name="events")
    counts = dict(log.counts)
    counts["anonymous events (no customer id)"] = counts.pop("missing customer id")
    ev = events[event] if log.keep is None else events[event][log.keep]
    lookup = pd.Index(steps)
    step_code = lookup.get_indexer(ev.astype(object)).astype(np.int64)
    on = step_code >= 0
    codes, ticks, s = log.codes[on], log.ticks[on], step_code[on]
    n, K = log.n_customers, len(steps)

    start = np.full(n, _NEVER, dtype=np.int64)
    m0 = s == 0
    np.minimum.at(start, codes[m0], ticks[m0])
    started = start != _NEVER
    end = np.where(started, start + w_ns, _NEVER) if w_ns is not None else np.full(n, _NEVER)
    end = np.where(started & (end < start), _NEVER, end)  # overflow guard

    reach_t = np.full((K, n), _NEVER, dtype=np.int64)
    reach_t[0] = start
    alive = started.copy()
    prev = start.copy()
    for k in range(1, K):  # a loop over steps; each step is vectorised over customers
        mk = s == k
        ck, tk = codes[mk], ticks[mk]
        lower = prev[ck] if order == "strict" else start[ck]
        ok = alive[ck] & (tk >= lower) & (tk <= end[ck])
        first_k = np.full(n, _NEVER, dtype=np.int64)
        np.minimum.at(first_k, ck[ok], tk[ok])
        alive &= first_k != _NEVER
        if order == "strict":
            prev = first_k
            reach_t[k] = np.where(alive, first_k, _NEVER)
        else:
            prev = np.maximum(prev, np.where(alive, first_k, prev))
            reach_t[k] = np.where(alive, prev, _NEVER)
    reached = reach_t != _NEVER
    n_steps = reached.sum(axis=0)

    idx = np.flatnonzero(started)
    step_names = pd.Index(steps, name="step")
    times = {}
    med = []
    for k in range(K):
        r = reached[k, idx]
        d = reach_t[k, idx][r] - start[idx][r]
        med.append(pd.Timedelta(int(np.median(d)), unit="ns") if len(d) else pd.NaT)
    n_k = reached[:, idx].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        conv = n_k / n_k[0]
        step_conv = np.r_[1.0, n_k[1:] / n_k[:-1]]
    steps_df = pd.DataFrame(
        {"customers": n_k.astype("int64"), "conversion": conv, "step_conversion": step_conv,
         "median_time": pd.to_timedelta(pd.Series(med, dtype="timedelta64[ns]")).to_numpy()},
        index=step_names,
    )
    conv_last = reach_t[K - 1, idx]
    customers = pd.DataFrame(
        {
            "start": pd.to_datetime(start[idx].view("datetime64[ns]")),
            "n_steps": n_steps[idx].astype("int64"),
            "furthest_step": pd.Categorical.from_codes(n_steps[idx] - 1, categories=steps, ordered=True),
            "converted": conv_last != _NEVER,
            "time_to_convert": pd.to_timedelta(np.where(conv_last != _NEVER, conv_last - start[idx], np.iinfo(np.int64).min).view("timedelta64[ns]")),
            "window_complete": (end[idx] <= log.as_of_ns) if w_ns is not None else np.zeros(len(idx), dtype=bool),
        },
        index=log.ids[idx],
    )
    customers = customers.iloc[customers.index.argsort()]
    by_group = None
    if by is not None:
        group = _groups(events, by, log, on, m0, codes, ticks, start, customers.index, customer)
        g = pd.DataFrame({"group": group.to_numpy(), "n_steps": customers["n_steps"].to_numpy()})
        rows = []
        for k, name in enumerate(steps):
            reached_k = (g["n_steps"] > k).groupby(g["group"], observed=True, dropna=False).sum()
            rows.append(pd.DataFrame({"group": reached_k.index, "step": name, "customers": reached_k.to_numpy()}))
        by_group = pd.concat(rows, ignore_index=True)
        base = by_group[by_group["step"] == steps[0]].set_index("group")["customers"]
        by_group["conversion"] = by_group["customers"] / by_group["group"].map(base).to_numpy()
        by_group["step"] = pd.Categorical(by_group["step"], categories=steps, ordered=True)
        by_group = by_group.sort_values(["group", "step"], kind="stable").reset_index(drop=True)
    report_rows(steps_df, counts, what="event rows")
    return FunnelResult(steps_df, customers, by_group, None if w_ns is None else pd.Timedelta(w_ns, unit="ns"),
                        order, counts)


def _groups(events, by, log, on, m0, codes, ticks, start, ids, customer) -> pd.Series:
    if isinstance(by, pd.Series):
        return by.reindex(ids).rename("group")
    if isinstance(by, str):
        check_columns(events, [by], name="events")
        col = events[by] if log.keep is None else events[by][log.keep]
        col = col.to_numpy()[on]
        first_rows = m0 & (ticks == start[codes])
        g = pd.Series(col[first_rows], index=log.ids[codes[first_rows]])
        g = g[~g.index.duplicated()]
        return g.reindex(ids).rename("group")
    raise MicrosegError(f"by must be a column name of events or a Series indexed by {customer!r}, got {type(by).__name__}.")
