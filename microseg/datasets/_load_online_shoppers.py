"""Reader for the UCI Online Shoppers Purchasing Intention sessions: ``load_online_shoppers``."""

from __future__ import annotations

import os

import pandas as pd

from ..errors import MicrosegError
from ._load_common import _MONTHS, _categorical, _data_file, _finish, _positional_ids, _rename

__all__ = ["load_online_shoppers"]


_SHOPPERS_MONTHS = [m.capitalize() for m in _MONTHS]


def load_online_shoppers(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the UCI Online Shoppers Purchasing Intention sessions: 12,330 sessions over a year.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding ``online_shoppers_intention.csv.gz``, or the file
        itself (default: the ``MICROSEG_DATA`` environment variable).

    Returns
    -------
    pandas.DataFrame
        One row per session (each from a different user):

        - ``customer_id`` (str): zero-padded row number (the source has no
          ids; each session is a different user, so it also identifies the
          session).
        - ``administrative``, ``informational``, ``product_related`` (int):
          pages of each kind visited, and ``administrative_duration``,
          ``informational_duration``, ``product_related_duration`` (float):
          seconds spent on them.
        - ``bounce_rates``, ``exit_rates``, ``page_values``, ``special_day``
          (float): Google Analytics metrics.
        - ``month`` (ordered category, ``Jan`` … ``Dec``).
        - ``operating_systems``, ``browser``, ``region``, ``traffic_type``
          (category of integer codes; the source gives no labels).
        - ``visitor_type`` (category): ``Returning_Visitor``,
          ``New_Visitor`` or ``Other``.
        - ``weekend`` (bool), ``revenue`` (bool: the session ended in a
          purchase; 1,908 sessions).

    Notes
    -----
    The source writes June as ``June`` and the other months as three
    letters; ``June`` becomes ``Jun``. There are no January or April
    sessions; those months are empty categories. The 125 exact duplicate rows
    are kept.

    Examples
    --------
    >>> import microseg as ms
    >>> s = ms.datasets.load_online_shoppers("/path/to/data")  # doctest: +SKIP
    >>> s.groupby("month", observed=True)["revenue"].mean()  # doctest: +SKIP
    """
    file = _data_file(path, "online_shoppers_intention.csv.gz")
    raw = pd.read_csv(file, engine="pyarrow", dtype={"Month": "str", "Weekend": "bool", "Revenue": "bool"})
    df, columns = _rename(raw)
    month = df["month"].replace({"June": "Jun"})
    df["month"] = _categorical(month, _SHOPPERS_MONTHS, ordered=True)
    if df["month"].isna().any():  # pragma: no cover - guards a changed file
        raise MicrosegError(f"column 'Month' of {file.name} has values that are not month names.")
    for col in ("operating_systems", "browser", "region", "traffic_type"):
        df[col] = _categorical(df[col])
    df["visitor_type"] = _categorical(df["visitor_type"], ["Returning_Visitor", "New_Visitor", "Other"])
    df.insert(0, "customer_id", _positional_ids(len(df)))
    return _finish(df, source=file.name, columns={"customer_id": "(row number)", **columns})

