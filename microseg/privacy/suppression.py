"""Suppression list and per-channel consent: who may be contacted, and through which channel.

Customers who object to marketing go onto a :class:`SuppressionList`. The list
only grows: an objection is kept (so the person is never re-imported from
another source), not deleted. It stores SHA-256 hashes of normalised
identifiers, never raw addresses, so it can be kept and shared safely.

Matching happens after normalisation: ``" A@B.com "`` on the list suppresses
``"a@b.com"``. Each identifier is stored under the normalisations that matter
(a strict canonical one that also folds gmail.com dots and ``+tags``, Meta's,
Google's, and for e-mails the *person* form, which removes a ``+tag`` on every
domain: ``jo@shop.example`` on the list suppresses ``jo+promo@shop.example``);
a record is suppressed when any of its identifiers matches an entry of the same
kind under the same normalisation. Emails, phone numbers and (optionally)
customer ids are matched; names alone never are.

Opt-out and suppression are per person, not per row (see
:mod:`microseg.privacy._people`): :func:`contact_status` collects the
identifiers of every record that opted out or is suppressed over the whole
input, and every other record carrying one of them gets the same status.

Consent is per channel: ``email_opt_in`` for email, ``sms_opt_in`` for SMS,
``push_opt_in`` for push, ``mail_opt_in`` for direct mail, ``ads_opt_in`` for
ad audiences (Meta, Google, LinkedIn, Microsoft Advertising); see
:data:`CONSENT_COLUMNS`. Pass ``consent="column"`` where your data names it
differently. A missing consent value counts as no consent, and
a missing opt-out flag as opted out: neither can be proven otherwise.

:func:`contact_status` applies the three rules in order (opted out, no consent
for the channel, suppressed) and is what exports, campaign plans and lookalike
seeds use to decide who is reachable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._files import write_csv
from .._validation import ROWS_ATTR, check_columns, check_frame, check_id_column, report_rows
from ..errors import MicrosegError, SchemaError
from ._people import linked_rows, person_keys
from .hashing import _hash_schemes

__all__ = [
    "SuppressionList",
    "suppression_list",
    "is_suppressed",
    "has_consent",
    "consent_column",
    "contact_status",
    "CONSENT_COLUMNS",
    "CONTACT_STATUSES",
    "LINKED_OPTED_OUT",
    "LINKED_SUPPRESSED",
]

#: Consent column per channel.
CONSENT_COLUMNS: dict[str, str] = {
    "email": "email_opt_in",
    "sms": "sms_opt_in",
    "push": "push_opt_in",
    "direct_mail": "mail_opt_in",
    "ads": "ads_opt_in",
    "meta": "ads_opt_in",
    "google": "ads_opt_in",
    "linkedin": "ads_opt_in",
    "microsoft": "ads_opt_in",
}
#: Statuses :func:`contact_status` gives, in the order the rules apply.
CONTACT_STATUSES = ("opted out", "no consent", "suppressed", "reachable")
_SCHEMES = ("canonical", "meta", "google")
_MATCH_KINDS = ("email", "phone")


def _default_identifiers(df: pd.DataFrame, identifiers, *, name: str) -> dict[str, str]:
    if identifiers is None:
        found = {k: k for k in _MATCH_KINDS if k in df.columns}
        if not found:
            raise SchemaError(
                f"{name} has neither an 'email' nor a 'phone' column; pass identifiers={{'email': 'your_email_column'}}."
            )
        return found
    if not isinstance(identifiers, Mapping):
        raise MicrosegError(
            f"identifiers must map identifier kind to column, e.g. {{'email': 'email'}}; got {identifiers!r}."
        )
    bad = [k for k in identifiers if k not in _MATCH_KINDS]
    if bad:
        raise MicrosegError(
            f"suppression matches on {_MATCH_KINDS} (and customer ids via customer=...), got kinds {bad}; "
            "names alone are too ambiguous to suppress on."
        )
    check_columns(df, identifiers.values(), name=name)
    return dict(identifiers)


def _id_hash(ids: pd.Series) -> pd.Series:
    text = ids.astype("str").where(ids.notna())
    ok = text.notna()
    out = pd.Series(pd.NA, index=ids.index, dtype="str")
    out[ok] = [hashlib.sha256(("id:" + v).encode("utf-8")).hexdigest() for v in text[ok].tolist()]
    return out


def _keys(df: pd.DataFrame, identifiers: dict[str, str], customer, default_region) -> tuple[pd.DataFrame, dict]:
    """Long table (row, kind, scheme, hash) of the match keys of ``df``'s rows, and invalid counts."""
    parts = []
    counts: dict[str, int] = {}
    pos = pd.RangeIndex(len(df))
    if isinstance(default_region, pd.Series):  # one region per row: align to df, then to positions
        if not default_region.index.equals(df.index) and len(default_region) == len(df) and (
            default_region.index.sort_values().equals(df.index.sort_values())
        ):
            default_region = default_region.reindex(df.index)
        default_region = default_region.set_axis(pos) if len(default_region) == len(df) else default_region
    for kind, col in identifiers.items():
        values = df[col].set_axis(pos)
        by_scheme, c = _hash_schemes(values, kind, _SCHEMES + (("person",) if kind == "email" else ()), default_region)
        for reason, n in c.items():
            if n and reason != "missing":
                counts[f"{kind}: {reason}"] = counts.get(f"{kind}: {reason}", 0) + n
        for scheme, h in by_scheme.items():
            h = h.dropna()
            parts.append(pd.DataFrame({"row": h.index.to_numpy(), "kind": kind, "scheme": scheme, "hash": h.to_numpy()}))
    if customer is not None:
        h = _id_hash(df[customer].set_axis(pos)).dropna()
        parts.append(pd.DataFrame({"row": h.index.to_numpy(), "kind": "customer_id", "scheme": "id", "hash": h.to_numpy()}))
    keys = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["row", "kind", "scheme", "hash"])
    return keys, counts


