"""Columns ready for :func:`microseg.profile`: their kind, and codes per row for counting.

Each column is classified once (number, flag or category; dates and times are
left out), categorical levels are factorised in order of appearance, missing
values become the level ``"(missing)"``, and levels held by fewer than
``min_cell`` people are pooled into ``"(other levels)"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["EncodedColumn", "encode_column", "column_kind", "narrow", "MISSING", "POOLED"]

MISSING = "(missing)"
POOLED = "(other levels)"


@dataclass
class EncodedColumn:
    """One column ready for counting: codes per row and the names of its levels."""

    name: object
    kind: str  # "numeric", "flag", "category"
    codes: np.ndarray | None = None  # category/flag: level per row
    levels: list[str] = field(default_factory=list)
    hidden: np.ndarray | None = None  # levels not displayed
    values: np.ndarray | None = None  # numeric: float values (NaN = missing)


def column_kind(s: pd.Series) -> str | None:
    """``"numeric"``, ``"flag"``, ``"category"``, or ``None`` for columns profile() does not use."""
    if pd.api.types.is_bool_dtype(s):
        return "flag"
    if pd.api.types.is_numeric_dtype(s):
        return "numeric"
    if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
        return None
    return "category"


def narrow(codes: np.ndarray, n_levels: int) -> np.ndarray:
    """Codes ``0 .. n_levels - 1`` in the narrowest signed integer type (a category column stays 1 byte a row)."""
    for t in (np.int8, np.int16, np.int32):
        if n_levels <= np.iinfo(t).max:
            return codes.astype(t, copy=False)
    return codes.astype(np.int64, copy=False)


def _factorize(s: pd.Series) -> tuple[np.ndarray, list[str]]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        levels = [str(c) for c in s.cat.categories]
    else:
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
        levels = [str(u) for u in uniques]
    codes = narrow(codes, len(levels) + 1)
    if (codes < 0).any():
        codes = np.where(codes < 0, codes.dtype.type(len(levels)), codes)
        levels = [*levels, MISSING]
    return codes, levels


def encode_column(
    s: pd.Series, kind: str, min_cell: int, notes: list[str], max_levels: int | None = None
) -> EncodedColumn | None:
    """Encode one column; pool rare levels; return ``None`` (with a note) when nothing can be shown.

    With ``max_levels``, a categorical column with more distinct values is left
    out as identifier-like.
    """
    name = s.name
    if kind == "numeric":
        x = s.to_numpy(dtype="float64", na_value=np.nan)
        return EncodedColumn(name, kind, values=x)
    if kind == "flag":
        if pd.api.types.is_bool_dtype(s.dtype) or s.dtype == object:
            is_true = s.fillna(False).to_numpy(dtype=bool) if s.hasnans else s.to_numpy(dtype=bool)
        else:  # a 0/1 number column
            is_true = s.to_numpy(dtype="float64", na_value=0.0) == 1
        codes = np.where(is_true, 0, 1).astype(np.int8)
        n_true = int(is_true.sum())
        n_not = len(s) - n_true
        if n_true == 0 or n_not == 0:
            notes.append(f"column {name!r} left out: it is {'never' if n_true == 0 else 'always'} True.")
            return None
        if min(n_true, n_not) < min_cell:
            notes.append(
                f"column {name!r} left out: fewer than min_cell={min_cell} people are "
                f"{'True' if n_true < min_cell else 'not True'} overall, so its overall share would reveal a small count."
            )
            return None
        return EncodedColumn(name, kind, codes=codes, levels=["True", "not True"], hidden=np.array([False, True]))
    codes, levels = _factorize(s)
    if max_levels is not None and len(levels) > max_levels:
        notes.append(
            f"column {name!r} left out: {len(levels)} distinct values (more than max_levels={max_levels}) "
            "looks like an identifier or free text; pass columns=[...] to include it."
        )
        return None
    counts = np.bincount(codes, minlength=len(levels))
    used = counts > 0
    rare = used & (counts < min_cell)
    if rare.any():
        order = np.argsort(counts, kind="stable")
        pool = np.zeros(len(levels), bool)
        pool[rare] = True
        total = counts[pool].sum()
        for j in order:
            if total >= min_cell:
                break
            if used[j] and not pool[j]:
                pool[j] = True
                total += counts[j]
        def listed(mask):
            names = [repr(levels[j]) for j in np.flatnonzero(mask)]
            return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")

        note = (
            f"column {name!r}: {int(rare.sum())} levels with fewer than min_cell={min_cell} people overall "
            f"pooled into {POOLED!r} ({listed(rare)})"
        )
        if (pool & ~rare).any():
            # the rare levels alone are too few to publish, so the smallest other levels join them
            note += f"; too few together, so {listed(pool & ~rare)} joined the pool to reach min_cell"
        notes.append(note + ".")
        keep = used & ~pool
        new_index = np.full(len(levels), -1)
        new_index[keep] = np.arange(keep.sum())
        new_index[pool] = keep.sum()
        codes = narrow(new_index.take(codes.astype(np.intp)), keep.sum() + 1)
        levels = [levels[j] for j in np.flatnonzero(keep)] + [POOLED]
    elif not used.all():
        new_index = np.cumsum(used) - 1
        codes = narrow(new_index.take(codes.astype(np.intp)), len(new_index))
        levels = [levels[j] for j in np.flatnonzero(used)]
    if len(levels) < 2:
        notes.append(f"column {name!r} left out: it has a single level once rare levels are pooled.")
        return None
    return EncodedColumn(name, kind, codes=codes, levels=levels, hidden=np.zeros(len(levels), bool))
