"""No count from 1 to min_cell - 1 anywhere in the demo report: every table (and every note) is scanned."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from microseg.cli import main

MIN_CELL = 10
# columns of integers that are not numbers of people: distinct values, and the summary of a column's values
# (a household size of 2 is a value, not two people)
NOT_PEOPLE = {"distinct", "mean", "std", "min", "p25", "median", "p75", "max"}


class _Page(HTMLParser):
    """Every table (header row, then body rows of (tag, text) cells) and every highlighted note of a page."""

    def __init__(self):
        super().__init__()
        self.tables, self.notes = [], []
        self._row = self._cell = self._note = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = [tag, ""]
        elif tag == "p" and ("class", "note") in attrs:
            self._note = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append((self._cell[0], self._cell[1].strip()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1].append(self._row)
            self._row = None
        elif tag == "p" and self._note is not None:
            self.notes.append(self._note)
            self._note = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data
        if self._note is not None:
            self._note += data


def small_counts(page: str, min_cell: int = MIN_CELL) -> list[str]:
    """Whole numbers from 1 to min_cell - 1 in table cells (not row labels) and in 'label: number' notes."""
    parsed = _Page()
    parsed.feed(page)
    found = []
    for t, rows in enumerate(parsed.tables):
        header = [text for _, text in rows[0]] if rows else []
        for row in rows[1:]:
            for j, (tag, text) in enumerate(row):
                column = header[j] if j < len(header) else j
                if tag == "td" and column not in NOT_PEOPLE and re.fullmatch(r"\d[\d,]*", text):
                    if 1 <= int(text.replace(",", "")) < min_cell:
                        found.append(f"table {t}, column {column!r}, row {row[0][1]!r}: {text}")
    for note in parsed.notes:
        for m in re.finditer(r"([A-Za-z][\w ()'-]*): (\d[\d,]*)\b(?![.,]\d)", note):
            if 1 <= int(m.group(2).replace(",", "")) < min_cell:
                found.append(f"note: {m.group(0)}")
    return found


def test_the_scanner_finds_small_counts_in_tables_and_notes():
    page = ('<table><tr><th></th><th>step</th><th>rows</th><th>distinct</th></tr><tr><th>3</th><td>invalid</td>'
            '<td>3</td><td>2</td></tr></table><p class="note">Dropped rows: invalid: 3; duplicate: 22.</p>')
    assert small_counts(page) == ["table 0, column 'rows', row '3': 3", "note: invalid: 3"]


@pytest.mark.parametrize("customers", [3_000, pytest.param(20_000, marks=pytest.mark.slow)])
def test_the_demo_report_publishes_no_count_from_1_to_min_cell_minus_1(tmp_path, customers):
    assert main(["demo", "--out", str(tmp_path), "--customers", str(customers)]) == 0
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(page)
    assert len(parsed.tables) >= 8  # population, profiles, RFM, funnel, read-out, plan, export steps, tiers...
    assert small_counts(page) == []
