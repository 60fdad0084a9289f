"""Small helpers shared by the table generators of ``make_customers``: ids, categoricals, draws, time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

_DAY = 86_400  # seconds


# --------------------------------------------------------------------------- small helpers
def _str_array(values) -> pd.arrays.ArrowStringArray:
    return pd.array(values, dtype="str")


_LUT4 = np.array([[48 + (i // 1000) % 10, 48 + (i // 100) % 10, 48 + (i // 10) % 10, 48 + i % 10] for i in range(10_000)], dtype=np.uint8)
_LUT4_WORDS = _LUT4.view(np.uint32).ravel()  # the same 4 bytes per number, taken as one word (much faster than rows)


def _fixed_ids(prefix: str, numbers_, width: int, valid=None) -> pd.Series:
    """Strings ``prefix + zero-padded number`` built from bytes (fast for tens of millions)."""
    nums = np.asarray(numbers_)
    n = len(nums)
    p = len(prefix)
    w = p + width
    buf = np.empty((n, w), dtype=np.uint8)
    if p:
        buf[:, :p] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    step = 4_000_000  # chunks bound the temporaries
    for lo in range(0, n, step):
        x = nums[lo : lo + step].astype(np.int64)
        end = w
        while end > p:
            take = min(4, end - p)
            digits = _LUT4_WORDS.take(x % 10_000).view(np.uint8).reshape(-1, 4)
            buf[lo : lo + step, end - take : end] = digits[:, 4 - take :]
            x //= 10_000
            end -= take
    if n * w >= 2**31 - 1:
        offsets = pa.py_buffer(np.arange(0, (n + 1) * w, w, dtype=np.int64))
        typ = pa.large_string()
    else:
        offsets = pa.py_buffer(np.arange(0, (n + 1) * w, w, dtype=np.int32))
        typ = pa.string()
    validity = None
    nulls = 0
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        nulls = int(n - valid.sum())
        validity = pa.py_buffer(np.packbits(valid, bitorder="little"))
    arr = pa.Array.from_buffers(typ, n, [validity, offsets, pa.py_buffer(buf)], null_count=nulls)
    return pd.Series(_str_array(arr))


def _cat(codes, categories) -> pd.Categorical:
    return pd.Categorical.from_codes(np.asarray(codes, dtype=np.int64 if len(categories) > 120 else np.int16), categories=list(categories))


def _draw(rng, groups, probs) -> np.ndarray:
    """One category index per row, from the probability row of the row's group (loops over groups)."""
    probs = np.asarray(probs, dtype=float)
    probs = probs / probs.sum(axis=1, keepdims=True)
    out = np.zeros(len(groups), dtype=np.int64)
    for g in range(probs.shape[0]):
        m = np.flatnonzero(groups == g)
        if len(m):
            out[m] = rng.choice(probs.shape[1], size=len(m), p=probs[g])
    return out


def _mix(rng, persona, weights, share):
    """Persona a block of attributes is drawn from: the own persona, or with prob ``share`` another one."""
    other = rng.choice(len(weights), size=len(persona), p=weights)
    return np.where(rng.random(len(persona)) < share, other, persona)


def _to_datetime(seconds) -> np.ndarray:
    return (np.asarray(seconds, dtype=np.int64) * 1_000_000_000).astype("datetime64[ns]")


class _Season:
    """Monthly seasonality (a Q4 peak) as a time warp: uniform draws in warped time follow it."""

    MONTHLY = np.array([0.85, 0.75, 0.85, 0.9, 0.95, 0.95, 0.95, 0.9, 0.9, 1.05, 1.5, 1.75])

    def __init__(self, start: pd.Timestamp, n_days: int):
        days = pd.date_range(start.normalize(), periods=n_days + 2, freq="D")
        s = self.MONTHLY[days.month.to_numpy() - 1]
        s = s / s.mean()
        self.grid = np.arange(n_days + 2, dtype=float)
        self.cum = np.concatenate([[0.0], np.cumsum(s[:-1])])

    def warp(self, day):
        return np.interp(day, self.grid, self.cum)

    def unwarp(self, u):
        return np.interp(u, self.cum, self.grid)


def _time_of_day(rng, n, evening=0.6):
    """Seconds into the day with a lunchtime and an evening peak."""
    peak = np.where(rng.random(n) < evening, 20.5 * 3600, 12.5 * 3600)
    tod = rng.normal(peak, 2.6 * 3600)
    return np.mod(tod, _DAY).astype(np.int64)
