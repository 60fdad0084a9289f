"""How many segments, and are they real: :func:`choose_k` and :func:`stability`.

Both work on the encoding of :class:`~microseg.segment.cluster.SegmentModel`
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

**Stability** (clusterboot style, Hennig 2007): the data are subsampled
``n_resamples`` times (``subsample`` share of rows, without replacement) and
re-clustered. For each k, the adjusted Rand index (ARI) between the resample's
segments and the full-data segments on the same rows is averaged. For each
full-data segment, the best Jaccard similarity with any segment of a resample is
averaged over resamples: a mean Jaccard below 0.6 flags the segment
``"unstable"`` (it does not come back), below 0.75 ``"doubtful"``, otherwise
``"stable"`` (Hennig's guidance: below 0.5 a segment "dissolves", 0.6–0.75 shows
a pattern but doubtful membership, above 0.75 a valid, stable segment).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.utils import check_random_state

from ..errors import MicrosegError

__all__ = ["choose_k", "stability", "ChooseKResult", "StabilityResult", "knee"]

UNSTABLE, DOUBTFUL = 0.6, 0.75

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
    from .cluster import SegmentModel

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
        return f"<p>{self.recommendation}</p>" + self.scores.to_html(float_format=lambda v: f"{v:.4g}")


def choose_k(
    X,
    k: Iterable[int] = range(2, 11),
    *,
    model=None,
    n_references: int = 10,
    gap_sample: int = 5_000,
    silhouette_sample: int = 20_000,
    random_state=None,
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
    from .cluster import _kmeans

    p = template.get_params()
    rows = []
    for kk in ks:
        labels, _, inertia, _ = _kmeans(Z, None, kk, n_init=p["n_init"], max_iter=p["max_iter"],
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
        sentence += f"; {_join([_CRITERIA[c] for c in agreeing])} {'agrees' if len(agreeing) == 1 else 'agree'}"
    else:
        sentence += "; no other criterion agrees"
    if others:
        sentence += f"; {_join(others)}"
    sentence += "."
    return ChooseKResult(scores=scores, recommended=int(rec), elbow=int(elbow), agreeing=agreeing,
                         recommendation=sentence)


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


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
    from .cluster import _kmeans

    n = Z.shape[0]
    if n > gap_sample:
        Z = Z[np.sort(rng.choice(n, size=gap_sample, replace=False))]
    refs = [_reference(Z, num_cols, blocks, rng).astype(np.float32) for _ in range(n_references)]
    Z32 = Z.astype(np.float32)
    gap, se = [], []
    for kk in ks:
        kk_eff = min(kk, Z.shape[0])
        logw = np.log(max(_kmeans(Z32, None, kk_eff, n_init=n_init, max_iter=max_iter, fit_sample=None, rng=rng)[2], 1e-300))
        ref = np.array([
            np.log(max(_kmeans(R, None, kk_eff, n_init=max(1, n_init // 2), max_iter=max_iter,
                               fit_sample=None, rng=rng)[2], 1e-300))
            for R in refs
        ])
        gap.append(ref.mean() - logw)
        se.append(ref.std() * np.sqrt(1 + 1 / n_references))
    return np.array(gap), np.array(se)


@dataclass(frozen=True)
class StabilityResult:
    """How well segments come back when the data are resampled.

    Attributes
    ----------
    by_k : DataFrame
        Indexed by ``k``: ``mean_ari``, ``sd_ari``, ``min_ari`` across resamples,
        and ``n_unstable`` (segments flagged unstable or doubtful).
    segments : DataFrame
        One row per (``k``, ``segment``): ``share`` of rows, ``jaccard`` (mean of
        the best Jaccard similarity with a resample's segment), ``jaccard_sd``
        and ``status`` ("stable", "doubtful" below 0.75, "unstable" below 0.6).
    resamples : DataFrame
        ``k``, ``resample``, ``ari``: one row per fit.
    n_resamples : int
    subsample : float
    """

    by_k: pd.DataFrame
    segments: pd.DataFrame
    resamples: pd.DataFrame
    n_resamples: int
    subsample: float

    def to_frame(self) -> pd.DataFrame:
        """Per-segment recovery table."""
        return self.segments.copy()

    def unstable(self) -> pd.DataFrame:
        """Segments flagged "unstable" or "doubtful"."""
        return self.segments[self.segments["status"] != "stable"].copy()

    def summary(self) -> str:
        """One sentence per k."""
        parts = []
        for k, row in self.by_k.iterrows():
            seg = self.segments[self.segments["k"] == k]
            bad = seg[seg["status"] != "stable"]
            s = f"k={k}: mean ARI {row['mean_ari']:.2f} over {self.n_resamples} resamples"
            if len(bad):
                s += "; " + ", ".join(f"segment {r.segment} {r.status} (Jaccard {r.jaccard:.2f})"
                                      for r in bad.itertuples())
            else:
                s += "; every segment stable"
            parts.append(s + ".")
        return " ".join(parts)

    def plot(self, ax=None):
        """Draw ARI by k and Jaccard by segment (Figure); see :func:`microseg.plot.plot_stability`."""
        from ..plot import plot_stability

        return plot_stability(self, ax=ax)

    def __repr__(self) -> str:
        ks = ", ".join(str(k) for k in self.by_k.index)
        return f"StabilityResult(k=[{ks}], n_resamples={self.n_resamples}, unstable={len(self.unstable())})"

    def _repr_html_(self) -> str:
        return f"<p>{self.summary()}</p>" + self.segments.to_html(float_format=lambda v: f"{v:.3g}")


def stability(
    X,
    k,
    *,
    n_resamples: int = 20,
    subsample: float = 0.8,
    model=None,
    max_rows: int | None = 50_000,
    random_state=None,
) -> StabilityResult:
    """Resample, re-cluster and measure how well each segment comes back.

    Parameters
    ----------
    X : DataFrame or array-like
        One row per customer, as for :class:`SegmentModel`.
    k : int or list of int
        Number(s) of segments to check.
    n_resamples : int, default 20
        Number of subsamples per k.
    subsample : float, default 0.8
        Share of rows in each subsample (drawn without replacement).
    model : SegmentModel, optional
        Its encoding and k-means settings are used; with the same
        ``random_state`` its segment numbers match the reference segments here.
    max_rows : int or None, default 50000
        Above this many rows, the check runs on a random sample of this size.
    random_state : int, RandomState or None

    Returns
    -------
    StabilityResult
        Thresholds: mean Jaccard < 0.6 "unstable", < 0.75 "doubtful" (see the module notes).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import microseg as ms
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame(np.r_[rng.normal(0, 1, (100, 2)), rng.normal(8, 1, (100, 2))], columns=["a", "b"])
    >>> res = ms.stability(X, k=2, n_resamples=5, random_state=0)
    >>> res.by_k["mean_ari"].round(2).tolist(), res.segments["status"].tolist()
    ([1.0], ['stable', 'stable'])
    """
    ks = _ks(k)
    if not 0 < subsample < 1:
        raise MicrosegError(f"subsample must be a share in (0, 1), got {subsample!r}.")
    if n_resamples < 1:
        raise MicrosegError(f"n_resamples must be >= 1, got {n_resamples!r}.")
    rng = check_random_state(random_state)
    template = _template(model, None if model is not None and random_state is None else rng.randint(2**31 - 1))
    if max_rows is not None and len(X) > max_rows:
        idx = np.sort(rng.choice(len(X), size=max_rows, replace=False))
        X = X.iloc[idx] if isinstance(X, pd.DataFrame) else np.asarray(X)[idx]
    from .cluster import _kmeans

    p = template.get_params()
    by_k, segs, res_rows = [], [], []
    Z = None
    for kk in ks:
        ref_model = clone(template).set_params(n_segments=kk).fit(X)
        if Z is None:
            Z = ref_model.encode(X)
        n = Z.shape[0]
        m = int(round(subsample * n))
        if m < kk:
            raise MicrosegError(
                f"a subsample of {m} rows is smaller than k={kk}; use a larger subsample or fewer segments."
            )
        ref = ref_model.labels_
        aris, jac = [], []
        for r in range(n_resamples):
            idx = np.sort(rng.choice(n, size=m, replace=False))
            lab = _kmeans(Z[idx], None, kk, n_init=p["n_init"], max_iter=p["max_iter"],
                          fit_sample=p["fit_sample"], rng=rng)[0]
            a = ref[idx]
            aris.append(adjusted_rand_score(a, lab))
            C = np.bincount(a * kk + lab, minlength=kk * kk).reshape(kk, kk).astype(float)
            union = C.sum(axis=1)[:, None] + C.sum(axis=0)[None, :] - C
            with np.errstate(invalid="ignore", divide="ignore"):
                J = np.where(union > 0, C / union, np.nan)
            best = np.nanmax(np.where(np.isnan(J), -1, J), axis=1)
            best[C.sum(axis=1) == 0] = np.nan
            jac.append(best)
            res_rows.append({"k": kk, "resample": r, "ari": aris[-1]})
        jac = np.array(jac)
        share = np.bincount(ref, minlength=kk) / n
        jm = np.nanmean(jac, axis=0)
        status = np.where(jm < UNSTABLE, "unstable", np.where(jm < DOUBTFUL, "doubtful", "stable"))
        for s in range(kk):
            segs.append({"k": kk, "segment": s, "share": share[s], "jaccard": jm[s],
                         "jaccard_sd": np.nanstd(jac[:, s]), "status": status[s]})
        aris = np.array(aris)
        by_k.append({"k": kk, "mean_ari": aris.mean(), "sd_ari": aris.std(), "min_ari": aris.min(),
                     "n_unstable": int((status != "stable").sum())})
    return StabilityResult(
        by_k=pd.DataFrame(by_k).set_index("k"),
        segments=pd.DataFrame(segs),
        resamples=pd.DataFrame(res_rows),
        n_resamples=int(n_resamples),
        subsample=float(subsample),
    )
