"""Encoding and scoring engines behind :class:`microseg.lookalike.Lookalike`.

Private module. It holds

* :class:`TableEncoder`, a small column transformer for mixed tables: numeric
  and datetime columns get median imputation, a missing-value indicator and
  (on request) standard scaling; categorical, string and boolean columns are
  one-hot encoded with infrequent levels grouped and unknown levels ignored;
* the engines (``similarity``, ``pu``, ``gbm``), each fitted on the encoded,
  *unscaled* matrix and returning one decision value per row (higher = more
  like the seed);
* the fast paths (level codes computed once per column, linear scoring without
  the one-hot matrix) are in :mod:`._codes`; engine choice and calibration in
  :mod:`._selection`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from ..errors import SchemaError
from ._codes import _take, all_raw_codes, as_float, linear_decision, one_hot

__all__ = ["TableEncoder", "make_engine", "decide", "ENGINES", "column_kind", "as_text"]

MISSING = "(missing)"
OTHER = "(other)"


def column_kind(s: pd.Series) -> str:
    """Return "numeric", "datetime" or "categorical" for a column."""
    if pd.api.types.is_bool_dtype(s):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_timedelta64_dtype(s):
        return "datetime"
    if pd.api.types.is_numeric_dtype(s) and not isinstance(s.dtype, pd.CategoricalDtype):
        return "numeric"
    return "categorical"


def _level_counts(s: pd.Series) -> tuple[list, np.ndarray]:
    """Level names (as text, missing as "(missing)") and their counts, via factorize (fast)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    names = [str(u) for u in uniques]
    n_missing = int((codes < 0).sum())
    if n_missing:
        names.append(MISSING)
        counts = np.append(counts, n_missing)
    return names, counts


def as_text(s: pd.Series) -> np.ndarray:
    arr = s.astype(object).to_numpy()
    miss = pd.isna(arr)
    return np.where(miss, MISSING, arr.astype(str)).astype(object)


