"""Segmentation: rules, RFM, CLV, cohorts, funnels, timing, clusters and psychographics.

Each private module holds one job, its pandas and (where it has one) its Dask
code side by side; the public names are listed here, and the most used are
also available at the top level (``ms.rfm``, ``ms.SegmentModel``).

Examples
--------
>>> import microseg as ms
>>> ms.segment.rfm is ms.rfm
True
"""

from __future__ import annotations

from .._lazy import attach

_NAMES = {
    # rule segments
    "bands": "._rules",
    "rule_segments": "._rules",
    "combine": "._rules",
    "AGE_EDGES": "._rules",
    # recency, frequency, monetary value
    "rfm": "._rfm_table",
    "RFMScorer": "._rfm",
    "rfm_segments": "._rfm",
    "RFM_SEGMENTS": "._rfm",
    "ANALYST_COLUMNS": "._rfm_table",
    "BTYD_COLUMNS": "._rfm_table",
    # cohorts, funnels, timing
    "cohorts": "._cohorts",
    "funnel": "._funnel",
    "FunnelResult": "._funnel",
    "purchase_timing": "._timing",
    "due_for_followup": "._timing",
    "timing_summary": "._timing",
    "migration": "._timing",
    "MigrationResult": "._timing",
    # customer lifetime value
    "BetaGeoModel": "._clv",
    "GammaGammaModel": "._clv",
    "clv": "._clv",
    "ParetoNBDModel": "._pareto",
    "ShiftedBetaGeoModel": "._sbg",
    "calibration_holdout": "._calibration",
    "compare_models": "._clv_diagnostics",
    "period_transactions": "._clv_diagnostics",
    "calibration_vs_holdout": "._clv_diagnostics",
    "cumulative_transactions": "._clv_diagnostics",
    "frequency_recency_matrix": "._clv_diagnostics",
    # segment drift between two snapshots
    "drift": "._drift",
    "DriftResult": "._drift",
    # clustering
    "SegmentModel": "._cluster",
    "choose_k": "._choose_k",
    "ChooseKResult": "._choose_k",
    "knee": "._choose_k",
    "stability": "._stability",
    "StabilityResult": "._stability",
    "explain": "._explain",
    "ExplainResult": "._explain",
    # psychographic
    "reliability": "._reliability",
    "Reliability": "._reliability",
    "PsychographicModel": "._factor",
    "parallel_analysis": "._parallel_analysis",
    "golden_questions": "._golden",
    "GoldenQuestions": "._golden",
    "Quiz": "._golden",
}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
