"""Privacy safeguards: hashing and export, suppression and consent, sensitive attributes, k-anonymity, freshness."""

from __future__ import annotations

from .._lazy import attach

_NAMES: dict[str, str] = {
    "sensitive_columns": ".sensitive",
    "check_sensitive": ".sensitive",
    "SENSITIVE_KEYWORDS": ".sensitive",
}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
