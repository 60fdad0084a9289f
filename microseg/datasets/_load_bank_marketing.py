"""Reader for the UCI Bank Marketing telemarketing contacts: ``load_bank_marketing``."""

from __future__ import annotations

import os

import pandas as pd

from ..errors import MicrosegError
from ._load_common import _MONTHS, _categorical, _data_file, _finish, _positional_ids, _rename, _yes_no

__all__ = ["load_bank_marketing"]


_BANK_FILES = {"full": "bank-full.csv.gz", "additional": "bank-additional-full.csv.gz"}
_BANK_UNKNOWN = ("job", "marital", "education", "default", "housing", "loan", "contact", "poutcome")
_BANK_EDUCATION = {
    "full": ["primary", "secondary", "tertiary"],
    "additional": [
        "illiterate",
        "basic.4y",
        "basic.6y",
        "basic.9y",
        "high.school",
        "professional.course",
        "university.degree",
    ],
}


def load_bank_marketing(path: str | os.PathLike | None = None, *, version: str = "full") -> pd.DataFrame:
    """Load the UCI Bank Marketing telemarketing contacts (Moro, Cortez & Rita 2014).

    A Portuguese bank called clients to sell term deposits, May 2008 to
    November 2010. ``version="full"`` reads ``bank-full.csv.gz`` (45,211
    contacts, 5,289 subscribed); ``version="additional"`` reads
    ``bank-additional-full.csv.gz`` (41,188 contacts, 4,640 subscribed), which
    drops ``balance`` and ``day`` and adds ``day_of_week`` and five
    social and economic indicators.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding the file, or the file itself (default: the
        ``MICROSEG_DATA`` environment variable).
    version : {"full", "additional"}, default "full"
        Which file to read.

    Returns
    -------
    pandas.DataFrame
        One row per contact, in file order (by date). ``customer_id`` (str,
        zero-padded row number) comes first: the source has no client ids,
        and one person can appear in several contacts, so treat it as a
        contact id. Then the source columns in snake_case (``emp.var.rate`` →
        ``emp_var_rate``): ``age``, ``job``, ``marital``, ``education``
        (ordered), ``contact``, ``month`` (ordered jan…dec), ``day_of_week``
        (ordered mon…fri) and ``poutcome`` as categories; ``default``,
        ``housing`` and ``loan`` as nullable booleans ("yes" → True);
        ``pdays`` as nullable Int64; and ``subscribed`` (bool, from ``y``).

    Notes
    -----
    How the documented quirks are handled:

    - ``"unknown"`` is the source's missing-value marker in ``job``,
      ``marital``, ``education``, ``default``, ``housing``, ``loan``,
      ``contact`` and ``poutcome``; it becomes a missing value there.
      ``poutcome == "nonexistent"`` (additional file: no earlier campaign) is
      a real category and kept.
    - ``pdays`` uses ``-1`` (full) or ``999`` (additional) for "not contacted
      before"; these sentinels become missing, so the column is a true number
      of days. (In the additional file 4,110 contacts have ``pdays == 999``
      but ``previous > 0``; ``previous`` is left as in the source.)
    - ``duration`` (call length in seconds) is known only after the call, so it
      leaks the outcome. It is kept for description but listed in
      ``attrs["microseg_leaks"]``; leave it out of propensity and lookalike
      features.
    - The 12 exact duplicate rows of the additional file are kept.

    Examples
    --------
    >>> import microseg as ms
    >>> bank = ms.datasets.load_bank_marketing("/path/to/data")  # doctest: +SKIP
    >>> features = bank.drop(columns=bank.attrs["microseg_leaks"])  # doctest: +SKIP
    >>> int(bank["subscribed"].sum())  # doctest: +SKIP
    5289
    """
    if version not in _BANK_FILES:
        raise MicrosegError(f"version must be 'full' or 'additional', got {version!r}.")
    file = _data_file(path, _BANK_FILES[version])
    raw = pd.read_csv(file, engine="pyarrow", sep=";")
    df, columns = _rename(raw)
    for col in _BANK_UNKNOWN:
        df[col] = df[col].mask(df[col] == "unknown")
    for col in ("default", "housing", "loan"):
        df[col] = _yes_no(df[col], nullable=True)
    df["education"] = _categorical(df["education"], _BANK_EDUCATION[version], ordered=True)
    for col in ("job", "marital", "contact", "poutcome"):
        df[col] = _categorical(df[col])
    df["month"] = _categorical(df["month"], _MONTHS, ordered=True)
    if "day_of_week" in df:
        df["day_of_week"] = _categorical(df["day_of_week"], ("mon", "tue", "wed", "thu", "fri"), ordered=True)
    sentinel = -1 if version == "full" else 999
    df["pdays"] = df["pdays"].astype("Int64").mask(df["pdays"] == sentinel)
    df["y"] = _yes_no(df["y"])
    df = df.rename(columns={"y": "subscribed"})
    columns["subscribed"] = columns.pop("y")
    df.insert(0, "customer_id", _positional_ids(len(df)))
    columns = {"customer_id": "(row number)", **columns}
    return _finish(df, source=file.name, columns=columns, leaks=["duration"])

