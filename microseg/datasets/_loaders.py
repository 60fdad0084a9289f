"""Readers for public customer datasets stored in a local folder.

Every ``load_*`` function reads one dataset from a folder the caller names
(``path``), or from the folder in the ``MICROSEG_DATA`` environment variable
when ``path`` is None. Nothing is ever downloaded. The files and their quirks
are described in the ``README.md`` that ships with the data folder.

Each loader returns a pandas DataFrame with snake_case columns, ids as strings
(never floats), timestamps parsed with an explicit format, and categoricals
where a column has few distinct values. Every documented quirk of the source is
handled explicitly and described in the loader's docstring.

What the loaders put in ``DataFrame.attrs``:

``microseg_source``
    The file name(s) read, comma-separated.
``microseg_columns``
    Output column name → column name in the source file.
``microseg_rows``
    Rows dropped, counted per rule (see :func:`microseg._validation.report_rows`).
``microseg_missing``
    Missing values kept, counted per column, where the source documents them.
``microseg_leaks``
    Columns that leak the outcome and must not be used as features.
``microseg_note``
    A caveat about where the data come from (mock or constructed data).
``microseg_questions``
    Column → question or item text, for survey data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .._validation import report_rows
from ..errors import MicrosegError

__all__ = [
    "ENV_VAR",
    "BIG_FIVE_KEYS",
    "BIG_FIVE_ITEMS",
    "data_dir",
    "load_online_retail",
    "load_cdnow",
    "load_cdnow_summary",
    "load_bank_marketing",
    "load_marketing_campaign",
    "load_young_people_survey",
    "load_big_five",
    "load_hillstrom",
    "load_adult",
    "load_wholesale",
    "load_online_shoppers",
    "load_mall_customers",
]

ENV_VAR = "MICROSEG_DATA"

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


# --------------------------------------------------------------------------- helpers


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """Return the folder that holds the public datasets.

    Parameters
    ----------
    path : str or path-like, optional
        The folder. When None, the folder named by the ``MICROSEG_DATA``
        environment variable is used.

    Returns
    -------
    pathlib.Path
        The folder, which exists.

    Raises
    ------
    MicrosegError
        If neither ``path`` nor ``MICROSEG_DATA`` is given, or the folder does
        not exist. Nothing is ever downloaded.

    Examples
    --------
    >>> import microseg as ms
    >>> folder = ms.datasets.data_dir("/path/to/data")  # doctest: +SKIP
    >>> ms.datasets.data_dir("/no/such/folder")
    Traceback (most recent call last):
    ...
    microseg.errors.MicrosegError: data folder '/no/such/folder' does not exist; pass the folder that holds the dataset files as path=..., or set the MICROSEG_DATA environment variable to it. microseg never downloads data.
    """
    if path is None:
        env = os.environ.get(ENV_VAR)
        if not env:
            raise MicrosegError(
                f"no data folder given: pass path=... (the folder that holds the dataset files) "
                f"or set the {ENV_VAR} environment variable to that folder. microseg never downloads data."
            )
        folder = Path(env).expanduser()
        origin = f" (from {ENV_VAR})"
    else:
        folder = Path(path).expanduser()
        origin = ""
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise MicrosegError(
            f"data folder {str(folder)!r}{origin} {what}; pass the folder that holds the dataset files "
            f"as path=..., or set the {ENV_VAR} environment variable to it. microseg never downloads data."
        )
    return folder


def _data_file(path: str | os.PathLike | None, name: str) -> Path:
    """Resolve ``name`` inside ``path`` (a folder or the file itself) or the default folder.

    A gzip-compressed file ``x.csv.gz`` may also be present uncompressed as ``x.csv``.
    """
    if path is not None and Path(path).expanduser().is_file():
        return Path(path).expanduser()
    folder = data_dir(path)
    candidates = [name]
    if name.endswith(".gz"):
        candidates.append(name[:-3])
    for candidate in candidates:
        if (folder / candidate).is_file():
            return folder / candidate
    raise MicrosegError(
        f"file {name!r} not found in the data folder {str(folder)!r}; put the file there, "
        f"or pass path=... (the folder or the file) or set {ENV_VAR}. microseg never downloads data."
    )


def _snake(name: str) -> str:
    """Turn a source column name into snake_case (``MntWines`` → ``mnt_wines``)."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(name))
    s = re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()
    return s


def _rename(df: pd.DataFrame, mapping: Mapping[str, str] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Rename columns with ``mapping`` (others to snake_case); return the frame and new → original."""
    mapping = dict(mapping or {})
    new = {c: mapping.get(c, _snake(c)) for c in df.columns}
    if len(set(new.values())) != len(new):  # pragma: no cover - guards the fixed schemas
        raise MicrosegError(f"column names collide after renaming: {new}")
    return df.rename(columns=new), {v: k for k, v in new.items()}


def _positional_ids(n: int) -> pd.Series:
    """Zero-padded row numbers as string ids ("00001", ...), for data without ids."""
    width = len(str(n))
    ids = np.char.zfill(np.arange(1, n + 1).astype(str), width)
    return pd.Series(ids, dtype="str", name="customer_id")


def _categorical(s: pd.Series, categories: Iterable | None = None, *, ordered: bool = False) -> pd.Series:
    if categories is None:
        categories = sorted(s.dropna().unique())
    return s.astype(pd.CategoricalDtype(list(categories), ordered=ordered))


def _yes_no(s: pd.Series, *, nullable: bool = False) -> pd.Series:
    """Map "yes"/"no" to booleans (missing stays missing when ``nullable``)."""
    out = s.map({"yes": True, "no": False})
    return out.astype("boolean" if nullable else "bool")


def _finish(
    df: pd.DataFrame,
    *,
    source: str,
    columns: Mapping[str, str],
    note: str | None = None,
    **extra,
) -> pd.DataFrame:
    df.attrs["microseg_source"] = source
    df.attrs["microseg_columns"] = dict(columns)
    if note:
        df.attrs["microseg_note"] = note
    for key, value in extra.items():
        df.attrs[f"microseg_{key}"] = value
    return df


# --------------------------------------------------------------------------- transactions

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
          ``B`` "Adjust bad debt") and tests (``TEST001``, ``TEST002``).

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
