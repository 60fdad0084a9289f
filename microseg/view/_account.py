"""The account view: one row per account (company), rolled up from its contacts.

B2B analysts target accounts, not people. :func:`account_view` rolls a table
of contacts (one row per person, with the account they work for) up to one
row per account: the firmographics, how many contacts the account has and in
which buying-committee roles, account RFM and CLV from all its contacts'
transactions, activity from their events, and consent aggregated
conservatively (an account is reachable on a channel only through contacts
who consented on it and did not opt out).

It sits beside :func:`microseg.customer_view`, above ``segment/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .._validation import (
    check_columns,
    check_frame,
    check_id_column,
    check_unique,
    report_rows,
)
from ..errors import MicrosegError, SchemaError

__all__ = ["account_view", "COMMITTEE_ROLES"]

#: the buying-committee roles of the demo data and the default of ``roles``
COMMITTEE_ROLES = ("decision_maker", "influencer", "user")
_DAY = pd.Timedelta(days=1)


def _consent_columns(contacts: pd.DataFrame, consent) -> dict[str, str]:
    if consent is None:
        cols = [c for c in contacts.columns if isinstance(c, str) and c.endswith("_opt_in")]
        return {c[: -len("_opt_in")]: c for c in cols}
    if isinstance(consent, Mapping):
        out = {str(k): v for k, v in consent.items()}
    elif isinstance(consent, str):
        out = {consent.removesuffix("_opt_in"): consent}
    else:
        out = {str(c).removesuffix("_opt_in"): c for c in consent}
    check_columns(contacts, list(out.values()), name="contacts")
    return out


def _flag(s: pd.Series, name: str, missing: bool) -> np.ndarray:
    """A boolean flag column as a numpy bool array; missing values become ``missing``."""
    if pd.api.types.is_bool_dtype(s) and not s.hasnans:
        return s.to_numpy(dtype=bool)
    arr = s.to_numpy(dtype=object)
    na = pd.isna(arr)
    vals = pd.unique(arr[~na])
    if not set(vals.tolist()) <= {True, False}:  # 0/1 and 0.0/1.0 compare equal to False/True
        raise SchemaError(
            f"contacts column {name!r} must be True/False per contact, found values like "
            f"{[str(v) for v in vals[:3]]}; map it to booleans first (e.g. .eq('yes'))."
        )
    out = np.full(len(arr), missing, dtype=bool)
    out[~na] = arr[~na] == True
    return out


def _firmographic_columns(contacts: pd.DataFrame, codes: np.ndarray, n_accounts: int, skip: set) -> list:
    """Columns holding one value per account (ignoring missing values): the account's own attributes."""
    keep = []
    for c in contacts.columns:
        if c in skip:
            continue
        s = contacts[c]
        f, _ = pd.factorize(s, use_na_sentinel=True)
        ok = f >= 0
        if not ok.any():
            continue
        lo = np.full(n_accounts, np.iinfo(np.int64).max)
        hi = np.full(n_accounts, -1)
        np.minimum.at(lo, codes[ok], f[ok])
        np.maximum.at(hi, codes[ok], f[ok])
        has = hi >= 0
        if np.all(lo[has] == hi[has]):
            keep.append(c)
    return keep


def _first_value(s: pd.Series, codes: np.ndarray, n_accounts: int) -> pd.Series:
    """The (first non-missing) value of a per-account column, one per account, dtype kept."""
    ok = s.notna().to_numpy()
    pos = np.full(n_accounts, -1)
    idx = np.flatnonzero(ok)
    # reversed assignment leaves the first position per account
    pos[codes[idx[::-1]]] = idx[::-1]
    taken = s.iloc[np.where(pos >= 0, pos, 0)].reset_index(drop=True)
    return taken.where(pd.Series(pos >= 0)) if (pos < 0).any() else taken


