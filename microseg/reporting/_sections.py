"""The pipelines behind the ``microseg`` command: the demo report and a report on a user's table.

Each section is a small function that takes the data, runs the library and
adds text, tables and figures to a :class:`~microseg.reporting.Report`. Privacy
defaults apply throughout: every profile suppresses cells below ``min_cell``
people, and a user's table is refused when it holds sensitive columns that
were not allowed with a written reason.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from ..errors import DataQualityWarning, MicrosegError
from ._page import Report

__all__ = ["demo_report", "table_report", "budget_lines", "DEMO_BUDGETS"]

PROFILE_EXCLUDE = ("customer_id", "email", "phone", "postcode_prefix", "signup_date", "last_updated")


@contextmanager
def _noting(rep: Report):
    """Show the warnings microseg raises inside the block (rows dropped, small seeds) as notes in the report."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        yield
    for w in caught:
        if issubclass(w.category, UserWarning):
            rep.text(str(w.message).rstrip(".")[:1].upper() + str(w.message).rstrip(".")[1:] + ".", kind="note")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _fmt_int(n) -> str:
    return f"{int(n):,}"


# -- sections ----------------------------------------------------------------------------------------


def _section_population(rep: Report, customers: pd.DataFrame, *, min_cell: int) -> None:
    from ..profiling import describe

    desc = describe(customers, min_cell=min_cell)
    rep.section("Who is in the data")
    rep.text(
        f"{_fmt_int(len(customers))} customers and {customers.shape[1]} columns. Per column: its type, the share "
        f"missing, the number of distinct values, and a numeric summary or the most common levels "
        f"(levels held by fewer than {min_cell} people are not listed)."
    )
    rep.table(desc.to_frame().drop(columns=["dtype", "n"]), max_rows=60)
    numeric = desc.columns.query("kind == 'numeric'")["column"].tolist()[:4]
    flags = desc.columns.query("kind in ['category', 'flag']")["column"].tolist()[:4]
    rep.figure(desc.plot(columns=numeric + flags), alt="population summary")


def _section_profiles(rep: Report, df: pd.DataFrame, labels, *, title: str, intro: str, min_cell: int, columns=None) -> None:
    from ..profiling import profile

    prof = profile(df, labels, columns=columns, min_cell=min_cell)
    rep.section(title)
    rep.text(intro)
    rep.figure(prof.plot("sizes"), alt="segment sizes")
    cards = prof.describe_segments()
    rep.text("Segment cards", kind="h3")
    parts = ['<div class="cards">']
    import html

    for _, c in cards.iterrows():
        parts.append(
            f'<div class="card"><b>{html.escape(str(c["segment"]))}</b> — <i>{html.escape(str(c["name"]))}</i><br>'
            f"{html.escape(str(c['description']))}</div>"
        )
    parts.append("</div>")
    rep.html("".join(parts))
    rep.text("How each segment differs from the population", kind="h3")
    rep.text(
        "Index = 100 × share in the segment ÷ share in the population (100 = typical). Only traits that are "
        "significant after Benjamini–Hochberg correction across the whole table and have an effect size of "
        "at least 0.2 are listed as distinctive."
    )
    kinds = set(prof.table["kind"])
    if kinds - {"numeric"}:
        rep.figure(prof.plot("heatmap"), alt="index heatmap")
    if "numeric" in kinds:
        rep.text("Numeric traits: each segment's mean in standard deviations from the population mean.")
        rep.figure(prof.plot("snake"), alt="snake plot")
    top = pd.concat([prof.distinctive(s, n=5) for s in prof.sizes["segment"]], ignore_index=True)
    cols = [c for c in ["segment", "column", "level", "share_segment", "share_overall", "index", "mean_segment",
                        "mean_overall", "effect_size", "p_adjusted"] if c in top.columns]  # fmt: skip
    rep.table(top[cols], max_rows=60, float_format="{:,.3g}")
    if len(prof.suppressed):
        rep.text(
            f"{len(prof.suppressed):,} values were suppressed: counts from 1 to {min_cell - 1} people, and the "
            "cells that would let them be recovered from the published totals.",
            kind="note",
        )


