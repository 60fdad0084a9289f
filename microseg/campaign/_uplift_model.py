"""Uplift models: which customers a contact changes, as a scikit-learn estimator (:class:`UpliftModel`).

Three ways of estimating the uplift ``tau(x) = E[y | x, contacted] - E[y | x, not contacted]``
from a randomised test (a treatment group and a control group):

* ``"t_learner"`` (two models): one model of the outcome per arm; the uplift is
  the difference of their predictions.
* ``"x_learner"`` (Künzel et al., 2019): the two outcome models impute each
  customer's individual effect (treated: ``y - mu0(x)``, control:
  ``mu1(x) - y``); one regression per arm learns those effects, and the two are
  blended with the treated share ``g``: ``g tau0(x) + (1 - g) tau1(x)``. It
  helps when one arm (usually the control group) is much smaller.
* ``"class_transformation"`` (Jaskowski & Jaroszewicz, 2012), 0/1 outcomes
  only: one classifier of ``z = y * t + (1 - y) * (1 - t)``; the uplift is
  ``2 P(z = 1 | x) - 1``. That identity needs both arms to weigh the same, so
  when the treated share is not 0.5 the rows are reweighted (treated
  ``0.5 / g``, control ``0.5 / (1 - g)``).

Mixed tables go through the lookalike encoder (:class:`~microseg.lookalike._engines.TableEncoder`):
numbers are median-imputed with a missing flag, categories one-hot encoded
(rare levels grouped). Identifier-like text columns are set aside and
sensitive columns refused, as for lookalike features.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, has_fit_parameter

from ..errors import MicrosegError, SchemaError
from ..lookalike._engines import TableEncoder
from ..lookalike._inputs import as_frame

__all__ = ["UpliftModel", "default_estimator", "feature_columns", "METHODS"]

METHODS = ("t_learner", "x_learner", "class_transformation")

# Arms smaller than this are fitted without early stopping (a validation split of a few rows is noise).
_EARLY_STOPPING_ROWS = 1_000


def default_estimator(kind: str, *, n_rows: int, random_state=None):
    """The default base model: a well-regularised histogram gradient boosting model.

    Small trees (at most 15 leaves of at least 100 rows, or a tenth of the rows
    when fewer), a small learning rate (0.05) and an L2 penalty on the leaf
    values; on 1,000 rows or more, 15 % of the rows are held out to stop
    boosting once 50 rounds bring no improvement (at most 500 rounds), else
    100 rounds. ``kind`` is ``"binary"`` (a classifier, for 0/1 outcomes) or
    ``"continuous"`` (a regressor).

    Examples
    --------
    >>> default_estimator("binary", n_rows=5_000, random_state=0).learning_rate
    0.05
    """
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    early = n_rows >= _EARLY_STOPPING_ROWS
    params = dict(
        learning_rate=0.05,
        max_iter=500 if early else 100,
        max_leaf_nodes=15,
        min_samples_leaf=max(1, min(100, n_rows // 10)),
        l2_regularization=1.0,
        early_stopping=early,
        validation_fraction=0.15 if early else None,
        n_iter_no_change=50,
        random_state=random_state,
    )
    cls = HistGradientBoostingClassifier if kind == "binary" else HistGradientBoostingRegressor
    return cls(**params)


class _Constant:
    """Stands in for a model when an arm's outcome never varies (a classifier cannot be fitted on one class)."""

    def __init__(self, value: float):
        self.value = float(value)

    def predict(self, Z):
        return np.full(len(Z), self.value)


def _one_thread_below(n_rows: int, limit: int = 200_000):
    """One OpenMP thread for small fits: threads gain little there and lose badly on a shared machine."""
    from contextlib import nullcontext

    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="openmp") if n_rows < limit else nullcontext()


def _align(values: pd.Series, index: pd.Index | None, name: str) -> pd.Series:
    """A Series on another index than X's is put in X's row order when it holds the same labels."""
    if index is None or values.index.equals(index):
        return values
    if len(values) == len(index) and values.index.is_unique and values.index.isin(index).all():
        return values.reindex(index)
    raise MicrosegError(f"{name}'s index does not match X's; pass a Series on X's index or a plain array in row order.")


