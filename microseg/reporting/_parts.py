"""Small pieces every report section uses: notes from warnings, counts in words, tables through the small-cell rule."""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import pandas as pd

from ..errors import DataQualityWarning
from ._page import Report


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
