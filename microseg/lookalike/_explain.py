"""Explanations of a lookalike, in words: what makes the seed distinct, and what drives the model.

:meth:`Lookalike.explain` returns a :class:`LookalikeExplanation`; the tables
behind it (the seed's traits and the model's drivers) are computed at fit time
by :func:`seed_trait_table` and :func:`driver_table`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._words import phrase

__all__ = ["LookalikeExplanation", "seed_trait_table", "driver_table", "trait_words"]


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
        from ..plot import plot_lookalike_drivers

        return plot_lookalike_drivers(self, n=n, ax=ax)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"LookalikeExplanation(method={self.method!r}, traits={len(self.traits)}, drivers={len(self.drivers)})"

    def _repr_html_(self) -> str:
        from .._tables import format_table

        body = "".join(f"<li>{line}</li>" for line in self.text.splitlines() if line.strip())
        return (
            f"<div><b>Lookalike explanation</b><ul>{body}</ul>"
            f"<p>Strongest drivers</p>{format_table(self.drivers.head(10), max_rows=None).html}</div>"
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


def seed_trait_table(Xk, feats, s, Z, enc) -> pd.DataFrame:
    """Seed vs the rest: ``ms.compare`` (effect sizes, FDR-controlled flags), else standardised differences."""
    try:
        from ..profiling import compare
    except ImportError:  # pragma: no cover - profiling is part of the package
        return _traits(Z, s, enc)
    prof = compare(Xk[feats], s, names=("seed", "rest"))
    tab = prof.table
    tab = tab[(tab["segment"] == "seed") & ~tab["suppressed"].fillna(False).astype(bool)]
    order = np.argsort(-tab["effect_size"].abs().fillna(0).to_numpy(), kind="stable")
    return tab.iloc[order].reset_index(drop=True)


def trait_words(r) -> str:
    if "effect_size" in r:  # a row of ms.compare's table
        return phrase(r)
    if r["level"] == "":
        return f"{r['column']} (mean {r['seed']:,.3g} vs {r['rest']:,.3g}, {r['difference']:+.2f} SD)"
    return f"{r['column']} = {r['level']} ({r['seed']:.0%} vs {r['rest']:.0%})"


def driver_table(engine, Z, s, enc, rng, *, max_rows: int = 4000) -> pd.DataFrame:
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
