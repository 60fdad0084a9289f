"""ms.drift: planted drift is found, the null holds, paired designs are tested as paired."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from scipy import stats  # noqa: E402

import microseg as ms  # noqa: E402
from microseg.errors import DataQualityWarning, MicrosegError, SchemaError  # noqa: E402
from microseg.segment._drift_stats import mcnemar_exact, psi  # noqa: E402

DROP = ["email", "phone", "postcode_prefix", "customer_id", "signup_date", "last_updated"]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _demo(n=12_000, seed=0):
    d = ms.datasets.make_customers(n_customers=n, random_state=seed)
    c = d.customers.drop(columns=DROP)
    c["persona"] = d.truth.customers["persona"].to_numpy()
    return c


def _halves(c, seed):
    half = np.random.default_rng(seed).random(len(c)) < 0.5
    return c[half].reset_index(drop=True), c[~half].reset_index(drop=True)


def _planted():
    """Two independent halves of the demo population; in the second, young gamers moved to the store and earn less.

    Returns ``before, after_as_drawn, after_with_drift, planted_pp``.
    """
    before, drawn = _halves(_demo(), seed=1)
    after = drawn.copy()
    rng = np.random.default_rng(2)
    seg = (after["persona"] == "young_gamers").to_numpy()
    move = seg & (after["preferred_channel"] != "store").to_numpy() & (rng.random(len(after)) < 0.12)
    after.loc[move, "preferred_channel"] = "store"
    after.loc[seg, "income"] = after.loc[seg, "income"] * 0.88
    return before, drawn, after, 100 * move.sum() / seg.sum()


def test_planted_share_and_mean_shift_are_found_in_their_segment_only():
    before, drawn, after, planted_pp = _planted()
    res = ms.drift(before, after, segments="persona")
    flagged = res.flagged()
    assert set(flagged["segment"]) == {"young_gamers"}
    assert {("preferred_channel", "store"), ("income", "")} <= set(zip(flagged["column"], flagged["level"]))
    # the measured change is the sampling difference between the halves plus exactly what was planted
    null = ms.drift(before, drawn, segments="persona")
    assert not null.table["significant"].fillna(False).any()
    key = ["segment", "column", "level"]
    both = res.table.merge(null.table, on=key, suffixes=("", "_null")).set_index(key)
    store = both.loc[("young_gamers", "preferred_channel", "store")]
    assert store["change_pp"] - store["change_pp_null"] == pytest.approx(planted_pp)
    income = both.loc[("young_gamers", "income", "")]
    assert income["mean_after"] / income["mean_after_null"] == pytest.approx(0.88)
    assert income["difference_high"] < 0
    assert "mean income −" in res.describe()


def test_describe_says_how_many_pp_and_percent():
    before, _, after, _ = _planted()
    line = [s for s in ms.drift(before, after, segments="persona").describe().splitlines() if s.startswith("young")][0]
    assert "pp more have preferred channel 'store'" in line
    assert line.count(";") >= 1


def test_null_two_random_halves_flag_anything_at_most_alpha_of_the_time():
    c = _demo(n=1200, seed=3)[["persona", "age", "income", "gender", "preferred_channel", "gamer", "children"]]
    repeats, alpha = 100, 0.05
    any_flag = 0
    for r in range(repeats):
        b, a = _halves(c, seed=100 + r)
        res = ms.drift(b, a, segments="persona", alpha=alpha)
        any_flag += bool(res.table["significant"].fillna(False).any())
    # P(any flag) <= alpha: more than the binomial 99th percentile of Bin(100, 0.05) would refute it
    assert any_flag <= stats.binom.ppf(0.99, repeats, alpha), any_flag


def _paired(n=400, seed=0):
    rng = np.random.default_rng(seed)
    ids = [f"C{i:04d}" for i in range(n)]
    spend = rng.gamma(2.0, 50.0, n)
    app = rng.random(n) < 0.4
    before = pd.DataFrame({"customer_id": ids, "spend": spend, "app_user": app})
    switch = ~app & (rng.random(n) < 0.12)  # 7 % of everyone start using the app; no one stops
    after = pd.DataFrame({"customer_id": ids, "spend": spend * 1.04 + rng.normal(0, 0.5, n), "app_user": app | switch})
    return before, after.sample(frac=1, random_state=1)  # another row order: matching is by id


def test_paired_design_finds_small_within_customer_changes_the_two_sample_tests_miss():
    before, after = _paired()
    pr = ms.drift(before, after, paired=True)
    two = ms.drift(before, after, paired=False)
    p = pr.table.set_index("column")
    assert p.loc["spend", "test"] == "wilcoxon" and p.loc["app_user", "test"] == "mcnemar"
    assert p.loc["spend", "p_adjusted"] < 1e-6 and p.loc["app_user", "p_adjusted"] < 1e-6
    t = two.table.set_index("column")
    assert t.loc["spend", "test"] == "mannwhitney"
    assert not t["significant"].any()
    # the paired interval of the mean change covers the planted +4 %
    true = 0.04 * before["spend"].mean()
    assert p.loc["spend", "difference_low"] < true < p.loc["spend", "difference_high"]


def test_paired_none_chooses_the_paired_design_when_customers_recur():
    before, after = _paired()
    res = ms.drift(before, after)
    assert res.paired and "paired" in res.notes[0]


def test_mcnemar_matches_the_exact_binomial_test():
    assert mcnemar_exact([12], [3])[0] == pytest.approx(stats.binomtest(12, 15, 0.5).pvalue)


def test_psi_is_computed_on_deciles_of_before_with_the_rules_of_thumb():
    x = np.arange(1000.0)
    before = pd.DataFrame({"x": x})
    after = pd.DataFrame({"x": np.r_[x[:500], x[:500]]})  # the lower half twice: deciles 1-5 hold 20 % each
    row = ms.drift(before, after).psi.iloc[0]
    expected = psi(np.full(10, 100), np.r_[np.full(5, 200), np.zeros(5)])  # smoothed: empty bins
    assert row["psi"] == pytest.approx(expected)
    assert row["psi_band"] == "major"
    assert psi([50, 50], [50, 50]) == 0.0


def test_segments_new_gone_and_changed_membership():
    rng = np.random.default_rng(0)
    n = 300
    before = pd.DataFrame({"customer_id": np.arange(n), "seg": np.where(np.arange(n) < 150, "A", "B"),
                           "x": rng.normal(size=n)})  # fmt: skip
    after = before.copy()
    after.loc[100:149, "seg"] = "B"  # 50 move from A to B
    after.loc[250:, "seg"] = "C"  # 50 move from B to a new segment C
    after = after[after["customer_id"] >= 20]  # 20 of A leave
    res = ms.drift(before, after, segments="seg", paired=False)
    s = res.segments.set_index("segment")
    assert s.loc["C", "status"] == "new" and not s.loc["C", "compared"]
    assert s.loc["A", ["n_before", "n_after", "stayed", "joined", "left"]].tolist() == [150, 80, 80, 0, 70]
    assert s.loc["B", ["stayed", "joined", "left"]].tolist() == [100, 50, 50]
    assert "C: new" in res.describe()
    gone = ms.drift(after, before, segments="seg", paired=False)
    assert gone.segments.set_index("segment").loc["C", "status"] == "gone"


def test_small_counts_are_suppressed_as_in_profiles():
    rng = np.random.default_rng(1)
    before = pd.DataFrame({"seg": ["A"] * 200 + ["B"] * 200, "lvl": rng.choice(["x", "y"], 400)})
    after = before.copy()
    after.loc[:4, "lvl"] = "z"  # five people in A hold a new level
    after.loc[200:209, "lvl"] = "z"
    after.loc[395:, "seg"] = "D"  # a segment of five
    res = ms.drift(before, after, segments="seg", min_cell=10)
    t = res.table
    z = t[(t["level"] == "z") & (t["segment"] == "A")]
    assert z["suppressed"].all() and z["share_after"].isna().all() and z["n_after"].isna().all()
    d = res.segments.set_index("segment").loc["D"]
    assert pd.isna(d["n_after"]) and d["status"] == "new"


def test_unmatched_customers_are_reported_not_dropped_silently():
    before, after = _paired()
    with pytest.warns(DataQualityWarning, match="not paired"):
        res = ms.drift(before, after.iloc[10:], paired=True)
    assert res.rows["before rows whose customer is not in after (not paired)"] == 10


def test_inputs_are_not_modified():
    before, _, after, _ = _planted()
    b0, a0 = before.copy(), after.copy()
    ms.drift(before, after, segments="persona")
    pd.testing.assert_frame_equal(before, b0)
    pd.testing.assert_frame_equal(after, a0)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"segments": "nope"}, SchemaError, "before has no column 'nope'"),
        ({"paired": True, "customer": "cid"}, SchemaError, "before has no column 'cid'"),
        ({"segments": ("a", "b", "c")}, MicrosegError, "labels_before, labels_after"),
        ({"alpha": 2}, MicrosegError, "alpha"),
    ],
)
def test_bad_input_gets_a_clear_error(kwargs, error, match):
    df = pd.DataFrame({"x": np.arange(40.0), "g": ["a", "b"] * 20})
    with pytest.raises(error, match=match):
        ms.drift(df, df, **kwargs)


def test_a_column_with_different_types_in_the_two_snapshots_is_refused():
    b = pd.DataFrame({"x": np.arange(40.0)})
    a = pd.DataFrame({"x": np.arange(40).astype(str)})
    with pytest.raises(SchemaError, match="column 'x' is numeric in before"):
        ms.drift(b, a)


def test_plot_draws_the_index_of_each_trait_per_segment():
    before, _, after, _ = _planted()
    res = ms.drift(before, after, segments="persona")
    ax = res.plot(segment="young_gamers")
    rows = res.table.query("segment == 'young_gamers'").dropna(subset=["index"])
    rows = rows.iloc[np.argsort(-rows["effect_size"].abs().to_numpy(), kind="stable")[:10]]
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx(np.log2(np.clip(rows["index"].to_numpy(), 12.5, 800) / 100).tolist())
    assert "young_gamers" in ax.get_title()
    fig = res.plot()
    assert len([a for a in fig.axes if a.get_visible()]) == 7
    with pytest.raises(MicrosegError, match="segment="):
        res.plot(ax=ax)


def test_repr_and_html():
    before, _, after, _ = _planted()
    res = ms.drift(before, after, segments="persona")
    assert repr(res).startswith("DriftResult(7 segments")
    assert "young_gamers" in res._repr_html_()
    assert list(res.to_frame().columns[:4]) == ["segment", "column", "level", "kind"]


def test_report_before_option_adds_a_drift_section(tmp_path, capsys):
    from microseg.cli import main

    rng = np.random.default_rng(0)
    n = 600
    before = pd.DataFrame({"id": [f"K{i}" for i in range(n)], "tier": rng.choice(["gold", "silver"], n),
                           "spend": rng.gamma(2, 40, n), "app": rng.random(n) < 0.3})  # fmt: skip
    after = before.copy()
    after.loc[after["tier"] == "gold", "spend"] *= 0.8  # gold customers spend 20 % less, each of them
    before.to_csv(tmp_path / "q1.csv", index=False)
    after.to_csv(tmp_path / "q2.csv", index=False)
    args = ["report", str(tmp_path / "q2.csv"), "--segments", "tier", "--id", "id", "--out", str(tmp_path / "r")]
    assert main([*args, "--before", str(tmp_path / "q1.csv")]) == 0
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "What changed since the earlier snapshot" in page
    assert "gold: mean spend −20 %" in page and "paired tests" in page
    assert main(args) == 0
    assert "What changed" not in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert main([*args, "--before", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err
