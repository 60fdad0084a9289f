"""Benchmark ms.cohorts (monthly retention) and ms.funnel (4 steps, 7 days) against DuckDB on the demo logs.

    python benchmarks/bench_behaviour.py                      # make_customers(1_000_000): 15.6 M tx, 40 M events
    python benchmarks/bench_behaviour.py --customers 200000   # 3.1 M tx, 8 M events
    python benchmarks/bench_behaviour.py --quick              # 5 000 customers, a few seconds

The logs are ``ms.datasets.make_customers(n).transactions`` and ``.events``
(text customer ids, categorical event names, anonymous visitors' events
without an id), called as the demo report calls them:

- ``ms.cohorts(transactions, period="M", metric="retention")``
- ``ms.funnel(events, ["view_product", "add_to_cart", "begin_checkout", "purchase"], window="7D")``

DuckDB runs the same computations as SQL on the same pandas frames (zero-copy
scans), results fetched as pandas frames: cohorts as distinct customers per
(first purchase month, months since), funnel as one row per customer who
viewed a product (furthest step, time to convert) in customer order, as
``FunnelResult.customers`` is. The results are checked against each other.
Goals (issue 24): cohorts <= 1.2x DuckDB, funnel <= 1.5x DuckDB at 1 M customers.
Peak memory of microseg is traced with tracemalloc (numpy and pandas
allocations; pyarrow's pool, used to factorise the ids, is not traced)
relative to the input frame. The load average is given per row: the machine
is shared.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

STEPS = ["view_product", "add_to_cart", "begin_checkout", "purchase"]

COHORTS_SQL = """
WITH t AS (SELECT customer_id, date_trunc('month', timestamp) AS m, amount FROM tx
           WHERE customer_id IS NOT NULL AND timestamp IS NOT NULL AND amount IS NOT NULL),
f AS (SELECT customer_id, min(m) AS cohort FROM t WHERE amount >= 0 GROUP BY 1),
a AS (SELECT DISTINCT customer_id, m FROM t WHERE amount >= 0)
SELECT cohort, date_diff('month', cohort, m) AS k, count(*) AS customers
FROM a JOIN f USING (customer_id) GROUP BY 1, 2 ORDER BY 1, 2
"""

FUNNEL_SQL = """
WITH e AS (SELECT customer_id AS c, timestamp AS t, event::VARCHAR AS s FROM ev
           WHERE customer_id IS NOT NULL AND timestamp IS NOT NULL
             AND event IN ('view_product', 'add_to_cart', 'begin_checkout', 'purchase')),
s1 AS (SELECT c, min(t) AS t1 FROM e WHERE s = 'view_product' GROUP BY c),
s2 AS (SELECT e.c, min(e.t) AS t2, any_value(s1.t1) AS t1 FROM e JOIN s1 ON e.c = s1.c
       WHERE s = 'add_to_cart' AND e.t >= s1.t1 AND e.t <= s1.t1 + INTERVAL 7 DAY GROUP BY e.c),
s3 AS (SELECT e.c, min(e.t) AS t3, any_value(s2.t1) AS t1 FROM e JOIN s2 ON e.c = s2.c
       WHERE s = 'begin_checkout' AND e.t >= s2.t2 AND e.t <= s2.t1 + INTERVAL 7 DAY GROUP BY e.c),
s4 AS (SELECT e.c, min(e.t) AS t4 FROM e JOIN s3 ON e.c = s3.c
       WHERE s = 'purchase' AND e.t >= s3.t3 AND e.t <= s3.t1 + INTERVAL 7 DAY GROUP BY e.c)
SELECT s1.c AS customer_id, s1.t1 AS start,
       1 + (s2.c IS NOT NULL)::INT + (s3.c IS NOT NULL)::INT + (s4.c IS NOT NULL)::INT AS n_steps,
       s4.t4 - s1.t1 AS time_to_convert