def account_view(
    contacts: pd.DataFrame,
    transactions: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
    *,
    account: str = "account_id",
    customer: str = "customer_id",
    accounts: pd.DataFrame | None = None,
    role: str | None = "role",
    roles: Sequence[str] = COMMITTEE_ROLES,
    consent=None,
    opted_out: str | None = "opted_out",
    firmographics: Sequence[str] | None = None,
    as_of=None,
    time: str = "timestamp",
    value: str = "amount",
    min_repeat_buyers: int = 20,
    clv_horizon: int | None = 12,
) -> pd.DataFrame:
    """One row per account: firmographics, contacts and roles, committee coverage, account RFM and CLV, consent.

    Parameters
    ----------
    contacts : DataFrame
        One row per person, with their id in ``customer`` and their account in
        ``account``. Contacts without an account are left out and reported.
    transactions : DataFrame, optional
        The contacts' transactions (keyed by ``customer``), rolled up to their
        accounts: ``days_since_last``, ``n_orders``, ``total_spend``,
        ``mean_order_value``, ``tenure_days`` and, with at least
        ``min_repeat_buyers`` repeat-buying accounts, ``expected_purchases``,
        ``probability_alive`` and ``clv`` over ``clv_horizon`` months
        (BG/NBD + Gamma-Gamma fitted on the accounts), plus
        ``n_buying_contacts``. Purchases of two contacts on one day are one
        account purchase. Transactions of people who are not in ``contacts``
        are left out and reported.
    events : DataFrame, optional
        The contacts' events (keyed by ``customer``; anonymous rows are
        ignored): ``n_engaged_contacts`` (contacts with at least one event).
        With transactions or events, ``last_activity`` and
        ``days_since_activity`` come from the latest of either.
    account, customer : str
        The account and person id columns.
    accounts : DataFrame, optional
        One row per account with its firmographics (keyed by ``account``);
        its columns come first. Accounts listed here without contacts are kept
        with zero contacts.
    role : str or None
        The contacts' buying-committee role column; ``None`` when there is none.
    roles : sequence of str
        The committee roles counted (``n_<role>``, ``has_<role>``); other
        values count in ``n_other_role``.
    consent : str, sequence or mapping, optional
        The consent columns (True = consented): a mapping channel → column, or
        column names (the channel is the name without ``_opt_in``). Default:
        every ``*_opt_in`` column of ``contacts``. A missing answer counts as
        no consent.
    opted_out : str or None
        Column flagging people who opted out of everything (missing counts as
        opted out); they are never counted as reachable.
    firmographics : sequence of str, optional
        Columns of ``contacts`` that describe the account (the same value for
        every contact of an account) to carry over. Default: every column that
        holds one value per account, other than the ids, role, consent and
        opt-out columns.
    as_of : date-like, optional
        The reference date; default: the latest timestamp in the transactions
        and events.
    time, value : str
        Timestamp and amount columns of the transactions and events.
    min_repeat_buyers, clv_horizon : int
        As in :func:`microseg.customer_view`.

    Returns
    -------
    DataFrame
        One row per account (those of ``accounts`` first, in order, then the
        others in order of first appearance in ``contacts``), never dropped:
        ``account``, the firmographics, ``n_contacts``, ``n_<role>`` per role
        and ``n_other_role``, ``has_<role>``, ``committee_coverage`` (share of
        ``roles`` reached by at least one contact), ``committee_missing`` (the
        roles not reached, comma-separated), ``contactable_<channel>`` and
        ``n_contactable_<channel>`` per consent channel, then the activity
        columns above. ``attrs["as_of"]`` holds the reference date and
        ``attrs["microseg_rows"]`` the rows left out.

    Raises
    ------
    SchemaError
        If a named column is missing, an id column holds floats, ``accounts``
        repeats an account, a contact appears twice, a consent column is not
        boolean, or a ``firmographics`` column varies within an account.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> contacts = pd.DataFrame({
    ...     "customer_id": ["p1", "p2", "p3", "p4"],
    ...     "account_id": ["acme", "acme", "acme", "bolt"],
    ...     "industry": ["manufacturing"] * 3 + ["retail"],
    ...     "role": ["decision_maker", "user", "user", "influencer"],
    ...     "email_opt_in": [False, True, True, True],
    ...     "opted_out": [False, False, True, False]})
    >>> tx = pd.DataFrame({"customer_id": ["p1", "p2", "p4"],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-05"]),
    ...                    "amount": [100.0, 50.0, 20.0]})
    >>> view = ms.account_view(contacts, tx, clv_horizon=None)
    >>> view[["account_id", "industry", "n_contacts", "n_contactable_email", "total_spend"]]
      account_id       industry  n_contacts  n_contactable_email  total_spend
    0       acme  manufacturing           3                    1        150.0
    1       bolt         retail           1                    1         20.0
    >>> view["committee_coverage"].round(2).tolist()
    [0.67, 0.33]
    >>> view["committee_missing"].tolist()
    ['influencer', 'decision_maker, user']
    """
    check_frame(contacts, name="contacts")
    check_columns(contacts, [account, customer], name="contacts")
    check_id_column(contacts, customer, name="contacts")
    check_id_column(contacts, account, name="contacts")
    check_unique(contacts.dropna(subset=[customer]), customer, name="contacts")
    roles = [str(r) for r in roles]
    for param, col, meaning in (("role", role, "buying-committee role"), ("opted_out", opted_out, "opt-out flag")):
        if col is not None and col not in contacts.columns:
            raise SchemaError(
                f"contacts has no {meaning} column {col!r}; pass its name as {param}='...', "
                f"or {param}=None when the contacts have none."
            )
    channels = _consent_columns(contacts, consent)
    counts: dict[str, int] = {}

    has_account = contacts[account].notna().to_numpy()
    counts["contacts without an account (left out)"] = int((~has_account).sum())
    c = contacts.loc[has_account] if not has_account.all() else contacts

    # account ids: those of `accounts` first, then the others in order of appearance
    if accounts is not None:
        check_frame(accounts, name="accounts", allow_empty=True)
        check_columns(accounts, [account], name="accounts")
        check_id_column(accounts, account, name="accounts")
        check_unique(accounts, account, name="accounts")
        ids = pd.Index(accounts[account].dropna())
        extra = pd.Index(pd.unique(c[account])).difference(ids, sort=False)
        ids = ids.append(extra)
    else:
        ids = pd.Index(pd.unique(c[account]))
    codes = ids.get_indexer(c[account])
    n = len(ids)
    out = pd.DataFrame({account: ids.to_numpy()})
    if accounts is not None:
        firm = accounts.drop_duplicates(account).set_index(account).reindex(ids)
        for col in firm.columns:
            out[col] = firm[col].reset_index(drop=True)  # dtypes kept (ordered bands stay ordered)

    # firmographics carried over from the contacts
    skip = {account, customer, opted_out, role, *channels.values()} | set(out.columns)
    if firmographics is None:
        firm_cols = _firmographic_columns(c, codes, n, skip)
    else:
        firm_cols = list(firmographics)
        check_columns(c, firm_cols, name="contacts")
        varying = [col for col in firm_cols if col not in _firmographic_columns(c, codes, n, set())]
        if varying:
            raise SchemaError(
                f"firmographics column(s) {varying} hold different values for contacts of one account; "
                "pass only account-level columns, or the accounts table with accounts=."
            )
    for col in firm_cols:
        out[col] = _first_value(c[col], codes, n)

    # contacts and buying-committee roles
    out["n_contacts"] = np.bincount(codes, minlength=n)
    if role is not None:
        r = c[role].astype("string").to_numpy(dtype=object, na_value=None)
        known = np.zeros(len(c), dtype=bool)
        for name in roles:
            m = r == name
            known |= m
            out[f"n_{name}"] = np.bincount(codes, weights=m, minlength=n).astype(np.int64)
        out["n_other_role"] = np.bincount(codes, weights=~known, minlength=n).astype(np.int64)
        reached = np.column_stack([out[f"n_{name}"].to_numpy() > 0 for name in roles]) if roles else np.zeros((n, 0), bool)
        for j, name in enumerate(roles):
            out[f"has_{name}"] = reached[:, j]
        out["committee_coverage"] = reached.mean(axis=1) if roles else np.nan
        # one label per pattern of reached roles (2**len(roles) of them), looked up per account
        pattern = reached.astype(np.int64) @ (1 << np.arange(len(roles), dtype=np.int64))
        labels = np.array([", ".join(nm for j, nm in enumerate(roles) if not p >> j & 1) for p in range(1 << len(roles))],
                          dtype=object) if len(roles) <= 12 else None
        if labels is None:
            raise MicrosegError(f"roles lists {len(roles)} roles; a buying committee has at most 12.")
        out["committee_missing"] = pd.array(labels[pattern], dtype="str")

    # consent, conservatively: only contacts who consented on the channel and did not opt out
    blocked = _flag(c[opted_out], opted_out, True) if opted_out is not None else np.zeros(len(c), bool)
    for ch, col in channels.items():
        ok = _flag(c[col], col, False) & ~blocked
        k = np.bincount(codes, weights=ok, minlength=n).astype(np.int64)
        out[f"contactable_{ch}"] = k > 0
        out[f"n_contactable_{ch}"] = k

    # activity: transactions and events of the contacts, rolled up to the accounts
    from ._customer import _clv_columns, _last_time, _latest, _rfm

    if as_of is None:
        as_of = _latest([(transactions, time), (events, time)])
    as_of_ts = pd.Timestamp(as_of) if as_of is not None else None
    if as_of_ts is not None and as_of_ts.tzinfo is not None:
        as_of_ts = as_of_ts.tz_convert("UTC").tz_localize(None)
    known_id = c[customer].notna().to_numpy()
    person_account = pd.Series(ids.to_numpy()[codes[known_id]], index=pd.Index(c[customer].to_numpy()[known_id]))
    last_parts = []
    if transactions is not None:
        check_frame(transactions, name="transactions")
        check_columns(transactions, [customer, time, value], name="transactions")
        acct_tx = _roll_up(transactions, person_account, customer, account, time, value, counts, "transactions")
        table = _rfm(acct_tx, customer=account, time=time, value=value, as_of=as_of_ts)
        t = table.reindex(ids)
        out["days_since_last"] = t["days_since_last"].to_numpy(dtype="float64", na_value=np.nan)
        out["n_orders"] = t["n_orders"].fillna(0).astype("int64").to_numpy()
        out["total_spend"] = t["total_spend"].fillna(0.0).to_numpy()
        out["mean_order_value"] = t["mean_order_value"].to_numpy()
        out["tenure_days"] = t["tenure_days"].to_numpy(dtype="float64", na_value=np.nan)
        clv_cols, clv_counts = _clv_columns(acct_tx, account, time, value, as_of_ts, min_repeat_buyers, clv_horizon, ids)
        for col, values in clv_cols.items():
            out[col] = values
        counts.update({k.replace("buyers", "buying accounts"): v for k, v in clv_counts.items()})
        is_buyer = c[customer].isin(transactions[customer].dropna()).to_numpy()  # hash-based, no sort
        out["n_buying_contacts"] = np.bincount(codes, weights=is_buyer, minlength=n).astype(np.int64)
        last_parts.append(_last_time(acct_tx, customer=account, time=time, as_of=as_of_ts).reindex(ids))
    if events is not None:
        check_frame(events, name="events")
        check_columns(events, [customer, time], name="events")
        ev = events[events[customer].notna()]
        acct_ev = _roll_up(ev, person_account, customer, account, time, None, counts, "events")
        engaged = c[customer].isin(ev[customer]).to_numpy()
        out["n_engaged_contacts"] = np.bincount(codes, weights=engaged, minlength=n).astype(np.int64)
        if len(acct_ev):
            last_parts.append(_last_time(acct_ev, customer=account, time=time, as_of=as_of_ts).reindex(ids))
    if last_parts:
        last = pd.concat([p.reset_index(drop=True) for p in last_parts], axis=1).max(axis=1)
        out["last_activity"] = last.to_numpy()
        out["days_since_activity"] = ((as_of_ts - last) / _DAY).to_numpy()

    report_rows(out, counts, what="rows")
    out.attrs["as_of"] = as_of_ts
    return out


def _roll_up(log: pd.DataFrame, person_account: pd.Series, customer, account, time, value, counts, name) -> pd.DataFrame:
    """The log's rows of known contacts, keyed by their account (a new frame; the input is untouched)."""
    cols = [time] + ([value] if value is not None else [])
    acct = person_account.reindex(log[customer].to_numpy()).to_numpy()
    known = pd.notna(acct)
    if len(log) and not known.any() and log[customer].notna().any():
        raise MicrosegError(
            f"no {customer!r} of {name} matches a contact (dtypes {log[customer].dtype} and "
            f"{person_account.index.dtype}); make the ids the same type, e.g. .astype(str) on both."
        )
    counts[f"{name} rows of people not in contacts, or without an id (left out)"] = int((~known).sum())
    out = pd.DataFrame({account: acct[known]})
    for col in cols:
        out[col] = log[col].to_numpy()[known]
    return out
