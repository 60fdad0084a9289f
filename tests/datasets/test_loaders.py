"""Tests for the public-dataset loaders (microseg.datasets.load_*).

Real-data tests read ../shared/data (or MICROSEG_DATA) through the root
conftest fixtures and skip when the files are absent. Expected figures are the
published ones quoted in the data folder's README.
"""

from __future__ import annotations

import gzip
import hashlib
import shutil

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.datasets import _load_common
from microseg.errors import MicrosegError

ds = ms.datasets

# --------------------------------------------------------------------------- no data needed


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("MntWines", "mnt_wines"),
        ("NumWebVisitsMonth", "num_web_visits_month"),
        ("AcceptedCmp3", "accepted_cmp3"),
        ("emp.var.rate", "emp_var_rate"),
        ("Hiphop, Rap", "hiphop_rap"),
        ("Fantasy/Fairy tales", "fantasy_fairy_tales"),
        ("Left - right handed", "left_right_handed"),
        ("Annual Income (k$)", "annual_income_k"),
        ("education-num", "education_num"),
    ],
)
def test_snake_case_names(name, expected):
    assert _load_common._snake(name) == expected


def test_positional_ids_are_zero_padded_strings():
    ids = _load_common._positional_ids(1000)
    assert ids.dtype == "str"
    assert ids.iloc[0] == "0001" and ids.iloc[-1] == "1000"
    assert ids.is_unique


def test_data_dir_without_path_or_env_var_names_the_env_var(monkeypatch):
    monkeypatch.delenv("MICROSEG_DATA", raising=False)
    with pytest.raises(MicrosegError, match="MICROSEG_DATA"):
        ds.data_dir()


def test_data_dir_reads_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv("MICROSEG_DATA", str(tmp_path))
    assert ds.data_dir() == tmp_path


