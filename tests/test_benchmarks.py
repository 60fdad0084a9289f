"""The benchmark runner: ``python benchmarks/run_all.py --quick`` completes (only when MICROSEG_RUN_BENCH=1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("MICROSEG_RUN_BENCH") != "1",
    reason="benchmarks take ~2 minutes; set MICROSEG_RUN_BENCH=1 to run benchmarks/run_all.py --quick",
)
def test_run_all_quick_runs_every_benchmark_and_prints_the_machine():
    proc = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "run_all.py"), "--quick"],
        capture_output=True, text=True, timeout=600, cwd=REPO,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Benchmarks run:" in proc.stdout
    assert "cpu:" in proc.stdout and "pandas" in proc.stdout
    assert "failed" not in proc.stdout.split("Benchmarks run:")[1].split("machine")[0]


def _run_all():
    import importlib.util

    spec = importlib.util.spec_from_file_location("run_all", REPO / "benchmarks" / "run_all.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_ratios_compare_each_tool_with_microseg_within_each_case():
    import pandas as pd

    table = pd.DataFrame({
        "rows": [10, 10, 10, 10, 20, 20],
        "tool": ["ms.profile", "pandas groupby", "ms.profile n_jobs=-1", "microseg peak memory", "microseg", "duckdb"],
        "seconds": [2.0, 5.0, 1.0, None, "4.00", "~2.00"],
    })  # fmt: skip
    rows = _run_all().ratios("bench_x", table)
    got = {(r["case"], r["other tool"]): (r["microseg / other"], r["estimated"]) for r in rows}
    assert got == {("rows=10", "pandas groupby"): (0.4, False), ("rows=20", "duckdb"): (2.0, True)}


def test_ratios_carry_peak_memory_and_the_load_of_each_row():
    import pandas as pd

    table = pd.DataFrame({"rows": [10, 10], "tool": ["ms.rfm", "duckdb"], "seconds": [2.0, 4.0],
                          "peak MB": [100.0, 300.0]})  # fmt: skip
    (row,) = _run_all().ratios("bench_x", table, load=3.5)
    assert (row["microseg peak MB"], row["other peak MB"], row["load"]) == (100.0, 300.0, 3.5)
    table["load"] = [1.25, 2.5]
    (row,) = _run_all().ratios("bench_x", table, load=3.5)
    assert row["load"] == 2.5


def test_benchmarks_without_a_tool_column_give_no_ratios():
    import pandas as pd

    assert _run_all().ratios("bench_x", pd.DataFrame({"step": ["a"], "seconds": [1.0]})) == []
