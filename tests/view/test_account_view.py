"""B2B accounts: the demo's planted account truth, ms.account_view, and ideal-customer fit with Lookalike."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

import microseg as ms
from microseg.errors import DataQualityWarning, MicrosegError, SchemaError
from microseg.lookalike import SmallSeedWarning


@pytest.fixture(scope="module")
def b2b():
    return ms.datasets.make_customers(n_customers=4000, random_state=2, kind="b2b")


@pytest.fixture(scope="module")
def view(b2b):
    return ms.account_view(b2b.account_contacts, b2b.transactions, b2b.events, accounts=b2b.accounts)


def _firmographic_frame(view):
    return view.assign(
        sector=ms.bands(view["naics"], "naics_sector"),
        size_class=ms.bands(view["employees"], "eu_sme"),
        revenue_band=ms.bands(view["revenue"], "revenue"),
    )


# ----------------------------------------------------------------------------- the demo's account tables
def test_consumer_data_has_no_account_tables():
    data = ms.datasets.make_customers(n_customers=200, random_state=0)
    assert data.accounts is None and data.account_contacts is None
    assert data.truth.accounts is None and data.truth.icp is None
    assert list(data.to_frame()["table"]) == ["customers", "transactions", "events", "contacts", "survey", "survey_items",
                                              "message_tests"]


def test_each_customer_is_the_buying_contact_of_one_account(b2b):
    c, a, k = b2b.customers, b2b.accounts, b2b.account_contacts
    assert len(a) == len(c) and a["account_id"].is_unique
    assert a["company_name"].equals(c["company_name"])
    assert k["customer_id"].is_unique
    buyers = k[k["buyer"]]
    assert len(buyers) == len(c)
    assert set(buyers["customer_id"]) == set(c["customer_id"])
    # the buyer keeps their email and consent; the account number follows the customer number
    b = buyers.set_index("customer_id").loc[c["customer_id"]]
    assert (b["account_id"].str[1:].to_numpy() == c["customer_id"].str[1:].to_numpy()).all()
    pd.testing.assert_series_equal(b["email"].reset_index(drop=True), c["email"], check_names=False)
    assert (b["email_opt_in"].to_numpy() == c["email_opt_in"].to_numpy()).all()
    # other contacts have no transactions and share the company's email domain
    others = k[~k["buyer"]]
    assert not others["customer_id"].isin(b2b.transactions["customer_id"]).any()
    dom = others["email"].dropna().str.split("@").str[1]
    acct_dom = buyers.set_index("account_id")["email"].str.strip().str.lower().str.split("@").str[1]
    known = acct_dom.reindex(others.loc[dom.index, "account_id"]).to_numpy()
    has = pd.notna(known)
    assert (dom.to_numpy()[has] == known[has]).all()


def test_contacts_have_committee_roles_and_more_people_in_bigger_firms(b2b):
    k = b2b.account_contacts
    assert list(k["role"].cat.categories) == ["decision_maker", "influencer", "user"]
    assert k["role"].notna().all()
    per = k.groupby("account_id").size().reindex(b2b.accounts["account_id"]).to_numpy()
    big = b2b.accounts["employees"].to_numpy() >= 250
    assert per[big].mean() > per[~big].mean() + 0.8
    assert (~k["opted_out"] | (~k["email_opt_in"] & ~k["ads_opt_in"])).all()


def test_truth_icp_is_the_profile_documented_in_truth(b2b):
    a, t = b2b.accounts, b2b.truth.accounts
    icp = b2b.truth.icp
    meets = np.ones(len(a), dtype=bool)
    for (column, scheme), rows in icp.groupby(["column", "scheme"], sort=False):
        meets &= ms.bands(a[column], scheme).isin(rows["level"]).to_numpy()
    assert (meets == t["icp"].to_numpy()).all()
    assert 0.01 < t["icp"].mean() < 0.05


def test_planted_icp_drives_account_conversion(b2b):
    t = b2b.truth.accounts
    assert (b2b.accounts["converted"].to_numpy() == t["converted"].to_numpy()).all()
    rate_icp = t.loc[t["icp"], "converted"].mean()
    rate_rest = t.loc[~t["icp"], "converted"].mean()
    assert rate_icp > 0.5 and rate_rest < 0.1
    assert t["propensity"].between(0, 1).all()


def test_account_tables_come_from_their_own_stream():
    one = ms.datasets.make_customers(n_customers=300, random_state=9, kind="b2b")
    two = ms.datasets.make_customers(n_customers=300, random_state=9, kind="b2b")
    pd.testing.assert_frame_equal(one.accounts, two.accounts)
    pd.testing.assert_frame_equal(one.account_contacts, two.account_contacts)
    other = ms.datasets.make_customers(n_customers=300, random_state=10, kind="b2b")
    assert not one.accounts["employees"].equals(other.accounts["employees"])


# ----------------------------------------------------------------------------- account_view on the demo
def test_view_has_one_row_per_account_with_its_contacts(b2b, view):
    assert list(view["account_id"]) == list(b2b.accounts["account_id"])
    per = b2b.account_contacts.groupby("account_id", observed=True)["role"].value_counts().unstack(fill_value=0)
    per = per.reindex(view["account_id"])
    for role in ("decision_maker", "influencer", "user"):
        assert (view[f"n_{role}"].to_numpy() == per[role].to_numpy()).all()
        assert (view[f"has_{role}"].to_numpy() == (per[role].to_numpy() > 0)).all()
    assert (view["n_contacts"] == view[["n_decision_maker", "n_influencer", "n_user"]].sum(axis=1)).all()
    assert (view["n_other_role"] == 0).all()
    assert view.attrs["microseg_rows"]["contacts without an account (left out)"] == 0


def test_view_spend_equals_the_buyers_lifetime_value(b2b, view):
    ltv = b2b.customers["lifetime_value"].to_numpy()
    np.testing.assert_allclose(view["total_spend"].to_numpy(), ltv, atol=0.02)


def test_view_consent_counts_only_consenting_contacts_not_opted_out(b2b, view):
    k = b2b.account_contacts
    ok = (k["email_opt_in"] & ~k["opted_out"]).groupby(k["account_id"]).sum().reindex(view["account_id"])
    assert (view["n_contactable_email"].to_numpy() == ok.to_numpy()).all()
    assert (view["contactable_email"].to_numpy() == (ok.to_numpy() > 0)).all()


def test_view_clv_recovers_the_planted_account_clv(b2b, view):
    truth = b2b.truth.accounts["clv"].to_numpy()
    bought = view["n_orders"].to_numpy() > 0
    rho = spearmanr(view["clv"].to_numpy()[bought], truth[bought]).statistic
    assert rho > 0.6


# ----------------------------------------------------------------------------- ideal-customer fit
def test_lookalike_on_the_account_view_recovers_the_planted_profile(b2b, view):
    X = _firmographic_frame(view)
    features = ["sector", "size_class", "revenue_band", "country", "partner", "n_contacts", "committee_coverage"]
    seed = X["converted"].to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSeedWarning)
        look = ms.Lookalike(method="pu", customer="account_id", opt_out=None, features=features, random_state=0)
        look.fit(X, seed=seed)
    score = look.score_samples(X).to_numpy()
    icp = b2b.truth.accounts["icp"].to_numpy()
    # among accounts that have not converted yet, the ideal profile ranks on top
    assert roc_auc_score(icp[~seed], score[~seed]) > 0.9
    top = look.explain(n=5).traits.head(5)
    found = set(zip(top["column"], top["level"]))
    wanted = {("sector", "31–33 Manufacturing"), ("sector", "48–49 Transportation and Warehousing"), ("size_class", "medium")}
    assert wanted <= found


def test_profiles_and_segment_descriptions_work_on_accounts(view):
    X = _firmographic_frame(view)
    prof = ms.profile(X[["size_class", "sector", "revenue_band", "n_contacts", "clv"]], segments="size_class")
    cards = prof.describe_segments()
    assert list(cards["segment"]) == ["micro", "small", "medium", "large"]
    large = prof.distinctive("large", n=10)
    assert "revenue_band" in set(large["column"])


# ----------------------------------------------------------------------------- account_view, by hand
@pytest.fixture
def small():
    contacts = pd.DataFrame({
        "customer_id": ["p1", "p2", "p3", "p4", "p5", "p6"],
        "account_id": ["acme", "acme", "acme", "bolt", None, "cogs"],
        "industry": ["manufacturing", "manufacturing", None, "retail", "retail", "finance"],
        "title": ["CEO", "IT", "IT", "Buyer", "CFO", "CFO"],
        "role": ["decision_maker", "user", "user", "influencer", "decision_maker", "champion"],
        "email_opt_in": [False, True, True, True, True, pd.NA],
        "ads_opt_in": [True, True, False, False, False, True],
        "opted_out": [False, False, True, False, False, None],
    })
    tx = pd.DataFrame({
        "customer_id": ["p1", "p2", "p2", "p4", "zz"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-11", "2024-01-05", "2024-01-02"]),
        "amount": [100.0, 50.0, 30.0, 20.0, 999.0],
    })
    return contacts, tx


def test_hand_computed_roll_up(small):
    contacts, tx = small
    with pytest.warns(DataQualityWarning, match="without an account"):
        v = ms.account_view(contacts, tx, clv_horizon=None)
    assert list(v["account_id"]) == ["acme", "bolt", "cogs"]
    assert v["industry"].tolist() == ["manufacturing", "retail", "finance"]  # one value per account (missing ignored)
    assert "title" not in v.columns  # varies within acme: a contact attribute
    assert v["n_contacts"].tolist() == [3, 1, 1]
    assert v["n_user"].tolist() == [2, 0, 0] and v["n_other_role"].tolist() == [0, 0, 1]
    assert v["committee_missing"].tolist() == ["influencer", "decision_maker, user", "decision_maker, influencer, user"]
    np.testing.assert_allclose(v["committee_coverage"], [2 / 3, 1 / 3, 0])
    # p3 consented to email but opted out; p6's missing consent and opt-out count against contact
    assert v["n_contactable_email"].tolist() == [1, 1, 0]
    assert v["n_contactable_ads"].tolist() == [2, 0, 0]
    assert v["contactable_ads"].tolist() == [True, False, False]
    # acme: p1 and p2 bought on the same day (one account purchase) and p2 again ten days later
    assert v["n_orders"].tolist() == [2, 1, 0]
    assert v["total_spend"].tolist() == [180.0, 20.0, 0.0]
    assert v["days_since_last"].tolist()[:2] == [0.0, 6.0]
    assert v["n_buying_contacts"].tolist() == [2, 1, 0]
    rows = v.attrs["microseg_rows"]
    assert rows["contacts without an account (left out)"] == 1
    assert rows["transactions rows of people not in contacts, or without an id (left out)"] == 1


def test_accounts_table_comes_first_and_keeps_accounts_without_contacts(small):
    contacts, _ = small
    accounts = pd.DataFrame({"account_id": ["zeta", "bolt"], "employees": [12, 300]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        v = ms.account_view(contacts, accounts=accounts)
    assert list(v["account_id"]) == ["zeta", "bolt", "acme", "cogs"]
    assert v["employees"].tolist()[:2] == [12, 300] and v["employees"].isna().tolist()[2:] == [True, True]
    assert v["n_contacts"].tolist() == [0, 1, 3, 1]
    assert v["committee_coverage"].iloc[0] == 0


def test_explicit_consent_mapping_and_firmographics(small):
    contacts, _ = small
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        v = ms.account_view(contacts, consent={"newsletter": "email_opt_in"}, firmographics=["industry"])
    assert "n_contactable_newsletter" in v.columns and "n_contactable_ads" not in v.columns
    with pytest.raises(SchemaError, match="title"):
        ms.account_view(contacts.dropna(subset=["account_id"]), firmographics=["title"])


def test_errors_name_the_column_and_the_fix(small):
    contacts, tx = small
    c = contacts.dropna(subset=["account_id"])
    with pytest.raises(SchemaError, match="account"):
        ms.account_view(c.drop(columns="account_id"))
    with pytest.raises(SchemaError, match="customer_id"):
        ms.account_view(pd.concat([c, c.head(1)]))
    with pytest.raises(SchemaError, match="True/False"):
        ms.account_view(c.assign(email_opt_in="yes"))
    with pytest.raises(MicrosegError, match="same type"):
        ms.account_view(c, tx.assign(customer_id=np.arange(len(tx))), clv_horizon=None)
    with pytest.raises(SchemaError, match="accounts"):
        ms.account_view(c, accounts=pd.DataFrame({"account_id": ["a", "a"]}))


def test_inputs_are_not_modified(small):
    contacts, tx = small
    before_c, before_t = contacts.copy(), tx.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        ms.account_view(contacts, tx, clv_horizon=None)
    pd.testing.assert_frame_equal(contacts, before_c)
    pd.testing.assert_frame_equal(tx, before_t)


# ----------------------------------------------------------------------------- the report rolls contacts up
@pytest.fixture
def contacts_csv(b2b, tmp_path):
    k = b2b.account_contacts.merge(b2b.accounts[["account_id", "industry", "employees", "country"]], on="account_id")
    k = k.assign(size_class=ms.bands(k["employees"], "eu_sme").astype(str))
    path = tmp_path / "contacts.csv"
    k.to_csv(path, index=False)
    return path, k


def test_report_with_account_rolls_contacts_up_first(contacts_csv, tmp_path):
    from microseg.cli import main

    path, k = contacts_csv
    out = tmp_path / "r"
    assert main(["report", str(path), "--segments", "size_class", "--account", "account_id", "--out", str(out)]) == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    n_accounts = k["account_id"].nunique()
    assert f"{len(k):,} contacts rolled up to {n_accounts:,} accounts" in page
    assert "committee_coverage" in page and "n_contactable_email" in page
    assert "@example" not in page  # contact emails are never profiled


def test_report_with_account_refuses_a_contact_level_segment(contacts_csv, tmp_path, capsys):
    from microseg.cli import main

    path, _ = contacts_csv
    assert main(["report", str(path), "--segments", "role", "--account", "account_id", "--out", str(tmp_path / "r")]) == 2
    assert "account-level column" in capsys.readouterr().err


def test_view_keeps_the_dtypes_of_firmographics(view):
    X = _firmographic_frame(view)
    v = ms.account_view(pd.DataFrame({"customer_id": ["a", "b"], "account_id": ["x", "x"]}), role=None, opted_out=None,
                        accounts=X[["account_id", "size_class"]].head(3))
    assert v["size_class"].cat.ordered and list(v["size_class"].cat.categories) == ["micro", "small", "medium", "large"]
    c = pd.DataFrame({"customer_id": ["a", "b"], "account_id": ["x", "y"],
                      "tier": pd.Categorical(["gold", "silver"], categories=["silver", "gold"], ordered=True)})
    assert ms.account_view(c, role=None, opted_out=None)["tier"].cat.ordered
    with pytest.raises(SchemaError, match="role=None"):
        ms.account_view(c)


def test_anonymous_rows_never_match_a_contact_without_an_id():
    contacts = pd.DataFrame({"customer_id": ["p1", None], "account_id": ["a", "b"]})
    tx = pd.DataFrame({"customer_id": ["p1", None], "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02"]),
                       "amount": [10.0, 99.0]})
    with pytest.warns(DataQualityWarning, match="without an id"):
        v = ms.account_view(contacts, tx, role=None, opted_out=None, clv_horizon=None)
    assert v["total_spend"].tolist() == [10.0, 0.0]
    assert v["n_contacts"].tolist() == [1, 1]
