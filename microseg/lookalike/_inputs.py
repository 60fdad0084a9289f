"""The inputs of a lookalike: the population as a frame, the seed, the opt-outs and the feature columns.

Shared by :class:`~microseg.Lookalike` and :func:`microseg.lookalike.evaluate`,
so that both read a seed, an opt-out flag and the features the same way.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import pandas as pd
from sklearn.utils import check_array

from .._validation import (
    check_columns,
    check_finite,
    check_frame,
    check_id_column,
    check_not_series,
)
from ..errors import MicrosegError, SchemaError
from ..privacy.sensitive import check_sensitive
from ._engines import column_kind

__all__ = ["as_frame", "opt_out_mask", "resolve_seed", "select_features", "exclusion_keys", "linked_keys", "excluded_people", "value_weights"]


def as_frame(X, *, min_rows: int = 1, customer=None) -> pd.DataFrame:
    """X as a DataFrame; arrays are checked like scikit-learn's (2-d, dense, no complex or inf; NaN allowed).

    A ``customer`` column of X holding floats is refused, as everywhere (ids would come back as ``3.0``).
    """
    check_not_series(X, name="X")
    if isinstance(X, pd.DataFrame):
        check_frame(X, name="X")
        check_finite(X, name="X")
        if customer is not None and customer in X.columns:
            check_id_column(X, customer, name="X")
        return X
    kind = type(X).__module__.split(".")[0]
    if kind in ("dask", "polars"):
        return check_frame(X, name="X")  # raises with a hint
    arr = check_array(X, accept_sparse=False, dtype=None, ensure_all_finite="allow-nan", ensure_min_samples=min_rows)
    return check_frame(pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])]), name="X")


def opt_out_mask(X: pd.DataFrame, opt_out: Hashable | None) -> np.ndarray:
    """True for rows that opted out; missing opt-out values count as opted out."""
    if opt_out is None:
        return np.zeros(len(X), dtype=bool)
    if opt_out not in X.columns:
        raise SchemaError(
            f"X has no opt-out column {opt_out!r}; pass opt_out='<column>' (True = opted out), "
            "or opt_out=None to state that nobody in X opted out."
        )
    s = X[opt_out]
    miss = s.isna().to_numpy()
    vals = s.astype(object).where(~s.isna(), True).astype(bool).to_numpy()
    return vals | miss


def value_weights(X: pd.DataFrame, value):
    """Value per row (or None): a column name or per-row values, aligned to X."""
    if value is None:
        return None
    if isinstance(value, str) and value in X.columns:
        v = X[value]
    else:
        v = value
    if isinstance(v, pd.Series) and not v.index.equals(X.index):
        v = v.reindex(X.index)
    arr = pd.Series(np.asarray(v)).to_numpy(dtype="float64", na_value=np.nan) if not isinstance(v, pd.Series) else v.to_numpy(dtype="float64", na_value=np.nan)
    if arr.shape != (len(X),):
        raise MicrosegError(f"value has {arr.size} values but X has {len(X)} rows; pass one value per row (or a column name).")
    return arr


def _person_inputs(X: pd.DataFrame, opt_out, customer, suppression, identifiers, default_region):
    from ..privacy._people import person_keys
    from ..privacy.suppression import SuppressionList, is_suppressed

    opt_out_mask(X, opt_out)  # a missing opt-out column is refused first
    if identifiers is None:
        identifiers = {k: k for k in ("email", "phone") if k in X.columns}
    elif not isinstance(identifiers, Mapping) or any(k not in ("email", "phone") for k in identifiers):
        raise MicrosegError(f"identifiers must map 'email' and/or 'phone' to columns of X, got {identifiers!r}.")
    check_columns(X, identifiers.values(), name="X")
    cust = customer if customer is not None and customer in X.columns else None
    if suppression is not None:
        if not isinstance(suppression, SuppressionList):
            raise MicrosegError(
                f"suppression must be a SuppressionList (see microseg.privacy.suppression_list), got "
                f"{type(suppression).__name__}."
            )
        if not identifiers and cust is None:
            raise SchemaError(
                "a suppression list is matched on email, phone or customer id, and X has none of them; pass "
                "identifiers={'email': 'your_email_column'} or keep the customer column in X."
            )
        listed = is_suppressed(X, suppression, identifiers=identifiers, customer=cust, default_region=default_region)
        listed = listed.to_numpy(dtype=bool)
    else:
        listed = np.zeros(len(X), dtype=bool)
    objected = np.zeros(len(X), dtype=bool)
    if opt_out is not None:
        objected = X[opt_out].astype("boolean").fillna(False).to_numpy(dtype=bool)
    keys = person_keys(X, identifiers=identifiers, customer=cust, default_region=default_region)
    return keys, objected, listed


def exclusion_keys(X: pd.DataFrame, *, opt_out, customer, suppression=None, identifiers=None, default_region=None):
    """The person identifiers of X's objecting and suppressed rows: ``{"opted out": keys, "suppressed": keys}``."""
    keys, objected, listed = _person_inputs(X, opt_out, customer, suppression, identifiers, default_region)
    at = keys["row"].to_numpy()
    return {"opted out": keys.loc[objected[at], "key"].unique(), "suppressed": keys.loc[listed[at], "key"].unique()}


