"""Describable targeting rules from an uplift score, each measured on held-out customers: :func:`uplift_segments`.

An uplift score per customer is hard to act on and easy to over-trust. This
turns it into a few rules a marketer can read ("persuadables: age < 31 and
preferred_channel = app") and says, for each, how many customers it covers
and what the contact does to them, with an interval, measured on customers
the rules were not drawn from:

1. the customers (of a randomised test) are split at random in two halves,
   within each arm;
2. on the first half, the customers with the highest scores are labelled
   *persuadables* (the top ``share``, if their score is positive) and those
   with the lowest, negative scores *do-not-disturb* (the bottom ``share``, if
   their score is below zero); the rule explainer (:func:`microseg.explain`)
   describes each group with short rules on the original columns, and the
   ``max_rules`` most precise of its rules (richest in the group) are kept;
3. on the second half, each rule's effect is read out like a test: the
   outcome of its treated customers minus that of its control customers, with
   a ``1 - alpha`` interval (Wald for a 0/1 outcome, as
   :func:`~microseg.campaign.readout`; Welch otherwise).

Since the rules are fixed before the second half is looked at, the intervals
are honest for each rule; with several rules, one of them may miss by chance
(each interval holds at ``1 - alpha`` on its own). The scores themselves
should come from a model that did not see these customers (score a held-out
part of the test), or the persuadables are partly the model's noise.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from .._validation import check_alpha, check_frame, check_share
from ..errors import MicrosegError
from ..segment import explain
from ._stats import welch
from ._uplift_model import _as_outcome, _as_treatment, _treatment_column, feature_columns
from .testing import _lift_stats

__all__ = ["uplift_segments", "UpliftSegments", "GROUPS"]

GROUPS = ("persuadables", "do-not-disturb")


@dataclass(frozen=True, repr=False)
class UpliftSegments:
    """Targeting rules drawn from an uplift score, with their effect measured on held-out customers.

    Attributes
    ----------
    rules : pandas.DataFrame
        One row per rule: ``group`` (``persuadables`` or ``do-not-disturb``),
        ``rule`` (text), and on the held-out half ``n`` (customers matched),
        ``coverage`` (share of customers matched), ``n_treatment``,
        ``n_control``, ``effect`` (treated minus control outcome, e.g. extra
        conversions per contact) with ``effect_low``/``effect_high``, and
        ``predicted`` (mean uplift score of the customers matched).
        ``precision`` is the rule's precision for its group on the half it was
        drawn from.
    overall : pandas.Series
        The same read-out for every held-out customer (``n``, ``effect``,
        ``effect_low``, ``effect_high``, ``predicted``).
    n_rules_half, n_heldout : int
        Customers in the half the rules were drawn from, and in the held-out half.
    share : float
    alpha : float
    outcome : str
        ``"binary"`` or ``"continuous"``.
    sensitive_allowed : dict
    """

    rules: pd.DataFrame
    overall: pd.Series = field(repr=False)
    n_rules_half: int = 0
    n_heldout: int = 0
    share: float = 0.2
    alpha: float = 0.05
    outcome: str = "binary"
    sensitive_allowed: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The rules table (a copy)."""
        return self.rules.copy()

    def describe(self) -> str:
        """Each rule in plain words, with its held-out coverage and effect."""
        unit = " points" if self.outcome == "binary" else ""
        scale = 100.0 if self.outcome == "binary" else 1.0
        lvl = f"{1 - self.alpha:.0%}"
        o = self.overall
        lines = [f"Everyone: the contact changes the outcome by {scale * o['effect']:+.2f}{unit} "
                 f"({lvl} interval {scale * o['effect_low']:+.2f} to {scale * o['effect_high']:+.2f}), "
                 f"measured on {int(o['n']):,} held-out customers."]  # fmt: skip
        for _, r in self.rules.iterrows():
            lines.append(
                f"{r['group']}: {r['rule']} — {r['coverage']:.0%} of customers; the contact changes the outcome by "
                f"{scale * r['effect']:+.2f}{unit} ({lvl} interval {scale * r['effect_low']:+.2f} to "
                f"{scale * r['effect_high']:+.2f}; the model predicted {scale * r['predicted']:+.2f})."
            )
        return "\n".join(lines)

    def plot(self, ax=None):
        """Effect per rule with its interval, against everyone (see :func:`microseg.plot.plot_uplift_segments`)."""
        from ..plot import plot_uplift_segments

        return plot_uplift_segments(self, ax=ax)

    def __repr__(self) -> str:
        groups = self.rules["group"].value_counts().to_dict()
        parts = ", ".join(f"{g} {groups.get(g, 0)}" for g in GROUPS)
        return (f"UpliftSegments({len(self.rules)} rules: {parts}; measured on {self.n_heldout:,} held-out customers, "
                f"everyone {self.overall['effect']:+.4f} [{self.overall['effect_low']:+.4f}, {self.overall['effect_high']:+.4f}])")  # fmt: skip

    def _repr_html_(self) -> str:
        r = repr(self).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<p>{r}</p>" + self.rules.to_html(float_format=lambda v: f"{v:.4g}")


