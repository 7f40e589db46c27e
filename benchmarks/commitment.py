"""Benchmark: Merkle commitment throughput vs raw hashlib.sha256 over the same bytes.

    python benchmarks/commitment.py [--n 50] [--d 1000000] [--chunks 16,32,1024] [--arity 16] [--repeats 3]

Ratios are measured in the same run (best of ``--repeats``, raw and commit timed
alternately): ``raw / commit`` is the commitment's share of the raw single-buffer
throughput of the same hash. Goal (issue 18): at least 0.50 at 16-coordinate leaves.
The hashlib path (no compiled kernel) is timed too, on a slice of the rows.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from mechanism import _native
from mechanism.commitment import commit_rows

GOAL_RATIO = 0.5
GOAL_CHUNK = 16


def best(fn: Callable[[], Any], repeats: int) -> float:
    t = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        t = min(t, time.perf_counter() - t0)
    return t


def best_cpu(fn: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """(best wall seconds, best process-CPU seconds) over ``repeats`` calls."""
    w = c = float("inf")
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        w, c = min(w, time.perf_counter() - w0), min(c, time.process_time() - c0)
    return w, c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--d", type=int, default=1_000_000)
    ap.add_argument("--chunks", default="16,32,1024")
    ap.add_argument("--arity", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--python-rows", type=int, default=4, help="rows timed on the hashlib path")
    a = ap.parse_args()
    x = np.random.default_rng(0).integers(-(2**30), 2**30, size=(a.n, a.d))
    mb = x.nbytes / 1e6
    kernel = _native.sha256
    print(f"n={a.n} d={a.d} arity={a.arity} ({mb:.0f} MB); batch kernel: "
          f"{kernel.backend() if kernel is not None else 'not built'}, {_native.threads()} threads")
    print("ratio = raw single-buffer hashlib.sha256 time / commit time (wall); cpu ratio = the same in process-CPU "
          "seconds (the kernel's work per byte, whatever the machine's load)")
    print(f"{'chunk':>6s} {'path':8s} {'raw s':>8s} {'commit s':>9s} {'MB/s':>7s} {'ratio':>6s} {'cpu ratio':>9s}  goal")
    raw_mv = memoryview(x).cast("B")  # type: ignore[arg-type]
    xs = x[: a.python_rows]
    raw_small = memoryview(xs).cast("B")  # type: ignore[arg-type]
    for c in (int(v) for v in a.chunks.split(",")):
        raw = commit = raw_cpu = commit_cpu = float("inf")
        for _ in range(a.repeats):  # alternate, so load changes hit both alike
            w, cp = best_cpu(lambda: hashlib.sha256(raw_mv).digest(), 1)
            raw, raw_cpu = min(raw, w), min(raw_cpu, cp)
            w, cp = best_cpu(lambda c=c: commit_rows(x, c, a.arity), 1)
            commit, commit_cpu = min(commit, w), min(commit_cpu, cp)
        ratio = raw / commit
        goal = ""
        if c == GOAL_CHUNK and kernel is not None:
            goal = f">= {GOAL_RATIO:.2f}: {'met' if ratio >= GOAL_RATIO else 'NOT met'}"
        print(f"{c:6d} {'native' if kernel is not None else 'hashlib':8s} {raw:8.3f} {commit:9.3f} "
              f"{mb / commit:7.0f} {ratio:6.2f} {raw_cpu / commit_cpu:9.2f}  {goal}")
        if kernel is not None:
            raw_s = best(lambda: hashlib.sha256(raw_small).digest(), a.repeats)
            py = best(lambda c=c: commit_rows(xs, c, a.arity, native=False), 1)
            print(f"{c:6d} {'hashlib':8s} {raw_s:8.3f} {py:9.3f} {xs.nbytes / 1e6 / py:7.0f} {raw_s / py:6.2f} {'':9s}  "
                  f"({a.python_rows} rows)")


if __name__ == "__main__":
    main()
