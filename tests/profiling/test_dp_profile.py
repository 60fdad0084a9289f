"""profile/describe/overlap(privacy="dp"): the differencing attack falls, numbers stay unbiased, noise is accounted for.

The attack: an analyst publishes ``profile(df)`` and ``profile(df[df.age >= a])``.
Each is safe on its own (small cells suppressed), but subtracting one from the
other gives the counts of the people younger than ``a`` — small cells
included. With exact numbers nearly every small cell of that complement is
recovered. With ε-differential privacy, no attacker can do better than the
guarantee allows: for two neighbouring truths (a cell of ``c`` or ``c + 1``
people), an ε-DP release moves the attacker's odds by at most ``e^ε``, so
over the two the exact-recovery rate is at most ``e^ε / (1 + e^ε)``, where
ε is what the two calls spent together (``budget.spent``). We test that
bound, and the sharper one of the mechanism itself: the difference of two
independent discrete Laplace noises is zero with probability
``(1 - a)(1 + a²) / (1 + a)³``, ``a = exp(-ε_query)``.
"""

from __future__ import annotations

import html
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import MicrosegError, PrivacyBudgetError, SchemaError
from microseg.privacy import PrivacyBudget

pytest.importorskip("opendp")

COLS = ["gender", "education", "occupation", "marital_status", "country", "urban_rural", "employment_status",
        "preferred_channel", "acquisition_channel", "travel_lover", "gamer", "pet_owner", "foodie"]  # fmt: skip
KEY = ["segment", "column", "level"]
AGES = (22, 26, 30, 34, 38, 42, 46, 50)


@pytest.fixture(scope="module")
def people():
    c = ms.datasets.make_customers(n_customers=20_000, random_state=0).customers
    df = c[["region", "age", *COLS]].copy()
    for k in ["region", *COLS]:  # the public schema: levels declared, not read off each release
        if not pd.api.types.is_bool_dtype(df[k]):
            df[k] = df[k].astype(pd.CategoricalDtype(sorted(df[k].dropna().unique())))
    return df


def _complement_truth(df, a):
    rest = df[df["age"] < a]
    parts = []
    for k in COLS:
        if pd.api.types.is_bool_dtype(df[k]):
            t = rest.groupby("region", observed=False)[k].sum().rename("true").reset_index().assign(level="True")
        else:
            t = rest.groupby(["region", k], observed=False).size().rename("true").reset_index()
            t = t.rename(columns={k: "level"}).assign(level=lambda x: x["level"].astype(str))
        parts.append(t.rename(columns={"region": "segment"}).assign(column=k))
    out = pd.concat(parts)[KEY + ["true"]]
    return out.assign(segment=out["segment"].astype(str))


def _recovered(df, a, **dp):
    """(small cells of the complement recovered exactly by differencing, small cells)."""
    full = ms.profile(df, "region", columns=COLS, **dp).to_frame()
    sub = ms.profile(df[df["age"] >= a], "region", columns=COLS, **dp).to_frame()
    pub = [t[KEY + ["n"]].assign(segment=t["segment"].astype(str)) for t in (full, sub)]
    m = _complement_truth(df, a).merge(pub[0], on=KEY, how="left").merge(pub[1], on=KEY, how="left", suffixes=("_all", "_sub"))
    small = m[(m["true"] >= 1) & (m["true"] < 10)]
    guess = small["n_all"] - small["n_sub"]
    return int((guess == small["true"]).fillna(False).sum()), len(small)


def test_without_dp_the_differencing_attack_recovers_the_small_cells(people):
    hit, total = map(sum, zip(*[_recovered(people, a) for a in AGES]))
    assert total > 100
    assert hit / total > 0.9  # the threat is real: suppression alone does not stop it
    print(f"exact profiles: {hit}/{total} small cells of the complement recovered")


