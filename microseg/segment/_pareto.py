"""Pareto/NBD: the reference model of repeat purchases in a non-contractual setting, by maximum likelihood.

Purchases follow a Poisson process of rate ``lambda ~ Gamma(r, alpha)``; each
customer's lifetime is exponential with rate ``mu ~ Gamma(s, beta)``. The
likelihood holds Gauss hypergeometric terms; it is evaluated in log space,
on the branch (``alpha >= beta`` or ``alpha < beta``) whose argument lies in
[0, 1), with ``scipy.special.hyp2f1`` where it returns a finite positive value
and a Gauss-Laguerre quadrature of its integral form elsewhere (large
frequencies).

References: Schmittlein, Morrison & Colombo (1987), "Counting your customers";
Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and related
expressions"; Fader, Hardie & Lee (2005), "A note on implementing the
Pareto/NBD model in MATLAB".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaln, hyp2f1, roots_laguerre
from sklearn.base import BaseEstimator

from ._btyd_data import compress, fit_log_params, require_repeat_buyers, summary_arrays
from ._btyd_inference import ParameterUncertainty

__all__ = ["ParetoNBDModel"]

_LAGUERRE = roots_laguerre(96)


def _log_hyp2f1_c_a1(a, b, z):
    """``log 2F1(a, b; a + 1; z)`` for ``z`` in [0, 1), element-wise, without overflow.

    ``2F1(a, b; a+1; z) = integral_0^inf exp(-y) (1 - z exp(-y / a))^(-b) dy``
    (substituting ``t = exp(-y / a)`` in Euler's integral), evaluated by
    Gauss-Laguerre quadrature where ``hyp2f1`` overflows or fails.
    """
    a, b, z = np.broadcast_arrays(*(np.atleast_1d(np.asarray(v, dtype="float64")) for v in (a, b, z)))
    with np.errstate(all="ignore"):
        out = np.log(hyp2f1(a, b, a + 1, z))
    bad = ~np.isfinite(out)
    if bad.any():
        y, w = _LAGUERRE
        ab, bb, zb = a[bad][:, None], b[bad][:, None], z[bad][:, None]
        terms = np.log(w)[None, :] - bb * np.log1p(-zb * np.exp(-y[None, :] / ab))
        top = terms.max(axis=1)
        out[bad] = top + np.log(np.exp(terms - top[:, None]).sum(axis=1))
    return out


def _log_a0(params, x, tx, T):
    """log of the hypergeometric term ``A0`` of the likelihood (−inf when ``tx == T``)."""
    r, alpha, s, beta = params
    a = r + s + x
    if alpha >= beta:
        b, base, diff = s + 1.0, alpha, alpha - beta
    else:
        b, base, diff = r + x, beta, beta - alpha
    l1 = _log_hyp2f1_c_a1(a, b, diff / (base + tx)) - a * np.log(base + tx)
    l2 = _log_hyp2f1_c_a1(a, b, diff / (base + T)) - a * np.log(base + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.log(-np.expm1(np.minimum(l2 - l1, 0.0)))
    return np.where(l2 < l1, l1 + gap, -np.inf)


def _g(k, u):
    """``(1 - exp(-k u)) / k``, and ``u`` when ``k = 0``: the integral of a Pareto lifetime's survival."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.abs(k) > 1e-10, -np.expm1(-k * u) / np.where(np.abs(k) > 1e-10, k, 1.0), u)


class ParetoNBDModel(ParameterUncertainty, BaseEstimator):
    """Pareto/NBD model of repeat purchases, fitted by maximum likelihood; the interface of ``BetaGeoModel``.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty on the parameters (as in lifetimes); 0 gives the plain MLE.

    Attributes
    ----------
    params_ : Series
        ``r``, ``alpha`` (purchase rates ~ Gamma(r, alpha)), ``s``, ``beta``
        (dropout rates ~ Gamma(s, beta)).
    log_likelihood_ : float
        Total log-likelihood at the optimum.
    covariance_ : DataFrame
        Asymptotic covariance of the log-parameters (inverse observed information).
    limit_ : None
        Always None (kept so that every CLV model answers the same questions).
    n_customers_ : int

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> s = pd.DataFrame({"frequency": [0, 1, 4, 2, 0, 6, 3, 1], "recency": [0, 20, 30, 5, 0, 38, 36, 9],
    ...                   "T": [40, 39, 38, 40, 35, 39, 40, 38]})
    >>> model = ms.ParetoNBDModel().fit(s)
    >>> list(model.params_.index)
    ['r', 'alpha', 's', 'beta']
    >>> bool(model.probability_alive(s).between(0, 1).all())
    True
    """

    limit_ = None

    def __init__(self, penalizer: float = 0.0):
        self.penalizer = penalizer

    @staticmethod
    def _loglik(params, x, tx, T):
        r, alpha, s, beta = params
        head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        stay = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        left = np.log(s) - np.log(r + s + x) + _log_a0(params, x, tx, T)
        return head + np.logaddexp(stay, left)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True  # purchase counts and periods are never negative
        return tags

    def fit(self, X, y=None):
        """Fit the model on the btyd summary ``X`` (a DataFrame, or an array of frequency, recency, T)."""
        (x, tx, T), _ = summary_arrays(X, estimator=self)
        require_repeat_buyers(x, "Pareto/NBD")
        pen = float(self.penalizer)
        n = len(x)
        scale = max(float(T.mean()), 1.0)
        (x, tx, T), w = compress(x, tx, T)  # the likelihood over distinct rows, weighted

        def nll(logp):
            p = np.exp(logp)
            return -(w * self._loglik(p, x, tx, T)).sum() / n + pen * (p**2).sum()

        params, _ = fit_log_params(nll, 4, x0=np.array([0.5, scale / 4, 0.5, scale]))
        self.params_ = pd.Series(params, index=["r", "alpha", "s", "beta"], name="Pareto/NBD")
        self.log_likelihood_ = float((w * self._loglik(params, x, tx, T)).sum())
        self.n_customers_ = n
        self._set_covariance(lambda lv: (w * self._loglik(np.exp(lv), x, tx, T)).sum())
        return self

    def _free(self):
        return self.params_, "Pareto/NBD"

    def _log_death_odds(self, x, tx, T):
        r, alpha, s, beta = p = self._p()
        return (np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + T) + s * np.log(beta + T)
                + _log_a0(p, x, tx, T))

    def _alive(self, x, tx, T):
        return 1.0 / (1.0 + np.exp(np.minimum(self._log_death_odds(x, tx, T), 700.0)))

    def probability_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of the observation (T)."""
        (x, tx, T), index = summary_arrays(summary)
        return pd.Series(self._alive(x, tx, T), index=index, name="probability_alive")

    def _expected(self, x, tx, T, t):
        r, alpha, s, beta = self._p()
        if t <= 0:
            return np.zeros_like(x)
        alive_rate = (r + x) * (beta + T) / (alpha + T)
        return alive_rate * _g(s - 1.0, np.log1p(t / (beta + T))) * self._alive(x, tx, T)

    def expected_purchases(self, summary: pd.DataFrame, t: float) -> pd.Series:
        """Expected number of purchases of each customer in the next ``t`` periods."""
        (x, tx, T), index = summary_arrays(summary)
        return pd.Series(self._expected(x, tx, T, float(t)), index=index, name="expected_purchases")

    def expected_purchases_new(self, t: float) -> float:
        """Expected purchases in ``t`` periods of a new customer, E[X(t)]."""
        r, alpha, s, beta = self._p()
        if t <= 0:
            return 0.0
        return float(r * beta / alpha * _g(s - 1.0, np.log1p(float(t) / beta)))
