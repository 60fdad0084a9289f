"""Issue 22: the one detector is used wherever columns could target (refuse) or are audited (warn)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import NotIncrementalWarning, SensitiveAttributeError, SensitiveDataWarning
from microseg.lookalike import SmallSeedWarning
from microseg.privacy import export_audience

RELIGIONS = np.array(["Muslim", "Christian", "Hindu", "Jewish", "Buddhist"])


@pytest.fixture
def people():
    rng = np.random.default_rng(0)
    n = 400
    return pd.DataFrame({
        "customer_id": [f"C{i:04d}" for i in range(n)],
        "email": [f"p{i}@example.com" for i in range(n)],
        "income": rng.normal(50, 10, n),
        "group": RELIGIONS[rng.integers(0, 5, n)],  # religions under a neutral name
        "religion": rng.choice(["a", "b"], n),
        "opted_out": False, "email_opt_in": True, "ads_opt_in": True,
    })  # fmt: skip


def test_rule_segments_refuse_a_sensitive_query_and_record_the_reason(people):
    with pytest.raises(SensitiveAttributeError, match="'religion' is sensitive.*rule keys"):
        ms.rule_segments(people, {"x": "religion == 'a'"})
    with pytest.raises(SensitiveAttributeError, match="'group'.*religions"):
        ms.rule_segments(people, {"x": "group == 'Muslim' and income > 40"})
    with pytest.raises(SensitiveAttributeError, match="'group'"):
        ms.rule_segments(people, {"x": lambda d: d["group"] == "Hindu"})  # a mask named after its column
    out = ms.rule_segments(people, {"x": "religion == 'a'"}, allow_sensitive={"religion": "charity, consented"})
    assert out.attrs["sensitive_allowed"] == {"religion": "charity, consented"}
    assert ms.rule_segments(people, {"rich": "income > 60"}).attrs["sensitive_allowed"] == {}


def _fit(look, X, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSeedWarning)
        return look.fit(X, seed=seed)


def test_lookalike_refuses_a_value_flagged_feature_and_a_sensitive_seed(people):
    X = people.drop(columns=["religion"])
    seed = (people["income"] > 55).rename("rich")
    with pytest.raises(SensitiveAttributeError, match="'group'.*lookalike features"):
        _fit(ms.Lookalike(method="pu", min_seed=20, random_state=0), X, seed)
    X = X.drop(columns=["group"]).assign(religion=people["religion"])
    with pytest.raises(SensitiveAttributeError, match="'religion'.*seed"):
        _fit(ms.Lookalike(method="pu", min_seed=20, random_state=0, features=["income"]), X, X["religion"].eq("a"))
    look = _fit(ms.Lookalike(method="pu", min_seed=20, random_state=0, features=["income"],
                             allow_sensitive={"religion": "church charity"}), X, X["religion"].eq("a"))  # fmt: skip
    assert look.sensitive_allowed_ == {"religion": "church charity"}
    assert any("church charity" in n for n in look.notes_)


def test_plan_refuses_segments_that_are_religions(people):
    segs = people.assign(segment=people["group"])
    kw = dict(response=0.1, cost_per_contact=1.0, value_per_conversion=20.0)
    with pytest.raises(SensitiveAttributeError, match="'segment'.*campaign segments"):
        ms.campaign.plan(segs, **kw)
    with pytest.warns(NotIncrementalWarning):  # raw response rates: allowed, and labelled not incremental
        p = ms.campaign.plan(segs, **kw, allow_sensitive={"segment": "faith-charity appeal, consented"})
    assert p.sensitive_allowed == {"segment": "faith-charity appeal, consented"}
    with pytest.raises(SensitiveAttributeError, match="'religion'"):
        ms.campaign.plan(people["religion"], **kw, consent=False, opt_out=False)


def test_export_refuses_an_audience_carrying_a_sensitive_column(people):
    kw = dict(platform="meta", updated=None)
    with pytest.raises(SensitiveAttributeError, match="'group'.*exported"):
        export_audience(people.drop(columns=["religion"]), **kw)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = export_audience(people, **kw, allow_sensitive={"group": "consented", "religion": "consented"})
        plain = export_audience(people[["email", "income", "opted_out", "ads_opt_in"]], **kw)
    assert rep.sensitive_allowed == {"group": "consented", "religion": "consented"}
    assert plain.sensitive_allowed == {} and plain.exported == rep.exported == len(people)


def test_profile_describe_and_compare_warn_instead(people):
    with pytest.warns(SensitiveDataWarning, match="'group'.*Auditing it is legitimate"):
        ms.describe(people[["income", "group"]])
    with pytest.warns(SensitiveDataWarning, match="'religion'"):
        ms.profile(people[["income", "religion"]], people["income"] > 50)
    with pytest.warns(SensitiveDataWarning, match="'group'"):
        ms.compare(people[["income", "group"]], a=people["income"] > 50)


def test_demo_data_passes_every_call_site_quietly():
    data = ms.datasets.make_customers(n_customers=2_000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SensitiveDataWarning)
        ms.describe(data.customers)
        assert ms.rule_segments(data.customers, {"young": "age < 30"}).attrs["sensitive_allowed"] == {}
