"""Lookalike quality on real data: every engine vs random and vs a plain scikit-learn LogisticRegression.

For each dataset, ``ms.lookalike.evaluate`` holds out 30 % of the seed in each
repeat, fits every method on the rest (identical splits for all methods) and
ranks everyone outside the training seed. It prints recall@size and lift
(mean ± standard error over repeats), AUC, and the paired difference of every
method from the baseline ``logistic_onehot`` (LogisticRegression on one-hot
columns, median-imputed and scaled numbers) with its paired standard error.

Goal (issue 6): the default (``auto``) is never worse than the baseline by more
than 2 paired standard errors, and beats it by more than 2 on at least one
dataset.

Datasets (from ../shared/data, or --data / MICROSEG_DATA):
  bank        bank-full.csv.gz, seed = y == "yes", the leaking `duration` dropped (real)
  shoppers    online_shoppers_intention.csv.gz, seed = Revenue (real)
  campaign    marketing_campaign.csv, seed = Response == 1 (MOCK data: a pipeline check, not evidence)

Run: python benchmarks/bench_lookalike_quality.py [--quick] [--repeats 10] [--datasets bank shoppers]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import microseg as ms  # noqa: E402

ALL_METHODS = ["auto", "pu", "gbm", "similarity", "logistic_onehot", "random"]
QUICK_METHODS = ["pu", "similarity", "logistic_onehot", "random"]
SIZES = (0.01, 0.02, 0.05, 0.10, 0.20)


def data_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    if os.environ.get("MICROSEG_DATA"):
        return Path(os.environ["MICROSEG_DATA"])
    for cand in (HERE.parent.parent / "shared" / "data", HERE.parent / ".." / "shared" / "data", Path("/work/shared/data")):
        if cand.is_dir():
            return cand
    return HERE.parent.parent / "shared" / "data"


def load(name: str, d: Path):
    if name == "bank":
        df = pd.read_csv(d / "bank-full.csv.gz", sep=";")
        return df.drop(columns=["y", "duration"]), df["y"] == "yes", {}, "real"
    if name == "shoppers":
        df = pd.read_csv(d / "online_shoppers_intention.csv.gz")
        return df.drop(columns="Revenue"), df["Revenue"].astype(bool), {}, "real"
    if name == "campaign":
        df = pd.read_csv(d / "marketing_campaign.csv", sep="\t")
        df["Dt_Customer"] = pd.to_datetime(df["Dt_Customer"], format="%d-%m-%Y")
        return df.drop(columns="Response"), df["Response"] == 1, {"customer": "ID"}, "MOCK"
    raise ValueError(name)


def report(name: str, kind: str, ev, seconds: float) -> dict:
    s = ev.summary()
    print(f"\n=== {name} ({kind} data): seed {ev.n_seed:,}, {ev.n_heldout:,} held out per repeat, "
          f"pool {ev.n_pool:,}, {ev.n_repeats} repeats, {seconds:.0f} s ===")
    rec = s.pivot(index="method", columns="size", values="recall").loc[ev.methods]
    se = s.pivot(index="method", columns="size", values="recall_se").loc[ev.methods]
    lift = s.pivot(index="method", columns="size", values="lift").loc[ev.methods]
    auc = s.groupby("method", sort=False)[["auc", "auc_se"]].first().loc[ev.methods]
    rows = []
    for m in ev.methods:
        row = {"method": m}
        for sz in ev.sizes:
            row[f"recall@{sz:.0%}"] = f"{rec.loc[m, sz]:.3f}±{se.loc[m, sz]:.3f}"
        for sz in ev.sizes:
            row[f"lift@{sz:.0%}"] = f"{lift.loc[m, sz]:.2f}"
        row["AUC"] = f"{auc.loc[m, 'auc']:.3f}±{auc.loc[m, 'auc_se']:.3f}"
        rows.append(row)
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(pd.DataFrame(rows).to_string(index=False))
    verdicts = {}
    for base in ("logistic_onehot", "random"):
        if base not in ev.methods:
            continue
        cmp = ev.compare(base, metric="recall")
        print(f"\npaired difference in recall vs {base} (diff / paired SE = z; "
              "se_corrected = Nadeau-Bengio corrected SE for overlapping splits):")
        table = cmp.assign(
            cell=lambda t: t.apply(lambda r: f"{r['difference']:+.3f} ({r['z']:+.1f}; {r['se_corrected']:.3f})", axis=1)
        ).pivot(index="method", columns="size", values="cell")
        table.columns = [f"@{c:.0%}" for c in table.columns]
        print(table.loc[[m for m in ev.methods if m != base]].to_string())
        if base == "logistic_onehot" and "auto" in ev.methods:
            z = cmp[cmp["method"] == "auto"]["z"]
            verdicts = {"worse": bool((z < -2).any()), "better": bool((z > 2).any()), "min_z": float(z.min()), "max_z": float(z.max())}
    if "auto" in ev.methods and len(ev.selected):
        print("\nauto chose:", ev.selected["chosen"].value_counts().to_dict())
    return verdicts


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="4,000-row subsamples, 2 repeats, no gbm/auto (< 30 s)")
    p.add_argument("--repeats", type=int, default=None)
    p.add_argument("--datasets", nargs="+", default=["bank", "shoppers", "campaign"])
    p.add_argument("--methods", nargs="+", default=None)
    p.add_argument("--data", default=None)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    d = data_dir(args.data)
    if not d.is_dir():
        print(f"datasets not found at {d}; pass --data or set MICROSEG_DATA")
        return 0
    methods = args.methods or (QUICK_METHODS if args.quick else ALL_METHODS)
    repeats = args.repeats or (2 if args.quick else 10)
    summary = {}
    for name in args.datasets:
        X, seed, kw, kind = load(name, d)
        if args.quick and len(X) > 4000:
            keep = X.sample(4000, random_state=args.seed).index
            X, seed = X.loc[keep], seed.loc[keep]
        t = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ms.DataQualityWarning)
            ev = ms.lookalike.evaluate(
                X, seed=seed, methods=methods, sizes=SIZES, n_repeats=repeats, opt_out=None,
                random_state=args.seed, min_seed=50 if args.quick else 100, **kw,
            )
        summary[name] = report(name, kind, ev, time.perf_counter() - t)
    if any(summary.values()):
        print("\n=== goal: auto vs logistic_onehot (paired z over sizes 1-20 %) ===")
        for name, v in summary.items():
            if v:
                print(f"{name:10s} min z {v['min_z']:+.1f}, max z {v['max_z']:+.1f}: "
                      f"{'WORSE by > 2 SE somewhere' if v['worse'] else 'never worse by > 2 SE'}; "
                      f"{'better by > 2 SE somewhere' if v['better'] else 'not better by > 2 SE'}")
        ok = not any(v["worse"] for v in summary.values() if v) and any(v["better"] for v in summary.values() if v)
        print("goal met" if ok else "goal NOT met")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
