"""Lookalike scoring at scale: 10 M rows x 20 features, scored in chunks.

Measured in one run, on the same float32 matrix:
  floor            one numpy pass ``X @ w`` (float32)
  linear decision  the pu engine's decision function alone: scaling folded into the
                   coefficients (w' = w / scale, b' = b - sum(w * mean / scale)), X @ w' + b'
  full scoring     ``Lookalike.score_samples(df)``: chunked encoding (imputation checks,
                   float32 matrix per chunk), decision, and the map to the fit-time
                   unlabelled population's CDF (progress bar with --verbose)
  sklearn LR       ``LogisticRegression.predict`` on the same matrix
  HGB predict      ``HistGradientBoostingClassifier.predict`` (100 trees, fitted on 50,000 rows) on a 200,000-row subsample,
                   extrapolated linearly to all rows (marked *)
  auto             the engine ``method="auto"`` picks on this data, and its full scoring time
                   (extrapolated from a subsample when it is the gbm engine)
Peak memory: extra memory allocated during the step (tracemalloc, a separate run).
Goal (issue 6): linear decision function <= 10x the floor.

Run: python benchmarks/bench_lookalike_scale.py [--quick] [--rows N] [--verbose]
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import microseg as ms  # noqa: E402

P = 20


def timed(fn, repeats: int = 1):
    best, out = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def peak_mb(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / 2**20


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="50,000 rows")
    p.add_argument("--rows", type=int, default=None)
    p.add_argument("--verbose", action="store_true", help="progress bar while scoring")
    p.add_argument("--chunk", type=int, default=1_000_000)
    args = p.parse_args(argv)
    n = args.rows or (50_000 if args.quick else 10_000_000)
    rng = np.random.default_rng(0)
    print(f"generating {n:,} x {P} float32 ...", flush=True)
    X32 = rng.standard_normal((n, P), dtype=np.float32)
    X32 *= np.linspace(1, 50, P, dtype=np.float32)  # columns on different scales
    X32 += np.linspace(0, 100, P, dtype=np.float32)
    df = pd.DataFrame(X32, columns=[f"f{i}" for i in range(P)], copy=False)
    beta = rng.normal(size=P) / np.linspace(1, 50, P)
    n_fit = min(n, 200_000)
    Xfit = df.iloc[:n_fit]
    logit = (X32[:n_fit] - np.linspace(0, 100, P)) @ beta - 2.5
    seed = rng.random(n_fit) < 1 / (1 + np.exp(-logit))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_fit, look = timed(lambda: ms.Lookalike(method="pu", customer=None, opt_out=None, chunk_size=args.chunk,
                                                 verbose=args.verbose, random_state=0).fit(Xfit, seed=seed))
        print(f"pu fitted on {n_fit:,} rows (seed {int(seed.sum()):,}) in {t_fit:.1f} s", flush=True)
        n_auto = min(n_fit, 5_000 if args.quick else 50_000)
        t_auto_fit, auto = timed(lambda: ms.Lookalike(customer=None, opt_out=None, chunk_size=args.chunk,
                                                      random_state=0).fit(Xfit.iloc[:n_auto], seed=seed[:n_auto]))
    print(f"auto fitted on {n_auto:,} rows in {t_auto_fit:.1f} s (picked {auto.method_!r})", flush=True)

    eng = look.engine_
    w = eng.coef_.astype(np.float32)
    rows = []

    t, _ = timed(lambda: X32 @ w, repeats=3)
    floor = t
    rows.append(("floor: numpy X @ w (float32)", t, peak_mb(lambda: X32 @ w), ""))

    t, d = timed(lambda: eng.decision(X32), repeats=3)
    rows.append(("linear decision (pu, folded scaling)", t, peak_mb(lambda: eng.decision(X32)), ""))

    t, full = timed(lambda: look.score_samples(df))
    rows.append(("full scoring: Lookalike.score_samples(df)", t, peak_mb(lambda: look.score_samples(df)), ""))
    assert full.between(0, 1).all()

    from sklearn.linear_model import LogisticRegression

    lr = LogisticRegression(max_iter=1000).fit(X32[:n_fit], seed)
    t, _ = timed(lambda: lr.predict(X32))
    rows.append(("sklearn LogisticRegression.predict", t, peak_mb(lambda: lr.predict(X32)), ""))

    from sklearn.ensemble import HistGradientBoostingClassifier

    n_hgb = 10_000 if args.quick else 50_000
    hgb = HistGradientBoostingClassifier(max_iter=100, early_stopping=False, random_state=0).fit(X32[:n_hgb], seed[:n_hgb])
    sub = X32[: min(n, 200_000)]
    t_sub, _ = timed(lambda: hgb.predict(sub))
    rows.append(("sklearn HistGradientBoosting.predict *", t_sub * n / len(sub), np.nan, "* extrapolated from 200k rows"))

    if auto.method_ == "pu":
        t, _ = timed(lambda: auto.score_samples(df))
        rows.append((f"auto ({auto.method_}) full scoring", t, np.nan, ""))
    else:
        t_sub, _ = timed(lambda: auto.score_samples(df.iloc[: len(sub)]))
        rows.append((f"auto ({auto.method_}) full scoring *", t_sub * n / len(sub), np.nan, "* extrapolated from 200k rows"))

    print(f"\n{n:,} rows x {P} features, chunk {args.chunk:,} rows")
    out = pd.DataFrame(rows, columns=["step", "seconds", "peak extra MB", "note"])
    out["x floor"] = out["seconds"] / floor
    with pd.option_context("display.width", 200, "display.float_format", lambda v: f"{v:,.3f}"):
        print(out[["step", "seconds", "x floor", "peak extra MB", "note"]].to_string(index=False))
    ratio = out.loc[1, "x floor"]
    print(f"\ngoal: linear decision <= 10x floor: {ratio:.2f}x -> {'met' if ratio <= 10 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
