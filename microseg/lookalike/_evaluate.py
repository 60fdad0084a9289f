"""Honest quality estimates for lookalikes: :func:`evaluate` and its result.

Private module; users reach it as ``ms.lookalike.evaluate``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from .._progress import progress
from .._validation import check_share, report_rows
from ..errors import MicrosegError, SmallSeedWarning
from ._codes import as_float
from ._engines import ENGINES, as_text, column_kind
from ._inputs import as_frame, opt_out_mask, resolve_seed, select_features
from ._model import Lookalike
from ._selection import rank_metrics

__all__ = ["evaluate", "LookalikeEvaluation", "BASELINES"]

#: Comparison methods that are not Lookalike engines.
BASELINES = ("random", "logistic_onehot")
DEFAULT_METHODS = ("auto", "pu", "gbm", "similarity", "logistic_onehot", "random")

PRECISION_NOTE = (
    "precision is reported only with labels_complete=True, i.e. when every positive in X is in the seed "
    "(a recorded outcome such as a subscription); then the pool's only positives are the held-out seed "
    "members and hits / audience is the audience's precision. Otherwise unlabelled rows include unknown "
    "positives and hits / audience is only a lower bound, so it is not shown."
)


@dataclass(frozen=True)
class LookalikeEvaluation:
    """Quality of lookalike methods on repeated held-out splits of the seed.

    Attributes
    ----------
    results : DataFrame
        One row per repeat, method and size: ``repeat, method, size, audience``
        (rows in the audience), ``hits`` (held-out seed members caught),
        ``recall`` (hits / held-out seed), ``lift`` (recall / size) and
        ``precision`` (hits / audience, only when ``labels_complete``).
    auc : DataFrame
        One row per repeat and method: ``repeat, method, auc`` (held-out seed
        vs unlabelled rows of the pool).
    selected : DataFrame
        The engine ``method="auto"`` chose in each repeat.
    sizes : tuple of float
    holdout : float
    n_repeats, n_seed, n_heldout, n_pool : int
    labels_complete : bool
    notes : tuple of str
    """

    results: pd.DataFrame
    auc: pd.DataFrame
    selected: pd.DataFrame
    sizes: tuple
    holdout: float
    n_repeats: int
    n_seed: int
    n_heldout: int
    n_pool: int
    labels_complete: bool = False
    notes: tuple = field(default_factory=tuple)

    @property
    def methods(self) -> list:
        return list(dict.fromkeys(self.results["method"]))

    def summary(self) -> pd.DataFrame:
        """Mean, standard deviation and standard error across repeats, per method and size."""
        g = self.results.groupby(["method", "size"], sort=False)
        out = pd.DataFrame(
            {
                "recall": g["recall"].mean(),
                "recall_sd": g["recall"].std(ddof=1),
                "recall_se": g["recall"].std(ddof=1) / math.sqrt(self.n_repeats),
                "lift": g["lift"].mean(),
                "lift_se": g["lift"].std(ddof=1) / math.sqrt(self.n_repeats),
                "precision": g["precision"].mean(),
            }
        )
        auc = self.auc.groupby("method", sort=False)["auc"].agg(["mean", "std"])
        out = out.reset_index()
        out["auc"] = out["method"].map(auc["mean"])
        out["auc_se"] = out["method"].map(auc["std"] / math.sqrt(self.n_repeats))
        return out

    def to_frame(self) -> pd.DataFrame:
        """The summary table (one row per method and size)."""
        return self.summary()

    def compare(self, baseline: str = "logistic_onehot", *, metric: str = "recall") -> pd.DataFrame:
        """Paired differences from ``baseline``, with paired standard errors.

        Every method was scored on the same splits, so the difference is taken
        repeat by repeat; ``se`` is the standard error of the mean paired
        difference, ``se_corrected`` adds the Nadeau–Bengio correction for the
        overlap between repeated random splits (more honest, wider), and
        ``verdict`` reads ``z = diff / se`` at 2.

        Parameters
        ----------
        baseline : str
            A method in the evaluation.
        metric : {"recall", "lift", "auc"}
        """
        if baseline not in self.methods:
            raise MicrosegError(f"baseline {baseline!r} was not evaluated; choose one of {self.methods}.")
        if metric == "auc":
            wide = self.auc.pivot(index="repeat", columns="method", values="auc")
            blocks = [(np.nan, wide)]
        elif metric in ("recall", "lift"):
            blocks = [
                (sz, part.pivot(index="repeat", columns="method", values=metric))
                for sz, part in self.results.groupby("size", sort=True)
            ]
        else:
            raise MicrosegError(f"metric must be 'recall', 'lift' or 'auc', got {metric!r}.")
        r = self.n_repeats
        factor = 1 / r + self.holdout / (1 - self.holdout)
        rows = []
        for sz, wide in blocks:
            for m in self.methods:
                if m == baseline:
                    continue
                d = (wide[m] - wide[baseline]).to_numpy()
                mean = float(d.mean())
                sd = float(d.std(ddof=1)) if r > 1 else np.nan
                se = sd / math.sqrt(r) if r > 1 else np.nan
                se_c = math.sqrt(factor) * sd if r > 1 else np.nan
                if se is not np.nan and se > 1e-12:
                    z = mean / se
                else:  # identical in every repeat (or a single repeat): no spread to scale by
                    z = 0.0 if abs(mean) < 1e-12 else float(np.sign(mean) * np.inf)
                verdict = "better" if z > 2 else "worse" if z < -2 else "no clear difference"
                rows.append(
                    {"method": m, "baseline": baseline, "metric": metric, "size": sz, "difference": mean,
                     "se": se, "z": z, "se_corrected": se_c, "verdict": verdict}
                )
        return pd.DataFrame(rows)

    def plot(self, *, metric: str = "recall", ax=None):
        """Draw audience size against recall (or lift) per method, with ±1 standard error."""
        from ..plot import plot_lookalike_curve

        return plot_lookalike_curve(self, metric=metric, ax=ax)

    def __repr__(self) -> str:
        best = self.summary().query("size == size.max()").sort_values("recall", ascending=False)
        top = best.iloc[0]
        return (
            f"LookalikeEvaluation({len(self.methods)} methods, {self.n_repeats} repeats, "
            f"seed {self.n_seed:,}, held out {self.n_heldout:,}; best recall@{top['size']:.0%}: "
            f"{top['method']} {top['recall']:.3f})"
        )

    def _repr_html_(self) -> str:
        from .._tables import format_table

        s = self.summary()
        wide = s.pivot(index="method", columns="size", values="recall").loc[self.methods]
        wide.columns = [f"recall@{c:.0%}" for c in wide.columns]
        wide["AUC"] = s.groupby("method", sort=False)["auc"].first()
        notes = "".join(f"<li>{n}</li>" for n in self.notes)
        return (
            f"<div><b>Lookalike evaluation</b>: {self.n_repeats} repeats, {self.holdout:.0%} of a seed of "
            f"{self.n_seed:,} held out.{format_table(wide, max_rows=None).html}<ul>{notes}</ul></div>"
        )


def _onehot_baseline(random_state):
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), make_column_selector(dtype_include="number")),
            ("cat", OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_exclude="number")),
        ]
    )
    return make_pipeline(pre, LogisticRegression(max_iter=2000))


def _baseline_frame(X: pd.DataFrame, features) -> pd.DataFrame:
    """What a user would feed a plain scikit-learn pipeline: numbers as numbers, everything else as text."""
    cols = {}
    for c in features:
        kind = column_kind(X[c])
        if kind == "categorical":
            cols[str(c)] = as_text(X[c]).astype(object)
        else:
            cols[str(c)] = as_float(X[c], kind, "float64")
    return pd.DataFrame(cols, index=X.index)


def evaluate(
    X: pd.DataFrame,
    *,
    seed,
    methods: Sequence[str] = DEFAULT_METHODS,
    sizes: Sequence[float] = (0.01, 0.02, 0.05, 0.10, 0.20),
    holdout: float = 0.3,
    n_repeats: int = 10,
    customer: Hashable | None = "customer_id",
    opt_out: Hashable | None = "opted_out",
    value=None,
    features: Iterable[Hashable] | None = None,
    sensitive: Iterable[Hashable] | None = None,
    allow_sensitive: Mapping[Hashable, str] | None = None,
    min_seed: int = 100,
    labels_complete: bool = False,
    verbose: bool | None = None,
    random_state=None,
) -> LookalikeEvaluation:
    """Estimate how well each method finds held-out seed members.

    Each repeat holds out ``holdout`` of the seed, fits every method on the
    rest (the held-out members stay in ``X``, unlabelled, as unknown lookalikes
    would), and ranks every row outside the training seed. recall@s is the
    share of held-out members in the top ``ceil(s * pool)`` rows; lift@s is
    recall@s / s (1 = random); AUC compares held-out members with the
    unlabelled rows. All methods see identical splits, so differences are
    paired (:meth:`LookalikeEvaluation.compare`).

    Parameters
    ----------
    X : DataFrame
        The population, seed included. Opted-out rows are left out (with a warning).
    seed : boolean mask, aligned Series or customer ids
    methods : sequence of str
        Lookalike methods (``"auto"``, ``"pu"``, ``"gbm"``, ``"similarity"``)
        and baselines: ``"logistic_onehot"`` (scikit-learn's LogisticRegression
        on one-hot columns, median-imputed and scaled numbers) and ``"random"``.
    sizes : sequence of float in (0, 1]
        Audience sizes as shares of the pool.
    holdout : float in (0, 1)
        Share of the seed held out in each repeat.
    n_repeats : int
    customer, opt_out, value, features, sensitive, allow_sensitive, min_seed
        As for :class:`~microseg.lookalike.Lookalike`; ``min_seed`` applies to
        the training part of the seed.
    labels_complete : bool
        Set True only when every positive in ``X`` is in the seed; precision is
        then reported (see the note in the result).
    verbose : bool, optional
        Progress bar over repeats. Default: in Jupyter and the ``microseg``
        command only; ``False`` turns it off.
    random_state : int, RandomState or None

    Returns
    -------
    LookalikeEvaluation

    Examples
    --------
    >>> import numpy as np, pandas as pd, warnings
    >>> import microseg as ms
    >>> rng = np.random.default_rng(1)
    >>> X = pd.DataFrame({"a": rng.normal(size=2000), "b": rng.choice(list("xyz"), 2000)})
    >>> seed = X["a"] + rng.normal(size=2000) > 1.6
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     ev = ms.lookalike.evaluate(X, seed=seed, methods=["pu", "random"], n_repeats=3,
    ...                                opt_out=None, min_seed=50, random_state=0)
    >>> s = ev.summary().set_index(["method", "size"])
    >>> bool(s.loc[("pu", 0.2), "recall"] > s.loc[("random", 0.2), "recall"])
    True
    """
    X = as_frame(X, customer=customer)
    methods = list(methods)
    unknown = [m for m in methods if m not in ("auto", *ENGINES, *BASELINES)]
    if unknown or not methods:
        raise MicrosegError(
            f"unknown method(s) {unknown}; choose from {['auto', *ENGINES, *BASELINES]}."
        )
    if len(set(methods)) != len(methods):
        raise MicrosegError(f"methods has duplicates: {methods}.")
    sizes = tuple(sorted(check_share(s, name="sizes") for s in sizes))
    holdout = float(holdout)
    if not 0 < holdout < 1:
        raise MicrosegError(f"holdout must be a share in (0, 1), got {holdout!r}; e.g. 0.3.")
    if int(n_repeats) != n_repeats or n_repeats < 1:
        raise MicrosegError(f"n_repeats must be a positive whole number, got {n_repeats!r}.")
    rng = check_random_state(random_state)

    s_all = resolve_seed(X, None, seed, customer)
    opted = opt_out_mask(X, opt_out)
    counts = {"opted-out rows left out": int(opted.sum())}
    if counts["opted-out rows left out"]:
        report_rows(None, counts, what="rows")
        X = X.loc[~opted]
        s_all = s_all[~opted]
    if value is not None and not (isinstance(value, str) and value in X.columns):
        value = np.asarray(value)[~opted] if len(np.asarray(value)) == len(opted) else value
    n_seed = int(s_all.sum())
    n_held = int(round(holdout * n_seed))
    if n_held < 1:
        raise MicrosegError(f"holdout={holdout} of a seed of {n_seed} leaves no member to hold out.")
    if n_seed - n_held < min_seed:
        raise MicrosegError(
            f"holding out {holdout:.0%} of the seed leaves {n_seed - n_held:,} members to fit on, fewer than "
            f"min_seed={min_seed:,}; lower holdout or min_seed, or grow the seed."
        )
    if n_seed == len(X):
        raise MicrosegError("the seed is all of X: there is nobody to rank.")
    feats, notes = select_features(
        X, features=features, customer=customer, opt_out=None, sensitive=sensitive,
        allow_sensitive=allow_sensitive, special_ad_category=None,
    )
    Xb = _baseline_frame(X, feats) if "logistic_onehot" in methods else None
    seed_pos = np.flatnonzero(s_all)
    rows, auc_rows, sel_rows = [], [], []
    repeats = range(int(n_repeats))
    repeats = progress(repeats, desc="lookalike evaluation", verbose=verbose, unit="repeat")
    n_pool = 0
    for r in repeats:
        held = rng.permutation(seed_pos)[:n_held]
        s_train = s_all.copy()
        s_train[held] = False
        pool = ~s_train
        positive = np.zeros(len(X), dtype=bool)
        positive[held] = True
        n_pool = int(pool.sum())
        split_seed = int(rng.randint(0, 2**31 - 1))
        tie_rng = np.random.default_rng(split_seed)
        for m in methods:
            if m == "random":
                d = np.random.default_rng(split_seed + 1).random(n_pool)
            elif m == "logistic_onehot":
                sw = np.ones(len(X))
                if value is not None:
                    v = X[value].to_numpy(dtype=float) if isinstance(value, str) else np.asarray(value, dtype=float)
                    sw[s_train] = v[s_train] / v[s_train].mean()
                model = _onehot_baseline(split_seed).fit(Xb, s_train, logisticregression__sample_weight=sw)
                d = model.decision_function(Xb.loc[pool])
            else:
                look = Lookalike(
                    method=m, customer=customer, opt_out=None, features=feats, sensitive=sensitive,
                    allow_sensitive=allow_sensitive, min_seed=min_seed, random_state=split_seed,
                )
                with warnings.catch_warnings():
                    warnings.filterwarnings("ignore", category=SmallSeedWarning)
                    look._fit(X, y=s_train, value=value, calibrate=False, describe=False)
                d = look._decision(X.loc[pool])
                if m == "auto":
                    sel_rows.append({"repeat": r, "chosen": look.method_, "reason": look.selection_.attrs["reason"]})
            hits, auc = rank_metrics(d, positive[pool], sizes, tie_rng)
            for j, sz in enumerate(sizes):
                k = max(1, math.ceil(sz * n_pool - 1e-9))
                h = int(hits[:, j].sum())
                rows.append(
                    {"repeat": r, "method": m, "size": sz, "audience": k, "hits": h, "recall": h / n_held,
                     "lift": h / n_held / sz, "precision": h / k if labels_complete else np.nan}
                )
            auc_rows.append({"repeat": r, "method": m, "auc": float(auc.mean())})
    notes = list(notes)
    notes.append(PRECISION_NOTE)
    if n_seed - n_held < 1000:
        notes.append(f"each fit used {n_seed - n_held:,} seed members (fewer than 1,000): expect noisy models.")
    return LookalikeEvaluation(
        results=pd.DataFrame(rows),
        auc=pd.DataFrame(auc_rows),
        selected=pd.DataFrame(sel_rows, columns=["repeat", "chosen", "reason"]),
        sizes=sizes,
        holdout=holdout,
        n_repeats=int(n_repeats),
        n_seed=n_seed,
        n_heldout=n_held,
        n_pool=n_pool,
        labels_complete=bool(labels_complete),
        notes=tuple(notes),
    )
