"""Send time: response by weekday and hour per segment, with Wilson intervals, and the best window.

The best window of a segment is the weekday x hour cell with the highest
lower Wilson bound among the cells with at least ``min_count`` sends: the
cell we are most confident responds well, not the lucky small cell with the
highest raw rate. A segment without any such cell gets no window, and the
``note`` column says so.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import check_columns, check_datetime, check_frame, check_id_column, report_rows
from ..errors import MicrosegError, SchemaError

__all__ = ["send_time", "SendTimeResult", "wilson_interval", "WEEKDAYS"]

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def wilson_interval(successes, n, *, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a proportion (vectorised); NaN where ``n`` is 0.

    Examples
    --------
    >>> lo, hi = wilson_interval(10, 100)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.0552, 0.1744)
    """
    x = np.asarray(successes, dtype="float64")
    n = np.asarray(n, dtype="float64")
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return centre - half, centre + half


@dataclass(frozen=True, repr=False)
class SendTimeResult:
    """Response by segment, weekday and hour, and the best window per segment.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment, weekday and hour with sends: ``segment``,
        ``weekday`` (ordered category Monday..Sunday), ``hour`` (start of the
        hour block), ``sent``, ``responses``, ``rate``, ``low``, ``high``
        (Wilson interval).
    best : pandas.DataFrame
        One row per segment (index ``segment``): the best ``weekday``,
        ``hour``, its ``sent``, ``rate``, ``low``, ``high``, the segment's
        overall ``segment_rate``, and ``note`` (empty, or why there is no window).
    response : str
    min_count : int
    hour_block : int
    """

    table: pd.DataFrame
    best: pd.DataFrame
    response: str
    min_count: int
    hour_block: int

    def heatmap(self, segment=None) -> pd.DataFrame:
        """Response rate as a weekday x hour grid for one segment (default: all segments pooled)."""
        t = self.table if segment is None else self.table[self.table["segment"] == segment]
        if segment is not None and t.empty:
            raise MicrosegError(f"no segment {segment!r}; segments are {self.best.index.tolist()}.")
        g = t.groupby(["weekday", "hour"], observed=True)[["sent", "responses"]].sum()
        rate = (g["responses"] / g["sent"]).unstack("hour")
        return rate.reindex(index=pd.CategoricalIndex(WEEKDAYS, categories=WEEKDAYS, ordered=True, name="weekday"))

    def to_frame(self) -> pd.DataFrame:
        """The best window per segment (a copy)."""
        return self.best.copy()

    def plot(self, segment=None, ax=None, **kwargs):
        """Heatmap of response by weekday and hour (see :func:`microseg.plot.plot_send_time_heatmap`)."""
        from ..plot import plot_send_time_heatmap

        return plot_send_time_heatmap(self, segment=segment, ax=ax, **kwargs)

    def __repr__(self) -> str:
        ok = int((self.best["note"] == "").sum())
        return (
            f"SendTimeResult({self.response}: {len(self.best)} segments, {ok} with a best window "
            f"(cells of >= {self.min_count} sends), {int(self.table['sent'].sum()):,} sends)"
        )

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return f"<p><b>{self!r}</b></p>" + format_table(self.best, max_rows=None).html


