"""Encoding and scoring engines behind :class:`microseg.lookalike.Lookalike`.

Private module. It holds

* :class:`TableEncoder`, a small column transformer for mixed tables: numeric
  and datetime columns get median imputation, a missing-value indicator and
  (on request) standard scaling; categorical, string and boolean columns are
  one-hot encoded with infrequent levels grouped and unknown levels ignored;
* the engines (``similarity``, ``pu``, ``gbm``), each fitted on the encoded,
  *unscaled* matrix and returning one decision value per row (higher = more
  like the seed);
* :func:`rank_metrics`, the recall/AUC bookkeeping shared by ``method="auto"``
  and :func:`microseg.lookalike.evaluate`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from .._progress import bar
from ..errors import SchemaError

__all__ = ["TableEncoder", "make_engine", "ENGINES", "rank_metrics", "column_kind", "internal_validation", "elkan_noto_c"]

AUTO_CANDIDATES = ("pu", "gbm", "similarity")
AUTO_SIZES = (0.01, 0.02, 0.05, 0.10, 0.20)

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


def as_float(s: pd.Series, kind: str, dtype) -> np.ndarray:
    if kind == "datetime":
        if pd.api.types.is_timedelta64_dtype(s):
            v = s / pd.Timedelta(days=1)
        else:
            origin = pd.Timestamp("1970-01-01", tz=getattr(s.dt, "tz", None))
            v = (s - origin) / pd.Timedelta(days=1)
        return v.to_numpy(dtype=dtype, na_value=np.nan)
    return s.to_numpy(dtype=dtype, na_value=np.nan)


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


def _level_positions(s: pd.Series, known: pd.Index) -> np.ndarray:
    """Position of each row's level in ``known`` (-1 for unknown levels)."""
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    lookup = known.get_indexer(pd.Index([str(u) for u in uniques], dtype=object))
    lookup = np.append(lookup, known.get_indexer(pd.Index([MISSING], dtype=object)))
    return lookup[codes]  # code -1 (missing) picks the last entry


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

    def transform(self, X: pd.DataFrame, *, dtype=np.float64, scale: bool = False) -> np.ndarray:
        """Encode ``X``; unscaled unless ``scale=True``."""
        n = len(X)
        out = np.zeros((n, self.n_features_), dtype=dtype)
        j = 0
        rows = np.arange(n)
        # plain numeric columns in one block (one conversion, vectorised imputation)
        num = [c for c in self.columns_ if self.kinds_[c] == "numeric"]
        if num:
            pos, ind, j2 = {}, {}, 0
            for c in self.columns_:
                pos[c] = j2
                if self.kinds_[c] in ("numeric", "datetime"):
                    ind[c] = j2 + 1 if self.indicator_[c] else -1
                    j2 += 1 + self.indicator_[c]
                else:
                    j2 += self.levels_[c][2]
            block = X[num].to_numpy(dtype=dtype, na_value=np.nan)
            miss = np.isnan(block)
            if miss.any():
                med = np.array([self.medians_[c] for c in num], dtype=dtype)
                block = np.where(miss, med, block)
                flag = np.array([ind[c] for c in num])
                has = flag >= 0
                out[:, flag[has]] = miss[:, has]
            out[:, [pos[c] for c in num]] = block
        for c in self.columns_:
            kind = self.kinds_[c]
            if kind == "numeric":
                j += 1 + self.indicator_[c]
                continue
            if kind == "datetime":
                v = as_float(X[c], kind, dtype)
                miss = np.isnan(v)
                out[:, j] = v
                if miss.any():
                    out[miss, j] = self.medians_[c]
                j += 1
                if self.indicator_[c]:
                    out[:, j] = miss
                    j += 1
            else:
                known, codes, width = self.levels_[c]
                pos = _level_positions(X[c], known)
                ok = pos >= 0  # unknown levels are ignored: all zeros
                out[rows[ok], j + codes[pos[ok]]] = 1
                j += width
        if scale:
            out -= self.mean_.astype(dtype)
            out /= self.scale_.astype(dtype)
        return out


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
    """One OpenMP thread for fits smaller than ``limit`` rows; no change above it."""
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp") if n_rows < limit else nullcontext()


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


def make_engine(name: str) -> _Engine:
    return ENGINES[name]()


# ----------------------------------------------------------------------------- metrics


