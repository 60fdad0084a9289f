"""k-anonymity: how identifiable are people from their quasi-identifiers, and coarsening until they are not.

A table is *k-anonymous* on a set of quasi-identifiers (age, gender, postcode,
...) when every combination of their values is shared by at least ``k`` rows:
nobody can be singled out from those columns alone. :func:`k_anonymity`
measures it; :func:`generalise_to_k` coarsens the quasi-identifiers step by
step (age bands, shorter postcode prefixes, finally removing a column) until a
target ``k`` is reached, and reports each step. :func:`age_bands` and
:func:`postcode_prefix` are the generalisation helpers it uses.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._validation import check_columns, check_finite, check_frame, report_rows
from ..errors import MicrosegError

__all__ = [
    "k_anonymity",
    "KAnonymityResult",
    "generalise_to_k",
    "GeneralisationResult",
    "age_bands",
    "postcode_prefix",
]

SUPPRESSED = "*"
_POSTCODE_WORDS = ("postcode", "zip", "postal", "plz")


def _group_sizes(frame: pd.DataFrame) -> np.ndarray:
    codes = frame.groupby(list(frame.columns), dropna=False, observed=True, sort=False).ngroup().to_numpy()
    return np.bincount(codes)[codes]


def _check_qi(df: pd.DataFrame, quasi_identifiers) -> list[Hashable]:
    check_frame(df, name="data")
    if isinstance(quasi_identifiers, (str, bytes)) or not isinstance(quasi_identifiers, Sequence):
        quasi_identifiers = [quasi_identifiers]
    qi = list(quasi_identifiers)
    if not qi:
        raise MicrosegError("quasi_identifiers is empty; name the columns that could identify a person, e.g. ['age', 'postcode'].")
    check_columns(df, qi, name="data")
    return qi


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise MicrosegError(f"k must be a positive integer, got {k!r}.")
    return int(k)


@dataclass(frozen=True, repr=False)
class KAnonymityResult:
    """How identifiable rows are from their quasi-identifiers.

    Attributes
    ----------
    k : int
        Size of the smallest group: the table is k-anonymous for this k.
    target : int
        The k that rows are checked against.
    quasi_identifiers : tuple
    groups : pandas.DataFrame
        One row per combination of quasi-identifier values with its ``size``,
        smallest first.
    at_risk : pandas.Index
        Index labels of rows in groups smaller than ``target``.
    n_rows : int
    """

    k: int
    target: int
    quasi_identifiers: tuple
    groups: pd.DataFrame
    at_risk: pd.Index
    n_rows: int

    @property
    def n_at_risk(self) -> int:
        """Rows in groups smaller than the target."""
        return len(self.at_risk)

    @property
    def share_at_risk(self) -> float:
        """Share of rows in groups smaller than the target."""
        return self.n_at_risk / self.n_rows if self.n_rows else 0.0

    def smallest(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` smallest groups."""
        return self.groups.head(n).copy()

    def to_frame(self) -> pd.DataFrame:
        """All groups with their sizes, smallest first."""
        return self.groups.copy()

    def plot(self, ax=None):
        """Histogram of group sizes with the target marked; see :func:`microseg.plot.plot_group_sizes`."""
        from ..plot import plot_group_sizes

        return plot_group_sizes(self, ax=ax)

    def __repr__(self) -> str:
        return (
            f"KAnonymityResult(k={self.k}, target={self.target}, {self.n_at_risk:,} of {self.n_rows:,} rows "
            f"in groups smaller than {self.target})"
        )

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return f"<p><b>{self!r}</b></p>" + format_table(self.smallest(), max_rows=None).html


