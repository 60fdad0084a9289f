import warnings

import numpy as np
import pandas as pd
import pytest

from microseg.errors import MicrosegError, SensitiveInferenceWarning
from microseg.privacy import THRESHOLDS, audit_inference


@pytest.fixture
def people():
    rng = np.random.default_rng(0)
    n = 2000
    pregnant = rng.random(n) < 0.1
    # planted proxy: baby-product buyers are mostly the pregnant customers
    baby_buyer = np.where(pregnant, rng.random(n) < 0.85, rng.random(n) < 0.05)
    seg = np.where(baby_buyer, "new parents", rng.choice(["bargain", "premium", "casual"], n))
    score = pregnant * 1.5 + rng.normal(size=n)
    return pd.DataFrame(
        {
            "segment": seg,
            "score": score,
            "pregnant": pregnant,
            "religion": rng.choice(["a", "b", "c"], n),
            "health_score": rng.normal(50, 10, n),
            "lat": rng.uniform(40, 41, n),
        }
    )


def test_planted_proxy_in_segments_is_flagged(people):
    with pytest.warns(SensitiveInferenceWarning, match="'pregnant'"):
        out = audit_inference(people["segment"], people[["pregnant", "religion"]])
    row = out.set_index("sensitive")
    assert row.loc["pregnant", "measure"] == "cramers_v" and row.loc["pregnant", "flagged"]
    assert row.loc["pregnant", "value"] > 0.5
    assert not row.loc["religion", "flagged"] and row.loc["religion", "value"] < 0.1


def test_unrelated_segments_are_not_flagged(people):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = audit_inference(people["segment"], people[["religion", "health_score", "lat"]])
    assert not out["flagged"].any()
    assert out.set_index("sensitive").loc["health_score", "measure"] == "eta"


def test_scores_use_auc_for_categorical_and_spearman_for_numeric(people):
    with pytest.warns(SensitiveInferenceWarning):
        out = audit_inference(people["score"], people[["pregnant", "health_score"]]).set_index("sensitive")
    assert out.loc["pregnant", "measure"] == "auc"
    # hand check: AUC of score for pregnant vs not
    s, p = people["score"], people["pregnant"]
    auc = (s[p].to_numpy()[:, None] > s[~p].to_numpy()[None, :]).mean()
    assert out.loc["pregnant", "value"] == pytest.approx(auc, abs=1e-9)
    assert out.loc["pregnant", "value"] >= THRESHOLDS["auc"]
    assert out.loc["health_score", "measure"] == "spearman" and not out.loc["health_score", "flagged"]


def test_numeric_proxy_score_is_flagged(people):
    score = people["health_score"] * 0.1 + np.random.default_rng(1).normal(size=len(people))
    with pytest.warns(SensitiveInferenceWarning, match="health_score"):
        out = audit_inference(score, people["health_score"])
    assert out.loc[0, "value"] > 0.5


def test_auc_is_direction_free(people):
    with pytest.warns(SensitiveInferenceWarning):
        up = audit_inference(people["score"], people["pregnant"])
    with pytest.warns(SensitiveInferenceWarning):
        down = audit_inference(-people["score"], people["pregnant"])
    assert up.loc[0, "value"] == pytest.approx(down.loc[0, "value"])


def test_thresholds_can_be_overridden(people):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = audit_inference(people["segment"], people["pregnant"], thresholds={"cramers_v": 0.95})
    assert not out["flagged"].any()
    with pytest.raises(MicrosegError, match="unknown"):
        audit_inference(people["segment"], people["pregnant"], thresholds={"r2": 0.1})


def test_series_are_aligned_by_index(people):
    seg = people["segment"].iloc[::-1]
    with pytest.warns(SensitiveInferenceWarning):
        a = audit_inference(seg, people[["pregnant"]])
    with pytest.warns(SensitiveInferenceWarning):
        b = audit_inference(people["segment"], people[["pregnant"]])
    assert a.loc[0, "value"] == pytest.approx(b.loc[0, "value"])


def test_length_mismatch_raises(people):
    with pytest.raises(MicrosegError, match="one per person"):
        audit_inference(people["segment"].to_numpy()[:10], people[["pregnant"]])
