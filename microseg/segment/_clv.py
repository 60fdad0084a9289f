"""Customer lifetime value: BG/NBD purchase counts and Gamma-Gamma spend, fitted by maximum likelihood.

Both models take the btyd table of :func:`microseg.rfm` (``convention="btyd"``):
``frequency`` (repeat purchases), ``recency`` and ``T`` in periods, and
``monetary_value`` (mean spend of the repeat purchases). Log-likelihoods are
vectorised with ``scipy.special.gammaln``/``betaln`` and maximised with
``scipy.optimize.minimize`` over log-parameters.

References: Fader, Hardie & Lee (2005), "Counting your customers the easy way:
an alternative to the Pareto/NBD model", Marketing Science 24(2); Fader &
Hardie (2013), "The Gamma-Gamma model of monetary value".
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
from scipy.special import betaln, gammaln
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ..errors import MicrosegError, ModelFitWarning
from . import _bgnbd_limits as limits
from ._btyd_data import compress, require_repeat_buyers
from ._btyd_data import fit_log_params as _fit
from ._btyd_data import summary_arrays as _summary_arrays
from ._btyd_inference import ParameterUncertainty, clv_intervals, discounted_purchases

__all__ = ["BetaGeoModel", "GammaGammaModel", "clv"]


class BetaGeoModel(ParameterUncertainty, BaseEstimator):
    """BG/NBD model of repeat purchases ("buy till you die"), fitted by maximum likelihood.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (as in lifetimes); 0 gives the plain MLE.

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha``, ``a``, ``b``. At a boundary of the parameter space
        (see ``limit_``) they hold the limit: ``a = 0`` (and ``b`` NaN, not
        identified) without dropout; ``r = alpha = inf`` without
        heterogeneity.
    log_likelihood_ : float
        Total log-likelihood at the optimum.
    limit_ : str or None
        None for an interior fit. When the maximum-likelihood fit runs to a
        boundary (customers who buy at random do), the limiting model it
        reaches: ``"nbd"`` (no dropout), ``"poisson_dropout"`` (no
        heterogeneity in purchase rates) or ``"poisson"`` (both). Its closed
        form gives every prediction, and a :class:`~microseg.errors.ModelFitWarning`
        says so.
    limit_params_ : Series or None
        The limiting model's own parameters (``r, alpha`` for the NBD;
        ``lambda`` and ``a, b`` without heterogeneity; ``lambda`` for the
        Poisson process), or None.
    covariance_ : DataFrame
        Asymptotic covariance of the log of the estimated parameters (those of
        ``limit_params_`` at a boundary): the inverse observed information.
        ``summary()`` turns it into standard errors and intervals.
    n_customers_ : int

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> s = pd.DataFrame({"frequency": [0, 1, 4, 2, 0, 6], "recency": [0, 20, 30, 5, 0, 38],
    ...                   "T": [40, 39, 38, 40, 35, 39]})
    >>> model = ms.BetaGeoModel().fit(s)
    >>> sorted(model.params_.index)
    ['a', 'alpha', 'b', 'r']
    >>> bool((model.probability_alive(s) <= 1).all())
    True
    """

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    @staticmethod
    def _loglik(params, x, tx, T):
        r, alpha, a, b = params
        a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
        a2 = betaln(a, b + x) - betaln(a, b)
        a3 = -(r + x) * np.log(alpha + T)
        with np.errstate(divide="ignore", invalid="ignore"):
            a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
        return a1 + a2 + np.logaddexp(a3, a4)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # purchase counts and periods are never negative
        return tags

    def fit(self, X, y=None):
        """Fit the model on the btyd summary ``X`` (a DataFrame, or an array of frequency, recency, T)."""
        (x, tx, T), _ = _summary_arrays(X, estimator=self)
        require_repeat_buyers(x, "BG/NBD")
        pen = float(self.penalizer)
        n = len(x)
        (ux, utx, uT), w = compress(x, tx, T)  # the likelihood over distinct rows, weighted

        def nll(logp):
            p = np.exp(logp)
            return -(w * self._loglik(p, ux, utx, uT)).sum() / n + pen * (p**2).sum()

        params, ll_mean = _fit(nll, 4, x0=np.array([0.5, max(T.mean() / 10, 1.0), 0.5, 2.0]))
        loglik = float((w * self._loglik(params, ux, utx, uT)).sum())
        self.limit_, self.limit_params_ = None, None
        found = limits.find_limit(x, tx, T, params, loglik) if pen == 0 else None
        if found is not None:
            params, loglik = self._take_limit(*found, full_params=params, full_loglik=loglik)
        self.params_ = pd.Series(params, index=["r", "alpha", "a", "b"], name="BG/NBD")
        self.log_likelihood_ = loglik
        self.n_customers_ = n
        self._set_covariance(lambda lv: (w * self._free_loglik(np.exp(lv), ux, utx, uT)).sum())
        return self

    def _free(self):
        """The estimated parameters (the limiting model's at a boundary) and the model they belong to."""
        if self.limit_ is None:
            return self.params_, "BG/NBD"
        return self.limit_params_, f"{self.limit_} (limit of BG/NBD: {limits.LIMIT_WORDS[self.limit_]})"

    def _free_loglik(self, p, x, tx, T):
        if self.limit_ == limits.POISSON:
            return limits.poisson_loglik(p[0], x, tx, T)
        fn = {None: self._loglik, limits.NBD: limits.nbd_loglik,
              limits.POISSON_DROPOUT: limits.poisson_dropout_loglik}[self.limit_]
        return fn(p, x, tx, T)

    def _with_free(self, values):
        """A copy of the fitted model with its estimated parameters replaced by ``values``."""
        out = copy.copy(self)
        if self.limit_ is None:
            out.params_ = pd.Series(values, index=self.params_.index, name=self.params_.name)
            return out
        out.limit_params_ = pd.Series(values, index=self.limit_params_.index, name=self.limit_)
        p = self.params_.to_numpy().copy()
        if self.limit_ == limits.NBD:
            p[:2] = values
        elif self.limit_ == limits.POISSON_DROPOUT:
            p[2:] = values[1:]
        out.params_ = pd.Series(p, index=self.params_.index, name=self.params_.name)
        return out

    def _take_limit(self, kind, lparams, lloglik, *, full_params, full_loglik):
        names = {limits.POISSON: ["lambda"], limits.NBD: ["r", "alpha"],
                 limits.POISSON_DROPOUT: ["lambda", "a", "b"]}[kind]
        self.limit_ = kind
        self.limit_params_ = pd.Series(lparams, index=names, name=kind)
        lp = dict(zip(names, lparams))
        r, alpha = (lp["r"], lp["alpha"]) if kind == limits.NBD else (np.inf, np.inf)
        a, b = (lp["a"], lp["b"]) if kind == limits.POISSON_DROPOUT else (0.0, np.nan)
        shown = ", ".join(f"{k} = {v:.4g}" for k, v in lp.items())
        warnings.warn(
            f"BG/NBD: the maximum-likelihood fit runs to a boundary of the parameter space (it stopped at "
            f"r = {full_params[0]:.3g}, alpha = {full_params[1]:.3g}, a = {full_params[2]:.3g}, "
            f"b = {full_params[3]:.3g}): {limits.LIMIT_WORDS[kind]}. microseg fitted that limiting model "
            f"({shown}; log-likelihood {lloglik:.2f}, the BG/NBD fit's {full_loglik:.2f}) and uses its closed "
            "form for every prediction, so none is NaN. See the attributes limit_ and limit_params_.",
            ModelFitWarning,
            stacklevel=3,
        )
        return np.array([r, alpha, a, b]), lloglik

    def _death_odds(self, x, tx, T):
        r, alpha, a, b = self._p()
        if self.limit_ in (limits.POISSON, limits.NBD):
            return np.zeros_like(x)
        if self.limit_ == limits.POISSON_DROPOUT:
            log_term = limits.log_death_odds_poisson_dropout(self.limit_params_.to_numpy(), x, tx, T)
        else:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                log_term = np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + (r + x) * (
                    np.log(alpha + T) - np.log(alpha + tx))
        return np.where(x > 0, np.exp(np.minimum(log_term, 700)), 0.0)

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of the observation (T)."""
        (x, tx, T), index = _summary_arrays(summary)
        return pd.Series(1.0 / (1.0 + self._death_odds(x, tx, T)), index=index, name="probability_alive")

    def expected_purchases(self, summary: pd.DataFrame, t: float) -> pd.Series:
        """Expected number of purchases of each customer in the next ``t`` periods."""
        (x, tx, T), index = _summary_arrays(summary)
        return pd.Series(self._expected(x, tx, T, float(t)), index=index, name="expected_purchases")

    def _expected_alive(self, x, T, t):
        """Expected purchases in the next ``t`` periods of a customer who is alive at ``T``."""
        if self.limit_ == limits.POISSON:
            return np.full(np.shape(x), self.limit_params_["lambda"] * t)
        if self.limit_ == limits.NBD:
            r, alpha = self.limit_params_.to_numpy()
            return (r + x) * t / (alpha + T)
        if self.limit_ == limits.POISSON_DROPOUT:
            return limits.expected_alive_poisson_dropout(self.limit_params_.to_numpy(), x, t)
        return limits.expected_alive(self._p(), x, T, t)

    def _expected(self, x, tx, T, t):
        self._p()
        if t <= 0:
            return np.zeros_like(x)
        return self._expected_alive(x, T, t) / (1.0 + self._death_odds(x, tx, T))

    def expected_purchases_new(self, t: float) -> float:
        """Expected purchases in ``t`` periods of a new customer, E[X(t)]."""
        self._p()
        if t <= 0:
            return 0.0
        return float(self._expected_alive(np.zeros(1), np.zeros(1), float(t))[0])


class GammaGammaModel(ParameterUncertainty, BaseEstimator):
    """Gamma-Gamma model of the spend per purchase, fitted on customers with repeat purchases.

    Parameters
    ----------
    penalizer : float, default 0.0

    Attributes
    ----------
    params_ : Series
        ``p``, ``q``, ``v``.
    log_likelihood_ : float
    covariance_ : DataFrame
        Asymptotic covariance of ``log p, log q, log v`` (inverse observed information).
    n_customers_ : int
        Repeat buyers with a positive ``monetary_value`` the model was fitted on.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> s = pd.DataFrame({"frequency": [1, 3, 2, 5, 0, 4], "recency": [5, 20, 9, 30, 0, 25],
    ...                   "T": [30] * 6, "monetary_value": [20.0, 35.0, 12.0, 50.0, 0.0, 28.0]})
    >>> gg = ms.GammaGammaModel().fit(s)
    >>> gg.expected_spend(s).round(1).gt(0).all()
    np.True_
    """

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    @staticmethod
    def _loglik(params, x, m):
        p, q, v = params
        return (gammaln(p * x + q) - gammaln(p * x) - gammaln(q) + q * np.log(v) + (p * x - 1) * np.log(m)
                + p * x * np.log(x) - (p * x + q) * np.log(x * m + v))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # counts and periods are never negative
        return tags

    def fit(self, X, y=None):
        """Fit on the btyd summary ``X`` (a DataFrame, or an array of frequency, recency, T, monetary_value)."""
        (x, tx, T, m), _ = _summary_arrays(X, monetary=True, estimator=self)
        ok = (x > 0) & (m > 0)
        if ok.sum() < 2:
            raise MicrosegError(
                f"Gamma-Gamma needs repeat buyers with positive spend; the summary has {int(ok.sum())}."
            )
        x, m = x[ok], m[ok]
        pen = float(self.penalizer)
        n = len(x)

        def nll(logp):
            p = np.exp(logp)
            return -self._loglik(p, x, m).sum() / n + pen * (p**2).sum()

        params, _ = _fit(nll, 3, x0=np.array([1.0, 1.0, max(float(np.median(m)), 1.0)]))
        self.params_ = pd.Series(params, index=["p", "q", "v"], name="Gamma-Gamma")
        self.log_likelihood_ = float(self._loglik(params, x, m).sum())
        self.n_customers_ = int(n)
        self._set_covariance(lambda lv: self._loglik(np.exp(lv), x, m).sum())
        return self

    def _free(self):
        return self.params_, "Gamma-Gamma"

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected mean spend per purchase of each customer (population mean for non-repeat buyers).

        A negative ``monetary_value`` (returns exceeding the repeat purchases) is treated as 0.
        """
        check_is_fitted(self, "params_")
        (x, tx, T, m), index = _summary_arrays(summary, monetary=True)
        p, q, v = self.params_.to_numpy()
        pop = p * v / (q - 1) if q > 1 else np.nan
        # a net negative mean (returns exceeding purchases) counts as no spend
        cond = (p * (v + x * np.maximum(m, 0.0))) / (p * x + q - 1)
        out = np.where(x > 0, cond, pop)
        return pd.Series(out, index=index, name="expected_spend")


def clv(
    summary: pd.DataFrame,
    *,
    horizon: int = 12,
    discount_rate: float = 0.01,
    period_length: float = 30.0,
    purchases: BetaGeoModel | None = None,
    spend: GammaGammaModel | None = None,
    alpha: float | None = 0.05,
) -> pd.DataFrame:
    """Customer lifetime value over a horizon, discounted, from BG/NBD and Gamma-Gamma.

    Parameters
    ----------
    summary : DataFrame
        The btyd table from ``ms.rfm(..., convention="btyd")``.
    horizon : int, default 12
        Number of discount periods (months by default).
    discount_rate : float, default 0.01
        Discount rate per discount period (0.01 = 1 % a month).
    period_length : float, default 30
        Length of a discount period in the units of ``T`` (30 days = a month
        when the summary is in days; 4.345 when it is in weeks).
    purchases, spend : fitted models, optional
        Fitted here on ``summary`` when not given. ``purchases`` is a
        :class:`BetaGeoModel` or a :class:`ParetoNBDModel`.
    alpha : float or None, default 0.05
        Level ``1 - alpha`` of the intervals on the expected purchases and
        the CLV; None leaves them out (faster).

    Returns
    -------
    DataFrame
        Indexed like ``summary``: ``probability_alive``, ``expected_purchases``
        (over the horizon), ``expected_spend`` (per purchase),
        ``expected_revenue`` (their product, undiscounted) and ``clv`` (the
        discounted sum over the horizon of the expected purchases in each
        period times the expected spend). With ``alpha``, also
        ``expected_purchases_low``/``_high`` and ``clv_low``/``_high``:
        intervals for each customer's conditional expectation that reflect
        the uncertainty of the fitted parameters (delta method on the log
        scale, from the models' ``covariance_``), not the spread of the
        customer's future purchases.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> s = pd.DataFrame({"frequency": [1, 3, 2, 5, 0, 4], "recency": [50, 200, 90, 300, 0, 250],
    ...                   "T": [300] * 6, "monetary_value": [20.0, 35.0, 12.0, 50.0, 0.0, 28.0]})
    >>> out = ms.clv(s, horizon=12)
    >>> list(out.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['probability_alive', 'expected_purchases', 'expected_spend', 'expected_revenue', 'clv',
     'expected_purchases_low', 'expected_purchases_high', 'clv_low', 'clv_high']
    >>> bool(out["clv"].idxmax() == 3)
    True
    """
    if not (isinstance(horizon, (int, np.integer)) and horizon >= 1):
        raise MicrosegError(f"horizon must be a positive integer (discount periods), got {horizon!r}.")
    if not discount_rate > -1:
        raise MicrosegError(f"discount_rate must be > -1, got {discount_rate!r}.")
    (x, tx, T, m), index = _summary_arrays(summary, monetary=True)
    bg = purchases if purchases is not None else BetaGeoModel().fit(summary)
    gg = spend if spend is not None else GammaGammaModel().fit(summary)
    value = gg.expected_spend(summary).to_numpy()
    total, prev = discounted_purchases(bg, x, tx, T, horizon=horizon, period_length=period_length,
                                       discount_rate=discount_rate)
    out = pd.DataFrame(
        {
            "probability_alive": bg.probability_alive(summary).to_numpy(),
            "expected_purchases": prev,
            "expected_spend": value,
            "expected_revenue": prev * value,
            "clv": value * total,
        },
        index=index,
    )
    if alpha is not None:
        bounds = clv_intervals(bg, gg, summary, (x, tx, T), horizon=horizon, period_length=period_length,
                               discount_rate=discount_rate, alpha=alpha)
        out = out.assign(**bounds)
    _warn_undefined(out, gg)
    return out


def _warn_undefined(out: pd.DataFrame, gg: GammaGammaModel) -> None:
    """Count and explain every customer whose CLV outputs are not finite (none should be)."""
    bad = ~np.isfinite(out.to_numpy(dtype="float64")).all(axis=1)
    if not bad.any():
        return
    q = float(gg.params_["q"])
    no_spend = ~np.isfinite(out["expected_spend"].to_numpy())
    if no_spend.any() and q <= 1:
        why = (f"the Gamma-Gamma fit has q = {q:.3g} <= 1, so the population mean spend per purchase, which "
               f"customers without repeat purchases are given, is infinite ({int(no_spend.sum())} customers); "
               "more repeat buyers, or a GammaGammaModel(penalizer=...) fit, gives it a finite value")
    else:
        why = "the fitted models give no finite prediction for them"
    warnings.warn(
        f"{int(bad.sum())} of {len(out)} customers have NaN or infinite CLV outputs: {why}.",
        ModelFitWarning,
        stacklevel=3,
    )
