"""profile() finds what was planted and flags nothing when nothing is there.

* calibration under the null: random labels on a real dataset (UCI Adult),
  200 seeded draws; the number of draws with any significant trait stays
  within the 99.9 % binomial bound for ``alpha``;
* planted traits: each persona's planted traits appear in its ``distinctive()``
  top 10 (recall >= 90 %).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import microseg as ms

ALPHA = 0.05


@pytest.mark.realdata
@pytest.mark.slow
def test_random_labels_on_adult_rarely_give_a_significant_trait(data_file):
    df = pd.read_csv(data_file("adult.csv.gz"), na_values="?", keep_default_na=False)
    # a fixed sample of rows and a mix of numeric and categorical columns keeps 200 profiles fast
    cols = ["age", "hours-per-week", "education", "marital-status", "occupation", "sex", "income"]
    sub = df.sample(2000, random_state=0)[cols].reset_index(drop=True)
    draws = 200
    hits = 0
    for seed in range(draws):
        labels = np.random.default_rng(seed).integers(0, 4, len(sub))
        prof = ms.profile(sub, labels, alpha=ALPHA)
        hits += bool(prof.table["significant"].fillna(False).any())
    bound = stats.binom.ppf(0.999, draws, ALPHA)
    assert hits <= bound, f"{hits} of {draws} null draws had a significant trait (bound {bound:.0f})"


def planted(n_per=1000, seed=0):
    """Six personas with three planted traits each, and the truth in the make_customers format."""
    rng = np.random.default_rng(seed)
    personas = [f"p{i}" for i in range(6)]
    persona = np.repeat(personas, n_per)
    n = persona.size
    df = pd.DataFrame(
        {
            "age": rng.normal(42, 12, n),
            "income": rng.lognormal(10.5, 0.5, n),
            "orders": rng.poisson(6, n).astype(float),
            "tenure": rng.gamma(3, 1.5, n),
            "channel": rng.choice(["app", "web", "store"], n, p=[0.4, 0.4, 0.2]),
            "region": rng.choice(["north", "south", "east", "west"], n),
            "gamer": rng.random(n) < 0.2,
            "pet_owner": rng.random(n) < 0.3,
            "foodie": rng.random(n) < 0.25,
            "travel_lover": rng.random(n) < 0.3,
        }
    )
    truth = []

    def plant(p, column, level, direction):
        m = persona == p
        k = int(m.sum())
        if level == "":
            sd = df[column].std()
            df.loc[m, column] += (0.7 if direction == "higher" else -0.7) * sd
        elif level == "True":
            df.loc[m, column] = rng.random(k) < (0.6 if direction == "higher" else 0.04)
        else:
            df.loc[m, column] = np.where(rng.random(k) < 0.65, level, df.loc[m, column])
        truth.append({"persona": p, "column": column, "level": level, "direction": direction})

    plant("p0", "age", "", "lower")
    plant("p0", "gamer", "True", "higher")
    plant("p0", "channel", "app", "higher")
    plant("p1", "income", "", "higher")
    plant("p1", "travel_lover", "True", "higher")
    plant("p1", "region", "north", "higher")
    plant("p2", "age", "", "higher")
    plant("p2", "pet_owner", "True", "higher")
    plant("p2", "channel", "store", "higher")
    plant("p3", "orders", "", "higher")
    plant("p3", "foodie", "True", "higher")
    plant("p3", "travel_lover", "True", "lower")
    plant("p4", "tenure", "", "lower")
    plant("p4", "region", "east", "higher")
    plant("p4", "gamer", "True", "lower")
    plant("p5", "income", "", "lower")
    plant("p5", "channel", "web", "higher")
    plant("p5", "foodie", "True", "lower")
    return df, pd.Series(persona), pd.DataFrame(truth)


def recall(prof, truth) -> float:
    found = 0
    for t in truth.itertuples():
        top = prof.distinctive(t.persona, n=10)
        hit = top[(top["column"] == t.column) & (top["level"] == t.level)]
        if len(hit) and (hit["effect_size"].iloc[0] > 0) == (t.direction == "higher"):
            found += 1
    return found / len(truth)


def test_planted_traits_are_in_each_personas_top_ten():
    df, persona, truth = planted()
    prof = ms.profile(df, persona)
    assert recall(prof, truth) >= 0.9


def test_planted_traits_survive_survey_weights():
    df, persona, truth = planted(seed=1)
    w = np.random.default_rng(2).uniform(0.5, 2.0, len(df))
    assert recall(ms.profile(df, persona, weights=w), truth) >= 0.9


def test_make_customers_personas_planted_traits_in_top_ten():
    data = ms.datasets.make_customers(n_customers=20_000, random_state=0)  # the documented default size
    persona = data.truth.customers.set_index("customer_id").loc[data.customers["customer_id"], "persona"]
    prof = ms.profile(data.customers, persona.to_numpy())
    truth = data.truth.persona_traits
    assert recall(prof, truth) >= 0.9
    # identifiers and contact details are left out, with a note
    assert not {"customer_id", "email", "phone"} & set(prof.table["column"])
