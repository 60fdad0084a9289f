"""How well a CLV model fits: period transactions, calibration vs holdout, cumulative purchases, matrices, model choice.

Each function returns a small result object with ``.to_frame()`` and
``.plot(ax=None)``. The models are any fitted ``BetaGeoModel`` or
``ParetoNBDModel`` (fitted here on the table when not given).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._transactions import (
    as_timestamp,
    check_freq,
    period_start,
    prepare_log,
    to_period,
)
from .._validation import check_columns, check_frame, report_rows
from ..errors import DataQualityWarning, MicrosegError
from ._btyd_data import summary_arrays

__all__ = ["calibration_vs_holdout", "compare_models", "cumulative_transactions", "frequency_recency_matrix",
           "period_transactions"]

_HOLDOUT = ["frequency_holdout", "duration_holdout"]


def _model(model, table):
    from ._clv import BetaGeoModel

    if model is None:
        return BetaGeoModel().fit(table)
    if not hasattr(model, "_expected"):
        raise MicrosegError(f"model must be a BetaGeoModel or ParetoNBDModel, got {type(model).__name__}.")
    check_is_fitted(model, "params_")
    return model


def _label(model) -> str:
    return str(model._free()[1]).split(" (")[0] if model.limit_ is None else f"BG/NBD -> {model.limit_}"


def _capped(values, cap: int) -> np.ndarray:
    return np.minimum(values, cap).astype(np.int64)


def _bins(cap: int) -> pd.Index:
    return pd.Index([str(i) for i in range(cap)] + [f"{cap}+"], name="repeat purchases")


def _holdout_predictions(model, table) -> np.ndarray:
    (x, tx, T), _ = summary_arrays(table)
    check_columns(table, _HOLDOUT, name="table")
    dur = table["duration_holdout"].to_numpy(dtype="float64")
    out = np.empty(len(x))
    for d in np.sort(pd.unique(dur)):  # one duration in a calibration_holdout table
        rows = dur == d
        out[rows] = model._expected(x[rows], tx[rows], T[rows], float(d))
    return out


# ------------------------------------------------------------------ simulation from a fitted model
def simulate_frequency(model, T: np.ndarray, rng) -> np.ndarray:
    """Repeat purchases in ``(0, T]`` of new customers drawn from a fitted BG/NBD or Pareto/NBD model."""
    from . import _bgnbd_limits as limits

    n = len(T)
    p = model.params_
    if "s" in p.index:  # Pareto/NBD: Poisson purchases until an exponential lifetime ends
        lam = rng.gamma(p["r"], 1 / p["alpha"], n)
        life = rng.exponential(1 / rng.gamma(p["s"], 1 / p["beta"], n))
        return rng.poisson(lam * np.minimum(life, T)).astype("float64")
    lp = model.limit_params_
    if model.limit_ in (limits.POISSON, limits.POISSON_DROPOUT):
        lam = np.full(n, lp["lambda"])
    else:
        lam = rng.gamma(p["r"], 1 / p["alpha"], n)
    drop = rng.beta(p["a"], p["b"], n) if model.limit_ in (None, limits.POISSON_DROPOUT) else np.zeros(n)
    x, t = np.zeros(n), np.zeros(n)
    alive = lam > 0
    while alive.any():  # one purchase per customer per pass: vectorised over customers
        idx = np.flatnonzero(alive)
        t[idx] += rng.exponential(1 / lam[idx])
        buy = t[idx] <= T[idx]
        x[idx[buy]] += 1
        alive[idx] = buy & (rng.random(len(idx)) >= drop[idx])
    return x


# ------------------------------------------------------------------ result objects
@dataclass(frozen=True)
class _Result:
    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def _repr_html_(self) -> str:
        return f"<p>{self!r}</p>" + self.table.to_html(float_format=lambda v: f"{v:,.3f}")


@dataclass(frozen=True)
class PeriodTransactions(_Result):
    """Customers with 0, 1, 2, ... repeat purchases in the calibration period: actual and predicted."""

    model: str = ""

    def plot(self, ax=None):
        from ..plot._clv import plot_period_transactions

        return plot_period_transactions(self, ax=ax)

    def __repr__(self) -> str:
        worst = (self.table["predicted"] - self.table["actual"]).abs().max()
        return f"PeriodTransactions({self.model}, {len(self.table)} bins, largest gap {worst:,.0f} customers)"


@dataclass(frozen=True)
class CalibrationHoldout(_Result):
    """Mean holdout purchases by calibration frequency, actual and predicted, and the totals."""

    model: str = ""

    @property
    def totals(self) -> pd.Series:
        """Holdout purchases of all customers: actual, predicted and their relative gap."""
        n = self.table["customers"]
        actual, predicted = float((self.table["actual"] * n).sum()), float((self.table["predicted"] * n).sum())
        return pd.Series({"actual": actual, "predicted": predicted, "error": predicted / actual - 1})

    def plot(self, ax=None):
        from ..plot._clv import plot_calibration_holdout

        return plot_calibration_holdout(self, ax=ax)

    def __repr__(self) -> str:
        t = self.totals
        return (f"CalibrationHoldout({self.model}: {t['actual']:,.0f} holdout purchases, predicted "
                f"{t['predicted']:,.0f} ({t['error']:+.1%}))")


@dataclass(frozen=True)
class CumulativeTransactions(_Result):
    """Cumulative repeat purchases of the cohort period by period, actual and predicted."""

    model: str = ""
    calibration_end: pd.Timestamp | None = None

    def plot(self, ax=None):
        from ..plot._clv import plot_cumulative_transactions

        return plot_cumulative_transactions(self, ax=ax)

    def __repr__(self) -> str:
        last = self.table.iloc[-1]
        return (f"CumulativeTransactions({self.model}, {len(self.table)} periods, final actual {last['actual']:,.0f}"
                f" vs predicted {last['predicted']:,.0f})")


@dataclass(frozen=True)
class FrequencyRecencyMatrix(_Result):
    """A model's prediction over a grid of frequency (rows) × recency (columns), for customers of age T."""

    kind: str = "probability_alive"
    T: float = 0.0

    def plot(self, ax=None):
        from ..plot._clv import plot_frequency_recency

        return plot_frequency_recency(self, ax=ax)

    def __repr__(self) -> str:
        return f"FrequencyRecencyMatrix({self.kind}, {self.table.shape[0]} frequencies x {self.table.shape[1]} recencies)"


