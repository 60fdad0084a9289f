"""Qini and uplift curves of an uplift score, with bootstrap intervals on their areas: :func:`uplift_curve`.

Customers are sorted by their uplift score, highest first; at each cut-off
``k`` (the ``k`` customers with the highest scores targeted) the curves read

* **Qini**: ``Y_t(k) - Y_c(k) * N_t(k) / N_c(k)``, the extra conversions among
  the treated of the top ``k`` against their control group scaled to the
  same size (Radcliffe, 2007);
* **uplift**: ``(Y_t(k) / N_t(k) - Y_c(k) / N_c(k)) * k``, the difference in
  conversion rates of the top ``k`` times ``k``;

where ``Y`` and ``N`` count conversions and customers among the top ``k`` of
the treatment (``t``) and control (``c``) groups. Customers with equal scores
enter together.

The areas are normalised exactly as scikit-uplift's ``qini_auc_score`` and
``uplift_auc_score`` (v0.5.1, ``sklift/metrics/metrics.py``), so the numbers
compare: area between the curve and the random line (the straight line to the
same end point), divided by that of the perfect curve (the perfect score ranks
treated converters first and control converters last; for the uplift curve
the order of the rest depends on whether control converters outnumber treated
non-converters). 0 is random targeting, 1 perfect; the Qini's perfect curve
includes the negative effects (``negative_effect=True``, scikit-uplift's
default). The intervals resample customers with replacement within each arm
(the arm sizes stay those of the test) and recompute both areas; they run a
little narrow (92 of 100 random scores on Hillstrom had a 95 % interval holding
0: ``benchmarks/README.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from .._validation import check_alpha
from ..errors import MicrosegError

__all__ = ["uplift_curve", "UpliftCurve"]

_CHUNK = 2_000_000  # bootstrap weights drawn per block (replicates x rows)


# --------------------------------------------------------------------------- curves
def _order(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted by score, highest first, and the last position of each run of equal scores."""
    order = np.argsort(score, kind="mergesort")[::-1]
    s = score[order]
    ends = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]
    return order, ends