class TableEncoder:
    """Encode a mixed DataFrame into a float matrix, without manual preparation.

    Parameters
    ----------
    max_levels : int
        Most frequent levels kept per categorical column; the rest are grouped
        into one ``"(other)"`` column.
    min_share : float
        Levels rarer than this share of the rows (and rarer than 5 rows) are
        grouped into ``"(other)"`` too.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"x": [1.0, None, 3.0, 4.0], "c": ["a", "b", "a", None]})
    >>> enc = TableEncoder(min_share=0).fit(df, ["x", "c"])
    >>> enc.feature_names_
    ['x', 'x (missing)', 'c = a', 'c = b', 'c = (missing)']
    >>> enc.transform(df)[1].tolist()
    [3.0, 1.0, 0.0, 1.0, 0.0]
    """

    missing_label = MISSING

    def __init__(self, *, max_levels: int = 50, min_share: float = 0.001):
        self.max_levels = max_levels
        self.min_share = min_share

    def fit(self, X: pd.DataFrame, columns: Sequence[Hashable]) -> TableEncoder:
        n = len(X)
        self.columns_ = list(columns)
        self.kinds_: dict = {}
        self.medians_: dict = {}
        self.indicator_: dict = {}
        self.levels_: dict = {}  # column -> (known levels, output code per known level, n output columns)
        self.level_names_: dict = {}
        self.dtypes_ = {c: X[c].dtype for c in self.columns_}
        self._layout = None
        names, source, level = [], [], []
        for c in self.columns_:
            s = X[c]
            kind = column_kind(s)
            self.kinds_[c] = kind
            if kind in ("numeric", "datetime"):
                v = as_float(s, kind, "float64")
                if np.isinf(v).any():
                    raise SchemaError(
                        f"column {c!r} has {int(np.isinf(v).sum())} infinite values; replace them with NaN "
                        "(they are then imputed and flagged) or drop the column."
                    )
                miss = np.isnan(v)
                self.medians_[c] = float(np.median(v[~miss])) if (~miss).any() else 0.0
                self.indicator_[c] = bool(miss.any())
                names.append(str(c))
                source.append(c)
                level.append("")
                if self.indicator_[c]:
                    names.append(f"{c} (missing)")
                    source.append(c)
                    level.append(MISSING)
            else:
                names_, counts = _level_counts(s)
                counts = pd.Series(counts, index=names_).groupby(level=0, sort=False).sum().sort_values(ascending=False, kind="stable")
                min_count = max(5, math.ceil(self.min_share * n)) if self.min_share > 0 else 1
                frequent = [lv for lv, k in counts.items() if k >= min_count][: self.max_levels]
                keep = set(frequent)
                infrequent = [lv for lv in counts.index if lv not in keep]
                out_names = list(frequent) + ([OTHER] if infrequent else [])
                known = list(frequent) + infrequent
                codes = np.arange(len(known))
                codes[len(frequent):] = len(frequent)
                self.levels_[c] = (pd.Index(known), codes, len(out_names))
                self.level_names_[c] = out_names
                for lv in out_names:
                    names.append(f"{c} = {lv}")
                    source.append(c)
                    level.append(lv)
        self.feature_names_ = names
        self.feature_source_ = source
        self.feature_level_ = level
        self.n_features_ = len(names)
        # scaling statistics on the encoded training matrix
        Z = self.transform(X)
        self.mean_ = Z.mean(axis=0)
        sd = Z.std(axis=0)
        self.constant_ = sd == 0
        self.scale_ = np.where(sd > 0, sd, 1.0)
        return self

    def check_columns(self, X: pd.DataFrame) -> None:
        """Raise :class:`SchemaError` if ``X`` lacks a feature column or a column changed kind."""
        missing = [c for c in self.columns_ if c not in X.columns]
        if missing:
            raise SchemaError(
                f"X lacks {len(missing)} feature column(s) the model was fitted on: {missing[:10]}; "
                "score a table with the same columns as at fit time."
            )
        changed = [
            (c, str(self.dtypes_[c]), str(X[c].dtype))
            for c in self.columns_
            if column_kind(X[c]) != self.kinds_[c]
        ]
        if changed:
            c, was, now = changed[0]
            raise SchemaError(
                f"column {c!r} was {self.kinds_[c]} at fit time (dtype {was}) but is dtype {now} now; "
                f"convert it back (e.g. df[{c!r}].astype({was!r})) before scoring."
                + (f" {len(changed) - 1} more column(s) changed kind." if len(changed) > 1 else "")
            )

    def layout(self) -> dict:
        """Where each input column lands in the encoded matrix (computed once, after fit)."""
        lay = getattr(self, "_layout", None)
        if lay is not None:
            return lay
        pos, j = {}, 0
        for c in self.columns_:
            pos[c] = j
            j += 1 + self.indicator_[c] if self.kinds_[c] in ("numeric", "datetime") else self.levels_[c][2]
        num = [c for c in self.columns_ if self.kinds_[c] == "numeric"]
        dts = [c for c in self.columns_ if self.kinds_[c] == "datetime"]
        dense = num + dts
        flag_cols = np.array([i for i, c in enumerate(dense) if self.indicator_[c]], dtype=np.int64)
        lay = {
            "numeric": num,
            "datetime": dts,
            "value_pos": np.array([pos[c] for c in dense], dtype=np.int64),
            "medians": np.array([self.medians_[c] for c in dense], dtype=np.float64),
            "flag_cols": flag_cols,
            "flag_pos": np.array([pos[dense[i]] + 1 for i in flag_cols], dtype=np.int64),
            "categorical": [(c, pos[c], self.levels_[c][2]) for c in self.columns_ if self.kinds_[c] == "categorical"],
        }
        self._layout = lay
        return lay

    def codes(self, X: pd.DataFrame) -> list[np.ndarray]:
        """Per categorical column (in order), each row's output column within its block; width = unknown level.

        Computed once per column over the whole table (categorical codes are
        reused, Arrow strings dictionary-encoded), in the narrowest unsigned type.
        """
        cats = self.layout()["categorical"]
        return [_take(lut, raw) for (_, _, w), (raw, lut) in zip(cats, all_raw_codes(self, X))]

    def transform(self, X: pd.DataFrame, *, dtype=np.float64, scale: bool = False) -> np.ndarray:
        """Encode ``X``; unscaled unless ``scale=True``."""
        out = one_hot(self, X, self.codes(X), dtype)
        if scale:
            out -= self.mean_.astype(dtype)
            out /= self.scale_.astype(dtype)
        return out

    def linear_decision(self, X: pd.DataFrame, coef, intercept: float, *, chunk: int = 200_000, progress=None) -> np.ndarray:
        """``self.transform(X) @ coef + intercept`` in float64, without building the encoded matrix."""
        return linear_decision(self, X, coef, intercept, chunk=chunk, progress=progress)


# ----------------------------------------------------------------------------- engines


class _Engine:
    name = ""
    description = ""
    linear = False

    def fit(self, Z, s, sample_weight, enc, random_state):  # pragma: no cover - interface
        raise NotImplementedError

    def decision(self, Z):  # pragma: no cover - interface
        raise NotImplementedError


