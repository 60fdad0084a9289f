"""Export an audience as a hashed customer list that an ad platform can match.

:func:`export_audience` removes, in this order, everyone who opted out, has no
consent for the channel (``ads_opt_in`` for ad platforms), is on the
suppression list (opt-out and suppression per person: a record sharing a
normalised e-mail, phone or customer id with an opted-out or suppressed record
goes too, counted in :attr:`ExportReport.linked`), has no valid identifier, duplicates a more recently updated
record (every email and phone of the row is already in the upload), or is too
stale for the platform; hashes what remains with the platform's
normalisation (see :mod:`microseg.privacy.hashing`); refuses an audience below
the platform minimum; and writes a CSV that holds hashed identifiers only. The
returned :class:`ExportReport` counts every input row exactly once.

Platform rules (as published by each platform; check its current template):

=============================  ========  ===========================================  ================
platform                       minimum   CSV headers (email, phone, first, last)      membership cap
=============================  ========  ===========================================  ================
``meta`` (Custom Audiences)    100       ``email``, ``phone``, ``fn``, ``ln``         --
``google`` (Customer Match)    100       ``Email``, ``Phone``, ``First Name``,         540 days
                                         ``Last Name``
``linkedin`` (Matched Aud.)    300       ``email``                                    --
``microsoft`` (Customer Match) 300       ``Email``                                    --
=============================  ========  ===========================================  ================

Records not updated in 180 days trigger a warning; for Google, records not
updated in 540 days (its maximum membership duration) are dropped as stale, and
so are records without an update date (their age cannot be shown to be within
the cap). Google matches names only together with country and postcode, so for
Google upload names only if you add those columns yourself.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from .._files import write_csv
from .._validation import check_columns, check_datetime, check_frame, report_rows
from ..errors import AudienceTooSmallError, DataQualityWarning, MicrosegError, PrivacyError
from .hashing import PLATFORMS, _hash
from .sensitive import SPECIAL_AD_CATEGORIES, check_sensitive
from .suppression import SuppressionList, _contact_status_detail, linked_counts

__all__ = ["export_audience", "ExportReport", "PLATFORM_RULES", "EXPORT_STEPS", "STALE_WARNING_DAYS"]


class PlatformRule(NamedTuple):
    """Upload rules of one ad platform."""

    name: str
    min_size: int
    headers: dict[str, str]
    max_age_days: int | None


PLATFORM_RULES: dict[str, PlatformRule] = {
    "meta": PlatformRule("Meta Custom Audiences", 100, {"email": "email", "phone": "phone", "first_name": "fn", "last_name": "ln"}, None),
    "google": PlatformRule(
        "Google Ads Customer Match", 100,
        {"email": "Email", "phone": "Phone", "first_name": "First Name", "last_name": "Last Name"}, 540,
    ),
    "linkedin": PlatformRule("LinkedIn Matched Audiences", 300, {"email": "email"}, None),
    "microsoft": PlatformRule("Microsoft Advertising customer match", 300, {"email": "Email"}, None),
}
#: The order in which rows are removed; every input row lands in exactly one step.
EXPORT_STEPS = ("opted out", "no consent", "suppressed", "invalid", "duplicate", "stale", "exported")
STALE_WARNING_DAYS = 180


@dataclass(frozen=True, repr=False)
class ExportReport:
    """What :func:`export_audience` did.

    Attributes
    ----------
    platform : str
    counts : pandas.DataFrame
        ``step`` and ``rows``, one row per step of :data:`EXPORT_STEPS`, in
        order; the rows sum to ``rows_in``.
    rows_in, exported : int
    data : pandas.DataFrame
        The exported rows as written (hashed identifiers, on the audience's index).
    path : str or None
        Where the CSV was written.
    min_size : int
        The minimum audience size that applied.
    small_audience_reason : str or None
        The reason given for exporting below the minimum (``allow_small=True``).
    identifier_issues : pandas.DataFrame
        ``identifier``, ``reason``, ``rows``: identifiers set to missing, over all rows in.
    as_of : pandas.Timestamp or None
        Reference date for freshness.
    not_updated_180d : int
        Exported records not updated in 180 days (warned about).
    include_raw : bool
        Whether raw identifiers were written too.
    sensitive_allowed : dict
        Sensitive audience column -> the written reason given for exporting it.
    linked : dict
        Of the ``opted out`` and ``suppressed`` rows, those excluded only
        because another record of the same person (sharing a normalised e-mail,
        phone or customer id) opted out or is on the suppression list.
    """

    platform: str
    counts: pd.DataFrame
    rows_in: int
    exported: int
    data: pd.DataFrame
    path: str | None
    min_size: int
    small_audience_reason: str | None
    identifier_issues: pd.DataFrame
    as_of: pd.Timestamp | None
    not_updated_180d: int
    include_raw: bool
    sensitive_allowed: dict = field(default_factory=dict)
    linked: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The per-step counts."""
        return self.counts.copy()

    def plot(self, ax=None):
        """Bar chart of rows per step; see :func:`microseg.plot.plot_export_steps`."""
        from ..plot import plot_export_steps

        return plot_export_steps(self, ax=ax)

    def __repr__(self) -> str:
        where = f" to {self.path}" if self.path else ""
        return f"ExportReport({self.platform}: {self.exported:,} of {self.rows_in:,} rows exported{where})"

    def _repr_html_(self) -> str:
        from .._tables import format_table

        extra = ""
        if self.small_audience_reason:
            extra = f"<p>Exported below the minimum of {self.min_size}: {self.small_audience_reason}</p>"
        return f"<p><b>{self!r}</b></p>{extra}" + format_table(self.counts, max_rows=None).html


def _identifiers(audience: pd.DataFrame, identifiers, platform: str) -> dict[str, str]:
    allowed = PLATFORMS[platform]
    if identifiers is None:
        ids = {k: k for k in ("email", "phone") if k in audience.columns and k in allowed}
        if not ids:
            raise MicrosegError(
                f"audience has no 'email' or 'phone' column; pass identifiers={{'email': 'your_email_column'}}."
            )
        return ids
    if not isinstance(identifiers, Mapping) or not identifiers:
        raise MicrosegError(f"identifiers must map identifier kind to column, e.g. {{'email': 'email'}}; got {identifiers!r}.")
    bad = [k for k in identifiers if k not in allowed]
    if bad:
        raise MicrosegError(f"platform {platform!r} accepts identifiers {allowed}; got {bad}.")
    check_columns(audience, identifiers.values(), name="audience")
    return dict(identifiers)


def export_audience(
    audience: pd.DataFrame,
    *,
    platform: str,
    identifiers: Mapping[str, str] | None = None,
    path=None,
    suppression: SuppressionList | None = None,
    as_of=None,
    min_size: int | None = None,
    allow_small: bool = False,
    reason: str | None = None,
    opt_out: str | bool = "opted_out",
    consent: str | bool | None = None,
    updated: str | None = "last_updated",
    default_region: str | pd.Series | None = None,
    customer: str | None = None,
    include_raw: bool = False,
    special_ad_category: str | None = None,
    lookalike: bool | None = None,
    allow_sensitive: Mapping[Hashable, str] | None = None,
) -> ExportReport:
    """Hash an audience for upload to an ad platform, keeping only who may be contacted.

    Parameters
    ----------
    audience : pandas.DataFrame
        One row per person.
    platform : {"meta", "google", "linkedin", "microsoft"}
    identifiers : mapping kind -> column, optional
        E.g. ``{"email": "email", "phone": "phone", "first_name": "fn"}``;
        default: the ``email`` and ``phone`` columns that exist.
    path : str or path-like, optional
        Where to write the CSV; nothing is written when omitted. The file is
        written to a temporary file in the same folder and renamed into place,
        so an interrupted export never leaves a truncated upload.
    suppression : SuppressionList, optional
        People who must never be uploaded.
    as_of : timestamp, optional
        Reference date for freshness (default: the latest ``updated`` value).
    min_size : int, optional
        Minimum audience size; default and floor: the platform's minimum
        (:data:`PLATFORM_RULES`).
    allow_small : bool
        Export below the minimum anyway; needs ``reason``.
    reason : str, optional
        Why a small audience is exported; recorded in the report.
    opt_out : str or False
        Opt-out flag column (missing counts as opted out); ``False`` states there is none.
    consent : str, False or None
        Consent column (default ``ads_opt_in``; missing counts as no consent);
        ``False`` states consent was checked upstream.
    updated : str or None
        Last-update timestamp column for freshness; ``None`` skips the check.
    default_region : str, optional
        Region of phone numbers written without a country code.
    customer : str, optional
        Customer-id column, to also match the suppression list by id.
    include_raw : bool
        Also write the raw identifiers (``raw_<column>``). Raw personal data
        leaves the notebook only when this is ``True``.
    special_ad_category : {"housing", "employment", "credit"}, optional
        The campaign's special ad category; lookalike audiences may then not be exported.
    lookalike : bool, optional
        Whether ``audience`` was built by a lookalike model. Default: detected
        from ``audience.attrs["microseg_lookalike"]`` or the ``score``,
        ``rank`` and ``tier`` columns that ``Lookalike.audience`` returns.
    allow_sensitive : mapping column -> reason, optional
        An audience carrying a sensitive column (by name or by value; see
        :func:`~microseg.privacy.check_sensitive`) was probably selected by it
        and is refused unless each such column is allowed with a written
        reason, kept in the report.

    Returns
    -------
    ExportReport

    Raises
    ------
    AudienceTooSmallError
        When fewer rows than the minimum remain and small audiences are not allowed with a reason.
    PrivacyError
        When a lookalike audience is exported under a special ad category.

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> aud = pd.DataFrame({"email": [f"person{i}@example.com" for i in range(120)],
    ...                     "opted_out": [i < 10 for i in range(120)], "ads_opt_in": True})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     rep = export_audience(aud, platform="meta", updated=None)
    >>> rep
    ExportReport(meta: 110 of 120 rows exported)
    >>> rep.data.columns.tolist()
    ['email']
    """
    check_frame(audience, name="audience")
    if platform not in PLATFORM_RULES:
        raise MicrosegError(f"platform must be one of {tuple(PLATFORM_RULES)}, got {platform!r}.")
    rule = PLATFORM_RULES[platform]
    ids = _identifiers(audience, identifiers, platform)
    bookkeeping = {*ids.values(), opt_out, consent, updated, customer, "score", "rank", "tier"}
    allowed = check_sensitive([c for c in audience.columns if c not in bookkeeping], data=audience,
                              allow_sensitive=allow_sensitive, purpose="an exported audience's columns")  # fmt: skip
    if min_size is None:
        min_size = rule.min_size
    elif int(min_size) < rule.min_size:
        raise MicrosegError(
            f"min_size={min_size} is below the {rule.name} minimum of {rule.min_size}; to export a smaller "
            "audience pass allow_small=True with reason='why this is acceptable'."
        )
    if allow_small and not (isinstance(reason, str) and reason.strip()):
        raise MicrosegError("allow_small=True needs a written reason, e.g. reason='test upload to a sandbox account'.")
    if include_raw not in (True, False):
        raise MicrosegError(f"include_raw must be True or False, got {include_raw!r}.")
    if special_ad_category is not None:
        if special_ad_category not in SPECIAL_AD_CATEGORIES:
            raise MicrosegError(
                f"special_ad_category must be one of {SPECIAL_AD_CATEGORIES} or None, got {special_ad_category!r}."
            )
        if lookalike is None:
            lookalike = bool(audience.attrs.get("microseg_lookalike")) or {"score", "rank", "tier"} <= set(audience.columns)
        if lookalike:
            raise PrivacyError(
                f"this looks like a lookalike audience, and lookalike audiences may not be exported for a "
                f"special ad category ({special_ad_category}): platforms forbid them there because they reproduce "
                "age, gender and postcode patterns. Export the customer list itself, or pass lookalike=False if "
                "this audience was not built by a lookalike model."
            )
    if updated is not None:
        check_columns(audience, [updated], name="audience")
        check_datetime(audience, updated, name="audience")

    n = len(audience)
    # work on positions, so that any index (even one with repeated labels) is handled; restore it at the end
    original_index = audience.index
    if isinstance(default_region, pd.Series):
        if not default_region.index.equals(original_index) and len(default_region) == n and (
            default_region.index.sort_values().equals(original_index.sort_values())
        ):
            default_region = default_region.reindex(original_index)
        if len(default_region) == n:
            default_region = default_region.set_axis(pd.RangeIndex(n))
    audience = audience.set_axis(pd.RangeIndex(n))
    step = pd.Series("exported", index=audience.index, dtype="object")
    match_ids = {k: c for k, c in ids.items() if k in ("email", "phone")}
    if suppression is not None and not match_ids and customer is None:
        raise MicrosegError(
            "a suppression list is matched on email, phone or customer id; add one of them to identifiers, "
            "or pass customer='customer_id'."
        )
    status, linked = _contact_status_detail(
        audience, channel=platform, suppression=suppression, opt_out=opt_out, consent=consent,
        identifiers=match_ids, customer=customer, default_region=default_region,
    )
    linked = linked_counts(status, linked)
    step = step.mask(status.ne("reachable").to_numpy(), status.astype("object"))

    hashes = {}
    issues = []
    for kind, col in ids.items():
        h, counts = _hash(audience[col], kind, platform, default_region)
        hashes[kind] = h
        issues += [(col, r, c) for r, c in counts.items() if c]
    any_valid = pd.concat([h.notna() for h in hashes.values()], axis=1).any(axis=1)
    step = step.mask(step.eq("exported") & ~any_valid, "invalid")

    # duplicates: keep the most recently updated record of each person
    live = step.eq("exported")
    order = audience.index[live.to_numpy()]
    if updated is not None:
        upd = audience.loc[live, updated]
        order = upd.sort_values(ascending=False, kind="stable", na_position="last").index
    strong = [hashes[k] for k in ("email", "phone") if k in hashes]
    if strong:
        # a duplicate adds no new matching key: each of its emails and phones is already in the
        # upload (a shared household phone alone does not make two people one)
        dup = pd.Series(True, index=order)
        some = pd.Series(False, index=order)
        for h in strong:
            hv = h.loc[order]
            dup &= hv.isna() | hv.duplicated(keep="first")
            some |= hv.notna()
        dup &= some
    else:  # names only: the same combination of names
        dup = pd.concat([h.loc[order] for h in hashes.values()], axis=1).duplicated(keep="first")
    dup = dup[dup]
    step.loc[dup.index] = "duplicate"

    stale_warn = 0
    ts = None
    if updated is not None:
        upd = audience[updated]
        ts = pd.Timestamp(as_of) if as_of is not None else upd.max()
        age = (ts - upd).dt.total_seconds() / 86_400
        if rule.max_age_days is not None:
            too_old = (age > rule.max_age_days) | age.isna()
            step = step.mask(step.eq("exported") & too_old, "stale")
        old = step.eq("exported") & ((age > STALE_WARNING_DAYS) | age.isna())
        stale_warn = int(old.sum())

    counts = step.value_counts().reindex(list(EXPORT_STEPS), fill_value=0)
    exported = int(counts["exported"])
    small_reason = None
    if exported < min_size:
        if not allow_small:
            raise AudienceTooSmallError(
                f"only {exported:,} of {n:,} rows remain for {rule.name} after removing "
                + ", ".join(f"{k} ({v:,})" for k, v in counts.items() if k != "exported" and v)
                + f"; the minimum is {min_size:,}. Widen the audience, or pass allow_small=True with "
                "reason='why a small upload is acceptable'."
            )
        small_reason = reason.strip()

    keep = step.eq("exported").to_numpy()
    out = pd.DataFrame({rule.headers[k]: h[keep] for k, h in hashes.items()}, index=audience.index[keep])
    if include_raw is True:
        for kind, col in ids.items():
            out[f"raw_{col}"] = audience.loc[keep, col]
    out.index = original_index[keep]
    if path is not None:
        write_csv(out, path, index=False)  # a temporary file, fsynced and renamed: never a truncated upload

    dropped = {k: int(v) for k, v in counts.items() if k != "exported"}
    report_rows(None, dropped, what=f"audience rows (not exported to {platform})")
    if stale_warn:
        warnings.warn(
            f"{stale_warn:,} exported records were not updated in {STALE_WARNING_DAYS} days (or have no update "
            "date); contact data decays by 2-3 % a month, refresh them (see microseg.privacy.freshness).",
            DataQualityWarning,
            stacklevel=2,
        )
    return ExportReport(
        platform=platform,
        counts=pd.DataFrame({"step": list(EXPORT_STEPS), "rows": counts.to_numpy(dtype=np.int64)}),
        rows_in=n,
        exported=exported,
        data=out,
        path=None if path is None else str(Path(path)),
        min_size=int(min_size),
        small_audience_reason=small_reason,
        identifier_issues=pd.DataFrame(issues, columns=["identifier", "reason", "rows"]),
        as_of=ts,
        not_updated_180d=stale_warn,
        include_raw=include_raw is True,
        sensitive_allowed=allowed,
        linked=linked,
    )
