"""Reporting: the whole path as one self-contained HTML page.

* :class:`Report` — a page of sections (text, tables, figures embedded);
* :func:`demo_report` — the demo population, from profiles to a campaign plan;
* :func:`table_report` — what applies to a customer table of your own;
* :func:`read_table` — CSV (separator and encoding sniffed), Excel or Parquet, with one-line errors.

The ``microseg`` command (:mod:`microseg.cli`) is a thin layer over these.
"""

from __future__ import annotations

from .._lazy import attach

_NAMES = {
    "Report": "._page",
    "demo_report": "._sections",
    "table_report": "._table_report",
    "read_table": "._read",
}

__getattr__, __dir__, __all__ = attach(__name__, _NAMES)
