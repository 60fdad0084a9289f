"""describe(): each column's kind, numbers and dates read from text, and the alerts a real table needs."""

import numpy as np
import pandas as pd
import pytest

import microseg as ms
from microseg.errors import SchemaError, SensitiveDataWarning
from microseg.privacy import find_sensitive


def telco_table(n=7043, seed=0):
    """A table built like the public Telco churn file: Yes/No columns, 0/1 SeniorCitizen, 11 blanks in TotalCharges."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    ids = [f"{a}-{''.join(b)}" for a, b in zip(rng.integers(1000, 9999, n), rng.choice(letters, (n, 5)))]
    tenure = rng.integers(0, 73, n)
    monthly = np.round(rng.uniform(18.25, 118.75, n), 2)
    total = np.round(monthly * np.maximum(tenure, 1) * rng.uniform(0.9, 1.1, n), 2).astype(str).astype(object)
    total[rng.choice(n, 11, replace=False)] = " "
    internet = rng.choice(["DSL", "Fiber optic", "No"], n, p=[0.34, 0.44, 0.22])
    return pd.DataFrame(
        {
            "customerID": ids,
            "gender": rng.choice(["Female", "Male"], n),
            "SeniorCitizen": (rng.random(n) < 0.16).astype(int),
            "Partner": rng.choice(["Yes", "No"], n),
            "tenure": tenure,
            "InternetService": internet,
            "OnlineSecurity": np.where(internet == "No", "No internet service", rng.choice(["Yes", "No"], n)),
            "Contract": rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.55, 0.21, 0.24]),
            "PaymentMethod": rng.choice(["Electronic check", "Mailed check", "Bank transfer (automatic)"], n),
            "MonthlyCharges": monthly,
            "TotalCharges": total,
            "ZipCode": rng.integers(90001, 96162, n),
            "Churn": rng.choice(["Yes", "No"], n, p=[0.27, 0.73]),
        }
    )


def _alerts(d, column=None):
    a = d.alerts
    return a[a["column"] == column] if column is not None else a[a["column"].isna()]


@pytest.fixture(scope="module")
def telco():
    df = telco_table()
    return df, ms.describe(df)


def test_telco_kinds(telco):
    _, d = telco
    assert d.kinds() == {
        "customerID": "id", "gender": "binary", "SeniorCitizen": "binary", "Partner": "binary", "tenure": "numeric",
        "InternetService": "category", "OnlineSecurity": "category", "Contract": "category",
        "PaymentMethod": "category", "MonthlyCharges": "numeric", "TotalCharges": "numeric", "ZipCode": "postcode",
        "Churn": "binary",
    }  # fmt: skip


def test_numbers_stored_as_text_are_converted_with_the_count_that_failed(telco):
    df, d = telco
    row = d.to_frame().set_index("column").loc["TotalCharges"]
    assert row["converted_from"] == "text" and row["failed"] == 11 and row["missing"] == 11
    expected = pd.to_numeric(df["TotalCharges"].str.strip().replace("", np.nan))
    assert row["mean"] == pytest.approx(expected.mean())
    assert d.data["TotalCharges"].dtype == "float64" and df["TotalCharges"].dtype != "float64"  # caller's untouched
    detail = _alerts(d, "TotalCharges").query("alert == 'converted'")["detail"].item()
    assert "11 values that are not numbers (e.g. ' ')" in detail


def test_postcodes_and_ids_are_not_averaged(telco):
    _, d = telco
    t = d.to_frame().set_index("column")
    assert t.loc[["ZipCode", "customerID"], ["mean", "median"]].isna().all().all()
    assert _alerts(d, "customerID")["alert"].tolist() == ["id-like"]


def test_a_zero_one_column_is_binary_with_levels_not_a_box(telco):
    _, d = telco
    assert sorted(d.levels.query("column == 'SeniorCitizen'")["level"]) == ["0", "1"]
    fig = d.plot(columns=["SeniorCitizen"])
    assert not fig.axes[0].lines  # bars of the two levels, no box plot


def test_marketing_campaign_kinds_and_alerts(data_file):
    df = pd.read_csv(data_file("marketing_campaign.csv"), sep="\t")
    d = ms.describe(df)
    kinds = d.kinds()
    expected = {c: "numeric" for c in df.columns}
    expected.update({"ID": "id", "Education": "category", "Marital_Status": "category", "Dt_Customer": "datetime",
                     "Z_CostContact": "constant", "Z_Revenue": "constant"})  # fmt: skip
    expected.update({c: "binary" for c in df.columns if c.startswith("AcceptedCmp") or c in ("Complain", "Response")})
    assert kinds == expected
    assert d.data["Dt_Customer"].min() == pd.Timestamp("2012-07-30")  # read day first: 30-07-2012
    a = d.alerts
    assert set(a.query("alert == 'constant'")["column"]) == {"Z_CostContact", "Z_Revenue"}
    assert "666,666" in a.query("column == 'Income' and alert == 'outliers'")["detail"].item()
    assert "666666" in a.query("column == 'Income' and alert == 'sentinel'")["detail"].item()
    assert "1893, 1899, 1900" in a.query("column == 'Year_Birth' and alert == 'outliers'")["detail"].item()
    assert "'YOLO'" in a.query("column == 'Marital_Status' and alert == 'rare levels'")["detail"].item()
    assert "182 rows" in _alerts(d)["detail"].str.cat()  # the same person under two ids
    assert a.query("column == 'ID'")["alert"].tolist() == ["id-like"]


def test_bank_full_unknown_is_a_sentinel_with_its_share(data_file):
    df = pd.read_csv(data_file("bank-full.csv.gz"), sep=";")
    d = ms.describe(df)
    assert d.kinds() == {
        "age": "numeric", "job": "category", "marital": "category", "education": "category", "default": "binary",
        "balance": "numeric", "housing": "binary", "loan": "binary", "contact": "category", "day": "numeric",
        "month": "category", "duration": "numeric", "campaign": "numeric", "pdays": "numeric", "previous": "numeric",
        "poutcome": "category", "y": "binary",
    }  # fmt: skip
    s = d.alerts.query("alert == 'sentinel'").set_index("column")["detail"]
    assert s["poutcome"].startswith("'unknown' in 82 % of rows (36,959)")
    assert s["job"].startswith("'unknown' in 0.6 % of rows (288)")
    assert s["pdays"].startswith("-1 in 82 % of rows (36,954), a spike at the bottom")
    # explicit, reported conversion: unknown becomes missing only when asked
    d2 = ms.describe(df, missing_values={"poutcome": ["unknown"]})
    assert d2.to_frame().set_index("column").loc["poutcome", "missing_share"] == pytest.approx(36959 / len(df))
    assert d2.alerts.query("column == 'poutcome'")["alert"].tolist() == ["set to missing", "missing"]
    assert (df["poutcome"] == "unknown").sum() == 36959  # the caller's frame is untouched


def test_ambiguous_day_month_order_asks_for_dayfirst():
    df = pd.DataFrame({"joined": ["03/04/2024", "05/06/2024", "01/02/2023"] * 10})
    with pytest.raises(SchemaError, match=r"ambiguous.*dayfirst=True.*--dayfirst"):
        ms.describe(df)
    d = ms.describe(df, dayfirst=True)
    assert d.data["joined"].iloc[0] == pd.Timestamp("2024-04-03")
    assert ms.describe(df, dayfirst=False).data["joined"].iloc[0] == pd.Timestamp("2024-03-04")


def test_day_first_is_read_from_the_values_when_one_order_fails():
    df = pd.DataFrame({"joined": ["03/04/2024", "25/06/2024", "01/02/2023"] * 10 + ["bad"]})
    d = ms.describe(df)
    assert d.data["joined"].iloc[1] == pd.Timestamp("2024-06-25")
    assert d.to_frame().set_index("column").loc["joined", "failed"] == 1
    # one failed value: a count below min_cell is not quoted in an alert (the one small-cell rule)
    detail = d.alerts.query("alert == 'converted'")["detail"].item()
    assert "day first; fewer than 10 values that are not dates (e.g. 'bad')" in detail


def test_personal_data_is_found_by_value_and_name():
    n = 200
    rng = np.random.default_rng(1)
    df = pd.DataFrame(
        {
            "contact": [f"person{i}@example.org" for i in range(n)],
            "tel": [f"020 7946 {i:04d}" for i in range(n)],
            "last_name": rng.choice(["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts",
                                     "Walker", "Wright", "Green", "Hall"], n),  # fmt: skip
            "spend": rng.gamma(2, 10, n),
        }
    )
    a = ms.describe(df).alerts.query("alert == 'personal data'").set_index("column")["detail"]
    assert a["contact"].startswith("looks like e-mail addresses")
    assert a["tel"].startswith("looks like phone numbers")
    assert a["last_name"].startswith("looks like personal names")
    assert "spend" not in a.index
    d = ms.describe(df)
    shown = d.alerts["detail"].str.cat(sep=" ") + " ".join(d.levels["level"]) + d.to_frame()["top_levels"].fillna("").str.cat()
    assert "@example.org" not in shown and "7946" not in shown and "Smith" not in shown  # no personal values quoted
    assert d.kinds()["tel"] == "id" and d.kinds()["last_name"] == "id"


def test_sensitive_columns_come_from_the_privacy_detector():
    df = pd.DataFrame({"faith": ["Muslim", "Christian", "Hindu", "Jewish"] * 10, "x": np.arange(40.0)})
    with pytest.warns(SensitiveDataWarning):
        d = ms.describe(df)
    found = find_sensitive(df)
    row = d.alerts.query("alert == 'sensitive'")
    assert row["column"].tolist() == ["faith"] and found["evidence"].item() in row["detail"].item()


@pytest.mark.parametrize(
    "values, alert, words",
    [
        (["a"] * 995 + ["b"] * 5, "near-constant", "'a' in 99.5 %"),
        ([1, "x", 2.5, "y"] * 250, "mixed types", "values of several types"),
        (["12", "15", "n.a.", "17"] * 250, "mixed types", "75 % of the values are numbers"),
        ([f"shop {i % 80}" for i in range(1000)], "high cardinality", "80 distinct values"),
    ],
)
def test_column_alerts(values, alert, words):
    d = ms.describe(pd.DataFrame({"col": values, "other": np.arange(1000) % 7}))
    details = d.alerts.query("column == 'col' and alert == @alert")["detail"]
    assert len(details) == 1 and words in details.item()


def test_duplicated_ids_and_rows():
    df = pd.DataFrame({"customer_id": [f"C{i}" for i in range(100)] + ["C1"], "x": list(range(100)) + [1]})
    d = ms.describe(df)
    assert "fewer than 10 rows repeat an id already seen (e.g. 'C1')" in d.alerts.query("alert == 'duplicate ids'")["detail"].item()
    assert _alerts(d)["detail"].tolist() == ["fewer than 10 rows (under 10 %) repeat an earlier row."]


def test_alerts_quote_no_count_from_1_to_min_cell_minus_1():
    df = pd.DataFrame({"x": [1.0] * 40 + [np.nan] * 3 + [2.0] * 17, "c": ["a"] * 55 + ["unknown"] * 5})
    small = ms.describe(df).alerts.set_index(["column", "alert"])["detail"]
    assert small[("x", "missing")] == "fewer than 10 values missing (under 17 %)."
    assert "in under 17 % of rows (fewer than 10)" in small[("c", "sentinel")]
    assert not small.str.contains(r"\b[1-9] (?:values|rows)|\([1-9]\)").any()
    shown = ms.describe(df, min_cell=3).alerts.set_index(["column", "alert"])["detail"]
    assert shown[("x", "missing")].startswith("3 values missing (5 %)")


def test_outliers_name_their_values_and_a_long_tail_is_not_outliers():
    rng = np.random.default_rng(3)
    x = rng.normal(50, 5, 2000)
    x[[3, 7]] = [500, -300]
    d = ms.describe(pd.DataFrame({"x": x, "tail": rng.pareto(1.0, 2000)}))
    assert "500, -300" in d.alerts.query("column == 'x' and alert == 'outliers'")["detail"].item()
    assert d.alerts.query("column == 'tail' and alert == 'outliers'").empty


def test_free_text_and_text_ids_are_told_apart():
    rng = np.random.default_rng(2)
    words = np.array(["late", "delivery", "great", "service", "refund", "please", "box", "damaged", "thanks"])
    df = pd.DataFrame({"comment": [" ".join(rng.choice(words, 6)) for _ in range(300)],
                       "order_ref": [f"ORD{i:06d}" for i in range(300)], "n": rng.integers(0, 5, 300)})  # fmt: skip
    assert ms.describe(df).kinds() == {"comment": "text", "order_ref": "id", "n": "numeric"}


def test_profile_chooses_columns_by_kind(telco):
    df, _ = telco
    df = df.assign(TotalCharges=pd.to_numeric(df["TotalCharges"], errors="coerce"))
    prof = ms.profile(df, "Contract")
    t = prof.to_frame()
    assert "ZipCode" not in set(t["column"]) and any("'ZipCode' left out: it looks like a postcode" in n for n in prof.notes)
    senior = t[t["column"] == "SeniorCitizen"]
    assert set(senior["kind"]) == {"flag"} and senior["mean_segment"].isna().all()  # shares, not a mean of 0/1
    share = senior.query("segment == 'Month-to-month' and level == 'True'")["share_overall"].item()
    assert share == pytest.approx(df["SeniorCitizen"].mean())
