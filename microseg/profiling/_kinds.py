"""What each column is: its kind, and numbers or dates stored as text converted.

A column's **kind** is one of :data:`KINDS`:

``constant``  one value (or none) in every row;
``binary``    exactly two values (0/1, Yes/No, True/False, M/F);
``numeric``   numbers (also numbers stored as text);
``datetime``  dates and times (also dates stored as text);
``id``        a value per row: an identifier (named like one, or unique text without spaces);
``postcode``  a postal code (named like one): a place, never averaged;
``text``      free text: mostly unique values with spaces;
``category``  everything else: a few levels.

Conversion uses pandas' own parsers (:func:`pandas.to_numeric`,
:func:`pandas.to_datetime` with its format inference) on the distinct values of
a column. Text becomes numbers when at least :data:`CONVERT_SHARE` of its
non-blank values are numbers, and dates when as many parse as dates; the values
that did not convert become missing and are counted. Day/month order is tried
both ways: when both read every value and disagree, the order is ambiguous and
:class:`~microseg.errors.SchemaError` asks for ``dayfirst=``.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ..privacy._sensitive_text import tokens

__all__ = ["KINDS", "ColumnInfo", "infer_column", "CONVERT_SHARE", "is_text"]

KINDS = ("numeric", "binary", "category", "datetime", "id", "postcode", "text", "constant")
#: Share of the non-blank values of a text column that must convert for it to be read as numbers or dates.
CONVERT_SHARE = 0.9
#: A column with at least this share of distinct values per row is an identifier or free text.
UNIQUE_SHARE = 0.95

_ID_WORDS = {"id", "ids", "uuid", "guid", "identifier", "key"}
_ID_LAST_WORDS = {"no", "nr", "number", "ref", "reference", "code"}  # only as the last word: invoice_no, account_number
_POSTCODE_WORDS = {"zip", "zipcode", "postcode", "postcodes", "postal", "plz", "postleitzahl", "codepostal", "cep"}
_DATE_SHAPE = re.compile(
    r"^\s*(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}|\d{1,2}[-/. ][A-Za-z]{3,9}[-/. ,]+\d{2,4}|[A-Za-z]{3,9}[-/. ]\d{1,2},?[-/. ]\d{2,4}"
    r"|\d{4}-\d{2}-\d{2}T[\d:.]+Z?)(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?\s*$"
)


@dataclass
class ColumnInfo:
    """One column read: its kind, its values (converted when they were text), and what the conversion cost."""

    name: Hashable
    kind: str
    values: pd.Series
    converted_from: str | None = None  # "text" when numbers or dates were read from text
    failed: int = 0  # non-missing values that did not convert (now missing)
    failed_examples: tuple = ()
    dayfirst: bool | None = None


def is_text(s: pd.Series) -> bool:
    """True for object and string columns (categoricals of text included)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return pd.api.types.is_object_dtype(s.cat.categories.dtype) or pd.api.types.is_string_dtype(s.cat.categories.dtype)
    return pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)


def _words(name: Hashable) -> tuple[str, ...]:
    return tokens(str(name))


def _named_id(name: Hashable) -> bool:
    w = _words(name)
    return bool(w) and (w[-1] in _ID_WORDS | _ID_LAST_WORDS or w[0] in _ID_WORDS or str(name).lower().startswith("unnamed"))


def _named_postcode(name: Hashable) -> bool:
    w = _words(name)
    return any(t in _POSTCODE_WORDS for t in w) or ("post" in w and "code" in w)