def _as_outcome(y, n: int, index: pd.Index | None = None) -> tuple[np.ndarray, str]:
    """The outcome as float64, and its kind: "binary" (only 0 and 1) or "continuous"."""
    if y is None:
        raise MicrosegError(
            "UpliftModel requires y to be passed, but the target y is None: pass the outcome (e.g. converted, "
            "True/False or 1/0, or spend), one value per row."
        )
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        y = y.iloc[:, 0]
    if isinstance(y, pd.Series):
        s = _align(y, index, "y") if len(y) == n else y
    else:
        arr = np.asarray(y)
        if arr.ndim == 2 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim != 1:
            raise MicrosegError(f"y must be one outcome per row (1-d); got an array of shape {arr.shape}.")
        s = pd.Series(arr)
    if len(s) != n:
        raise MicrosegError(f"y has {len(s)} values but X has {n} rows; pass one outcome per row.")
    if not (pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s)):
        raise MicrosegError(
            f"y must be a numeric or True/False outcome; got dtype {s.dtype} (Unknown label type). "
            "Convert it, e.g. y == 'yes'."
        )
    v = s.to_numpy(dtype="float64", na_value=np.nan)
    bad = ~np.isfinite(v)
    if bad.any():
        raise MicrosegError(f"y has {int(bad.sum())} missing or infinite values; every row needs an outcome.")
    kind = "binary" if np.isin(v, (0.0, 1.0)).all() else "continuous"
    return v, kind


def _treatment_column(treatment, X: pd.DataFrame):
    """The column of X named by ``treatment``, or None when treatment holds the values themselves."""
    if isinstance(treatment, (str, int, tuple)) and not isinstance(treatment, bool) and treatment in X.columns:
        return treatment
    return None


def _as_treatment(treatment, X: pd.DataFrame) -> np.ndarray:
    """Treatment as a boolean array in X's row order: True/False, 1/0, or a column name of X."""
    if treatment is None:
        raise MicrosegError(
            "UpliftModel.fit needs treatment: True (or 1) for rows that were contacted, False (or 0) for the "
            "randomised control group, one value per row of X (or the name of that column in X)."
        )
    column = _treatment_column(treatment, X)
    if column is not None:
        treatment = X[column]
    if isinstance(treatment, pd.Series) and len(treatment) == len(X):
        treatment = _align(treatment, X.index, "treatment")
    s = treatment if isinstance(treatment, pd.Series) else pd.Series(np.asarray(treatment).reshape(-1))
    if len(s) != len(X):
        raise MicrosegError(f"treatment has {len(s)} values but X has {len(X)} rows; pass one value per row.")
    if s.isna().any():
        raise MicrosegError(f"treatment has {int(s.isna().sum())} missing values; every row must be treated or control.")
    values = set(pd.unique(s.to_numpy()).tolist())
    if not values <= {0, 1}:  # True == 1 and False == 0
        raise MicrosegError(
            f"treatment must be True/False or 1/0 per row; found values like {sorted(map(str, values))[:4]}. "
            "Convert it, e.g. treatment=df['group'] == 'treatment'."
        )
    return s.to_numpy().astype(bool)


def feature_columns(X: pd.DataFrame, *, exclude=(), allow_sensitive=None, purpose: str) -> tuple[list, list, dict]:
    """The columns to learn from: all but ``exclude`` and identifier-like text; sensitive ones refused.

    Returns the columns, notes on what was set aside, and the sensitive
    columns allowed with their reasons.
    """
    from ..privacy.sensitive import check_sensitive

    notes = []
    cols = [c for c in X.columns if c not in set(exclude)]
    ids = []
    for c in cols:
        s = X[c]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
            continue
        if isinstance(s.dtype, pd.CategoricalDtype):
            continue
        known = s.dropna()
        if len(known) >= 20 and known.nunique() >= 0.5 * len(known):  # ids, e-mails, phone numbers describe no group
            ids.append(c)
    if ids:
        notes.append(f"identifier-like column(s) {ids} (text with a distinct value on most rows) were not used.")
    cols = [c for c in cols if c not in ids]
    if not cols:
        raise MicrosegError("X has no usable columns once identifier-like text columns are set aside.")
    allowed = check_sensitive(cols, data=X, allow_sensitive=allow_sensitive, purpose=purpose)
    notes += [f"sensitive column {c!r} used; reason given: {why}" for c, why in allowed.items()]
    return cols, notes, allowed


