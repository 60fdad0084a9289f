"""Test design for randomised campaign tests (treatment vs holdout control).

Design: :func:`sample_size` (customers per arm to detect a lift),
:func:`statistical_power` (power at given arm sizes), :func:`minimum_detectable_lift`
(smallest lift detectable at given sizes), :func:`holdout_split` (a seeded
control group drawn within each segment) and :func:`design_test` (all of it
per segment).

The read-out (:func:`~microseg.campaign.readout`) lives in ``readouts``; the
two-proportion statistics it uses for yes/no outcomes are here
(``_lift_stats``): absolute lift with a Wald interval, relative lift with a
log-ratio (Katz) interval, the pooled two-proportion z-test, and
:func:`benjamini_hochberg` across segments.

The formulas (normal approximation, two-sided test at level ``alpha``,
``k = n_control / n_treatment``, ``p_c`` the control rate, ``p_t = p_c + d``,
``p_bar = (p_t + k p_c) / (1 + k)``)::

    n_treatment = (z_{1-alpha/2} sqrt(p_bar (1 - p_bar) (1 + 1/k)) + z_{power} sqrt(p_t (1 - p_t) + p_c (1 - p_c) / k))^2 / d^2
    power       = Phi((|d| - z_{1-alpha/2} sqrt(p_bar (1 - p_bar) (1/n_t + 1/n_c))) / sqrt(p_t (1 - p_t)/n_t + p_c (1 - p_c)/n_c))

(Fleiss, Levin & Paik, *Statistical Methods for Rates and Proportions*, 3rd
ed., eq. 4.14 without continuity correction.)
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .._validation import check_frame, check_id_column, check_labels
from ..errors import MicrosegError, SchemaError

__all__ = [
    "sample_size",
    "statistical_power",
    "minimum_detectable_lift",
    "holdout_split",
    "design_test",
    "benjamini_hochberg",
]


# --------------------------------------------------------------------------- checks
def _rate(p, name: str) -> float:
    try:
        v = float(p)
    except (TypeError, ValueError):
        raise MicrosegError(f"{name} must be a rate in (0, 1), got {p!r}.") from None
    if not 0 < v < 1:
        raise MicrosegError(f"{name} must be a rate in (0, 1), got {p!r}; e.g. 0.02 for a 2 % response rate.")
    return v


def _level(x, name: str) -> float:
    v = float(x)
    if not 0 < v < 1:
        raise MicrosegError(f"{name} must be in (0, 1), got {x!r}.")
    return v


def _lift_to_rates(baseline: float, lift: float, relative: bool) -> tuple[float, float]:
    p_t = baseline * (1 + lift) if relative else baseline + lift
    if not 0 < p_t < 1 or lift == 0:
        raise MicrosegError(
            f"lift {lift!r} ({'relative' if relative else 'absolute'}) on a baseline of {baseline} gives a treatment rate "
            f"of {p_t:.4g}; the lift must be non-zero and the treatment rate within (0, 1)."
        )
    return p_t, baseline


# --------------------------------------------------------------------------- design
def sample_size(
    baseline: float, lift: float, *, relative: bool = True, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0
) -> tuple[int, int]:
    """Customers needed in treatment and control to detect ``lift`` over ``baseline``.

    Parameters
    ----------
    baseline : float
        Expected response rate without the campaign (the control rate).
    lift : float
        The lift to detect: relative (``0.2`` = +20 %) or, with
        ``relative=False``, absolute (``0.004`` = +0.4 percentage points).
    alpha : float
        Two-sided significance level.
    power : float
        Probability of detecting the lift if it is real.
    ratio : float
        Control size / treatment size (``0.1 / 0.9`` for a 10 % holdout).

    Returns
    -------
    (n_treatment, n_control) : tuple of int, rounded up

    Examples
    --------
    >>> sample_size(0.10, 0.02, relative=False)
    (3841, 3841)
    >>> sample_size(0.10, 0.2, ratio=0.25)
    (9779, 2445)
    """
    baseline = _rate(baseline, "baseline")
    alpha, power = _level(alpha, "alpha"), _level(power, "power")
    if not ratio > 0:
        raise MicrosegError(f"ratio (control / treatment) must be > 0, got {ratio!r}.")
    p_t, p_c = _lift_to_rates(baseline, float(lift), relative)
    k = float(ratio)
    p_bar = (p_t + k * p_c) / (1 + k)
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    num = za * np.sqrt(p_bar * (1 - p_bar) * (1 + 1 / k)) + zb * np.sqrt(p_t * (1 - p_t) + p_c * (1 - p_c) / k)
    n_t = num**2 / (p_t - p_c) ** 2
    n_t_int = int(np.ceil(n_t - 1e-9))
    return n_t_int, int(np.ceil(n_t_int * k - 1e-9))


def _power(d: float, p_c: float, n_t: float, n_c: float, alpha: float) -> float:
    p_t = p_c + d
    p_bar = (n_t * p_t + n_c * p_c) / (n_t + n_c)
    za = stats.norm.ppf(1 - alpha / 2)
    se0 = np.sqrt(p_bar * (1 - p_bar) * (1 / n_t + 1 / n_c))
    se1 = np.sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    return float(stats.norm.cdf((abs(d) - za * se0) / se1))


def statistical_power(
    n_treatment: int, n_control: int, baseline: float, lift: float, *, relative: bool = True, alpha: float = 0.05
) -> float:
    """Probability that a two-sided test at ``alpha`` detects ``lift`` with these arm sizes.

    Examples
    --------
    >>> round(statistical_power(3841, 3841, 0.10, 0.02, relative=False), 3)
    0.8
    """
    baseline = _rate(baseline, "baseline")
    alpha = _level(alpha, "alpha")
    if n_treatment < 1 or n_control < 1:
        raise MicrosegError(f"both arms need at least one customer, got n_treatment={n_treatment}, n_control={n_control}.")
    p_t, p_c = _lift_to_rates(baseline, float(lift), relative)
    return _power(p_t - p_c, p_c, float(n_treatment), float(n_control), alpha)


def minimum_detectable_lift(
    n_treatment: int, n_control: int, baseline: float, *, alpha: float = 0.05, power: float = 0.8, relative: bool = True
) -> float:
    """Smallest (upward) lift over ``baseline`` detected with probability ``power`` at these arm sizes.

    Returns the relative lift (``0.25`` = +25 %), or the absolute difference of
    rates with ``relative=False``; ``inf`` if no lift that keeps the treatment
    rate below 1 is detectable.

    Examples
    --------
    >>> round(minimum_detectable_lift(3841, 3841, 0.10, relative=False), 4)
    0.02
    """
    baseline = _rate(baseline, "baseline")
    alpha, power = _level(alpha, "alpha"), _level(power, "power")
    if n_treatment < 1 or n_control < 1:
        raise MicrosegError(f"both arms need at least one customer, got n_treatment={n_treatment}, n_control={n_control}.")
    hi = 1 - baseline - 1e-12
    f = lambda d: _power(d, baseline, float(n_treatment), float(n_control), alpha) - power  # noqa: E731
    if f(hi) < 0:
        return float("inf")
    d = optimize.brentq(f, 1e-12, hi, xtol=1e-12)
    return d / baseline if relative else d


def _check_ids(customers: pd.DataFrame, customer, *, why: str = "could land in both arms", name: str = "customers") -> None:
    """One row per customer: a repeated id would be split (or contacted and costed) more than once."""
    if customer in customers.columns:
        check_id_column(customers, customer, name=name)
        ids, where = customers[customer], f"column {customer!r} of {name}"
    elif customers.index.has_duplicates:
        ids, where = customers.index.to_series(), f"the index of {name} (no {customer!r} column)"
    else:
        return
    dup = ids[ids.duplicated(keep=False)]
    if len(dup):
        raise SchemaError(
            f"{where} repeats {dup.nunique()} customer ids ({len(dup)} rows, e.g. {dup.drop_duplicates().head(3).tolist()}); "
            f"a repeated customer {why}. Pass one row per customer (e.g. df.drop_duplicates({customer!r})), "
            "or customer='your_id_column'."
        )


def holdout_split(
    customers,
    *,
    control: float = 0.1,
    segments=None,
    customer: Hashable = "customer_id",
    random_state=None,
) -> pd.Series:
    """Assign each customer to ``"treatment"`` or ``"control"``, stratified by segment.

    Within every segment exactly ``round(control * size)`` customers, drawn at
    random, form the control (holdout) group, so each segment's read-out has
    its own control.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer.
    control : float
        Share held out as control, in (0, 1).
    segments : str or array-like, optional
        Column name or labels to stratify by (default: one stratum).
    customer : str
        Customer id column, when present: ids must be unique, or one customer
        could land in both arms (without it, the index must be unique).
    random_state : int, RandomState or None

    Returns
    -------
    pandas.Series
        Categorical ``"treatment"`` / ``"control"`` on ``customers``' index, named ``group``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"seg": ["a"] * 10 + ["b"] * 20})
    >>> g = holdout_split(df, control=0.2, segments="seg", random_state=0)
    >>> pd.crosstab(df["seg"], g).to_dict("index")
    {'a': {'treatment': 8, 'control': 2}, 'b': {'treatment': 16, 'control': 4}}
    """
    from sklearn.utils import check_random_state

    check_frame(customers, name="customers")
    _check_ids(customers, customer)
    control = _level(control, "control")
    rng = check_random_state(random_state)
    n = len(customers)
    labels = pd.Series(0, index=customers.index) if segments is None else check_labels(customers, segments)
    codes = pd.factorize(labels, use_na_sentinel=False)[0]
    key = rng.random_sample(n)
    order = np.lexsort((key, codes))
    sc = codes[order]
    starts = np.searchsorted(sc, sc, side="left")
    rank = np.arange(n) - starts
    size = np.bincount(codes)
    n_control = np.floor(control * size + 0.5).astype(np.int64)
    is_control = np.empty(n, dtype=bool)
    is_control[order] = rank < n_control[sc]
    out = np.where(is_control, "control", "treatment")
    return pd.Series(pd.Categorical(out, categories=["treatment", "control"]), index=customers.index, name="group")


def design_test(
    customers,
    *,
    segments=None,
    baseline,
    lift: float,
    control: float = 0.1,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
) -> pd.DataFrame:
    """Per segment: arm sizes under a holdout share, power for ``lift``, and the minimum detectable lift.

    Parameters
    ----------
    customers : pandas.DataFrame
        One row per customer.
    segments : str or array-like, optional
        Column name or labels (default: everyone in one segment ``"all"``).
    baseline : float, mapping or Series
        Expected response without the campaign, overall or per segment.
    lift : float
        The lift the campaign is hoped to bring (relative unless ``relative=False``).
    control : float
        Holdout share.

    Returns
    -------
    pandas.DataFrame
        Index ``segment``: ``size``, ``n_treatment``, ``n_control``, ``baseline``,
        ``power`` (to detect ``lift``), ``mde`` (minimum detectable lift at
        ``power``, same scale as ``lift``), ``needed_size`` (segment size for
        ``power`` at this holdout share) and ``powered`` (size >= needed).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"seg": ["a"] * 20_000 + ["b"] * 2_000})
    >>> t = design_test(df, segments="seg", baseline=0.05, lift=0.2, control=0.5)
    >>> t[["n_treatment", "n_control", "powered"]].reset_index()
      segment  n_treatment  n_control  powered
    0       a        10000      10000     True
    1       b         1000       1000    False
    """
    check_frame(customers, name="customers")
    labels = pd.Series("all", index=customers.index) if segments is None else check_labels(customers, segments)
    control = _level(control, "control")
    size = labels.value_counts(sort=False, dropna=False)
    if isinstance(labels.dtype, pd.CategoricalDtype):
        size = size[size > 0]
    try:
        size = size.sort_index()
    except TypeError:
        pass
    rows = []
    for seg, n in size.items():
        b = baseline[seg] if isinstance(baseline, (dict, pd.Series)) else baseline
        b = _rate(b, f"baseline of segment {seg!r}")
        n_c = int(np.floor(control * n + 0.5))
        n_t = int(n - n_c)
        pw = statistical_power(n_t, n_c, b, lift, relative=relative, alpha=alpha) if n_t and n_c else 0.0
        mde = minimum_detectable_lift(n_t, n_c, b, alpha=alpha, power=power, relative=relative) if n_t and n_c else np.inf
        need_t, need_c = sample_size(b, lift, relative=relative, alpha=alpha, power=power, ratio=control / (1 - control))
        needed = int(np.ceil(max(need_t / (1 - control), need_c / control)))
        rows.append((seg, int(n), n_t, n_c, b, pw, mde, needed, n >= needed))
    out = pd.DataFrame(rows, columns=["segment", "size", "n_treatment", "n_control", "baseline", "power", "mde", "needed_size", "powered"])
    return out.set_index("segment")


# --------------------------------------------------------------------------- read-out
def benjamini_hochberg(pvalues) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN stays NaN.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.20]).round(3).tolist()
    [0.04, 0.053, 0.053, 0.2]
    """
    from ..profiling._stats import bh_adjust

    return bh_adjust(np.asarray(pvalues, dtype="float64"))


