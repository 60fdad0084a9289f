"""RFM scores and named segments, from the table of :func:`microseg.rfm` (:mod:`microseg.segment._rfm_table`).

``RFMScorer`` learns score edges on a reference period and applies them to
other periods; ``rfm_segments`` names each cell of the recency × frequency grid.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_columns, check_frame
from ..errors import DataQualityWarning, MicrosegError, SchemaError

__all__ = ["RFMScorer", "rfm_segments", "RFM_SEGMENTS"]

def _greedy_edges(values: np.ndarray, n_bins: int) -> np.ndarray:
    """Upper edges of up to ``n_bins`` bins of near-equal counts that never split a tie."""
    vals, cnt = np.unique(values, return_counts=True)
    if len(vals) <= n_bins:
        return (vals[:-1] + vals[1:]) / 2.0
    edges = []
    total = cnt.sum()
    i, acc, done = 0, 0, 0
    bins_left = n_bins
    target = total / bins_left
    while i < len(vals) and bins_left > 1:
        acc += cnt[i]
        distinct_left = len(vals) - i - 1
        close = False
        if distinct_left <= bins_left - 1:
            close = True
        elif acc >= target:
            close = True
        elif abs(acc - target) <= abs(acc + cnt[i + 1] - target) and acc > 0:
            close = True
        if close:
            edges.append((vals[i] + vals[i + 1]) / 2.0)
            done += acc
            acc = 0
            bins_left -= 1
            target = (total - done) / bins_left
        i += 1
    return np.asarray(edges, dtype="float64")


class RFMScorer(TransformerMixin, BaseEstimator):
    """Score recency, frequency and monetary value 1–5 (5 best) with edges learned on a reference period.

    Fit on an analyst RFM table (from :func:`rfm` with ``convention="analyst"``);
    transform that period or any other into scores ``R``, ``F``, ``M``. Edges
    split the customers into ``n_bins`` groups of near-equal size without ever
    splitting customers with the same value, so ties (e.g. the many one-time
    buyers) share a score and heavy skew does not produce empty bins. When a
    column has fewer distinct values than ``n_bins``, its scores are spread
    over 1..``n_bins`` (e.g. 1, 3, 5 for three values). Recency is reversed:
    the most recent customers score highest.

    A DataFrame is read by column name (``days_since_last``, ``n_orders`` and
    the ``monetary`` column; other columns are ignored) and gives a DataFrame of
    scores with its index. A numeric array (or a DataFrame without those names)
    must have exactly three columns, in the order recency (days since the last
    order), frequency (number of orders), monetary value, and gives an integer
    array of scores.

    Parameters
    ----------
    n_bins : int, default 5
    monetary : {"total_spend", "mean_order_value"}, default "total_spend"
        The monetary column of a DataFrame.

    Attributes
    ----------
    edges_ : dict
        Column name → array of bin edges.
    n_features_in_ : int
    feature_names_in_ : ndarray
        Only when fitted on a DataFrame.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> table = pd.DataFrame({"days_since_last": [1, 10, 40, 90, 300], "n_orders": [9, 4, 2, 1, 1],
    ...                       "total_spend": [900.0, 300.0, 80.0, 20.0, 15.0]})
    >>> ms.RFMScorer().fit_transform(table)
       R  F  M
    0  5  5  5
    1  4  4  4
    2  3  2  3
    3  2  1  2
    4  1  1  1
    >>> ms.RFMScorer().fit_transform(table.to_numpy())[0]
    array([5, 5, 5])
    """

    _columns = {"R": "days_since_last", "F": "n_orders"}

    def __init__(self, n_bins: int = 5, monetary: str = "total_spend"):
        self.n_bins = n_bins
        self.monetary = monetary

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = []  # scores are integers whatever the input dtype
        return tags

    def _by_name(self, X) -> bool:
        """True to read ``X`` by column name; raise for a btyd table."""
        if not isinstance(X, pd.DataFrame):
            return False
        if "days_since_last" not in X.columns and {"frequency", "recency", "T"} <= set(X.columns):
            raise SchemaError(
                "RFMScorer scores the analyst RFM table, but this looks like a btyd table "
                "(frequency/recency/T); build it with ms.rfm(..., convention='analyst')."
            )
        cols = self._used_columns()
        if any(c in X.columns for c in cols):
            return True
        # no RFM column name at all: three unnamed columns are read in order, anything else is an error
        if X.shape[1] == 3:
            return False
        check_columns(X, cols, name="RFM table")  # raises, naming the missing columns
        return True

    def _check_table(self, X, *, reset: bool):
        """The three columns (recency, frequency, monetary) as float arrays, and the input's index or None."""
        cols = self._used_columns()
        if self._by_name(X):
            check_frame(X, name="RFM table")
            check_columns(X, cols, name="RFM table")
            arrays = []
            for c in cols:
                v = X[c].to_numpy(dtype="float64", na_value=np.nan)
                if np.isnan(v).any():
                    raise SchemaError(
                        f"column {c!r} of the RFM table has {int(np.isnan(v).sum())} missing values; "
                        "score only customers with at least one purchase (e.g. table.dropna())."
                    )
                arrays.append(v)
            if reset:
                self.feature_names_in_ = np.asarray(list(X.columns), dtype=object)
                self.n_features_in_ = X.shape[1]
            return arrays, X.index
        A = validate_data(self, X, reset=reset, dtype="float64", ensure_min_samples=2 if reset else 1)
        if A.shape[1] != 3:
            raise MicrosegError(
                f"RFMScorer scores three columns (recency, frequency, monetary), got X with "
                f"n_features = {A.shape[1]}; pass the analyst table from ms.rfm() as a DataFrame, "
                "or an array of exactly those three columns in that order."
            )
        return [A[:, 0], A[:, 1], A[:, 2]], None

    def _used_columns(self) -> list[str]:
        if self.monetary not in ("total_spend", "mean_order_value"):
            raise MicrosegError(f"monetary must be 'total_spend' or 'mean_order_value', got {self.monetary!r}.")
        return ["days_since_last", "n_orders", self.monetary]

    def fit(self, X, y=None):
        """Learn the score edges of each column on ``X`` (the reference period)."""
        if not isinstance(self.n_bins, (int, np.integer)) or self.n_bins < 2:
            raise MicrosegError(f"n_bins must be an integer >= 2, got {self.n_bins!r}.")
        for attr in ("feature_names_in_", "n_features_in_"):
            if hasattr(self, attr):
                delattr(self, attr)
        arrays, _ = self._check_table(X, reset=True)
        cols = self._used_columns()
        self.edges_ = {c: _greedy_edges(v, int(self.n_bins)) for c, v in zip(cols, arrays)}
        return self

    def _score(self, values: np.ndarray, edges: np.ndarray, reverse: bool) -> np.ndarray:
        k = len(edges) + 1
        b = np.searchsorted(edges, values, side="left")  # 0..k-1; a value equal to an edge midpoint goes low
        if k < self.n_bins:
            b = np.rint(b * (self.n_bins - 1) / max(k - 1, 1)).astype(np.int64)
        score = b + 1
        return (self.n_bins + 1 - score) if reverse else score

    def transform(self, X):
        """Scores ``R``, ``F``, ``M`` in 1..``n_bins``: a DataFrame for a DataFrame, else an int array."""
        check_is_fitted(self, "edges_")
        arrays, index = self._check_table(X, reset=False)
        scores = {
            name: self._score(v, self.edges_[c], reverse=(name == "R")).astype("int64")
            for name, c, v in zip(("R", "F", "M"), self._used_columns(), arrays)
        }
        if index is None:
            return np.column_stack(list(scores.values()))
        out = pd.DataFrame(scores, index=index)
        out.attrs["n_bins"] = int(self.n_bins)  # read by rfm_segments
        return out

    def get_feature_names_out(self, input_features=None):
        return np.asarray(["R", "F", "M"], dtype=object)