def _section_drift(rep: Report, before: pd.DataFrame, after: pd.DataFrame, segments, *, columns, customer,
                   min_cell: int, source: str) -> None:  # fmt: skip
    from ..segment import drift

    with _noting(rep):
        res = drift(before, after, segments=segments, columns=columns, customer=customer or "customer_id",
                    min_cell=min_cell)  # fmt: skip
    rep.section("What changed since the earlier snapshot")
    design = ("paired tests on the customers in both snapshots (McNemar, Wilcoxon signed-rank)" if res.paired
              else "two-sample tests (Fisher or chi-square, Mann–Whitney)")  # fmt: skip
    rep.text(
        f"Each segment in {source} compared with the same segment in the earlier snapshot: {design}, "
        "Benjamini–Hochberg across the whole table. PSI (population stability index) describes how much each "
        "column's distribution moved: below 0.1 stable, 0.1–0.25 moderate, above 0.25 major."
    )
    for line in res.describe().splitlines():
        rep.text(line)
    rep.table(res.segments, max_rows=60)
    flagged = res.flagged()
    if len(flagged):
        rep.figure(res.plot(), alt="drift index chart")
        cols = ["segment", "column", "level", "share_before", "share_after", "change_pp", "mean_before", "mean_after",
                "mean_change_pct", "test", "p_adjusted", "psi"]  # fmt: skip
        rep.table(flagged[cols], max_rows=60, float_format="{:,.3g}")
    for note in res.notes:
        rep.text(note, kind="note")


def _section_behaviour(rep: Report, data, *, min_cell: int) -> None:
    from ..plot import cohort_heatmap, rfm_grid
    from ..segment import RFMScorer, cohorts, funnel, migration, rfm, rfm_segments

    tx = data.transactions
    rep.section("Behaviour: RFM segments, cohorts and the purchase funnel")
    with _noting(rep):
        table = rfm(tx)
    as_of = tx["timestamp"].max()
    with warnings.catch_warnings():
        # the earlier table leaves out the later transactions by design
        warnings.simplefilter("ignore", DataQualityWarning)
        earlier = rfm(tx, as_of=as_of - pd.Timedelta(days=182))
    scorer = RFMScorer().fit(table)
    scores = scorer.transform(table)
    named = rfm_segments(scores)
    rep.text(
        "Recency (days since the last purchase), frequency (orders) and monetary value (net spend, returns "
        f"included) per customer as of {as_of:%Y-%m-%d}, scored 1–5 (5 best) and named on the recency × frequency grid."
    )
    summary = (
        table.assign(segment=named.to_numpy())
        .groupby("segment", observed=True)
        .agg(customers=("n_orders", "size"), mean_orders=("n_orders", "mean"),
             mean_spend=("total_spend", "mean"), mean_days_since_last=("days_since_last", "mean"))
        .sort_values("customers", ascending=False)
    )  # fmt: skip
    summary = summary[summary["customers"] >= min_cell]
    rep.table(summary)
    rep.figure(rfm_grid(scores, segments=named), alt="RFM grid")
    rep.text("Migration over the last six months", kind="h3")
    rep.text("How customers moved between RFM segments, scored with the same edges six months apart.")
    both = earlier.index.intersection(table.index)
    before = rfm_segments(scorer.transform(earlier.loc[both]))
    after = named.loc[both]
    mig = migration(before, after)
    rep.figure(mig.plot(), alt="migration")
    rep.text("Retention by monthly acquisition cohort", kind="h3")
    rep.text("Share of each cohort that bought again k months after its first purchase.")
    rep.figure(cohort_heatmap(cohorts(tx, period="M", metric="retention")), alt="cohorts")
    steps = ["view_product", "add_to_cart", "begin_checkout", "purchase"]
    fun = funnel(data.events.dropna(subset=["customer_id"]), steps, window="7D")
    rep.text("Purchase funnel (7-day window)", kind="h3")
    rep.text(
        "Customers who viewed a product, then added to cart, began checkout and purchased within seven days of "
        "their first product view. Drop-off lists name who stopped at each stage, for retargeting."
    )
    rep.table(fun.steps)
    rep.text("Where customers stopped (the last row converted):")
    rep.table(fun.drop_offs().rename(columns={"customers": "stopped here"}))
    rep.figure(fun.plot(), alt="funnel")
    return named


