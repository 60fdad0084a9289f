import hashlib
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microseg.errors import AudienceTooSmallError, DataQualityWarning, MicrosegError, SchemaError
from microseg.privacy import PLATFORM_RULES, export_audience, hash_identifiers, suppression_list
from microseg.privacy.export import EXPORT_STEPS


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


def audience(n=200, *, as_of="2024-12-31"):
    i = np.arange(n)
    return pd.DataFrame(
        {
            "customer_id": [f"C{k:05d}" for k in i],
            "email": [f"User{k}@Example.com" for k in i],
            "phone": [f"+1 650 555 {k:04d}" for k in i],
            "opted_out": False,
            "ads_opt_in": True,
            "email_opt_in": True,
            "last_updated": pd.Timestamp(as_of) - pd.to_timedelta(i % 30, unit="D"),
        }
    )


def quiet_export(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return export_audience(*args, **kwargs)


def test_each_row_counted_once_in_documented_order(tmp_path):
    df = audience(300)
    df.loc[0:9, "opted_out"] = True                 # 10 opted out
    df.loc[5:19, "ads_opt_in"] = False              # 10 more without consent (5..9 already opted out)
    df.loc[20:24, "email"] = "bad"                  # suppressed by phone below, so counted as suppressed
    df.loc[30:34, ["email", "phone"]] = [None, None]  # 5 invalid
    df.loc[40:44, ["email", "phone"]] = df.loc[50:54, ["email", "phone"]].to_numpy()  # 5 duplicates
    df.loc[60:62, "last_updated"] = pd.Timestamp("2022-01-01")  # 3 stale for google (> 540 days)
    sl = suppression_list(df.loc[20:24, ["phone"]], default_region="US")
    with pytest.warns(DataQualityWarning) as rec:
        rep = export_audience(df, platform="google", suppression=sl, path=tmp_path / "g.csv")
    msgs = " | ".join(str(w.message) for w in rec)
    assert "opted out: 10; no consent: 10; suppressed: 5; invalid: 5; duplicate: 5; stale: 3" in msgs
    assert rep.counts["step"].tolist() == list(EXPORT_STEPS)
    assert rep.counts["rows"].tolist() == [10, 10, 5, 5, 5, 3, 262]
    assert rep.counts["rows"].sum() == rep.rows_in == 300
    assert rep.exported == 262 == len(pd.read_csv(tmp_path / "g.csv"))


def test_csv_holds_only_hashes_with_platform_headers(tmp_path):
    df = audience(150).assign(fn="Ann", ln="Lee")
    ids = {"email": "email", "phone": "phone", "first_name": "fn", "last_name": "ln"}
    quiet_export(df, platform="meta", identifiers=ids, path=tmp_path / "m.csv")
    quiet_export(df, platform="google", identifiers=ids, path=tmp_path / "g.csv")
    meta = pd.read_csv(tmp_path / "m.csv", dtype=str)
    google = pd.read_csv(tmp_path / "g.csv", dtype=str)
    assert meta.columns.tolist() == ["email", "phone", "fn", "ln"]
    assert google.columns.tolist() == ["Email", "Phone", "First Name", "Last Name"]
    for t in (meta, google):
        assert t.stack().str.fullmatch(r"[0-9a-f]{64}").all()
    assert meta.loc[0, "email"] == sha("user0@example.com")
    assert meta.loc[0, "phone"] == sha("16505550000")
    assert google.loc[0, "Phone"] == sha("+16505550000")
    raw = (tmp_path / "m.csv").read_text()
    assert "example.com" not in raw and "Ann" not in raw


def test_raw_identifiers_only_when_asked_in_so_many_words(tmp_path):
    rep = quiet_export(audience(120), platform="meta", include_raw=True, path=tmp_path / "r.csv")
    assert "raw_email" in pd.read_csv(tmp_path / "r.csv").columns and rep.include_raw
    with pytest.raises(MicrosegError, match="include_raw"):
        quiet_export(audience(120), platform="meta", include_raw="yes")


def test_exported_hashes_match_hash_identifiers():
    df = audience(120)
    rep = quiet_export(df, platform="google", identifiers={"email": "email"})
    assert rep.data["Email"].tolist() == hash_identifiers(df["email"], platform="google").tolist()


@pytest.mark.parametrize("platform", list(PLATFORM_RULES))
def test_audience_below_platform_minimum_is_refused(platform):
    n = PLATFORM_RULES[platform].min_size - 1
    with pytest.raises(AudienceTooSmallError, match=f"minimum is {n + 1}"):
        quiet_export(audience(n), platform=platform, identifiers={"email": "email"})


def test_platform_minimums_are_documented_values():
    assert {p: r.min_size for p, r in PLATFORM_RULES.items()} == {"meta": 100, "google": 100, "linkedin": 300, "microsoft": 300}


def test_minimum_is_checked_after_removals():
    df = audience(105)
    df.loc[0:9, "opted_out"] = True
    with pytest.raises(AudienceTooSmallError, match="opted out \\(10\\)"):
        quiet_export(df, platform="meta")


def test_small_audience_needs_allow_small_and_a_reason():
    with pytest.raises(MicrosegError, match="reason"):
        quiet_export(audience(50), platform="meta", allow_small=True)
    rep = quiet_export(audience(50), platform="meta", allow_small=True, reason="sandbox test account")
    assert rep.exported == 50 and rep.small_audience_reason == "sandbox test account"


def test_min_size_cannot_go_below_platform_minimum():
    with pytest.raises(MicrosegError, match="below"):
        quiet_export(audience(150), platform="meta", min_size=10)


def test_records_older_than_180_days_warn_and_google_drops_after_540():
    df = audience(150)
    df.loc[0:19, "last_updated"] = pd.Timestamp("2024-12-31") - pd.Timedelta(days=200)
    df.loc[20:24, "last_updated"] = pd.Timestamp("2024-12-31") - pd.Timedelta(days=600)
    with pytest.warns(DataQualityWarning, match="25 exported records were not updated in 180 days"):
        meta = export_audience(df, platform="meta")
    assert meta.exported == 150 and meta.not_updated_180d == 25
    with pytest.warns(DataQualityWarning) as rec:
        google = export_audience(df, platform="google")
    assert google.counts.set_index("step").loc["stale", "rows"] == 5
    assert any("20 exported records" in str(w.message) for w in rec)


def test_duplicates_keep_the_most_recent_record():
    df = audience(120)
    df.loc[1, ["email", "phone"]] = [" USER0@example.com", "(650) 555-0000"]  # row 0 again, more recent
    df.loc[0, "last_updated"] = pd.Timestamp("2020-01-01")
    with pytest.warns(DataQualityWarning, match="duplicate: 1"):
        rep = export_audience(df, platform="meta", as_of="2024-12-31", default_region="US")
    assert 1 in rep.data.index and 0 not in rep.data.index


def test_row_adding_a_new_identifier_is_not_a_duplicate():
    df = audience(120)
    df.loc[1, "phone"] = df.loc[0, "phone"]  # a shared household phone, different emails
    df.loc[2, ["email", "phone"]] = [df.loc[0, "email"], None]  # only an email already uploaded
    with pytest.warns(DataQualityWarning, match="duplicate: 1"):
        rep = export_audience(df, platform="meta")
    assert {0, 1} <= set(rep.data.index) and 2 not in rep.data.index


def test_missing_opt_out_column_must_be_declared():
    df = audience(120).drop(columns="opted_out")
    with pytest.raises(SchemaError, match="opt_out=False"):
        quiet_export(df, platform="meta")
    assert quiet_export(df, platform="meta", opt_out=False).exported == 120


def test_missing_consent_counts_as_no_consent():
    df = audience(130).astype({"ads_opt_in": "boolean"})
    df.loc[0:4, "ads_opt_in"] = pd.NA
    rep = quiet_export(df, platform="meta")
    assert rep.counts.set_index("step").loc["no consent", "rows"] == 5


def test_caller_frame_is_not_modified():
    df = audience(120)
    before = df.copy()
    quiet_export(df, platform="google")
    pd.testing.assert_frame_equal(df, before)


def test_report_renders():
    rep = quiet_export(audience(120), platform="meta")
    assert "120 of 120" in repr(rep) and "<table" in rep._repr_html_()
    assert rep.to_frame()["rows"].sum() == 120


emails = st.sampled_from(["a@x.com", " A@X.com ", "b.c@gmail.com", "bc+1@gmail.com", "d@y.org", "bad", "", None])
phones = st.sampled_from(["+1 650 555 0001", "(650) 555-0001", "650 555 0002", "+44 20 7946 0958", "x", None])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.tuples(emails, phones, st.booleans(), st.booleans()), min_size=1, max_size=60),
    listed=st.lists(st.tuples(emails, phones), max_size=8),
    platform=st.sampled_from(["meta", "google"]),
)
def test_no_exported_hash_is_on_the_suppression_list_and_counts_sum(rows, listed, platform):
    df = pd.DataFrame(rows, columns=["email", "phone", "opted_out", "ads_opt_in"], dtype=object)
    df = df.astype({"opted_out": bool, "ads_opt_in": bool})
    lst = pd.DataFrame(listed, columns=["email", "phone"], dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        sl = suppression_list(lst, default_region="US")
        rep = export_audience(df, platform=platform, suppression=sl, updated=None, default_region="US",
                              allow_small=True, reason="property test")
        banned_e, _ = hash_identifiers(lst["email"], kind="email", platform=platform), None
        banned_p = hash_identifiers(lst["phone"], kind="phone", platform=platform, default_region="US")
    headers = PLATFORM_RULES[platform].headers
    assert not set(rep.data[headers["email"]].dropna()) & set(banned_e.dropna())
    assert not set(rep.data[headers["phone"]].dropna()) & set(banned_p.dropna())
    assert rep.counts["rows"].sum() == len(df)
    assert rep.exported == len(rep.data)


def test_lookalike_audience_is_refused_under_special_ad_category():
    from microseg.errors import PrivacyError

    df = audience(150).assign(score=0.5, rank=range(1, 151), tier="top")
    with pytest.raises(PrivacyError, match="special ad category"):
        quiet_export(df, platform="meta", special_ad_category="housing")
    flagged = audience(150)
    flagged.attrs["microseg_lookalike"] = True
    with pytest.raises(PrivacyError, match="lookalike"):
        quiet_export(flagged, platform="meta", special_ad_category="credit")
    assert quiet_export(audience(150), platform="meta", special_ad_category="credit").exported == 150
    assert quiet_export(df, platform="meta").exported == 150  # no special category: allowed


def test_any_index_is_kept_in_the_exported_data():
    df = audience(120).set_axis([f"r{i % 60}" for i in range(120)])  # repeated labels
    df.iloc[0, df.columns.get_loc("opted_out")] = True
    rep = quiet_export(df, platform="meta")
    assert rep.exported == 119
    assert rep.data.index.tolist() == df.index[1:].tolist()
    assert rep.data["email"].iloc[0] == sha("user1@example.com")
