"""Choosing a message and channel per segment from a message matrix: consent, contact pressure, runner-up."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import stats

from .._validation import check_columns, check_frame, check_labels
from ..errors import MicrosegError


def _cap_of(max_contacts, channels: list) -> dict | int:
    if isinstance(max_contacts, Mapping):
        bad = {k: v for k, v in max_contacts.items() if isinstance(v, bool) or not isinstance(v, Integral) or v < 0}
        if bad:
            raise MicrosegError(f"max_contacts must hold whole numbers >= 0 per channel, got {bad}.")
        unknown = [k for k in max_contacts if k not in channels]
        if unknown:
            raise MicrosegError(f"max_contacts names channels {unknown} that the matrix does not have; its channels are {channels}.")
        return {k: int(v) for k, v in max_contacts.items()}
    if isinstance(max_contacts, bool) or not isinstance(max_contacts, Integral) or max_contacts < 0:
        raise MicrosegError(f"max_contacts must be a whole number >= 0 or a mapping channel -> number, got {max_contacts!r}.")
    return int(max_contacts)


def _over_cap(customers, history, max_contacts, channels, *, customer) -> dict:
    """Per channel: a boolean array, True where the customer has reached the contact-pressure cap."""
    none = {ch: np.zeros(len(customers), bool) for ch in channels}
    if max_contacts is None:
        if history is not None:
            raise MicrosegError("history was given without max_contacts; pass max_contacts= (the cap) as well.")
        return none
    if history is None:
        raise MicrosegError("max_contacts needs history=: the contacts already made in the period the cap covers.")
    cap = _cap_of(max_contacts, channels)
    check_frame(history, name="history", allow_empty=True)
    check_columns(history, [customer] + (["channel"] if isinstance(cap, dict) else []), name="history")
    check_columns(customers, [customer], name="customers")
    ids = customers[customer]
    if isinstance(cap, int):
        n = history[customer].value_counts()
        over = ids.map(n).fillna(0).to_numpy() >= cap
        return {ch: over for ch in channels}
    out = dict(none)
    for ch, c in cap.items():
        n = history.loc[history["channel"].astype(object) == ch, customer].value_counts()
        out[ch] = ids.map(n).fillna(0).to_numpy() >= c
    return out


def _reachable(mm, customers, *, segment, consent, opt_out, history, max_contacts, customer) -> pd.DataFrame:
    """People who may be contacted, per segment (rows) and channel (columns)."""
    from ..privacy.suppression import CONSENT_COLUMNS, contact_status

    if not mm.has_channel:
        raise MicrosegError("this matrix has no channel (message_matrix(..., channel=None)); consent and contact pressure "
                            "are per channel, so call best() without customers, or build the matrix with a channel column.")
    check_frame(customers, name="customers")
    seg = check_labels(customers, segment, name="segment")
    channels = list(mm.table.index.get_level_values("channel").unique())
    over = _over_cap(customers, history, max_contacts, channels, customer=customer)
    out = {}
    for ch in channels:
        if consent is False:
            col = False
        elif isinstance(consent, Mapping) and ch in consent:
            col = consent[ch]
        elif ch in CONSENT_COLUMNS:
            col = CONSENT_COLUMNS[ch]
        else:
            raise MicrosegError(f"no default consent column for channel {ch!r}; pass consent={{{ch!r}: 'your_column'}}, "
                                "or consent=False to state that consent was checked upstream.")
        ok = (contact_status(customers, channel=ch if ch in CONSENT_COLUMNS else "email", consent=col, opt_out=opt_out)
              == "reachable").to_numpy() & ~over[ch]
        out[ch] = pd.Series(ok).groupby(seg.to_numpy(), observed=True).sum()
    return pd.DataFrame(out).fillna(0).astype(np.int64)


def best_choices(mm, customers=None, *, segment="segment", consent=None, opt_out="opted_out", history=None,
                 max_contacts=None, customer="customer_id") -> pd.DataFrame:
    """See :meth:`MessageMatrix.best`."""
    t = mm.table
    has_ch = mm.has_channel
    if customers is None and (consent is not None or history is not None or max_contacts is not None):
        raise MicrosegError("consent, history and max_contacts need customers=: the people to reach, one row per "
                            "customer with their segment and consent columns.")
    cand = t[~t["suppressed"] & t["uplift"].notna()]
    weight = pd.Series(1.0, index=cand.index)
    if customers is not None:
        reach = _reachable(mm, customers, segment=segment, consent=consent, opt_out=opt_out, history=history,
                           max_contacts=max_contacts, customer=customer)
        seg_l = cand.index.get_level_values("segment")
        ch_l = cand.index.get_level_values("channel")
        weight = pd.Series([float(reach.at[s, c]) if s in reach.index else 0.0 for s, c in zip(seg_l, ch_l)], index=cand.index)
        cand, weight = cand[weight > 0], weight[weight > 0]
    score = cand["uplift"].to_numpy(dtype=float) * weight.to_numpy()
    segs = list(t.index.get_level_values("segment").unique())
    seg_pos = pd.Index(segs).get_indexer(cand.index.get_level_values("segment"))
    order = np.lexsort((-score, seg_pos))  # by segment, best first
    cov = mm.covariance
    z = stats.norm.ppf(1 - mm.alpha / 2)
    rows = []
    seg_codes = seg_pos[order]
    for k, s in enumerate(segs):
        pick = order[seg_codes == k]
        row = {"segment": s}
        if len(pick):
            b = cand.index[pick[0]]
            row.update(message=b[1], channel=b[2] if has_ch else None, uplift=cand["uplift"].iat[pick[0]],
                       uplift_low=cand["uplift_low"].iat[pick[0]], uplift_high=cand["uplift_high"].iat[pick[0]])
            if customers is not None:
                row.update(reachable=weight.iat[pick[0]], incremental_conversions=score[pick[0]])
            if len(pick) > 1:
                r = cand.index[pick[1]]
                wb, wr = weight.iat[pick[0]], weight.iat[pick[1]]
                diff = cand["uplift"].iat[pick[0]] - cand["uplift"].iat[pick[1]]
                arm_b, arm_r = (b[1:] if has_ch else b[1]), (r[1:] if has_ch else r[1])
                var = cov.at[b, arm_b] + cov.at[r, arm_r] - 2 * cov.at[b, arm_r]
                sd = np.sqrt(max(var, 0.0))
                row.update(runner_up_message=r[1], runner_up_channel=r[2] if has_ch else None,
                           runner_up_uplift=cand["uplift"].iat[pick[1]], difference=diff,
                           difference_low=diff - z * sd, difference_high=diff + z * sd)
                if customers is not None:
                    row.update(runner_up_incremental_conversions=score[pick[1]])
                    dv = wb * wb * cov.at[b, arm_b] + wr * wr * cov.at[r, arm_r] - 2 * wb * wr * cov.at[b, arm_r]
                    inc = score[pick[0]] - score[pick[1]]
                    row.update(incremental_difference=inc, incremental_difference_low=inc - z * np.sqrt(max(dv, 0.0)),
                               incremental_difference_high=inc + z * np.sqrt(max(dv, 0.0)))
        rows.append(row)
    cols = ["message", "channel", "uplift", "uplift_low", "uplift_high", "runner_up_message", "runner_up_channel",
            "runner_up_uplift", "difference", "difference_low", "difference_high"]
    if customers is not None:
        cols += ["reachable", "incremental_conversions", "runner_up_incremental_conversions", "incremental_difference",
                 "incremental_difference_low", "incremental_difference_high"]
    if not has_ch:
        cols = [c for c in cols if "channel" not in c]
    out = pd.DataFrame(rows).set_index("segment").reindex(columns=cols)
    for c in out.columns:
        if "message" in c or "channel" in c:
            out[c] = out[c].astype(object)
        else:
            out[c] = out[c].astype(float)
    if "reachable" in out:
        out["reachable"] = out["reachable"].astype("Int64")
    out.index = pd.Index(segs, name="segment")
    return out
