"""How many segments: :func:`choose_k`.

It works on the encoding of :class:`~microseg.SegmentModel`
(pass ``model=`` to use other encoding settings); the encoder is fitted once
on all rows, and only the k-means step is repeated.

**Gap statistic** (Tibshirani, Walther & Hastie 2001): for each k, the log of the
within-segment sum of squares is compared with its mean over ``n_references``
reference data sets without segments. Numeric columns of a reference are drawn
uniformly in the PCA-aligned bounding box of the scaled numeric columns (their
method "b"); each categorical one-hot block and missing indicator is drawn
independently from the observed rows, so the reference is exactly as discrete
as the data (a uniform box over one-hot columns would make the many small
groups of level combinations look like segments, and the gap would grow with k). The recommended k is the smallest k whose gap is at least
the next k's gap minus one standard error ("1-SE rule"); if no k qualifies, the k
that most of the other criteria (elbow, silhouette, Calinski–Harabasz,
Davies–Bouldin) prefer, ties to the smaller — a gap that still rises at the
largest k says "more segments than the range", common in customer data with
many small groups of level combinations. The gap is computed on a random sample
of ``gap_sample`` rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.utils import check_random_state

from .._progress import progress
from .._words import join
from ..errors import MicrosegError
from ._cluster import SegmentModel, kmeans

__all__ = ["choose_k", "ChooseKResult", "knee"]

_CRITERIA = {
    "elbow": "the elbow",
    "silhouette": "silhouette",
    "calinski_harabasz": "Calinski–Harabasz",
    "davies_bouldin": "Davies–Bouldin",
}


def knee(x, y) -> float:
    """Knee of a decreasing convex curve by the Kneedle rule (Satopää et al. 2011).

    Both axes are scaled to [0, 1]; the knee is the point farthest below the
    straight line from the first to the last point.

    Examples
    --------
    >>> knee([1, 2, 3, 4, 5, 6], [100, 40, 15, 12, 10, 9])
    3
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if len(x) < 3 or np.ptp(y) == 0:
        return _num(x[0])
    xn = (x - x.min()) / np.ptp(x)
    yn = (y - y.min()) / np.ptp(y)
    diff = (1 - xn) - yn
    return _num(x[int(np.argmax(diff))])


def _num(v):
    return int(v) if float(v).is_integer() else float(v)


def _template(model, random_state):
    if model is None:
        return SegmentModel(random_state=random_state)
    if not isinstance(model, SegmentModel):
        raise MicrosegError(f"model must be a SegmentModel (its settings are used), got {type(model).__name__}.")
    out = clone(model)
    if random_state is not None:
        out.set_params(random_state=random_state)
    return out


def _ks(k) -> list[int]:
    ks = [k] if isinstance(k, (int, np.integer)) else list(k)
    if not ks or any(not isinstance(v, (int, np.integer)) or v < 1 for v in ks):
        raise MicrosegError(f"k must be a positive integer or a list of them, got {k!r}.")
    return sorted({int(v) for v in ks})


def _encode(template, X, kmax):
    """Fit the template's encoder on all of X; return the encoded matrix and its blocks.

    Blocks: the indices of the numeric columns, and a list of index arrays, one
    per "is missing" indicator and per categorical one-hot block.
    """
    m = clone(template).set_params(n_segments=kmax)
    _, Z = m._encode(X, reset=True)
    enc = m._encoder
    n_num = len(enc.numeric_)
    blocks, j = [], n_num
    for _ in enc.indicator_:
        blocks.append(np.array([j]))
        j += 1
    for c in enc.categorical_:
        width = len(enc.block_levels(c))
        blocks.append(np.arange(j, j + width))
        j += width
    return Z, np.arange(n_num), blocks