def _section_campaign(rep: Report, data, rfm_segment: pd.Series, out, *, min_cell: int) -> None:
    from ..campaign import plan, readout
    from ..privacy import export_audience

    def segment_of(ids):
        return rfm_segment.reindex(ids).astype("str").fillna("No purchase yet").to_numpy()

    customers = data.customers.assign(segment=segment_of(data.customers["customer_id"]))
    contacts = data.contacts.assign(segment=segment_of(data.contacts["customer_id"]))
    rep.section("Campaign: test read-out, plan and a safe export")
    rep.text(
        "Past campaigns kept a randomised control group, so the effect of contacting each RFM segment can be "
        "read out honestly: conversion in treatment vs control, lift with 95 % confidence intervals, and "
        "Benjamini–Hochberg across segments."
    )
    cells = contacts.groupby(["segment", "group", "converted"], observed=True).size().unstack(["group", "converted"])
    small = cells.fillna(0).lt(min_cell).any(axis=1)
    pooled = contacts.assign(segment=contacts["segment"].where(~contacts["segment"].isin(small.index[small]), "other"))
    with _noting(rep):
        ro = readout(pooled, outcome="converted", group="group", segments="segment")
    cols = ["segment", "n_treatment", "conversions_treatment", "n_control", "conversions_control", "rate_treatment",
            "rate_control", "lift", "lift_low", "lift_high", "p_adjusted", "significant"]  # fmt: skip
    rep.table(ro.table[[c for c in cols if c in ro.table.columns]], float_format="{:,.4f}")
    if small.any():
        rep.text(
            f"Pooled as 'other': {', '.join(map(str, small.index[small]))} — a treatment or control cell with "
            f"fewer than {min_cell} people is too small to report on its own.",
            kind="note",
        )
    rep.figure(ro.plot(), alt="lift by segment")
    # the plan budgets on the lift measured above (incremental), by the same (pooled) segments
    measured = set(ro.by_segment.index)
    plan_segment = customers["segment"].where(customers["segment"].isin(measured), "other" if "other" in measured else None)
    budget = 2_000.0
    with _noting(rep):
        pl = plan(
            customers.assign(segment=plan_segment), response=ro, cost_per_contact=0.40, value_per_conversion=35.0,
            channels="email", budget=budget, min_roi=0.0,
        )
    tot = pl.total
    raw_claim = float((pl.table["contacts"] * ro.by_segment["rate_treatment"].reindex(pl.table.index).fillna(0)).sum() * 35.0)
    rep.text("An incremental email plan under a budget", kind="h3")
    rep.text(
        "The plan pays for what the campaign causes: each segment's lift measured above (extra conversions per email, "
        "treatment minus control, with its 95 % interval). Segments whose interval includes zero are not funded. Each "
        f"email costs 0.40 and a conversion is worth 35. Only customers who did not opt out and gave email consent are "
        f"reachable; the budget of {budget:,.0f} goes to the contacts with the highest incremental return first."
    )
    rep.text(
        f"Incremental revenue {tot['incremental_revenue']:,.0f} (95 % interval {tot['incremental_revenue_low']:,.0f} to "
        f"{tot['incremental_revenue_high']:,.0f}) for a cost of {tot['cost']:,.0f}: ROI {tot['roi']:.2f} "
        f"[{tot['roi_low']:.2f}, {tot['roi_high']:.2f}]. Counting every conversion of these contacts as caused by the "
        f"email (raw response, not incremental) would claim {raw_claim:,.0f}.",
        kind="note",
    )
    shown = ["reachable", "basis", "lift", "lift_low", "lift_high", "funded", "contacts", "cost", "incremental_conversions",
             "incremental_revenue", "incremental_revenue_low", "incremental_revenue_high", "roi", "roi_low", "roi_high"]
    rep.table(pl.table[shown].reset_index(), float_format="{:,.3f}")
    rep.figure(pl.plot(), alt="campaign plan")
    Path(out).mkdir(parents=True, exist_ok=True)
    target = customers[customers["segment"].isin(["At Risk", "Can't Lose Them"])]
    region = target["country"].map({"United States": "US", "United Kingdom": "GB"}).astype("str")
    rep.text("A hashed audience export for an ad platform", kind="h3")
    rep.text(
        "At Risk and Can't Lose Them customers, prepared for upload to Meta: only people who did not opt out and "
        "consented to ads, with identifiers normalised and SHA-256 hashed (no raw contact details are written), "
        "duplicates removed and stale records flagged. Each row is counted once:"
    )
    with _noting(rep):
        report = export_audience(
            target, platform="meta", identifiers={"email": "email", "phone": "phone"}, default_region=region,
            path=Path(out) / "audience_meta_hashed.csv",
        )
    rep.table(report.counts)
    rep.text(f"Written to {report.path}.", kind="note")


