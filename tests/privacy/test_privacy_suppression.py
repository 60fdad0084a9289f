import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microseg.errors import DataQualityWarning, MicrosegError, SchemaError
from microseg.privacy import (
    CONSENT_COLUMNS,
    SuppressionList,
    contact_status,
    has_consent,
    is_suppressed,
    suppression_list,
)


def test_matching_happens_after_normalisation():
    sl = suppression_list(pd.DataFrame({"email": [" A@B.com "]}))
    df = pd.DataFrame({"email": ["a@b.com", "A@B.COM", "a@c.com"]})
    assert is_suppressed(df, sl).tolist() == [True, True, False]


def test_gmail_variants_of_a_listed_address_are_suppressed():
    sl = suppression_list(pd.DataFrame({"email": ["john.smith+news@gmail.com"]}))
    df = pd.DataFrame({"email": ["JohnSmith@googlemail.com", "john.smith@gmail.com", "john.smith@example.com"]})
    assert is_suppressed(df, sl).tolist() == [True, True, False]


def test_phone_formats_match_across_national_and_international():
    sl = suppression_list(pd.DataFrame({"phone": ["+1 (650) 555-1212"]}))
    df = pd.DataFrame({"phone": ["650.555.1212", "001 650 555 1212", "650 555 1213"]})
    assert is_suppressed(df, sl, default_region="US").tolist() == [True, True, False]


def test_list_keeps_hashes_not_raw_identifiers(tmp_path):
    sl = suppression_list(pd.DataFrame({"email": ["secret@x.com"], "phone": ["+16505551212"]}))
    text = sl.to_frame().to_csv()
    assert "secret" not in text and "6505551212" not in text
    assert sl.n_people == 1
    sl.to_csv(tmp_path / "s.csv")
    back = SuppressionList.read_csv(tmp_path / "s.csv")
    assert is_suppressed(pd.DataFrame({"email": ["SECRET@x.com"]}), back).tolist() == [True]


def test_add_grows_the_list_and_keeps_earlier_entries():
    sl = suppression_list(pd.DataFrame({"email": ["a@x.com"]}), reason="objected by email")
    sl2 = sl.add(pd.DataFrame({"email": ["b@x.com", "a@x.com"]}), reason="complaint")
    assert sl2.n_people == 2 and sl.n_people == 1
    assert set(sl2.entries["reason"]) == {"objected by email", "complaint"}
    assert not hasattr(sl2, "remove")
    assert is_suppressed(pd.DataFrame({"email": ["a@x.com", "b@x.com"]}), sl2).all()


def test_customer_id_matching_is_opt_in():
    sl = suppression_list(pd.DataFrame({"email": [None], "customer_id": ["C1"]}), customer="customer_id")
    df = pd.DataFrame({"email": ["z@x.com"], "customer_id": ["C1"]})
    assert is_suppressed(df, sl, customer="customer_id").tolist() == [True]
    assert is_suppressed(df, sl).tolist() == [False]


def test_unusable_list_entries_are_reported():
    with pytest.warns(DataQualityWarning, match="email: not a valid email: 1"):
        suppression_list(pd.DataFrame({"email": ["nope", "a@b.com"]}))


def test_names_are_not_used_for_suppression():
    with pytest.raises(MicrosegError, match="names alone"):
        suppression_list(pd.DataFrame({"fn": ["Ann"]}), identifiers={"first_name": "fn"})


def test_consent_is_per_channel_and_missing_means_no():
    df = pd.DataFrame({"email_opt_in": [True, True, None], "ads_opt_in": [False, True, True]})
    assert has_consent(df, channel="email").tolist() == [True, True, False]
    assert has_consent(df, channel="meta").tolist() == [False, True, True]
    assert CONSENT_COLUMNS["google"] == "ads_opt_in"


def test_missing_consent_column_must_be_declared():
    df = pd.DataFrame({"email": ["a@x.com"]})
    with pytest.raises(SchemaError, match="consent=False"):
        has_consent(df, channel="sms")
    assert has_consent(df, channel="sms", consent=False).tolist() == [True]


def test_contact_status_applies_rules_in_order():
    df = pd.DataFrame(
        {
            "email": ["a@x.com", "b@x.com", "c@x.com", "d@x.com", "e@x.com"],
            "opted_out": [True, None, False, False, False],
            "email_opt_in": [False, True, False, True, True],
        }
    ).astype({"opted_out": "boolean"})
    sl = suppression_list(pd.DataFrame({"email": ["a@x.com", "c@x.com", "d@x.com"]}))
    out = contact_status(df, channel="email", suppression=sl)
    assert out.tolist() == ["opted out", "opted out", "no consent", "suppressed", "reachable"]
    assert list(out.cat.categories) == ["opted out", "no consent", "suppressed", "reachable"]


addresses = st.sampled_from(["a@x.com", "b.c@gmail.com", "d@y.org", "e+f@z.net"])


def perturb(addr, upper, pad):
    addr = addr.upper() if upper else addr
    return f"  {addr} " if pad else addr


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(st.tuples(addresses, st.booleans(), st.booleans()), min_size=1, max_size=12),
    listed=st.lists(st.tuples(addresses, st.booleans(), st.booleans()), max_size=4),
)
def test_any_spelling_of_a_listed_address_is_suppressed(data, listed):
    df = pd.DataFrame({"email": [perturb(*t) for t in data]})
    lst = pd.DataFrame({"email": [perturb(*t) for t in listed]}, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        sl = suppression_list(lst)
    got = is_suppressed(df, sl)
    expected = [addr in {a for a, _, _ in listed} for addr, _, _ in data]
    assert got.tolist() == expected
