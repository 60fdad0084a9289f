"""Privacy functions on real public data (skipped when ../shared/data is absent)."""

import warnings

import pytest

from microseg.errors import DataQualityWarning, SensitiveInferenceWarning
from microseg.privacy import audit_inference, generalise_to_k, k_anonymity

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def adult(shared_data):
    from microseg.datasets import load_adult

    path = shared_data / "adult.csv.gz"
    if not path.exists():
        pytest.skip("adult.csv.gz not found")
    return load_adult(path)


def test_census_quasi_identifiers_single_people_out(adult):
    res = k_anonymity(adult, ["age", "sex", "race", "native_country"], k=5)
    assert res.k == 1 and res.n_at_risk > 1000  # rare age x country combinations are unique
    assert res.groups["size"].sum() == len(adult)


def test_census_generalised_to_k5(adult):
    qi = ["age", "sex", "race", "native_country"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        res = generalise_to_k(adult, qi, k=5)
    assert res.k >= 5 and res.anonymity.n_at_risk == 0
    assert res.rows_suppressed <= 0.01 * len(adult)


def test_relationship_is_a_proxy_for_sex_but_workclass_is_not(adult):
    # "Husband" and "Wife" in relationship give sex away: a known, real proxy.
    with pytest.warns(SensitiveInferenceWarning, match="'sex'"):
        out = audit_inference(adult["relationship"], adult[["sex"]])
    assert out.loc[0, "value"] > 0.5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clean = audit_inference(adult["workclass"], adult[["sex", "race"]])
    assert not clean["flagged"].any()
