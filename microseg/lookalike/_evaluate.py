"""Honest quality estimates and explanations for lookalikes: :func:`evaluate`, its result, and ``explain()``'s result.

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

from ._lookalike_engines import ENGINES, rank_metrics
from ._validation import check_share, report_rows
from .errors import MicrosegError

__all__ = ["evaluate", "LookalikeEvaluation", "LookalikeExplanation", "BASELINES"]

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
        from .plot import plot_lookalike_curve

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
        s = self.summary()
        wide = s.pivot(index="method", columns="size", values="recall").loc[self.methods]
        wide.columns = [f"recall@{c:.0%}" for c in wide.columns]
        wide["AUC"] = s.groupby("method", sort=False)["auc"].first()
        notes = "".join(f"<li>{n}</li>" for n in self.notes)
        return (
            f"<div><b>Lookalike evaluation</b>: {self.n_repeats} repeats, {self.holdout:.0%} of a seed of "
            f"{self.n_seed:,} held out.{wide.to_html(float_format=lambda v: f'{v:.3f}')}<ul>{notes}</ul></div>"
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
    from ._lookalike_engines import _as_float, _as_text, column_kind

    cols = {}
    for c in features:
        kind = column_kind(X[c])
        if kind == "categorical":
            cols[str(c)] = _as_text(X[c]).astype(object)
        else:
            cols[str(c)] = _as_float(X[c], kind, "float64")
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
    verbose: bool = False,
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
    verbose : bool
        Progress bar over repeats.
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
    from .lookalike import Lookalike, SmallSeedWarning, _opt_out_mask, _resolve_seed, _to_frame, select_features

    X = _to_frame(X)
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

    s_all = _resolve_seed(X, None, seed, customer)
    opted = _opt_out_mask(X, opt_out)
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
    if verbose:
        from tqdm.auto import tqdm

        repeats = tqdm(repeats, desc="evaluating", unit="repeat")
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


# ----------------------------------------------------------------------------- explanation


@dataclass(frozen=True)
class LookalikeExplanation:
    """What makes the seed distinct, and what drives the fitted model.

    Attributes
    ----------
    traits : DataFrame
        The seed against everyone else fitted on, from :func:`microseg.compare`
        (one row per numeric column or level: shares, means, ``index``,
        ``effect_size``, FDR-adjusted ``p_adjusted`` and ``significant``),
        sorted by ``|effect_size|``; suppressed cells are left out.
    drivers : DataFrame
        One row per original column: ``column, importance, direction, detail``;
        coefficients per standard deviation for the logistic engine,
        permutation importance (drop in AUC) otherwise.
    selection : DataFrame or None
        The internal validation behind ``method="auto"``.
    method : str
    notes : tuple of str
    text : str
        The whole explanation in words.
    """

    traits: pd.DataFrame
    drivers: pd.DataFrame
    selection: pd.DataFrame | None
    method: str
    notes: tuple = field(default_factory=tuple)
    text: str = ""

    def to_frame(self) -> pd.DataFrame:
        """The drivers table."""
        return self.drivers.copy()

    def plot(self, *, n: int = 10, ax=None):
        """Bar chart of the model's strongest drivers."""
        from .plot import plot_lookalike_drivers

        return plot_lookalike_drivers(self, n=n, ax=ax)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"LookalikeExplanation(method={self.method!r}, traits={len(self.traits)}, drivers={len(self.drivers)})"

    def _repr_html_(self) -> str:
        body = "".join(f"<li>{line}</li>" for line in self.text.splitlines() if line.strip())
        return (
            f"<div><b>Lookalike explanation</b><ul>{body}</ul>"
            f"<p>Strongest drivers</p>{self.drivers.head(10).to_html(index=False)}</div>"
        )


