"""Shared input checks.

Every public function validates its input here, so that messages look the same
everywhere: they name the column or parameter, say what was found and say what
to do. Rows that a function drops or changes are reported through
:func:`report_rows`, the one mechanism for it (a :class:`DataQualityWarning`
with counts per rule, and the same counts in ``attrs["microseg_rows"]``).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import DataQualityWarning, MicrosegError, SchemaError

__all__ = [
    "check_frame",
    "check_columns",
    "check_not_series",
    "check_numeric",
    "check_datetime",
    "check_id_column",
    "check_unique",
    "check_no_missing",
    "check_finite",
    "infinite_counts",
    "check_weights",
    "check_labels",
    "check_share",
    "check_alpha",
    "condition_mask",
    "report_rows",
    "ROWS_ATTR",
]

ROWS_ATTR = "microseg_rows"


def _list_columns(df: pd.DataFrame, limit: int = 20) -> str:
    cols = [repr(c) for c in df.columns[:limit]]
    more = "" if df.shape[1] <= limit else f", ... ({df.shape[1] - limit} more)"
    return "[" + ", ".join(cols) + more + "]"


def check_frame(df, *, name: str = "data", allow_empty: bool = False) -> pd.DataFrame:
    """Check that ``df`` is a non-empty pandas DataFrame and return it unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> check_frame(pd.DataFrame({"a": [1]})).shape
    (1, 1)
    """
    if not isinstance(df, pd.DataFrame):
        kind = type(df).__module__.split(".")[0] + "." + type(df).__name__
        hint = ""
        if kind.startswith("dask."):
            hint = " Call .compute() first, or use a function that accepts Dask frames."
        elif kind.startswith("polars."):
            hint = " Convert it with .to_pandas() first."
        elif kind == "pandas.Series":
            label = f"[[{df.name!r}]]" if df.name is not None else ".to_frame()"
            hint = (f" A Series is one column; pass the table (one row per customer), or this column as a one-column "
                    f"table: df{label} or series.to_frame().")  # fmt: skip
        raise SchemaError(f"{name} must be a pandas DataFrame, got {kind}.{hint}")
    if not allow_empty and len(df) == 0:
        raise SchemaError(f"{name} is empty (0 rows); pass a table with at least one row.")
    if df.columns.duplicated().any():
        dup = sorted({repr(c) for c in df.columns[df.columns.duplicated()]})
        raise SchemaError(
            f"{name} has duplicate column names {', '.join(dup)}; rename them so each column is unique."
        )
    return df


def check_not_series(X, *, name: str = "X") -> None:
    """Refuse a pandas Series where a table (one column per feature) is expected, with the fix.

    Examples
    --------
    >>> import pandas as pd
    >>> check_not_series(pd.Series([1.0, 2.0], name="income"))
    Traceback (most recent call last):
    ...
    microseg.errors.SchemaError: X must be a table (one row per customer, one column per feature), got a pandas Series ...
    """
    if isinstance(X, pd.Series):
        label = repr(X.name) if X.name is not None else "(unnamed)"
        fix = f"df[[{X.name!r}]]" if X.name is not None else "series.to_frame()"
        raise SchemaError(
            f"{name} must be a table (one row per customer, one column per feature), got a pandas Series {label}; "
            f"pass {fix} (one column) or the whole table."
        )


def check_columns(df: pd.DataFrame, columns: Iterable[Hashable], *, name: str = "data") -> None:
    """Raise :class:`SchemaError` if any of ``columns`` is missing from ``df``.

    The message names the missing columns and lists the ones that are there.

    Examples
    --------
    >>> import pandas as pd
    >>> check_columns(pd.DataFrame({"a": [1]}), ["b"])
    Traceback (most recent call last):
    ...
    microseg.errors.SchemaError: data has no column 'b'; its columns are ['a']. Pass the right name as a parameter (e.g. customer='...') or rename the column.
    """
    missing = [c for c in columns if c not in df.columns]
    if missing:
        which = ", ".join(repr(c) for c in missing)
        noun = "column" if len(missing) == 1 else "columns"
        raise SchemaError(
            f"{name} has no {noun} {which}; its columns are {_list_columns(df)}. "
            "Pass the right name as a parameter (e.g. customer='...') or rename the column."
        )


def check_numeric(df: pd.DataFrame, column: Hashable, *, name: str = "data") -> None:
    """Raise if ``column`` is not numeric (booleans are not accepted as amounts)."""
    s = df[column]
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        example = s.dropna().astype(str).head(3).tolist()
        raise SchemaError(
            f"column {column!r} of {name} must be numeric, found dtype {s.dtype} "
            f"(e.g. {example}); convert it with pd.to_numeric(df[{column!r}], errors='coerce') "
            "and decide what to do with the values that fail."
        )


def check_datetime(df: pd.DataFrame, column: Hashable, *, name: str = "data") -> None:
    """Raise if ``column`` is not a datetime column, or mixes time zones.

    Text dates are refused rather than parsed silently, because the format
    (day-first or month-first) is a decision only the caller can make.
    """
    s = df[column]
    if pd.api.types.is_datetime64_any_dtype(s):
        return
    if s.dtype == object:
        tz = {getattr(v, "tzinfo", None) for v in s.dropna().head(10_000)}
        if len(tz) > 1:
            raise SchemaError(
                f"column {column!r} of {name} mixes time zones ({len(tz)} found); "
                f"convert it with pd.to_datetime(df[{column!r}], utc=True)."
            )
    example = s.dropna().astype(str).head(3).tolist()
    raise SchemaError(
        f"column {column!r} of {name} must hold timestamps, found dtype {s.dtype} "
        f"(e.g. {example}); parse it with pd.to_datetime(df[{column!r}], format=...) "
        "giving the format, so day and month are not guessed."
    )


def check_id_column(df: pd.DataFrame, column: Hashable, *, name: str = "data") -> None:
    """Raise :class:`SchemaError` if ids are stored as floats.

    Float ids lose leading zeros and large values, and ``17850.0`` never
    matches ``"17850"`` in a join.
    """
    s = df[column]
    if pd.api.types.is_float_dtype(s):
        raise SchemaError(
            f"column {column!r} of {name} holds ids stored as floats (dtype {s.dtype}); "
            "ids must be strings or integers. Read the file with "
            f"dtype={{{column!r}: str}}, or convert with df[{column!r}].astype('Int64').astype('string')."
        )


def check_unique(df: pd.DataFrame, column: Hashable, *, name: str = "data") -> None:
    """Raise if ``column`` has duplicate values (e.g. one row per customer is required)."""
    dup = df[column].duplicated(keep=False)
    if dup.any():
        n = int(df.loc[dup, column].nunique())
        example = df.loc[dup, column].head(3).tolist()
        raise SchemaError(
            f"column {column!r} of {name} must be unique (one row per id) but {n} ids repeat "
            f"(e.g. {example}); aggregate to one row per id first, or drop duplicates deliberately."
        )


def check_no_missing(df: pd.DataFrame, columns: Iterable[Hashable], *, name: str = "data") -> None:
    """Raise if any of ``columns`` has missing values."""
    for c in columns:
        n = int(df[c].isna().sum())
        if n:
            raise SchemaError(
                f"column {c!r} of {name} has {n} missing values; fill them "
                f"(df[{c!r}].fillna(...)) or drop those rows before calling."
            )


def infinite_counts(df: pd.DataFrame, columns: Iterable[Hashable] | None = None) -> dict:
    """``{column: number of +/-inf values}`` over the float columns of ``columns`` (default: all) that hold any."""
    out = {}
    for c in df.columns if columns is None else columns:
        s = df[c]
        if pd.api.types.is_float_dtype(s):
            n = int(np.isinf(s.to_numpy(dtype="float64", na_value=np.nan)).sum())
            if n:
                out[c] = n
    return out


def check_finite(df: pd.DataFrame, columns: Iterable[Hashable] | None = None, *, name: str = "data") -> None:
    """Raise if any float column in ``columns`` (default: all) holds +/-inf, naming every such column at once.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> check_finite(pd.DataFrame({"a": [1.0, np.inf], "b": [-np.inf, 2.0], "c": ["x", "y"]}))
    Traceback (most recent call last):
    ...
    microseg.errors.SchemaError: data has infinite values in column 'a' (1), column 'b' (1); means, ...
    """
    found = infinite_counts(df, columns)
    if found:
        where = ", ".join(f"column {c!r} ({n:,})" for c, n in found.items())
        first = next(iter(found))
        raise SchemaError(
            f"{name} has infinite values in {where}; means, tests and distances are undefined with them. Replace "
            f"them, e.g. df[{first!r}] = df[{first!r}].replace([np.inf, -np.inf], np.nan) to treat them as missing, "
            "or clip them to a finite value."
        )


def check_weights(weights, n: int, *, name: str = "weights") -> np.ndarray:
    """Return weights as a float array of length ``n``; raise if missing, negative or all zero."""
    w = np.asarray(pd.Series(weights).to_numpy(dtype="float64", na_value=np.nan), dtype="float64")
    if w.shape != (n,):
        raise MicrosegError(f"{name} has {w.size} values but the data has {n} rows; pass one weight per row.")
    if np.isnan(w).any():
        raise MicrosegError(f"{name} has {int(np.isnan(w).sum())} missing values; every row needs a weight.")
    if (w < 0).any() or not np.isfinite(w).all():
        raise MicrosegError(f"{name} must be finite and >= 0; found {int((w < 0).sum())} negative values.")
    if w.sum() == 0:
        raise MicrosegError(f"{name} are all zero; at least one row needs a positive weight.")
    return w


def check_labels(df: pd.DataFrame, labels, *, name: str = "segments") -> pd.Series:
    """Resolve ``labels`` (a column name, or labels aligned with ``df``) to a Series on df's index.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"seg": ["a", "b"]}, index=[10, 11])
    >>> check_labels(df, "seg").tolist()
    ['a', 'b']
    >>> check_labels(df, ["x", "y"]).index.tolist()
    [10, 11]
    """
    if isinstance(labels, Hashable) and not isinstance(labels, (pd.Series, np.ndarray)) and labels in df.columns:
        return df[labels].rename(labels)
    if isinstance(labels, str):
        check_columns(df, [labels])
    if isinstance(labels, pd.Series):
        if not labels.index.equals(df.index):
            if len(labels) == len(df) and labels.index.sort_values().equals(df.index.sort_values()):
                return labels.reindex(df.index)
            raise MicrosegError(
                f"{name} is a Series whose index does not match the data's index "
                f"({len(labels)} labels, {len(df)} rows); align it first, e.g. labels.reindex(df.index), "
                "or pass a plain array in row order."
            )
        return labels
    arr = np.asarray(labels)
    if arr.ndim != 1 or len(arr) != len(df):
        raise MicrosegError(
            f"{name} has {arr.size} labels but the data has {len(df)} rows; "
            "pass a column name or one label per row."
        )
    return pd.Series(arr, index=df.index, name=name)


def check_share(value, *, name: str = "size") -> float:
    """Check that ``value`` is a share in (0, 1]."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MicrosegError(f"{name} must be a number in (0, 1], got {value!r}.") from None
    if not 0 < v <= 1:
        raise MicrosegError(f"{name} must be a share in (0, 1], got {value!r}; e.g. 0.05 for 5 %.")
    return v


