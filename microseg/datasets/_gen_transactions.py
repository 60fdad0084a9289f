"""The ``transactions`` table of ``make_customers``: orders, lines, returns and logging anomalies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ._gen_common import _DAY, _cat, _draw, _fixed_ids, _str_array, _time_of_day, _to_datetime


# --------------------------------------------------------------------------- transactions
_RETURN_BY_CATEGORY = {"fashion": 2.4, "electronics": 1.2, "gaming": 1.0, "sports_outdoor": 1.2, "grocery": 0.15, "health_beauty": 0.5,
                       "books_media": 0.6, "hardware": 1.3, "software": 0.5, "services": 0.2, "training": 0.4, "furniture": 1.2}


def _renewal(rng, lo, length, mean_gap, shape):
    """Arrival times of a gamma renewal process on ``[lo, lo + length)`` per owner (vectorised)."""
    n = len(lo)
    m = np.where(mean_gap > 0, length / np.maximum(mean_gap, 1e-9), 0.0)
    k = np.ceil(m + 4 * np.sqrt(m / shape + 1) + 2).astype(np.int64)
    owner = np.repeat(np.arange(n, dtype=np.int64), k)
    gaps = rng.gamma(np.repeat(shape, k), np.repeat(mean_gap / shape, k))
    first = np.concatenate([[0], np.cumsum(k)[:-1]])
    gaps[first] *= rng.random(n)  # start the process in its stationary state
    cs = np.cumsum(gaps)
    pos = cs - np.repeat(cs[first] - gaps[first], k)
    keep = pos < np.repeat(length, k)
    return owner[keep], (np.repeat(lo, k) + pos)[keep]


def _pick_categories(rng, spec, cat, groups_b, pet_owner):
    pref = np.asarray(spec["cat_pref"], dtype=float)
    P = pref.shape[0]
    if spec["pet_category"] is None:
        return _draw(rng, groups_b, pref)
    j = cat.categories.index(spec["pet_category"])
    owner_pref, other_pref = pref.copy(), pref.copy()
    owner_pref[:, j] = owner_pref[:, j] * 3 + 0.04
    other_pref[:, j] *= 0.1
    return _draw(rng, groups_b + P * pet_owner, np.vstack([other_pref, owner_pref]))


def _transactions(rng, spec, cat, state, start_s, end_s, season, channels, target=15.0):
    b = state["behaviour"]
    n = len(b)
    wlo, whi = season.warp(state["lo"]), season.warp(state["hi"])
    length = np.maximum(whi - wlo, 0.0)
    rate = np.asarray(spec["order_rate"], float)[b] * rng.gamma(2.0, 0.5, n)
    L = np.asarray(spec["lines_mean"], float)[b]
    follow_p = 0.12
    total = float(np.sum(length * rate * (L + follow_p * 1.4)))
    scale = total / (target / 1.05 * n) if total > 0 else 1.0
    shape = np.asarray(spec["gap_shape"], float)[b]
    owner, u = _renewal(rng, wlo, length, scale / np.maximum(rate, 1e-9), shape)
    state["orders_per_day"] = rate / scale  # the planted purchase rate (no draw: the tables do not move)
    day = season.unwarp(u)
    sec = start_s + np.floor(day).astype(np.int64) * _DAY + _time_of_day(rng, len(owner))
    sec = np.clip(sec, state["signup"][owner], end_s)
    fam = cat.family_of_category(rng, _pick_categories(rng, spec, cat, b[owner], state["pet_owner"][owner]))
    n_lines = 1 + rng.poisson(np.maximum(L[owner] - 1, 0))
    # follow-up orders: a complementary item from the same family a few days later
    f = np.flatnonzero(rng.random(len(owner)) < follow_p)
    f_sec = sec[f] + (43_200 + rng.exponential(4 * _DAY, len(f))).astype(np.int64)
    ok = f_sec <= end_s
    f, f_sec = f[ok], f_sec[ok]
    owner = np.concatenate([owner, owner[f]])
    sec = np.concatenate([sec, f_sec])
    fam = np.concatenate([fam, fam[f]])
    n_lines = np.concatenate([n_lines, 1 + rng.poisson(0.4, len(f))])
    # order numbers follow time
    order = np.argsort(sec, kind="stable")
    owner, sec, fam, n_lines = owner[order], sec[order], fam[order], n_lines[order]
    n_orders = len(owner)
    pref = state["preferred"][owner]
    ch = np.where(rng.random(n_orders) < 0.75, pref, rng.integers(0, len(channels), n_orders))

    # order lines
    line_order = np.repeat(np.arange(n_orders, dtype=np.int64), n_lines)
    starts = np.concatenate([[0], np.cumsum(n_lines)[:-1]])
    j = np.arange(len(line_order)) - np.repeat(starts, n_lines)
    lb = b[owner][line_order]
    lfam = fam[line_order]
    impulse = (j > 0) & (rng.random(len(j)) < 0.2)
    imp = np.flatnonzero(impulse)
    lfam[imp] = cat.family_of_category(rng, _pick_categories(rng, spec, cat, lb[imp], state["pet_owner"][owner][line_order][imp]))
    r0 = rng.integers(0, 1 << 30, n_orders)[line_order]
    item = np.where(impulse, rng.integers(0, 1 << 30, len(j)), r0 + j) % cat.fam_size[lfam]
    tier = rng.random(len(j)) < np.asarray(spec["premium_p"])[lb]
    prod = cat.fam_start[lfam] + 2 * item + tier
    disc = np.where(rng.random(len(j)) < np.asarray(spec["discount_p"])[lb], rng.choice([0.6, 0.7, 0.8, 0.9], len(j)), 1.0)
    amount = np.round(cat.price[prod] * disc - 0.01, 2)
    l_owner = owner[line_order]
    l_sec = sec[line_order]
    l_ch = ch[line_order]

    # returns and cancellations: a negative line on the same order, product and customer, later in time
    cat_mult = np.array([_RETURN_BY_CATEGORY.get(c, 1.0) for c in cat.categories])
    p_ret = 0.04 * np.asarray(spec["return_mult"])[lb] * cat_mult[cat.prod_cat[prod]]
    ret = np.flatnonzero(rng.random(len(j)) < p_ret)
    cancel = rng.random(len(ret)) < 0.25
    delay = np.where(cancel, rng.uniform(600, 6 * 3600, len(ret)), rng.uniform(1, 30, len(ret)) * _DAY).astype(np.int64)
    r_sec = l_sec[ret] + delay
    keep = r_sec <= end_s
    ret, r_sec = ret[keep], r_sec[keep]
    # anomalies of real logs: a handful of zero-amount lines (free gifts, price errors)
    purchase_amount = amount.copy()
    zero = rng.random(len(j)) < 0.0005
    zero[ret] = False
    purchase_amount[zero] = 0.0
    # and a few lines logged twice (exact duplicates)
    dup = np.flatnonzero(rng.random(len(j)) < 0.001)

    o = np.concatenate([line_order, line_order[ret], line_order[dup]])
    c_owner = np.concatenate([l_owner, l_owner[ret], l_owner[dup]])
    c_sec = np.concatenate([l_sec, r_sec, l_sec[dup]])
    c_prod = np.concatenate([prod, prod[ret], prod[dup]])
    c_amount = np.concatenate([purchase_amount, -amount[ret], purchase_amount[dup]])
    c_ch = np.concatenate([l_ch, l_ch[ret], l_ch[dup]])
    is_ret = np.concatenate([np.zeros(len(j), np.int64), np.ones(len(ret), np.int64), np.zeros(len(dup), np.int64)])
    key = (c_sec - start_s) * (2 * (n_orders + 1)) + 2 * o + is_ret
    s = np.argsort(key, kind="stable")
    o, c_owner, c_sec, c_prod, c_amount, c_ch = o[s], c_owner[s], c_sec[s], c_prod[s], c_amount[s], c_ch[s]

    products = pa.array(cat.product_ids, type=pa.string()).take(pa.array(c_prod))
    tx = pd.DataFrame({
        "order_id": _fixed_ids("O", o + 1, 9),
        "customer_id": _fixed_ids("C", c_owner + 1, 7),
        "timestamp": _to_datetime(c_sec),
        "product_id": pd.Series(_str_array(products)),
        "category": _cat(cat.prod_cat[c_prod], cat.categories),
        "amount": c_amount,
        "channel": _cat(c_ch, channels),
    })
    net = np.bincount(c_owner, weights=c_amount, minlength=n)
    return tx, net
