"""Funnels: who took which steps of the purchase journey, in order, within a window; who dropped off where."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import _dask
from .._dask import is_dask
from .._transactions import _PARALLEL_MIN_ROWS, _factorize, as_timestamp, wall_ticks
from .._validation import (
    check_columns,
    check_datetime,
    check_frame,
    check_id_column,
    report_rows,
)
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
    events : DataFrame or dask.dataframe.DataFrame
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
    A Dask DataFrame gives the same result: the step events are shuffled by
    customer once and every partition's customers computed with the global
    reference date.

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
    if is_dask(events):
        return funnel_dask(events, steps, customer=customer, time=time, event=event, window=window, by=by,
                           order=order, as_of=as_of)  # fmt: skip
    check_frame(events, name="events")
    check_columns(events, [event], name="events")
    steps, w_ns = _check_options(steps, order, window)
    step, n_step = _step_codes(events[event], steps)
    _check_present(steps, n_step, events[event], event)
    prep = _prepare(events, step, customer=customer, time=time, as_of=as_of)
    column = rank = None
    if isinstance(by, str):
        check_columns(events, [by], name="events")
        column = events[by].to_numpy(dtype=object)[prep["rows"]]
        rank = prep["rows"]
    elif by is not None and not isinstance(by, pd.Series):
        raise MicrosegError(f"by must be a column name of events or a Series indexed by {customer!r}, got {type(by).__name__}.")
    part = _customers(prep, steps, w_ns, order, column, rank)
    return _summarise([part], steps, w_ns, order, by, prep["counts"], stacklevel=4)


def _check_options(steps, order, window):
    steps = list(steps)
    if len(steps) < 2:
        raise MicrosegError(f"a funnel needs at least two steps, got {steps!r}.")
    if len(set(steps)) != len(steps):
        raise MicrosegError(f"funnel steps must be distinct, got {steps!r}.")
    if order not in ("strict", "any"):
        raise MicrosegError(f"order must be 'strict' or 'any', got {order!r}.")
    return steps, _window_ns(window)


def _step_codes(col: pd.Series, steps: list) -> tuple[np.ndarray, np.ndarray]:
    """Step number per row (-1: not a step) and rows per step, from the categorical codes when there are some."""
    lookup = pd.Index(steps)
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        uniques = col.cat.categories
    else:
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
    of_level = np.append(lookup.get_indexer(pd.Index(uniques, dtype=object)), -1).astype(np.int8 if len(steps) < 127 else np.int64)
    step = of_level[codes]  # code -1 (missing) takes the appended -1
    return step, np.bincount(step[step >= 0], minlength=len(steps))


def _check_present(steps, n_step, col, event):
    missing = [s for s, n in zip(steps, n_step) if n == 0]
    if missing:
        examples = sorted(map(str, set(pd.unique(pd.Series(col).dropna()))))[:10]
        raise MicrosegError(
            f"funnel steps {missing} never occur in column {event!r} of events; "
            f"its values include {examples}. Check the spelling of the steps."
        )


def _prepare(events, step, *, customer, time, as_of):
    """The rules of :func:`~microseg._transactions.prepare_log` on events, but customer ids factorised on the
    usable step rows only (the other events never enter the funnel)."""
    check_id_column(events, customer, name="events")
    check_datetime(events, time, name="events")
    ticks, t_missing = wall_ticks(events[time])
    ids = events[customer]
    c_missing = ids.isna().to_numpy()
    keep = ~c_missing
    counts = {"missing timestamp": int((t_missing & keep).sum())}
    keep &= ~t_missing
    if not keep.any():
        raise MicrosegError("events has no usable rows (every row lacks a customer id, timestamp or amount).")
    if as_of is None:
        as_of_ts = pd.Timestamp(int(ticks[keep].max()), unit="ns")
    else:
        as_of_ts = as_timestamp(as_of, events[time].dt.tz)
        first_ns = int(ticks[keep].min())
        if as_of_ts.value < first_ns:
            raise MicrosegError(
                f"as_of={as_of_ts} is before the first row of events ({pd.Timestamp(first_ns, unit='ns')}); "
                "pass a later date, or None for the latest timestamp in the data."
            )
    after = ticks > as_of_ts.value
    counts["after as_of"] = int((after & keep).sum())
    counts["anonymous events (no customer id)"] = int(c_missing.sum())
    use = keep & ~after & (step >= 0)
    rows = np.flatnonzero(use)
    codes, uniques = _factorize_rows(ids, use, len(rows))
    return {"codes": codes.astype(np.int64, copy=False), "ids": pd.Index(uniques, name=customer), "ticks": ticks[rows],
            "step": step[rows], "as_of": as_of_ts, "counts": counts, "rows": rows}  # fmt: skip


def _factorize_rows(ids: pd.Series, use: np.ndarray, n_used: int) -> tuple[np.ndarray, pd.Index]:
    """Codes and uniques of ``ids[use]`` (no missing id among them), in order of first appearance.

    Arrow text (as read from Parquet: hundreds of chunks) is filtered and
    dictionary-encoded in contiguous runs of chunks on two threads, without
    first gathering the rows into one array; the run dictionaries are then
    unified. Anything else goes through :func:`~microseg._transactions._factorize`.
    """
    pa_array = getattr(ids.array, "_pa_array", None)
    if pa_array is None or n_used < _PARALLEL_MIN_ROWS or pa_array.num_chunks < 2 or not hasattr(pa_array, "chunks"):
        # a boolean mask filters Arrow text chunk by chunk; positions (iloc) would gather across chunks, 6x slower
        return _factorize(ids[use] if n_used < len(ids) else ids)
    import pyarrow as pa
    import pyarrow.compute as pc

    chunks = pa_array.chunks
    if any(isinstance(c, pa.DictionaryArray) for c in chunks[:1]):
        return _factorize(ids[use] if n_used < len(ids) else ids)
    bounds = np.cumsum([0] + [len(c) for c in chunks])
    half = np.searchsorted(bounds, bounds[-1] / 2)
    runs = [(0, half), (half, len(chunks))]

    def encode(run):
        a, b = run
        parts = [pc.filter(chunks[i], pa.array(use[bounds[i]:bounds[i + 1]])) for i in range(a, b)]
        arr = pa.concat_arrays(parts) if parts else pa.array([], type=pa_array.type)
        return pc.dictionary_encode(arr)

    with ThreadPoolExecutor(2) as ex:
        encoded = list(ex.map(encode, runs))
    merged = pc.dictionary_encode(pa.concat_arrays([e.dictionary for e in encoded]))
    remap = merged.indices.to_numpy()
    codes, offset = [], 0
    for e in encoded:
        codes.append(remap[offset:offset + len(e.dictionary)][e.indices.to_numpy()])
        offset += len(e.dictionary)
    d = merged.dictionary
    uniques = pd.Index(pd.array(d, dtype=ids.dtype) if ids.dtype == "str" else d.to_pandas())
    return np.concatenate(codes), uniques


def _customers(prep, steps, w_ns, order, column=None, rank=None) -> dict:
    """Per customer who did step 1: start, window end, time to reach each step; and the ``by`` column's value
    at the first step-1 event (ties: the lowest ``rank``, the input row order)."""
    codes, ticks, s = prep["codes"], prep["ticks"], prep["step"]
    n, K = len(prep["ids"]), len(steps)
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
    idx = np.flatnonzero(started)
    group = None
    if column is not None:
        first_rows = np.flatnonzero(m0 & (ticks == start[codes]))
        r = rank[first_rows]
        best = np.full(n, _NEVER, dtype=np.int64)
        np.minimum.at(best, codes[first_rows], r)
        chosen = first_rows[r == best[codes[first_rows]]]
        group = np.empty(n, dtype=object)
        group[codes[chosen]] = column[chosen]
        group = group[idx]
    return {"ids": prep["ids"][idx], "start": start[idx], "end": end[idx], "reach": reach_t[:, idx],
            "as_of_ns": prep["as_of"].value, "group": group}  # fmt: skip


def _summarise(parts: list[dict], steps, w_ns, order, by, counts, *, stacklevel) -> FunnelResult:
    """The result from the customers of one log or of several (Dask partitions: disjoint customers)."""
    K = len(steps)
    ids = parts[0]["ids"].append([q["ids"] for q in parts[1:]]) if len(parts) > 1 else parts[0]["ids"]
    start = np.concatenate([q["start"] for q in parts])
    end = np.concatenate([q["end"] for q in parts])
    reach_t = np.concatenate([q["reach"] for q in parts], axis=1)
    perm = ids.argsort()
    ids, start, end, reach_t = ids[perm], start[perm], end[perm], reach_t[:, perm]
    reached = reach_t != _NEVER
    n_steps = reached.sum(axis=0)
    med = []
    for k in range(K):
        d = reach_t[k][reached[k]] - start[reached[k]]
        med.append(pd.Timedelta(int(np.median(d)), unit="ns") if len(d) else pd.NaT)
    n_k = reached.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        conv = n_k / n_k[0]
        step_conv = np.r_[1.0, n_k[1:] / n_k[:-1]]
    steps_df = pd.DataFrame(
        {"customers": n_k.astype("int64"), "conversion": conv, "step_conversion": step_conv,
         "median_time": pd.to_timedelta(pd.Series(med, dtype="timedelta64[ns]")).to_numpy()},
        index=pd.Index(steps, name="step"),
    )  # fmt: skip
    conv_last = reach_t[K - 1]
    as_of_ns = parts[0]["as_of_ns"]
    customers = pd.DataFrame(
        {
            "start": pd.to_datetime(start.view("datetime64[ns]")),
            "n_steps": n_steps.astype("int64"),
            "furthest_step": pd.Categorical.from_codes(n_steps - 1, categories=steps, ordered=True),
            "converted": conv_last != _NEVER,
            "time_to_convert": pd.to_timedelta(np.where(conv_last != _NEVER, conv_last - start, np.iinfo(np.int64).min).view("timedelta64[ns]")),
            "window_complete": (end <= as_of_ns) if w_ns is not None else np.zeros(len(ids), dtype=bool),
        },
        index=ids,
    )
    by_group = None
    if by is not None:
        if isinstance(by, pd.Series):
            group = by.reindex(ids).to_numpy()
        else:
            group = np.concatenate([q["group"] for q in parts])[perm]
        g = pd.DataFrame({"group": group, "n_steps": customers["n_steps"].to_numpy()})
        rows = []
        for k, name in enumerate(steps):
            reached_k = (g["n_steps"] > k).groupby(g["group"], observed=True, dropna=False).sum()
            rows.append(pd.DataFrame({"group": reached_k.index, "step": name, "customers": reached_k.to_numpy()}))
        by_group = pd.concat(rows, ignore_index=True)
        base = by_group[by_group["step"] == steps[0]].set_index("group")["customers"]
        by_group["conversion"] = by_group["customers"] / by_group["group"].map(base).to_numpy()
        by_group["step"] = pd.Categorical(by_group["step"], categories=steps, ordered=True)
        by_group = by_group.sort_values(["group", "step"], kind="stable").reset_index(drop=True)
    report_rows(steps_df, counts, what="event rows", stacklevel=stacklevel)
    return FunnelResult(steps_df, customers, by_group, None if w_ns is None else pd.Timedelta(w_ns, unit="ns"),
                        order, counts)  # fmt: skip


# --------------------------------------------------------------------------- Dask input
_ROW = "__microseg_row__"  # the input row order carried through the shuffle (ties of the first step-1 event)


def _steps_in(part, event, steps):
    return _step_codes(part[event], steps)[1]


def _is_step(part, event, steps):
    return part[event].isin(steps).to_numpy()


def _funnel_part(part, steps, customer, time, event, as_of_ts, w_ns, order, by):
    if len(part) == 0:
        return None
    step, _ = _step_codes(part[event], steps)
    prep = _prepare(part, step, customer=customer, time=time, as_of=as_of_ts)
    column = rank = None
    if isinstance(by, str):
        column = part[by].to_numpy(dtype=object)[prep["rows"]]
        rank = part[_ROW].to_numpy(dtype=np.int64)[prep["rows"]]
    return _customers(prep, steps, w_ns, order, column, rank)


def funnel_dask(events, steps, *, customer, time, event, window, by, order, as_of) -> FunnelResult:
    """:func:`funnel` on a Dask DataFrame: the same result as the pandas function on the same rows.

    One pass counts the rows left out, finds the reference date and checks
    that every step occurs; the usable step events are then shuffled by
    customer (see :mod:`microseg._dask`), each partition's customers computed
    with the global reference date, and the summary (counts, medians,
    breakdown) computed once from all customers, by the pandas code.
    """
    from functools import partial

    from dask import delayed

    _dask.require_dask("ms.funnel()")
    by = _dask.collect(by)  # a Dask Series of groups per customer: one value per customer, computed once
    steps, w_ns = _check_options(steps, order, window)
    if by is not None and not isinstance(by, (str, pd.Series)):
        raise MicrosegError(f"by must be a column name of events or a Series indexed by {customer!r}, got {type(by).__name__}.")
    extra = [event] + ([by] if isinstance(by, str) else [])
    meta, cols = _dask.check_log_meta(events, customer, time, None, extra=extra, name="events")
    as_of_ts, counts, per_part = _dask.reference_date(events, meta, cols, customer, time, None, as_of, name="events",
                                                      also=partial(_steps_in, event=event, steps=steps))  # fmt: skip
    n_step = np.sum(per_part, axis=0)
    if (n_step == 0).any():
        _check_present(steps, n_step, events[event].dropna().unique().compute(), event)
    counts = {"missing timestamp": counts["missing timestamp"], "after as_of": counts["after as_of"],
              "anonymous events (no customer id)": counts["missing customer id"]}  # fmt: skip
    src, src_cols = events[cols], cols
    if isinstance(by, str):
        src = _dask.with_row_order(src, _ROW)
        src_cols = cols + [_ROW]
    shuffled = _dask.shuffled_log(src, src._meta, src_cols, customer, time, None, as_of_ts,
                                  where=partial(_is_step, event=event, steps=steps))  # fmt: skip
    out = _dask.compute(*[
        delayed(_funnel_part)(p, steps, customer, time, event, as_of_ts, w_ns, order, by)
        for p in _dask.partitions(shuffled)
    ])  # fmt: skip
    parts = [q for q in out if q is not None] or [{
        "ids": pd.Index([], name=customer, dtype=meta[customer].dtype), "start": np.zeros(0, np.int64),
        "end": np.zeros(0, np.int64), "reach": np.zeros((len(steps), 0), np.int64), "as_of_ns": as_of_ts.value,
        "group": np.zeros(0, dtype=object)}]  # fmt: skip
    return _summarise(parts, steps, w_ns, order, by, counts, stacklevel=4)
