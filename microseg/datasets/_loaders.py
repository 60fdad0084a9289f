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
``microseg_keys``
    Scoring keys of a questionnaire (scale → items, ``-`` for reverse-keyed).
``microseg_constants``
    Values of constant source columns that were dropped.
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


# --------------------------------------------------------------------------- customer tables

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


# --------------------------------------------------------------------------- psychographic

_YPS_CATEGORIES: dict[str, tuple[list[str], bool]] = {
    "Smoking": (["never smoked", "tried smoking", "former smoker", "current smoker"], False),
    "Alcohol": (["never", "social drinker", "drink a lot"], True),
    "Punctuality": (["i am often early", "i am always on time", "i am often running late"], True),
    "Lying": (["never", "only to avoid hurting someone", "sometimes", "everytime it suits me"], True),
    "Internet usage": (["no time at all", "less than an hour a day", "few hours a day", "most of the day"], True),
    "Gender": (["female", "male"], False),
    "Left - right handed": (["right handed", "left handed"], False),
    "Education": (
        [
            "currently a primary school pupil",
            "primary school",
            "secondary school",
            "college/bachelor degree",
            "masters degree",
            "doctorate degree",
        ],
        True,
    ),
    "Only child": (["no", "yes"], False),
    "Village - town": (["village", "city"], False),
    "House - block of flats": (["block of flats", "house/bungalow"], False),
}
_YPS_MEASURES = ("Age", "Height", "Weight", "Number of siblings")


