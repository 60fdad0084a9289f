"""Sensitive attributes: the one detector that decides which columns may not drive targeting.

A column is **sensitive** when the caller tags it (``sensitive=[...]``), when its
name names a GDPR Art. 9 special category (racial or ethnic origin, political
opinions, religious or philosophical beliefs, trade-union membership, genetic,
biometric, health, sex life or sexual orientation) or CPRA precise geolocation,
in English, French, German, Spanish, Arabic or Russian, or when at least half
of its values belong to a built-in vocabulary (religions, census ethnic groups,
health conditions, political parties, trade unions, latitude/longitude pairs),
whatever its name. Names are normalised first (NFKC, case, accents, zero-width
characters, homoglyphs), split into words (separators, camelCase, words run
together) and matched on stems and plurals.

A **proxy** column (nationality, citizenship or immigration status, gender
identity, caste, skin tone, BMI and other body measures) is not a special
category but may reveal one: it warns (:class:`~microseg.errors.SensitiveDataWarning`)
and names that category. Gender and age are not Art. 9 categories; under a
special ad category (housing, employment, credit) age, gender and postcode are
blocked too, as the ad platforms require.

Every function that uses columns as targeting features, filters, seeds, rule
keys, plan segments or export columns calls :func:`check_sensitive`; the caller
unlocks a column only by giving a reason, ``allow_sensitive={"column": "why
this is lawful"}``, and the reason is recorded in the result. ``profile``,
``describe`` and ``compare`` only warn: auditing a sensitive column for fairness
is legitimate. No global state: the tags travel with each call.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable, Iterable, Mapping
from typing import NamedTuple

import pandas as pd

from ..errors import MicrosegError, SensitiveAttributeError, SensitiveDataWarning
from ._sensitive_names import (
    COARSE_AREA_WORDS,
    GEO,
    LATITUDE_WORDS,
    NAME_KEYWORDS,
    PAIRED_LONGITUDE,
    PROXY_KEYWORDS,
)
from ._sensitive_text import Matcher, tokens
from ._sensitive_values import VALUE_VOCABULARIES, Vocabulary, value_finding

__all__ = [
    "SENSITIVE_KEYWORDS",
    "SPECIAL_AD_KEYWORDS",
    "find_sensitive",
    "sensitive_columns",
    "check_sensitive",
    "condition_columns",
]

#: Keywords per protected category, every language together (see ``_sensitive_names`` for them by language).
SENSITIVE_KEYWORDS: dict[str, tuple[str, ...]] = {
    cat: tuple(kw for words in langs.values() for kw in words) for cat, langs in NAME_KEYWORDS.items()
}

#: Additionally blocked when the campaign falls in a special ad category (housing, employment, credit).
SPECIAL_AD_KEYWORDS: tuple[str, ...] = (
    "age", "birth", "year birth", "date of birth", "dob", "gender", "sex", "genre",
    "postcode", "postcode prefix", "postal code", "zip", "zip code", "zipcode",
)
SPECIAL_AD_CATEGORIES = ("housing", "employment", "credit")
#: Rows read per column for the by-value check; longer columns are read at an even stride.
VALUE_SAMPLE_ROWS = 200_000

_ART9 = Matcher({kw: cat for cat, langs in NAME_KEYWORDS.items() for words in langs.values() for kw in words})
_PROXY = Matcher({kw: name for name, (_, langs) in PROXY_KEYWORDS.items() for words in langs.values() for kw in words})
_SPECIAL = Matcher({kw: "special" for kw in SPECIAL_AD_KEYWORDS}, compounds=False)
_IDENT = re.compile(r"`([^`]+)`|([^\W\d]\w*)")


class Finding(NamedTuple):
    tier: str  # "sensitive" or "proxy"
    category: str
    found_by: str  # "tag", "name", "values", "special ad category"
    evidence: str

    @property
    def reason(self) -> str:
        if self.found_by == "values":
            return f"{self.category}; {self.evidence}"
        if self.tier == "proxy":
            return f"{self.evidence}: may reveal {self.category}"
        return self.category


def _name_finding(col: Hashable, toks: tuple[str, ...], has_latitude: bool) -> Finding | None:
    hit = _ART9.match(toks)
    if hit is not None:
        kw, cat = hit
        if not (kw == "geo" and COARSE_AREA_WORDS.intersection(toks)):
            return Finding("sensitive", cat, "name", f"name matches {kw!r}")
    if has_latitude and any(t in PAIRED_LONGITUDE for t in toks):
        return Finding("sensitive", GEO, "name", "longitude next to a latitude column")
    return None


def _findings(
    columns, *, data=None, sensitive=None, special_ad_category=None, values=True, vocabularies=None, threshold=0.5
) -> dict[Hashable, Finding]:
    if special_ad_category is not None and special_ad_category not in SPECIAL_AD_CATEGORIES:
        raise MicrosegError(
            f"special_ad_category must be one of {SPECIAL_AD_CATEGORIES} or None, got {special_ad_category!r}."
        )
    if not 0 < threshold <= 1:
        raise MicrosegError(f"threshold must be a share in (0, 1], got {threshold!r}.")
    columns = list(dict.fromkeys(columns))
    frame = data if isinstance(data, pd.DataFrame) else None
    tagged = set(sensitive or ())
    toks = {c: tokens(str(c)) for c in columns}
    every = list(frame.columns) if frame is not None else columns
    has_latitude = any(t in LATITUDE_WORDS for c in every for t in tokens(str(c)))
    out: dict[Hashable, Finding] = {}
    for col in columns:
        if col in tagged:
            out[col] = Finding("sensitive", "tagged sensitive by the caller", "tag", "tagged by the caller")
            continue
        found = _name_finding(col, toks[col], has_latitude)
        if found is None and values and frame is not None and col in frame.columns:
            s = frame[col]
            if isinstance(s, pd.Series):
                if len(s) > VALUE_SAMPLE_ROWS:
                    s = s.iloc[:: len(s) // VALUE_SAMPLE_ROWS]
                v = value_finding(s, vocabularies=vocabularies, threshold=threshold)
                if v is not None:
                    ex = ", ".join(repr(e) for e in v.examples)
                    found = Finding("sensitive", v.category, "values",
                                    f"found by values: {v.share:.0%} of its values are {v.vocabulary} (e.g. {ex})")  # fmt: skip
        if found is None and special_ad_category and _SPECIAL.match(toks[col]):
            found = Finding(
                "sensitive", f"special ad category {special_ad_category}: age, gender and postcode may not be targeted",
                "special ad category", "name",
            )  # fmt: skip
        if found is None:
            hit = _PROXY.match(toks[col])
            if hit is not None:
                proxy = hit[1]
                found = Finding("proxy", PROXY_KEYWORDS[proxy][0], "name", f"{proxy} (name matches {hit[0]!r})")
        if found is not None:
            out[col] = found
    return out


def find_sensitive(
    data,
    *,
    sensitive: Iterable[Hashable] | None = None,
    special_ad_category: str | None = None,
    values: bool = True,
    vocabularies: Mapping[str, Vocabulary] | None = None,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Find the sensitive and proxy columns of a table, by name and by value.

    Parameters
    ----------
    data : pandas.DataFrame or iterable of column names
        A table (names and values are checked) or column names (names only).
    sensitive : iterable of column names, optional
        Columns the caller tags as sensitive, whatever their name.
    special_ad_category : {"housing", "employment", "credit"}, optional
        Also treat age, gender and postcode columns as sensitive.
    values : bool
        Check the values of text and categorical columns (default True).
    vocabularies : mapping name -> Vocabulary, optional
        Value vocabularies (default :data:`VALUE_VOCABULARIES`); extend with
        ``{**VALUE_VOCABULARIES, "mine": Vocabulary(category, terms=(...))}``.
    threshold : float
        Share of non-null values that must belong to a vocabulary (default 0.5).

    Returns
    -------
    pandas.DataFrame
        One row per flagged column: ``column``, ``tier`` ("sensitive": refused
        for targeting unless allowed; "proxy": warned about), ``category``,
        ``found_by`` ("name", "values", "tag", "special ad category") and ``evidence``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"group": ["Muslim", "Christian", "Hindu", "retail"], "income": [1, 2, 3, 4],
    ...                    "Relig\\u200bion": ["a", "b", "a", "b"], "nationality": ["FR", "DE", "ES", "FR"]})
    >>> found = find_sensitive(df)
    >>> found[["column", "tier", "found_by"]].to_records(index=False).tolist()
    [('group', 'sensitive', 'values'), ('Relig\\u200bion', 'sensitive', 'name'), ('nationality', 'proxy', 'name')]
    >>> found["category"].tolist()[1:]
    ['religious or philosophical beliefs (GDPR Art. 9)', 'racial or ethnic origin (GDPR Art. 9)']
    >>> found["evidence"][0]
    "found by values: 75% of its values are religions and beliefs (e.g. 'Muslim', 'Christian', 'Hindu')"
    """
    columns = list(data.columns) if isinstance(data, pd.DataFrame) else list(data)
    found = _findings(
        columns, data=data if isinstance(data, pd.DataFrame) else None, sensitive=sensitive,
        special_ad_category=special_ad_category, values=values, vocabularies=vocabularies, threshold=threshold,
    )  # fmt: skip
    rows = [{"column": c, **f._asdict()} for c, f in found.items()]
    return pd.DataFrame(rows, columns=["column", "tier", "category", "found_by", "evidence"])


