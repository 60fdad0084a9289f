"""Progress on long work: bars on by default in Jupyter and the command, off with verbose=False; a line per report section."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from tqdm import tqdm

import microseg as ms
from microseg._progress import bar, progress, shown_by_default, wanted
from microseg.cli import main


def test_automatic_progress_is_off_in_scripts_and_on_inside_the_command():
    assert wanted(None) is False
    with shown_by_default():
        assert wanted(None) is True and wanted(False) is False
    with shown_by_default(False):
        assert wanted(None) is False and wanted(True) is True
    assert wanted(None) is False


def test_a_wanted_bar_is_a_tqdm_bar_and_an_unwanted_one_is_the_plain_iterable():
    items = range(3)
    assert progress(items, desc="x", verbose=False) is items
    shown = progress(items, desc="x", verbose=True)
    assert isinstance(shown, tqdm) and list(shown) == [0, 1, 2]
    with bar(2, desc="x", verbose=False) as b:
        b.update()  # the silent stand-in takes the same calls


def test_verbose_false_writes_nothing(capsys):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 2)), columns=["a", "b"])
    with shown_by_default():
        ms.choose_k(X, k=[2, 3], n_references=2, random_state=0, verbose=False)
        ms.stability(X, k=[2], n_resamples=2, random_state=0, verbose=False)
    assert capsys.readouterr().err == ""


def test_the_command_writes_a_progress_line_per_section_and_quiet_writes_none(tmp_path, capsys):
    df = pd.DataFrame({"segment": ["a", "b"] * 60, "x": np.arange(120.0), "c": ["u", "v", "w"] * 40})
    path = tmp_path / "t.csv"
    df.to_csv(path, index=False)
    assert main(["report", str(path), "--segments", "segment", "--out", str(tmp_path / "r")]) == 0
    err = capsys.readouterr().err
    lines = [ln for ln in err.splitlines() if re.match(r"microseg: \[\s*\d+\.\d s\] ", ln)]  # the page's own lines
    assert [ln.split("] ", 1)[1] for ln in lines] == ["Who is in the data", "Segments by segment", "Privacy defaults applied"]
    assert main(["report", str(path), "--segments", "segment", "--out", str(tmp_path / "q"), "--quiet"]) == 0
    assert "microseg: [" not in capsys.readouterr().err


def test_every_report_section_ends_with_what_to_do_next(tmp_path):
    df = pd.DataFrame({"segment": ["a", "b"] * 60, "x": np.arange(120.0)})
    page = ms.reporting.table_report(df, segments="segment", out=tmp_path).read_text(encoding="utf-8")
    sections = page.split("<section")[1:]
    assert len(sections) == 3
    assert all('<p class="next"><b>Next:</b>' in s for s in sections)
