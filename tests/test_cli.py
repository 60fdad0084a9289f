"""The microseg command: the demo report and a report on a user's own table."""

import html
import re

import numpy as np
import pandas as pd
import pytest

from microseg.cli import main
from microseg.errors import DataQualityWarning


@pytest.fixture(scope="module")
def demo_page(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out), "--customers", "3000"]) == 0
    return out, (out / "index.html").read_text(encoding="utf-8")


def test_demo_writes_one_self_contained_page(demo_page):
    _, page = demo_page
    assert page.startswith("<!DOCTYPE html>")
    assert "http://" not in page and "https://" not in page  # nothing fetched from the network
    assert len(re.findall(r'src="data:image/png;base64,', page)) >= 8


@pytest.mark.parametrize(
    "section",
    ["Who is in the data", "Personas", "Behaviour: RFM segments", "Customer lifetime value", "Campaign: test read-out",
     "Personalisation: the best message",
     "Privacy defaults applied"],
)
def test_demo_has_every_section(demo_page, section):
    assert section in demo_page[1]


def test_demo_shows_clv_intervals_and_the_holdout_gap(demo_page):
    page = demo_page[1].replace("<wbr>", "")  # the table formatter lets long headers break at underscores
    assert "mean_clv_low" in page and "mean_clv_high" in page
    assert "repeat purchase weeks in the last 26 weeks" in page


def test_demo_shows_retention_by_acquisition_channel_and_counts_anonymous_funnel_events(demo_page):
    page = demo_page[1]
    assert "Retention by acquisition channel" in page and 'alt="retention by acquisition channel"' in page
    assert re.search(r"<t[hd][^>]*>organic_<wbr>search</t[hd]>|<t[hd][^>]*>organic_search</t[hd]>", page)  # a row per channel
    assert "anonymous events (no customer id)" in page  # funnel drops them itself and the report says so


def test_demo_plan_is_incremental(demo_page):
    page = demo_page[1]
    assert "An incremental email plan under a budget" in page and "Incremental revenue" in page
    assert "not incremental" not in page.split("An incremental email plan")[1].split("raw response, not incremental")[0]


def test_demo_export_holds_only_hashes(demo_page):
    out, _ = demo_page
    export = pd.read_csv(out / "audience_meta_hashed.csv", dtype=str)
    values = export.stack().dropna()
    assert len(values) > 0 and values.str.fullmatch(r"[0-9a-f]{64}").all()


@pytest.fixture
def table_csv(tmp_path):
    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame(
        {
            "id": [f"K{i}" for i in range(n)],
            "tier": rng.choice(["gold", "silver", "bronze"], n),
            "age": rng.integers(18, 80, n),
            "spend": rng.gamma(2, 40, n),
            "email": [f"p{i}@example.com" for i in range(n)],
        }
    )
    df.loc[df["tier"] == "gold", "spend"] *= 3
    path = tmp_path / "customers.csv"
    df.to_csv(path, sep=";", index=False)
    return path, df


def test_report_on_own_table_detects_the_separator(table_csv, tmp_path, capsys):
    path, _ = table_csv
    assert main(["report", str(path), "--segments", "tier", "--id", "id", "--out", str(tmp_path / "r")]) == 0
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "Segments by tier" in page and "spend above average" in page
    assert "p1@example.com" not in page  # contact details are never profiled