@pytest.mark.slow
@pytest.mark.parametrize("epsilon", [0.1, 0.5, 1.0, 4.0])
def test_with_dp_the_differencing_attack_recovers_no_more_than_epsilon_allows(people, epsilon):
    hit = total = 0
    spent = []
    for a in AGES:
        budget = PrivacyBudget(2 * epsilon)
        h, t = _recovered(people, a, privacy="dp", budget=budget, epsilon=epsilon)
        hit, total = hit + h, total + t
        spent.append(budget.spent)
    rate = hit / total
    eps_total = max(spent)  # both calls, basic composition
    dp_bound = math.exp(eps_total) / (1 + math.exp(eps_total))
    slack = 3 * math.sqrt(0.25 / total)
    assert rate <= dp_bound + slack
    # the sharper bound of the mechanism: one query per column plus the sizes, an equal share of epsilon each
    eps_q = epsilon / (1 + len(COLS))
    q = math.exp(-eps_q)
    p_zero = (1 - q) * (1 + q * q) / (1 + q) ** 3
    assert rate <= p_zero + 3 * math.sqrt(p_zero * (1 - p_zero) / total) + 1 / total
    print(f"epsilon={epsilon} per call: {hit}/{total} recovered ({rate:.3f}); DP bound {dp_bound:.3f}, mechanism {p_zero:.3f}")


@pytest.mark.slow
@pytest.mark.parametrize("epsilon", [0.5, 2.0])
def test_removing_one_known_customer_reveals_no_more_than_epsilon_allows(epsilon):
    # the attacker publishes profile(df) and profile(df without one customer) and guesses that customer's flag
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"seg": rng.choice(["a", "b"], 300), "vip": rng.random(300) < 0.4})
    exact_hits, hits, trials = 0, 0, 120
    for i in rng.choice(len(df), trials, replace=False):
        rest = df.drop(index=i)
        for dp in ({}, {"privacy": "dp", "budget": PrivacyBudget(2 * epsilon), "epsilon": epsilon}):
            n_all = ms.profile(df, "seg", **dp).to_frame().set_index("segment")["n"].sum()
            n_rest = ms.profile(rest, "seg", **dp).to_frame().set_index("segment")["n"].sum()
            guess = (n_all - n_rest) >= 1  # one more vip with the customer in: the customer is a vip
            if dp:
                hits += guess == df["vip"][i]
                eps_total = dp["budget"].spent
            else:
                exact_hits += guess == df["vip"][i]
    assert exact_hits == trials  # exact profiles give the customer away every time
    bound = math.exp(eps_total) / (1 + math.exp(eps_total))  # odds gain at most e^eps over a coin toss
    assert hits / trials <= bound + 3 * math.sqrt(0.25 / trials)
    print(f"epsilon={epsilon} per call: customer's flag guessed {hits}/{trials}; exact {exact_hits}/{trials}; bound {bound:.3f}")


def test_the_mean_of_many_noisy_profile_counts_converges_to_the_true_count():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"seg": rng.choice(["a", "b"], 600), "flag": rng.random(600) < 0.3})
    true = ms.profile(df, "seg").to_frame().set_index("segment")["n"]
    runs = 300
    budget = PrivacyBudget(runs * 1.0)
    n = np.array([ms.profile(df, "seg", privacy="dp", budget=budget, epsilon=1.0).to_frame().set_index("segment")["n"]
                  .reindex(["a", "b"]).to_numpy(dtype=float) for _ in range(runs)])  # fmt: skip
    sd = math.sqrt(2) / 0.5  # scale 2 (two queries at 0.5 each), discrete Laplace sd about sqrt(2)·scale
    assert np.all(np.abs(n.mean(0) - true.reindex(["a", "b"]).to_numpy(dtype=float)) < 4 * sd / math.sqrt(runs))
    assert n.std(0).min() > 0.5 * sd  # the noise is really there
    assert budget.spent == pytest.approx(runs * 1.0)


def test_suppression_is_decided_on_the_noisy_count_not_the_true_one():
    # a cell of exactly min_cell people: the exact profile always shows it; the noisy one hides it about half the time
    df = pd.DataFrame({"seg": ["a"] * 200 + ["b"] * 200, "flag": [True] * 10 + [False] * 190 + [True] * 100 + [False] * 100})
    assert not ms.profile(df, "seg").to_frame()["suppressed"].any()
    budget = PrivacyBudget(200.0)
    hidden = [ms.profile(df, "seg", privacy="dp", budget=budget, epsilon=1.0).to_frame().query("segment == 'a'")
              ["suppressed"].item() for _ in range(200)]  # fmt: skip
    assert 0.25 < np.mean(hidden) < 0.75


