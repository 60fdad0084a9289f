"""``Lookalike.score_samples`` and ``Lookalike.audience`` on a Dask DataFrame, partition by partition.

The fitted model travels to every partition; the result is a Dask object (the
one documented exception to "one return type per function"). The generic
machinery is in :mod:`microseg._dask`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import _dask
from ..errors import MicrosegError
from ._inputs import exclusion_keys, linked_keys
from ._tiers import audience_size, tiers

__all__ = ["score_samples_dask", "audience_dask"]


def _score_part(part, model):
    if len(part) == 0:
        return pd.Series(np.empty(0, dtype=np.float64), index=part.index, name="score")
    return model.score_samples(part)


def score_samples_dask(model, X):
    """``Lookalike.score_samples`` on a Dask DataFrame: a Dask Series of scores (name ``"score"``), row by row."""
    _dask.require_dask("Lookalike.score_samples()")
    _dask.check_columns_meta(X, model._check_X)
    return _dask.map_rows(X, _score_part, model, dtype=np.float64, name="score")


def _pool(model, part, rules, listed):
    """Lookalike.audience's eligibility rule on one partition: not a seed member, not opted out, not suppressed
    (per person: ``listed`` holds the identifiers of objecting and suppressed rows of every partition)."""
    return model._eligible(part, rules, listed)


def _keys_part(part, model, rules):
    part = model._check_X(part)
    return exclusion_keys(part, opt_out=model.opt_out, customer=model.customer, **rules)


def _linked_part(part, model, rules, listed):
    return linked_keys(model._check_X(part), listed, customer=model.customer, identifiers=rules.get("identifiers"),
                       default_region=rules.get("default_region"))  # fmt: skip


def _union(found) -> dict:
    return {r: pd.unique(np.concatenate([f[r] for f in found] + [np.empty(0, dtype=object)]).astype(object))
            for r in ("opted out", "suppressed")}  # fmt: skip


def _pool_counts_part(part, model, rules, listed):
    part = model._check_X(part)
    pool, in_seed, opted, _ = _pool(model, part, rules, listed)
    return int(in_seed.sum()), int((opted & ~in_seed).sum()), int(pool.sum())


def _top_part(part, model, k, rules, listed):
    """Decisions and row positions of this partition's best ``k`` pool rows (all rows tied with the k-th)."""
    part = model._check_X(part)
    pool, _, _, _ = _pool(model, part, rules, listed)
    pos = np.flatnonzero(pool)
    if len(pos) == 0:
        return np.empty(0), pos
    d = model._decision(part.iloc[pos] if len(pos) < len(part) else part)
    if len(d) > k:
        kth = np.partition(d, len(d) - k)[len(d) - k]
        keep = d >= kth
        d, pos = d[keep], pos[keep]
    return d, pos


def _select_part(part, chosen):
    pos, score, rank, tier = chosen
    out = part.iloc[pos].copy()
    out["score"] = score
    out["rank"] = rank
    out["tier"] = tier
    return out


def audience_dask(model, X, *, size, n, rules=None):
    """``Lookalike.audience`` on a Dask DataFrame: a Dask DataFrame of the chosen rows.

    Exactly the rows, scores, ranks and tiers of the pandas method on the
    concatenated partitions (ties broken by row order, as there). Three passes
    over ``X`` (after the identifier pass below): the pool is counted, then each partition sends the decision
    values and positions of its best ``k`` rows (``k`` the audience size; so
    the client holds at most ``k`` values per partition), and the chosen rows
    are picked out partition by partition. The rows come in partition order —
    sort by ``rank`` after ``.compute()`` for best first. A first pass collects the identifiers of the
    objecting and suppressed rows of every partition, so that opt-out and suppression are per person. The counts of rows
    left out are not attached (Dask frames carry no ``attrs``).
    """
    from dask import delayed

    dd = _dask.require_dask("Lookalike.audience()")
    _dask.check_columns_meta(X, model._check_X)
    size = audience_size(X.columns, size, n)
    if n is not None and (int(n) != n or n < 1):
        raise MicrosegError(f"n must be a positive whole number of rows, got {n!r}.")
    parts = _dask.partitions(X)
    rules = rules or {}
    found = _dask.compute(*[delayed(_keys_part)(p, model, rules) for p in parts])
    listed = _union(found)
    while True:  # follow chains of shared identifiers across partitions until nothing is added
        found = _dask.compute(*[delayed(_linked_part)(p, model, rules, listed) for p in parts])
        grown = _union(found + (listed,))
        if all(len(grown[r]) == len(listed[r]) for r in listed):
            break
        listed = grown
    counts = _dask.compute(*[delayed(_pool_counts_part)(p, model, rules, listed) for p in parts])
    n_pool = sum(c[2] for c in counts)
    if n_pool == 0:
        raise MicrosegError("no rows of X are eligible: every row is a seed member, opted out or suppressed.")
    k = min(int(n), n_pool) if n is not None else max(1, math.ceil(size * n_pool - 1e-9))
    tops = _dask.compute(*[delayed(_top_part)(p, model, k, rules, listed) for p in parts])
    d = np.concatenate([t[0] for t in tops])
    pos = np.concatenate([t[1] for t in tops]).astype(np.int64)
    part_no = np.concatenate([np.full(len(t[0]), i, dtype=np.int64) for i, t in enumerate(tops)])
    order = np.lexsort((pos, part_no, -d))[:k]  # best first; ties in row order, like the stable sort in pandas
    rank = np.arange(1, k + 1)
    score = model._to_score(d[order])
    tier = tiers((rank - 1) / n_pool)
    tier_dtype = tier.dtype
    meta = X._meta.assign(
        score=pd.Series(np.empty(0), dtype="float64", index=X._meta.index),
        rank=pd.Series(np.empty(0, dtype=np.int64), index=X._meta.index),
        tier=pd.Series(pd.Categorical([], dtype=tier_dtype), index=X._meta.index),
    )  # fmt: skip
    pieces = []
    for i, p in enumerate(parts):
        m = part_no[order] == i
        o = np.argsort(pos[order][m], kind="stable")  # rows in partition order
        chosen = (pos[order][m][o], score[m][o], rank[m][o], pd.Categorical(np.asarray(tier)[m][o], dtype=tier_dtype))
        pieces.append(delayed(_select_part)(p, chosen))
    return dd.from_delayed(pieces, meta=meta, verify_meta=False)
