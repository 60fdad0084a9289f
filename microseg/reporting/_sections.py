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
from pathlib import Path

import pandas as pd

from ..errors import DataQualityWarning
from ._clv import section_clv
from ._page import Report

__all__ = ["demo_report"]

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


def _readable(df: pd.DataFrame, columns=("mean_segment", "mean_overall", "mean_before", "mean_after", "index")) -> pd.DataFrame:
    """Means and indices as people write them (48,852; 1968 for a year; 0.123), not 4.89e+04 or 1.97e+03."""
    from .._words import number

    out = df.copy()
    for c in columns:
        if c in out.columns:
            out[c] = [number(v) if pd.notna(v) else None for v in out[c]]
    return out


def _people(n: int, min_cell: int) -> str:
    """A count of people for a sentence: from 1 to ``min_cell - 1`` it is not given."""
    return f"fewer than {min_cell}" if 0 < n < min_cell else f"{int(n):,}"


def _published(table: pd.DataFrame, *, min_cell: int, **rule) -> pd.DataFrame:
    """A table as published: its counts of people through the one small-cell rule (complementary cells included)."""
    from ..privacy import suppress_small_cells

    with warnings.catch_warnings():  # the report says so in its privacy section
        warnings.simplefilter("ignore", DataQualityWarning)
        out = suppress_small_cells(table, min_cell=min_cell, **rule)
    counts = rule.get("count", "n")
    for c in [counts] if isinstance(counts, str) else counts:
        if c in out.columns:  # shown as a dash, like every missing value of the page
            out[c] = out[c].astype(object).where(out[c].notna(), "–")
    return out


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
    steps = ["view_product", "add_to_cart", "begin_checkout", "purchase"]
    fun = funnel(data.events.dropna(subset=["customer_id"]), steps, window="7D")
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
        f"funnel step that loses most people" + (f" (reaching {worst!s})." if worst is not None else ".")
    )
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
    cells = ro.table[[c for c in cols if c in ro.table.columns]]
    cells = cells.assign(_no_t=cells["n_treatment"] - cells["conversions_treatment"],
                         _no_c=cells["n_control"] - cells["conversions_control"])  # fmt: skip
    counts = ["n_treatment", "conversions_treatment", "_no_t", "n_control", "conversions_control", "_no_c"]
    margins = {"n_treatment": ["conversions_treatment", "_no_t"], "n_control": ["conversions_control", "_no_c"]}
    shown_ro = _published(cells, count=counts, margins=margins, min_cell=min_cell).drop(columns=["_no_t", "_no_c"])
    rep.table(shown_ro, units=dict.fromkeys(["lift", "lift_low", "lift_high"], "pp"))
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
    statuses = ["opted_out", "no_consent", "suppressed", "reachable"]
    derived = ["cost", "incremental_conversions", "incremental_revenue", "incremental_revenue_low", "incremental_revenue_high",
               "roi", "roi_low", "roi_high"]  # fmt: skip
    shown = ["size", *statuses, "basis", "lift", "lift_low", "lift_high", "funded", "contacts", *derived]
    rep.table(_published(pl.table[shown].reset_index(), count=["size", *statuses, "contacts"], margins={"size": statuses},
                         columns={"contacts": derived}, min_cell=min_cell),
              units={**dict.fromkeys(["lift", "lift_low", "lift_high"], "pp"), "incremental_conversions": "number"})  # fmt: skip
    linked = _people(sum(pl.linked.values()), min_cell)
    rep.text(f"Opt-out and suppression apply per person: {linked} customers were left out because another record "
             "sharing their e-mail, phone or customer id opted out or is suppressed.", kind="note")  # fmt: skip
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
    with _noting(rep):  # the rows per step are in the table below, through the small-cell rule
        warnings.filterwarnings("ignore", message="dropped or changed audience rows", category=DataQualityWarning)
        report = export_audience(
            target, platform="meta", identifiers={"email": "email", "phone": "phone"}, default_region=region,
            path=Path(out) / "audience_meta_hashed.csv",
        )
    meaning = {"opted out": "opted out of marketing (every record sharing their identifiers)",
               "no consent": "no consent to ads", "suppressed": "on a suppression list",
               "invalid": "no valid identifier left", "duplicate": "the same person twice",
               "stale": "dropped: older than the platform's maximum record age (none for Meta)",
               "exported": f"written; {report.not_updated_180d:,} of them not updated in 180 days (kept, flagged)"}
    counts = report.counts.assign(meaning=report.counts["step"].map(meaning))
    rep.table(_published(counts, count="rows", min_cell=min_cell))
    rep.text(f"Written to {report.path}. Rows opted out or suppressed through another record of the same person: "
             f"{_people(sum(report.linked.values()), min_cell)}.", kind="note")  # fmt: skip
    rep.next_step(
        "Send the funded segments with a fresh randomised control group to confirm the lift; test the unfunded "
        "segments again with larger groups before writing them off, and refresh contact data older than 180 days."
    )


