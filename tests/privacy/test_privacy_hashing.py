import hashlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microseg.errors import DataQualityWarning, IdentifierTypeError, MicrosegError
from microseg.privacy import PHONE_REGIONS, hash_identifiers, normalise_identifiers
from microseg.privacy.hashing import EMPTY_SHA256, _hash


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def test_meta_email_reference_hash():
    h = hash_identifiers(pd.Series(["John_Smith@gmail.com"]), kind="email", platform="meta")
    assert h.iloc[0] == "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f"


def test_meta_phone_reference_hash():
    s = pd.Series(["(650)555-1212"])
    assert normalise_identifiers(s, kind="phone", platform="meta", default_region="US").iloc[0] == "16505551212"
    h = hash_identifiers(s, kind="phone", platform="meta", default_region="US")
    assert h.iloc[0] == "e323ec626319ca94ee8bff2e4c87cf613be6ea19919ed1364124e16807ab3176"


def test_google_email_reference_hash():
    s = pd.Series(["cloudy.sanfrancisco+shopping@gmail.com"])
    assert normalise_identifiers(s, kind="email", platform="google").iloc[0] == "cloudysanfrancisco@gmail.com"
    h = hash_identifiers(s, kind="email", platform="google")
    assert h.iloc[0] == "223ebda6f6889b1494551ba902d9d381daf2f642bae055888e96343d53e9f9c4"


def test_google_phone_reference_hash():
    s = pd.Series(["(800)555-0100"])
    assert normalise_identifiers(s, kind="phone", platform="google", default_region="US").iloc[0] == "+18005550100"
    h = hash_identifiers(s, kind="phone", platform="google", default_region="US")
    assert h.iloc[0] == "fb4f73a6ec5fdb7077d564cdd22c3554b43ce49168550c3b12c547b78c517b30"


def test_meta_email_is_trimmed_and_lowercased_but_keeps_gmail_dots():
    out = normalise_identifiers(pd.Series(["  Jo.Hn+x@GMAIL.com\t"]), kind="email", platform="meta")
    assert out.iloc[0] == "jo.hn+x@gmail.com"


def test_google_removes_dots_and_tags_only_for_gmail_domains():
    s = pd.Series(["A.B+c@googlemail.com", "a.b+c@example.com", " x y@Example.com "])
    out = normalise_identifiers(s, kind="email", platform="google")
    assert out.tolist() == ["ab@googlemail.com", "a.b+c@example.com", "xy@example.com"]


def test_result_keeps_caller_index_and_name():
    s = pd.Series(["a@b.com", "c@d.com"], index=[10, 7], name="mail")
    h = hash_identifiers(s)
    assert h.index.tolist() == [10, 7] and h.name == "mail"
    assert h.tolist() == [sha("a@b.com"), sha("c@d.com")]


def test_missing_blank_invalid_become_na_with_counts_per_reason():
    s = pd.Series(["a@b.com", None, "   ", "not-an-email", "x@y"])
    with pytest.warns(DataQualityWarning, match="missing: 1; blank: 1; not a valid email: 2"):
        h = hash_identifiers(s)
    assert h.isna().tolist() == [False, True, True, True, True]
    assert h.attrs["microseg_rows"] == {"missing": 1, "blank": 1, "not a valid email": 2}


def test_existing_hash_passes_through_lowercased():
    upper = sha("a@b.com").upper()
    assert hash_identifiers(pd.Series([upper]), kind="email").iloc[0] == sha("a@b.com")
    assert hash_identifiers(pd.Series([" " + upper]), kind="phone", platform="google").iloc[0] == sha("a@b.com")


def test_hash_of_empty_string_never_appears():
    s = pd.Series([EMPTY_SHA256, "", "a@b.com"])
    with pytest.warns(DataQualityWarning, match="blank: 2"):
        h = hash_identifiers(s)
    assert EMPTY_SHA256 not in h.dropna().tolist()


@pytest.mark.parametrize("values", [pd.Series([6505551212, 4155550100], name="phone"),
                                    pd.Series([6.5e9, np.nan], name="phone"),
                                    pd.Series(["+16505551212", 6505551212.0], name="phone", dtype=object)])
def test_numeric_phone_column_raises_naming_it(values):
    with pytest.raises(IdentifierTypeError, match="column 'phone'"):
        hash_identifiers(values, kind="phone", default_region="US")


def test_phone_without_country_code_and_no_region_raises():
    with pytest.raises(MicrosegError, match="default_region"):
        hash_identifiers(pd.Series(["(650) 555-1212"], name="phone"), kind="phone")


