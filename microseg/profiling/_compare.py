"""Two groups compared with the profile statistics: :func:`compare`."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
import pandas as pd

from .._validation import check_alpha, check_frame, condition_mask
from ..errors import MicrosegError
from ..privacy._small_cells import check_min_cell
from ._profile import build_profile
from ._segment_profile import SegmentProfile

__all__ = ["compare"]


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
    return build_profile(
        sub, lab, columns=columns, exclude=exclude, weights=w, min_cell=min_cell, alpha=alpha, max_levels=50,
        notes=notes, keep_source=False,
    )  # fmt: skip
