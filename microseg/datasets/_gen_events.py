"""The ``events`` table of ``make_customers``: web/app sessions through the funnel, and email events."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._gen_common import _DAY, _cat, _draw, _fixed_ids, _time_of_day, _to_datetime


# --------------------------------------------------------------------------- events
_EVENTS = ["visit", "view_product", "add_to_cart", "begin_checkout", "purchase", "email_open", "email_click", "ad_click"]


def _events(rng, spec, cat, state, email, start_s, end_s, season, target=40.0):
    b = state["behaviour"]
    n = len(b)
    P = len(spec["personas"])
    F = np.asarray(spec["funnel"], float)
    ref_levels = spec["referral"]["levels"]
    paid = np.isin(np.arange(len(ref_levels)), [ref_levels.index(x) for x in ("paid_search", "paid_social", "display_ad")])
    refp = np.asarray(spec["referral"]["p"], float)
    refp = refp / refp.sum(axis=1, keepdims=True)
    # expected events per session, to scale session rates to the target volume
    e_sess = 1 + refp @ paid + F[:, 0] * (1 + F[:, 1]) + F[:, 0] * F[:, 2] * (1 + F[:, 3] * (1 + F[:, 4]))
    wlo, whi = season.warp(state["lo"]), season.warp(state["hi"])
    length = np.maximum(whi - wlo, 0.0)
    rate = np.asarray(spec["session_rate"], float)[b] * rng.gamma(2.0, 0.5, n)
    anon_share = 0.15
    budget = target * n - 1.2 * len(email["owner"])
    denom = float(np.sum(length * rate * e_sess[b])) + anon_share * float(np.sum(length * rate)) * e_sess[P]
    scale = denom / budget if budget > 0 and denom > 0 else 1.0
    counts = rng.poisson(length * rate / scale)
    owner = np.repeat(np.arange(n, dtype=np.int64), counts)
    u = np.repeat(wlo, counts) + rng.random(len(owner)) * np.repeat(length, counts)
    n_anon = rng.poisson(anon_share * len(owner))
    total_w = season.warp((end_s - start_s) / _DAY)
    owner = np.concatenate([owner, np.full(n_anon, -1, np.int64)])
    u = np.concatenate([u, rng.random(n_anon) * total_w])
    g = np.where(owner >= 0, b[np.maximum(owner, 0)], P)
    day = season.unwarp(u)
    start = start_s + np.floor(day).astype(np.int64) * _DAY + _time_of_day(rng, len(owner))
    start = np.clip(start, np.where(owner >= 0, state["signup"][np.maximum(owner, 0)], start_s), end_s - 3600)
    s = np.argsort(start, kind="stable")
    owner, g, start = owner[s], g[s], start[s]
    S_ = len(owner)
    device = _draw(rng, g, spec["device"]["p"])
    referral = _draw(rng, g, refp)
    pref = np.asarray(spec["cat_pref"], float)
    focus = _draw(rng, g, np.vstack([pref, pref.mean(axis=0)]))
    ad = paid[referral].astype(np.int64)
    viewed = rng.random(S_) < F[g, 0]
    k = viewed * (1 + rng.poisson(F[g, 1]))
    cart = viewed & (rng.random(S_) < F[g, 2])
    chk = cart & (rng.random(S_) < F[g, 3])
    pur = chk & (rng.random(S_) < F[g, 4])
    counts = (ad + 1 + k + cart + chk + pur).astype(np.int32)
    N = int(counts.sum())
    first = np.zeros(S_, dtype=np.int64)
    np.cumsum(counts[:-1], out=first[1:])
    # event types by position within the session (scattered from session-level arrays; events stay small ints)
    etype = np.ones(N, dtype=np.int8)  # view_product by default
    etype[first[ad == 1]] = 7
    etype[first + ad] = 0
    pos_cart = first + ad + 1 + k
    etype[pos_cart[cart]] = 2
    etype[pos_cart[chk] + 1] = 3
    etype[pos_cart[pur] + 2] = 4
    # timestamps: session start plus gaps of a few seconds to minutes
    gaps = (3 + rng.exponential(40, N)).astype(np.int32)
    gaps[first] = 0
    t = np.cumsum(gaps, dtype=np.int64)
    del gaps
    t += np.repeat(start - t[first], counts)
    # pages: 0 "/", 1 "/cart", 2 "/checkout", 3 "/checkout/complete", category pages, product pages
    C = len(cat.categories)
    page = np.empty(N, dtype=np.int16)
    page[first] = 4 + focus  # ad_click lands on a category page
    landing = np.where((rng.random(S_) < 0.5) & (referral <= 1), 0, 4 + focus)
    page[first + ad] = landing
    views = np.flatnonzero(etype == 1)
    vs = np.repeat(np.arange(S_, dtype=np.int32), k)  # session of each view, in the same order as `views`
    page[views] = 4 + C + cat.cat_first[focus[vs]] + (rng.random(len(views)) * cat.cat_count[focus[vs]]).astype(np.int64)
    del views, vs
    page[pos_cart[cart]] = 1
    page[pos_cart[chk] + 1] = 2
    page[pos_cart[pur] + 2] = 3
    # email events (from the contacts): opens, and clicks for the clicked ones
    m = len(email["owner"])
    o_t = email["sent"] + rng.exponential(6 * 3600, m).astype(np.int64)
    c_sel = np.flatnonzero(email["clicked"])
    c_t = o_t[c_sel] + 5 + rng.exponential(90, len(c_sel)).astype(np.int64)
    e_owner = np.concatenate([email["owner"], email["owner"][c_sel]])
    e_t = np.concatenate([o_t, c_t])
    keep = e_t <= end_s
    e_owner, e_t = e_owner[keep], e_t[keep]
    e_type = np.concatenate([np.full(m, 5), np.full(len(c_sel), 6)])[keep]
    me = len(e_owner)
    dev_levels = spec["device"]["levels"]
    e_dev = np.where(rng.random(me) < 0.6, dev_levels.index("mobile_web"), dev_levels.index("desktop"))
    t = np.concatenate([t, e_t])
    order = np.argsort(t, kind="stable")  # sessions are already in start order: nearly sorted
    t = t[order]

    def per_event(session_values, email_values, dtype):
        """A session-level column repeated over its events, with the email events appended, in time order."""
        col = np.concatenate([np.repeat(np.asarray(session_values, dtype=dtype), counts), np.asarray(email_values, dtype=dtype)])
        return col[order]

    sess = per_event(np.arange(S_), np.full(me, -1), np.int32)
    session_id = _fixed_ids("S", sess.astype(np.int64) + 1, 9, valid=sess >= 0)
    del sess
    who = per_event(owner, e_owner, np.int32)
    customer_id = _fixed_ids("C", who.astype(np.int64) + 1, 7, valid=who >= 0)
    del who
    ev = pd.DataFrame({
        "customer_id": customer_id,
        "session_id": session_id,
        "timestamp": _to_datetime(t),
        "event": _cat(np.concatenate([etype, e_type.astype(np.int8)])[order], _EVENTS),
        "page": _cat(np.concatenate([page, np.full(me, -1, np.int16)])[order],
                     ["/", "/cart", "/checkout", "/checkout/complete"] + [f"/category/{c}" for c in cat.categories] + [f"/product/{p}" for p in cat.product_ids]),
        "referral_source": _cat(per_event(referral, np.full(me, ref_levels.index("email")), np.int8), ref_levels),
        "device": _cat(per_event(device, e_dev, np.int8), dev_levels),
    })
    return ev