@dataclass(frozen=True)
class ModelComparison(_Result):
    """Candidate models ranked on the holdout (best first), with their mean holdout purchases by frequency."""

    by_frequency: pd.DataFrame | None = None

    def plot(self, ax=None):
        from ..plot._clv import plot_model_comparison

        return plot_model_comparison(self, ax=ax)

    def __repr__(self) -> str:
        best = self.table.index[0]
        return f"ModelComparison({len(self.table)} models, best on the holdout: {best})"


# ------------------------------------------------------------------ functions
def period_transactions(summary: pd.DataFrame, *, model=None, max_frequency: int = 7, n_draws: int = 10,
                        random_state=0) -> PeriodTransactions:
    """Actual vs predicted number of customers with 0, 1, 2, ... repeat purchases in the calibration period.

    The prediction simulates each customer's history ``n_draws`` times from the
    fitted model over their own ``T`` and averages the counts.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> s = pd.DataFrame({"frequency": [0, 1, 4, 2, 0, 6, 3, 1], "recency": [0, 20, 30, 5, 0, 38, 36, 9],
    ...                   "T": [40, 39, 38, 40, 35, 39, 40, 38]})
    >>> pt = ms.period_transactions(s, max_frequency=3)
    >>> pt.to_frame()["actual"].tolist()
    [2, 2, 1, 3]
    """
    (x, _, T), _ = summary_arrays(summary)
    model = _model(model, summary)
    rng = check_random_state(random_state)
    cap = int(max_frequency)
    sims = np.concatenate([simulate_frequency(model, T, rng) for _ in range(int(n_draws))])
    actual = np.bincount(_capped(x, cap), minlength=cap + 1)
    predicted = np.bincount(_capped(sims, cap), minlength=cap + 1) / int(n_draws)
    table = pd.DataFrame({"actual": actual, "predicted": predicted}, index=_bins(cap))
    return PeriodTransactions(table, model=_label(model))


def calibration_vs_holdout(table: pd.DataFrame, *, model=None, max_frequency: int = 7) -> CalibrationHoldout:
    """Mean holdout purchases by calibration frequency: actual vs the model's conditional expectation.

    Parameters
    ----------
    table : DataFrame
        From :func:`microseg.calibration_holdout`.
    model : fitted BetaGeoModel or ParetoNBDModel, optional
        Fitted on ``table`` (its calibration columns) when not given.
    max_frequency : int, default 7
        Calibration frequencies from this value up are pooled.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> t = pd.DataFrame({"frequency": [0, 1, 4, 2, 0, 6, 3, 1], "recency": [0, 20, 30, 5, 0, 38, 36, 9],
    ...                   "T": [40, 39, 38, 40, 35, 39, 40, 38], "frequency_holdout": [0, 1, 3, 0, 1, 5, 2, 0],
    ...                   "duration_holdout": 40})
    >>> check = ms.calibration_vs_holdout(t, max_frequency=3)
    >>> int(check.totals["actual"])
    12
    """
    check_frame(table, name="table")
    check_columns(table, _HOLDOUT, name="table")
    model = _model(model, table)
    pred = _holdout_predictions(model, table)
    x = table["frequency"].to_numpy(dtype="float64")
    cap = int(max_frequency)
    g = _capped(x, cap)
    n = np.bincount(g, minlength=cap + 1)
    with np.errstate(invalid="ignore"):
        actual = np.bincount(g, weights=table["frequency_holdout"].to_numpy(dtype="float64"), minlength=cap + 1) / n
        predicted = np.bincount(g, weights=pred, minlength=cap + 1) / n
    out = pd.DataFrame({"customers": n, "actual": actual, "predicted": predicted}, index=_bins(cap))
    out.index.name = "calibration repeat purchases"
    return CalibrationHoldout(out, model=_label(model))


