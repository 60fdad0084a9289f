"""Normalise and hash personal identifiers the way ad platforms match them.

Ad platforms match customer lists by the SHA-256 of a *normalised* identifier:
two spellings of one address only match if both sides normalise them the same
way. The rules implemented here:

=============  ==============================================================
platform       rule
=============  ==============================================================
meta           email: trimmed, lowercased (Unicode NFC).
               phone: digits only, with the country code, no ``+``, no leading
               zeros (``16505551212``).
               names: trimmed, lowercased, NFC, punctuation, digits and spaces
               removed (Meta: "lowercase letters only, no punctuation"; accented
               letters are kept in UTF-8).
google         email: lowercased, all whitespace removed; for ``gmail.com`` and
               ``googlemail.com`` only, dots and any ``+tag`` removed from the
               local part.
               phone: E.164 with the ``+`` (``+18005550100``).
               names: trimmed, lowercased, NFC.
linkedin,      email only, as for meta (trimmed, lowercased).
microsoft
=============  ==============================================================

A value that already is a 64-character hex SHA-256 passes through lowercased
(the hash of an empty string is refused as blank). Missing, blank and invalid
values give ``<NA>``, with a :class:`~microseg.errors.DataQualityWarning`
counting each reason. The SHA-256 of an empty string never appears in any output.

Phone numbers
-------------
Everything but digits and a leading ``+`` is stripped (spaces, dashes, dots,
brackets, slashes; a trailing extension such as ``ext. 12`` or ``x12`` is
dropped; ``+44 (0)20 ...`` loses its bracketed trunk zero). Letters make a
phone invalid. A number is international when it starts with ``+``, ``00`` or
the international prefix of ``default_region`` (``011`` in North America,
``0011`` in Australia, ``010`` in Japan). Otherwise it is national, and needs
``default_region`` (one ISO code, or one per number for lists that mix
countries): without one, microseg raises rather than guess a country.
:data:`PHONE_REGIONS` lists the supported regions; a region not in it raises.
For a national number the region's trunk prefix is removed (``0`` in most of
Europe, an optional ``1`` in North America; Italy keeps its leading ``0``, which
belongs to the number), and the number of remaining digits is checked against
the region's range. International numbers whose country code is in the table
are checked the same way (and lose a wrongly written trunk ``0``, as in
``+44 020 ...``); other country codes are accepted with 8 to 15 digits in all.
This covers the common cases without the ``phonenumbers`` package; it does not
validate number ranges within a country.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from typing import NamedTuple

import numpy as np
import pandas as pd

from .._validation import report_rows
from ..errors import IdentifierTypeError, MicrosegError

__all__ = ["hash_identifiers", "normalise_identifiers", "PHONE_REGIONS", "PLATFORMS", "KINDS", "EMPTY_SHA256"]

KINDS = ("email", "phone", "first_name", "last_name")
#: Platforms and the identifier kinds each accepts.
PLATFORMS: dict[str, tuple[str, ...]] = {
    "meta": KINDS,
    "google": KINDS,
    "linkedin": ("email",),
    "microsoft": ("email",),
}
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


class PhoneRegion(NamedTuple):
    """Dialling rules of one region: country code, trunk prefix, national number length, international prefix."""

    country_code: str
    trunk_prefix: str
    min_digits: int
    max_digits: int
    international_prefix: str = "00"


#: Supported ``default_region`` values (ISO 3166 alpha-2). ``min_digits``/``max_digits``
#: bound the national significant number (after the trunk prefix is removed).
PHONE_REGIONS: dict[str, PhoneRegion] = {
    "US": PhoneRegion("1", "1", 10, 10, "011"),
    "CA": PhoneRegion("1", "1", 10, 10, "011"),
    "GB": PhoneRegion("44", "0", 9, 10),
    "IE": PhoneRegion("353", "0", 7, 9),
    "DE": PhoneRegion("49", "0", 6, 13),
    "AT": PhoneRegion("43", "0", 6, 13),
    "CH": PhoneRegion("41", "0", 9, 9),
    "FR": PhoneRegion("33", "0", 9, 9),
    "BE": PhoneRegion("32", "0", 8, 9),
    "NL": PhoneRegion("31", "0", 9, 9),
    "ES": PhoneRegion("34", "", 9, 9),
    "PT": PhoneRegion("351", "", 9, 9),
    "IT": PhoneRegion("39", "", 6, 11),
    "SE": PhoneRegion("46", "0", 7, 9),
    "DK": PhoneRegion("45", "", 8, 8),
    "NO": PhoneRegion("47", "", 8, 8),
    "FI": PhoneRegion("358", "0", 5, 12),
    "PL": PhoneRegion("48", "", 9, 9),
    "AU": PhoneRegion("61", "0", 9, 9, "0011"),
    "NZ": PhoneRegion("64", "0", 8, 10),
    "IN": PhoneRegion("91", "0", 10, 10),
    "JP": PhoneRegion("81", "0", 9, 10, "010"),
}
# one rule set per country code (US and CA share +1)
_BY_CC: dict[str, PhoneRegion] = {}
for _r in PHONE_REGIONS.values():
    _BY_CC.setdefault(_r.country_code, _r)

_HEX64 = r"[0-9a-fA-F]{64}"
_EMAIL = r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+"
_WS = r"\s+"


def _check_platform_kind(kind: str, platform: str) -> None:
    if kind not in KINDS:
        raise MicrosegError(f"kind must be one of {KINDS}, got {kind!r}.")
    if platform not in PLATFORMS and platform not in ("canonical", "person"):
        raise MicrosegError(f"platform must be one of {tuple(PLATFORMS)}, got {platform!r}.")
    if platform in PLATFORMS and kind not in PLATFORMS[platform]:
        raise MicrosegError(
            f"platform {platform!r} accepts only {PLATFORMS[platform]} identifiers, got kind={kind!r}; "
            "drop that identifier from the upload."
        )


def _as_text(values, kind: str) -> pd.Series:
    """Return ``values`` as a str Series on its own index; refuse numeric identifiers."""
    if isinstance(values, pd.DataFrame):
        raise MicrosegError(
            f"hash one column at a time: pass a Series such as df['{kind}'], not a DataFrame "
            f"with columns {list(values.columns)[:5]}."
        )
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    name = s.name if s.name is not None else "values"
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        _raise_numeric(name, kind, str(s.dtype))
    if s.dtype == object:
        inferred = pd.api.types.infer_dtype(s, skipna=True)
        if inferred not in ("string", "empty"):
            numeric = s.dropna().map(lambda v: isinstance(v, (int, float, np.number)))
            if numeric.any():
                _raise_numeric(name, kind, f"object holding {int(numeric.sum())} numbers")
    return s.astype("str").where(s.notna())


def _raise_numeric(name: Hashable, kind: str, dtype: str) -> None:
    raise IdentifierTypeError(
        f"column {name!r} holds {kind} identifiers as numbers ({dtype}); numbers lose the leading '+' "
        "and zeros of phone numbers and cannot be normalised reliably. Read the file with "
        f"dtype={{{name!r}: str}} (e.g. pd.read_csv(path, dtype={{{name!r}: str}}))."
    )


def _normalise_email(s: pd.Series, platform: str) -> pd.Series:
    """``platform`` is an ad platform, ``"canonical"`` (the suppression list's strict form: Gmail dots and
    ``+tags`` folded) or ``"person"`` (canonical, and a ``+tag`` removed on every domain: the person behind
    ``jo+promo@shop.example`` is ``jo@shop.example``)."""
    s = s.str.normalize("NFC").str.lower()
    if platform in ("google", "canonical", "person"):
        s = s.str.replace(_WS, "", regex=True)
    else:
        s = s.str.strip()
    valid = s.str.fullmatch(_EMAIL).fillna(False).astype(bool)
    s = s.where(valid)
    if platform == "person":
        tagged = s.str.contains(r"^[^@+]+\+[^@]*@", regex=True).fillna(False).astype(bool)
        s = s.mask(tagged, s.str.replace(r"\+[^@]*@", "@", n=1, regex=True))
        platform = "canonical"
    if platform in ("google", "canonical"):
        domain = s.str.replace(r"^[^@]*@", "", regex=True)
        gmail = domain.isin(["gmail.com", "googlemail.com"]).fillna(False).astype(bool)
        local = s.str.replace(r"@[^@]*$", "", regex=True)
        local = local.str.replace(r"\+.*$", "", regex=True).str.replace(".", "", regex=False)
        if platform == "canonical":
            domain = domain.where(~gmail, "gmail.com")
        fixed = local + "@" + domain
        s = s.where(~gmail, fixed)
        # a gmail address whose local part was only dots or a +tag is invalid
        s = s.where(~s.str.startswith("@").fillna(False).astype(bool))
    return s


def _normalise_name(s: pd.Series, platform: str) -> pd.Series:
    s = s.str.normalize("NFC").str.strip().str.lower()
    if platform in ("meta", "canonical"):
        s = s.str.replace(r"[\W\d_]+", "", regex=True)
    else:
        s = s.str.replace(_WS, " ", regex=True)
    has_letter = s.str.contains(r"[^\W\d_]", regex=True).fillna(False).astype(bool)
    return s.where(has_letter)


def _regions(default_region, index: pd.Index) -> pd.Series:
    """``default_region`` (one ISO code, or one per value) as a Series of upper-case codes on ``index``."""
    if default_region is None:
        return pd.Series(pd.NA, index=index, dtype="object")
    if isinstance(default_region, str):
        codes = pd.Series(default_region, index=index, dtype="object")
    else:
        codes = default_region if isinstance(default_region, pd.Series) else pd.Series(np.asarray(default_region, dtype=object))
        if len(codes) != len(index):
            raise MicrosegError(
                f"default_region has {len(codes)} values but there are {len(index)} phone numbers; pass one "
                "ISO country code, or one per number."
            )
        if isinstance(default_region, pd.Series) and codes.index.equals(index):
            codes = codes.astype("object")
        elif isinstance(default_region, pd.Series) and codes.index.sort_values().equals(index.sort_values()):
            codes = codes.reindex(index).astype("object")
        else:
            codes = pd.Series(codes.to_numpy(dtype=object), index=index)
    codes = codes.astype("str").where(codes.notna()).str.strip().str.upper()
    bad = sorted({c for c in codes.dropna().unique() if c not in PHONE_REGIONS})
    if bad:
        raise MicrosegError(
            f"default_region {bad[:5]!r} {'is' if len(bad) == 1 else 'are'} not supported; supported regions are "
            f"{sorted(PHONE_REGIONS)}. Write those numbers with their country code ('+...'), or map the "
            "region to missing to have such numbers refused."
        )
    return codes


def _phone_to_e164_digits(s: pd.Series, default_region, name: Hashable) -> tuple[pd.Series, pd.Series]:
    """Return (country code + national number as digits or <NA>, reason for invalid values)."""
    regions = _regions(default_region, s.index)
    keys = list(regions.dropna().unique())
    reason = pd.Series(pd.NA, index=s.index, dtype="object")
    s = s.str.strip()
    # "+44 (0)20 ...": the bracketed trunk zero is not dialled from abroad
    trunk = s.str.contains(r"^(?:\+|00)[\d\s\-.]*\(0\)", regex=True).fillna(False).astype(bool)
    if trunk.any():
        s = s.mask(trunk, s.str.replace("(0)", "", n=1, regex=False))
    s = s.str.lower().str.replace(r"\s*(?:extension|ext\.?|x|#)\s*\d{1,6}$", "", regex=True)
    shape_ok = s.str.fullmatch(r"\+?[\d\s\-.()/]*\d[\d\s\-.()/]*").fillna(False).astype(bool)
    reason = reason.mask(~shape_ok, "phone with letters or symbols")
    has_plus = s.str.startswith("+").fillna(False).astype(bool)
    digits = s.str.replace(r"\D", "", regex=True).where(shape_ok)

    intl = has_plus.copy()
    rest = digits.where(has_plus)
    dd = ~has_plus & digits.str.startswith("00").fillna(False).astype(bool)
    rest = rest.mask(dd, digits.str[2:])
    intl |= dd
    for key in keys:
        region = PHONE_REGIONS[key]
        if region.international_prefix != "00":
            ip = region.international_prefix
            rp = ~intl & regions.eq(key).fillna(False).astype(bool) & digits.str.startswith(ip).fillna(False).astype(bool)
            rest = rest.mask(rp, digits.str[len(ip):])
            intl |= rp
    national = shape_ok & ~intl
    unplaced = national & regions.isna()
    if unplaced.any():
        raise MicrosegError(
            f"column {name!r} has {int(unplaced.sum()):,} phone numbers without a country code "
            "(no leading '+' or '00') and no default_region for them; microseg does not guess the country. "
            "Pass default_region='US' (or another ISO country code, or one code per number; see "
            "microseg.privacy.PHONE_REGIONS), or write the numbers in international form."
        )

    cc = pd.Series(pd.NA, index=s.index, dtype="object")
    nsn = pd.Series(pd.NA, index=s.index, dtype="object")
    for key in keys:
        region = PHONE_REGIONS[key]
        here = national & regions.eq(key).fillna(False).astype(bool)
        if not here.any():
            continue
        nat = digits.where(here)
        if region.trunk_prefix == "1":  # North America: optional leading 1
            drop = nat.str.len().eq(11).fillna(False).astype(bool) & nat.str.startswith("1").fillna(False).astype(bool)
            nat = nat.mask(drop, nat.str[1:])
        elif region.trunk_prefix:
            nat = nat.mask(nat.str.startswith(region.trunk_prefix).fillna(False).astype(bool), nat.str[len(region.trunk_prefix):])
        cc = cc.mask(here, region.country_code)
        nsn = nsn.mask(here, nat)
    # international: find the country code among the known ones, longest first
    known = intl & rest.notna()
    assigned = pd.Series(False, index=s.index)
    for length in (3, 2, 1):
        codes = {c for c in _BY_CC if len(c) == length}
        hit = known & ~assigned & rest.str[:length].isin(codes).fillna(False).astype(bool)
        cc = cc.mask(hit, rest.str[:length])
        nsn = nsn.mask(hit, rest.str[length:])
        assigned |= hit
    unknown_cc = known & ~assigned
    # a trunk zero written after the country code (+44 020 ...) is removed
    trunk0 = cc.map({c: r.trunk_prefix == "0" for c, r in _BY_CC.items()}).fillna(False).astype(bool)
    nsn = nsn.mask(trunk0 & nsn.str.startswith("0").fillna(False).astype(bool), nsn.str[1:])

    lo = cc.map({c: r.min_digits for c, r in _BY_CC.items()}).astype("float64")
    hi = cc.map({c: r.max_digits for c, r in _BY_CC.items()}).astype("float64")
    n = nsn.str.len()
    ok_known = (n >= lo) & (n <= hi)
    nanp = cc.eq("1").fillna(False).astype(bool)
    ok_known &= ~nanp | nsn.str[:1].isin(list("23456789")).fillna(False).astype(bool)
    total = rest.str.len()
    ok_unknown = unknown_cc & total.between(8, 15).fillna(False).astype(bool) & ~rest.str.startswith("0").fillna(False).astype(bool)
    ok = (ok_known.fillna(False).astype(bool) & (national | assigned)) | ok_unknown
    out = (cc + nsn).where(~unknown_cc, rest)
    ok &= out.str.len().between(8, 15).fillna(False).astype(bool)  # E.164: at most 15 digits
    reason = reason.mask(shape_ok & ~ok, "phone with a wrong number of digits")
    return out.where(ok), reason


def _normalise(values, kind: str, platform: str, default_region: str | pd.Series | None):
    """Normalise ``values``; return (normalised or <NA>, passthrough hashes or <NA>, reason counts)."""
    norms, hashed, counts = _normalise_schemes(values, kind, (platform,), default_region)
    return norms[platform], hashed, counts


def _normalise_schemes(values, kind: str, schemes: tuple[str, ...], default_region: str | pd.Series | None):
    """Normalise ``values`` under several platforms' rules at once (phones are parsed once).

    Returns ({scheme: normalised or <NA>}, passthrough hashes or <NA>, reason counts of the first scheme).
    """
    for platform in schemes:
        _check_platform_kind(kind, platform)
    s = _as_text(values, kind)
    name = s.name if s.name is not None else "values"
    missing = s.isna()
    stripped = s.str.strip()
    blank = ~missing & stripped.eq("").fillna(False).astype(bool)
    is_hash = stripped.str.fullmatch(_HEX64).fillna(False).astype(bool)
    hashed = stripped.str.lower().where(is_hash)
    empty_hash = is_hash & hashed.eq(EMPTY_SHA256).fillna(False).astype(bool)
    hashed = hashed.where(~empty_hash)
    todo = ~missing & ~blank & ~is_hash
    text = s.where(todo)
    reason = pd.Series(pd.NA, index=s.index, dtype="object")
    norms = {}
    if kind == "phone":
        digits, reason = _phone_to_e164_digits(text, default_region, name)
        for platform in schemes:
            norms[platform] = "+" + digits if platform == "google" else digits.str.lstrip("0")
    else:
        for i, platform in enumerate(schemes):
            if kind == "email":
                norms[platform] = _normalise_email(text, platform)
                why = "not a valid email"
            else:
                norms[platform] = _normalise_name(text, platform)
                why = "name with no letters"
            if i == 0:
                reason = reason.mask(todo & norms[platform].isna(), why)
    norms = {p: n.where(todo).astype("str") for p, n in norms.items()}
    counts = {
        "missing": int(missing.sum()),
        "blank": int(blank.sum() + empty_hash.sum()),
    }
    for r, c in reason.where(todo).value_counts().items():
        counts[str(r)] = int(c)
    return norms, hashed, counts


def _sha256(norm: pd.Series, hashed: pd.Series, cache: dict[str, str] | None = None) -> pd.Series:
    """SHA-256 hex of each normalised value (each distinct value hashed once), else the passthrough hash."""
    cache = {} if cache is None else cache
    ok = norm.notna() & norm.ne("").fillna(False).astype(bool)
    vals = norm[ok]
    for v in vals.unique().tolist():
        if v not in cache:
            cache[v] = hashlib.sha256(v.encode("utf-8")).hexdigest()
    out = pd.Series(pd.NA, index=norm.index, dtype="str", name=norm.name)
    out[ok] = vals.map(cache).to_numpy()
    return out.fillna(hashed).astype("str")


def _hash(values, kind: str, platform: str, default_region: str | pd.Series | None = None):
    """Hash without warning; return (hashes, reason counts). Used by the export and suppression code."""
    norm, hashed, counts = _normalise(values, kind, platform, default_region)
    return _sha256(norm, hashed), counts


def _hash_schemes(values, kind: str, schemes: tuple[str, ...], default_region: str | pd.Series | None = None):
    """Hash under several platforms' rules; return ({scheme: hashes}, reason counts of the first scheme)."""
    norms, hashed, counts = _normalise_schemes(values, kind, schemes, default_region)
    cache: dict[str, str] = {}
    return {p: _sha256(n, hashed, cache) for p, n in norms.items()}, counts


def normalise_identifiers(
    values, *, kind: str = "email", platform: str = "meta", default_region: str | pd.Series | None = None
) -> pd.Series:
    """Return identifiers normalised as ``platform`` matches them, before hashing.

    Same rules and warnings as :func:`hash_identifiers`; values that already are
    hashes come back as ``<NA>`` here (there is nothing to normalise). Use it to
    check what will be hashed; never upload its output.

    Examples
    --------
    >>> import pandas as pd
    >>> normalise_identifiers(pd.Series(["cloudy.sanfrancisco+shopping@gmail.com"]), kind="email", platform="google").tolist()
    ['cloudysanfrancisco@gmail.com']
    >>> normalise_identifiers(pd.Series(["(650)555-1212"]), kind="phone", default_region="US").tolist()
    ['16505551212']
    """
    norm, _, counts = _normalise(values, kind, platform, default_region)
    return report_rows(norm, counts, what=f"{kind} identifiers (set to <NA>)")


def hash_identifiers(
    values,
    *,
    kind: str = "email",
    platform: str = "meta",
    default_region: str | pd.Series | None = None,
) -> pd.Series:
    """Normalise and SHA-256-hash identifiers for a platform's customer-list upload.

    Parameters
    ----------
    values : pandas.Series or array-like of str
        Raw identifiers (email addresses, phone numbers, first or last names).
        Numbers are refused: a phone column read as int or float raises
        :class:`~microseg.errors.IdentifierTypeError`.
    kind : {"email", "phone", "first_name", "last_name"}
    platform : {"meta", "google", "linkedin", "microsoft"}
        Whose normalisation rules to follow (see the module docstring);
        LinkedIn and Microsoft Advertising take emails only.
    default_region : str or array-like of str, optional
        ISO country code (``"US"``, ``"GB"``, ...; see :data:`PHONE_REGIONS`)
        for phone numbers written without a country code, or one code per
        value (e.g. mapped from a country column) for lists that mix
        countries. Numbers without country code and without a region raise;
        microseg never guesses a country.

    Returns
    -------
    pandas.Series
        Lowercase 64-character hex strings on the caller's index and name,
        ``<NA>`` where the input was missing, blank or invalid. A
        :class:`~microseg.errors.DataQualityWarning` gives the count per reason
        (also in ``result.attrs["microseg_rows"]``).

    Examples
    --------
    >>> import pandas as pd
    >>> h = hash_identifiers(pd.Series([" John_Smith@gmail.com "]), kind="email", platform="meta")
    >>> h.iloc[0]
    '62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f'
    >>> hash_identifiers(pd.Series(["(800)555-0100"]), kind="phone", platform="google", default_region="US").iloc[0]
    'fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30'
    """
    out, counts = _hash(values, kind, platform, default_region)
    return report_rows(out, counts, what=f"{kind} identifiers (set to <NA>)")