def _values(sums: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Curve points from cumulative sums at each cut-off (last axis: customers, treated, treated
    conversions, control conversions), with (0, 0) first as scikit-uplift adds it."""
    n_all, n_t, y_t, y_c = (sums[..., k] for k in range(4))
    n_c = n_all - n_t
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "qini":
            val = y_t - y_c * np.where(n_c != 0, n_t / n_c, 0.0)
        else:
            val = (np.where(n_t != 0, y_t / n_t, 0.0) - np.where(n_c != 0, y_c / n_c, 0.0)) * n_all
    zero = np.zeros(val.shape[:-1] + (1,))
    return np.concatenate([zero, n_all], axis=-1), np.concatenate([zero, val], axis=-1)


def _area(x, v) -> np.ndarray:
    return np.sum((x[..., 1:] - x[..., :-1]) * (v[..., 1:] + v[..., :-1]) / 2.0, axis=-1)


class _Scorer:
    """The normalised areas for one sample, reusable with bootstrap weights (sorting is done once).

    The model's score is sorted once; a set of weights (one row per bootstrap
    replicate) then only needs cumulative sums in that order. The perfect
    scores depend only on each row's cell (outcome x arm), so their curves
    need only the weighted size of the four cells.
    """

    _CELLS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)  # (y, t) of each cell

    def __init__(self, y: np.ndarray, t: np.ndarray, score: np.ndarray, *, negative_effect: bool):
        self.y, self.t, self.negative_effect = y, t, negative_effect
        q = np.column_stack([np.ones_like(y), t, y * t, y * (1 - t)])  # what the curves count, per row
        self.order, self.ends = _order(score)
        self.q_sorted = q[self.order]
        self.cell_rows = [np.flatnonzero((y == cy) & (t == ct)) for cy, ct in self._CELLS]
        cy, ct = self._CELLS[:, 0], self._CELLS[:, 1]
        # the perfect scores of scikit-uplift's perfect_qini_curve and perfect_uplift_curve, per cell
        self.perfect = {"qini": self._groups(cy * ct - cy * (1 - ct)),
                        "uplift_y": self._groups(2.0 * (cy == ct) + cy), "uplift_t": self._groups(2.0 * (cy == ct) + ct)}  # fmt: skip

    def _groups(self, cell_score: np.ndarray) -> np.ndarray:
        """Matrix (cells x (group, quantity)) turning cell sizes into the sums of each group of equal score."""
        cy, ct = self._CELLS[:, 0], self._CELLS[:, 1]
        q = np.column_stack([np.ones(4), ct, cy * ct, cy * (1 - ct)])
        levels = np.sort(np.unique(cell_score))[::-1]  # four cells at most: highest score first
        member = (cell_score[:, None] == levels[None, :]).astype(np.float64)
        return (member[:, :, None] * q[:, None, :]).reshape(4, -1)

    def model_sums(self, w: np.ndarray) -> np.ndarray:
        ws = w[..., self.order]
        out = np.empty(ws.shape[:-1] + (len(self.ends), 4))
        for k in range(4):
            out[..., k] = np.cumsum(ws * self.q_sorted[:, k], axis=-1)[..., self.ends]
        return out

    def perfect_sums(self, w: np.ndarray, name: str) -> np.ndarray:
        cells = np.stack([w[..., rows].sum(axis=-1) for rows in self.cell_rows], axis=-1)
        per_group = (cells @ self.perfect[name]).reshape(w.shape[:-1] + (-1, 4))
        return np.cumsum(per_group, axis=-2)

    def scores(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Normalised Qini and uplift areas for weights ``w`` (rows, or replicates x rows)."""
        model = self.model_sums(w)
        total = model[..., -1, :]
        out = []
        for kind in ("qini", "uplift"):
            x_a, v_a = _values(model, kind)
            if kind == "qini":
                if self.negative_effect:
                    x_p, v_p = _values(self.perfect_sums(w, "qini"), kind)
                    perfect = _area(x_p, v_p)
                else:  # scikit-uplift: the perfect curve rises to the total effect at that many customers, then stays
                    r = v_a[..., -1]
                    perfect = r * r / 2.0 + (x_a[..., -1] - r) * r
            else:
                # control responders vs treated non-responders decide the perfect order of the rest
                use_y = total[..., 3] > total[..., 1] - total[..., 2]
                area_y = _area(*_values(self.perfect_sums(w, "uplift_y"), kind))
                area_t = _area(*_values(self.perfect_sums(w, "uplift_t"), kind))
                perfect = np.where(use_y, area_y, area_t)
            baseline = x_a[..., -1] * v_a[..., -1] / 2.0  # the random line ends where every curve ends
            with np.errstate(divide="ignore", invalid="ignore"):
                out.append((_area(x_a, v_a) - baseline) / (perfect - baseline))
        return out[0], out[1]


