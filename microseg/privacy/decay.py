"""Data decay: how much of a contact list is expected to be out of date, and what that costs.

(The module is called ``decay``, not ``freshness``, so that importing it does not
shadow the function ``microseg.privacy.freshness``.)

Contact data goes stale as people move, change jobs and abandon addresses;
sources quote 2-3 % of records a month. With a monthly decay rate ``d``, a
record last updated ``m`` months ago is still valid with probability
``(1 - d) ** m``: at the default 2.1 % a month, about 12 % of records are stale
after six months and about 22.5 % after a year. :func:`freshness` applies this
to each record, lists the records not updated within ``stale_after_days``, and
prices the expected stale records at ``cost_per_record`` (what contacting one
wasted record costs; one source puts an outdated record at about $10).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validation import check_columns, check_datetime, check_frame, report_rows
from ..errors import MicrosegError

__all__ = ["freshness", "FreshnessResult", "DAYS_PER_MONTH"]

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True, repr=False)
class FreshnessResult:
    """Expected validity of contact records.

    Attributes
    ----------
    records : pandas.DataFrame
        On the input's index: ``months_since_update``, ``p_valid`` (probability
        the record is still valid; 0 when it has no update date) and ``stale``
        (not updated within ``stale_after_days``, or no date).
    stale : pandas.DataFrame
        The stale rows of the input, oldest first, with ``months_since_update``.
    expected_valid_share : float
        Mean of ``p_valid``.
    expected_stale : float
        Expected number of records no longer valid.
    estimated_cost : float or None
        ``expected_stale * cost_per_record`` when a cost was given.
    as_of : pandas.Timestamp
    monthly_decay : float
    stale_after_days : int
    cost_per_record : float or None
    """

    records: pd.DataFrame
    stale: pd.DataFrame
    expected_valid_share: float
    expected_stale: float
    estimated_cost: float | None
    as_of: pd.Timestamp
    monthly_decay: float
    stale_after_days: int
    cost_per_record: float | None

    @property
    def expected_stale_share(self) -> float:
        """Share of records expected to be out of date."""
        return 1.0 - self.expected_valid_share

    def to_frame(self) -> pd.DataFrame:
        """One-row summary."""
        return pd.DataFrame(
            {
                "records": [len(self.records)],
                "expected_valid_share": [self.expected_valid_share],
                "expected_stale": [self.expected_stale],
                "stale_listed": [len(self.stale)],
                "estimated_cost": [self.estimated_cost],
                "monthly_decay": [self.monthly_decay],
                "as_of": [self.as_of],
            }
        )

    def plot(self, ax=None):
        """Records by months since update, with the expected valid share; see :func:`microseg.plot.plot_record_age`."""
        from ..plot import plot_record_age

        return plot_record_age(self, ax=ax)

    def __repr__(self) -> str:
        cost = f", estimated cost {self.estimated_cost:,.2f}" if self.estimated_cost is not None else ""
        return (
            f"FreshnessResult({len(self.records):,} records, {self.expected_stale_share:.1%} expected stale, "
            f"{len(self.stale):,} not updated in {self.stale_after_days} days{cost})"
        )

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return f"<p><b>{self!r}</b></p>" + format_table(self.to_frame(), max_rows=None).html


def freshness(
    df: pd.DataFrame,
    *,
    updated: str = "last_updated",
    as_of=None,
    monthly_decay: float = 0.021,
    cost_per_record: float | None = None,
    stale_after_days: int = 180,
) -> FreshnessResult:
    """Estimate how many contact records are out of date.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per contact record.
    updated : str
        Column with the time each record was last updated or verified.
    as_of : timestamp, optional
        Reference date (default: the latest ``updated`` value).
    monthly_decay : float
        Share of records going stale each month (default 0.021; sources quote 0.02-0.03).
    cost_per_record : float, optional
        Cost of contacting one stale record, to price the expected stale records.
    stale_after_days : int
        Records not updated for longer than this are listed as stale.

    Returns
    -------
    FreshnessResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"last_updated": pd.to_datetime(["2024-01-01", "2024-12-31"])})
    >>> res = freshness(df, as_of="2024-12-31", cost_per_record=10)
    >>> round(res.expected_stale, 3), len(res.stale)
    (0.225, 1)
    """
    check_frame(df, name="data")
    check_columns(df, [updated], name="data")
    check_datetime(df, updated, name="data")
    if not 0 <= monthly_decay < 1:
        raise MicrosegError(f"monthly_decay must be a share in [0, 1), got {monthly_decay!r}; e.g. 0.021 for 2.1 % a month.")
    if cost_per_record is not None and not (np.isfinite(cost_per_record) and cost_per_record >= 0):
        raise MicrosegError(f"cost_per_record must be a non-negative number, got {cost_per_record!r}.")
    upd = df[updated]
    if upd.dt.tz is not None:
        ts = pd.Timestamp(as_of) if as_of is not None else upd.max()
        ts = ts.tz_localize(upd.dt.tz) if ts.tzinfo is None else ts
    else:
        ts = pd.Timestamp(as_of) if as_of is not None else upd.max()
    months = ((ts - upd).dt.total_seconds() / 86_400 / DAYS_PER_MONTH).clip(lower=0)
    missing = months.isna()
    p_valid = ((1 - monthly_decay) ** months).fillna(0.0)
    stale = missing | (months * DAYS_PER_MONTH > stale_after_days)
    records = pd.DataFrame({"months_since_update": months, "p_valid": p_valid, "stale": stale}, index=df.index)
    if missing.any():
        report_rows(records, {"no update date (counted as stale)": int(missing.sum())}, what="records")
    stale_rows = df.loc[stale.to_numpy()].assign(months_since_update=months[stale])
    stale_rows = stale_rows.sort_values("months_since_update", ascending=False, na_position="first", kind="stable")
    expected_stale = float((1 - p_valid).sum())
    return FreshnessResult(
        records=records,
        stale=stale_rows,
        expected_valid_share=float(p_valid.mean()),
        expected_stale=expected_stale,
        estimated_cost=None if cost_per_record is None else expected_stale * float(cost_per_record),
        as_of=ts,
        monthly_decay=float(monthly_decay),
        stale_after_days=int(stale_after_days),
        cost_per_record=None if cost_per_record is None else float(cost_per_record),
    )