def check_alpha(alpha) -> float:
    """``alpha`` as a float strictly between 0 and 1, or a clear error.

    Examples
    --------
    >>> check_alpha(0.05)
    0.05
    """
    if not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise MicrosegError(f"alpha must be between 0 and 1 (e.g. 0.05), got {alpha!r}.")
    return float(alpha)


def report_rows(result, counts: Mapping[str, int], *, what: str = "rows", stacklevel: int = 3):
    """Report rows dropped or changed, the one way microseg does it.

    Stores ``counts`` (rule → number of rows) in ``result.attrs["microseg_rows"]``
    when ``result`` is a DataFrame or Series, and emits one
    :class:`DataQualityWarning` listing the non-zero counts. Returns ``result``.

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     out = report_rows(pd.DataFrame(), {"missing customer id": 3, "kept": 0})
    >>> out.attrs["microseg_rows"]
    {'missing customer id': 3, 'kept': 0}
    >>> str(w[0].message)
    'dropped or changed rows: missing customer id: 3'
    """
    counts = {str(k): int(v) for k, v in counts.items()}
    if isinstance(result, (pd.DataFrame, pd.Series)):
        result.attrs[ROWS_ATTR] = dict(counts)
    nonzero = {k: v for k, v in counts.items() if v}
    if nonzero:
        detail = "; ".join(f"{k}: {v:,}" for k, v in nonzero.items())
        warnings.warn(f"dropped or changed {what}: {detail}", DataQualityWarning, stacklevel=stacklevel)
    return result


