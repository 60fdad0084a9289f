"""Readers for the CDNOW purchases and their BG/NBD summary: ``load_cdnow``, ``load_cdnow_summary``."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from ._load_common import _data_file, _finish

__all__ = ["load_cdnow", "load_cdnow_summary"]


def load_cdnow(path: str | os.PathLike | None = None, *, summary: bool = False) -> pd.DataFrame:
    """Load the CDNOW purchases (Fader, Hardie & Lee 2005), 1997-01 to 1998-06.

    The master file ``cdnow_master.csv.gz`` holds 69,659 purchases by the
    23,570 customers who first bought at CDNOW in the first quarter of 1997.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding the file, or the file itself (default: the
        ``MICROSEG_DATA`` environment variable).
    summary : bool, default False
        If True, return the frequency/recency/T summary of the 1/10 sample
        instead (see :func:`load_cdnow_summary`).

    Returns
    -------
    pandas.DataFrame
        One row per purchase, in file order (by customer, then date):

        - ``customer_id`` (str): zero-padded, ``"00001"`` to ``"23570"``.
        - ``order_id`` (str): the row number, ``"1"`` to ``"69659"``; the
          source has no order numbers and each row is one purchase.
        - ``timestamp`` (datetime64): the purchase date (no time of day),
          parsed from ``YYYYMMDD``.
        - ``amount`` (float): the value in USD; 80 purchases are worth 0 and
          kept as in the source.
        - ``n_cds`` (int): number of CDs bought.

    Notes
    -----
    A customer can have several rows on the same day; they are kept. For
    BG/NBD and other buy-till-you-die models, aggregate them by day first.

    Examples
    --------
    >>> import microseg as ms
    >>> cd = ms.datasets.load_cdnow("/path/to/data")  # doctest: +SKIP
    >>> cd["customer_id"].nunique()  # doctest: +SKIP
    23570
    """
    if summary:
        return load_cdnow_summary(path)
    file = _data_file(path, "cdnow_master.csv.gz")
    raw = pd.read_csv(
        file,
        engine="pyarrow",
        dtype={"customer_id": "str", "date": "str", "number_of_cds": "int64", "dollar_value": "float64"},
    )
    df = pd.DataFrame(
        {
            "customer_id": raw["customer_id"],
            "order_id": pd.Series(np.arange(1, len(raw) + 1).astype(str), dtype="str"),
            "timestamp": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["dollar_value"],
            "n_cds": raw["number_of_cds"],
        }
    )
    columns = {
        "customer_id": "customer_id",
        "order_id": "(row number)",
        "timestamp": "date",
        "amount": "dollar_value",
        "n_cds": "number_of_cds",
    }
    return _finish(df, source=file.name, columns=columns)


def load_cdnow_summary(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the CDNOW 1/10 sample summarised as frequency, recency and T (BG/NBD input).

    ``cdnow_customers_summary.csv`` covers 2,357 customers over a 39-week
    calibration period. For it, Fader, Hardie & Lee (2005) report BG/NBD
    parameters r ≈ 0.243, α ≈ 4.41, a ≈ 0.793 and b ≈ 2.43.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding the file, or the file itself (default: the
        ``MICROSEG_DATA`` environment variable).

    Returns
    -------
    pandas.DataFrame
        One row per customer:

        - ``customer_id`` (str): ``"1"`` to ``"2357"``, the sample's own
          numbering; it does not match the ids of :func:`load_cdnow`.
        - ``frequency`` (int): number of repeat purchases.
        - ``recency`` (float): weeks from the first to the last purchase.
        - ``T`` (float): weeks from the first purchase to the end of the
          calibration period (about 38.86). The capital letter is kept, as in
          the BG/NBD literature and its software.

    Examples
    --------
    >>> import microseg as ms
    >>> s = ms.datasets.load_cdnow_summary("/path/to/data")  # doctest: +SKIP
    >>> s.shape  # doctest: +SKIP
    (2357, 4)
    """
    file = _data_file(path, "cdnow_customers_summary.csv")
    raw = pd.read_csv(
        file,
        engine="pyarrow",
        dtype={"ID": "str", "frequency": "int64", "recency": "float64", "T": "float64"},
    )
    df = raw.rename(columns={"ID": "customer_id"})
    columns = {"customer_id": "ID", "frequency": "frequency", "recency": "recency", "T": "T"}
    return _finish(df, source=file.name, columns=columns)

