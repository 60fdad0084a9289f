"""ms.funnel on Dask over a partitioned Parquet event log, next to DuckDB on the same files, in the same memory.

    python benchmarks/bench_scale_funnel.py                   # 100 M events (needs ~2 GB of disk; full run only)
    python benchmarks/bench_scale_funnel.py --rows 10000000   # a few minutes on 2 cores
    python benchmarks/bench_scale_funnel.py --quick           # 2 M events, < 1 minute

1. Synthetic events like the demo's (text ids "C00000042", ~40 events per
   customer with skewed activity, 8 % anonymous rows, a categorical event
   name: visits, product views, carts, checkouts, purchases, e-mail and ad
   events in the demo's proportions, each step more likely soon after the
   previous one) are written as Parquet files of ``--chunk`` rows, one chunk
   at a time, so the log never sits in memory.
2. ``ms.funnel(dd.read_parquet(folder), steps, window="7D")`` runs on a
   ``dask.distributed`` ``LocalCluster`` of ``--workers`` single-threaded
   worker processes with ``--memory-limit`` each: one pass counts left-out
   rows and checks the steps, the step events are shuffled by customer, and
   every partition's customers computed by the pandas code.
3. DuckDB runs the same strict 4-step, 7-day funnel as SQL over the same
   files with ``--workers`` threads and the same total memory limit, in a
   child process. Customers per step are checked to agree.

Peak memory is the summed resident set of every process involved (as in
``bench_scale.py``). Not part of ``run_all.py --quick``: it writes gigabytes.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]  # run from a checkout without installing

from bench_scale import PeakMemory, _du, _gib  # noqa: E402  (memory sampling shared with the RFM scale bench)

STEPS = ["view_product", "add_to_cart", "begin_checkout", "purchase"]
EVENTS = ["visit", "view_product", "add_to_cart", "begin_checkout", "purchase", "email_open", "email_click", "ad_click"]
SHARE = [0.28, 0.50, 0.08, 0.04, 0.03, 0.003, 0.0005, 0.0665]


def write_events(folder: Path, rows: int, *, chunk: int = 1_000_000, seed: int = 0) -> int:
    """Write ``rows`` synthetic events as Parquet files of ``chunk`` rows; return the number of files."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    n_customers = max(rows // 40, 1)
    rng0 = np.random.default_rng(seed)
    weights = rng0.pareto(1.5, n_customers) + 1
    cdf = np.cumsum(weights / weights.sum())
    share = np.asarray(SHARE) / np.sum(SHARE)
    start = np.datetime64("2022-01-01T00:00:00", "s").astype(np.int64)
    n_files = 0
    for i, lo in enumerate(range(0, rows, chunk)):
        n = min(chunk, rows - lo)
        rng = np.random.default_rng([seed, i])
        cust = np.minimum(np.searchsorted(cdf, rng.random(n)), n_customers - 1)
        ids = pc.binary_join_element_wise("C", pc.utf8_lpad(pc.cast(pa.array(cust), pa.string()), 8, "0"), "")
        ids = pc.if_else(pa.array(rng.random(n) < 0.08), pa.scalar(None, pa.string()), ids)  # anonymous visitors
        event = rng.choice(len(EVENTS), size=n, p=share)
        # a customer's sessions cluster in time: each customer has a home week, events spread around it
        home = (cust * 2_654_435_761) % (3 * 365 * 86_400)
        secs = start + (home + rng.gamma(1.5, 4 * 86_400, size=n).astype(np.int64)) % (3 * 365 * 86_400)
        table = pa.table({
            "customer_id": ids,
            "timestamp": pa.array(secs.astype("datetime64[s]").astype("datetime64[us]")),
            "event": pa.DictionaryArray.from_arrays(pa.array(event.astype(np.int32)), pa.array(EVENTS)),
        })  # fmt: skip
        pq.write_table(table, folder / f"part-{i:05d}.parquet", row_group_size=1_000_000)
        n_files += 1
    return n_files


def run_dask(folder: Path, workers: int, memory_limit: str, spill: Path):
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import microseg as ms

    config = {"temporary-directory": str(spill), "distributed.worker.daemon": False,
              "dataframe.parquet.minimum-partition-size": 1}  # fmt: skip
    with dask.config.set(config):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory_limit,
                               dashboard_address=":0", silence_logs=50)  # fmt: skip
        client = Client(cluster)
        try:
            with PeakMemory() as mem:
                t = time.perf_counter()
                ddf = dd.read_parquet(str(folder), filesystem="arrow")
                with warnings.catch_warnings():  # anonymous events are left out and reported in result.rows
                    warnings.simplefilter("ignore", ms.DataQualityWarning)
                    result = ms.funnel(ddf, STEPS, window="7D")
                seconds = time.perf_counter() - t
        finally:
            client.close()
            cluster.close()
    return seconds, mem.peak, result


