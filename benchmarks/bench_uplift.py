"""Uplift targeting quality: microseg's UpliftModel against scikit-uplift's two-model approach and random.

Hillstrom (real data): the women's e-mail against no e-mail (42,693 customers),
split once in two halves within each arm (random_state 0). Every model is
fitted on the first half and scores the second; the Qini and uplift areas
(normalised as scikit-uplift's ``qini_auc_score`` / ``uplift_auc_score``; 0 =
random, 1 = perfect) are measured on the second half with a bootstrap interval
by :func:`microseg.campaign.uplift_curve`, for the outcome ``visit`` and then
``conversion``:

  microseg (default)        ms.campaign.UpliftModel() on the raw mixed table (T-learner,
                            the default regularised gradient boosting per arm)
  scikit-uplift TwoModels   sklift.models.TwoModels with the same base learner (the same
                            HistGradientBoostingClassifier settings, one per arm), on
                            pd.get_dummies of the table, as a scikit-uplift user would
  random                    random scores: the mean area of 20 draws (200 in full runs) and the
                            range holding 95 % of them (the expected area is 0)
  (full runs also: microseg x_learner and class_transformation)

The scikit-uplift areas are also computed by scikit-uplift itself and checked
against microseg's (they must agree to 1e-9).

Demo data (planted truth): ``make_customers`` plants a per-persona effect of
each campaign contact. The model is fitted on half of the customers' contacts
(customer profile, spend share per category, orders, order value, channel)
and scores the other half; printed: the rank correlation between the score
and the planted effect of each contact, and the mean score per persona next
to the planted mean effect.

Run: python benchmarks/bench_uplift.py [--quick] [--data DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import microseg as ms  # noqa: E402
from microseg.campaign import UpliftModel, uplift_curve  # noqa: E402
from microseg.campaign._uplift_model import default_estimator  # noqa: E402

HILLSTROM_FEATURES = ["recency", "history_segment", "history", "mens", "womens", "zip_code", "newbie", "channel"]
DEMO_FEATURES = ["age", "gender", "income", "education", "occupation", "marital_status", "household_size", "children",
                 "urban_rural", "employment_status", "travel_lover", "gamer", "pet_owner", "tv_series_fan", "sports_fan",
                 "foodie", "fitness_fan", "preferred_channel"]  # fmt: skip


def data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    if os.environ.get("MICROSEG_DATA"):
        return Path(os.environ["MICROSEG_DATA"])
    for cand in (HERE.parent.parent / "shared" / "data", Path("/work/shared/data")):
        if cand.is_dir():
            return cand
    return HERE.parent.parent / "shared" / "data"


def split_within_arms(t: np.ndarray, seed: int = 0) -> np.ndarray:
    """True for the held-out half, drawn within each arm."""
    rng = np.random.default_rng(seed)
    held = np.zeros(len(t), dtype=bool)
    for arm in (True, False):
        rows = np.flatnonzero(t == arm)
        held[rng.choice(rows, len(rows) // 2, replace=False)] = True
    return held


def sklift_two_models(X_train, y_train, t_train, X_test, n_rows):
    """scikit-uplift's TwoModels with the default microseg base learner, on one-hot columns."""
    from sklift.models import TwoModels

    dummies = pd.get_dummies(pd.concat([X_train, X_test]), dtype=float)
    d_train, d_test = dummies.iloc[: len(X_train)], dummies.iloc[len(X_train):]
    tm = TwoModels(estimator_trmnt=default_estimator("binary", n_rows=int(t_train.sum()), random_state=1),
                   estimator_ctrl=default_estimator("binary", n_rows=int((~t_train).sum()), random_state=2))  # fmt: skip
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="openmp"):  # as microseg fits below 200k rows: the same footing
        tm.fit(d_train, y_train.astype(int), t_train.astype(int))
        return tm.predict(d_test)


