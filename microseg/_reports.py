"""The pipelines behind the ``microseg`` command: the demo report and a report on a user's table.

Each section is a small function that takes the data, runs the library and
adds text, tables and figures to a :class:`~microseg.report.Report`. Privacy
defaults apply throughout: every profile suppresses cells below ``min_cell``
people, and a user's table is refused when it holds sensitive columns that
were not allowed with a written reason.
"""

from __future__ import annotations

import pandas as pd

from .errors import MicrosegError
from .report import Report

PROFILE_EXCLUDE = ("customer_id", "email", "phone", "postcode_prefix", "signup_date", "last_updated")


def _fmt_int(n) -> str:
    return f"{int(n):,}"


# -- sections ----------------------------------------------------------------------------------------


def _section_population(rep: Report, customers: pd.DataFrame, *, min_cell: int) -> None:
    from .profiling import describe

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
    from .profiling import profile

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
    rep.figure(prof.plot("heatmap"), alt="index heatmap")
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


def demo_report(out, *, n_customers: int = 20_000, random_state: int = 0, min_cell: int = 10):
    """Run the whole path on the demo population and write the report; return the file path."""
    from .datasets import make_customers

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
    _privacy_section(rep, min_cell=min_cell)
    return rep.write(out)


def table_report(df: pd.DataFrame, *, segments: str, id_column: str | None = None, out="microseg-report",
                 min_cell: int = 10, exclude=(), allow_sensitive=None, source: str = "your table"):  # fmt: skip
    """Profile a user's customer table by a segment column and write the report; return the file path."""
    from ._validation import check_columns, check_frame
    from .privacy.sensitive import check_sensitive

    check_frame(df, name=source)
    needed = [segments] + ([id_column] if id_column else []) + list(exclude)
    check_columns(df, needed, name=source)
    drop = set(exclude) | ({id_column} if id_column else set())
    drop |= {c for c in df.columns if str(c).lower() in {"email", "phone", "e_mail", "phone_number", "mobile"}}
    features = df.drop(columns=sorted(drop, key=str))
    check_sensitive(
        [c for c in features.columns if c != segments], allow_sensitive=allow_sensitive or {},
        purpose="report columns (leave them out with --exclude)",
    )
    if features[segments].nunique(dropna=True) < 2:
        raise MicrosegError(f"column {segments!r} has fewer than two segments; pass a column that splits the customers.")
    rep = Report("microseg report", f"{source}: {len(df):,} rows, segments from column {segments!r}.")
    _section_population(rep, features.drop(columns=[segments]), min_cell=min_cell)
    _section_profiles(
        rep, features, segments, title=f"Segments by {segments}",
        intro="Each segment is profiled against the whole population.", min_cell=min_cell,
    )
    _privacy_section(rep, min_cell=min_cell, allowed=allow_sensitive)
    return rep.write(out)
