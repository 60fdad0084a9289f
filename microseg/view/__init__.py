"""One row per customer, or per account: what they are, did and agreed to, joined across tables.

Examples
--------
>>> import microseg as ms
>>> ms.view.customer_view is ms.customer_view
True
"""

from __future__ import annotations

from .._lazy import attach

_NAMES = {
    "customer_view": "._customer",
    "DEFAULT_FUNNEL_STEPS": "._customer",
    "account_view": "._account",
    "COMMITTEE_ROLES": "._account",
}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
