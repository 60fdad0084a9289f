"""RFM on Dask over a partitioned Parquet log larger than memory, next to DuckDB on the same files.

    python benchmarks/bench_scale.py                  # 200 M transactions (needs ~10 GB of disk)
    python benchmarks/bench_scale.py --rows 20000000  # a few minutes on 2 cores
    python benchmarks/bench_scale.py --quick          # 2 M rows, < 1 minute

1. Synthetic transactions (``customer_id`` text ids "C00000042", ``timestamp``,
   ``amount`` with ~3 % returns; ~20 rows per customer, skewed activity) are
   written as Parquet files of ``--chunk`` rows each, one chunk at a time, so
   the log never sits in memory.
2. ``ms.rfm(dd.read_parquet(folder))`` runs on a ``dask.distributed``
   ``LocalCluster`` of ``--workers`` single-threaded worker processes with a
   memory limit of ``--memory-limit`` each (spilling to disk beyond it): one
   pass counts left-out rows and finds the reference date, a shuffle by
   customer (peer-to-peer, on disk) brings each customer's rows together, and
   the pandas ``rfm`` runs per partition.
3. DuckDB runs the same analyst RFM (days since last purchase day, distinct
   purchase days, net spend, tenure) as SQL over the same Parquet files with
   ``--workers`` threads and the same total memory limit, in a child process:
   one GROUP BY (customer, day), then one by customer (``count(DISTINCT day)``
   runs out of memory at 200 M rows and 3 GiB: distinct aggregates do not spill).

Reported per tool: wall time, peak memory — the summed resident set of every
process involved (the client with its scheduler, the nannies and the
workers; for DuckDB its process), sampled every 0.1 s with psutil (or /proc
when psutil is absent) — and throughput in rows per second. The two results
are checked against each other (customers, orders and spend totals).
Not part of CI: it writes gigabytes and takes minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from a checkout without installing


# --------------------------------------------------------------------------- data
def write_transactions(folder: Path, rows: int, *, chunk: int = 1_000_000, seed: int = 0) -> int:
    """Write ``rows`` synthetic transactions as Parquet files of ``chunk`` rows; return the number of files."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    n_customers = max(rows // 20, 1)
    rng0 = np.random.default_rng(seed)
    # skewed activity: a few heavy buyers, many light ones (weights shared by every chunk)
    weights = rng0.pareto(1.5, n_customers) + 1
    cdf = np.cumsum(weights / weights.sum())
    start = np.datetime64("2021-01-01T00:00:00", "s").astype(np.int64)
    n_files = 0
    for i, lo in enumerate(range(0, rows, chunk)):
        n = min(chunk, rows - lo)
        rng = np.random.default_rng([seed, i])
        cust = np.minimum(np.searchsorted(cdf, rng.random(n)), n_customers - 1)
        ids = pc.binary_join_element_wise("C", pc.utf8_lpad(pc.cast(pa.array(cust), pa.string()), 8, "0"), "")
        secs = start + rng.integers(0, 3 * 365 * 86_400, size=n)
        amount = np.round(rng.gamma(2.0, 20.0, size=n), 2)
        amount[rng.random(n) < 0.03] *= -1  # returns
        table = pa.table({
            "customer_id": ids,
            "timestamp": pa.array(secs.astype("datetime64[s]").astype("datetime64[us]")),
            "amount": pa.array(amount),
        })  # fmt: skip
        pq.write_table(table, folder / f"part-{i:05d}.parquet", row_group_size=1_000_000)
        n_files += 1
    return n_files


