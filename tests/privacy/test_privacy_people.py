"""Opt-out and suppression per person: no record of an opted-out or suppressed person leaves microseg.

Hypothesis draws populations where each person appears under several records:
new customer ids and re-cased ids, e-mails re-cased, padded with spaces, with a
``+tag`` (on every domain) or Gmail dots, phones written in several
international forms, some records with only an e-mail or only a phone. One
record of an objecting person says ``opted_out=True``; a suppressed person is
put on the list by one spelling of one identifier. Every output (contact
status, export, plan, lookalike audience) must hold no record of either.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import microseg as ms
from microseg.privacy import contact_status, export_audience, is_suppressed, suppression_list
from microseg.privacy._people import id_text, person_keys

DOMAINS = ["shop.example", "gmail.com", "mail.example.org", "example.net"]
NAMES = ["ann", "bo", "chen", "dara", "eli", "fay"]


def _email_variant(rng, name: str, i: int, domain: str) -> str:
    local = f"{name}.{i}"
    v = rng.integers(0, 6)
    if v == 1:
        local = local.upper()
    elif v == 2:
        local = local.title()
    elif v == 3:
        local = f"{local}+{rng.choice(['news', 'shop', 'x1'])}"
    elif v == 4 and domain == "gmail.com":
        local = local.replace(".", "")
    addr = f"{local}@{domain.upper() if rng.random() < 0.3 else domain}"
    return (" " * int(rng.integers(0, 2))) + addr + (" " * int(rng.integers(0, 2)))


def _phone_variant(rng, i: int) -> str:
    d = f"{i:03d}"
    return str(rng.choice([f"+447700900{d}", f"+44 7700 900{d}", f"0044 7700 900 {d}", f"+44 (0)7700 900{d}"]))


@st.composite
def populations(draw):
    """(records, person of each record, objecting people, suppressed people, suppression list source)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_people = draw(st.integers(min_value=4, max_value=40))
    rows, person = [], []
    for i in range(n_people):
        name, domain = NAMES[i % len(NAMES)], DOMAINS[int(rng.integers(0, len(DOMAINS)))]
        for j in range(int(rng.integers(1, 5))):
            # the first record holds both identifiers; the others one or both
            has = (True, True) if j == 0 else [(True, True), (True, False), (False, True)][int(rng.integers(0, 3))]
            cid = [f"C{i:03d}", f"c{i:03d} ", f"N{i:03d}x{j}"][min(j, 2)] if j < 2 else f"N{i:03d}x{j}"
            rows.append({
                "customer_id": cid,
                "email": _email_variant(rng, name, i, domain) if has[0] else None,
                "phone": _phone_variant(rng, i) if has[1] else None,
                "x1": float(rng.normal(i % 3, 1.0)),
                "segment": ["a", "b"][int(rng.integers(0, 2))],
            })  # fmt: skip
            person.append(i)
    df = pd.DataFrame(rows)
    person = np.array(person)
    objecting = rng.random(n_people) < 0.3
    suppressed = ~objecting & (rng.random(n_people) < 0.3)
    first = ~pd.Series(person).duplicated().to_numpy()
    # one record of each objecting person says so (not necessarily the first)
    flag = np.zeros(len(df), dtype=bool)
    for i in np.flatnonzero(objecting):
        flag[rng.choice(np.flatnonzero(person == i))] = True
    df["opted_out"] = flag
    df["email_opt_in"] = True
    df["ads_opt_in"] = True
    # the list: one spelling of one identifier of each suppressed person (from a record that has it)
    listed = []
    for i in np.flatnonzero(suppressed):
        rec = df.loc[np.flatnonzero((person == i) & first)[0]]
        kind = "email" if rng.random() < 0.6 else "phone"
        listed.append({"email": _email_variant(rng, NAMES[i % len(NAMES)], i, rec["email"].split("@")[1].strip().lower())
                       if kind == "email" else None, "phone": _phone_variant(rng, i) if kind == "phone" else None})  # fmt: skip
    listed = pd.DataFrame(listed, columns=["email", "phone"])
    if draw(st.booleans()):
        df.index = pd.Index(rng.permutation(len(df)) + 500)
    return df, person, objecting, suppressed, listed


@pytest.fixture(scope="module")
def lookalike():
    rng = np.random.default_rng(1)
    n = 400
    X = pd.DataFrame({"customer_id": [f"F{i}" for i in range(n)], "x1": rng.normal(0, 1, n), "opted_out": False})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ms.Lookalike(method="pu", min_seed=20, random_state=0).fit(X, seed=X["x1"] > 0.8)


def leaks(df, person, objecting, suppressed, listed, look=None) -> dict[str, int]:
    """Output records that belong to an objecting or suppressed person, per output."""
    bad = objecting | suppressed
    pos = pd.Series(np.arange(len(df)), index=df.index)
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sl = suppression_list(listed) if len(listed) else None
        st_ = contact_status(df, channel="email", suppression=sl, customer="customer_id")
        out["contact_status"] = int(bad[person[st_.eq("reachable").to_numpy()]].sum())
        rep = export_audience(df, platform="meta", suppression=sl, customer="customer_id", updated=None,
                              allow_small=True, reason="property test")  # fmt: skip
        out["export_audience"] = int(bad[person[pos[rep.data.index].to_numpy()]].sum()) if len(rep.data) else 0
        pl = ms.campaign.plan(df, response=0.2, cost_per_contact=1.0, value_per_conversion=10.0, suppression=sl,
                              identifiers={"email": "email", "phone": "phone"})  # fmt: skip
        contacted = df["customer_id"].isin(pl.contacts["customer"]).to_numpy()
        out["plan"] = int(bad[person[contacted]].sum())
        if look is not None:
            try:
                aud = look.audience(df.drop(columns=["segment"]), size=1.0, suppression=sl)
                out["lookalike"] = int(bad[person[pos[aud.index].to_numpy()]].sum())
            except ms.errors.MicrosegError:  # nobody eligible
                out["lookalike"] = 0
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(pop=populations())
def test_no_record_of_an_opted_out_or_suppressed_person_leaves_any_output(pop, lookalike):
    df, person, objecting, suppressed, listed = pop
    found = leaks(df, person, objecting, suppressed, listed, lookalike)
    assert found == dict.fromkeys(found, 0)


