"""Readable, targetable rules for segments: :func:`explain`.

For each segment a shallow one-vs-rest decision tree (the *surrogate*) is fitted
on the original columns: numbers as they are (missing values filled with the
median plus an "is missing" indicator), categorical columns as one indicator per
level (the ``max_levels`` most frequent). Classes are balanced, so small
segments get rules too. Each leaf where the segment is the (weighted) majority
becomes a rule such as ``"age < 31 and preferred_channel = app"`` (sibling
leaves that both qualify merge into their parent's shorter rule); a segment's
definition is the union of its rules: the one covering most of the segment, plus
up to ``max_rules - 1`` more whose precision is at least ``min_precision``.

* **coverage**: the share of the segment's rows that the rule matches (recall);
* **precision**: the share of the rows matched that belong to the segment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils import check_random_state

from .._validation import check_finite, check_frame, check_labels
from ..errors import MicrosegError
from ._encoding import split_columns

__all__ = ["explain", "ExplainResult"]


@dataclass(frozen=True)
class ExplainResult:
    """Rules that describe each segment.

    Attributes
    ----------
    rules : DataFrame
        One row per rule: ``segment``, ``rule`` (text), ``n`` (rows matched),
        ``coverage`` (share of the segment matched) and ``precision`` (share of
        matched rows in the segment).
    segments : DataFrame
        One row per segment: ``size``, ``share``, and the ``coverage`` and
        ``precision`` of the union of its rules, and ``definition`` (the rules
        joined by "or").
    max_depth : int
    """

    rules: pd.DataFrame
    segments: pd.DataFrame
    max_depth: int
    conditions: tuple = field(default=(), repr=False, compare=False)
    medians: dict = field(default_factory=dict, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """The rules table."""
        return self.rules.copy()

    def match(self, X: pd.DataFrame) -> pd.DataFrame:
        """Which rows of ``X`` each rule matches, on new data as on the data explained.

        A rule is the path to its leaves in the surrogate tree, so it is applied
        the way the tree reads a row: missing numbers take the median of the
        explained data, categories compare level by level.

        Parameters
        ----------
        X : DataFrame
            Rows with the columns the rules read.

        Returns
        -------
        DataFrame of bool
            One column per rule (in the order of ``rules``), on ``X``'s index.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> import microseg as ms
        >>> df = pd.DataFrame({"age": np.arange(200) % 60 + 18,
        ...                    "channel": np.where(np.arange(200) % 2 == 0, "app", "store")})
        >>> seg = np.where((df["age"] < 31) & (df["channel"] == "app"), "young app", "rest")
        >>> ex = ms.explain(df, seg, random_state=0)
        >>> new = pd.DataFrame({"age": [25, 25, 40], "channel": ["app", "store", "app"]})
        >>> ex.match(new)[ex.rules.index[ex.rules["segment"] == "young app"][0]].tolist()
        [True, False, False]
        """
        check_frame(X, name="X")
        cols = {c for conds in self.conditions for c, *_ in conds}
        missing = [c for c in cols if c not in X.columns]
        if missing:
            raise MicrosegError(f"X lacks column(s) {sorted(map(str, missing))} that the rules read; pass rows with those columns.")
        out = {}
        for i, conds in enumerate(self.conditions):
            hit = np.ones(len(X), dtype=bool)
            for col, kind, level, right, thr in conds:
                s = X[col]
                if kind == "num":
                    x = s.to_numpy(dtype="float64", na_value=np.nan)
                    x = np.where(np.isnan(x), self.medians[col], x).astype(np.float32)  # as the tree reads it
                    cond = x > thr
                elif kind == "level":
                    cond = (s == level).fillna(False).to_numpy(dtype=bool)
                else:
                    cond = s.isna().to_numpy()
                hit &= cond if right else ~cond
            out[self.rules.index[i]] = hit
        return pd.DataFrame(out, index=X.index, columns=self.rules.index)

    def describe(self) -> str:
        """Each segment's definition in plain English, one line per segment."""
        lines = []
        for seg, row in self.segments.iterrows():
            lines.append(
                f"Segment {seg} ({row['share']:.0%} of customers): {row['definition']} "
                f"— matches {row['coverage']:.0%} of the segment, {row['precision']:.0%} of those matched are in it."
            )
        return "\n".join(lines)

    def plot(self, ax=None):
        """Coverage and precision per segment (bar chart); see :func:`microseg.plot.plot_explain`."""
        from ..plot import plot_explain

        return plot_explain(self, ax=ax)

    def __repr__(self) -> str:
        return f"ExplainResult(segments={len(self.segments)}, rules={len(self.rules)}, max_depth={self.max_depth})"

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return format_table(self.segments, max_rows=None).html


