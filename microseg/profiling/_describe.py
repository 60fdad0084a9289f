"""``describe()``: the population, column by column (re-exported by :mod:`microseg.profiling`)."""

from __future__ import annotations

import html
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validation import check_frame, infinite_counts, report_rows
from ..errors import DataQualityWarning
from ..privacy._small_cells import check_min_cell, suppress_small_cells
from ._encode import column_kind

__all__ = ["describe", "Description"]



@dataclass(frozen=True, repr=False, eq=False)
class Description:
    """The population, column by column.

    Attributes
    ----------
    columns : pandas.DataFrame
        One row per column: ``column, kind, dtype, n, missing, missing_share,
        distinct, mean, std, min, p25, median, p75, max, top_levels``. Missing
        counts go through the small-cell rule
        (:func:`~microseg.privacy.suppress_small_cells`): from 1 to
        ``min_cell - 1`` they are hidden, with a complementary one.
    levels : pandas.DataFrame
        The most frequent levels of categorical and boolean columns:
        ``column, level, n, share`` (levels with fewer than ``min_cell`` people
        are not listed).
    min_cell : int
    """

    columns: pd.DataFrame
    levels: pd.DataFrame
    min_cell: int = 10

    def to_frame(self) -> pd.DataFrame:
        """The per-column table."""
        return self.columns.copy()

    def plot(self, columns: Sequence[Hashable] | None = None):
        """One small panel per column (quartiles for numbers, top levels for categories); returns the Figure."""
        from ..plot._profile import plot_describe

        return plot_describe(self, columns=columns)

    def __repr__(self) -> str:
        kinds = self.columns["kind"].value_counts().to_dict()
        return f"Description({len(self.columns)} columns: " + ", ".join(f"{v} {k}" for k, v in kinds.items()) + ")"

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(repr(self))}</b></p>" + self.columns.to_html(index=False, na_rep="")


def describe(df: pd.DataFrame, *, top: int = 5, min_cell: int = 10) -> Description:
    """Describe the population: per column its type, missing share, distinct count, summary or top levels.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> df = pd.DataFrame({"age": [20, 30, 40, None] * 10, "channel": ["app", "web"] * 20})
    >>> d = ms.describe(df)
    >>> d.to_frame()[["column", "kind", "missing_share", "distinct"]]
        column      kind  missing_share  distinct
    0      age   numeric           0.25         3
    1  channel  category           0.00         2
    >>> d.levels.query("column == 'channel'")["level"].tolist()
    ['app', 'web']
    """
    check_frame(df)
    from ..privacy.sensitive import check_sensitive

    check_sensitive(df.columns, data=df, action="warn", purpose="description")
    min_cell = check_min_cell(min_cell)
    infinite = infinite_counts(df)
    if infinite:
        report_rows(None, {f"column {c!r}": k for c, k in infinite.items()},
                    what="infinite values (left out of the numeric summary; replace them with NaN or a finite value)")
    rows, levels = [], []
    n = len(df)
    for c in df.columns:
        s = df[c]
        kind = column_kind(s) or "datetime"
        miss = int(s.isna().sum())
        row = {"column": c, "kind": kind, "dtype": str(s.dtype), "n": n, "missing": miss, "missing_share": miss / n,
               "distinct": int(s.nunique(dropna=True))}  # fmt: skip
        if kind == "numeric" and miss < n:
            x = s.astype("float64")
            if c in infinite:  # summarised without them (counted in the warning)
                x = x.replace([np.inf, -np.inf], np.nan)
            q = x.quantile([0, 0.25, 0.5, 0.75, 1]).to_numpy()
            row.update(mean=x.mean(), std=x.std(), min=q[0], p25=q[1], median=q[2], p75=q[3], max=q[4])
        elif kind == "datetime" and miss < n:
            row.update(min=s.min(), max=s.max())
        elif kind in ("category", "flag"):
            vc = s.astype(str if kind == "flag" else object).value_counts(dropna=True)
            vc = vc[vc >= min_cell].head(top)
            for lv, k in vc.items():
                levels.append({"column": c, "level": str(lv), "n": int(k), "share": k / n})
            row["top_levels"] = ", ".join(f"{lv} ({100 * k / n:.0f} %)" for lv, k in vc.items())
        rows.append(row)
    cols = ["column", "kind", "dtype", "n", "missing", "missing_share", "distinct", "mean", "std", "min", "p25",
            "median", "p75", "max", "top_levels"]  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=cols)
    lv = pd.DataFrame(levels, columns=["column", "level", "n", "share"])
    table, lv = _protect_missing(table, lv, min_cell)
    return Description(columns=table, levels=lv, min_cell=min_cell)


def _protect_missing(table: pd.DataFrame, lv: pd.DataFrame, min_cell: int):
    """Missing counts through the one small-cell rule; a hidden count that the levels would give away (every
    value of the column listed: missing = n - their sum) costs the column its smallest listed level too."""
    missing = table.set_index("column")["missing"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        table = suppress_small_cells(table, count="missing", columns=["missing_share"], min_cell=min_cell)
    listed = lv.groupby("column", sort=False)["n"].sum()
    n = table.set_index("column")["n"]
    for c in table.loc[table["missing"].isna(), "column"]:
        if c in listed.index and listed[c] == n[c] - missing[c]:
            lv = lv.drop(index=lv.loc[lv["column"] == c, "n"].idxmin())
            kept = lv[lv["column"] == c]  # the summary text lists only the levels still shown
            table.loc[table["column"] == c, "top_levels"] = ", ".join(
                f"{lv_} ({100 * k / n[c]:.0f} %)" for lv_, k in zip(kept["level"], kept["n"]))
    return table, lv.reset_index(drop=True)
