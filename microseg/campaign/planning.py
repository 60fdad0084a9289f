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

Campaign numbers should be incremental: given the :class:`~microseg.campaign.Readout`
of a randomised test, :func:`plan` budgets on each segment's measured lift
(extra conversions per contact, with its interval) rather than on raw response,
which also counts customers who would have bought anyway. Segments whose lift
interval includes zero are not funded unless ``fund_uncertain=True``. A plan
built from raw response rates still works, labelled "not incremental".
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validation import check_columns, check_frame, check_labels, report_rows
from ..errors import MicrosegError, NotIncrementalWarning
from ._plan_inputs import (
    _STATUSES,
    _allocate,
    _contact_status,
    _is_number,
    _per_segment,
    _resolve_cost,
    _resolve_lift,
    _resolve_response,
    _resolve_uplift,
)
from .readouts import Readout
from .testing import _check_ids

__all__ = ["plan", "CampaignPlan", "DEFAULT_MESSAGE", "NOT_INCREMENTAL"]

#: Default message template; ``{segment}`` is replaced by the segment label.
DEFAULT_MESSAGE = "Picked for you ({segment})"

#: The label of numbers that count every response as caused by the campaign.
NOT_INCREMENTAL = "not incremental"



# --------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False)
class CampaignPlan:
    """A campaign plan per segment, and the customers it contacts.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per segment (index ``segment``): ``size``, ``opted_out``,
        ``no_consent``, ``suppressed``, ``reachable``, ``channel``, ``message``,
        ``basis`` (``"incremental"``, or ``"not incremental"`` for raw
        response), ``cost_per_contact``, ``value_per_conversion``, ``contacts``
        (planned), ``cost``, ``marginal_roi`` (of the last contact bought), and

        - incremental plans (``response`` was a :class:`Readout`): ``lift``
          with ``lift_low``/``lift_high`` (extra conversions per contact, from
          the read-out), ``funded``, and ``incremental_conversions``,
          ``incremental_revenue``, ``profit`` and ``roi`` (profit / cost), each
          with ``_low``/``_high`` at the read-out's level;
        - raw plans: ``response_rate`` (mean probability among the reachable),
          ``expected_conversions``, ``revenue``, ``profit``, ``roi``, all
          counting every response as caused by the campaign.
    contacts : pandas.DataFrame
        The planned contacts, one row per customer: ``customer``, ``segment``,
        ``channel``, ``message``, ``probability`` (raw plans) or ``lift``
        (incremental plans), ``uplift`` (when a score was given), ``cost``,
        ``expected_value``, in the order they were bought. With ``min_uplift``
        the table also counts ``below_min_uplift`` (reachable, left alone).
    budget : float or None
        The total budget (None: every reachable customer is contacted).
    excluded : dict
        Customers not contactable, per reason (opted out, no consent, suppressed).
    linked : dict
        Of those opted out and suppressed, the customers excluded only because
        another record of the same person (sharing a normalised e-mail, phone or
        customer id) opted out or is suppressed.
    incremental : bool
        True when the plan budgets on measured lift from a randomised test.
    alpha : float
        1 - level of the intervals (incremental plans).
    sensitive_allowed : dict
        Sensitive segment column -> the written reason given for targeting by it.
    """

    table: pd.DataFrame
    contacts: pd.DataFrame = field(repr=False)
    budget: float | None = None
    excluded: dict = field(default_factory=dict)
    incremental: bool = False
    alpha: float = 0.05
    sensitive_allowed: dict = field(default_factory=dict)
    linked: dict = field(default_factory=dict)

    @property
    def total(self) -> pd.Series:
        """Totals over segments: contacts, cost, conversions, revenue, profit, ROI (with intervals when incremental).

        Segment estimates come from separate groups of customers, so the
        intervals of the totals add the segments' variances.
        """
        t = self.table
        cost = float(t["cost"].sum())
        out = {"reachable": int(t["reachable"].sum()), "contacts": int(t["contacts"].sum()), "cost": cost}
        if not self.incremental:
            revenue = float(t["revenue"].sum())
            out |= {"expected_conversions": float(t["expected_conversions"].sum()), "revenue": revenue,
                    "profit": revenue - cost, "roi": (revenue - cost) / cost if cost > 0 else np.nan}
            return pd.Series(out, name="total")
        from scipy import stats

        z = stats.norm.ppf(1 - self.alpha / 2)
        for name in ("incremental_conversions", "incremental_revenue"):
            est = t[name].to_numpy(dtype="float64")
            se = (t[f"{name}_high"] - t[f"{name}_low"]).to_numpy(dtype="float64") / (2 * z)
            total, half = float(np.nansum(est)), z * float(np.sqrt(np.nansum(se**2)))
            out |= {name: total, f"{name}_low": total - half, f"{name}_high": total + half}
        for suffix in ("", "_low", "_high"):
            profit = out[f"incremental_revenue{suffix}"] - cost
            out[f"profit{suffix}"] = profit
            out[f"roi{suffix}"] = profit / cost if cost > 0 else np.nan
        return pd.Series(out, name="total")

    def to_frame(self) -> pd.DataFrame:
        """The per-segment plan table (a copy)."""
        return self.table.copy()

    def plot(self, ax=None, **kwargs):
        """Draw cost and (incremental) revenue per segment (see :func:`microseg.plot.plot_plan`)."""
        from ..plot import plot_plan

        return plot_plan(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        t = self.total
        b = "no budget" if self.budget is None else f"budget {self.budget:,.0f}"
        reach = f"{int(t['contacts']):,} of {int(t['reachable']):,} reachable contacted, cost {t['cost']:,.0f}"
        if not self.incremental:
            return (f"CampaignPlan({NOT_INCREMENTAL.upper()}: raw response counts customers who would have bought anyway; "
                    f"{len(self.table)} segments, {reach}, revenue {t['revenue']:,.0f}, ROI {t['roi']:.2f}; {b})")
        funded = int(self.table["funded"].sum())
        return (
            f"CampaignPlan(incremental: {funded} of {len(self.table)} segments funded, {reach}, incremental revenue "
            f"{t['incremental_revenue']:,.0f} [{t['incremental_revenue_low']:,.0f}, {t['incremental_revenue_high']:,.0f}], "
            f"ROI {t['roi']:.2f} [{t['roi_low']:.2f}, {t['roi_high']:.2f}]; {b})"
        )

    def _repr_html_(self) -> str:
        from .._tables import format_table

        r = repr(self).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<p><b>{r}</b></p>" + format_table(self.table, max_rows=None).html


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
    fund_uncertain: bool = False,
    segment: Hashable = "segment",
    customer: Hashable = "customer_id",
    consent=None,
    opt_out: str | bool = "opted_out",
    suppression=None,
    identifiers=None,
    allow_sensitive: Mapping[Hashable, str] | None = None,
    uplift=None,
    min_uplift: float | None = None,
) -> CampaignPlan:
    """Plan a campaign per segment: reach, message, channel, cost, expected conversions, revenue, ROI.

    Parameters
    ----------
    segments : pandas.DataFrame or pandas.Series
        One row per customer with a ``segment`` column (and the opt-out and
        consent columns), or a Series of segment labels (then pass
        ``opt_out=False`` and ``consent=False`` to state that both were
        checked upstream).
    response : Readout, float, mapping, Series or str
        What one contact brings. Best: the :class:`~microseg.campaign.Readout`
        of a randomised test of a yes/no outcome, read out by the same
        segments (or overall, applied to every segment); the plan then budgets
        on each segment's absolute ``lift`` (extra conversions per contact)
        with ``lift_low``/``lift_high``, and every number is incremental.
        Otherwise a raw probability of converting when contacted: per segment
        (a mapping or a Series indexed by segment), per customer (a column
        name, or a Series aligned with the customers, from a calibrated model),
        or one number for all, in [0, 1] (lookalike scores and ranks are
        refused). Raw response also counts customers who would have bought
        anyway, so such a plan is labelled "not incremental" and warns.
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
    fund_uncertain : bool
        Incremental plans only: also fund segments whose lift interval includes
        zero (when their estimated lift is positive). By default only segments
        whose whole interval is above zero are funded; a segment whose
        estimate is zero or negative is never funded.
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
        normalisation on ``identifiers`` and the customer id). Opt-out and
        suppression are per person: every record sharing a normalised e-mail,
        phone or customer id with an opted-out or suppressed record is left
        out too (counted in :attr:`CampaignPlan.linked`).
    identifiers : mapping, optional
        Identifier columns to match a SuppressionList and the records of one
        person on, e.g. ``{"email": "email", "phone": "phone"}`` (default:
        ``email`` when present).
    allow_sensitive : mapping column -> reason, optional
        Segments defined by a sensitive column (by its name, or by its labels:
        religions, ethnic groups, health conditions, parties, unions) are
        refused unless allowed with a written reason, kept in the plan.
    uplift : str, Series or array, optional
        An uplift score per customer (e.g. :meth:`UpliftModel.predict`): a
        column name, a Series on the customers' index, or an array in row
        order. Segments are funded and budgeted as before; *within* each
        segment the customers with the highest score are contacted first.
        With a read-out (or one probability per segment) every customer of a
        segment is worth the same, so the score alone decides who; with
        per-customer probabilities contacts are still bought by expected
        value, and the score only breaks ties. The plan's numbers stay the
        segment's measured lift: if the score ranks well, the customers bought
        first respond better than that, which the plan does not count on.
    min_uplift : float, optional
        With ``uplift``: customers scoring below this are not contacted (``0``:
        leave alone those the contact is predicted not to move or to put off).

    Returns
    -------
    CampaignPlan

    Raises
    ------
    SchemaError
        If a customer id repeats (the customer would be contacted and costed twice).

    Warns
    -----
    NotIncrementalWarning
        When ``response`` is a raw response rate rather than a read-out.

    Examples
    --------
    >>> import pandas as pd
    >>> from microseg.campaign import readout
    >>> test = pd.DataFrame({"segment": ["x"] * 4000 + ["y"] * 4000,
    ...                      "group": (["treatment"] * 2000 + ["control"] * 2000) * 2,
    ...                      "converted": [True] * 300 + [False] * 1700 + [True] * 100 + [False] * 1900
    ...                                 + [True] * 210 + [False] * 1790 + [True] * 200 + [False] * 1800})
    >>> ro = readout(test, segments="segment")
    >>> df = pd.DataFrame({"customer_id": ["a", "b", "c", "d"], "segment": ["x", "x", "y", "y"],
    ...                    "opted_out": [False, False, False, True], "email_opt_in": [True, True, True, True]})
    >>> p = plan(df, response=ro, cost_per_contact=1.0, value_per_conversion=20.0)
    >>> p.table[["reachable", "lift", "funded", "contacts", "incremental_conversions", "roi"]].reset_index()
      segment  reachable   lift  funded  contacts  incremental_conversions  roi
    0       x          2  0.100    True         2                      0.2  1.0
    1       y          1  0.005   False         0                      0.0  NaN
    """
    from ..privacy.sensitive import check_sensitive

    seg_col = segments.name if isinstance(segments, pd.Series) and segments.name is not None else segment
    seg_data = segments.to_frame(seg_col) if isinstance(segments, pd.Series) else segments
    allowed = check_sensitive([seg_col], data=seg_data, allow_sensitive=allow_sensitive, purpose="campaign segments")
    if isinstance(segments, pd.Series):
        df = segments.rename(segment).to_frame()
    else:
        df = check_frame(segments, name="segments")
        if segment not in df.columns:
            check_columns(df, [segment], name="segments")
    check_frame(df, name="segments")
    _check_ids(df, customer, why="would be contacted and costed more than once", name="segments")
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

    incremental = isinstance(response, Readout)
    if incremental:
        lift_of, funded_of = _resolve_lift(response, labels, fund_uncertain=fund_uncertain)
        p = seg.map(lambda s_: lift_of[s_][0]).to_numpy(dtype="float64")
        funded_row = seg.map(funded_of).to_numpy(dtype=bool)
    else:
        p = _resolve_response(response, df, seg, labels)
        funded_row = np.ones(len(df), dtype=bool)
        warnings.warn(
            "response holds raw response rates, so the plan counts every conversion among contacted customers as caused "
            "by the campaign, including customers who would have bought anyway; its numbers are labelled 'not incremental'. "
            "Pass the Readout of a test with a randomised control group (microseg.campaign.readout) to plan on incremental lift.",
            NotIncrementalWarning,
            stacklevel=2,
        )
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
    status, linked = _contact_status(df, channel_row, consent=consent, opt_out=opt_out, suppression=suppression,
                                     customer=customer, identifiers=identifiers)  # fmt: skip

    code_of = {s: i for i, s in enumerate(labels)}
    seg_code = seg.map(code_of).to_numpy(dtype=np.int64)
    cost_arr = np.array([cost_of[s] for s in labels])
    value_arr = np.array([value_of[s] for s in labels])
    cap_n = np.array([np.floor(cap_of[s] / cost_of[s] + 1e-9) if np.isfinite(cap_of[s]) else np.inf for s in labels])

    reach = (status == "reachable").to_numpy()
    pos = np.flatnonzero(reach)
    score = None if uplift is None else _resolve_uplift(uplift, df)
    if min_uplift is not None and score is None:
        raise MicrosegError("min_uplift needs uplift= (a score per customer, e.g. UpliftModel.predict(X)).")
    if min_uplift is not None and not (_is_number(min_uplift) and np.isfinite(min_uplift)):
        raise MicrosegError(f"min_uplift must be a number (e.g. 0: leave alone those predicted not to respond), got {min_uplift!r}.")
    low_uplift = np.zeros(len(df), dtype=bool) if min_uplift is None else reach & (score < float(min_uplift))
    buy = np.flatnonzero(reach & funded_row & ~low_uplift)
    chosen = buy[_allocate(seg_code[buy], p[buy], cost_arr[seg_code[buy]], value_arr[seg_code[buy]],
                           budget=budget, cap_n=cap_n, min_roi=min_roi, score=None if score is None else score[buy])]

    ids = df[customer].to_numpy() if customer in df.columns else df.index.to_numpy()
    cseg = seg_code[chosen]
    contacts = pd.DataFrame(
        {
            "customer": ids[chosen],
            "segment": np.asarray(labels, dtype=object)[cseg] if len(labels) else np.array([], dtype=object),
            "channel": [channel_of[labels[c]] for c in cseg],
            "message": [message_of[labels[c]] for c in cseg],
            ("lift" if incremental else "probability"): p[chosen],
            "cost": cost_arr[cseg],
            "expected_value": p[chosen] * value_arr[cseg],
        }
    )
    if score is not None:
        contacts.insert(5, "uplift", score[chosen])

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
            "basis": "incremental" if incremental else NOT_INCREMENTAL,
        },
        index=pd.Index(labels, name="segment"),
    )
    if incremental:
        lift = np.array([lift_of[s] for s in labels], dtype="float64").reshape(-1, 3)
        table["lift"], table["lift_low"], table["lift_high"] = lift[:, 0], lift[:, 1], lift[:, 2]
        table["funded"] = [bool(funded_of[s]) for s in labels]
    else:
        table["response_rate"] = rate
    if min_uplift is not None:
        table["below_min_uplift"] = np.bincount(seg_code[low_uplift], minlength=n_seg)  # reachable, left alone
    table["cost_per_contact"] = cost_arr
    table["value_per_conversion"] = value_arr
    table["contacts"] = n_chosen
    table["cost"] = cost
    if incremental:
        for suffix, col in (("", 0), ("_low", 1), ("_high", 2)):
            table[f"incremental_conversions{suffix}"] = n_chosen * lift[:, col]
        for suffix in ("", "_low", "_high"):
            table[f"incremental_revenue{suffix}"] = table[f"incremental_conversions{suffix}"] * value_arr
        for suffix in ("", "_low", "_high"):
            table[f"profit{suffix}"] = table[f"incremental_revenue{suffix}"] - cost
        for suffix in ("", "_low", "_high"):
            with np.errstate(invalid="ignore", divide="ignore"):
                table[f"roi{suffix}"] = np.where(cost > 0, table[f"profit{suffix}"] / np.where(cost > 0, cost, 1), np.nan)
    else:
        table["expected_conversions"] = conv
        table["revenue"] = revenue
        table["profit"] = revenue - cost
        table["roi"] = roi
    table["marginal_roi"] = last_p * value_arr / cost_arr - 1
    excluded = {s: int(counts[:, i].sum()) for i, s in enumerate(_STATUSES[:3])}
    return CampaignPlan(table=table, contacts=contacts, budget=None if budget is None else float(budget), excluded=excluded,
                        incremental=incremental, alpha=response.alpha if incremental else 0.05,
                        sensitive_allowed=allowed, linked=linked)  # fmt: skip
