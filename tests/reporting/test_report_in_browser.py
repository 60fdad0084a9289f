"""The demo report, opened in headless Chromium at 1,400 px: what a reader sees.

Checked from the DOM and the screenshot: no element is wider than the page
(wide tables scroll inside their own box), every image loads and is drawn at
2x for sharp screens, the page throws no JavaScript error and asks the network
for nothing. Skips where no Chromium-family browser is installed (CI installs
Debian's ``chromium``; ``MICROSEG_BROWSER`` names another). Set
``MICROSEG_SCREENSHOTS`` to a folder to keep the screenshot.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from _chromium import find_browser, png_size, render

from microseg.cli import main

WIDTH = 1400


def _render_or_skip(page: Path, **kw) -> dict:
    browser = find_browser()
    if browser is None:
        pytest.skip("no Chromium-family browser installed (apt-get install chromium, or set MICROSEG_BROWSER)")
    try:
        return render(page, browser=browser, **kw)
    except (RuntimeError, TimeoutError) as e:
        if "closed its pipe" in str(e) or "did not answer" in str(e):
            pytest.skip(f"{browser} could not be started headless here: {e}")
        raise


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo-browser")
    assert main(["demo", "--out", str(out)]) == 0
    keep = os.environ.get("MICROSEG_SCREENSHOTS")
    shot = Path(keep) / "demo_report_1400.png" if keep else out / "screenshot.png"
    return _render_or_skip(out / "index.html", width=WIDTH, screenshot=shot)


def test_no_element_is_wider_than_the_page(demo):
    dom = demo["dom"]
    assert dom["page"] == WIDTH and dom["scrollWidth"] <= WIDTH
    assert dom["wide"] == []


def test_the_screenshot_is_the_page_width_and_the_whole_page(demo):
    w, h = png_size(demo["screenshot"])
    assert w == WIDTH
    assert h == min(demo["dom"]["height"], 16_000)


def test_wide_tables_scroll_inside_their_own_box(demo):
    boxes = demo["dom"]["boxes"]
    assert len(boxes) >= 10
    body = 1100  # the page's content width (max-width in the report's CSS)
    assert all(b["client"] <= body for b in boxes)  # a table wider than that scrolls inside its box


def test_every_image_loads_and_is_drawn_at_twice_its_shown_size(demo):
    images = demo["dom"]["images"]
    assert len(images) >= 10
    assert [i["alt"] for i in images if not i["ok"]] == []
    # 2x figures: each PNG has at least twice the pixels of its box (or is shrunk to fit the page)
    assert [i["alt"] for i in images if i["width"] < 2 * i["shown"] - 2] == []


def test_the_page_throws_no_javascript_error_and_makes_no_network_request(demo):
    assert demo["errors"] == []
    assert demo["requests"] == []


def test_the_checks_catch_a_broken_page(tmp_path):
    """The same measurements on a page with every defect: they are found, so the checks above can fail."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<html><body><div style="width:2000px">too wide</div><img alt="gone" src="missing.png">'
        '<img alt="remote" src="http://127.0.0.1:9/x.png"><script>throw new Error("boom")</script></body></html>',
        encoding="utf-8",
    )
    r = _render_or_skip(page, width=WIDTH)
    assert any("too wide" in w for w in r["dom"]["wide"])
    assert {i["alt"] for i in r["dom"]["images"] if not i["ok"]} == {"gone", "remote"}
    assert any("boom" in e for e in r["errors"])
    assert "http://127.0.0.1:9/x.png" in r["requests"]
