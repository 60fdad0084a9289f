"""Validation and preparation of transaction and event logs, shared by RFM, cohorts, timing and the view.

A log is turned once into plain numpy arrays: one integer code per customer
(from a single factorisation of the id column), one integer period number per
row (days since 1970-01-01 for ``freq="D"``), and the amounts. Everything
downstream works on those arrays with ``np.bincount`` and friends, never with a
groupby on strings.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._validation import check_columns, check_datetime, check_frame, check_id_column, check_numeric
from .errors import MicrosegError

__all__ = ["PreparedLog", "prepare_log", "to_period", "period_start", "FREQS"]

#: supported period lengths: pandas-style aliases -> description
FREQS = {"D": "day", "W": "week (Monday to Sunday)", "h": "hour"}

_PARALLEL_MIN_ROWS = 2_000_000  # id columns at least this long are factorised on several threads
_UNITS_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
_NS_PER = {"D": 86_400_000_000_000, "h": 3_600_000_000_000}


@dataclass
class PreparedLog:
    """A validated log as arrays; rows already filtered (see ``counts``)."""

    codes: np.ndarray  # int64 customer code per kept row, in 0..n_customers-1
    ids: pd.Index  # customer id per code (in order of first appearance; some may have no kept row)
    ticks: np.ndarray  # int64 timestamp per kept row, in ns since the epoch (wall time)
    amount: np.ndarray | None  # float64 per kept row, or None
    as_of: pd.Timestamp  # the reference date (wall time, tz-naive)
    counts: dict = field(default_factory=dict)  # rule -> rows dropped
    keep: np.ndarray | None = None  # boolean mask of kept rows in the input frame (None = all)

    @property
    def n_customers(self) -> int:
        return len(self.ids)

    @property
    def as_of_ns(self) -> int:
        return int(self.as_of.value)

    def frame(self, columns: dict, mask: np.ndarray | None = None) -> pd.DataFrame:
        """One row per customer from per-code arrays: customers without a kept row (or outside ``mask``)
        left out, sorted by id."""
        present = np.bincount(self.codes, minlength=self.n_customers) > 0
        if mask is not None:
            present &= mask
        df = pd.DataFrame(columns, index=self.ids)
        if not present.all():
            df = df[present]
        return df.iloc[df.index.argsort()]


def check_freq(freq: str) -> str:
    if freq not in FREQS:
        raise MicrosegError(f"freq must be one of {sorted(FREQS)}, got {freq!r}.")
    return freq


def to_period(ticks: np.ndarray, freq: str) -> np.ndarray:
    """Integer period numbers of ns timestamps: days, hours, or Monday-start weeks since the epoch.

    Examples
    --------
    >>> t = pd.to_datetime(["1970-01-01 00:00", "1970-01-04 23:00", "1970-01-05 00:00"]).as_unit("ns")
    >>> to_period(t.asi8, "D").tolist(), to_period(t.asi8, "W").tolist()
    ([0, 3, 4], [0, 0, 1])
    """
    if freq == "W":
        return (ticks // _NS_PER["D"] + 3) // 7
    return ticks // _NS_PER[freq]


def period_start(periods: np.ndarray, freq: str) -> np.ndarray:
    """The start (datetime64[ns]) of integer periods from :func:`to_period`."""
    if freq == "W":
        return ((periods * 7 - 3) * _NS_PER["D"]).astype("datetime64[ns]")
    return (periods * _NS_PER[freq]).astype("datetime64[ns]")


def wall_ticks(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """int64 ns wall-clock ticks and a missing mask for a datetime Series (tz-aware -> local time)."""
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    arr = s.to_numpy()
    unit = np.datetime_data(arr.dtype)[0]
    raw = arr.view("i8")
    missing = raw == np.iinfo(np.int64).min
    if unit == "ns":
        return raw, missing
    if unit not in _UNITS_PER_SECOND:
        raw = arr.astype("datetime64[ns]").view("i8")
        return raw, missing
    return raw * (1_000_000_000 // _UNITS_PER_SECOND[unit]), missing


def _factorize(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) and unique values of an id column.

    Large pyarrow-backed string columns are encoded in slices on several
    threads (pyarrow releases the GIL) and the slice dictionaries unified;
    everything else goes through ``pd.factorize``.
    """
    workers = min(os.cpu_count() or 1, 4)
    pa_array = getattr(s.array, "_pa_array", None)
    if pa_array is None or workers < 2 or len(s) < _PARALLEL_MIN_ROWS:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        return codes, pd.Index(uniques)
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa_array.combine_chunks() if pa_array.num_chunks != 1 else pa_array.chunk(0)
    if isinstance(arr, pa.DictionaryArray):
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        return codes, pd.Index(uniques)
    n = len(arr)
    bounds = np.linspace(0, n, workers + 1).astype(np.int64)
    parts = [arr.slice(int(a), int(b - a)) for a, b in zip(bounds[:-1], bounds[1:])]
    with ThreadPoolExecutor(workers) as ex:
        encoded = list(ex.map(lambda part: pc.dictionary_encode(part, null_encoding="mask"), parts))
    merged = pc.dictionary_encode(pa.concat_arrays([e.dictionary for e in encoded]))
    remap = merged.indices.to_numpy()
    codes = np.empty(n, dtype=np.int64)
    offset = 0
    for (a, b), e in zip(zip(bounds[:-1], bounds[1:]), encoded):
        # a null takes the appended -1; take() with intp indices is many times faster than fancy indexing
        m = np.append(remap[offset : offset + len(e.dictionary)], -1).astype(np.int64)
        local = e.indices.fill_null(len(e.dictionary)).to_numpy().astype(np.intp)
        m.take(local, out=codes[a:b])
        offset += len(e.dictionary)
    uniques = pd.Index(pd.array(merged.dictionary, dtype=s.dtype) if s.dtype == "str" else merged.dictionary.to_pandas())
    return codes, uniques


