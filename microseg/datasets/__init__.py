"""Data to learn from: a synthetic population with planted truth, and readers for public datasets.

``make_customers`` builds a customer population whose personas, traits and
conversion propensities are known, so methods can be checked against the
truth. The ``load_*`` functions read public customer datasets from a folder
the caller names (default: the ``MICROSEG_DATA`` environment variable); they
never download anything.
"""

from __future__ import annotations

from .._lazy import attach

_NAMES = {
    "make_customers": "._generating",
    "CustomerData": "._generating",
    "Truth": "._generating",
    "data_dir": "._loaders",
    "load_online_retail": "._loaders",
    "load_cdnow": "._loaders",
    "load_cdnow_summary": "._loaders",
    "load_bank_marketing": "._loaders",
    "load_marketing_campaign": "._loaders",
    "load_young_people_survey": "._loaders",
    "load_big_five": "._loaders",
    "load_hillstrom": "._loaders",
    "load_adult": "._loaders",
    "load_wholesale": "._loaders",
    "load_online_shoppers": "._loaders",
    "load_mall_customers": "._loaders",
    "BIG_FIVE_KEYS": "._loaders",
    "BIG_FIVE_ITEMS": "._loaders",
}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