def sensitive_columns(
    columns: Iterable[Hashable],
    *,
    sensitive: Iterable[Hashable] | None = None,
    special_ad_category: str | None = None,
    data: pd.DataFrame | None = None,
) -> dict[Hashable, str]:
    """Return ``{column: why it is sensitive}`` for the sensitive columns among ``columns``.

    Proxy columns are not included (see :func:`find_sensitive`).

    Parameters
    ----------
    columns : iterable of column names
    sensitive : iterable of column names, optional
        Columns the caller tags as sensitive, whatever their name.
    special_ad_category : {"housing", "employment", "credit"}, optional
        Also treat age, gender and postcode columns as sensitive.
    data : pandas.DataFrame, optional
        The table holding the columns: their values are checked too.

    Examples
    --------
    >>> sensitive_columns(["age", "Religion", "health_score", "healthy_eating", "home_lat"])
    {'Religion': 'religious or philosophical beliefs (GDPR Art. 9)', 'health_score': 'health (GDPR Art. 9)', 'home_lat': 'precise geolocation (CPRA)'}
    >>> sensitive_columns(["age", "sex"], special_ad_category="credit")
    {'age': 'special ad category credit: age, gender and postcode may not be targeted', 'sex': 'special ad category credit: age, gender and postcode may not be targeted'}
    """
    found = _findings(columns, data=data, sensitive=sensitive, special_ad_category=special_ad_category)
    return {c: f.reason for c, f in found.items() if f.tier == "sensitive"}


