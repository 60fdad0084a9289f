"""The one table formatter: what a reader sees in the report, in notebooks and in results' HTML."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg._tables import column_kind, format_table, format_value


def test_a_default_index_is_dropped_and_a_named_one_becomes_a_plain_first_column():
    t = format_table(pd.DataFrame({"n": [1, 2]}))
    assert list(t.frame.columns) == ["n"]
    named = pd.DataFrame({"customers": [5, 7]}, index=pd.Index(["Champions", "At Risk"], name="segment"))
    t = format_table(named)
    assert list(t.frame.columns) == ["segment", "customers"]
    assert t.html.count("<tr>") == 3  # one header row only, then two rows


def test_labels_without_a_name_are_kept_as_an_unnamed_first_column():
    t = format_table(pd.DataFrame({"n": [1, 2]}, index=["a", "b"]))
    assert t.frame.iloc[:, 0].tolist() == ["a", "b"]


def test_multi_level_columns_are_flattened_into_one_header_row():
    df = pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("treatment", True), ("control", True)]))
    t = format_table(df)
    assert list(t.frame.columns) == ["treatment True", "control True"]
    assert t.html.count("<tr>") == 2


def test_numbers_get_thousands_separators_and_fixed_decimals_per_column():
    t = format_table(pd.DataFrame({"customers": [120_000, 5], "mean_x": [1.22e5, 35.5], "ratio_y": [0.5, 2.25]}))
    assert t.frame["customers"].tolist() == ["120,000", "5"]
    assert t.frame["mean_x"].tolist() == ["122,000", "36"]  # one number of decimals for the whole column
    assert t.frame["ratio_y"].tolist() == ["0.50", "2.25"]
    assert "e+" not in t.html


def test_a_column_of_different_quantities_keeps_three_significant_digits():
    t = format_table(pd.DataFrame({"mean_segment": [121_901.2, 1.953, 0.179]}))
    assert t.frame["mean_segment"].tolist() == ["121,901", "1.95", "0.179"]


@pytest.mark.parametrize(("p", "text"), [(0.0, "< 1e-10"), (2.32e-153, "< 1e-10"), (3.2e-7, "3.2e-07"),
                                         (0.0123, "0.012"), (0.5, "0.50"), (np.nan, "–")])
def test_p_values_below_1e_10_print_as_a_bound(p, text):
    assert format_table(pd.DataFrame({"p_adjusted": [p]})).frame.iat[0, 0] == text


def test_durations_print_in_words():
    t = format_table(pd.DataFrame({"median_time": pd.to_timedelta(["0s", "83s", "2h", "3D 4h 5min"]).append(
        pd.TimedeltaIndex([pd.NaT]))}))
    assert t.frame["median_time"].tolist() == ["0 s", "1 min 23 s", "2 hours", "3 days 4 h", "–"]


def test_units_shares_percentage_points_and_currency():
    df = pd.DataFrame({"rate_treatment": [0.2532], "lift": [0.0176], "change_pp": [1.5], "revenue": [1234.5],
                       "mean_change_pct": [-12.25]})
    t = format_table(df, currency="€")
    assert t.frame.iloc[0].tolist() == ["25.3 %", "1.76 pp", "1.50 pp", "€1,234.50", "-12.2 %"]
    assert format_table(pd.DataFrame({"lift": [3.2]}), units={"lift": "ratio"}).frame.iat[0, 0] == "3.20×"


def test_column_kinds_follow_names_and_values():
    assert column_kind("index", pd.Series([1070.2])) == "index"
    assert column_kind("significant", pd.Series([True])) == "flag"
    assert column_kind("segment", pd.Series(["a"])) == "text"
    assert column_kind("effect_size", pd.Series([0.3])) == "score"
    assert format_value(1070.2, "index") == "1,070"


def test_wide_tables_scroll_inside_their_own_box_and_headers_may_wrap():
    wide = pd.DataFrame(np.ones((2, 18)), columns=[f"expected_column_{i}" for i in range(18)])
    html = format_table(wide).html
    assert html.startswith('<div class="ms-table" style="overflow-x:auto;max-width:100%')
    assert "expected_<wbr>column_<wbr>0" in html


def test_rows_beyond_max_rows_are_counted_and_cells_escaped():
    t = format_table(pd.DataFrame({"name": ["<b>x</b>"] * 50}), max_rows=10)
    assert len(t.frame) == 10 and "40 more rows not shown" in t.html
    assert "<b>x</b>" not in t.html and "&lt;b&gt;" in t.html


def test_the_callers_frame_is_left_untouched():
    df = pd.DataFrame({"p": [0.0]}, index=pd.Index(["a"], name="seg"))
    before = df.copy()
    format_table(df)
    pd.testing.assert_frame_equal(df, before)


def test_it_is_public_and_results_render_through_it():
    assert ms.format_table is format_table
    data = ms.datasets.make_customers(n_customers=500, random_state=0)
    f = ms.funnel(data.events.dropna(subset=["customer_id"]), ["view_product", "add_to_cart"], window="7D")
    html = f._repr_html_()
    assert "ms-table" in html and "days 00:" not in html and ">step<" in html


def test_notebook_style_formats_every_displayed_frame_and_hides_warning_paths():
    import warnings

    import matplotlib
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    before = warnings.formatwarning
    try:
        ms.notebook_style(dpi=120)
        assert matplotlib.rcParams["figure.dpi"] == 120
        data, _ = shell.display_formatter.format(pd.DataFrame({"p_value": [0.0]}))
        assert "ms-table" in data["text/html"] and "&lt; 1e-10" in data["text/html"]
        text = warnings.formatwarning("rows dropped", ms.DataQualityWarning, "/build/path/x.py", 3)
        assert text == "DataQualityWarning: rows dropped\n"
    finally:
        warnings.formatwarning = before
        shell.display_formatter.formatters["text/html"].pop(pd.DataFrame, None)
        shell.display_formatter.formatters["text/html"].pop(pd.Series, None)
        InteractiveShell.clear_instance()
        matplotlib.rcdefaults()