def k_anonymity(df: pd.DataFrame, quasi_identifiers, *, k: int = 5) -> KAnonymityResult:
    """Measure k-anonymity of ``df`` on ``quasi_identifiers``.

    Missing values count as a value of their own.

    Parameters
    ----------
    df : pandas.DataFrame
    quasi_identifiers : list of column names
    k : int
        Target group size; rows in smaller groups are listed as at risk.

    Returns
    -------
    KAnonymityResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [30, 30, 30, 41], "zip": ["10115", "10115", "10115", "20095"]})
    >>> res = k_anonymity(df, ["age", "zip"], k=2)
    >>> res.k, res.at_risk.tolist()
    (1, [3])
    """
    qi = _check_qi(df, quasi_identifiers)
    k = _check_k(k)
    frame = df[qi]
    sizes = _group_sizes(frame)
    groups = (
        frame.assign(size=sizes)
        .drop_duplicates(qi)
        .sort_values("size", kind="stable")
        .reset_index(drop=True)
    )
    return KAnonymityResult(
        k=int(sizes.min()),
        target=k,
        quasi_identifiers=tuple(qi),
        groups=groups,
        at_risk=df.index[sizes < k],
        n_rows=len(df),
    )


def age_bands(ages, *, width: float = 10, top: float | None = None) -> pd.Series:
    """Generalise ages (or any number) to bands of ``width``: 34 -> ``"30–39"``.

    Labels follow :func:`microseg.bands` (``"30–39"`` for whole numbers,
    ``"0–<10000"`` otherwise, ``"80+"`` for the open top band), so generalised
    columns read like rule segments. For bands with uneven edges use
    ``microseg.bands`` itself, e.g. as a step of a :func:`generalise_to_k` ladder.

    Parameters
    ----------
    ages : pandas.Series or array-like of numbers
    width : number
        Band width, bands start at multiples of it.
    top : number, optional
        Values at or above it fall into one open band ``"<top>+"``.

    Returns
    -------
    pandas.Series of str, on the input's index; missing stays missing.

    Examples
    --------
    >>> import pandas as pd
    >>> age_bands(pd.Series([18, 34, 35, 92]), width=10, top=80).tolist()
    ['10–19', '30–39', '30–39', '80+']
    """
    s = ages if isinstance(ages, pd.Series) else pd.Series(ages)
    if pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
        raise MicrosegError(f"age_bands needs numbers, got dtype {s.dtype}.")
    if not width > 0:
        raise MicrosegError(f"width must be positive, got {width!r}.")
    x = s.to_numpy(dtype="float64", na_value=np.nan)
    lo = pd.Series(np.floor(x / width) * width, index=s.index)
    integral = bool(np.all(np.mod(x[~np.isnan(x)], 1) == 0)) and float(width).is_integer()

    def fmt(v: pd.Series) -> pd.Series:
        return v.astype("Int64").astype("str") if integral else v.map("{:g}".format).astype("str")

    if integral:
        label = fmt(lo) if width == 1 else fmt(lo) + "–" + fmt(lo + width - 1)
    else:
        label = fmt(lo) + "–<" + fmt(lo + width)
    if top is not None:
        label = label.mask(pd.Series(x >= top, index=s.index), f"{top:g}+")
    return label.where(pd.Series(~np.isnan(x), index=s.index)).rename(s.name)


def postcode_prefix(postcodes, length: int) -> pd.Series:
    """Generalise postcodes to their first ``length`` characters (spaces removed, upper case).

    ``length=0`` suppresses the postcode entirely (``"*"``).

    Examples
    --------
    >>> import pandas as pd
    >>> postcode_prefix(pd.Series(["sw1a 1aa", "10115", None]), 3).tolist()
    ['SW1', '101', nan]
    """
    s = postcodes if isinstance(postcodes, pd.Series) else pd.Series(postcodes)
    if length < 0:
        raise MicrosegError(f"length must be >= 0, got {length!r}.")
    text = s.astype("str").where(s.notna())
    if length == 0:
        return pd.Series(SUPPRESSED, index=s.index, dtype="str", name=s.name).where(s.notna())
    return text.str.replace(r"\s+", "", regex=True).str.upper().str[:length]


