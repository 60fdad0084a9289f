"""Time of ``import microseg`` next to ``import pandas``, each in a fresh interpreter.

``import microseg`` imports pandas and numpy and nothing heavy: its public names
are lazy, so scikit-learn, scipy and matplotlib load on first use. Each import
runs in its own fresh Python process (``python -X importtime`` would add its own
overhead, so the wall time of the import statement is measured inside the child),
alternating the two, and the median of the runs is reported. The goal:
``import microseg`` takes at most 1.3 × the time of ``import pandas``.

Usage::

    python benchmarks/bench_import.py           # 21 runs of each
    python benchmarks/bench_import.py --quick   # 7 runs of each
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOAL = 1.3

_CHILD = """
import json, sys, time
sys.path.insert(0, {repo!r})
t = time.perf_counter()
import {module}
seconds = time.perf_counter() - t
heavy = sorted({{m.split(".")[0] for m in sys.modules}} & {{"sklearn", "scipy", "matplotlib", "seaborn"}})
print(json.dumps({{"seconds": seconds, "modules": len(sys.modules), "heavy": heavy}}))
"""


def run_one(module: str) -> dict:
    """Import ``module`` in a fresh interpreter; return the seconds, the modules loaded and the heavy ones."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(repo=str(REPO), module=module)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="7 runs of each import instead of 21")
    parser.add_argument("--runs", type=int, default=None, help="runs of each import (default 21, quick 7)")
    args = parser.parse_args(argv)
    runs = args.runs or (7 if args.quick else 21)
    import pandas as pd

    run_one("pandas")  # warm the file system cache once, unmeasured
    times: dict[str, list[float]] = {"pandas": [], "microseg": []}
    info = {}
    for _ in range(runs):
        for module in ("pandas", "microseg"):
            r = run_one(module)
            times[module].append(r["seconds"])
            info[module] = r
    med = {m: statistics.median(t) for m, t in times.items()}
    ratio = med["microseg"] / med["pandas"]
    print(f"import time, median of {runs} fresh interpreters each")
    print(f"{'import':>10} {'median s':>9} {'min s':>7} {'modules':>8}  heavy modules loaded")
    for m in ("pandas", "microseg"):
        heavy = ", ".join(info[m]["heavy"]) or "none"
        print(f"{m:>10} {med[m]:>9.3f} {min(times[m]):>7.3f} {info[m]['modules']:>8}  {heavy}")
    print(f"import microseg / import pandas = {ratio:.2f} (goal <= {GOAL}: {'met' if ratio <= GOAL else 'NOT met'})")
    return pd.DataFrame({
        "tool": ["microseg (import microseg)", "pandas (import pandas)"],
        "variant": ["import", "import"],
        "seconds": [med["microseg"], med["pandas"]],
    })  # fmt: skip


if __name__ == "__main__":
    main()
