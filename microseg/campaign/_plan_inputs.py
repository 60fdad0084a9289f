"""The inputs of a campaign plan, checked and resolved: responses, costs, consent and contact status, and the
budget allocation by marginal return."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real

import numpy as np
import pandas as pd

from .._validation import check_columns
from ..errors import MicrosegError, SchemaError
from ..privacy._people import id_text
from ..privacy.suppression import CONSENT_COLUMNS, SuppressionList, _contact_status_detail, _resolve_flag, has_consent, linked_counts
from .readouts import Readout

_STATUSES = ("opted out", "no consent", "suppressed", "reachable")
# Names and attrs that mark a lookalike score or rank rather than a probability.
_RANK_NAMES = {"score", "rank", "decision", "tier", "lookalike_score", "lookalike_rank", "similarity"}

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


def _contact_status(df: pd.DataFrame, channel: pd.Series, *, consent, opt_out, suppression, customer, identifiers):
    """Who may be contacted: the first of opted out, no consent (for the row's channel), suppressed, else reachable.

    The rules are :func:`microseg.privacy.contact_status`'s: consent per row's
    channel; opt-out and suppression per person, over every row of ``df`` (a
    record sharing a normalised e-mail, phone or customer id with one that
    opted out or is suppressed is excluded too). Suppression may also be given
    as customer ids or a boolean mask. Returns ``(status, linked counts)``.
    """
    sl = suppression if isinstance(suppression, SuppressionList) else None
    if identifiers is None:
        identifiers = {"email": "email"} if "email" in df.columns else {}
    _resolve_flag(df, opt_out, default="opted_out", param="opt_out", off_hint="the data holds no opt-outs")
    consented = np.ones(len(df), dtype=bool)
    for ch in pd.unique(channel.to_numpy()):
        rows = (channel == ch).to_numpy()
        col = _consent_column(ch, consent)
        # the channel only picks the default column, and `col` is explicit here
        consented[rows] = has_consent(df.loc[rows], channel=ch if ch in CONSENT_COLUMNS else "email", consent=col).to_numpy()
    extra = None
    if suppression is not None and sl is None:
        if isinstance(suppression, pd.Series) and pd.api.types.is_bool_dtype(suppression):
            extra = suppression.reindex(df.index).fillna(False).to_numpy(dtype=bool)
        else:
            if customer not in df.columns:
                raise SchemaError(
                    f"suppression lists customer ids but segments has no column {customer!r}; pass customer='your_id_column'."
                )
            listed = id_text(pd.Series(list(suppression), dtype=object)).dropna()
            extra = id_text(df[customer]).isin(set(listed.tolist())).to_numpy()
    # the records of one person are linked by every e-mail and phone column there is, whatever the list matches on
    linking = {**{k: k for k in ("email", "phone") if k in df.columns}, **identifiers}
    status, linked = _contact_status_detail(
        df, channel="email", suppression=sl, opt_out=opt_out, consent=False, identifiers=identifiers,
        customer=customer if customer in df.columns else None, extra_suppressed=extra, person_identifiers=linking,
    )
    status = status.astype(object).mask(~consented & status.ne("opted out").to_numpy(), "no consent")
    status = pd.Series(pd.Categorical(status, categories=list(_STATUSES)), index=df.index, name="status")
    return status, linked_counts(status, linked)


def _resolve_lift(ro: Readout, labels: list, *, fund_uncertain: bool) -> tuple[dict, dict]:
    """``{segment: (lift, lift_low, lift_high)}`` and ``{segment: funded}`` from a read-out."""
    if ro.kind != "binary":
        raise MicrosegError(
            f"plan needs the read-out of a yes/no outcome (extra conversions per contact); got a {ro.kind} read-out of "
            f"{ro.outcome!r}. Read out the conversion column, e.g. readout(results, outcome='converted', segments=...)."
        )
    rows = ro.by_segment
    if len(rows) == 0:  # an overall read-out applies to every segment
        o = ro.overall
        lift_of = {s: (float(o["lift"]), float(o["lift_low"]), float(o["lift_high"])) for s in labels}
    else:
        by_key = {k: r for k, r in rows[["lift", "lift_low", "lift_high"]].astype("float64").iterrows()}
        by_str = {str(k): r for k, r in by_key.items()}
        missing = [s for s in labels if s not in by_key and str(s) not in by_str]
        if missing:
            raise MicrosegError(
                f"the read-out has no lift for segments {missing[:10]}{' ...' if len(missing) > 10 else ''} (it covers "
                f"{list(map(str, rows.index))[:10]}); read the test out by the same segments the plan uses, or pool small "
                "segments into one label in both."
            )
        lift_of = {s: tuple((by_key[s] if s in by_key else by_str[str(s)]).tolist()) for s in labels}
    funded = {}
    for s, (d, lo, hi) in lift_of.items():
        sure = np.isfinite(lo) and lo > 0
        funded[s] = bool(sure or (fund_uncertain and np.isfinite(d) and d > 0))
    return lift_of, funded


def _resolve_uplift(uplift, df: pd.DataFrame) -> np.ndarray:
    """Uplift score per customer row: a column of ``df``, a Series on its index, or an array in row order."""
    if isinstance(uplift, str):
        check_columns(df, [uplift], name="segments")
        uplift = df[uplift]
    if isinstance(uplift, pd.Series):
        if not uplift.index.equals(df.index):
            if not df.index.isin(uplift.index).all():
                raise MicrosegError("uplift has no score for some customers (its index does not cover the segments' index); "
                                    "pass UpliftModel.predict(...) for every customer, on the same index.")  # fmt: skip
            uplift = uplift.reindex(df.index)
        if pd.api.types.is_bool_dtype(uplift) or not pd.api.types.is_numeric_dtype(uplift):
            raise MicrosegError(f"uplift must be numeric scores (e.g. UpliftModel.predict), found dtype {uplift.dtype}.")
        v = uplift.to_numpy(dtype="float64", na_value=np.nan)
    else:
        v = np.asarray(uplift, dtype="float64").reshape(-1)
        if len(v) != len(df):
            raise MicrosegError(f"uplift has {len(v)} scores but segments has {len(df)} customers; pass one score per customer.")
    if not np.isfinite(v).all():
        raise MicrosegError(f"uplift has {int((~np.isfinite(v)).sum())} missing or infinite scores; score every customer.")
    return v


# --------------------------------------------------------------------------- allocation
def _allocate(seg_code: np.ndarray, p: np.ndarray, cost: np.ndarray, value: np.ndarray, *, budget, cap_n: np.ndarray, min_roi,
              score: np.ndarray | None = None):  # fmt: skip
    """Choose contacts: within a segment likeliest first (equal probabilities: highest uplift ``score``
    first), up to its cap; across segments by value per cost.

    Returns the chosen row positions, in the order they were bought.
    """
    ratio = p * value / cost
    # within each segment: highest probability first, then highest uplift score (ties: row order)
    keys = (np.arange(len(p)), -p, seg_code) if score is None else (np.arange(len(p)), -score, -p, seg_code)
    order = np.lexsort(keys)
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