class SimilarityEngine(_Engine):
    """Cosine similarity, in the standardised space centred on the population, to the seed centroid."""

    name = "similarity"
    description = "cosine similarity to the seed's centroid in the standardised feature space"

    def fit(self, Z, s, sample_weight, enc, random_state):
        self.mean_ = enc.mean_
        self.scale_ = enc.scale_
        Zs = (Z[s] - self.mean_) / self.scale_
        w = sample_weight[s]
        centroid = (Zs * w[:, None]).sum(axis=0) / w.sum()
        norm = np.linalg.norm(centroid)
        self.direction_ = centroid / norm if norm > 0 else centroid
        return self

    def decision(self, Z):
        Zs = (Z - self.mean_.astype(Z.dtype)) / self.scale_.astype(Z.dtype)
        norms = np.linalg.norm(Zs, axis=1)
        norms[norms == 0] = 1.0
        return (Zs @ self.direction_.astype(Z.dtype)) / norms

    def signed_drivers(self):
        return self.direction_


class PUEngine(_Engine):
    """Regularised logistic regression of seed vs unlabelled rows (positive-unlabelled learning).

    The scaling is folded into the coefficients (``w' = w / scale``,
    ``b' = b - sum(w * mean / scale)``), so the decision function is one
    matrix-vector product over the unscaled encoded matrix.
    """

    name = "pu"
    description = "regularised logistic regression of seed vs unlabelled (positive-unlabelled learning)"
    linear = True

    def __init__(self, C: float = 1.0):
        self.C = C

    def fit(self, Z, s, sample_weight, enc, random_state):
        from sklearn.linear_model import LogisticRegression

        Zs = (Z - enc.mean_) / enc.scale_
        model = LogisticRegression(C=self.C, max_iter=2000, tol=1e-5)
        # small fits: one BLAS thread (measured on 2 shared cores: 2.8 s of CPU instead of 6.3 s, half the wall time)
        with _single_thread_below(len(Z), 200_000):
            model.fit(Zs, s, sample_weight=sample_weight)
        self.coef_scaled_ = model.coef_[0].copy()  # per standard deviation
        self.coef_ = self.coef_scaled_ / enc.scale_
        self.intercept_ = float(model.intercept_[0] - np.sum(self.coef_scaled_ * enc.mean_ / enc.scale_))
        return self

    def decision(self, Z):
        return Z @ self.coef_.astype(Z.dtype) + Z.dtype.type(self.intercept_)

    def probability(self, Z):
        return 1.0 / (1.0 + np.exp(-self.decision(Z).astype(np.float64)))

    def signed_drivers(self):
        return self.coef_scaled_


def _single_thread_below(n_rows: int, limit: int):
    """One OpenMP and BLAS thread for fits smaller than ``limit`` rows; no change above it."""
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1) if n_rows < limit else nullcontext()


class GBMEngine(_Engine):
    """Histogram gradient boosting of seed vs unlabelled rows."""

    name = "gbm"
    description = "gradient-boosted trees (HistGradientBoosting) of seed vs unlabelled"

    def fit(self, Z, s, sample_weight, enc, random_state):
        from sklearn.ensemble import HistGradientBoostingClassifier

        self.model_ = HistGradientBoostingClassifier(
            max_iter=300,
            learning_rate=0.1,
            max_leaf_nodes=31,
            min_samples_leaf=40,
            l2_regularization=1.0,
            early_stopping=True,
            validation_fraction=0.15,
            n_iter_no_change=15,
            random_state=random_state,
        )
        # Small fits gain little from OpenMP threads and lose badly when the cores are shared (measured:
        # 0.6 s on one thread vs 22 s on two under load), so fits below 200k rows run on one thread.
        with _single_thread_below(len(Z), 200_000):
            self.model_.fit(Z, s, sample_weight=sample_weight)
        return self

    def decision(self, Z):
        return self.model_.decision_function(Z)

    def probability(self, Z):
        return self.model_.predict_proba(Z)[:, 1]

    def signed_drivers(self):
        return None


ENGINES = {"similarity": SimilarityEngine, "pu": PUEngine, "gbm": GBMEngine}


def decide(engine: _Engine, enc: TableEncoder, X: pd.DataFrame, *, chunk: int, progress=None, post=None) -> np.ndarray:
    """The engine's decision value per row of ``X`` (float64), chunk by chunk; level codes computed once.

    Linear engines never build the encoded matrix; the others get it chunk by
    chunk from the same codes. ``post`` (optional) maps each chunk's decision
    values (e.g. to scores) before they are stored.
    """
    if engine.linear:
        return linear_decision(enc, X, engine.coef_, engine.intercept_, chunk=chunk, progress=progress, post=post)
    codes = enc.codes(X)
    n = len(X)
    out = np.empty(n, dtype=np.float64)
    starts = range(0, n, max(1, int(chunk)))
    for a in progress(starts) if progress else starts:
        b = min(n, a + max(1, int(chunk)))
        d = engine.decision(one_hot(enc, X.iloc[a:b], [k[a:b] for k in codes]))
        out[a:b] = d if post is None else post(d)
    return out


def make_engine(name: str) -> _Engine:
    return ENGINES[name]()
