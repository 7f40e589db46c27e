"""Progress of long commands: plain lines with elapsed time and an ETA when not on a terminal."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from analyses.progress import choose_mode, eta_seconds, hms, track
from mechanism.errors import ParameterError

LINE = re.compile(r"^\[orfl\] (?P<label>[\w ]+): (?P<done>\d+)/(?P<total>\d+) \(\d+%\) "
                  r"elapsed (?P<el>\d+:\d\d:\d\d) (?:ETA (?P<eta>\d+:\d\d:\d\d|unknown)|done)")


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_hms_and_eta() -> None:
    assert hms(0) == "0:00:00" and hms(3725.9) == "1:02:05"
    assert eta_seconds(0, 10, 0, 5.0) is None and eta_seconds(3, None, 0, 5.0) is None
    assert eta_seconds(2, 10, 0, 4.0) == pytest.approx(16.0)
    # a resumed run: 5 steps were done before it started, 1 step in 3 s, 4 left -> 12 s
    assert eta_seconds(6, 10, 5, 3.0) == pytest.approx(12.0)


def test_plain_lines_have_elapsed_and_eta_and_are_throttled() -> None:
    out, clock = io.StringIO(), FakeClock()
    with track("sweep", total=10, stream=out, interval_seconds=5.0, clock=clock) as bar:
        assert bar.mode == "plain"  # StringIO is not a terminal
        bar.update(0)
        for i in range(1, 11):
            clock.t += 2.0
            bar.update(i, note=f"run {i}")
    lines = out.getvalue().splitlines()
    # start, then every >= 5 s of 2 s steps (steps 3, 6, 9), then the final line
    assert len(lines) == 5, lines
    parsed = [LINE.match(x) for x in lines]
    assert all(parsed), lines
    assert [int(m["done"]) for m in parsed] == [0, 3, 6, 9, 10]
    assert parsed[0]["eta"] == "unknown"
    assert parsed[1]["el"] == "0:00:06" and parsed[1]["eta"] == "0:00:14"  # 2 s per step, 7 left
    assert lines[1].endswith("| run 3")
    assert lines[-1].endswith("elapsed 0:00:20 done")


def test_off_mode_and_bad_mode() -> None:
    out = io.StringIO()
    with track("x", total=3, stream=out, mode="off") as bar:
        bar.advance(3)
    assert out.getvalue() == ""
    with pytest.raises(ParameterError, match="ORFL_PROGRESS"):
        choose_mode(out, "fancy")


def test_bar_mode_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Tty()
    assert choose_mode(out) == "bar"
    with track("tolerance grid", total=4, stream=out) as bar:
        bar.callback(4, 4)
    assert "tolerance grid" in out.getvalue() and "4/4" in out.getvalue()


def test_failed_block_prints_no_done_line() -> None:
    out = io.StringIO()
    with pytest.raises(RuntimeError), track("report", total=3, stream=out) as bar:
        bar.update(1)
        raise RuntimeError("boom")
    assert "done" not in out.getvalue() and "1/3" in out.getvalue()


def test_sweep_command_prints_progress_lines_when_piped(tmp_path: Path) -> None:
    spec = tmp_path / "s.toml"
    spec.write_text(textwrap.dedent(f"""
        [sweep]
        seeds = 2
        batch_size = 1
        store = "{tmp_path / 'store'}"
        [base]
        blocks = 300
        challengers = 1
        [grid]
        reward_share = [0.3, 0.6]
    """))
    r = subprocess.run([sys.executable, "-c", "from analyses.cli import main; main()", "sweep", str(spec), "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    lines = [x for x in r.stderr.splitlines() if x.startswith("[orfl] sweep")]
    assert lines and all(LINE.match(x) for x in lines), r.stderr
    assert lines[0].startswith("[orfl] sweep: 0/4") and lines[-1].startswith("[orfl] sweep: 4/4 (100%)")
    assert lines[-1].endswith("done")
    import json

    assert json.loads(r.stdout)["computed"] == 4  # progress stays off stdout


@pytest.mark.slow
def test_report_command_prints_per_section_progress_when_piped(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, "-c", "from analyses.cli import main; main()", "report", "--name", "p",
                        "--root", str(tmp_path), "--quick", "--sections", "censorship"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    timing = re.compile(r"^\[orfl\] report p: section censorship: [\d.]+ s wall, [\d.]+ s CPU \((computed|cache hit)\)$")
    lines = [x for x in r.stderr.splitlines() if x.startswith("[orfl] report p") and not timing.match(x)]
    assert sum(1 for x in r.stderr.splitlines() if timing.match(x)) == 1, r.stderr  # one timing line per section
    assert all(LINE.match(x) for x in lines) and len(lines) >= 2, r.stderr
    assert lines[0].startswith("[orfl] report p: 0/1") and lines[0].endswith("| censorship")
    assert lines[-1].startswith("[orfl] report p: 1/1 (100%)") and lines[-1].endswith("done")