@dataclass(frozen=True, repr=False)
class SuppressionList:
    """Hashed identifiers of people who must never be contacted or uploaded.

    Build it with :func:`suppression_list`; grow it with :meth:`add`. There is
    deliberately no way to remove an entry.

    Attributes
    ----------
    entries : pandas.DataFrame
        One row per stored key: ``kind`` (email, phone, customer_id),
        ``scheme`` (the normalisation), ``hash``, ``added`` (timestamp),
        ``reason``, and ``person`` (a running number per suppressed person).
    """

    entries: pd.DataFrame

    @property
    def n_people(self) -> int:
        """Number of people on the list."""
        return int(self.entries["person"].nunique()) if len(self.entries) else 0

    def add(self, people: pd.DataFrame, **kwargs) -> SuppressionList:
        """Return a new list holding these entries and ``people`` (same options as :func:`suppression_list`)."""
        new = suppression_list(people, **kwargs)
        start = int(self.entries["person"].max()) + 1 if len(self.entries) else 0
        extra = new.entries.assign(person=new.entries["person"] + start)
        both = pd.concat([self.entries, extra], ignore_index=True)
        return SuppressionList(both.drop_duplicates(["kind", "scheme", "hash"], keep="first").reset_index(drop=True))

    def contains(self, kind: str, scheme: str, hashes: pd.Series) -> pd.Series:
        """Boolean Series: which ``hashes`` are on the list for this identifier kind and normalisation."""
        e = self.entries
        listed = e.loc[(e["kind"] == kind) & (e["scheme"] == scheme), "hash"]
        return hashes.isin(set(listed.tolist())).fillna(False).astype(bool)

    def to_frame(self) -> pd.DataFrame:
        """The stored entries (hashes only)."""
        return self.entries.copy()

    def to_csv(self, path) -> None:
        """Save the list (hashes only) as CSV, safely (temporary file, then rename); read it back with ``read_csv``."""
        write_csv(self.entries, path, index=False)

    @classmethod
    def read_csv(cls, path) -> SuppressionList:
        """Read a list saved with :meth:`to_csv`."""
        e = pd.read_csv(path, dtype={"kind": "str", "scheme": "str", "hash": "str", "reason": "str"}, parse_dates=["added"])
        check_columns(e, ["kind", "scheme", "hash", "added", "reason", "person"], name="suppression list file")
        return cls(e)

    def __repr__(self) -> str:
        who = "person" if self.n_people == 1 else "people"
        return f"SuppressionList({self.n_people:,} {who}, {len(self.entries):,} hashed keys)"

    def _repr_html_(self) -> str:
        from .._tables import format_table

        by = self.entries.groupby(["kind"], observed=True)["person"].nunique().rename("people")
        return f"<p><b>{self!r}</b></p>" + format_table(by.to_frame(), max_rows=None).html