def test_unknown_region_raises():
    with pytest.raises(MicrosegError, match="not supported"):
        hash_identifiers(pd.Series(["0612345678"]), kind="phone", default_region="XX")


@pytest.mark.parametrize(
    ("raw", "region", "e164"),
    [
        ("(650) 555-1212", "US", "16505551212"),
        ("1-650-555-1212", "US", "16505551212"),
        ("+1 650.555.1212 ext. 33", None, "16505551212"),
        ("011 44 20 7946 0958", "US", "442079460958"),
        ("020 7946 0958", "GB", "442079460958"),
        ("+44 (0)20 7946 0958", None, "442079460958"),
        ("0044 20 7946 0958", None, "442079460958"),
        ("+44 020 7946 0958", None, "442079460958"),
        ("030 1234567", "DE", "49301234567"),
        ("01 23 45 67 89", "FR", "33123456789"),
        ("06-12345678", "NL", "31612345678"),
        ("912 345 678", "ES", "34912345678"),
        ("06 1234 5678", "IT", "390612345678"),
        ("+39 06 1234 5678", None, "390612345678"),
    ],
)
def test_phone_normalisation_per_region(raw, region, e164):
    out = normalise_identifiers(pd.Series([raw]), kind="phone", platform="meta", default_region=region)
    assert out.iloc[0] == e164
    g = normalise_identifiers(pd.Series([raw]), kind="phone", platform="google", default_region=region)
    assert g.iloc[0] == "+" + e164


def test_phones_with_letters_or_wrong_length_are_invalid():
    s = pd.Series(["1-800-FLOWERS", "555-1212", "+1 650 555 1212"])
    with pytest.warns(DataQualityWarning, match="phone with letters or symbols: 1; phone with a wrong number of digits: 1"):
        h = hash_identifiers(s, kind="phone", default_region="US")
    assert h.isna().tolist() == [True, True, False]


def test_meta_names_lowercase_nfc_letters_only():
    decomposed = "Jose\u0301"  # e + combining acute accent
    out = normalise_identifiers(pd.Series([decomposed, " O'Brien ", "Mary Ann"]), kind="first_name", platform="meta")
    assert out.tolist() == ["jos\u00e9", "obrien", "maryann"]


def test_google_names_trimmed_and_lowercased():
    out = normalise_identifiers(pd.Series(["  Mary  Ann "]), kind="last_name", platform="google")
    assert out.tolist() == ["mary ann"]


def test_linkedin_refuses_phone():
    with pytest.raises(MicrosegError, match="linkedin"):
        hash_identifiers(pd.Series(["+16505551212"]), kind="phone", platform="linkedin")


def test_supported_regions_are_documented():
    assert {"US", "GB", "DE", "FR", "NL", "ES", "IT"} <= set(PHONE_REGIONS)
    assert PHONE_REGIONS["IT"].trunk_prefix == ""


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=30), st.emails()), max_size=30),
       st.sampled_from(["meta", "google"]), st.sampled_from(["email", "first_name"]))
def test_output_is_always_na_or_lowercase_hex_never_empty_hash(values, platform, kind):
    h, _ = _hash(pd.Series(values, dtype=object), kind, platform)
    valid = h.dropna()
    assert valid.str.fullmatch(r"[0-9a-f]{64}").all()
    assert EMPTY_SHA256 not in set(valid)
    assert len(h) == len(values)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.text(alphabet="+0123456789 ()-.x", max_size=20), max_size=20), st.sampled_from(sorted(PHONE_REGIONS)))
def test_phone_output_is_e164_shaped(values, region):
    from microseg.privacy.hashing import _normalise

    norm, _, _ = _normalise(pd.Series(values, dtype=object), "phone", "google", region)
    assert norm.dropna().str.fullmatch(r"\+[1-9]\d{7,14}").all()


def test_one_region_per_number_for_mixed_lists():
    s = pd.Series(["07700 900123", "(404) 555-0116", "+33 1 23 45 67 89"], index=[5, 6, 7])
    regions = pd.Series({7: None, 5: "GB", 6: "us"})  # aligned by index, not position
    out = normalise_identifiers(s, kind="phone", default_region=regions)
    assert out.tolist() == ["447700900123", "14045550116", "33123456789"]


def test_national_number_with_missing_region_raises():
    s = pd.Series(["07700 900123", "(404) 555-0116"], name="phone")
    with pytest.raises(MicrosegError, match="1 phone numbers without a country code"):
        hash_identifiers(s, kind="phone", default_region=["GB", None])


def test_unsupported_region_in_a_list_raises():
    with pytest.raises(MicrosegError, match="'ZZ'"):
        hash_identifiers(pd.Series(["0612345678"]), kind="phone", default_region=["zz"])
