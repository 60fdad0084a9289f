"""Plotting functions. Each takes ``ax=None`` and returns the Axes it drew on.

Result objects' ``.plot()`` methods call these. matplotlib is imported only
when this package is, never by ``import microseg``.
"""

from __future__ import annotations

from .._lazy import attach
from ._palette import segment_colors

_NAMES = {
    "segment_colors": "._palette",
    "plot_choose_k": "._cluster",
    "plot_stability": "._cluster",
    "plot_explain": "._cluster",
    "plan_chart": "._campaign",
    "reach_frequency": "._campaign",
    "send_time_heatmap": "._campaign",
    "lift_chart": "._campaign",
    "plot_reliability": "._psychographic",
    "plot_loadings": "._psychographic",
    "plot_parallel_analysis": "._psychographic",
    "plot_golden_questions": "._psychographic",
    "plot_index_heatmap": "._profile",
    "plot_snake": "._profile",
    "plot_radar": "._profile",
    "plot_sizes": "._profile",
    "plot_describe": "._profile",
    "plot_overlap": "._profile",
    "plot_export_steps": "._privacy",
    "plot_group_sizes": "._privacy",
    "plot_record_age": "._privacy",
    "rfm_grid": "._behaviour",
    "cohort_heatmap": "._behaviour",
    "plot_cohorts": "._behaviour",
    "funnel_chart": "._behaviour",
    "migration_heatmap": "._behaviour",
    "plot_drift": "._drift",
    "plot_lookalike_curve": "._lookalike",
    "plot_lookalike_drivers": "._lookalike",
}

__getattr__, __dir__, _lazy_all = attach(__name__, _NAMES)
__all__ = sorted(set(_lazy_all) | {"segment_colors"})