def _lift_stats(x_t, n_t, x_c, n_c, alpha):
    """Rates, absolute and relative lift with intervals, and p-values (vectorised over arrays)."""
    x_t, n_t, x_c, n_c = (np.asarray(a, dtype="float64") for a in (x_t, n_t, x_c, n_c))
    z = stats.norm.ppf(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        r_t, r_c = x_t / n_t, x_c / n_c
        d = r_t - r_c
        se = np.sqrt(r_t * (1 - r_t) / n_t + r_c * (1 - r_c) / n_c)
        rel = r_t / r_c - 1
        se_log = np.sqrt(1 / x_t - 1 / n_t + 1 / x_c - 1 / n_c)
        rel_lo = np.where((x_t > 0) & (x_c > 0), np.exp(np.log(r_t / r_c) - z * se_log) - 1, np.nan)
        rel_hi = np.where((x_t > 0) & (x_c > 0), np.exp(np.log(r_t / r_c) + z * se_log) - 1, np.nan)
        pool = (x_t + x_c) / (n_t + n_c)
        se0 = np.sqrt(pool * (1 - pool) * (1 / n_t + 1 / n_c))
        zstat = d / se0
        pv = np.where(se0 > 0, 2 * stats.norm.sf(np.abs(zstat)), np.where(d == 0, 1.0, 0.0))
    return r_t, r_c, d, d - z * se, d + z * se, rel, rel_lo, rel_hi, pv