# --------------------------------------------------------------------------- memory
def _tree_rss_psutil(pid: int) -> int:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def _tree_rss_proc(pid: int) -> int:
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parents[int(d)] = int(fields[1])
            with open(f"/proc/{d}/statm") as f:
                rss[int(d)] = int(f.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    keep, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        for c, pp in parents.items():
            if pp == p and c not in keep:
                keep.add(c)
                frontier.append(c)
    return sum(rss.get(p, 0) for p in keep)


class PeakMemory:
    """Sample the summed resident set of a process and all its descendants; keep the peak."""

    def __init__(self, pid: int | None = None, interval: float = 0.1):
        self.pid = pid or os.getpid()
        self.interval = interval
        try:
            import psutil  # noqa: F401

            self._rss, self.method = _tree_rss_psutil, "psutil"
        except ImportError:
            self._rss, self.method = _tree_rss_proc, "/proc"
        self.peak = 0
        self._stop = threading.Event()

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._rss(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self):
        self.peak = self._rss(self.pid)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss(self.pid))


# --------------------------------------------------------------------------- tools
def run_dask(folder: Path, workers: int, memory_limit: str, spill: Path) -> tuple[float, int, pd.DataFrame]:
    import dask
    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import microseg as ms

    # one Parquet file per partition: Dask would otherwise fuse small files into partitions of several million
    # rows, and the shuffle of such a partition outgrows a 1.5 GiB worker
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
                with warnings.catch_warnings():  # left-out rows are reported below, from the table
                    warnings.simplefilter("ignore", ms.DataQualityWarning)
                    table = ms.rfm(ddf)
                seconds = time.perf_counter() - t
        finally:
            client.close()
            cluster.close()
    return seconds, mem.peak, table


_DUCKDB = """
import duckdb, json, sys, time
folder, threads, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3]
con = duckdb.connect()
con.execute(f"SET threads={threads}; SET memory_limit='{limit}'; SET preserve_insertion_order=false; SET enable_progress_bar=false")
t = time.perf_counter()
df = con.execute(f'''
WITH t AS (
  SELECT customer_id, timestamp, amount FROM read_parquet('{folder}/*.parquet')
  WHERE customer_id IS NOT NULL AND timestamp IS NOT NULL AND amount IS NOT NULL),
ref AS (SELECT max(timestamp)::DATE AS d FROM t),
days AS (
  SELECT customer_id, timestamp::DATE AS day, sum(amount) AS spend, bool_or(amount >= 0) AS bought
  FROM t GROUP BY customer_id, day)
SELECT customer_id,
  ref.d - max(CASE WHEN bought THEN day END) AS days_since_last,
  count(*) FILTER (WHERE bought) AS n_orders,
  sum(spend) AS total_spend,
  ref.d - min(CASE WHEN bought THEN day END) AS tenure_days
FROM days, ref GROUP BY customer_id, ref.d HAVING count(*) FILTER (WHERE bought) > 0
''').df()
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "customers": len(df), "orders": int(df["n_orders"].sum()),
                  "spend": float(df["total_spend"].sum()), "days": int(df["days_since_last"].sum())}))
"""


