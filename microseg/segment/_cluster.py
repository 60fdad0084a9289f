"""Clustered segments for customer tables with numeric and categorical columns.

:class:`SegmentModel` is a scikit-learn clusterer that takes a pandas table as it
is (numbers, categories, booleans, missing values) and finds ``n_segments``
segments with k-means on a balanced encoding (see :mod:`microseg.segment._encoding`
for the encoding rules). Beside it:

* :func:`choose_k` compares numbers of segments (elbow, silhouette,
  Calinski–Harabasz, Davies–Bouldin, gap statistic) and recommends one;
* :func:`stability` checks that segments come back when the data are resampled;
* :func:`explain` turns segments into short, targetable rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.utils import check_random_state
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)
from threadpoolctl import threadpool_limits

from .. import _dask
from .._dask import is_dask
from .._validation import check_finite, check_not_series
from ..errors import MicrosegError, SchemaError
from ._encoding import MixedEncoder, level_codes

__all__ = ["SegmentModel"]


class SegmentModel(ClusterMixin, TransformerMixin, BaseEstimator):
    """Segments customers by k-means on numeric and categorical columns, no manual encoding.

    Numeric columns are put on a common footing (robust scaling: median and
    ``IQR / 1.349``, falling back to the standard deviation when the IQR is 0,
    clipped at ``±clip``). Categorical columns are one-hot encoded (0/1, times
    ``categorical_weight``), so each carries at most the variance of one scaled
    numeric column, and customers who differ on one are ``sqrt(2)`` apart, the
    average distance between two random customers on one numeric column.
    Missing values are kept: numbers are imputed with the median plus an
    "is missing" indicator, categories get a ``"(missing)"`` level. Only the
    ``max_levels`` most frequent levels of a column are kept, the rest pooled as
    ``"(other)"``; a level never seen in ``fit`` encodes as all zeros at predict
    time (no pull towards any segment on that column).

    Segments are numbered by size: segment 0 is the largest.

    Parameters
    ----------
    n_segments : int, default 6
        Number of segments.
    categorical : "auto", None or list of column names, default "auto"
        Which columns are categorical. ``"auto"``: text, category and boolean
        columns. NumPy input is always numeric.
    scaling : {"robust", "standard", "minmax", None}, default "robust"
        How numeric columns are scaled.
    missing : {"auto", "impute", "error"}, default "auto"
        ``"auto"``: impute and add indicators; ``"impute"``: impute only;
        ``"error"``: refuse missing values.
    categorical_weight : float, default 1.0
        Weight of each categorical column relative to one numeric column.
    max_levels : int, default 20
        Most frequent levels kept per categorical column; the rest become ``"(other)"``.
    clip : float or None, default 5.0
        Scaled numeric values are clipped to ``±clip``; ``None`` keeps them.
    n_init : int, default 4
        Number of k-means++ starts; the best (lowest inertia) is kept.
    max_iter : int, default 300
        Maximum Lloyd iterations per start.
    fit_sample : int or None, default 20_000
        Above this many rows the ``n_init`` starts run on a random sample of this
        size, then the best one is refined by Lloyd iterations on all rows (one
        full k-means run instead of ``n_init``).
        ``None`` always uses all rows.
    random_state : int, RandomState or None, default None
        Seeds the starts and the sample.

    Attributes
    ----------
    labels_ : ndarray of int, shape (n_samples,)
        Segment of each training row.
    cluster_centers_ : ndarray, shape (n_segments, n_encoded)
        Segment centres in the encoded space.
    segment_centers_ : DataFrame
        One row per segment: ``size``, ``share``, the weighted mean of each numeric
        column in its original units, and for each categorical column its most
        common level and that level's share within the segment.
    inertia_ : float
        Weighted sum of squared distances of training rows to their centre.
    n_iter_ : int
        Lloyd iterations of the final run.
    missing_counts_ : Series
        Missing values per column at fit time; every row is kept (numbers imputed
        with the median plus an indicator, categories as ``"(missing)"``).
    feature_names_encoded_ : list of str
        Names of the encoded columns (``"age"``, ``"age is missing"``, ``"channel = app"``).
    n_features_in_, feature_names_in_
        As in scikit-learn.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import microseg as ms
    >>> rng = np.random.default_rng(0)
    >>> df = pd.DataFrame({
    ...     "age": np.r_[rng.normal(25, 3, 100), rng.normal(60, 3, 100)],
    ...     "channel": ["app"] * 100 + ["store"] * 100,
    ... })
    >>> model = ms.SegmentModel(n_segments=2, random_state=0).fit(df)
    >>> centers = model.segment_centers_
    >>> centers["age"].round(0).tolist(), centers["channel"].tolist(), centers["channel share"].tolist()
    ([25.0, 60.0], ['app', 'store'], [1.0, 1.0])
    >>> model.predict(pd.DataFrame({"age": [58], "channel": ["web"]})).tolist()
    [1]
    """

    def __init__(
        self,
        n_segments: int = 6,
        *,
        categorical="auto",
        scaling: str | None = "robust",
        missing: str = "auto",
        categorical_weight: float = 1.0,
        max_levels: int = 20,
        clip: float | None = 5.0,
        n_init: int = 4,
        max_iter: int = 300,
        fit_sample: int | None = 20_000,
        random_state=None,
    ):
        self.n_segments = n_segments
        self.categorical = categorical
        self.scaling = scaling
        self.missing = missing
        self.categorical_weight = categorical_weight
        self.max_levels = max_levels
        self.clip = clip
        self.n_init = n_init
        self.max_iter = max_iter
        self.fit_sample = fit_sample
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    # ------------------------------------------------------------- input
    def _as_frame(self, X, *, reset: bool) -> pd.DataFrame:
        """Validate ``X``; return a DataFrame (NumPy and numeric input go through validate_data)."""
        check_not_series(X, name="X")
        if isinstance(X, pd.DataFrame):
            check_finite(X, name="X")
        mixed = isinstance(X, pd.DataFrame) and (
            (not reset and getattr(self, "_mixed", False))
            or self.categorical not in ("auto", None)
            or any(_is_cat(X[c]) for c in X.columns)
        )
        if not reset and not mixed and getattr(self, "_mixed", False):
            raise SchemaError(
                "this SegmentModel was fitted on a table with categorical columns "
                f"{self._encoder.categorical_!r}; pass a DataFrame with the same columns."
            )
        if not mixed:
            arr = validate_data(
                self, X, reset=reset, ensure_all_finite="allow-nan", dtype=np.float64,
                ensure_min_samples=1,
            )
            if reset:
                self._mixed = False
                self._columns = [f"x{i}" for i in range(arr.shape[1])]
            return pd.DataFrame(arr, columns=self._columns, copy=False)
        if X.columns.duplicated().any():
            dup = sorted({repr(c) for c in X.columns[X.columns.duplicated()]})
            raise SchemaError(f"the data has duplicate column names {', '.join(dup)}; make each unique.")
        if reset:
            if len(X) == 0:
                raise SchemaError("the data is empty (0 rows); pass at least one row per segment.")
            self._mixed = True
            self._columns = list(X.columns)
            self.n_features_in_ = X.shape[1]
            if all(isinstance(c, str) for c in X.columns):
                self.feature_names_in_ = np.asarray(X.columns, dtype=object)
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            return X
        missing = [c for c in self._columns if c not in X.columns]
        if missing:
            raise SchemaError(
                f"the data lacks column(s) {missing!r} that the model was fitted on; "
                f"it needs {self._columns!r}."
            )
        return X[self._columns]

    def _encode(self, X, *, reset: bool = False) -> tuple[pd.DataFrame, np.ndarray]:
        df = self._as_frame(X, reset=reset)
        if reset:
            self._encoder = MixedEncoder(
                categorical=self.categorical if self._mixed else None,
                scaling=self.scaling, missing=self.missing,
                categorical_weight=self.categorical_weight, max_levels=self.max_levels, clip=self.clip,
            )
            n, k = len(df), self.n_segments
            if not (isinstance(k, (int, np.integer)) and k >= 1):
                raise MicrosegError(f"n_segments must be an integer >= 1, got {k!r}.")
            if n < k:
                raise MicrosegError(
                    f"the data has {n} rows (n_samples={n}) but n_segments={k}; "
                    "pass at least as many rows as segments, or ask for fewer segments."
                )
            self._encoder.fit(df)
            self.feature_names_encoded_ = list(self._encoder.feature_names_)
            counts = self._encoder.n_missing_
            self.missing_counts_ = pd.Series([counts[c] for c in df.columns], index=list(df.columns),
                                             name="missing values kept", dtype="int64")
        return df, self._encoder.transform(df)

    # --------------------------------------------------------------- fit
    def fit(self, X, y=None, sample_weight=None):
        """Find the segments.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            One row per customer.
        y : ignored
        sample_weight : array-like of shape (n_samples,), optional
            Weight of each row (e.g. survey weights); weights scale a row's pull on
            its segment's centre. Scaling statistics are unweighted.

        Returns
        -------
        self
        """
        df, Z = self._encode(X, reset=True)
        n = len(df)
        w = _check_sample_weight(sample_weight, Z, dtype=np.float64)
        if (w < 0).any():
            raise MicrosegError("sample_weight must be >= 0.")
        rng = check_random_state(self.random_state)
        k = int(self.n_segments)
        labels, centers, inertia, n_iter = kmeans(
            Z, w, k, n_init=self.n_init, max_iter=self.max_iter, fit_sample=self.fit_sample, rng=rng
        )
        # number segments by (weighted) size, largest first; ties by first appearance
        size = np.bincount(labels, weights=w, minlength=k)
        order = np.lexsort((np.arange(k), -size))
        rank = np.empty(k, dtype=np.int64)
        rank[order] = np.arange(k)
        self.labels_ = rank[labels]
        self.cluster_centers_ = centers[order]
        self.inertia_ = inertia
        self.n_iter_ = n_iter
        self.segment_centers_ = self._centers_frame(df, self.labels_, w)
        return self

    def _centers_frame(self, df: pd.DataFrame, labels: np.ndarray, w: np.ndarray) -> pd.DataFrame:
        k = int(self.n_segments)
        size = np.bincount(labels, weights=w, minlength=k)
        out = {"size": size, "share": size / size.sum() if size.sum() > 0 else size}
        enc = self._encoder
        for c in enc.numeric_:
            x = df[c].to_numpy(dtype="float64", na_value=np.nan)
            ok = ~np.isnan(x)
            num = np.bincount(labels[ok], weights=(w * np.where(ok, x, 0))[ok], minlength=k)
            den = np.bincount(labels[ok], weights=w[ok], minlength=k)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[_name(c)] = num / den
        for c in enc.categorical_:
            levels = enc.block_levels(c)
            codes = _block_codes(enc, df[c])
            m = len(levels)
            tab = np.bincount(labels * (m + 1) + (codes + 1), weights=w, minlength=k * (m + 1))
            tab = tab.reshape(k, m + 1)[:, 1:]
            best = tab.argmax(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                share = tab[np.arange(k), best] / size
            out[_name(c)] = pd.array([levels[b] for b in best], dtype=object)
            out[f"{_name(c)} share"] = share
        frame = pd.DataFrame(out)
        frame.index = pd.RangeIndex(k, name="segment")
        return frame

    # ----------------------------------------------------------- predict
    def predict(self, X) -> np.ndarray:
        """Segment of each row of ``X`` (nearest centre in the encoded space); a Dask DataFrame gives a Dask Series."""
        if is_dask(X):
            return _predict_dask(self, X)
        return np.argmin(self._sq_distances(X), axis=1)

    def fit_predict(self, X, y=None, sample_weight=None) -> np.ndarray:
        """Fit and return the training rows' segments (``labels_``)."""
        return self.fit(X, sample_weight=sample_weight).labels_

    def transform(self, X) -> np.ndarray:
        """Euclidean distance (in the encoded space) from each row to each segment centre."""
        return np.sqrt(self._sq_distances(X))

    def fit_transform(self, X, y=None, sample_weight=None) -> np.ndarray:
        """Fit, then return distances of the training rows to each segment centre."""
        return self.fit(X, sample_weight=sample_weight).transform(X)

    def score(self, X, y=None, sample_weight=None) -> float:
        """Minus the weighted sum of squared distances to the nearest centre (higher is better)."""
        d = self._sq_distances(X).min(axis=1)
        w = np.ones_like(d) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        return -float(np.dot(w, d))

    def encode(self, X) -> np.ndarray:
        """The encoded float32 matrix the segments live in (columns: ``feature_names_encoded_``)."""
        check_is_fitted(self, "cluster_centers_")
        return self._encode(X)[1]

    def _sq_distances(self, X) -> np.ndarray:
        check_is_fitted(self, "cluster_centers_")
        Z = self._encode(X)[1].astype(np.float64)
        C = self.cluster_centers_.astype(np.float64)
        d = (Z * Z).sum(axis=1)[:, None] - 2.0 * (Z @ C.T) + (C * C).sum(axis=1)[None, :]
        return np.maximum(d, 0.0)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of :meth:`transform`'s columns: ``distance_0`` … ``distance_{k-1}``."""
        check_is_fitted(self, "cluster_centers_")
        return np.asarray([f"distance_{i}" for i in range(self.cluster_centers_.shape[0])], dtype=object)