def suppression_list(
    people: pd.DataFrame,
    *,
    identifiers: Mapping[str, str] | None = None,
    customer: str | None = None,
    default_region: str | pd.Series | None = None,
    reason: str = "objected to marketing",
    added=None,
) -> SuppressionList:
    """Put people on a suppression list (hashed; raw identifiers are not kept).

    Parameters
    ----------
    people : pandas.DataFrame
        One row per objecting person.
    identifiers : mapping kind -> column, optional
        ``{"email": ..., "phone": ...}``; default: the ``email`` and ``phone``
        columns that exist.
    customer : str, optional
        Also suppress by this customer-id column.
    default_region : str, optional
        Region of phone numbers written without country code (see
        :data:`~microseg.privacy.hashing.PHONE_REGIONS`).
    reason : str
        Why these people are on the list (kept with each entry).
    added : timestamp, optional
        When they were added (default: now, UTC).

    Returns
    -------
    SuppressionList

    Examples
    --------
    >>> import pandas as pd
    >>> sl = suppression_list(pd.DataFrame({"email": [" A@B.com "]}))
    >>> sl
    SuppressionList(1 person, 4 hashed keys)
    >>> is_suppressed(pd.DataFrame({"email": ["a@b.com", "c@d.com"]}), sl).tolist()
    [True, False]
    """
    check_frame(people, name="people", allow_empty=True)
    ids = _default_identifiers(people, identifiers, name="people")
    if customer is not None:
        check_columns(people, [customer], name="people")
        check_id_column(people, customer, name="people")
    keys, counts = _keys(people, ids, customer, default_region)
    if counts:
        report_rows(None, counts, what="suppression identifiers (not usable for matching)")
    when = pd.Timestamp.now(tz="UTC").tz_localize(None) if added is None else pd.Timestamp(added)
    entries = keys.rename(columns={"row": "person"}).assign(added=when, reason=str(reason))
    entries = entries.drop_duplicates(["kind", "scheme", "hash"]).reset_index(drop=True)
    entries = entries[["kind", "scheme", "hash", "added", "reason", "person"]]
    return SuppressionList(entries)


def is_suppressed(
    df: pd.DataFrame,
    suppression: SuppressionList,
    *,
    identifiers: Mapping[str, str] | None = None,
    customer: str | None = None,
    default_region: str | pd.Series | None = None,
) -> pd.Series:
    """Return a boolean Series on ``df``'s index: is the row on the suppression list?

    A row is suppressed when any of its emails, phones (or customer id, when
    ``customer`` is given) matches an entry after normalisation. Invalid
    identifiers cannot match and are not reported here (exports report them).

    Examples
    --------
    >>> import pandas as pd
    >>> sl = suppression_list(pd.DataFrame({"phone": ["+44 20 7946 0958"]}))
    >>> is_suppressed(pd.DataFrame({"phone": ["020 7946 0958", "+1 650 555 1212"]}), sl, default_region="GB").tolist()
    [True, False]
    """
    if not isinstance(suppression, SuppressionList):
        raise MicrosegError(
            f"suppression must be a SuppressionList (see microseg.privacy.suppression_list), got {type(suppression).__name__}."
        )
    check_frame(df, name="data", allow_empty=True)
    ids = _default_identifiers(df, identifiers, name="data")
    if customer is not None:
        check_columns(df, [customer], name="data")
        check_id_column(df, customer, name="data")
    keys, _ = _keys(df, ids, customer, default_region)
    hit = pd.Series(False, index=keys.index)
    for (kind, scheme), grp in keys.groupby(["kind", "scheme"], sort=False):
        found = suppression.contains(kind, scheme, grp["hash"]).to_numpy(copy=True)
        if scheme == "person":  # the base address of a +tag, on every domain (lists saved before had no person keys)
            found |= suppression.contains(kind, "canonical", grp["hash"]).to_numpy()
        hit.loc[grp.index] = found
    rows = keys.loc[hit, "row"].unique()
    out = pd.Series(False, index=df.index, name="suppressed")
    out.iloc[rows] = True
    return out


