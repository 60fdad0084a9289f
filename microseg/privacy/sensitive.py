"""Sensitive attributes: the one place that decides which columns may not drive targeting.

A column is sensitive when the caller tags it (``sensitive=[...]``) or when its
name matches, on word boundaries, a keyword of a GDPR Art. 9 special category
(racial or ethnic origin, political opinions, religious or philosophical
beliefs, trade-union membership, genetic, biometric, health, sex life or sexual
orientation) or of CPRA precise geolocation. Gender and age are not Art. 9
categories; under a special ad category (housing, employment, credit) age,
gender and postcode are blocked too, as the ad platforms require.

Every function that uses columns as targeting features, filters, seeds or rule
keys calls :func:`check_sensitive`; the caller unlocks a column only by giving a
reason, ``allow_sensitive={"column": "why this is lawful"}``. No global state:
the tags travel with each call.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping

from ..errors import MicrosegError, SensitiveAttributeError

__all__ = ["SENSITIVE_KEYWORDS", "SPECIAL_AD_KEYWORDS", "sensitive_columns", "check_sensitive"]

#: Keyword token sequences per protected category, matched on word boundaries of column names.
SENSITIVE_KEYWORDS: dict[str, tuple[str, ...]] = {
    "racial or ethnic origin (GDPR Art. 9)": ("race", "racial", "ethnic", "ethnicity", "ethnic origin", "skin colour", "skin color"),
    "political opinions (GDPR Art. 9)": ("political", "politics", "party affiliation", "voting intention", "vote intention", "voted"),
    "religious or philosophical beliefs (GDPR Art. 9)": ("religion", "religious", "faith", "beliefs", "denomination", "church", "mosque", "synagogue"),
    "trade-union membership (GDPR Art. 9)": ("trade union", "union member", "union membership", "unionised", "unionized"),
    "genetic data (GDPR Art. 9)": ("genetic", "genome", "dna", "genotype"),
    "biometric data (GDPR Art. 9)": ("biometric", "fingerprint", "faceprint", "face template", "retina", "iris scan", "voiceprint"),
    "health (GDPR Art. 9)": (
        "health", "medical", "diagnosis", "disease", "illness", "disability", "disabled", "pregnant",
        "pregnancy", "due date", "medication", "prescription", "mental", "hiv", "diabetes", "cancer",
    ),
    "sex life or sexual orientation (GDPR Art. 9)": ("sexual", "sex life", "sexuality", "orientation", "lgbt", "lgbtq", "gay", "lesbian"),
    "precise geolocation (CPRA)": ("latitude", "longitude", "lat", "lon", "lng", "geolocation", "gps", "geohash", "precise location"),
}

#: Additionally blocked when the campaign falls in a special ad category (housing, employment, credit).
SPECIAL_AD_KEYWORDS: tuple[str, ...] = (
    "age", "birth", "year birth", "date of birth", "dob", "gender", "sex", "genre",
    "postcode", "postcode prefix", "postal code", "zip", "zip code", "zipcode",
)
SPECIAL_AD_CATEGORIES = ("housing", "employment", "credit")


def _tokens(name: Hashable) -> list[str]:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    return [t for t in re.split(r"[^0-9a-zA-Z]+", text.lower()) if t]


def _matches(tokens: list[str], keyword: str) -> bool:
    kw = keyword.split()
    n = len(kw)
    return any(tokens[i : i + n] == kw for i in range(len(tokens) - n + 1))


def sensitive_columns(
    columns: Iterable[Hashable],
    *,
    sensitive: Iterable[Hashable] | None = None,
    special_ad_category: str | None = None,
) -> dict[Hashable, str]:
    """Return ``{column: why it is sensitive}`` for the sensitive columns among ``columns``.

    Parameters
    ----------
    columns : iterable of column names
    sensitive : iterable of column names, optional
        Columns the caller tags as sensitive, whatever their name.
    special_ad_category : {"housing", "employment", "credit"}, optional
        Also treat age, gender and postcode columns as sensitive.

    Examples
    --------
    >>> sensitive_columns(["age", "Religion", "health_score", "healthy_eating", "home_lat"])
    {'Religion': 'religious or philosophical beliefs (GDPR Art. 9)', 'health_score': 'health (GDPR Art. 9)', 'home_lat': 'precise geolocation (CPRA)'}
    >>> sensitive_columns(["age", "sex"], special_ad_category="credit")
    {'age': 'special ad category credit: age, gender and postcode may not be targeted', 'sex': 'special ad category credit: age, gender and postcode may not be targeted'}
    """
    if special_ad_category is not None and special_ad_category not in SPECIAL_AD_CATEGORIES:
        raise MicrosegError(
            f"special_ad_category must be one of {SPECIAL_AD_CATEGORIES} or None, got {special_ad_category!r}."
        )
    tagged = set(sensitive or ())
    out: dict[Hashable, str] = {}
    for col in columns:
        if col in tagged:
            out[col] = "tagged sensitive by the caller"
            continue
        toks = _tokens(col)
        for category, keywords in SENSITIVE_KEYWORDS.items():
            if any(_matches(toks, kw) for kw in keywords):
                out[col] = category
                break
        else:
            if special_ad_category and any(_matches(toks, kw) for kw in SPECIAL_AD_KEYWORDS):
                out[col] = (
                    f"special ad category {special_ad_category}: age, gender and postcode may not be targeted"
                )
    return out


def check_sensitive(
    columns: Iterable[Hashable],
    *,
    sensitive: Iterable[Hashable] | None = None,
    allow_sensitive: Mapping[Hashable, str] | None = None,
    special_ad_category: str | None = None,
    purpose: str = "targeting features",
) -> None:
    """Raise :class:`~microseg.errors.SensitiveAttributeError` if a sensitive column is used.

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

    Examples
    --------
    >>> check_sensitive(["age", "income"])
    >>> check_sensitive(["ethnicity"])
    Traceback (most recent call last):
    ...
    microseg.errors.SensitiveAttributeError: column 'ethnicity' is sensitive (racial or ethnic origin (GDPR Art. 9)) and may not be used as targeting features. Drop it, or allow it with a written reason: allow_sensitive={'ethnicity': 'why this use is lawful'}.
    >>> check_sensitive(["ethnicity"], allow_sensitive={"ethnicity": "audited fairness study"})
    """
    allow = _check_allow(allow_sensitive)
    found = sensitive_columns(columns, sensitive=sensitive, special_ad_category=special_ad_category)
    blocked = {c: why for c, why in found.items() if c not in allow}
    if blocked:
        parts = "; ".join(f"column {c!r} is sensitive ({why})" for c, why in blocked.items())
        example = {c: "why this use is lawful" for c in blocked}
        raise SensitiveAttributeError(
            f"{parts} and may not be used as {purpose}. Drop it, or allow it with a written reason: "
            f"allow_sensitive={example}."
        )


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
