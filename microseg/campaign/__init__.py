"""Campaign prototyping: plans and budgets, frequency caps, send time, tests, recommendations, uplift.

One module per job: ``planning`` (plan and budget allocation), ``frequency``
(frequency capping), ``send_timing`` (best send time), ``testing`` (test
design), ``readouts`` (read-out and test health), ``recommendations`` (complementary products)
and the uplift modules (``_uplift_model``: who a contact changes; ``_uplift_curve``: Qini
and uplift curves; ``_uplift_segments``: targeting rules measured on held-out rows). No
module shares a name with a public function, since importing a submodule sets
a package attribute of the same name and would hide the function.
"""

from __future__ import annotations

from .._lazy import attach

_NAMES: dict[str, str] = {
    "plan": ".planning",
    "CampaignPlan": ".planning",
    "frequency_cap": ".frequency",
    "FrequencyResult": ".frequency",
    "send_time": ".send_timing",
    "SendTimeResult": ".send_timing",
    "sample_size": ".testing",
    "statistical_power": ".testing",
    "minimum_detectable_lift": ".testing",
    "holdout_split": ".testing",
    "design_test": ".testing",
    "readout": ".readouts",
    "Readout": ".readouts",
    "benjamini_hochberg": ".testing",
    "associations": ".recommendations",
    "recommend": ".recommendations",
    "message_matrix": "._message_matrix",
    "MessageMatrix": "._message_matrix",
    "UpliftModel": "._uplift_model",
    "uplift_curve": "._uplift_curve",
    "UpliftCurve": "._uplift_curve",
    "uplift_segments": "._uplift_segments",
    "UpliftSegments": "._uplift_segments",
}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
