"""The btyd summary table as arrays, and the maximum-likelihood fit shared by the CLV models."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import minimize
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data
from threadpoolctl import threadpool_limits

from .._validation import check_columns, check_frame, check_not_series
from ..errors import MicrosegError, SchemaError

__all__ = ["compress", "fit_log_params", "summary_arrays"]


_BTYD = ["frequency", "recency", "T", "monetary_value"]


def summary_arrays(summary, *, monetary: bool = False, estimator=None):
    """The btyd columns as float arrays, and the row index.

    A DataFrame is read by column name (other columns are ignored). A numeric
    array (or a DataFrame with none of the names) holds the columns in the
    order of the btyd table: ``frequency, recency, T`` and, when ``monetary``,
    ``monetary_value``; without ``monetary`` a fourth column (the table's
    ``monetary_value``) is allowed and ignored. With ``estimator`` (in
    ``fit``), an array is checked with ``validate_data``, which sets
    ``n_features_in_``.
    """
    cols = _BTYD[: 4 if monetary else 3]
    check_not_series(summary, name="summary")
    if isinstance(summary, pd.DataFrame) and (
        any(c in summary.columns for c in [*_BTYD, "n_orders"]) or summary.shape[1] not in (len(cols), 4)
    ):
        check_frame(summary, name="summary")
        if "frequency" not in summary.columns and "n_orders" in summary.columns:
            raise SchemaError(
                "CLV models take the btyd table (frequency, recency, T), but this looks like the analyst table; "
                "build it with ms.rfm(transactions, convention='btyd')."
            )
        check_columns(summary, cols, name="summary")
        arrs = [summary[c].to_numpy(dtype="float64", na_value=np.nan) for c in cols]
        for c, a in zip(cols, arrs):
            if not np.isfinite(a).all():
                raise SchemaError(
                    f"column {c!r} of summary has {int((~np.isfinite(a)).sum())} missing or infinite values."
                )
        if estimator is not None:
            estimator.n_features_in_ = summary.shape[1]
            estimator.feature_names_in_ = np.asarray(list(summary.columns), dtype=object)
        index = summary.index
    else:
        if estimator is not None:
            for attr in ("feature_names_in_", "n_features_in_"):
                if hasattr(estimator, attr):
                    delattr(estimator, attr)
            A = validate_data(estimator, summary, dtype="float64", ensure_min_samples=2)
        else:
            A = check_array(summary, dtype="float64")
        allowed = (len(cols),) if monetary else (3, 4)
        if A.shape[1] not in allowed:
            raise MicrosegError(
                f"the summary array must have the btyd columns {', '.join(cols)} in that order, got "
                f"n_features = {A.shape[1]}; pass ms.rfm(transactions, convention='btyd') as a DataFrame "
                "or its columns as an array."
            )
        arrs = [A[:, i] for i in range(len(cols))]
        index = pd.RangeIndex(len(A))
    x, tx, T = arrs[:3]
    negative = (x < 0) | (tx < 0) | (T < 0)
    if negative.any():
        raise SchemaError(
            f"Negative values in data: {int(negative.sum())} customers of the summary have a negative frequency, "
            "recency or T; these count purchases and periods and must be >= 0."
        )
    if (T < tx).any():
        raise SchemaError(
            f"summary must have recency <= T for every customer; {int((T < tx).sum())} have a last purchase "
            "after the end of the observation."
        )
    return arrs, index


def require_repeat_buyers(x: np.ndarray, model: str) -> None:
    """Refuse a fit without at least two customers who bought again: there is nothing to learn rates from."""
    k = int((x > 0).sum())
    if k < 2:
        raise MicrosegError(
            f"{model} needs repeat buyers to learn from; the summary has {k} customers with a repeat purchase."
        )


def guarded(nll):
    """``nll`` evaluated without floating-point warnings, with NaN read as +inf.

    The optimiser's line search may step to log-parameters whose exponentials
    under- or overflow (r = 0, alpha = inf); there the likelihood is undefined
    (inf - inf) and scipy's newest versions warn. Reading it as +inf makes the
    line search step back, as from any poor point.
    """

    def f(logp):
        with np.errstate(all="ignore"):
            v = nll(logp)
        return v if not np.isnan(v) else np.inf

    return f


def fit_log_params(nll, n_params: int, x0=None):
    """Minimise ``nll`` over log-parameters from ``x0`` (natural scale); return the parameters and -nll.

    L-BFGS-B does tiny BLAS operations at each step; with several BLAS threads
    on a busy machine their synchronisation costs more than the work (a fit
    ran 8 times slower), so the optimiser runs on one BLAS thread.
    """
    x0 = np.zeros(n_params) if x0 is None else np.log(x0)
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):  # edges: see guarded()
        best = minimize(guarded(nll), x0, method="L-BFGS-B", options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 2_000})
    if not np.isfinite(best.fun):
        raise MicrosegError("the likelihood could not be maximised; check the summary table (enough repeat buyers?).")
    return np.exp(best.x), -best.fun


def compress(*arrays, return_inverse: bool = False):
    """The distinct rows of equal-length float arrays, and how often each occurs.

    Summaries in weeks or days repeat the same (frequency, recency, T) many
    times (every customer without a repeat purchase of one cohort), so a
    likelihood summed over the distinct rows with these weights costs a
    fraction of the full sum. One lexsort and a diff, no ``np.unique``. With
    ``return_inverse``, also the distinct row of each input row.

    Examples
    --------
    >>> import numpy as np
    >>> rows, w, inv = compress(np.array([1.0, 0, 1, 0]), np.array([5.0, 0, 5, 0]), return_inverse=True)
    >>> [r.tolist() for r in rows], w.tolist(), inv.tolist()
    ([[0.0, 1.0], [0.0, 5.0]], [2.0, 2.0], [1, 0, 1, 0])
    """
    order = np.lexsort(arrays[::-1])
    sorted_ = [a[order] for a in arrays]
    change = np.zeros(len(order), dtype=bool)
    change[:1] = True
    for a in sorted_:
        change[1:] |= a[1:] != a[:-1]
    starts = np.flatnonzero(change)
    weights = np.diff(np.r_[starts, len(order)]).astype("float64")
    rows = [a[starts] for a in sorted_]
    if not return_inverse:
        return rows, weights
    inverse = np.empty(len(order), dtype=np.int64)
    inverse[order] = np.cumsum(change) - 1
    return rows, weights, inverse
