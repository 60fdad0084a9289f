"""Campaign prototyping: plans and budgets, frequency caps, send time, tests, recommendations."""

from __future__ import annotations

from .._lazy import attach

_NAMES: dict[str, str] = {}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
