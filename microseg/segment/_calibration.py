"""The calibration/holdout table: btyd columns up to ``calibration_end``, purchases after it up to ``as_of``."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._transactions import as_timestamp, check_freq, prepare_log, to_period, wall_ticks
from .._validation import report_rows
from ..errors import DataQualityWarning, MicrosegError

__all__ = ["calibration_holdout"]


def calibration_holdout(
    transactions: pd.DataFrame,
    *,
    calibration_end,
    as_of=None,
    customer: str = "customer_id",
    time: str = "timestamp",
    value: str | None = "amount",
    freq: str = "D",
) -> pd.DataFrame:
    """Split a transaction log into a calibration and a holdout period, one row per customer.

    Fit a CLV model on the calibration columns, predict the holdout
    purchases, and compare them with ``frequency_holdout``: the check analysts
    run before trusting a CLV model.

    Parameters
    ----------
    transactions : DataFrame
        One row per transaction: customer id, timestamp and (optionally) amount.
    calibration_end : date-like
        Last moment of the calibration period (inclusive).
    as_of : date-like, optional
        End of the holdout period (inclusive); default the latest timestamp.
        Rows after it are dropped and counted.
    customer, time, value : str
        Column names; ``value=None`` leaves out the monetary columns.
    freq : {"D", "W", "h"}, default "D"
        Period of the counts, as in :func:`microseg.rfm`.

    Returns
    -------
    DataFrame
        Indexed by customer, one row per customer with a purchase by
        ``calibration_end``:

        - ``frequency, recency, T, monetary_value``: the btyd table of
          :func:`microseg.rfm` on the calibration period (``as_of =
          calibration_end``), purchases in the same period aggregated;
        - ``frequency_holdout``: distinct periods with a purchase after
          ``calibration_end`` up to ``as_of``;
        - ``monetary_value_holdout``: mean spend per holdout purchase period
          (0 without one), the same definition as ``monetary_value``;
        - ``duration_holdout``: periods from ``calibration_end`` to ``as_of``.

        ``attrs`` holds ``calibration_end``, ``as_of`` and the rows dropped
        (``microseg_rows``).

    Notes
    -----
    The columns equal ``lifetimes.utils.calibration_and_holdout_data`` with
    the calibration columns renamed (``frequency_cal`` -> ``frequency``),
    except ``monetary_value_holdout``: lifetimes averages the holdout
    *transactions*, microseg the holdout purchase *periods*, like
    ``monetary_value`` (both agree when no period holds two purchases).

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a", "b", "b", "c"],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-02-10",
    ...                                                 "2024-01-10", "2024-01-10", "2024-02-01"]),
    ...                    "amount": [10.0, 20.0, 30.0, 5.0, 5.0, 8.0]})
    >>> table = ms.calibration_holdout(tx, calibration_end="2024-01-31")
    >>> list(table.index), list(table.columns)  # doctest: +NORMALIZE_WHITESPACE
    (['a', 'b'], ['frequency', 'recency', 'T', 'monetary_value', 'frequency_holdout',
                  'monetary_value_holdout', 'duration_holdout'])
    >>> table.loc["a"].tolist()
    [1.0, 4.0, 30.0, 20.0, 1.0, 30.0, 10.0]
    """
    from ._rfm_table import rfm

    check_freq(freq)
    log = prepare_log(transactions, customer=customer, time=time, value=value, as_of=as_of)
    tz = transactions[time].dt.tz
    end = as_timestamp(calibration_end, tz)
    first = int(log.ticks.min())
    if not first <= end.value < log.as_of.value:
        raise MicrosegError(
            f"calibration_end={end} must lie between the first transaction ({pd.Timestamp(first)}) and as_of "
            f"({log.as_of}), so that both the calibration and the holdout period hold data; pass a date inside "
            "the log."
        )
    wall, _ = wall_ticks(transactions[time])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # the rows dropped are reported once, below
        cal = rfm(transactions.iloc[np.flatnonzero(wall <= end.value)], customer=customer, time=time,
                  value=value, as_of=end, freq=freq, convention="btyd")
    counts = dict(log.counts)
    counts["returns of customers without a purchase"] = cal.attrs.get("microseg_rows", {}).get(
        "returns of customers without a purchase", 0)

    # holdout rows of the kept log, purchases only (returns are never purchases, as in rfm)
    hold = log.ticks > end.value
    codes, ticks = log.codes[hold], log.ticks[hold]
    amount = log.amount[hold] if log.amount is not None else None
    periods = to_period(ticks, freq)
    n = log.n_customers
    is_purchase = amount >= 0 if amount is not None else np.ones(len(codes), bool)
    freq_h = np.zeros(n)
    spend_h = np.zeros(n)
    if len(codes):
        pmin = int(periods.min())
        span = int(periods.max()) - pmin + 1
        keys = codes * span + (periods - pmin)
        pkeys = np.sort(keys[is_purchase])
        ukeys = pkeys[np.r_[True, pkeys[1:] != pkeys[:-1]]] if len(pkeys) else pkeys
        freq_h = np.bincount(ukeys // span, minlength=n).astype("float64")
        if amount is not None and len(ukeys):
            pos = np.minimum(np.searchsorted(ukeys, keys), len(ukeys) - 1)
            in_period = ukeys[pos] == keys  # rows (purchases, returns) in a holdout purchase period
            spend_h = np.bincount(codes, weights=np.where(in_period, amount, 0.0), minlength=n)

    rows = log.ids.get_indexer(cal.index)
    out = cal.copy()
    out["frequency_holdout"] = freq_h[rows]
    if value is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["monetary_value_holdout"] = np.where(freq_h[rows] > 0, spend_h[rows] / np.maximum(freq_h[rows], 1), 0.0)
    as_of_period = int(to_period(np.array([log.as_of.value]), freq)[0])
    end_period = int(to_period(np.array([end.value]), freq)[0])
    out["duration_holdout"] = float(as_of_period - end_period)
    out.attrs = {"as_of": log.as_of, "calibration_end": end, "microseg_rfm": "btyd"}
    report_rows(out, counts, what="transaction rows")
    return out
