"""BG/NBD numerics that stay finite: the boundary fits, their closed forms, and a quadrature fallback.

The BG/NBD likelihood has two limits inside its parameter space's closure that
real data reach (customers who buy at random reach both):

* **no dropout**, ``a / (a + b) -> 0``: the model becomes the NBD
  (gamma-mixed Poisson purchases, nobody leaves);
* **no heterogeneity**, ``r, alpha -> inf`` with ``r / alpha`` fixed: every
  customer buys at the same Poisson rate ``lambda = r / alpha`` (with
  geometric dropout, or without it when both limits are reached: a plain
  Poisson process).

At those limits ``scipy.special.hyp2f1`` is asked for huge parameters and
returns NaN. This module fits the limiting models, so a fit that runs to a
boundary can be recognised (its log-likelihood is no better than the
limit's), and evaluates every expectation in a form that stays finite:

* the limits' closed forms: ``(r + x) t / (alpha + T)`` for the NBD and
  ``lambda t`` for the Poisson process;
* otherwise the conditional expectation written as a one-dimensional integral
  over the dropout probability ``p ~ Beta(a, b + x)`` of the alive customer's
  expected purchases ``(1 - E[exp(-lambda p t)]) / p``, computed by
  Gauss-Jacobi quadrature. ``hyp2f1`` is used where it is accurate (its value
  lies within the bounds the integral obeys); the quadrature replaces it
  elsewhere.

Reference: Fader, Hardie & Lee (2005), "Counting your customers the easy way",
Marketing Science 24(2), and its technical note on the conditional expectation.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import eigh_tridiagonal
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1, xlogy
from threadpoolctl import threadpool_limits

from ._btyd_data import guarded

#: names of the limiting models, from the simplest
POISSON, NBD, POISSON_DROPOUT = "poisson", "nbd", "poisson_dropout"

LIMIT_WORDS = {
    POISSON: "no customer drops out and every customer buys at the same rate (a Poisson process)",
    NBD: "no customer drops out (a / (a + b) -> 0); purchase rates still vary between customers (the NBD model)",
    POISSON_DROPOUT: "every customer buys at the same rate (r, alpha -> infinity with r / alpha fixed); "
    "customers still drop out",
}

_N_NODES = 48
_MAX_NODES = 800


def _minimize(nll, x0):
    with threadpool_limits(limits=1, user_api="blas"), np.errstate(all="ignore"):  # see _btyd_data.fit_log_params
        res = minimize(guarded(nll), np.log(x0), method="L-BFGS-B",
                       options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 2_000})
    return np.exp(res.x), -res.fun


def poisson_rate(x, T) -> float:
    """Maximum-likelihood purchase rate of the Poisson process: repeat purchases over time observed."""
    total = float(np.sum(T))
    return float(np.sum(x)) / total if total > 0 else 0.0


def poisson_loglik(lam, x, tx, T):
    """Per-customer log-likelihood of a Poisson process of rate ``lam`` observed over ``T``."""
    return xlogy(x, lam) - lam * T


def nbd_loglik(params, x, tx, T):
    """Per-customer log-likelihood of the NBD (BG/NBD without dropout)."""
    r, alpha = params
    return gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + T)


def poisson_dropout_loglik(params, x, tx, T):
    """Per-customer log-likelihood of BG/NBD without heterogeneity: rate ``lam``, dropout ``Beta(a, b)``."""
    lam, a, b = params
    a1 = xlogy(x, lam)
    a2 = betaln(a, b + x) - betaln(a, b)
    a3 = -lam * T
    with np.errstate(divide="ignore", invalid="ignore"):
        a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - lam * tx, -np.inf)
    return a1 + a2 + np.logaddexp(a3, a4)


def fit_limit(kind: str, x, tx, T, full_params):
    """Fit one limiting model; return ``(params, total log-likelihood)``.

    ``full_params`` (r, alpha, a, b of the BG/NBD fit) give the starting point.
    """
    r, alpha, a, b = full_params
    n = len(x)
    if kind == POISSON:
        lam = poisson_rate(x, T)
        return np.array([lam]), float(poisson_loglik(lam, x, tx, T).sum())
    if kind == NBD:
        p, _ = _minimize(lambda lp: -nbd_loglik(np.exp(lp), x, tx, T).sum() / n,
                         np.array([min(max(r, 1e-3), 1e6), min(max(alpha, 1e-3), 1e8)]))
        return p, float(nbd_loglik(p, x, tx, T).sum())
    lam0 = max(r / alpha, 1e-12)
    p, _ = _minimize(lambda lp: -poisson_dropout_loglik(np.exp(lp), x, tx, T).sum() / n,
                     np.array([lam0, min(max(a, 1e-6), 1e3), min(max(b, 1e-6), 1e6)]))
    return p, float(poisson_dropout_loglik(p, x, tx, T).sum())


def find_limit(x, tx, T, full_params, full_loglik: float):
    """The simplest limiting model whose fit is as good as the full BG/NBD fit, or None.

    A limit is checked only when the fit has moved towards it (mean dropout
    probability below 1e-3, or r above 100); it is taken when its
    log-likelihood is within ``1e-3 + 1e-9 |LL|`` of the full fit's, i.e.
    when the extra parameters explain nothing.

    Returns
    -------
    (kind, params, loglik) or None
    """
    r, alpha, a, b = full_params
    tol = 1e-3 + 1e-9 * abs(full_loglik)
    toward_no_dropout = a / (a + b) < 1e-3
    toward_no_heterogeneity = r > 100
    kinds = []
    if toward_no_dropout and toward_no_heterogeneity:
        kinds.append(POISSON)
    if toward_no_dropout:
        kinds.append(NBD)
    if toward_no_heterogeneity:
        kinds.append(POISSON_DROPOUT)
    best = None
    for kind in kinds:
        params, ll = fit_limit(kind, x, tx, T, full_params)
        if np.isfinite(ll) and ll >= full_loglik - tol and (best is None or ll > best[2] + tol):
            best = (kind, params, ll)
    return best


# ----------------------------------------------------------------------------- expectations
def _jacobi(a: float, bprime: float, n: int):
    """``n`` nodes and weights (summing to 1) of the Beta(a + 1, bprime) distribution on (0, 1).

    Golub-Welsch on the Jacobi polynomials' recurrence, for the weight
    ``(1 - u)^al (1 + u)^be`` with ``al = bprime - 1``, ``be = a`` and
    ``p = (1 + u) / 2``. The weights come from the eigenvectors alone, so no
    normalising constant (whose gamma functions overflow for a large
    ``bprime``, as in ``scipy.special.roots_jacobi``) is needed.
    """
    al, be = bprime - 1.0, a
    k = np.arange(n, dtype="float64")
    s = 2 * k + al + be
    diag = np.empty(n)
    diag[0] = (be - al) / (al + be + 2)
    diag[1:] = (be**2 - al**2) / (s[1:] * (s[1:] + 2))
    k1, s1 = k[1:], s[1:]
    off = np.sqrt(4 * k1 * (k1 + al) * (k1 + be) * (k1 + al + be) / (s1**2 * (s1 + 1) * (s1 - 1)))
    u, vec = eigh_tridiagonal(diag, off)
    w = vec[0] ** 2
    return np.clip((1.0 + u) / 2.0, 0.0, 1.0), w / w.sum()


def _n_nodes(steep: float) -> int:
    """Nodes for an integrand that changes over a scale of ``1 / steep`` in p (Gauss error ~ rho^-2n)."""
    return int(min(_MAX_NODES, _N_NODES + 16 * np.sqrt(max(steep, 0.0)) + max(steep, 0.0) / 2))


def beta_expectation(a: float, bprime: np.ndarray, h, h0: np.ndarray, steep: np.ndarray) -> np.ndarray:
    """``E[h(p)]`` for ``p ~ Beta(a, bprime)``, row by row, for a bounded ``h`` smooth on [0, 1].

    Written as ``h(0) + a / (a + bprime) E_{Beta(a+1, bprime)}[(h(p) - h(0)) / p]``,
    which stays accurate however small ``a`` is (the mass of ``Beta(a, .)``
    piles up at 0, where ``h`` is finite). ``h(p, rows)`` evaluates ``h`` at
    the nodes ``p`` (shape (k, nodes)) for the rows ``rows``; ``steep`` (per
    row) is how fast ``h`` changes, which sets the number of nodes.
    """
    out = np.empty(len(bprime))
    for value in np.unique(bprime):  # one set of nodes per distinct b + x (few: x is a count)
        rows = np.flatnonzero(bprime == value)
        # Beta(a + 1, b') is a point mass at 1 as b' -> 0; nodes for b' < 1e-6 are those of 1e-6 (Jacobi's
        # weight is singular at b' = 0), the factor a / (a + b') below stays exact
        p, w = _jacobi(a, max(float(value), 1e-6), _n_nodes(float(np.max(steep[rows]))))
        hp = h(p[None, :], rows)
        g = (hp - h0[rows, None]) / p[None, :]
        out[rows] = h0[rows] + a / (a + value) * (g @ w)
    return out


def _alive_bounds(r, alpha, x, T, t):
    """Upper and lower bounds of the alive customer's expected purchases (no dropout; dropout at once)."""
    c = t / (alpha + T)
    upper = (r + x) * c
    lower = -np.expm1(-(r + x) * np.log1p(c))
    return upper, lower