@settings(max_examples=30, deadline=None)
@given(pop=populations())
def test_people_who_neither_objected_nor_are_listed_stay_reachable(pop):
    """Person-level exclusion does not over-reach: every record of a person with no objection stays reachable."""
    df, person, objecting, suppressed, listed = pop
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sl = suppression_list(listed) if len(listed) else None
        st_ = contact_status(df, channel="email", suppression=sl, customer="customer_id")
    clean = ~(objecting | suppressed)[person]
    assert st_[clean].eq("reachable").all()


def test_a_second_record_with_an_upper_cased_email_and_a_new_id_is_opted_out_too():
    df = pd.DataFrame({"customer_id": ["A1", "Z9"], "email": ["jo@shop.example", " JO@Shop.Example"],
                       "opted_out": [True, False], "email_opt_in": True})  # fmt: skip
    st_ = contact_status(df, channel="email")
    assert st_.tolist() == ["opted out", "opted out"]
    assert st_.attrs["microseg_rows"]["opted out (another record of the person)"] == 1


def test_a_listed_base_address_suppresses_its_plus_tag_on_any_domain():
    sl = suppression_list(pd.DataFrame({"email": ["jo@shop.example"]}))
    df = pd.DataFrame({"email": ["jo+promo@shop.example", "JO+x@SHOP.example", "jo@other.example", "joe@shop.example"]})
    assert is_suppressed(df, sl).tolist() == [True, True, False, False]
    tagged = suppression_list(pd.DataFrame({"email": ["jo+news@shop.example"]}))
    assert is_suppressed(pd.DataFrame({"email": ["jo@shop.example"]}), tagged).tolist() == [True]


def test_the_uploaded_hash_still_follows_the_platforms_normalisation():
    """Meta keeps the +tag of a non-Gmail address in the hash it matches; suppression matching does not change that."""
    h = ms.privacy.hash_identifiers(pd.Series(["jo+promo@shop.example"]), kind="email", platform="meta")
    assert h.iloc[0] == ms.privacy.hash_identifiers(pd.Series(["jo+promo@shop.example "]), kind="email").iloc[0]
    assert h.iloc[0] != ms.privacy.hash_identifiers(pd.Series(["jo@shop.example"]), kind="email").iloc[0]


def test_export_counts_the_records_excluded_through_another_record(tmp_path):
    n = 120
    df = pd.DataFrame({"email": [f"p{i}@x.example" for i in range(n)] + ["P0+a@X.example", "p1@x.example "],
                       "customer_id": [f"C{i}" for i in range(n + 2)], "ads_opt_in": True,
                       "opted_out": [i == 0 for i in range(n + 2)]})  # fmt: skip
    sl = suppression_list(pd.DataFrame({"email": ["p1+old@x.example"]}))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = export_audience(df, platform="meta", updated=None, suppression=sl)
    by = rep.counts.set_index("step")["rows"]
    assert by["opted out"] == 2 and by["suppressed"] == 2
    assert rep.linked == {"opted out (another record of the person)": 1, "suppressed (another record of the person)": 0}
    assert rep.exported == n - 2


def test_plan_counts_the_records_excluded_through_another_record():
    df = pd.DataFrame({"customer_id": ["a", "b", "c"], "segment": "s", "email": ["x@y.example", "X+1@y.example", "z@y.example"],
                       "opted_out": [True, False, False], "email_opt_in": True})  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pl = ms.campaign.plan(df, response=0.5, cost_per_contact=1.0, value_per_conversion=10.0)
    assert pl.table.loc["s", "opted_out"] == 2 and pl.linked["opted out (another record of the person)"] == 1
    assert pl.contacts["customer"].tolist() == ["c"]


def test_plan_suppression_by_id_list_matches_float_and_recased_ids():
    df = pd.DataFrame({"customer_id": ["17", " A9", "b"], "segment": "s", "opted_out": False, "email_opt_in": True})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pl = ms.campaign.plan(df, response=0.5, cost_per_contact=1.0, value_per_conversion=10.0, suppression=[17.0, "a9"])
    assert pl.contacts["customer"].tolist() == ["b"]


def test_lookalike_audience_takes_a_suppression_list(lookalike):
    X = pd.DataFrame({"customer_id": [f"Q{i}" for i in range(50)], "x1": np.linspace(-2, 3, 50), "opted_out": False,
                      "email": [f"q{i}@x.example" for i in range(50)]})  # fmt: skip
    best = lookalike.audience(X, n=1).index[0]
    sl = suppression_list(X.loc[[best], ["email"]].assign(email=lambda d: d["email"].str.upper()))
    aud = lookalike.audience(X, n=5, suppression=sl)
    assert best not in aud.index and len(aud) == 5
    assert aud.attrs["microseg_rows"]["suppressed rows excluded"] == 1


def test_person_keys_read_float_ids_as_the_same_customer():
    assert id_text(pd.Series([3.0, "3", " 3 "])).tolist() == ["3", "3", "3"]
    keys = person_keys(pd.DataFrame({"customer_id": [3.0, 4.0]}), customer="customer_id")
    assert keys["key"].tolist() == ["id:3", "id:4"]
