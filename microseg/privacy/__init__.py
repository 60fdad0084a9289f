"""Privacy safeguards: hashing and export, suppression and consent, sensitive attributes, k-anonymity, freshness.

One module per job:

- ``hashing``: :func:`hash_identifiers`, :func:`normalise_identifiers` (Meta and Google rules, phone regions).
- ``suppression``: :func:`suppression_list`, :func:`is_suppressed`, :func:`has_consent`,
  :func:`contact_status` (who may be contacted through which channel).
- ``export``: :func:`export_audience` → :class:`ExportReport` (hashed CSV, counts per step, platform minimums).
- ``sensitive``: :func:`find_sensitive`, :func:`sensitive_columns`, :func:`check_sensitive` (GDPR Art. 9,
  CPRA geolocation and proxies, by name in six languages and by value).
- ``inference``: :func:`audit_inference` (does a targeting output act as a proxy for a sensitive attribute?).
- ``anonymity``: :func:`k_anonymity`, :func:`generalise_to_k`, :func:`age_bands`, :func:`postcode_prefix`.
- ``_small_cells``: :func:`suppress_small_cells`, the one small-cell rule every published table goes through
  (counts from 1 to ``min_cell - 1`` hidden, with the complementary cells that would reveal them).
- ``decay``: :func:`freshness` (expected stale records and their cost).
- ``_dp_budget``, ``_dp_mechanisms``: :class:`PrivacyBudget` (epsilon spent under basic composition, held by
  the caller) and the OpenDP mechanisms behind ``privacy="dp"``, with :data:`PUBLIC_BOUNDS`.
"""

from __future__ import annotations

from .._lazy import attach

_NAMES: dict[str, str] = {
    "sensitive_columns": ".sensitive",
    "check_sensitive": ".sensitive",
    "SENSITIVE_KEYWORDS": ".sensitive",
    "PROXY_KEYWORDS": "._sensitive_names",
    "VALUE_VOCABULARIES": "._sensitive_values",
    "Vocabulary": "._sensitive_values",
    "find_sensitive": ".sensitive",
    "condition_columns": ".sensitive",
    "hash_identifiers": ".hashing",
    "normalise_identifiers": ".hashing",
    "PHONE_REGIONS": ".hashing",
    "export_audience": ".export",
    "ExportReport": ".export",
    "PLATFORM_RULES": ".export",
    "SuppressionList": ".suppression",
    "suppression_list": ".suppression",
    "is_suppressed": ".suppression",
    "has_consent": ".suppression",
    "consent_column": ".suppression",
    "contact_status": ".suppression",
    "CONSENT_COLUMNS": ".suppression",
    "audit_inference": ".inference",
    "THRESHOLDS": ".inference",
    "k_anonymity": ".anonymity",
    "KAnonymityResult": ".anonymity",
    "generalise_to_k": ".anonymity",
    "GeneralisationResult": ".anonymity",
    "age_bands": ".anonymity",
    "postcode_prefix": ".anonymity",
    "suppress_small_cells": "._small_cells",
    "freshness": ".decay",
    "FreshnessResult": ".decay",
    "PrivacyBudget": "._dp_budget",
    "PUBLIC_BOUNDS": "._dp_mechanisms",
}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