def consent_column(channel: str) -> str:
    """Name of the default consent column for ``channel`` (see :data:`CONSENT_COLUMNS`).

    Examples
    --------
    >>> consent_column("email"), consent_column("meta")
    ('email_opt_in', 'ads_opt_in')
    """
    if channel not in CONSENT_COLUMNS:
        raise MicrosegError(
            f"channel must be one of {tuple(CONSENT_COLUMNS)}, got {channel!r}; or pass consent='your_column'."
        )
    return CONSENT_COLUMNS[channel]


def _resolve_flag(df: pd.DataFrame, column, *, default: str, param: str, off_hint: str) -> str | None:
    if column is False:
        return None
    col = default if column is None else column
    if col not in df.columns:
        raise SchemaError(
            f"data has no column {col!r} for {param}; pass {param}='your_column', or {param}=False to state "
            f"in so many words that {off_hint}."
        )
    s = df[col]
    if not (pd.api.types.is_bool_dtype(s) or s.dtype == object or isinstance(s.dtype, pd.BooleanDtype)):
        raise SchemaError(f"column {col!r} ({param}) must hold True/False, found dtype {s.dtype}.")
    return col


def _flag(df: pd.DataFrame, col: str, *, missing: bool) -> pd.Series:
    s = df[col]
    vals = s.astype("boolean").fillna(missing)
    return vals.astype(bool)


def has_consent(df: pd.DataFrame, *, channel: str, consent: str | bool | None = None) -> pd.Series:
    """Boolean Series on ``df``'s index: has the person opted in to ``channel``?

    ``consent`` names the column (default from :data:`CONSENT_COLUMNS`);
    ``consent=False`` states that consent was checked upstream and returns all
    True. Missing values count as no consent.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"email_opt_in": [True, False, None], "ads_opt_in": [False, True, True]})
    >>> has_consent(df, channel="email").tolist()
    [True, False, False]
    >>> has_consent(df, channel="google").tolist()
    [False, True, True]
    """
    check_frame(df, name="data", allow_empty=True)
    col = _resolve_flag(
        df, consent, default=consent_column(channel), param="consent", off_hint="consent was checked upstream"
    )
    if col is None:
        return pd.Series(True, index=df.index, name="consent")
    return _flag(df, col, missing=False).rename("consent")


def contact_status(
    df: pd.DataFrame,
    *,
    channel: str,
    suppression: SuppressionList | None = None,
    opt_out: str | bool = "opted_out",
    consent: str | bool | None = None,
    identifiers: Mapping[str, str] | None = None,
    customer: str | None = None,
    default_region: str | pd.Series | None = None,
) -> pd.Series:
    """Why each row may or may not be contacted through ``channel``.

    Rules apply in order, and each row gets the first that holds:
    ``"opted out"`` (``opt_out`` column true or missing, or another record of
    the same person opted out), ``"no consent"`` (consent column for the
    channel false or missing), ``"suppressed"`` (on the suppression list, or
    another record of the same person is), else ``"reachable"``.

    Opt-out and suppression are per person: the e-mails, phones and (with
    ``customer``) customer ids of the records that opted out (``True``) or are
    on the list are collected over all of ``df``, and every record carrying one
    of them is excluded too. ``result.attrs["microseg_rows"]`` counts the
    records excluded that way.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per record (a person may have several).
    channel : str
        ``"email"``, ``"sms"``, ``"ads"`` or an ad platform (``"meta"``, ...).
    suppression : SuppressionList, optional
    opt_out : str or False
        Opt-out flag column; ``False`` states there is none.
    consent : str, False or None
        Consent column (default: the channel's, see :data:`CONSENT_COLUMNS`);
        ``False`` states consent was checked upstream.
    identifiers, customer, default_region
        How to match the suppression list and the records of one person (see
        :func:`is_suppressed`); default: the ``email`` and ``phone`` columns there are.

    Returns
    -------
    pandas.Series
        Categorical with categories :data:`CONTACT_STATUSES`, on ``df``'s index.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"email": ["a@x.com", "b@x.com", "c@x.com", "d@x.com", " A+shop@X.com"],
    ...                    "opted_out": [True, False, False, False, False],
    ...                    "email_opt_in": [True, False, True, True, True]})
    >>> sl = suppression_list(pd.DataFrame({"email": ["C@X.com"]}))
    >>> st = contact_status(df, channel="email", suppression=sl)
    >>> st.tolist()
    ['opted out', 'no consent', 'suppressed', 'reachable', 'opted out']
    >>> st.attrs["microseg_rows"]
    {'opted out (another record of the person)': 1, 'suppressed (another record of the person)': 0}
    """
    status, linked = _contact_status_detail(
        df, channel=channel, suppression=suppression, opt_out=opt_out, consent=consent,
        identifiers=identifiers, customer=customer, default_region=default_region,
    )
    status.attrs[ROWS_ATTR] = linked_counts(status, linked)
    return status


