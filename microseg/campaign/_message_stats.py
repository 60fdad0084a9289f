"""The statistics of the message matrix: an empirical Bayes (Gaussian hierarchical) model of cell uplifts.

Each cell ``i`` (a segment × message × channel) has an observed uplift
``y_i = rate_treated_i - rate_control_s`` against its segment's control group.
Its sampling covariance ``S`` is binomial: ``v_i`` on the diagonal, plus the
control group's variance ``c_s`` between every two cells of the same segment
(they share it). The true uplifts follow an additive model plus a cell effect::

    d = X beta + u,   u ~ N(0, tau2 I),   y ~ N(d, S)

``X`` holds the segment, message and channel main effects,
so a cell with few contacts is pulled towards its segment's average plus its
message's (and channel's) average. ``tau2`` is estimated by restricted
maximum likelihood; ``beta`` has a flat prior. Given ``tau2`` the posterior of
``d`` is Gaussian with (``G = tau2 I``, ``V = S + G``,
``A = (X' V^-1 X)^-1``)::

    mean = X b + G V^-1 (y - X b),          b = A X' V^-1 y
    cov  = G - G V^-1 G + (X - G V^-1 X) A (X - G V^-1 X)'

which accounts for the uncertainty of ``beta`` (not of ``tau2``).

``V`` is block diagonal, one block per segment, each a diagonal plus a
constant (``diag(v + tau2) + c_s 11'``), so its inverse and determinant are
closed-form (Sherman–Morrison) and everything runs on padded
``(segments, arms)`` arrays: the cost grows linearly with the number of
segments. Cells that cannot be estimated get ``1 / d = 0`` and drop out.
"""

from __future__ import annotations

import numpy as np
from scipy import optimize


