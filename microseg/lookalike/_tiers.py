"""Audience size and tiers: the options of ``Lookalike.audience``, and the share of the pool a rank falls in."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import check_share
from ..errors import MicrosegError, SchemaError

__all__ = ["TIER_EDGES", "TIERS", "tiers", "audience_size"]

#: Audience tiers: share of the eligible pool, by rank.
TIER_EDGES = (0.0, 0.01, 0.02, 0.05, 0.10, 0.20, 0.30, 0.50, 1.0)
TIERS = ("0-1%", "1-2%", "2-5%", "5-10%", "10-20%", "20-30%", "30-50%", "50-100%")


def tiers(position: np.ndarray) -> pd.Categorical:
    """The tier of each position ``(rank - 1) / pool size``, as an ordered categorical.

    Examples
    --------
    >>> list(tiers(np.array([0.0, 0.015, 0.6])))
    ['0-1%', '1-2%', '50-100%']
    """
    return pd.cut(position, bins=list(TIER_EDGES), right=False, labels=list(TIERS), ordered=True)


def audience_size(columns, size, n):
    """Check ``audience``'s options on a frame with ``columns``; return ``size`` (0.05 when neither is given).

    Examples
    --------
    >>> audience_size(["income"], None, None)
    0.05
    """
    if size is not None and n is not None:
        raise MicrosegError("pass either size= (a share of the pool) or n= (a number of rows), not both.")
    clash = [c for c in ("score", "rank", "tier") if c in columns]
    if clash:
        raise SchemaError(f"X already has column(s) {clash}; rename them so the audience can add its own.")
    if size is None and n is None:
        size = 0.05
    if size is not None:
        size = check_share(size, name="size")
    return size