def _section_lookalike(rep: Report, data, *, min_cell: int) -> None:
    from ..lookalike import Lookalike, evaluate

    truth = data.truth.customers.set_index("customer_id")
    population = data.customers.drop(columns=["email", "phone", "postcode_prefix"])
    converted = truth["converted"].reindex(population["customer_id"]).fillna(False).to_numpy(dtype=bool)
    rep.section("Lookalike audience: who looks like the customers who converted")
    rep.text(
        f"Seed: the {int(converted.sum()):,} customers who converted. Each method is fitted on 70 % of the seed "
        "and judged by how many of the held-out 30 % it ranks into an audience of a given size (recall); "
        "lift = recall ÷ audience share (1 = random). Three repeats on identical splits."
    )
    with _noting(rep):
        ev = evaluate(
            population, seed=converted, methods=("pu", "similarity", "random"), sizes=(0.05, 0.1, 0.2, 0.3),
            n_repeats=3, random_state=0,
        )
    summary = ev.summary()
    rep.table(summary[["method", "size", "recall", "recall_se", "lift", "auc"]], float_format="{:,.3f}")
    rep.figure(ev.plot(), alt="size vs quality")
    with _noting(rep):
        look = Lookalike(method="pu", random_state=0).fit(population, seed=converted)
        audience = look.audience(population, size=0.05)
    rep.text(
        f"A 5 % audience from the positive-unlabelled model: {len(audience):,} customers who have not converted "
        "yet (seed members and opted-out customers are never included), in tiers by score:"
    )
    tiers = audience.groupby("tier", observed=True).size().rename("customers").to_frame()
    rep.table(tiers[tiers["customers"] >= min_cell])
    rep.text(look.explain().text)


def _privacy_section(rep: Report, *, min_cell: int, allowed: dict | None = None) -> None:
    rep.section("Privacy defaults applied")
    items = [
        f"Counts from 1 to {min_cell - 1} people are suppressed in every table and plot, together with the "
        "values derived from them and the complementary cells that would let them be recovered.",
        "Columns that name a GDPR Art. 9 category (health, ethnicity, religion, political opinions, trade-union "
        "membership, genetics, biometrics, sex life or orientation) or precise geolocation are refused unless "
        "allowed with a written reason.",
        "Direct identifiers (customer id, email, phone) are never profiled.",
    ]
    for col, why in (allowed or {}).items():
        items.append(f"Sensitive column {col!r} allowed by the user: {why}")
    for it in items:
        rep.text(it)


# -- reports ------------------------------------------------------------------------------------------


#: time budget per part of ``microseg demo`` (seconds, default size, low load; 15 s in all with the imports)
DEMO_BUDGETS = {
    "imports": 1.5, "data": 2.5, "population": 1.5, "personas": 2.0, "behaviour": 2.5, "lookalike": 2.5,
    "campaign": 2.0, "privacy and page": 0.5,
}  # fmt: skip


@contextmanager
def _timed(times: dict, name: str):
    import time

    t = time.perf_counter()
    yield
    times[name] = times.get(name, 0.0) + time.perf_counter() - t


def budget_lines(times: dict) -> list[str]:
    """Seconds per part of the demo next to its budget, one line each, and the total.

    Examples
    --------
    >>> for line in budget_lines({"data": 2.0, "lookalike": 3.25}):
    ...     print(line)
    part                 seconds  budget
    data                    2.00    2.50
    lookalike               3.25    2.50  over budget
    total                   5.25   15.00
    """
    lines = [f"{'part':<20} {'seconds':>7} {'budget':>7}"]
    for name, sec in times.items():
        budget = DEMO_BUDGETS.get(name, float("nan"))
        lines.append(f"{name:<20} {sec:>7.2f} {budget:>7.2f}" + ("  over budget" if sec > budget else ""))
    total, goal = sum(times.values()), sum(DEMO_BUDGETS.values())
    lines.append(f"{'total':<20} {total:>7.2f} {goal:>7.2f}" + ("  over budget" if total > goal else ""))
    return lines