def linked_keys(X: pd.DataFrame, listed: dict, *, customer, identifiers=None, default_region=None) -> dict:
    """``listed`` grown by the identifiers of X's rows linked to them (see :func:`microseg.privacy._people.expand`)."""
    from ..privacy._people import expand, person_keys

    if identifiers is None:
        identifiers = {k: k for k in ("email", "phone") if k in X.columns}
    cust = customer if customer is not None and customer in X.columns else None
    keys = person_keys(X, identifiers=identifiers, customer=cust, default_region=default_region)
    return {r: expand(keys, k) for r, k in listed.items()}


def excluded_people(X: pd.DataFrame, *, opt_out, customer, suppression=None, identifiers=None, default_region=None,
                    listed_keys=None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """``(opted out, suppressed)`` masks per person: rows carrying an identifier of an objecting or suppressed row.

    The identifiers are collected over ``X``, or given as ``listed_keys`` (from
    :func:`exclusion_keys` over every partition of a Dask frame).
    """
    from ..privacy._people import carries, expand

    keys, objected, listed = _person_inputs(X, opt_out, customer, suppression, identifiers, default_region)
    if listed_keys is None:
        at = keys["row"].to_numpy()
        listed_keys = {"opted out": expand(keys, keys.loc[objected[at], "key"].unique()),
                       "suppressed": expand(keys, keys.loc[listed[at], "key"].unique())}  # fmt: skip
    opted = opt_out_mask(X, opt_out) | carries(keys, listed_keys["opted out"], len(X))
    return opted, listed | carries(keys, listed_keys["suppressed"], len(X))


def resolve_seed(X: pd.DataFrame, y, seed, customer: Hashable | None) -> np.ndarray:
    """Return the seed as a boolean array in X's row order."""
    if y is None and seed is None:
        raise MicrosegError(
            "Lookalike requires y to be passed, but the target y is None: pass exactly one of y (True or 1 = "
            "seed member, one value per row) or seed= (a boolean mask, an aligned boolean Series, or customer ids)."
        )
    if y is not None and seed is not None:
        raise MicrosegError("pass exactly one of y or seed (both say who is in the seed), not both.")
    if y is not None:
        return _seed_from_y(X, y)
    given, name = seed, "seed"
    if isinstance(given, pd.Series) and (
        pd.api.types.is_bool_dtype(given) or _is_binary(given.to_numpy())
    ):
        given = _align(given, X, name)
        return given.to_numpy().astype(bool)
    arr = np.asarray(given)
    if arr.dtype == bool:
        if arr.ndim != 1 or len(arr) != len(X):
            raise MicrosegError(f"{name} is a mask of {arr.size} values but X has {len(X)} rows; pass one per row.")
        return arr.astype(bool)
    # ids looked up in the customer column
    if customer is None or customer not in X.columns:
        raise SchemaError(
            f"seed looks like ids, but X has no customer column {customer!r} to look them up in; "
            "pass customer='<id column>' or a boolean mask."
        )
    ids = pd.Index(pd.unique(pd.Series(arr.ravel()).dropna()))
    col = X[customer]
    found = ids.isin(col)
    if not found.all():
        missing = ids[~found]
        raise MicrosegError(
            f"{len(missing):,} of {len(ids):,} seed ids are not in X's column {customer!r} "
            f"(e.g. {list(missing[:3])}); check the id format (strings vs numbers, leading zeros) "
            "or drop them from the seed."
        )
    return col.isin(ids).to_numpy()


def _align(given: pd.Series, X: pd.DataFrame, name: str) -> pd.Series:
    """A per-row Series in X's row order; missing values are an error."""
    if not given.index.equals(X.index):
        if len(given) == len(X) and given.index.sort_values().equals(X.index.sort_values()):
            given = given.reindex(X.index)
        else:
            raise MicrosegError(
                f"{name} is a Series whose index does not match X's index "
                f"({len(given)} values, {len(X)} rows); align it first ({name}.reindex(X.index)) "
                "or pass customer ids as seed=."
            )
    if given.isna().any():
        raise MicrosegError(f"{name} has {int(given.isna().sum())} missing values; use True/False for every row.")
    return given


def _seed_from_y(X: pd.DataFrame, y) -> np.ndarray:
    """The seed from a per-row target: a boolean mask, or two numeric labels (the larger one is the seed).

    As in scikit-learn's binary classifiers, with two labels the larger one
    (e.g. 1 in {0, 1}, 2 in {1, 2}) is the positive class: the seed.
    """
    if isinstance(y, pd.Series):
        y = _align(y, X, "y")
        arr = y.to_numpy(dtype=bool) if pd.api.types.is_bool_dtype(y) else y.to_numpy()
    else:
        arr = np.asarray(y)
    if arr.ndim != 1 or len(arr) != len(X):
        raise MicrosegError(
            f"y must be one value per row of X (1-d, {len(X)} values), got shape {arr.shape}."
        )
    if arr.dtype == bool:
        return arr
    if np.iscomplexobj(arr):
        raise MicrosegError("Complex data not supported in y; pass True/1 for seed members and False/0 for the others.")
    if arr.dtype == object:  # numbers or booleans stored as objects are read as such
        kind = pd.api.types.infer_dtype(arr, skipna=False)
        if kind == "boolean":
            return arr.astype(bool)
        if kind in ("integer", "floating", "mixed-integer-float"):
            arr = arr.astype("float64")
    if not np.issubdtype(arr.dtype, np.number):
        raise MicrosegError(
            f"Unknown label type for y: it must be a boolean mask (True = seed member) or two numeric labels, "
            f"got values such as {list(pd.unique(arr))[:5]}; pass a mask (y == <seed label>), or ids as seed=."
        )
    if np.isnan(arr.astype("float64")).any():
        raise MicrosegError(f"y has {int(np.isnan(arr.astype('float64')).sum())} missing values; use 1/0 for every row.")
    labels = np.unique(arr)
    if len(labels) > 2:
        raise MicrosegError(
            f"y has {len(labels)} classes ({list(labels[:5])}...): a lookalike learns one seed against "
            "everyone else, so y must be binary (True/1 = seed member); pass y == <seed class>."
        )
    if len(labels) == 2:
        return arr == labels[1]
    if labels.size and labels[0] in (0, 1):
        return arr.astype(bool)
    raise MicrosegError(
        f"y has one class only ({labels.tolist()}); pass True/1 for seed members and False/0 for the others."
    )


def _is_binary(arr) -> bool:
    try:
        u = pd.unique(pd.Series(np.asarray(arr).ravel()).dropna())
    except TypeError:
        return False
    return len(u) <= 2 and all(v in (0, 1, True, False) for v in u.tolist())


def _identifier_like(s: pd.Series) -> bool:
    if column_kind(s) != "categorical" or isinstance(s.dtype, pd.CategoricalDtype) or pd.api.types.is_bool_dtype(s):
        return False
    nonnull = s.dropna()
    # text with a distinct value on most rows (ids, emails, phone numbers) describes no group
    return len(nonnull) >= 20 and nonnull.nunique() >= 0.5 * len(nonnull)


def select_features(X: pd.DataFrame, *, features, customer, opt_out, sensitive, allow_sensitive, special_ad_category):
    """Pick the feature columns; return (features, notes)."""
    notes: list[str] = []
    never = {c for c in (customer, opt_out) if c is not None}
    if features is None:
        candidates = [c for c in X.columns if c not in never]
    else:
        features = list(features)
        check_columns(X, features, name="X")
        bad = [c for c in features if c in never]
        if bad:
            raise MicrosegError(
                f"column(s) {bad} cannot be lookalike features (the customer id and the opt-out flag never are); "
                "remove them from features=."
            )
        candidates = features
    ids = [c for c in candidates if _identifier_like(X[c])]
    if ids:
        notes.append(
            f"identifier-like column(s) {ids} (text with a distinct value on most rows) were not used as features."
        )
    used = [c for c in candidates if c not in ids]
    if customer is not None and customer in X.columns:
        notes.append(f"the customer id column {customer!r} is used only to match seed members, never as a feature.")
    if opt_out is not None:
        notes.append(f"the opt-out column {opt_out!r} is never a feature; opted-out rows were left out of fitting.")
    if not used:
        raise MicrosegError("X has no usable feature columns once ids and the opt-out flag are set aside.")
    allowed = check_sensitive(
        used,
        data=X,
        sensitive=sensitive,
        allow_sensitive=allow_sensitive,
        special_ad_category=special_ad_category,
        purpose="lookalike features",
    )
    notes += [f"sensitive column {c!r} used as a feature; reason given: {why}" for c, why in allowed.items()]
    return used, notes


# ----------------------------------------------------------------------------- the estimator
