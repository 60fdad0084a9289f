"""A small headless-Chromium driver over the DevTools protocol on a pipe (no port, no network, no dependency).

Chromium started with ``--remote-debugging-pipe`` reads JSON commands on file
descriptor 3 and writes replies and events on descriptor 4, each message ended
by a NUL byte. :func:`render` opens one local page at a given width, records
JavaScript exceptions, console errors and every network request, measures
the DOM (elements wider than the page, images that did not load) and takes a
full-page screenshot.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# run in the page after it loaded: what a reader would notice
MEASURE = r"""
(() => {
  const page = document.documentElement.clientWidth;
  const scrolls = el => { for (let a = el.parentElement; a; a = a.parentElement) {
      const o = getComputedStyle(a).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
    return false; };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > page + 1 || r.left < -1) && !scrolls(el))
      wide.push(el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' ' + Math.round(r.width) + 'px: '
                + (el.textContent || '').trim().slice(0, 60));
  }
  const images = [...document.images].map(i => ({alt: i.alt, ok: i.complete && i.naturalWidth > 0,
    width: i.naturalWidth, shown: Math.round(i.getBoundingClientRect().width)}));
  const boxes = [...document.querySelectorAll('.ms-table')].map(b => ({scroll: b.scrollWidth, client: b.clientWidth}));
  return {page, scrollWidth: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight,
          wide, images, boxes, title: document.title};
})()
"""


def find_browser() -> str | None:
    """The path of a Chromium-family browser, or None (``MICROSEG_BROWSER`` wins)."""
    env = os.environ.get("MICROSEG_BROWSER")
    if env:
        return env if shutil.which(env) or Path(env).exists() else None
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


class _Pipe:
    def __init__(self, browser: str, profile: str):
        to_r, to_w = os.pipe()  # we write commands, the browser reads them on fd 3
        from_r, from_w = os.pipe()  # the browser writes on fd 4, we read
        # the browser's ends moved above 10, so putting them on 3 and 4 cannot overwrite one another
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10) for fd in (to_r, from_w)]
        os.close(to_r)
        os.close(from_w)
        to_r, from_w = high
        args = [browser, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--mute-audio", f"--user-data-dir={profile}", "about:blank"]  # fmt: skip

        def child():  # the browser's pipe ends on the descriptors 3 and 4 it expects (dup2 makes them inheritable)
            os.dup2(to_r, 3)
            os.dup2(from_w, 4)

        # close_fds=False: the descriptors set by child() must survive; every other one of ours is close-on-exec
        with warnings.catch_warnings():  # Python >= 3.12 warns about forking a threaded process; the child execs at once
            warnings.simplefilter("ignore", DeprecationWarning)
            self.proc = subprocess.Popen(args, preexec_fn=child, close_fds=False,  # noqa: PLW1509
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        os.close(to_r)
        os.close(from_w)
        self.w, self.r = to_w, from_r
        self.buf = b""
        self.next_id = 0
        self.events: list[dict] = []

    def _read(self, timeout: float) -> dict:
        import select

        while b"\0" not in self.buf:
            ready, _, _ = select.select([self.r], [], [], timeout)
            if not ready:
                raise TimeoutError("the browser did not answer")
            chunk = os.read(self.r, 1 << 20)
            if not chunk:
                raise RuntimeError("the browser closed its pipe")
            self.buf += chunk
        msg, _, self.buf = self.buf.partition(b"\0")
        return json.loads(msg)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 60) -> dict:
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        end = time.monotonic() + timeout
        while True:
            m = self._read(max(0.1, end - time.monotonic()))
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_for(self, method: str, timeout: float = 60) -> dict:
        for i, e in enumerate(self.events):
            if e.get("method") == method:
                return self.events.pop(i)
        end = time.monotonic() + timeout
        while True:
            m = self._read(max(0.1, end - time.monotonic()))
            if m.get("method") == method:
                return m
            self.events.append(m)

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        os.close(self.w)
        os.close(self.r)


def render(page: Path, *, width: int = 1400, height: int = 900, screenshot: Path | None = None,
           browser: str | None = None) -> dict:
    """Open ``page`` in headless Chromium at ``width`` px; return what was measured and seen.

    The result holds ``dom`` (from :data:`MEASURE`), ``errors`` (uncaught
    exceptions and console errors), ``requests`` (every URL the page asked for
    other than itself and ``data:`` URIs) and ``screenshot`` (PNG bytes of the
    whole page).
    """
    browser = browser or find_browser()
    if browser is None:
        raise FileNotFoundError("no Chromium-family browser found")
    url = Path(page).resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        b = _Pipe(browser, profile)
        try:
            target = b.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            s = b.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Network", "Log"):
                b.send(f"{domain}.enable", session=s)
            b.send("Emulation.setDeviceMetricsOverride",
                   {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=s)
            b.events.clear()
            b.send("Page.navigate", {"url": url}, session=s)
            b.wait_for("Page.loadEventFired", timeout=120)
            time.sleep(0.5)  # late errors and requests
            dom = b.send("Runtime.evaluate", {"expression": MEASURE, "returnByValue": True}, session=s)
            dom = dom["result"]["value"]
            metrics = b.send("Page.getLayoutMetrics", session=s)
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            shot = b.send("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": width, "height": min(size["height"], 16_000), "scale": 1}},
                session=s, timeout=120)  # fmt: skip
            png = base64.b64decode(shot["data"])
            events = list(b.events)
        finally:
            b.close()
    errors, requests = [], []
    for e in events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.exceptionThrown":
            errors.append(p["exceptionDetails"].get("text", "") + " " + str(p["exceptionDetails"].get("exception", {})
                                                                               .get("description", "")))
        elif m == "Runtime.consoleAPICalled" and p.get("type") == "error":
            errors.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
        elif m == "Log.entryAdded" and p["entry"].get("level") == "error":
            errors.append(p["entry"].get("text", ""))
        elif m == "Network.requestWillBeSent":
            u = p["request"]["url"]
            if u != url and not u.startswith("data:"):
                requests.append(u)
    if screenshot is not None:
        Path(screenshot).write_bytes(png)
    return {"dom": dom, "errors": errors, "requests": requests, "screenshot": png}


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
