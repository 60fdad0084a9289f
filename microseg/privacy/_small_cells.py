"""Small-cell suppression with complementary suppression.

A table of counts is published together with some linear totals of its cells
(row and column margins of a segment × level table, or the flag totals of an
overlap table). Cells whose count is between 1 and ``min_cell - 1`` are
*sensitive*: they are suppressed (primary suppression). Publishing the totals
could still let a reader solve for a suppressed cell, so further cells are
suppressed (complementary suppression) until no protected cell can be
recovered.

A cell counts as recovered when, given everything published (the cells shown
and the totals), its minimum and maximum feasible values are equal. The check
is a linear program per protected cell (``scipy.optimize.linprog``, HiGHS):
minimise and maximise the cell subject to the published totals and
non-negativity. Totals of a segment × level table give a totally unimodular
system, so these bounds are integers and equal bounds mean a unique value.

The procedure:

1. primary: every sensitive cell, plus every *hidden* cell (one the caller
   never displays, such as the ``False`` level of a flag), is unknown;
2. quick pass: any published total with exactly one unknown cell would give it
   away, so the smallest published cell of that total (a non-zero one when
   there is one) is suppressed too; repeated until no total has a lone unknown;
3. audit: the linear programs above; a protected cell that is still
   determined gets a complement among the published cells sharing a total
   with it, and the audit runs again.

Protected cells are the sensitive ones and every displayed cell that ends up
suppressed; a hidden cell that is not sensitive may stay determined (it is not
shown, and its value reveals no small count).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd

from .._validation import check_columns, check_frame, report_rows
from ..errors import MicrosegError, SchemaError

__all__ = ["check_min_cell", "protect", "feasible_range", "table_constraints", "suppress_small_cells"]


def check_min_cell(min_cell) -> int:
    """``min_cell`` as an int >= 1, or a clear error.

    Examples
    --------
    >>> check_min_cell(10)
    10
    """
    if not isinstance(min_cell, (int, np.integer)) or isinstance(min_cell, bool) or min_cell < 1:
        raise MicrosegError(f"min_cell must be a whole number >= 1, got {min_cell!r}.")
    return int(min_cell)


def table_constraints(n_rows: int, n_cols: int) -> list[np.ndarray]:
    """Row and column totals of an ``n_rows × n_cols`` table stored row-major.

    Examples
    --------
    >>> [c.tolist() for c in table_constraints(2, 2)]
    [[0, 1], [2, 3], [0, 2], [1, 3]]
    """
    idx = np.arange(n_rows * n_cols).reshape(n_rows, n_cols)
    return [idx[i] for i in range(n_rows)] + [idx[:, j] for j in range(n_cols)]


def _split(con) -> tuple[np.ndarray, np.ndarray]:
    """A constraint is an index array (coefficients 1) or a pair (indices, coefficients)."""
    if isinstance(con, tuple):
        idx, coef = con
        return np.asarray(idx, dtype=int), np.asarray(coef, dtype=float)
    idx = np.asarray(con, dtype=int)
    return idx, np.ones(idx.size)


def feasible_range(values, constraints: Sequence[np.ndarray], unknown, target) -> tuple[float, float]:
    """Minimum and maximum of ``sum(values[target])`` given the published information.

    ``unknown`` marks the cells not published; every constraint's total is
    published, and so is every cell not unknown. Returns ``(low, high)``;
    ``high`` is ``inf`` when unbounded.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.array([3, 20, 12, 30])          # 2 × 2 table, row-major
    >>> cons = table_constraints(2, 2)
    >>> feasible_range(v, cons, np.array([True, False, False, False]), [0])
    (3.0, 3.0)
    >>> feasible_range(v, cons, np.array([True, True, True, True]), [0])
    (0.0, 15.0)
    """
    from scipy.optimize import linprog

    values = np.asarray(values, dtype=float)
    unknown = np.asarray(unknown, dtype=bool)
    target = np.asarray(target, dtype=int)
    var = np.flatnonzero(unknown)
    pos = np.full(values.size, -1)
    pos[var] = np.arange(var.size)
    known_part = float(values[target][~unknown[target]].sum())
    tv = pos[target[unknown[target]]]
    if tv.size == 0:
        return known_part, known_part
    rows, rhs = [], []
    for con in constraints:
        con, coef = _split(con)
        u = unknown[con]
        if not u.any():
            continue
        row = np.zeros(var.size)
        np.add.at(row, pos[con[u]], coef[u])
        rows.append(row)
        rhs.append(float(np.dot(coef[u], values[con[u]])))
    c = np.zeros(var.size)
    np.add.at(c, tv, 1.0)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    lo = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    hi = linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    low = known_part + (lo.fun if lo.status == 0 else 0.0)
    high = known_part + (-hi.fun if hi.status == 0 else np.inf)
    return float(low), float(high)


def protect(
    values,
    constraints: Sequence[np.ndarray],
    *,
    min_cell: int,
    hidden=None,
    targets: Sequence[np.ndarray] = (),
    shape: tuple[int, int] | None = None,
    max_rounds: int = 200,
) -> tuple[np.ndarray, np.ndarray]:
    """Choose the cells to suppress so that no small count can be recovered.

    Parameters
    ----------
    values : array of int
        Unweighted counts, one per cell.
    constraints : sequence of int arrays or (indices, coefficients) pairs
        Published linear relations: an index array says the sum of those
        cells is published; a pair ``(idx, coef)`` says ``Σ coef·cell`` is
        (e.g. ``total − Σ parts = 0`` when the total is itself a cell).
    min_cell : int
        Counts from 1 to ``min_cell - 1`` are sensitive.
    hidden : array of bool, optional
        Cells never displayed (they are unknown to a reader from the start).
    targets : sequence of int arrays, optional
        Unpublished sums of cells that hold a small count and must not be
        recoverable either (e.g. a small flag total in an overlap table).
    shape : (rows, cols), optional
        When the cells form a two-way table (row-major) whose constraints are
        its row and column totals, a fast sufficient check replaces most linear
        programs: a cell lying on a cycle of suppressed non-zero cells can move
        by ±1 along it, so it is not determined.

    Returns
    -------
    suppressed : array of bool
        Cells a reader does not see (hidden cells included).
    primary : array of bool
        Sensitive cells (suppressed for their own small count); the others in
        ``suppressed & ~hidden`` are complementary suppressions.

    Examples
    --------
    >>> import numpy as np
    >>> v = np.array([3, 20, 12, 30])
    >>> sup, prim = protect(v, table_constraints(2, 2), min_cell=10)
    >>> sup.tolist(), prim.tolist()
    ([True, True, True, True], [True, False, False, False])
    """
    values = np.asarray(values, dtype=np.int64)
    hidden = np.zeros(values.size, bool) if hidden is None else np.asarray(hidden, dtype=bool)
    full = list(constraints)
    constraints = [_split(c)[0] for c in full]
    primary = (values >= 1) & (values < min_cell)
    suppressed = primary | hidden
    targets = [np.asarray(t, dtype=int) for t in targets]
    if not primary.any() and not targets:
        # nothing sensitive: hidden cells may be derivable but hold no small count
        return suppressed, primary
    member: list[list[int]] = [[] for _ in range(values.size)]
    for k, con in enumerate(constraints):
        for i in con:
            member[i].append(k)

    def pick(cands: np.ndarray) -> int | None:
        cands = cands[~suppressed[cands]]
        if cands.size == 0:
            return None
        nz = cands[values[cands] > 0]
        pool = nz if nz.size else cands
        return int(pool[np.argmin(values[pool])])

    def quick_pass() -> None:
        changed = True
        while changed:
            changed = False
            for con in constraints:
                if suppressed[con].sum() == 1:
                    j = pick(con)
                    if j is not None:
                        suppressed[j] = True
                        changed = True

    for _ in range(max_rounds):
        quick_pass()
        protect_mask = suppressed & (primary | ~hidden)
        determined = []
        free = None if shape is not None else _free_directions(values, full, suppressed)
        for tgt in [np.array([i]) for i in np.flatnonzero(protect_mask)] + targets:
            if shape is not None and tgt.size == 1 and _on_positive_cycle(int(tgt[0]), suppressed, values, shape):
                continue
            if free is not None and np.abs(free[tgt].sum(axis=0)).max(initial=0) > 1e-9:
                continue
            lo, hi = feasible_range(values, full, suppressed, tgt)
            if hi - lo < 0.5:
                determined.append(tgt)
        if not determined:
            return suppressed, primary
        added = False
        for tgt in determined:  # one complement per determined cell, then audit again
            ks = sorted({k for i in tgt for k in member[i]})
            near = np.unique(np.concatenate([constraints[k] for k in ks])) if ks else np.array([], int)
            j = pick(near)
            if j is None:
                # every cell sharing a total with it is suppressed; widen to the next ring
                ring = sorted({k for m in near for k in member[m]})
                j = pick(np.unique(np.concatenate([constraints[k] for k in ring]))) if ring else None
            if j is None:
                j = pick(np.arange(values.size))
            if j is not None:
                suppressed[j] = True
                added = True
        if not added:
            return suppressed, primary
    raise RuntimeError("complementary suppression did not converge")  # pragma: no cover


def _on_positive_cycle(cell: int, unknown: np.ndarray, values: np.ndarray, shape: tuple[int, int]) -> bool:
    """Whether ``cell`` lies on a cycle of unknown cells that all hold at least 1 (two-way table).

    Rows and columns are nodes, unknown positive cells are edges; the cell is
    on a cycle when its row and column stay connected without it.
    """
    n_rows, n_cols = shape
    if values[cell] < 1:
        return False
    edges = np.flatnonzero(unknown & (values >= 1))
    r0, c0 = divmod(cell, n_cols)
    adj: dict[int, list[int]] = {}
    for e in edges:
        if e == cell:
            continue
        r, c = divmod(int(e), n_cols)
        adj.setdefault(r, []).append(n_rows + c)
        adj.setdefault(n_rows + c, []).append(r)
    seen, stack = {r0}, [r0]
    goal = n_rows + c0
    while stack:
        node = stack.pop()
        for nb in adj.get(node, ()):
            if nb == goal:
                return True
            if nb not in seen:
                seen.add(nb)
                stack.append(nb)
    return False


def _free_directions(values, constraints, unknown) -> np.ndarray:
    """Directions in which the unknown non-zero cells can move together without changing anything published.

    Returns an array (cells × directions): the null space of the published
    constraints restricted to the unknown cells holding at least 1 (the others
    fixed). The true table is a feasible point with those cells >= 1, so a
    small step along any such direction stays feasible: a cell (or sum of
    cells) with a non-zero component is not determined. A zero row proves
    nothing (the linear program decides).
    """
    from scipy.linalg import null_space

    var = np.flatnonzero(unknown & (values >= 1))
    out = np.zeros((values.size, 0))
    if var.size == 0:
        return out
    pos = np.full(values.size, -1)
    pos[var] = np.arange(var.size)
    rows = []
    for con in constraints:
        idx, coef = _split(con)
        sel = pos[idx] >= 0
        if sel.any():
            row = np.zeros(var.size)
            np.add.at(row, pos[idx[sel]], coef[sel])
            rows.append(row)
    ns = null_space(np.array(rows)) if rows else np.eye(var.size)
    out = np.zeros((values.size, ns.shape[1]))
    out[var] = ns
    return out


def _count_cells(table: pd.DataFrame, counts: list) -> np.ndarray:
    """The count columns as a (rows × columns) int array, or a clear error naming the column and the fix."""
    out = np.zeros((len(table), len(counts)), dtype=np.int64)
    for j, c in enumerate(counts):
        col = table[c]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            raise SchemaError(f"count column {c!r} must hold numbers of people, found dtype {col.dtype}; convert it "
                              "with pd.to_numeric, or pass count= the column that holds the counts.")  # fmt: skip
        v = col.to_numpy(dtype="float64", na_value=np.nan)
        bad = {"missing": np.isnan(v), "infinite": np.isinf(v), "negative": v < 0,
               "not whole": np.isfinite(v) & (v != np.round(v))}  # fmt: skip
        found = {k: int(m.sum()) for k, m in bad.items() if m.any()}
        if found:
            raise SchemaError(
                f"count column {c!r} has {', '.join(f'{n} {k}' for k, n in found.items())} value(s) (e.g. "
                f"{v[np.logical_or.reduce(list(bad.values()))][:3].tolist()}); a count of people is a whole number "
                ">= 0. Fix or drop those rows first (weighted counts cannot be protected: publish unweighted ones)."
            )
        out[:, j] = v.astype(np.int64)
    return out


def suppress_small_cells(
    table: pd.DataFrame,
    *,
    count: Hashable | Sequence[Hashable] = "n",
    min_cell: int | None = None,
    columns: Sequence[Hashable] | Mapping[Hashable, Sequence[Hashable]] | None = None,
    margins: Mapping[Hashable, Sequence[Hashable]] | None = None,
    min_count: int | None = None,
) -> pd.DataFrame:
    """Hide counts of 1 to ``min_cell - 1`` people, and the cells that would let a reader recover them.

    The one small-cell rule every table microseg publishes goes through (as
    the CMS, ONS and CDC rules for published statistics): a count from 1 to
    ``min_cell - 1`` is suppressed (primary suppression); because the total of
    each count column is assumed known to the reader (it is usually published
    somewhere), and each ``margins`` total equals the sum of its parts, more
    cells are suppressed until no small count can be solved for
    (complementary suppression, see :func:`protect`). Zeros are shown. The
    figures of a row (``columns``: rates, means, costs computed from its
    people) are blanked when any of its counts is.

    Parameters
    ----------
    table : pandas.DataFrame
        An aggregate table, one row per group.
    count : column name or list of column names
        The columns holding numbers of people (whole numbers >= 0).
    min_cell : int
        Smallest count shown (default 10).
    columns : list of column names, or mapping count column -> figure columns, optional
        Figures to blank with a row's suppressed counts (a list: when any
        count of the row is suppressed; a mapping: when that count is);
        default every other numeric column.
    margins : mapping total column -> part columns, optional
        Row-wise identities among the count columns, e.g.
        ``{"size": ["opted_out", "no_consent", "reachable"]}``.
    min_count : int, optional
        Deprecated alias of ``min_cell``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``table`` with suppressed counts and figures missing;
        ``attrs["microseg_rows"]`` and a :class:`~microseg.errors.DataQualityWarning`
        give the number of primary and complementary suppressions.

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> t = pd.DataFrame({"segment": ["a", "b", "c"], "n": [120, 4, 60], "share_diabetic": [0.08, 0.5, 0.1]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     out = suppress_small_cells(t, min_cell=10)
    >>> out["n"].tolist(), out["share_diabetic"].tolist()
    ([120, <NA>, <NA>], [0.08, nan, nan])
    """
    if min_count is not None:
        if min_cell is not None:
            raise MicrosegError("pass min_cell only (min_count is its deprecated alias), not both.")
        warnings.warn("min_count is deprecated; use min_cell (the one name of the small-cell rule).", FutureWarning,
                      stacklevel=2)  # fmt: skip
        min_cell = min_count
    min_cell = check_min_cell(10 if min_cell is None else min_cell)
    check_frame(table, name="table", allow_empty=True)
    counts = [count] if isinstance(count, (str, int)) or not isinstance(count, Sequence) else list(count)
    margins = {k: list(v) for k, v in (margins or {}).items()}
    check_columns(table, counts + [c for k, v in margins.items() for c in [k, *v]], name="table")
    outside = sorted({str(c) for k, v in margins.items() for c in [k, *v] if c not in counts})
    if outside:
        raise MicrosegError(f"margins name columns that are not count columns: {outside}; add them to count=.")
    if columns is None:
        columns = [c for c in table.columns if c not in counts and pd.api.types.is_numeric_dtype(table[c])
                   and not pd.api.types.is_bool_dtype(table[c])]  # fmt: skip
    by_count = {k: list(v) for k, v in columns.items()} if isinstance(columns, Mapping) else {None: list(columns)}
    check_columns(table, [c for v in by_count.values() for c in v] + [k for k in by_count if k is not None], name="table")
    if any(k is not None and k not in counts for k in by_count):
        raise MicrosegError(f"columns maps count columns to figures; {[k for k in by_count if k not in counts]} are not in count=.")
    values = _count_cells(table, counts)
    n_rows, k = values.shape
    idx = np.arange(n_rows * k).reshape(n_rows, k)
    constraints: list = [idx[:, j] for j in range(k)]  # each count column's total
    pos = {c: j for j, c in enumerate(counts)}
    for total, parts in margins.items():
        coef = np.array([1.0] + [-1.0] * len(parts))
        constraints += [(idx[i, [pos[total], *[pos[p] for p in parts]]], coef) for i in range(n_rows)]
    suppressed, primary = protect(values.ravel(), constraints, min_cell=min_cell) if values.size else (
        np.zeros(0, bool), np.zeros(0, bool))  # fmt: skip
    suppressed, primary = suppressed.reshape(n_rows, k), primary.reshape(n_rows, k)
    out = table.copy()
    for j, c in enumerate(counts):
        out[c] = pd.array(values[:, j], dtype="Int64")
        out.loc[suppressed[:, j], c] = pd.NA
    for key, figures in by_count.items():
        row_hidden = suppressed.any(axis=1) if key is None else suppressed[:, pos[key]]
        for c in figures:
            col = out[c]
            out[c] = (col.astype("Int64") if pd.api.types.is_integer_dtype(col) else col).mask(row_hidden)
    n_primary = int(primary.sum())
    return report_rows(out, {
        f"counts of 1 to {min_cell - 1} people (suppressed)": n_primary,
        "complementary cells (suppressed so that no small count can be recovered)": int(suppressed.sum()) - n_primary,
    }, what="table cells")  # fmt: skip
