"""Reader for the "Mall Customer Segmentation" teaching table: ``load_mall_customers``."""

from __future__ import annotations

import os

import pandas as pd

from ._load_common import _categorical, _data_file, _finish, _rename

__all__ = ["load_mall_customers"]


_MALL_NOTE = (
    "teaching data of undocumented origin, probably constructed; "
    "do not use it as evidence that a method works on real customers."
)


def load_mall_customers(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the "Mall Customer Segmentation" teaching table: 200 customers.

    **Probably constructed.** The data have no documented origin; use them
    for teaching and smoke tests only. The note is also in
    ``attrs["microseg_note"]``.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding ``Mall_Customers.csv``, or the file itself (default:
        the ``MICROSEG_DATA`` environment variable).

    Returns
    -------
    pandas.DataFrame
        One row per customer:

        - ``customer_id`` (str): zero-padded as in the source, ``"0001"`` to
          ``"0200"``.
        - ``gender`` (category): ``Female`` (112) or ``Male`` (88); the
          source calls the column ``Genre``.
        - ``age`` (int).
        - ``annual_income_k`` (int): yearly income in thousands of dollars,
          from ``Annual Income (k$)``.
        - ``spending_score`` (int, 1–100): a score assigned by the mall from
          behaviour and purchases, from ``Spending Score (1-100)``.

    Examples
    --------
    >>> import microseg as ms
    >>> mall = ms.datasets.load_mall_customers("/path/to/data")  # doctest: +SKIP
    >>> mall.shape  # doctest: +SKIP
    (200, 5)
    """
    file = _data_file(path, "Mall_Customers.csv")
    raw = pd.read_csv(file, engine="pyarrow", dtype={"CustomerID": "str"})
    df, columns = _rename(
        raw,
        {
            "CustomerID": "customer_id",
            "Genre": "gender",
            "Annual Income (k$)": "annual_income_k",
            "Spending Score (1-100)": "spending_score",
        },
    )
    df["gender"] = _categorical(df["gender"], ["Female", "Male"])
    return _finish(df, source=file.name, columns=columns, note=_MALL_NOTE)

