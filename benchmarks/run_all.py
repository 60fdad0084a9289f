"""Run every benchmark and print one table: microseg next to the tool a user would otherwise pick.

    python benchmarks/run_all.py            # every bench_*.py at its full sizes (long)
    python benchmarks/run_all.py --quick    # small sizes, missing competitors skipped, <= 2 minutes
    python benchmarks/run_all.py --quick --markdown results.md   # also write the report as Markdown

Each ``benchmarks/bench_*.py`` is imported in a fresh Python process and its
``main(argv)`` called (with ``--quick`` when given; ``bench_scale`` is left out
of the quick run, it writes gigabytes). A bench whose ``main`` returns a
DataFrame with columns ``tool`` and ``seconds`` (long format: one row per tool
and case, a case told apart by ``rows``, ``columns``, ``size``, ``variant`` or
``dataset``) lands in the combined table: for every case and every other tool,
``microseg seconds / tool seconds`` — above 1 means microseg is slower (as the goals are stated),
with peak memory and the load average next to each row. The
microseg rows are the tools named ``microseg…`` or ``ms.…`` (the first one of a
case is the reference). Benches that print their own tables (or return
something else) are shown with their printed output. Each run is measured in
the same process, so ratios compare tools under the same machine load.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MARK = "@@microseg-run-all@@"
SKIP_IN_QUICK = {
    "bench_scale": "writes gigabytes of Parquet; run it by hand (python benchmarks/bench_scale.py)",
    "bench_scale_funnel": "writes gigabytes of Parquet; run it by hand (python benchmarks/bench_scale_funnel.py)",
}
CASE_COLUMNS = ("rows", "columns", "size", "variant", "dataset", "customers")
OURS = re.compile(r"^\s*(microseg|ms\.)", re.IGNORECASE)

_DRIVER = """
import importlib, json, sys
here, repo, name, argv, mark = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:], {mark!r}
sys.path[:0] = [here, repo]
mod = importlib.import_module(name)
if not hasattr(mod, "main"):
    print(mark + json.dumps({{"kind": "none", "note": "no main(argv)"}}))
    sys.exit(0)
out = mod.main(argv)
try:
    import pandas as pd
    is_frame = isinstance(out, pd.DataFrame)
except ImportError:
    is_frame = False
if is_frame:
    print(mark + json.dumps({{"kind": "frame", "table": json.loads(out.to_json(orient="split", default_handler=str))}}))
else:
    print(mark + json.dumps({{"kind": "other", "returned": repr(out)[:200]}}))