FROM s1 LEFT JOIN s2 ON s1.c = s2.c LEFT JOIN s3 ON s1.c = s3.c LEFT JOIN s4 ON s1.c = s4.c
ORDER BY s1.c
"""


def run_cohorts(tx):
    import microseg as ms

    return ms.cohorts(tx, period="M", metric="retention")


def run_funnel(ev):
    import microseg as ms

    with warnings.catch_warnings():  # anonymous events are left out and reported
        warnings.simplefilter("ignore", ms.DataQualityWarning)
        return ms.funnel(ev, STEPS, window="7D")


def _duck(sql, name, df):
    import duckdb

    con = duckdb.connect()
    con.register(name, df)
    return con.sql(sql).df()


def timed(fn, *args, repeat=1):
    best, out = np.inf, None
    for _ in range(repeat):
        gc.collect()
        t = time.perf_counter()
        out = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, out


def peak_memory(fn, df) -> int:
    gc.collect()
    tracemalloc.start()
    fn(df)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def check_cohorts(ours: pd.DataFrame, duck: pd.DataFrame) -> None:
    size = ours.attrs["cohort_size"]
    active = ours.mul(size, axis=0).stack().dropna().round().astype("int64")
    d = duck.assign(cohort=pd.PeriodIndex(pd.DatetimeIndex(duck["cohort"]), freq="M")).set_index(["cohort", "k"])
    d = d["customers"]
    active = active[active > 0]
    assert len(active) == len(d) and (active.to_numpy() == d.reindex(active.index).to_numpy()).all()


def check_funnel(ours, duck: pd.DataFrame) -> None:
    c = ours.customers
    assert len(c) == len(duck)
    assert (c["n_steps"].to_numpy() == duck.sort_values("customer_id")["n_steps"].to_numpy()).all()


def main(argv=None) -> pd.DataFrame:
    import microseg as ms

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="5 000 customers; skip DuckDB when it is not installed")
    p.add_argument("--customers", type=int, nargs="*", default=None, help="make_customers sizes (default 1 M)")
    p.add_argument("--repeat", type=int, default=1)
    args = p.parse_args(argv)
    sizes = args.customers or ([5_000] if args.quick else [1_000_000])
    have_duck = importlib.util.find_spec("duckdb") is not None
    warm = ms.datasets.make_customers(n_customers=500, random_state=1)
    run_cohorts(warm.transactions), run_funnel(warm.events)  # imports and first-call set-up are not timed
    if have_duck:
        _duck(COHORTS_SQL, "tx", warm.transactions), _duck(FUNNEL_SQL, "ev", warm.events)
    rows = []
    for n in sizes:
        t = time.perf_counter()
        data = ms.datasets.make_customers(n_customers=n, random_state=0)
        print(f"make_customers({n:,}): {time.perf_counter() - t:.1f} s", flush=True)
        cases = [("cohorts monthly retention", data.transactions, run_cohorts, COHORTS_SQL, "tx", check_cohorts),
                 ("funnel 4 steps 7D", data.events, run_funnel, FUNNEL_SQL, "ev", check_funnel)]  # fmt: skip
        del data
        for variant, df, ours_fn, sql, name, check in cases:
            frame_bytes = int(df.memory_usage(deep=True).sum())
            load = os.getloadavg()[0]
            secs, ours = timed(ours_fn, df, repeat=args.repeat)
            case = {"variant": variant, "rows": len(df), "customers": n}
            rows.append({**case, "tool": "microseg", "seconds": secs, "load": load})
            if have_duck:
                dsecs, duck = timed(_duck, sql, name, df, repeat=args.repeat)
                check(ours, duck)
                rows.append({**case, "tool": "duckdb", "seconds": dsecs, "load": os.getloadavg()[0]})
            peak = peak_memory(ours_fn, df)
            rows.append({**case, "tool": "microseg peak memory / input frame",
                         "seconds": f"{peak / frame_bytes:.2f}x of {frame_bytes / 1e6:.0f} MB", "load": np.nan})  # fmt: skip
            del ours
        del cases, df
    table = pd.DataFrame(rows)
    ours_s = {r["variant"]: r["seconds"] for r in rows if r["tool"] == "microseg"}
    table["microseg / tool"] = [f"{ours_s[v] / s:.2f}" if isinstance(s, float) and t != "microseg" else ""
                                for v, s, t in zip(table["variant"], table["seconds"], table["tool"])]  # fmt: skip
    with pd.option_context("display.width", 200, "display.max_columns", 10):
        print(table.to_string(index=False, formatters={"seconds": lambda s: f"{s:.2f}" if isinstance(s, float) else s,
                                                       "load": "{:.1f}".format}))  # fmt: skip
    print("goals: cohorts microseg / duckdb <= 1.2, funnel <= 1.5 (issue 24)")
    return table


if __name__ == "__main__":
    main()
