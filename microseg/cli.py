"""The ``microseg`` command.

``microseg demo [--out DIR]`` runs the whole path on the built-in demo
population and writes a self-contained HTML report (default
``./microseg-report/index.html``). ``microseg report DATA --segments COLUMN``
does what applies to a customer table of your own: CSV (separator and encoding
sniffed), Excel (``pip install "microseg[excel]"``) or Parquet. Options add
a target outcome (``--target``), an earlier snapshot (``--before``), an
account column to roll a contact table up by (``--account``) and an order log (``--transactions`` with ``--customer``, ``--time``, ``--value``).
Both apply the privacy defaults: small cells suppressed, sensitive columns
refused unless allowed with a written reason. Errors are one line naming the
flag and the fix; a progress line per section goes to stderr. ``--dp-epsilon E`` makes
the numbers differentially private (numeric bounds from ``--dp-bound``).
"""

from __future__ import annotations

import argparse
import re
import sys
import time

from .errors import MicrosegError

__all__ = ["main"]

#: How the report's messages name its options on the command line.
FLAGS = {
    "segments": "--segments", "id_column": "--id", "min_cell": "--min-cell", "exclude": "--exclude",
    "target": "--target", "customer": "--customer", "time": "--time", "value": "--value",
    "pool_small_segments": "--pool-small-segments", "dayfirst": "--dayfirst", "missing_values": "--missing-values",
    "account": "--account", "dp_epsilon": "--dp-epsilon",
}  # fmt: skip


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


def _parse_bounds(values: list[str]) -> dict[str, tuple[float, float]]:
    bounds = {}
    for item in values or []:
        col, _, rng = item.partition("=")
        lo, sep, hi = rng.partition(":")
        try:
            bounds[col.strip()] = (float(lo), float(hi))
        except ValueError:
            sep = ""
        if not sep or not col.strip():
            raise MicrosegError(f"--dp-bound expects COLUMN=LOW:HIGH, got {item!r}; e.g. --dp-bound income=0:250000.")
    return bounds


def _parse_levels(values: list[str]) -> dict[str, list[str]]:
    levels = {}
    for item in values or []:
        col, sep, names = item.partition("=")
        names = [n.strip() for n in names.split(",") if n.strip()]
        if not sep or not col.strip() or not names:
            raise MicrosegError(f"--dp-levels expects COLUMN=A,B,..., got {item!r}; e.g. --dp-levels channel=app,web,store.")
        levels[col.strip()] = names
    return levels


def _parse_missing(values: list[str]) -> dict | None:
    """``--missing-values pdays=-1 --missing-values poutcome=unknown`` -> ``{"pdays": [-1], "poutcome": ["unknown"]}``."""
    out: dict = {}
    for item in values or []:
        col, sep, raw = item.partition("=")
        if not sep or not col.strip():
            raise MicrosegError(f"--missing-values expects COLUMN=VALUE, got {item!r}; e.g. --missing-values poutcome=unknown.")
        try:
            v = float(raw) if raw.strip() not in ("", "nan") else raw
            v = int(v) if isinstance(v, float) and v.is_integer() else v
        except ValueError:
            v = raw
        out.setdefault(col.strip(), []).append(v)
        if not isinstance(v, str):
            out[col.strip()].append(raw)  # numbers stored as text match too
    return out or None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="microseg", description="Micro-targeting analytics: profiles, segments, audiences.")
    sub = parser.add_subparsers(dest="command", required=True)

    d = sub.add_parser("demo", help="run the whole path on the built-in demo population and write an HTML report")
    d.add_argument("--out", default="microseg-report", help="output folder (default: ./microseg-report/)")
    d.add_argument("--customers", type=int, default=20_000, help="size of the demo population (default: 20000)")
    d.add_argument("--seed", type=int, default=0, help="random seed of the demo population (default: 0)")
    d.add_argument("--verbose", action="store_true", help="print the seconds spent in each part next to its time budget")

    r = sub.add_parser("report", help="profile your own customer table by a segment column and write an HTML report")
    r.add_argument("data", help="a CSV (optionally .gz), Excel (.xlsx) or Parquet file, one row per customer")
    r.add_argument("--segments", required=True, help="the column holding each customer's segment")
    r.add_argument("--id", default=None, help="the customer id column (never profiled; joins --transactions)")
    r.add_argument(
        "--account", default=None, metavar="COLUMN",
        help="one row per contact: roll the contacts up to one row per account of this column first",
    )
    r.add_argument("--sep", default=None, help="the CSV separator (default: detected)")
    r.add_argument("--sheet", default=None, help="the Excel sheet (default: the first)")
    r.add_argument("--out", default="microseg-report", help="output folder (default: ./microseg-report/)")
    r.add_argument("--min-cell", type=int, default=10, help="suppress counts below this (at least 2; default: 10)")
    r.add_argument("--pool-small-segments", action="store_true",
                   help="pool segments with fewer than --min-cell people into 'other' (said in a note)")
    r.add_argument("--target", default=None, metavar="COLUMN",
                   help="a yes/no outcome: its rate per segment, the columns that explain it, a lookalike audience")
    r.add_argument("--before", default=None, metavar="FILE",
                   help="an earlier snapshot of the same table: adds a section on what changed per segment")
    r.add_argument("--transactions", default=None, metavar="FILE",
                   help="an order log (one row per order or line): adds RFM, cohorts and CLV")
    r.add_argument("--customer", default=None, metavar="COLUMN", help="the customer column of --transactions")
    r.add_argument("--time", default=None, metavar="COLUMN", help="the date column of --transactions")
    r.add_argument("--value", default=None, metavar="COLUMN", help="the amount column of --transactions")
    r.add_argument("--dayfirst", action="store_true", default=None,
                   help="dates stored as text are day first (31/12/2024); default: read from the values")
    r.add_argument("--missing-values", action="append", default=[], metavar="COLUMN=VALUE",
                   help="a value that means missing in a column, e.g. poutcome=unknown (repeatable)")
    r.add_argument("--exclude", action="append", default=[], metavar="COLUMN", help="leave a column out (repeatable)")
    r.add_argument(
        "--allow-sensitive", action="append", default=[], metavar="COLUMN=REASON",
        help="profile a sensitive column anyway, with a written reason (repeatable)",
    )  # fmt: skip
    r.add_argument("--dp-epsilon", type=float, default=None, metavar="E",
                   help="differentially private report: counts, shares and means with noise spending epsilon E")
    r.add_argument("--dp-bound", action="append", default=[], metavar="COLUMN=LOW:HIGH",
                   help="public bounds of a numeric column for --dp-epsilon, never read off the data (repeatable)")
    r.add_argument("--dp-levels", action="append", default=[], metavar="COLUMN=A,B,...",
                   help="the public levels of a text column for --dp-epsilon (repeatable; others are left out)")
    r.add_argument("--quiet", action="store_true", help="no progress bars or section lines on stderr")
    d.add_argument("--quiet", action="store_true", help="no progress bars or section lines on stderr")
    return parser