@dataclass(frozen=True)
class ChooseKResult:
    """Criteria for each number of segments, and a recommendation.

    Attributes
    ----------
    scores : DataFrame
        Indexed by ``k``: ``inertia``, ``silhouette`` (higher is better),
        ``calinski_harabasz`` (higher is better), ``davies_bouldin`` (lower is
        better), ``gap`` and ``gap_se``.
    recommended : int
        k chosen by the gap statistic's 1-SE rule.
    elbow : int
        Knee of the inertia curve (Kneedle).
    agreeing : tuple of str
        Other criteria whose best k equals ``recommended``.
    recommendation : str
        One sentence saying which k and which criteria agree.
    """

    scores: pd.DataFrame
    recommended: int
    elbow: int
    agreeing: tuple
    recommendation: str

    def summary(self) -> str:
        """The recommendation, in one sentence."""
        return self.recommendation

    def to_frame(self) -> pd.DataFrame:
        """The criteria table, one row per k."""
        return self.scores.copy()

    def plot(self, ax=None):
        """Draw each criterion against k (multi-panel Figure); see :func:`microseg.plot.plot_choose_k`."""
        from ..plot import plot_choose_k

        return plot_choose_k(self, ax=ax)

    def __repr__(self) -> str:
        ks = self.scores.index
        return f"ChooseKResult(k={ks.min()}..{ks.max()}, recommended={self.recommended})"

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return f"<p>{self.recommendation}</p>" + format_table(self.scores, max_rows=None).html


def choose_k(
    X,
    k: Iterable[int] = range(2, 11),
    *,
    model=None,
    n_references: int = 10,
    gap_sample: int = 5_000,
    silhouette_sample: int = 20_000,
    random_state=None,
    verbose: bool | None = None,
) -> ChooseKResult:
    """Compare numbers of segments and recommend one.

    For each k, fits the segmentation and records inertia, silhouette (on a
    random sample of ``silhouette_sample`` rows beyond that size, so it never
    costs O(n²)), Calinski–Harabasz, Davies–Bouldin and the gap statistic. The
    recommendation follows the gap statistic's 1-SE rule, and the sentence names
    the other criteria that agree (see the module notes for the definitions).

    Parameters
    ----------
    X : DataFrame or array-like
        One row per customer, as for :class:`SegmentModel`.
    k : iterable of int, default range(2, 11)
        Numbers of segments to compare.
    model : SegmentModel, optional
        Its encoding and k-means settings are used (``n_segments`` is ignored).
    n_references : int, default 10
        Reference data sets for the gap statistic (B).
    gap_sample : int, default 5000
        Rows used for the gap statistic.
    silhouette_sample : int, default 20000
        Rows used for the silhouette beyond this size.
    random_state : int, RandomState or None
    verbose : bool, optional
        Show a progress bar (one step per k). Default: in Jupyter and the
        ``microseg`` command only; ``False`` turns it off.

    Returns
    -------
    ChooseKResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import microseg as ms
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, 1, (100, 2)), rng.normal(8, 1, (100, 2)),
    ...                        rng.normal([0, 8], 1, (100, 2))], columns=["a", "b"])
    >>> res = ms.choose_k(X, k=range(2, 6), n_references=5, random_state=0)
    >>> res.recommended
    3
    """
    ks = _ks(k)
    if n_references < 1:
        raise MicrosegError(f"n_references must be >= 1, got {n_references!r}.")
    rng = check_random_state(random_state)
    template = _template(model, rng.randint(2**31 - 1))
    Z, num_cols, blocks = _encode(template, X, max(ks))
    n = Z.shape[0]
    p = template.get_params()
    rows = []
    for kk in progress(ks, desc="choose_k", verbose=verbose, unit="k"):
        labels, _, inertia, _ = kmeans(Z, None, kk, n_init=p["n_init"], max_iter=p["max_iter"],
                                        fit_sample=p["fit_sample"], rng=rng)
        n_lab = len(np.unique(labels))
        if 2 <= n_lab < n:
            sil = float(silhouette_score(Z, labels, sample_size=min(n, silhouette_sample) if n > silhouette_sample else None,
                                         random_state=rng.randint(2**31 - 1)))
            ch = float(calinski_harabasz_score(Z, labels))
            db = float(davies_bouldin_score(Z, labels))
        else:
            sil = ch = db = np.nan
        rows.append({"k": kk, "inertia": inertia, "silhouette": sil, "calinski_harabasz": ch, "davies_bouldin": db})
    scores = pd.DataFrame(rows).set_index("k")

    gap, se = _gap(Z, ks, num_cols=num_cols, blocks=blocks, n_references=n_references, gap_sample=gap_sample, n_init=p["n_init"],
                   max_iter=p["max_iter"], rng=rng)
    scores["gap"] = gap
    scores["gap_se"] = se

    rec = None
    for i in range(len(ks) - 1):
        if gap[i] >= gap[i + 1] - se[i + 1]:
            rec = ks[i]
            break
    elbow = knee(ks, scores["inertia"].to_numpy()) if len(ks) >= 3 else ks[0]
    best = {"elbow": elbow}
    for col, fn in (("silhouette", np.nanargmax), ("calinski_harabasz", np.nanargmax), ("davies_bouldin", np.nanargmin)):
        vals = scores[col].to_numpy()
        best[col] = ks[int(fn(vals))] if np.isfinite(vals).any() else None
    rule = "gap statistic, 1-SE rule"
    if rec is None:
        votes = pd.Series([v for v in best.values() if v is not None])
        if len(votes):
            counts = votes.value_counts()
            rec = int(min(counts.index[counts == counts.max()]))
            rule = ("the gap statistic still rises at the largest k, so the k most other criteria prefer; "
                    "try larger k too")
        else:
            rec = ks[int(np.nanargmax(gap))]
            rule = "largest gap statistic; the 1-SE rule found no k in the range"
    agreeing = tuple(c for c, v in best.items() if v == rec)
    others = [f"{_CRITERIA[c]} prefers {v}" for c, v in best.items() if v is not None and v != rec]
    sentence = f"Recommended: {rec} segments ({rule})"
    if agreeing:
        sentence += f"; {join([_CRITERIA[c] for c in agreeing])} {'agrees' if len(agreeing) == 1 else 'agree'}"
    else:
        sentence += "; no other criterion agrees"
    if others:
        sentence += f"; {join(others)}"
    sentence += "."
    return ChooseKResult(scores=scores, recommended=int(rec), elbow=int(elbow), agreeing=agreeing,
                         recommendation=sentence)