def kmeans(Z, w, k, *, n_init, max_iter, fit_sample, rng):
    """k-means++ with ``n_init`` starts; above ``fit_sample`` rows the starts run on a sample,
    then Lloyd iterations on all rows refine the best one. Returns labels, centres, inertia, n_iter."""
    n = Z.shape[0]
    if w is None:
        w = np.ones(n)
    if n * Z.shape[1] * k < _SMALL:
        # small problems: OpenMP threads only add overhead, and on an oversubscribed
        # machine they spin-wait, making many small fits (choose_k, stability) 10x slower
        with threadpool_limits(1, user_api="openmp"):
            return _kmeans_run(Z, w, k, n_init=n_init, max_iter=max_iter, fit_sample=fit_sample, rng=rng)
    return _kmeans_run(Z, w, k, n_init=n_init, max_iter=max_iter, fit_sample=fit_sample, rng=rng)


_SMALL = 5_000_000


def _kmeans_run(Z, w, k, *, n_init, max_iter, fit_sample, rng):
    n = Z.shape[0]
    if fit_sample is not None and n > fit_sample:
        idx = np.sort(rng.choice(n, size=int(fit_sample), replace=False))
        first = KMeans(k, n_init=n_init, max_iter=max_iter, random_state=rng.randint(2**31 - 1))
        first.fit(Z[idx], sample_weight=w[idx])
        km = KMeans(k, init=first.cluster_centers_, n_init=1, max_iter=max_iter,
                    random_state=rng.randint(2**31 - 1))
    else:
        km = KMeans(k, n_init=n_init, max_iter=max_iter, random_state=rng.randint(2**31 - 1))
    km.fit(Z, sample_weight=w)
    return km.labels_.astype(np.int64), km.cluster_centers_, float(km.inertia_), int(km.n_iter_)


