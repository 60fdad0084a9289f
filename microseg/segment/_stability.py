"""Are the segments real: :func:`stability`.

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

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import adjusted_rand_score
from sklearn.utils import check_random_state

from .._progress import progress
from ..errors import MicrosegError
from ._choose_k import _ks, _template
from ._cluster import kmeans

__all__ = ["stability", "StabilityResult"]

UNSTABLE, DOUBTFUL = 0.6, 0.75


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
        from .._tables import format_table

        return f"<p>{self.summary()}</p>" + format_table(self.segments, max_rows=None).html


def stability(
    X,
    k,
    *,
    n_resamples: int = 20,
    subsample: float = 0.8,
    model=None,
    max_rows: int | None = 50_000,
    random_state=None,
    verbose: bool | None = None,
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
    verbose : bool, optional
        Show a progress bar (one step per k). Default: in Jupyter and the
        ``microseg`` command only; ``False`` turns it off.

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
    p = template.get_params()
    by_k, segs, res_rows = [], [], []
    Z = None
    for kk in progress(ks, desc="stability", verbose=verbose, unit="k"):
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
            lab = kmeans(Z[idx], None, kk, n_init=p["n_init"], max_iter=p["max_iter"],
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