def test_significance_accounts_for_the_noise():
    # no real difference between the segments; heavy noise must not be called significant
    rng = np.random.default_rng(1)
    df = pd.DataFrame({"seg": rng.choice(["a", "b", "c"], 3000), "flag": rng.random(3000) < 0.5,
                       "age": rng.uniform(20, 70, 3000)})  # fmt: skip
    budget = PrivacyBudget(1000.0)
    p = pd.concat([ms.profile(df, "seg", privacy="dp", budget=budget, epsilon=0.2).to_frame() for _ in range(150)])
    p = p[~p["suppressed"]]
    assert len(p) > 600
    assert (p["p_value"] < 0.05).mean() < 0.08
    # and a real difference is still found at a usable epsilon
    df.loc[df["seg"] == "a", "flag"] = rng.random(int((df["seg"] == "a").sum())) < 0.8
    t = ms.profile(df, "seg", privacy="dp", budget=PrivacyBudget(4.0)).to_frame()
    assert t.query("segment == 'a' and column == 'flag'")["significant"].item()


def test_mean_intervals_cover_the_exact_mean_despite_the_noise():
    rng = np.random.default_rng(2)
    df = pd.DataFrame({"seg": rng.choice(["a", "b"], 400), "age": rng.uniform(20, 70, 400)})
    exact = df.groupby("seg")["age"].mean()
    budget = PrivacyBudget(1000.0)
    cover = []
    for _ in range(200):
        t = ms.profile(df, "seg", privacy="dp", budget=budget, epsilon=0.5).to_frame().set_index("segment")
        cover.extend((t["mean_low"] <= exact) & (exact <= t["mean_high"]))
    assert np.mean(cover) > 0.93  # noise only (and more: the interval also holds sampling error)


def test_numeric_bounds_come_from_the_caller_or_public_knowledge_never_the_data():
    df = pd.DataFrame({"seg": ["a", "b"] * 100, "income": [30_000.0] * 199 + [1e9], "age": [40] * 200})
    with pytest.raises(SchemaError, match=r"column 'income': numeric without public bounds \(pass bounds="):
        ms.profile(df, "seg", columns=["income"], privacy="dp", budget=PrivacyBudget(1))
    prof = ms.profile(df, "seg", privacy="dp", budget=PrivacyBudget(1))  # age: public bounds; income: left out
    assert set(prof.to_frame()["column"]) == {"age"}
    assert any("'income'" in n and "bounds" in n for n in prof.notes)
    t = ms.profile(df, "seg", privacy="dp", budget=PrivacyBudget(50), bounds={"income": (0, 100_000)}).to_frame()
    assert t["mean_segment"].max() <= 100_000  # the outlier is clamped to the given bounds
    assert any("[0, 100000] (given)" in n for n in ms.profile(
        df, "seg", privacy="dp", budget=PrivacyBudget(1), bounds={"income": (0, 100_000)}).notes)  # fmt: skip


def test_text_columns_need_public_levels():
    df = pd.DataFrame({"seg": ["a", "b"] * 50, "city": ["Leeds", "York"] * 50, "vip": [True, False, False, True] * 25})
    with pytest.raises(SchemaError, match="CategoricalDtype"):
        ms.profile(df, "seg", columns=["city"], privacy="dp", budget=PrivacyBudget(1))
    df["city"] = df["city"].astype(pd.CategoricalDtype(["Leeds", "York", "Hull"]))
    t = ms.profile(df, "seg", privacy="dp", budget=PrivacyBudget(1)).to_frame()
    # every declared level is released (Hull included), whether or not anyone holds it
    assert set(t.query("column == 'city'")["level"]) == {"Leeds", "York", "Hull", "(missing)"}


def test_a_refused_call_spends_nothing():
    df = pd.DataFrame({"seg": ["a", "b"] * 50, "vip": [True, False, False, True] * 25, "x": np.arange(100.0)})
    budget = PrivacyBudget(1.0)
    with pytest.raises(SchemaError):
        ms.profile(df, "seg", columns=["x"], privacy="dp", budget=budget)
    assert budget.spent == 0
    ms.profile(df, "seg", privacy="dp", budget=budget, epsilon=0.7)
    with pytest.raises(PrivacyBudgetError, match="0.3 of 1 left"):
        ms.profile(df, "seg", privacy="dp", budget=budget, epsilon=0.5)
    assert budget.spent == pytest.approx(0.7)


