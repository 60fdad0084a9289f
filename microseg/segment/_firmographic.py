"""Named firmographic band schemes for :func:`microseg.bands`: company size, revenue, industry sectors.

- ``"eu_sme"``: the EU size classes of Commission Recommendation 2003/361/EC
  by headcount (micro < 10, small < 50, medium < 250, large), optionally with
  the financial ceilings (turnover, and balance-sheet total as the
  alternative);
- ``"revenue"``: annual revenue bands (< 1M, 1M–10M, 10M–50M, 50M–250M,
  250M–1B, 1B+), in the currency of the data;
- ``"naics_sector"``: the 20 NAICS sectors from the first two digits of a
  NAICS code (31–33, 44–45 and 48–49 each form one sector);
- ``"nace_section"``: the 21 NACE Rev. 2 sections A–U from the two-digit
  division.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._validation import report_rows
from ..errors import MicrosegError, SchemaError

SCHEMES = ("eu_sme", "revenue", "naics_sector", "nace_section")

EU_SME_CLASSES = ("micro", "small", "medium", "large")
EU_SME_EMPLOYEES = (10, 50, 250)  # headcount below which a firm is micro, small, medium
EU_SME_TURNOVER = (2e6, 10e6, 50e6)  # turnover ceilings (euros, inclusive)
EU_SME_BALANCE_SHEET = (2e6, 10e6, 43e6)  # balance-sheet ceilings (euros, inclusive)

REVENUE_EDGES = (0.0, 1e6, 1e7, 5e7, 2.5e8, 1e9, np.inf)
REVENUE_LABELS = ("<1M", "1M–10M", "10M–50M", "50M–250M", "250M–1B", "1B+")

NAICS_SECTORS = {
    "11": "Agriculture, Forestry, Fishing and Hunting",
    "21": "Mining, Quarrying, and Oil and Gas Extraction",
    "22": "Utilities",
    "23": "Construction",
    "31–33": "Manufacturing",
    "42": "Wholesale Trade",
    "44–45": "Retail Trade",
    "48–49": "Transportation and Warehousing",
    "51": "Information",
    "52": "Finance and Insurance",
    "53": "Real Estate and Rental and Leasing",
    "54": "Professional, Scientific, and Technical Services",
    "55": "Management of Companies and Enterprises",
    "56": "Administrative and Support and Waste Management and Remediation Services",
    "61": "Educational Services",
    "62": "Health Care and Social Assistance",
    "71": "Arts, Entertainment, and Recreation",
    "72": "Accommodation and Food Services",
    "81": "Other Services (except Public Administration)",
    "92": "Public Administration",
}

# NACE Rev. 2 sections: letter, first and last two-digit division, title
NACE_SECTIONS = (
    ("A", 1, 3, "Agriculture, forestry and fishing"),
    ("B", 5, 9, "Mining and quarrying"),
    ("C", 10, 33, "Manufacturing"),
    ("D", 35, 35, "Electricity, gas, steam and air conditioning supply"),
    ("E", 36, 39, "Water supply; sewerage, waste management and remediation activities"),
    ("F", 41, 43, "Construction"),
    ("G", 45, 47, "Wholesale and retail trade; repair of motor vehicles and motorcycles"),
    ("H", 49, 53, "Transportation and storage"),
    ("I", 55, 56, "Accommodation and food service activities"),
    ("J", 58, 63, "Information and communication"),
    ("K", 64, 66, "Financial and insurance activities"),
    ("L", 68, 68, "Real estate activities"),
    ("M", 69, 75, "Professional, scientific and technical activities"),
    ("N", 77, 82, "Administrative and support service activities"),
    ("O", 84, 84, "Public administration and defence; compulsory social security"),
    ("P", 85, 85, "Education"),
    ("Q", 86, 88, "Human health and social work activities"),
    ("R", 90, 93, "Arts, entertainment and recreation"),
    ("S", 94, 96, "Other service activities"),
    ("T", 97, 98, "Activities of households as employers; undifferentiated goods- and services-producing activities of households for own use"),
    ("U", 99, 99, "Activities of extraterritorial organisations and bodies"),
)


def _labels_of(table: dict) -> list[str]:
    return [f"{k} {v}" for k, v in table.items()]


def _naics_lookup() -> np.ndarray:
    """Sector code (index into NAICS_SECTORS) per two-digit number 0..99, -1 where none."""
    lut = np.full(100, -1, dtype=np.int64)
    for i, key in enumerate(NAICS_SECTORS):
        lo, _, hi = key.partition("–")
        lut[int(lo) : int(hi or lo) + 1] = i
    return lut


def _nace_lookup() -> np.ndarray:
    lut = np.full(100, -1, dtype=np.int64)
    for i, (_, lo, hi, _) in enumerate(NACE_SECTIONS):
        lut[lo : hi + 1] = i
    return lut


def _numeric(series: pd.Series, what: str, name) -> pd.Series:
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        raise SchemaError(
            f"bands(..., {what!r}) needs numeric values, got dtype {series.dtype} for {name!r}; "
            "convert with pd.to_numeric(...) first."
        )
    return series.astype("float64")


def _two_digits(series: pd.Series, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """The two leading digits of each code as int (-1 when unreadable) and the missing mask."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_bool_dtype(series):
        raise SchemaError(f"bands(..., {scheme!r}) needs industry codes, got booleans in {series.name!r}.")
    if pd.api.types.is_numeric_dtype(series):
        x = series.to_numpy(dtype="float64", na_value=np.nan)
        ok = ~missing & (np.mod(np.where(missing, 0, x), 1) == 0) & (x >= 0)
        if scheme == "nace_section" and np.any(ok & (x >= 100)):
            raise SchemaError(
                f"{series.name!r} holds NACE codes of more than two digits as numbers, which lose their leading "
                "zero (01.11 reads as 111); pass them as text (e.g. '01.11' or 'A01.11'), or the two-digit "
                "division as a number."
            )
        digits = np.where(ok, x, 0).astype(np.int64)
        if scheme == "naics_sector":  # NAICS codes have 2 to 6 digits and never start with 0
            while np.any(digits >= 100):
                digits = np.where(digits >= 100, digits // 10, digits)
            ok &= digits >= 10
        return np.where(ok, digits, -1), missing
    text = series.astype("string").str.strip().str.upper()
    if scheme == "nace_section":
        text = text.str.replace(r"^[A-U]\s*", "", regex=True)  # "C10.11" -> "10.11"
    lead = text.str.extract(r"^(\d{2})", expand=False)
    digits = pd.to_numeric(lead, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return np.where(np.isnan(digits), -1, np.nan_to_num(digits)).astype(np.int64), missing


def _finish(codes: np.ndarray, labels, index, name, unreadable: int, rule: str) -> pd.Series:
    out = pd.Series(
        pd.Categorical.from_codes(codes, categories=pd.Index(list(labels), dtype=object), ordered=True),
        index=index, name=name,
    )
    vc = out.value_counts(sort=False)
    out.attrs["counts"] = {k: int(v) for k, v in vc.items()}
    if unreadable:
        report_rows(out, {rule: unreadable}, stacklevel=4)
    return out


def scheme_bands(series: pd.Series, scheme: str, *, labels=None, turnover=None, balance_sheet=None) -> pd.Series:
    """Bands of one named scheme (see the module docstring); called by :func:`microseg.bands`."""
    name = series.name
    if labels is not None:
        raise MicrosegError(f"the {scheme!r} scheme names its own bands; leave labels=None (or pass edges instead).")
    if scheme != "eu_sme" and (turnover is not None or balance_sheet is not None):
        raise MicrosegError(f"turnover= and balance_sheet= apply to the 'eu_sme' scheme only, not {scheme!r}.")
    if scheme == "eu_sme":
        x = _numeric(series, scheme, name)
        if (x < 0).any():
            raise MicrosegError(f"{name!r} has {int((x < 0).sum())} negative headcounts; employees are counted from 0.")
        cls = np.searchsorted(np.asarray(EU_SME_EMPLOYEES, float), x.to_numpy(), side="right")
        missing = x.isna().to_numpy().copy()
        finance = None
        for given, ceilings, what in ((turnover, EU_SME_TURNOVER, "turnover"), (balance_sheet, EU_SME_BALANCE_SHEET, "balance_sheet")):
            if given is None:
                continue
            if isinstance(given, pd.Series):
                g = given
            else:
                arr = np.asarray(given).reshape(-1)
                g = pd.Series(arr, index=series.index if len(arr) == len(series) else None, name=what)
            if len(g) != len(series) or not g.index.equals(series.index):
                raise MicrosegError(
                    f"{what}= must hold one value per row of {name!r} ({len(series)}), on the same index; "
                    f"got {len(g)} values."
                )
            g = _numeric(g, scheme, what)
            c = np.searchsorted(np.asarray(ceilings, float), g.to_numpy(), side="left")  # ceilings are inclusive
            c = np.where(g.isna().to_numpy(), -1, c)
            # a firm meets a class's financial ceiling through its turnover OR its balance sheet
            finance = c if finance is None else np.where((finance < 0) | ((c >= 0) & (c < finance)), c, finance)
        if finance is not None:
            missing = missing | (finance < 0)
            cls = np.maximum(cls, finance)  # the headcount AND a financial ceiling must both be met
        codes = np.where(missing, -1, cls)
        return _finish(codes, EU_SME_CLASSES, series.index, name, 0, "")
    if scheme == "revenue":
        x = _numeric(series, scheme, name)
        neg = int((x < 0).sum())
        cls = np.searchsorted(np.asarray(REVENUE_EDGES[1:-1]), x.to_numpy(), side="right")
        codes = np.where(x.isna().to_numpy() | (x < 0).to_numpy(), -1, cls)
        return _finish(codes, REVENUE_LABELS, series.index, name, neg, "negative revenue (left missing)")
    lut = _naics_lookup() if scheme == "naics_sector" else _nace_lookup()
    labels = _labels_of(NAICS_SECTORS) if scheme == "naics_sector" else [f"{s} {t}" for s, _, _, t in NACE_SECTIONS]
    digits, missing = _two_digits(series, scheme)
    codes = np.where(digits >= 0, lut[np.clip(digits, 0, 99)], -1)
    unreadable = int(((codes < 0) & ~missing).sum())
    what = "NAICS" if scheme == "naics_sector" else "NACE"
    return _finish(codes, labels, series.index, name, unreadable, f"codes that are no {what} sector (left missing)")
