"""Sections of the report on a user's own table: a target outcome, a lookalike audience, an order log.

Each takes the described table (numbers and dates already read from text), runs
the library and adds text, tables and figures to the page. Counts under
``min_cell`` are never shown: a rate whose numerator or complement is smaller
is left blank, small RFM segments, cohorts and tiers are dropped.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import MicrosegError
from ._page import Report
from ._parts import _noting, _readable

__all__ = ["section_target", "section_lookalike", "section_transactions", "positive_level", "id_text"]

_YES = ("1", "1.0", "true", "yes", "y", "t", "churn", "churned", "positive", "converted", "bought", "responded")


def positive_level(s: pd.Series):
    """The level of a yes/no column that counts as 'yes': True, 1, "Yes", ..., else the rarer level.

    Examples
    --------
    >>> import pandas as pd
    >>> positive_level(pd.Series(["No", "Yes", "No"])), positive_level(pd.Series([0, 1, 1])), positive_level(pd.Series(["a", "b", "b"]))
    ('Yes', 1, 'a')
    """
    levels = list(s.dropna().unique())
    levels = [lv.item() if isinstance(lv, np.generic) else lv for lv in levels]
    for lv in levels:
        if str(lv).strip().lower() in _YES:
            return lv
    rare = s.value_counts().idxmin()
    return rare.item() if isinstance(rare, np.generic) else rare


def id_text(s: pd.Series) -> pd.Series:
    """Customer ids as text that matches across files: 12345, 12345.0 and "12345" all become "12345".

    Examples
    --------
    >>> import pandas as pd
    >>> id_text(pd.Series([12345.0, None])).tolist(), id_text(pd.Series(["C7 "])).tolist()
    (['12345', nan], ['C7'])
    """
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        x = s.to_numpy(dtype="float64", na_value=np.nan)
        ok = np.isfinite(x)
        if np.all(np.mod(x[ok], 1) == 0):
            text = pd.Series(np.nan_to_num(x).astype("int64").astype(str), index=s.index, dtype=object)
            return text.where(ok)
    return s.astype("str").str.strip().where(s.notna()).astype(object)


def _wilson(k: np.ndarray, n: np.ndarray, z: float = 1.959963984540054) -> tuple[np.ndarray, np.ndarray]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def section_target(rep: Report, features: pd.DataFrame, labels: pd.Series, target, *, desc, min_cell: int, flags=None):
    """Rate of the target per segment, the columns that best explain it; return the 'yes' mask."""
    from ..profiling import compare

    flag = (flags or {}).get("target", "target=")
    kind = desc.kinds()[target]
    y = features[target]
    if kind != "binary":
        raise MicrosegError(
            f"{flag} {target!r} is a {kind} column with {y.nunique():,} distinct values; the target must be a "
            "yes/no column (e.g. churned, responded, bought)."
        )
    yes = positive_level(y)
    hit = (y == yes).to_numpy() & y.notna().to_numpy()
    known = y.notna().to_numpy()
    rep.section(f"Target: {target} = {yes}")
    g = pd.DataFrame({"segment": labels.to_numpy(), "n": known.astype(int), "yes": hit.astype(int)})
    g = g[g["segment"].notna()].groupby("segment", observed=True)[["n", "yes"]].sum()
    g.loc["all customers"] = [int(known.sum()), int(hit.sum())]
    n, k = g["n"].to_numpy(float), g["yes"].to_numpy(float)
    low, high = _wilson(k, n)
    shown = (k >= min_cell) & (n - k >= min_cell)
    table = pd.DataFrame({"customers": g["n"], "rate": np.where(shown, k / n, np.nan),
                          "rate_low": np.where(shown, low, np.nan), "rate_high": np.where(shown, high, np.nan)},
                         index=g.index)  # fmt: skip
    table["index"] = 100 * table["rate"] / table.loc["all customers", "rate"]
    rep.text(
        f"The share of each segment with {target} = {yes!r}, with its 95 % Wilson interval, and the index against all "
        f"customers (100 = typical). A rate is left blank when fewer than {min_cell} people in the segment have, or "
        "do not have, the target."
    )
    rep.table(table)
    rest = features.drop(columns=[target]).loc[known]
    with _noting(rep):
        prof = compare(rest, hit[known], min_cell=min_cell, names=(f"{target} = {yes}", "rest"))
    best = prof.distinctive(f"{target} = {yes}", n=10)
    rep.text("The columns that best explain it", kind="h3")
    rep.text(
        f"Customers with {target} = {yes!r} against the rest: the traits that differ most (largest effect size "
        "among those significant after Benjamini–Hochberg correction). Associations, not causes."
    )
    if len(best):
        cols = [c for c in ["column", "level", "share_segment", "share_overall", "index", "mean_segment",
                            "mean_overall", "effect_size", "p_adjusted"] if c in best.columns]  # fmt: skip
        rep.table(_readable(best[cols]).rename(columns={"share_segment": f"share ({target} = {yes})",
                                             "mean_segment": f"mean ({target} = {yes})"}))  # fmt: skip
    else:
        rep.text("No column differs clearly between the two groups.", kind="note")
    return hit


def section_lookalike(rep: Report, features: pd.DataFrame, seed: np.ndarray, *, target, min_cell: int) -> None:
    """How well a lookalike model finds the target, and an audience of those most like it."""
    from ..lookalike import Lookalike, evaluate

    X = features.drop(columns=[target])
    rep.section(f"Lookalike audience: who looks like the customers with {target}")
    if seed.sum() < 2 * min_cell:
        rep.text(f"Only {int(seed.sum())} customers have the target: too few to learn from.", kind="note")
        return
    rep.text(
        f"Seed: the {int(seed.sum()):,} customers with the target. A positive-unlabelled model is fitted on 70 % of the "
        "seed and judged by how many of the held-out 30 % it ranks into an audience of a given size (recall); "
        "lift = recall ÷ audience share (1 = random). Two repeats on identical splits."
    )
    with _noting(rep):
        ev = evaluate(X, seed=seed, methods=("pu", "random"), sizes=(0.05, 0.1, 0.2, 0.3), n_repeats=2,
                      customer=None, opt_out=None, random_state=0)  # fmt: skip
    rep.table(ev.summary()[["method", "size", "recall", "recall_se", "lift", "auc"]])
    rep.figure(ev.plot(), alt="size vs quality")
    with _noting(rep):
        look = Lookalike(method="pu", customer=None, opt_out=None, random_state=0).fit(X, seed=seed)
        audience = look.audience(X, size=0.1)
    tiers = audience.groupby("tier", observed=True).size().rename("customers").to_frame()
    rep.text(f"A 10 % audience: {len(audience):,} customers without the target yet, most like those with it, in tiers:")
    rep.table(tiers[tiers["customers"] >= min_cell])
    rep.text(look.explain().text)


def _log_column(tx: pd.DataFrame, name, param: str, flags, source: str) -> None:
    from ._columns import check_column

    flag = (flags or {}).get(param, f"{param}=")
    if name is None:
        raise MicrosegError(f"the order log needs {flag} naming its {param} column; its columns start "
                            f"{', '.join(repr(c) for c in list(tx.columns)[:5])}.")  # fmt: skip
    check_column(tx, name, flag=flag, source=source)


def prepare_log(tx: pd.DataFrame, *, customer, time, value, dayfirst, flags=None, source="the order log") -> pd.DataFrame:
    """The order log with its time read as dates and its value as numbers (a new frame)."""
    from ..profiling._kinds import infer_column

    for name, param in ((customer, "customer"), (time, "time"), (value, "value")):
        _log_column(tx, name, param, flags, source)
    t = infer_column(tx[time], dayfirst=dayfirst)
    if not pd.api.types.is_datetime64_any_dtype(t.values.dtype):
        raise MicrosegError(f"{(flags or {}).get('time', 'time=')} {time!r} in {source} does not hold dates (e.g. "
                            f"{', '.join(repr(v) for v in tx[time].dropna().astype(str).unique()[:3])}).")  # fmt: skip
    v = infer_column(tx[value])
    if not pd.api.types.is_numeric_dtype(v.values.dtype) or pd.api.types.is_bool_dtype(v.values.dtype):
        raise MicrosegError(f"{(flags or {}).get('value', 'value=')} {value!r} in {source} does not hold amounts (e.g. "
                            f"{', '.join(repr(x) for x in tx[value].dropna().astype(str).unique()[:3])}).")  # fmt: skip
    out = pd.DataFrame({"customer_id": id_text(tx[customer]),
                        "timestamp": t.values, "amount": v.values.astype("float64")})  # fmt: skip
    bad = out.isna().any(axis=1)
    if bad.any():
        from .._validation import report_rows

        out = report_rows(out[~bad], {"order rows without a customer, a readable date or an amount": int(bad.sum())},
                          what="order rows")  # fmt: skip
    return out


def section_transactions(rep: Report, tx: pd.DataFrame, *, customer, time, value, dayfirst, min_cell: int,
                         segments: pd.Series | None, segment_name, flags=None, source="the order log") -> None:  # fmt: skip
    """RFM segments, monthly cohorts and CLV from the user's order log."""
    from ..plot import plot_cohort_heatmap, plot_rfm_grid
    from ..segment import RFMScorer, clv, cohorts, rfm, rfm_segments

    rep.section("Behaviour from the order log: RFM, cohorts and customer lifetime value")
    with _noting(rep):
        log = prepare_log(tx, customer=customer, time=time, value=value, dayfirst=dayfirst, flags=flags, source=source)
        table = rfm(log)
    as_of = log["timestamp"].max()
    scores = RFMScorer().fit(table).transform(table)
    named = rfm_segments(scores)
    rep.text(
        f"{len(log):,} order rows of {len(table):,} customers from {log['timestamp'].min():%Y-%m-%d} to "
        f"{as_of:%Y-%m-%d}. Recency (days since the last purchase), frequency (orders) and monetary value (net spend) "
        "per customer, scored 1–5 (5 best) and named on the recency × frequency grid."
    )
    summary = (table.assign(segment=named.to_numpy()).groupby("segment", observed=True)
               .agg(customers=("n_orders", "size"), mean_orders=("n_orders", "mean"),
                    mean_spend=("total_spend", "mean"), mean_days_since_last=("days_since_last", "mean"))
               .sort_values("customers", ascending=False))  # fmt: skip
    rep.table(summary[summary["customers"] >= min_cell])
    rep.figure(plot_rfm_grid(scores, segments=named), alt="RFM grid")
    rep.text("Retention by monthly acquisition cohort", kind="h3")
    with _noting(rep):
        sizes = cohorts(log, period="M", metric="customers").iloc[:, 0]
        ret = cohorts(log, period="M", metric="retention")
    ret = ret[sizes.reindex(ret.index).fillna(0) >= min_cell]
    rep.text(f"Share of each cohort that bought again k months after its first purchase (cohorts of at least "
             f"{min_cell} customers).")  # fmt: skip
    if len(ret):
        rep.figure(plot_cohort_heatmap(ret), alt="cohorts")
    rep.text("Customer lifetime value (next 12 months)", kind="h3")
    try:
        with _noting(rep):
            btyd = rfm(log, convention="btyd")
            value12 = clv(btyd, horizon=12)
    except MicrosegError as err:
        rep.text(f"CLV could not be fitted on this log: {err}", kind="note")
        return
    rep.text("BG/NBD for repeat purchases and Gamma-Gamma for spend per purchase, fitted on this log; a 12-month "
             "horizon discounted at 1 % a month. Means per RFM segment:")  # fmt: skip
    per = value12.assign(segment=named.reindex(value12.index).to_numpy())
    agg = per.groupby("segment", observed=True).agg(customers=("clv", "size"), probability_alive=("probability_alive", "mean"),
                                                    expected_purchases=("expected_purchases", "mean"), clv=("clv", "mean"))  # fmt: skip
    rep.table(agg[agg["customers"] >= min_cell].sort_values("clv", ascending=False))
    if segments is not None:
        seg = segments[~segments.index.duplicated()].reindex(value12.index.astype(str))
        by = value12.assign(segment=seg.to_numpy()).dropna(subset=["segment"])
        if len(by):
            mine = by.groupby("segment", observed=True).agg(customers=("clv", "size"), clv=("clv", "mean"))
            rep.text(f"Mean CLV per segment of {segment_name!r} (customers matched by id):")
            rep.table(mine[mine["customers"] >= min_cell])
