"""Tests for microseg.segment._cluster and friends: SegmentModel, choose_k, stability, explain."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

import microseg as ms
from microseg.errors import MicrosegError, NotFittedError, SchemaError
from microseg.segment._choose_k import knee
from microseg.segment import SegmentModel


def make_mixed(n=1200, k=4, *, random_state=0, purity=0.9, separation=5.0):
    """Planted mixed data: numbers in wildly different units, categoricals, a boolean."""
    rng = np.random.default_rng(random_state)
    truth = rng.integers(0, k, size=n)
    means = rng.permutation(np.linspace(-separation, separation, k))
    means2 = rng.permutation(np.linspace(-separation, separation, k))
    levels = np.array(["app", "web", "store", "phone", "mail"])
    fav = rng.permutation(len(levels))[:k]
    pick = np.where(rng.random(n) < purity, fav[truth], rng.integers(0, len(levels), size=n))
    df = pd.DataFrame({
        "age": 40 + 3 * (means[truth] + rng.standard_normal(n)),                # years
        "income": 1e5 * (3 + 0.3 * (means2[truth] + rng.standard_normal(n))),   # currency
        "basket_kg": 1e-3 * (5 + rng.standard_normal(n)),                       # noise, tiny unit
        "channel": pd.Series(levels[pick], dtype="str"),
        "region": pd.Categorical(np.where(rng.random(n) < purity, truth % 3, rng.integers(0, 3, n))
                                 .astype(str)),
        "vip": rng.random(n) < np.where(truth == 0, 0.9, 0.1),
    })
    return df, truth


@pytest.fixture(scope="module")
def planted():
    return make_mixed()


# ---------------------------------------------------------------- SegmentModel
def test_planted_mixed_segments_are_recovered(planted):
    df, truth = planted
    labels = SegmentModel(n_segments=4, random_state=0).fit_predict(df)
    assert adjusted_rand_score(truth, labels) >= 0.9


def test_units_of_numeric_columns_do_not_change_segments(planted):
    df, _ = planted
    a = SegmentModel(n_segments=4, random_state=0).fit(df).labels_
    b = SegmentModel(n_segments=4, random_state=0).fit(df.assign(income=df["income"] * 1e-6)).labels_
    assert adjusted_rand_score(a, b) == 1.0


def test_fit_does_not_modify_the_callers_frame(planted):
    df, _ = planted
    before = df.copy()
    SegmentModel(n_segments=4, random_state=0).fit(df)
    pd.testing.assert_frame_equal(df, before)


def test_same_random_state_gives_same_segments(planted):
    df, _ = planted
    m1 = SegmentModel(n_segments=4, random_state=7).fit(df)
    m2 = SegmentModel(n_segments=4, random_state=7).fit(df)
    np.testing.assert_array_equal(m1.labels_, m2.labels_)
    np.testing.assert_array_equal(m1.cluster_centers_, m2.cluster_centers_)


def test_segments_are_numbered_largest_first(planted):
    df, _ = planted
    m = SegmentModel(n_segments=4, random_state=0).fit(df)
    sizes = np.bincount(m.labels_)
    assert list(sizes) == sorted(sizes, reverse=True)
    np.testing.assert_allclose(m.segment_centers_["size"], sizes)


def test_missing_values_are_kept_without_dropping_rows(planted):
    df, truth = planted
    rng = np.random.default_rng(1)
    holed = df.copy()
    holed["age"] = holed["age"].mask(rng.random(len(df)) < 0.1)
    holed["channel"] = holed["channel"].mask(rng.random(len(df)) < 0.1)
    m = SegmentModel(n_segments=4, random_state=0).fit(holed)
    assert len(m.labels_) == len(df)
    assert m.missing_counts_["age"] == holed["age"].isna().sum() > 0
    assert m.missing_counts_["income"] == 0
    assert "age is missing" in m.feature_names_encoded_
    assert "channel = (missing)" in m.feature_names_encoded_
    assert adjusted_rand_score(truth, m.labels_) >= 0.85


def test_missing_error_option_refuses_missing_values(planted):
    df, _ = planted
    holed = df.assign(age=df["age"].mask(df.index < 3))
    with pytest.raises(SchemaError, match="'age' has 3 missing values"):
        SegmentModel(n_segments=4, missing="error").fit(holed)


def test_unseen_category_encodes_as_all_zeros(planted):
    df, _ = planted
    m = SegmentModel(n_segments=4, random_state=0).fit(df)
    new = df.head(2).assign(channel=["carrier pigeon", "app"])
    Z = m.encode(new)
    block = [i for i, f in enumerate(m.feature_names_encoded_) if f.startswith("channel = ")]
    assert Z[0, block].sum() == 0
    assert Z[1, block].sum() == 1.0
    assert m.predict(new).shape == (2,)


def test_rare_levels_are_pooled_into_other():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=600), "city": [f"c{i % 100}" for i in range(600)]})
    m = SegmentModel(n_segments=2, max_levels=5, random_state=0).fit(df)
    city = [f for f in m.feature_names_encoded_ if f.startswith("city = ")]
    assert len(city) == 6 and city[-1] == "city = (other)"
    # a level seen in fit but not kept goes to "(other)", not to zeros
    Z = m.encode(df.tail(1).assign(city="c99"))
    assert Z[0, m.feature_names_encoded_.index("city = (other)")] == 1.0


def test_sample_weight_moves_centre_to_weighted_mean():
    df = pd.DataFrame({"spend": [10.0, 20.0, 30.0, 40.0], "channel": ["app", "app", "web", "web"]})
    w = np.array([1.0, 1.0, 1.0, 5.0])
    m = SegmentModel(n_segments=1, random_state=0).fit(df, sample_weight=w)
    assert m.segment_centers_.loc[0, "spend"] == pytest.approx((10 + 20 + 30 + 200) / 8)
    assert m.segment_centers_.loc[0, "channel"] == "web"
    assert m.segment_centers_.loc[0, "channel share"] == pytest.approx(6 / 8)
    unweighted = SegmentModel(n_segments=1, random_state=0).fit(df)
    assert unweighted.segment_centers_.loc[0, "spend"] == pytest.approx(25.0)


def test_segment_centers_are_in_original_units(planted):
    df, _ = planted
    m = SegmentModel(n_segments=4, random_state=0).fit(df)
    c = m.segment_centers_
    for s in range(4):
        rows = df[m.labels_ == s]
        assert c.loc[s, "income"] == pytest.approx(rows["income"].mean())
        mode = rows["channel"].value_counts()
        assert c.loc[s, "channel"] == mode.index[0]
        assert c.loc[s, "channel share"] == pytest.approx(mode.iloc[0] / len(rows))
    assert c["share"].sum() == pytest.approx(1.0)


def test_transform_gives_distance_to_each_centre(planted):
    df, _ = planted
    m = SegmentModel(n_segments=4, random_state=0).fit(df)
    D = m.transform(df.head(50))
    Z = m.encode(df.head(50)).astype(float)
    manual = np.sqrt(((Z[:, None, :] - m.cluster_centers_[None, :, :]) ** 2).sum(axis=2))
    np.testing.assert_allclose(D, manual, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(D.argmin(axis=1), m.predict(df.head(50)))
    assert list(m.get_feature_names_out()) == [f"distance_{i}" for i in range(4)]


def test_predict_on_training_rows_matches_labels(planted):
    df, _ = planted
    m = SegmentModel(n_segments=4, random_state=0).fit(df)
    assert (m.predict(df) == m.labels_).mean() > 0.99


def test_columns_are_matched_by_name_at_predict(planted):
    df, _ = planted
    m = SegmentModel(n_segments=4, random_state=0).fit(df)
    np.testing.assert_array_equal(m.predict(df[df.columns[::-1]]), m.predict(df))


def test_large_data_fits_a_sample_then_refines_on_all_rows():
    df, truth = make_mixed(n=4000, random_state=3)
    m = SegmentModel(n_segments=4, fit_sample=400, random_state=0).fit(df)
    assert adjusted_rand_score(truth, m.labels_) >= 0.9
    assert len(m.labels_) == 4000


def test_works_in_a_pipeline_with_numpy_input():
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    rng = np.random.default_rng(0)
    X = np.r_[rng.normal(0, 1, (100, 2)), rng.normal(10, 1, (100, 2))]
    pipe = make_pipeline(FunctionTransformer(), SegmentModel(n_segments=2, random_state=0)).fit(X)
    assert adjusted_rand_score(np.repeat([0, 1], 100), pipe.predict(X)) == 1.0


def test_predict_before_fit_raises(planted):
    with pytest.raises(NotFittedError):
        SegmentModel().predict(planted[0])


def test_fewer_rows_than_segments_is_an_error():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "c": ["x", "y", "x"]})
    with pytest.raises(MicrosegError, match="3 rows .* n_segments=6"):
        SegmentModel(n_segments=6).fit(df)


def test_constant_column_is_an_error_that_names_it(planted):
    df, _ = planted
    with pytest.raises(SchemaError, match="'country' is constant"):
        SegmentModel(n_segments=4).fit(df.assign(country="NL"))
    with pytest.raises(SchemaError, match="'score' is constant"):
        SegmentModel(n_segments=4).fit(df.assign(score=3.0))


def test_all_missing_column_is_an_error_that_names_it(planted):
    df, _ = planted
    with pytest.raises(SchemaError, match="'loyalty' is entirely missing"):
        SegmentModel(n_segments=4).fit(df.assign(loyalty=np.nan))
    with pytest.raises(SchemaError, match="'tier' is entirely missing"):
        SegmentModel(n_segments=4).fit(df.assign(tier=pd.Series([None] * len(df), dtype="str")))


def test_date_column_is_an_error_with_a_fix(planted):
    df, _ = planted
    with pytest.raises(SchemaError, match="holds dates"):
        SegmentModel(n_segments=4).fit(df.assign(signup=pd.Timestamp("2024-01-01")))


def test_predict_without_a_fitted_column_is_an_error(planted):
    df, _ = planted
    m = SegmentModel(n_segments=4, random_state=0).fit(df)
    with pytest.raises(SchemaError, match="lacks column"):
        m.predict(df.drop(columns=["channel"]))


def test_categorical_weight_zero_ignores_categoricals():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": np.r_[rng.normal(0, 1, 200), rng.normal(8, 1, 200)],
                       "c": np.tile(["a", "b"], 200)})
    m = SegmentModel(n_segments=2, categorical_weight=0.0, random_state=0).fit(df)
    assert adjusted_rand_score(np.repeat([0, 1], 200), m.labels_) == 1.0


# -------------------------------------------------------------------- choose_k
def test_knee_of_hand_made_curve():
    assert knee([1, 2, 3, 4, 5, 6], [100, 40, 15, 12, 10, 9]) == 3


def test_choose_k_recovers_planted_number_of_segments(planted):
    df, _ = planted
    res = ms.choose_k(df, k=range(2, 7), n_references=3, random_state=0)
    assert res.recommended == 4
    assert list(res.scores.index) == list(range(2, 7))
    assert {"inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "gap", "gap_se"} <= set(res.scores)
    assert res.scores["inertia"].is_monotonic_decreasing
    assert res.summary().startswith("Recommended: 4 segments")
    assert len(res.agreeing) >= 2
    for crit in res.agreeing:
        assert {"elbow": "elbow", "silhouette": "silhouette", "calinski_harabasz": "Calinski",
                "davies_bouldin": "Davies"}[crit] in res.summary()


def test_choose_k_plot_has_a_panel_per_criterion(planted):
    df, _ = planted
    res = ms.choose_k(df.head(400), k=[2, 3, 4], n_references=2, random_state=0)
    fig = res.plot()
    axes = [a for a in fig.axes if a.get_visible()]
    assert len(axes) == 5
    assert all(a.get_xlabel() == "number of segments (k)" for a in axes)
    assert list(axes[0].lines[0].get_xdata()) == [2, 3, 4]


def test_choose_k_rejects_bad_k(planted):
    with pytest.raises(MicrosegError, match="k must be"):
        ms.choose_k(planted[0], k=[0, 2])


# ------------------------------------------------------------------- stability
@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [12, 0], [0, 12]])
    truth = np.repeat([0, 1, 2], 200)
    X = pd.DataFrame(centres[truth] + rng.standard_normal((600, 2)), columns=["a", "b"])
    return X, truth


def test_stability_finds_true_segments_stable_and_extra_split_unstable(blobs):
    X, _ = blobs
    res = ms.stability(X, k=[3, 5], n_resamples=8, random_state=0)
    assert res.by_k.loc[3, "mean_ari"] > 0.95
    seg3 = res.segments[res.segments["k"] == 3]
    assert (seg3["status"] == "stable").all()
    seg5 = res.segments[res.segments["k"] == 5]
    assert (seg5["status"] != "stable").any()
    assert res.by_k.loc[5, "mean_ari"] < res.by_k.loc[3, "mean_ari"]
    assert res.by_k.loc[5, "n_unstable"] == len(res.unstable())


def test_stability_jaccard_is_one_for_perfectly_separated_segments(blobs):
    X, _ = blobs
    res = ms.stability(X, k=3, n_resamples=4, random_state=0)
    np.testing.assert_allclose(res.segments["jaccard"], 1.0)
    assert len(res.resamples) == 4
    assert "every segment stable" in res.summary()


def test_stability_plot_draws_a_bar_per_segment(blobs):
    X, _ = blobs
    res = ms.stability(X, k=[2, 3], n_resamples=3, random_state=0)
    fig = res.plot()
    bars = fig.axes[1].patches
    assert len(bars) == 5
    np.testing.assert_allclose([b.get_height() for b in bars], res.segments["jaccard"])


# --------------------------------------------------------------------- explain
def test_explain_recovers_a_planted_rule():
    rng = np.random.default_rng(0)
    n = 2000
    df = pd.DataFrame({"age": rng.integers(18, 80, n),
                       "preferred_channel": rng.choice(["app", "web", "store"], n),
                       "spend": rng.gamma(2, 50, n)})
    seg = np.where((df["age"] < 31) & (df["preferred_channel"] == "app"), "young app", "others")
    ex = ms.explain(df, seg, random_state=0)
    row = ex.segments.loc["young app"]
    assert row["definition"] == "age < 31 and preferred_channel = app"
    assert row["coverage"] == 1.0 and row["precision"] == 1.0
    assert "young app" in ex.describe() and "age < 31" in ex.describe()


def test_explain_coverage_and_precision_match_a_hand_count(planted):
    df, truth = planted
    ex = ms.explain(df, truth, max_depth=2, max_rules=1, random_state=0)
    assert len(ex.rules) == 4
    for r in ex.rules.itertuples():
        assert 0 < r.coverage <= 1 and 0 < r.precision <= 1
        # rule n and precision imply the count of segment members matched
        members = round(r.precision * r.n)
        assert members / (truth == r.segment).sum() == pytest.approx(r.coverage)
    assert ex.segments["coverage"].min() > 0.5


def test_explain_excludes_the_label_column_from_the_rules(planted):
    df, truth = planted
    ex = ms.explain(df.assign(seg=truth), "seg", random_state=0)
    assert not ex.rules["rule"].str.contains("seg").any()
    assert set(ex.segments.index) == {0, 1, 2, 3}


def test_explain_plot_draws_coverage_and_precision(planted):
    df, truth = planted
    ex = ms.explain(df, truth, random_state=0)
    ax = ex.plot()
    assert len(ax.patches) == 8
    assert ax.get_xlabel() == "segment"


def test_explain_match_gives_each_rules_rows_on_the_data_explained_and_new_rows():
    rng = np.random.default_rng(3)
    n = 3000
    df = pd.DataFrame({"age": rng.integers(18, 80, n).astype(float), "channel": rng.choice(["app", "web", "store"], n),
                       "spend": rng.gamma(2, 50, n)})  # fmt: skip
    df.loc[rng.random(n) < 0.1, "age"] = np.nan  # missing ages go where the tree sends the median
    df.loc[rng.random(n) < 0.05, "channel"] = None
    seg = np.where((df["age"].fillna(df["age"].median()) >= 50) & (df["spend"] > 80), "old spenders", "others")
    ex = ms.explain(df, seg, random_state=0)
    hits = ex.match(df)
    assert list(hits.columns) == list(ex.rules.index) and hits.index.equals(df.index)
    np.testing.assert_array_equal(hits.sum().to_numpy(), ex.rules["n"].to_numpy())  # the rows each rule counted
    old = ex.rules.index[ex.rules["segment"] == "old spenders"][0]
    new = pd.DataFrame({"age": [60.0, 20.0, np.nan], "channel": ["web", "app", None], "spend": [200.0, 200.0, 10.0]})
    assert ex.match(new)[old].tolist() == [True, False, False]
    with pytest.raises(MicrosegError, match="spend"):
        ex.match(new.drop(columns="spend"))


def test_explain_rejects_labels_of_the_wrong_length(planted):
    with pytest.raises(MicrosegError, match="labels"):
        ms.explain(planted[0], [0, 1])


# ------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_bank_marketing_customers_end_to_end(data_file):
    bank = pd.read_csv(data_file("bank-full.csv.gz"), sep=";").drop(columns=["duration"])
    customers = bank.sample(3000, random_state=0).drop(columns=["y"])
    choice = ms.choose_k(customers, k=range(2, 6), n_references=2, gap_sample=1500, random_state=0)
    assert choice.recommended in range(2, 6)
    assert choice.summary().startswith(f"Recommended: {choice.recommended} segments")
    k = choice.recommended
    model = ms.SegmentModel(n_segments=k, random_state=0).fit(customers)
    assert len(model.labels_) == len(customers)
    assert set(model.segment_centers_.columns) >= {"age", "balance", "job", "job share"}
    stab = ms.stability(customers, k, n_resamples=3, model=model)
    assert stab.by_k.loc[k, "mean_ari"] > 0.5
    # the same settings and seed: the stability check's reference segments are the model's
    assert len(stab.segments) == k
    ex = ms.explain(customers, model.labels_, random_state=0)
    assert len(ex.segments) == k
    assert ex.segments["precision"].mean() > 0.6
    assert ex.describe().count("Segment ") == k
    # the profile of each segment: the planted outcome `y` was left out of the clustering
    prof = ms.profile(customers.assign(y=bank.loc[customers.index, "y"]), segments=model.labels_)
    named = prof.describe_segments()
    assert list(named["segment"]) == list(range(k))
    assert named["n"].sum() == len(customers)
    # the profile agrees with the model: the segment with the highest mean balance has
    # "balance higher than the rest" among its distinctive traits
    rich = int(model.segment_centers_["balance"].idxmax())
    traits = prof.distinctive(rich)
    assert (traits.loc[traits["column"] == "balance", "effect_size"] > 0).any()

def test_categorical_column_given_as_numbers_at_predict_is_still_categorical(planted):
    df, _ = planted
    train = df[["age", "region"]].assign(region=df["region"].astype(int))
    m = SegmentModel(n_segments=3, categorical=["region"], random_state=0).fit(train)
    assert "region = 0" in m.feature_names_encoded_
    np.testing.assert_array_equal(m.predict(train), m.labels_)


def test_demo_customers_segments_follow_the_planted_personas():
    data = ms.datasets.make_customers(n_customers=2000, random_state=0)
    c = data.customers
    X = c.drop(columns=["customer_id", "postcode_prefix", "signup_date", "last_updated", "email", "phone"])
    model = SegmentModel(n_segments=7, random_state=0).fit(X)
    persona = data.truth.customers.set_index("customer_id").loc[c["customer_id"], "persona"].to_numpy()
    # personas overlap by design; chance level is ARI 0, and shuffled personas stay there
    assert adjusted_rand_score(persona, model.labels_) > 0.2
    shuffled = np.random.default_rng(0).permutation(persona)
    assert abs(adjusted_rand_score(shuffled, model.labels_)) < 0.02
