"""PsychographicModel: survey answers → rotated factors → segments on factor scores."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted, validate_data

from .._validation import check_not_series, report_rows
from ..errors import MicrosegError
from ._likert import (
    DEFAULT_SCALE,
    answers,
    durations,
    item_table,
    respondent_flags,
    single_thread,
)
from ._parallel_analysis import parallel_analysis

__all__ = ["PsychographicModel"]

_MAX_AUTO_SEGMENTS = 8


def _short(text: str, width: int = 28) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _name_factors(loadings: np.ndarray, table: pd.DataFrame) -> list[str]:
    """Name each factor after its top-loading items.

    When the items carry scale names and at least two of the factor's three
    top-loading items (by absolute loading) belong to one scale not yet used
    for a stronger factor, the factor takes that scale's name (prefixed "low "
    when those items load against their keying). Otherwise it is named after
    its two top items' texts ("not " before an item loading negatively).
    Repeated names get " (2)", " (3)".
    """
    scales = table["scale"].to_numpy()
    texts = table["text"].to_numpy()
    keyed = np.where(table["reverse_keyed"].to_numpy(), -1.0, 1.0)
    used: set = set()
    use_scales = len(set(scales)) > 1 or scales[0] != DEFAULT_SCALE
    names = []
    for j in range(loadings.shape[1]):
        col = loadings[:, j]
        order = np.argsort(-np.abs(col), kind="stable")
        top = order[: min(3, len(order))]
        name = None
        if use_scales:
            vals, counts = np.unique(scales[top], return_counts=True)
            best = vals[np.argmax(counts)]
            if counts.max() >= min(2, len(top)) and best not in used:
                used.add(best)
                sign = (col * keyed)[top][scales[top] == best].sum()
                name = ("low " if sign < 0 else "") + str(best)
        if name is None:
            parts = [("not " if col[i] < 0 else "") + _short(texts[i]) for i in order[:2]]
            name = " / ".join(parts)
        names.append(name)
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n} ({seen[n]})")
    return out


class PsychographicModel(ClusterMixin, TransformerMixin, BaseEstimator):
    """Psychographic segments: factor analysis of survey answers, then segments on factor scores.

    Parameters
    ----------
    n_factors : "parallel" or int, default="parallel"
        Number of factors. ``"parallel"`` uses Horn's parallel analysis: keep the
        leading eigenvalues of the items' correlation matrix (skipped answers
        imputed) that beat the 95th percentile of the eigenvalues of 20 random
        normal data sets of the same shape (drawn from ``random_state``). See
        ``parallel_`` and :func:`parallel_analysis`.
    n_segments : int or "auto", default=4
        Number of segments. ``"auto"`` tries 2 to 8 and keeps the lowest BIC
        (``segmenter="gmm"``) or the highest silhouette (``"kmeans"``).
    rotation : {"varimax", "quartimax"} or None, default="varimax"
        Orthogonal rotation of the loadings (varimax gives each factor a few
        strong items, which makes factors easy to name).
    segmenter : {"gmm", "kmeans"}, default="gmm"
        Gaussian mixture (full covariances, soft ``predict_proba``) or k-means
        on the factor scores.
    exclude_flagged : bool, default=True
        Leave straight-liners and speeders (see :func:`microseg.reliability`)
        out of the fit. They still get a segment in ``labels_``; ``flagged_``
        marks them and a :class:`~microseg.errors.DataQualityWarning` gives the counts.
    items : DataFrame, mapping, list or None
        Which columns are items, as in :func:`microseg.reliability` (an items
        table with ``item``, ``scale``, ``text``, ``reverse_keyed``; a mapping
        scale → items; or a list). ``None``: every numeric column except
        ``duration`` and ``respondent``. Item texts and scale names are used to
        name the factors. Reverse keying does not change a factor model (the
        loading changes sign), so answers are not reversed; it only orients
        each factor (see ``loadings_``).
    scale_range : (low, high) or None, default=(1, 5)
        Declared answer scale; answers outside it raise an error naming the column.
    duration, respondent : str or None
        Completion-time column (seconds) for the speeder flag, and the id column;
        both are never items.
    random_state : int, RandomState or None
        Seeds parallel analysis, factor analysis and the segmenter.

    Attributes
    ----------
    loadings_ : DataFrame
        Items × factors, rotated loadings on standardised answers, factors
        ordered by variance explained, signs set so the three top-loading
        items load positively on the whole, a reverse-keyed item counting
        the other way (a factor points the way its main items are keyed, so a
        high score means more of what its name says).
    factor_names_ : list of str
        One name per factor, from its top-loading items (see Notes).
    n_factors_ : int
    parallel_ : DataFrame or None
        The parallel analysis table when ``n_factors="parallel"``.
    n_segments_ : int
    labels_ : ndarray
        Segment of every training respondent (flagged ones included), 0 = largest segment.
    flagged_ : ndarray of bool
        Training respondents left out of the fit.
    segment_profile_ : DataFrame
        Per segment: respondents, share and mean factor scores (fitted respondents).
    medians_ : Series
        Item medians used to impute skipped answers.
    feature_names_in_, n_features_in_
        The item columns.

    Notes
    -----
    **Why segments on factor scores rather than latent class analysis.**
    Latent class analysis on the raw answers models every item's answer
    distribution within every class (classes × items × (levels - 1)
    parameters); with 20-50 Likert items it needs large samples, fits slowly
    and is not in the scientific Python stack. Factor scores pool many noisy
    items into a few reliable, nearly continuous dimensions, which is what a
    Gaussian mixture separates well; the mixture still gives soft memberships
    (``predict_proba``) and BIC for choosing the number of segments, and the
    segments can be described on the named factors.

    **Describing segments.** ``profile()`` gives each segment's size and mean
    factor scores; ``scores_frame(survey)`` gives one row per respondent (factor
    scores, ``segment``, ``flagged``) indexed by respondent id, to join onto a
    customer table and pass to :func:`microseg.profile` with ``segments="segment"``.

    **Skipped answers** are imputed with the item's median on the fitted
    respondents, at fit and at predict; no respondent is dropped.

    Factor scores are scikit-learn's ``FactorAnalysis`` posterior means on
    standardised answers (regression scores). ``transform`` returns them as an
    array; ``set_output(transform="pandas")`` names the columns after the factors.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> seg = rng.integers(0, 2, 300)
    >>> f = np.c_[np.where(seg == 1, 1.5, -1.5), rng.normal(size=300)]
    >>> raw = np.repeat(f, 3, axis=1) + rng.normal(scale=0.7, size=(300, 6))
    >>> survey = pd.DataFrame(np.clip(np.round(raw + 3), 1, 5).astype(int),
    ...                       columns=["fun", "party", "travel", "save", "plan", "budget"])
    >>> model = PsychographicModel(n_segments=2, exclude_flagged=False, random_state=0).fit(survey)
    >>> model.n_factors_
    2
    >>> model.factor_names_
    ['fun / party', 'plan / save']
    """

    def __init__(
        self,
        n_factors="parallel",
        n_segments=4,
        *,
        rotation="varimax",
        segmenter="gmm",
        exclude_flagged=True,
        items=None,
        scale_range=(1, 5),
        duration="duration_s",
        respondent="customer_id",
        random_state=None,
    ):
        self.n_factors = n_factors
        self.n_segments = n_segments
        self.rotation = rotation
        self.segmenter = segmenter
        self.exclude_flagged = exclude_flagged
        self.items = items
        self.scale_range = scale_range
        self.duration = duration
        self.respondent = respondent
        self.random_state = random_state

    # ----------------------------------------------------------------- input
    def _check_params(self):
        if self.rotation not in ("varimax", "quartimax", None):
            raise MicrosegError(f"rotation must be 'varimax', 'quartimax' or None, got {self.rotation!r}.")
        if self.segmenter not in ("gmm", "kmeans"):
            raise MicrosegError(f"segmenter must be 'gmm' or 'kmeans', got {self.segmenter!r}.")
        if not (self.n_factors == "parallel" or (isinstance(self.n_factors, Integral) and self.n_factors >= 1)):
            raise MicrosegError(f"n_factors must be 'parallel' or an integer >= 1, got {self.n_factors!r}.")
        if not (self.n_segments == "auto" or (isinstance(self.n_segments, Integral) and self.n_segments >= 1)):
            raise MicrosegError(f"n_segments must be 'auto' or an integer >= 1, got {self.n_segments!r}.")

    def _read(self, X, *, fit: bool):
        """Return (answers array, durations or None) for X, checking it."""
        check_not_series(X, name="X")
        if fit and hasattr(X, "__len__") and len(X) < 2:
            raise MicrosegError(
                f"the survey has {len(X)} respondent(s) (n_samples={len(X)}); a factor model and segments "
                "need many respondents, at least as many as segments."
            )
        if isinstance(X, pd.DataFrame):
            if fit:
                exclude = {c for c in (self.duration, self.respondent) if c is not None}
                table = item_table(X, self.items, exclude=exclude)
                self._table = table
                self.feature_names_in_ = np.asarray(table["item"].tolist(), dtype=object)
                self.n_features_in_ = len(table)
            else:
                missing = [c for c in self.feature_names_in_ if c not in X.columns]
                if missing:
                    raise MicrosegError(
                        f"The feature names should match those that were passed during fit: the survey has "
                        f"no item column(s) {missing[:10]}; pass the same item columns as at fit."
                    )
            a = answers(X, list(self.feature_names_in_), scale_range=self.scale_range, check_spread=fit)
            return a, durations(X, self.duration)
        a = validate_data(self, X, reset=fit, ensure_all_finite="allow-nan", dtype="float64")
        if fit:
            self._table = pd.DataFrame(
                {
                    "item": [f"x{j}" for j in range(a.shape[1])],
                    "scale": DEFAULT_SCALE,
                    "text": [f"x{j}" for j in range(a.shape[1])],
                    "reverse_keyed": False,
                }
            )
        cols = list(self._table["item"])
        a = answers(
            pd.DataFrame(a, columns=cols), cols, scale_range=self.scale_range, name="X", check_spread=fit
        )
        return a, None

    # ------------------------------------------------------------------- fit
    def fit(self, X, y=None):
        """Fit the factor model and the segments on the survey answers ``X``."""
        with single_thread():
            return self._fit(X)

    def _fit(self, X):
        self._check_params()
        rs = check_random_state(self.random_state)
        a, dur = self._read(X, fit=True)
        n, p = a.shape
        flags = respondent_flags(a, dur)
        self.flagged_ = flags["flagged"].to_numpy() if self.exclude_flagged else np.zeros(n, dtype=bool)
        keep = ~self.flagged_
        if self.exclude_flagged and self.flagged_.any():
            self.n_excluded_ = {
                "straight-liners left out of the fit": int(flags["straight_liner"].sum()),
                "speeders left out of the fit": int((flags["speeder"] & ~flags["straight_liner"]).sum()),
            }
            report_rows(None, self.n_excluded_, what="respondents", stacklevel=4)
        else:
            self.n_excluded_ = {}
        n_fit = int(keep.sum())
        k_min = 2 if self.n_segments == "auto" else int(self.n_segments)
        if n_fit < max(k_min, 2):
            raise MicrosegError(
                f"the survey has {n_fit} respondents to fit on (after leaving out {n - n_fit} flagged ones) "
                f"but n_segments={self.n_segments!r}; need at least as many respondents as segments (and 2)."
            )
        fa_rows = a[keep]
        self.medians_ = pd.Series(np.nanmedian(fa_rows, axis=0), index=list(self._table["item"]))
        if np.isnan(self.medians_.to_numpy()).any():
            bad = self.medians_.index[self.medians_.isna()].tolist()
            raise MicrosegError(
                f"items {bad} have no answers from the respondents kept for the fit; drop them from the items."
            )
        z_all = self._standardise(a, fit_rows=keep)
        z = z_all[keep]
        constant = self.scale_ == 0
        if constant.any():
            raise MicrosegError(
                f"items {list(self.medians_.index[constant])} are constant among the fitted respondents; "
                "drop them from the items."
            )

        from sklearn.decomposition import FactorAnalysis

        if self.n_factors == "parallel":
            self.parallel_ = parallel_analysis(z, random_state=rs)
            k = max(1, int(self.parallel_["retain"].sum()))
        else:
            self.parallel_ = None
            k = int(self.n_factors)
        if k > p:
            raise MicrosegError(
                f"n_factors={k} is more than the {p} items (n_features={p}); use at most {p} factors."
            )
        fa = FactorAnalysis(
            n_components=k,
            rotation=self.rotation if k > 1 else None,
            svd_method="lapack" if p <= 200 else "randomized",
            random_state=rs,
        ).fit(z)
        load = fa.components_.T  # items × factors
        order = np.argsort(-(load**2).sum(axis=0), kind="stable")
        keyed = np.where(self._table["reverse_keyed"].to_numpy(), -1.0, 1.0)[:, None] * load[:, order]
        top = np.argsort(-np.abs(load[:, order]), axis=0, kind="stable")[: min(3, p)]
        sign = np.where(np.take_along_axis(keyed, top, axis=0).sum(axis=0) < 0, -1.0, 1.0)
        self._fa, self._order, self._sign = fa, order, sign
        load = load[:, order] * sign
        self.n_factors_ = k
        self.factor_names_ = _name_factors(load, self._table)
        self.loadings_ = pd.DataFrame(
            load, index=pd.Index(list(self._table["item"]), name="item"), columns=self.factor_names_
        )
        self.factor_variance_ = pd.DataFrame(
            {"variance": (load**2).sum(axis=0), "share_of_items": (load**2).sum(axis=0) / p},
            index=pd.Index(self.factor_names_, name="factor"),
        )
        scores = self._scores(z_all)
        self._fit_segments(scores[keep], rs)
        self.labels_ = self._assign(scores)
        prof = pd.DataFrame(scores[keep], columns=self.factor_names_)
        prof.insert(0, "segment", self.labels_[keep])
        grouped = prof.groupby("segment")
        size = grouped.size()
        self.segment_profile_ = pd.concat(
            [size.rename("n"), (size / size.sum()).rename("share"), grouped.mean()], axis=1
        ).reindex(range(self.n_segments_))
        return self

    def _standardise(self, a, *, fit_rows=None):
        a = np.where(np.isnan(a), self.medians_.to_numpy(), a)
        if fit_rows is not None:
            self.mean_ = a[fit_rows].mean(axis=0)
            self.scale_ = a[fit_rows].std(axis=0)
        return (a - self.mean_) / np.where(self.scale_ == 0, 1.0, self.scale_)

    def _scores(self, z):
        return self._fa.transform(z)[:, self._order] * self._sign

    def _fit_segments(self, s, rs):
        from sklearn.cluster import KMeans
        from sklearn.metrics import silhouette_score
        from sklearn.mixture import GaussianMixture

        seed = rs.randint(np.iinfo(np.int32).max)
        n = len(s)

        def make(k):
            if self.segmenter == "gmm":
                return GaussianMixture(n_components=k, covariance_type="full", n_init=3, random_state=seed).fit(s)
            return KMeans(n_clusters=k, n_init=10, random_state=seed).fit(s)

        if self.n_segments == "auto":
            rows, fits = [], {}
            for k in range(2, min(_MAX_AUTO_SEGMENTS, n - 1) + 1):
                m = make(k)
                fits[k] = m
                if self.segmenter == "gmm":
                    rows.append({"n_segments": k, "bic": m.bic(s)})
                else:
                    lab = m.labels_
                    ok = len(np.unique(lab)) > 1
                    sil = (
                        silhouette_score(s, lab, sample_size=min(n, 5000), random_state=seed) if ok else -1.0
                    )
                    rows.append({"n_segments": k, "silhouette": sil})
            if not rows:
                raise MicrosegError(f"n_segments='auto' needs at least 3 respondents to fit on, got {n}.")
            self.segment_selection_ = pd.DataFrame(rows).set_index("n_segments")
            crit = self.segment_selection_.iloc[:, 0]
            best = int(crit.idxmin() if self.segmenter == "gmm" else crit.idxmax())
            model = fits[best]
        else:
            self.segment_selection_ = None
            model = make(int(self.n_segments))
        self._segmenter = model
        raw = model.predict(s)
        k = model.n_components if self.segmenter == "gmm" else model.n_clusters
        counts = np.bincount(raw, minlength=k)
        order = np.argsort(-counts, kind="stable")  # 0 = largest segment
        self._relabel = np.empty(k, dtype=int)
        self._relabel[order] = np.arange(k)
        self.n_segments_ = int(k)

    def _assign(self, scores):
        return self._relabel[self._segmenter.predict(scores)]

    # --------------------------------------------------------------- predict
    def transform(self, X):
        """Factor scores of each respondent (columns = ``factor_names_``)."""
        check_is_fitted(self, "loadings_")
        a, _ = self._read(X, fit=False)
        return self._scores(self._standardise(a))

    def predict(self, X):
        """Segment of each respondent (skipped answers imputed with the training medians)."""
        return self._assign(self.transform(X))

    def _has_proba(self):
        return self.segmenter == "gmm"

    @available_if(_has_proba)
    def predict_proba(self, X):
        """Probability of each segment (Gaussian mixture only), columns in segment order 0, 1, ..."""
        check_is_fitted(self, "loadings_")
        proba = self._segmenter.predict_proba(self.transform(X))
        out = np.empty_like(proba)
        out[:, self._relabel] = proba
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the factor-score columns ``transform`` returns."""
        check_is_fitted(self, "loadings_")
        return np.asarray(self.factor_names_, dtype=object)

    def scores_frame(self, survey: pd.DataFrame) -> pd.DataFrame:
        """One row per respondent: factor scores, ``segment`` and ``flagged`` (straight-liner or speeder).

        Indexed by the ``respondent`` column when the survey has it (else the
        survey's index), so it joins onto a customer table; pass it, or that
        join, to :func:`microseg.profile` with ``segments="segment"`` to
        describe each segment against the rest.
        """
        check_is_fitted(self, "loadings_")
        if not isinstance(survey, pd.DataFrame):
            raise MicrosegError(f"survey must be a pandas DataFrame, got {type(survey).__name__}.")
        a, dur = self._read(survey, fit=False)
        scores = self._scores(self._standardise(a))
        index = (
            pd.Index(survey[self.respondent], name=self.respondent)
            if self.respondent is not None and self.respondent in survey.columns
            else survey.index
        )
        out = pd.DataFrame(scores, columns=self.factor_names_, index=index)
        out["segment"] = self._assign(scores)
        out["flagged"] = respondent_flags(a, dur)["flagged"].to_numpy()
        return out

    def profile(self, survey=None) -> pd.DataFrame:
        """Per segment: respondents, share and mean factor scores.

        Without ``survey``, the profile of the fitted respondents (``segment_profile_``);
        with it, segments are predicted for ``survey`` and profiled. For a full
        profile against the rest (demographics, behaviour, significance), pass
        :meth:`scores_frame` joined to a customer table to :func:`microseg.profile`.
        """
        check_is_fitted(self, "loadings_")
        if survey is None:
            return self.segment_profile_.copy()
        scores = pd.DataFrame(self.transform(survey), columns=self.factor_names_)
        scores.insert(0, "segment", self._assign(scores.to_numpy()))
        g = scores.groupby("segment")
        size = g.size()
        return pd.concat([size.rename("n"), (size / size.sum()).rename("share"), g.mean()], axis=1).reindex(
            range(self.n_segments_)
        )

    def plot(self, ax=None):
        """Heatmap of the loadings (items × factors); returns the Axes."""
        from ..plot import plot_loadings

        return plot_loadings(self, ax=ax)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags
