"""Opt-out and suppression per person, not per row.

An objection to marketing (GDPR Art. 21) covers the person, and one person is
often several records: a second account, an upper-cased or ``+tagged`` e-mail,
the same phone written another way. Before anything leaves microseg (an
export, a campaign plan, a lookalike audience), the identifiers of every record
that opted out or is on the suppression list are collected over the whole
input, and every record carrying one of them is excluded too. The records of
one person are those linked by a chain of shared identifiers: a record holding
a phone and an e-mail links a record with only that phone to one with only
that e-mail, so the collection repeats until it finds nothing new.

Identifiers are compared in a *person* normalisation, stricter than any
platform's: e-mails trimmed, lower-cased, NFC, whitespace removed, a ``+tag``
removed on every domain and Gmail dots folded; phones as country code and
national number (national numbers need ``default_region``; without it they
are not compared, as microseg never guesses a country); customer ids as
trimmed, case-folded text, with whole-number floats read as integers (``3.0``
is customer ``3``). Only a record that states the objection spreads it: a
missing opt-out flag excludes its own record (it cannot be shown to be
consent), but is not an objection by the person.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .hashing import _normalise_schemes

__all__ = ["person_keys", "carries", "expand", "linked_rows", "id_text", "PERSON_KINDS"]

#: Identifier kinds compared across records.
PERSON_KINDS = ("email", "phone")


def id_text(ids) -> pd.Series:
    """Customer ids as comparable text: trimmed, case-folded; whole-number floats as integers (``3.0`` -> ``"3"``).

    Examples
    --------
    >>> import pandas as pd
    >>> id_text(pd.Series([" C17 ", "c17", 3.0, None])).tolist()
    ['c17', 'c17', '3', nan]
    """
    s = ids if isinstance(ids, pd.Series) else pd.Series(ids)
    if pd.api.types.is_float_dtype(s) or (s.dtype == object and pd.api.types.infer_dtype(s, skipna=True) != "string"):
        if pd.api.types.is_float_dtype(s):
            num = s.astype("float64")
        else:  # ids of mixed types (rare): find the float objects among them
            num = s.map(lambda v: v if isinstance(v, (float, np.floating)) else np.nan).astype("float64")
        whole = (np.isfinite(num) & (num % 1 == 0)).to_numpy()
        if whole.any():  # only real floats become integers: the text "007" keeps its zeros
            s = s.astype(object).copy()
            s[whole] = num[whole].astype(np.int64).astype(str).to_numpy()
    text = s.astype("str").where(s.notna()).str.strip().str.casefold()
    return text.where(text.ne("").fillna(False).astype(bool))


def _phone_keys(values: pd.Series, default_region) -> pd.Series:
    text = values.astype("str").where(values.notna())
    if default_region is None:  # national numbers cannot be placed: they are not compared
        text = text.where(text.str.strip().str.match(r"^(?:\+|00)").fillna(False).astype(bool))
    norms, hashed, _ = _normalise_schemes(text, "phone", ("meta",), default_region)
    return norms["meta"].where(norms["meta"].ne("").fillna(False).astype(bool)).fillna(hashed)


def person_keys(
    df: pd.DataFrame,
    *,
    identifiers: Mapping[str, str] | None = None,
    customer=None,
    default_region=None,
) -> pd.DataFrame:
    """Long table ``(row, key)``: every person identifier of every row of ``df`` (rows by position).

    A key is ``"<kind>:<normalised value>"``; hashes given in place of raw
    identifiers are compared as they are.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"email": ["Jo+News@Shop.example ", "jo@shop.example"], "customer_id": ["A1", "a1"]})
    >>> person_keys(df, identifiers={"email": "email"}, customer="customer_id")["key"].tolist()
    ['email:jo@shop.example', 'email:jo@shop.example', 'id:a1', 'id:a1']
    """
    parts = []
    pos = pd.RangeIndex(len(df))
    region = default_region
    if isinstance(region, pd.Series) and len(region) == len(df):
        region = region.reindex(df.index) if region.index.sort_values().equals(df.index.sort_values()) else region
        region = region.set_axis(pos)
    for kind, col in (identifiers or {}).items():
        if kind not in PERSON_KINDS:
            continue
        values = df[col].set_axis(pos)
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            continue  # numbers are refused where identifiers are hashed; here they match nothing
        if kind == "email":
            norms, hashed, _ = _normalise_schemes(values.astype("str").where(values.notna()), "email", ("person",), None)
            key = norms["person"].where(norms["person"].ne("").fillna(False).astype(bool)).fillna(hashed)
        else:
            key = _phone_keys(values, region)
        key = key.dropna()
        parts.append(pd.DataFrame({"row": key.index.to_numpy(), "key": (kind + ":" + key).to_numpy(dtype=object)}))
    if customer is not None:
        key = id_text(df[customer].set_axis(pos)).dropna()
        parts.append(pd.DataFrame({"row": key.index.to_numpy(), "key": ("id:" + key).to_numpy(dtype=object)}))
    if not parts:
        return pd.DataFrame({"row": np.empty(0, dtype=np.int64), "key": np.empty(0, dtype=object)})
    return pd.concat(parts, ignore_index=True)


def carries(keys: pd.DataFrame, listed, n_rows: int) -> np.ndarray:
    """Boolean array over ``n_rows`` positions: does the row carry one of the ``listed`` keys?"""
    out = np.zeros(n_rows, dtype=bool)
    if len(keys) and len(listed):
        hit = keys["key"].isin(pd.Index(listed)).to_numpy()
        out[keys["row"].to_numpy()[hit]] = True
    return out


def expand(keys: pd.DataFrame, listed) -> np.ndarray:
    """The identifiers linked to ``listed``: those of every row reached through a chain of shared identifiers.

    A person's records need not all share one identifier: a record with the
    phone and the e-mail links a record with only the phone to one with only
    the e-mail. The chain is followed until it adds nothing (a few rounds).
    """
    listed = pd.unique(np.asarray(listed, dtype=object))
    if not len(keys) or not len(listed):
        return listed
    row = keys["row"].to_numpy()
    while True:
        rows = np.unique(row[keys["key"].isin(pd.Index(listed)).to_numpy()])
        grown = keys["key"].to_numpy()[np.isin(row, rows)]
        grown = pd.unique(np.concatenate([listed, grown]).astype(object))
        if len(grown) == len(listed):
            return listed
        listed = grown


def linked_rows(keys: pd.DataFrame, seeds: Mapping[str, np.ndarray], n_rows: int) -> dict[str, np.ndarray]:
    """For each reason, the rows linked to a ``seeds[reason]`` row through shared identifiers (the seeds included).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> df = pd.DataFrame({"email": ["A@x.example", "a+1@X.example", "b@x.example", None],
    ...                    "phone": ["+447700900001", None, None, "+44 7700 900001"]})
    >>> keys = person_keys(df, identifiers={"email": "email", "phone": "phone"})
    >>> linked_rows(keys, {"opted out": np.array([False, True, False, False])}, 4)["opted out"].tolist()
    [True, True, False, True]
    """
    out = {}
    for reason, seed in seeds.items():
        seed = np.asarray(seed, dtype=bool)
        if not seed.any():
            out[reason] = seed.copy()
            continue
        listed = keys.loc[seed[keys["row"].to_numpy()], "key"].unique() if len(keys) else []
        out[reason] = carries(keys, expand(keys, listed), n_rows) | seed
    return out
