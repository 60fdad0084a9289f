"""Campaign prototyping: plans and budgets, frequency caps, send time, tests, recommendations."""

from __future__ import annotations

from .._lazy import attach

_NAMES: dict[str, str] = {
    "plan": ".plan",
    "CampaignPlan": ".plan",
    "frequency_cap": ".frequency",
    "FrequencyResult": ".frequency",
    "send_time": ".send_time",
    "SendTimeResult": ".send_time",
    "sample_size": ".testing",
    "statistical_power": ".testing",
    "minimum_detectable_lift": ".testing",
    "holdout_split": ".testing",
    "design_test": ".testing",
    "readout": ".testing",
    "Readout": ".testing",
    "benjamini_hochberg": ".testing",
    "associations": ".recommend",
    "recommend": ".recommend",
}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
