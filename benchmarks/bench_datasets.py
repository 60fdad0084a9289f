"""Time and peak memory of ``ms.datasets.make_customers`` at growing sizes.

Each size runs in its own subprocess, so the peak resident memory
(``ru_maxrss``) belongs to that size alone. The goal: 1 M customers in
<= 60 s and <= 8 GB on a 2-core machine.

Usage::

    python benchmarks/bench_datasets.py           # 100k and 1M customers
    python benchmarks/bench_datasets.py --quick   # 10k and 100k customers
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
import microseg as ms
n, kind = {n}, {kind!r}
t = time.perf_counter()
d = ms.datasets.make_customers(n_customers=n, random_state=0, kind=kind)
seconds = time.perf_counter() - t
rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
rows = {{name: len(getattr(d, name)) for name in ("transactions", "events", "contacts", "survey")}}
print(json.dumps({{"seconds": seconds, "peak_gb": rss_kb / 1024**2, "rows": rows}}))
"""


def run_one(n: int, kind: str = "b2c") -> dict:
    """Generate ``n`` customers in a fresh interpreter; return seconds, peak GB and row counts."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(repo=str(REPO), n=n, kind=kind)],
        capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k and 100k customers only (< 30 s)")
    parser.add_argument("--kind", default="b2c", choices=["b2c", "b2b"])
    args = parser.parse_args(argv)
    sizes = [10_000, 100_000] if args.quick else [100_000, 1_000_000]
    print(f"make_customers(kind={args.kind!r}): time and peak memory per size (one subprocess each)")
    print(f"{'customers':>10} {'seconds':>8} {'peak GB':>8} {'transactions':>13} {'events':>12} {'s per 1M':>9}")
    for n in sizes:
        r = run_one(n, args.kind)
        print(
            f"{n:>10,} {r['seconds']:>8.1f} {r['peak_gb']:>8.2f} {r['rows']['transactions']:>13,} "
            f"{r['rows']['events']:>12,} {r['seconds'] * 1e6 / n:>9.1f}"
        )
    print("goal: 1,000,000 customers in <= 60 s and <= 8 GB on 2 cores (no competitor: nothing else plants this truth)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