LINKED_OPTED_OUT = "opted out (another record of the person)"
LINKED_SUPPRESSED = "suppressed (another record of the person)"


def _contact_status_detail(
    df, *, channel, suppression=None, opt_out="opted_out", consent=None, identifiers=None, customer=None,
    default_region=None, extra_suppressed=None, person_identifiers=None,
) -> tuple[pd.Series, dict[str, int]]:
    """:func:`contact_status`, and boolean masks of the records excluded only through another record of the person.

    ``extra_suppressed`` (a boolean array) marks further rows suppressed by the caller (e.g. by id list);
    ``person_identifiers`` (default ``identifiers``) are the columns that link the records of one person.
    """
    check_frame(df, name="data", allow_empty=True)
    oo = _resolve_flag(df, opt_out, default="opted_out", param="opt_out", off_hint="the data holds no opt-outs")
    opted = _flag(df, oo, missing=True) if oo is not None else pd.Series(False, index=df.index)
    objected = _flag(df, oo, missing=False).to_numpy() if oo is not None else np.zeros(len(df), dtype=bool)
    consented = has_consent(df, channel=channel, consent=consent)
    if suppression is not None:
        suppressed = is_suppressed(df, suppression, identifiers=identifiers, customer=customer, default_region=default_region)
    else:
        suppressed = pd.Series(False, index=df.index)
    if extra_suppressed is not None:
        suppressed = suppressed | np.asarray(extra_suppressed, dtype=bool)
    # per person: every record carrying an identifier of an objecting or suppressed record
    if identifiers is None:
        identifiers = {k: k for k in _MATCH_KINDS if k in df.columns}
    elif identifiers:
        identifiers = _default_identifiers(df, identifiers, name="data")
    if customer is not None:
        check_columns(df, [customer], name="data")
        check_id_column(df, customer, name="data")
    if person_identifiers is not None:
        check_columns(df, person_identifiers.values(), name="data")
    linking = identifiers if person_identifiers is None else person_identifiers
    keys = person_keys(df, identifiers=linking, customer=customer, default_region=default_region)
    n = len(df)
    linked = linked_rows(keys, {"opted": objected, "suppressed": suppressed.to_numpy(dtype=bool)}, n)
    person_opted = linked["opted"] & ~opted.to_numpy()
    person_suppressed = linked["suppressed"] & ~suppressed.to_numpy(dtype=bool)
    opted = opted | person_opted
    suppressed = suppressed | linked["suppressed"]
    status = pd.Series("reachable", index=df.index, dtype="object")
    status = status.mask(suppressed, "suppressed").mask(~consented, "no consent").mask(opted, "opted out")
    status = status.astype(pd.CategoricalDtype(list(CONTACT_STATUSES))).rename("contact_status")
    return status, {"opted out": person_opted, "suppressed": person_suppressed}


def linked_counts(status: pd.Series, linked: Mapping[str, np.ndarray]) -> dict[str, int]:
    """Records whose final ``status`` came from another record of the same person, per reason."""
    st = status.astype(object).to_numpy()
    return {
        LINKED_OPTED_OUT: int((linked["opted out"] & (st == "opted out")).sum()),
        LINKED_SUPPRESSED: int((linked["suppressed"] & (st == "suppressed")).sum()),
    }