def condition_mask(df: pd.DataFrame, name, cond) -> np.ndarray:
    """Turn one condition (mask, callable or query string) into a boolean array aligned with df.

    ``name`` names the condition in error messages (``rule 'young': ...``).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [20, 40, 60]})
    >>> condition_mask(df, "young", "age < 30").tolist()
    [True, False, False]
    >>> condition_mask(df, "old", lambda d: d["age"] > 50).tolist()
    [False, False, True]
    """
    if isinstance(cond, str):
        try:
            cond = df.eval(cond)
        except Exception as exc:  # pandas raises many kinds here
            raise MicrosegError(f"rule {name!r}: could not evaluate {cond!r} with DataFrame.eval ({exc}).") from exc
    elif callable(cond):
        cond = cond(df)
    if isinstance(cond, pd.Series):
        if not cond.index.equals(df.index):
            raise MicrosegError(
                f"rule {name!r}: the mask's index does not match the data's index; "
                "build it from the same frame or pass a plain array in row order."
            )
        cond = cond.to_numpy(dtype=object) if cond.hasnans else cond.to_numpy()
    arr = np.asarray(cond)
    if arr.ndim == 0 and len(df) != 1:
        raise MicrosegError(f"rule {name!r} gave a single value, not one True/False per row.")
    arr = arr.reshape(-1)
    if arr.size != len(df):
        raise MicrosegError(f"rule {name!r} has {arr.size} values but the data has {len(df)} rows.")
    if arr.dtype == object:
        na = pd.isna(arr)
        vals = set(arr[~na].tolist())
        if not vals <= {True, False}:
            raise MicrosegError(f"rule {name!r} must give True/False per row, found values like {sorted(map(str, vals))[:3]}.")
        arr = np.where(na, False, arr).astype(bool)
    if arr.dtype != bool:
        raise MicrosegError(f"rule {name!r} must give True/False per row, got dtype {arr.dtype}.")
    return arr
