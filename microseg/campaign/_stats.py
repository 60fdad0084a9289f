"""Statistics of campaign read-outs: mean differences, ratio metrics, CUPED and test-health checks.

Private helpers of :mod:`microseg.campaign.readouts`. Every function works on
one comparison (one segment's treatment and control arms) given as plain
arrays; the read-out loops over segments, never over rows.

- :func:`welch` : difference of means with Welch's t interval and p-value
  (the numbers of ``scipy.stats.ttest_ind(equal_var=False)``);
- :func:`bootstrap` : the same difference with a percentile-bootstrap interval
  (resampling customers within each arm);
- :func:`ratio_delta` : difference of ratio metrics ``sum(y) / sum(x)`` (e.g.
  spend per visit) with delta-method standard errors, since the denominator is
  not the randomisation unit;
- :func:`cuped` : the CUPED adjustment ``y - theta (x - mean(x))`` with a
  pre-period covariate (Deng, Xu, Kohavi & Walker, WSDM 2013);
- :func:`srm_test` : chi-square test of arm sizes against the intended split;
- :func:`smd` : standardised mean difference of a pre-period column.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["welch", "bootstrap", "ratio_delta", "cuped", "srm_test", "smd"]

_NAN_ROW = dict(mean_t=np.nan, mean_c=np.nan, diff=np.nan, low=np.nan, high=np.nan, rel=np.nan, rel_low=np.nan, rel_high=np.nan, p=np.nan)


def _relative(m_t, m_c, var_t, var_c, z):
    """Relative lift ``m_t / m_c - 1`` with a delta-method interval on the log ratio."""
    if not (m_t > 0 and m_c > 0):
        return (m_t / m_c - 1 if m_c != 0 else np.nan), np.nan, np.nan
    se_log = np.sqrt(var_t / m_t**2 + var_c / m_c**2)
    r = np.log(m_t / m_c)
    return float(np.exp(r) - 1), float(np.exp(r - z * se_log) - 1), float(np.exp(r + z * se_log) - 1)


def welch(y_t: np.ndarray, y_c: np.ndarray, alpha: float) -> dict:
    """Difference of means ``mean(y_t) - mean(y_c)`` with Welch's t interval and two-sided p-value.

    Examples
    --------
    >>> r = welch(np.array([3.0, 4.0, 5.0, 6.0]), np.array([1.0, 2.0, 3.0]), 0.05)
    >>> round(r["diff"], 3), round(r["p"], 4)
    (2.5, 0.0346)
    """
    n_t, n_c = len(y_t), len(y_c)
    if n_t < 2 or n_c < 2:
        return dict(_NAN_ROW, mean_t=float(np.mean(y_t)) if n_t else np.nan, mean_c=float(np.mean(y_c)) if n_c else np.nan)
    m_t, m_c = float(np.mean(y_t)), float(np.mean(y_c))
    v_t, v_c = float(np.var(y_t, ddof=1)) / n_t, float(np.var(y_c, ddof=1)) / n_c
    d = m_t - m_c
    se = np.sqrt(v_t + v_c)
    if se == 0:
        p = 1.0 if d == 0 else 0.0
        low = high = d
    else:
        df = (v_t + v_c) ** 2 / (v_t**2 / (n_t - 1) + v_c**2 / (n_c - 1))
        q = stats.t.ppf(1 - alpha / 2, df)
        low, high = d - q * se, d + q * se
        p = float(2 * stats.t.sf(abs(d) / se, df))
    rel, rlo, rhi = _relative(m_t, m_c, v_t, v_c, stats.norm.ppf(1 - alpha / 2))
    return dict(mean_t=m_t, mean_c=m_c, diff=d, low=float(low), high=float(high), rel=rel, rel_low=rlo, rel_high=rhi, p=p)


def _boot_means(y: np.ndarray, n_boot: int, rng) -> np.ndarray:
    """Means of ``n_boot`` resamples of ``y`` (with replacement), drawn in chunks to bound memory."""
    n = len(y)
    out = np.empty(n_boot)
    step = max(1, int(2_000_000 // max(n, 1)))
    for start in range(0, n_boot, step):
        b = min(step, n_boot - start)
        out[start : start + b] = y[rng.randint(0, n, size=(b, n))].mean(axis=1)
    return out


def bootstrap(y_t: np.ndarray, y_c: np.ndarray, alpha: float, *, n_boot: int, rng) -> dict:
    """Difference of means with a percentile-bootstrap interval and p-value.

    Customers are resampled with replacement within each arm. The p-value is
    twice the smaller share of bootstrap differences on either side of zero
    (with the usual +1 correction, so it is never exactly 0).

    Examples
    --------
    >>> rng = np.random.RandomState(0)
    >>> r = bootstrap(rng.exponential(2.0, 400), rng.exponential(1.0, 400), 0.05, n_boot=500, rng=rng)
    >>> r["low"] < r["diff"] < r["high"] and r["low"] > 0
    True
    """
    n_t, n_c = len(y_t), len(y_c)
    if n_t < 2 or n_c < 2:
        return welch(y_t, y_c, alpha)
    m_t, m_c = float(np.mean(y_t)), float(np.mean(y_c))
    bt, bc = _boot_means(y_t, n_boot, rng), _boot_means(y_c, n_boot, rng)
    bd = bt - bc
    low, high = np.quantile(bd, [alpha / 2, 1 - alpha / 2])
    p = min(1.0, 2 * min((1 + np.sum(bd <= 0)) / (n_boot + 1), (1 + np.sum(bd >= 0)) / (n_boot + 1)))
    if m_c > 0 and m_t > 0 and (bc > 0).all() and (bt > 0).all():
        rel_b = bt / bc - 1
        rlo, rhi = np.quantile(rel_b, [alpha / 2, 1 - alpha / 2])
    else:
        rlo = rhi = np.nan
    return dict(mean_t=m_t, mean_c=m_c, diff=m_t - m_c, low=float(low), high=float(high),
                rel=(m_t / m_c - 1) if m_c != 0 else np.nan, rel_low=float(rlo), rel_high=float(rhi), p=float(p))


def _ratio_var(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    """Ratio ``sum(y) / sum(x)`` and its delta-method variance."""
    n = len(y)
    mx, my = float(np.mean(x)), float(np.mean(y))
    r = my / mx
    vy, vx = float(np.var(y, ddof=1)), float(np.var(x, ddof=1))
    cxy = float(np.cov(y, x, ddof=1)[0, 1])
    return r, (vy - 2 * r * cxy + r**2 * vx) / (n * mx**2)


def ratio_delta(y_t, x_t, y_c, x_c, alpha: float) -> dict:
    """Difference of ratio metrics ``sum(y)/sum(x)`` between arms, delta-method interval, z-test p-value.

    ``Var(R) = (s_y^2 - 2 R s_xy + R^2 s_x^2) / (n mean(x)^2)`` per arm, with
    ``n`` the customers (the randomisation unit), so visits or orders of one
    customer are not treated as independent.

    Examples
    --------
    >>> y, x = np.array([10.0, 0.0, 30.0, 20.0]), np.array([1.0, 1.0, 2.0, 2.0])
    >>> r = ratio_delta(y, x, np.array([5.0, 5.0, 10.0]), np.array([1.0, 1.0, 2.0]), 0.05)
    >>> round(r["mean_t"], 3), round(r["mean_c"], 3), round(r["diff"], 3)
    (10.0, 5.0, 5.0)
    """
    if len(y_t) < 2 or len(y_c) < 2 or np.sum(x_t) <= 0 or np.sum(x_c) <= 0:
        return dict(_NAN_ROW)
    r_t, v_t = _ratio_var(y_t, x_t)
    r_c, v_c = _ratio_var(y_c, x_c)
    z = stats.norm.ppf(1 - alpha / 2)
    d = r_t - r_c
    se = np.sqrt(v_t + v_c)
    p = float(2 * stats.norm.sf(abs(d) / se)) if se > 0 else (1.0 if d == 0 else 0.0)
    rel, rlo, rhi = _relative(r_t, r_c, v_t, v_c, z)
    return dict(mean_t=r_t, mean_c=r_c, diff=d, low=float(d - z * se), high=float(d + z * se), rel=rel, rel_low=rlo, rel_high=rhi, p=p)


def cuped(y: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, float]:
    """CUPED-adjusted outcome ``y - theta (x - mean(x))``, ``theta = cov(y, x) / var(x)``, pooled over both arms.

    Since treatment is randomised, ``x`` (measured before the test) has the
    same mean in both arms, so the adjusted difference of means estimates the
    same effect with variance reduced by the factor ``1 - corr(y, x)^2``.

    Examples
    --------
    >>> y_adj, theta = cuped(np.array([1.0, 2.0, 3.0, 5.0]), np.array([1.0, 2.0, 3.0, 4.0]))
    >>> round(theta, 2), y_adj.round(2).tolist()
    (1.3, [2.95, 2.65, 2.35, 3.05])
    """
    vx = float(np.var(x, ddof=1)) if len(x) > 1 else 0.0
    if not vx > 0:
        return y.astype("float64"), 0.0
    theta = float(np.cov(y, x, ddof=1)[0, 1]) / vx
    return y - theta * (x - np.mean(x)), theta


def srm_test(n_t, n_c, control_share: float) -> np.ndarray:
    """p-value of the chi-square goodness-of-fit test (1 df) of arm sizes against the intended split.

    Examples
    --------
    >>> srm_test(np.array([5000, 5200]), np.array([5000, 4800]), 0.5).round(4).tolist()
    [1.0, 0.0001]
    """
    n_t, n_c = np.asarray(n_t, dtype="float64"), np.asarray(n_c, dtype="float64")
    n = n_t + n_c
    e_t, e_c = n * (1 - control_share), n * control_share
    with np.errstate(divide="ignore", invalid="ignore"):
        chi2 = (n_t - e_t) ** 2 / e_t + (n_c - e_c) ** 2 / e_c
    return np.where(n > 0, stats.chi2.sf(chi2, 1), np.nan)


def smd(x_t: np.ndarray, x_c: np.ndarray) -> float:
    """Standardised mean difference ``(mean_t - mean_c) / sqrt((s_t^2 + s_c^2) / 2)``.

    Examples
    --------
    >>> float(smd(np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, 2.0])))
    1.0
    """
    s = float(np.sqrt((np.var(x_t, ddof=1) + np.var(x_c, ddof=1)) / 2))
    d = float(np.mean(x_t) - np.mean(x_c))
    return d / s if s > 0 else (0.0 if d == 0 else float(np.sign(d) * np.inf))
