"""Reader for the Hillstrom / MineThatData e-mail experiment (2008): ``load_hillstrom``."""

from __future__ import annotations

import os

import pandas as pd

from ._load_common import _categorical, _data_file, _finish, _positional_ids

__all__ = ["load_hillstrom"]


_HILLSTROM_HISTORY = [
    "1) $0 - $100",
    "2) $100 - $200",
    "3) $200 - $350",
    "4) $350 - $500",
    "5) $500 - $750",
    "6) $750 - $1,000",
    "7) $1,000 +",
]


def load_hillstrom(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the Hillstrom / MineThatData e-mail experiment (2008): 64,000 customers.

    Customers who bought in the last twelve months were randomly sent a men's
    merchandise e-mail, a women's merchandise e-mail, or no e-mail (about a
    third each); visits, conversions and spend were tracked for two weeks.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding ``hillstrom.csv.gz``, or the file itself (default: the
        ``MICROSEG_DATA`` environment variable).

    Returns
    -------
    pandas.DataFrame
        One row per customer:

        - ``customer_id`` (str): zero-padded row number (the source has no ids).
        - ``recency`` (int): months since the last purchase.
        - ``history_segment`` (ordered category): binned spend of the past
          year, ``1) $0 - $100`` … ``7) $1,000 +``; ``history`` (float): that
          spend in dollars.
        - ``mens``, ``womens`` (bool): bought men's / women's merchandise in
          the past year. ``newbie`` (bool): new customer in the past year.
        - ``zip_code`` (category): ``Urban``, ``Suburban`` or ``Rural``.
        - ``channel`` (category): ``Phone``, ``Web`` or ``Multichannel``.
        - ``segment`` (category): the random arm, ``Mens E-Mail``,
          ``Womens E-Mail`` or ``No E-Mail``.
        - ``treatment`` (bool): an e-mail was sent (``segment`` is not
          ``No E-Mail``); the control group is ``~treatment``.
        - ``visit``, ``conversion`` (bool) and ``spend`` (float, dollars):
          outcomes in the two weeks after the send.

    Notes
    -----
    The source misspells the suburban zip-code class as ``Surburban``; it is
    renamed ``Suburban`` (28,776 customers). Nothing else is changed.

    Examples
    --------
    >>> import microseg as ms
    >>> hs = ms.datasets.load_hillstrom("/path/to/data")  # doctest: +SKIP
    >>> hs.groupby("segment", observed=True)["conversion"].mean()  # doctest: +SKIP
    """
    file = _data_file(path, "hillstrom.csv.gz")
    flags = ("mens", "womens", "newbie", "visit", "conversion")
    raw = pd.read_csv(
        file,
        engine="pyarrow",
        dtype={
            "recency": "int64",
            "history_segment": "str",
            "history": "float64",
            "zip_code": "str",
            "channel": "str",
            "segment": "str",
            "spend": "float64",
            **dict.fromkeys(flags, "int64"),
        },
    )
    df = raw.copy()
    for col in flags:
        df[col] = df[col].astype(bool)
    df["history_segment"] = _categorical(df["history_segment"], _HILLSTROM_HISTORY, ordered=True)
    df["zip_code"] = _categorical(df["zip_code"].replace({"Surburban": "Suburban"}), ["Urban", "Suburban", "Rural"])
    df["channel"] = _categorical(df["channel"], ["Phone", "Web", "Multichannel"])
    df["segment"] = _categorical(df["segment"], ["Mens E-Mail", "Womens E-Mail", "No E-Mail"])
    df.insert(df.columns.get_loc("segment") + 1, "treatment", (df["segment"] != "No E-Mail").to_numpy())
    df.insert(0, "customer_id", _positional_ids(len(df)))
    columns = {c: c for c in df.columns}
    columns.update({"customer_id": "(row number)", "treatment": "segment != 'No E-Mail'"})
    return _finish(df, source=file.name, columns=columns)