def explain(
    X: pd.DataFrame,
    labels,
    *,
    max_depth: int = 3,
    max_rules: int = 3,
    min_leaf: float = 0.01,
    min_precision: float = 0.5,
    categorical="auto",
    max_levels: int = 20,
    random_state=None,
) -> ExplainResult:
    """Describe each segment with short rules on the original columns.

    Parameters
    ----------
    X : DataFrame
        One row per customer (the columns to explain with).
    labels : str or array-like
        A column of ``X`` holding the segments (it is then not used as a
        feature), or one label per row.
    max_depth : int, default 3
        Depth of each surrogate tree: at most this many conditions per rule.
    max_rules : int, default 3
        Rules kept per segment (those covering most of it).
    min_leaf : float, default 0.01
        Smallest leaf, as a share of rows, so rules do not describe a handful of customers.
    min_precision : float, default 0.5
        Rules after the one covering most of the segment are kept only if at least
        this share of the rows they match are in the segment.
    categorical : "auto" or list of column names
        Which columns are categorical (as in :class:`SegmentModel`).
    max_levels : int, default 20
        Most frequent levels of a categorical column offered to the trees.
    random_state : int, RandomState or None

    Returns
    -------
    ExplainResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import microseg as ms
    >>> df = pd.DataFrame({"age": np.arange(200) % 60 + 18,
    ...                    "channel": np.where(np.arange(200) % 2 == 0, "app", "store")})
    >>> seg = np.where((df["age"] < 31) & (df["channel"] == "app"), "young app", "rest")
    >>> ex = ms.explain(df, seg, random_state=0)
    >>> ex.segments.loc["young app", "definition"]
    'age < 31 and channel = app'
    """
    check_frame(X)
    if not isinstance(max_depth, (int, np.integer)) or max_depth < 1:
        raise MicrosegError(f"max_depth must be an integer >= 1, got {max_depth!r}.")
    y = check_labels(X, labels)
    if isinstance(labels, str) and labels in X.columns:
        X = X.drop(columns=[labels])
    check_finite(X, name="X")
    if y.isna().any():
        raise MicrosegError(f"labels has {int(y.isna().sum())} missing values; give every row a segment.")
    F, meta, medians = _features(X, categorical=categorical, max_levels=max_levels)
    n = len(X)
    rng = check_random_state(random_state)
    yv = y.to_numpy()
    segments = pd.unique(yv)
    try:
        segments = np.sort(segments)
    except TypeError:
        pass
    rule_rows, seg_rows, conditions = [], [], []
    for s in segments:
        pos = yv == s
        n_pos = int(pos.sum())
        tree = DecisionTreeClassifier(
            max_depth=max_depth, class_weight="balanced",
            min_samples_leaf=max(1, int(min_leaf * n)), random_state=rng.randint(2**31 - 1),
        ).fit(F, pos)
        leaf = tree.apply(F)
        t = tree.tree_
        leaf_n = np.bincount(leaf, minlength=t.node_count)
        leaf_pos = np.bincount(leaf, weights=pos, minlength=t.node_count)
        classes = list(tree.classes_)
        v = t.value[:, 0, :]
        share = v[:, classes.index(True)] / v.sum(axis=1) if True in classes else np.zeros(t.node_count)
        cand = []
        for leaves, path in _regions(t, share > 0.5):
            m_pos, m_n = leaf_pos[leaves].sum(), leaf_n[leaves].sum()
            if m_pos > 0:
                cand.append((m_pos / n_pos, m_pos / m_n, leaves, path))
        if not cand:  # no majority leaf: the purest one
            paths = _leaf_paths(t)
            nodes = [nd for nd in paths if leaf_n[nd] > 0]
            best = max(nodes, key=lambda nd: (leaf_pos[nd] / leaf_n[nd], leaf_pos[nd]))
            cand = [(leaf_pos[best] / n_pos, leaf_pos[best] / leaf_n[best], [best], paths[best])]
        cand.sort(key=lambda c: (-c[0], -c[1]))
        # the rule covering most of the segment always stays; others only if precise enough
        cand = [cand[0], *(c for c in cand[1:] if c[1] >= min_precision)][:max_rules]
        texts = []
        for cov, prec, leaves, path in cand:
            text = _render(path, meta) or "everyone"
            texts.append(text)
            conditions.append(tuple((meta[f][0], meta[f][1], meta[f][2], right, thr) for f, right, thr in path))
            rule_rows.append({"segment": s, "rule": text, "n": int(leaf_n[leaves].sum()),
                              "coverage": float(cov), "precision": float(prec)})
        hit = np.isin(leaf, np.concatenate([c[2] for c in cand]))
        seg_rows.append({
            "segment": s, "size": n_pos, "share": n_pos / n,
            "coverage": float((hit & pos).sum() / n_pos),
            "precision": float((hit & pos).sum() / max(hit.sum(), 1)),
            "definition": " or ".join(f"({t})" if len(texts) > 1 else t for t in texts),
        })
    return ExplainResult(
        rules=pd.DataFrame(rule_rows),
        segments=pd.DataFrame(seg_rows).set_index("segment"),
        max_depth=int(max_depth),
        conditions=tuple(conditions),
        medians=medians,
    )