def run_duckdb(folder: Path, threads: int, memory_limit: str) -> tuple[float, int, dict]:
    proc = subprocess.Popen([sys.executable, "-c", _DUCKDB, str(folder), str(threads), memory_limit],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    with PeakMemory(proc.pid) as mem:
        out, err = proc.communicate()
    if proc.returncode:
        raise RuntimeError(f"duckdb failed: {err[-2000:]}")
    res = json.loads([line for line in out.splitlines() if line.startswith("{")][-1])
    return res.pop("seconds"), mem.peak, res


def _gib(text: str) -> float:
    units = {"GiB": 2**30, "GB": 1e9, "MiB": 2**20, "MB": 1e6}
    for u, f in units.items():
        if text.endswith(u):
            return float(text[: -len(u)]) * f
    return float(text)


# --------------------------------------------------------------------------- main
def main(argv=None) -> pd.DataFrame:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=200_000_000, help="transactions to write (default 200 M)")
    p.add_argument("--quick", action="store_true", help="2 M rows, skip tools that are not installed")
    p.add_argument("--chunk", type=int, default=1_000_000, help="rows per Parquet file (one Dask partition each)")
    p.add_argument("--workers", type=int, default=2, help="Dask worker processes / DuckDB threads")
    p.add_argument("--memory-limit", default="1.5GiB", help="per Dask worker (DuckDB gets workers x this)")
    p.add_argument("--dir", default=None, help="folder for the Parquet files (default: a temporary folder)")
    p.add_argument("--keep", action="store_true", help="keep the Parquet files (and reuse them when present)")
    args = p.parse_args(argv)
    rows = 2_000_000 if args.quick else args.rows
    chunk = min(args.chunk, 250_000) if args.quick else args.chunk

    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        print('bench_scale: dask.distributed is not installed (pip install "microseg[scale]"); skipped.')
        return pd.DataFrame(columns=["rows", "tool", "seconds", "peak GB", "rows/s"])
    have_duckdb = importlib.util.find_spec("duckdb") is not None

    base = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="microseg-scale-"))
    folder = base / f"tx-{rows}"
    spill = base / "spill"
    spill.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        if not (args.keep and folder.is_dir() and any(folder.glob("*.parquet"))):
            n_files = write_transactions(folder, rows, chunk=chunk)
            print(f"wrote {rows:,} transactions in {n_files} Parquet files ({_du(folder) / 2**30:.2f} GiB) "
                  f"in {time.perf_counter() - t:.1f} s", flush=True)  # fmt: skip
        results = []
        secs, peak, table = run_dask(folder, args.workers, args.memory_limit, spill)
        results.append({"rows": rows, "tool": "microseg (Dask)", "seconds": secs, "peak GB": peak / 1e9})
        left_out = {k: v for k, v in table.attrs["microseg_rows"].items() if v}
        print(f"  microseg on Dask: {secs:.1f} s, peak {peak / 1e9:.2f} GB, {len(table):,} customers "
              f"(rows left out: {left_out or 'none'})", flush=True)  # fmt: skip
        if have_duckdb:
            limit_mb = int(_gib(args.memory_limit) * args.workers / 2**20)
            try:
                dsecs, dpeak, check = run_duckdb(folder, args.workers, f"{limit_mb}MB")
            except RuntimeError as exc:  # e.g. out of memory: say so in the table
                print(f"  duckdb failed: {str(exc).splitlines()[-1] if str(exc) else exc}", flush=True)
                print(str(exc)[-600:])
                results.append({"rows": rows, "tool": "duckdb (failed)", "seconds": float("nan"), "peak GB": float("nan")})
                check = None
            else:
                results.append({"rows": rows, "tool": "duckdb", "seconds": dsecs, "peak GB": dpeak / 1e9})
                print(f"  duckdb:           {dsecs:.1f} s, peak {dpeak / 1e9:.2f} GB", flush=True)
            ours = {"customers": len(table), "orders": int(table["n_orders"].sum()),
                    "spend": float(table["total_spend"].sum()), "days": int(table["days_since_last"].sum())}  # fmt: skip
            for k in ("customers", "orders", "days") if check else ():
                assert ours[k] == check[k], (k, ours[k], check[k])
            if check:
                assert abs(ours["spend"] - check["spend"]) <= 1e-6 * abs(check["spend"]), (ours["spend"], check["spend"])
        else:
            print("  duckdb not installed: skipped")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    out = pd.DataFrame(results)
    out["rows/s"] = out["rows"] / out["seconds"]
    ours_s = out.loc[out["tool"] == "microseg (Dask)", "seconds"].iloc[0]
    out["tool / microseg"] = out["seconds"] / ours_s
    with pd.option_context("display.width", 140):
        print(out.to_string(index=False, formatters={
            "seconds": "{:.1f}".format, "peak GB": "{:.2f}".format, "rows/s": "{:,.0f}".format,
            "tool / microseg": "{:.2f}".format, "rows": "{:,}".format}))  # fmt: skip
    print(f"{args.workers} Dask workers x {args.memory_limit} (DuckDB: {args.workers} threads, same total limit); "
          "peak = summed RSS of every process involved. Goal: <= 4 GB.")  # fmt: skip
    return out


def _du(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.glob("*.parquet"))


if __name__ == "__main__":
    main()
