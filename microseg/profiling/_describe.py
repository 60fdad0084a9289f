"""``describe()``: the population, column by column (re-exported by :mod:`microseg.profiling`)."""

from __future__ import annotations

import html
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import pandas as pd

from .._validation import check_frame
from ..privacy._small_cells import check_min_cell
from ._encode import column_kind

__all__ = ["describe", "Description"]



@dataclass(frozen=True, repr=False, eq=False)
class Description:
    """The population, column by column.

    Attributes
    ----------
    columns : pandas.DataFrame
        One row per column: ``column, kind, dtype, n, missing, missing_share,
        distinct, mean, std, min, p25, median, p75, max, top_levels``.
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
        from .._tables import format_table

        return f"<p><b>{html.escape(repr(self))}</b></p>" + format_table(self.columns, max_rows=None).html


def describe(df: pd.DataFrame, *, top: int = 5, min_cell: int = 10) -> Description:
    """Describe the population: per column its type, missing share, distinct count, summary or top levels.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> df = pd.DataFrame({"age": [20, 30, 40, None] * 5, "channel": ["app", "web"] * 10})
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
    return Description(columns=table, levels=lv, min_cell=min_cell)


