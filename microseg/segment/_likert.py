"""Shared helpers for survey (Likert) answers: which columns are items, checks, reverse scoring, respondent flags.

Used by :mod:`microseg.segment._reliability` (``reliability``), the factor model
and ``golden_questions`` so that every function reads items, validates answers
and flags careless respondents the same way.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping

import numpy as np
import pandas as pd

from .._validation import check_columns, check_frame
from ..errors import MicrosegError, SchemaError

ITEM_COLUMNS = ["item", "scale", "text", "reverse_keyed"]
DEFAULT_SCALE = "all items"
MIN_ITEMS_STRAIGHT = 3  # a respondent needs this many answers before "all the same" means straight-lining


def single_thread():
    """Context: one BLAS and OpenMP thread. Survey matrices are small (tens of items,
    a few factors), and threads on small matrices cost more than they save, badly
    so on a busy machine (measured here: 38 s vs 0.8 s for seven Gaussian mixtures
    on 1,000 x 3 scores, the k-means initialisation's OpenMP threads included)."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _split_key(name) -> tuple[Hashable, bool]:
    """``"-A1"`` → ``("A1", True)`` (psych-style reverse key); anything else unchanged."""
    if isinstance(name, str) and name.startswith("-") and len(name) > 1:
        return name[1:], True
    return name, False


def item_table(
    survey: pd.DataFrame,
    items=None,
    *,
    scales: Iterable | None = None,
    reverse: Iterable | None = None,
    exclude: Iterable = (),
    name: str = "survey",
) -> pd.DataFrame:
    """Resolve an item specification to a table with columns ``item, scale, text, reverse_keyed``.

    ``items`` is one of: ``None`` (every numeric column of ``survey`` except
    ``exclude``, as one scale), a table with an ``item`` column (and optionally
    ``scale``, ``text``, ``reverse_keyed``, as ``make_customers().survey_items``),
    a mapping scale → list of items, or a list of items (one scale). In lists a
    leading ``"-"`` marks a reverse-keyed item, as in the scoring keys of the R
    package psych (``{"agree": ["-A1", "A2"]}``). ``reverse`` adds reverse-keyed
    items; ``scales`` keeps only the named scales.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"a": [1, 2], "b": [2, 1], "customer_id": ["x", "y"]})
    >>> item_table(s, {"mood": ["a", "-b"]}).to_dict("list")
    {'item': ['a', 'b'], 'scale': ['mood', 'mood'], 'text': ['a', 'b'], 'reverse_keyed': [False, True]}
    """
    check_frame(survey, name=name)
    exclude = set(exclude)
    if items is None:
        cols = [
            c
            for c in survey.columns
            if c not in exclude
            and pd.api.types.is_numeric_dtype(survey[c])
            and not pd.api.types.is_bool_dtype(survey[c])
        ]
        if not cols:
            raise SchemaError(
                f"{name} has no numeric columns to use as survey items; its columns are "
                f"{list(survey.columns)[:20]}. Pass items=[...] naming the answer columns."
            )
        table = pd.DataFrame({"item": cols, "scale": DEFAULT_SCALE, "text": [str(c) for c in cols], "reverse_keyed": False})
    elif isinstance(items, pd.DataFrame):
        check_columns(items, ["item"], name="items")
        table = pd.DataFrame({"item": items["item"].tolist()})
        table["scale"] = items["scale"].astype(str).tolist() if "scale" in items else DEFAULT_SCALE
        table["text"] = (
            items["text"].astype(str).tolist() if "text" in items else [str(c) for c in table["item"]]
        )
        if "reverse_keyed" in items:
            rk = items["reverse_keyed"]
            if rk.isna().any():
                raise SchemaError(
                    f"column 'reverse_keyed' of items has {int(rk.isna().sum())} missing values; "
                    "mark every item True or False."
                )
            table["reverse_keyed"] = rk.astype(bool).tolist()
        else:
            table["reverse_keyed"] = False
    elif isinstance(items, Mapping):
        rows = []
        for scale, members in items.items():
            if isinstance(members, (str, bytes)) or not isinstance(members, Iterable):
                raise MicrosegError(
                    f"items[{scale!r}] must be a list of item columns, got {members!r}; "
                    f"e.g. items={{{scale!r}: ['q1', 'q2', '-q3']}}."
                )
            for m in members:
                col, rev = (m, False) if m in survey.columns else _split_key(m)
                rows.append((col, str(scale), str(col), rev))
        table = pd.DataFrame(rows, columns=ITEM_COLUMNS)
    elif isinstance(items, Iterable) and not isinstance(items, (str, bytes)):
        rows = []
        for m in items:
            col, rev = (m, False) if m in survey.columns else _split_key(m)
            rows.append((col, DEFAULT_SCALE, str(col), rev))
        table = pd.DataFrame(rows, columns=ITEM_COLUMNS)
    else:
        raise MicrosegError(
            f"items must be None, an items table, a mapping scale -> items, or a list of items; got {items!r}."
        )
    if reverse is not None:
        rev = set(reverse)
        unknown = rev - set(table["item"])
        if unknown:
            raise MicrosegError(
                f"reverse names items that are not among the survey items: {sorted(map(str, unknown))}."
            )
        table["reverse_keyed"] = table["reverse_keyed"] | table["item"].isin(rev)
    if scales is not None:
        keep = [str(s) for s in ([scales] if isinstance(scales, str) else scales)]
        unknown = sorted(set(keep) - set(table["scale"]))
        if unknown:
            raise MicrosegError(
                f"scales {unknown} are not in the items table; its scales are {sorted(set(table['scale']))}."
            )
        table = table[table["scale"].isin(keep)]
    if table.empty:
        raise MicrosegError("no survey items selected; pass items=[...] or check the scales argument.")
    if table["item"].duplicated().any():
        dup = table.loc[table["item"].duplicated(), "item"].tolist()
        raise MicrosegError(
            f"items {dup} are listed more than once; each item belongs to one scale only."
        )
    check_columns(survey, table["item"].tolist(), name=name)
    return table.reset_index(drop=True)


def answers(
    survey: pd.DataFrame,
    items: list,
    *,
    scale_range: tuple[float, float] | None = (1, 5),
    name: str = "survey",
    check_spread: bool = True,
) -> np.ndarray:
    """Return the answers to ``items`` as a float array (NaN = skipped), checked.

    Raises :class:`SchemaError` naming the column when a column is not numeric,
    holds infinite values, answers outside ``scale_range`` or fractional answers
    on a declared scale, and (``check_spread``) when an item is all missing or
    has a single answer for everyone.

    Examples
    --------
    >>> import pandas as pd
    >>> answers(pd.DataFrame({"q1": [1, 7], "q2": [2, 3]}), ["q1", "q2"])
    Traceback (most recent call last):
    ...
    microseg.errors.SchemaError: column 'q1' of survey has 1 answer outside the declared scale 1-5: [7]; correct or blank those answers, pass scale_range=(low, high) matching the questionnaire, or leave the column out of items if it is not an answer.
    """
    out = np.empty((len(survey), len(items)), dtype="float64")
    for j, col in enumerate(items):
        s = survey[col]
        if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
            example = s.dropna().astype(str).head(3).tolist()
            raise SchemaError(
                f"column {col!r} of {name} must hold numeric answers, found dtype {s.dtype} "
                f"(e.g. {example}); map the answer labels to numbers first (e.g. with .map({{...}}))."
            )
        x = s.to_numpy(dtype="float64", na_value=np.nan)
        if np.isinf(x).any():
            raise SchemaError(
                f"column {col!r} of {name} has {int(np.isinf(x).sum())} infinite values; "
                "blank them (set to missing) before calling."
            )
        if scale_range is not None:
            lo, hi = scale_range
            seen = ~np.isnan(x)
            bad = seen & ((x < lo) | (x > hi))
            if bad.any():
                vals = sorted(set(x[bad].tolist()))
                shown = [int(v) if float(v).is_integer() else v for v in vals[:8]]
                noun = "answer" if bad.sum() == 1 else "answers"
                raise SchemaError(
                    f"column {col!r} of {name} has {int(bad.sum())} {noun} outside the declared scale "
                    f"{_fmt(lo)}-{_fmt(hi)}: {shown}{' ...' if len(vals) > 8 else ''}; correct or blank those "
                    "answers, pass scale_range=(low, high) matching the questionnaire, or leave the "
                    "column out of items if it is not an answer."
                )
            frac = seen & (x != np.round(x))
            if frac.any():
                vals = sorted(set(x[frac].tolist()))[:8]
                raise SchemaError(
                    f"column {col!r} of {name} has {int(frac.sum())} fractional answers on the "
                    f"{_fmt(lo)}-{_fmt(hi)} scale: {vals}; Likert answers are whole numbers. Round them, "
                    "or pass scale_range=None for continuous ratings."
                )
        if check_spread:
            n_seen = int((~np.isnan(x)).sum())
            if n_seen == 0:
                raise SchemaError(
                    f"column {col!r} of {name} is all missing (nobody answered it); drop it from the items."
                )
            if np.nanmin(x) == np.nanmax(x):
                raise SchemaError(
                    f"column {col!r} of {name} is constant (every answer is {_fmt(np.nanmin(x))}), so it "
                    "carries no information about respondents; drop it from the items."
                )
        out[:, j] = x
    return out


def _fmt(v) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:g}"


