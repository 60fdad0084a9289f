"""Numbers and traits in plain words, shared by every result that talks.

Profiles name and describe segments (:meth:`SegmentProfile.describe_segments`),
lookalike explanations list the seed's traits, and the cluster tools write
their recommendations as sentences; they all format numbers and traits here.
"""

from __future__ import annotations

__all__ = ["pretty", "number", "phrase", "short", "join", "duration"]


def pretty(col) -> str:
    """A column name in words: underscores become spaces."""
    return str(col).replace("_", " ")


def number(v: float) -> str:
    """A number as people write it: 48,852 rather than 4.89e+04; 1968 (a year) rather than 1,968 or 1.97e+03.

    Whole numbers from 1,000 to 9,999 have no thousands separator (years read
    as years); 3 significant digits below 1,000.

    Examples
    --------
    >>> number(48852.4), number(1968.8), number(0.12345)
    ('48,852', '1969', '0.123')
    """
    if abs(v) >= 10_000:
        return f"{v:,.0f}"
    return f"{v:.0f}" if abs(v) >= 1000 else f"{v:.3g}"


def phrase(r) -> str:
    """One trait of a profile row (:meth:`SegmentProfile.to_frame`) as a phrase.

    Examples
    --------
    >>> phrase({"column": "has_app", "kind": "flag", "index": 250.0})
    '2.5× as likely to be has app'
    >>> phrase({"column": "age", "kind": "numeric", "difference": -4.0, "mean_segment": 31.0, "mean_overall": 35.0})
    'younger (mean 31 vs 35)'
    >>> phrase({"column": "Contract", "kind": "category", "level": "Month-to-month", "index": 180.0})
    'Contract: Month-to-month (1.8× as likely)'
    """
    col = pretty(r["column"])
    if r["kind"] == "numeric":
        higher = r["difference"] > 0
        word = ("older" if higher else "younger") if col == "age" else f"{col} {'above' if higher else 'below'} average"
        return f"{word} (mean {number(r['mean_segment'])} vs {number(r['mean_overall'])})"
    ratio = r["index"] / 100
    if r["kind"] != "flag":  # a level reads as the column names it: "Contract: Month-to-month"
        trait = f"{r['column']}: {r['level']}"
        if ratio >= 1:
            return f"{trait} ({ratio:.1f}× as likely)"
        return f"{trait} ({1 / ratio:.1f}× less likely)" if ratio > 0 else f"{trait} (never)"
    what = f"to be {col}"
    if ratio >= 1:
        return f"{ratio:.1f}× as likely {what}"
    return f"{1 / ratio:.1f}× less likely {what}" if ratio > 0 else f"never {what[3:]}"


def short(r) -> str:
    """One trait of a profile row as a word or two, for a segment's suggested name."""
    col = pretty(r["column"])
    if r["kind"] == "numeric":
        if col == "age":
            return "older" if r["difference"] > 0 else "younger"
        return f"{'high' if r['difference'] > 0 else 'low'}-{col}"
    if r["kind"] == "flag":
        return col if r["effect_size"] > 0 else f"non-{col}"
    trait = f"{r['column']}: {r['level']}"
    return trait if r["effect_size"] > 0 else f"not {trait}"


def join(words: list[str]) -> str:
    """Words joined as a sentence lists them.

    Examples
    --------
    >>> join(["a", "b", "c"])
    'a, b and c'
    """
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def duration(td) -> str:
    """A length of time in words: ``'7 days'``, ``'90 minutes'``, ``'1 min 23 s'``, ``'3 days 4 h'``.

    Whole days, hours or minutes are written out; other lengths as their two
    largest units. ``NaT`` (or NaN) gives ``'–'``. Accepts a Timedelta,
    a numpy timedelta64 or a number of seconds.

    Examples
    --------
    >>> import pandas as pd
    >>> duration(pd.Timedelta("7D")), duration(pd.Timedelta("36h")), duration(pd.Timedelta(seconds=83))
    ('7 days', '36 hours', '1 min 23 s')
    >>> duration(pd.Timedelta(days=3, hours=4, minutes=5)), duration(pd.NaT), duration(2.5)
    ('3 days 4 h', '–', '2.5 s')
    """
    import math

    if td is None:
        return "–"
    if hasattr(td, "total_seconds"):
        try:
            s = td.total_seconds()
        except (ValueError, TypeError):
            return "–"
    elif hasattr(td, "dtype") and str(getattr(td, "dtype", "")).startswith("timedelta"):
        s = float(td.astype("timedelta64[ns]").astype("int64")) / 1e9 if str(td) != "NaT" else float("nan")
    else:
        s = float(td)
    if not math.isfinite(s):
        return "–"
    sign, s = ("-" if s < 0 else ""), abs(s)
    if s == 0:
        return "0 s"
    for unit, size in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        n = s / size
        if 1 <= n < 100 and n == int(n):
            return f"{sign}{int(n)} {unit}{'s' if n != 1 else ''}"
    if s < 60:
        return f"{sign}{s:.3g} s"
    d, rest = divmod(round(s), 86_400)
    h, rest = divmod(rest, 3_600)
    m, sec = divmod(rest, 60)
    parts = [(d, " day" + ("s" if d != 1 else "")), (h, " h"), (m, " min"), (sec, " s")]
    first = next(i for i, (v, _) in enumerate(parts) if v)
    shown = [f"{v}{u}" for v, u in parts[first:first + 2] if v]
    return sign + " ".join(shown)
