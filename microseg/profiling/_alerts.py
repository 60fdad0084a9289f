"""Alerts about a table's columns: what to fix or to know before profiling it.

One row per finding, ``column, alert, detail``; the anchors are ydata-profiling's
alerts (constant, high cardinality, unique, missing, duplicates) with the
findings that mislead on customer tables added: codes that mean "missing"
(sentinels), robust outliers, mixed types, numbers or dates read from text, and
personal or sensitive data. Personal and sensitive data are found by the one
detector in :mod:`microseg.privacy` (:func:`~microseg.privacy.find_sensitive`
for special categories, the identifier rules of :mod:`microseg.privacy.hashing`
for e-mail addresses and phone numbers), never by a second copy here.

``ALERTS`` lists the alert names.
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd

from .._words import number
from ..privacy import hashing
from ..privacy._sensitive_text import tokens
from ._kinds import ColumnInfo, is_text

__all__ = ["ALERTS", "TEXT_SENTINELS", "NUMBER_SENTINELS", "column_alerts", "table_alerts"]

ALERTS = (
    "constant", "near-constant", "id-like", "duplicate ids", "duplicate rows", "missing", "sentinel", "set to missing",
    "converted", "outliers", "mixed types", "high cardinality", "rare levels", "personal data", "sensitive", "proxy",
)  # fmt: skip
#: Text that means "missing" (compared stripped and lowercased).
TEXT_SENTINELS = ("", "unknown", "n/a", "na", "nan", "none", "null", "missing", "not available", "not known", "unk", "-", "?")
#: Numbers that often code "missing" or "never" when they form a spike at the edge of the range.
NUMBER_SENTINELS = (-1, -9, -99, -999, -9999, 999, 9999, 99999, 999999, 666666, 9999999)
NEAR_CONSTANT = 0.99
HIGH_CARDINALITY = 50
#: Tukey's far-out fences: beyond 3 interquartile ranges from the quartiles.
OUTLIER_IQR = 3.0
#: At most this share of rows may be outliers; more is a long tail, not outliers.
OUTLIER_MAX_SHARE = 0.005
_SAMPLE = 5000
_NAME_WORDS = {"surname", "firstname", "lastname", "fullname", "forename", "forenames", "givenname", "familyname"}
_NAME_PAIRS = {"first", "last", "full", "given", "family", "customer", "contact", "person", "maiden", "middle", "sur"}
_PHONE_WORDS = {"phone", "telephone", "tel", "mobile", "cell", "cellphone", "fax", "handy", "telefon", "telefono", "telephone"}


def _row(column, alert, detail) -> dict:
    return {"column": column, "alert": alert, "detail": detail}


def _pct(k: float, n: float) -> str:
    p = 100 * k / n if n else 0.0
    if 99 < p < 100:
        return f"{min(p, 99.9):.1f} %"
    return f"{p:.0f} %" if p >= 1 or p == 0 else f"{p:.1g} %"


def _count(k: int, min_cell: int) -> str:
    """A count of rows for an alert: from 1 to ``min_cell - 1`` it is not given (the one small-cell rule)."""
    return f"{k:,}" if k == 0 or k >= min_cell else f"fewer than {min_cell}"


def _share(k: int, n: int, min_cell: int) -> str:
    """A share of rows for an alert; a small count's share would give the count away, so it is bounded instead."""
    return _pct(k, n) if k == 0 or k >= min_cell else f"under {_pct(min_cell, n)}"


def _num(v) -> str:
    """A number for a message: whole numbers below 10,000 (years, codes) without a thousands separator."""
    if isinstance(v, (bool, np.bool_)):
        return str(v)
    if float(v).is_integer() and abs(v) < 10_000:
        return str(int(v))
    return number(float(v))


def _values(vals, limit: int = 5) -> str:
    vals = list(vals)
    shown = ", ".join(_num(v) if isinstance(v, (int, float, np.number)) else repr(v) for v in vals[:limit])
    return shown + (f" and {len(vals) - limit} more" if len(vals) > limit else "")