# --------------------------------------------------------------------------- named segments
#: The 11 standard segments on the recency (first digit) × frequency (second digit) grid of 1–5 scores.
RFM_SEGMENTS: dict[str, list[str]] = {
    "Champions": ["5[4-5]"],
    "Loyal": ["[3-4][4-5]"],
    "Potential Loyalist": ["[4-5][2-3]"],
    "New Customers": ["51"],
    "Promising": ["41"],
    "Need Attention": ["33"],
    "About to Sleep": ["3[1-2]"],
    "At Risk": ["[1-2][3-4]"],
    "Can't Lose Them": ["[1-2]5"],
    "Hibernating": ["12", "2[1-2]"],
    "Lost": ["11"],
}


def _segment_grid(config: Mapping[str, list[str] | str], n_bins: int = 5) -> pd.DataFrame:
    """R × F table of segment names; raises unless every cell is named exactly once."""
    cells = [f"{r}{f}" for r in range(1, n_bins + 1) for f in range(1, n_bins + 1)]
    owner: dict[str, list[str]] = {c: [] for c in cells}
    for name, patterns in config.items():
        if isinstance(patterns, str):
            patterns = [patterns]
        for p in patterns:
            rx = re.compile(p)
            for c in cells:
                if rx.fullmatch(c):
                    owner[c].append(name)
    missing = [c for c, o in owner.items() if not o]
    double = {c: o for c, o in owner.items() if len(o) > 1}
    if missing or double:
        parts = []
        if missing:
            parts.append(f"cells (RF) with no segment: {missing}")
        if double:
            parts.append(f"cells named twice: {double}")
        raise MicrosegError(
            "segment_config must name every recency × frequency cell exactly once; " + "; ".join(parts) + "."
        )
    grid = pd.DataFrame(index=pd.Index(range(1, n_bins + 1), name="R"), columns=pd.Index(range(1, n_bins + 1), name="F"),
                        dtype=object)
    for c, o in owner.items():
        grid.loc[int(c[0]), int(c[1])] = o[0]
    return grid


