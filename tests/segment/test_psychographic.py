"""Tests for psychographic segmentation: reliability, PsychographicModel, golden_questions."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

import microseg as ms
from microseg.errors import DataQualityWarning, MicrosegError, SchemaError
from microseg.segment import parallel_analysis
from microseg.segment._golden import _lda_cv_accuracy

SCALES = ["thrift", "adventure", "sociability"]
BFI_KEYS = {
    "agreeableness": ["-A1", "A2", "A3", "A4", "A5"],
    "conscientiousness": ["C1", "C2", "C3", "-C4", "-C5"],
    "extraversion": ["-E1", "-E2", "E3", "E4", "E5"],
    "neuroticism": ["N1", "N2", "N3", "N4", "N5"],
    "openness": ["O1", "-O2", "O3", "O4", "-O5"],
}
# psych::alpha(bfi, keys) raw_alpha, as published in the psych documentation / Revelle's tutorials
BFI_PUBLISHED_ALPHA = {
    "agreeableness": 0.70,
    "conscientiousness": 0.72,
    "extraversion": 0.76,
    "neuroticism": 0.81,
    "openness": 0.60,
}


def make_planted_survey(
    n=1200, *, n_items=4, missing=0.03, n_straight=6, n_speeders=8, random_state=0
):
    """Planted factor-model survey: 4 segments at the corners of a tetrahedron in 3 factors, 4 items per factor.

    The last item of each scale is reverse keyed. Returns (survey, items table, true segment).
    """
    rng = np.random.default_rng(random_state)
    centroids = 1.2 * np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]])
    seg = rng.integers(0, 4, n)
    f = centroids[seg] + rng.normal(scale=0.5, size=(n, 3))
    cols, rows = [], []
    latent = []
    for s, scale in enumerate(SCALES):
        for i in range(n_items):
            rev = i == n_items - 1
            name = f"{scale}_{i + 1}"
            cols.append(name)
            rows.append({"item": name, "scale": scale, "text": f"{scale} statement {i + 1}", "reverse_keyed": rev})
            latent.append((-1 if rev else 1) * 0.9 * f[:, s] + rng.normal(scale=0.55, size=n))
    x = np.clip(np.round(3 + np.column_stack(latent)), 1, 5)
    x[rng.random(x.shape) < missing] = np.nan
    x[:n_straight] = 3  # straight-liners (all the same answer)
    survey = pd.DataFrame({c: pd.array(x[:, j], dtype="Int64") for j, c in enumerate(cols)})
    survey.insert(0, "customer_id", [f"C{i:07d}" for i in range(n)])
    dur = rng.normal(300, 60, n).clip(120)
    dur[n_straight : n_straight + n_speeders] = 30  # speeders
    survey["duration_s"] = dur
    return survey, pd.DataFrame(rows), seg


@pytest.fixture(scope="module")
def planted():
    return make_planted_survey()


@pytest.fixture(scope="module")
def planted_model(planted):
    survey, items, _ = planted
    with pytest.warns(DataQualityWarning, match="straight-liners left out of the fit: 6"):
        return ms.PsychographicModel(n_segments=4, items=items, random_state=0).fit(survey)


@pytest.fixture(scope="module")
def bfi(shared_data):
    path = shared_data / "bfi.csv"
    if not path.exists():
        pytest.skip("bfi.csv not found")
    return pd.read_csv(path)


# ----------------------------------------------------------------------------- reliability
def _alpha_by_hand(x: np.ndarray) -> float:
    k = x.shape[1]
    return k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / x.sum(axis=1).var(ddof=1))


def test_alpha_matches_textbook_formula_on_complete_answers():
    rng = np.random.default_rng(1)
    f = rng.normal(size=200)
    x = np.clip(np.round(3 + f[:, None] + rng.normal(size=(200, 4))), 1, 5)
    survey = pd.DataFrame(x.astype(int), columns=list("abcd"))
    rel = ms.reliability(survey)
    assert rel.scales.loc["all items", "alpha"] == pytest.approx(_alpha_by_hand(x), abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.lists(st.integers(1, 5), min_size=4, max_size=4), min_size=6, max_size=30),
    st.permutations(range(4)),
)
def test_alpha_is_unchanged_by_reversing_every_item_or_reordering_items(rows, order):
    survey = pd.DataFrame(rows, columns=list("abcd"))
    assume((survey.nunique() > 1).all())
    with warnings.catch_warnings():  # random answers often look mis-keyed; that warning is tested elsewhere
        warnings.simplefilter("ignore", DataQualityWarning)
        base = ms.reliability(survey).scales.loc["all items", "alpha"]
        flipped = ms.reliability(survey, list("abcd"), reverse=list("abcd")).scales.loc["all items", "alpha"]
        reordered = ms.reliability(survey, [list("abcd")[i] for i in order]).scales.loc["all items", "alpha"]
    if np.isnan(base):
        assert np.isnan(flipped) and np.isnan(reordered)
    else:
        assert flipped == pytest.approx(base, abs=1e-9) and reordered == pytest.approx(base, abs=1e-9)


def test_alpha_if_deleted_is_alpha_of_the_remaining_items():
    survey, items, _ = make_planted_survey(n=300, missing=0, n_straight=0, n_speeders=0)
    rel = ms.reliability(survey, items, scales=["thrift"])
    scored = survey[["thrift_1", "thrift_2", "thrift_3"]].astype(float).to_numpy()
    assert rel.items.loc["thrift_4", "alpha_if_deleted"] == pytest.approx(_alpha_by_hand(scored), abs=1e-12)


def test_item_rest_correlation_is_correlation_with_sum_of_other_items():
    survey, items, _ = make_planted_survey(n=300, missing=0, n_straight=0, n_speeders=0)
    rel = ms.reliability(survey, items, scales=["adventure"])
    x = survey[[f"adventure_{i}" for i in range(1, 5)]].astype(float)
    x["adventure_4"] = 6 - x["adventure_4"]
    rest = x[["adventure_2", "adventure_3", "adventure_4"]].sum(axis=1)
    assert rel.items.loc["adventure_1", "item_rest_r"] == pytest.approx(x["adventure_1"].corr(rest), abs=1e-12)


def test_reverse_keyed_items_are_reverse_scored_before_alpha(planted):
    survey, items, _ = planted
    rel = ms.reliability(survey, items)
    assert (rel.items["item_rest_r"] > 0.3).all()
    assert (rel.scales["alpha"] > 0.75).all()
    assert rel.items.loc["thrift_4", "reverse_keyed"]


def test_undeclared_reverse_keyed_item_is_flagged_as_miskeyed(planted):
    survey, items, _ = planted
    unkeyed = items.assign(reverse_keyed=False)
    with pytest.warns(DataQualityWarning, match="probably mis-keyed.*thrift_4"):
        rel = ms.reliability(survey, unkeyed)
    suspects = rel.items.index[rel.items["suspect_keying"]].tolist()
    assert suspects == ["thrift_4", "adventure_4", "sociability_4"]
    assert (rel.scales["alpha"] < ms.reliability(survey, items).scales["alpha"]).all()


def test_items_table_mapping_and_reverse_argument_agree(planted):
    survey, items, _ = planted
    from_table = ms.reliability(survey, items)
    mapping = {
        s: [("-" if r else "") + i for i, r in zip(g["item"], g["reverse_keyed"])] for s, g in items.groupby("scale", sort=False)
    }
    from_mapping = ms.reliability(survey, mapping)
    from_reverse = ms.reliability(
        survey,
        {s: g["item"].tolist() for s, g in items.groupby("scale", sort=False)},
        reverse=items.loc[items["reverse_keyed"], "item"],
    )
    pd.testing.assert_frame_equal(from_table.scales, from_mapping.scales)
    pd.testing.assert_frame_equal(from_table.scales, from_reverse.scales)


def test_skipped_answers_use_pairwise_complete_covariances_and_keep_every_respondent():
    survey = pd.DataFrame(
        {"a": [1, 2, 3, 4, 5, None, 2, 4], "b": [1, 3, 3, 5, None, 2, 2, 4], "c": [2, 2, 4, 4, 5, 1, None, 5]},
        dtype="Int64",
    )
    rel = ms.reliability(survey)
    cov = survey.astype(float).cov().to_numpy()  # pairwise complete
    expected = 3 / 2 * (1 - np.trace(cov) / cov.sum())
    assert rel.scales.loc["all items", "alpha"] == pytest.approx(expected, abs=1e-12)
    assert len(rel.flags) == 8
    assert rel.n_skipped == 3
    assert rel.flags["n_skipped"].tolist() == [0, 0, 0, 0, 1, 1, 1, 0]
    assert rel.scores["all items"].iloc[4] == pytest.approx(5.0)  # mean of the answered items


def test_straight_liners_and_speeders_are_flagged_per_respondent(planted):
    survey, items, _ = planted
    rel = ms.reliability(survey, items)
    assert rel.flags.index.name == "customer_id"
    assert rel.flags["straight_liner"].to_numpy().nonzero()[0].tolist() == list(range(6))
    assert rel.flags["speeder"].to_numpy().nonzero()[0].tolist() == list(range(6, 14))
    assert rel.flags["flagged"].sum() == 14
    assert rel.speeders_checked


def test_speeders_are_not_checked_without_a_duration_column(planted):
    survey, items, _ = planted
    rel = ms.reliability(survey.drop(columns="duration_s"), items)
    assert not rel.speeders_checked
    assert not rel.flags["speeder"].any()
    assert "speed not checked" in repr(rel)


def test_answers_outside_the_declared_scale_raise_naming_column_and_values(planted):
    survey, items, _ = planted
    bad = survey.copy()
    bad.loc[[3, 9], "adventure_2"] = pd.array([7, 0], dtype="Int64")
    with pytest.raises(SchemaError, match=r"column 'adventure_2' of survey has 2 answers outside the declared scale 1-5: \[0, 7\]"):
        ms.reliability(bad, items)
    with pytest.raises(SchemaError, match="adventure_2"):
        ms.PsychographicModel(items=items).fit(bad)


def test_fractional_answers_raise_unless_scale_range_is_none():
    survey = pd.DataFrame({"a": [1.0, 2.5, 3.0, 4.0], "b": [1.0, 2.0, 3.0, 5.0], "c": [2.0, 2.0, 3.0, 4.0]})
    with pytest.raises(SchemaError, match="column 'a' of survey has 1 fractional answers"):
        ms.reliability(survey)
    assert ms.reliability(survey, scale_range=None).scales["alpha"].notna().all()


def test_constant_and_all_missing_items_raise(planted):
    survey, items, _ = planted
    const = survey.assign(thrift_2=pd.array([4] * len(survey), dtype="Int64"))
    with pytest.raises(SchemaError, match="column 'thrift_2' of survey is constant"):
        ms.reliability(const, items)
    with pytest.raises(SchemaError, match="column 'thrift_2' of survey is constant"):
        ms.PsychographicModel(items=items).fit(const)
    empty = survey.assign(thrift_2=pd.array([None] * len(survey), dtype="Int64"))
    with pytest.raises(SchemaError, match="column 'thrift_2' of survey is all missing"):
        ms.reliability(empty, items)
    with pytest.raises(SchemaError, match="all missing"):
        ms.PsychographicModel(items=items).fit(empty)


def test_unknown_item_and_text_answers_raise_clear_errors(planted):
    survey, items, _ = planted
    with pytest.raises(SchemaError, match="no column 'nope'"):
        ms.reliability(survey, ["thrift_1", "nope"])
    with pytest.raises(SchemaError, match="must hold numeric answers"):
        ms.reliability(survey.assign(thrift_1="agree"), items)


def test_reliability_result_renders_and_plots_one_bar_per_scale(planted):
    survey, items, _ = planted
    rel = ms.reliability(survey, items)
    assert rel.to_frame().index.tolist() == SCALES
    assert "thrift" in rel._repr_html_() and repr(rel).startswith("Reliability(3 scales, 12 items")
    ax = rel.plot()
    assert len(ax.patches) == 3
    assert [t.get_text() for t in ax.get_yticklabels()] == SCALES
    assert ax.patches[0].get_width() == pytest.approx(rel.scales["alpha"].iloc[0])


def test_reliability_does_not_modify_the_survey(planted):
    survey, items, _ = planted
    before = survey.copy()
    ms.reliability(survey, items)
    pd.testing.assert_frame_equal(survey, before)


@pytest.mark.realdata
def test_bfi_alphas_match_published_psych_values(bfi):
    rel = ms.reliability(bfi, BFI_KEYS, scale_range=(1, 6), respondent="id")
    for scale, published in BFI_PUBLISHED_ALPHA.items():
        assert rel.scales.loc[scale, "alpha"] == pytest.approx(published, abs=0.01), scale
    assert not rel.items["suspect_keying"].any()
    assert rel.n_skipped == bfi[[c.lstrip("-") for v in BFI_KEYS.values() for c in v]].isna().sum().sum()


@pytest.mark.realdata
def test_bfi_without_reverse_keys_flags_the_reverse_worded_items(bfi):
    plain = {k: [c.lstrip("-") for c in v] for k, v in BFI_KEYS.items()}
    with pytest.warns(DataQualityWarning, match="mis-keyed"):
        rel = ms.reliability(bfi, plain, scale_range=(1, 6), respondent="id")
    flagged_scales = set(rel.items.loc[rel.items["suspect_keying"], "scale"])
    # every scale with reverse-worded items is caught; neuroticism (no reverse-worded item) is not
    assert flagged_scales == set(BFI_KEYS) - {"neuroticism"}
    assert "A1" in rel.items.index[rel.items["suspect_keying"]]


# ----------------------------------------------------------------------------- factor model
def test_recovers_planted_segments(planted, planted_model):
    survey, _, truth = planted
    keep = ~planted_model.flagged_
    assert adjusted_rand_score(truth[keep], planted_model.labels_[keep]) >= 0.8


def test_kmeans_segmenter_recovers_planted_segments(planted):
    survey, items, truth = planted
    with pytest.warns(DataQualityWarning):
        model = ms.PsychographicModel(n_segments=4, segmenter="kmeans", items=items, random_state=0).fit(survey)
    keep = ~model.flagged_
    assert adjusted_rand_score(truth[keep], model.labels_[keep]) >= 0.8


def test_parallel_analysis_finds_the_planted_number_of_factors(planted_model):
    assert planted_model.n_factors_ == 3
    assert planted_model.parallel_["retain"].sum() == 3


def test_parallel_analysis_on_pure_noise_keeps_no_factor():
    kept = [
        parallel_analysis(np.random.default_rng(seed).normal(size=(800, 10)), random_state=seed)["retain"].sum()
        for seed in range(5)
    ]
    assert sum(kept) <= 1  # the 95th-percentile rule over-extracts on noise about one time in twenty


def test_loadings_group_items_by_planted_scale_and_factors_take_scale_names(planted_model):
    top = planted_model.loadings_.abs().idxmax(axis=1)
    for scale in SCALES:
        assert set(top[[f"{scale}_{i}" for i in range(1, 5)]]) == {scale}
    assert sorted(planted_model.factor_names_) == sorted(SCALES)
    # oriented by keying: the reverse-keyed item loads negatively on its own factor
    assert planted_model.loadings_.loc["thrift_4", "thrift"] < -0.5
    assert planted_model.loadings_.loc["thrift_1", "thrift"] > 0.5


def test_flagged_respondents_are_left_out_of_the_fit_but_still_labelled(planted, planted_model):
    survey, _, _ = planted
    assert planted_model.flagged_.nonzero()[0].tolist() == list(range(14))
    assert planted_model.n_excluded_ == {
        "straight-liners left out of the fit": 6,
        "speeders left out of the fit": 8,
    }
    assert len(planted_model.labels_) == len(survey)
    assert planted_model.segment_profile_["n"].sum() == len(survey) - 14


def test_skipped_answers_are_imputed_with_item_medians(planted, planted_model):
    survey, _, _ = planted
    row = survey.iloc[[100]].copy()
    row["adventure_1"] = pd.array([None], dtype="Int64")
    filled = row.assign(adventure_1=pd.array([int(planted_model.medians_["adventure_1"])], dtype="Int64"))
    np.testing.assert_allclose(planted_model.transform(row), planted_model.transform(filled))
    assert planted_model.predict(row)[0] == planted_model.predict(filled)[0]


def test_predict_on_training_survey_gives_labels(planted, planted_model):
    survey, _, _ = planted
    np.testing.assert_array_equal(planted_model.predict(survey), planted_model.labels_)
    assert np.bincount(planted_model.labels_[~planted_model.flagged_]).tolist() == sorted(
        np.bincount(planted_model.labels_[~planted_model.flagged_]).tolist(), reverse=True
    )


def test_predict_proba_rows_sum_to_one_and_argmax_is_predict(planted, planted_model):
    survey, _, _ = planted
    proba = planted_model.predict_proba(survey)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(proba.argmax(axis=1), planted_model.predict(survey))


def test_kmeans_model_has_no_predict_proba():
    assert not hasattr(ms.PsychographicModel(segmenter="kmeans"), "predict_proba")


def test_transform_with_pandas_output_names_columns_after_factors(planted, planted_model):
    from sklearn.base import clone

    survey, items, _ = planted
    model = clone(planted_model).set_output(transform="pandas")
    with pytest.warns(DataQualityWarning):
        model.fit(survey)
    scores = model.transform(survey)
    assert list(scores.columns) == model.factor_names_
    assert scores.shape == (len(survey), 3)


def test_profile_is_mean_factor_score_per_segment(planted, planted_model):
    survey, _, _ = planted
    keep = ~planted_model.flagged_
    scores = pd.DataFrame(planted_model.transform(survey)[keep], columns=planted_model.factor_names_)
    expected = scores.groupby(planted_model.labels_[keep]).mean()
    prof = planted_model.profile()
    np.testing.assert_allclose(prof[planted_model.factor_names_].to_numpy(), expected.to_numpy())
    assert prof["share"].sum() == pytest.approx(1)
    on_new = planted_model.profile(survey)
    assert on_new["n"].sum() == len(survey)


def test_scores_frame_is_indexed_by_respondent_with_segment_and_flag(planted, planted_model):
    survey, _, _ = planted
    frame = planted_model.scores_frame(survey)
    assert frame.index.name == "customer_id" and frame.index.tolist() == survey["customer_id"].tolist()
    assert list(frame.columns) == [*planted_model.factor_names_, "segment", "flagged"]
    np.testing.assert_array_equal(frame["segment"].to_numpy(), planted_model.labels_)
    np.testing.assert_array_equal(frame["flagged"].to_numpy(), planted_model.flagged_)


def test_auto_number_of_segments_finds_the_planted_four(planted):
    survey, items, _ = planted
    with pytest.warns(DataQualityWarning):
        model = ms.PsychographicModel(n_segments="auto", items=items, random_state=0).fit(survey.iloc[:600])
    assert model.n_segments_ == 4
    assert model.segment_selection_["bic"].idxmin() == 4


def test_fit_is_reproducible_with_random_state(planted, planted_model):
    survey, items, _ = planted
    with pytest.warns(DataQualityWarning):
        again = ms.PsychographicModel(n_segments=4, items=items, random_state=0).fit(survey)
    np.testing.assert_array_equal(again.labels_, planted_model.labels_)
    pd.testing.assert_frame_equal(again.loadings_, planted_model.loadings_)


def test_fewer_respondents_than_segments_raises(planted):
    survey, items, _ = planted
    small = survey.iloc[20:23]
    with pytest.raises(MicrosegError, match="3 respondents to fit on .* n_segments=4"):
        ms.PsychographicModel(n_segments=4, n_factors=1, items=items).fit(small)


def test_bad_parameters_raise():
    survey, items, _ = make_planted_survey(n=100, n_straight=0, n_speeders=0)
    with pytest.raises(MicrosegError, match="segmenter"):
        ms.PsychographicModel(segmenter="lca").fit(survey)
    with pytest.raises(MicrosegError, match="n_factors=20 is more than the 12 items"):
        ms.PsychographicModel(n_factors=20, items=items).fit(survey)


def test_predict_with_missing_item_column_raises(planted, planted_model):
    survey, _, _ = planted
    with pytest.raises(MicrosegError, match=r"no item column\(s\) \['thrift_1'\]"):
        planted_model.predict(survey.drop(columns="thrift_1"))


def test_golden_questions_need_a_model_fitted_on_a_dataframe(planted):
    survey, items, _ = planted
    x = survey[items["item"]].astype(float).fillna(3).to_numpy()[20:]
    model = ms.PsychographicModel(n_factors=3, n_segments=4, random_state=0).fit(x)
    with pytest.raises(MicrosegError, match="fitted on a DataFrame"):
        ms.golden_questions(model, survey)


def test_unfitted_model_raises_not_fitted(planted):
    survey, _, _ = planted
    with pytest.raises(ms.NotFittedError):
        ms.PsychographicModel().predict(survey)


def test_loadings_heatmap_shows_items_by_factors(planted_model):
    ax = planted_model.plot()
    assert [t.get_text() for t in ax.get_xticklabels()] == planted_model.factor_names_
    assert [t.get_text() for t in ax.get_yticklabels()] == planted_model.loadings_.index.tolist()
    np.testing.assert_allclose(ax.images[0].get_array(), planted_model.loadings_.to_numpy())
    assert ax.get_ylabel() == "Survey item"


def test_parallel_analysis_plot_marks_factors_kept(planted_model):
    ax = ms.plot.plot_parallel_analysis(planted_model)
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[0].get_ydata(), planted_model.parallel_["observed"])


@pytest.fixture(scope="module")
def bfi_model(bfi):
    with pytest.warns(DataQualityWarning, match="straight-liners left out of the fit: 5"):
        return ms.PsychographicModel(items=BFI_KEYS, scale_range=(1, 6), respondent="id", random_state=0).fit(bfi)


@pytest.mark.realdata
def test_bfi_parallel_analysis_finds_five_or_six_factors(bfi_model):
    assert bfi_model.n_factors_ in (5, 6)
    assert set(BFI_KEYS) <= set(bfi_model.factor_names_)
    # Horn's mean rule (psych::fa.parallel's default) would keep one more
    assert (bfi_model.parallel_["observed"] > bfi_model.parallel_["random_mean"]).sum() == bfi_model.n_factors_ + 1


@pytest.mark.realdata
def test_bfi_loadings_group_items_by_trait(bfi_model):
    model = bfi_model
    top = model.loadings_.abs().idxmax(axis=1)
    for trait, keys in BFI_KEYS.items():
        items = [k.lstrip("-") for k in keys]
        assert (top[items] == trait).sum() >= 4, (trait, top[items].tolist())
    assert sorted(model.factor_names_) == sorted(BFI_KEYS)


@pytest.mark.realdata
def test_young_people_survey_music_and_movie_tastes(data_file):
    yps = pd.read_csv(data_file("young_people_survey_responses.csv"))
    cols = pd.read_csv(data_file("young_people_survey_columns.csv"))
    music, movies = list(yps.columns[:19]), list(yps.columns[19:31])
    text = dict(zip(cols["short"], cols["original"]))
    items = pd.DataFrame(
        {"item": music + movies, "scale": ["music"] * 19 + ["movies"] * 12, "text": [text.get(c, c) for c in music + movies]}
    )
    with pytest.warns(DataQualityWarning, match="mis-keyed"):
        rel = ms.reliability(yps, items)
    assert rel.flags.shape[0] == len(yps) and rel.n_skipped == int(yps[music + movies].isna().sum().sum())
    with pytest.warns(DataQualityWarning, match="straight-liners"):
        model = ms.PsychographicModel(n_segments=3, items=music + movies, random_state=0).fit(yps)
    assert 4 <= model.n_factors_ <= 10
    # rock and punk share a taste factor, classical music and opera another
    top = model.loadings_.abs().idxmax(axis=1)
    assert top["Rock"] == top["Punk"] and top["Classical music"] == top["Opera"] != top["Rock"]
    assert len(model.labels_) == len(yps)


# ----------------------------------------------------------------------------- golden questions
def test_golden_questions_reach_the_target_with_few_items(planted, planted_model):
    survey, _, truth = planted
    gq = ms.golden_questions(planted_model, survey, target_accuracy=0.85, random_state=0)
    assert gq.reached and len(gq.items) <= 6
    assert gq.steps["accuracy"].iloc[-1] >= 0.85
    assert gq.steps["accuracy"].is_monotonic_increasing
    # the quiz covers at least two of the three planted scales
    assert len({i.rsplit("_", 1)[0] for i in gq.items}) >= 2
    pred = gq.predict(survey)
    keep = ~planted_model.flagged_
    assert (pred[keep] == planted_model.labels_[keep]).mean() >= 0.85


def test_search_accuracy_equals_scikit_learn_lda_cross_validation(planted, planted_model):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    survey, _, _ = planted
    x = survey[["thrift_1", "adventure_2", "sociability_3"]].astype(float).fillna(3).to_numpy()
    y = planted_model.labels_
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(x, y))
    ours, _ = _lda_cv_accuracy(x, y, folds, np.unique(y))
    theirs = cross_val_score(LinearDiscriminantAnalysis(), x, y, cv=folds).mean()
    assert ours == pytest.approx(theirs, abs=1e-3)


def test_logistic_classifier_also_reaches_the_target(planted, planted_model):
    survey = planted[0].iloc[:300]
    lda = ms.golden_questions(planted_model, survey, target_accuracy=0.7, max_items=2, cv=3, random_state=0)
    gq = ms.golden_questions(
        planted_model, survey, target_accuracy=0.7, classifier="logistic", max_items=2, cv=3, random_state=0
    )
    assert gq.reached
    assert gq.steps["accuracy"].iloc[-1] == pytest.approx(lda.steps["accuracy"].iloc[-1], abs=0.05)


def test_unreached_target_warns_and_keeps_every_step(planted, planted_model):
    survey, _, _ = planted
    with pytest.warns(UserWarning, match="short of the 100% target"):
        gq = ms.golden_questions(planted_model, survey, target_accuracy=1.0, max_items=2, random_state=0)
    assert not gq.reached and len(gq.steps) == 2 and len(gq.items) == 2


def test_quiz_predicts_one_respondent_from_a_mapping(planted, planted_model):
    survey, _, _ = planted
    gq = ms.golden_questions(planted_model, survey, target_accuracy=0.85, random_state=0)
    row = survey.iloc[500]
    one = gq.predict({i: int(row[i]) if pd.notna(row[i]) else None for i in gq.items})
    assert one.shape == (1,)
    assert one[0] == gq.predict(survey.iloc[[500]])[0]
    with pytest.raises(SchemaError, match="outside the declared scale"):
        gq.predict({i: 9 for i in gq.items})


def test_golden_questions_plot_shows_accuracy_per_step(planted, planted_model):
    survey, _, _ = planted
    gq = ms.golden_questions(planted_model, survey, target_accuracy=0.85, random_state=0)
    ax = gq.plot()
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_ydata(), gq.steps["accuracy"])
    assert ax.get_xlabel() == "Number of questions asked"
    assert "Golden questions" in gq._repr_html_()


@pytest.mark.realdata
def test_bfi_golden_questions(bfi, bfi_model):
    gq = ms.golden_questions(bfi_model, bfi, target_accuracy=0.8, random_state=0)
    assert gq.reached and len(gq.items) < 25
    assert gq.n_respondents == len(bfi) - 5


@pytest.mark.realdata
def test_reliability_accepts_the_loader_keys_of_load_big_five(data_file):
    bfi = ms.datasets.load_big_five(data_file("bfi.csv"))
    rel = ms.reliability(bfi, ms.datasets.BIG_FIVE_KEYS, scale_range=(1, 6))
    assert rel.flags.index.name == "customer_id"
    for scale, published in BFI_PUBLISHED_ALPHA.items():
        assert rel.scales.loc[scale, "alpha"] == pytest.approx(published, abs=0.01), scale


# ----------------------------------------------------------------------------- make_customers survey
@pytest.fixture(scope="module")
def demo():
    try:
        make_customers = ms.datasets.make_customers
    except (AttributeError, ImportError):
        pytest.skip("ms.datasets.make_customers is not available yet")
    data = make_customers(n_customers=6000, random_state=0)
    truth = (
        data.truth.customers.set_index("customer_id")
        .loc[data.survey["customer_id"], "psychographic_segment"]
        .to_numpy()
    )
    return data.survey, data.survey_items, truth


def test_demo_survey_scales_are_reliable_and_careless_respondents_flagged(demo):
    survey, items, _ = demo
    rel = ms.reliability(survey, items)
    assert (rel.scales["alpha"] > 0.7).all()
    assert not rel.items["suspect_keying"].any()
    # planted speeders answer in under 80 seconds; everyone else takes minutes
    fast = survey["duration_s"].to_numpy() < 80
    assert fast.sum() > 0 and rel.flags["speeder"].to_numpy()[fast].all()
    straight = rel.flags["straight_liner"].to_numpy()
    answers = survey[items["item"]].astype(float)
    assert straight.sum() > 0 and (answers[straight].nunique(axis=1) == 1).all()


@pytest.fixture(scope="module")
def demo_model(demo):
    survey, items, _ = demo
    with pytest.warns(DataQualityWarning, match="left out of the fit"):
        return ms.PsychographicModel(n_segments=5, items=items, random_state=0).fit(survey)


def test_recovers_planted_psychographic_segments_of_make_customers(demo, demo_model):
    survey, items, truth = demo
    keep = ~demo_model.flagged_
    assert adjusted_rand_score(truth[keep], demo_model.labels_[keep]) >= 0.8
    gq = ms.golden_questions(demo_model, survey, random_state=0)
    assert gq.reached and len(gq.items) <= 10


def test_ms_profile_of_scores_frame_names_each_segments_strongest_factor(demo, demo_model):
    survey, _, _ = demo
    frame = demo_model.scores_frame(survey)
    prof = ms.profile(frame[~frame["flagged"]], segments="segment", columns=demo_model.factor_names_)
    means = demo_model.profile()[demo_model.factor_names_]
    for segment, row in means.iterrows():
        strongest = row.abs().idxmax()
        top = prof.distinctive(segment, 1).iloc[0]
        assert top["column"] == strongest
        assert np.sign(top["effect_size"]) == np.sign(row[strongest])
