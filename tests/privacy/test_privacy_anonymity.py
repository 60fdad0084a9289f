import numpy as np
import pandas as pd
import pytest

from microseg.errors import DataQualityWarning, MicrosegError
from microseg.privacy import age_bands, generalise_to_k, k_anonymity, postcode_prefix


@pytest.fixture
def people():
    rng = np.random.default_rng(3)
    n = 600
    return pd.DataFrame(
        {
            "age": rng.integers(18, 90, n),
            "gender": rng.choice(["f", "m"], n),
            "postcode": [f"{a}{b:02d} {c}" for a, b, c in zip(rng.choice(["AB", "CD"], n), rng.integers(0, 40, n), rng.integers(1, 9, n))],
        },
        index=pd.RangeIndex(1000, 1000 + n),
    )


def test_k_is_smallest_group_and_at_risk_rows_are_listed():
    df = pd.DataFrame({"a": ["x", "x", "x", "y", "y", "z"], "b": [1, 1, 1, 2, 2, 3]}, index=list("pqrstu"))
    res = k_anonymity(df, ["a", "b"], k=3)
    assert res.k == 1
    assert res.at_risk.tolist() == ["s", "t", "u"]
    assert res.groups["size"].tolist() == [1, 2, 3]
    assert res.smallest(1).iloc[0].to_dict() == {"a": "z", "b": 3, "size": 1}
    assert res.n_at_risk == 3 and res.share_at_risk == 0.5


def test_missing_values_form_their_own_group():
    df = pd.DataFrame({"a": ["x", None, None, "x"]})
    assert k_anonymity(df, ["a"], k=2).k == 2


def test_age_bands_hand_checked():
    assert age_bands(pd.Series([0, 9, 10, 47, None]), width=10).tolist()[:4] == ["0–9", "0–9", "10–19", "40–49"]
    assert age_bands(pd.Series([17, 18, 64, 65]), width=5, top=65).tolist() == ["15–19", "15–19", "60–64", "65+"]
    assert age_bands(pd.Series([12.5, 30000.0]), width=10000).tolist() == ["0–<10000", "30000–<40000"]
    assert age_bands(pd.Series([3, 4]), width=1).tolist() == ["3", "4"]


def test_age_band_labels_match_ms_bands():
    import microseg as ms

    ages = pd.Series([18, 24, 25, 34, 70])
    mine = age_bands(ages, width=10, top=65)
    theirs = ms.bands(ages, [10, 20, 30, 40, 50, 60, 65, np.inf]).astype("str")
    assert mine.tolist()[:4] == theirs.tolist()[:4] and mine.iloc[4] == theirs.iloc[4] == "65+"


def test_ms_bands_can_be_a_ladder_step(people):
    import microseg as ms

    res = generalise_to_k(people, ["age"], k=5, ladders={"age": [lambda s: ms.bands(s, "age").astype("str"), "*"]})
    assert set(res.data["age"]) <= {"0–17", "18–24", "25–34", "35–44", "45–54", "55–64", "65+", "*"}


def test_postcode_prefix_truncates_after_normalising():
    assert postcode_prefix(pd.Series(["ab12 3cd", "AB1 2CD"]), 3).tolist() == ["AB1", "AB1"]
    assert postcode_prefix(pd.Series(["ab12"]), 0).tolist() == ["*"]


def test_generalise_reaches_target_k_and_reports_steps(people):
    before = k_anonymity(people, ["age", "gender", "postcode"], k=5)
    assert before.k < 5
    res = generalise_to_k(people, ["age", "gender", "postcode"], k=5, max_suppressed=0)
    assert res.k >= 5
    assert k_anonymity(res.data, ["age", "gender", "postcode"]).k == res.k
    assert res.steps["rows_at_risk"].iloc[-1] == 0
    assert res.steps["rows_at_risk"].iloc[0] == before.n_at_risk
    assert res.steps["rows_at_risk"].is_monotonic_decreasing
    assert res.data.index.equals(people.index)
    # every generalised postcode is a prefix of the original
    gp = res.data["postcode"]
    orig = people["postcode"].str.replace(" ", "").str.upper()
    assert all(o.startswith(g) or g == "*" for o, g in zip(orig, gp))


def test_generalise_does_not_touch_the_caller_frame(people):
    before = people.copy()
    generalise_to_k(people, ["age", "postcode"], k=5, max_suppressed=0)
    pd.testing.assert_frame_equal(people, before)


def test_few_outliers_are_suppressed_rather_than_coarsening_everyone():
    df = pd.DataFrame({"age": [30] * 50 + [31] * 50 + [99], "city": ["a"] * 101})
    with pytest.warns(DataQualityWarning, match="suppressed"):
        res = generalise_to_k(df, ["age", "city"], k=5, max_suppressed=0.02)
    assert res.rows_suppressed == 1
    assert res.data["age"].tolist()[:100] == ["30"] * 50 + ["31"] * 50
    assert res.data.loc[100, "age"] == "*"


def test_custom_ladder_is_used(people):
    res = generalise_to_k(people, ["age"], k=30, ladders={"age": [25, "*"]}, max_suppressed=0)
    assert res.steps["action"].tolist()[1] == "bands of 25"


def test_bad_k_raises(people):
    with pytest.raises(MicrosegError, match="positive integer"):
        k_anonymity(people, ["age"], k=0)


def test_small_cells_are_blanked_and_reported():
    from microseg.privacy import suppress_small_cells

    t = pd.DataFrame({"segment": ["a", "b", "c"], "n": [50, 3, 10], "share": [0.1, 0.9, 0.2]})
    with pytest.warns(DataQualityWarning, match="counts of 1 to 9 people.*: 1; complementary.*: 1"):
        out = suppress_small_cells(t, min_cell=10)
    # 3 is hidden, and so is 10 (the smallest other count): the total 63 no longer gives 3 away
    assert out["share"].isna().tolist() == [False, True, True]
    assert out["n"].isna().tolist() == [False, True, True]
    assert out["segment"].tolist() == ["a", "b", "c"]
    assert t["n"].tolist() == [50, 3, 10]


def test_min_count_is_a_deprecated_alias_of_min_cell():
    from microseg.privacy import suppress_small_cells

    t = pd.DataFrame({"n": [50, 3, 10]})
    with pytest.warns(FutureWarning, match="min_count is deprecated; use min_cell"), pytest.warns(DataQualityWarning):
        old = suppress_small_cells(t, min_count=10)
    with pytest.warns(DataQualityWarning):
        pd.testing.assert_frame_equal(old, suppress_small_cells(t, min_cell=10))