def _report(args) -> object:
    from . import reporting

    if args.min_cell < 2:
        raise MicrosegError(f"--min-cell must be at least 2 (got {args.min_cell}): a count of one person is never "
                            "published; the default is 10.")  # fmt: skip
    log_flags = [f for f, v in (("--customer", args.customer), ("--time", args.time), ("--value", args.value)) if v]
    if args.transactions is None and log_flags:
        raise MicrosegError(f"{', '.join(log_flags)} name columns of the order log; pass it with --transactions FILE.")
    say = (lambda m: None) if args.quiet else (lambda m: print(f"microseg: {m}", file=sys.stderr))  # noqa: E731
    say(f"reading {args.data}")
    df = reporting.read_table(args.data, sep=args.sep, sheet=args.sheet, flag="the data argument")
    before = None if args.before is None else reporting.read_table(args.before, sep=args.sep, flag="--before")
    tx = None
    if args.transactions is not None:
        say(f"reading {args.transactions}")
        tx = reporting.read_table(args.transactions, flag="--transactions")
    return reporting.table_report(
        df, segments=args.segments, id_column=args.id, out=args.out, min_cell=args.min_cell, exclude=args.exclude,
        allow_sensitive=_parse_allow(args.allow_sensitive), source=args.data, before=before,
        before_source=args.before or "the earlier table", target=args.target, transactions=tx,
        customer=args.customer, time=args.time, value=args.value, dayfirst=args.dayfirst,
        missing_values=_parse_missing(args.missing_values), pool_small_segments=args.pool_small_segments,
        transactions_source=args.transactions or "the order log", progress=say, flags=FLAGS, account=args.account,
        dp_epsilon=args.dp_epsilon, dp_bounds=_parse_bounds(args.dp_bound), dp_levels=_parse_levels(args.dp_levels),
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the ``microseg`` command; return the exit code."""
    args = _parser().parse_args(argv)
    from ._progress import shown_by_default

    try:
        with shown_by_default(not args.quiet):
            if args.command == "demo":
                t0 = time.perf_counter()
                from . import reporting
                from .reporting._sections import budget_lines

                times = {"imports": time.perf_counter() - t0}
                path = reporting.demo_report(args.out, n_customers=args.customers, random_state=args.seed, times=times)
                if args.verbose:
                    print("\n".join(budget_lines(times)))
            else:
                path = _report(args)
    except MicrosegError as err:
        print(f"microseg: error: {_one_line(err)}", file=sys.stderr)
        return 2
    print(f"Report written to {path}")
    return 0


def _one_line(err: Exception) -> str:
    """The error as one line: the CLI's flags for Python's parameter names, at most ~600 characters.

    Examples
    --------
    >>> print(_one_line(ValueError("column 'faith' is sensitive; allow_sensitive={'faith': 'why this use is lawful'}.")))
    column 'faith' is sensitive; --allow-sensitive "faith=why this use is lawful".
    """
    msg = " ".join(str(err).split())
    msg = re.sub(r"allow_sensitive=\{([^{}]*)\}", lambda m: " ".join(
        f'--allow-sensitive "{c}={why}"' for c, why in re.findall(r"'([^']*)': '([^']*)'", m.group(1))), msg)  # fmt: skip
    for py, flag in (("dayfirst=True (31/12) or dayfirst=False (12/31)", "--dayfirst (31/12; month first is the default)"),
                     ("missing_values=", "--missing-values COLUMN=VALUE, in Python missing_values="),
                     ("lower min_cell deliberately", "lower --min-cell deliberately"),
                     ("pass columns=[...] naming numeric, boolean or categorical columns",
                      "the table needs numeric, yes/no or category columns besides --segments")):  # fmt: skip
        msg = msg.replace(py, flag)
    return msg if len(msg) <= 600 else msg[:597] + "..."


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
