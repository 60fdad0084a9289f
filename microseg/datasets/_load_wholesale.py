"""Reader for the UCI Wholesale customers: ``load_wholesale``."""

from __future__ import annotations

import os

import pandas as pd

from ..errors import MicrosegError
from ._load_common import _categorical, _data_file, _finish, _positional_ids, _rename

__all__ = ["load_wholesale"]


def load_wholesale(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the UCI Wholesale customers: annual spend of 440 clients of a Portuguese distributor.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding ``wholesale_customers.csv``, or the file itself
        (default: the ``MICROSEG_DATA`` environment variable).

    Returns
    -------
    pandas.DataFrame
        One row per client:

        - ``customer_id`` (str): zero-padded row number (the source has no ids).
        - ``channel`` (category): ``Horeca`` (hotel, restaurant, café; 298) or
          ``Retail`` (142), decoded from 1/2.
        - ``region`` (category): ``Lisbon`` (77), ``Oporto`` (47) or
          ``Other`` (316), decoded from 1/2/3.
        - ``fresh``, ``milk``, ``grocery``, ``frozen``, ``detergents_paper``,
          ``delicatessen`` (int): annual spend in monetary units. The source
          spells the last one ``Delicassen``.

    Examples
    --------
    >>> import microseg as ms
    >>> ws = ms.datasets.load_wholesale("/path/to/data")  # doctest: +SKIP
    >>> ws["channel"].value_counts()["Horeca"]  # doctest: +SKIP
    298
    """
    file = _data_file(path, "wholesale_customers.csv")
    raw = pd.read_csv(file, engine="pyarrow")
    df, columns = _rename(raw, {"Delicassen": "delicatessen"})
    df["channel"] = _categorical(df["channel"].map({1: "Horeca", 2: "Retail"}), ["Horeca", "Retail"])
    df["region"] = _categorical(df["region"].map({1: "Lisbon", 2: "Oporto", 3: "Other"}), ["Lisbon", "Oporto", "Other"])
    if df[["channel", "region"]].isna().any().any():  # pragma: no cover - guards a changed file
        raise MicrosegError(f"{file.name} has channel or region codes outside 1/2 and 1/2/3.")
    df.insert(0, "customer_id", _positional_ids(len(df)))
    return _finish(df, source=file.name, columns={"customer_id": "(row number)", **columns})