class UpliftModel(BaseEstimator):
    """Estimate, per customer, how much a contact changes the outcome (the uplift), from a randomised test.

    Parameters
    ----------
    method : {"t_learner", "x_learner", "class_transformation"}, default "t_learner"
        How the uplift is estimated (see the module notes): two outcome models
        (T-learner), the X-learner, or one classifier of the transformed class
        (0/1 outcomes only; reweighted when the treated share is not 0.5).
    base_estimator : scikit-learn estimator, optional
        The model fitted for each part (cloned). A classifier is read through
        ``predict_proba`` (0/1 outcomes), a regressor through ``predict``.
        Default: :func:`default_estimator`, a well-regularised histogram
        gradient boosting model (a classifier for 0/1 outcomes, else a
        regressor). The X-learner's effect regressions use ``base_estimator``
        when it is a regressor, else the default regressor.
    random_state : int, RandomState or None
        Seeds every part that has a ``random_state``.
    allow_sensitive : mapping column -> reason, optional
        Sensitive columns (by name or by value) are refused as features unless
        allowed with a written reason (kept in ``sensitive_allowed_``).

    Attributes
    ----------
    encoder_ : TableEncoder
        The encoding of ``X`` (fitted on the training rows).
    features_ : list
        The columns used (identifier-like text columns are set aside).
    outcome_ : {"binary", "continuous"}
    treated_share_ : float
        Share of the training rows in the treatment group.
    estimators_ : dict
        The fitted parts: ``treatment`` and ``control`` (outcome models),
        ``effect_treatment`` and ``effect_control`` (X-learner), ``transformed``
        (class transformation).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` was a DataFrame with text column names.
    notes_ : list of str
        What was set aside or reweighted, and why.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"age": rng.integers(18, 80, 4000), "app": rng.random(4000) < 0.5})
    >>> t = rng.random(4000) < 0.5
    >>> p = 0.10 + 0.15 * (t & (X["age"] < 35).to_numpy())  # the contact works on the young only
    >>> y = rng.random(4000) < p
    >>> model = UpliftModel(random_state=0).fit(X, y, t)
    >>> tau = model.predict(X)
    >>> bool(tau[X["age"] < 35].mean() > tau[X["age"] >= 50].mean() + 0.05)
    True
    """

    def __init__(self, method: str = "t_learner", base_estimator=None, random_state=None,
                 allow_sensitive: Mapping[Hashable, str] | None = None):  # fmt: skip
        self.method = method
        self.base_estimator = base_estimator
        self.random_state = random_state
        self.allow_sensitive = allow_sensitive

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing values are encoded (filled and flagged), not refused
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        tags.target_tags.required = True
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ parts
    def _part(self, kind: str, n_rows: int, rng, *, regressor: bool = False):
        """A fresh (cloned) base model for one part, seeded from ``rng``."""
        base = self.base_estimator
        if base is None or (regressor and is_classifier(base)):
            est = default_estimator("continuous" if regressor else kind, n_rows=n_rows)
        else:
            if not hasattr(base, "fit"):
                raise MicrosegError(f"base_estimator must be a scikit-learn estimator with fit(); got {type(base).__name__}.")
            if is_classifier(base) and kind != "binary":
                raise MicrosegError(
                    f"base_estimator {type(base).__name__} is a classifier but y is not a 0/1 outcome; pass a "
                    "regressor (e.g. HistGradientBoostingRegressor()) for a continuous outcome."
                )
            if is_classifier(base) and not hasattr(base, "predict_proba"):
                raise MicrosegError(
                    f"base_estimator {type(base).__name__} has no predict_proba; an uplift is a difference of "
                    "probabilities, so pass a probabilistic classifier or a regressor."
                )
            est = clone(base)
        if "random_state" in est.get_params(deep=False):
            est.set_params(random_state=int(rng.randint(0, 2**31 - 1)))
        return est

    @staticmethod
    def _fit_part(est, Z, target, weight=None):
        if len(np.unique(target)) < 2 and is_classifier(est):
            return _Constant(target[0] if len(target) else 0.0)
        with _one_thread_below(len(Z)):
            if weight is None:
                est.fit(Z, target)
            else:
                est.fit(Z, target, sample_weight=weight)
        return est

    @staticmethod
    def _predict_part(est, Z) -> np.ndarray:
        if isinstance(est, _Constant):
            return est.predict(Z)
        with _one_thread_below(len(Z)):
            if is_classifier(est):
                proba = est.predict_proba(Z)
                classes = list(est.classes_)
                return proba[:, classes.index(1)] if 1 in classes else np.zeros(len(Z))
            return np.asarray(est.predict(Z), dtype="float64").reshape(-1)

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, treatment=None) -> UpliftModel:
        """Learn the uplift from a randomised test.

        Parameters
        ----------
        X : DataFrame or array-like
            One row per customer (or per contact) of the test; mixed types welcome.
        y : array-like
            The outcome: 0/1 or True/False (converted, visited), or a number (spend).
        treatment : array-like or str
            True (1) for the contacted rows, False (0) for the randomised
            control group; or the name of that column in ``X`` (it is then not
            used as a feature).

        Returns
        -------
        self
        """
        if self.method not in METHODS:
            raise MicrosegError(f"method must be one of {list(METHODS)}, got {self.method!r}.")
        is_frame = isinstance(X, pd.DataFrame)
        X = as_frame(X, min_rows=2)
        yv, kind = _as_outcome(y, len(X), X.index if is_frame else None)
        t = _as_treatment(treatment, X)
        n_t, n_c = int(t.sum()), int((~t).sum())
        if n_t < 2 or n_c < 2:
            raise MicrosegError(
                f"treatment has {n_t} treated and {n_c} control rows; an uplift needs both arms (at least 2 rows each, "
                "in practice hundreds): pass the randomised control group too."
            )
        if self.method == "class_transformation" and kind != "binary":
            raise MicrosegError(
                "method='class_transformation' needs a 0/1 outcome (converted or not); y has other values. Use "
                "method='t_learner' or 'x_learner' for a continuous outcome such as spend."
            )
        column = _treatment_column(treatment, X)
        feats, notes, self.sensitive_allowed_ = feature_columns(
            X, exclude=() if column is None else (column,), allow_sensitive=self.allow_sensitive, purpose="uplift model features"
        )
        rng = check_random_state(self.random_state)
        enc = TableEncoder().fit(X, feats)
        Z = enc.transform(X)
        g = n_t / len(t)
        parts: dict = {}
        if self.method in ("t_learner", "x_learner"):
            parts["treatment"] = self._fit_part(self._part(kind, n_t, rng), Z[t], yv[t])
            parts["control"] = self._fit_part(self._part(kind, n_c, rng), Z[~t], yv[~t])
        if self.method == "x_learner":
            d_t = yv[t] - self._predict_part(parts["control"], Z[t])  # treated: observed minus predicted without contact
            d_c = self._predict_part(parts["treatment"], Z[~t]) - yv[~t]  # control: predicted with contact minus observed
            parts["effect_treatment"] = self._fit_part(self._part(kind, n_t, rng, regressor=True), Z[t], d_t)
            parts["effect_control"] = self._fit_part(self._part(kind, n_c, rng, regressor=True), Z[~t], d_c)
        if self.method == "class_transformation":
            z = np.where(t, yv, 1.0 - yv)
            est = self._part(kind, len(t), rng)
            weight = None
            if n_t != n_c:
                weight = np.where(t, 0.5 / g, 0.5 / (1 - g))
                if not has_fit_parameter(est, "sample_weight"):
                    raise MicrosegError(
                        f"the treated share is {g:.3f}, not 0.5, so class transformation reweights the rows, but "
                        f"base_estimator {type(est).__name__} takes no sample_weight. Pass one that does, or use "
                        "method='t_learner'."
                    )
                notes.append(f"treated share {g:.3f} != 0.5: rows reweighted (treated x{0.5 / g:.3f}, control x{0.5 / (1 - g):.3f}).")
            parts["transformed"] = self._fit_part(est, Z, z, weight)
        self.encoder_ = enc
        self.features_ = list(feats)
        self.outcome_ = kind
        self.treated_share_ = g
        self.n_treatment_, self.n_control_ = n_t, n_c
        self.estimators_ = parts
        self.n_features_in_ = X.shape[1]
        if is_frame and all(isinstance(c, str) for c in X.columns):
            self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_
        self._fitted_on_frame = is_frame
        self.notes_ = notes
        return self

    # ------------------------------------------------------------------ predict
    def _encode(self, X) -> np.ndarray:
        check_is_fitted(self, "estimators_")
        is_frame = isinstance(X, pd.DataFrame)
        X = as_frame(X)
        if not is_frame and X.shape[1] != self.n_features_in_:
            raise SchemaError(
                f"X has {X.shape[1]} features, but UpliftModel is expecting {self.n_features_in_} features as input; "
                "predict on the same columns as at fit time."
            )
        self.encoder_.check_columns(X)
        return self.encoder_.transform(X)

    def predict(self, X) -> np.ndarray:
        """Estimated uplift per row: the change in the outcome a contact causes (e.g. +0.04 = 4 points more likely).

        Parameters
        ----------
        X : DataFrame or array-like
            The columns the model was fitted on.

        Returns
        -------
        ndarray of shape (n_rows,)
        """
        Z = self._encode(X)
        e = self.estimators_
        if self.method == "t_learner":
            return self._predict_part(e["treatment"], Z) - self._predict_part(e["control"], Z)
        if self.method == "x_learner":
            g = self.treated_share_
            return g * self._predict_part(e["effect_control"], Z) + (1 - g) * self._predict_part(e["effect_treatment"], Z)
        return 2.0 * self._predict_part(e["transformed"], Z) - 1.0