def _traits(Z, s, enc) -> pd.DataFrame:
    """Standardised differences, seed vs the rest, for every encoded feature."""
    a, b = Z[s], Z[~s]
    ma, mb = a.mean(axis=0), b.mean(axis=0)
    va, vb = a.var(axis=0), b.var(axis=0)
    pooled = np.sqrt((va + vb) / 2)
    diff = np.divide(ma - mb, pooled, out=np.zeros_like(ma), where=pooled > 0)
    is_level = np.array([lv != "" for lv in enc.feature_level_])
    index = np.where(is_level & (mb > 0), 100 * ma / np.where(mb > 0, mb, 1), np.nan)
    out = pd.DataFrame(
        {
            "column": enc.feature_source_,
            "level": enc.feature_level_,
            "seed": ma,
            "rest": mb,
            "difference": diff,
            "index": index,
        }
    )
    return out.reindex(out["difference"].abs().sort_values(ascending=False, kind="stable").index).reset_index(drop=True)


def _seed_traits(Xk, feats, s, Z, enc) -> pd.DataFrame:
    """Seed vs the rest: ``ms.compare`` (effect sizes, FDR-controlled flags), else standardised differences."""
    try:
        from .profiling import compare
    except ImportError:  # pragma: no cover - profiling is part of the package
        return _traits(Z, s, enc)
    prof = compare(Xk[feats], s, names=("seed", "rest"))
    tab = prof.table
    tab = tab[(tab["segment"] == "seed") & ~tab["suppressed"].fillna(False).astype(bool)]
    order = np.argsort(-tab["effect_size"].abs().fillna(0).to_numpy(), kind="stable")
    return tab.iloc[order].reset_index(drop=True)


def _trait_words(r) -> str:
    if "effect_size" in r:  # a row of ms.compare's table
        from .profiling import _phrase

        return _phrase(r)
    if r["level"] == "":
        return f"{r['column']} (mean {r['seed']:,.3g} vs {r['rest']:,.3g}, {r['difference']:+.2f} SD)"
    return f"{r['column']} = {r['level']} ({r['seed']:.0%} vs {r['rest']:.0%})"


def _drivers(engine, Z, s, enc, rng, *, max_rows: int = 4000) -> pd.DataFrame:
    """Per original column: coefficient-based (linear) or permutation importance (drop in AUC)."""
    src = np.array(enc.feature_source_, dtype=object)
    cols = list(dict.fromkeys(enc.feature_source_))
    signed = engine.signed_drivers()
    if engine.linear:
        rows = []
        for c in cols:
            idx = np.flatnonzero(src == c)
            k = idx[np.argmax(np.abs(signed[idx]))]
            coef = signed[k]
            level = enc.feature_level_[k]
            if level == "":
                detail = f"the {'higher' if coef > 0 else 'lower'} the {c}, the higher the score ({coef:+.2f} log-odds per SD)"
            elif level == "(missing)":
                detail = f"a missing {c} {'raises' if coef > 0 else 'lowers'} the score ({coef:+.2f})"
            else:
                detail = f"{c} = {level} {'raises' if coef > 0 else 'lowers'} the score ({coef:+.2f} per SD)"
            rows.append({"column": c, "importance": float(abs(coef)), "direction": "up" if coef > 0 else "down", "detail": detail})
        out = pd.DataFrame(rows)
    else:
        from sklearn.metrics import roc_auc_score

        pos, neg = np.flatnonzero(s), np.flatnonzero(~s)
        take = np.concatenate(
            [rng.permutation(pos)[: max_rows // 2], rng.permutation(neg)[: max_rows // 2]]
        )
        Zs, ys = Z[take], s[take]
        base = roc_auc_score(ys, engine.decision(Zs))
        rows = []
        for c in cols:
            idx = np.flatnonzero(src == c)
            Zp = Zs.copy()
            Zp[:, idx] = Zs[rng.permutation(len(Zs))][:, idx]
            drop = base - roc_auc_score(ys, engine.decision(Zp))
            if signed is not None:
                k = idx[np.argmax(np.abs(signed[idx]))]
                direction = "up" if signed[k] > 0 else "down"
                lv = enc.feature_level_[k]
                what = f"{'higher' if signed[k] > 0 else 'lower'} {c}" if lv == "" else f"{c} = {lv}"
                detail = f"{what} makes a row more alike (shuffling {c} costs {drop:.3f} AUC)"
            else:
                direction = ""
                detail = f"{c} matters (shuffling it costs {drop:.3f} AUC)"
            rows.append({"column": c, "importance": float(drop), "direction": direction, "detail": detail})
        out = pd.DataFrame(rows)
    return out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