def send_time(
    contacts: pd.DataFrame,
    *,
    response: Hashable = "opened",
    time: Hashable = "sent_at",
    segments=None,
    customer: Hashable = "customer_id",
    min_count: int = 100,
    hour_block: int = 1,
    alpha: float = 0.05,
) -> SendTimeResult:
    """Response rate by weekday and hour of sending, per segment, with the best window.

    Parameters
    ----------
    contacts : pandas.DataFrame
        One row per message sent (leave out control rows that were not sent).
    response : str
        Boolean response column (``opened``, ``clicked``, ``converted``).
    time : str
        Send timestamp column.
    segments : str, Series or None
        A column of ``contacts``; or a Series of labels indexed by customer id
        (e.g. ``customers.set_index("customer_id")["segment"]``), matched via
        ``customer``; or None for one segment ``"all"``.
    min_count : int
        Sends a cell needs before it can be a best window.
    hour_block : int
        Width of the hour blocks (1: every hour; 3: 0-2, 3-5, ...).
    alpha : float
        1 - confidence level of the Wilson intervals.

    Returns
    -------
    SendTimeResult

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.to_datetime(["2024-01-01 09:00"] * 200 + ["2024-01-02 18:00"] * 200)
    >>> df = pd.DataFrame({"sent_at": t, "opened": [True] * 40 + [False] * 160 + [True] * 80 + [False] * 120})
    >>> r = send_time(df, min_count=50)
    >>> r.best[["weekday", "hour", "rate"]].reset_index().to_dict("records")
    [{'segment': 'all', 'weekday': 'Tuesday', 'hour': 18, 'rate': 0.4}]
    """
    check_frame(contacts, name="contacts")
    check_columns(contacts, [response, time], name="contacts")
    check_datetime(contacts, time, name="contacts")
    y = contacts[response]
    if y.dtype == object and pd.api.types.infer_dtype(y, skipna=True) in ("boolean", "empty"):
        y = y.astype("boolean")  # True/False with missing values, stored as objects
    if not (pd.api.types.is_bool_dtype(y) or pd.api.types.is_numeric_dtype(y)):
        raise MicrosegError(f"response column {response!r} must be boolean or 0/1, found dtype {y.dtype}; convert it, "
                            f"e.g. contacts[{response!r}].map({{'yes': True, 'no': False}}).")  # fmt: skip
    v = y.to_numpy(dtype="float64", na_value=np.nan)
    odd = ~np.isnan(v) & (v != 0) & (v != 1)
    if odd.any():
        raise SchemaError(
            f"response column {response!r} must hold True/False or 0/1 (missing allowed, counted and left out); "
            f"{int(odd.sum()):,} values are neither (e.g. {pd.unique(v[odd])[:3].tolist()}). Map them to 0/1, or set "
            "them to missing if the response is unknown."
        )
    if int(hour_block) < 1 or 24 % int(hour_block):
        raise MicrosegError(f"hour_block must divide 24 (1, 2, 3, 4, 6, 8, 12 or 24), got {hour_block!r}.")
    hour_block = int(hour_block)
    if segments is None:
        labels = pd.Series("all", index=contacts.index, dtype=object)
    elif isinstance(segments, pd.Series) and not segments.index.equals(contacts.index):
        check_columns(contacts, [customer], name="contacts")
        check_id_column(contacts, customer, name="contacts")
        if segments.index.duplicated().any():
            raise MicrosegError("segments indexed by customer id must have one label per customer (its index repeats).")
        labels = contacts[customer].map(segments)
    elif isinstance(segments, str):
        check_columns(contacts, [segments], name="contacts")
        labels = contacts[segments]
    else:
        labels = pd.Series(np.asarray(segments), index=contacts.index)
    yv = y.astype("float64")
    ts = contacts[time]
    bad = {
        "missing send time": int(ts.isna().sum()),
        "missing response": int((yv.isna() & ts.notna()).sum()),
        "no segment": int((labels.isna() & ts.notna() & yv.notna()).sum()),
    }
    keep = ts.notna() & yv.notna() & labels.notna()
    report_rows(None, bad, what="contacts", stacklevel=3)
    frame = pd.DataFrame(
        {
            "segment": labels[keep].to_numpy(),
            "weekday": pd.Categorical.from_codes(ts[keep].dt.day_of_week.to_numpy(), categories=list(WEEKDAYS), ordered=True),
            "hour": (ts[keep].dt.hour.to_numpy() // hour_block) * hour_block,
            "y": yv[keep].to_numpy(),
        }
    )
    g = frame.groupby(["segment", "weekday", "hour"], observed=True, sort=True)["y"]
    table = g.agg(sent="size", responses="sum").reset_index()
    table["responses"] = table["responses"].astype(np.int64)
    table["rate"] = table["responses"] / table["sent"]
    table["low"], table["high"] = wilson_interval(table["responses"], table["sent"], alpha=alpha)

    seg_tot = frame.groupby("segment", sort=True)["y"].agg(["size", "mean"])
    ok = table[table["sent"] >= min_count]
    top = ok.sort_values(["segment", "low", "sent"], ascending=[True, False, False]).groupby("segment", sort=True).head(1)
    best = top.set_index("segment")[["weekday", "hour", "sent", "rate", "low", "high"]].reindex(seg_tot.index)
    largest = table.groupby("segment")["sent"].max().reindex(seg_tot.index)
    best["weekday"] = best["weekday"].astype(object)
    best["segment_rate"] = seg_tot["mean"]
    note = np.where(
        best["rate"].isna(),
        [f"not enough data: the largest weekday x hour cell has {int(m)} sends, fewer than min_count={min_count}" for m in largest],
        "",
    )
    best["note"] = note
    best.index.name = "segment"
    return SendTimeResult(table=table, best=best, response=str(response), min_count=int(min_count), hour_block=hour_block)
