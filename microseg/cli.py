"""The ``microseg`` command.

``microseg demo [--out DIR]`` runs the whole path on the built-in demo
population and writes a self-contained HTML report (default
``./microseg-report/index.html``). ``microseg report DATA.csv --segments COLUMN``
does what applies to a customer table of your own (with ``--before EARLIER.csv``,
also what changed in each segment since that snapshot). Both apply the privacy
defaults: small cells suppressed, sensitive columns refused unless allowed with
a written reason.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
import time
from pathlib import Path

from .errors import MicrosegError

__all__ = ["main"]


def _parse_allow(values: list[str]) -> dict[str, str]:
    allow = {}
    for item in values or []:
        col, sep, reason = item.partition("=")
        if not sep or not col.strip() or not reason.strip():
            raise MicrosegError(
                f"--allow-sensitive expects COLUMN=REASON (a written reason), got {item!r}; "
                'e.g. --allow-sensitive "health_plan=consented wellness programme".'
            )
        allow[col.strip()] = reason.strip()
    return allow


def read_table(path, *, sep: str | None = None):
    """Read a customer table from CSV, detecting the separator when not given.

    Raises a :class:`~microseg.errors.MicrosegError` naming the file for a
    missing file, and for a file whose separator leaves a single column.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise MicrosegError(f"file {str(path)!r} not found; check the path (current folder: {Path.cwd()}).")
    if sep is None:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as fh:
            sample = fh.read(64_000)
        try:
            sep = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            sep = ","
    df = pd.read_csv(path, sep=sep)
    if df.shape[1] < 2:
        raise MicrosegError(
            f"{str(path)!r} read as a single column {list(df.columns)[:1]} with separator {sep!r}; "
            "pass the right one with --sep (e.g. --sep ';' or --sep $'\\t')."
        )
    return df


def main(argv: list[str] | None = None) -> int:
    """Run the ``microseg`` command; return the exit code."""
    parser = argparse.ArgumentParser(prog="microseg", description="Micro-targeting analytics: profiles, segments, audiences.")
    sub = parser.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="run the whole path on the built-in demo population and write an HTML report")
    d.add_argument("--out", default="microseg-report", help="output folder (default: ./microseg-report/)")
    d.add_argument("--customers", type=int, default=20_000, help="size of the demo population (default: 20000)")
    d.add_argument("--seed", type=int, default=0, help="random seed of the demo population (default: 0)")
    d.add_argument("--verbose", action="store_true", help="print the seconds spent in each part next to its time budget")

    r = sub.add_parser("report", help="profile your own customer table by a segment column and write an HTML report")
    r.add_argument("data", help="a CSV file (optionally .gz), one row per customer")
    r.add_argument("--segments", required=True, help="the column holding each customer's segment")
    r.add_argument("--id", default=None, help="the customer id column (excluded from profiling)")
    r.add_argument("--sep", default=None, help="the CSV separator (default: detected)")
    r.add_argument("--out", default="microseg-report", help="output folder (default: ./microseg-report/)")
    r.add_argument("--min-cell", type=int, default=10, help="suppress counts below this (default: 10)")
    r.add_argument("--before", default=None, metavar="FILE",
                   help="an earlier snapshot of the same table (CSV): adds a section on what changed per segment")
    r.add_argument("--exclude", action="append", default=[], metavar="COLUMN", help="leave a column out (repeatable)")
    r.add_argument(
        "--allow-sensitive", action="append", default=[], metavar="COLUMN=REASON",
        help="profile a sensitive column anyway, with a written reason (repeatable)",
    )

    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    from . import reporting
    from .reporting import _sections

    times = {"imports": time.perf_counter() - t0}
    try:
        if args.command == "demo":
            path = reporting.demo_report(args.out, n_customers=args.customers, random_state=args.seed, times=times)
            if args.verbose:
                print("\n".join(_sections.budget_lines(times)))
        else:
            df = read_table(args.data, sep=args.sep)
            before = None if args.before is None else read_table(args.before, sep=args.sep)
            path = reporting.table_report(
                df, segments=args.segments, id_column=args.id, out=args.out, min_cell=args.min_cell,
                exclude=args.exclude, allow_sensitive=_parse_allow(args.allow_sensitive), source=args.data,
                before=before, before_source=args.before or "the earlier table",
            )
    except MicrosegError as err:
        print(f"microseg: error: {err}", file=sys.stderr)
        return 2
    print(f"Report written to {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