def hillstrom(d: Path, *, quick: bool) -> list[dict]:
    hs = ms.datasets.load_hillstrom(d)
    w = hs[hs["segment"].isin(["Womens E-Mail", "No E-Mail"])].reset_index(drop=True)
    X, t = w[HILLSTROM_FEATURES], w["treatment"].to_numpy()
    held = split_within_arms(t)
    tr = ~held
    n_boot = 100 if quick else 500
    try:
        import sklift.metrics as skm
    except ImportError:
        skm = None
        print("scikit-uplift is not installed: its row is skipped (pip install -e '.[bench]').")
    rows = []
    methods = ["t_learner"] if quick else ["t_learner", "x_learner", "class_transformation"]
    for outcome in ("visit", "conversion"):
        y = w[outcome].to_numpy()
        scores = {}
        for method in methods:
            t0 = time.perf_counter()
            score = UpliftModel(method=method, random_state=0).fit(X[tr], y[tr], t[tr]).predict(X[held])
            name = "microseg (default)" if method == "t_learner" else f"microseg ({method})"
            scores[name] = (score, time.perf_counter() - t0)
        if skm is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # scikit-uplift calls a deprecated scikit-learn helper
                t0 = time.perf_counter()
                score = sklift_two_models(X[tr], y[tr], t[tr], X[held], len(X))
                scores["scikit-uplift TwoModels"] = (score, time.perf_counter() - t0)
        for name, (score, seconds) in scores.items():
            uc = uplift_curve(y[held], score, t[held], n_boot=n_boot, random_state=0)
            row = {"dataset": f"hillstrom {outcome}", "tool": name, "seconds": round(seconds, 2),
                   "qini": uc.qini_auc, "qini_low": uc.qini_auc_low, "qini_high": uc.qini_auc_high,
                   "uplift_auc": uc.uplift_auc, "uplift_low": uc.uplift_auc_low, "uplift_high": uc.uplift_auc_high}  # fmt: skip
            if skm is not None:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", FutureWarning)
                    q = skm.qini_auc_score(y[held].astype(int), score, t[held].astype(int))
                assert abs(q - uc.qini_auc) < 1e-9, (name, q, uc.qini_auc)  # the same normalisation
            rows.append(row)
        # random targeting: the area of many random scores (its expectation is 0); the range is that of the draws
        n_random = 20 if quick else 200
        rng = np.random.default_rng(0)
        draws = [uplift_curve(y[held], rng.random(held.sum()), t[held], n_boot=0) for _ in range(n_random)]
        q, u = np.array([d.qini_auc for d in draws]), np.array([d.uplift_auc for d in draws])
        rows.append({"dataset": f"hillstrom {outcome}", "tool": f"random (mean of {n_random} draws; 95 % of draws)",
                     "seconds": np.nan, "qini": q.mean(), "qini_low": np.quantile(q, 0.025), "qini_high": np.quantile(q, 0.975),
                     "uplift_auc": u.mean(), "uplift_low": np.quantile(u, 0.025), "uplift_high": np.quantile(u, 0.975)})  # fmt: skip
    return rows


def demo_table(data) -> pd.DataFrame:
    tx = data.transactions
    share = tx.pivot_table(index="customer_id", columns="category", values="amount", aggfunc="sum", observed=True, fill_value=0)
    share = share.div(share.sum(axis=1), axis=0).add_prefix("share_")
    share = share.drop(columns=[c for c in share.columns if "health" in c])  # health purchases are sensitive data
    orders = tx.groupby("customer_id")["order_id"].nunique().rename("orders")
    value = (tx.groupby("customer_id")["amount"].sum() / orders).rename("order_value")
    view = data.customers.set_index("customer_id")[DEMO_FEATURES].join(share).join(orders).join(value)
    X = view.loc[data.contacts["customer_id"]].reset_index(drop=True)
    X["channel"] = data.contacts["channel"].to_numpy()
    return X