def binomial_variance(x, n) -> np.ndarray:
    """Variance of a rate ``x / n``, with the rate estimated as ``(x + 0.5) / (n + 1)`` so it is never zero."""
    x, n = np.asarray(x, float), np.asarray(n, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (x + 0.5) / (n + 1)
        return p * (1 - p) / n


def design(est: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The message and channel main effects, padded ``(segments, arms, q)`` and treatment-coded.

    The segment effects (one per segment, no intercept: the same column space
    as an intercept plus segment contrasts) are handled analytically by
    :class:`_Fit`. Levels without an estimable cell get no column; cells not
    estimable are all zero.
    """
    n_seg, n_arm = est.shape
    grids = np.meshgrid(*[np.arange(k) for k in shape], indexing="ij")
    cols = []
    for g in grids:
        c = np.broadcast_to(g.reshape(1, n_arm), (n_seg, n_arm))
        present = np.flatnonzero(np.bincount(c[est], minlength=int(g.max()) + 1) > 0)
        cols.extend((c == lv).astype(float) for lv in present[1:])
    return np.stack(cols, axis=-1) * est[:, :, None] if cols else np.zeros((n_seg, n_arm, 0))


class _Blocks:
    """``V = diag(v + tau2) + c_s 11'`` per segment, on padded arrays; ``apply`` multiplies by ``V^-1``."""

    def __init__(self, v, c, est, tau2):
        with np.errstate(divide="ignore"):
            self.inv_d = np.where(est, 1.0 / (np.where(est, v, 1.0) + tau2), 0.0)
        h = self.inv_d.sum(axis=1)
        c = np.where(est.any(axis=1), c, 0.0)
        self.w = c / (1 + c * h)
        self.logdet = float(-np.log(self.inv_d[est]).sum() + np.log1p(c * h).sum())

    def apply(self, m: np.ndarray) -> np.ndarray:
        """``V^-1 m`` for ``m`` of shape (segments, arms) or (segments, arms, k)."""
        inv_d = self.inv_d if m.ndim == 2 else self.inv_d[:, :, None]
        u = m * inv_d
        s = u.sum(axis=1, keepdims=True)
        w = self.w[:, None] if m.ndim == 2 else self.w[:, None, None]
        return u - w * inv_d * s

    def block(self) -> np.ndarray:
        """``V^-1`` within each segment: (segments, arms, arms)."""
        eye = np.eye(self.inv_d.shape[1])
        return eye * self.inv_d[:, :, None] - self.w[:, None, None] * self.inv_d[:, :, None] * self.inv_d[:, None, :]


class _Fit:
    """Generalised least squares of the segment effects and ``Z`` (message, channel) given ``V``.

    ``X' V^-1 X`` has a diagonal segment block (``V^-1`` is block diagonal by
    segment), so its inverse comes from the small Schur complement over ``Z``.
    """

    def __init__(self, y, Z, est, blocks: _Blocks):
        one = est.astype(float)
        self.vi1 = blocks.apply(one)
        self.viz = blocks.apply(Z)
        D = (one * self.vi1).sum(axis=1)  # 1' V_s^-1 1
        B = np.einsum("sa,saq->sq", one, self.viz)  # 1' V_s^-1 Z_s
        C = np.einsum("saq,sar->qr", Z, self.viz)
        g = (self.vi1 * y).sum(axis=1)
        hz = np.einsum("saq,sa->q", self.viz, y)
        self.ok = D > 0
        self.D = np.where(self.ok, D, 1.0)
        self.u = np.where(self.ok[:, None], B / self.D[:, None], 0.0)
        schur = C - np.einsum("sq,sr->qr", B, self.u)
        sign, logdet = np.linalg.slogdet(schur) if schur.size else (1.0, 0.0)
        self.logdet = float(np.log(self.D[self.ok]).sum() + logdet) if sign > 0 else np.inf
        self.cinv = np.linalg.pinv(schur, hermitian=True) if schur.size else np.zeros((0, 0))
        self.gamma = self.cinv @ (hz - self.u.T @ np.where(self.ok, g, 0.0))
        self.alpha = np.where(self.ok, (g - B @ self.gamma) / self.D, 0.0)
        self.fitted = self.alpha[:, None] + Z @ self.gamma


def _reml(log_tau2: float, y, v, c, est, Z) -> float:
    """Minus twice the restricted log-likelihood (up to a constant) at ``tau2 = exp(log_tau2)``."""
    blocks = _Blocks(v, c, est, np.exp(log_tau2))
    fit = _Fit(y, Z, est, blocks)
    r = np.where(est, y - fit.fitted, 0.0)
    return blocks.logdet + fit.logdet + float((r * blocks.apply(r)).sum())


def estimate_tau2(y, v, c, est, X) -> float:
    """REML estimate of the between-cell variance ``tau2`` (0 when the cells agree with the additive model)."""
    if est.sum() <= est.any(axis=1).sum() + X.shape[-1]:
        return 0.0
    scale = max(float(np.var(y[est])), float(np.mean(v[est])), 1e-12)
    args = (y, v, c, est, X)
    res = optimize.minimize_scalar(_reml, bounds=(np.log(scale * 1e-6), np.log(scale * 10)), args=args,
                                   method="bounded", options={"xatol": 1e-4})
    # the boundary tau2 = 0 (no cell effects beyond the additive model) wins when its likelihood is at least as high
    return 0.0 if _reml(-np.inf, *args) <= res.fun else float(np.exp(res.x))


def posterior(y, v, c, est, X, tau2: float):
    """Posterior mean ``(segments, arms)``, within-segment covariance ``(segments, arms, arms)`` and prior mean ``X b``.

    ``X`` is the padded message/channel design of :func:`design`; the segment
    effects are added by :class:`_Fit`.
    """
    blocks = _Blocks(v, c, est, tau2)
    fit = _Fit(y, X, est, blocks)
    mean = fit.fitted + tau2 * blocks.apply(np.where(est, y - fit.fitted, 0.0))
    # (X - G V^-1 X) A (X - G V^-1 X)' within a segment, with A from the Schur complement:
    # k_a k_b / D_s + L_a C^-1 L_b', where k = 1 - tau2 V^-1 1 and L = (Z - tau2 V^-1 Z) - k u_s
    k = est - tau2 * fit.vi1
    L = (X - tau2 * fit.viz) - k[:, :, None] * fit.u[:, None, :]
    cov = k[:, :, None] * k[:, None, :] / fit.D[:, None, None] + np.einsum("saq,qr,sbr->sab", L, fit.cinv, L)
    cov = cov - tau2**2 * blocks.block() + tau2 * np.eye(est.shape[1])
    cov = np.where(est[:, :, None] & est[:, None, :], (cov + cov.transpose(0, 2, 1)) / 2, np.nan)
    return np.where(est, mean, np.nan), cov, np.where(est, fit.fitted, np.nan)