def _section_messages(rep: Report, data, *, min_cell: int) -> None:
    from ..campaign import message_matrix

    persona = data.truth.customers.set_index("customer_id")["persona"]
    tests = data.message_tests.assign(persona=persona.reindex(data.message_tests["customer_id"]).to_numpy())
    rep.section("Personalisation: the best message and channel per persona")
    rep.text(
        f"{_fmt_int(len(tests))} contacts of randomised message tests: price, quality or novelty, by email or SMS, "
        "or nothing (control). Each cell's incremental conversion against the persona's control group is shrunk by "
        "empirical Bayes towards its persona and message averages, with a 95 % posterior interval; cells are "
        "flagged by Benjamini–Hochberg on the unshrunk p-values. The runner-up difference says how sure the choice is."
    )
    with _noting(rep):
        mm = message_matrix(tests, segments="persona", min_cell=min_cell)
    best = mm.best()
    cols = ["message", "channel", "uplift", "uplift_low", "uplift_high", "runner_up_message", "runner_up_channel",
            "difference", "difference_low", "difference_high"]  # fmt: skip
    rep.table(best[cols], units=dict.fromkeys(["uplift", "uplift_low", "uplift_high", "difference", "difference_low",
                                               "difference_high"], "pp"))
    rep.figure(mm.plot(), alt="message matrix")
    truth = data.truth.message_effects
    planted = truth[truth["best"]].set_index("persona")["message"].astype(str)
    hits = int((best["message"] == planted.reindex(best.index)).sum())
    rep.text(f"The planted best message is recovered for {hits} of {len(best)} personas.", kind="note")
    rep.next_step(
        "Send each persona its best message and channel; where the runner-up difference's interval includes zero, "
        "keep both in the next test rather than declaring a winner."
    )


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
    rep.table(summary[["method", "size", "recall", "recall_se", "lift", "auc"]],
              units={"size": "share", "recall_se": "share", "lift": "ratio"})
    rep.figure(ev.plot(), alt="size vs quality")
    with _noting(rep):
        look = Lookalike(method="pu", random_state=0).fit(population, seed=converted)
        audience = look.audience(population, size=0.05)
    rep.text(
        f"A 5 % audience from the positive-unlabelled model: {len(audience):,} customers who have not converted "
        "yet (seed members and opted-out customers are never included), in tiers by score:"
    )
    tiers = audience.groupby("tier", observed=True).size().rename("customers").to_frame()
    rep.table(_published(tiers, count="customers", min_cell=min_cell))
    rep.text(look.explain().text)
    rep.next_step(
        "Upload the top tier first and keep a random hold-out of it to measure the lift; re-run the evaluation on "
        "your own seed and use the method whose recall beats random most at the audience size you can afford."
    )


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


def demo_report(out, *, n_customers: int = 20_000, random_state: int = 0, min_cell: int = 10):
    """Run the whole path on the demo population and write the report; return the file path."""
    from ..datasets import make_customers

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
    _section_population(rep, customers.drop(columns=[c for c in PROFILE_EXCLUDE if c in customers]), min_cell=min_cell)
    personas = data.truth.customers.set_index("customer_id")["persona"].reindex(customers["customer_id"]).to_numpy()
    _section_profiles(
        rep,
        customers.drop(columns=[c for c in PROFILE_EXCLUDE if c in customers]),
        pd.Series(personas, index=customers.index, name="persona"),
        title="Personas: who they are and how they differ",
        intro="The demo population has planted personas; here each is profiled against the whole population.",
        min_cell=min_cell,
    )
    rfm_segment = _section_behaviour(rep, data, min_cell=min_cell)
    rfm_segment.index = rfm_segment.index.astype(str)
    section_clv(rep, data, rfm_segment, min_cell=min_cell)
    _section_lookalike(rep, data, min_cell=min_cell)
    _section_campaign(rep, data, rfm_segment, out, min_cell=min_cell)
    _section_messages(rep, data, min_cell=min_cell)
    _privacy_section(rep, min_cell=min_cell)
    return rep.write(out)
