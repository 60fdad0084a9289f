"""The privacy budget of differentially private releases: :class:`PrivacyBudget`.

Every differentially private release (``privacy="dp"`` on :func:`microseg.profile`,
:func:`microseg.describe`, :func:`microseg.overlap` and the report) spends some
epsilon from a budget the caller holds and passes from call to call. Under
*basic composition* the epsilons of several releases about the same people
add up: ``k`` releases at ``ε`` each are together ``k·ε``-differentially
private. The budget refuses a release that would take the total past its
``epsilon``, before anything is computed.

A DataFrame cannot carry this state reliably (copies, slices and merges lose
or duplicate ``attrs``), so the caller holds the budget object, one per data
set and per audience of the results.
"""

from __future__ import annotations

import math
import threading

import pandas as pd

from ..errors import MicrosegError, PrivacyBudgetError

__all__ = ["PrivacyBudget"]

#: relative slack for floating-point sums of epsilons (0.1 + 0.2 must fit in 0.3)
_SLACK = 1e-9


def _positive(value, name: str, *, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise MicrosegError(f"{name} must be a number, got {value!r}.") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero) or isinstance(value, bool):
        raise MicrosegError(
            f"{name} must be a finite number {'>= 0' if allow_zero else '> 0'}, got {value!r}; "
            "typical epsilons for published statistics are 0.1 to 4."
        )
    return v


class PrivacyBudget:
    """A differential-privacy budget, held by the caller and passed to every private release.

    Parameters
    ----------
    epsilon : float
        The total epsilon all releases together may spend (basic composition:
        the epsilons of the releases add up).
    delta : float
        The total delta (``0``: pure ε-differential privacy). microseg's
        mechanisms are pure (discrete and continuous Laplace from OpenDP), so
        they spend no delta.

    Attributes
    ----------
    spent, remaining : float
        Epsilon spent so far, and what is left.
    ledger : pandas.DataFrame
        One row per release: ``what, epsilon, delta``.

    Examples
    --------
    >>> from microseg.privacy import PrivacyBudget
    >>> budget = PrivacyBudget(epsilon=1.0)
    >>> budget.spend(0.25, "profile(segment, 4 columns)")
    >>> budget.spend(0.5, "describe(6 columns)")
    >>> budget
    PrivacyBudget(epsilon=1, spent=0.75 [profile(segment, 4 columns): 0.25; describe(6 columns): 0.5], remaining=0.25)
    >>> budget.spend(0.5, "overlap(3 flags)")
    Traceback (most recent call last):
    ...
    microseg.errors.PrivacyBudgetError: overlap(3 flags) asks for epsilon=0.5, but this budget has 0.25 of 1 left ...
    """

    def __init__(self, epsilon: float, delta: float = 0.0):
        self._epsilon = _positive(epsilon, "epsilon")
        self._delta = _positive(delta, "delta", allow_zero=True)
        if self._delta >= 1:
            raise MicrosegError(f"delta must be below 1 (typically 1e-6 or less), got {delta!r}.")
        self._entries: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()

    @property
    def epsilon(self) -> float:
        """The total epsilon of the budget."""
        return self._epsilon

    @property
    def delta(self) -> float:
        """The total delta of the budget."""
        return self._delta

    @property
    def spent(self) -> float:
        """Epsilon spent so far (the sum over the ledger)."""
        return math.fsum(e for _, e, _ in self._entries)

    @property
    def spent_delta(self) -> float:
        """Delta spent so far."""
        return math.fsum(d for _, _, d in self._entries)

    @property
    def remaining(self) -> float:
        """Epsilon left to spend."""
        return max(self._epsilon - self.spent, 0.0)

    @property
    def ledger(self) -> pd.DataFrame:
        """What was spent where: one row per release, ``what, epsilon, delta``."""
        return pd.DataFrame(self._entries, columns=["what", "epsilon", "delta"])

    def can_spend(self, epsilon: float, delta: float = 0.0) -> bool:
        """Whether a release of ``epsilon`` (and ``delta``) still fits in the budget."""
        eps = _positive(epsilon, "epsilon")
        dl = _positive(delta, "delta", allow_zero=True)
        return self.spent + eps <= self._epsilon * (1 + _SLACK) and self.spent_delta + dl <= self._delta * (1 + _SLACK)

    def spend(self, epsilon: float, what: str, delta: float = 0.0) -> None:
        """Record a release of ``epsilon`` (and ``delta``) named ``what``, or refuse it.

        Raises
        ------
        PrivacyBudgetError
            The release would take the total spent past the budget; nothing is
            recorded and nothing should be released.
        """
        eps = _positive(epsilon, "epsilon")
        dl = _positive(delta, "delta", allow_zero=True)
        with self._lock:
            if not self.can_spend(eps, dl):
                left = self.remaining
                what_delta = f" and delta={dl:g} ({self._delta - self.spent_delta:g} left)" if dl else ""
                raise PrivacyBudgetError(
                    f"{what} asks for epsilon={eps:g}{what_delta}, but this budget has {left:g} of "
                    f"{self._epsilon:g} left (spent: {self._spent_words() or 'nothing'}). Pass a smaller "
                    "epsilon=, release fewer columns, or stop: a new budget for the same people would break "
                    "the guarantee."
                )
            self._entries.append((str(what), eps, dl))

    def _spent_words(self) -> str:
        """Spends by release name, in order of first use; a name used several times is summed."""
        total: dict[str, list] = {}
        for w, e, _ in self._entries:
            total.setdefault(w, []).append(e)
        return "; ".join(
            f"{w}: {math.fsum(es):g}" + (f" ({len(es)} calls)" if len(es) > 1 else "") for w, es in total.items()
        )

    def __repr__(self) -> str:
        spent = f"spent={self.spent:g}" + (f" [{self._spent_words()}]" if self._entries else "")
        delta = f", delta={self._delta:g}" if self._delta else ""
        return f"PrivacyBudget(epsilon={self._epsilon:g}{delta}, {spent}, remaining={self.remaining:g})"

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>PrivacyBudget</b>: epsilon {self._epsilon:g}, spent {self.spent:g}, "
            f"remaining {self.remaining:g}</p>"
        )
        return head + (self.ledger.to_html(index=False) if self._entries else "<p>nothing spent yet</p>")

    def __getstate__(self):  # a budget may be pickled (e.g. saved with a notebook's state), not its lock
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._lock = threading.Lock()