# --------------------------------------------------------------------------- result
@dataclass(frozen=True, repr=False)
class UpliftCurve:
    """Qini and uplift curves of an uplift score, and their normalised areas with bootstrap intervals.

    Attributes
    ----------
    curve : pandas.DataFrame
        One row per cut-off: ``targeted`` (customers with the highest scores
        targeted), ``share`` (of all customers), ``qini`` (extra conversions
        among the targeted, control group scaled), ``uplift`` (conversion-rate
        difference times the number targeted), ``qini_random`` and
        ``uplift_random`` (the random line at the same cut-off).
    perfect : pandas.DataFrame
        The perfect curves: ``targeted``, ``value`` and ``curve`` (``"qini"``
        or ``"uplift"``).
    qini_auc, uplift_auc : float
        Normalised areas, as scikit-uplift's ``qini_auc_score`` and
        ``uplift_auc_score``: 0 = random targeting, 1 = perfect.
    qini_auc_low, qini_auc_high, uplift_auc_low, uplift_auc_high : float
        Percentile bootstrap interval of each area at level ``1 - alpha``.
    n, n_treatment, n_control : int
    alpha : float
    n_boot : int
    """

    curve: pd.DataFrame = field(repr=False)
    perfect: pd.DataFrame = field(repr=False)
    qini_auc: float
    qini_auc_low: float
    qini_auc_high: float
    uplift_auc: float
    uplift_auc_low: float
    uplift_auc_high: float
    n: int
    n_treatment: int
    n_control: int
    alpha: float = 0.05
    n_boot: int = 200

    def to_frame(self) -> pd.DataFrame:
        """The areas: one row per curve (``qini``, ``uplift``) with ``auc``, ``auc_low``, ``auc_high``."""
        return pd.DataFrame(
            {"auc": [self.qini_auc, self.uplift_auc], "auc_low": [self.qini_auc_low, self.uplift_auc_low],
             "auc_high": [self.qini_auc_high, self.uplift_auc_high]},
            index=pd.Index(["qini", "uplift"], name="curve"),
        )  # fmt: skip

    def plot(self, ax=None, *, kind: str = "qini"):
        """Draw the Qini (or uplift) curve with the random line (see :func:`microseg.plot.plot_uplift_curve`)."""
        from ..plot import plot_uplift_curve

        return plot_uplift_curve(self, ax=ax, kind=kind)

    def __repr__(self) -> str:
        lvl = f"{1 - self.alpha:.0%}"
        return (
            f"UpliftCurve(qini_auc={self.qini_auc:.3f} [{self.qini_auc_low:.3f}, {self.qini_auc_high:.3f}], "
            f"uplift_auc={self.uplift_auc:.3f} [{self.uplift_auc_low:.3f}, {self.uplift_auc_high:.3f}] ({lvl}; "
            f"0 = random, 1 = perfect); {self.n:,} customers, {self.n_treatment:,} treated, {self.n_control:,} control)"
        )

    def _repr_html_(self) -> str:
        r = repr(self).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        return f"<p>{r}</p>" + self.to_frame().to_html(float_format=lambda v: f"{v:.3f}")


# --------------------------------------------------------------------------- function
def _binary(values, *, name: str, n: int | None = None) -> np.ndarray:
    s = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).reshape(-1) if np.ndim(values) else [values])
    if n is not None and len(s) != n:
        raise MicrosegError(f"{name} has {len(s)} values but uplift has {n}; pass one value per customer.")
    if s.isna().any():
        raise MicrosegError(f"{name} has {int(s.isna().sum())} missing values; every customer needs one.")
    if not (pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s)):
        raise MicrosegError(f"{name} must be True/False or 1/0; got dtype {s.dtype}.")
    v = s.to_numpy(dtype="float64")
    if not np.isin(v, (0.0, 1.0)).all():
        raise MicrosegError(
            f"{name} must be True/False or 1/0 per customer; found values like {sorted(set(v[~np.isin(v, (0.0, 1.0))].tolist()))[:3]}. "
            + ("The Qini and uplift curves (as scikit-uplift normalises them) are defined for a 0/1 outcome."
               if name == "y" else "")
        )  # fmt: skip
    return v


