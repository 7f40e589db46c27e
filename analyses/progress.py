"""Progress of long commands (``orfl report``, ``orfl sweep``, ``orfl tolerance``).

One API, two renderings. On a terminal: a rich progress bar (label, bar, done/total,
elapsed, estimated time left, the current step). Otherwise (CI logs, pipes, files): plain
lines on stderr, one at the start, then at most one every ``interval_seconds``, and one at
the end::

    [orfl] sweep: 6/24 (25%) elapsed 0:00:12 ETA 0:00:36 | run 6
    [orfl] sweep: 24/24 (100%) elapsed 0:00:48 done

Usage::

    with track("sweep", total=24) as bar:
        run_sweep(spec, progress=bar.callback)      # callback(done, total)
    with track("report", total=len(sections)) as bar:
        bar.update(i, note="section censorship")    # or bar.advance(note=...)
        bar.log("section censorship: 3.1 s wall")    # always printed (not throttled)

The estimate assumes the remaining steps take as long as the steps done *in this run*
so far (steps already done when it started, e.g. a resumed sweep's stored runs, do not
count towards the rate). ``ORFL_PROGRESS=bar|plain|off`` overrides the choice.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

#: Seconds between two plain progress lines (the first and last are always printed).
DEFAULT_INTERVAL_SECONDS = 10.0

MODES = ("bar", "plain", "off")


def hms(seconds: float) -> str:
    """``seconds`` as ``H:MM:SS`` (rounded down to whole seconds)."""
    s = max(0, int(seconds))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def eta_seconds(done: int, total: int | None, start_done: int, elapsed_seconds: float) -> float | None:
    """Time left at the rate of this run: ``elapsed / (done - start_done) * (total - done)``;
    ``None`` while nothing has been done in this run or the total is unknown."""
    if total is None or done <= start_done or elapsed_seconds <= 0:
        return None
    return elapsed_seconds / (done - start_done) * max(0, total - done)


def choose_mode(stream: TextIO, mode: str | None = None) -> str:
    """``mode``, else ``$ORFL_PROGRESS``, else ``bar`` on a terminal and ``plain`` otherwise."""
    chosen = mode or os.environ.get("ORFL_PROGRESS", "").strip().lower() or None
    if chosen is None:
        isatty = getattr(stream, "isatty", None)
        return "bar" if isatty is not None and isatty() else "plain"
    if chosen not in MODES:
        from mechanism.errors import ParameterError

        raise ParameterError.bad("ORFL_PROGRESS", chosen, "one of " + ", ".join(MODES))
    return chosen


class Tracker:
    """Progress of one long task; use through :func:`track`."""

    def __init__(self, label: str, total: int | None, mode: str, stream: TextIO,
                 interval_seconds: float, clock: Callable[[], float]) -> None:
        self.label = label
        self.total = total
        self.mode = mode
        self.stream = stream
        self.interval_seconds = interval_seconds
        self.clock = clock
        self.done = 0
        self.note = ""
        self.lines = 0
        self._t0 = clock()
        self._start_done: int | None = None
        self._last_line: float | None = None
        self._bar: Any = None
        self._task: Any = None

    # -- public API -------------------------------------------------------------------
    def update(self, done: int, total: int | None = None, note: str | None = None) -> None:
        """Set the number of finished steps (and the total, the current step's note)."""
        if total is not None:
            self.total = total
        if note is not None:
            self.note = note
        if self._start_done is None:
            self._start_done = done
        self.done = done
        self._render(final=False)

    def advance(self, steps: int = 1, note: str | None = None) -> None:
        """``steps`` more finished steps."""
        self.update(self.done + steps, note=note)

    def set_note(self, note: str) -> None:
        """Name the current step without counting it (e.g. a section's sub-step)."""
        self.note = note
        self._render(final=False)

    def log(self, message: str) -> None:
        """Print ``message`` now, whatever the interval (a finished step's result, e.g. a
        report section's timing): above the bar on a terminal, a plain line otherwise."""
        if self.mode == "off":
            return
        text = f"[orfl] {self.label}: {message}"
        if self.mode == "bar":
            if self._bar is not None:
                self._bar.console.print(text, markup=False, highlight=False)
            return
        print(text, file=self.stream, flush=True)

    def callback(self, done: int, total: int) -> None:
        """``(done, total)`` callback for APIs that report counts (sweeps, tolerance grid)."""
        self.update(done, total)

    @property
    def elapsed_seconds(self) -> float:
        return self.clock() - self._t0

    def eta_seconds(self) -> float | None:
        return eta_seconds(self.done, self.total, self._start_done or 0, self.elapsed_seconds)

    def line(self, final: bool = False) -> str:
        """The plain progress line for the current state."""
        count = f"{self.done}/{self.total}" if self.total is not None else f"{self.done}"
        if self.total:
            count += f" ({100 * self.done // self.total}%)"
        parts = [f"[orfl] {self.label}: {count}", f"elapsed {hms(self.elapsed_seconds)}"]
        if final:
            parts.append("done")
        else:
            eta = self.eta_seconds()
            parts.append(f"ETA {hms(eta)}" if eta is not None else "ETA unknown")
        text = " ".join(parts)
        return f"{text} | {self.note}" if self.note and not final else text

    # -- rendering --------------------------------------------------------------------
    def _open(self) -> None:
        if self.mode != "bar":
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn(f"[bold]{self.label}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.fields[note]}"),
            console=Console(file=self.stream), transient=False,
        )
        self._bar.start()
        self._task = self._bar.add_task(self.label, total=self.total, note="")

    def _render(self, final: bool) -> None:
        if self.mode == "off":
            return
        if self.mode == "bar":
            if self._bar is not None:
                self._bar.update(self._task, completed=self.done, total=self.total, note=self.note)
            return
        now = self.clock()
        if not final and self._last_line is not None and now - self._last_line < self.interval_seconds:
            return
        self._last_line = now
        self.lines += 1
        print(self.line(final=final), file=self.stream, flush=True)

    def _close(self, ok: bool) -> None:
        if self.mode == "bar":
            if self._bar is not None:
                self._bar.stop()
            return
        if ok and self.mode == "plain":
            self._render(final=True)


@contextmanager
def track(label: str, total: int | None = None, *, stream: TextIO | None = None, mode: str | None = None,
          interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
          clock: Callable[[], float] = time.monotonic) -> Iterator[Tracker]:
    """Show the progress of ``label`` while the block runs (see the module docstring).

    ``stream`` defaults to stderr, so progress never mixes with a command's output (JSON on
    stdout stays parseable). ``mode``: ``bar``, ``plain`` or ``off`` (default: see
    :func:`choose_mode`)."""
    out = stream if stream is not None else sys.stderr
    tracker = Tracker(label, total, choose_mode(out, mode), out, interval_seconds, clock)
    tracker._open()
    ok = False
    try:
        yield tracker
        ok = True
    finally:
        tracker._close(ok)
