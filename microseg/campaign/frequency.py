"""Frequency capping: how impressions spread over people, and what a cap saves.

Each person's ad exposures are drawn from a Poisson distribution (everyone
equally exposed) or a negative binomial one (some people see far more ads than
others; ``dispersion`` is the shape ``k``, variance ``mean + mean**2 / k``).
Impressions beyond ``cap`` per person are wasted: the cap would stop them, or
they go to people who have already seen the ad enough. Analytic reach for a
mean exposure ``m``: Poisson ``1 - exp(-m)``; negative binomial
``1 - (k / (k + m))**k``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import MicrosegError

__all__ = ["frequency_cap", "FrequencyResult", "expected_reach"]


def expected_reach(mean_exposure, *, distribution: str = "poisson", dispersion: float = 1.0) -> np.ndarray:
    """Analytic share of people reached at least once, for a mean exposure per person.

    Examples
    --------
    >>> round(float(expected_reach(1.0)), 4)
    0.6321
    >>> round(float(expected_reach(1.0, distribution="negative_binomial", dispersion=1.0)), 4)
    0.5
    """
    m = np.asarray(mean_exposure, dtype="float64")
    if distribution == "poisson":
        return 1 - np.exp(-m)
    if distribution == "negative_binomial":
        k = float(dispersion)
        return 1 - (k / (k + m)) ** k
    raise MicrosegError(f"distribution must be 'poisson' or 'negative_binomial', got {distribution!r}.")


@dataclass(frozen=True, repr=False)
class FrequencyResult:
    """Simulated reach and frequency under a cap.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per impression volume: ``impressions`` (planned),
        ``mean_exposure`` (per person), ``reach`` (people seeing the ad at
        least once), ``reach_share`` and ``reach_expected`` (analytic share),
        ``average_frequency`` (impressions per reached person, uncapped),
        ``capped_frequency`` (the same with the cap applied),
        ``effective_reach`` (people with at least ``effective_frequency``
        impressions, capped), ``served`` (impressions under the cap),
        ``wasted`` (impressions beyond the cap) and ``wasted_share``.
    histogram : pandas.DataFrame
        People by number of exposures (uncapped), one column per impression
        volume; the last row collects ``cap + 1`` and more.
    cap : int
    distribution : str
    dispersion : float
    n_people : int
    """

    table: pd.DataFrame
    histogram: pd.DataFrame = field(repr=False)
    cap: int
    distribution: str
    dispersion: float
    n_people: int

    def to_frame(self) -> pd.DataFrame:
        """The reach and frequency table (a copy)."""
        return self.table.copy()

    def plot(self, ax=None, **kwargs):
        """Draw reach against average frequency (see :func:`microseg.plot.plot_reach_frequency`)."""
        from ..plot import plot_reach_frequency

        return plot_reach_frequency(self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        last = self.table.iloc[-1]
        return (
            f"FrequencyResult({self.n_people:,} people, {self.distribution}, cap {self.cap}: at {last['impressions']:,.0f} "
            f"impressions reach {last['reach_share']:.1%}, {last['wasted_share']:.1%} wasted)"
        )

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return f"<p><b>{self!r}</b></p>" + format_table(self.table, max_rows=None).html


def frequency_cap(
    n_people: int,
    *,
    impressions,
    cap: int = 3,
    distribution: str = "poisson",
    dispersion: float = 1.0,
    effective_frequency: int = 1,
    random_state=None,
) -> FrequencyResult:
    """Simulate impressions per person under a frequency cap: reach, frequency, wasted impressions.

    Parameters
    ----------
    n_people : int
        Size of the target audience.
    impressions : int or sequence of int
        Total impressions bought; a sequence gives one row per volume (a
        reach-frequency curve).
    cap : int
        Maximum impressions per person that are useful.
    distribution : {"poisson", "negative_binomial"}
        How exposures vary between people.
    dispersion : float
        Negative binomial shape ``k`` (smaller = more uneven exposure).
    effective_frequency : int
        Impressions a person needs for the message to count (for ``effective_reach``).
    random_state : int, Generator, RandomState or None

    Returns
    -------
    FrequencyResult

    Examples
    --------
    >>> r = frequency_cap(100_000, impressions=[100_000, 300_000], cap=3, random_state=0)
    >>> r.table[["mean_exposure", "reach_expected"]].round(3).to_dict("list")
    {'mean_exposure': [1.0, 3.0], 'reach_expected': [0.632, 0.95]}
    """
    n = int(n_people)
    if n < 1:
        raise MicrosegError(f"n_people must be at least 1, got {n_people!r}.")
    cap = int(cap)
    if cap < 1:
        raise MicrosegError(f"cap must be at least 1 impression per person, got {cap!r}.")
    if distribution not in ("poisson", "negative_binomial"):
        raise MicrosegError(f"distribution must be 'poisson' or 'negative_binomial', got {distribution!r}.")
    if distribution == "negative_binomial" and not dispersion > 0:
        raise MicrosegError(f"dispersion must be > 0, got {dispersion!r}.")
    volumes = np.atleast_1d(np.asarray(impressions, dtype="float64"))
    if volumes.ndim != 1 or len(volumes) == 0 or (volumes < 0).any() or not np.isfinite(volumes).all():
        raise MicrosegError(f"impressions must be one or more non-negative numbers, got {impressions!r}.")
    if effective_frequency < 1:
        raise MicrosegError(f"effective_frequency must be at least 1, got {effective_frequency!r}.")
    rng = np.random.default_rng(random_state if not isinstance(random_state, np.random.RandomState) else random_state.randint(2**31))
    rows, hist = [], {}
    for v in volumes:
        m = v / n
        if distribution == "poisson":
            x = rng.poisson(m, n)
        else:
            x = rng.negative_binomial(dispersion, dispersion / (dispersion + m), n) if m > 0 else np.zeros(n, np.int64)
        reached = int((x > 0).sum())
        capped = np.minimum(x, cap)
        total, served = int(x.sum()), int(capped.sum())
        rows.append(
            {
                "impressions": v,
                "mean_exposure": m,
                "reach": reached,
                "reach_share": reached / n,
                "reach_expected": float(expected_reach(m, distribution=distribution, dispersion=dispersion)),
                "average_frequency": total / reached if reached else np.nan,
                "capped_frequency": served / reached if reached else np.nan,
                "effective_reach": int((capped >= effective_frequency).sum()),
                "simulated_impressions": total,
                "served": served,
                "wasted": total - served,
                "wasted_share": (total - served) / total if total else 0.0,
            }
        )
        hist[v] = np.bincount(np.minimum(x, cap + 1), minlength=cap + 2)
    table = pd.DataFrame(rows)
    idx = pd.Index([str(i) for i in range(cap + 1)] + [f"{cap + 1}+"], name="exposures")
    histogram = pd.DataFrame(hist, index=idx)
    histogram.columns.name = "impressions"
    return FrequencyResult(table=table, histogram=histogram, cap=cap, distribution=distribution,
                           dispersion=float(dispersion), n_people=n)
