"""Audience tiers: the share of the eligible pool a row's rank falls in."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["TIER_EDGES", "TIERS", "tiers"]

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
