"""Psychographic segments from surveys: reliability → factor model → segments → golden questions.

Motivations, values, lifestyle, interests and self-concept come from surveys
and quizzes. The path here is the one survey researchers follow:

1. :func:`reliability` checks that each scale measures one thing (Cronbach's
   alpha, item–rest correlations, mis-keyed items) and flags careless
   respondents (straight-liners, speeders);
2. :class:`PsychographicModel` reduces the answers to a few rotated factors,
   names each factor from its top-loading items and segments respondents on
   their factor scores;
3. :func:`golden_questions` picks the fewest questions that place a new
   respondent in their segment, for a short typing quiz.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._likert import answers, durations, item_table, respondent_flags, reverse_score

__all__ = ["reliability", "Reliability"]


@dataclass(frozen=True, repr=False)
class Reliability:
    """Result of :func:`reliability`.

    Attributes
    ----------
    scales : DataFrame
        One row per scale: ``n_items``, ``n_respondents`` (answered at least one
        of its items), ``alpha`` (Cronbach's raw alpha), ``std_alpha`` (from the
        correlation matrix), ``mean_r`` (average inter-item correlation),
        ``mean`` and ``sd`` of the scale score.
    items : DataFrame
        One row per item: ``scale``, ``reverse_keyed``, ``n_answered``,
        ``n_skipped``, ``mean`` and ``sd`` (after reverse scoring),
        ``item_rest_r`` (correlation with the sum of the scale's other items),
        ``alpha_if_deleted`` and ``suspect_keying`` (item–rest correlation
        below zero: the item probably runs the other way from its scale).
    flags : DataFrame
        One row per respondent: ``n_answered``, ``n_skipped``,
        ``straight_liner``, ``speeder`` and ``flagged`` (either).
    scores : DataFrame
        One column per scale: the mean of the respondent's answered items after
        reverse scoring (missing when none were answered).
    scale_range : tuple or None
        The declared answer scale.
    speeders_checked : bool
        False when there was no duration column.
    n_skipped : int
        Skipped answers in total.
    """

    scales: pd.DataFrame
    items: pd.DataFrame
    flags: pd.DataFrame
    scores: pd.DataFrame
    scale_range: tuple | None = None
    speeders_checked: bool = True
    n_skipped: int = 0
    counts: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """The per-scale table (alpha and friends); see ``.items`` for items."""
        return self.scales.copy()

    def plot(self, ax=None):
        """Bar chart of alpha per scale with the 0.7 rule of thumb; returns the Axes."""
        from ..plot import plot_reliability

        return plot_reliability(self, ax=ax)

    def _summary(self) -> str:
        a = self.scales["alpha"].dropna()
        rng = f"alpha {a.min():.2f}-{a.max():.2f}" if len(a) else "alpha n/a"
        n_flag = int(self.flags["flagged"].sum())
        miskeyed = self.items.index[self.items["suspect_keying"]].tolist()
        s = (
            f"{len(self.scales)} scales, {len(self.items)} items, {rng}; "
            f"{n_flag:,} of {len(self.flags):,} respondents flagged "
            f"({int(self.flags['straight_liner'].sum()):,} straight-liners, "
            f"{int(self.flags['speeder'].sum()):,} speeders"
            f"{'' if self.speeders_checked else ', speed not checked: no duration column'}); "
            f"{self.n_skipped:,} skipped answers"
        )
        if miskeyed:
            s += f"; probably mis-keyed: {miskeyed}"
        return s

    def __repr__(self) -> str:
        return f"Reliability({self._summary()})"

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return (
            f"<p><b>Reliability</b>: {self._summary()}</p>"
            + format_table(self.scales, max_rows=None).html
            + format_table(self.items, max_rows=None).html
        )


def _alpha(cov: np.ndarray) -> float:
    k = cov.shape[0]
    if k < 2:
        return np.nan
    total = cov.sum()
    return float(k / (k - 1) * (1 - np.trace(cov) / total)) if total > 0 else np.nan


def reliability(
    survey: pd.DataFrame,
    items=None,
    *,
    scales=None,
    reverse=None,
    scale_range: tuple[float, float] | None = (1, 5),
    duration: str | None = "duration_s",
    respondent: str | None = "customer_id",
    speed_ratio: float = 1 / 3,
) -> Reliability:
    """Check survey scales and respondents: Cronbach's alpha, item–rest correlations, careless answering.

    Parameters
    ----------
    survey : DataFrame
        One row per respondent, one column per item (answers on ``scale_range``;
        missing = skipped).
    items : DataFrame, mapping, list or None
        The items and their scales: a table with columns ``item`` and optionally
        ``scale``, ``text``, ``reverse_keyed`` (as ``make_customers().survey_items``),
        a mapping scale → list of items, or a list of items (one scale). In lists a
        leading ``"-"`` marks a reverse-keyed item, as in the R package psych
        (``{"agree": ["-A1", "A2", "A3"]}``). ``None``: every numeric column except
        ``duration`` and ``respondent``, as one scale.
    scales : list of str, optional
        Analyse only these scales.
    reverse : list, optional
        Further reverse-keyed items; they are scored ``low + high - answer``.
    scale_range : (low, high) or None
        The declared answer scale. Answers outside it, or fractional answers,
        raise :class:`~microseg.errors.SchemaError` naming the column and the
        values. ``None`` skips the check (reverse scoring then uses the
        observed minimum and maximum).
    duration : str or None
        Column of completion times in seconds, for the speeder flag; ignored
        when absent.
    respondent : str or None
        Column of respondent ids, used as the index of ``flags`` and ``scores``
        (the survey's index when absent).
    speed_ratio : float
        A speeder took less than this share of the median duration (a third,
        a common rule in survey practice).

    Returns
    -------
    Reliability

    Notes
    -----
    Skipped answers are handled by available-case analysis, as
    ``psych::alpha`` does by default: each covariance is computed from the
    respondents who answered both items (pairwise complete), and alpha,
    alpha-if-item-deleted and item–rest correlations all come from that
    covariance matrix. Scale scores are the mean of the items answered. No
    respondent is dropped. Alpha is computed on all respondents, flagged ones
    included; drop them first (``survey[~rel.flags["flagged"].to_numpy()]``)
    to see their effect.

    An item whose item–rest correlation is negative probably runs the other
    way from its scale (a reverse-keyed item not declared, or declared but not
    reversed); it is marked in ``items["suspect_keying"]`` and a
    :class:`~microseg.errors.DataQualityWarning` names it.

    Straight-liners answered at least three items and gave the same raw answer
    to all of them; speeders took less than ``speed_ratio`` times the median
    duration.

    Examples
    --------
    >>> import pandas as pd
    >>> survey = pd.DataFrame({"q1": [1, 2, 4, 5, 3, 2], "q2": [2, 2, 5, 4, 3, 1],
    ...                        "q3": [5, 4, 2, 1, 3, 4], "duration_s": [60, 55, 70, 10, 65, 50]})
    >>> rel = reliability(survey, {"mood": ["q1", "q2", "-q3"]})
    >>> round(float(rel.scales.loc["mood", "alpha"]), 2)
    0.96
    >>> rel.flags["speeder"].tolist()
    [False, False, False, True, False, False]
    """
    exclude = {c for c in (duration, respondent) if c is not None}
    table = item_table(survey, items, scales=scales, reverse=reverse, exclude=exclude)
    cols = table["item"].tolist()
    raw = answers(survey, cols, scale_range=scale_range)
    scored = reverse_score(raw, table["reverse_keyed"].to_numpy(), scale_range)
    index = (
        pd.Index(survey[respondent], name=respondent)
        if respondent is not None and respondent in survey.columns
        else survey.index
    )
    dur = durations(survey, duration)
    flags = respondent_flags(raw, dur, speed_ratio=speed_ratio, index=index)

    frame = pd.DataFrame(scored, columns=cols)
    seen = ~np.isnan(scored)
    item_rows, scale_rows, scores = [], [], {}
    for scale, part in table.groupby("scale", sort=False):
        members = part["item"].tolist()
        sub = frame[members]
        cov = sub.cov().to_numpy()  # pairwise complete
        corr = sub.corr().to_numpy()
        k = len(members)
        alpha = _alpha(cov)
        std_alpha = _alpha(corr)
        off = corr[~np.eye(k, dtype=bool)]
        mean_r = float(np.nanmean(off)) if k > 1 else np.nan
        score = sub.mean(axis=1, skipna=True)
        scores[scale] = score.to_numpy()
        scale_rows.append(
            {
                "scale": scale,
                "n_items": k,
                "n_respondents": int(sub.notna().any(axis=1).sum()),
                "alpha": alpha,
                "std_alpha": std_alpha,
                "mean_r": mean_r,
                "mean": float(score.mean()),
                "sd": float(score.std()),
            }
        )
        for i, item in enumerate(members):
            rest = [j for j in range(k) if j != i]
            if k > 1:
                c_rest = cov[i, rest].sum()
                v_rest = cov[np.ix_(rest, rest)].sum()
                r = c_rest / np.sqrt(cov[i, i] * v_rest) if v_rest > 0 else np.nan
                a_del = _alpha(cov[np.ix_(rest, rest)])
            else:
                r = a_del = np.nan
            item_rows.append(
                {
                    "item": item,
                    "scale": scale,
                    "reverse_keyed": bool(part["reverse_keyed"].iloc[i]),
                    "n_answered": int(seen[:, cols.index(item)].sum()),
                    "n_skipped": int((~seen[:, cols.index(item)]).sum()),
                    "mean": float(sub[item].mean()),
                    "sd": float(sub[item].std()),
                    "item_rest_r": float(r),
                    "alpha_if_deleted": float(a_del),
                }
            )
    item_df = pd.DataFrame(item_rows).set_index("item")
    item_df["suspect_keying"] = item_df["item_rest_r"] < 0
    item_df.insert(2, "text", table.set_index("item").loc[item_df.index, "text"].to_numpy())
    scale_df = pd.DataFrame(scale_rows).set_index("scale")
    score_df = pd.DataFrame(scores, index=index)

    suspects = item_df.index[item_df["suspect_keying"]].tolist()
    if suspects:
        import warnings

        from ..errors import DataQualityWarning

        detail = ", ".join(
            f"{it!r} (scale {item_df.loc[it, 'scale']!r}, r = {item_df.loc[it, 'item_rest_r']:.2f})"
            for it in suspects
        )
        warnings.warn(
            f"items correlate negatively with the rest of their scale, so they are probably mis-keyed: "
            f"{detail}. Check the wording; declare reverse-keyed items with reverse=[...] or "
            "'-item' in the items mapping.",
            DataQualityWarning,
            stacklevel=2,
        )
    return Reliability(
        scales=scale_df,
        items=item_df,
        flags=flags,
        scores=score_df,
        scale_range=None if scale_range is None else tuple(scale_range),
        speeders_checked=dur is not None,
        n_skipped=int((~seen).sum()),
        counts={
            "straight-liners": int(flags["straight_liner"].sum()),
            "speeders": int(flags["speeder"].sum()),
            "skipped answers": int((~seen).sum()),
        },
    )