def _features(X: pd.DataFrame, *, categorical, max_levels):
    """Float matrix for the trees, per column what it means (column, kind, level, is_int), and the medians filled in."""
    num, cat = split_columns(X, categorical)
    cols, meta, medians = [], [], {}
    for c in num:
        x = X[c].to_numpy(dtype="float64", na_value=np.nan)
        nan = np.isnan(x)
        ok = x[~nan]
        if len(ok) == 0:
            continue
        is_int = bool(np.all(np.mod(ok, 1) == 0))
        medians[c] = float(np.median(ok))
        cols.append(np.where(nan, medians[c], x))
        meta.append((c, "num", None, is_int))
        if nan.any():
            cols.append(nan.astype(float))
            meta.append((c, "missing", None, False))
    for c in cat:
        s = X[c]
        vc = s.value_counts(dropna=True)
        for lv in vc.index[:max_levels]:
            cols.append((s == lv).fillna(False).to_numpy(dtype=float))
            meta.append((c, "level", lv, False))
        if s.isna().any():
            cols.append(s.isna().to_numpy(dtype=float))
            meta.append((c, "missing", None, False))
    if not cols:
        raise MicrosegError("the data has no usable columns to explain the segments with.")
    return np.column_stack(cols).astype(np.float32), meta, medians


def _regions(t, positive) -> list:
    """Rules as (leaf ids, path): sibling subtrees whose leaves are all positive merge into their parent."""

    def walk(node, path):
        left, right = t.children_left[node], t.children_right[node]
        if left == -1:
            return bool(positive[node]), ([([node], path)] if positive[node] else []), [node]
        f, thr = int(t.feature[node]), float(t.threshold[node])
        lall, lrules, lleaves = walk(left, [*path, (f, False, thr)])
        rall, rrules, rleaves = walk(right, [*path, (f, True, thr)])
        leaves = lleaves + rleaves
        if lall and rall:
            return True, [(leaves, path)], leaves
        return False, lrules + rrules, leaves

    return [(np.array(lv), p) for lv, p in walk(0, [])[1]]


def _leaf_paths(t) -> dict:
    """Map each leaf node id to its path: list of (feature, goes_right, threshold)."""
    out, stack = {}, [(0, [])]
    while stack:
        node, path = stack.pop()
        left, right = t.children_left[node], t.children_right[node]
        if left == -1:
            out[node] = path
            continue
        f, thr = int(t.feature[node]), float(t.threshold[node])
        stack.append((left, [*path, (f, False, thr)]))
        stack.append((right, [*path, (f, True, thr)]))
    return out


def _fmt(v: float) -> str:
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if float(v).is_integer():
        return str(int(v))
    return f"{v:.3g}"


def _render(path, meta) -> str:
    by_col: dict = {}
    order = []
    for f, right, thr in path:
        col, kind, level, is_int = meta[f]
        if col not in by_col:
            by_col[col] = {"lo": None, "hi": None, "eq": None, "ne": [], "missing": None, "int": False}
            order.append(col)
        d = by_col[col]
        if kind == "num":
            d["int"] = is_int
            if right:
                d["lo"] = thr if d["lo"] is None else max(d["lo"], thr)
            else:
                d["hi"] = thr if d["hi"] is None else min(d["hi"], thr)
        elif kind == "level":
            if right:
                d["eq"] = level
            elif level not in d["ne"]:
                d["ne"].append(level)
        else:
            d["missing"] = right
    parts = []
    for col in order:
        d = by_col[col]
        name = str(col)
        if d["missing"]:
            parts.append(f"{name} is missing")
            continue
        if d["eq"] is not None:
            parts.append(f"{name} = {d['eq']}")
        elif d["ne"]:
            parts.append(f"{name} ≠ {d['ne'][0]}" if len(d["ne"]) == 1
                         else f"{name} not in {{{', '.join(map(str, d['ne']))}}}")
        lo, hi = d["lo"], d["hi"]
        if d["int"]:
            # x > t  <=>  x >= floor(t) + 1 ; x <= t  <=>  x < floor(t) + 1
            lo_s = f"{_fmt(np.floor(lo) + 1)} ≤ " if lo is not None else None
            hi_s = f" < {_fmt(np.floor(hi) + 1)}" if hi is not None else None
            if lo is not None and hi is not None:
                parts.append(f"{lo_s}{name}{hi_s}")
            elif lo is not None:
                parts.append(f"{name} ≥ {_fmt(np.floor(lo) + 1)}")
            elif hi is not None:
                parts.append(f"{name}{hi_s}")
        else:
            if lo is not None and hi is not None:
                parts.append(f"{_fmt(lo)} < {name} ≤ {_fmt(hi)}")
            elif lo is not None:
                parts.append(f"{name} > {_fmt(lo)}")
            elif hi is not None:
                parts.append(f"{name} ≤ {_fmt(hi)}")
        if d["missing"] is False and d["lo"] is None and d["hi"] is None and d["eq"] is None and not d["ne"]:
            parts.append(f"{name} is known")
    return " and ".join(parts)
