"""Plotting functions: every one is ``plot_<thing>(result, *, ax=None, ...)`` and returns the Axes it drew on.

A multi-panel plot (``plot_choose_k``, ``plot_stability``, ``plot_describe``,
``plot_drift`` of several segments) draws its own figure and returns the
Figure; its docstring says so, and it raises :class:`~microseg.errors.MicrosegError`
when given ``ax``. Options after the result are keyword-only. Result objects'
``.plot()`` methods call these. matplotlib is imported only when this package
is, never by ``import microseg``.

The old names ``rfm_grid``, ``cohort_heatmap``, ``funnel_chart``,
``migration_heatmap``, ``plan_chart``, ``reach_frequency``, ``send_time_heatmap``
and ``lift_chart`` still work, with a FutureWarning naming the new function.
"""

from __future__ import annotations

from .._lazy import attach
from ._palette import segment_colors

_NAMES = {
    "segment_colors": "._palette",
    "plot_choose_k": "._cluster",
    "plot_stability": "._cluster",
    "plot_explain": "._cluster",
    "plot_plan": "._campaign",
    "plot_reach_frequency": "._campaign",
    "plot_send_time_heatmap": "._campaign",
    "plot_lift": "._campaign",
    "plot_message_matrix": "._message",
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
    "plot_rfm_grid": "._behaviour",
    "plot_cohort_heatmap": "._behaviour",
    "plot_cohorts": "._behaviour",
    "plot_funnel": "._behaviour",
    "plot_migration_heatmap": "._behaviour",
    "plot_period_transactions": "._clv",
    "plot_calibration_holdout": "._clv",
    "plot_cumulative_transactions": "._clv",
    "plot_frequency_recency": "._clv",
    "plot_model_comparison": "._clv",
    "plot_survival": "._clv",
    "plot_drift": "._drift",
    "plot_lookalike_curve": "._lookalike",
    "plot_lookalike_drivers": "._lookalike",
    "plot_uplift_curve": "._uplift",
    "plot_uplift_segments": "._uplift",
}
# renamed functions: the old name still answers, with a FutureWarning (not listed in __all__)
DEPRECATED = {
    "rfm_grid": "plot_rfm_grid",
    "cohort_heatmap": "plot_cohort_heatmap",
    "funnel_chart": "plot_funnel",
    "migration_heatmap": "plot_migration_heatmap",
    "plan_chart": "plot_plan",
    "reach_frequency": "plot_reach_frequency",
    "send_time_heatmap": "plot_send_time_heatmap",
    "lift_chart": "plot_lift",
}

__getattr__, __dir__, _lazy_all = attach(__name__, {**_NAMES, **{old: _NAMES[new] for old, new in DEPRECATED.items()}})
__all__ = sorted(set(_NAMES) | {"segment_colors"})
