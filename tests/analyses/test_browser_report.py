"""The report page as a reader sees it: opened in headless Chromium (installed with
apt-get when missing) through the DevTools protocol. Every image loads, the console stays
free of errors, the summary is the first thing on the page, no cell reads ``nan``, and a
screenshot is saved next to the report (``screenshot.png``)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
#: The report the second test opens (ORFL_BROWSER_REPORT overrides, e.g. a --quick report).
DEFAULT_REPORT = Path(os.environ.get("ORFL_BROWSER_REPORT", REPO / "reports" / "default"))

SUMMARY = '''
"""Fixture summary section."""
from dataclasses import dataclass

import pandas as pd

from analyses.report import SectionResults, Verdict

TITLE = "Summary: recommended design, measurements and checks"
RUN_AFTER_OTHERS = True


@dataclass(frozen=True)
class R(SectionResults):
    def tables(self):
        return {"summary_checks": pd.DataFrame({"result": [Verdict("a", True, "").mark, Verdict("b", False, "").mark],
                                                "check": ["a", "b"], "value_eth": [1519234.7, float("nan")]})}


def run(ctx):
    return R()


def plot(results, ctx):
    return []


def text(results):
    return "The design: bond **1,234 ETH**."
'''

BODY = '''
"""Fixture section with a figure and a long table."""
from dataclasses import dataclass

import pandas as pd

from analyses.report import SectionResults

TITLE = "Body section"


@dataclass(frozen=True)
class R(SectionResults):
    def tables(self):
        return {"body_long": pd.DataFrame({"cell": range(40), "cost_usd": [1e6 * k for k in range(40)]})}


def run(ctx):
    return R()


def plot(results, ctx):
    from analyses.style import new_figure, save_figure

    fig, ax = new_figure()
    ax.plot([0, 1, 2], [2, 0, 1])
    ax.set_xlabel("blocks [1]")
    save_figure(fig, ctx.figures_dir, "body_line")
    return [("body_line", "a line over blocks")]


def text(results):
    return "Some prose " * 200
'''


def chromium() -> str:
    """The chromium executable, installed with apt-get (Debian's package) when missing."""
    from analyses.apt import ensure_debian_packages

    exe = ensure_debian_packages(["chromium", "chromium-browser"], ["chromium"])
    assert exe is not None, "chromium is not installed and apt-get did not install it"
    return exe


class DevTools:
    """A minimal DevTools-protocol client over one page's websocket; keeps every event."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            if msg.get("id") == self.next_id:
                assert "error" not in msg, msg
                return dict(msg.get("result", {}))
            self.events.append(msg)

    def wait_event(self, method: str, timeout: float = 60) -> dict[str, Any]:
        for e in self.events:
            if e.get("method") == method:
                return e
        deadline = time.monotonic() + timeout
        while True:
            msg = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.monotonic())))
            self.events.append(msg)
            if msg.get("method") == method:
                return msg

    def js(self, expression: str) -> Any:
        out = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        assert "exceptionDetails" not in out, out
        return out["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error log entries (e.g. failed loads)."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:300])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console: " + json.dumps(p.get("args", []))[:300])
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log: " + p["entry"].get("text", "")[:300])
        return out


PAGE_STATE = """(() => {
  const imgs = [...document.images].map(i => ({alt: i.alt, complete: i.complete, w: i.naturalWidth}));
  const first = document.querySelector('main section');
  const h = first ? first.querySelector('h2') : null;
  const r = h ? h.getBoundingClientRect() : null;
  return {imgs, first: first ? first.id : null, heading: h ? h.textContent : null,
          headingTop: r ? r.top : null, viewport: window.innerHeight,
          nav: [...document.querySelectorAll('nav#toc a')].map(a => a.getAttribute('href')),
          ids: [...document.querySelectorAll('main section')].map(s => s.id),
          nan: /\\bnan\\b/i.test(document.body.innerText),
          details: document.querySelectorAll('details').length,
          external: [...document.querySelectorAll('[src]')].map(e => e.getAttribute('src'))
                      .filter(s => !s.startsWith('data:'))};
})()"""


def open_in_chromium(index: Path, screenshot: Path, profile: Path) -> tuple[dict[str, Any], list[str]]:
    """Load ``index`` headless; return the page state and the errors; write the screenshot."""
    proc = subprocess.Popen(
        [chromium(), "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", "--no-default-browser-check", "--remote-debugging-port=0",
         f"--user-data-dir={profile}", "--window-size=1280,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            assert proc.poll() is None and time.monotonic() < deadline, "chromium did not start"
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=20))
        page = next(t for t in targets if t.get("type") == "page")
        from websockets.sync.client import connect

        with connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=20) as ws:
            dt = DevTools(ws)
            for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
                dt.call(domain)
            dt.call("Page.navigate", url=index.resolve().as_uri())
            dt.wait_event("Page.loadEventFired", timeout=90)
            dt.js("Promise.all([...document.images].map(i => i.decode().catch(() => null)))")
            state = dt.js(PAGE_STATE)
            shot = dt.call("Page.captureScreenshot", format="png", timeout=60)
            screenshot.write_bytes(base64.b64decode(shot["data"]))
            return state, dt.errors()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def fixture_report(tmp_path: Path) -> Path:
    """A report of two small sections (a summary and a body with a figure and a long table)."""
    from analyses.report import write_report

    pkg = tmp_path / "mods" / "browserfix"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "summary.py").write_text(textwrap.dedent(SUMMARY))
    (pkg / "body.py").write_text(textwrap.dedent(BODY))
    sys.path.insert(0, str(tmp_path / "mods"))
    try:
        return write_report("browser", root=tmp_path / "reports", sections=["browserfix.summary", "browserfix.body"],
                            cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path / "mods"))
        for m in [m for m in sys.modules if m.startswith("browserfix")]:
            del sys.modules[m]


def check_page(report: Path, tmp_path: Path) -> dict[str, Any]:
    shot = report / "screenshot.png"
    state, errors = open_in_chromium(report / "index.html", shot, tmp_path / "profile")
    assert errors == []
    assert state["imgs"] and all(i["complete"] and i["w"] > 0 for i in state["imgs"]), state["imgs"]
    assert all(i["alt"].startswith("Figure ") for i in state["imgs"])
    assert state["first"] == "summary" and state["heading"].startswith("Summary")
    assert 0 <= state["headingTop"] < state["viewport"] / 2  # the summary opens the page
    assert state["nav"][: len(state["ids"])] == [f"#{i}" for i in state["ids"]]  # sidebar lists every section
    assert not state["nan"] and state["external"] == []  # no nan, nothing loaded from elsewhere
    assert shot.read_bytes().startswith(b"\x89PNG") and shot.stat().st_size > 5_000
    return state


@pytest.mark.slow
def test_fixture_report_in_chromium(tmp_path):
    report = fixture_report(tmp_path)
    state = check_page(report, tmp_path)
    assert state["details"] == 1  # the 40-row table is collapsed, the 2-row one is not


@pytest.mark.slow
@pytest.mark.skipif(not (DEFAULT_REPORT / "manifest.json").is_file(), reason="no reports/default written by this version")
def test_latest_report_in_chromium(tmp_path):
    check_page(DEFAULT_REPORT, tmp_path)
