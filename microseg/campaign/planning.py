"""Campaign plan: who can be reached in each segment, with which message, at what cost and return.

:func:`plan` turns segments into a per-segment plan table: reachable size
after opt-outs, consent for the channel and the suppression list; expected
response (probabilities only); the message and channel of every segment (the
personalisation matrix: every segment, even a small one, gets a message);
cost, expected conversions, revenue and ROI. Given a total ``budget`` and
per-segment spend ``caps`` it allocates contacts by marginal return: contacts
are bought in order of expected value per unit cost, and when per-customer
probabilities are given the likeliest customers of a segment come first, so
each further contact in a segment returns less than the one before.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from numbers import Real

import numpy as np
import pandas as pd

from .._validation import check_columns, check_frame, check_labels, report_rows
from ..errors import MicrosegError, SchemaError
from ..privacy.suppression import CONSENT_COLUMNS, SuppressionList, contact_status

__all__ = ["plan", "CampaignPlan", "DEFAULT_MESSAGE"]

#: Default message template; ``{segment}`` is replaced by the segment label.
DEFAULT_MESSAGE = "Picked for you ({segment})"

_STATUSES = ("opted out", "no consent", "suppressed", "reachable")
# Names and attrs that mark a lookalike score or rank rather than a probability.
_RANK_NAMES = {"score", "rank", "decision", "tier", "lookalike_score", "lookalike_rank", "similarity"}


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False)
class CampaignPlan:
    """A campaign plan per segment, and the customers it contacts.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment (index ``segment``): ``size``, ``opted_out``,
        ``no_consent``, ``suppressed``, ``reachable``, ``channel``, ``message``,
        ``response_rate`` (mean probability among the reachable),
        ``cost_per_contact``, ``value_per_conversion``, ``contacts`` (planned),
        ``cost``, ``expected_conversions``, ``revenue``, ``profit``, ``roi``
        (profit / cost) and ``marginal_roi`` (of the last contact bought).
    contacts : pandas.DataFrame
        The planned contacts, one row per customer: ``customer``, ``segment``,
        ``channel``, ``message``, ``probability``, ``cost``,
        ``expected_value``, in the order they were bought.
    budget : float or None
        The total budget (None: every reachable customer is contacted).
    excluded : dict
        Customers not contactable, per reason (opted out, no consent, suppressed).
    """

    table: pd.DataFrame
    contacts: pd.DataFrame = field(repr=False)
    budget: float | None = None
    excluded: dict = field(default_factory=dict)

    @property
    def total(self) -> pd.Series:
        """Totals over segments: contacts, cost, expected conversions, revenue, profit, ROI."""
        t = self.table
        cost = float(t["cost"].sum())
        revenue = float(t["revenue"].sum())
        return pd.Series(
            {
                "reachable": int(t["reachable"].sum()),
                "contacts": int(t["contacts"].sum()),
                "cost": cost,
                "expected_conversions": float(t["expected_conversions"].sum()),
                "revenue": revenue,
                "profit": revenue - cost,
                "roi": (revenue - cost) / cost if cost > 0 else np.nan,
            },
            name="total",
        )

    def to_frame(self) -> pd.DataFrame:
        """The per-segment plan table (a copy)."""
        return self.table.copy()

    def plot(self, ax=None, **kwargs):
        """Draw cost and expected revenue per segment (see :func:`microseg.plot.plan_chart`)."""
        from ..plot import plan_chart

        return plan_chart(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        t = self.total
        b = "no budget" if self.budget is None else f"budget {self.budget:,.0f}"
        return (
            f"CampaignPlan({len(self.table)} segments, {t['contacts']:,} of {t['reachable']:,} reachable contacted, "
            f"cost {t['cost']:,.0f}, revenue {t['revenue']:,.0f}, ROI {t['roi']:.2f}; {b})"
        )

    def _repr_html_(self) -> str:
        return f"<p><b>{self!r}</b></p>" + self.table.to_html(float_format=lambda v: f"{v:,.3g}")


# --------------------------------------------------------------------------- helpers
def _is_number(x) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool)


def _looks_like_rank(s: pd.Series, *, name: str) -> None:
    """Refuse lookalike scores and ranks: the plan needs probabilities of responding."""
    label = str(s.name).lower() if s.name is not None else ""
    source = " ".join(str(s.attrs.get(k, "")) for k in ("microseg_kind", "source", "microseg_source")).lower()
    if label in _RANK_NAMES or "lookalike" in source or "score_samples" in source or "rank" in source:
        raise MicrosegError(
            f"{name} looks like a lookalike score or rank (name {s.name!r}); a score says who is most alike, "
            "not how likely they are to respond. Pass response rates from past campaigns or a calibrated "
            "model's probabilities (e.g. Lookalike.probability, or CalibratedClassifierCV.predict_proba)."
        )
    v = s.to_numpy(dtype="float64", na_value=np.nan)
    v = v[~np.isnan(v)]
    if len(v) and (v > 1).any() and np.all(v == np.round(v)):
        raise MicrosegError(
            f"{name} holds whole numbers above 1 (e.g. {v[v > 1][:3].tolist()}): ranks, not probabilities. "
            "Pass response probabilities in [0, 1]."
        )


def _check_probabilities(values, *, name: str) -> np.ndarray:
    if isinstance(values, pd.Series):
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            raise MicrosegError(f"{name} must be numeric probabilities in [0, 1], found dtype {values.dtype}.")
        _looks_like_rank(values, name=name)
    v = np.asarray(pd.Series(values).to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
    if np.isnan(v).any():
        raise MicrosegError(f"{name} has {int(np.isnan(v).sum())} missing values; every customer or segment needs a probability.")
    bad = (v < 0) | (v > 1)
    if bad.any():
        raise MicrosegError(
            f"{name} must be probabilities in [0, 1]; {int(bad.sum())} values are outside (e.g. {v[bad][:3].tolist()}). "
            "Lookalike scores, ranks and uncalibrated model outputs are not response probabilities."
        )
    return v


def _per_segment(value, labels: list, *, name: str, kind: str = "value") -> dict:
    """Resolve a scalar, template, mapping or Series to ``{segment: value}``; a mapping must cover every segment."""
    if isinstance(value, pd.Series):
        value = value.to_dict()
    if isinstance(value, Mapping):
        missing = [s for s in labels if s not in value]
        if missing:
            raise MicrosegError(
                f"{name} has no {kind} for segments {missing[:10]}{' ...' if len(missing) > 10 else ''}; every segment, "
                f"even a small one, needs one. Add them to {name}, or pass a template string with '{{segment}}'."
            )
        return {s: value[s] for s in labels}
    return {s: value for s in labels}


def _resolve_response(response, df: pd.DataFrame, seg: pd.Series, labels: list) -> np.ndarray:
    """Probability per customer row."""
    if isinstance(response, str):
        check_columns(df, [response], name="segments")
        return _check_probabilities(df[response], name=f"response column {response!r}")
    if _is_number(response):
        p = _check_probabilities([response], name="response")[0]
        return np.full(len(df), p)
    if isinstance(response, pd.Series) and len(response) == len(df) and response.index.equals(df.index) and not set(labels) <= set(response.index):
        return _check_probabilities(response, name="response")
    if isinstance(response, (Mapping, pd.Series)):
        if isinstance(response, pd.Series):
            _looks_like_rank(response, name="response")
        per = _per_segment(response, labels, name="response", kind="response probability")
        rates = _check_probabilities(pd.Series(list(per.values()), dtype="float64"), name="response")
        lookup = dict(zip(labels, rates))
        return seg.map(lookup).to_numpy(dtype="float64")
    raise MicrosegError(
        "response must be a probability, a mapping or Series segment -> probability, a column name of per-customer "
        f"probabilities, or a Series aligned with the customers; got {type(response).__name__}."
    )


def _resolve_cost(cost_per_contact, channel_of: dict, labels: list) -> dict:
    """Cost per contact per segment: a number, or a mapping by channel or by segment."""
    if _is_number(cost_per_contact):
        out = {s: float(cost_per_contact) for s in labels}
    elif isinstance(cost_per_contact, Mapping):
        if all(ch in cost_per_contact for ch in set(channel_of.values())):
            out = {s: float(cost_per_contact[channel_of[s]]) for s in labels}
        else:
            out = {s: float(v) for s, v in _per_segment(cost_per_contact, labels, name="cost_per_contact", kind="cost (keyed by channel or segment)").items()}
    else:
        raise MicrosegError(f"cost_per_contact must be a number or a mapping channel -> cost; got {cost_per_contact!r}.")
    bad = {s: c for s, c in out.items() if not np.isfinite(c) or c <= 0}
    if bad:
        raise MicrosegError(f"cost_per_contact must be positive; got {bad}.")
    return out


def _consent_column(channel: str, consent) -> str | bool:
    """The consent column for ``channel`` (False: consent was checked upstream)."""
    if consent is False:
        return False
    if isinstance(consent, str):
        return consent
    if isinstance(consent, Mapping) and channel in consent:
        return consent[channel]
    if channel in CONSENT_COLUMNS:
        return CONSENT_COLUMNS[channel]
    raise MicrosegError(
        f"no default consent column for channel {channel!r}; pass consent={{{channel!r}: 'your_column'}}, "
        "or consent=False to state that consent was checked upstream."
    )


def _contact_status(df: pd.DataFrame, channel: pd.Series, *, consent, opt_out, suppression, customer, identifiers) -> pd.Series:
    """Who may be contacted: the first of opted out, no consent (for the row's channel), suppressed, else reachable.

    The rules are :func:`microseg.privacy.contact_status`'s, applied per
    channel; suppression may also be given as customer ids or a boolean mask.
    """
    sl = suppression if isinstance(suppression, SuppressionList) else None
    if identifiers is None:
        identifiers = {"email": "email"} if "email" in df.columns else {}
    status = pd.Series("reachable", index=df.index, dtype=object)
    for ch in pd.unique(channel.to_numpy()):
        rows = (channel == ch).to_numpy()
        col = _consent_column(ch, consent)
        part = contact_status(
            df.loc[rows],
            channel=ch if ch in CONSENT_COLUMNS else "email",  # only picks the default column, and `consent` is explicit here
            suppression=sl,
            opt_out=opt_out,
            consent=col,
            identifiers=identifiers,
            customer=customer if sl is not None and customer in df.columns else None,
        )
        status.loc[rows] = part.astype(object).to_numpy()
    if suppression is not None and sl is None:
        if isinstance(suppression, pd.Series) and pd.api.types.is_bool_dtype(suppression):
            hit = suppression.reindex(df.index).fillna(False).to_numpy(dtype=bool)
        else:
            if customer not in df.columns:
                raise SchemaError(
                    f"suppression lists customer ids but segments has no column {customer!r}; pass customer='your_id_column'."
                )
            hit = df[customer].isin(list(suppression)).to_numpy()
        status = status.mask(hit & (status == "reachable").to_numpy(), "suppressed")
    return pd.Series(pd.Categorical(status, categories=list(_STATUSES)), index=df.index, name="status")


# --------------------------------------------------------------------------- allocation
def _allocate(seg_code: np.ndarray, p: np.ndarray, cost: np.ndarray, value: np.ndarray, *, budget, cap_n: np.ndarray, min_roi):
    """Choose contacts: within a segment likeliest first, up to its cap; across segments by value per cost.

    Returns the chosen row positions, in the order they were bought.
    """
    ratio = p * value / cost
    # within each segment: highest probability first (ties: row order)
    order = np.lexsort((np.arange(len(p)), -p, seg_code))
    seg_sorted = seg_code[order]
    starts = np.searchsorted(seg_sorted, seg_sorted, side="left")
    rank = np.arange(len(order)) - starts
    keep = rank < cap_n[seg_sorted]
    if min_roi is not None:
        keep &= ratio[order] - 1 >= min_roi
    cand = order[keep]
    # across segments: by expected value per unit cost (stable: likeliest first within a segment)
    cand = cand[np.argsort(-ratio[cand], kind="stable")]
    if budget is not None:
        spent = np.cumsum(cost[cand])
        cand = cand[spent <= budget + 1e-9 * max(1.0, budget)]
    return cand


# --------------------------------------------------------------------------- plan
def plan(
    segments,
    *,
    response,
    cost_per_contact,
    value_per_conversion,
    messages=None,
    channels="email",
    budget: float | None = None,
    caps=None,
    min_roi: float | None = None,
    segment: Hashable = "segment",
    customer: Hashable = "customer_id",
    consent=None,
    opt_out: str | bool = "opted_out",
    suppression=None,
    identifiers=None,
) -> CampaignPlan:
    """Plan a campaign per segment: reach, message, channel, cost, expected conversions, revenue, ROI.

    Parameters
    ----------
    segments : pandas.DataFrame or pandas.Series
        One row per customer with a ``segment`` column (and the opt-out and
        consent columns), or a Series of segment labels (then pass
        ``opt_out=False`` and ``consent=False`` to state that both were
        checked upstream).
    response : float, mapping, Series or str
        Probability of converting when contacted: per segment (a mapping or a
        Series indexed by segment, e.g. response rates of past campaigns),
        per customer (a column name, or a Series aligned with the customers,
        from a calibrated model), or one number for all. Values must be in
        [0, 1]; lookalike scores and ranks are refused.
    cost_per_contact : float or mapping
        Cost of one contact; a mapping by channel or by segment.
    value_per_conversion : float or mapping
        Value of one conversion (e.g. margin or CLV); a mapping by segment.
    messages : str, mapping or DataFrame, optional
        The message per segment: a mapping segment -> message (every segment
        must have one), a template with ``{segment}`` (default
        :data:`DEFAULT_MESSAGE`), or the choices learned by
        :meth:`MessageMatrix.best() <microseg.campaign.MessageMatrix.best>`,
        whose ``channel`` column then sets the channel of each segment.
    channels : str or mapping
        Channel per segment (default ``"email"``); decides the consent column.
    budget : float, optional
        Total spend allowed. Without it every reachable customer is contacted
        (subject to ``caps`` and ``min_roi``).
    caps : float or mapping, optional
        Maximum spend per segment (one number for all, or segment -> spend).
    min_roi : float, optional
        Skip contacts whose expected ROI (``p * value / cost - 1``) is below this
        (``0``: only contacts expected to pay for themselves).
    segment, customer : str
        Column names of the segment label and the customer id.
    consent : str, mapping or False, optional
        Consent column: one for every channel, a mapping channel -> column, or
        None for the defaults (:data:`microseg.privacy.CONSENT_COLUMNS`:
        ``email_opt_in`` for email, ``ads_opt_in`` for ad channels, ...). ``False`` states that consent
        was checked upstream.
    opt_out : str or False
        Column flagging customers who opted out of all marketing.
    suppression : SuppressionList, iterable of customer ids or boolean Series, optional
        People who must never be contacted (a
        :class:`~microseg.privacy.SuppressionList` is matched after
        normalisation on ``identifiers`` and the customer id).
    identifiers : mapping, optional
        Identifier columns to match a SuppressionList on, e.g.
        ``{"email": "email", "phone": "phone"}`` (default: ``email`` when present).

    Returns
    -------
    CampaignPlan

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "segment": ["x", "x", "y", "y"],
    ...                    "opted_out": [False, False, False, True], "email_opt_in": [True, True, True, True]})
    >>> p = plan(df, response={"x": 0.1, "y": 0.3}, cost_per_contact=1.0, value_per_conversion=20.0)
    >>> p.table[["reachable", "contacts", "expected_conversions", "roi"]].reset_index()
      segment  reachable  contacts  expected_conversions  roi
    0       x          2         2                   0.2  1.0
    1       y          1         1                   0.3  5.0
    """
    if isinstance(segments, pd.Series):
        df = segments.rename(segment).to_frame()
    else:
        df = check_frame(segments, name="segments")
        if segment not in df.columns:
            check_columns(df, [segment], name="segments")
    check_frame(df, name="segments")
    seg = check_labels(df, segment)
    missing = seg.isna()
    if missing.any():
        df, seg = df.loc[~missing], seg.loc[~missing]
        report_rows(None, {"missing segment label": int(missing.sum())}, what="customers", stacklevel=3)
    labels = list(pd.unique(seg.to_numpy()))
    if isinstance(seg.dtype, pd.CategoricalDtype):
        labels = [c for c in seg.cat.categories if c in set(labels)]
    else:
        try:
            labels = sorted(labels)
        except TypeError:
            pass

    p = _resolve_response(response, df, seg, labels)
    if isinstance(messages, pd.DataFrame) and "message" in messages.columns:  # MessageMatrix.best(): the learned choices
        if "channel" in messages.columns:
            if not (isinstance(channels, str) and channels == "email"):
                raise MicrosegError("messages from MessageMatrix.best() carry a channel per segment; pass channels= or "
                                    "the learned channels, not both (messages=best['message'] keeps only the messages).")
            channels = messages["channel"].dropna()
        messages = messages["message"].dropna()
    channel_of = {s: str(c) for s, c in _per_segment(channels, labels, name="channels", kind="channel").items()}
    if messages is None:
        messages = DEFAULT_MESSAGE
    if isinstance(messages, str):
        message_of = {s: messages.format(segment=s) for s in labels}
    else:
        message_of = {s: str(m) for s, m in _per_segment(messages, labels, name="messages", kind="message").items()}
    cost_of = _resolve_cost(cost_per_contact, channel_of, labels)
    if not (_is_number(value_per_conversion) or isinstance(value_per_conversion, (Mapping, pd.Series))):
        raise MicrosegError(f"value_per_conversion must be a number or a mapping segment -> value; got {value_per_conversion!r}.")
    value_of = {s: float(v) for s, v in _per_segment(value_per_conversion, labels, name="value_per_conversion").items()}
    if any(not np.isfinite(v) or v < 0 for v in value_of.values()):
        raise MicrosegError(f"value_per_conversion must be finite and >= 0; got {value_of}.")
    if budget is not None and (not _is_number(budget) or not np.isfinite(budget) or budget < 0):
        raise MicrosegError(f"budget must be a number >= 0, got {budget!r}.")
    cap_of = {s: np.inf for s in labels} if caps is None else {s: float(v) for s, v in _per_segment(caps, labels, name="caps", kind="spend cap").items()}
    if any(np.isnan(v) or v < 0 for v in cap_of.values()):
        raise MicrosegError(f"caps must be spends >= 0; got {cap_of}.")

    channel_row = seg.map(channel_of).astype(object)
    status = _contact_status(df, channel_row, consent=consent, opt_out=opt_out, suppression=suppression, customer=customer, identifiers=identifiers)

    code_of = {s: i for i, s in enumerate(labels)}
    seg_code = seg.map(code_of).to_numpy(dtype=np.int64)
    cost_arr = np.array([cost_of[s] for s in labels])
    value_arr = np.array([value_of[s] for s in labels])
    cap_n = np.array([np.floor(cap_of[s] / cost_of[s] + 1e-9) if np.isfinite(cap_of[s]) else np.inf for s in labels])

    reach = (status == "reachable").to_numpy()
    pos = np.flatnonzero(reach)
    chosen = pos[_allocate(seg_code[pos], p[pos], cost_arr[seg_code[pos]], value_arr[seg_code[pos]],
                           budget=budget, cap_n=cap_n, min_roi=min_roi)]

    ids = df[customer].to_numpy() if customer in df.columns else df.index.to_numpy()
    cseg = seg_code[chosen]
    contacts = pd.DataFrame(
        {
            "customer": ids[chosen],
            "segment": np.asarray(labels, dtype=object)[cseg] if len(labels) else np.array([], dtype=object),
            "channel": [channel_of[labels[c]] for c in cseg],
            "message": [message_of[labels[c]] for c in cseg],
            "probability": p[chosen],
            "cost": cost_arr[cseg],
            "expected_value": p[chosen] * value_arr[cseg],
        }
    )

    counts = pd.crosstab(pd.Categorical(seg_code, categories=range(len(labels))), status, dropna=False)
    counts = counts.reindex(columns=list(_STATUSES), fill_value=0).to_numpy()
    n_seg = len(labels)
    p_reach_sum = np.bincount(seg_code[pos], weights=p[pos], minlength=n_seg)
    n_chosen = np.bincount(cseg, minlength=n_seg)
    conv = np.bincount(cseg, weights=p[chosen], minlength=n_seg)
    # marginal ROI: of the last (least likely) contact bought in each segment
    last_p = np.full(n_seg, np.nan)
    if len(chosen):
        min_p = pd.Series(p[chosen]).groupby(cseg).min()
        last_p[min_p.index.to_numpy()] = min_p.to_numpy()
    cost = n_chosen * cost_arr
    revenue = conv * value_arr
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = p_reach_sum / counts[:, 3]
        roi = np.where(cost > 0, (revenue - cost) / np.where(cost > 0, cost, 1), np.nan)
    table = pd.DataFrame(
        {
            "size": counts.sum(axis=1),
            "opted_out": counts[:, 0],
            "no_consent": counts[:, 1],
            "suppressed": counts[:, 2],
            "reachable": counts[:, 3],
            "channel": [channel_of[s] for s in labels],
            "message": [message_of[s] for s in labels],
            "response_rate": rate,
            "cost_per_contact": cost_arr,
            "value_per_conversion": value_arr,
            "contacts": n_chosen,
            "cost": cost,
            "expected_conversions": conv,
            "revenue": revenue,
            "profit": revenue - cost,
            "roi": roi,
            "marginal_roi": last_p * value_arr / cost_arr - 1,
        },
        index=pd.Index(labels, name="segment"),
    )
    excluded = {s: int(counts[:, i].sum()) for i, s in enumerate(_STATUSES[:3])}
    return CampaignPlan(table=table, contacts=contacts, budget=None if budget is None else float(budget), excluded=excluded)