def _entropy(s: pd.Series) -> float:
    p = s.value_counts(dropna=False, normalize=True).to_numpy(dtype=float)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def _nice_widths(values: pd.Series) -> list[float]:
    x = values.dropna().to_numpy(dtype="float64")
    span = float(x.max() - x.min()) if len(x) else 0.0
    if span <= 0:
        return []
    out = []
    for parts in (20, 10, 5, 2):
        raw = span / parts
        e = 10 ** math.floor(math.log10(raw))
        nice = next(m * e for m in (1, 2, 5, 10) if m * e >= raw)
        nice = int(nice) if float(nice).is_integer() else nice
        if nice not in out:
            out.append(nice)
    return out


def _ladder(df: pd.DataFrame, col: Hashable, spec) -> list[tuple[str, Callable[[pd.Series], pd.Series]]]:
    """Generalisation steps for one column: (description, function of the original column)."""
    s = df[col]
    steps: list[tuple[str, Callable]] = []
    numeric = pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
    if spec is None:
        if numeric:
            spec = _nice_widths(s)
        elif any(w in str(col).lower() for w in _POSTCODE_WORDS):
            longest = int(s.dropna().astype("str").str.replace(r"\s+", "", regex=True).str.len().max() or 0)
            spec = list(range(longest - 1, 0, -1))
        else:
            spec = []
        spec = [*spec, SUPPRESSED]
    for step in spec:
        if callable(step):
            steps.append((getattr(step, "__name__", "custom step"), step))
        elif step == SUPPRESSED:
            steps.append(("removed", lambda x: pd.Series(SUPPRESSED, index=x.index, dtype="str")))
        elif numeric:
            steps.append((f"bands of {step:g}", lambda x, w=step: age_bands(x, width=w)))
        else:
            steps.append((f"prefix of {int(step)}", lambda x, n=int(step): postcode_prefix(x, n)))
    return steps


@dataclass(frozen=True, repr=False)
class GeneralisationResult:
    """What :func:`generalise_to_k` did.

    Attributes
    ----------
    data : pandas.DataFrame
        A copy of the input with the quasi-identifiers generalised (as text).
    steps : pandas.DataFrame
        ``step``, ``column``, ``action``, ``k`` and ``rows_at_risk`` after each step.
    anonymity : KAnonymityResult
        k-anonymity of ``data``.
    rows_suppressed : int
        Rows whose quasi-identifiers were all replaced by ``"*"`` (local suppression).
    """

    data: pd.DataFrame
    steps: pd.DataFrame
    anonymity: KAnonymityResult
    rows_suppressed: int

    @property
    def k(self) -> int:
        """The k reached."""
        return self.anonymity.k

    def to_frame(self) -> pd.DataFrame:
        """The steps taken."""
        return self.steps.copy()

    def __repr__(self) -> str:
        return (
            f"GeneralisationResult(k={self.k}, {len(self.steps) - 1} steps, "
            f"{self.rows_suppressed:,} rows suppressed)"
        )

    def _repr_html_(self) -> str:
        from .._tables import format_table

        return f"<p><b>{self!r}</b></p>" + format_table(self.steps, max_rows=None).html


def generalise_to_k(
    df: pd.DataFrame,
    quasi_identifiers,
    *,
    k: int = 5,
    ladders: Mapping[Hashable, Sequence] | None = None,
    max_suppressed: float = 0.01,
) -> GeneralisationResult:
    """Coarsen quasi-identifiers step by step until every group has at least ``k`` rows.

    Each column has a ladder of ever coarser versions: numeric columns (age,
    income) go to bands of growing "nice" widths (ages: 5, 10, 20, 50 years),
    postcode columns (named like postcode, zip, postal) to ever shorter
    prefixes, and every column finally to ``"*"`` (removed). At each step the
    column whose next rung makes the most rows safe per bit of information
    given up (the drop in that column's entropy) is coarsened. When the rows still at risk are at
    most ``max_suppressed`` of all rows, they are suppressed instead (all their
    quasi-identifiers set to ``"*"``), which saves coarsening everyone for a
    few outliers; this is reported with a
    :class:`~microseg.errors.DataQualityWarning`.

    Parameters
    ----------
    df : pandas.DataFrame
    quasi_identifiers : list of column names
    k : int
        Target group size.
    ladders : mapping column -> sequence, optional
        Custom ladders: band widths (numeric columns), prefix lengths (text
        columns), callables (Series -> Series, applied to the original
        column) and ``"*"``; a ladder that does not end in ``"*"`` can leave the
        target unreached.
    max_suppressed : float
        Largest share of rows that may be suppressed rather than generalised.

    Returns
    -------
    GeneralisationResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"age": [31, 33, 35, 38, 52, 55], "zip": ["10115", "10117", "10119", "10178", "20095", "20099"]})
    >>> res = generalise_to_k(df, ["age", "zip"], k=2, max_suppressed=0)
    >>> res.k >= 2
    True
    >>> res.data[["age", "zip"]].drop_duplicates().to_dict("records")
    [{'age': '20–39', 'zip': '101'}, {'age': '40–59', 'zip': '200'}]
    """
    qi = _check_qi(df, quasi_identifiers)
    check_finite(df, qi, name="data")
    k = _check_k(k)
    if not 0 <= max_suppressed < 1:
        raise MicrosegError(f"max_suppressed must be a share in [0, 1), got {max_suppressed!r}.")
    ladders = dict(ladders or {})
    unknown = [c for c in ladders if c not in qi]
    if unknown:
        raise MicrosegError(f"ladders names columns {unknown} that are not quasi-identifiers {qi}.")
    rungs = {c: _ladder(df, c, ladders.get(c)) for c in qi}
    level = dict.fromkeys(qi, 0)
    current = df[qi].copy()

    def at_risk(frame):
        sizes = _group_sizes(frame)
        return int((sizes < k).sum()), int(sizes.min())

    n = len(df)
    risk, kmin = at_risk(current)
    steps = [{"step": 0, "column": None, "action": "original", "k": kmin, "rows_at_risk": risk}]
    suppressed = 0
    while risk:
        if risk <= max_suppressed * n:
            sizes = _group_sizes(current)
            small = sizes < k
            current = current.astype("object")
            current.loc[small, :] = SUPPRESSED
            suppressed = int(small.sum())
            risk, kmin = at_risk(current)
            steps.append({"step": len(steps), "column": None, "action": f"suppressed {suppressed} rows",
                          "k": kmin, "rows_at_risk": risk})
            break
        best = None
        for c in qi:
            if level[c] >= len(rungs[c]):
                continue
            trial = current.copy()
            trial[c] = rungs[c][level[c]][1](df[c]).to_numpy()
            r, km = at_risk(trial)
            # rows made safe per bit of information given up (entropy lost by that column)
            lost = max(_entropy(current[c]) - _entropy(trial[c]), 1e-9)
            key = (-(risk - r) / lost, r, level[c] / len(rungs[c]))
            if best is None or key < best[0]:
                best = (key, c, trial, km, r)
        if best is None:  # every ladder used up
            break
        _, c, current, kmin, risk = best
        steps.append({"step": len(steps), "column": c, "action": rungs[c][level[c]][0], "k": kmin,
                      "rows_at_risk": risk})
        level[c] += 1
    data = df.copy()
    for c in qi:
        if level[c] or suppressed:
            data[c] = current[c].astype("str").where(current[c].notna())
    if suppressed:
        report_rows(data, {"quasi-identifiers suppressed (set to '*')": suppressed}, what="rows")
    return GeneralisationResult(
        data=data,
        steps=pd.DataFrame(steps, columns=["step", "column", "action", "k", "rows_at_risk"]),
        anonymity=k_anonymity(data, qi, k=k),
        rows_suppressed=suppressed,
    )
