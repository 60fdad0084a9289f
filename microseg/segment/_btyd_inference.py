"""Parameter uncertainty of the CLV models: observed information, summaries and delta-method intervals.

Every CLV model is fitted by maximum likelihood over its log-parameters. The
observed information is minus the Hessian of the total log-likelihood at the
optimum, taken here by central finite differences in log-parameter space; its
inverse is the asymptotic covariance of the log-parameters. Standard errors
of the parameters follow by the delta method (``se(theta) = theta se(log
theta)``), and intervals are taken on the log scale, then transformed back, so
they stay positive.

Intervals on expectations (expected purchases, CLV) use the delta method on
the log of the expectation: ``log f(theta) +- z sqrt(g' Sigma g)`` with ``g``
the gradient of ``log f`` in the log-parameters, again by central differences.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
from scipy.stats import norm
from sklearn.utils.validation import check_is_fitted

from ..errors import MicrosegError, ModelFitWarning
from ._btyd_data import compress

__all__ = ["check_alpha", "covariance", "delta_log_interval", "hessian", "summary_frame"]

#: step of the central differences in log-parameter space
STEP = 1e-4


def check_alpha(alpha) -> float:
    """``alpha`` as a float in (0, 1), or a clear error."""
    try:
        a = float(alpha)
    except (TypeError, ValueError):
        a = np.nan
    if not 0 < a < 1:
        raise MicrosegError(f"alpha must be a number in (0, 1) (0.05 gives 95 % intervals), got {alpha!r}.")
    return a


def hessian(f, x0, step: float = STEP) -> np.ndarray:
    """Hessian of the scalar function ``f`` at ``x0`` by central differences (``1 + 2k^2`` calls)."""
    x0 = np.asarray(x0, dtype="float64")
    k = len(x0)
    f0 = f(x0)
    H = np.empty((k, k))
    e = np.eye(k) * step
    fp = np.array([f(x0 + e[i]) for i in range(k)])
    fm = np.array([f(x0 - e[i]) for i in range(k)])
    for i in range(k):
        H[i, i] = (fp[i] - 2 * f0 + fm[i]) / step**2
        for j in range(i):
            fpp = f(x0 + e[i] + e[j])
            fmm = f(x0 - e[i] - e[j])
            # f(x+ei+ej) + f(x-ei-ej) - f(x+ei) - f(x-ei) - f(x+ej) - f(x-ej) + 2 f(x) = 2 h^2 H_ij + O(h^4)
            H[i, j] = H[j, i] = (fpp + fmm - fp[i] - fm[i] - fp[j] - fm[j] + 2 * f0) / (2 * step**2)
    return H


def covariance(loglik, log_params) -> tuple[np.ndarray, int]:
    """Asymptotic covariance of the log-parameters (the inverse observed information), and its flat directions.

    ``loglik(log_params)`` is the TOTAL log-likelihood. When the information
    is not positive definite (a fit at a boundary, where the data do not
    identify every parameter), the directions without information get no
    variance (pseudo-inverse); their number is returned with the matrix.
    """
    H = hessian(loglik, log_params)
    info = -(H + H.T) / 2
    if not np.isfinite(info).all():
        return np.zeros_like(info), len(info)
    w, v = np.linalg.eigh(info)
    ok = w > 1e-10 * max(float(np.max(np.abs(w))), 1e-300)
    inv_w = np.where(ok, 1.0 / np.where(ok, w, 1.0), 0.0)
    return (v * inv_w) @ v.T, int((~ok).sum())


def summary_frame(names, values, cov_log, *, alpha: float, model: str) -> pd.DataFrame:
    """One row per parameter: ``estimate, se, low, high`` (log-scale interval) and the ``model`` they belong to."""
    alpha = check_alpha(alpha)
    values = np.asarray(values, dtype="float64")
    se_log = np.sqrt(np.maximum(np.diag(cov_log), 0.0))
    z = norm.ppf(1 - alpha / 2)
    big = np.finfo("float64").max
    with np.errstate(over="ignore"):
        factor = np.exp(np.minimum(z * se_log, 700.0))  # finite however flat the likelihood
        out = pd.DataFrame(
            {
                "estimate": values,
                "se": np.minimum(values * se_log, big),
                "low": values / factor,
                "high": np.minimum(values * factor, big),
                "model": model,
            },
            index=pd.Index(list(names), name="parameter"),
        )
    out.attrs["alpha"] = alpha
    return out


def delta_log_interval(func, log_params, cov_log, *, alpha: float, step: float = 1e-3):
    """Delta-method interval of a positive, vector-valued ``func(log_params)``, taken on the log scale.

    Returns ``(estimate, low, high, var_log)``; ``var_log`` is the variance of
    ``log func``, so independent factors of a product add their variances.
    Entries equal to 0 get a zero-width interval.
    """
    z = norm.ppf(1 - check_alpha(alpha) / 2)
    log_params = np.asarray(log_params, dtype="float64")
    f0 = np.asarray(func(log_params), dtype="float64")
    var = np.zeros(f0.shape)
    if cov_log.size:
        grads = []
        with np.errstate(divide="ignore", invalid="ignore"):
            for i in range(len(log_params)):
                e = np.zeros(len(log_params))
                e[i] = step
                up = np.log(np.asarray(func(log_params + e), dtype="float64"))
                down = np.log(np.asarray(func(log_params - e), dtype="float64"))
                grads.append(np.where(f0 > 0, (up - down) / (2 * step), 0.0))
        G = np.stack(grads, axis=-1)
        var = np.einsum("...i,ij,...j->...", G, cov_log, G)
        var = np.where(np.isfinite(var), np.maximum(var, 0.0), 0.0)
    low, high = log_interval(f0, var, z)
    return f0, low, high, var


def log_interval(est, var_log, z):
    """``est * exp(-+ z sd)``: the interval of a positive quantity from the variance of its log."""
    sd = np.sqrt(var_log)
    with np.errstate(over="ignore", invalid="ignore"):
        return est * np.exp(-z * sd), est * np.exp(z * sd)


class ParameterUncertainty:
    """Mixin of the CLV models: ``covariance_`` at fit, ``summary()`` and evaluation at other parameters.

    A model provides ``_free()`` (its estimated parameters as a Series, and the
    name of the model they belong to); ``_with_free(values)`` (a copy of
    itself with those parameters replaced) and ``_p()`` (the fitted
    parameters as an array) have defaults for models whose ``params_`` are
    the estimated parameters.
    """

    def _with_free(self, values):
        out = copy.copy(self)
        out.params_ = pd.Series(values, index=self.params_.index, name=self.params_.name)
        return out

    def _p(self):
        check_is_fitted(self, "params_")
        return self.params_.to_numpy()

    def _set_covariance(self, total_loglik) -> None:
        values, _ = self._free()
        cov, self._n_flat = covariance(total_loglik, np.log(values.to_numpy(dtype="float64")))
        self.covariance_ = pd.DataFrame(cov, index=values.index, columns=values.index)

    def summary(self, *, alpha: float = 0.05) -> pd.DataFrame:
        """Parameter estimates with standard errors and intervals from the observed information.

        Parameters
        ----------
        alpha : float, default 0.05
            The intervals are at level ``1 - alpha``.

        Returns
        -------
        DataFrame
            One row per estimated parameter: ``estimate``, ``se`` (delta
            method from the inverse Hessian of the log-likelihood in the
            log-parameters), ``low`` and ``high`` (taken on the log scale, then
            transformed back) and ``model``: the model the parameters belong
            to. When a BG/NBD fit runs to a boundary (``limit_``), the rows are
            the limiting model's parameters and ``model`` says so.

        Examples
        --------
        >>> import pandas as pd, microseg as ms
        >>> s = pd.DataFrame({"frequency": [0, 1, 4, 2, 0, 6, 3, 1], "recency": [0, 20, 30, 5, 0, 38, 36, 9],
        ...                   "T": [40, 39, 38, 40, 35, 39, 40, 38]})
        >>> table = ms.BetaGeoModel().fit(s).summary()
        >>> list(table.columns)
        ['estimate', 'se', 'low', 'high', 'model']
        """
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "covariance_")
        values, label = self._free()
        if getattr(self, "_n_flat", 0):
            warnings.warn(
                f"{label}: the observed information is singular ({self._n_flat} of {len(values)} directions carry "
                "no information: the fit is at a boundary where the data do not identify every parameter); those "
                "directions get no variance, so the standard errors and intervals understate the uncertainty.",
                ModelFitWarning,
                stacklevel=2,
            )
        table = summary_frame(values.index, values.to_numpy(dtype="float64"), self.covariance_.to_numpy(),
                              alpha=alpha, model=label)
        loose = table.index[np.sqrt(np.maximum(np.diag(self.covariance_.to_numpy()), 0.0)) > 5.0]
        if len(loose):
            warnings.warn(
                f"{label}: the data barely identify {', '.join(map(str, loose))} (standard error of the log above 5: "
                "the interval spans more than four orders of magnitude); the fit runs towards a boundary of the "
                "parameter space, and predictions there rest on its limit.",
                ModelFitWarning,
                stacklevel=2,
            )
        return table


def discounted_purchases(model, x, tx, T, *, horizon: int, period_length: float, discount_rate: float):
    """Discounted expected purchases over ``horizon`` periods, and the undiscounted total.

    Computed once per distinct (frequency, recency, T) row, then spread back to the customers.
    """
    (ux, utx, uT), _, inverse = compress(x, tx, T, return_inverse=True)
    disc = np.zeros(len(ux))
    prev = np.zeros(len(ux))
    for i in range(1, horizon + 1):  # a loop over periods, not over customers
        cum = model._expected(ux, utx, uT, i * period_length)
        disc += (cum - prev) / (1 + discount_rate) ** i
        prev = cum
    return disc[inverse], prev[inverse]


def clv_intervals(purchases, spend, summary, arrays, *, horizon, period_length, discount_rate, alpha):
    """Delta-method intervals of the expected purchases and the CLV, from both models' covariances.

    The CLV is the product of the discounted expected purchases (BG/NBD or
    Pareto/NBD parameters) and the expected spend (Gamma-Gamma parameters);
    the two models are fitted on separate likelihoods, so the variances of the
    logs add.
    """
    z = norm.ppf(1 - check_alpha(alpha) / 2)
    (x, tx, T), _, inverse = compress(*arrays, return_inverse=True)  # purchases depend on these rows only
    vb, _ = purchases._free()
    vg, _ = spend._free()

    def f_purchases(lv):
        return np.stack(discounted_purchases(purchases._with_free(np.exp(lv)), x, tx, T, horizon=horizon,
                                             period_length=period_length, discount_rate=discount_rate))

    def f_spend(lv):
        return spend._with_free(np.exp(lv)).expected_spend(summary).to_numpy()

    (disc, cum), _, _, var_p = delta_log_interval(f_purchases, np.log(vb.to_numpy(dtype="float64")),
                                                  _cov(purchases), alpha=alpha)
    value, _, _, var_s = delta_log_interval(f_spend, np.log(vg.to_numpy(dtype="float64")), _cov(spend), alpha=alpha)
    disc, cum, var_p = disc[inverse], cum[inverse], var_p[:, inverse]
    ep_low, ep_high = log_interval(cum, var_p[1], z)
    clv_low, clv_high = log_interval(value * disc, var_p[0] + var_s, z)
    return {"expected_purchases_low": ep_low, "expected_purchases_high": ep_high,
            "clv_low": clv_low, "clv_high": clv_high}


def _cov(model) -> np.ndarray:
    """The model's ``covariance_``; parameters set by hand (no ``covariance_``) are taken as known."""
    cov = getattr(model, "covariance_", None)
    return np.zeros((0, 0)) if cov is None else cov.to_numpy()
