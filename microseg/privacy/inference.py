"""Inference audit: does a targeting output act as a proxy for a sensitive attribute?

Dropping a sensitive column is not enough: segments or scores built from
innocuous purchases can still single out, say, pregnant customers.
:func:`audit_inference` measures how strongly a targeting output predicts each
sensitive attribute and warns (:class:`~microseg.errors.SensitiveInferenceWarning`)
when the effect size reaches a documented threshold (:data:`THRESHOLDS`):

=================  =====================  =================================  =========
output             sensitive attribute    measure                            threshold
=================  =====================  =================================  =========
labels (segments)  categorical / boolean  Cramér's V (bias-corrected)        0.3
labels (segments)  numeric                correlation ratio eta              0.3
scores             categorical / boolean  AUC, one level against the rest,   0.7
                                          best level, direction-free
scores             numeric                abs(Spearman rho)                  0.3
=================  =====================  =================================  =========

0.3 is a "medium" association in Cohen's conventions; an AUC of 0.7 is where a
score is usually called acceptably discriminating. A numeric sensitive
attribute is one with a numeric dtype and more than 10 distinct values.
Rows where either side is missing are left out of that attribute's measure.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency, rankdata, spearmanr

from ..errors import MicrosegError, SensitiveInferenceWarning

__all__ = ["audit_inference", "THRESHOLDS"]

#: Effect-size threshold per measure at and above which a proxy is flagged.
THRESHOLDS: dict[str, float] = {"cramers_v": 0.3, "eta": 0.3, "auc": 0.7, "spearman": 0.3}
_MAX_LEVELS_CATEGORICAL = 10


def _is_numeric(s: pd.Series) -> bool:
    return (
        pd.api.types.is_numeric_dtype(s)
        and not pd.api.types.is_bool_dtype(s)
        and s.nunique(dropna=True) > _MAX_LEVELS_CATEGORICAL
    )


def _cramers_v(a: pd.Series, b: pd.Series) -> float:
    table = pd.crosstab(a, b).to_numpy(dtype=float)
    r, k = table.shape
    n = table.sum()
    if r < 2 or k < 2 or n < 2:
        return 0.0
    chi2 = chi2_contingency(table, correction=False)[0]
    phi2 = max(0.0, chi2 / n - (k - 1) * (r - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    kc = k - (k - 1) ** 2 / (n - 1)
    denom = min(kc - 1, rc - 1)
    return float(np.sqrt(phi2 / denom)) if denom > 0 else 0.0


def _eta(labels: pd.Series, values: pd.Series) -> float:
    x = values.to_numpy(dtype=float)
    total = ((x - x.mean()) ** 2).sum()
    if total == 0:
        return 0.0
    means = values.groupby(labels.to_numpy(), observed=True).transform("mean").to_numpy(dtype=float)
    between = ((means - x.mean()) ** 2).sum()
    return float(np.sqrt(between / total))


def _best_auc(scores: pd.Series, levels: pd.Series) -> tuple[float, str]:
    ranks = rankdata(scores.to_numpy(dtype=float))
    best, which = 0.5, ""
    lv = levels.astype(str).to_numpy()
    for level in pd.unique(lv):
        pos = lv == level
        n1, n0 = int(pos.sum()), int((~pos).sum())
        if n1 == 0 or n0 == 0:
            continue
        auc = (ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)
        auc = max(auc, 1 - auc)
        if auc > best:
            best, which = float(auc), str(level)
        if len(pd.unique(lv)) == 2:  # both levels give the same direction-free AUC
            break
    return best, which


def audit_inference(
    labels_or_scores,
    sensitive,
    *,
    kind: str = "auto",
    thresholds: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Measure how strongly segment labels or scores predict sensitive attributes.

    Parameters
    ----------
    labels_or_scores : pandas.Series or array-like
        The targeting output, one value per person: segment labels, or scores
        (e.g. lookalike or propensity scores).
    sensitive : pandas.DataFrame or pandas.Series
        The sensitive attribute(s), one row per person, aligned with
        ``labels_or_scores`` (by index when both are pandas objects, else by position).
    kind : {"auto", "labels", "scores"}
        ``"auto"`` treats floats with more than 10 distinct values as scores,
        anything else as labels.
    thresholds : mapping, optional
        Override entries of :data:`THRESHOLDS`.

    Returns
    -------
    pandas.DataFrame
        One row per sensitive attribute: ``sensitive``, ``measure``, ``value``,
        ``threshold``, ``flagged``, ``n`` (rows used) and ``detail`` (for AUC,
        the level best singled out). Flagged rows also raise one
        :class:`~microseg.errors.SensitiveInferenceWarning`.

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> seg = pd.Series(["a", "b"] * 50)
    >>> sens = pd.DataFrame({"religion": ["x", "y"] * 50, "health": ["p", "p", "q", "q"] * 25})
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     out = audit_inference(seg, sens)
    >>> out[["sensitive", "measure", "flagged"]].to_dict("records")
    [{'sensitive': 'religion', 'measure': 'cramers_v', 'flagged': True}, {'sensitive': 'health', 'measure': 'cramers_v', 'flagged': False}]
    >>> w[0].category.__name__
    'SensitiveInferenceWarning'
    """
    thr = dict(THRESHOLDS)
    if thresholds is not None:
        unknown = set(thresholds) - set(THRESHOLDS)
        if unknown:
            raise MicrosegError(f"thresholds has unknown measures {sorted(unknown)}; known: {sorted(THRESHOLDS)}.")
        thr.update({k: float(v) for k, v in thresholds.items()})
    sens = sensitive.to_frame() if isinstance(sensitive, pd.Series) else sensitive
    if not isinstance(sens, pd.DataFrame) or sens.shape[1] == 0:
        raise MicrosegError("sensitive must be a DataFrame or Series of sensitive attributes with at least one column.")
    out = labels_or_scores if isinstance(labels_or_scores, pd.Series) else pd.Series(np.asarray(labels_or_scores))
    if len(out) != len(sens):
        raise MicrosegError(
            f"labels_or_scores has {len(out)} values but sensitive has {len(sens)} rows; pass one per person."
        )
    if isinstance(labels_or_scores, pd.Series) and not out.index.equals(sens.index):
        if not out.index.sort_values().equals(sens.index.sort_values()):
            raise MicrosegError(
                "labels_or_scores and sensitive have different indexes; align them (e.g. .reindex) "
                "or pass plain arrays in the same row order."
            )
        out = out.reindex(sens.index)
    else:
        out = out.set_axis(sens.index)
    if kind == "auto":
        is_scores = pd.api.types.is_float_dtype(out) and out.nunique(dropna=True) > _MAX_LEVELS_CATEGORICAL
    elif kind in ("labels", "scores"):
        is_scores = kind == "scores"
        if is_scores and (pd.api.types.is_bool_dtype(out) or not pd.api.types.is_numeric_dtype(out)):
            raise MicrosegError(f"kind='scores' needs numeric scores, got dtype {out.dtype}.")
    else:
        raise MicrosegError(f"kind must be 'auto', 'labels' or 'scores', got {kind!r}.")

    rows = []
    for col in sens.columns:
        s = sens[col]
        ok = out.notna() & s.notna()
        a, b = out[ok], s[ok]
        numeric = _is_numeric(b)
        detail = ""
        if is_scores and numeric:
            measure = "spearman"
            value = abs(float(spearmanr(a.to_numpy(float), b.to_numpy(float))[0])) if len(a) > 2 else 0.0
        elif is_scores:
            measure = "auc"
            value, detail = _best_auc(a, b)
        elif numeric:
            measure, value = "eta", _eta(a, b)
        else:
            measure, value = "cramers_v", _cramers_v(a, b)
        value = 0.0 if not np.isfinite(value) else value
        rows.append(
            {"sensitive": col, "measure": measure, "value": value, "threshold": thr[measure],
             "flagged": value >= thr[measure], "n": int(ok.sum()), "detail": detail}
        )
    result = pd.DataFrame(rows)
    flagged = result[result["flagged"]]
    if len(flagged):
        parts = "; ".join(
            f"{r.sensitive!r} ({r.measure} {r.value:.2f} >= {r.threshold:g})" for r in flagged.itertuples()
        )
        warnings.warn(
            f"the targeting output predicts sensitive attributes: {parts}. It may act as a proxy for them; "
            "review the features behind it, drop the proxies, or document why this use is lawful.",
            SensitiveInferenceWarning,
            stacklevel=2,
        )
    return result
