"""Benchmark: ms.profile() against a pandas groupby baseline and polars.

Data: N rows × (10 numeric + 10 categorical columns) × 8 segments. The
categorical columns are passed twice: as plain strings (pandas' default ``str``
dtype) and as ``category``.

* **pandas baseline** — what an analyst would write for the same numbers:
  ``groupby(segment)[numeric].agg(["mean", "median"])`` and, per categorical
  column, ``groupby([segment, column]).size()``;
* **polars** — the same in polars (``group_by().agg`` and ``group_by().len``),
  on a frame converted before timing;
* **ms.profile** — means, medians and level counts plus everything else:
  intervals, Mann–Whitney and Fisher/chi-square tests, effect sizes, BH
  adjustment and small-cell suppression; on one thread (the default) and with
  ``n_jobs=-1`` (columns on all cores, as polars uses them).

Each measurement runs in a fresh process that reads the data from a parquet
file (not timed); time is wall-clock, and peak memory is the process's peak
resident set during the call (sampled every 5 ms) minus its size before it.

Run ``python benchmarks/bench_profile.py`` (10 M rows; needs a few GB of
memory) or ``--quick`` (200 k rows, < 30 s); ``--rows N`` to choose.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import tempfile
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import microseg as ms  # noqa: E402

N_NUM, N_CAT, N_SEG = 10, 10, 8


def make_data(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cols = {"segment": pd.Categorical.from_codes(rng.integers(0, N_SEG, n), [f"seg{i}" for i in range(N_SEG)])}
    for i in range(N_NUM):
        cols[f"num{i}"] = rng.gamma(2.0 + i, 10.0, n) if i % 2 else rng.normal(50 + i, 10, n)
    for i in range(N_CAT):
        k = [3, 5, 8, 12, 20, 4, 6, 10, 15, 30][i]
        names = np.array([f"level_{i}_{j}" for j in range(k)], dtype=object)
        p = rng.dirichlet(np.ones(k))
        cols[f"cat{i}"] = pd.array(names[rng.choice(k, n, p=p)], dtype="str")
    return pd.DataFrame(cols)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _run_one(tool: str, variant: str, path: str) -> tuple[float, float]:
    """In a fresh process: load the data, then time one tool while sampling memory."""
    import gc
    import threading

    if tool == "polars":
        import polars as pl

        data = pl.read_parquet(path)
        if variant == "category":
            data = data.with_columns([pl.col(f"cat{i}").cast(pl.Categorical) for i in range(N_CAT)])
    else:
        data = pd.read_parquet(path)
        if variant == "category":
            data = data.astype({f"cat{i}": "category" for i in range(N_CAT)})
    fn = {
        "pandas groupby": pandas_baseline,
        "polars": polars_baseline,
        "ms.profile": microseg_profile,
        "ms.profile n_jobs=-1": microseg_profile_threads,
    }[tool]
    gc.collect()
    start = _rss_mb()
    peak = [start]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_mb())
            stop.wait(0.005)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    t0 = time.perf_counter()
    fn(data)
    dt = time.perf_counter() - t0
    stop.set()
    th.join()
    return dt, max(peak[0], _rss_mb()) - start


def measure(tool: str, variant: str, path: str, repeat: int = 1) -> tuple[float, float]:
    """Best wall time (s) and peak extra resident memory (MB), each run in a fresh process."""
    ctx = mp.get_context("spawn")
    runs = []
    with ctx.Pool(1, maxtasksperchild=1) as pool:
        for _ in range(repeat):
            runs.append(pool.apply(_run_one, (tool, variant, path)))
    return min(runs)


def pandas_baseline(df):
    num = [f"num{i}" for i in range(N_NUM)]
    g = df.groupby("segment", observed=True)
    g[num].mean()
    g[num].median()
    for i in range(N_CAT):
        df.groupby(["segment", f"cat{i}"], observed=True).size()


def polars_baseline(pdf):
    import polars as pl

    num = [f"num{i}" for i in range(N_NUM)]
    pdf.group_by("segment").agg([pl.col(c).mean().alias(c + "_mean") for c in num] + [pl.col(c).median().alias(c + "_median") for c in num])
    for i in range(N_CAT):
        pdf.group_by(["segment", f"cat{i}"]).len()


def microseg_profile(df):
    ms.profile(df, "segment")


def microseg_profile_threads(df):
    ms.profile(df, "segment", n_jobs=-1)


def main(argv=None) -> pd.DataFrame:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="200k rows, one repeat")
    ap.add_argument("--rows", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    args = ap.parse_args(argv)
    n = args.rows or (200_000 if args.quick else 10_000_000)
    repeat = args.repeat or (1 if args.quick or n >= 2_000_000 else 3)
    t0 = time.perf_counter()
    df_str = make_data(n)
    print(f"data: {n:,} rows x ({N_NUM} numeric + {N_CAT} categorical) x {N_SEG} segments, built in {time.perf_counter() - t0:.1f} s")
    try:
        import polars as pl
    except ImportError:  # pragma: no cover - optional competitor
        pl = None
    rows = []
    tools = ["pandas groupby", "ms.profile", "ms.profile n_jobs=-1"] + (["polars"] if pl is not None else [])
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "data.parquet")
        df_str.to_parquet(path)
        del df_str
        for variant in ["str", "category"]:
            for tool in tools:
                t, m = measure(tool, variant, path, repeat)
                rows.append({"columns": variant, "tool": tool, "seconds": t, "peak_MB": m})
                print(f"  {variant:8s} {tool:21s} {t:8.2f} s {m:8.0f} MB", flush=True)
    out = pd.DataFrame(rows)
    base = out[out.tool == "pandas groupby"].set_index("columns")["seconds"]
    out["x pandas"] = out["seconds"] / out["columns"].map(base)
    if pl is not None:
        polars_t = out[out.tool == "polars"].set_index("columns")["seconds"]
        out["x polars"] = out["seconds"] / out["columns"].map(polars_t)
    with pd.option_context("display.float_format", "{:.2f}".format, "display.width", 120):
        print(out.to_string(index=False))
    return out


if __name__ == "__main__":
    main()
