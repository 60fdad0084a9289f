"""Benchmark: ms.SegmentModel vs kmodes KPrototypes and KMeans on scaled + one-hot columns.

Planted mixed data (numeric columns in very different units plus categorical
columns, k planted segments) at 10 k / 100 k / 1 M rows. For each tool and size:
wall time of fit (encoding included), peak extra memory (resident set
high-water mark above the level before the fit, read from /proc; "n/a" where
unavailable) and ARI against the planted truth. KPrototypes runs with
``n_init=1`` (its default is 10, ten times slower, so every speed ratio here
understates ours), once on the raw columns (as its docs show) and once with the
numeric columns standardised first; it runs up to 100 k rows and its 1 M time is
extrapolated linearly from 100 k and marked "(extrapolated)".
A last row fits 1 M rows × 20 columns (10 numeric + 10 categorical). A second
table gives ARI on five planted data sets of 5 k rows (seeds 0-4), since one
data set can favour one tool by the luck of its starting points.

Each measurement runs in a fresh child process (imports done before the clock
starts), so memory figures do not leak into each other. Every tool runs with one
BLAS/OpenMP thread by default (``--threads``): KPrototypes is single-threaded,
and scikit-learn's OpenMP k-means slows down by up to 10x when a shared machine
is oversubscribed.

Usage::

    python benchmarks/bench_cluster.py           # full run (a few minutes, KPrototypes dominates)
    python benchmarks/bench_cluster.py --quick   # 10 k rows, KPrototypes at 10 k only (< 30 s)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time

import numpy as np
import pandas as pd

UNITS = [1.0, 1_000.0, 0.001, 100_000.0, 10.0]


def make_planted(n: int, *, n_numeric: int = 3, n_categorical: int = 3, k: int = 5,
                 separation: float = 3.0, purity: float = 0.6, random_state: int = 0):
    """Planted mixed data: ``(frame, truth)``.

    Numeric column j of segment s is normal around a segment mean drawn from
    N(0, separation²), unit standard deviation, then multiplied by a unit
    (1, 1000, 0.001, 1e5, 10, ...) so columns live on wildly different scales.
    Categorical columns have 5 levels; each segment picks its own favourite level
    with probability ``purity`` and otherwise a uniform level.
    """
    rng = np.random.default_rng(random_state)
    levels = np.array(["a", "b", "c", "d", "e"])
    means = rng.normal(0.0, separation, size=(n_numeric, k))  # the same segments at every n
    favs = rng.integers(0, len(levels), size=(n_categorical, k))
    truth = rng.integers(0, k, size=n)
    out = {}
    for j in range(n_numeric):
        out[f"num{j}"] = (means[j][truth] + rng.standard_normal(n)) * UNITS[j % len(UNITS)]
    for j in range(n_categorical):
        fav = favs[j]
        pick = np.where(rng.random(n) < purity, fav[truth], rng.integers(0, len(levels), size=n))
        out[f"cat{j}"] = pd.Categorical.from_codes(pick, categories=levels)
    return pd.DataFrame(out), truth


def _hwm_kb() -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _rss_kb() -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmRSS"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_hwm() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _fit(method: str, df: pd.DataFrame, k: int) -> np.ndarray:
    if method == "microseg":
        import microseg as ms

        return ms.SegmentModel(n_segments=k, random_state=0).fit(df).labels_
    if method == "kmeans_onehot":
        from sklearn.cluster import KMeans
        from sklearn.compose import make_column_transformer
        from sklearn.preprocessing import OneHotEncoder, StandardScaler

        num = [c for c in df.columns if c.startswith("num")]
        cat = [c for c in df.columns if c.startswith("cat")]
        ct = make_column_transformer((StandardScaler(), num), (OneHotEncoder(sparse_output=False), cat))
        return KMeans(k, random_state=0).fit(ct.fit_transform(df)).labels_
    if method in ("kprototypes", "kprototypes_std"):
        from kmodes.kprototypes import KPrototypes

        if method == "kprototypes_std":  # what a careful user does first: standardise the numbers
            num = [c for c in df.columns if c.startswith("num")]
            df = df.assign(**{c: (df[c] - df[c].mean()) / df[c].std() for c in num})
        cat_idx = [i for i, c in enumerate(df.columns) if c.startswith("cat")]
        arr = df.astype({c: object for c in df.columns[cat_idx]}).to_numpy(dtype=object)
        # n_init=1 (its default is 10): keeps the run short and makes every speed ratio conservative
        return KPrototypes(n_clusters=k, n_init=1, random_state=0).fit_predict(arr, categorical=cat_idx)
    raise ValueError(method)


def _child(method, n, n_num, n_cat, k, threads, seed, queue):
    from sklearn.metrics import adjusted_rand_score
    from threadpoolctl import threadpool_limits

    import microseg.segment._cluster  # noqa: F401  imports are not part of the timing
    import sklearn.cluster  # noqa: F401
    import sklearn.compose  # noqa: F401

    try:
        import kmodes.kprototypes  # noqa: F401
    except ImportError:
        pass
    df, truth = make_planted(n, n_numeric=n_num, n_categorical=n_cat, k=k, random_state=seed)
    base = _rss_kb()
    ok = _reset_hwm()
    with threadpool_limits(threads):
        t0 = time.perf_counter()
        labels = _fit(method, df, k)
        secs = time.perf_counter() - t0
    peak = _hwm_kb() if ok else None
    mem = None if peak is None or base is None else max(peak - base, 0) / 1024
    queue.put((secs, mem, adjusted_rand_score(truth, labels)))


def measure(method: str, n: int, *, n_numeric=3, n_categorical=3, k=5, threads=1, seed=0):
    """Run one fit in a fresh process; return (seconds, peak extra MiB or None, ARI)."""
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(method, n, n_numeric, n_categorical, k, threads, seed, q))
    p.start()
    out = q.get()
    p.join()
    return out


NAMES = {
    "microseg": "ms.SegmentModel",
    "kmeans_onehot": "KMeans on scaled + one-hot",
    "kprototypes": "KPrototypes (raw numbers)",
    "kprototypes_std": "KPrototypes (standardised)",
}


def _fmt_n(n):
    return f"{n // 1_000_000} M" if n >= 1_000_000 else f"{n // 1000} k"


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="10 k rows only; KPrototypes (raw numbers) at 10 k only")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads for every tool (default 1: KPrototypes is single-threaded, "
                             "and one thread gives stable figures on a shared machine)")
    args = parser.parse_args(argv)
    try:
        import kmodes  # noqa: F401

        have_kproto = True
    except ImportError:
        have_kproto = False

    sizes = [10_000] if args.quick else [10_000, 100_000, 1_000_000]
    rows = []
    kp = {}
    for n in sizes:
        methods = ("microseg", "kmeans_onehot", "kprototypes")
        for method in methods if args.quick else (*methods, "kprototypes_std"):
            if method.startswith("kprototypes"):
                if not have_kproto:
                    continue
                if n > 100_000:
                    t100 = kp.get((method, 100_000))
                    if t100 is not None:
                        rows.append({"rows": _fmt_n(n), "columns": 6, "tool": NAMES[method],
                                     "seconds": t100[0] * n / 100_000, "peak MiB": np.nan,
                                     "ARI": np.nan, "note": "(extrapolated) linear from 100 k"})
                    continue
            secs, mem, ari = measure(method, n, threads=args.threads)
            kp[method, n] = (secs, ari)
            rows.append({"rows": _fmt_n(n), "columns": 6, "tool": NAMES[method],
                         "seconds": secs, "peak MiB": np.nan if mem is None else mem, "ARI": ari, "note": ""})
            print(f"  measured {NAMES[method]} at {_fmt_n(n)} rows", file=sys.stderr, flush=True)
    if not args.quick:
        secs, mem, ari = measure("microseg", 1_000_000, n_numeric=10, n_categorical=10, k=6,
                                threads=args.threads)
        rows.append({"rows": "1 M", "columns": 20, "tool": "ms.SegmentModel", "seconds": secs,
                     "peak MiB": np.nan if mem is None else mem, "ARI": ari, "note": "goal <= 60 s"})
    table = pd.DataFrame(rows)
    ours = table[(table["tool"] == "ms.SegmentModel") & (table["columns"] == 6)].set_index("rows")["seconds"]
    table["x faster than this tool"] = [
        (s / ours[r]) if (r in ours.index and t != "ms.SegmentModel" and c == 6) else np.nan
        for r, t, s, c in zip(table["rows"], table["tool"], table["seconds"], table["columns"])
    ]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    if not args.quick:
        # one planted data set can favour one tool by luck of its starts: ARI over several seeds
        seeds = [0, 1, 2, 3, 4]
        aris = {NAMES[m]: [measure(m, 5_000, threads=args.threads, seed=s)[2] for s in seeds]
                for m in NAMES if have_kproto or not m.startswith("kprototypes")}
        robust = pd.DataFrame(aris, index=pd.Index(seeds, name="seed")).T
        robust["mean ARI"] = robust.mean(axis=1)
        print("\nARI against the planted truth, 5 k rows, five planted data sets (seeds 0-4):")
        print(robust.to_string(float_format=lambda v: f"{v:.3f}"))
    print("\n'x faster' = that tool's seconds / ms.SegmentModel's seconds at the same size "
          "(goal: >= 50 against KPrototypes at 100 k, at equal or better ARI).")
    return table


if __name__ == "__main__":
    main()