def cumulative_transactions(
    transactions: pd.DataFrame,
    *,
    calibration_end,
    model=None,
    as_of=None,
    customer: str = "customer_id",
    time: str = "timestamp",
    value: str | None = "amount",
    freq: str = "D",
) -> CumulativeTransactions:
    """Cumulative repeat purchases of the customers acquired by ``calibration_end``, actual and predicted.

    The prediction sums, over the customers, the expected purchases of a new
    customer over the time since their first purchase (``expected_purchases_new``);
    it is a forecast of the whole cohort, through the calibration period and
    past it. Periods with a purchase count once per customer, as in ``rfm``;
    returns (negative amounts) are not purchases. Rows dropped (missing
    values, after ``as_of``) are counted in a ``DataQualityWarning`` and in
    ``to_frame().attrs["microseg_rows"]``.

    Examples
    --------
    >>> import microseg as ms
    >>> tx = ms.datasets.make_customers(n_customers=800, random_state=0).transactions
    >>> end = tx["timestamp"].min() + (tx["timestamp"].max() - tx["timestamp"].min()) / 2
    >>> cum = ms.cumulative_transactions(tx, calibration_end=end, freq="W")
    >>> list(cum.to_frame().columns)
    ['period_start', 'actual', 'predicted']
    """
    from ._calibration import calibration_holdout

    check_freq(freq)
    log = prepare_log(transactions, customer=customer, time=time, value=value, as_of=as_of)
    end = as_timestamp(calibration_end, transactions[time].dt.tz)
    if model is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DataQualityWarning)  # the same rows are reported once, below
            model = _model(None, calibration_holdout(transactions, calibration_end=end, as_of=log.as_of,
                                                     customer=customer, time=time, value=value, freq=freq))
    model = _model(model, None)
    keep = log.amount >= 0 if log.amount is not None else np.ones(len(log.codes), bool)
    codes, periods = log.codes[keep], to_period(log.ticks[keep], freq)
    end_period = int(to_period(np.array([end.value]), freq)[0])
    last_period = int(to_period(np.array([log.as_of.value]), freq)[0])
    first = np.full(log.n_customers, np.iinfo(np.int64).max)
    np.minimum.at(first, codes, periods)
    p0 = int(first[first <= end_period].min()) if (first <= end_period).any() else end_period
    cohort = first <= end_period
    span = last_period - p0 + 1
    keys = np.sort(codes * span + (periods - p0))
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]]  # one purchase period per customer and period
    kc, kp = keys // span, keys % span
    repeat = cohort[kc] & (kp != first[kc] - p0)
    actual = np.cumsum(np.bincount(kp[repeat], minlength=span))
    new = np.bincount(first[cohort] - p0, minlength=span)[:span]
    per_new = np.array([model.expected_purchases_new(float(j)) for j in range(span)])  # a loop over periods
    predicted = np.convolve(new, per_new)[:span]
    table = pd.DataFrame({"period_start": period_start(np.arange(p0, last_period + 1), freq),
                          "actual": actual.astype("float64"), "predicted": predicted},
                         index=pd.RangeIndex(span, name="period"))
    report_rows(table, log.counts, what="transaction rows")
    return CumulativeTransactions(table, model=_label(model), calibration_end=end)


