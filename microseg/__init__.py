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
    PrivacyError,
    SchemaError,
    SensitiveAttributeError,
)

__version__ = "0.1.0"

_NAMES = {
    # sub-packages and modules
    "datasets": ":.datasets",
    "profiling": ":.profiling",
    "segment": ":.segment",
    "view": ":.view",
    "lookalike": ":.lookalike",
    "campaign": ":.campaign",
    "privacy": ":.privacy",
    "plot": ":.plot",
    "reporting": ":.reporting",
    "errors": ":.errors",
    # one table formatter, for notebooks as for the report
    "format_table": "._tables",
    "notebook_style": "._tables",
    # errors (scikit-learn's NotFittedError, loaded on first use)
    "NotFittedError": ".errors",
    # profiling
    "describe": ".profiling",
    "profile": ".profiling",
    "compare": ".profiling",
    "overlap": ".profiling",
    "SegmentProfile": ".profiling",
    # rule segments
    "bands": ".segment",
    "rule_segments": ".segment",
    "combine": ".segment",
    # behaviour
    "rfm": ".segment",
    "RFMScorer": ".segment",
    "rfm_segments": ".segment",
    "cohorts": ".segment",
    "funnel": ".segment",
    "purchase_timing": ".segment",
    "due_for_followup": ".segment",
    "migration": ".segment",
    "timing_summary": ".segment",
    "BetaGeoModel": ".segment",
    "GammaGammaModel": ".segment",
    "clv": ".segment",
    "calibration_holdout": ".segment",
    "ParetoNBDModel": ".segment",
    "ShiftedBetaGeoModel": ".segment",
    "compare_models": ".segment",
    "period_transactions": ".segment",
    "calibration_vs_holdout": ".segment",
    "cumulative_transactions": ".segment",
    "frequency_recency_matrix": ".segment",
    "drift": ".segment",
    "DriftResult": ".segment",
    # one customer view
    "customer_view": ".view",
    "account_view": ".view",
    # clustering
    "SegmentModel": ".segment",
    "choose_k": ".segment",
    "stability": ".segment",
    "explain": ".segment",
    # psychographic
    "reliability": ".segment",
    "PsychographicModel": ".segment",
    "golden_questions": ".segment",
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
