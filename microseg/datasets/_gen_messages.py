"""The ``message_tests`` table of ``make_customers`` and its truth: which message, on which channel, works for whom.

Every two months a creative test samples 60 % of the customers who may be
reached on both channels (signed up, not opted out, e-mail consent and a
phone number) and randomises each of them, with equal chances, to a control
group (sent nothing) or to one of six arms: a message (price, quality,
novelty) on a channel (email, sms). Conversion within the test window is
``p0 * (1 + lift[persona, message] * channel_factor[persona, channel])``
with ``p0 = 0.03 + 0.4 * propensity``, so the incremental response of each arm
differs by persona (bargain hunters answer price, affluent travellers
quality, young gamers novelty, ...). The draws come from their own random
stream: the other tables do not change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._gen_common import _cat, _fixed_ids, _to_datetime

MESSAGES = ["price", "quality", "novelty"]
CHANNELS = ["email", "sms"]
_BASE = (0.03, 0.4)  # control conversion = _BASE[0] + _BASE[1] * planted propensity
_SHARE = 0.6  # share of the eligible customers in each test
_EVERY_DAYS = 61


def _arm_rates(spec, persona: np.ndarray, p0: np.ndarray) -> np.ndarray:
    """Conversion probability per row and arm: ``(n, 1 + n_messages * n_channels)``, arm 0 is control."""
    lift = np.asarray(spec["message_lift"], float)[persona]  # (n, messages)
    factor = np.asarray(spec["channel_factor"], float)[persona]  # (n, channels)
    rel = (lift[:, :, None] * factor[:, None, :]).reshape(len(persona), lift.shape[1] * factor.shape[1])  # message-major
    treated = np.clip(p0[:, None] * (1 + rel), 0.0, 0.95)
    return np.concatenate([p0[:, None], treated], axis=1)


def _message_tests(rng, spec, state, propensity, start, end_s):
    """The test history (one row per customer and test) and the per-row arm rates for the truth."""
    n = len(state["persona"])
    first = start.normalize() + pd.Timedelta(days=75)
    last = pd.Timestamp(end_s, unit="s") - pd.Timedelta(days=20)
    dates = pd.date_range(first, last, freq=f"{_EVERY_DAYS}D") if first <= last else pd.DatetimeIndex([])
    reachable = ~state["opted_out"] & state["email_opt"] & state["phone_ok"]
    n_arms = 1 + len(MESSAGES) * len(CHANNELS)
    parts = []
    for k, d in enumerate(dates):
        d_s = int(d.value // 1_000_000_000)
        idx = np.flatnonzero(reachable & (state["signup"] <= d_s) & (rng.random(n) < _SHARE))
        m = len(idx)
        arm = rng.integers(0, n_arms, m)
        sent = d_s + 9 * 3600 + rng.integers(0, 2 * 3600, m)
        parts.append((idx, np.full(m, k), arm, sent, rng.random(m)))
    names = [f"{d.year}-{d.month:02d} message test" for d in dates]
    if parts:
        idx, test, arm, sent, u = (np.concatenate(x) for x in zip(*parts))
    else:
        idx = test = arm = sent = np.zeros(0, np.int64)
        u = np.zeros(0)
    order = np.lexsort((idx, sent))
    idx, test, arm, sent, u = (x[order] for x in (idx, test, arm, sent, u))
    p0 = _BASE[0] + _BASE[1] * propensity[idx]
    rates = _arm_rates(spec, state["persona"][idx], p0)
    converted = u < rates[np.arange(len(idx)), arm]
    treated = arm > 0
    msg = np.where(treated, (arm - 1) // len(CHANNELS), -1)
    chan = np.where(treated, (arm - 1) % len(CHANNELS), -1)
    table = pd.DataFrame({
        "customer_id": _fixed_ids("C", idx + 1, 7),
        "test": _cat(test, names),
        "sent_at": _to_datetime(sent),
        "group": _cat((~treated).astype(np.int64), ["treatment", "control"]),
        "message": _cat(msg, MESSAGES),
        "channel": _cat(chan, CHANNELS),
        "converted": converted,
    })
    return table, dict(persona=state["persona"][idx], rates=rates)


def _message_truth(spec, planted) -> pd.DataFrame:
    """Planted response per persona, message and channel: rates and uplift over the tested customers, and the best arm."""
    personas = spec["personas"]
    rel = np.asarray(spec["message_lift"], float)[:, :, None] * np.asarray(spec["channel_factor"], float)[:, None, :]
    rel = rel.reshape(len(personas), -1)
    persona, rates = planted["persona"], planted["rates"]
    n_p = np.bincount(persona, minlength=len(personas)).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.stack([np.bincount(persona, weights=rates[:, a], minlength=len(personas)) for a in range(rates.shape[1])], axis=1) / n_p[:, None]
    n_m, n_c = len(MESSAGES), len(CHANNELS)
    p_idx = np.repeat(np.arange(len(personas)), n_m * n_c)
    arm = np.tile(np.arange(n_m * n_c), len(personas))
    best = (rel == rel.max(axis=1, keepdims=True)).ravel()
    return pd.DataFrame({
        "persona": _cat(p_idx, personas),
        "message": _cat(arm // n_c, MESSAGES),
        "channel": _cat(arm % n_c, CHANNELS),
        "relative_lift": rel.ravel(),
        "rate_control": mean[p_idx, 0],
        "rate_treated": mean[p_idx, 1 + arm],
        "uplift": mean[p_idx, 1 + arm] - mean[p_idx, 0],
        "best": best,
    })

