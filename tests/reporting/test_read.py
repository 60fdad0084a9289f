"""read_table: a user's file read whatever its format, separator and encoding; one-line errors otherwise."""

import gzip

import numpy as np
import pandas as pd
import pytest

from microseg.errors import MicrosegError
from microseg.reporting import read_table


@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame({"név": rng.choice(["Zoë", "Łukasz", "Ærø"], 50), "összeg": np.round(rng.gamma(2, 10, 50), 2)})


@pytest.mark.parametrize(
    "encoding, prefix",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b"")],
    ids=["utf-8", "utf-8 with BOM", "utf-16"],
)
def test_unicode_files_read_back_exactly(tmp_path, frame, encoding, prefix):
    path = tmp_path / "t.csv"
    path.write_bytes(prefix + frame.to_csv(index=False, sep="\t").encode(encoding))
    got = read_table(path)
    pd.testing.assert_frame_equal(got, frame, check_dtype=False)
    assert list(got.columns) == ["név", "összeg"]  # no BOM glued to the first name
    assert got.attrs["microseg_source"]["sep"] == "\t"


def test_a_cyrillic_code_page_is_detected(tmp_path):
    df = pd.DataFrame({"город": ["Москва", "Санкт-Петербург", "Новосибирск", "Екатеринбург"] * 30, "сумма": range(120)})
    path = tmp_path / "t.csv"
    path.write_bytes(df.to_csv(index=False, sep=";").encode("cp1251"))
    got = read_table(path)
    assert got["город"].tolist() == df["город"].tolist()


def test_gzipped_csv_without_a_gz_name(tmp_path, frame):
    path = tmp_path / "export.dat"
    path.write_bytes(gzip.compress(frame.to_csv(index=False, sep=";").encode("latin-1", errors="replace")))
    got = read_table(path)
    assert got.shape == frame.shape and got.attrs["microseg_source"]["sep"] == ";"


def test_excel_sheet_by_name(tmp_path, frame):
    pytest.importorskip("openpyxl")
    pytest.importorskip("python_calamine")
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        frame.head(3).to_excel(xw, sheet_name="notes", index=False)
        frame.to_excel(xw, sheet_name="customers", index=False)
    assert len(read_table(path)) == 3  # the first sheet by default
    pd.testing.assert_frame_equal(read_table(path, sheet="customers"), frame, check_dtype=False)


def test_parquet_keeps_dtypes(tmp_path, frame):
    df = frame.assign(when=pd.date_range("2024-01-01", periods=50, freq="D"))
    df.to_parquet(tmp_path / "t.bin")  # recognised by its content, not its name
    got = read_table(tmp_path / "t.bin")
    assert pd.api.types.is_datetime64_any_dtype(got["when"]) and got.attrs["microseg_source"]["format"] == "parquet"


@pytest.mark.parametrize(
    "content, words",
    [
        (b"a;b\n1;2\n3;4;5\n", "line 3 has 3 fields where the header has 2"),
        (b"PK\x03\x04" + bytes(100), "zip archive"),
        (b"only_one_column\n1\n2\n", "read as a single column"),
    ],
    ids=["ragged", "zip", "one column"],
)
def test_bad_files_raise_one_line(tmp_path, content, words):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(MicrosegError, match=words) as err:
        read_table(path)
    assert "\n" not in str(err.value)


def test_missing_file_names_the_flag(tmp_path):
    with pytest.raises(MicrosegError, match="check the path given to --transactions"):
        read_table(tmp_path / "nope.csv", flag="--transactions")