def _level_maps(n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Where each score 1..``n_bins`` of R and of F sits on the 1-5 scale the segment rules are written on.

    Five or more bins: the 1-5 level whose fifth of the customers holds the
    centre of the score's bin (``n_bins = 10`` gives 1, 1, 2, 2, ..., 5, 5),
    so every level is reached. Two or three bins: the ends and the middle
    (1, 5 and 1, 3, 5). Four bins cannot reach five levels on both axes; the
    levels 1, 3, 4, 5 for R and 1, 2, 3, 5 for F are the choice that keeps
    every standard segment reachable (recent customers are told apart by how
    recent, infrequent ones by how infrequent).
    """
    s = np.arange(1, n_bins + 1)
    if n_bins >= 5:
        level = np.floor((s - 0.5) / n_bins * 5).astype(np.int64) + 1
        return level, level
    if n_bins == 4:
        return np.array([1, 3, 4, 5]), np.array([1, 2, 3, 5])
    level = np.rint(1 + (s - 1) * 4 / (n_bins - 1)).astype(np.int64)
    return level, level


def rfm_segments(
    scores: pd.DataFrame,
    segment_config: Mapping[str, list[str] | str] | None = None,
    *,
    n_bins: int | None = None,
) -> pd.Series:
    """Name each customer's segment from their R and F scores.

    Parameters
    ----------
    scores : DataFrame
        With integer columns ``R`` and ``F`` in 1..``n_bins`` (from :class:`RFMScorer`).
    segment_config : mapping, optional
        Segment name → regular expression(s) over the two-digit ``"RF"`` cell
        of the 1-5 grid (``"5[4-5]"`` is R 5 and F 4 or 5). Defaults to
        :data:`RFM_SEGMENTS`, the 11 standard segments. It must name each of
        the 25 cells exactly once.
    n_bins : int, optional
        The number of score levels. Default: the ``n_bins`` of the
        :class:`RFMScorer` that made ``scores`` (kept in ``scores.attrs``),
        else 5. Scores on another number of levels are placed on the 1-5 grid
        first (see below), so the same rules serve any ``n_bins``.

    Notes
    -----
    With 5 or more bins each score goes to the 1-5 level whose fifth of the
    customers holds the centre of its bin, so every segment is reachable.
    With 4 bins, R scores sit at levels 1, 3, 4, 5 and F scores at 1, 2, 3, 5,
    which keeps all 11 standard segments reachable. With 2 or 3 bins there are
    fewer cells than segments: the segments no cell reaches are named in a
    :class:`~microseg.errors.DataQualityWarning` (they stay as empty
    categories).

    Returns
    -------
    Series
        Ordered categorical of segment names, indexed like ``scores``.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> ms.rfm_segments(pd.DataFrame({"R": [5, 1, 3], "F": [5, 1, 3]})).tolist()
    ['Champions', 'Lost', 'Need Attention']
    >>> ms.rfm_segments(pd.DataFrame({"R": [10, 1], "F": [10, 1]}), n_bins=10).tolist()
    ['Champions', 'Lost']
    """
    config = RFM_SEGMENTS if segment_config is None else segment_config
    check_frame(scores, name="scores")
    check_columns(scores, ["R", "F"], name="scores")
    grid = _segment_grid(config)
    if n_bins is None:
        n_bins = scores.attrs.get("n_bins", 5)
    if not isinstance(n_bins, (int, np.integer)) or n_bins < 2:
        raise MicrosegError(f"n_bins must be an integer >= 2 (the number of score levels), got {n_bins!r}.")
    n_bins = int(n_bins)
    r = scores["R"].to_numpy()
    f = scores["F"].to_numpy()
    levels = np.arange(1, n_bins + 1)
    bad = ~np.isin(r, levels) | ~np.isin(f, levels)
    if bad.any():
        found = sorted({int(v) if float(v).is_integer() else float(v) for v in
                        np.concatenate([r[~np.isin(r, levels)], f[~np.isin(f, levels)]]) if pd.notna(v)})[:5]
        raise MicrosegError(
            f"scores R and F must be integers 1..{n_bins}; {int(bad.sum())} rows are not (e.g. {found}). "
            "Pass n_bins= with the number of levels the scores have (RFMScorer(n_bins=...))."
        )
    r_level, f_level = _level_maps(n_bins)
    table = grid.to_numpy()[np.ix_(r_level - 1, f_level - 1)]  # n_bins x n_bins names
    names = table[r.astype(np.int64) - 1, f.astype(np.int64) - 1]
    unreachable = [name for name in config if name not in set(table.ravel())]
    if unreachable:
        warnings.warn(
            f"with n_bins = {n_bins} the R x F grid has {n_bins * n_bins} cells, and no cell falls in "
            f"{len(unreachable)} of the {len(config)} segments: {', '.join(unreachable)}. They stay as empty "
            "categories; use n_bins >= 4 for all of them, or a segment_config written for this grid.",
            DataQualityWarning,
            stacklevel=2,
        )
    cat = pd.CategoricalDtype(list(config), ordered=True)
    return pd.Series(pd.Categorical(names, dtype=cat), index=scores.index, name="segment")
