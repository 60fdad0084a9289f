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
    "data_dir": "._load_common",
    "load_online_retail": "._load_online_retail",
    "load_cdnow": "._load_cdnow",
    "load_cdnow_summary": "._load_cdnow",
    "load_bank_marketing": "._load_bank_marketing",
    "load_marketing_campaign": "._load_marketing_campaign",
    "load_young_people_survey": "._load_young_people_survey",
    "load_big_five": "._load_big_five",
    "load_hillstrom": "._load_hillstrom",
    "load_adult": "._load_adult",
    "load_wholesale": "._load_wholesale",
    "load_online_shoppers": "._load_online_shoppers",
    "load_mall_customers": "._load_mall_customers",
    "BIG_FIVE_KEYS": "._load_big_five",
    "BIG_FIVE_ITEMS": "._load_big_five",
}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