def _sample_distinct(s: pd.Series) -> pd.Series:
    u = pd.Series(s.dropna().unique())
    return u.iloc[:: max(1, len(u) // _SAMPLE)].astype(str)


def _personal(name: Hashable, s: pd.Series) -> str | None:
    """What personal data the column holds ("e-mail addresses", "phone numbers", "personal names"), or None."""
    words = tokens(str(name))
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return "phone numbers (stored as numbers)" if _PHONE_WORDS.intersection(words) else None
    if not is_text(s) or s.notna().sum() == 0:
        return None
    u = _sample_distinct(s)
    if len(u) == 0:
        return None
    if hashing._normalise_email(u, "meta").notna().mean() >= 0.5:
        return "e-mail addresses"
    shaped = u.str.fullmatch(r"\s*\+?[\d\s\-.()/]{7,20}\s*").mean()
    if shaped >= 0.5:
        u = u.iloc[: _SAMPLE // 5]
        if any(hashing._phone_to_e164_digits(u, r, name)[0].notna().mean() >= 0.5 for r in hashing.PHONE_REGIONS):
            return "phone numbers"
    name_like = bool(_NAME_WORDS.intersection(words)) or words == ("name",) or (
        "name" in words and bool(_NAME_PAIRS.intersection(words))
    )
    if name_like and s.nunique() > 10:
        return "personal names"
    return None


def _outliers(x: pd.Series) -> np.ndarray:
    q1, q3 = x.quantile([0.25, 0.75])
    iqr = q3 - q1
    if not iqr > 0:
        return np.array([])
    lo, hi = q1 - OUTLIER_IQR * iqr, q3 + OUTLIER_IQR * iqr
    out = x[(x < lo) | (x > hi)]
    if len(out) == 0 or len(out) > max(1, OUTLIER_MAX_SHARE * len(x)):
        return np.array([])
    med = x.median()
    vals = np.unique(out.to_numpy())
    return vals[np.argsort(-np.abs(vals - med), kind="stable")]


def _number_sentinels(x: pd.Series, n: int, name: Hashable, outliers: np.ndarray, min_cell: int) -> list[dict]:
    rows = []
    lo, hi = x.min(), x.max()
    for v in NUMBER_SENTINELS:
        if v not in (lo, hi):
            continue
        k = int((x == v).sum())
        if k >= 0.01 * len(x) and k >= 2 or v in outliers:
            edge = "bottom" if v == lo else "top"
            rows.append(_row(name, "sentinel", f"{v} in {_share(k, n, min_cell)} of rows ({_count(k, min_cell)}), a spike at the {edge} of the "
                             f"range: a code for 'missing' or 'never'? Treat it as missing with "
                             f"missing_values={{{name!r}: [{v}]}} (--missing-values {name}={v})."))  # fmt: skip
    return rows


def column_alerts(info: ColumnInfo, original: pd.Series, n: int, *, set_missing: int = 0, min_cell: int = 10) -> list[dict]:
    """The alerts about one column (personal and sensitive data are found table-wide, in :func:`table_alerts`).

    Counts of rows from 1 to ``min_cell - 1`` are not given, nor their shares.
    """
    name, s, kind = info.name, info.values, info.kind
    rows = []
    miss = int(s.isna().sum())
    if set_missing:
        rows.append(_row(name, "set to missing", f"{_count(set_missing, min_cell)} values ({_share(set_missing, n, min_cell)}) listed in "
                         "missing_values were set to missing, as asked."))  # fmt: skip
    if info.converted_from:
        what = "numbers"
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            what = "dates" + ("" if info.dayfirst is None else (", day first" if info.dayfirst else ", month first"))
        failed = (f"; {_count(info.failed, min_cell)} values that are not {what.split(',')[0]} (e.g. {_values(info.failed_examples, 3)}) "
                  "set to missing") if info.failed else "; every value converted"  # fmt: skip
        rows.append(_row(name, "converted", f"text read as {what}{failed}."))
    if kind == "constant":
        only = s.dropna().unique()
        rows.append(_row(name, "constant", f"always {_values(only, 1)}" if len(only) else "missing in every row"))
    elif n - miss > 0:
        top = s.value_counts(dropna=True)
        if top.iloc[0] >= NEAR_CONSTANT * (n - miss):
            rows.append(_row(name, "near-constant", f"{_values([top.index[0]], 1)} in {_pct(top.iloc[0], n - miss)} "
                             f"of the rows with a value; all other values together: {_count(n - miss - int(top.iloc[0]), min_cell)} rows."))  # fmt: skip
    if miss and kind != "constant":
        rows.append(_row(name, "missing", f"{_count(miss, min_cell)} values missing ({_share(miss, n, min_cell)})."))
    if kind == "id":
        d = int(s.nunique())
        rows.append(_row(name, "id-like", f"{d:,} distinct values in {n - miss:,} rows: an identifier, not profiled."))
        dup = int(s.dropna().duplicated().sum())
        if 0 < dup <= 0.05 * (n - miss):  # a few repeats in a table of one row per id; a log repeats ids by design
            rows.append(_row(name, "duplicate ids", f"{_count(dup, min_cell)} rows repeat an id already seen "
                             f"(e.g. {_values(s[s.duplicated(keep=False) & s.notna()].unique(), 3)})."))  # fmt: skip
    if is_text(original) and not info.converted_from and kind not in ("id", "text"):
        low = pd.Series(original.dropna().unique(), dtype=object).astype(str)
        hits = low[low.str.strip().str.lower().isin(TEXT_SENTINELS)]
        for v in hits:
            k = int((original == v).sum())
            rows.append(_row(name, "sentinel", f"{v!r} in {_share(k, n, min_cell)} of rows ({_count(k, min_cell)}) means missing but counts as "
                             f"a level; treat it as missing with missing_values={{{name!r}: [{v!r}]}} "
                             f"(--missing-values {name}={v})."))  # fmt: skip
    if kind == "numeric":
        x = s.dropna().astype("float64")
        out = _outliers(x)
        if len(out):
            k = int(x.isin(out).sum())
            rows.append(_row(name, "outliers", f"{_count(k, min_cell)} value{'s' if k > 1 else ''} beyond {OUTLIER_IQR:g} interquartile ranges from the "
                             f"quartiles: {_values(out)}; median {_num(x.median())}."))  # fmt: skip
        rows.extend(_number_sentinels(x, n, name, out, min_cell))
    if is_text(original) and not isinstance(original.dtype, pd.CategoricalDtype) and not info.converted_from:
        inferred = pd.api.types.infer_dtype(original, skipna=True)
        if inferred.startswith("mixed"):
            types = original.dropna().map(lambda v: type(v).__name__).value_counts()
            rows.append(_row(name, "mixed types", "values of several types: " +
                             ", ".join(f"{_count(k, min_cell)} {t}" for t, k in types.head(4).items()) + "."))  # fmt: skip
        elif kind == "category" and inferred == "string":
            num = pd.to_numeric(original.dropna(), errors="coerce").notna()
            if 0.2 <= num.mean() < 1:
                ex = original.dropna()[~num.to_numpy()].unique()
                rows.append(_row(name, "mixed types", f"{_pct(num.sum(), len(num))} of the values are numbers and the "
                                 f"rest text (e.g. {_values(ex, 3)}); fix the text values or read them as missing."))  # fmt: skip
    if kind == "category" and s.nunique() > HIGH_CARDINALITY:
        rows.append(_row(name, "high cardinality", f"{s.nunique():,} distinct values; levels under min_cell are "
                         "pooled in profiles; group them first for a readable profile."))  # fmt: skip
    return rows


def table_alerts(data: pd.DataFrame, original: pd.DataFrame, kinds: dict, found: pd.DataFrame, *,
                 min_cell: int = 10) -> list[dict]:
    """Alerts about the whole table: duplicated rows, personal data, and the sensitive and proxy columns ``found``.

    ``found`` is :func:`microseg.privacy.find_sensitive` of the table.
    """
    rows = []
    n_dup = int(original.duplicated().sum())
    if n_dup:
        rows.append(_row(None, "duplicate rows", f"{_count(n_dup, min_cell)} rows ({_share(n_dup, len(original), min_cell)}) repeat an earlier row."))
    ids = [c for c, k in kinds.items() if k == "id"]
    rest = [c for c in original.columns if c not in ids]
    if ids and rest:
        n_dup_rest = int(original[rest].duplicated().sum())
        if n_dup_rest > n_dup:
            rows.append(_row(None, "duplicate rows", f"{_count(n_dup_rest, min_cell)} rows ({_share(n_dup_rest, len(original), min_cell)}) repeat "
                             f"an earlier row in every column but the id ({_values(ids, 3)}): the same person "
                             "under two ids?"))  # fmt: skip
    for c in data.columns:
        what = _personal(c, data[c])
        if what:
            rows.append(_row(c, "personal data", f"looks like {what}: direct identifiers are never profiled; "
                             "hash them for an audience upload (microseg.privacy.hash_identifiers)."))  # fmt: skip
    for _, f in found.iterrows():
        rows.append(_row(f["column"], f["tier"], f"{f['category']} ({f['evidence']}, found by {f['found_by']})."))
    return rows