def test_report_refuses_a_missing_file(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.csv"), "--segments", "x"]) == 2
    assert "not found" in capsys.readouterr().err


def test_report_refuses_a_wrong_separator(table_csv, tmp_path, capsys):
    path, _ = table_csv
    assert main(["report", str(path), "--segments", "tier", "--sep", ",", "--out", str(tmp_path / "r")]) == 2
    assert "single column" in capsys.readouterr().err


def test_report_names_a_missing_column(table_csv, tmp_path, capsys):
    path, _ = table_csv
    assert main(["report", str(path), "--segments", "segment", "--out", str(tmp_path / "r")]) == 2
    assert "no column 'segment'" in capsys.readouterr().err


def test_report_refuses_sensitive_columns_unless_allowed_with_a_reason(table_csv, tmp_path, capsys):
    path, df = table_csv
    df.assign(religion=np.where(np.arange(len(df)) % 2, "a", "b")).to_csv(path, index=False)
    assert main(["report", str(path), "--segments", "tier", "--id", "id", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "'religion' is sensitive" in err and '--allow-sensitive "religion=why this use is lawful"' in err
    assert "allow_sensitive=" not in err
    assert main(["report", str(path), "--segments", "tier", "--id", "id", "--out", str(tmp_path / "r"),
                 "--allow-sensitive", "religion"]) == 2  # fmt: skip
    assert "COLUMN=REASON" in capsys.readouterr().err
    assert main(["report", str(path), "--segments", "tier", "--id", "id", "--out", str(tmp_path / "r"),
                 "--allow-sensitive", "religion=charity members consented"]) == 0  # fmt: skip
    assert "charity members consented" in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")


# -- a user's own files ---------------------------------------------------------------------------


def _run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.err


@pytest.fixture
def shop(tmp_path):
    """A customer table and a store's order export: day-first dates, a BOM, ';' separated, Latin-1 names."""
    rng = np.random.default_rng(4)
    n = 400
    ids = [f"C{i:04d}" for i in range(n)]
    customers = pd.DataFrame(
        {
            "Customer_ID": ids,
            "Tier": rng.choice(["gold", "silver", "bronze"], n),
            "Age": rng.integers(18, 80, n),
            "Churned": rng.choice(["Yes", "No"], n, p=[0.3, 0.7]),
            "Newsletter": rng.integers(0, 2, n),
        }
    )
    gold = customers["Tier"] == "gold"
    customers.loc[gold, "Churned"] = np.where(rng.random(gold.sum()) < 0.7, "Yes", "No")
    rows = rng.integers(1, 6, n)
    cust = np.repeat(ids, rows)
    days = rng.integers(0, 400, len(cust))
    when = pd.Timestamp("2023-01-01") + pd.to_timedelta(days, unit="D")
    orders = pd.DataFrame(
        {"Kunde": cust, "Datum": when.strftime("%d/%m/%Y"), "Betrag": np.round(rng.gamma(2, 30, len(cust)), 2)}
    )
    table = tmp_path / "customers.csv"
    customers.to_csv(table, index=False)
    log = tmp_path / "orders.csv"
    log.write_bytes(b"\xef\xbb\xbf" + orders.to_csv(index=False, sep=";").encode("utf-8"))
    return table, log, customers, orders


def test_transactions_report_on_a_day_first_order_log_with_a_bom(shop, tmp_path, capsys):
    table, log, _, orders = shop
    code, err = _run(["report", str(table), "--segments", "Tier", "--id", "Customer_ID", "--transactions", str(log),
                      "--customer", "Kunde", "--time", "Datum", "--value", "Betrag", "--dayfirst",
                      "--out", str(tmp_path / "r")], capsys)  # fmt: skip
    assert code == 0, err
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "Behaviour from the order log" in page and "Customer lifetime value" in page
    first = pd.to_datetime(orders["Datum"], format="%d/%m/%Y").min()
    assert f"{len(orders):,} order rows of 400 customers from {first:%Y-%m-%d}" in page
    assert "Mean CLV per segment of &#x27;Tier&#x27;" in page
    assert re.findall(r"microseg: \[\d/\d\] ", err) == ["microseg: [1/3] ", "microseg: [2/3] ", "microseg: [3/3] "]


def test_order_log_flags_are_named_in_errors(shop, tmp_path, capsys):
    table, log, _, _ = shop
    base = ["report", str(table), "--segments", "Tier", "--out", str(tmp_path / "r")]
    code, err = _run(base + ["--transactions", str(log), "--customer", "kunde", "--time", "Datum", "--value", "Betrag"],
                     capsys)  # fmt: skip
    assert code == 2 and "--customer 'kunde': no column 'kunde'" in err and "did you mean 'Kunde'?" in err
    code, err = _run(base + ["--customer", "Kunde"], capsys)
    assert code == 2 and "pass it with --transactions FILE" in err


def test_target_adds_rates_explaining_columns_and_a_lookalike(shop, tmp_path, capsys):
    table, _, customers, _ = shop
    code, err = _run(["report", str(table), "--segments", "Tier", "--id", "Customer_ID", "--target", "Churned",
                      "--out", str(tmp_path / "r")], capsys)  # fmt: skip
    assert code == 0, err
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "Target: Churned = Yes" in page and "The columns that best explain it" in page and "Lookalike audience" in page
    gold = customers.query("Tier == 'gold'")
    assert f"{100 * (gold['Churned'] == 'Yes').mean():.1f} %" in page  # the gold segment's churn rate, as a share


def test_persona_cards_name_the_column_and_the_informative_side(tmp_path, capsys):
    rng = np.random.default_rng(5)
    n = 900
    df = pd.DataFrame({"plan": rng.choice(["basic", "plus", "pro"], n), "Partner": rng.choice(["Yes", "No"], n)})
    df["Contract"] = np.where(df["plan"] == "basic", "Month-to-month", rng.choice(["One year", "Two year"], n))
    df.loc[df["plan"] == "pro", "Partner"] = "Yes"
    df.to_csv(tmp_path / "t.csv", index=False)
    assert main(["report", str(tmp_path / "t.csv"), "--segments", "plan", "--out", str(tmp_path / "r")]) == 0
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    card = re.search(r"<b>basic</b> — <i>([^<]*)</i>", page).group(1)
    assert card.startswith("Contract: Month-to-month")
    pro = re.search(r"<b>pro</b>[^<]*<i>[^<]*</i><br>([^<]*)</div>", page).group(1)
    assert "Partner: Yes" in pro and "Partner: No" not in pro


@pytest.mark.parametrize("engine_missing", [False, True])
def test_excel_workbook_is_read_or_names_the_extra(table_csv, tmp_path, capsys, monkeypatch, engine_missing):
    pytest.importorskip("openpyxl")
    _, df = table_csv
    path = tmp_path / "customers.csv"  # a workbook saved under a .csv name is still read as Excel
    df.to_excel(path, index=False, engine="openpyxl")
    if engine_missing:
        monkeypatch.setitem(__import__("sys").modules, "python_calamine", None)
    else:
        pytest.importorskip("python_calamine")
    code, err = _run(["report", str(path), "--segments", "tier", "--id", "id", "--out", str(tmp_path / "r")], capsys)
    if engine_missing:
        assert code == 2 and 'pip install "microseg[excel]"' in err and "Traceback" not in err
    else:
        assert code == 0, err


def test_latin1_file_is_read(tmp_path, capsys):
    rng = np.random.default_rng(6)
    n = 300
    df = pd.DataFrame({"région": rng.choice(["Île-de-France", "Rhône-Alpes", "Bretagne"], n), "âge": rng.integers(18, 80, n)})
    path = tmp_path / "clients.csv"
    path.write_bytes(df.to_csv(index=False, sep=";").encode("latin-1"))
    code, err = _run(["report", str(path), "--segments", "région", "--out", str(tmp_path / "r")], capsys)
    assert code == 0, err
    assert "Île-de-France" in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")


def test_parquet_file_is_read(table_csv, tmp_path, capsys):
    _, df = table_csv
    df.to_parquet(tmp_path / "t.parquet")
    assert main(["report", str(tmp_path / "t.parquet"), "--segments", "tier", "--id", "id", "--out", str(tmp_path / "r")]) == 0


@pytest.mark.parametrize(
    "content, words",
    [
        (b"a,b,c\n1,2,3\n4,5,6,7\n", "line 3 has 4 fields where the header has 3"),
        (bytes(range(256)) * 40, "is not a text table (binary content at byte 0)"),
        (b"", "is empty (0 bytes)"),
        (b"\n\n  \n", "holds only blank lines"),
    ],
    ids=["ragged", "binary", "empty", "blank"],
)
def test_bad_files_get_one_line_naming_the_fix(tmp_path, capsys, content, words):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    code, err = _run(["report", str(path), "--segments", "a"], capsys)
    assert code == 2 and words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 2  # the "reading" progress line, then the error


def test_a_folder_is_not_reported_as_not_found(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("a,b\n1,2\n")
    code, err = _run(["report", str(tmp_path), "--segments", "a"], capsys)
    assert code == 2 and "is a folder, not a file" in err and "t.csv" in err


def test_cli_errors_use_flags_and_show_few_values(tmp_path, capsys):
    rng = np.random.default_rng(7)
    n = 2000
    df = pd.DataFrame({"Income": rng.normal(50_000, 9_000, n).round(), "Marital_Status": ["Married"] * 1000 +
                       ["Single"] * 988 + ["YOLO"] * 4 + ["Absurd"] * 3 + ["Alone"] * 5, "Age": rng.integers(18, 80, n)})  # fmt: skip
    path = tmp_path / "m.csv"
    df.to_csv(path, index=False)
    out = ["--out", str(tmp_path / "r")]
    code, err = _run(["report", str(path), "--segments", "Income"] + out, capsys)
    assert code == 2 and "--segments 'Income' is a numeric column" in err and err.count(",") < 20
    code, err = _run(["report", str(path), "--segments", "Marital_Status"] + out, capsys)
    assert code == 2 and "--pool-small-segments" in err and "'YOLO'" in err
    code, err = _run(["report", str(path), "--segments", "marital_status"] + out, capsys)
    assert code == 2 and "did you mean 'Marital_Status'?" in err
    code, err = _run(["report", str(path), "--segments", "Marital_Status", "--min-cell", "1"] + out, capsys)
    assert code == 2 and "--min-cell must be at least 2" in err
    code, err = _run(["report", str(path), "--segments", "Marital_Status", "--pool-small-segments"] + out, capsys)
    assert code == 0, err
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "3 segments of &#x27;Marital_Status&#x27; with fewer than 10 people pooled into &#x27;other&#x27;" in page
    assert "Too few together" not in page  # 12 people together: enough to be shown


def test_ambiguous_dates_ask_for_dayfirst_flag(tmp_path, capsys):
    df = pd.DataFrame({"seg": ["a", "b"] * 50, "joined": ["03/04/2024", "05/06/2024"] * 50, "x": np.arange(100) % 7})
    df.to_csv(tmp_path / "d.csv", index=False)
    code, err = _run(["report", str(tmp_path / "d.csv"), "--segments", "seg", "--out", str(tmp_path / "r")], capsys)
    assert code == 2 and "--dayfirst" in err and "dayfirst=True" not in err
    assert main(["report", str(tmp_path / "d.csv"), "--segments", "seg", "--dayfirst", "--out", str(tmp_path / "r")]) == 0


def test_sentinels_become_missing_only_when_asked(tmp_path, capsys):
    rng = np.random.default_rng(8)
    n = 600
    df = pd.DataFrame({"seg": rng.choice(["a", "b"], n), "outcome": rng.choice(["success", "failure", "unknown"], n,
                       p=[0.1, 0.1, 0.8]), "x": rng.normal(size=n)})  # fmt: skip
    df.to_csv(tmp_path / "s.csv", index=False)
    out = ["--out", str(tmp_path / "r")]
    assert main(["report", str(tmp_path / "s.csv"), "--segments", "seg"] + out) == 0
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"'unknown' in [78]\d % of rows", html.unescape(page)) and "--missing-values outcome=unknown" in page
    assert main(["report", str(tmp_path / "s.csv"), "--segments", "seg", "--missing-values", "outcome=unknown"] + out) == 0
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "set to missing" in page and "were set to missing, as asked" in page


def test_numeric_ids_match_across_the_table_and_the_log(shop, tmp_path, capsys):
    _, _, customers, orders = shop
    num = {c: i + 1000 for i, c in enumerate(customers["Customer_ID"])}
    customers.assign(Customer_ID=customers["Customer_ID"].map(num)).to_csv(tmp_path / "c.csv", index=False)
    log = orders.assign(Kunde=orders["Kunde"].map(num).astype("float64"))
    log.loc[log.index[:5], "Kunde"] = np.nan  # lines without a customer, as in store exports: a float column
    log.to_csv(tmp_path / "o.csv", index=False)
    code, err = _run(["report", str(tmp_path / "c.csv"), "--segments", "Tier", "--id", "Customer_ID", "--transactions",
                      str(tmp_path / "o.csv"), "--customer", "Kunde", "--time", "Datum", "--value", "Betrag",
                      "--dayfirst", "--out", str(tmp_path / "r")], capsys)  # fmt: skip
    assert code == 0, err
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert "Mean CLV per segment of &#x27;Tier&#x27;" in page
    assert "order rows without a customer, a readable date or an amount" in page  # the 5 lines, said in a note


def test_demo_verbose_prints_each_part_with_its_time_budget(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--customers", "2000", "--verbose"]) == 0
    out = capsys.readouterr().out
    for part in ("imports", "data", "population", "personas", "behaviour", "lookalike", "campaign", "total"):
        assert any(line.startswith(part) for line in out.splitlines()), part
    total = next(line for line in out.splitlines() if line.startswith("total")).split()
    assert float(total[2]) == 15.0  # the budget of the whole demo
