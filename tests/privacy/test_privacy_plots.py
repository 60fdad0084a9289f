import warnings

import numpy as np
import pandas as pd

from microseg.errors import DataQualityWarning
from microseg.privacy import export_audience, freshness, k_anonymity


def test_export_report_plot_has_one_bar_per_step():
    df = pd.DataFrame({"email": [f"p{i}@x.com" for i in range(130)], "opted_out": [i < 7 for i in range(130)],
                       "ads_opt_in": True})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        rep = export_audience(df, platform="meta", updated=None)
    ax = rep.plot()
    widths = [p.get_width() for p in ax.patches]
    assert len(widths) == 7 and widths[0] == 123 and widths[-1] == 7  # drawn bottom-up: exported first
    assert ax.get_xlabel() == "Rows" and "meta" in ax.get_title()


def test_k_anonymity_plot_marks_target():
    df = pd.DataFrame({"a": list("aaabbc")})
    ax = k_anonymity(df, ["a"], k=3).plot()
    assert "k = 1" in ax.get_title()
    assert sum(p.get_height() for p in ax.patches) == 6  # weighted by rows
    assert ax.get_legend().get_texts()[0].get_text() == "target k = 3"


def test_freshness_plot_counts_records_by_month():
    as_of = pd.Timestamp("2024-12-31")
    df = pd.DataFrame({"last_updated": [as_of - pd.Timedelta(days=d) for d in (10, 10, 100, 400)]})
    ax = freshness(df).plot()
    heights = np.array([p.get_height() for p in ax.patches])
    assert heights.sum() == 4 and heights[0] == 2
    assert ax.get_xlabel() == "Months since last update"