def expected_alive(params, x, T, t: float) -> np.ndarray:
    """E[purchases in (T, T + t] | alive at T] of the full BG/NBD, finite for any parameters.

    ``hyp2f1`` where its value lies within the bounds of the expectation, the
    Gauss-Jacobi quadrature of the integral over the dropout probability for
    the other rows.
    """
    r, alpha, a, b = params
    x = np.asarray(x, dtype="float64")
    T = np.broadcast_to(np.asarray(T, dtype="float64"), x.shape)
    upper, lower = _alive_bounds(r, alpha, x, T, t)
    with np.errstate(all="ignore"):
        z = t / (alpha + T + t)
        ratio = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
        closed = (a + b + x - 1) / (a - 1) * (1 - ratio * hyp2f1(r + x, b + x, a + b + x - 1, z))
    slack = 1e-9 * np.maximum(upper, 1e-300)
    ok = np.isfinite(closed) & (closed <= upper + slack) & (closed >= lower - slack)
    if ok.all():
        return closed
    bad = np.flatnonzero(~ok)
    c = t / (alpha + T[bad])
    shape = r + x[bad]

    def h(p, rows):
        return -np.expm1(-shape[rows, None] * np.log1p(c[rows, None] * p)) / p

    closed = closed.copy()
    closed[bad] = beta_expectation(a, b + x[bad], h, shape * c, steep=c + np.minimum(shape * c, 1e3))
    return closed


def expected_alive_poisson_dropout(params, x, t: float) -> np.ndarray:
    """E[purchases in the next t | alive] without heterogeneity: ``E[(1 - exp(-lam p t)) / p]``, p ~ Beta(a, b + x)."""
    lam, a, b = params
    x = np.asarray(x, dtype="float64")
    h0 = np.full(len(x), lam * t)

    def h(p, rows):
        return -np.expm1(-lam * t * p) / p

    return beta_expectation(a, b + x, h, h0, steep=np.full(len(x), lam * t))


def log_death_odds_poisson_dropout(params, x, tx, T) -> np.ndarray:
    """log of P(dropped out) / P(alive) without heterogeneity (−inf for customers without repeat purchases)."""
    lam, a, b = params
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) + lam * (T - tx), -np.inf)
