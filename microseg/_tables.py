"""One table formatter for the report, the notebooks and every result's ``_repr_html_``.

:func:`format_table` turns a DataFrame into a table people can read:

* no ``0, 1, 2 …`` index column: a default (range) index is dropped, a named
  or labelled index (segments, steps) becomes an ordinary first column, so there
  is never a second header row;
* numbers with thousands separators and fixed decimals per column *kind*
  (counts, money, shares, p-values, scores, indexes), chosen from the column's
  name and values, never ``1.22e+05``;
* p-values below ``1e-10`` as ``< 1e-10``;
* durations in words (``1 min 33 s``), dates as ``2024-05-01``;
* units: shares and rates in ``%``, differences of rates in ``pp``
  (percentage points), money with an optional currency symbol, ratios with ``×``;
* wide tables scroll inside their own box instead of running off the page.

Only pandas and the standard library are used, so every layer may call it.
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._words import duration

__all__ = ["format_table", "FormattedTable", "column_kind", "format_value", "notebook_style"]

KINDS = ("count", "money", "share", "pp", "points", "percent", "pvalue", "index", "ratio", "score", "number",
         "duration", "date", "flag", "text")  # fmt: skip

_P = re.compile(r"(^p$|^p_|_p$|p_?value|^p_adjusted|^q_?value)")
_SHARE = re.compile(r"(share|rate|conversion|recall|precision|coverage|retention|accuracy|_prob|probability|"
                    r"missing|penetration|reach(?!able))")  # fmt: skip
_MONEY = re.compile(r"(revenue|cost|spend|amount|monetary|budget|price|clv|profit|order_value|value_per|income|"
                    r"salary|sales|margin)")  # fmt: skip
_COUNT = re.compile(r"(^n$|^n_|_n$|count|customers|contacts|people|rows|records|orders|conversions|members|size$|"
                    r"sends?$|sent$|reachable|exported|days|visits|purchases|stopped)")  # fmt: skip
_SCORE = re.compile(r"(effect|auc|psi|jaccard|silhouette|alpha|^z$|_z$|^sd$|_sd$|_se$|^se$|gap|loading|ari|corr|"
                    r"roi|weight|importance|coef|score|elasticity)")  # fmt: skip
_PP = re.compile(r"(^uplift|^lift)")


def column_kind(name, values: pd.Series, units: dict | None = None) -> str:
    """The kind of a column, which sets its format: one of ``KINDS``.

    ``units`` maps column names to a kind (``{"lift": "pp"}``) and wins over the guess.

    Examples
    --------
    >>> import pandas as pd
    >>> column_kind("p_adjusted", pd.Series([0.01])), column_kind("rate_treatment", pd.Series([0.2]))
    ('pvalue', 'share')
    >>> column_kind("customers", pd.Series([3, 4])), column_kind("mean_spend", pd.Series([1.5e5]))
    ('count', 'money')
    """
    if units and name in units:
        return units[name]
    s = values
    low = str(name).lower()
    if pd.api.types.is_bool_dtype(s.dtype):
        return "flag"
    if pd.api.types.is_timedelta64_dtype(s.dtype):
        return "duration"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "date"
    if not pd.api.types.is_numeric_dtype(s.dtype):
        return "text"
    finite = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64")
    finite = finite[np.isfinite(finite)]
    in_unit = finite.size > 0 and finite.min() >= 0 and finite.max() <= 1
    if _P.search(low) and (finite.size == 0 or in_unit):
        return "pvalue"
    if low.endswith("_pct") or low.startswith("pct_") or "percent" in low:
        return "percent"
    if low in ("index",) or low.startswith("index_") or low.endswith("_index"):
        return "index"
    if low.endswith("_pp"):
        return "points"
    if "relative" in low:
        return "share"
    if _PP.search(low) and (finite.size == 0 or np.abs(finite).max() <= 1):
        return "pp"
    if _SHARE.search(low) and (finite.size == 0 or (finite.min() >= -1 and finite.max() <= 1)):
        return "share"
    if _MONEY.search(low):
        return "money"
    if _SCORE.search(low):
        return "score"
    if pd.api.types.is_integer_dtype(s.dtype) or (_COUNT.search(low) and np.all(finite == np.round(finite))):
        return "count"
    return "number"


def _decimals(finite: np.ndarray) -> int:
    """Decimals for a plain number column: fewer for larger numbers, the same for every row."""
    if finite.size == 0:
        return 2
    top = float(np.nanmax(np.abs(finite)))
    return 0 if top >= 1000 else 1 if top >= 100 else 2 if top >= 1 or top == 0 else 3


def format_value(v, kind: str, *, decimals: int = 2, currency: str | None = None) -> str:
    """One cell as text, for a column of ``kind`` (see :func:`column_kind`).

    Examples
    --------
    >>> format_value(2.32e-153, "pvalue"), format_value(0.0123, "pvalue"), format_value(0.0176, "pp")
    ('< 1e-10', '0.012', '1.76 pp')
    >>> format_value(121_950.4, "money", currency="€"), format_value(1070.2, "index"), format_value(0.253, "share")
    ('€121,950.40', '1,070', '25.3 %')
    >>> format_value(121_950.4, "money", decimals=0)
    '121,950'
    """
    if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if kind == "duration":
        return duration(v)
    if kind == "date":
        ts = pd.Timestamp(v)
        return f"{ts:%Y-%m-%d}" if ts == ts.normalize() else f"{ts:%Y-%m-%d %H:%M}"
    if kind == "flag":
        return "yes" if bool(v) else "no"
    if kind == "text":
        return str(v)
    try:
        x = float(v)
    except (TypeError, ValueError):
        return str(v)
    if not math.isfinite(x):
        return "–" if math.isnan(x) else ("∞" if x > 0 else "-∞")
    if kind == "pvalue":
        if x < 1e-10:
            return "< 1e-10"
        return f"{x:.1e}" if x < 0.001 else f"{x:.3f}" if x < 0.1 else f"{x:.2f}"
    if kind == "share":
        return f"{100 * x:.1f} %"
    if kind == "percent":
        return f"{x:,.1f} %"
    if kind == "pp":
        return f"{100 * x:,.2f} pp"
    if kind == "points":
        return f"{x:,.2f} pp"
    if kind == "money":
        d = decimals
        sign = "-" if x < 0 else ""
        return f"{sign}{currency or ''}{abs(x):,.{d}f}"
    if kind == "mixed":  # a column of different quantities (a profile's means): three significant digits each
        return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"
    if kind == "index":
        return f"{x:,.0f}"
    if kind == "count":
        return f"{x:,.0f}"
    if kind == "ratio":
        return f"{x:,.2f}×"
    if kind == "score":
        return f"{x:,.3f}" if abs(x) < 100 else f"{x:,.0f}"
    return f"{x:,.{decimals}f}"


def _reveal_index(df: pd.DataFrame, index) -> pd.DataFrame:
    """Drop a meaningless (range) index; make a meaningful one an ordinary first column."""
    if isinstance(df.columns, pd.MultiIndex):
        df = df.copy()
        df.columns = [" ".join(str(p) for p in c if str(p) != "") for c in df.columns]
    if index is None:
        idx = df.index
        default = (isinstance(idx, pd.RangeIndex) and idx.name is None) or (
            idx.nlevels == 1 and idx.name is None and pd.api.types.is_integer_dtype(idx.dtype)
            and len(idx) and (np.asarray(idx) == np.arange(idx[0], idx[0] + len(idx))).all()
        )
        index = not default
    if not index:
        return df.reset_index(drop=True)
    names = [n if n is not None else ("" if df.index.nlevels == 1 else f"level_{i}")
             for i, n in enumerate(df.index.names)]  # fmt: skip
    names = [n if n not in df.columns else f"{n} " for n in names]
    out = df.copy()
    out.index = out.index.set_names(names)
    return out.reset_index()


@dataclass(frozen=True)
class FormattedTable:
    """A formatted table: ``frame`` (text cells), ``kinds`` per column, and its HTML; shows itself in Jupyter."""

    frame: pd.DataFrame
    kinds: dict
    html: str
    n_rows: int

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def to_html(self) -> str:
        return self.html

    def _repr_html_(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return self.frame.to_string(index=False) + (
            f"\n({self.n_rows - len(self.frame):,} more rows)" if self.n_rows > len(self.frame) else "")


_NUMERIC_KINDS = (set(KINDS) | {"mixed"}) - {"text", "flag", "date"}
_STYLE = ("border-collapse:collapse;font-variant-numeric:tabular-nums;font-size:.85rem;margin:0")
_CELL = "border-bottom:1px solid #e5e5e5;padding:.25rem .55rem;white-space:nowrap"


def _header(name) -> str:
    """A column name that may wrap after its underscores, so long names do not widen the table."""
    return html.escape(str(name)).replace("_", "_<wbr>")


def format_table(df: pd.DataFrame, *, index: bool | None = None, max_rows: int | None = 40,
                 units: dict | None = None, currency: str | None = None, caption: str | None = None) -> FormattedTable:
    """Format a DataFrame for reading: see the module docstring for the rules.

    Parameters
    ----------
    df : DataFrame
        Left untouched.
    index : bool, optional
        Show the index as the first column. Default: only when it is meaningful
        (named, or labels other than ``0, 1, 2 …``).
    max_rows : int or None
        Rows shown; the number left out is said under the table. ``None`` shows all.
    units : dict, optional
        Column name → kind, overriding the guess: ``"pp"`` (a difference of rates,
        stored as a fraction), ``"points"`` (already in percentage points), ``"share"`` (a fraction shown in %), ``"percent"``
        (already in %), ``"money"``, ``"ratio"`` (×), ``"count"``, ``"score"``,
        ``"pvalue"``, ``"index"``, ``"number"``, ``"duration"``, ``"text"``.
    currency : str, optional
        Symbol written before money (``"€"``, ``"$"``); none by default.
    caption : str, optional
        A line above the table.

    Returns
    -------
    FormattedTable
        Displays as HTML in Jupyter; ``.html`` is the fragment (a scrolling box
        around the table), ``.frame`` the text cells.

    Examples
    --------
    >>> import pandas as pd
    >>> t = format_table(pd.DataFrame({"customers": [12000, 800], "p_value": [0.0, 0.04],
    ...                                "mean_spend": [1.22e5, 980.0]}))
    >>> t.frame.to_dict("list")
    {'customers': ['12,000', '800'], 'p_value': ['< 1e-10', '0.040'], 'mean_spend': ['122,000', '980']}
    >>> "overflow-x:auto" in t.html and "<th" in t.html
    True
    """
    if not isinstance(df, pd.DataFrame):
        df = pd.DataFrame(df)
    n_rows = len(df)
    shown = df if max_rows is None else df.head(max_rows)
    shown = _reveal_index(shown, index)
    cols = list(shown.columns)
    kinds, text = {}, {}
    for j, c in enumerate(cols):
        s = shown.iloc[:, j]
        k = column_kind(c, df[c] if c in df.columns and not isinstance(df[c], pd.DataFrame) else s, units)
        kinds[c] = k
        finite = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64") if k in ("number", "money") else np.array([])
        finite = finite[np.isfinite(finite)]
        d = _decimals(finite) if k == "number" else 2
        nonzero = np.abs(finite[finite != 0])
        if k == "number" and nonzero.size and nonzero.max() >= 1000 and nonzero.min() < 10:
            k = kinds[c] = "mixed"
        if k == "money" and finite.size and np.abs(finite).max() >= 10_000:
            d = 0
        text[j] = [format_value(v, k, decimals=d, currency=currency) for v in s.tolist()]
    frame = pd.DataFrame({c: text[j] for j, c in enumerate(cols)}) if cols else pd.DataFrame(index=range(len(shown)))
    frame.columns = cols
    head = "".join(
        f'<th style="{_CELL};text-align:{"right" if kinds[c] in _NUMERIC_KINDS else "left"};'
        f'white-space:normal;vertical-align:bottom;border-bottom:2px solid #bbb">{_header(c)}</th>'
        for c in cols
    )
    align = ["right" if kinds[c] in _NUMERIC_KINDS else "left" for c in cols]
    rows = "".join(
        "<tr>" + "".join(f'<td style="{_CELL};text-align:{a}">{html.escape(v)}</td>'
                         for a, v in zip(align, row)) + "</tr>"
        for row in zip(*(text[j] for j in range(len(cols))))
    )  # fmt: skip
    cap = f'<p style="margin:.2rem 0">{html.escape(caption)}</p>' if caption else ""
    more = (f'<p style="margin:.2rem 0"><em>{n_rows - len(shown):,} more rows not shown.</em></p>'
            if n_rows > len(shown) else "")  # fmt: skip
    out = (f'{cap}<div class="ms-table" style="overflow-x:auto;max-width:100%;width:fit-content;margin:.5rem 0">'
           f'<table style="{_STYLE}"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>{more}')
    return FormattedTable(frame=frame, kinds=kinds, html=out, n_rows=n_rows)


def _short_warning(message, category, filename, lineno, line=None) -> str:
    return f"{category.__name__}: {message}\n"


def notebook_style(*, dpi: int = 120, figsize=(7.0, 4.0), max_rows: int = 40, progress: bool = True) -> None:
    """Set up a Jupyter notebook for reading: sharp figures, formatted tables, warnings without file paths.

    Figures are drawn at ``dpi`` (default 120); every DataFrame and Series a
    cell displays goes through :func:`format_table` (``print(df)`` is left
    alone); warnings show their category and message only, not the path of
    the file that raised them. ``progress=False`` turns off the progress bars
    that long work shows by default in Jupyter (for notebooks whose outputs
    are committed). Call it once, after importing pyplot.

    Examples
    --------
    >>> import matplotlib
    >>> notebook_style(dpi=110)   # outside Jupyter only the figure settings apply
    >>> matplotlib.rcParams["figure.dpi"]
    110.0
    >>> matplotlib.rcdefaults()
    """
    import warnings

    import matplotlib as mpl

    mpl.rcParams.update({"figure.dpi": dpi, "figure.figsize": figsize})
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return
    shell = get_ipython()
    if shell is None:
        return
    from ._progress import set_notebook_default

    set_notebook_default(progress)
    warnings.formatwarning = _short_warning
    html_formatter = shell.display_formatter.formatters["text/html"]
    html_formatter.for_type(pd.DataFrame, lambda df: format_table(df, max_rows=max_rows).html)
    html_formatter.for_type(pd.Series, lambda s: format_table(s.to_frame(), max_rows=max_rows).html)
