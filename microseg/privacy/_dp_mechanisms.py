"""Differential-privacy mechanisms for published counts, sums and means, through OpenDP.

microseg does not implement noise itself: every noisy number comes from an
`OpenDP <https://opendp.org>`_ measurement (``opendp.measurements.make_laplace``),
whose sampler is exact and safe against floating-point attacks, and whose
privacy map certifies the epsilon each release spends.

* **counts** (integers): the discrete Laplace (geometric) mechanism on the
  whole vector of counts of one query, L1 sensitivity 1 — adding or removing
  one person changes one cell of a histogram by one. The noise is symmetric
  around zero, so noisy counts are unbiased; its variance is
  ``2·a / (1 - a)²`` with ``a = exp(-1/scale)`` (about ``2·scale²``).
* **sums** (floats): the Laplace mechanism, L1 sensitivity the largest change
  one person can make — ``(high - low) / 2`` for values clamped to public
  bounds ``[low, high]`` and centred on their midpoint, ``((high - low) / 2)²``
  for the squares of those centred values. Variance ``2·scale²``.

Neighbouring data sets differ by one person added or removed (unbounded DP).
Bounds for numeric columns come from the caller (``bounds={"income": (0, 250_000)}``)
or from :data:`PUBLIC_BOUNDS` (public knowledge documented per column), never
from the data's own minimum and maximum, which would themselves leak.

OpenDP is an optional dependency: ``pip install "microseg[dp]"``.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import MicrosegError
from ._dp_budget import PrivacyBudget

__all__ = [
    "PUBLIC_BOUNDS",
    "INSTALL_HINT",
    "require_opendp",
    "check_privacy",
    "check_bounds",
    "column_bounds",
    "noisy_counts",
    "noisy_sums",
    "count_noise_variance",
]

INSTALL_HINT = 'pip install "microseg[dp]"'

#: Bounds that are public knowledge, by column name: ``name -> (low, high, why)``.
#: Values outside are clamped into the bounds before the sum is taken.
PUBLIC_BOUNDS: dict[str, tuple[float, float, str]] = {
    "age": (0.0, 120.0, "a person's age in years: nobody alive is older than 120 (the record is 122)"),
    "hours_per_week": (0.0, 168.0, "hours in a week: 7 × 24 = 168"),
    "hours-per-week": (0.0, 168.0, "hours in a week: 7 × 24 = 168"),
    "education-num": (1.0, 16.0, "US Census education codes, 1 (preschool) to 16 (doctorate)"),
    "education_num": (1.0, 16.0, "US Census education codes, 1 (preschool) to 16 (doctorate)"),
    "month": (1.0, 12.0, "months of the year"),
    "hour": (0.0, 23.0, "hours of the day"),
}


def require_opendp():
    """Import ``opendp.prelude`` with its ``contrib`` features, or raise a MicrosegError naming the extra."""
    try:
        import opendp.prelude as dp
    except ImportError as exc:
        raise MicrosegError(
            f"privacy='dp' needs OpenDP, which is not installed ({exc}); install it with: {INSTALL_HINT}"
        ) from exc
    # make_laplace on integer and float vectors is vetted but still flagged "contrib" by OpenDP 0.16
    dp.enable_features("contrib")
    return dp


def check_privacy(privacy, budget, epsilon, *, what: str) -> float | None:
    """The epsilon a call may spend, or ``None`` for the exact (non-private) path.

    Checks the options only; nothing is spent here.

    Examples
    --------
    >>> check_privacy(None, None, None, what="profile") is None
    True
    >>> check_privacy("dp", PrivacyBudget(2.0), 0.5, what="profile")
    0.5
    """
    if privacy is None:
        if budget is not None or epsilon is not None:
            raise MicrosegError(
                f"{what}: budget/epsilon given but privacy=None; pass privacy='dp' to publish differentially "
                "private numbers, or leave budget and epsilon out for the exact ones."
            )
        return None
    if privacy != "dp":
        raise MicrosegError(f"{what}: privacy must be None (exact, small cells suppressed) or 'dp', got {privacy!r}.")
    if not isinstance(budget, PrivacyBudget):
        raise MicrosegError(
            f"{what}: privacy='dp' needs budget=ms.privacy.PrivacyBudget(epsilon=...), held by you and passed "
            f"to every private call on the same people; got {type(budget).__name__}."
        )
    if epsilon is None:
        epsilon = budget.remaining
        if epsilon <= 0:
            budget.spend(budget.epsilon, what)  # raises PrivacyBudgetError, naming what was spent where
    else:
        try:
            epsilon = float(epsilon)
        except (TypeError, ValueError):
            raise MicrosegError(f"{what}: epsilon must be a number, got {epsilon!r}.") from None
        if not math.isfinite(epsilon) or epsilon <= 0:
            raise MicrosegError(f"{what}: epsilon must be a finite number > 0, got {epsilon!r}.")
    require_opendp()
    return float(epsilon)


def check_bounds(bounds) -> dict:
    """``bounds`` as ``{column: (low, high)}`` with finite ``low < high``, or a clear error.

    Examples
    --------
    >>> check_bounds({"income": (0, 250_000)})
    {'income': (0.0, 250000.0)}
    """
    if bounds is None:
        return {}
    if not isinstance(bounds, dict):
        raise MicrosegError(f"bounds must be a dict {{column: (low, high)}}, got {type(bounds).__name__}.")
    out = {}
    for col, b in bounds.items():
        try:
            lo, hi = (float(v) for v in b)
        except (TypeError, ValueError):
            raise MicrosegError(f"bounds[{col!r}] must be a pair (low, high) of numbers, got {b!r}.") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise MicrosegError(f"bounds[{col!r}] must be finite with low < high, got {b!r}.")
        out[col] = (lo, hi)
    return out


def column_bounds(column, bounds: dict) -> tuple[float, float, str] | None:
    """``(low, high, source)`` for a numeric column: the caller's bounds first, then :data:`PUBLIC_BOUNDS`."""
    if column in bounds:
        lo, hi = bounds[column]
        return lo, hi, "given"
    if isinstance(column, str) and column in PUBLIC_BOUNDS:
        lo, hi, why = PUBLIC_BOUNDS[column]
        return lo, hi, f"public: {why}"
    return None