def rank_metrics(scores: np.ndarray, positive: np.ndarray, sizes: Sequence[float], rng) -> tuple[np.ndarray, np.ndarray]:
    """Per positive row: was it in the top ``ceil(s * n)`` for each size, and its AUC contribution.

    ``scores`` are the scores of the pool (held-out positives and unlabelled
    rows), ``positive`` marks the held-out positives. Ties in ranking are broken
    at random (``rng``), so that a constant scorer behaves like random. The
    AUC contribution of a positive is the share of unlabelled rows scoring
    lower, plus half the ties; its mean over positives is the AUC.

    Returns ``hits`` (n_positive x n_sizes, bool) and ``auc`` (n_positive,).

    Examples
    --------
    >>> import numpy as np
    >>> hits, auc = rank_metrics(np.array([4., 3., 2., 1.]), np.array([True, False, True, False]), [0.25, 0.5], np.random.default_rng(0))
    >>> hits.tolist(), auc.tolist()
    ([[True, True], [False, False]], [1.0, 0.5])
    """
    scores = np.asarray(scores, dtype=np.float64)
    n = len(scores)
    tiebreak = rng.random(n)
    order = np.lexsort((tiebreak, -scores))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    k = np.array([max(1, math.ceil(s * n - 1e-9)) for s in sizes])
    hits = rank[positive][:, None] < k[None, :]
    neg = np.sort(scores[~positive])
    ps = scores[positive]
    lo = np.searchsorted(neg, ps, side="left")
    hi = np.searchsorted(neg, ps, side="right")
    auc = (lo + hi) / 2.0 / max(len(neg), 1)
    return hits, auc


# ----------------------------------------------------------------------------- engine choice and calibration


def seed_int(rng) -> int:
    return int(rng.randint(0, 2**31 - 1))


def internal_validation(Z, s, w, enc, rng, *, n_folds: int = 3, candidates=AUTO_CANDIDATES, verbose=None):
    """Hold out each third of the seed in turn; score each candidate engine on the held-out members.

    Returns the selection table (attrs: chosen, reason) and the Elkan-Noto
    constant per probabilistic candidate (mean g on held-out seed members).
    """
    seed_pos = np.flatnonzero(s)
    folds = np.array_split(rng.permutation(seed_pos), n_folds)
    per_member = {m: [] for m in candidates}
    aucs = {m: [] for m in candidates}
    probs = {m: [] for m in candidates}
    tie_rng = np.random.default_rng(seed_int(rng))
    ticks = bar(n_folds * len(candidates), desc="choosing the lookalike engine", unit="fit", verbose=verbose)
    for held in folds:
        s_train = s.copy()
        s_train[held] = False
        pool = ~s_train
        positive = np.zeros(len(s), dtype=bool)
        positive[held] = True
        for m in candidates:
            eng = make_engine(m).fit(Z, s_train, w, enc, seed_int(rng))
            d = eng.decision(Z[pool])
            hits, auc = rank_metrics(d, positive[pool], AUTO_SIZES, tie_rng)
            per_member[m].append(hits)
            aucs[m].append(auc)
            if hasattr(eng, "probability"):
                probs[m].append(eng.probability(Z[held]))
            ticks.update()
    ticks.close()
    rows = []
    early = {}
    for m in candidates:
        hits = np.vstack(per_member[m])
        auc = np.concatenate(aucs[m])
        early[m] = hits.mean(axis=1)
        row = {"method": m}
        for j, sz in enumerate(AUTO_SIZES):
            row[f"recall@{sz:.0%}"] = hits[:, j].mean()
        row["mean recall"] = early[m].mean()
        row["auc"] = auc.mean()
        rows.append(row)
    table = pd.DataFrame(rows)
    base = "pu"
    diffs = {m: early[m] - early[base] for m in candidates}
    table["vs pu"] = [diffs[m].mean() for m in candidates]
    table["paired se"] = [diffs[m].std(ddof=1) / math.sqrt(len(diffs[m])) if m != base else 0.0 for m in candidates]
    best = table.loc[table["mean recall"].idxmax(), "method"]
    if best == base:
        chosen = base
        reason = (
            f"the logistic engine (pu) caught the most held-out seed members "
            f"(mean recall over 1-20% audiences {early[base].mean():.3f}, AUC {table.set_index('method').loc[base, 'auc']:.3f})."
        )
    else:
        d = diffs[best].mean()
        se = table.set_index("method").loc[best, "paired se"]
        if d > 2 * se:
            chosen = best
            reason = (
                f"{best} caught more held-out seed members than the logistic engine "
                f"(mean recall over 1-20% audiences +{d:.3f}, more than 2 paired standard errors of {se:.3f})."
            )
        else:
            chosen = base
            reason = (
                f"{best} scored slightly higher than the logistic engine (+{d:.3f} mean recall) but within "
                f"2 paired standard errors ({se:.3f}); the simpler, calibrated logistic engine (pu) was kept."
            )
    reason += f" Validated on {n_folds} folds of the seed ({len(seed_pos):,} members, each held out once)."
    table["chosen"] = table["method"] == chosen
    table.attrs["chosen"] = chosen
    table.attrs["reason"] = reason
    c = {m: float(np.mean(np.concatenate(p))) for m, p in probs.items() if p}
    return table, c


def elkan_noto_c(method, Z, s, w, enc, rng, holdout: float = 0.2) -> float:
    seed_pos = rng.permutation(np.flatnonzero(s))
    held = seed_pos[: max(1, int(round(holdout * len(seed_pos))))]
    train = np.ones(len(s), dtype=bool)
    train[held] = False  # held-out seed members are left out of training altogether
    eng = make_engine(method).fit(Z[train], s[train], w[train], enc, seed_int(rng))
    return float(np.mean(eng.probability(Z[held])))
