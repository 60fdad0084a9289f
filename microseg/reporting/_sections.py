"""The demo report behind ``microseg demo``, and the sections it shares with the report on a user's table.

Each section is a small function that takes the data, runs the library and
adds text, tables and figures to a :class:`~microseg.reporting.Report`. Privacy
defaults apply throughout: every profile suppresses cells below ``min_cell``
people, and a user's table is refused when it holds sensitive columns that
were not allowed with a written reason.
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import pandas as pd

from ..errors import DataQualityWarning
from ._campaign_sections import _section_campaign, _section_lookalike, _section_messages
from ._clv import section_clv
from ._page import Report
from ._parts import _fmt_int, _noting, _published

__all__ = ["demo_report", "budget_lines", "DEMO_BUDGETS"]

PROFILE_EXCLUDE = ("customer_id", "email", "phone", "postcode_prefix", "signup_date", "last_updated")


# -- sections ----------------------------------------------------------------------------------------


def _section_population(rep: Report, customers: pd.DataFrame, *, min_cell: int, dp: dict | None = None) -> None:
    from ..profiling import describe

    desc = describe(customers, min_cell=min_cell, **(dp or {}))
    rep.section("Who is in the data")
    if dp:
        rep.text(
            f"About {_fmt_int(desc.columns['n'].iloc[0])} customers (a noisy count) and {customers.shape[1]} columns. "
            "Differentially private: per column the share missing, the mean and standard deviation of numeric "
            "columns with public bounds, and the most common levels of flags and declared categories, all from "
            f"noisy counts (levels with a noisy count below {min_cell} are not listed)."
        )
        rep.table(desc.to_frame().drop(columns=["dtype", "n", "distinct", "min", "p25", "median", "p75", "max"]), max_rows=60)
        return
    rep.text(
        f"{_fmt_int(len(customers))} customers and {customers.shape[1]} columns. Per column: its type, the share "
        f"missing, the number of distinct values, and a numeric summary or the most common levels "
        f"(levels held by fewer than {min_cell} people are not listed)."
    )
    rep.table(desc.to_frame().drop(columns=["dtype", "n"]), max_rows=60)
    numeric = desc.columns.query("kind == 'numeric'")["column"].tolist()[:4]
    flags = desc.columns.query("kind in ['category', 'binary']")["column"].tolist()[:4]
    rep.figure(desc.plot(columns=numeric + flags), alt="population summary")
    rep.next_step(
        "Check that each column's type and range are what you expect; leave out or fill columns with many missing "
        "values or a single dominant level before segmenting (--exclude COLUMN)."
    )


def _section_profiles(rep: Report, df: pd.DataFrame, labels, *, title: str, intro: str, min_cell: int, columns=None,
                      dp: dict | None = None) -> None:  # fmt: skip
    from ..profiling import profile

    prof = profile(df, labels, columns=columns, min_cell=min_cell, **(dp or {}))
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
        rep.figure(prof.plot("heatmap", max_traits=20), alt="index heatmap")
    if "numeric" in kinds:
        rep.text("Numeric traits: each segment's mean in standard deviations from the population mean.")
        rep.figure(prof.plot("snake"), alt="snake plot")
    top = pd.concat([prof.distinctive(s, n=5) for s in prof.sizes["segment"]], ignore_index=True)
    cols = [c for c in ["segment", "column", "level", "share_segment", "share_overall", "index", "mean_segment",
                        "mean_overall", "effect_size", "p_adjusted"] if c in top.columns]  # fmt: skip
    rep.table(top[cols], max_rows=60)
    if dp:
        for note in prof.notes:
            rep.text(note, kind="note")
    elif len(prof.suppressed):
        rep.text(
            f"{len(prof.suppressed):,} values were suppressed: counts from 1 to {min_cell - 1} people, and the "
            "cells that would let them be recovered from the published totals.",
            kind="note",
        )
    rep.next_step(
        "Give each segment a name from its card, then write each one's message around the two or three traits that "
        "set it apart most (the darkest cells of the heatmap); a segment with no distinctive trait needs no own message."
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
        rep.table(flagged[cols], max_rows=60)
    for note in res.notes:
        rep.text(note, kind="note")
    rep.next_step(
        "Re-profile the segments with significant changes and review the campaigns that target them; "
        "a column with PSI above 0.25 needs its segment rules re-fitted."
    )


def _section_behaviour(rep: Report, data, *, min_cell: int) -> None:
    from ..plot import plot_cohort_heatmap, plot_rfm_grid
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
    rep.table(_published(summary, count="customers", min_cell=min_cell))
    rep.figure(plot_rfm_grid(scores, segments=named), alt="RFM grid")
    rep.text("Migration over the last six months", kind="h3")
    rep.text("How customers moved between RFM segments, scored with the same edges six months apart.")
    both = earlier.index.intersection(table.index)
    before = rfm_segments(scorer.transform(earlier.loc[both]))
    after = named.loc[both]
    mig = migration(before, after)
    rep.figure(mig.plot(), alt="migration")
    rep.text("Retention by monthly acquisition cohort", kind="h3")
    rep.text("Share of each cohort that bought again k months after its first purchase.")
    rep.figure(plot_cohort_heatmap(cohorts(tx, period="M", metric="retention")), alt="cohorts")
    _retention_by_channel(rep, tx, data.customers, min_cell=min_cell)
    steps = ["view_product", "add_to_cart", "begin_checkout", "purchase"]
    with _noting(rep):  # anonymous visitors' events are left out by funnel, and said so
        fun = funnel(data.events, steps, window="7D")
    rep.text("Purchase funnel (7-day window)", kind="h3")
    rep.text(
        "Customers who viewed a product, then added to cart, began checkout and purchased within seven days of "
        "their first product view. Drop-off lists name who stopped at each stage, for retargeting."
    )
    rep.table(_published(fun.steps, count="customers", columns=[], min_cell=min_cell))
    rep.text("Where customers stopped (the last row converted):")
    rep.table(_published(fun.drop_offs(), count="customers", min_cell=min_cell).rename(columns={"customers": "stopped here"}))
    rep.figure(fun.plot(), alt="funnel")
    worst = fun.steps["step_conversion"].iloc[1:].idxmin() if len(fun.steps) > 1 else None
    rep.next_step(
        "Win back At Risk and Can't Lose Them customers first (they bought often and are lapsing), and work on the "
        "funnel step that loses most people" + (f" (reaching {worst!s})." if worst is not None else ".")
    )
    return named


def _retention_by_channel(rep: Report, tx: pd.DataFrame, customers: pd.DataFrame, *, min_cell: int) -> None:
    from ..plot import plot_cohorts
    from ..segment import cohorts

    channel = customers.set_index("customer_id")["acquisition_channel"]
    active = cohorts(tx, period="M", metric="customers", by=channel, min_cell=min_cell)
    size = active.attrs["cohort_size"]
    rep.text("Retention by acquisition channel", kind="h3")
    rep.text(
        "The same triangles, one per channel through which customers were acquired, on one colour scale (the "
        "acquisition month, 100 % by definition, is grey). The table pools every cohort observed long enough: "
        "the share of a channel's customers who bought again 1, 3 and 6 months after their first purchase."
        + (f" Channels with fewer than {min_cell} customers are pooled." if active.attrs["pooled_groups"] else "")
    )
    shares = {}
    for k in (1, 3, 6):
        if k in active.columns:
            seen = active[k].notna()
            shares[f"month {k}"] = (active[k][seen].groupby(level=0, sort=False).sum()
                                    / size[seen].groupby(level=0, sort=False).sum())  # fmt: skip
    table = pd.DataFrame(shares)
    table.insert(0, "customers", size.groupby(level=0, sort=False).sum())
    table.index.name = "acquisition channel"
    rep.table(table.sort_values("month 3" if "month 3" in table else "customers", ascending=False),
              units={c: "share" for c in table.columns if c.startswith("month")})  # fmt: skip
    retention = active.div(size, axis=0)
    retention.attrs = {"metric": "retention", "cohort_size": size}
    rep.figure(plot_cohorts(retention), alt="retention by acquisition channel")


def _privacy_section(rep: Report, *, min_cell: int, allowed: dict | None = None, budget=None) -> None:
    rep.section("Privacy defaults applied")
    items = [] if budget is None else [
        f"Differential privacy: every number in this report was computed with calibrated noise (OpenDP), "
        f"spending epsilon {budget.spent:g} of a budget of {budget.epsilon:g} under basic composition ("
        + "; ".join(f"{w}: {e:g}" for w, e in zip(budget.ledger["what"], budget.ledger["epsilon"]))
        + "). Cells are suppressed on their noisy counts; intervals and significance include the noise.",
    ]  # fmt: skip
    items += [
        f"Counts from 1 to {min_cell - 1} people are suppressed in every table and plot, together with the "
        "values derived from them and the complementary cells that would let them be recovered."
        if budget is None else f"Values whose noisy count is below {min_cell} are suppressed.",
        "Opt-out and suppression apply per person: every record sharing a normalised e-mail, phone or customer "
        "id with one that opted out or is suppressed is left out of plans, exports and audiences.",
        "Columns that name a GDPR Art. 9 category (health, ethnicity, religion, political opinions, trade-union "
        "membership, genetics, biometrics, sex life or orientation) or precise geolocation are refused unless "
        "allowed with a written reason.",
        "Direct identifiers (customer id, email, phone) are never profiled.",
    ]
    for col, why in (allowed or {}).items():
        items.append(f"Sensitive column {col!r} allowed by the user: {why}")
    for it in items:
        rep.text(it)
    rep.next_step(
        "Before sharing this page, confirm that no profiled column is sensitive in your context, and raise the "
        "minimum cell size (--min-cell) when the population or its segments are small."
    )


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
    rep.next_step("Run the same path on your own customer table: microseg report YOUR_FILE.csv --segments COLUMN.")
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
    with _timed(times, "behaviour"):  # RFM, migration, cohorts, funnel and CLV
        rfm_segment = _section_behaviour(rep, data, min_cell=min_cell)
        rfm_segment.index = rfm_segment.index.astype(str)
        section_clv(rep, data, rfm_segment, min_cell=min_cell)
    with _timed(times, "lookalike"):
        _section_lookalike(rep, data, min_cell=min_cell)
    with _timed(times, "campaign"):  # the incremental plan, read-out, export and message matrix
        _section_campaign(rep, data, rfm_segment, out, min_cell=min_cell)
        _section_messages(rep, data, min_cell=min_cell)
    with _timed(times, "privacy and page"):
        _privacy_section(rep, min_cell=min_cell)
        return rep.write(out)
    return rep.write(out)