def _measurement(dp, domain, metric, d_in, epsilon, scale):
    """The Laplace measurement on ``domain`` whose certified epsilon for ``d_in`` is at most ``epsilon``."""
    for _ in range(60):
        meas = dp.m.make_laplace(domain, metric, scale=scale)
        certified = float(meas.map(d_in))
        if certified <= epsilon:
            return meas, scale
        scale *= certified / epsilon * (1 + 1e-12)  # the privacy map rounds outward: widen a hair
    raise MicrosegError(f"OpenDP could not certify epsilon={epsilon} for sensitivity {d_in}.")  # pragma: no cover


def count_noise_variance(scale: float) -> float:
    """Variance of OpenDP's discrete Laplace noise of ``scale``: ``2a / (1 - a)²``, ``a = exp(-1/scale)``.

    Examples
    --------
    >>> round(count_noise_variance(10.0) / (2 * 10.0**2), 3)
    0.999
    """
    a = math.exp(-1.0 / scale)
    return 2 * a / (1 - a) ** 2


def noisy_counts(counts, epsilon: float, *, sensitivity: int = 1) -> tuple[np.ndarray, float, float]:
    """Counts with discrete Laplace noise: ``(noisy counts, scale, noise variance per count)``.

    ``counts`` is one query's histogram (any shape): one person changes the
    cells by at most ``sensitivity`` in total (L1), so the release is
    ``epsilon``-differentially private. The noisy counts are integers, may be
    negative, and are unbiased.

    Examples
    --------
    >>> noisy, scale, var = noisy_counts(np.array([120, 40, 7]), epsilon=1.0)
    >>> noisy.shape, scale, round(var, 3)
    ((3,), 1.0, 1.841)
    """
    dp = require_opendp()
    counts = np.asarray(counts)
    flat = counts.reshape(-1).astype(np.int64)
    if flat.size and (flat.min() < 0 or flat.max() >= 2**31 - 2**20):
        raise MicrosegError("noisy_counts takes counts between 0 and 2**31; split the table.")  # pragma: no cover
    meas, scale = _measurement(
        dp, dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), int(sensitivity), float(epsilon),
        float(sensitivity) / float(epsilon),
    )  # fmt: skip
    noisy = np.asarray(meas(flat.tolist()) if flat.size else [], dtype=np.int64).reshape(counts.shape)
    return noisy, scale, count_noise_variance(scale)


def noisy_sums(sums, epsilon: float, *, sensitivity: float) -> tuple[np.ndarray, float, float]:
    """Sums with Laplace noise: ``(noisy sums, scale, noise variance per sum)``.

    ``sensitivity`` is the L1 change one person can make to the whole vector
    (each person adds to one sum, so: the largest absolute value one person
    contributes, after clamping to public bounds).

    Examples
    --------
    >>> noisy, scale, var = noisy_sums(np.array([1200.5, -300.0]), 0.5, sensitivity=10.0)
    >>> noisy.shape, scale, var
    ((2,), 20.0, 800.0)
    """
    dp = require_opendp()
    sums = np.asarray(sums, dtype=float)
    meas, scale = _measurement(
        dp, dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float), float(sensitivity),
        float(epsilon), float(sensitivity) / float(epsilon),
    )  # fmt: skip
    noisy = np.asarray(meas(sums.reshape(-1).tolist()), dtype=float).reshape(sums.shape) if sums.size else sums
    return noisy, scale, 2 * scale**2
