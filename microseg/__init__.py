"""microseg: micro-targeting analytics for pandas users.

Profile customers, build demographic, behavioural, clustered and psychographic
segments, grow audiences with lookalikes, and prototype campaigns with privacy
rules on by default.

Public names are loaded on first use, so ``import microseg`` does not import
matplotlib, seaborn or the heavier scikit-learn modules.

Examples
--------
>>> import microseg as ms
>>> data = ms.datasets.make_customers(n_customers=500, random_state=0)
>>> len(data.customers)
500
"""

from __future__ import annotations

from ._lazy import attach
from .errors import (
    AudienceTooSmallError,
    DataQualityWarning,
    IdentifierTypeError,
    MicrosegError,
    NotFittedError,
    PrivacyError,
    SchemaError,
    SensitiveAttributeError,
)

__version__ = "0.1.0"

_NAMES = {
    # sub-packages and modules
    "datasets": ":.datasets",
    "segment": ":.segment",
    "lookalike": ":.lookalike",
    "campaign": ":.campaign",
    "privacy": ":.privacy",
    "plot": ":.plot",
    "errors": ":.errors",
    # profiling
    "describe": ".profiling",
    "profile": ".profiling",
    "compare": ".profiling",
    "overlap": ".profiling",
    "SegmentProfile": ".profiling",
    # rule segments
    "bands": ".segment.rules",
    "rule_segments": ".segment.rules",
    "combine": ".segment.rules",
    # behaviour
    "rfm": ".segment.rfm",
    "RFMScorer": ".segment.rfm",
    "rfm_segments": ".segment.rfm",
    "cohorts": ".segment.cohorts",
    "funnel": ".segment.funnel",
    "purchase_timing": ".segment.timing",
    "due_for_followup": ".segment.timing",
    "migration": ".segment.timing",
    "customer_view": ".view",
    "timing_summary": ".segment.timing",
    "BetaGeoModel": ".segment.clv",
    "GammaGammaModel": ".segment.clv",
    "clv": ".segment.clv",
    "calibration_holdout": ".segment._calibration",
    "ParetoNBDModel": ".segment._pareto",
    "ShiftedBetaGeoModel": ".segment._sbg",
    "compare_models": ".segment._clv_diagnostics",
    "period_transactions": ".segment._clv_diagnostics",
    "calibration_vs_holdout": ".segment._clv_diagnostics",
    "cumulative_transactions": ".segment._clv_diagnostics",
    "frequency_recency_matrix": ".segment._clv_diagnostics",
    # clustering
    "SegmentModel": ".segment.cluster",
    "choose_k": ".segment.cluster",
    "stability": ".segment.cluster",
    "explain": ".segment.cluster",
    # psychographic
    "reliability": ".segment.psychographic",
    "PsychographicModel": ".segment.psychographic",
    "golden_questions": ".segment.psychographic",
    # lookalike
    "Lookalike": ".lookalike",
}

__getattr__, __dir__, _lazy_all = attach(__name__, _NAMES)

__all__ = [
    *_lazy_all,
    "AudienceTooSmallError",
    "DataQualityWarning",
    "IdentifierTypeError",
    "MicrosegError",
    "NotFittedError",
    "PrivacyError",
    "SchemaError",
    "SensitiveAttributeError",
    "__version__",
]
