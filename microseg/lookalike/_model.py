"""Lookalike audiences: from a seed to a scored, sized, evaluated and explained audience.

A *seed* is a set of known customers (converters, high-value buyers); a
lookalike model ranks everyone else by how much they resemble the seed, and an
*audience* is the top share of that ranking, without the seed itself and
without anyone who opted out.

"Similar" does not mean "likely": on real data, similarity to the seed's
centroid can be no better than random while a classifier of seed vs everyone
else (positive-unlabelled learning) catches two to three times more of the
held-out seed. So ``method="auto"`` chooses its engine by internal validation on
a held-out part of the seed and records why, and :func:`evaluate` measures any
method honestly (recall and lift at an audience size, on repeated held-out
splits, paired across methods).

Examples
--------
>>> import numpy as np, pandas as pd
>>> import microseg as ms
>>> rng = np.random.default_rng(0)
>>> X = pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(3000)],
...                   "income": rng.normal(50, 10, 3000),
...                   "channel": rng.choice(["app", "web", "store"], 3000),
...                   "opted_out": rng.random(3000) < 0.02})
>>> seed = (X["income"] + 10 * (X["channel"] == "app") + rng.normal(0, 5, 3000)) > 70
>>> look = ms.Lookalike(method="pu", random_state=0, min_seed=50)
>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     look = look.fit(X, seed=seed)
>>> aud = look.audience(X, size=0.05)
>>> len(aud), aud["tier"].iloc[0]
(135, '0-1%')
>>> bool(aud["income"].mean() > X["income"].mean())
True
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterable, Mapping

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils import ClassifierTags, check_random_state
from sklearn.utils.validation import check_is_fitted

from .._dask import is_dask
from .._progress import progress
from .._validation import ROWS_ATTR, report_rows
from ..errors import MicrosegError, SchemaError, SensitiveDataWarning, SmallSeedWarning
from ..privacy.sensitive import check_sensitive, condition_columns
from ._codes import RankLookup
from ._dask_rows import audience_dask, score_samples_dask
from ._engines import ENGINES, TableEncoder, decide, make_engine
from ._explain import LookalikeExplanation, driver_table, seed_trait_table, trait_words
from ._inputs import as_frame, excluded_people, opt_out_mask, resolve_seed, select_features, value_weights
from ._selection import elkan_noto_c, internal_validation, seed_int
from ._tiers import audience_size, tiers

__all__ = ["Lookalike"]

RECOMMENDED_SEED = 1_000
_REFERENCE_POINTS = 20_001  # quantile grid of the reference: score resolution 5e-5, cache-friendly


class Lookalike(BaseEstimator):
    """Score a population by resemblance to a seed and draw audiences of a chosen size.

    Parameters
    ----------
    method : {"auto", "pu", "gbm", "similarity"}
        The scoring engine. ``"pu"``: regularised logistic regression of the
        seed against everyone else (positive-unlabelled learning), with
        Elkan–Noto calibration for :meth:`probability`. ``"gbm"``: gradient-boosted
        trees of the same. ``"similarity"``: cosine similarity to the seed's
        centroid in the standardised space (fast, but on real data often no
        better than random; validate it before use). ``"auto"``: fits each on
        a held-out part of the seed and keeps ``"pu"`` unless another engine
        catches clearly more held-out seed members (more than 2 paired standard
        errors); the reason is in ``selection_`` and :meth:`explain`.
        With ``value=`` at fit, seed members are weighted by value (value-based
        lookalike) in every engine.
    customer : str or None
        Customer id column: used to look up seed ids and to keep seed members
        out of audiences; never a feature.
    opt_out : str or None
        Boolean column, True = opted out (missing counts as opted out). Opted-out
        rows are left out of fitting, removed from the seed (with a warning) and
        never put in an audience. A missing column raises; pass ``None`` to state
        that nobody opted out.
    features : list of str, optional
        Feature columns; default every column except the customer id, the
        opt-out flag and identifier-like text columns.
    sensitive, allow_sensitive, special_ad_category
        Passed to :func:`microseg.privacy.check_sensitive`: sensitive columns
        (GDPR Art. 9 names, or tagged) are refused as features unless allowed
        with a written reason.
    min_seed : int
        Smallest seed accepted (default 100, as ad platforms require); below
        1,000 members a :class:`SmallSeedWarning` is emitted.
    chunk_size : int
        Rows scored at a time, so that large tables fit in memory.
    verbose : bool, optional
        Show progress bars: on the automatic engine choice (``method="auto"``)
        and when scoring takes several chunks. Default: in Jupyter and the
        ``microseg`` command only; ``False`` turns them off.
    random_state : int, RandomState or None

    Attributes
    ----------
    method_ : str
        The engine used.
    selection_ : DataFrame or None
        Internal validation of the candidate engines (``method="auto"``).
    features_ : list
        Columns used as features.
    feature_names_ : list of str
        Encoded features (numeric columns, missing-value flags, ``column = level``).
    n_seed_, n_unlabelled_ : int
    c_ : float
        Elkan–Noto constant: mean predicted probability of held-out seed members.
    notes_ : list of str
        What was set aside or assumed, in words.
    sensitive_allowed_ : dict
        Column -> the written reason given for using it (features or seed).

    Examples
    --------
    See the module docstring; ``look.explain()`` says what makes the seed distinct.
    """

    def __init__(
        self,
        method: str = "auto",
        *,
        customer: Hashable | None = "customer_id",
        opt_out: Hashable | None = "opted_out",
        features: Iterable[Hashable] | None = None,
        sensitive: Iterable[Hashable] | None = None,
        allow_sensitive: Mapping[Hashable, str] | None = None,
        special_ad_category: str | None = None,
        min_seed: int = 100,
        chunk_size: int = 200_000,
        verbose: bool | None = None,
        random_state=None,
    ):
        self.method = method
        self.customer = customer
        self.opt_out = opt_out
        self.features = features
        self.sensitive = sensitive
        self.allow_sensitive = allow_sensitive
        self.special_ad_category = special_ad_category
        self.min_seed = min_seed
        self.chunk_size = chunk_size
        self.verbose = verbose
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing values are encoded (flag + fill), not refused
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        tags.target_tags.required = True
        # y is binary (seed vs everyone else): like a binary-only classifier, the larger label is the seed
        tags.classifier_tags = ClassifierTags(multi_class=False)
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------------ fit

    def fit(self, X, y=None, *, seed=None, value=None) -> Lookalike:
        """Learn what sets the seed apart from everyone else in ``X``.

        Parameters
        ----------
        X : DataFrame
            The population, one row per person, seed members included.
        y : boolean array-like, optional
            True for seed members (scikit-learn style).
        seed : boolean mask, aligned boolean Series, or customer ids, optional
            The seed, if ``y`` is not given; ids are looked up in ``X[customer]``.
        value : array-like or str, optional
            A value per row (e.g. CLV) or a column name; seed members are
            weighted by it (value-based lookalike). Rows outside the seed keep
            weight 1 and their value is ignored.

        Returns
        -------
        self
        """
        return self._fit(X, y, seed=seed, value=value)

    def _fit(self, X, y=None, *, seed=None, value=None, calibrate: bool = True, describe: bool = True) -> Lookalike:
        # calibrate=False / describe=False skip the Elkan-Noto constant and the explanation tables
        # (used by evaluate(), which only ranks).
        if self.method not in ("auto", *ENGINES):
            raise MicrosegError(f"method must be 'auto' or one of {sorted(ENGINES)}, got {self.method!r}.")
        rng = check_random_state(self.random_state)
        X = as_frame(X, min_rows=2, customer=self.customer)
        self._fitted_on_array = False
        s_all = resolve_seed(X, y, seed, self.customer)
        weights = value_weights(X, value)
        opted = opt_out_mask(X, self.opt_out)
        keep = ~opted
        Xk = X.loc[keep] if not keep.all() else X
        feats, notes = select_features(
            Xk,
            features=self.features,
            customer=self.customer,
            opt_out=self.opt_out,
            sensitive=self.sensitive,
            allow_sensitive=self.allow_sensitive,
            special_ad_category=self.special_ad_category,
        )
        seed_cols = condition_columns(seed if y is None else y, X)  # a mask named after a sensitive column
        allowed = check_sensitive(seed_cols, data=X, sensitive=self.sensitive, allow_sensitive=self.allow_sensitive,
                                  special_ad_category=self.special_ad_category, purpose="seed")  # fmt: skip
        notes += [f"seed built from sensitive column {c!r}; reason given: {why}" for c, why in allowed.items()]
        self.sensitive_allowed_ = {c: r for c, r in (self.allow_sensitive or {}).items() if c in {*feats, *seed_cols}}
        n_opted_seed = int((s_all & opted).sum())
        if n_opted_seed:
            report_rows(None, {"opted-out rows removed from the seed": n_opted_seed}, what="seed members")
        s = s_all[keep]
        n_seed = int(s.sum())
        if n_seed < self.min_seed:
            raise MicrosegError(
                f"the seed has {n_seed:,} members (after removing {n_opted_seed:,} opted out); at least "
                f"{self.min_seed:,} are needed for a lookalike. Grow the seed, or lower min_seed= "
                "if you accept a noisy model."
            )
        if n_seed < RECOMMENDED_SEED:
            warnings.warn(
                f"the seed has {n_seed:,} members; fewer than {RECOMMENDED_SEED:,} give a noisy lookalike "
                "(ad platforms recommend 1,000-5,000). Check its quality with ms.lookalike.evaluate().",
                SmallSeedWarning,
                stacklevel=2,
            )
        n_unl = int((~s).sum())
        if n_unl == 0:
            raise MicrosegError(
                "the seed is all of X (after removing opted-out rows): there is nobody to compare it with "
                "or to find. Pass the whole population, seed members included."
            )
        if n_unl < 10:
            raise MicrosegError(f"X has only {n_unl} rows outside the seed; a lookalike needs a population to rank.")
        enc = TableEncoder().fit(Xk, feats)
        const_cols = [c for c in feats if all(enc.constant_[i] for i, src in enumerate(enc.feature_source_) if src == c)]
        if len(const_cols) == len(feats):
            raise MicrosegError(
                f"every feature column is constant over X ({feats[:10]}); a lookalike needs columns that vary."
            )
        if const_cols:
            notes.append(f"constant column(s) {const_cols} carry no information and were dropped.")
            feats = [c for c in feats if c not in const_cols]
            enc = TableEncoder().fit(Xk, feats)
        Z = enc.transform(Xk)
        w = np.ones(len(Z))
        if weights is not None:
            w[s] = weights[keep][s]
            if w[s].sum() <= 0:
                raise MicrosegError("value is zero for every seed member; value-based weights need positive values.")
            w[s] = w[s] / w[s].mean()
            notes.append("seed members were weighted by value (value-based lookalike).")

        self.encoder_ = enc
        self.features_ = feats
        self.feature_names_ = list(enc.feature_names_)
        self.n_features_in_ = X.shape[1]
        self.n_seed_ = n_seed
        self.n_unlabelled_ = n_unl
        self.n_opted_out_ = int(opted.sum())
        self.seed_removed_ = {"opted-out rows removed from the seed": n_opted_seed}

        # choose the engine
        if self.method == "auto":
            selection, fold_probs = internal_validation(Z, s, w, enc, rng, verbose=self.verbose)
            chosen = selection.attrs["chosen"]
            self.selection_ = selection
        else:
            chosen, selection, fold_probs = self.method, None, None
            self.selection_ = None
        self.method_ = chosen
        engine = make_engine(chosen).fit(Z, s, w, enc, seed_int(rng))
        self.engine_ = engine

        # Elkan-Noto constant c = mean g(x) on held-out seed members
        self.c_ = np.nan
        if calibrate and hasattr(engine, "probability"):
            self.c_ = elkan_noto_c(chosen, Z, s, w, enc, rng)

        # reference distribution: decision values of the fit-time unlabelled rows
        d_unl = np.sort(engine.decision(Z[~s]))
        if len(d_unl) > _REFERENCE_POINTS:
            d_unl = d_unl[np.linspace(0, len(d_unl) - 1, _REFERENCE_POINTS).round().astype(np.int64)]
        self.reference_ = d_unl

        # seed membership, for excluding seed members from audiences
        if self.customer is not None and self.customer in X.columns:
            self.seed_ids_ = pd.Index(pd.unique(X[self.customer].to_numpy()[s_all]))
            self.seed_index_ = None
        else:
            self.seed_ids_ = None
            self.seed_index_ = X.index[s_all]
            notes.append("seed members are recognised by X's index (no customer column): score tables with the same index.")

        with warnings.catch_warnings():  # the features were checked above; sensitive ones were allowed with a reason
            warnings.simplefilter("ignore", SensitiveDataWarning)
            self.traits_ = seed_trait_table(Xk, feats, s, Z, enc) if describe else None
        self.drivers_ = driver_table(engine, Z, s, enc, rng) if describe else None
        self.notes_ = notes
        return self

    # ------------------------------------------------------------------ scoring

    def _check_X(self, X) -> pd.DataFrame:
        check_is_fitted(self, "engine_")
        X = as_frame(X, customer=self.customer)
        self.encoder_.check_columns(X)
        return X

    def _decision(self, X: pd.DataFrame, post=None) -> np.ndarray:
        n, step = len(X), max(1, int(self.chunk_size))
        show = None
        if n > step:
            def show(starts):
                return progress(starts, total=math.ceil(n / step), desc="scoring", unit="chunk", verbose=self.verbose)

        return decide(self.engine_, self.encoder_, X, chunk=step, progress=show, post=post)

    def _to_score(self, d: np.ndarray) -> np.ndarray:
        # == np.searchsorted(self.reference_, d, side="left") / len(self.reference_), in O(1) per row
        lookup = self.__dict__.get("_rank_lookup")
        if lookup is None or lookup[0] is not self.reference_:
            lookup = self._rank_lookup = (self.reference_, RankLookup(self.reference_))
        return lookup[1](d) / len(self.reference_)

    def decision_function(self, X) -> pd.Series:
        """The engine's raw decision value per row (higher = more alike); not comparable across engines."""
        X = self._check_X(X)
        return pd.Series(self._decision(X), index=X.index, name="decision")

    def score_samples(self, X) -> pd.Series:
        """Score each row in [0, 1]: the share of the fit-time unlabelled population scoring lower.

        The score of a row depends on that row alone (never normalised within
        ``X``), so scores are comparable across calls and tables; 0.97 means
        the row resembles the seed more than 97 % of the people the model was
        fitted against. A Dask DataFrame gives a Dask Series, scored partition by partition.
        """
        if is_dask(X):
            return score_samples_dask(self, X)
        X = self._check_X(X)
        return pd.Series(self._decision(X, post=self._to_score), index=X.index, name="score")

    def probability(self, X) -> pd.Series:
        """Estimated P(positive | x), calibrated by Elkan–Noto: ``g(x) / c``, clipped to [0, 1].

        ``g(x)`` is the model's probability of being in the seed and ``c`` the
        mean of ``g`` over seed members held out of training (``c_``). It
        assumes the seed is a random sample of all the positives in the
        population (selected completely at random) and that positives and
        non-positives barely overlap in feature space; where they overlap,
        ``c`` is underestimated and these probabilities are too high (use them
        to rank, or check them against outcomes). With value weights it is a
        weighted score, not a probability. Only the ``pu`` and ``gbm`` engines
        give probabilities.
        """
        X = self._check_X(X)
        if not hasattr(self.engine_, "probability") or np.isnan(self.c_):
            raise MicrosegError(f"engine {self.method_!r} gives no probabilities; use method='pu' or 'gbm'.")
        out = []
        for a in range(0, len(X), max(1, int(self.chunk_size))):
            Z = self.encoder_.transform(X.iloc[a : a + int(self.chunk_size)])
            out.append(self.engine_.probability(Z))
        g = np.concatenate(out) if out else np.empty(0)
        return pd.Series(np.clip(g / self.c_, 0.0, 1.0), index=X.index, name="probability")

    def _eligible(self, X: pd.DataFrame, rules=None, listed_keys=None):
        """The audience's rule: ``(pool, in_seed, opted_out, suppressed)`` masks; pool = none of them.

        Opt-out and suppression are per person (``rules``: suppression, identifiers, default_region).
        """
        opted, suppressed = excluded_people(X, opt_out=self.opt_out, customer=self.customer, listed_keys=listed_keys,
                                            **(rules or {}))  # fmt: skip
        if self.seed_ids_ is not None:
            if self.customer not in X.columns:
                raise SchemaError(
                    f"X has no customer column {self.customer!r}, needed to keep seed members out of the audience."
                )
            in_seed = X[self.customer].isin(self.seed_ids_).to_numpy()
        else:
            in_seed = X.index.isin(self.seed_index_)
        return ~in_seed & ~opted & ~suppressed, in_seed, opted, suppressed

    def audience(self, X, *, size: float | None = None, n: int | None = None, suppression=None, identifiers=None,
                 default_region=None) -> pd.DataFrame:  # fmt: skip
        """Choose the rows of ``X`` most like the seed.

        Seed members (by the customer column, else by index), opted-out and
        suppressed people are never chosen; ``size`` is a share of what remains
        (the pool). Opt-out and suppression are per person: a row sharing a
        normalised e-mail, phone or customer id with a row that opted out or
        is on ``suppression`` is left out too.

        Parameters
        ----------
        X : DataFrame
        size : float in (0, 1], optional
            Audience as a share of the pool; default 0.05 when ``n`` is not given.
        n : int, optional
            Audience as a number of rows.
        suppression : SuppressionList, optional
            People who must never be targeted (:func:`microseg.privacy.suppression_list`).
        identifiers : mapping, optional
            ``{"email": column, "phone": column}`` to match people on; default the ``email`` and ``phone`` columns of X.
        default_region : str or Series, optional
            Region of phone numbers written without a country code.

        Returns
        -------
        DataFrame
            The chosen rows of ``X``, best first, with ``score`` (see
            :meth:`score_samples`), ``rank`` (1 = most alike, within the pool)
            and ``tier`` (ordered categorical: "0-1%", "1-2%", "2-5%", ...).
            ``attrs["microseg_rows"]`` counts the rows left out and why.
            A Dask DataFrame gives a Dask DataFrame of the same rows (in partition order).
        """
        rules = {"suppression": suppression, "identifiers": identifiers, "default_region": default_region}
        if is_dask(X):
            return audience_dask(self, X, size=size, n=n, rules=rules)
        X = self._check_X(X)
        size = audience_size(X.columns, size, n)
        pool, in_seed, opted, suppressed = self._eligible(X, rules)
        n_pool = int(pool.sum())
        if n_pool == 0:
            raise MicrosegError("no rows of X are eligible: every row is a seed member, opted out or suppressed.")
        if n is not None:
            if int(n) != n or n < 1:
                raise MicrosegError(f"n must be a positive whole number of rows, got {n!r}.")
            k = min(int(n), n_pool)
        else:
            k = max(1, math.ceil(size * n_pool - 1e-9))
        Xp = X.loc[pool] if not pool.all() else X
        d = self._decision(Xp)
        order = np.argsort(-d, kind="stable")[:k]
        out = Xp.iloc[order].copy()
        out["score"] = self._to_score(d[order])
        rank = np.arange(1, k + 1)
        out["rank"] = rank
        position = (rank - 1) / n_pool
        out["tier"] = tiers(position)
        out.attrs[ROWS_ATTR] = {
            "seed members excluded": int((in_seed).sum()),
            "opted-out rows excluded": int((opted & ~in_seed).sum()),
            "suppressed rows excluded": int((suppressed & ~opted & ~in_seed).sum()),
            "eligible pool": n_pool,
        }
        return out

    # ------------------------------------------------------------------ explanation

    def explain(self, *, n: int = 5) -> LookalikeExplanation:
        """Say which traits make the seed distinct and what drives the model, in words."""
        check_is_fitted(self, "engine_")
        if self.traits_ is None:
            raise MicrosegError("this model was fitted without its explanation tables; refit it with fit().")
        traits, drivers = self.traits_, self.drivers_
        share = self.n_seed_ / (self.n_seed_ + self.n_unlabelled_)
        lines = [
            f"The seed has {self.n_seed_:,} members ({share:.1%} of the {self.n_seed_ + self.n_unlabelled_:,} rows fitted on).",
            "It differs most from the rest in: " + "; ".join(trait_words(r) for _, r in traits.head(n).iterrows()) + ".",
            f"Engine: {self.method_} — {self.engine_.description}.",
        ]
        if self.selection_ is not None:
            lines.append("Why: " + self.selection_.attrs["reason"])
        if self.method_ == "similarity":
            lines.append(
                "Caution: similarity to the seed is not the same as likelihood to convert; "
                "check it against a classifier with ms.lookalike.evaluate()."
            )
        lines.append("Drivers: " + "; ".join(drivers.head(n)["detail"]) + ".")
        lines.extend(self.notes_)
        return LookalikeExplanation(
            traits=traits.copy(),
            drivers=drivers.copy(),
            selection=None if self.selection_ is None else self.selection_.copy(),
            method=self.method_,
            notes=tuple(self.notes_),
            text="\n".join(lines),
        )


# ----------------------------------------------------------------------------- internals