"""


# --------------------------------------------------------------------------- machine
def machine() -> dict:
    """CPU model, cores, memory, load, and the versions that matter for the figures."""
    info = {"platform": platform.platform(), "python": platform.python_version()}
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["cpu"] = cpu or "unknown"
    info["cores"] = os.cpu_count()
    if hasattr(os, "sched_getaffinity"):
        info["cores usable"] = len(os.sched_getaffinity(0))
    try:
        with open("/proc/meminfo") as f:
            mem = {line.split(":")[0]: int(line.split()[1]) for line in f if line.split()[1:2]}
        info["memory"] = f"{mem['MemTotal'] / 2**20:.1f} GiB (available {mem.get('MemAvailable', 0) / 2**20:.1f} GiB)"
    except (OSError, KeyError, ValueError):
        pass
    if hasattr(os, "getloadavg"):
        info["load average"] = " ".join(f"{v:.1f}" for v in os.getloadavg())
    versions = []
    for pkg in ("microseg", "numpy", "pandas", "pyarrow", "scikit-learn", "scipy", "dask", "distributed", "duckdb",
                "polars", "lifetimes", "kmodes", "scikit-uplift"):  # fmt: skip
        try:
            versions.append(f"{pkg} {importlib.metadata.version(pkg)}")
        except importlib.metadata.PackageNotFoundError:
            if pkg == "microseg":
                versions.append("microseg (checkout)")
    info["versions"] = ", ".join(versions)
    return info


# --------------------------------------------------------------------------- running
def discover(only: list[str] | None = None) -> list[Path]:
    benches = sorted(HERE.glob("bench_*.py"))
    if only:
        benches = [b for b in benches if b.stem in only or b.stem.removeprefix("bench_") in only]
    return benches


def run_bench(path: Path, quick: bool, timeout: float) -> dict:
    """Run one bench's ``main`` in a fresh process; return status, seconds, printed output and its table."""
    source = path.read_text()
    argv = []
    if quick:
        if "--quick" not in source:
            return {"name": path.stem, "status": "skipped", "seconds": 0.0, "output": "",
                    "note": "has no --quick flag"}  # fmt: skip
        argv = ["--quick"]
    if "def main(" not in source:
        return {"name": path.stem, "status": "skipped", "seconds": 0.0, "output": "", "note": "has no main(argv)"}
    cmd = [sys.executable, "-c", _DRIVER.format(mark=MARK), str(HERE), str(REPO), path.stem, *argv]
    t = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return {"name": path.stem, "status": "timed out", "seconds": time.perf_counter() - t, "output": out,
                "note": f"no result within {timeout:.0f} s"}  # fmt: skip
    seconds = time.perf_counter() - t
    lines = proc.stdout.splitlines()
    printed = "\n".join(line for line in lines if not line.startswith(MARK))
    payload = [json.loads(line[len(MARK):]) for line in lines if line.startswith(MARK)]
    res = {"name": path.stem, "seconds": seconds, "output": printed, "note": ""}
    if proc.returncode or not payload:
        res.update(status="failed", note=(proc.stderr.strip().splitlines() or ["no output"])[-1][:200])
        res["stderr"] = proc.stderr[-3000:]
        return res
    res["status"] = "ok"
    p = payload[-1]
    if p["kind"] == "frame":
        import pandas as pd

        t = p["table"]
        res["table"] = pd.DataFrame(t["data"], columns=t["columns"])
    else:
        res["note"] = p.get("note") or "prints its own table (main returns no DataFrame)"
    return res


def _seconds(v) -> float:
    try:
        return float(str(v).strip().lstrip("~").rstrip("*").strip())
    except ValueError:
        return float("nan")


