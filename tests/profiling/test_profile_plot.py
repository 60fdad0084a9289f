"""Profile drawings: read what was drawn."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex

import microseg as ms
from microseg import MicrosegError
from microseg.plot import segment_colors


@pytest.fixture(scope="module")
def prof():
    rng = np.random.default_rng(0)
    n = 1200
    df = pd.DataFrame(
        {
            "seg": rng.choice(["a", "b", "c"], n),
            "age": rng.normal(40, 10, n),
            "income": rng.gamma(2, 2e4, n),
            "tenure": rng.gamma(2, 2, n),
            "channel": rng.choice(["app", "web", "store", "fax"], n, p=[0.5, 0.3, 0.19, 0.01]),
            "gamer": rng.random(n) < 0.3,
        }
    )
    return ms.profile(df, "seg")


def test_heatmap_has_one_cell_per_segment_and_trait_and_grey_suppressed(prof):
    ax = prof.plot("heatmap")
    img = ax.get_images()[0]
    arr = img.get_array()
    n_traits = len(prof.table.query("kind != 'numeric'").drop_duplicates(["column", "level"]))
    assert arr.shape == (3, n_traits)
    assert np.ma.count_masked(arr) == int(prof.table.query("kind != 'numeric'")["index"].isna().sum())
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert ax.get_xlabel() == "trait" and "Index" in ax.get_title()


def test_snake_draws_one_line_per_segment_in_segment_colours(prof):
    ax = prof.plot("snake")
    lines = [ln for ln in ax.get_lines() if ln.get_label() in {"a", "b", "c"}]
    colors = segment_colors(["a", "b", "c"])
    assert {ln.get_label(): to_hex(ln.get_color()) for ln in lines} == colors
    t = prof.table.query("segment == 'a' and kind == 'numeric'")
    z = ((t["mean_segment"] - t["mean_overall"]) / t["std_overall"]).to_numpy()
    np.testing.assert_allclose(lines[0].get_ydata(), z)


def test_sizes_bars_are_segment_counts(prof):
    ax = prof.plot("sizes")
    heights = [p.get_width() for p in ax.patches]
    assert heights == prof.sizes["n"].tolist()
    assert [to_hex(p.get_facecolor()) for p in ax.patches] == list(segment_colors(["a", "b", "c"]).values())
    assert ax.get_xlabel() == "people"


def test_radar_needs_a_polar_axes_and_draws_closed_polygons(prof):
    with pytest.raises(MicrosegError, match="polar"):
        _, ax = plt.subplots()
        prof.plot("radar", ax=ax)
    ax = prof.plot("radar")
    assert ax.name == "polar"
    first = [ln for ln in ax.get_lines() if ln.get_label() == "a"][0]
    assert len(first.get_ydata()) == 4 and first.get_ydata()[0] == first.get_ydata()[-1]


def test_unknown_kind_is_refused(prof):
    with pytest.raises(MicrosegError, match="kind must be one of"):
        prof.plot("pie")


def test_describe_and_overlap_plots():
    df = pd.DataFrame({"x": np.arange(100.0), "c": ["a", "b"] * 50, "f": [True, False, False, False] * 25})
    fig = ms.describe(df).plot()
    assert len([a for a in fig.axes if a.get_visible()]) == 3
    ov = ms.overlap(df.assign(g=df.x > 50), ["f", "g"])
    ax = ov.plot()
    assert [p.get_height() for p in ax.patches] == ov.combinations["n"].astype(float).tolist()
    assert ax.get_ylabel() == "people"


def test_heatmap_draws_a_zero_index_without_warning():
    df = pd.DataFrame({"seg": ["a"] * 40 + ["b"] * 40, "f": [False] * 40 + [True] * 20 + [False] * 20})
    ax = ms.profile(df, "seg").plot("heatmap")
    arr = ax.get_images()[0].get_array()
    assert np.ma.count_masked(arr) == 0 and arr[0, 0] < 0 < arr[1, 0]
