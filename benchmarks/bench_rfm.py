"""Benchmark ms.rfm(convention="btyd") against the tools an analyst would otherwise use.

    /work/venv/bin/python benchmarks/bench_rfm.py            # 1 M and 10 M transactions
    /work/venv/bin/python benchmarks/bench_rfm.py --quick    # 200 k, < 30 s

Transactions: N rows over ~N/20 customers whose ids are pyarrow-backed strings
(as ``pd.read_csv`` gives them in pandas 3), timestamps over three years with a
time of day, amounts with no returns (lifetimes has no notion of them). Each tool computes the btyd
table (repeat purchase days, recency, T, mean repeat spend) in the same run:

- lifetimes ``summary_data_from_transaction_data`` (skipped above ``--lifetimes-max`` rows;
  its time at larger sizes is extrapolated linearly and marked ``~``),
- a plain pandas groupby on the string ids,
- DuckDB SQL on the pandas frame, result fetched as a pandas frame,
- polars (conversion from pandas included).

Peak memory of ms.rfm is measured with tracemalloc (numpy and pandas
allocations; pyarrow's own memory pool, used while factorising the ids, is not
traced) relative to the in-memory size of the input frame.

Measured on the shared 2-core development machine while other jobs were
running (load average ~10, so absolute times are inflated and noisy; ratios
are from the same run):

    rows        microseg  lifetimes  pandas  duckdb  polars   microseg/duckdb  peak mem
    1 M           0.51 s     4.94 s  1.55 s  0.98 s  1.63 s   0.52             1.42x
    10 M         15.66 s   ~49.4 s  50.42 s 12.67 s 28.34 s   1.24             1.38x
    10 M (*)     22.65 s   142.6 s  51.49 s 16.27 s 30.86 s   1.39             1.38x

    ~ extrapolated from 1 M; (*) a separate run with lifetimes measured at 10 M
    (--sizes 10000000 --lifetimes-max 10000000).
"""

from __future__ import annotations

import argparse
import gc
import os
import importlib.util
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing


