"""``describe()``: the population, column by column, with each column's kind and alerts (re-exported by :mod:`microseg.profiling`)."""

from __future__ import annotations

import html
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validation import check_frame, infinite_counts, report_rows
from ..errors import DataQualityWarning, MicrosegError
from ..privacy._dp_mechanisms import check_privacy
from ..privacy._small_cells import check_min_cell, suppress_small_cells
from ._alerts import column_alerts, table_alerts
from ._kinds import KINDS, infer_column, is_text

__all__ = ["describe", "Description"]

#: Alerts that quote a column's values: left out for personal data.
_VALUE_ALERTS = ("rare levels", "mixed types", "high cardinality", "near-constant", "sentinel", "outliers", "converted")
_COLUMNS = ["column", "kind", "dtype", "n", "missing", "missing_share", "distinct", "mean", "std", "min", "p25",
            "median", "p75", "max", "top_levels", "converted_from", "failed"]  # fmt: skip


@dataclass(frozen=True, repr=False, eq=False)
class Description:
    """The population, column by column.

    Attributes
    ----------
    columns : pandas.DataFrame
        One row per column: ``column, kind, dtype, n, missing, missing_share,
        distinct, mean, std, min, p25, median, p75, max, top_levels,
        converted_from, failed``. ``kind`` is one of ``numeric``, ``binary``,
        ``category``, ``datetime``, ``id``, ``postcode``, ``text``,
        ``constant``; ``converted_from`` is ``"text"`` for numbers and dates
        read from text, ``failed`` the count of values that did not convert
        (now missing). Missing
        counts go through the small-cell rule
        (:func:`~microseg.privacy.suppress_small_cells`): from 1 to
        ``min_cell - 1`` they are hidden, with a complementary one.
    levels : pandas.DataFrame
        The most frequent levels of category and binary columns:
        ``column, level, n, share`` (levels with fewer than ``min_cell`` people
        are not listed).
    min_cell : int
    alerts : pandas.DataFrame
        ``column, alert, detail``: constant and near-constant columns,
        identifiers and duplicated ids, duplicated rows, missing values, codes
        that mean missing (sentinels) with their share, robust outliers named,
        conversions from text, mixed types, high cardinality, personal data
        (e-mail addresses, phone numbers, names) and sensitive or proxy columns
        (found by :func:`microseg.privacy.find_sensitive`). ``column`` is
        missing for alerts about the whole table.
    data : pandas.DataFrame
        The table as described: numbers and dates stored as text converted,
        ``missing_values`` set to missing (a new frame; the caller's is untouched).
    """

    columns: pd.DataFrame
    levels: pd.DataFrame
    min_cell: int = 10
    alerts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["column", "alert", "detail"]))
    data: pd.DataFrame | None = None

    def to_frame(self) -> pd.DataFrame:
        """The per-column table."""
        return self.columns.copy()

    def kinds(self) -> dict:
        """``{column: kind}``."""
        return dict(zip(self.columns["column"], self.columns["kind"]))

    def columns_of(self, *kinds: str) -> list:
        """The columns of the given kinds, in table order."""
        bad = sorted(set(kinds) - set(KINDS))
        if bad:
            raise MicrosegError(f"unknown kinds {bad}; kinds are {list(KINDS)}.")
        return [c for c, k in self.kinds().items() if k in kinds]

    def plot(self, columns: Sequence[Hashable] | None = None):
        """One small panel per column (quartiles for numbers, top levels for categories); returns the Figure."""
        from ..plot._profile import plot_describe

        return plot_describe(self, columns=columns)

    def __repr__(self) -> str:
        kinds = self.columns["kind"].value_counts().to_dict()
        return (f"Description({len(self.columns)} columns: " + ", ".join(f"{v} {k}" for k, v in kinds.items())
                + f"; {len(self.alerts)} alerts)")  # fmt: skip

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return (f"<p><b>{html.escape(repr(self))}</b></p>" + format_table(self.columns, max_rows=None).html
                + format_table(self.alerts, max_rows=None).html)  # fmt: skip


