"""Privacy functions on the demo data from ``make_customers`` (fake, messy emails and phones)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from microseg.errors import DataQualityWarning
from microseg.privacy import (
    export_audience,
    freshness,
    generalise_to_k,
    hash_identifiers,
    is_suppressed,
    k_anonymity,
    normalise_identifiers,
    suppression_list,
)

REGION = {"United States": "US", "United Kingdom": "GB"}


@pytest.fixture(scope="module")
def customers():
    import microseg as ms

    return ms.datasets.make_customers(n_customers=3000, random_state=0).customers


@pytest.fixture(scope="module")
def region(customers):
    assert set(customers["country"].dropna().unique()) <= set(REGION)
    return customers["country"].astype("object").map(REGION)


def test_demo_emails_hash_with_only_missing_values_lost(customers):
    n_missing = int(customers["email"].isna().sum())
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        h = hash_identifiers(customers["email"], kind="email", platform="meta")
    assert h.attrs["microseg_rows"] == {"missing": n_missing, "blank": 0}
    assert (len(rec) == 1) == (n_missing > 0)
    assert h.dropna().str.fullmatch(r"[0-9a-f]{64}").all()
    # messy case and stray spaces normalise to one spelling
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        norm = normalise_identifiers(customers["email"], kind="email", platform="meta").dropna()
    assert (norm == norm.str.strip().str.lower()).all()


def test_demo_phones_normalise_with_one_region_per_customer(customers, region):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        g = normalise_identifiers(customers["phone"], kind="phone", platform="google", default_region=region)
    has_phone = customers["phone"].notna()
    assert g.notna().equals(has_phone)  # every well-formed fake number is accepted
    uk = has_phone & region.eq("GB")
    us = has_phone & region.eq("US")
    assert g[uk].str.fullmatch(r"\+447700900\d{3}").all()
    assert g[us].str.fullmatch(r"\+1[2-9]\d{2}55501\d{2}").all()


def test_demo_phone_column_without_region_is_refused(customers):
    from microseg.errors import MicrosegError

    with pytest.raises(MicrosegError, match="column 'phone'"):
        hash_identifiers(customers["phone"], kind="phone", platform="meta")


def test_demo_audience_export_respects_opt_outs_consent_and_suppression(customers, region, tmp_path):
    objecting = customers["opted_out"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        sl = suppression_list(customers[objecting], default_region=region[objecting], customer="customer_id")
        rep = export_audience(customers, platform="google", default_region=region, suppression=sl,
                              customer="customer_id", path=tmp_path / "google.csv")
    assert rep.counts["rows"].sum() == len(customers)
    by = rep.counts.set_index("step")["rows"]
    # per person: records sharing a phone or e-mail with an objecting record are opted out too
    linked = rep.linked["opted out (another record of the person)"]
    assert linked > 0 and by["opted out"] == int(objecting.sum()) + linked
    exported = customers.loc[rep.data.index]
    assert not exported["opted_out"].any() and exported["ads_opt_in"].all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        objecting_phones = set(normalise_identifiers(customers.loc[objecting, "phone"], kind="phone",
                                                     default_region=region[objecting]).dropna())  # fmt: skip
        exported_phones = normalise_identifiers(exported["phone"], kind="phone", default_region=region[exported.index])
    assert not exported_phones.isin(objecting_phones).any()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        assert not is_suppressed(exported, sl, default_region=region[exported.index]).any()
    age = (rep.as_of - exported["last_updated"]).dt.days
    assert (age <= 540).all()
    written = pd.read_csv(tmp_path / "google.csv", dtype=str)
    assert written.columns.tolist() == ["Email", "Phone"]
    assert written.stack().dropna().str.fullmatch(r"[0-9a-f]{64}").all()


def test_demo_freshness_matches_the_decay_formula(customers):
    res = freshness(customers, cost_per_record=10)
    months = (customers["last_updated"].max() - customers["last_updated"]).dt.total_seconds() / 86400 / (365.25 / 12)
    assert res.expected_valid_share == pytest.approx(float(np.mean(0.979**months)))
    assert res.estimated_cost == pytest.approx(10 * res.expected_stale)
    assert len(res.stale) == int((months * 365.25 / 12 > 180).sum())


def test_demo_quasi_identifiers_generalised_to_k5(customers):
    qi = ["age", "gender", "postcode_prefix"]
    assert k_anonymity(customers, qi, k=5).n_at_risk > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        res = generalise_to_k(customers, qi, k=5)
    assert res.k >= 5 and res.rows_suppressed <= 0.01 * len(customers)