def as_timestamp(as_of, tz) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        raise MicrosegError(f"as_of must be a date or timestamp, got {as_of!r}.") from None
    if ts is pd.NaT:
        raise MicrosegError("as_of is missing (NaT); pass a date, or None for the latest timestamp in the data.")
    if ts.tzinfo is not None:
        ts = ts.tz_convert(tz).tz_localize(None) if tz is not None else ts.tz_convert("UTC").tz_localize(None)
    return ts.as_unit("ns")


def prepare_log(
    df: pd.DataFrame,
    *,
    customer: str,
    time: str,
    value: str | None = None,
    as_of=None,
    name: str = "transactions",
    drop_missing_customer: bool = True,
) -> PreparedLog:
    """Validate a log and return it as arrays, with the rows dropped counted per rule.

    Rules: rows without a customer id, without a timestamp or without an amount
    are dropped; rows after ``as_of`` are dropped. ``as_of=None`` means the
    latest timestamp in the log. An ``as_of`` before the first row is an error.

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ["b", "a", None],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-03", "2024-01-02"]),
    ...                    "amount": [1.0, 2.0, 3.0]})
    >>> log = prepare_log(df, customer="customer_id", time="timestamp", value="amount")
    >>> list(log.ids), log.codes.tolist(), log.counts["missing customer id"]
    (['b', 'a'], [0, 1], 1)
    """
    check_frame(df, name=name)
    cols = [customer, time] + ([value] if value is not None else [])
    check_columns(df, cols, name=name)
    check_id_column(df, customer, name=name)
    check_datetime(df, time, name=name)
    if value is not None:
        check_numeric(df, value, name=name)

    ticks, t_missing = wall_ticks(df[time])
    tz = df[time].dt.tz
    codes, uniques = _factorize(df[customer])
    counts: dict[str, int] = {}
    # null handling only where there are nulls: a clean log costs one check per column
    keep = None

    def drop(rule: str, missing: np.ndarray | None) -> None:
        nonlocal keep
        if missing is None or not missing.any():
            counts[rule] = 0
            return
        counts[rule] = int(missing.sum() if keep is None else (missing & keep).sum())
        keep = ~missing if keep is None else keep & ~missing

    if drop_missing_customer:
        drop("missing customer id", codes < 0)
    drop("missing timestamp", t_missing)
    amount = None
    if value is not None:
        amount = df[value].to_numpy(dtype="float64", na_value=np.nan)
        if not np.isfinite(amount).all():
            if np.isinf(amount).any():
                raise MicrosegError(
                    f"column {value!r} of {name} has {int(np.isinf(amount).sum())} infinite amounts; "
                    "replace them with real amounts or NaN before calling."
                )
            drop("missing amount", np.isnan(amount))
        else:
            counts["missing amount"] = 0
    if keep is not None and not keep.any():
        raise MicrosegError(f"{name} has no usable rows (every row lacks a customer id, timestamp or amount).")

    kept_ticks = ticks if keep is None else ticks[keep]
    first_ns = int(kept_ticks.min())
    last_ns = int(kept_ticks.max())
    del kept_ticks
    if as_of is None:
        as_of_ts = pd.Timestamp(last_ns, unit="ns")
    else:
        as_of_ts = as_timestamp(as_of, tz)
        if as_of_ts.value < first_ns:
            raise MicrosegError(
                f"as_of={as_of_ts} is before the first row of {name} ({pd.Timestamp(first_ns, unit='ns')}); "
                "pass a later date, or None for the latest timestamp in the data."
            )
    drop("after as_of", ticks > as_of_ts.value if last_ns > as_of_ts.value else None)

    all_kept = keep is None or bool(keep.all())
    if all_kept:
        k_codes, k_ticks, k_amount = codes.astype(np.int64, copy=False), ticks, amount
    else:
        k_codes, k_ticks = codes[keep].astype(np.int64, copy=False), ticks[keep]
        k_amount = amount[keep] if amount is not None else None
    ids = pd.Index(uniques, name=customer)
    return PreparedLog(k_codes, ids, k_ticks, k_amount, as_of_ts, counts, None if all_kept else keep)


def check_has_purchases(n_purchases: int, n_rows: int, value) -> None:
    """Raise when a log holds rows but no purchase (every amount negative: only returns)."""
    if n_purchases == 0:
        raise MicrosegError(
            f"the transactions hold {n_rows:,} rows but no purchase: every {value!r} is negative "
            "(returns or cancellations only). Pass a log that includes the purchases."
        )
