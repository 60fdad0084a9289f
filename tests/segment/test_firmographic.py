"""Named firmographic schemes of ms.bands: EU SME classes, revenue bands, NAICS sectors, NACE sections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import DataQualityWarning, MicrosegError, SchemaError


def test_eu_sme_headcount_boundaries():
    emp = pd.Series([0, 9, 10, 49, 50, 249, 250, 100_000], name="employees")
    out = ms.bands(emp, "eu_sme")
    assert out.tolist() == ["micro", "micro", "small", "small", "medium", "medium", "large", "large"]
    assert out.cat.ordered and list(out.cat.categories) == ["micro", "small", "medium", "large"]
    assert out.attrs["counts"] == {"micro": 2, "small": 2, "medium": 2, "large": 2}
    assert out.name == "employees"


def test_eu_sme_turnover_ceiling_moves_a_firm_up():
    emp = pd.Series([5, 5, 5, 40, 40, 200, 200])
    turnover = pd.Series([2e6, 2_000_001, 60e6, 10e6, 11e6, 50e6, 50.5e6])
    out = ms.bands(emp, "eu_sme", turnover=turnover)
    # the ceilings are inclusive; above one, the firm belongs to the next class whose ceiling it meets
    assert out.tolist() == ["micro", "small", "large", "small", "medium", "medium", "large"]


def test_eu_sme_balance_sheet_is_the_alternative_ceiling():
    emp = pd.Series([200, 200, 5])
    turnover = pd.Series([80e6, 80e6, np.nan])
    balance = pd.Series([40e6, 45e6, 1e6])
    out = ms.bands(emp, "eu_sme", turnover=turnover, balance_sheet=balance)
    # balance sheet <= 43M keeps the first firm medium despite its turnover; missing turnover uses the balance sheet
    assert out.tolist() == ["medium", "large", "micro"]


def test_eu_sme_missing_financials_leave_the_class_missing():
    out = ms.bands(pd.Series([5, np.nan]), "eu_sme", turnover=[np.nan, 1e6])
    assert out.isna().tolist() == [True, True]


def test_revenue_bands():
    rev = pd.Series([0, 999_999, 1e6, 9.9e6, 1e7, 5e7, 2.5e8, 1e9, 3e10, np.nan])
    out = ms.bands(rev, "revenue")
    assert out.tolist()[:9] == ["<1M", "<1M", "1M–10M", "1M–10M", "10M–50M", "50M–250M", "250M–1B", "1B+", "1B+"]
    assert pd.isna(out.iloc[-1])


def test_negative_revenue_is_reported_and_left_missing():
    with pytest.warns(DataQualityWarning, match="negative revenue"):
        out = ms.bands(pd.Series([-5.0, 2e6]), "revenue")
    assert pd.isna(out.iloc[0]) and out.iloc[1] == "1M–10M"
    assert out.attrs["microseg_rows"] == {"negative revenue (left missing)": 1}


@pytest.mark.parametrize(
    "code, sector",
    [
        ("311812", "31–33 Manufacturing"), (336390, "31–33 Manufacturing"), ("33", "31–33 Manufacturing"),
        ("445110", "44–45 Retail Trade"), ("455110", "44–45 Retail Trade"),
        ("484121", "48–49 Transportation and Warehousing"), (493110, "48–49 Transportation and Warehousing"),
        ("42", "42 Wholesale Trade"), ("5415", "54 Professional, Scientific, and Technical Services"),
        (" 921110 ", "92 Public Administration"), (11, "11 Agriculture, Forestry, Fishing and Hunting"),
    ],
)
def test_naics_sector_from_the_first_two_digits(code, sector):
    out = ms.bands(pd.Series([code]), "naics_sector")
    assert out.iloc[0] == sector


def test_naics_has_twenty_sectors_in_code_order():
    cats = list(ms.bands(pd.Series(["11"]), "naics_sector").cat.categories)
    assert len(cats) == 20
    assert cats[0].startswith("11 ") and cats[-1].startswith("92 ")


def test_unknown_naics_codes_are_reported():
    with pytest.warns(DataQualityWarning, match="no NAICS sector"):
        out = ms.bands(pd.Series(["991234", "abc", None, "523150"]), "naics_sector")
    assert out.isna().tolist() == [True, True, True, False]
    assert out.attrs["microseg_rows"] == {"codes that are no NAICS sector (left missing)": 2}


@pytest.mark.parametrize(
    "code, section",
    [
        ("01.11", "A"), ("A01.11", "A"), ("03", "A"), ("05.10", "B"), ("10.11", "C"), ("C33.12", "C"),
        ("35.11", "D"), ("36", "E"), ("39.00", "E"), ("41.20", "F"), ("45.11", "G"), ("47.91", "G"),
        ("49.10", "H"), ("53.20", "H"), ("55.10", "I"), ("56.10", "I"), ("58.11", "J"), ("62.01", "J"),
        ("64.19", "K"), ("68.20", "L"), ("69.10", "M"), ("75.00", "M"), ("77.11", "N"), ("82.99", "N"),
        ("84.11", "O"), ("85.59", "P"), ("86.10", "Q"), ("88.99", "Q"), ("90.01", "R"), ("93.29", "R"),
        ("94.11", "S"), ("96.09", "S"), ("97.00", "T"), ("98.10", "T"), ("99.00", "U"), (62, "J"), (1, "A"),
    ],
)
def test_nace_section_from_the_division(code, section):
    out = ms.bands(pd.Series([code]), "nace_section")
    assert out.iloc[0].split(" ")[0] == section


def test_nace_has_sections_a_to_u():
    cats = list(ms.bands(pd.Series(["01"]), "nace_section").cat.categories)
    assert [c.split(" ")[0] for c in cats] == list("ABCDEFGHIJKLMNOPQRSTU")


def test_nace_gaps_between_divisions_are_reported():
    with pytest.warns(DataQualityWarning, match="no NACE sector"):
        out = ms.bands(pd.Series(["04.00", "40.1", "10.11"]), "nace_section")
    assert out.isna().tolist() == [True, True, False]


def test_nace_long_numbers_are_refused_with_the_fix():
    with pytest.raises(SchemaError, match="pass them as text"):
        ms.bands(pd.Series([111, 1011]), "nace_section")


def test_scheme_errors_name_the_fix():
    with pytest.raises(SchemaError, match="numeric"):
        ms.bands(pd.Series(["a", "b"]), "eu_sme")
    with pytest.raises(MicrosegError, match="eu_sme"):
        ms.bands(pd.Series([1, 2]), "revenue", turnover=[1, 2])
    with pytest.raises(MicrosegError, match="names its own bands"):
        ms.bands(pd.Series([1, 2]), "eu_sme", labels=["a", "b", "c", "d"])
    with pytest.raises(MicrosegError, match="one value per row"):
        ms.bands(pd.Series([1, 2]), "eu_sme", turnover=[1.0])
    with pytest.raises(MicrosegError, match="negative headcounts"):
        ms.bands(pd.Series([-1, 2]), "eu_sme")


def test_schemes_do_not_modify_the_input():
    s = pd.Series(["336390", "484121"])
    before = s.copy()
    ms.bands(s, "naics_sector")
    pd.testing.assert_series_equal(s, before)


def test_demo_firmographics_are_consistent_with_the_customer_table():
    data = ms.datasets.make_customers(n_customers=1500, random_state=4, kind="b2b")
    a = data.accounts
    sector = ms.bands(a["naics"], "naics_sector")
    pairs = pd.crosstab(a["industry"], sector)
    assert pairs.loc["manufacturing"].idxmax() == "31–33 Manufacturing" and (pairs.loc["manufacturing"] > 0).sum() == 1
    assert (pairs.loc["logistics"] > 0).sum() == 1
    size = ms.bands(a["employees"], "eu_sme")
    # the headcount lies inside the customer's company_size band
    both = pd.crosstab(data.customers["company_size"].to_numpy(), size.to_numpy())
    assert both.loc["1-9", ["small", "medium", "large"]].sum() == 0
    assert both.loc["50-249", ["micro", "small", "large"]].sum() == 0
    assert both.loc["1000+", ["micro", "small", "medium"]].sum() == 0
