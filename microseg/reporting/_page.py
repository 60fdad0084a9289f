"""One self-contained HTML page: tables and plots embedded, nothing fetched from the network.

:class:`Report` collects sections (text, tables, figures) and writes them as a
single HTML file that a person can open anywhere; figures are embedded as PNG
data URIs. The ``microseg`` command builds its reports with it.
"""

from __future__ import annotations

import base64
import html
import io
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .._files import write_text

__all__ = ["Report"]

_DPI = 96  # CSS pixels per inch: a figure of 6.4 in is shown 614 px wide, whatever the screen

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:1100px;color:#222;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem} h2{font-size:1.3rem;border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}
h3{font-size:1.05rem;margin-bottom:.3rem} p.lead{color:#555;margin-top:0}
.ms-table{width:fit-content;border:1px solid #e5e5e5;border-radius:4px} th{background:#f6f6f6}
img{max-width:100%;height:auto;margin:.6rem 0;display:block}
nav ul{columns:2;font-size:.9rem} .cards{display:flex;flex-wrap:wrap;gap:.8rem}
.card{border:1px solid #ddd;border-radius:6px;padding:.6rem .9rem;flex:1 1 300px;background:#fafafa}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.5rem .8rem;font-size:.9rem}
.next{background:#eef6ee;border-left:4px solid #3a9a3a;padding:.5rem .8rem;font-size:.95rem}
"""


@dataclass
class _Section:
    title: str
    parts: list[str] = field(default_factory=list)


class Report:
    """Build a self-contained HTML report section by section.

    Parameters
    ----------
    title : str
        The page title.
    subtitle : str, optional
        A line under the title (data source, date).
    verbose : bool, optional
        Write a progress line per section on stderr. Default: in Jupyter and
        the ``microseg`` command only.

    Examples
    --------
    >>> import pandas as pd
    >>> r = Report("Demo")
    >>> r.section("Sizes").text("Two segments.").table(pd.DataFrame({"n": [3, 4]}, index=["a", "b"]))
    <Report 'Demo': 1 sections>
    >>> "<table" in r.to_html() and "Two segments." in r.to_html()
    True
    """

    def __init__(self, title: str, subtitle: str = "", *, verbose: bool | None = None):
        from .._progress import wanted

        self.title = title
        self.subtitle = subtitle
        self.verbose = wanted(verbose)
        self._sections: list[_Section] = []
        self._started = time.monotonic()

    def __repr__(self) -> str:
        return f"<Report {self.title!r}: {len(self._sections)} sections>"

    def section(self, title: str) -> Report:
        """Start a new section; the following calls add to it."""
        self._sections.append(_Section(title))
        if self.verbose:
            print(f"microseg: [{time.monotonic() - self._started:5.1f} s] {title}", file=sys.stderr, flush=True)
        return self

    def next_step(self, text: str) -> Report:
        """Add the section's "what to do next" line: one action the reader can take with what it showed."""
        self._current().parts.append(f'<p class="next"><b>Next:</b> {html.escape(text)}</p>')
        return self

    def _current(self) -> _Section:
        if not self._sections:
            self.section("Overview")
        return self._sections[-1]

    def text(self, text: str, *, kind: str = "p") -> Report:
        """Add a paragraph (``kind="p"``), a sub-heading (``"h3"``) or a highlighted note (``"note"``)."""
        body = html.escape(text)
        if kind == "note":
            self._current().parts.append(f'<p class="note">{body}</p>')
        else:
            self._current().parts.append(f"<{kind}>{body}</{kind}>")
        return self

    def html(self, fragment: str) -> Report:
        """Add a trusted HTML fragment produced by microseg (e.g. a result's ``_repr_html_``)."""
        self._current().parts.append(fragment)
        return self

    def table(self, df: pd.DataFrame, *, max_rows: int = 40, units: dict | None = None, index: bool | None = None,
              currency: str | None = None) -> Report:
        """Add a table through :func:`microseg.format_table` (at most ``max_rows`` rows; the count left out is stated).

        ``units`` maps columns to a kind (``{"lift": "pp"}``) where the column name does not say it;
        ``index`` shows the index (default: only when it is meaningful).
        """
        from .._tables import format_table

        frag = format_table(df, max_rows=max_rows, units=units, index=index, currency=currency).html
        self._current().parts.append(frag)
        return self

    def figure(self, fig, *, alt: str = "") -> Report:
        """Embed a matplotlib Figure (or an Axes' figure) as a PNG, then close it."""
        import matplotlib.pyplot as plt

        fig = getattr(fig, "figure", fig)
        buf = io.BytesIO()
        # drawn at 2x (192 dpi) and shown at its 96-dpi size, so it stays sharp on high-density screens
        fig.savefig(buf, format="png", dpi=2 * _DPI, bbox_inches="tight")
        plt.close(fig)
        png = buf.getvalue()
        width, height = (int.from_bytes(png[k:k + 4], "big") // 2 for k in (16, 20))
        data = base64.b64encode(png).decode("ascii")
        self._current().parts.append(
            f'<img alt="{html.escape(alt)}" width="{width}" height="{height}" src="data:image/png;base64,{data}">'
        )
        return self

    def to_html(self) -> str:
        """Return the whole page as one HTML string."""
        nav = "".join(
            f'<li><a href="#s{i}">{html.escape(s.title)}</a></li>' for i, s in enumerate(self._sections)
        )
        body = "".join(
            f'<section id="s{i}"><h2>{html.escape(s.title)}</h2>{"".join(s.parts)}</section>'
            for i, s in enumerate(self._sections)
        )
        sub = f'<p class="lead">{html.escape(self.subtitle)}</p>' if self.subtitle else ""
        return (
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{html.escape(self.title)}</h1>{sub}<nav><ul>{nav}</ul></nav>{body}</body></html>"
        )

    def write(self, path) -> Path:
        """Write the page to ``path`` (a file, or a folder that gets ``index.html``) and return the file path."""
        path = Path(path)
        if path.suffix.lower() not in {".html", ".htm"}:
            path.mkdir(parents=True, exist_ok=True)
            path = path / "index.html"
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        return write_text(path, self.to_html())  # temporary file, fsync, rename: never a half-written page