def planted_effect(data) -> tuple[np.ndarray, np.ndarray]:
    """Each contact's planted effect, as microseg.datasets._gen_contacts draws it."""
    from microseg.datasets._gen_contacts import _OPEN_RATE
    from microseg.datasets._gen_personas import _B2C

    c = data.contacts
    truth = data.truth.customers.set_index("customer_id").loc[c["customer_id"]]
    code = truth["persona"].astype(str).map({p: i for i, p in enumerate(_B2C["personas"])}).to_numpy()
    p0 = 0.3 * truth["propensity"].to_numpy()
    p_open = np.clip(c["channel"].astype(str).map(_OPEN_RATE).to_numpy(float) * np.asarray(_B2C["open_p"])[code], 0, 0.95)
    incr = np.clip(p0 * np.asarray(_B2C["uplift"])[code] / p_open, 0, 0.95)
    return (1 - p0) * p_open * incr, truth["persona"].astype(str).to_numpy()


def demo(*, quick: bool) -> list[dict]:
    from scipy import stats

    n = 20_000 if quick else 60_000
    data = ms.datasets.make_customers(n_customers=n, random_state=0)
    c = data.contacts
    X = demo_table(data)
    y, t = c["converted"].to_numpy(), (c["group"] == "treatment").to_numpy()
    tau, persona = planted_effect(data)
    ids = c["customer_id"].drop_duplicates()
    held = c["customer_id"].isin(ids.sample(frac=0.5, random_state=0)).to_numpy()
    t0 = time.perf_counter()
    score = UpliftModel(random_state=0).fit(X[~held], y[~held], t[~held]).predict(X[held])
    seconds = time.perf_counter() - t0
    rho = stats.spearmanr(score, tau[held])[0]
    per = pd.DataFrame({"planted effect": tau[held], "mean score": score, "persona": persona[held]}).groupby("persona").mean()
    rho_p = stats.spearmanr(per["mean score"], per["planted effect"])[0]
    uc = uplift_curve(y[held], score, t[held], n_boot=100, random_state=0)
    print(f"\n=== demo data: {n:,} customers, {len(c):,} contacts ({(~t).mean():.0%} control), half the customers held out ===")
    print(f"rank correlation of the score with each contact's planted effect: {rho:.3f} (per persona: {rho_p:.3f})")
    print(per.sort_values("planted effect", ascending=False).round(4).to_string())
    print(uc)
    return [{"dataset": f"demo {n // 1000}k", "tool": "microseg (default)", "seconds": round(seconds, 2), "qini": uc.qini_auc,
             "qini_low": uc.qini_auc_low, "qini_high": uc.qini_auc_high, "uplift_auc": uc.uplift_auc,
             "uplift_low": uc.uplift_auc_low, "uplift_high": uc.uplift_auc_high, "rank_corr_planted": rho}]  # fmt: skip


def main(argv=None) -> None:
    """Print the quality table (run_all shows it as this bench's own table: the areas, not the seconds, are the point)."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="T-learner only, 100 bootstrap replicates, 20k demo customers")
    p.add_argument("--data", default=None, help="folder holding hillstrom.csv.gz (default: MICROSEG_DATA or ../shared/data)")
    args = p.parse_args(argv)
    rows = []
    d = data_dir(args.data)
    if (d / "hillstrom.csv.gz").exists():
        rows += hillstrom(d, quick=args.quick)
    else:
        print(f"hillstrom.csv.gz not found in {d}: the Hillstrom rows are skipped.")
    rows += demo(quick=args.quick)
    table = pd.DataFrame(rows)
    print("\n=== Qini and uplift areas on the held-out half (normalised as scikit-uplift; 0 = random, 1 = perfect) ===")
    shown = table.copy()
    for k in ("qini", "uplift"):
        col = "uplift_auc" if k == "uplift" else "qini"
        shown[f"{k} area [interval]"] = [f"{v:.4f} [{lo:.4f}, {hi:.4f}]" for v, lo, hi in
                                         zip(table[col], table[f"{k}_low"], table[f"{k}_high"])]  # fmt: skip
    print(shown[["dataset", "tool", "qini area [interval]", "uplift area [interval]", "seconds"]].to_string(index=False))


if __name__ == "__main__":
    main()