def load_young_people_survey(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the Young People Survey (Slovakia, 2013): 1,010 respondents, 150 questions.

    Music and movie tastes, hobbies and interests, phobias, health habits,
    personality and views, spending habits and demographics of Slovak
    respondents aged 15–30 (Kaggle, Miroslav Sabo). Reads
    ``young_people_survey_responses.csv`` and, for the question texts,
    ``young_people_survey_columns.csv``.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding both files (default: the ``MICROSEG_DATA`` environment
        variable).

    Returns
    -------
    pandas.DataFrame
        One row per respondent, ``customer_id`` (str, zero-padded row number;
        the source has no ids) first, then the 150 answers with snake_case
        names (``Hiphop, Rap`` → ``hiphop_rap``, ``Fantasy/Fairy tales`` →
        ``fantasy_fairy_tales``):

        - 135 Likert items (1–5) as nullable ``Int8``.
        - ``age``, ``height`` (cm), ``weight`` (kg) and
          ``number_of_siblings`` as nullable ``Int16``.
        - The 11 text answers as categories: ``smoking``, ``gender``,
          ``left_right_handed``, ``only_child``, ``village_town`` and
          ``house_block_of_flats`` unordered; ``alcohol``, ``punctuality``
          (early → late), ``lying`` (never → whenever it suits),
          ``internet_usage`` and ``education`` ordered.

        ``attrs["microseg_columns"]`` maps each column to its name in the
        source, and ``attrs["microseg_questions"]`` to the full question text.

    Notes
    -----
    The 608 missing answers, scattered across columns, stay missing.

    Examples
    --------
    >>> import microseg as ms
    >>> yps = ms.datasets.load_young_people_survey("/path/to/data")  # doctest: +SKIP
    >>> yps.attrs["microseg_questions"]["hiphop_rap"]  # doctest: +SKIP
    'Hip hop, Rap'
    """
    file = _data_file(path, "young_people_survey_responses.csv")
    qfile = _data_file(path if path is None or Path(path).is_dir() else Path(path).parent, "young_people_survey_columns.csv")
    header = pd.read_csv(file, nrows=0).columns
    dtype = {c: "str" if c in _YPS_CATEGORIES else "Int16" if c in _YPS_MEASURES else "Int8" for c in header}
    raw = pd.read_csv(file, engine="pyarrow", dtype=dtype)
    questions = pd.read_csv(qfile, engine="pyarrow", dtype="str")
    for col, (levels, ordered) in _YPS_CATEGORIES.items():
        raw[col] = _categorical(raw[col], levels, ordered=ordered)
    df, columns = _rename(raw)
    text = dict(zip(questions["short"], questions["original"], strict=True))
    df.insert(0, "customer_id", _positional_ids(len(df)))
    return _finish(
        df,
        source=f"{file.name}, {qfile.name}",
        columns={"customer_id": "(row number)", **columns},
        questions={new: text.get(old, old) for new, old in columns.items()},
    )


BIG_FIVE_KEYS: dict[str, tuple[str, ...]] = {
    "agreeableness": ("-A1", "A2", "A3", "A4", "A5"),
    "conscientiousness": ("C1", "C2", "C3", "-C4", "-C5"),
    "extraversion": ("-E1", "-E2", "E3", "E4", "E5"),
    "neuroticism": ("N1", "N2", "N3", "N4", "N5"),
    "openness": ("O1", "-O2", "O3", "O4", "-O5"),
}
"""Scoring keys of the Big Five items (as in R ``psych``): scale → items, ``-`` marks a reverse-keyed item."""

BIG_FIVE_ITEMS: dict[str, str] = {
    "A1": "Am indifferent to the feelings of others",
    "A2": "Inquire about others' well-being",
    "A3": "Know how to comfort others",
    "A4": "Love children",
    "A5": "Make people feel at ease",
    "C1": "Am exacting in my work",
    "C2": "Continue until everything is perfect",
    "C3": "Do things according to a plan",
    "C4": "Do things in a half-way manner",
    "C5": "Waste my time",
    "E1": "Don't talk a lot",
    "E2": "Find it difficult to approach others",
    "E3": "Know how to captivate people",
    "E4": "Make friends easily",
    "E5": "Take charge",
    "N1": "Get angry easily",
    "N2": "Get irritated easily",
    "N3": "Have frequent mood swings",
    "N4": "Often feel blue",
    "N5": "Panic easily",
    "O1": "Am full of ideas",
    "O2": "Avoid difficult reading material",
    "O3": "Carry the conversation to a higher level",
    "O4": "Spend time reflecting on things",
    "O5": "Will not probe deeply into a subject",
}
"""Text of the 25 IPIP items of the Big Five data (answered 1 = very inaccurate … 6 = very accurate)."""

_BFI_EDUCATION = ["HS", "finished HS", "some college", "college graduate", "graduate degree"]


def load_big_five(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the Big Five personality items of the SAPA project (R ``psych::bfi``): 2,800 people.

    25 self-report items from the International Personality Item Pool,
    five per trait, answered on a 1–6 scale (1 = very inaccurate, 6 = very
    accurate), collected in 2010 (Revelle, Wilt & Rosenthal).

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding ``bfi.csv``, or the file itself (default: the
        ``MICROSEG_DATA`` environment variable).

    Returns
    -------
    pandas.DataFrame
        One row per respondent:

        - ``customer_id`` (str): the SAPA respondent id (the R row name).
        - ``A1``–``A5``, ``C1``–``C5``, ``E1``–``E5``, ``N1``–``N5``,
          ``O1``–``O5`` (nullable ``Int8``): the items. They keep their
          standard upper-case names, the one exception to snake_case here,
          because scoring keys use them.
        - ``gender`` (category): ``male`` (919) or ``female`` (1,881),
          decoded from 1/2.
        - ``education`` (ordered category): ``HS`` < ``finished HS`` <
          ``some college`` < ``college graduate`` < ``graduate degree``,
          decoded from 1–5; 223 missing.
        - ``age`` (int): 3–86; the implausibly low ages are in the source and
          kept.

        ``attrs["microseg_keys"]`` holds :data:`BIG_FIVE_KEYS` (reverse-keyed
        items A1, C4, C5, E1, E2, O2, O5 carry a ``-``) and
        ``attrs["microseg_questions"]`` the item texts.

    Notes
    -----
    The 731 missing item and education values stay missing.

    Examples
    --------
    >>> import microseg as ms
    >>> ms.datasets.BIG_FIVE_KEYS["openness"]
    ('O1', '-O2', 'O3', 'O4', '-O5')
    >>> bfi = ms.datasets.load_big_five("/path/to/data")  # doctest: +SKIP
    >>> bfi["gender"].value_counts()["female"]  # doctest: +SKIP
    1881
    """
    file = _data_file(path, "bfi.csv")
    items = list(BIG_FIVE_ITEMS)
    raw = pd.read_csv(
        file,
        engine="pyarrow",
        dtype={"id": "str", **dict.fromkeys(items, "Int8"), "gender": "Int8", "education": "Int8", "age": "int64"},
    )
    gender = raw["gender"].map({1: "male", 2: "female"})
    education = raw["education"].map(dict(enumerate(_BFI_EDUCATION, start=1)))
    df = pd.DataFrame({"customer_id": raw["id"]}).join(raw[items])
    df["gender"] = _categorical(gender, ["male", "female"])
    df["education"] = _categorical(education, _BFI_EDUCATION, ordered=True)
    df["age"] = raw["age"]
    columns = {"customer_id": "id", **{c: c for c in items}, "gender": "gender", "education": "education", "age": "age"}
    return _finish(
        df,
        source=file.name,
        columns=columns,
        keys={k: list(v) for k, v in BIG_FIVE_KEYS.items()},
        questions=dict(BIG_FIVE_ITEMS),
    )


# --------------------------------------------------------------------------- campaigns and demographics

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