def test_a_private_profile_refuses_what_it_cannot_do_privately():
    df = pd.DataFrame({"seg": ["a", "b", None] * 40, "vip": [True, False, False, True] * 30, "w": 1.0})
    with pytest.raises(MicrosegError, match="missing labels"):
        ms.profile(df, "seg", columns=["vip"], privacy="dp", budget=PrivacyBudget(1))
    df = df.dropna()
    with pytest.raises(MicrosegError, match="weights"):
        ms.profile(df, "seg", columns=["vip"], weights="w", privacy="dp", budget=PrivacyBudget(1))
    prof = ms.profile(df, "seg", columns=["vip"], privacy="dp", budget=PrivacyBudget(1))
    with pytest.raises(MicrosegError, match="no data to compare"):
        prof.compare("a")  # an exact comparison would undo the privacy
    with pytest.raises(MicrosegError, match="privacy='dp'"):
        ms.profile(df, "seg", budget=PrivacyBudget(1))


def test_private_describe_is_close_to_the_exact_one_and_charges_the_budget(people):
    budget = PrivacyBudget(2.0)
    d = ms.describe(people[["age", "gender", "gamer"]], privacy="dp", budget=budget, epsilon=2.0)
    exact = ms.describe(people[["age", "gender", "gamer"]])
    assert budget.ledger["what"].tolist() == ["describe(3 columns)"]
    row = d.columns.set_index("column")
    assert row.loc["age", "mean"] == pytest.approx(people["age"].mean(), abs=1.0)
    assert row.loc["age", "n"] == pytest.approx(len(people), abs=60)
    assert np.isnan(row.loc["age", "max"]) and np.isnan(row.loc["age", "distinct"])  # never released
    lv = d.levels.set_index(["column", "level"])["n"]
    ex = exact.levels.set_index(["column", "level"])["n"]
    assert (lv.reindex(ex.index) - ex).abs().max() < 60


def test_private_overlap_publishes_noisy_combinations_and_consistent_totals(people):
    budget = PrivacyBudget(1.0)
    ov = ms.overlap(people, ["gamer", "pet_owner", "foodie"], privacy="dp", budget=budget)
    exact = ms.overlap(people, ["gamer", "pet_owner", "foodie"])
    assert budget.remaining == 0
    assert len(ov.combinations) == 8
    key = ["gamer", "pet_owner", "foodie"]
    m = ov.combinations.merge(exact.combinations, on=key, suffixes=("", "_exact"))
    assert (m["n"] - m["n_exact"]).abs().max() < 20  # scale 1: the noise exceeds 20 with probability ~2e-9
    shown = ov.combinations.dropna(subset=["n"])
    assert ov.totals.set_index("flag")["n"]["gamer"] == shown.loc[shown["gamer"], "n"].sum()


def test_the_report_can_be_made_differentially_private(tmp_path):
    c = ms.datasets.make_customers(n_customers=1500, random_state=0).customers
    c = c.drop(columns=["signup_date", "last_updated"])
    path = tmp_path / "customers.csv"
    c.to_csv(path, index=False)
    out = tmp_path / "report"
    res = subprocess.run(
        [sys.executable, "-m", "microseg.cli", "report", str(path), "--segments", "urban_rural", "--id", "customer_id",
         "--dp-epsilon", "1", "--dp-bound", "income=0:200000", "--dp-levels", "preferred_channel=app,web,store",
         "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    page = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    assert "spending epsilon 1 of a budget of 1" in page
    assert "profile(urban_rural" in page and "clamped to [0, 200000] (given)" in page
    assert "1,500 rows" not in page  # no exact row count (a noisy count may still come out at 1,500 by chance)
    left_out = [part.split("</")[0] for part in page.split("left out of the private profile")[1:]]
    assert any("'gender'" in part for part in left_out)  # text without declared levels: left out
    assert not any("preferred_channel" in part for part in left_out)  # declared with --dp-levels: profiled
    bad = subprocess.run(
        [sys.executable, "-m", "microseg.cli", "report", str(path), "--segments", "urban_rural", "--dp-epsilon", "1",
         "--dp-bound", "income=lots"], capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == 2 and "--dp-bound expects COLUMN=LOW:HIGH" in bad.stderr