def test_data_dir_explicit_path_wins_over_env_var(monkeypatch, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("MICROSEG_DATA", str(tmp_path))
    assert ds.data_dir(other) == other


def test_data_dir_missing_folder_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.setenv("MICROSEG_DATA", str(tmp_path / "absent"))
    with pytest.raises(MicrosegError, match=r"does not exist.*MICROSEG_DATA"):
        ds.data_dir()


@pytest.mark.parametrize(
    ("loader", "file"),
    [
        (ds.load_online_retail, "online_retail_ii_2009_2010.csv.gz"),
        (ds.load_cdnow, "cdnow_master.csv.gz"),
        (ds.load_cdnow_summary, "cdnow_customers_summary.csv"),
        (ds.load_bank_marketing, "bank-full.csv.gz"),
        (ds.load_marketing_campaign, "marketing_campaign.csv"),
        (ds.load_young_people_survey, "young_people_survey_responses.csv"),
        (ds.load_big_five, "bfi.csv"),
        (ds.load_hillstrom, "hillstrom.csv.gz"),
        (ds.load_adult, "adult.csv.gz"),
        (ds.load_wholesale, "wholesale_customers.csv"),
        (ds.load_online_shoppers, "online_shoppers_intention.csv.gz"),
        (ds.load_mall_customers, "Mall_Customers.csv"),
    ],
)
def test_missing_file_is_a_clear_error_naming_the_file(monkeypatch, tmp_path, loader, file):
    monkeypatch.setenv("MICROSEG_DATA", str(tmp_path))
    with pytest.raises(MicrosegError, match=rf"{file!s}.*not found.*MICROSEG_DATA"):
        loader()


def test_online_retail_rejects_unknown_years(tmp_path):
    with pytest.raises(MicrosegError, match="2011-2012"):
        ds.load_online_retail(tmp_path, years=("2011-2012",))


def test_bank_marketing_rejects_unknown_version(tmp_path):
    with pytest.raises(MicrosegError, match="version"):
        ds.load_bank_marketing(tmp_path, version="small")


def test_big_five_keys_mark_the_documented_reverse_keyed_items():
    reverse = {item[1:] for items in ds.BIG_FIVE_KEYS.values() for item in items if item.startswith("-")}
    assert reverse == {"A1", "C4", "C5", "E1", "E2", "O2", "O5"}
    plain = sorted(item.lstrip("-") for items in ds.BIG_FIVE_KEYS.values() for item in items)
    assert plain == sorted(ds.BIG_FIVE_ITEMS)


# --------------------------------------------------------------------------- real data: shared checks


def _assert_ids_are_strings(df, column="customer_id"):
    assert df[column].dtype == "str", df[column].dtype
    assert not pd.api.types.is_float_dtype(df[column])


def _assert_snake_case(df, allowed=()):
    bad = [c for c in df.columns if c not in allowed and c != _load_common._snake(c)]
    assert not bad, bad


SMALL_LOADERS = [
    (ds.load_cdnow, "cdnow_master.csv.gz"),
    (ds.load_cdnow_summary, "cdnow_customers_summary.csv"),
    (ds.load_bank_marketing, "bank-full.csv.gz"),
    (ds.load_marketing_campaign, "marketing_campaign.csv"),
    (ds.load_big_five, "bfi.csv"),
    (ds.load_hillstrom, "hillstrom.csv.gz"),
    (ds.load_adult, "adult.csv.gz"),
    (ds.load_wholesale, "wholesale_customers.csv"),
    (ds.load_online_shoppers, "online_shoppers_intention.csv.gz"),
    (ds.load_mall_customers, "Mall_Customers.csv"),
]


@pytest.mark.realdata
@pytest.mark.parametrize(("loader", "file"), SMALL_LOADERS)
def test_loader_schema_string_ids_snake_case_and_source(data_file, loader, file):
    path = data_file(file)
    df = loader(path.parent)
    _assert_ids_are_strings(df)
    _assert_snake_case(df, allowed={"T", *ds.BIG_FIVE_ITEMS})
    assert df.attrs["microseg_source"] == file
    assert set(df.attrs["microseg_columns"]) == set(df.columns)
    if loader is not ds.load_cdnow and loader is not ds.load_cdnow_summary:
        assert df["customer_id"].is_unique


@pytest.mark.realdata
def test_loader_accepts_the_file_itself(data_file):
    path = data_file("hillstrom.csv.gz")
    assert len(ds.load_hillstrom(path)) == 64_000


@pytest.mark.realdata
def test_loader_reads_env_var_folder(data_file, monkeypatch):
    path = data_file("Mall_Customers.csv")
    monkeypatch.setenv("MICROSEG_DATA", str(path.parent))
    assert len(ds.load_mall_customers()) == 200


@pytest.mark.realdata
def test_loader_accepts_an_uncompressed_copy(data_file, tmp_path):
    with gzip.open(data_file("cdnow_master.csv.gz"), "rb") as src, open(tmp_path / "cdnow_master.csv", "wb") as dst:
        shutil.copyfileobj(src, dst)
    df = ds.load_cdnow(tmp_path)
    assert len(df) == 69_659
    assert df.attrs["microseg_source"] == "cdnow_master.csv"


@pytest.mark.realdata
@pytest.mark.parametrize("file", ["Mall_Customers.csv", "bfi.csv", "wholesale_customers.csv"])
def test_file_matches_published_checksum(shared_data, data_file, file):
    sums = dict(
        reversed(line.split(maxsplit=1)) for line in (shared_data / "SHA256SUMS").read_text().splitlines() if line
    )
    digest = hashlib.sha256(data_file(file).read_bytes()).hexdigest()
    assert sums[file] == digest


# --------------------------------------------------------------------------- online retail


# The online retail files are the slow ones: each is read twice per module at most.
@pytest.fixture(scope="module")
def retail_both(shared_data):
    for name in ("online_retail.csv.gz", "online_retail_ii_2009_2010.csv.gz"):
        if not (shared_data / name).exists():
            pytest.skip(f"{name} not found")
    return ds.load_online_retail(shared_data)


@pytest.fixture(scope="module")
def retail_2011(retail_both):
    """The 2010-2011 file: in the combined table, everything from 2010-12-01 on comes from it."""
    return retail_both[retail_both["timestamp"] >= "2010-12-01"].reset_index(drop=True)


@pytest.fixture(scope="module")
def retail_2010(shared_data, retail_both):
    return ds.load_online_retail(shared_data, years="2009-2010")


@pytest.mark.realdata
def test_online_retail_2011_matches_published_counts(retail_2011):
    df = retail_2011
    assert len(df) == 541_909
    assert df["order_id"].nunique() == 25_900
    assert df["product_id"].nunique() == 4_070
    assert df["customer_id"].nunique() == 4_372
    assert df["country"].nunique() == 38
    assert df["description"].isna().sum() == 1_454


@pytest.mark.realdata
def test_online_retail_2010_matches_published_counts(retail_2010):
    df = retail_2010
    assert len(df) == 525_461
    assert df["order_id"].nunique() == 28_816
    assert df["customer_id"].nunique() == 4_383
    assert df["country"].nunique() == 40
    assert int(df["is_cancellation"].sum()) == 10_206
    assert df.attrs["microseg_missing"]["customer_id"] == 107_927


@pytest.mark.realdata
def test_online_retail_schema_is_the_transaction_schema(retail_2011):
    df = retail_2011
    assert list(df.columns[:4]) == ["customer_id", "order_id", "timestamp", "amount"]
    for col in ("customer_id", "order_id", "product_id", "description"):
        assert df[col].dtype == "str"
    assert pd.api.types.is_datetime64_dtype(df["timestamp"])
    assert isinstance(df["country"].dtype, pd.CategoricalDtype)
    assert df["is_cancellation"].dtype == bool and df["is_product"].dtype == bool
    np.testing.assert_allclose(df["amount"], df["quantity"] * df["unit_price"])
    assert df["timestamp"].min() == pd.Timestamp("2010-12-01 08:26")
    assert df["timestamp"].max() == pd.Timestamp("2011-12-09 12:50")


@pytest.mark.realdata
def test_online_retail_keeps_missing_customers_and_counts_them_without_warning(retail_2011, retail_2010):
    # pytest turns warnings into errors, so loading at all shows no warning was raised.
    df = retail_2011
    assert df["customer_id"].isna().sum() == 135_080
    assert retail_2010["customer_id"].isna().sum() == 107_927
    assert retail_2010.attrs["microseg_missing"]["customer_id"] == 107_927
    assert retail_2010.attrs["microseg_rows"] == {}
    assert not df["customer_id"].dropna().str.contains(r"\.").any()  # no "17850.0"


@pytest.mark.realdata
def test_online_retail_flags_cancellations(retail_2011):
    df = retail_2011
    assert int(df["is_cancellation"].sum()) == 9_288
    assert df.loc[df["is_cancellation"], "order_id"].str.startswith("C").all()
    assert (df.loc[df["is_cancellation"], "quantity"] < 0).all()


@pytest.mark.realdata
def test_online_retail_flags_non_product_codes(retail_2011):
    df = retail_2011
    non_products = set(df.loc[~df["is_product"], "product_id"].unique())
    assert len(non_products) == 33  # the README: 33 codes do not start with five digits
    assert {"POST", "DOT", "M", "D", "C2", "S", "BANK CHARGES", "AMAZONFEE", "CRUK", "PADS", "B"} <= non_products
    assert any(c.startswith("gift_0001_") for c in non_products)
    assert any(c.startswith("DCGS") for c in non_products)
    assert df.loc[df["is_product"], "product_id"].str.match(r"^\d{5}").all()


@pytest.mark.realdata
def test_online_retail_2010_flags_its_extra_special_codes(retail_2010):
    codes = set(retail_2010.loc[~retail_2010["is_product"], "product_id"].unique())
    assert {"ADJUST", "TEST001"} <= codes


@pytest.mark.realdata
def test_online_retail_both_years_drop_the_overlap_once(retail_both, retail_2010, retail_2011):
    df = retail_both
    assert df.attrs["microseg_rows"] == {"overlap with the 2010-2011 file, dropped (2010-12-01 to 2010-12-09)": 22_523}
    assert len(df) == 525_461 + 541_909 - 22_523
    overlap = (df["timestamp"] >= "2010-12-01") & (df["timestamp"] < "2010-12-10")
    assert overlap.sum() == 22_523
    assert df.loc[overlap, "order_id"].nunique() == 1_088
    assert not df["timestamp"].diff().dropna().lt(pd.Timedelta(0)).any()  # one continuous period, in order
    assert df.attrs["microseg_source"] == "online_retail_ii_2009_2010.csv.gz, online_retail.csv.gz"
    assert df.attrs["microseg_missing"]["customer_id"] == int(df["customer_id"].isna().sum())


@pytest.mark.realdata
def test_online_retail_file_path_needs_a_single_year(data_file):
    with pytest.raises(MicrosegError, match="needs two files"):
        ds.load_online_retail(data_file("online_retail.csv.gz"))


# --------------------------------------------------------------------------- CDNOW


@pytest.mark.realdata
def test_cdnow_master_counts_and_types(data_file):
    df = ds.load_cdnow(data_file("cdnow_master.csv.gz").parent)
    assert len(df) == 69_659
    assert df["customer_id"].nunique() == 23_570
    assert df["customer_id"].iloc[0] == "00001" and df["customer_id"].max() == "23570"
    assert df["order_id"].is_unique
    assert pd.api.types.is_datetime64_dtype(df["timestamp"])
    assert df["timestamp"].min() == pd.Timestamp("1997-01-01")
    assert df["timestamp"].max() == pd.Timestamp("1998-06-30")
    assert int((df["amount"] == 0).sum()) == 80
    assert list(df.columns) == ["customer_id", "order_id", "timestamp", "amount", "n_cds"]


@pytest.mark.realdata
def test_cdnow_summary_is_the_tenth_sample(data_file):
    df = ds.load_cdnow(data_file("cdnow_customers_summary.csv").parent, summary=True)
    assert df.shape == (2_357, 4)
    assert list(df.columns) == ["customer_id", "frequency", "recency", "T"]
    assert df["T"].max() == pytest.approx(38.86)
    assert (df["recency"] <= df["T"]).all()


# --------------------------------------------------------------------------- bank marketing


@pytest.mark.realdata
def test_bank_full_counts_unknown_as_missing_and_flags_duration(data_file):
    path = data_file("bank-full.csv.gz")
    df = ds.load_bank_marketing(path.parent)
    raw = pd.read_csv(path, sep=";")
    assert len(df) == 45_211
    assert int(df["subscribed"].sum()) == 5_289
    assert df.attrs["microseg_leaks"] == ["duration"]
    assert "duration" in df.columns
    for col in ("job", "education", "contact", "poutcome"):
        assert df[col].isna().sum() == (raw[col] == "unknown").sum() > 0
        assert "unknown" not in df[col].cat.categories
    assert df["pdays"].isna().sum() == (raw["pdays"] == -1).sum()
    assert (df["pdays"].dropna() > 0).all()
    assert df["month"].cat.ordered and list(df["month"].cat.categories[:3]) == ["jan", "feb", "mar"]
    assert df["housing"].dtype == "boolean"


@pytest.mark.realdata
def test_bank_additional_version(data_file):
    df = ds.load_bank_marketing(data_file("bank-additional-full.csv.gz").parent, version="additional")
    assert df.shape == (41_188, 22)
    assert int(df["subscribed"].sum()) == 4_640
    assert {"emp_var_rate", "cons_price_idx", "cons_conf_idx", "euribor3m", "nr_employed", "day_of_week"} <= set(df)
    assert "nonexistent" in df["poutcome"].cat.categories  # a real category, not a missing marker
    assert int(df["default"].isna().sum()) == 8_597
    assert df["pdays"].isna().sum() == 39_673


# --------------------------------------------------------------------------- customer tables


@pytest.mark.realdata
def test_marketing_campaign_counts_dates_and_mock_note(data_file):
    df = ds.load_marketing_campaign(data_file("marketing_campaign.csv").parent)
    assert len(df) == 2_240
    assert int(df["response"].sum()) == 334
    assert df["income"].isna().sum() == 24
    counts = {k: int(df[f"accepted_cmp{k}"].sum()) for k in range(1, 6)}
    assert counts == {1: 144, 2: 30, 3: 163, 4: 167, 5: 163}
    assert df.loc[0, "customer_since"] == pd.Timestamp("2012-09-04")  # "04-09-2012" is day-first
    assert df["customer_since"].between("2012-01-01", "2014-12-31").all()
    assert "mock" in df.attrs["microseg_note"]
    assert df.attrs["microseg_constants"] == {"z_cost_contact": 3, "z_revenue": 11}
    assert not any(c.startswith("z_") for c in df.columns)
    assert df["customer_id"].iloc[0] == "5524"


@pytest.mark.realdata
def test_hillstrom_matches_published_figures(data_file):
    df = ds.load_hillstrom(data_file("hillstrom.csv.gz").parent)
    assert len(df) == 64_000
    assert df["segment"].value_counts().to_dict() == {"Womens E-Mail": 21_387, "Mens E-Mail": 21_307, "No E-Mail": 21_306}
    assert int(df["visit"].sum()) == 9_394
    assert int(df["conversion"].sum()) == 578
    assert df["spend"].sum() == pytest.approx(67_258.13)
    assert int(df["treatment"].sum()) == 21_387 + 21_307
    for col in ("mens", "womens", "newbie", "visit", "conversion", "treatment"):
        assert df[col].dtype == bool
    assert list(df["zip_code"].cat.categories) == ["Urban", "Suburban", "Rural"]
    assert int((df["zip_code"] == "Suburban").sum()) == 28_776
    assert df["history_segment"].cat.ordered


@pytest.mark.realdata
def test_adult_missing_markers_and_income(data_file):
    df = ds.load_adult(data_file("adult.csv.gz").parent)
    assert len(df) == 32_561
    assert int(df["high_income"].sum()) == 7_841
    assert df["workclass"].isna().sum() == 1_836
    assert df["occupation"].isna().sum() == 1_843
    assert df["native_country"].isna().sum() == 583
    assert "?" not in df["workclass"].cat.categories
    assert (df["education"].cat.codes + 1 == df["education_num"]).all()  # ordered as education-num
    assert isinstance(df["sex"].dtype, pd.CategoricalDtype)


@pytest.mark.realdata
def test_wholesale_decodes_channel_and_region(data_file):
    df = ds.load_wholesale(data_file("wholesale_customers.csv").parent)
    assert len(df) == 440
    assert df["channel"].value_counts().to_dict() == {"Horeca": 298, "Retail": 142}
    assert df["region"].value_counts().to_dict() == {"Other": 316, "Lisbon": 77, "Oporto": 47}
    assert "delicatessen" in df.columns


@pytest.mark.realdata
def test_online_shoppers_months_normalised(data_file):
    df = ds.load_online_shoppers(data_file("online_shoppers_intention.csv.gz").parent)
    assert len(df) == 12_330
    assert int(df["revenue"].sum()) == 1_908
    assert df["weekend"].dtype == bool and df["revenue"].dtype == bool
    assert df["month"].cat.ordered and len(df["month"].cat.categories) == 12
    counts = df["month"].value_counts()
    assert counts["Jun"] == 288 and counts["Jan"] == 0 and counts["Apr"] == 0
    assert df["month"].notna().all()


@pytest.mark.realdata
def test_mall_customers(data_file):
    df = ds.load_mall_customers(data_file("Mall_Customers.csv").parent)
    assert list(df.columns) == ["customer_id", "gender", "age", "annual_income_k", "spending_score"]
    assert df["customer_id"].iloc[0] == "0001" and df["customer_id"].iloc[-1] == "0200"
    assert df["gender"].value_counts().to_dict() == {"Female": 112, "Male": 88}
    assert "constructed" in df.attrs["microseg_note"]


# --------------------------------------------------------------------------- psychographic


@pytest.mark.realdata
def test_young_people_survey_types_and_question_map(data_file):
    path = data_file("young_people_survey_responses.csv")
    data_file("young_people_survey_columns.csv")
    df = ds.load_young_people_survey(path.parent)
    assert df.shape == (1_010, 151)
    assert int(df.drop(columns="customer_id").isna().sum().sum()) == 608
    cats = df.select_dtypes("category").columns
    assert len(cats) == 11
    assert df["education"].cat.ordered and df["alcohol"].cat.ordered
    likert = [c for c in df.columns if df[c].dtype == "Int8"]
    assert len(likert) == 135
    assert df[likert].min().min() == 1 and df[likert].max().max() == 5
    assert df.attrs["microseg_columns"]["hiphop_rap"] == "Hiphop, Rap"
    assert df.attrs["microseg_questions"]["music"] == "I enjoy listening to music."
    assert set(df.attrs["microseg_questions"]) == set(df.columns) - {"customer_id"}
    assert all(c.isidentifier() for c in df.columns)


@pytest.mark.realdata
def test_big_five_items_gender_and_education(data_file):
    df = ds.load_big_five(data_file("bfi.csv").parent)
    assert len(df) == 2_800
    items = list(ds.BIG_FIVE_ITEMS)
    assert (df[items].dtypes == "Int8").all()
    assert df[items].min().min() == 1 and df[items].max().max() == 6
    assert df["gender"].value_counts().to_dict() == {"female": 1_881, "male": 919}
    assert df["education"].isna().sum() == 223
    assert df["education"].cat.ordered
    assert int(df[[*items, "education"]].isna().sum().sum()) == 731
    assert df.attrs["microseg_keys"]["openness"] == ["O1", "-O2", "O3", "O4", "-O5"]
    assert df["customer_id"].iloc[0] == "61617"
