"""The statistics of the message matrix: an empirical Bayes (Gaussian hierarchical) model of cell uplifts.

Each cell ``i`` (a segment × message × channel) has an observed uplift
``y_i = rate_treated_i - rate_control_s`` against its segment's control group.
Its sampling covariance ``S`` is binomial: ``v_i`` on the diagonal, plus the
control group's variance ``v_s`` between every two cells of the same segment
(they share it). The true uplifts follow an additive model plus a cell effect::

    d = X beta + u,   u ~ N(0, tau2 I),   y ~ N(d, S)

``X`` holds an intercept and the segment, message and channel main effects,
so a cell with few contacts is pulled towards its segment's average plus its
message's (and channel's) average. ``tau2`` is estimated by restricted
maximum likelihood; ``beta`` has a flat prior. Given ``tau2`` the posterior of
``d`` is Gaussian with (``G = tau2 I``, ``V = S + G``,
``A = (X' V^-1 X)^-1``)::

    mean = X b + G V^-1 (y - X b),          b = A X' V^-1 y
    cov  = G - G V^-1 G + (X - G V^-1 X) A (X - G V^-1 X)'

which accounts for the uncertainty of ``beta`` (not of ``tau2``).
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, optimize


def binomial_variance(x, n) -> np.ndarray:
    """Variance of a rate ``x / n``, with the rate estimated as ``(x + 0.5) / (n + 1)`` so it is never zero."""
    x, n = np.asarray(x, float), np.asarray(n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (x + 0.5) / (n + 1)
        return p * (1 - p) / n


def sampling_covariance(v_cell, v_control, seg) -> np.ndarray:
    """``diag(v_cell)`` plus ``v_control[seg]`` between cells of the same segment (shared control group)."""
    seg = np.asarray(seg)
    same = seg[:, None] == seg[None, :]
    return np.diag(np.asarray(v_cell, float)) + same * np.asarray(v_control, float)[seg][:, None]


def design(*codes) -> np.ndarray:
    """Intercept plus treatment-coded main effects of each factor (levels absent from the data dropped)."""
    n = len(codes[0])
    cols = [np.ones(n)]
    for c in codes:
        c = np.asarray(c)
        levels = np.sort(np.unique(c))  # a handful of small integer codes
        cols.extend((c == lv).astype(float) for lv in levels[1:])
    return np.column_stack(cols)


def _reml(log_tau2: float, y, S, X) -> float:
    """Minus twice the restricted log-likelihood (up to a constant) at ``tau2 = exp(log_tau2)``."""
    V = S + np.exp(log_tau2) * np.eye(len(y))
    try:
        c = linalg.cho_factor(V)
    except linalg.LinAlgError:
        return np.inf
    vi_x = linalg.cho_solve(c, X)
    vi_y = linalg.cho_solve(c, y)
    xtvx = X.T @ vi_x
    sign, logdet_x = np.linalg.slogdet(xtvx)
    if sign <= 0:
        return np.inf
    b = np.linalg.solve(xtvx, X.T @ vi_y)
    r = y - X @ b
    return 2 * np.log(np.diag(c[0])).sum() + logdet_x + float(r @ linalg.cho_solve(c, r))


def estimate_tau2(y, S, X) -> float:
    """REML estimate of the between-cell variance ``tau2`` (0 when the cells agree with the additive model)."""
    y, S, X = np.asarray(y, float), np.asarray(S, float), np.asarray(X, float)
    if len(y) <= X.shape[1]:
        return 0.0
    scale = max(float(np.var(y)), float(np.mean(np.diag(S))), 1e-12)
    lo, hi = np.log(scale * 1e-6), np.log(scale * 10)
    res = optimize.minimize_scalar(_reml, bounds=(lo, hi), args=(y, S, X), method="bounded", options={"xatol": 1e-4})
    tau2 = float(np.exp(res.x))
    # the boundary tau2 = 0 (no cell effects beyond the additive model) wins when its likelihood is at least as high
    zero = _reml(-np.inf, y, S, X) if np.all(np.linalg.eigvalsh(S) > 0) else np.inf
    return 0.0 if zero <= res.fun else tau2


def posterior(y, S, X, tau2: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean and covariance of the cell uplifts, and the additive prior mean ``X b``."""
    y, S, X = np.asarray(y, float), np.asarray(S, float), np.asarray(X, float)
    G = tau2 * np.eye(len(y))
    V = S + G
    vi = np.linalg.pinv(V, hermitian=True)
    A = np.linalg.pinv(X.T @ vi @ X, hermitian=True)
    b = A @ X.T @ vi @ y
    fitted = X @ b
    gvi = G @ vi
    mean = fitted + gvi @ (y - fitted)
    K = X - gvi @ X
    cov = G - gvi @ G + K @ A @ K.T
    cov = (cov + cov.T) / 2
    return mean, cov, fitted
