"""Campaign plan: reach after consent and suppression, personalisation matrix, budget allocation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microseg.campaign import CampaignPlan, plan
from microseg.errors import DataQualityWarning, MicrosegError, SchemaError

# These tests exercise the mechanics (reach, consent, allocation) with raw response rates, which warn that the
# plan is not incremental; the warning itself is tested in test_campaign_plan_incremental.py.
pytestmark = pytest.mark.filterwarnings("ignore::microseg.errors.NotIncrementalWarning")


def _customers():
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(10)],
            "segment": ["a"] * 4 + ["b"] * 5 + ["tiny"],
            "opted_out": [True, False, False, False, False, False, None, False, False, False],
            "email_opt_in": [True, False, True, True, True, None, True, True, True, True],
            "ads_opt_in": [True] * 10,
        }
    )


def test_plan_table_matches_hand_computation():
    df = _customers()
    p = plan(df, response={"a": 0.1, "b": 0.2, "tiny": 0.5}, cost_per_contact=2.0, value_per_conversion=30.0)
    t = p.table
    # a: c0 opted out, c1 no consent -> 2 reachable; b: c5 missing consent, c6 missing opt-out -> 3; tiny: 1
    assert t["reachable"].to_dict() == {"a": 2, "b": 3, "tiny": 1}
    assert t["opted_out"].to_dict() == {"a": 1, "b": 1, "tiny": 0}
    assert t["no_consent"].to_dict() == {"a": 1, "b": 1, "tiny": 0}
    assert t.loc["b", "cost"] == 6.0
    assert t.loc["b", "expected_conversions"] == pytest.approx(0.6)
    assert t.loc["b", "revenue"] == pytest.approx(18.0)
    assert t.loc["b", "roi"] == pytest.approx((18 - 6) / 6)
    assert t.loc["a", "roi"] == pytest.approx((2 * 0.1 * 30 - 4) / 4)
    assert p.total["contacts"] == 6


def test_every_row_counted_once_across_statuses():
    p = plan(_customers(), response=0.1, cost_per_contact=1.0, value_per_conversion=1.0)
    t = p.table
    assert (t[["opted_out", "no_consent", "suppressed", "reachable"]].sum(axis=1) == t["size"]).all()
    assert p.excluded == {"opted out": 2, "no consent": 2, "suppressed": 0}


def test_ad_channel_uses_ads_consent():
    df = _customers().assign(ads_opt_in=[False] * 9 + [True])
    p = plan(df, response=0.1, cost_per_contact=1.0, value_per_conversion=1.0, channels="meta")
    assert p.table["reachable"].to_dict() == {"a": 0, "b": 0, "tiny": 1}
    assert (p.table["channel"] == "meta").all()


def test_suppressed_customer_ids_are_not_contacted():
    p = plan(_customers(), response=0.1, cost_per_contact=1.0, value_per_conversion=1.0, suppression=["c2", "c9"])
    assert p.table["suppressed"].to_dict() == {"a": 1, "b": 0, "tiny": 1}
    assert not set(p.contacts["customer"]) & {"c2", "c9"}


def test_suppression_list_from_privacy_matches_normalised_email():
    privacy = pytest.importorskip("microseg.privacy.suppression")
    df = _customers().assign(email=[f"user{i}@example.com" for i in range(10)])
    sl = privacy.suppression_list(pd.DataFrame({"email": [" USER3@Example.com "]}))
    p = plan(df, response=0.1, cost_per_contact=1.0, value_per_conversion=1.0, suppression=sl)
    assert "c3" not in set(p.contacts["customer"])
    assert p.excluded["suppressed"] == 1


def test_missing_consent_column_raises_unless_stated_upstream():
    df = _customers().drop(columns="email_opt_in")
    with pytest.raises(SchemaError, match="email_opt_in"):
        plan(df, response=0.1, cost_per_contact=1.0, value_per_conversion=1.0)
    p = plan(df, response=0.1, cost_per_contact=1.0, value_per_conversion=1.0, consent=False)
    assert p.table["reachable"].sum() == 8


def test_labels_series_needs_consent_stated():
    labels = pd.Series(["a", "b", "b"], name="segment")
    with pytest.raises(SchemaError, match="opted_out"):
        plan(labels, response=0.1, cost_per_contact=1.0, value_per_conversion=1.0)
    p = plan(labels, response=0.1, cost_per_contact=1.0, value_per_conversion=1.0, opt_out=False, consent=False)
    assert p.table["reachable"].to_dict() == {"a": 1, "b": 2}


@pytest.mark.parametrize("bad", [1.2, -0.1, np.nan])
def test_response_outside_unit_interval_is_rejected(bad):
    with pytest.raises(MicrosegError, match="response"):
        plan(_customers(), response={"a": bad, "b": 0.1, "tiny": 0.1}, cost_per_contact=1.0, value_per_conversion=1.0)


def test_lookalike_scores_are_rejected_by_name():
    df = _customers()
    score = pd.Series(np.linspace(0, 1, 10), index=df.index, name="score")
    with pytest.raises(MicrosegError, match="lookalike score or rank"):
        plan(df, response=score, cost_per_contact=1.0, value_per_conversion=1.0)


def test_lookalike_scores_are_rejected_by_attrs():
    df = _customers()
    s = pd.Series(np.linspace(0, 1, 10), index=df.index, name="p")
    s.attrs["source"] = "Lookalike.score_samples"
    with pytest.raises(MicrosegError, match="lookalike"):
        plan(df, response=s, cost_per_contact=1.0, value_per_conversion=1.0)


def test_ranks_are_rejected():
    df = _customers().assign(r=np.arange(1, 11))
    with pytest.raises(MicrosegError, match="ranks"):
        plan(df, response="r", cost_per_contact=1.0, value_per_conversion=1.0)


def test_every_segment_gets_the_default_message():
    p = plan(_customers(), response=0.1, cost_per_contact=1.0, value_per_conversion=1.0)
    assert p.table["message"].to_dict() == {s: f"Picked for you ({s})" for s in ["a", "b", "tiny"]}
    assert set(p.contacts["message"]) == {f"Picked for you ({s})" for s in ["a", "b", "tiny"]}


def test_message_mapping_missing_a_segment_names_it():
    with pytest.raises(MicrosegError, match="tiny"):
        plan(_customers(), response=0.1, cost_per_contact=1.0, value_per_conversion=1.0, messages={"a": "hi", "b": "yo"})


def test_budget_goes_to_best_value_per_cost_first():
    # value per cost: tiny 0.5*30/2 = 7.5, b 3.0, a 1.5
    p = plan(_customers(), response={"a": 0.1, "b": 0.2, "tiny": 0.5}, cost_per_contact=2.0,
             value_per_conversion=30.0, budget=7.0)
    assert p.table["contacts"].to_dict() == {"a": 0, "b": 2, "tiny": 1}
    assert p.total["cost"] == 6.0


def test_per_customer_probabilities_contact_likeliest_first_with_diminishing_returns():
    df = pd.DataFrame({"customer_id": list("abcdef"), "segment": ["s"] * 6, "p": [0.05, 0.5, 0.2, 0.4, 0.1, 0.3]})
    p = plan(df, response="p", cost_per_contact=1.0, value_per_conversion=10.0, budget=3.0, opt_out=False, consent=False)
    assert p.contacts["customer"].tolist() == ["b", "d", "f"]
    assert np.all(np.diff(p.contacts["expected_value"]) <= 0)
    assert p.table.loc["s", "marginal_roi"] == pytest.approx(0.3 * 10 - 1)


def test_min_roi_skips_unprofitable_contacts():
    p = plan(_customers(), response={"a": 0.01, "b": 0.2, "tiny": 0.5}, cost_per_contact=1.0,
             value_per_conversion=10.0, min_roi=0.0)
    assert p.table.loc["a", "contacts"] == 0 and p.table.loc["b", "contacts"] == 3


def test_caps_limit_spend_per_segment():
    p = plan(_customers(), response=0.3, cost_per_contact=2.0, value_per_conversion=10.0, caps={"a": 2.0, "b": 5.0, "tiny": 0.0})
    assert p.table["contacts"].to_dict() == {"a": 1, "b": 2, "tiny": 0}


def test_cost_per_channel_mapping():
    p = plan(_customers(), response=0.1, cost_per_contact={"email": 0.1, "sms": 0.5}, value_per_conversion=1.0,
             channels={"a": "email", "b": "email", "tiny": "email"})
    assert (p.table["cost_per_contact"] == 0.1).all()


def test_missing_segment_labels_are_reported():
    df = _customers().astype({"segment": object})
    df.loc[0, "segment"] = None
    with pytest.warns(DataQualityWarning, match="missing segment label: 1"):
        p = plan(df, response=0.1, cost_per_contact=1.0, value_per_conversion=1.0)
    assert p.table["size"].sum() == 9


def test_plan_does_not_modify_input():
    df = _customers()
    before = df.copy()
    plan(df, response=0.1, cost_per_contact=1.0, value_per_conversion=1.0, budget=2.0)
    pd.testing.assert_frame_equal(df, before)


def test_result_object_renders():
    p = plan(_customers(), response=0.1, cost_per_contact=1.0, value_per_conversion=20.0)
    assert isinstance(p, CampaignPlan)
    assert repr(p).startswith("CampaignPlan(NOT INCREMENTAL") and "3 segments" in repr(p)
    assert "<table" in p._repr_html_()
    assert p.to_frame().equals(p.table)


def test_plot_draws_cost_and_revenue_bars():
    p = plan(_customers(), response={"a": 0.1, "b": 0.2, "tiny": 0.5}, cost_per_contact=2.0, value_per_conversion=30.0)
    ax = p.plot()
    assert len(ax.patches) == 6
    heights = sorted(round(b.get_height(), 6) for b in ax.patches)
    assert 18.0 in heights and 15.0 in heights  # b revenue, tiny revenue
    assert ax.get_xlabel() == "Segment"


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(1, 40),
    n_seg=st.integers(1, 4),
    budget=st.one_of(st.none(), st.floats(0, 50)),
    cap=st.one_of(st.none(), st.floats(0, 20)),
    seed=st.integers(0, 10_000),
)
def test_allocation_never_exceeds_budget_or_caps_and_is_greedy(n, n_seg, budget, cap, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "segment": rng.integers(0, n_seg, n).astype(str),
            "p": rng.random(n),
            "opted_out": rng.random(n) < 0.2,
            "email_opt_in": rng.random(n) < 0.8,
        }
    )
    segs = sorted(df["segment"].unique())
    cost = {s: float(c) for s, c in zip(segs, rng.uniform(0.5, 3, len(segs)))}
    p = plan(df, response="p", cost_per_contact=cost, value_per_conversion=10.0, budget=budget, caps=cap)
    t = p.table
    if budget is not None:
        assert t["cost"].sum() <= budget + 1e-9
    if cap is not None:
        assert (t["cost"] <= cap + 1e-9).all()
    ok = df.loc[~df["opted_out"] & df["email_opt_in"], "customer_id"]
    assert set(p.contacts["customer"]) <= set(ok)
    assert p.contacts["customer"].is_unique
    # greedy: in each segment the contacted are the likeliest reachable customers
    for s, grp in df[df["customer_id"].isin(ok)].groupby("segment"):
        chosen = set(p.contacts.loc[p.contacts["segment"] == s, "customer"])
        if chosen and len(chosen) < len(grp):
            assert grp.loc[grp["customer_id"].isin(chosen), "p"].min() >= grp.loc[~grp["customer_id"].isin(chosen), "p"].max()


def test_plan_on_demo_customers():
    import microseg as ms

    try:
        data = ms.datasets.make_customers(n_customers=2000, random_state=0)
    except (ImportError, AttributeError):
        pytest.skip("make_customers is not available yet")
    cust = data.customers
    rates = {"app": 0.04, "web": 0.03, "store": 0.02}
    p = plan(cust, segment="preferred_channel", response=rates, cost_per_contact=0.5, value_per_conversion=40.0, budget=300.0)
    # opt-out per person: a record sharing an e-mail or an (international) phone with an objecting record is out too
    from microseg.privacy._people import linked_rows, person_keys

    keys = person_keys(cust, identifiers={"email": "email", "phone": "phone"}, customer="customer_id")
    objecting = linked_rows(keys, {"opted out": cust["opted_out"].to_numpy(dtype=bool)}, len(cust))["opted out"]
    expected = (~objecting & cust["email_opt_in"].astype(bool)).groupby(cust["preferred_channel"], observed=True).sum()
    assert p.table["reachable"].to_dict() == expected.to_dict()
    assert p.linked["opted out (another record of the person)"] == int((objecting & ~cust["opted_out"]).sum()) > 0
    assert p.total["cost"] <= 300.0
    assert p.table.loc["app", "contacts"] == min(expected["app"], 600)