_DUCKDB = """
import duckdb, json, sys, time
folder, threads, limit, spill = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
con = duckdb.connect()
con.execute(f"SET threads={threads}; SET memory_limit='{limit}'; SET preserve_insertion_order=false; "
            f"SET enable_progress_bar=false; SET temp_directory='{spill}'")
t = time.perf_counter()
row = con.execute(f'''
WITH e AS (SELECT customer_id AS c, timestamp AS t, event::VARCHAR AS s FROM read_parquet('{folder}/*.parquet')
           WHERE customer_id IS NOT NULL AND timestamp IS NOT NULL
             AND event IN ('view_product', 'add_to_cart', 'begin_checkout', 'purchase')),
s1 AS (SELECT c, min(t) AS t1 FROM e WHERE s = 'view_product' GROUP BY c),
s2 AS (SELECT e.c, min(e.t) AS t2, any_value(s1.t1) AS t1 FROM e JOIN s1 ON e.c = s1.c
       WHERE s = 'add_to_cart' AND e.t >= s1.t1 AND e.t <= s1.t1 + INTERVAL 7 DAY GROUP BY e.c),
s3 AS (SELECT e.c, min(e.t) AS t3, any_value(s2.t1) AS t1 FROM e JOIN s2 ON e.c = s2.c
       WHERE s = 'begin_checkout' AND e.t >= s2.t2 AND e.t <= s2.t1 + INTERVAL 7 DAY GROUP BY e.c),
s4 AS (SELECT e.c, min(e.t) AS t4 FROM e JOIN s3 ON e.c = s3.c
       WHERE s = 'purchase' AND e.t >= s3.t3 AND e.t <= s3.t1 + INTERVAL 7 DAY GROUP BY e.c)
SELECT (SELECT count(*) FROM s1), (SELECT count(*) FROM s2), (SELECT count(*) FROM s3), (SELECT count(*) FROM s4)
''').fetchone()
print(json.dumps({"seconds": time.perf_counter() - t, "customers": list(row)}))
"""


def run_duckdb(folder: Path, threads: int, memory_limit: str, spill: Path):
    proc = subprocess.Popen([sys.executable, "-c", _DUCKDB, str(folder), str(threads), memory_limit, str(spill)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    with PeakMemory(proc.pid) as mem:
        out, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"duckdb failed: {err[-2000:]}")
    res = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    return res["seconds"], mem.peak, res["customers"]


def main(argv=None) -> pd.DataFrame:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000_000, help="events to write (default 100 M)")
    p.add_argument("--quick", action="store_true", help="2 M events")
    p.add_argument("--chunk", type=int, default=2_000_000, help="rows per Parquet file (one Dask partition each)")
    p.add_argument("--workers", type=int, default=2, help="Dask worker processes / DuckDB threads")
    p.add_argument("--memory-limit", default="2GiB", help="per Dask worker (DuckDB gets workers x this)")
    p.add_argument("--dir", default=None, help="folder for the Parquet files (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the Parquet files (and reuse them when present)")
    args = p.parse_args(argv)
    rows = 2_000_000 if args.quick else args.rows
    chunk = min(args.chunk, 500_000) if args.quick else args.chunk
    if importlib.util.find_spec("distributed") is None:
        print('bench_scale_funnel: dask.distributed is not installed (pip install "microseg[scale]"); skipped.')
        return pd.DataFrame(columns=["rows", "tool", "seconds", "peak GB"])
    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="microseg-funnel-"))
    folder, spill = base / f"events-{rows}", base / "spill"
    spill.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        t = time.perf_counter()
        if not (args.keep and folder.is_dir() and any(folder.glob("*.parquet"))):
            n_files = write_events(folder, rows, chunk=chunk)
            print(f"wrote {rows:,} events in {n_files} Parquet files ({_du(folder) / 2**30:.2f} GiB) "
                  f"in {time.perf_counter() - t:.1f} s", flush=True)  # fmt: skip
        load = os.getloadavg()[0]
        secs, peak, res = run_dask(folder, args.workers, args.memory_limit, spill)
        ours = res.steps["customers"].tolist()
        results.append({"rows": rows, "tool": "microseg (Dask)", "seconds": secs, "peak GB": peak / 1e9, "load": load})
        print(f"  microseg on Dask: {secs:.1f} s, peak {peak / 1e9:.2f} GB, customers per step {ours}", flush=True)
        if importlib.util.find_spec("duckdb") is not None:
            limit_mb = int(_gib(args.memory_limit) * args.workers / 2**20)
            load = os.getloadavg()[0]
            try:
                dsecs, dpeak, theirs = run_duckdb(folder, args.workers, f"{limit_mb}MB", spill / "duckdb")
            except RuntimeError as exc:
                print(f"  duckdb failed: {str(exc)[-600:]}", flush=True)
                results.append({"rows": rows, "tool": "duckdb (failed)", "seconds": float("nan"),
                                "peak GB": float("nan"), "load": load})  # fmt: skip
            else:
                assert theirs == ours, (theirs, ours)
                results.append({"rows": rows, "tool": "duckdb", "seconds": dsecs, "peak GB": dpeak / 1e9, "load": load})
                print(f"  duckdb:           {dsecs:.1f} s, peak {dpeak / 1e9:.2f} GB", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    out = pd.DataFrame(results)
    out["microseg / tool"] = out["seconds"].iloc[0] / out["seconds"]
    with pd.option_context("display.width", 140):
        print(out.to_string(index=False, formatters={"seconds": "{:.1f}".format, "peak GB": "{:.2f}".format,
                                                     "rows": "{:,}".format, "load": "{:.1f}".format,
                                                     "microseg / tool": "{:.2f}".format}))  # fmt: skip
    print(f"{args.workers} Dask workers x {args.memory_limit} (DuckDB: {args.workers} threads, same total limit).")
    return out


if __name__ == "__main__":
    main()
