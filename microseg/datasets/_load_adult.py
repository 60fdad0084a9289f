"""Reader for the UCI Adult (Census Income) training data: ``load_adult``."""

from __future__ import annotations

import os

import pandas as pd

from ..errors import MicrosegError
from ._load_common import _categorical, _data_file, _finish, _positional_ids, _rename

__all__ = ["load_adult"]


_ADULT_EDUCATION = [
    "Preschool",
    "1st-4th",
    "5th-6th",
    "7th-8th",
    "9th",
    "10th",
    "11th",
    "12th",
    "HS-grad",
    "Some-college",
    "Assoc-voc",
    "Assoc-acdm",
    "Bachelors",
    "Masters",
    "Prof-school",
    "Doctorate",
]  # the order of the source's education-num (1–16)


def load_adult(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the UCI Adult (Census Income) training data: 32,561 people, US Census 1994.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding ``adult.csv.gz``, or the file itself (default: the
        ``MICROSEG_DATA`` environment variable).

    Returns
    -------
    pandas.DataFrame
        One row per person:

        - ``customer_id`` (str): zero-padded row number (the source has no ids).
        - ``age``, ``fnlwgt`` (census sampling weight), ``education_num``,
          ``capital_gain``, ``capital_loss``, ``hours_per_week`` (int).
        - ``education`` (ordered category, in the order of ``education_num``).
        - ``workclass``, ``marital_status``, ``occupation``, ``relationship``,
          ``race``, ``sex``, ``native_country`` (category).
        - ``high_income`` (bool): income above $50K (7,841 people), from
          ``income``.

    Notes
    -----
    The source marks missing values with ``?``: 1,836 in ``workclass``,
    1,843 in ``occupation`` and 583 in ``native_country``. They become
    missing values. Column names are snake_case (``education-num`` →
    ``education_num``).

    Examples
    --------
    >>> import microseg as ms
    >>> adult = ms.datasets.load_adult("/path/to/data")  # doctest: +SKIP
    >>> round(adult["high_income"].mean(), 3)  # doctest: +SKIP
    0.241
    """
    file = _data_file(path, "adult.csv.gz")
    raw = pd.read_csv(file, engine="pyarrow")
    df, columns = _rename(raw)
    for col in ("workclass", "marital_status", "occupation", "relationship", "race", "sex", "native_country"):
        df[col] = _categorical(df[col].mask(df[col] == "?"))  # "?" is the source's missing-value marker
    df["education"] = _categorical(df["education"], _ADULT_EDUCATION, ordered=True)
    income = df.pop("income")
    if not income.isin(["<=50K", ">50K"]).all():  # pragma: no cover - guards a changed file
        raise MicrosegError(f"column 'income' of {file.name} has values other than '<=50K' and '>50K'.")
    df["high_income"] = (income == ">50K").to_numpy()
    columns.pop("income")
    columns["high_income"] = "income == '>50K'"
    df.insert(0, "customer_id", _positional_ids(len(df)))
    return _finish(df, source=file.name, columns={"customer_id": "(row number)", **columns})

