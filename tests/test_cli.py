"""The microseg command: the demo report and a report on a user's own table."""

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
    ["Who is in the data", "Personas", "Behaviour: RFM segments", "Campaign: test read-out", "Privacy defaults applied"],
)
def test_demo_has_every_section(demo_page, section):
    assert section in demo_page[1]


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
    assert "'religion' is sensitive" in capsys.readouterr().err
    assert main(["report", str(path), "--segments", "tier", "--id", "id", "--out", str(tmp_path / "r"),
                 "--allow-sensitive", "religion"]) == 2  # fmt: skip
    assert "COLUMN=REASON" in capsys.readouterr().err
    assert main(["report", str(path), "--segments", "tier", "--id", "id", "--out", str(tmp_path / "r"),
                 "--allow-sensitive", "religion=charity members consented"]) == 0  # fmt: skip
    assert "charity members consented" in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")


def test_demo_verbose_prints_each_part_with_its_time_budget(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--customers", "2000", "--verbose"]) == 0
    out = capsys.readouterr().out
    for part in ("imports", "data", "population", "personas", "behaviour", "lookalike", "campaign", "total"):
        assert any(line.startswith(part) for line in out.splitlines()), part
    total = next(line for line in out.splitlines() if line.startswith("total")).split()
    assert float(total[2]) == 15.0  # the budget of the whole demo
