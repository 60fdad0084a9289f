"""Column names as users type them: the closest match whatever its case, and one-line errors naming the option."""

from __future__ import annotations

import difflib
from collections.abc import Hashable

import numpy as np
import pandas as pd

from ..errors import SchemaError

__all__ = ["closest_column", "check_column"]


def _few(values, k: int = 3) -> str:
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    shown = ", ".join(repr(v) for v in values[:k])
    return shown + (f" and {len(values) - k:,} more" if len(values) > k else "")


def closest_column(columns, name) -> Hashable | None:
    """The column whose name is closest to ``name``, whatever its case (None when nothing is close).

    Examples
    --------
    >>> closest_column(["ID", "Marital_Status", "Income"], "marital status")
    'Marital_Status'
    >>> closest_column(["ID", "Income"], "zzz") is None
    True
    """
    by_lower = {}
    for c in columns:
        by_lower.setdefault(str(c).lower().replace(" ", "_"), c)
    key = str(name).lower().replace(" ", "_")
    if key in by_lower:
        return by_lower[key]
    hit = difflib.get_close_matches(key, list(by_lower), n=1, cutoff=0.6)
    return by_lower[hit[0]] if hit else None


def check_column(df: pd.DataFrame, name, *, flag: str, source: str) -> None:
    """Raise a one-line :class:`~microseg.errors.SchemaError` when ``name`` is not a column, suggesting the closest."""
    if name in df.columns:
        return
    near = closest_column(df.columns, name)
    hint = f"did you mean {near!r}? " if near is not None else ""
    raise SchemaError(
        f"{flag} {name!r}: no column {name!r} in {source}; {hint}its {df.shape[1]} columns start "
        f"{_few(df.columns, 5)}."
    )
