"""Shifted-beta-geometric (sBG): contractual churn of subscriptions, memberships and plans.

Each customer churns at the end of any period with a probability ``theta`` of
their own, ``theta ~ Beta(alpha, beta)`` across customers; as the customers
with a high ``theta`` leave, the retention rate of the survivors rises. With
``T`` the period in which a customer leaves,

- ``P(T = t) = B(alpha + 1, beta + t - 1) / B(alpha, beta)``,
- ``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)``,
- retention ``r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)``.

References: Fader & Hardie (2007), "How to project customer retention",
Journal of Interactive Marketing 21(1); Fader & Hardie (2010),
"Customer-base valuation in a contractual setting: the perils of ignoring
heterogeneity", Marketing Science 29(1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import betaln, hyp2f1
from sklearn.base import BaseEstimator

from .._validation import check_columns, check_frame
from ..errors import MicrosegError, SchemaError
from ._btyd_data import fit_log_params
from ._btyd_inference import ParameterUncertainty

__all__ = ["ShiftedBetaGeoModel"]


def _periods(value, name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(value, dtype="float64"))
    if not (np.isfinite(arr).all() and (arr >= 0).all() and (arr == np.round(arr)).all()):
        raise MicrosegError(f"{name} must be whole numbers of periods >= 0, got {value!r}.")
    return arr


class ShiftedBetaGeoModel(ParameterUncertainty, BaseEstimator):
    """Shifted-beta-geometric model of contractual churn, fitted by maximum likelihood.

    ``fit`` takes one row per customer: ``periods`` (for a churned customer,
    the period, from 1, in which they left; for an active one, the periods
    survived so far: right-censored) and ``churned`` (bool). Cohorts of
    different ages are simply rows with different ``periods``;
    :meth:`from_survivors` builds the rows from one survivor curve.

    Attributes
    ----------
    params_ : Series
        ``alpha``, ``beta`` of the Beta distribution of churn probabilities.
    log_likelihood_ : float
    covariance_ : DataFrame
        Asymptotic covariance of ``log alpha, log beta`` (inverse observed information).
    n_customers_ : int

    Examples
    --------
    >>> import microseg as ms
    >>> rows = ms.ShiftedBetaGeoModel.from_survivors([1000, 631, 468, 382, 326, 289, 262, 241])
    >>> model = ms.ShiftedBetaGeoModel().fit(rows)
    >>> model.params_.round(3).to_dict()
    {'alpha': 0.704, 'beta': 1.182}
    >>> model.survival(3).round(3).tolist()
    [1.0, 0.627, 0.474, 0.388]
    """

    def fit(self, X: pd.DataFrame, y=None, *, periods: str = "periods", churned: str = "churned"):
        """Fit on one row per customer (columns ``periods`` and ``churned``)."""
        check_frame(X, name="X")
        check_columns(X, [periods, churned], name="X")
        t = X[periods].to_numpy(dtype="float64", na_value=np.nan)
        c = X[churned]
        if c.isna().any() or not (pd.api.types.is_bool_dtype(c) or set(pd.unique(c)) <= {0, 1}):
            raise SchemaError(f"column {churned!r} of X must be bool (True = the customer left), without missing "
                              "values.")
        c = c.to_numpy(dtype=bool)
        if not (np.isfinite(t).all() and (t == np.round(t)).all() and (t >= 0).all()):
            raise SchemaError(f"column {periods!r} of X must hold whole numbers of periods >= 0 without missing "
                              "values.")
        if (c & (t < 1)).any():
            raise SchemaError(f"{int((c & (t < 1)).sum())} churned customers have {periods!r} < 1; a customer who "
                              "left did so in a period numbered from 1.")
        # aggregate to (periods, churned) cells: the likelihood depends on nothing else
        keys = t.astype(np.int64) * 2 + c
        counts = np.bincount(keys)
        cells = np.flatnonzero(counts)
        w, tt, cc = counts[cells].astype("float64"), (cells // 2).astype("float64"), (cells % 2).astype(bool)
        n = float(w.sum())
        if not c.any() or len(cells) < 3:
            raise MicrosegError(
                "the sBG model needs churned customers in at least two periods (or churned and active customers "
                f"over two periods) to learn from; X has {int(c.sum())} churned and {int((~c).sum())} active "
                f"customers in {len(cells)} distinct (periods, churned) cells."
            )

        def total(p):
            return float((w * self._loglik(p, tt, cc)).sum())

        params, _ = fit_log_params(lambda lp: -total(np.exp(lp)) / n, 2, x0=np.array([1.0, 1.0]))
        self.params_ = pd.Series(params, index=["alpha", "beta"], name="sBG")
        self.log_likelihood_ = total(params)
        self.n_customers_ = int(n)
        self._set_covariance(lambda lv: total(np.exp(lv)))
        return self

    @staticmethod
    def _loglik(params, t, churned):
        a, b = params
        with np.errstate(divide="ignore", invalid="ignore"):
            left = betaln(a + 1, b + np.maximum(t, 1) - 1) - betaln(a, b)
        stay = betaln(a, b + t) - betaln(a, b)
        return np.where(churned, left, stay)

    @staticmethod
    def from_survivors(survivors) -> pd.DataFrame:
        """One row per customer from one survivor curve (counts at periods 0, 1, 2, ...).

        The customers lost between periods ``t - 1`` and ``t`` churned in
        period ``t``; those still there at the last period are active, with
        ``periods`` = the number of the last period.

        Examples
        --------
        >>> import microseg as ms
        >>> rows = ms.ShiftedBetaGeoModel.from_survivors([10, 6, 5])
        >>> rows.groupby(["periods", "churned"]).size().to_dict()
        {(1, True): 4, (2, False): 5, (2, True): 1}
        """
        s = np.asarray(survivors, dtype="float64")
        if s.ndim != 1 or len(s) < 2 or not np.isfinite(s).all() or (s != np.round(s)).any() or (s < 0).any():
            raise MicrosegError(f"survivors must be whole counts at periods 0, 1, 2, ... (at least two), got "
                                f"{survivors!r}.")
        lost = -np.diff(s)
        if (lost < 0).any():
            raise MicrosegError(f"survivors must not increase from one period to the next, got {survivors!r}; "
                                "a survivor curve counts the customers of one cohort still active.")
        t_last = len(s) - 1
        periods = np.r_[np.repeat(np.arange(1, t_last + 1), lost.astype(np.int64)),
                        np.full(int(s[-1]), t_last)].astype(np.int64)
        churned = np.r_[np.ones(int(lost.sum()), bool), np.zeros(int(s[-1]), bool)]
        return pd.DataFrame({"periods": periods, "churned": churned})

    def _free(self):
        return self.params_, "sBG"

    def survival(self, periods: int) -> pd.Series:
        """``S(t) = P(T > t)`` for ``t = 0 .. periods``: the share of a new cohort still active after t periods."""
        a, b = self._p()
        t = np.arange(int(_periods(periods, "periods")[0]) + 1, dtype="float64")
        return pd.Series(np.exp(betaln(a, b + t) - betaln(a, b)), index=pd.Index(t.astype(int), name="period"),
                         name="survival")

    def retention(self, periods: int) -> pd.Series:
        """Retention rate ``r(t) = S(t) / S(t - 1)`` for ``t = 1 .. periods``; it rises with t (survivor bias)."""
        a, b = self._p()
        t = np.arange(1, int(_periods(periods, "periods")[0]) + 1, dtype="float64")
        return pd.Series((b + t - 1) / (a + b + t - 1), index=pd.Index(t.astype(int), name="period"),
                         name="retention")

    def expected_remaining_lifetime(self, periods_survived=0, *, horizon: int | None = None):
        """Expected number of further periods survived by a customer active after ``periods_survived``.

        ``sum_{k >= 1} P(T > n + k | T > n) = (beta + n) / (alpha - 1)``, which is
        infinite when ``alpha <= 1`` (the heavy tail of loyal customers); with
        ``horizon``, the sum stops after ``horizon`` periods and is always finite.
        Returns a float, or an array for an array of ``periods_survived``.
        """
        a, b = self._p()
        n = _periods(periods_survived, "periods_survived")
        if horizon is None:
            out = np.where(a > 1, (b + n) / max(a - 1, 1e-300), np.inf)
        else:
            k = np.arange(1, int(_periods(horizon, "horizon")[0]) + 1, dtype="float64")
            out = np.exp(betaln(a, b + n[:, None] + k[None, :]) - betaln(a, b + n[:, None])).sum(axis=1)
        return float(out[0]) if np.ndim(periods_survived) == 0 else out

    def derl(self, periods_survived=0, *, discount_rate: float = 0.1):
        """Discounted expected residual lifetime (DERL) of a customer active after ``periods_survived``.

        The expected number of future renewals, each discounted by
        ``discount_rate`` per period, the next one undiscounted (Fader & Hardie
        2010): ``(beta + n) / (alpha + beta + n) 2F1(1, beta + n + 1;
        alpha + beta + n + 1; 1 / (1 + d))``. Multiplied by the margin per
        period, it is the residual value of the customer (their CLV).
        Returns a float, or an array for an array of ``periods_survived``.
        """
        a, b = self._p()
        if not discount_rate > 0:
            raise MicrosegError(f"discount_rate must be > 0 (DERL is infinite without discounting when alpha <= 1), "
                                f"got {discount_rate!r}.")
        n = _periods(periods_survived, "periods_survived")
        out = (b + n) / (a + b + n) * hyp2f1(1.0, b + n + 1, a + b + n + 1, 1.0 / (1.0 + discount_rate))
        return float(out[0]) if np.ndim(periods_survived) == 0 else out

    def plot(self, observed=None, *, periods: int | None = None, ax=None):
        """Survival curve (and the observed survivor shares, if given); returns the Axes."""
        from ..plot._clv import plot_survival

        return plot_survival(self, observed=observed, periods=periods, ax=ax)
