"""``orfl dashboard``: the model behind the page, and the page itself in headless Chromium.

The browser test starts ``orfl dashboard`` on a free localhost port, drives Debian's
``chromium`` (installed with apt-get when missing) over the DevTools protocol, waits for
the sliders and the plots, presses *Step* and checks that the page follows the model,
then saves a screenshot (``dashboard.png`` in the test's folder) and checks that it is a
non-blank PNG.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from agents.abm.dashboard import REPORTERS, SLIDERS, DashboardModel, epoch_blocks
from agents.abm.model import RollupModel


def test_sliders_build_the_model_and_each_step_adds_a_row() -> None:
    assert set(SLIDERS) == {"sequencer_bond_eth", "challenge_period_blocks", "reward_share", "censor_fraction",
                            "challengers"}
    m = DashboardModel(sequencer_bond_eth=0.5, challenge_period_blocks=60, reward_share=0.3, censor_fraction=0.2,
                       challengers=3, seed=4)
    assert (m.cfg.sequencer_bond_eth, m.cfg.challenge_period_blocks, m.cfg.reward_share, m.cfg.censor_fraction,
            m.cfg.challengers, m.cfg.seed) == (0.5, 60, 0.3, 0.2, 3, 4)
    for _ in range(20):
        m.step()
    df = m.datacollector.get_model_vars_dataframe()
    assert list(df.columns) == list(REPORTERS) and len(df) == 21
    assert list(df["block"]) == [i * epoch_blocks(m.cfg) for i in range(21)]
    # the last row equals the model's own summary (same definitions as the sweeps)
    s = m.summary()
    last = df.iloc[-1]
    for col, key in (("fraud_rate", "fraud_rate"), ("verify_rate", "verify_rate"),
                     ("sequencer_eth", "sequencer_profit_eth"), ("challengers_eth", "challenger_profit_eth"),
                     ("trainers_eth", "trainer_profit_eth"), ("adversary_eth", "adversary_profit_eth")):
        assert math.isclose(last[col], s[key], rel_tol=1e-12, abs_tol=1e-12), col
    assert last["fraud_finalised_rate"] == pytest.approx(s["frauds_finalized"] / s["assertions"])
    # the dashboard runs the same model: a plain RollupModel over the same blocks agrees
    ref = RollupModel(m.cfg, collect=False).run(m.block)
    assert ref["assertions"] == s["assertions"] and ref["frauds_attempted"] == s["frauds_attempted"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _chromium() -> str | None:
    from analyses.apt import ensure_debian_packages

    return ensure_debian_packages(["chromium", "chromium-browser"], ["chromium"])


def _wait_http(url: str, seconds: float) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


class DevTools:
    """The few DevTools-protocol calls the test needs, over one page's websocket."""

    def __init__(self, ws_url: str) -> None:
        from websockets.sync.client import connect

        self.ws = connect(ws_url, max_size=None, open_timeout=20)
        self.next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=60))
            if msg.get("id") == self.next_id:
                assert "error" not in msg, msg
                return dict(msg["result"])

    def js(self, expression: str) -> Any:
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return res["result"].get("value")

    def wait_for(self, expression: str, seconds: float) -> Any:
        deadline = time.time() + seconds
        while time.time() < deadline:
            value = self.js(expression)
            if value:
                return value
            time.sleep(0.25)
        raise AssertionError(f"timed out after {seconds} s waiting for {expression}; page text: "
                             f"{self.js('document.body && document.body.innerText')!r}")


PLOTS_READY = ("(() => { const imgs = [...document.querySelectorAll('img')].filter(i => i.naturalWidth > 200);"
               " return imgs.length >= 2 ? imgs.length : 0; })()")
BLOCK = r"Block ([\d,]+)"


def test_page_has_a_slider_per_parameter_and_two_plots() -> None:
    pytest.importorskip("solara")
    pytest.importorskip("altair")
    from mesa.visualization.user_param import Slider

    from agents.abm import dashboard

    params = dashboard.model_params()
    assert all(isinstance(params[k], Slider) for k in SLIDERS)
    for k in SLIDERS:  # each slider's default is the model's default and lies in its range
        s = params[k]
        assert s.min <= s.value <= s.max and getattr(DashboardModel().cfg, k) == s.value
    assert len(dashboard.components()) == 3 and dashboard.make_page() is not None


@pytest.mark.slow
def test_dashboard_in_headless_chromium(tmp_path: Path) -> None:
    pytest.importorskip("solara")
    pytest.importorskip("altair")
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed and cannot be installed here")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-c", "from analyses.cli import main; main()", "dashboard",
                               "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=(tmp_path / "server.log").open("wb"),
                              start_new_session=True)
    browser = None
    try:
        _wait_http(url, 90)
        browser = subprocess.Popen([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                    "--remote-debugging-port=0", f"--user-data-dir={tmp_path / 'profile'}",
                                    "--window-size=1400,1000", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        devtools_port = None
        deadline = time.time() + 30
        while devtools_port is None and time.time() < deadline:
            line = browser.stderr.readline()  # type: ignore[union-attr]
            m = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            devtools_port = int(m.group(1)) if m else None
        assert devtools_port, "chromium did not start its DevTools endpoint"
        with urllib.request.urlopen(f"http://127.0.0.1:{devtools_port}/json/list", timeout=10) as r:
            targets = [t for t in json.load(r) if t["type"] == "page"]
        page = DevTools(targets[0]["webSocketDebuggerUrl"])
        page.call("Page.enable")
        page.call("Page.navigate", url=url)
        text = page.wait_for("document.body && document.body.innerText.includes('Challengers') "
                             "&& document.body.innerText.includes('Block') && document.body.innerText", 90)
        for label in ("Sequencer bond (ETH)", "Challenge period (12 s blocks)", "Reward share of a slashed bond",
                      "Censoring proposers q", "Challengers", "orfl: rollup ABM"):
            assert label in text, label
        assert re.search(BLOCK, text).group(1) == "0"  # type: ignore[union-attr]
        assert page.wait_for(PLOTS_READY, 60) >= 2  # both plots rendered (matplotlib images)
        # the page is live: Step advances the model one epoch and the summary follows
        page.js("[...document.querySelectorAll('button')].find(b => b.textContent.trim().toLowerCase() === 'step').click()")
        page.wait_for("/Block [1-9]/.test(document.body.innerText)", 60)
        stepped = int(re.search(BLOCK, page.js("document.body.innerText")).group(1).replace(",", ""))  # type: ignore[union-attr]
        assert stepped == epoch_blocks(DashboardModel().cfg)
        assert page.wait_for(PLOTS_READY, 60) >= 2
        shot = page.call("Page.captureScreenshot", format="png")
        import base64

        png = base64.b64decode(shot["data"])
        out = tmp_path / "dashboard.png"
        out.write_bytes(png)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000
        import matplotlib.image

        pixels = matplotlib.image.imread(str(out))
        assert pixels.shape[0] >= 700 and pixels.shape[1] >= 1300 and float(pixels.std()) > 0.05  # not blank
    finally:
        for proc in (browser, server):
            if proc is not None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