def _number(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def ratios(name: str, table, load: float | None = None) -> list[dict]:
    """Rows of the combined table from one bench's long (tool, seconds) table.

    ``microseg / other`` is microseg's seconds over the other tool's (> 1: microseg slower; a tool
    named ``goal …`` holds a goal's seconds). Peak memory comes from a column named ``peak …`` (MB)
    when the bench has one; the load average from a ``load`` column, else ``load`` (the 1-minute load
    when the bench started).
    """
    cols = {str(c).lower(): c for c in table.columns}
    if "tool" not in cols or "seconds" not in cols:
        return []
    tool_c, sec_c = cols["tool"], cols["seconds"]
    mem_c = next((c for k, c in cols.items() if k.startswith("peak")), None)
    load_c = cols.get("load")
    keys = [cols[k] for k in CASE_COLUMNS if k in cols]
    out = []
    groups = table.groupby(keys, sort=False, dropna=False) if keys else [((), table)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        ours = g[g[tool_c].astype(str).str.match(OURS)]
        if ours.empty:
            continue
        ref = ours.iloc[0]
        ref_s = _seconds(ref[sec_c])
        case = ", ".join(f"{k}={v}" for k, v in zip(keys, key))
        for _, r in g.iterrows():
            if OURS.match(str(r[tool_c])):  # microseg against itself (e.g. n_jobs=-1) is not a comparison
                continue
            s = _seconds(r[sec_c])
            if s != s:  # not a timing row (e.g. a memory ratio)
                continue
            out.append({
                "benchmark": name.removeprefix("bench_"), "case": case, "microseg": str(ref[tool_c]),
                "other tool": str(r[tool_c]), "microseg s": ref_s, "other s": s,
                "microseg / other": ref_s / s if s > 0 else float("nan"),
                "microseg peak MB": _number(ref[mem_c]) if mem_c is not None else float("nan"),
                "other peak MB": _number(r[mem_c]) if mem_c is not None else float("nan"),
                "load": _number(r[load_c]) if load_c is not None else (load if load is not None else float("nan")),
                "estimated": "~" in str(r[sec_c]) or "*" in str(r[tool_c]) or "extrapolated" in " ".join(map(str, r.values)),
            })  # fmt: skip
    return out


# --------------------------------------------------------------------------- report
def report(results: list[dict], info: dict, quick: bool, markdown: bool = False) -> str:
    import pandas as pd

    buf = StringIO()
    w = buf.write
    h = "## " if markdown else ""
    fence = ("```\n", "```\n") if markdown else ("", "")
    w(f"{h}microseg benchmarks{' (--quick)' if quick else ''}\n\n")
    rows = [r for res in results if "table" in res for r in ratios(res["name"], res["table"], res.get("load"))]
    if rows:
        t = pd.DataFrame(rows)
        t["estimated"] = t["estimated"].map({True: "~", False: ""})
        w("Ratios measured in the same run: microseg's seconds / the other tool's seconds (> 1: microseg slower;\n"
          "a 'goal' row holds the goal's seconds; ~ = the other tool's time extrapolated by its bench). Peak\n"
          "memory as each bench measures it (MB; - = not measured); load = 1-minute load average at the time.\n\n")  # fmt: skip
        w(fence[0])
        num = "{:.3g}".format
        w(t.to_string(index=False, na_rep="-", formatters={"microseg s": num, "other s": num, "microseg / other": "{:.2f}".format,
                                              "microseg peak MB": "{:.0f}".format, "other peak MB": "{:.0f}".format,
                                              "load": "{:.1f}".format}))  # fmt: skip
        w("\n" + fence[1] + "\n")
    w("Benchmarks run:\n\n" + fence[0])
    status = pd.DataFrame([{"benchmark": r["name"], "status": r["status"], "seconds": round(r["seconds"], 1),
                            "note": r["note"]} for r in results])  # fmt: skip
    w(status.to_string(index=False) + "\n" + fence[1] + "\n")
    for res in results:
        if res["status"] == "ok" and "table" not in res and res["output"].strip():
            w(f"{h}{res['name']} (its own table)\n\n{fence[0]}")
            tail = res["output"].strip().splitlines()[-40:]
            w("\n".join(tail) + "\n" + fence[1] + "\n")
        if res["status"] == "failed":
            w(f"{h}{res['name']} failed\n\n{fence[0]}{res.get('stderr', '').strip()[-1500:]}\n{fence[1]}\n")
    w(f"{h}machine\n\n{fence[0]}")
    for k, v in info.items():
        w(f"{k:>13}: {v}\n")
    w(fence[1])
    return buf.getvalue()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="small sizes, <= 2 minutes; bench_scale left out")
    p.add_argument("--only", nargs="*", default=None, help="run only these benches (e.g. rfm profile)")
    p.add_argument("--timeout", type=float, default=None, help="seconds per bench (default 90 quick, 7200 full)")
    p.add_argument("--markdown", default=None, help="also write the report as Markdown to this file")
    p.add_argument("--verbose", action="store_true", help="echo each bench's printed output")
    args = p.parse_args(argv)
    timeout = args.timeout or (90.0 if args.quick else 7200.0)
    info = machine()
    results = []
    for path in discover(args.only):
        if args.quick and path.stem in SKIP_IN_QUICK:
            results.append({"name": path.stem, "status": "skipped", "seconds": 0.0, "output": "",
                            "note": SKIP_IN_QUICK[path.stem]})  # fmt: skip
            continue
        print(f"running {path.name}{' --quick' if args.quick else ''} ...", file=sys.stderr, flush=True)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        res = run_bench(path, args.quick, timeout)
        res["load"] = load
        print(f"  {res['status']} in {res['seconds']:.1f} s {res['note']}", file=sys.stderr, flush=True)
        if args.verbose:
            print(res["output"], file=sys.stderr)
        results.append(res)
    text = report(results, info, args.quick)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(report(results, info, args.quick, markdown=True))
    return 1 if any(r["status"] in ("failed", "timed out") for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
