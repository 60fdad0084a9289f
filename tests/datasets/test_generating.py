"""Tests of ms.datasets.make_customers: schema, determinism, planted structure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import microseg as ms
from microseg.errors import MicrosegError

N = 6_000


@pytest.fixture(scope="module")
def data():
    return ms.datasets.make_customers(n_customers=N, random_state=7)


@pytest.fixture(scope="module")
def b2b():
    return ms.datasets.make_customers(n_customers=2_000, random_state=3, kind="b2b")


def _is_str(s):
    return pd.api.types.is_string_dtype(s.dtype) and not isinstance(s.dtype, pd.CategoricalDtype)


def _is_cat(s):
    return isinstance(s.dtype, pd.CategoricalDtype)


B2C_COLUMNS = {
    "customer_id": _is_str, "age": pd.api.types.is_integer_dtype, "gender": _is_cat, "income": pd.api.types.is_float_dtype,
    "education": _is_cat, "occupation": _is_cat, "marital_status": _is_cat, "household_size": pd.api.types.is_integer_dtype,
    "children": pd.api.types.is_integer_dtype, "country": _is_cat, "region": _is_cat, "city": _is_cat, "postcode_prefix": _is_str,
    "urban_rural": _is_cat, "employment_status": _is_cat, "travel_lover": pd.api.types.is_bool_dtype, "gamer": pd.api.types.is_bool_dtype,
    "pet_owner": pd.api.types.is_bool_dtype, "tv_series_fan": pd.api.types.is_bool_dtype, "sports_fan": pd.api.types.is_bool_dtype,
    "foodie": pd.api.types.is_bool_dtype, "fitness_fan": pd.api.types.is_bool_dtype, "acquisition_channel": _is_cat,
    "referral_source": _is_cat, "preferred_channel": _is_cat, "signup_date": pd.api.types.is_datetime64_dtype,
    "last_updated": pd.api.types.is_datetime64_dtype, "email_opt_in": pd.api.types.is_bool_dtype, "ads_opt_in": pd.api.types.is_bool_dtype,
    "opted_out": pd.api.types.is_bool_dtype, "email": _is_str, "phone": _is_str,
}
TABLE_COLUMNS = {
    "transactions": {"order_id": _is_str, "customer_id": _is_str, "timestamp": pd.api.types.is_datetime64_dtype, "product_id": _is_str,
                     "category": _is_cat, "amount": pd.api.types.is_float_dtype, "channel": _is_cat},
    "events": {"customer_id": _is_str, "session_id": _is_str, "timestamp": pd.api.types.is_datetime64_dtype, "event": _is_cat,
               "page": _is_cat, "referral_source": _is_cat, "device": _is_cat},
    "contacts": {"customer_id": _is_str, "campaign": _is_cat, "channel": _is_cat, "sent_at": pd.api.types.is_datetime64_dtype,
                 "group": _is_cat, "opened": pd.api.types.is_bool_dtype, "clicked": pd.api.types.is_bool_dtype,
                 "converted": pd.api.types.is_bool_dtype},
    "survey_items": {"item": _is_str, "scale": _is_cat, "text": _is_str, "reverse_keyed": pd.api.types.is_bool_dtype},
}


def _check_schema(df, spec):
    assert list(df.columns) == list(spec)
    for col, ok in spec.items():
        assert ok(df[col]), f"{col} has dtype {df[col].dtype}"


# ----------------------------------------------------------------------------- schema
def test_customers_schema_and_ids(data):
    c = data.customers
    _check_schema(c, B2C_COLUMNS)
    assert len(c) == N and c["customer_id"].is_unique
    assert c["customer_id"].str.fullmatch(r"C\d{7}").all()
    assert c["age"].between(18, 95).all() and (c["income"] > 0).all()
    assert (c["household_size"] >= 1 + c["children"]).all()


def test_other_tables_schema(data):
    for name, spec in TABLE_COLUMNS.items():
        _check_schema(getattr(data, name), spec)
    items = data.survey_items
    assert list(data.survey.columns) == ["customer_id", *items["item"], "duration_s"]
    for item in items["item"]:
        assert data.survey[item].dtype == "Int8"
    assert set(items["scale"].cat.categories) == {"motivations", "values", "lifestyle", "interests", "media", "self_description"}
    assert items.groupby("scale", observed=True).size().between(4, 5).all()
    assert items["reverse_keyed"].any() and not items["reverse_keyed"].all()


def test_truth_schema(data):
    t = data.truth.customers
    assert list(t.columns) == ["customer_id", "persona", "psychographic_segment", "propensity", "converted"]
    assert t["customer_id"].equals(data.customers["customer_id"])
    assert t["persona"].nunique() == 7 and t["psychographic_segment"].nunique() == 5
    assert t["propensity"].between(0, 1).all() and t["converted"].dtype == bool
    tr = data.truth.persona_traits
    assert list(tr.columns) == ["persona", "column", "level", "direction"]
    assert tr.groupby("persona", observed=True).size().max() <= 8
    assert set(tr["column"]) <= set(data.customers.columns)
    assert set(tr["direction"]) <= {"higher", "lower"}


def test_dates_within_period_and_signup(data):
    c = data.customers
    lo, hi = pd.Timestamp("2022-01-01"), pd.Timestamp("2025-01-01")
    assert c["signup_date"].between(lo, hi).all()
    assert (c["last_updated"] >= c["signup_date"]).all() and (c["last_updated"] < hi).all()
    # a share of very stale records, for data-decay checks
    assert (c["last_updated"] < pd.Timestamp("2024-01-01")).mean() > 0.1
    for table, col in (("transactions", "timestamp"), ("events", "timestamp"), ("contacts", "sent_at")):
        ts = getattr(data, table)[col]
        assert ts.between(lo, hi).all() and ts.is_monotonic_increasing
    first = data.transactions.groupby("customer_id")["timestamp"].min()
    assert (first >= c.set_index("customer_id").loc[first.index, "signup_date"]).all()


def test_consent_and_contact_fields(data):
    c = data.customers
    assert 0.015 < c["opted_out"].mean() < 0.05
    assert not (c["opted_out"] & (c["email_opt_in"] | c["ads_opt_in"])).any()
    email = c["email"].dropna().str.strip().str.lower()
    assert email.str.fullmatch(r"[a-z0-9._]+@example\.(com|org|net)").all()
    assert (c["email"].dropna() != c["email"].dropna().str.strip()).any()  # stray spaces
    assert (c["email"].dropna() != c["email"].dropna().str.lower()).any()  # mixed case
    digits = c["phone"].dropna().str.replace(r"\D", "", regex=True)
    assert (digits.str.contains("7700900") | digits.str.contains("55501")).all()
    for col in ("email", "phone"):
        assert 0.02 < c[col].isna().mean() < 0.09


# ----------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_tables():
    a = ms.datasets.make_customers(n_customers=400, random_state=11)
    b = ms.datasets.make_customers(n_customers=400, random_state=11)
    for name in ("customers", "transactions", "events", "contacts", "survey", "survey_items"):
        assert_frame_equal(getattr(a, name), getattr(b, name))
    assert_frame_equal(a.truth.customers, b.truth.customers)


def test_different_seeds_give_different_tables():
    a = ms.datasets.make_customers(n_customers=400, random_state=1)
    b = ms.datasets.make_customers(n_customers=400, random_state=2)
    assert not a.customers["age"].equals(b.customers["age"])
    assert len(a.transactions) != len(b.transactions) or not a.transactions["amount"].equals(b.transactions["amount"])


# ----------------------------------------------------------------------------- planted structure
def test_persona_traits_hold_in_the_data(data):
    c = data.customers
    persona = data.truth.customers["persona"].to_numpy()
    for row in data.truth.persona_traits.itertuples():
        m = persona == row.persona
        if row.level == "":
            x = c[row.column].to_numpy(float)
            effect = (x[m].mean() - x.mean()) / x.std()
            assert abs(effect) >= 0.3, (row, effect)
        else:
            x = (c[row.column].astype(str) == row.level).to_numpy()
            share, pop = x[m].mean(), x.mean()
            effect = 2 * np.arcsin(np.sqrt(share)) - 2 * np.arcsin(np.sqrt(pop))
            index = share / pop
            assert abs(effect) >= 0.2 and (index >= 1.5 or index <= 0.67), (row, effect, index)
        assert (effect > 0) == (row.direction == "higher"), (row, effect)


def _customer_features(d):
    c = d.customers.set_index("customer_id")
    X = c.drop(columns=["email", "phone", "postcode_prefix", "signup_date", "last_updated"])
    t = d.transactions
    g = t.groupby("customer_id")
    agg = pd.DataFrame({"n_lines": g.size(), "n_orders": g["order_id"].nunique(), "spend": g["amount"].sum(), "mean_amount": g["amount"].mean()})
    counts = pd.crosstab(t["customer_id"], t["category"])
    shares = counts.div(counts.sum(axis=1), axis=0).add_prefix("share_")
    return X.join(agg).join(shares).reset_index(drop=True)


def test_persona_recoverable_but_not_trivially(data):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import cross_val_score
    from threadpoolctl import threadpool_limits

    X = _customer_features(data)
    y = data.truth.customers["persona"].cat.codes.to_numpy()
    clf = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=30, learning_rate=0.2, random_state=0)
    with threadpool_limits(1):  # OpenMP threads crawl on a busy 2-core machine
        accuracy = cross_val_score(clf, X, y, cv=5).mean()
    assert 0.80 <= accuracy <= 0.95, accuracy


def test_transactions_volume_returns_and_anomalies(data):
    t = data.transactions
    assert 11 <= len(t) / N <= 19
    returns = t[t["amount"] < 0]
    assert 0.025 <= len(returns) / len(t) <= 0.06
    assert returns["customer_id"].isin(data.customers["customer_id"]).all()
    purchases = t[t["amount"] > 0]
    # every return reverses an earlier purchase line: same order, customer, product and value
    key = ["order_id", "customer_id", "product_id", "value"]
    bought = purchases.assign(value=purchases["amount"])[[*key, "timestamp"]].drop_duplicates(key)
    matched = returns.assign(value=-returns["amount"]).merge(bought, on=key, suffixes=("", "_buy"))
    assert len(matched) == len(returns)
    assert (matched["timestamp"] > matched["timestamp_buy"]).all()
    assert 0 < (t["amount"] == 0).sum() < 0.002 * len(t)
    assert 0 < t.duplicated().sum() < 0.005 * len(t)
    assert t.groupby("order_id").size().max() > 1  # orders span several lines


def test_transactions_have_a_q4_peak_and_co_purchase_signal(data):
    t = data.transactions[data.transactions["amount"] > 0]
    by_month = t.groupby(t["timestamp"].dt.month).size()
    assert by_month.loc[[11, 12]].mean() > 1.4 * by_month.loc[[2, 3, 4, 5, 6]].mean()
    # winter coat (P0049 standard, P0050 premium) and gloves (P0051, P0052) share orders far more than by chance
    basket = t[["order_id", "product_id"]].drop_duplicates()
    orders = basket["order_id"].nunique()
    coat = set(basket.loc[basket["product_id"].isin(["P0049", "P0050"]), "order_id"])
    gloves = set(basket.loc[basket["product_id"].isin(["P0051", "P0052"]), "order_id"])
    lift = len(coat & gloves) * orders / (len(coat) * len(gloves))
    assert lift > 10


def test_events_funnel_and_anonymous_visitors(data):
    e = data.events
    assert 30 <= len(e) / N <= 50
    anon = e["customer_id"].isna() & e["session_id"].notna()
    assert 0.05 < anon.mean() < 0.3
    counts = e["event"].value_counts()
    funnel = ["visit", "view_product", "add_to_cart", "begin_checkout", "purchase"]
    assert (counts[funnel[2:]].diff().dropna() < 0).all() and counts["visit"] > counts["add_to_cart"]
    assert {"email_open", "email_click", "ad_click"} <= set(counts[counts > 0].index)
    # purchase rate per session differs by persona
    s = e[e["customer_id"].notna() & e["session_id"].notna()].merge(data.truth.customers[["customer_id", "persona"]], on="customer_id")
    rate = s.groupby("persona", observed=True).apply(lambda g: (g["event"] == "purchase").sum() / g["session_id"].nunique())
    assert rate.max() > 1.5 * rate.min()


def test_contacts_randomised_with_uplift_by_persona(data):
    ct = data.contacts
    control = ct["group"] == "control"
    assert 0.10 <= control.mean() <= 0.20
    assert not ct.loc[control, ["opened", "clicked"]].any().any()
    assert (ct["clicked"] <= ct["opened"]).all()
    c = data.customers.set_index("customer_id")
    assert not c.loc[ct["customer_id"], "opted_out"].any()
    more = ms.datasets.make_customers(n_customers=20_000, random_state=5)
    big = more.contacts.merge(more.truth.customers[["customer_id", "persona"]], on="customer_id")
    rates = big.groupby(["persona", "group"], observed=True)["converted"].mean().unstack()
    lift = rates["treatment"] / rates["control"]
    assert lift["bargain_hunters"] > 1.8 and lift["affluent_travellers"] < 1.5
    # conversion rises with the planted propensity
    by_propensity = big.merge(more.truth.customers[["customer_id", "propensity"]], on="customer_id")
    control = by_propensity[by_propensity["group"] == "control"]
    high = control["propensity"] > control["propensity"].median()
    assert control.loc[high, "converted"].mean() > 2 * control.loc[~high, "converted"].mean()


def test_propensity_is_learnable_and_drives_conversion(data):
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import cross_val_predict

    t = data.truth.customers
    assert 0.05 < t["converted"].mean() < 0.3
    X = pd.get_dummies(data.customers[["age", "income", "email_opt_in", "travel_lover", "foodie", "preferred_channel", "occupation"]], dtype=float)
    X["income"] = np.log(X["income"] + 1000)
    proba = cross_val_predict(LogisticRegression(max_iter=2000), (X - X.mean()) / X.std(), t["converted"], cv=3, method="predict_proba")[:, 1]
    assert roc_auc_score(t["converted"], proba) > 0.65


def test_survey_answers_and_quality_problems(data):
    s = data.survey
    items = list(data.survey_items["item"])
    assert 0.25 < len(s) / N < 0.35
    assert s["customer_id"].isin(data.customers["customer_id"]).all() and s["customer_id"].is_unique
    answers = s[items]
    values = answers.stack()
    assert values.between(1, 5).all()
    skipped = answers.isna().to_numpy().mean()
    assert 0.005 < skipped < 0.02
    flat = answers.nunique(axis=1) == 1
    assert 0.01 < flat.mean() < 0.04
    speeders = s["duration_s"] < 0.25 * s["duration_s"].median()
    assert 0.01 < speeders.mean() < 0.04


def test_psychographic_segments_recoverable(data):
    from sklearn.cluster import KMeans
    from sklearn.decomposition import FactorAnalysis
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler

    s = data.survey
    answers = s[list(data.survey_items["item"])].astype("float64")
    clean = (answers.nunique(axis=1) > 1) & (s["duration_s"] > 0.25 * s["duration_s"].median())
    a = answers[clean].fillna(answers[clean].mean())
    factors = FactorAnalysis(n_components=6, rotation="varimax", random_state=0).fit_transform(StandardScaler().fit_transform(a))
    labels = KMeans(5, n_init=10, random_state=0).fit_predict(factors)
    truth = data.truth.customers.set_index("customer_id").loc[s.loc[clean, "customer_id"], "psychographic_segment"]
    assert adjusted_rand_score(truth, labels) >= 0.8
    # correlated with persona, but not the same
    t = data.truth.customers
    agree = pd.crosstab(t["persona"], t["psychographic_segment"]).max(axis=1).sum() / len(t)
    assert 0.35 < agree < 0.8


# ----------------------------------------------------------------------------- b2b and arguments
def test_b2b_companies(b2b):
    c = b2b.customers
    for col in ("customer_id", "company_name", "industry", "company_size", "country", "region", "city", "partner", "contact_role",
                "job_title", "lifetime_value", "signup_date", "last_updated", "email_opt_in", "ads_opt_in", "opted_out", "email", "phone"):
        assert col in c.columns
    assert c["company_name"].is_unique and isinstance(c["company_size"].dtype, pd.CategoricalDtype)
    assert c["email"].dropna().str.strip().str.lower().str.fullmatch(r"[a-z.]+@[a-z0-9-]+\.example\.(com|org|net)").all()
    net = b2b.transactions.groupby("customer_id")["amount"].sum()
    assert np.allclose(c.set_index("customer_id").loc[net.index, "lifetime_value"], net.round(2), atol=0.01)
    _check_schema(b2b.transactions, TABLE_COLUMNS["transactions"])
    _check_schema(b2b.events, TABLE_COLUMNS["events"])
    persona = b2b.truth.customers["persona"].to_numpy()
    for row in b2b.truth.persona_traits.itertuples():
        m = persona == row.persona
        if row.level == "":
            x = c[row.column].to_numpy(float)
            effect = (x[m].mean() - x.mean()) / x.std()
        else:
            x = (c[row.column].astype(str) == row.level).to_numpy()
            effect = 2 * np.arcsin(np.sqrt(x[m].mean())) - 2 * np.arcsin(np.sqrt(x.mean()))
        assert abs(effect) >= 0.2 and (effect > 0) == (row.direction == "higher"), (row, effect)


def test_tiny_population_works():
    d = ms.datasets.make_customers(n_customers=1, random_state=0)
    assert len(d.customers) == 1 and len(d.truth.customers) == 1
    assert list(d.survey.columns)[-1] == "duration_s"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_customers": 0}, "n_customers must be an integer >= 1"),
        ({"n_customers": 10.5}, "n_customers must be an integer"),
        ({"n_customers": True}, "n_customers must be an integer"),
        ({"kind": "b2x"}, "kind must be 'b2c'"),
        ({"start": "2024-01-01", "end": "2023-01-01"}, "start must be before end"),
        ({"start": "not a date"}, "start must be a date"),
        ({"start": "2024-01-01", "end": "2024-01-03"}, "shorter than 7 days"),
    ],
)
def test_invalid_arguments_raise(kwargs, match):
    kwargs = {"n_customers": 10, **kwargs}
    with pytest.raises(MicrosegError, match=match):
        ms.datasets.make_customers(**kwargs)


def test_repr_and_html(data):
    assert repr(data).startswith("CustomerData(customers=6,000")
    assert "<table" in data._repr_html_()
    assert data.to_frame()["rows"].iloc[0] == N
    with pytest.raises(AttributeError):
        data.customers = None