def uplift_curve(
    y,
    uplift,
    treatment,
    *,
    n_boot: int = 200,
    alpha: float = 0.05,
    negative_effect: bool = True,
    random_state=None,
) -> UpliftCurve:
    """Qini and uplift curves of an uplift score on a randomised test, with intervals on their areas.

    Parameters
    ----------
    y : array-like of 0/1 or bool
        The outcome (converted or not), one per customer.
    uplift : array-like of float
        The uplift score (e.g. :meth:`UpliftModel.predict`), higher = target first.
        Score customers the model was not fitted on, or the curve flatters it.
    treatment : array-like of 0/1 or bool
        True for the contacted customers, False for the randomised control group.
    n_boot : int, default 200
        Bootstrap replicates for the intervals (0: no intervals).
    alpha : float, default 0.05
        Intervals at level ``1 - alpha``.
    negative_effect : bool, default True
        Whether the Qini's perfect curve counts negative effects (as scikit-uplift's default).
    random_state : int, RandomState or None

    Returns
    -------
    UpliftCurve

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([1, 0, 1, 0, 0, 1, 0, 0])
    >>> t = np.array([1, 1, 1, 0, 0, 0, 1, 0])
    >>> score = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2])
    >>> uc = uplift_curve(y, score, t, n_boot=0)
    >>> round(uc.qini_auc, 4), round(uc.uplift_auc, 4)
    (0.6491, 0.3915)
    """
    alpha = check_alpha(alpha)
    if not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        raise MicrosegError(f"n_boot must be an integer >= 0, got {n_boot!r}.")
    if not isinstance(negative_effect, (bool, np.bool_)):
        raise MicrosegError(f"negative_effect must be True or False, got {negative_effect!r}.")
    u = np.asarray(uplift.to_numpy(dtype="float64", na_value=np.nan) if isinstance(uplift, pd.Series) else uplift, dtype="float64").reshape(-1)
    n = len(u)
    if n == 0:
        raise MicrosegError("uplift is empty; pass one score per customer.")
    if not np.isfinite(u).all():
        raise MicrosegError(f"uplift has {int((~np.isfinite(u)).sum())} missing or infinite scores; score every customer.")
    yv = _binary(y, name="y", n=n)
    tv = _binary(treatment, name="treatment", n=n)
    n_t = int(tv.sum())
    if n_t == 0 or n_t == n:
        raise MicrosegError(
            f"treatment has {n_t} treated and {n - n_t} control customers; a Qini curve compares both arms, so pass "
            "the randomised control group too."
        )
    scorer = _Scorer(yv, tv, u, negative_effect=bool(negative_effect))
    ones = np.ones(n)
    qini, upl = (float(v) for v in scorer.scores(ones))
    lo_q = hi_q = lo_u = hi_u = np.nan
    if n_boot:
        rng = check_random_state(random_state)
        arms = [np.flatnonzero(tv == 1), np.flatnonzero(tv == 0)]
        per = max(1, _CHUNK // n)
        qs, us = [], []
        for start in range(0, n_boot, per):
            b = min(per, n_boot - start)
            w = np.zeros((b, n))
            for rows in arms:  # resample within each arm: the arm sizes stay those of the test
                m = len(rows)
                draws = rng.randint(0, m, size=(b, m)) + (np.arange(b) * m)[:, None]
                w[:, rows] = np.bincount(draws.ravel(), minlength=b * m).reshape(b, m)
            q, v = scorer.scores(w)
            qs.append(q)
            us.append(v)
        qs, us = np.concatenate(qs), np.concatenate(us)
        lo_q, hi_q = (float(v) for v in np.nanquantile(qs, [alpha / 2, 1 - alpha / 2]))
        lo_u, hi_u = (float(v) for v in np.nanquantile(us, [alpha / 2, 1 - alpha / 2]))

    x, q_vals = _values(scorer.model_sums(ones), "qini")
    _, u_vals = _values(scorer.model_sums(ones), "uplift")
    curve = pd.DataFrame({"targeted": x.astype(np.int64), "share": x / n, "qini": q_vals, "uplift": u_vals,
                          "qini_random": x / n * q_vals[-1], "uplift_random": x / n * u_vals[-1]})  # fmt: skip
    if negative_effect:
        px, pv = _values(scorer.perfect_sums(ones, "qini"), "qini")
    else:
        r = q_vals[-1]
        px, pv = np.array([0.0, r, n]), np.array([0.0, r, r])
    cr, tn = (yv * (1 - tv)).sum(), ((1 - yv) * tv).sum()
    ux, uv = _values(scorer.perfect_sums(ones, "uplift_y" if cr > tn else "uplift_t"), "uplift")
    perfect = [pd.DataFrame({"targeted": px, "value": pv, "curve": "qini"}),
               pd.DataFrame({"targeted": ux, "value": uv, "curve": "uplift"})]  # fmt: skip
    return UpliftCurve(
        curve=curve, perfect=pd.concat(perfect, ignore_index=True),
        qini_auc=qini, qini_auc_low=lo_q, qini_auc_high=hi_q,
        uplift_auc=upl, uplift_auc_low=lo_u, uplift_auc_high=hi_u,
        n=n, n_treatment=n_t, n_control=n - n_t, alpha=alpha, n_boot=int(n_boot),
    )  # fmt: skip