def reverse_score(a: np.ndarray, reverse: np.ndarray, scale_range) -> np.ndarray:
    """Reverse-score the flagged columns: ``low + high - answer``.

    Without a declared scale the observed minimum and maximum of all answers are used.
    """
    if not np.any(reverse):
        return a
    if scale_range is None:
        lo, hi = np.nanmin(a), np.nanmax(a)
    else:
        lo, hi = scale_range
    out = a.copy()
    out[:, reverse] = lo + hi - out[:, reverse]
    return out


def respondent_flags(
    a: np.ndarray,
    duration: np.ndarray | None,
    *,
    speed_ratio: float = 1 / 3,
    index=None,
) -> pd.DataFrame:
    """Per respondent: answers given and skipped, straight-liner, speeder and the combined flag.

    A straight-liner answered at least three items and gave the same answer to
    all of them (raw answers, before reverse scoring). A speeder took less than
    ``speed_ratio`` times the median ``duration``; respondents without a
    duration are not flagged as speeders.
    """
    seen = ~np.isnan(a)
    n_answered = seen.sum(axis=1)
    with np.errstate(invalid="ignore"):
        lo = np.where(seen, a, np.inf).min(axis=1)
        hi = np.where(seen, a, -np.inf).max(axis=1)
    straight = (n_answered >= MIN_ITEMS_STRAIGHT) & (lo == hi)
    if duration is None:
        speeder = np.zeros(len(a), dtype=bool)
    else:
        med = np.nanmedian(duration) if np.isfinite(duration).any() else np.nan
        with np.errstate(invalid="ignore"):
            speeder = np.nan_to_num(duration < speed_ratio * med, nan=0).astype(bool)
    return pd.DataFrame(
        {
            "n_answered": n_answered.astype("int64"),
            "n_skipped": (a.shape[1] - n_answered).astype("int64"),
            "straight_liner": straight,
            "speeder": speeder,
            "flagged": straight | speeder,
        },
        index=index,
    )


def durations(survey: pd.DataFrame, duration, *, name: str = "survey") -> np.ndarray | None:
    """The durations column as floats, or None when ``duration`` is None or absent."""
    if duration is None or duration not in survey.columns:
        return None
    s = survey[duration]
    if pd.api.types.is_timedelta64_dtype(s):
        return s.dt.total_seconds().to_numpy(dtype="float64", na_value=np.nan)
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        raise SchemaError(
            f"column {duration!r} of {name} must hold durations in seconds, found dtype {s.dtype}; "
            "convert it, or pass duration=None to skip the speeder check."
        )
    d = s.to_numpy(dtype="float64", na_value=np.nan)
    if (d[~np.isnan(d)] < 0).any():
        raise SchemaError(
            f"column {duration!r} of {name} has {int((d < 0).sum())} negative durations; fix or blank them."
        )
    return d
