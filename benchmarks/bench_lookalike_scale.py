"""Lookalike scoring at scale on a realistic mixed frame: 10 string + 10 numeric columns, the full path.

Measured in one run, on the same frame (10 M rows by default):
  microseg          ``Lookalike(method="pu").score_samples(df)``: level codes once per column,
                    ``numeric_block @ w + sum_c w_c[codes_c]`` chunk by chunk, and the fit-time
                    reference CDF looked up in O(1) buckets; the full path from the DataFrame
  floor (20 cols)   one numpy pass ``X @ w`` over the n x 20 float32 matrix of the same values
                    (numbers, and level codes as numbers): the memory floor the goal is set against
  floor (one-hot)   one numpy pass ``Z @ w`` over the n x p float32 one-hot matrix the model reads
  sklearn pipeline  ColumnTransformer(SimpleImputer + OneHotEncoder) + LogisticRegression,
                    ``decision_function(df)`` on the same frame (what a user would otherwise write)
Two variants: the string columns as pandas ``str`` (Arrow) and as ``category``.
Peak memory: extra memory allocated during the step (tracemalloc, a separate run).
Goal (issue 24): full scoring <= 5x the floor (moonshot <= 3x).

Run: python benchmarks/bench_lookalike_scale.py [--quick] [--rows N]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import microseg as ms  # noqa: E402

N_NUM, N_STR = 10, 10


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


def make_frame(n: int, rng) -> tuple[pd.DataFrame, np.ndarray]:
    """10 numeric columns (float32, some with missing values) and 10 string columns of 3-12 levels."""
    cols = {}
    for i in range(N_NUM):
        v = rng.standard_normal(n, dtype=np.float32) * np.float32(1 + 5 * i) + np.float32(10 * i)
        if i % 3 == 0:
            v[rng.random(n) < 0.02] = np.nan
        cols[f"num{i}"] = v
    codes = np.empty((n, N_STR), dtype=np.int8)
    for i in range(N_STR):
        k = 3 + i
        p = rng.dirichlet(np.ones(k))
        codes[:, i] = rng.choice(k, n, p=p).astype(np.int8)
        names = np.array([f"c{i}_level{j}" for j in range(k)], dtype=object)
        cols[f"str{i}"] = pd.Series(pd.Categorical.from_codes(codes[:, i], names)).astype("str")
    return pd.DataFrame(cols), codes


def sklearn_pipeline(df: pd.DataFrame, seed: np.ndarray):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    num = [c for c in df.columns if c.startswith("num")]
    cat = [c for c in df.columns if c.startswith("str")]
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler()), num),
        ("cat", OneHotEncoder(handle_unknown="ignore"), cat),
    ], sparse_threshold=0)  # fmt: skip
    return make_pipeline(pre, LogisticRegression(max_iter=1000)).fit(df, seed)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="200,000 rows")
    p.add_argument("--rows", type=int, default=None)
    p.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    args = p.parse_args(argv)
    n = args.rows or (200_000 if args.quick else 10_000_000)
    rng = np.random.default_rng(0)
    print(f"generating {n:,} rows x ({N_NUM} numeric + {N_STR} string) ...", flush=True)
    df, codes = make_frame(n, rng)
    n_fit = min(n, 30_000 if args.quick else 100_000)
    fit_df = df.iloc[:n_fit]
    logit = (fit_df["num1"].to_numpy() - 10) / 6 + (codes[:n_fit, 0] == 1) + 0.5 * (codes[:n_fit, 3] == 0) - 2.5
    seed = rng.random(n_fit) < 1 / (1 + np.exp(-np.nan_to_num(logit)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        look = ms.Lookalike(method="pu", customer=None, opt_out=None, random_state=0).fit(fit_df, seed=seed)
    enc = look.encoder_
    print(f"pu fitted on {n_fit:,} rows (seed {int(seed.sum()):,}); {enc.n_features_} encoded features", flush=True)

    X20 = np.empty((n, N_NUM + N_STR), dtype=np.float32)
    X20[:, :N_NUM] = np.nan_to_num(df[[f"num{i}" for i in range(N_NUM)]].to_numpy(np.float32))
    X20[:, N_NUM:] = codes
    w20 = rng.standard_normal(N_NUM + N_STR).astype(np.float32)
    t_floor, _ = timed(lambda: X20 @ w20, repeats=3)
    m_floor = np.nan if args.no_memory else peak_mb(lambda: X20 @ w20)
    Z32 = enc.transform(df, dtype=np.float32)
    wz = look.engine_.coef_.astype(np.float32)
    t_onehot, _ = timed(lambda: Z32 @ wz, repeats=3)
    m_onehot = np.nan if args.no_memory else peak_mb(lambda: Z32 @ wz)
    onehot_gb = Z32.nbytes / 2**30
    del Z32, X20

    pipe = None
    if n <= 2_000_000 or not args.quick:
        pipe = sklearn_pipeline(fit_df, seed)
    rows = []
    for variant in ("str", "category"):
        frame = df if variant == "str" else df.astype({f"str{i}": "category" for i in range(N_STR)})
        load = os.getloadavg()[0]
        t_ms, scores = timed(lambda: look.score_samples(frame), repeats=1 if n > 2_000_000 else 3)
        assert scores.between(0, 1).all()
        m_ms = np.nan if args.no_memory else peak_mb(lambda: look.score_samples(frame))
        rows += [
            {"variant": variant, "tool": "microseg score_samples (pu, full path)", "seconds": t_ms, "peak MB": m_ms, "load": load},
            {"variant": variant, "tool": "numpy floor X @ w (n x 20 float32)", "seconds": t_floor, "peak MB": m_floor, "load": load},
            {"variant": variant, "tool": f"numpy Z @ w (n x {enc.n_features_} one-hot float32)", "seconds": t_onehot,
             "peak MB": m_onehot, "load": load},
        ]  # fmt: skip
        if pipe is not None:
            t_sk, d_sk = timed(lambda: pipe.decision_function(frame))
            m_sk = np.nan if args.no_memory or n > 2_000_000 else peak_mb(lambda: pipe.decision_function(frame))
            rows.append({"variant": variant, "tool": "sklearn pipeline decision_function", "seconds": t_sk, "peak MB": m_sk,
                         "load": os.getloadavg()[0]})  # fmt: skip
        del frame
    out = pd.DataFrame(rows)
    out.insert(0, "rows", n)
    print(f"\n{n:,} rows; one-hot float32 matrix would take {onehot_gb:.2f} GiB")
    with pd.option_context("display.width", 200, "display.float_format", lambda v: f"{v:,.3f}"):
        print(out.to_string(index=False))
    for variant, g in out.groupby("variant", sort=False):
        ratio = g["seconds"].iloc[0] / t_floor
        print(f"goal ({variant}): full scoring <= 5x the 20-column floor: {ratio:.1f}x -> {'met' if ratio <= 5 else 'NOT met'}"
              f" ({g['seconds'].iloc[0] / t_onehot:.1f}x the one-hot floor)")  # fmt: skip
    return out


if __name__ == "__main__":
    main()