def demo_report(out, *, n_customers: int = 20_000, random_state: int = 0, min_cell: int = 10, times: dict | None = None):
    """Run the whole path on the demo population and write the report; return the file path.

    ``times`` (a dict, optional) receives the seconds spent in each part (see ``DEMO_BUDGETS``).
    """
    from ..datasets import make_customers

    times = {} if times is None else times
    with _timed(times, "data"):
        data = make_customers(n_customers=n_customers, random_state=random_state)
    customers = data.customers
    rep = Report(
        "microseg demo report",
        f"Synthetic demo population: make_customers(n_customers={n_customers:,}, random_state={random_state}). "
        "The personas are planted, so every finding below can be checked against the truth.",
    )
    rep.section("About the data")
    rep.text(
        f"{_fmt_int(len(customers))} customers, {_fmt_int(len(data.transactions))} transaction lines, "
        f"{_fmt_int(len(data.events))} web and app events, {_fmt_int(len(data.contacts))} campaign contacts and "
        f"{_fmt_int(len(data.survey))} survey answers. All contact details are fake (reserved example domains, "
        "fictional number ranges)."
    )
    with _timed(times, "population"):
        _section_population(rep, customers.drop(columns=[c for c in PROFILE_EXCLUDE if c in customers]), min_cell=min_cell)
    with _timed(times, "personas"):
        personas = data.truth.customers.set_index("customer_id")["persona"].reindex(customers["customer_id"]).to_numpy()
        _section_profiles(
            rep,
            customers.drop(columns=[c for c in PROFILE_EXCLUDE if c in customers]),
            pd.Series(personas, index=customers.index, name="persona"),
            title="Personas: who they are and how they differ",
            intro="The demo population has planted personas; here each is profiled against the whole population.",
            min_cell=min_cell,
        )
    with _timed(times, "behaviour"):
        rfm_segment = _section_behaviour(rep, data, min_cell=min_cell)
        rfm_segment.index = rfm_segment.index.astype(str)
    with _timed(times, "lookalike"):
        _section_lookalike(rep, data, min_cell=min_cell)
    with _timed(times, "campaign"):
        _section_campaign(rep, data, rfm_segment, out, min_cell=min_cell)
    with _timed(times, "privacy and page"):
        _privacy_section(rep, min_cell=min_cell)
        return rep.write(out)


def table_report(df: pd.DataFrame, *, segments: str, id_column: str | None = None, out="microseg-report",
                 min_cell: int = 10, exclude=(), allow_sensitive=None, source: str = "your table",
                 before: pd.DataFrame | None = None, before_source: str = "the earlier table"):  # fmt: skip
    """Profile a user's customer table by a segment column and write the report; return the file path.

    With ``before`` (an earlier snapshot of the same table), a section says what changed in each segment.
    """
    import warnings

    from .._validation import check_columns, check_frame
    from ..errors import SensitiveDataWarning
    from ..privacy import check_sensitive

    check_frame(df, name=source)
    needed = [segments] + ([id_column] if id_column else []) + list(exclude)
    check_columns(df, needed, name=source)
    drop = set(exclude) | ({id_column} if id_column else set())
    drop |= {c for c in df.columns if str(c).lower() in {"email", "phone", "e_mail", "phone_number", "mobile"}}
    features = df.drop(columns=sorted(drop, key=str))
    check_sensitive(
        list(features.columns), data=features, allow_sensitive=allow_sensitive or {},
        purpose="report columns (leave them out with --exclude)",
    )
    if features[segments].nunique(dropna=True) < 2:
        raise MicrosegError(f"column {segments!r} has fewer than two segments; pass a column that splits the customers.")
    rep = Report("microseg report", f"{source}: {len(df):,} rows, segments from column {segments!r}.")
    with warnings.catch_warnings():  # checked above: what remains was allowed with a reason
        warnings.simplefilter("ignore", SensitiveDataWarning)
        _section_population(rep, features.drop(columns=[segments]), min_cell=min_cell)
        _section_profiles(
            rep, features, segments, title=f"Segments by {segments}",
            intro="Each segment is profiled against the whole population.", min_cell=min_cell,
        )
        if before is not None:
            check_frame(before, name=before_source)
            check_columns(before, [segments], name=before_source)
            compared = [c for c in features.columns if c != segments and c in before.columns]
            _section_drift(rep, before, df, segments, columns=compared, customer=id_column, min_cell=min_cell,
                           source=source)  # fmt: skip
    _privacy_section(rep, min_cell=min_cell, allowed=allow_sensitive)
    return rep.write(out)