def _effect(y: np.ndarray, t: np.ndarray, kind: str, alpha: float) -> tuple[float, float, float]:
    """Treated minus control outcome with its interval (Wald for 0/1 outcomes, Welch otherwise)."""
    if t.sum() < 2 or (~t).sum() < 2:
        return np.nan, np.nan, np.nan
    if kind == "binary":
        _, _, d, lo, hi, *_ = _lift_stats(y[t].sum(), t.sum(), y[~t].sum(), (~t).sum(), alpha)
        return float(d), float(lo), float(hi)
    r = welch(y[t], y[~t], alpha)
    return r["diff"], r["low"], r["high"]


def uplift_segments(
    X: pd.DataFrame,
    uplift,
    *,
    y,
    treatment,
    share: float = 0.2,
    max_rules: int = 2,
    max_depth: int = 3,
    min_leaf: float = 0.02,
    holdout: float = 0.5,
    alpha: float = 0.05,
    allow_sensitive: Mapping[Hashable, str] | None = None,
    random_state=None,
) -> UpliftSegments:
    """A few describable targeting rules from an uplift score, each measured on held-out customers.

    Parameters
    ----------
    X : DataFrame
        The customers of a randomised test (one row each): the columns the rules may use.
    uplift : array-like of float
        The uplift score of each row (e.g. :meth:`UpliftModel.predict` on rows it was not fitted on).
    y : array-like
        The outcome of each row (0/1, True/False, or a number).
    treatment : array-like or str
        True (1) for contacted rows, False (0) for the control group; or a
        column of ``X`` (then not used in the rules).
    share : float, default 0.2
        The top (bottom) share of scores labelled persuadables (do-not-disturb).
    max_rules : int, default 2
        Rules kept per group.
    max_depth : int, default 3
        At most this many conditions per rule.
    min_leaf : float, default 0.02
        Smallest rule, as a share of the customers.
    holdout : float, default 0.5
        Share of the customers (within each arm) kept aside to measure the rules.
    alpha : float, default 0.05
        Intervals at level ``1 - alpha``.
    allow_sensitive : mapping column -> reason, optional
        Rules may not read sensitive columns (by name or by value) unless
        allowed with a written reason; drop them from ``X`` otherwise.
    random_state : int, RandomState or None

    Returns
    -------
    UpliftSegments

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 80, 20_000), "app": rng.random(20_000) < 0.5})
    >>> t = rng.random(20_000) < 0.5
    >>> young = (X["age"] < 35).to_numpy()
    >>> y = rng.random(20_000) < 0.10 + 0.15 * (t & young)
    >>> score = np.where(young, 0.15, 0.0) + rng.normal(0, 0.02, 20_000)  # a good uplift score
    >>> seg = uplift_segments(X, score, y=y, treatment=t, random_state=0)
    >>> seg.rules.loc[0, "rule"]
    'age < 35'
    >>> bool(seg.rules.loc[0, "effect_low"] > 0.1)
    True
    """
    check_frame(X, name="X")
    alpha = check_alpha(alpha)
    share = check_share(share, name="share")
    holdout = check_share(holdout, name="holdout")
    if share > 0.5 or holdout >= 1:
        raise MicrosegError(f"share must be at most 0.5 and holdout below 1; got share={share!r}, holdout={holdout!r}.")
    n = len(X)
    u = np.asarray(uplift.to_numpy(dtype="float64", na_value=np.nan) if isinstance(uplift, pd.Series) else uplift, dtype="float64").reshape(-1)
    if len(u) != n:
        raise MicrosegError(f"uplift has {len(u)} scores but X has {n} rows; pass one score per row.")
    if not np.isfinite(u).all():
        raise MicrosegError(f"uplift has {int((~np.isfinite(u)).sum())} missing or infinite scores; score every row.")
    yv, kind = _as_outcome(y, n, X.index)
    t = _as_treatment(treatment, X)
    column = _treatment_column(treatment, X)
    cols, _, allowed = feature_columns(X, exclude=() if column is None else (column,), allow_sensitive=allow_sensitive,
                                       purpose="targeting rules")  # fmt: skip
    X = X[cols]
    rng = check_random_state(random_state)
    held = np.zeros(n, dtype=bool)
    for arm in (True, False):  # split within each arm, so both halves keep the test's design
        rows = np.flatnonzero(t == arm)
        held[rng.permutation(rows)[: int(round(holdout * len(rows)))]] = True
    learn = ~held
    if held.sum() < 20 or learn.sum() < 20:
        raise MicrosegError(f"X has {n} rows; drawing rules on one part and measuring them on another needs at least 40.")

    # 1. label the rule half by score, and describe the groups
    ul = u[learn]
    hi_cut, lo_cut = np.quantile(ul, 1 - share), np.quantile(ul, share)
    labels = np.full(learn.sum(), "the rest", dtype=object)
    labels[(ul >= hi_cut) & (ul > 0)] = GROUPS[0]
    labels[(ul <= lo_cut) & (ul < 0)] = GROUPS[1]
    present = [g for g in GROUPS if (labels == g).any()]
    if not present:
        raise MicrosegError("no score is above zero nor below zero: there is no one to single out; check the uplift scores.")
    # the explainer offers several rules per group; the most precise (richest in the group) are kept
    ex = explain(X.loc[learn], labels, max_depth=max_depth, max_rules=max_rules + 4, min_leaf=min_leaf,
                 min_precision=0.0, random_state=rng)  # fmt: skip
    offered = ex.rules[ex.rules["segment"].isin(present)]
    rules = offered.sort_values("precision", ascending=False, kind="stable").groupby("segment", sort=False).head(max_rules)

    # 2. measure every rule on the held-out half
    Xh, yh, th, uh = X.loc[held], yv[held], t[held], u[held]
    matched = ex.match(Xh)
    rows = []
    for i, r in rules.iterrows():
        m = matched[i].to_numpy()
        d, lo, hi = _effect(yh[m], th[m], kind, alpha)
        rows.append({"group": r["segment"], "rule": r["rule"], "n": int(m.sum()), "coverage": float(m.mean()),
                     "n_treatment": int((m & th).sum()), "n_control": int((m & ~th).sum()),
                     "effect": d, "effect_low": lo, "effect_high": hi,
                     "predicted": float(uh[m].mean()) if m.any() else np.nan, "precision": float(r["precision"])})  # fmt: skip
    table = pd.DataFrame(rows, columns=["group", "rule", "n", "coverage", "n_treatment", "n_control", "effect", "effect_low",
                                        "effect_high", "predicted", "precision"])  # fmt: skip
    order = {g: k for k, g in enumerate(GROUPS)}
    table = table.sort_values(["group", "effect"], key=lambda s: s.map(order) if s.name == "group" else -s, kind="stable")
    table = table.reset_index(drop=True)
    d, lo, hi = _effect(yh, th, kind, alpha)
    overall = pd.Series({"n": int(held.sum()), "effect": d, "effect_low": lo, "effect_high": hi, "predicted": float(uh.mean())})
    return UpliftSegments(rules=table, overall=overall, n_rules_half=int(learn.sum()), n_heldout=int(held.sum()),
                          share=share, alpha=alpha, outcome=kind, sensitive_allowed=allowed)  # fmt: skip
