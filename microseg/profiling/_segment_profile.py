"""The profile of segments: :class:`SegmentProfile`, how one is built, and :func:`compare`.

:func:`build_profile` is the pandas core shared by :func:`microseg.profile`
(pandas and Dask input) and :func:`compare` (two groups), and
:meth:`SegmentProfile.compare` compares two segments of a profile.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._validation import check_alpha, check_columns, check_finite, check_frame, check_weights, condition_mask, report_rows
from .._words import phrase, short
from ..errors import AudienceTooSmallError, MicrosegError, SchemaError
from ..privacy._small_cells import check_min_cell
from ..privacy.sensitive import check_sensitive
from ._encode import column_kind, encode_column
from ._stats import map_columns, profile_table

__all__ = ["SegmentProfile", "build_profile", "select_columns", "compare"]


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
        n_levels = self.table.groupby("column", sort=False)["level"].nunique()
        binary = set(n_levels.index[(n_levels == 2).to_numpy()]) - set(self.table.loc[self.table["kind"] != "category", "column"])
        for _, s in self.sizes.iterrows():
            traits = self.distinctive(s["segment"], n=2 * n_traits)
            # a two-level column shows only its informative side: "Partner: Yes", not also "not Partner: No"
            traits = traits[~(traits["column"].isin(binary) & (traits["effect_size"] <= 0))].head(n_traits)
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
        from .._tables import format_table

        desc = self.describe_segments()
        parts = [f"<p><b>{html.escape(repr(self))}</b></p>", format_table(desc, max_rows=None).html]
        if len(self.suppressed) or self.notes:
            why = (
                f"{len(self.suppressed)} values hidden: counts from 1 to {self.min_cell - 1} people "
                "and the cells that would let them be recovered from the totals."
            )
            if self.suppressed["reason"].astype(str).str.startswith("noisy").any():  # privacy="dp"
                why = f"{len(self.suppressed)} values hidden: their noisy count is below {self.min_cell}."
            items = "".join(f"<li>{html.escape(n)}</li>" for n in (why, *self.notes))
            parts.append(f"<ul>{items}</ul>")
        return "\n".join(parts)


def _resolve_weights(df, weights):
    if weights is None:
        return None, None
    if isinstance(weights, Hashable) and not isinstance(weights, (np.ndarray, pd.Series)) and weights in df.columns:
        return check_weights(df[weights], len(df), name=f"weights column {weights!r}"), weights
    if isinstance(weights, str):
        check_columns(df, [weights])
    if isinstance(weights, pd.Series) and not weights.index.equals(df.index):
        raise MicrosegError("weights is a Series whose index does not match the data's index; align it first.")
    return check_weights(weights, len(df)), None


def _numeric_kind(s: pd.Series, explicit: bool) -> tuple[str, str | None]:
    """A number column's kind for profile(): "flag" for 0/1, else "numeric"; and why it is left out by default, if it is.

    Cheap on large columns: the min and max decide, and only columns named like
    identifiers or postcodes are read as :func:`microseg.describe` reads them.
    """
    from ._kinds import _named_id, _named_postcode, infer_column

    lo, hi = s.min(), s.max()
    if not explicit:
        if lo == hi:
            return "numeric", "a constant"
        if _named_id(s.name) or _named_postcode(s.name):
            seen = infer_column(s).kind
            if seen in ("id", "postcode"):
                return "numeric", "an identifier" if seen == "id" else "a postcode"
    if lo == 0 and hi == 1 and bool((s.eq(0) | s.eq(1) | s.isna()).all()):
        return "flag", None  # a 0/1 column is yes/no: shares and an index, not a mean
    return "numeric", None


def select_columns(df, columns, exclude, max_levels, notes, by_values: bool = True):
    """Return [(name, kind)], raising on explicit bad columns and noting default skips.

    With ``by_values`` (pandas data, not a stand-in), the default choice reads
    the values as :func:`microseg.describe` does: numeric identifiers, postcodes
    and constants are left out, and a 0/1 column is a flag.
    """
    explicit = columns is not None
    if explicit:
        columns = [columns] if isinstance(columns, str) else list(columns)
        check_columns(df, columns)
    else:
        columns = [c for c in df.columns if c not in exclude]
    out = []
    for c in columns:
        s = df[c]
        kind = column_kind(s)
        if kind == "numeric" and by_values:
            kind, why = _numeric_kind(s, explicit)
            if why:
                notes.append(f"column {c!r} left out: it looks like {why} (pass columns=[...] to include it).")
                continue
        if kind is None:
            if explicit:
                raise SchemaError(
                    f"column {c!r} holds dates/times (dtype {s.dtype}); profile() compares numbers, flags "
                    "and categories. Derive one first, e.g. days since: (as_of - df[col]).dt.days."
                )
            notes.append(f"column {c!r} left out: dates and times are not profiled (derive a number from them).")
            continue
        if s.isna().all():
            raise SchemaError(
                f"column {c!r} is missing for every row; drop it (columns=[...]) or fill it before profiling."
            )
        out.append((c, kind))
    if not out:
        raise SchemaError("no column to profile; pass columns=[...] naming numeric, boolean or categorical columns.")
    return out


def build_profile(
    df, labels, *, columns, exclude, weights, min_cell, alpha, max_levels, names=None, notes=None, keep_source=True,
    n_jobs=None,
):  # fmt: skip
    notes = list(notes or [])
    rows = {}
    w, _ = _resolve_weights(df, weights)
    missing_lab = labels.isna().to_numpy()
    if missing_lab.any():
        rows["rows without a segment label (left out)"] = int(missing_lab.sum())
        keep = ~missing_lab
        df_used, labels_used = df.loc[keep], labels[keep]
        w_used = None if w is None else w[keep]
    else:
        df_used, labels_used, w_used = df, labels, w
    if isinstance(labels_used.dtype, pd.CategoricalDtype):
        codes = labels_used.cat.codes.to_numpy().astype(np.int64)
        seg_names = list(labels_used.cat.categories)
        used = np.bincount(codes, minlength=len(seg_names)) > 0
        if not used.all():
            remap = np.cumsum(used) - 1
            codes = remap[codes]
            seg_names = [s for s, u in zip(seg_names, used) if u]
    else:
        codes, uniq = pd.factorize(labels_used, sort=True)
        codes = codes.astype(np.int64)
        seg_names = list(uniq)
    if names is not None:
        seg_names = list(names)
    if len(seg_names) < 2:
        raise MicrosegError(
            f"segments has {len(seg_names)} level ({seg_names!r}); a profile compares at least two "
            "segments. Check the labels, or use ms.describe(df) for the whole population."
        )
    sizes_n = np.bincount(codes, minlength=len(seg_names))
    small = [(s, int(n)) for s, n in zip(seg_names, sizes_n) if n < min_cell]
    if small:
        raise AudienceTooSmallError(
            f"segments {[s for s, _ in small]} have fewer than min_cell={min_cell} people, so even their "
            "size cannot be shown; merge them into a larger segment (e.g. 'other') or lower min_cell deliberately."
        )
    sel = select_columns(df_used, columns, exclude, max_levels, notes)
    col_notes = [[] for _ in sel]
    encoded = map_columns(
        lambda i: encode_column(df_used[sel[i][0]], sel[i][1], min_cell, col_notes[i], max_levels if columns is None else None),
        list(range(len(sel))),
        n_jobs,
    )
    notes.extend(n for ns in col_notes for n in ns)
    encoded = [e for e in encoded if e is not None]
    if not encoded:
        raise SchemaError("no column left to profile once constant, rare and identifier-like columns were left out; " + " ".join(notes))
    table, sup = profile_table(codes, seg_names, encoded, w_used, min_cell=min_cell, alpha=alpha, n_jobs=n_jobs)
    if w_used is None:
        share = sizes_n / sizes_n.sum()
        neff = sizes_n.astype(float)
    else:
        sw = np.bincount(codes, weights=w_used, minlength=len(seg_names))
        sw2 = np.bincount(codes, weights=w_used**2, minlength=len(seg_names))
        share = sw / sw.sum()
        neff = sw**2 / sw2
    sizes = pd.DataFrame({"segment": pd.Categorical(seg_names, categories=pd.Index(seg_names, dtype=object)), "n": sizes_n, "share": share, "n_eff": neff})
    source = (df, labels, weights, columns) if keep_source else None
    result = SegmentProfile(
        table=table, sizes=sizes, suppressed=sup, notes=tuple(notes), alpha=alpha, min_cell=min_cell,
        weighted=w is not None, rows=rows, _source=source,
    )  # fmt: skip
    if rows:
        report_rows(result, rows, stacklevel=4)
    return result


def compare(
    df: pd.DataFrame,
    a,
    b=None,
    *,
    columns: Sequence[Hashable] | None = None,
    weights=None,
    min_cell: int = 10,
    alpha: float = 0.05,
    names: tuple = ("A", "B"),
) -> SegmentProfile:
    """The profile statistics for two groups: ``a`` against ``b``, or against everyone else.

    ``a`` and ``b`` are conditions as in :func:`microseg.rule_segments` (a
    boolean mask aligned with ``df``, a callable ``df -> mask`` or a
    :meth:`~pandas.DataFrame.eval` string). With ``b=None`` the second group is
    the rest of ``df`` (named ``"rest"``), so the index compares ``a`` with the
    whole population; otherwise rows in neither group are left out and the
    index compares each group with the two together.

    Returns
    -------
    SegmentProfile
        With two segments, named by ``names``.

    Examples
    --------
    >>> import pandas as pd, microseg as ms
    >>> df = pd.DataFrame({"age": list(range(20, 80)) * 5, "app": [True, False, False] * 100})
    >>> res = ms.compare(df, "age < 40")
    >>> list(res.sizes["segment"]), res.sizes["n"].tolist()
    (['A', 'rest'], [100, 200])
    """
    check_frame(df)
    check_sensitive(df.columns if columns is None else columns, data=df, action="warn", purpose="comparison")
    min_cell, alpha = check_min_cell(min_cell), check_alpha(alpha)
    ma = condition_mask(df, names[0], a)
    notes = []
    if b is None:
        names = (names[0], "rest")
        mb = ~ma
    else:
        mb = condition_mask(df, names[1], b)
        both = ma & mb
        if both.any():
            raise MicrosegError(
                f"{int(both.sum())} rows are in both groups; the groups must not overlap. "
                "Use b=None to compare a group with everyone else."
            )
        outside = int((~ma & ~mb).sum())
        if outside:
            notes.append(f"{outside} rows in neither group are not part of this comparison.")
    keep = ma | mb
    sub = df if keep.all() else df.loc[keep]
    lab = pd.Series(np.where(ma[keep], 0, 1), index=sub.index)
    lab = pd.Series(pd.Categorical.from_codes(lab.to_numpy(), categories=pd.Index(list(names), dtype=object)), index=sub.index)
    w = weights
    if weights is not None and not (isinstance(weights, Hashable) and not isinstance(weights, (np.ndarray, pd.Series)) and weights in df.columns):
        w = np.asarray(pd.Series(weights).to_numpy(dtype="float64", na_value=np.nan))
        if w.shape == (len(df),):
            w = w[keep]
    exclude = {weights} if w is weights and weights is not None else set()
    check_finite(df, [c for c in (df.columns if columns is None else columns) if c not in exclude and c in df.columns],
                 name="df")  # fmt: skip
    return build_profile(
        sub, lab, columns=columns, exclude=exclude, weights=w, min_cell=min_cell, alpha=alpha, max_levels=50,
        notes=notes, keep_source=False,
    )  # fmt: skip
