"""``table_report``: what applies to a customer table of the user's own, as one HTML page.

The table is described first (:func:`microseg.describe`): numbers and dates
stored as text are converted, identifiers, postcodes, free text, constants and
personal data are left out of the profiles, and the alerts are listed at the
top. Then the segments are profiled; with a target, its rate per segment, the
columns that best explain it and a lookalike audience; with an earlier
snapshot, what changed; with an order log, RFM, cohorts and CLV.

Messages name the option as the caller knows it: ``flags`` maps the
parameters to the command line's flags (``{"segments": "--segments"}``), so the
``microseg`` command's errors speak of ``--segments``, not ``segments=``.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..errors import MicrosegError
from ._columns import _few, check_column
from ._page import Report

__all__ = ["table_report", "PROFILED_KINDS"]

#: Kinds of columns profiled by the report (see :func:`microseg.describe`).
PROFILED_KINDS = ("numeric", "binary", "category")
#: A segment column may have at most this many levels.
MAX_SEGMENTS = 30
_CONTACT_NAMES = {"email", "phone", "e_mail", "phone_number", "mobile"}


def _flag(flags: dict | None, param: str) -> str:
    return (flags or {}).get(param, f"{param}=")


def _check_options(df, *, segments, id_column, exclude, target, min_cell, flags, source) -> None:
    if not isinstance(min_cell, (int, np.integer)) or isinstance(min_cell, bool) or min_cell < 2:
        raise MicrosegError(
            f"{_flag(flags, 'min_cell')} must be at least 2 (got {min_cell!r}): a count of one person is never "
            "published; the default is 10."
        )
    for param, name in (("segments", segments), ("id_column", id_column), ("target", target)):
        if name is not None:
            check_column(df, name, flag=_flag(flags, param), source=source)
    for name in exclude:
        check_column(df, name, flag=_flag(flags, "exclude"), source=source)
    if target is not None and target == segments:
        raise MicrosegError(f"{_flag(flags, 'target')} and {_flag(flags, 'segments')} name the same column {target!r}.")


def _segment_labels(data: pd.DataFrame, desc, segments, *, min_cell, pool, flags) -> tuple[pd.Series, str | None]:
    """The segment of each row, with small segments pooled into "other" when asked; and the note saying so."""
    s = data[segments]
    kind = desc.kinds()[segments]
    distinct = s.nunique(dropna=True)
    if kind not in ("category", "binary") and not (kind == "numeric" and distinct <= MAX_SEGMENTS) or distinct > MAX_SEGMENTS:
        few = [c for c in desc.columns_of("category", "binary") if c != segments][:3]
        raise MicrosegError(
            f"{_flag(flags, 'segments')} {segments!r} is a {kind} column with {distinct:,} distinct values "
            f"(e.g. {_few(s.dropna().unique(), 3)}), not a few segments; pick a column with at most "
            f"{MAX_SEGMENTS} levels" + (f", such as {_few(few)}" if few else "") + ", or band it first."
        )
    if distinct < 2:
        raise MicrosegError(f"{_flag(flags, 'segments')} {segments!r} has fewer than two segments; pass a column that "
                            "splits the customers.")  # fmt: skip
    from ._own_sections import id_text

    labels = id_text(s)  # segment 3, not 3.0, when the column was read as numbers with gaps
    sizes = labels.value_counts()
    small = list(sizes.index[sizes < min_cell])
    if not small:
        return labels, None
    if not pool:
        raise MicrosegError(
            f"{_flag(flags, 'segments')} {segments!r}: {len(small)} segment{'s' if len(small) > 1 else ''} "
            f"({_few(small)}) {'have' if len(small) > 1 else 'has'} fewer than {_flag(flags, 'min_cell')} {min_cell} "
            f"people, so even {'their sizes' if len(small) > 1 else 'its size'} cannot be shown; pool them into "
            f"'other' with {_flag(flags, 'pool_small_segments')}, or pick another column."
        )
    pooled = list(small)
    total = int(sizes[pooled].sum())
    for level in sizes.index[::-1]:  # smallest first: too few together, so the next smallest joins
        if total >= min_cell:
            break
        if level not in pooled:
            pooled.append(level)
            total += int(sizes[level])
    name = "other" if "other" not in sizes.index or "other" in pooled else "other (pooled)"
    labels = labels.where(~labels.isin(pooled), name)
    if labels.nunique() < 2:
        raise MicrosegError(f"{_flag(flags, 'segments')} {segments!r}: once small segments are pooled a single "
                            "segment is left; pick a column with larger segments.")  # fmt: skip
    note = (f"{len(small)} segment{'s' if len(small) > 1 else ''} of {segments!r} with fewer than {min_cell} people "
            f"pooled into {name!r}: {_few(small, 5)}.")  # fmt: skip
    if len(pooled) > len(small):
        note += (f" Too few together, so {_few(pooled[len(small):], 5)} joined them to reach {min_cell} "
                 "(a smaller group could not be shown).")  # fmt: skip
    return labels.rename(segments), note


def _stat(v, integral: bool) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, pd.Timestamp):
        return f"{v:%Y-%m-%d}"
    v = float(v)
    if integral and v.is_integer() and abs(v) < 10_000:
        return str(int(v))  # years and codes: 1968, not 1,968.00
    if abs(v) >= 10_000:
        return f"{v:,.0f}"
    return f"{v:.4g}" if abs(v) >= 1 or v == 0 else f"{v:.3g}"


def _column_table(desc) -> pd.DataFrame:
    t = desc.to_frame()
    stats = ["mean", "std", "min", "p25", "median", "p75", "max"]
    out = t[["column", "kind", "missing_share", "distinct"]].copy()
    out["missing"] = (100 * out.pop("missing_share")).map(lambda p: f"{p:.0f} %" if p >= 1 or p == 0 else f"{p:.1g} %")
    for c in stats:
        vals = []
        for _, r in t.iterrows():
            integral = all(isinstance(r[s], (int, float, np.number)) and float(r[s]).is_integer()
                           for s in ("min", "p25", "median", "p75", "max") if pd.notna(r[s]))  # fmt: skip
            vals.append(_stat(r[c], integral and c not in ("std",)) if c != "mean" else _stat(r[c], False))
        out[c] = vals
    out["top levels"] = t["top_levels"].fillna("")
    out["read from text"] = [f"yes ({f:,} failed)" if cf == "text" and f else ("yes" if cf == "text" else "")
                             for cf, f in zip(t["converted_from"], t["failed"])]  # fmt: skip
    return out


def _section_columns(rep: Report, desc, n_rows: int, *, left_out: dict, min_cell: int) -> None:
    rep.section("Who is in the data")
    rep.text(
        f"{n_rows:,} rows and {len(desc.columns)} columns. Each column's kind decides how it is shown: numbers get a "
        "summary, categories and yes/no columns their most common levels (levels held by fewer than "
        f"{min_cell} people are not listed); identifiers, postcodes, free text and constant columns are not profiled."
    )
    rep.table(_column_table(desc).set_index("column"), max_rows=80)
    if left_out:
        rep.text("Left out of the profiles: " + "; ".join(f"{c!r} ({why})" for c, why in left_out.items()) + ".",
                 kind="note")  # fmt: skip
    if len(desc.alerts):
        rep.text("Alerts", kind="h3")
        rep.text("What to check or fix before acting on the profiles. Nothing was changed: values that mean "
                 "'missing' become missing only when listed with --missing-values.")  # fmt: skip
        al = desc.alerts.assign(column=desc.alerts["column"].astype(object).where(desc.alerts["column"].notna(), "(table)"))
        rep.table(al.set_index("column"), max_rows=80)
    numeric = desc.columns_of("numeric")[:4]
    levels = desc.columns_of("category", "binary")[:4]
    if numeric or levels:
        rep.figure(desc.plot(columns=numeric + levels), alt="population summary")
    rep.next_step(
        "Act on the alerts first: treat codes that mean missing as missing (--missing-values COLUMN=VALUE), leave out "
        "identifiers and constant columns (--exclude COLUMN), and check each column's kind before segmenting."
    )


def _features(desc, data: pd.DataFrame, *, keep, drop) -> tuple[pd.DataFrame, dict]:
    """The profiled columns, and why each other column was left out."""
    personal = set(desc.alerts.loc[desc.alerts["alert"] == "personal data", "column"])
    why = {}
    for c, k in desc.kinds().items():
        if c in keep:
            continue
        if c in drop:
            why[c] = "asked"
        elif c in personal or str(c).lower() in _CONTACT_NAMES:
            why[c] = "personal data"
        elif k not in PROFILED_KINDS:
            why[c] = {"id": "an identifier", "postcode": "a postcode", "text": "free text", "constant": "constant",
                      "datetime": "dates"}[k]  # fmt: skip
    return data[[c for c in data.columns if c not in why]], why


def _known(missing_values, df: pd.DataFrame):
    """``missing_values`` restricted to the columns ``df`` has (an earlier snapshot may lack some)."""
    if isinstance(missing_values, dict):
        return {c: v for c, v in missing_values.items() if c in df.columns} or None
    return missing_values


def table_report(df: pd.DataFrame, *, segments: str, id_column: str | None = None, out="microseg-report",
                 min_cell: int = 10, exclude=(), allow_sensitive=None, source: str = "your table",
                 before: pd.DataFrame | None = None, before_source: str = "the earlier table",
                 target: str | None = None, transactions: pd.DataFrame | None = None, customer: str | None = None,
                 time: str | None = None, value: str | None = None, dayfirst: bool | None = None,
                 missing_values=None, pool_small_segments: bool = False, transactions_source: str = "the order log",
                 progress: bool | Callable[[str], None] = False, flags: dict | None = None,
                 account: str | None = None, dp_epsilon: float | None = None, dp_bounds=None,
                 dp_levels=None):  # fmt: skip
    """Profile a user's customer table by a segment column and write the report; return the file path.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per customer.
    segments : str
        The column holding each customer's segment (at most 30 levels).
    id_column : str, optional
        The customer id (never profiled; joins the order log).
    min_cell : int
        Counts below it are suppressed (at least 2).
    exclude : list of str
        Columns left out.
    allow_sensitive : mapping column -> reason, optional
        Sensitive columns profiled anyway, each with a written reason.
    before : pandas.DataFrame, optional
        An earlier snapshot of the same table: a section says what changed in each segment.
    target : str, optional
        A yes/no (or numeric) outcome: its rate per segment, the columns that best
        explain it, and a lookalike audience of the customers most like those who have it.
    transactions : pandas.DataFrame, optional
        An order log with ``customer``, ``time`` and ``value`` columns: RFM, cohorts and CLV.
    dayfirst : bool, optional
        Day/month order of dates stored as text (default: read from the values).
    missing_values : list or mapping column -> list, optional
        Values that mean missing (see :func:`microseg.describe`).
    pool_small_segments : bool
        Pool segments with fewer than ``min_cell`` people into ``"other"`` (said in a note)
        instead of raising.
    progress : bool or callable
        A line per section: ``True`` prints to stderr, a callable receives each line.
    flags : mapping parameter -> name, optional
        How messages name the options (the command line passes its flags).
    account : str, optional
        ``df`` holds one row per contact: it is first rolled up to one row per
        account of this column with :func:`microseg.account_view`; ``segments``
        must then be an account-level column.
    dp_epsilon : float, optional
        Differentially private numbers (``privacy="dp"``): the population and
        the profiles spend half of the epsilon each, numeric bounds from
        ``dp_bounds`` (``{column: (low, high)}``) or public knowledge, the
        levels of text columns from ``dp_levels`` (``{column: [levels]}``;
        other text columns are left out); no exact count of rows is printed,
        and ``before``, ``target`` and ``transactions`` are refused.

    Examples
    --------
    >>> import numpy as np, pandas as pd, tempfile
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({"tier": rng.choice(["gold", "silver"], 400), "spend": rng.gamma(2, 40, 400)})
    >>> path = table_report(df, segments="tier", out=tempfile.mkdtemp())
    >>> "Segments by tier" in path.read_text(encoding="utf-8")
    True
    """
    from .._validation import check_frame
    from ..errors import SensitiveDataWarning
    from ..privacy import check_sensitive
    from ..profiling import describe
    from . import _own_sections as own
    from ._sections import (
        _noting,
        _privacy_section,
        _section_drift,
        _section_population,
        _section_profiles,
    )

    say = progress if callable(progress) else ((lambda m: print(f"microseg: {m}", file=sys.stderr)) if progress else None)
    check_frame(df, name=source)
    n_rows = len(df)
    if account is not None:
        check_column(df, account, flag=_flag(flags, "account"), source=source)
        df, id_column = _roll_up_contacts(df, account=account, id_column=id_column, segments=segments, source=source)
    exclude = list(exclude)
    _check_options(df, segments=segments, id_column=id_column, exclude=exclude, target=target, min_cell=min_cell,
                   flags=flags, source=source)  # fmt: skip
    steps = ["describing the columns", f"profiling the segments of {segments!r}"]
    steps += [f"target {target!r}", "lookalike audience"] if target is not None else []
    steps += ["what changed since the earlier snapshot"] if before is not None else []
    steps += ["RFM, cohorts and CLV from the order log"] if transactions is not None else []
    done = iter(range(1, len(steps) + 1))

    def step(what):
        if say is not None:
            say(f"[{next(done)}/{len(steps)}] {what}")

    step(steps[0])
    with warnings.catch_warnings():  # sensitive columns are refused or allowed just below, with the report's wording
        warnings.simplefilter("ignore", SensitiveDataWarning)
        desc = describe(df, min_cell=min_cell, dayfirst=dayfirst, missing_values=missing_values)
    data = desc.data
    keep = {segments} | ({target} if target is not None else set())
    drop = set(exclude) | ({id_column} if id_column else set())
    features, left_out = _features(desc, data, keep=keep, drop=drop)
    labels, pool_note = _segment_labels(data, desc, segments, min_cell=min_cell, pool=pool_small_segments, flags=flags)
    check_sensitive(
        list(features.columns), data=features, allow_sensitive=allow_sensitive or {},
        purpose=f"report columns (leave them out with {_flag(flags, 'exclude')})",
    )  # fmt: skip
    what = (f"{n_rows:,} contacts rolled up to {len(df):,} accounts by {account!r}" if account is not None
            else f"{n_rows:,} rows")
    budget, dp_pop, dp_prof = None, None, None
    if dp_epsilon is not None:
        from ..privacy import PrivacyBudget

        exact = [f for f, v in (("before", before), ("target", target), ("transactions", transactions)) if v is not None]
        if exact:
            raise MicrosegError(
                f"{', '.join(_flag(flags, f) for f in exact)} have no differentially private version yet; leave them "
                f"out, or leave out {_flag(flags, 'dp_epsilon')}."
            )
        budget = PrivacyBudget(dp_epsilon)
        for c in dp_levels or {}:
            check_column(features, c, flag="--dp-levels", source=source)
        features = features.assign(**{  # declared levels, as text: the CSV may have read "1", "2" as numbers
            str(c): features[c].astype("string").astype(pd.CategoricalDtype(v)) for c, v in (dp_levels or {}).items()
        })
        dp_pop = {"privacy": "dp", "budget": budget, "epsilon": dp_epsilon / 2, "bounds": dp_bounds}
        dp_prof = {**dp_pop, "epsilon": None}
        what = f"differentially private (epsilon {dp_epsilon:g})" + (f", rolled up by {account!r}" if account else "")
    rep = Report("microseg report", f"{source}: {what}, segments from column {segments!r}.")
    with warnings.catch_warnings():  # checked above: what remains was allowed with a reason
        warnings.simplefilter("ignore", SensitiveDataWarning)
        if budget is None:
            _section_columns(rep, desc, len(df), left_out=left_out, min_cell=min_cell)
        else:
            _section_population(rep, features.drop(columns=[segments]), min_cell=min_cell, dp=dp_pop)
        step(steps[1])
        profiled = features.drop(columns=[segments] + ([target] if target is not None else [])).assign(**{segments: labels})
        with _noting(rep):  # rows without a segment (e.g. --missing-values on the segment column) are said in a note
            _section_profiles(rep, profiled, segments, title=f"Segments by {segments}", dp=dp_prof,
                              intro="Each segment is profiled against the whole population.", min_cell=min_cell)  # fmt: skip
        if pool_note:
            rep.text(pool_note, kind="note")
        if target is not None:
            step(steps[2])
            positive = own.section_target(rep, features, labels, target, desc=desc, min_cell=min_cell, flags=flags)
            step(steps[3])
            own.section_lookalike(rep, features.drop(columns=[segments]), positive, target=target, min_cell=min_cell)
        if before is not None:
            step(f"what changed since the earlier snapshot ({before_source})")
            check_frame(before, name=before_source)
            check_column(before, segments, flag=_flag(flags, "segments"), source=before_source)
            compared = [c for c in features.columns if c != segments and c in before.columns]
            earlier = describe(before, min_cell=min_cell, dayfirst=dayfirst, missing_values=_known(missing_values, before)).data
            # the same reading of both snapshots: text converted alike, the same small segments pooled
            b = own.id_text(earlier[segments])
            if pool_note:
                pooled_name = labels[~labels.isin(set(own.id_text(data[segments]).dropna()))].dropna().unique()
                if len(pooled_name):
                    b = b.where(b.isin(set(labels.dropna())) | b.isna(), pooled_name[0])
            _section_drift(rep, earlier.assign(**{segments: b}), data.assign(**{segments: labels}), segments,
                           columns=compared, customer=id_column, min_cell=min_cell, source=source)  # fmt: skip
        if transactions is not None:
            step(steps[-1])
            seg_by_id = None if id_column is None else pd.Series(labels.to_numpy(), index=own.id_text(df[id_column]).to_numpy())
            own.section_transactions(rep, transactions, customer=customer, time=time, value=value, dayfirst=dayfirst,
                                     min_cell=min_cell, segments=seg_by_id, segment_name=segments, flags=flags,
                                     source=transactions_source)  # fmt: skip
    _privacy_section(rep, min_cell=min_cell, allowed=allow_sensitive, budget=budget)
    return rep.write(out)


def _roll_up_contacts(df: pd.DataFrame, *, account: str, id_column: str | None, segments: str, source: str):
    """One row per account from a contact table (for ``--account``); return it and its id column."""
    from ..view import account_view

    if id_column is None:
        id_column = "customer_id" if "customer_id" in df.columns else None
    contacts = df
    if id_column is None:  # contacts without an id column: number them (the ids are never reported)
        id_column = "_contact"
        contacts = df.assign(_contact=np.arange(len(df)))
    consent = [c for c in df.columns if isinstance(c, str) and c.endswith("_opt_in") and pd.api.types.is_bool_dtype(df[c])]
    accounts = account_view(
        contacts, account=account, customer=id_column, role="role" if "role" in df.columns else None,
        consent=consent, opted_out="opted_out" if "opted_out" in df.columns else None,
    )
    if segments not in accounts.columns:
        raise MicrosegError(
            f"column {segments!r} of {source!r} holds different values for contacts of one account, so it cannot "
            f"segment the accounts of {account!r}; pass an account-level column (the same for every contact of an "
            "account) with --segments, or leave out --account to profile the contacts."
        )
    return accounts, account