def _reference(Z, num_cols, blocks, rng):
    """One reference data set: numbers uniform in the PCA-aligned box of the numeric
    columns; each categorical block (and missing indicator) drawn independently from
    its observed rows, so the reference is as discrete as the data but has no structure."""
    n = Z.shape[0]
    out = np.empty_like(Z)
    if len(num_cols):
        N = Z[:, num_cols].astype(np.float64)
        mean = N.mean(axis=0)
        _, _, vt = np.linalg.svd(N - mean, full_matrices=False)
        proj = (N - mean) @ vt.T
        out[:, num_cols] = rng.uniform(proj.min(axis=0), proj.max(axis=0), size=proj.shape) @ vt + mean
    for b in blocks:
        out[:, b] = Z[rng.randint(0, n, size=n)][:, b]
    return out


def _gap(Z, ks, *, num_cols, blocks, n_references, gap_sample, n_init, max_iter, rng):
    n = Z.shape[0]
    if n > gap_sample:
        Z = Z[np.sort(rng.choice(n, size=gap_sample, replace=False))]
    refs = [_reference(Z, num_cols, blocks, rng).astype(np.float32) for _ in range(n_references)]
    Z32 = Z.astype(np.float32)
    gap, se = [], []
    for kk in ks:
        kk_eff = min(kk, Z.shape[0])
        logw = np.log(max(kmeans(Z32, None, kk_eff, n_init=n_init, max_iter=max_iter, fit_sample=None, rng=rng)[2], 1e-300))
        ref = np.array([
            np.log(max(kmeans(R, None, kk_eff, n_init=max(1, n_init // 2), max_iter=max_iter,
                               fit_sample=None, rng=rng)[2], 1e-300))
            for R in refs
        ])
        gap.append(ref.mean() - logw)
        se.append(ref.std() * np.sqrt(1 + 1 / n_references))
    return np.array(gap), np.array(se)