def check_sensitive(
    columns: Iterable[Hashable],
    *,
    sensitive: Iterable[Hashable] | None = None,
    allow_sensitive: Mapping[Hashable, str] | None = None,
    special_ad_category: str | None = None,
    purpose: str = "targeting features",
    data: pd.DataFrame | None = None,
    action: str = "refuse",
    stacklevel: int = 3,
) -> dict[Hashable, str]:
    """Refuse sensitive columns (warn about proxies); return the allowed ones with their reasons.

    Parameters
    ----------
    columns : iterable of column names
        The columns about to be used for ``purpose``.
    sensitive : iterable of column names, optional
        Extra columns the caller tags as sensitive.
    allow_sensitive : mapping column -> reason, optional
        Columns the caller allows anyway, each with a written reason (a plain
        list is refused: the reason is the point).
    special_ad_category : {"housing", "employment", "credit"}, optional
        Also block age, gender and postcode.
    purpose : str
        What the columns are used as, for the message ("targeting features",
        "seed", "rule keys", "filters").
    data : pandas.DataFrame, optional
        The table holding the columns: their values are checked too.
    action : {"refuse", "warn"}
        ``"refuse"`` raises :class:`~microseg.errors.SensitiveAttributeError`
        for sensitive columns not allowed; ``"warn"`` (profiling, auditing)
        emits a :class:`~microseg.errors.SensitiveDataWarning` instead. Proxy
        columns always warn, unless allowed.
    stacklevel : int
        Passed to :func:`warnings.warn`.

    Returns
    -------
    dict
        ``{column: reason}`` for the flagged columns used with the caller's
        written reason: record it in the result.

    Examples
    --------
    >>> check_sensitive(["age", "income"])
    {}
    >>> check_sensitive(["ethnicity"])
    Traceback (most recent call last):
    ...
    microseg.errors.SensitiveAttributeError: column 'ethnicity' is sensitive (racial or ethnic origin (GDPR Art. 9)) and may not be used as targeting features. Drop it, or allow it with a written reason: allow_sensitive={'ethnicity': 'why this use is lawful'}.
    >>> check_sensitive(["ethnicity"], allow_sensitive={"ethnicity": "audited fairness study"})
    {'ethnicity': 'audited fairness study'}
    """
    if action not in ("refuse", "warn"):
        raise MicrosegError(f"action must be 'refuse' or 'warn', got {action!r}.")
    allow = _check_allow(allow_sensitive)
    found = _findings(columns, data=data, sensitive=sensitive, special_ad_category=special_ad_category)
    todo = {c: f for c, f in found.items() if c not in allow}
    blocked = {c: f for c, f in todo.items() if f.tier == "sensitive"}
    if blocked and action == "refuse":
        parts = "; ".join(f"column {c!r} is sensitive ({f.reason})" for c, f in blocked.items())
        example = {c: "why this use is lawful" for c in blocked}
        raise SensitiveAttributeError(
            f"{parts} and may not be used as {purpose}. Drop it, or allow it with a written reason: "
            f"allow_sensitive={example}."
        )
    if blocked:
        parts = "; ".join(f"column {c!r} is sensitive ({f.reason})" for c, f in blocked.items())
        warnings.warn(
            f"{parts}. Auditing it is legitimate; targeting by it needs a written reason (allow_sensitive=).",
            SensitiveDataWarning, stacklevel=stacklevel,
        )  # fmt: skip
    proxies = {c: f for c, f in todo.items() if f.tier == "proxy"}
    if proxies:
        parts = "; ".join(f"column {c!r} is {f.reason}" for c, f in proxies.items())
        warnings.warn(
            f"{parts}. It is used as {purpose}; check that this use is lawful, or silence this with "
            f"allow_sensitive={ {c: 'why this use is lawful' for c in proxies} }.",
            SensitiveDataWarning, stacklevel=stacklevel,
        )  # fmt: skip
    return {c: allow[c] for c in found if c in allow}


