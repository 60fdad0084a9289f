"""The result of :func:`microseg.profile` and :func:`microseg.compare`."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._words import phrase, short
from ..errors import MicrosegError

__all__ = ["SegmentProfile"]


@dataclass(frozen=True, repr=False, eq=False)
class SegmentProfile:
    """Every segment against the rest of the population.

    Attributes
    ----------
    table : pandas.DataFrame
        The tidy long table, one row per (segment, column, level); see
        :meth:`to_frame`.
    sizes : pandas.DataFrame
        One row per segment: ``segment, n, share, n_eff`` (``share`` weighted
        when weights are given; ``n`` counts people).
    suppressed : pandas.DataFrame
        What was hidden and why: ``segment, column, level, reason``.
    notes : tuple of str
        Columns left out, levels pooled, rows excluded — in words.
    alpha, min_cell : the settings used; ``weighted`` says whether weights were given.
    rows : dict
        Rows left out of the profile, by rule (also reported as a warning).
    """

    table: pd.DataFrame
    sizes: pd.DataFrame
    suppressed: pd.DataFrame
    notes: tuple = ()
    alpha: float = 0.05
    min_cell: int = 10
    weighted: bool = False
    rows: dict = field(default_factory=dict)
    _source: tuple | None = field(default=None, compare=False)

    # -- tables -------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The tidy long table: one row per (segment, column, level).

        ``level`` is ``""`` for numeric columns, ``"True"`` for flags and the
        category (as str) for categorical columns. Suppressed values are
        missing, and ``suppressed``/``suppressed_reason`` say why.
        """
        return self.table.copy()

    def distinctive(self, segment, n: int = 10, *, min_effect: float = 0.2) -> pd.DataFrame:
        """The segment's significant traits with ``|effect_size| >= min_effect``, largest first.

        Rows of :meth:`to_frame`.
        """
        self._check_segment(segment)
        t = self.table
        keep = (t["segment"] == segment) & t["significant"].fillna(False).astype(bool)
        keep &= t["effect_size"].abs() >= min_effect
        out = t[keep]
        return out.iloc[np.argsort(-out["effect_size"].abs().to_numpy(), kind="stable")].head(n).reset_index(drop=True)

    def _check_segment(self, segment):
        if segment not in set(self.sizes["segment"]):
            raise MicrosegError(
                f"segment {segment!r} is not in this profile; its segments are {list(self.sizes['segment'])}."
            )

    def describe_segments(self, n_traits: int = 3) -> pd.DataFrame:
        """Per segment a short suggested name and one plain-English sentence.

        Returns a frame with ``segment, n, share, name, description``.
        """
        rows = []
        for _, s in self.sizes.iterrows():
            traits = self.distinctive(s["segment"], n=n_traits)
            phrases = [phrase(r) for _, r in traits.iterrows()]
            words = list(dict.fromkeys(short(r) for _, r in traits.iterrows()))[:2]
            name = ", ".join(words) if words else "typical"
            pct = f"{100 * s['share']:.0f} %"
            body = ", ".join(phrases) if phrases else "no trait differs clearly from the rest"
            rows.append(
                {
                    "segment": s["segment"],
                    "n": s["n"],
                    "share": s["share"],
                    "name": name,
                    "description": f"Segment {s['segment']}, {pct} of customers: {body}.",
                }
            )
        return pd.DataFrame(rows)

    def compare(self, a, b=None) -> SegmentProfile:
        """Compare segment ``a`` with segment ``b`` (or with everyone else when ``b`` is None)."""
        if self._source is None:
            raise MicrosegError("this profile keeps no data to compare from; call ms.compare(df, a, b) instead.")
        self._check_segment(a)
        if b is not None:
            self._check_segment(b)
        df, labels, weights, columns = self._source
        if columns is None:
            columns = list(dict.fromkeys(self.table["column"]))
        from ._compare import compare

        return compare(
            df,
            labels == a,
            None if b is None else labels == b,
            columns=columns,
            weights=weights,
            min_cell=self.min_cell,
            alpha=self.alpha,
            names=(a, "rest" if b is None else b),
        )

    # -- display ------------------------------------------------------------------
    def plot(self, kind: str = "heatmap", ax=None, **kwargs):
        """Draw the profile: ``"heatmap"`` (index), ``"snake"``, ``"radar"`` or ``"sizes"``."""
        from ..plot import _profile as pp

        funcs = {"heatmap": pp.plot_index_heatmap, "snake": pp.plot_snake, "radar": pp.plot_radar, "sizes": pp.plot_sizes}
        if kind not in funcs:
            raise MicrosegError(f"kind must be one of {sorted(funcs)}, got {kind!r}.")
        return funcs[kind](self, ax=ax, **kwargs)

    def __repr__(self) -> str:
        k = len(self.sizes)
        sig = int(self.table["significant"].fillna(False).astype(bool).sum())
        return (
            f"SegmentProfile({k} segments, {self.table['column'].nunique()} columns, "
            f"{sig} significant traits at alpha={self.alpha}, {len(self.suppressed)} cells suppressed)"
        )

    def _repr_html_(self) -> str:
        desc = self.describe_segments()
        parts = [f"<p><b>{html.escape(repr(self))}</b></p>", desc.to_html(index=False)]
        if len(self.suppressed) or self.notes:
            why = (
                f"{len(self.suppressed)} values hidden: counts from 1 to {self.min_cell - 1} people "
                "and the cells that would let them be recovered from the totals."
            )
            items = "".join(f"<li>{html.escape(n)}</li>" for n in (why, *self.notes))
            parts.append(f"<ul>{items}</ul>")
        return "\n".join(parts)
