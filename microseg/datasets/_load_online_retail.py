"""Reader for the UCI Online Retail II transactions (2009-2011): ``load_online_retail``."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import MicrosegError
from ._load_common import _categorical, _data_file, _finish

__all__ = ["load_online_retail"]


_RETAIL_FILES = {
    "2009-2010": ("online_retail_ii_2009_2010.csv.gz", "Invoice", "Price", "Customer ID"),
    "2010-2011": ("online_retail.csv.gz", "InvoiceNo", "UnitPrice", "CustomerID"),
}
_RETAIL_OVERLAP_START = pd.Timestamp("2010-12-01")
_PRODUCT_CODE = r"^\d{5}"


def _read_retail(file: Path, invoice: str, price: str, customer: str) -> pd.DataFrame:
    raw = pd.read_csv(
        file,
        engine="pyarrow",
        dtype={
            invoice: "str",
            "StockCode": "str",
            "Description": "str",
            "Quantity": "int64",
            "InvoiceDate": "str",
            price: "float64",
            customer: "str",
            "Country": "str",
        },
    )
    order = raw[invoice]
    quantity = raw["Quantity"]
    unit_price = raw[price]
    return pd.DataFrame(
        {
            "customer_id": raw[customer],
            "order_id": order,
            "timestamp": pd.to_datetime(raw["InvoiceDate"], format="%Y-%m-%d %H:%M:%S"),
            "amount": quantity * unit_price,
            "quantity": quantity,
            "unit_price": unit_price,
            "product_id": raw["StockCode"],
            "description": raw["Description"].str.rstrip(),
            "country": raw["Country"],
            "is_cancellation": order.str.startswith("C"),
            "is_product": raw["StockCode"].str.contains(_PRODUCT_CODE),
        }
    )


def load_online_retail(
    path: str | os.PathLike | None = None,
    *,
    years: str | Iterable[str] = ("2009-2010", "2010-2011"),
) -> pd.DataFrame:
    """Load the UCI Online Retail invoice lines (a UK online gift retailer), 2009-12 to 2011-12.

    Two files cover two years: ``online_retail_ii_2009_2010.csv.gz`` (Online
    Retail II, sheet "Year 2009-2010", 525,461 lines) and
    ``online_retail.csv.gz`` (UCI Online Retail, 2010-12-01 to 2011-12-09,
    541,909 lines, 4,372 customers). They use different column names; both are
    renamed to the one schema below.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding the files (default: the ``MICROSEG_DATA`` environment
        variable). When a single year is asked for, the file itself may be given.
    years : str or iterable of str, default ("2009-2010", "2010-2011")
        Which years to load: ``"2009-2010"``, ``"2010-2011"``, or both.

    Returns
    -------
    pandas.DataFrame
        One row per invoice line, in file order:

        - ``customer_id`` (str): the customer number, missing (NaN) on lines
          without a customer (about 25 % of them).
        - ``order_id`` (str): the invoice number, 6 digits; a leading ``C``
          marks a cancellation, a leading ``A`` an "Adjust bad debt" entry.
        - ``timestamp`` (datetime64): invoice date and time.
        - ``amount`` (float): ``quantity * unit_price`` in GBP; negative for
          cancellations and write-offs.
        - ``quantity`` (int), ``unit_price`` (float, GBP per unit).
        - ``product_id`` (str): the stock code, as in the source (some carry
          lower-case letter suffixes).
        - ``description`` (str): product name, trailing spaces removed.
        - ``country`` (category).
        - ``is_cancellation`` (bool): the invoice number starts with ``C``.
        - ``is_product`` (bool): False for stock codes that are not products,
          i.e. that do not start with five digits: postage (``POST``, ``DOT``,
          ``C2``), manual entries (``M``, ``m``), discounts (``D``), samples
          (``S``), fees (``BANK CHARGES``, ``AMAZONFEE``), charity (``CRUK``),
          ``PADS``, gift vouchers (``gift_0001_*``), the separately sold
          ``DCGS…`` and ``SP1002`` lines, adjustments (``ADJUST``, ``ADJUST2``,
          ``B`` "Adjust bad debt"), tests (``TEST001``, ``TEST002``) and a
          few rare others (``C3``, ``GIFT``).

    Notes
    -----
    How the documented quirks are handled:

    - **Overlap.** Both files hold the 22,523 lines (1,088 invoices) dated
      2010-12-01 to 2010-12-09, identically. When both years are loaded these
      lines are taken from ``online_retail.csv.gz`` only and the copies in the
      2009-2010 file are dropped. No information is lost, so no warning is
      raised; the count is in ``attrs["microseg_rows"]``.
    - **Missing customers.** Lines without a customer id are *kept*, with a
      missing ``customer_id``, because they still count in sales totals; their
      number is in ``attrs["microseg_missing"]["customer_id"]`` (135,080 in
      the 2010-2011 file). Customer-level functions such as ``ms.rfm`` drop
      them and say so.
    - **Cancellations** (9,288 lines in 2010-2011, 10,206 in 2009-2010) are
      flagged in ``is_cancellation`` and kept, with negative amounts.
    - **Zero and negative prices** and **exact duplicate lines** are kept as in
      the source.
    - ``country`` keeps the source labels, including ``Unspecified``,
      ``European Community``, ``EIRE`` (Ireland) and ``RSA`` (South Africa).

    Examples
    --------
    >>> import microseg as ms
    >>> tx = ms.datasets.load_online_retail("/path/to/data")  # doctest: +SKIP
    >>> tx.attrs["microseg_rows"]  # doctest: +SKIP
    {'overlap with the 2010-2011 file, dropped (2010-12-01 to 2010-12-09)': 22523}
    >>> ms.rfm(tx[tx["is_product"]])  # doctest: +SKIP
    """
    wanted = (years,) if isinstance(years, str) else tuple(years)
    unknown = [y for y in wanted if y not in _RETAIL_FILES]
    if unknown or not wanted:
        raise MicrosegError(
            f"years must be '2009-2010', '2010-2011' or both, got {years!r}; "
            "e.g. years=('2009-2010', '2010-2011')."
        )
    wanted = tuple(y for y in _RETAIL_FILES if y in wanted)  # chronological, no repeats
    if path is not None and Path(path).expanduser().is_file() and len(wanted) > 1:
        raise MicrosegError(
            f"path {str(path)!r} is a file, but years={wanted!r} needs two files; "
            "pass the folder that holds both, or ask for one year."
        )
    files, parts = [], []
    for year in wanted:
        name, invoice, price, customer = _RETAIL_FILES[year]
        file = _data_file(path, name)
        files.append(file.name)
        parts.append(_read_retail(file, invoice, price, customer))
    n_overlap = 0
    if len(parts) == 2:
        early = parts[0]
        keep = early["timestamp"] < _RETAIL_OVERLAP_START
        n_overlap = int((~keep).sum())
        parts[0] = early[keep]
    df = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    df["country"] = _categorical(df["country"])
    _, orig_invoice, orig_price, orig_customer = _RETAIL_FILES[wanted[-1]]
    columns = {
        "customer_id": orig_customer,
        "order_id": orig_invoice,
        "timestamp": "InvoiceDate",
        "amount": f"Quantity * {orig_price}",
        "quantity": "Quantity",
        "unit_price": orig_price,
        "product_id": "StockCode",
        "description": "Description",
        "country": "Country",
        "is_cancellation": f"{orig_invoice} starts with 'C'",
        "is_product": "StockCode starts with five digits",
    }
    df.attrs["microseg_rows"] = (
        {"overlap with the 2010-2011 file, dropped (2010-12-01 to 2010-12-09)": n_overlap} if len(parts) == 2 else {}
    )
    return _finish(
        df,
        source=", ".join(files),
        columns=columns,
        missing={
            "customer_id": int(df["customer_id"].isna().sum()),
            "description": int(df["description"].isna().sum()),
        },
    )

