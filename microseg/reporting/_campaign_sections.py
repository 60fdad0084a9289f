"""The demo report's campaign sections: the incremental plan and read-out, the message matrix, the lookalike audience."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd

from ..errors import DataQualityWarning
from ._page import Report
from ._parts import _fmt_int, _noting, _people, _published


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