def frequency_recency_matrix(summary: pd.DataFrame, *, model=None, kind: str = "probability_alive",
                             t: float = 1.0, max_frequency: int | None = None) -> FrequencyRecencyMatrix:
    """P(alive) or expected purchases over a grid of frequency × recency, for customers of the largest age T.

    Parameters
    ----------
    summary : DataFrame
        The btyd table the model was (or is) fitted on; it sets the grid.
    kind : {"probability_alive", "expected_purchases"}
    t : float, default 1
        Horizon of ``expected_purchases`` in periods.
    max_frequency : int, optional
        Largest frequency on the grid (default: the largest in ``summary``, at most 60).

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> s = pd.DataFrame({"frequency": [0, 1, 4, 2, 0, 6, 3, 1], "recency": [0, 20, 30, 5, 0, 38, 36, 9],
    ...                   "T": [40, 39, 38, 40, 35, 39, 40, 38]})
    >>> m = ms.frequency_recency_matrix(s).to_frame()
    >>> m.shape, bool(m.loc[6, 40] > m.loc[6, 5])
    ((7, 41), True)
    """
    if kind not in ("probability_alive", "expected_purchases"):
        raise MicrosegError(f"kind must be 'probability_alive' or 'expected_purchases', got {kind!r}.")
    (x, _, T), _ = summary_arrays(summary)
    model = _model(model, summary)
    age = float(np.max(T))
    top = int(min(np.max(x), 60)) if max_frequency is None else int(max_frequency)
    freqs = np.arange(top + 1, dtype="float64")
    recs = np.arange(int(np.floor(age)) + 1, dtype="float64")
    F, R = np.meshgrid(freqs, recs, indexing="ij")
    f, r, a = F.ravel(), R.ravel(), np.full(F.size, age)
    if kind == "probability_alive":
        values = model.probability_alive(pd.DataFrame({"frequency": f, "recency": r, "T": a})).to_numpy()
    else:
        values = model._expected(f, r, a, float(t))
    table = pd.DataFrame(values.reshape(F.shape), index=pd.Index(freqs.astype(int), name="frequency"),
                         columns=pd.Index(recs.astype(int), name="recency"))
    return FrequencyRecencyMatrix(table, kind=kind, T=age)


def _candidates(models):
    from ._clv import BetaGeoModel
    from ._pareto import ParetoNBDModel

    named = {"bgnbd": ("BG/NBD", BetaGeoModel), "paretonbd": ("Pareto/NBD", ParetoNBDModel)}
    if isinstance(models, dict):
        return list(models.items())
    out = []
    for m in models:
        if isinstance(m, str):
            key = m.lower().replace("/", "").replace("-", "").replace("_", "")
            if key not in named:
                raise MicrosegError(f"unknown model {m!r}; name 'bgnbd' or 'paretonbd', or pass an estimator.")
            out.append((named[key][0], named[key][1]()))
        else:
            out.append((type(m).__name__, m))
    return out


def compare_models(table: pd.DataFrame, *, models=("bgnbd", "paretonbd"), max_frequency: int = 7) -> ModelComparison:
    """Rank candidate non-contractual models on the holdout period of a calibration/holdout table.

    Each model is fitted (a fresh clone) on the calibration columns and
    predicts each customer's holdout purchases.

    Parameters
    ----------
    table : DataFrame
        From :func:`microseg.calibration_holdout`.
    models : list of names or estimators, or dict name -> estimator
        Names: ``"bgnbd"``, ``"paretonbd"``.

    Returns
    -------
    ModelComparison
        ``to_frame()``: one row per model, best (lowest mean absolute error
        per customer) first: ``parameters``, ``log_likelihood`` (calibration),
        ``holdout_actual``, ``holdout_predicted``, ``aggregate_error``
        (predicted / actual - 1), ``mae`` (mean absolute error per customer)
        and ``rank``.

    Examples
    --------
    >>> import microseg as ms
    >>> tx = ms.datasets.make_customers(n_customers=1_500, random_state=0).transactions
    >>> end = tx["timestamp"].min() + (tx["timestamp"].max() - tx["timestamp"].min()) / 2
    >>> table = ms.calibration_holdout(tx, calibration_end=end, freq="W")
    >>> result = ms.compare_models(table)
    >>> sorted(result.to_frame().index)
    ['BG/NBD', 'Pareto/NBD']
    """
    check_frame(table, name="table")
    check_columns(table, _HOLDOUT, name="table")
    actual = table["frequency_holdout"].to_numpy(dtype="float64")
    rows, curves = {}, {}
    for name, est in _candidates(models):
        fitted = clone(est).fit(table)
        pred = _holdout_predictions(fitted, table)
        rows[name] = {"parameters": len(fitted._free()[0]), "log_likelihood": fitted.log_likelihood_,
                      "holdout_actual": actual.sum(), "holdout_predicted": pred.sum(),
                      "aggregate_error": pred.sum() / actual.sum() - 1, "mae": np.abs(pred - actual).mean()}
        curves[name] = calibration_vs_holdout(table, model=fitted, max_frequency=max_frequency).table
    out = pd.DataFrame.from_dict(rows, orient="index").sort_values("mae", kind="stable")
    out["rank"] = np.arange(1, len(out) + 1)
    out.index.name = "model"
    first = next(iter(curves.values()))
    by_freq = pd.DataFrame({"customers": first["customers"], "actual": first["actual"],
                            **{name: c["predicted"] for name, c in curves.items()}})
    return ModelComparison(out, by_frequency=by_freq)
