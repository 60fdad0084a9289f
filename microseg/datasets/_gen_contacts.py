"""The ``contacts`` table of ``make_customers``: campaign sends, opens, clicks and conversions."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._gen_common import _cat, _fixed_ids, _to_datetime


# --------------------------------------------------------------------------- contacts (campaigns)
_THEMES = {1: "new_year_sale", 2: "spring_preview", 3: "spring_sale", 4: "easter_offers", 5: "summer_preview", 6: "summer_sale",
           7: "summer_clearance", 8: "back_to_school", 9: "autumn_collection", 10: "halloween", 11: "black_friday", 12: "christmas"}
_CAMPAIGN_CHANNELS = ["email", "email", "sms", "email", "push", "direct_mail"]
_CHANNELS = ["email", "sms", "push", "direct_mail"]
_OPEN_RATE = {"email": 0.25, "sms": 0.85, "push": 0.45, "direct_mail": 0.55}


def _contacts(rng, spec, state, propensity, start, start_s, end_s):
    n = len(state["persona"])
    persona = state["persona"]
    dates = pd.date_range(start.normalize() + pd.Timedelta(days=40), pd.Timestamp(end_s, unit="s") - pd.Timedelta(days=20), freq="61D")
    parts = []
    for k, d in enumerate(dates):
        channel = _CAMPAIGN_CHANNELS[k % len(_CAMPAIGN_CHANNELS)]
        if d.month == 11:
            channel = "email"
        name = f"{d.year}-{d.month:02d} {_THEMES[d.month]}"
        d_s = int(d.value // 1_000_000_000)
        eligible = (state["signup"] <= d_s) & ~state["opted_out"]
        if channel in ("email", "push"):
            eligible &= state["email_opt"]
        elif channel == "sms":
            eligible &= state["email_opt"] & state["phone_ok"]
        idx = np.flatnonzero(eligible & (rng.random(n) < rng.uniform(0.25, 0.45)))
        m = len(idx)
        control = rng.random(m) < rng.uniform(0.10, 0.20)
        p = persona[idx]
        base_open = _OPEN_RATE[channel]
        p_open = np.clip(base_open * np.asarray(spec["open_p"])[p], 0, 0.95)
        opened = ~control & (rng.random(m) < p_open)
        clicked = opened & (rng.random(m) < np.asarray(spec["click_p"])[p] * (0.4 if channel == "direct_mail" else 1.0))
        p0 = 0.3 * propensity[idx]
        incr = np.clip(p0 * np.asarray(spec["uplift"])[p] / p_open, 0, 0.95)
        converted = (rng.random(m) < p0) | (opened & (rng.random(m) < incr))
        sent = d_s + 8 * 3600 + rng.integers(0, 3 * 3600, m)
        parts.append((idx, np.full(m, k), np.full(m, _CHANNELS.index(channel)), sent, control, opened, clicked, converted))
    names = [f"{d.year}-{d.month:02d} {_THEMES[d.month]}" for d in dates]
    if parts:
        idx, camp, chan, sent, control, opened, clicked, converted = (np.concatenate(x) for x in zip(*parts))
    else:
        idx = camp = chan = sent = np.zeros(0, np.int64)
        control = opened = clicked = converted = np.zeros(0, bool)
    s = np.lexsort((idx, sent))
    idx, camp, chan, sent, control, opened, clicked, converted = (x[s] for x in (idx, camp, chan, sent, control, opened, clicked, converted))
    chan_name = np.array(_CHANNELS, dtype=object)[chan]
    contacts = pd.DataFrame({
        "customer_id": _fixed_ids("C", idx + 1, 7),
        "campaign": _cat(camp, names),
        "channel": _cat(chan, _CHANNELS),
        "sent_at": _to_datetime(sent),
        "group": _cat(control.astype(np.int64), ["treatment", "control"]),
        "opened": opened,
        "clicked": clicked,
        "converted": converted,
    })
    email = chan_name == "email"
    return contacts, dict(owner=idx[email & opened], sent=sent[email & opened], clicked=clicked[email & opened])