def _is_cat(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _name(c) -> str:
    return c if isinstance(c, str) else str(c)


def _block_codes(enc: MixedEncoder, s: pd.Series) -> np.ndarray:
    """Position of each row's level within the column's one-hot block (-1: unseen)."""
    kept, rest = enc.levels_[s.name], enc.other_levels_[s.name]
    codes = level_codes(s, kept + rest)
    out = np.where(codes < len(kept), codes, len(kept))
    out[codes < 0] = -1
    if enc.has_missing_[s.name]:
        out[np.asarray(s.isna())] = len(enc.block_levels(s.name)) - 1
    return out


# --------------------------------------------------------------------------- Dask input
def _predict_part(part, model):
    labels = model.predict(part) if len(part) else np.empty(0, dtype=np.int64)
    return pd.Series(np.asarray(labels, dtype=np.int64), index=part.index, name="segment")


def _predict_dask(model, X):
    """``SegmentModel.predict`` on a Dask DataFrame: a Dask Series of segment numbers (name ``"segment"``),
    aligned with ``X``'s partitions and index (``X.assign(segment=model.predict(X))``)."""
    _dask.require_dask("SegmentModel.predict()")
    check_is_fitted(model, "cluster_centers_")
    return _dask.map_rows(X, _predict_part, model, dtype=np.int64, name="segment")
