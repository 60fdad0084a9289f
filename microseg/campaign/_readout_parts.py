"""The pieces of a read-out: the two arms, sample-ratio and balance checks, the planned size, and the
per-segment table of a yes/no outcome."""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real

import numpy as np
import pandas as pd

from ..errors import MicrosegError, SchemaError
from . import _stats

#: |standardised mean difference| above which a pre-period column is called imbalanced.
SMD_THRESHOLD = 0.1

# --------------------------------------------------------------------------- arms
def _as_list(v) -> list:
    return list(v) if isinstance(v, (list, tuple, set, frozenset)) else [v]


def _arms(g: pd.Series, treatment, control, group) -> tuple[np.ndarray, np.ndarray]:
    """Boolean masks of the treatment and control rows; clear errors when the arms cannot be told apart."""
    values = pd.unique(g.dropna().to_numpy())
    shown = [v.item() if hasattr(v, "item") else v for v in values[:10]]
    hint = (f"Pass treatment=... and control=... to say which values of {group!r} are which arm "
            "(e.g. treatment=['Mens E-Mail', 'Womens E-Mail'], control='No E-Mail').")
    if treatment is None and control is None:
        if pd.api.types.is_bool_dtype(g):
            treatment, control = [True], [False]
        elif {"treatment", "control"} >= {str(v) for v in values} and len(values):
            treatment, control = ["treatment"], ["control"]
        else:
            raise MicrosegError(
                f"column {group!r} must hold two labels, treatment and control; found {len(values)} value(s): {shown}. {hint}"
            )
    elif treatment is None or control is None:
        given = _as_list(treatment if control is None else control)
        if not g.isin(given).any():  # the named arm matches nothing: say which
            others = list(values)
            if control is not None:
                return _arms_checked(g, others, given, group, shown, hint)
            return _arms_checked(g, given, others, group, shown, hint)
        rest = [v for v in values if v not in given]
        if len(rest) != 1 and not (control is None and not rest):
            raise MicrosegError(
                f"column {group!r} holds {len(values)} value(s) {shown}; with only "
                f"{'treatment' if control is None else 'control'}={given!r} given, the other arm is ambiguous. {hint}"
            )
        if control is None:
            treatment, control = given, rest
        else:
            treatment, control = rest, given
    return _arms_checked(g, treatment, control, group, shown, hint)


def _arms_checked(g, treatment, control, group, shown, hint):
    t_vals, c_vals = _as_list(treatment), _as_list(control)
    overlap = [v for v in t_vals if v in c_vals]
    if overlap:
        raise MicrosegError(f"values {overlap!r} are given as both treatment and control for column {group!r}. {hint}")
    is_t, is_c = g.isin(t_vals).to_numpy(), g.isin(c_vals).to_numpy()
    if not is_c.any():
        raise MicrosegError(
            f"no control group: no row of column {group!r} is in the control arm (control={c_vals!r}; values found: {shown}). "
            "Increments cannot be measured without a randomised control group. Hold one out before the send "
            "(microseg.campaign.holdout_split) and size it with microseg.campaign.design_test."
        )
    if not is_t.any():
        raise MicrosegError(
            f"column {group!r} needs both arms: treatment={t_vals!r} matched no rows; values found: {shown}. {hint}"
        )
    return is_t, is_c


# --------------------------------------------------------------------------- columns
def _numeric(results: pd.DataFrame, col, *, role: str) -> np.ndarray:
    s = results[col]
    if not (pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s)):
        raise SchemaError(f"{role} column {col!r} must be numeric or boolean, found dtype {s.dtype}.")
    v = s.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(v)
    if bad.any():
        raise SchemaError(
            f"{role} column {col!r} has {int(bad.sum())} missing or infinite values; every customer in the test needs one "
            "(a customer who bought nothing spent 0)."
        )
    return v


def _control_share(expected_split, t_vals_name="treatment") -> float:
    """Intended control share from a number (control share, as in holdout_split) or a mapping arm -> weight."""
    if isinstance(expected_split, Mapping):
        keys = set(expected_split)
        if keys != {"treatment", "control"}:
            raise MicrosegError(
                f"expected_split must map 'treatment' and 'control' to their intended shares or weights, got keys {sorted(map(str, keys))}; "
                "e.g. {'treatment': 2, 'control': 1} for a 2:1 split, or a number: the control share (0.1 for a 10 % holdout)."
            )
        w_t, w_c = float(expected_split["treatment"]), float(expected_split["control"])
        if not (w_t > 0 and w_c > 0):
            raise MicrosegError(f"expected_split weights must be > 0, got {dict(expected_split)}.")
        return w_c / (w_t + w_c)
    if isinstance(expected_split, Real) and not isinstance(expected_split, bool) and 0 < float(expected_split) < 1:
        return float(expected_split)
    raise MicrosegError(
        f"expected_split must be the intended control share in (0, 1) (as in holdout_split(control=...)) or a mapping "
        f"{{'treatment': w, 'control': w}}; got {expected_split!r}."
    )


def _balance(results: pd.DataFrame, columns, is_t: np.ndarray, is_c: np.ndarray) -> pd.DataFrame:
    """Standardised mean differences of pre-period columns; categoricals one row per level."""
    rows = []
    for col in columns:
        s = results[col]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            v = s.to_numpy(dtype="float64", na_value=np.nan)
            parts = [(col, "", v)]
        else:
            dummies = pd.get_dummies(s.astype("category"), dtype="float64")
            parts = [(col, str(level), dummies[level].to_numpy()) for level in dummies.columns]
        for name, level, v in parts:
            vt, vc = v[is_t], v[is_c]
            vt, vc = vt[~np.isnan(vt)], vc[~np.isnan(vc)]
            rows.append((str(name), level, float(np.mean(vt)), float(np.mean(vc)), _stats.smd(vt, vc)))
    out = pd.DataFrame(rows, columns=["column", "level", "mean_treatment", "mean_control", "smd"]).set_index(["column", "level"])
    out["imbalanced"] = out["smd"].abs() > SMD_THRESHOLD
    return out


def _planned(design: pd.DataFrame, index: list) -> np.ndarray:
    """Planned test size per read-out row from a design_test table (NaN when the design has no such row)."""
    if not isinstance(design, pd.DataFrame) or not {"n_treatment", "n_control"} <= set(design.columns):
        raise MicrosegError(
            "design must be the table returned by microseg.campaign.design_test (columns n_treatment and n_control), "
            f"got {type(design).__name__}."
        )
    size = (design["n_treatment"] + design["n_control"]).astype("float64")
    by = {str(k): v for k, v in size.items()}
    out = np.array([by.get(str(s), np.nan) for s in index], dtype="float64")
    if np.isnan(out[-1]):
        out[-1] = by.get("all", np.nan)
        if np.isnan(out[-1]) and len(index) > 1 and not np.isnan(out[:-1]).any():
            out[-1] = out[:-1].sum()
    return out


# --------------------------------------------------------------------------- read-out
def _binary_table(y, t, codes, n_rows, alpha):
    from .testing import _lift_stats

    n_t = np.bincount(codes[t], minlength=n_rows).astype("float64")
    n_c = np.bincount(codes[~t], minlength=n_rows).astype("float64")
    x_t = np.bincount(codes[t], weights=y[t], minlength=n_rows)
    x_c = np.bincount(codes[~t], weights=y[~t], minlength=n_rows)
    n_t, x_t, n_c, x_c = (np.append(a, a.sum()) for a in (n_t, x_t, n_c, x_c))
    r_t, r_c, d, lo, hi, rel, rlo, rhi, pv = _lift_stats(x_t, n_t, x_c, n_c, alpha)
    return n_t, n_c, x_t, x_c, pd.DataFrame(dict(mean_t=r_t, mean_c=r_c, diff=d, low=lo, high=hi, rel=rel, rel_low=rlo, rel_high=rhi, p=pv))