def make_transactions(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_customers = max(n // 20, 1)
    # skewed activity: a few heavy buyers, many light ones
    weights = rng.pareto(1.5, n_customers) + 1
    cust = rng.choice(n_customers, size=n, p=weights / weights.sum())
    ids = pd.Series(np.char.add("C", cust.astype(str)), dtype="str")
    start = np.datetime64("2021-01-01T00:00:00", "s")
    secs = rng.integers(0, 3 * 365 * 86_400, size=n)
    ts = pd.Series((start + secs).astype("datetime64[us]"))
    amount = np.round(rng.gamma(2.0, 20.0, size=n), 2)
    return pd.DataFrame({"customer_id": ids, "timestamp": ts, "amount": amount})


def run_microseg(df):
    import microseg as ms

    return ms.rfm(df, convention="btyd")


def run_lifetimes(df):
    from lifetimes.utils import summary_data_from_transaction_data

    return summary_data_from_transaction_data(df, "customer_id", "timestamp", "amount")


def run_pandas(df):
    d = df.assign(day=df["timestamp"].dt.floor("D"))
    per = d.groupby(["customer_id", "day"], sort=False)["amount"].sum().reset_index()
    g = per.groupby("customer_id")
    first = g["day"].transform("min")
    out = g["day"].agg(["min", "max", "count"])
    as_of = d["day"].max()
    repeat = per[per["day"] != first].groupby("customer_id")["amount"].mean()
    return pd.DataFrame({
        "frequency": out["count"] - 1,
        "recency": (out["max"] - out["min"]).dt.days,
        "T": (as_of - out["min"]).dt.days,
        "monetary_value": repeat.reindex(out.index).fillna(0),
    }).astype(float)


SQL = """
with per as (
  select customer_id, cast(timestamp as date) as day, sum(amount) as spend
  from df group by 1, 2
), c as (
  select customer_id, min(day) as first_day, max(day) as last_day, count(*) as n,
         sum(spend) as total, arg_min(spend, day) as first_spend
  from per group by 1
)
select customer_id, n - 1 as frequency, date_diff('day', first_day, last_day) as recency,
       date_diff('day', first_day, (select max(cast(timestamp as date)) from df)) as T,
       case when n > 1 then (total - first_spend) / (n - 1) else 0 end as monetary_value
from c order by customer_id
"""


def run_duckdb(df):
    import duckdb

    con = duckdb.connect()
    con.register("df", df)
    return con.sql(SQL).df()


def run_polars(df):
    import polars as pl

    d = pl.from_pandas(df)
    per = d.group_by("customer_id", pl.col("timestamp").dt.date().alias("day")).agg(pl.col("amount").sum())
    as_of = d.select(pl.col("timestamp").dt.date().max()).item()
    out = (
        per.sort("day")
        .group_by("customer_id")
        .agg(
            (pl.len() - 1).alias("frequency"),
            (pl.col("day").max() - pl.col("day").min()).dt.total_days().alias("recency"),
            (pl.lit(as_of) - pl.col("day").min()).dt.total_days().alias("T"),
            ((pl.col("amount").sum() - pl.col("amount").first()) / (pl.len() - 1)).alias("monetary_value"),
        )
        .with_columns(pl.when(pl.col("frequency") > 0).then(pl.col("monetary_value")).otherwise(0.0))
        .sort("customer_id")
    )
    return out.to_pandas()


def timed(fn, df, repeat=1):
    best = np.inf
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn(df)
        best = min(best, time.perf_counter() - t)
    return best, out


def peak_memory(fn, df) -> int:
    gc.collect()
    tracemalloc.start()
    fn(df)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main(argv=None) -> pd.DataFrame:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="200 k rows only; skip tools that are not installed")
    p.add_argument("--sizes", type=int, nargs="*", default=None)
    p.add_argument("--lifetimes-max", type=int, default=2_000_000, help="largest size lifetimes is run at")
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args(argv)
    sizes = args.sizes or ([200_000] if args.quick else [1_000_000, 10_000_000])

    tools = {"microseg": run_microseg, "lifetimes": run_lifetimes, "pandas groupby": run_pandas,
             "duckdb": run_duckdb, "polars": run_polars}
    modules = {"lifetimes": "lifetimes", "duckdb": "duckdb", "polars": "polars"}
    available = {k: f for k, f in tools.items() if k not in modules or importlib.util.find_spec(modules[k])}
    warm = make_transactions(2_000, seed=1)
    for fn in available.values():  # imports and first-call set-up are not timed
        fn(warm)
    rows = []
    lifetimes_rate = None
    for n in sizes:
        df = make_transactions(n)
        frame_bytes = int(df.memory_usage(deep=True).sum())
        times, results = {}, {}
        for name, fn in available.items():
            if name == "lifetimes" and n > args.lifetimes_max:
                if lifetimes_rate is not None:
                    times[name] = (lifetimes_rate * n, True)
                continue
            t, out = timed(fn, df, args.repeat)
            times[name] = (t, False)
            results[name] = out
            if name == "lifetimes":
                lifetimes_rate = t / n
        # the tools agree with microseg
        ref = results["microseg"]
        for name, out in results.items():
            if name == "microseg":
                continue
            o = out.set_index("customer_id") if "customer_id" in getattr(out, "columns", []) else out
            o = o.sort_index()
            assert len(o) == len(ref), (name, len(o), len(ref))
            np.testing.assert_allclose(o["frequency"].to_numpy(float), ref["frequency"].to_numpy(), err_msg=name)
            np.testing.assert_allclose(o["T"].to_numpy(float), ref["T"].to_numpy(), err_msg=name)
            np.testing.assert_allclose(o["monetary_value"].to_numpy(float), ref["monetary_value"].to_numpy(),
                                       rtol=1e-6, err_msg=name)
        peak = peak_memory(run_microseg, df)
        base = times["microseg"][0]
        duck = times.get("duckdb", (np.nan, False))[0]
        load = os.getloadavg()[0]
        for name, (t, extrapolated) in times.items():
            rows.append({
                "rows": n, "tool": name, "seconds": ("~" if extrapolated else "") + f"{t:.3f}",
                "tool / microseg": f"{t / base:.2f}", "microseg / tool": f"{base / t:.2f}",
                "vs duckdb": f"{t / duck:.2f}" if np.isfinite(duck) else "",
                "peak MB": peak / 2**20 if name == "microseg" else np.nan, "load": load,
            })
        rows.append({"rows": n, "tool": "microseg peak memory / input frame",
                     "seconds": f"{peak / frame_bytes:.2f}x of {frame_bytes / 1e6:.0f} MB", "tool / microseg": "",
                     "microseg / tool": "", "vs duckdb": "", "peak MB": peak / 2**20, "load": load})
        del df, results
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 10):
        print(table.to_string(index=False))
        print("~ = extrapolated linearly from the largest size lifetimes was run at")
    return table


if __name__ == "__main__":
    main()
