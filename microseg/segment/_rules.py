"""Segments by rule: value bands, rule segments defined as data, attribute combinations.

All three return one thing: a categorical :class:`pandas.Series` of segment
labels on the frame's index, ready for :func:`microseg.profile`, with the
number of people per label in ``labels.attrs["counts"]`` (a dict, in category
order).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from .._validation import check_columns, check_frame, condition_mask, report_rows
from ..errors import MicrosegError, SchemaError

__all__ = ["bands", "rule_segments", "combine", "AGE_EDGES"]

AGE_EDGES = (0, 18, 25, 35, 45, 55, 65, np.inf)
MISSING = "(missing)"


def _counts(labels: pd.Series) -> dict:
    vc = labels.value_counts(sort=False, dropna=True)
    return {k: int(v) for k, v in vc.items()}


def _fmt(v: float) -> str:
    if np.isinf(v):
        return "inf"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.3g}"


def _edge_labels(edges: Sequence[float], integer: bool) -> list[str]:
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        if np.isinf(b):
            out.append(f"{_fmt(a)}+")
        elif np.isinf(a):
            out.append(f"<{_fmt(b)}")
        elif integer and float(a).is_integer() and float(b).is_integer():
            out.append(f"{_fmt(a)}–{_fmt(b - 1)}" if b - 1 > a else _fmt(a))
        else:
            out.append(f"{_fmt(a)}–<{_fmt(b)}")
    return out


def bands(
    series: pd.Series,
    edges: Sequence[float] | str = "quantile",
    labels: Sequence[str] | None = None,
    *,
    q: int = 4,
    turnover=None,
    balance_sheet=None,
) -> pd.Series:
    """Cut a numeric column into ordered bands (age bands, income bands, ...), or band it by a named scheme.

    Bands are closed on the left and open on the right: ``[18, 25)`` holds
    18 to 24.

    Parameters
    ----------
    series : pandas.Series
        Numeric values; missing values stay missing.
    edges : sequence of float, or a scheme name
        Band edges in increasing order, or one of the named schemes:

        - ``"quantile"``: ``q`` equal-sized bands;
        - ``"age"``: 0, 18, 25, 35, 45, 55, 65, ∞;
        - ``"eu_sme"``: EU enterprise size classes from a headcount (micro
          < 10, small < 50, medium < 250, large); with ``turnover`` (and/or
          ``balance_sheet``) a firm must also meet the class's financial
          ceiling (turnover ≤ €2M / €10M / €50M, or balance-sheet total
          ≤ €2M / €10M / €43M), else it moves up a class;
        - ``"revenue"``: annual revenue bands ``<1M``, ``1M–10M``,
          ``10M–50M``, ``50M–250M``, ``250M–1B``, ``1B+`` (any currency);
        - ``"naics_sector"``: the 20 NAICS sectors from the first two digits
          of a NAICS code (number or text), with 31–33, 44–45 and 48–49 each
          one sector (labels such as ``"31–33 Manufacturing"``);
        - ``"nace_section"``: the NACE Rev. 2 sections A–U from the two-digit
          division of a NACE code (text such as ``"10.11"`` or ``"C10.11"``,
          or the division as a number; labels such as ``"C Manufacturing"``).

        Codes that belong to no sector, and negative revenues, are reported
        with a :class:`~microseg.DataQualityWarning` and left missing.
    labels : sequence of str, optional
        One name per band. Default: the ranges (``"18–24"``, ``"65+"``), or
        ``"Q1"`` … ``"Qq"`` for quantile bands (lowest first). Named
        firmographic schemes name their own bands.
    q : int
        Number of quantile bands.
    turnover, balance_sheet : Series or array-like, optional
        For ``"eu_sme"`` only: annual turnover and balance-sheet total in
        euros, one per row (missing values leave the class missing unless the
        other figure is given).

    Returns
    -------
    pandas.Series
        Ordered categorical labels on the series' index, with ``attrs["counts"]``
        (people per band) and ``attrs["edges"]``. Values outside the edges are
        reported with a :class:`~microseg.DataQualityWarning` and left missing.

    Examples
    --------
    >>> import pandas as pd
    >>> age = pd.Series([17, 18, 24, 25, 70])
    >>> bands(age, "age").tolist()
    ['0–17', '18–24', '18–24', '25–34', '65+']
    >>> bands(pd.Series([1.0, 2, 3, 4]), "quantile", q=2).attrs["counts"]
    {'Q1': 2, 'Q2': 2}
    >>> bands(pd.Series([4, 30, 120, 900]), "eu_sme").tolist()
    ['micro', 'small', 'medium', 'large']
    >>> bands(pd.Series([4, 30]), "eu_sme", turnover=[1e6, 12e6]).tolist()  # 12M turnover: not small
    ['micro', 'medium']
    >>> bands(pd.Series(["336390", "484121", "541511"]), "naics_sector").tolist()
    ['31–33 Manufacturing', '48–49 Transportation and Warehousing', '54 Professional, Scientific, and Technical Services']
    >>> bands(pd.Series(["10.11", "C25.62", "62.01"]), "nace_section").str[:1].tolist()
    ['C', 'C', 'J']
    """
    if not isinstance(series, pd.Series):
        series = pd.Series(series)
    from ._firmographic import SCHEMES, scheme_bands

    if isinstance(edges, str) and edges in SCHEMES:
        return scheme_bands(series, edges, labels=labels, turnover=turnover, balance_sheet=balance_sheet)
    if turnover is not None or balance_sheet is not None:
        raise MicrosegError("turnover= and balance_sheet= apply to the 'eu_sme' scheme only; pass edges='eu_sme'.")
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        raise SchemaError(
            f"bands() needs numeric values, got dtype {series.dtype} for {series.name!r}; "
            "convert with pd.to_numeric(...) first."
        )
    x = series.astype("float64")
    integer = pd.api.types.is_integer_dtype(series) or bool(np.all(np.mod(x.dropna(), 1) == 0))
    if isinstance(edges, str):
        if edges == "age":
            cut_edges = list(AGE_EDGES)
        elif edges == "quantile":
            if int(q) < 2:
                raise MicrosegError(f"q must be at least 2, got {q!r}.")
            qs = np.unique(np.nanquantile(x, np.linspace(0, 1, int(q) + 1)))
            if qs.size - 1 < int(q):
                raise MicrosegError(
                    f"{series.name!r} has too few distinct values for {q} quantile bands "
                    f"(only {qs.size - 1} distinct edges); pass fewer bands (q=...) or explicit edges."
                )
            cut_edges = list(qs)
            cut_edges[-1] = np.nextafter(cut_edges[-1], np.inf)
            if labels is None:
                labels = [f"Q{i + 1}" for i in range(int(q))]
        else:
            raise MicrosegError(
                f"edges must be a sequence of numbers or one of 'quantile', 'age', 'eu_sme', 'revenue', "
                f"'naics_sector', 'nace_section'; got {edges!r}."
            )
    else:
        cut_edges = [float(e) for e in edges]
        if len(cut_edges) < 2 or np.any(np.diff(cut_edges) <= 0):
            raise MicrosegError(f"edges must be at least two increasing numbers, got {list(edges)!r}.")
    if labels is None:
        labels = _edge_labels(cut_edges, integer)
    labels = list(labels)
    if len(labels) != len(cut_edges) - 1:
        raise MicrosegError(f"{len(cut_edges) - 1} bands need {len(cut_edges) - 1} labels; got {len(labels)}.")
    out = pd.cut(x, cut_edges, right=False, labels=labels, ordered=True)
    out = out.rename(series.name)
    outside = int((out.isna() & x.notna()).sum())
    out.attrs["counts"] = _counts(out)
    out.attrs["edges"] = [float(e) for e in cut_edges]
    if outside:
        report_rows(out, {"values outside the band edges (left missing)": outside}, stacklevel=3)
    return out




def rule_segments(
    df: pd.DataFrame,
    rules: Mapping[Hashable, object],
    *,
    default: str = "other",
    allow_sensitive: Mapping[Hashable, str] | None = None,
) -> pd.Series:
    """Segments defined as data: an ordered mapping name → condition; first match wins.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person.
    rules : mapping
        Segment name → condition, tried in order. A condition is a boolean
        Series on ``df``'s index, a boolean array in row order, a callable
        ``df -> mask``, or a string for :meth:`pandas.DataFrame.eval`
        (``"age < 30 and gamer"``). Missing values in a mask count as no match.
    default : str
        Label of the people no rule matches.
    allow_sensitive : mapping column -> reason, optional
        Rules may not read sensitive columns (found by name or by value by
        :func:`microseg.privacy.check_sensitive`: the columns a query string
        names, or a mask named after its column) unless allowed with a
        written reason; the reasons are kept in ``attrs["sensitive_allowed"]``.

    Returns
    -------
    pandas.Series
        Categorical labels (categories in rule order, then ``default``) on
        ``df``'s index, with ``attrs["counts"]`` = people per segment.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [22, 35, 61, 28], "gamer": [True, False, False, False]})
    >>> s = rule_segments(df, {"young gamers": "age < 30 and gamer", "seniors": lambda d: d.age >= 60})
    >>> s.tolist()
    ['young gamers', 'other', 'seniors', 'other']
    >>> s.attrs["counts"]
    {'young gamers': 1, 'seniors': 1, 'other': 2}
    """
    check_frame(df)
    if not isinstance(rules, Mapping) or not rules:
        raise MicrosegError("rules must be a non-empty mapping of segment name → condition (e.g. a dict).")
    if default in rules:
        raise MicrosegError(f"{default!r} is the label for unmatched rows; rename that rule or pass default=...")
    from ..privacy.sensitive import check_sensitive, condition_columns

    rules = {name: cond(df) if callable(cond) else cond for name, cond in rules.items()}
    used = [c for cond in rules.values() for c in condition_columns(cond, df)]
    allowed = check_sensitive(used, data=df, allow_sensitive=allow_sensitive, purpose="rule keys")
    codes = np.full(len(df), len(rules), dtype=np.int64)
    for i, (name, cond) in enumerate(reversed(list(rules.items()))):
        mask = condition_mask(df, name, cond)
        codes[mask] = len(rules) - 1 - i
    cats = [*rules.keys(), default]
    out = pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object)), index=df.index, name="segment")
    out.attrs["counts"] = _counts(out)
    out.attrs["sensitive_allowed"] = allowed
    return out


def combine(df: pd.DataFrame, columns: Sequence[Hashable], *, sep: str = " / ") -> pd.Series:
    """Attribute combinations as segments: one label per distinct combination of ``columns``.

    Parameters
    ----------
    df : pandas.DataFrame
    columns : sequence of column names
        Two or more columns, e.g. ``["gender", "age_band", "urban_rural"]``.
    sep : str
        Separator in the labels.

    Returns
    -------
    pandas.Series
        Categorical labels like ``"female / 25–34"`` (missing values read
        ``"(missing)"``), categories ordered from the largest combination to the
        smallest, with ``attrs["counts"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"g": ["f", "m", "f", "f"], "u": ["urban", "rural", "urban", None]})
    >>> s = combine(df, ["g", "u"])
    >>> s.tolist()
    ['f / urban', 'm / rural', 'f / urban', 'f / (missing)']
    >>> list(s.attrs["counts"])[0]
    'f / urban'
    """
    check_frame(df)
    columns = list(columns)
    if not columns:
        raise MicrosegError("combine() needs at least one column.")
    check_columns(df, columns)
    codes = np.zeros(len(df), dtype=np.int64)
    level_names: list[list[str]] = []
    for c in columns:
        cc, uniq = pd.factorize(df[c], use_na_sentinel=True)
        lv = [str(u) for u in uniq] + [MISSING]
        cc = np.where(cc < 0, len(uniq), cc)
        codes = codes * len(lv) + cc
        level_names.append(lv)
    uniq_codes, inv = np.unique(codes, return_inverse=True)
    counts = np.bincount(inv)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    labels = []
    for j in order:
        code, parts = int(uniq_codes[j]), []
        for lv in reversed(level_names):
            code, r = divmod(code, len(lv))
            parts.append(lv[r])
        labels.append(sep.join(reversed(parts)))
    out = pd.Series(pd.Categorical.from_codes(rank[inv], categories=pd.Index(labels, dtype=object)), index=df.index, name=sep.join(map(str, columns)))
    out.attrs["counts"] = _counts(out)
    return out
