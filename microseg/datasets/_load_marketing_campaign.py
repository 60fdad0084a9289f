"""Reader for the "Customer Personality Analysis" table (iFood CRM case): ``load_marketing_campaign``."""

from __future__ import annotations

import os

import pandas as pd

from ..errors import MicrosegError
from ._load_common import _categorical, _data_file, _finish, _rename

__all__ = ["load_marketing_campaign"]


_MOCK_NOTE = (
    "mock data: the iFood 'CRM Data Analyst Case' describes this table as a sample dataset that "
    "'mocks' customer data; do not use it as evidence that a method works on real customers."
)


def load_marketing_campaign(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the "Customer Personality Analysis" table (iFood CRM case): 2,240 customers.

    **Mock data.** The originating case study calls this a sample dataset that
    "mocks" customer data; treat it as realistic but semi-synthetic. The note
    is also in ``attrs["microseg_note"]``.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding ``marketing_campaign.csv``, or the file itself
        (default: the ``MICROSEG_DATA`` environment variable).

    Returns
    -------
    pandas.DataFrame
        One row per customer:

        - ``customer_id`` (str): from ``ID``.
        - ``birth_year`` (int), ``education`` and ``marital_status``
          (category), ``income`` (float, yearly household income; missing for
          24), ``kidhome`` and ``teenhome`` (int, children in the household).
        - ``customer_since`` (datetime64): enrolment date, from
          ``Dt_Customer`` read as day-month-year.
        - ``recency`` (int): days since the last purchase.
        - ``mnt_wines``, ``mnt_fruits``, ``mnt_meat_products``,
          ``mnt_fish_products``, ``mnt_sweet_products``, ``mnt_gold_prods``
          (int): amounts spent in the last two years.
        - ``num_deals_purchases``, ``num_web_purchases``,
          ``num_catalog_purchases``, ``num_store_purchases``,
          ``num_web_visits_month`` (int).
        - ``accepted_cmp3``, ``accepted_cmp4``, ``accepted_cmp5``,
          ``accepted_cmp1``, ``accepted_cmp2`` (bool): accepted the offer of
          campaign k (source column order).
        - ``complain`` (bool): complained in the last two years.
        - ``response`` (bool): accepted the pilot (sixth) campaign; 334
          customers (14.9 %). Use it as a lookalike seed.

    Notes
    -----
    How the documented quirks are handled:

    - The constant columns ``Z_CostContact`` (3) and ``Z_Revenue`` (11), the
      case's cost per contact and revenue per accepted offer in monetary
      units, are dropped; their values are in ``attrs["microseg_constants"]``.
    - Implausible values are kept as in the source: an income of 666,666,
      birth years 1893, 1899 and 1900, and the marital statuses ``Alone``
      (3), ``Absurd`` (2) and ``YOLO`` (2). Clean them deliberately if needed.
    - ``education`` is not ordered: ``2n Cycle`` (a second-cycle degree) and
      ``Master`` are at about the same level.

    Examples
    --------
    >>> import microseg as ms
    >>> mc = ms.datasets.load_marketing_campaign("/path/to/data")  # doctest: +SKIP
    >>> int(mc["response"].sum())  # doctest: +SKIP
    334
    """
    file = _data_file(path, "marketing_campaign.csv")
    raw = pd.read_csv(file, engine="pyarrow", sep="\t", dtype={"ID": "str", "Income": "float64"})
    constants = {"z_cost_contact": int(raw["Z_CostContact"].iloc[0]), "z_revenue": int(raw["Z_Revenue"].iloc[0])}
    for col in ("Z_CostContact", "Z_Revenue"):
        if raw[col].nunique() != 1:  # pragma: no cover - guards a changed file
            raise MicrosegError(f"column {col!r} of {file.name} was expected to be constant.")
    raw = raw.drop(columns=["Z_CostContact", "Z_Revenue"])
    df, columns = _rename(raw, {"ID": "customer_id", "Year_Birth": "birth_year", "Dt_Customer": "customer_since"})
    df["customer_since"] = pd.to_datetime(df["customer_since"], format="%d-%m-%Y")
    df["education"] = _categorical(df["education"], ["Basic", "2n Cycle", "Graduation", "Master", "PhD"])
    df["marital_status"] = _categorical(df["marital_status"])
    for col in ("accepted_cmp3", "accepted_cmp4", "accepted_cmp5", "accepted_cmp1", "accepted_cmp2", "complain", "response"):
        df[col] = df[col].astype(bool)
    return _finish(df, source=file.name, columns=columns, note=_MOCK_NOTE, constants=constants)