def _distinct_text(s: pd.Series) -> tuple[np.ndarray, pd.Index, pd.Index]:
    """Codes per row (-1 = missing), the distinct non-missing values as str, and the same stripped."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    raw = pd.Index(uniques.astype(str), dtype=object)
    return codes, raw, raw.str.strip()


def _to_numbers(u: pd.Index) -> pd.Series:
    """Numbers read from distinct text values: plain, with thousands separators (1,234.5 or 1.234,5), or a decimal comma.

    A comma followed by exactly three digits in every value that has one is a
    thousands separator (1,234); otherwise it is a decimal comma (12,5).

    Examples
    --------
    >>> import pandas as pd
    >>> _to_numbers(pd.Index(["1,234", "12,000", "7"], dtype=object)).tolist()
    [1234.0, 12000.0, 7.0]
    >>> _to_numbers(pd.Index(["12,5", "3,25", "1.234,5"], dtype=object)).tolist()
    [12.5, 3.25, 1234.5]
    """
    s = pd.Series(u, dtype=object)
    num = pd.to_numeric(s, errors="coerce")
    todo = num.isna().to_numpy()
    if not todo.any():
        return num.astype("float64")
    t = s[todo].str.strip()
    us = t.str.fullmatch(r"-?\d{1,3}(?:,\d{3})+(?:\.\d+)?")  # 1,234 or 1,234.5
    eu = t.str.fullmatch(r"-?\d{1,3}(?:\.\d{3})+(?:,\d+)?")  # 1.234 or 1.234,5
    comma = t.str.fullmatch(r"-?\d+,\d+")  # 12,5 (or 1,234)
    thousands_comma = bool(us.any()) and not bool((comma & ~us).any())
    fixed = t.copy()
    if thousands_comma:
        fixed = fixed.where(~us, t.str.replace(",", "", regex=False))
    else:
        fixed = fixed.where(~(eu | comma), t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
    num[todo] = pd.to_numeric(fixed, errors="coerce").to_numpy()
    return num.astype("float64")


def _formats(sample: pd.Index) -> list[str]:
    """The formats pandas guesses for a few values, both day/month orders, most frequent first."""
    from pandas.tseries.api import guess_datetime_format

    found = []
    with warnings.catch_warnings():  # "parsing dates in %d/%m/%Y format when dayfirst=False": we try both orders
        warnings.simplefilter("ignore", UserWarning)
        for v in sample[:50]:
            found += [f for f in (guess_datetime_format(v, dayfirst=False), guess_datetime_format(v, dayfirst=True)) if f]
    return sorted(set(found), key=lambda f: (-found.count(f), f))


def _day_first(fmt: str) -> bool | None:
    """True when a format reads the day before the month, False for month first, None when the order is fixed (ISO, month names)."""
    d, m = fmt.find("%d"), fmt.find("%m")
    if d < 0 or m < 0 or fmt.startswith("%Y"):
        return None
    return d < m


def _parse_dates(u: pd.Series, fmt: str | None) -> pd.Series:
    if fmt is None:
        return pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    try:
        out = pd.to_datetime(u, errors="coerce", format=fmt)
    except (ValueError, TypeError, OverflowError):
        return pd.Series(pd.NaT, index=u.index, dtype="datetime64[ns]")
    if isinstance(out.dtype, pd.DatetimeTZDtype):
        out = out.dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def _to_dates(name: Hashable, u: pd.Index, weight: np.ndarray, dayfirst: bool | None) -> tuple[pd.Series | None, bool | None]:
    """Dates read from the distinct text values ``u`` (None when they are not dates), and the day/month order used."""
    if len(u) == 0:
        return None, None
    sample = u[:: max(1, len(u) // 500)]
    if np.mean(np.asarray(sample.str.match(_DATE_SHAPE), dtype=bool)) < 0.5:  # a quick gate; the share read is below
        return None, None
    su = pd.Series(u, dtype=object)
    need = CONVERT_SHARE * weight.sum()
    reads = []  # (share of rows read, format, dates)
    for fmt in _formats(sample):
        if dayfirst is not None and _day_first(fmt) not in (None, dayfirst):
            continue
        out = _parse_dates(su, fmt)
        reads.append((weight[out.notna().to_numpy()].sum(), fmt, out))
    if not reads or max(r[0] for r in reads) < need:
        return None, None
    best = max(r[0] for r in reads)
    top = [r for r in reads if r[0] == best]
    orders = {_day_first(f): out for _, f, out in top}
    if True in orders and False in orders:
        a, b = orders[False], orders[True]
        differ = (a.notna() & b.notna() & (a != b)).to_numpy()
        if differ.any():
            ex = ", ".join(repr(v) for v in u[differ][:3])
            raise SchemaError(
                f"column {name!r} holds dates whose day/month order is ambiguous (e.g. {ex}: every value reads "
                "both ways); say which it is with dayfirst=True (31/12) or dayfirst=False (12/31) "
                "(on the command line: --dayfirst)."
            )
    _, fmt, out = top[0]
    return out, _day_first(fmt)


def _from_text(s: pd.Series, dayfirst: bool | None) -> ColumnInfo | None:
    """Numbers or dates read from a text column, or None when it is neither."""
    codes, raw, u = _distinct_text(s)
    if len(u) == 0:
        return None
    weight = np.bincount(codes[codes >= 0], minlength=len(u)).astype(float)
    blank = np.asarray(u == "", dtype=bool)
    nonblank_w = weight[~blank]
    if nonblank_w.sum() == 0:
        return None
    ub = u[~blank]
    num = _to_numbers(ub)
    ok = num.notna().to_numpy()
    # digit strings with leading zeros ("00123", "0612...") are codes, not numbers
    lead0 = np.asarray(ub.str.match(r"^0\d"), dtype=bool)
    converted, conv_kind, used_dayfirst = None, None, None
    # letters around digits in the values that are not numbers ("C536379", "85123A"): codes, not numbers
    coded = ~ok & np.asarray(ub.str.fullmatch(r"[A-Za-z]{1,3}\d+[A-Za-z]{0,3}|\d+[A-Za-z]{1,3}"), dtype=bool)
    codes_like = nonblank_w[coded].sum() > 0.5 * nonblank_w[~ok].sum() if (~ok).any() else False
    if (nonblank_w[ok].sum() >= CONVERT_SHARE * nonblank_w.sum() and nonblank_w[lead0].sum() < 0.1 * nonblank_w.sum()
            and not codes_like):
        converted, conv_kind = num, "numeric"
    else:
        dates, used_dayfirst = _to_dates(s.name, ub, nonblank_w, dayfirst)
        if dates is not None:
            converted, conv_kind = dates, "datetime"
    if converted is None:
        return None
    per_code = pd.Series(np.nan if conv_kind == "numeric" else pd.NaT, index=range(len(u)),
                         dtype="float64" if conv_kind == "numeric" else converted.dtype)  # fmt: skip
    per_code.iloc[np.flatnonzero(~blank)] = converted.to_numpy()
    vals = per_code.to_numpy()
    out = np.where(codes >= 0, vals[np.maximum(codes, 0)], np.nan if conv_kind == "numeric" else np.datetime64("NaT"))
    values = pd.Series(out, index=s.index, name=s.name)
    bad = per_code.isna().to_numpy()
    failed = int(weight[bad].sum())
    examples = tuple(raw[bad][:3])
    return ColumnInfo(s.name, conv_kind, values, "text", failed, examples, used_dayfirst)


def _kind_of(s: pd.Series) -> str:
    """The kind of a column whose values are already in their final type."""
    n_ok = int(s.notna().sum())
    if pd.api.types.is_bool_dtype(s.dtype):
        return "binary" if s.nunique() == 2 else "constant"
    distinct = int(s.nunique(dropna=True))
    if distinct <= 1:
        return "constant"
    if distinct == 2:
        return "binary"
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or pd.api.types.is_timedelta64_dtype(s.dtype):
        return "datetime"
    text = is_text(s)
    if _named_postcode(s.name) and (not text or s.dropna().astype(str).str.len().max() <= 10):
        return "postcode"
    unique = distinct >= UNIQUE_SHARE * n_ok and n_ok >= 20
    if pd.api.types.is_numeric_dtype(s.dtype):
        x = s.dropna().to_numpy()
        x = x[np.isfinite(x)] if x.dtype.kind == "f" else x  # +-inf is neither whole nor an id
        integral = pd.api.types.is_integer_dtype(s.dtype) or bool(np.all(np.mod(x, 1) == 0))
        if integral and _named_id(s.name) and (unique or distinct > 50):  # ids repeat in a log: still not a number
            return "id"
        return "numeric"
    if text:
        if _named_id(s.name) and (distinct >= 0.5 * n_ok or distinct > 50):
            return "id"
        if unique or distinct > 50:
            v = s.dropna().astype(str)
            v = v.iloc[:: max(1, len(v) // 2000)]
            spaced = v.str.strip().str.contains(r"\s").mean()
            if spaced >= 0.5 and v.str.len().mean() >= 20:
                return "text"
            if unique and spaced < 0.5:
                return "id"
    return "category"


def infer_column(s: pd.Series, *, dayfirst: bool | None = None) -> ColumnInfo:
    """Read one column: numbers and dates stored as text are converted; return its kind and values.

    Examples
    --------
    >>> import pandas as pd
    >>> info = infer_column(pd.Series(["29.85", "1889.5", " ", "108.15"] * 10, name="TotalCharges"))
    >>> info.kind, info.converted_from, info.failed
    ('numeric', 'text', 10)
    >>> infer_column(pd.Series(["13/01/2024", "02/03/2024"] * 10, name="day")).dayfirst
    True
    >>> infer_column(pd.Series([90001, 90210, 94105] * 10, name="ZipCode")).kind
    'postcode'
    """
    info = None
    if is_text(s) and not isinstance(s.dtype, pd.CategoricalDtype) and s.notna().any():
        info = _from_text(s, dayfirst)
    if info is None:
        info = ColumnInfo(s.name, "", s)
    kind = _kind_of(info.values)
    if info.converted_from and kind in ("postcode", "id"):  # codes written as digits stay text
        info = ColumnInfo(s.name, "", s)
        kind = _kind_of(s)
    info.kind = kind
    return info
