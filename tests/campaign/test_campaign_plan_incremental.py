"""Incremental campaign plans: budgets on measured lift from a randomised test, planted effects recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from microseg.campaign import holdout_split, plan, readout
from microseg.errors import MicrosegError, NotIncrementalWarning, SchemaError


def _test_and_customers():
    """A test in which segment "x" gains 10 points of conversion, "y" nothing measurable, "z" is unclear."""
    cells = {"x": (300, 100), "y": (200, 200), "z": (230, 200)}  # conversions of 2000 treated, 2000 control
    parts = []
    for seg, (x_t, x_c) in cells.items():
        parts.append(pd.DataFrame({
            "segment": seg,
            "group": ["treatment"] * 2000 + ["control"] * 2000,
            "converted": [True] * x_t + [False] * (2000 - x_t) + [True] * x_c + [False] * (2000 - x_c),
        }))
    test = pd.concat(parts, ignore_index=True)
    customers = pd.DataFrame({"customer_id": [f"c{i}" for i in range(30)], "segment": np.repeat(["x", "y", "z"], 10),
                              "opted_out": False, "email_opt_in": True})
    return test, customers


def test_plan_budgets_on_lift_with_intervals():
    test, customers = _test_and_customers()
    ro = readout(test, segments="segment")
    p = plan(customers, response=ro, cost_per_contact=1.0, value_per_conversion=50.0)
    t = p.table
    assert p.incremental and (t["basis"] == "incremental").all()
    assert t["funded"].to_dict() == {"x": True, "y": False, "z": False}
    assert t["contacts"].to_dict() == {"x": 10, "y": 0, "z": 0}
    x = ro.table.loc["x"]
    for suffix in ("", "_low", "_high"):
        assert t.loc["x", f"incremental_conversions{suffix}"] == pytest.approx(10 * x[f"lift{suffix}"])
        assert t.loc["x", f"incremental_revenue{suffix}"] == pytest.approx(500 * x[f"lift{suffix}"])
        assert t.loc["x", f"roi{suffix}"] == pytest.approx((500 * x[f"lift{suffix}"] - 10) / 10)
    assert p.total["incremental_revenue"] == pytest.approx(50.0)
    assert p.total["incremental_revenue_low"] == pytest.approx(t.loc["x", "incremental_revenue_low"])
    assert set(p.contacts.columns) >= {"customer", "lift", "expected_value"}


def test_fund_uncertain_funds_segments_whose_interval_includes_zero():
    test, customers = _test_and_customers()
    ro = readout(test, segments="segment")
    assert ro.table.loc["z", "lift_low"] < 0 < ro.table.loc["z", "lift"]
    p = plan(customers, response=ro, cost_per_contact=0.1, value_per_conversion=50.0, fund_uncertain=True)
    # z: positive estimate, interval includes zero -> funded on request; y: estimate zero -> never
    assert p.table["funded"].to_dict() == {"x": True, "y": False, "z": True}
    assert p.table.loc["z", "contacts"] == 10


def test_budget_buys_the_largest_incremental_return_first():
    test, customers = _test_and_customers()
    ro = readout(test, segments="segment")
    p = plan(customers, response=ro, cost_per_contact=1.0, value_per_conversion=50.0, budget=15, fund_uncertain=True)
    assert p.table["contacts"].to_dict() == {"x": 10, "y": 0, "z": 5}


def test_an_overall_readout_applies_to_every_segment():
    test, customers = _test_and_customers()
    ro = readout(test)
    p = plan(customers, response=ro, cost_per_contact=1.0, value_per_conversion=50.0)
    assert p.table["lift"].tolist() == pytest.approx([ro.overall["lift"]] * 3)


def test_readout_must_cover_the_plan_segments_and_be_yes_no():
    test, customers = _test_and_customers()
    ro = readout(test[test["segment"] != "z"], segments="segment")
    with pytest.raises(MicrosegError, match=r"no lift for segments \['z'\]"):
        plan(customers, response=ro, cost_per_contact=1.0, value_per_conversion=50.0)
    spend = readout(test.assign(spend=test["converted"] * 20.5), outcome="spend", segments="segment")
    with pytest.raises(MicrosegError, match="yes/no outcome"):
        plan(customers, response=spend, cost_per_contact=1.0, value_per_conversion=50.0)


def test_raw_response_plan_warns_and_is_labelled_not_incremental():
    _, customers = _test_and_customers()
    with pytest.warns(NotIncrementalWarning, match="would have bought anyway"):
        p = plan(customers, response=0.1, cost_per_contact=1.0, value_per_conversion=50.0)
    assert not p.incremental
    assert (p.table["basis"] == "not incremental").all()
    assert "NOT INCREMENTAL" in repr(p)
    ax = p.plot()
    assert "not incremental" in ax.get_title()
    assert any("not incremental" in t.get_text() for t in ax.get_legend().get_texts())


def test_incremental_plan_plot_draws_intervals():
    test, customers = _test_and_customers()
    p = plan(customers, response=readout(test, segments="segment"), cost_per_contact=1.0, value_per_conversion=50.0)
    ax = p.plot()
    assert ax.get_title().startswith("Incremental campaign plan")
    from matplotlib.container import BarContainer

    revenue_bars = [c for c in ax.containers if isinstance(c, BarContainer)][1]
    bars = [b.get_height() for b in revenue_bars]
    assert revenue_bars.errorbar is not None
    assert bars == pytest.approx(p.table["incremental_revenue"].tolist())
    assert "incremental" in repr(p) and "[" in repr(p)


# --------------------------------------------------------------------------- duplicate ids
def test_duplicate_customer_ids_in_plan_are_an_error():
    test, customers = _test_and_customers()
    dup = pd.concat([customers, customers.iloc[:6]], ignore_index=True)
    with pytest.raises(SchemaError, match=r"repeats 6 customer ids.*contacted and costed more than once"):
        plan(dup, response=readout(test, segments="segment"), cost_per_contact=1.0, value_per_conversion=50.0)


def test_duplicate_customer_ids_in_holdout_split_are_an_error():
    customers = pd.DataFrame({"customer_id": [f"c{i}" for i in range(200)], "seg": "a"})
    dup = pd.concat([customers, customers.iloc[:20]], ignore_index=True)
    with pytest.raises(SchemaError, match=r"repeats 20 customer ids.*both arms"):
        holdout_split(dup, control=0.5, random_state=0)
    by_index = customers.set_index("customer_id")
    with pytest.raises(SchemaError, match="index"):
        holdout_split(pd.concat([by_index, by_index.iloc[:3]]), control=0.5, random_state=0)


# --------------------------------------------------------------------------- planted demo effects
@pytest.fixture(scope="module")
def demo():
    import microseg as ms

    data = ms.datasets.make_customers(n_customers=40_000, random_state=0)
    persona = data.truth.customers.set_index("customer_id")["persona"]
    contacts = data.contacts.assign(persona=persona.reindex(data.contacts["customer_id"]).to_numpy())
    customers = data.customers.assign(persona=persona.reindex(data.customers["customer_id"]).to_numpy())
    return data, contacts, customers


def _planted_lift(data, contacts) -> pd.Series:
    """The planted absolute lift per persona, from the generator's own rule (see make_customers' contacts).

    Without contact a customer converts with ``p0 = 0.3 * propensity``; a treated customer who opens (probability
    ``p_open``) converts again with ``incr = min(p0 * uplift / p_open, 0.95)``, so the lift is
    ``(1 - p0) * p_open * incr`` (= ``(1 - p0) * p0 * uplift`` unless clipped), averaged over the treated contacts.
    """
    from microseg.datasets._gen_contacts import _OPEN_RATE
    from microseg.datasets._gen_personas import _B2C

    truth = data.truth.customers.set_index("customer_id")
    code = contacts["persona"].map({n: i for i, n in enumerate(_B2C["personas"])}).to_numpy()
    p0 = 0.3 * truth["propensity"].reindex(contacts["customer_id"]).to_numpy()
    p_open = np.clip(contacts["channel"].map(_OPEN_RATE).astype(float).to_numpy() * np.asarray(_B2C["open_p"])[code], 0, 0.95)
    incr = np.clip(p0 * np.asarray(_B2C["uplift"])[code] / p_open, 0, 0.95)
    treated = (contacts["group"] == "treatment").to_numpy()
    lift = (1 - p0) * p_open * incr
    return pd.Series(lift[treated]).groupby(contacts["persona"].to_numpy()[treated]).mean()


def test_plan_recovers_planted_persona_effects(demo):
    data, contacts, customers = demo
    ro = readout(contacts, segments="persona")
    p = plan(customers, segment="persona", response=ro, cost_per_contact=0.05, value_per_conversion=35.0)
    t = p.table
    planted = _planted_lift(data, contacts)
    assert planted["affluent_travellers"] == 0 and planted["bargain_hunters"] > 0.05
    # bargain hunters: a large effect, funded; affluent travellers: none, not funded
    assert t.loc["bargain_hunters", "funded"] and t.loc["bargain_hunters", "lift_low"] > 0.05
    assert not t.loc["affluent_travellers", "funded"] and t.loc["affluent_travellers", "contacts"] == 0
    assert t["lift"].idxmax() == "bargain_hunters"
    # every persona's interval covers its planted lift (95 % intervals; this seed covers all seven)
    covered = (t["lift_low"] <= planted.reindex(t.index)) & (planted.reindex(t.index) <= t["lift_high"])
    assert covered.all(), covered
    n = t.loc["bargain_hunters", "contacts"]
    value = planted["bargain_hunters"] * n * 35.0
    assert t.loc["bargain_hunters", "incremental_revenue_low"] <= value <= t.loc["bargain_hunters", "incremental_revenue_high"]


def test_raw_response_overstates_what_the_campaign_causes_on_the_demo(demo):
    _, contacts, customers = demo
    ro = readout(contacts, segments="persona")
    inc = plan(customers, segment="persona", response=ro, cost_per_contact=0.05, value_per_conversion=35.0, fund_uncertain=True)
    with pytest.warns(NotIncrementalWarning):
        raw = plan(customers, segment="persona", response=ro.by_segment["rate_treatment"], cost_per_contact=0.05,
                   value_per_conversion=35.0)
    # the raw plan funds affluent travellers, whose planted uplift is zero, and counts far more revenue
    assert raw.table.loc["affluent_travellers", "contacts"] > 0
    assert raw.total["revenue"] > 1.5 * inc.total["incremental_revenue"]