def condition_columns(condition, data: pd.DataFrame | None = None) -> list[Hashable]:
    """The columns a rule, mask or seed visibly reads.

    A query string reads the columns it names; a Series is named after the
    column it was built from (``df["religion"] == "x"`` is named ``religion``);
    a DataFrame reads all its columns. Callables and plain arrays name none.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"religion": ["a"], "age": [30], "home town": ["x"]})
    >>> condition_columns("religion == 'a' and age < 40 and `home town` == 'x'", df)
    ['religion', 'age', 'home town']
    >>> condition_columns(df["religion"] == "a")
    ['religion']
    """
    if isinstance(condition, str):
        names = {str(c): c for c in (data.columns if data is not None else ())}
        found = [m.group(1) or m.group(2) for m in _IDENT.finditer(condition)]
        return list(dict.fromkeys(names[f] for f in found if f in names))
    if isinstance(condition, pd.DataFrame):
        return list(condition.columns)
    if isinstance(condition, pd.Series) and condition.name is not None:
        return [condition.name]
    return []


def _check_allow(allow_sensitive) -> dict:
    if allow_sensitive is None:
        return {}
    if not isinstance(allow_sensitive, Mapping):
        raise MicrosegError(
            "allow_sensitive must map each column to a written reason, e.g. "
            "{'health_score': 'consented wellness programme'}; a plain list is not accepted."
        )
    empty = [c for c, why in allow_sensitive.items() if not isinstance(why, str) or not why.strip()]
    if empty:
        raise MicrosegError(f"allow_sensitive needs a non-empty reason for {empty}.")
    return dict(allow_sensitive)