def _missing_lists(df: pd.DataFrame, missing_values) -> dict:
    if missing_values is None:
        return {}
    if isinstance(missing_values, Mapping):
        unknown = [c for c in missing_values if c not in df.columns]
        if unknown:
            raise MicrosegError(f"missing_values names columns {unknown[:5]} that are not in the table.")
        out = {c: v for c, v in missing_values.items()}
    elif isinstance(missing_values, (str, int, float)):
        out = {c: [missing_values] for c in df.columns}
    else:
        out = {c: list(missing_values) for c in df.columns}
    return {c: [v] if isinstance(v, (str, int, float)) else list(v) for c, v in out.items()}


def _set_missing(s: pd.Series, values: list) -> tuple[pd.Series, int]:
    if not values:
        return s, 0
    texts = {str(v).strip().lower() for v in values if isinstance(v, str)}
    numbers = [v for v in values if not isinstance(v, str)]
    hit = pd.Series(False, index=s.index)
    if texts and is_text(s):
        hit |= s.astype("str").str.strip().str.lower().isin(texts).to_numpy() & s.notna().to_numpy()
    if numbers:
        hit |= s.isin(numbers).to_numpy()
    k = int(hit.sum())
    return (s.mask(hit) if k else s), k


def describe(df: pd.DataFrame, *, top: int = 5, min_cell: int = 10, dayfirst: bool | None = None,
             missing_values=None, privacy: str | None = None, budget=None, epsilon: float | None = None,
             bounds: dict | None = None) -> Description:  # fmt: skip
    """Describe the population: per column its kind, missing share, distinct count, summary or top levels, and alerts.

    Parameters
    ----------
    df : pandas.DataFrame
    top : int
        Levels listed per category or binary column.
    min_cell : int
        Levels held by fewer people are not listed.
    dayfirst : bool, optional
        Day/month order of dates stored as text. Default: read from the values;
        when every value reads both ways, :class:`~microseg.errors.SchemaError`
        asks for it.
    missing_values : list, or mapping column -> list, optional
        Values that mean "missing" (e.g. ``["unknown"]``, ``{"pdays": [-1]}``),
        set to missing before describing, with a ``set to missing`` alert per
        column. Nothing is set to missing unless listed here: the
        ``sentinel`` alerts only suggest it.
    privacy, budget, epsilon, bounds
        ``privacy="dp"`` releases differentially private numbers (see Notes),
        spending ``epsilon`` of ``budget`` as in :func:`microseg.profile`.

    Returns
    -------
    Description
        ``.to_frame()`` per column, ``.alerts``, ``.levels`` and ``.data`` (the
        table with conversions applied).

    Notes
    -----
    With ``privacy="dp"`` (``budget``, ``epsilon``, ``bounds`` as in
    :func:`microseg.profile`), the row and missing counts, the means and
    standard deviations (numeric columns with public bounds) and the level
    counts (flags and categorical dtypes) carry differential-privacy noise,
    and levels are listed when their noisy count reaches ``min_cell``; the
    distinct count, minimum, quartiles and maximum are not released.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> df = pd.DataFrame({"age": [20, 30, 40, None] * 10, "channel": ["app", "web", "unknown", "web"] * 10,
    ...                    "spend": ["1.5", "2", " ", "7"] * 10, "senior": [0, 1, 0, 0] * 10})
    >>> d = ms.describe(df)
    >>> d.to_frame()[["column", "kind", "missing_share", "distinct", "failed"]]
        column      kind  missing_share  distinct  failed
    0      age   numeric           0.25         3       0
    1  channel  category           0.00         3       0
    2    spend   numeric           0.25         3      10
    3   senior    binary           0.00         2       0
    >>> d.alerts.query("column == 'channel' and alert == 'sentinel'")["detail"].item()[:36]
    "'unknown' in 25 % of rows (10) means"
    >>> ms.describe(df, missing_values={"channel": ["unknown"]}).data["channel"].isna().sum()
    np.int64(10)
    """
    check_frame(df)
    from ..privacy.sensitive import check_sensitive, find_sensitive

    found = find_sensitive(df)  # the one detector, run once; the warning re-reads only the columns it flagged
    check_sensitive(df.columns, data=df[list(found["column"])], action="warn", purpose="description")
    min_cell = check_min_cell(min_cell)
    eps = check_privacy(privacy, budget, epsilon, what="describe()")
    if eps is not None:
        from ._dp_tables import dp_describe

        table, lv = dp_describe(df, top=top, min_cell=min_cell, budget=budget, epsilon=eps, bounds=bounds)
        return Description(columns=table, levels=lv, min_cell=min_cell)
    infinite = infinite_counts(df)
    if infinite:
        report_rows(None, {f"column {c!r}": k for c, k in infinite.items()},
                    what="infinite values (left out of the numeric summary; replace them with NaN or a finite value)")
    lists = _missing_lists(df, missing_values)
    rows, levels, alerts, data, kinds = [], [], [], {}, {}
    n = len(df)
    for c in df.columns:
        original, set_n = _set_missing(df[c], lists.get(c, []))
        info = infer_column(original, dayfirst=dayfirst)
        s = info.values
        data[c], kinds[c] = s, info.kind
        miss = int(s.isna().sum())
        row = {"column": c, "kind": info.kind, "dtype": str(s.dtype), "n": n, "missing": miss, "missing_share": miss / n,
               "distinct": int(s.nunique(dropna=True)), "converted_from": info.converted_from, "failed": info.failed}  # fmt: skip
        if info.kind == "numeric" and miss < n:
            x = s.astype("float64")
            if c in infinite:  # summarised without them (counted in the warning)
                x = x.replace([np.inf, -np.inf], np.nan)
            q = x.quantile([0, 0.25, 0.5, 0.75, 1]).to_numpy()
            row.update(mean=x.mean(), std=x.std(), min=q[0], p25=q[1], median=q[2], p75=q[3], max=q[4])
        elif info.kind == "datetime" and miss < n:
            row.update(min=s.min(), max=s.max())
        elif info.kind in ("category", "binary"):
            vc = s.astype(str).where(s.notna()).value_counts(dropna=True)
            rare = vc.index[vc < min_cell]
            if len(rare) and info.kind == "category":
                alerts.append({"column": c, "alert": "rare levels", "detail": (
                    f"{len(rare)} level{'s' if len(rare) > 1 else ''} held by fewer than min_cell={min_cell} people "
                    f"({', '.join(repr(v) for v in rare[:5])}{' and more' if len(rare) > 5 else ''}): pooled into "
                    "'(other levels)' in profiles; as segments, pool them (--pool-small-segments).")})  # fmt: skip
            vc = vc[vc >= min_cell].head(top)
            for lv, k in vc.items():
                levels.append({"column": c, "level": str(lv), "n": int(k), "share": k / n})
            row["top_levels"] = ", ".join(f"{lv} ({100 * k / n:.0f} %)" for lv, k in vc.items())
        rows.append(row)
        alerts.extend(column_alerts(info, original, n, set_missing=set_n, min_cell=min_cell))
    table = pd.DataFrame(rows).reindex(columns=_COLUMNS)
    table["failed"] = table["failed"].astype("int64")
    converted = pd.DataFrame(data, index=df.index)
    alerts.extend(table_alerts(converted, df, kinds, found, min_cell=min_cell))
    lv = pd.DataFrame(levels, columns=["column", "level", "n", "share"])
    al = pd.DataFrame(alerts, columns=["column", "alert", "detail"])
    # direct identifiers: no values of theirs are listed (levels, examples), and they are identifiers, never levels
    personal = set(al.loc[al["alert"] == "personal data", "column"])
    if personal:
        al = al[~(al["column"].isin(personal) & al["alert"].isin(_VALUE_ALERTS))].reset_index(drop=True)
        lv = lv[~lv["column"].isin(personal)].reset_index(drop=True)
        as_id = table["column"].isin(personal) & table["kind"].isin(["category", "text"])
        table.loc[as_id, "kind"] = "id"
        table.loc[table["column"].isin(personal), "top_levels"] = np.nan
    table, lv = _protect_missing(table, lv, min_cell)
    return Description(columns=table, levels=lv, min_cell=min_cell, alerts=al, data=converted)


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
