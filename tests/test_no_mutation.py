"""No public function modifies the caller's DataFrame — checked on generated data.

Every public function that takes a DataFrame is listed in ``CASES``; hypothesis
generates customer tables and transaction logs (missing values, categoricals,
returns, ties, and bad input: ±inf, repeated ids) and each case must leave its
input exactly as it was, whether it succeeds, warns or raises a
:class:`~microseg.errors.MicrosegError` (any other exception fails the test: bad
input gets a clear error). Extend ``CASES`` when a public function is added.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import microseg as ms
from microseg.errors import MicrosegError


@st.composite
def customer_tables(draw):
    n = draw(st.integers(min_value=2, max_value=60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    df = pd.DataFrame(
        {
            "customer_id": [f"C{i:04d}" for i in range(n)],
            "age": rng.integers(18, 90, n),
            "income": np.where(rng.random(n) < 0.1, np.nan, rng.gamma(2.0, 20_000, n)),
            "gender": pd.Categorical(rng.choice(["female", "male", "non_binary"], n)),
            "channel": pd.array(rng.choice(["app", "web", "store"], n), dtype="str"),
            "gamer": rng.random(n) < 0.4,
            "segment": rng.choice(["a", "b", "c"][: draw(st.integers(2, 3))], n),
            "email_opt_in": rng.random(n) < 0.7,
            "ads_opt_in": rng.random(n) < 0.6,
            "opted_out": rng.random(n) < 0.05,
            "last_updated": pd.Timestamp("2024-01-01") - pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
            "email": [f"Person.{i}@Example.COM " if i % 7 else None for i in range(n)],
        }
    )
    if draw(st.booleans()):
        df.index = pd.Index(rng.permutation(n) + 100)
    return df


@st.composite
def bad_customer_tables(draw):
    """Customer tables with the bad input every public function must answer clearly: ±inf, repeated ids."""
    df = draw(customer_tables())
    n = len(df)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if draw(st.booleans()) or n < 3:
        at = rng.choice(n, size=max(1, n // 10), replace=False)
        df.loc[df.index[at], "income"] = rng.choice([np.inf, -np.inf], size=len(at))
    else:
        df.loc[df.index[1], "customer_id"] = df["customer_id"].iloc[0]
    return df


@st.composite
def transaction_logs(draw):
    n = draw(st.integers(min_value=1, max_value=120))
    k = draw(st.integers(min_value=1, max_value=15))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    amount = rng.gamma(2.0, 30.0, n).round(2)
    amount[rng.random(n) < 0.1] *= -1
    ids = pd.array([f"C{i:04d}" for i in rng.integers(0, k, n)], dtype="str")
    if draw(st.booleans()):
        ids[rng.random(n) < 0.1] = pd.NA
    return pd.DataFrame(
        {
            "customer_id": ids,
            "order_id": [f"O{i}" for i in rng.integers(0, max(1, n // 2), n)],
            "timestamp": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365 * 24, n), unit="h"),
            "product_id": pd.array(rng.choice(["coat", "gloves", "hat", "scarf", "mug"], n), dtype="str"),
            "amount": amount,
        }
    )


def _events(tx: pd.DataFrame) -> pd.DataFrame:
    steps = np.array(["view_product", "add_to_cart", "purchase"])
    return tx.assign(event=steps[np.arange(len(tx)) % 3])[["customer_id", "timestamp", "event"]]


CUSTOMER_CASES = {
    "describe": lambda df: ms.describe(df),
    "describe_missing_values": lambda df: ms.describe(df.assign(age_text=df["age"].astype(str)),
                                                      missing_values={"channel": ["app"], "age": [18]}),
    "profile": lambda df: ms.profile(df.drop(columns=["customer_id", "email"]), "segment", min_cell=1),
    "profile_labels": lambda df: ms.profile(df[["age", "gender", "gamer"]], df["segment"].to_numpy(), min_cell=1),
    "compare": lambda df: ms.compare(df[["age", "income", "gamer"]], df["gamer"].to_numpy(), min_cell=1),
    "overlap": lambda df: ms.overlap(df, ["gamer", "email_opt_in", "ads_opt_in"], min_cell=1),
    "bands": lambda df: ms.bands(df["age"], "age"),
    "rule_segments": lambda df: ms.rule_segments(df, {"young": "age < 30", "gamers": df["gamer"]}),
    "combine": lambda df: ms.combine(df, ["gender", "channel"]),
    "customer_view": lambda df: ms.customer_view(df.drop(columns=["segment"])),
    "k_anonymity": lambda df: ms.privacy.k_anonymity(df, ["gender", "channel"]),
    "generalise_to_k": lambda df: ms.privacy.generalise_to_k(df, ["age", "gender"], k=2),
    "freshness": lambda df: ms.privacy.freshness(df, as_of="2024-01-01"),
    "contact_status": lambda df: ms.privacy.contact_status(df, channel="email"),
    "hash_identifiers": lambda df: ms.privacy.hash_identifiers(df["email"], kind="email", platform="meta"),
    "export_audience": lambda df: ms.privacy.export_audience(
        df, platform="meta", identifiers={"email": "email"}, allow_small=True, reason="property test"
    ),
    "suppress_small_cells": lambda df: ms.privacy.suppress_small_cells(df, count="age", min_cell=30),
    "suppression_list_person": lambda df: ms.privacy.is_suppressed(df, ms.privacy.suppression_list(df.head(2), customer="customer_id"),
                                                                   customer="customer_id"),
    "audit_inference": lambda df: ms.privacy.audit_inference(df["segment"], df["gender"]),
    "holdout_split": lambda df: ms.campaign.holdout_split(df, control=0.3, segments="segment", random_state=0),
    "readout": lambda df: ms.campaign.readout(df, outcome="email_opt_in", group="gamer", segments="segment",
                                              covariate="age", balance=["income", "gender"], expected_split=0.5),
    "readout_spend": lambda df: ms.campaign.readout(df, outcome="age", group="gamer", method="bootstrap", n_boot=100,
                                                    random_state=0),
    "plan_raw": lambda df: ms.campaign.plan(df, response=0.1, cost_per_contact=1.0, value_per_conversion=5.0, budget=10.0),
    "plan_incremental": lambda df: ms.campaign.plan(
        df, response=ms.campaign.readout(df, outcome="email_opt_in", group="gamer", segments="segment"),
        cost_per_contact=0.1, value_per_conversion=50.0, fund_uncertain=True),
    "plan_by_uplift": lambda df: ms.campaign.plan(
        df, response=ms.campaign.readout(df, outcome="email_opt_in", group="gamer", segments="segment"),
        cost_per_contact=0.1, value_per_conversion=50.0, uplift="income", min_uplift=0.0),
    "uplift_model": lambda df: ms.campaign.UpliftModel(random_state=0).fit(
        df[["age", "income", "gender", "channel"]], df["email_opt_in"], df["gamer"]).predict(df),
    "uplift_segments": lambda df: ms.campaign.uplift_segments(
        df[["age", "income", "gender", "channel"]], df["age"] - 50.0, y=df["email_opt_in"], treatment=df["gamer"],
        min_leaf=0.1, random_state=0),
}

TRANSACTION_CASES = {
    "rfm": lambda tx: ms.rfm(tx),
    "rfm_btyd": lambda tx: ms.rfm(tx, convention="btyd"),
    "cohorts": lambda tx: ms.cohorts(tx, metric="revenue"),
    "purchase_timing": lambda tx: ms.purchase_timing(tx),
    "due_for_followup": lambda tx: ms.due_for_followup(tx, window=30),
    "funnel": lambda tx: ms.funnel(_events(tx), ["view_product", "add_to_cart", "purchase"]),
    "clv": lambda tx: ms.clv(tx),
    "calibration_holdout": lambda tx: ms.calibration_holdout(tx, calibration_end=tx["timestamp"].median()),
    "cumulative_transactions": lambda tx: ms.cumulative_transactions(tx, calibration_end=tx["timestamp"].median()),
}


def _changes(func, df) -> list[str]:
    """What calling ``func`` on ``df`` changed in it (values, dtypes, index, attrs); an empty list when nothing.

    A clear ``MicrosegError`` is an accepted answer to bad input; any other exception fails the test.
    """
    before = df.copy(deep=True)
    attrs = dict(df.attrs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            func(df)
        except MicrosegError:
            pass
    changes = []
    try:
        pd.testing.assert_frame_equal(df, before, check_exact=True)
    except AssertionError as diff:
        changes.append(str(diff))
    if df.attrs != attrs:
        changes.append(f"attrs {attrs} became {df.attrs}")
    return changes


_SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("name", sorted(CUSTOMER_CASES))
@_SETTINGS
@given(df=customer_tables())
def test_customer_table_functions_leave_the_input_unchanged(name, df):
    assert _changes(CUSTOMER_CASES[name], df) == []


@pytest.mark.parametrize("name", sorted(TRANSACTION_CASES))
@_SETTINGS
@given(tx=transaction_logs())
def test_transaction_functions_leave_the_input_unchanged(name, tx):
    assert _changes(TRANSACTION_CASES[name], tx) == []


@pytest.mark.parametrize("name", sorted(CUSTOMER_CASES))
@_SETTINGS
@given(df=bad_customer_tables())
def test_customer_table_functions_answer_inf_and_repeated_ids_clearly_and_leave_the_input_unchanged(name, df):
    assert _changes(CUSTOMER_CASES[name], df) == []


@pytest.mark.parametrize("name", sorted(TRANSACTION_CASES))
@_SETTINGS
@given(tx=transaction_logs(), bad=st.sampled_from(["inf", "float ids"]))
def test_transaction_functions_answer_inf_and_float_ids_clearly_and_leave_the_input_unchanged(name, tx, bad):
    if bad == "inf":
        tx = tx.assign(amount=tx["amount"].where(tx.index % 5 != 0, np.inf))
    else:
        tx = tx.assign(customer_id=pd.to_numeric(tx["customer_id"].str[1:], errors="coerce").astype("float64"))
    assert _changes(TRANSACTION_CASES[name], tx) == []
