"""Benchmark: every aggregation rule's bit-exact int64 fast path vs float baselines.

    python benchmarks/aggregation.py [--n 50] [--d 1000000] [--repeats 3] [--no-memory] [--goals-only]

Prints a table of seconds and ratios measured in one run (ratios are what compare), then
the goals of issue 18, measured round-robin (every repeat times each contender once, the
best repeat counts), as wall-clock and process-CPU ratios (CPU time is the fairer one on
a shared machine):

* trimmed mean <= 1.0x a numpy float32 sort-based trimmed mean;
* Krum, multi-Krum and Bulyan <= 1.5x a float64 Gram-matrix Krum on data already in
  float64 (their ratio to the float32 Gram-matrix Krum is printed too).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from analyses.bench_aggregation import DEFAULT_PARAMS, make_updates, peak_memory_ratio, run

GOALS = {"trimmed_mean": ("numpy_trimmed_mean", 1.0), "krum": ("gram_krum_float64", 1.5),
         "multi_krum": ("gram_krum_float64", 1.5), "bulyan": ("gram_krum_float64", 1.5)}


def gram_krum(xf: Any, f: int) -> Callable[[], Any]:
    """Krum by a Gram matrix in the dtype of ``xf`` (float32 or float64)."""

    def krum() -> Any:
        g = xf @ xf.T
        sq = g.diagonal()
        d2 = sq[:, None] + sq[None, :] - 2 * g
        d2.fill_diagonal_(float("inf"))
        scores = d2.topk(xf.shape[0] - f - 2, dim=1, largest=False).values.sum(1)
        return xf[int(scores.argmin())]

    return krum


def goals(n: int, d: int, repeats: int) -> list[dict[str, Any]]:
    """Rows {name, wall, cpu} of the goal contenders, timed round-robin in one process."""
    import numpy as np

    from mechanism.aggregation import aggregate

    x = make_updates(n, d, 0)
    x32, x64 = x.float(), x.double()
    f = DEFAULT_PARAMS["trimmed_mean"]["f"]

    def numpy_trimmed() -> Any:
        s = np.sort(x32.numpy(), axis=0)
        return s[f : n - f].mean(axis=0)

    fns: dict[str, Callable[[], Any]] = {
        "numpy_trimmed_mean": numpy_trimmed,
        "gram_krum_float32": gram_krum(x32, f),
        "gram_krum_float64": gram_krum(x64, f),
    }
    for rule in GOALS:
        fns[rule] = lambda rule=rule: aggregate(rule, x, **DEFAULT_PARAMS[rule])
    best = {k: [float("inf"), float("inf")] for k in fns}
    for fn in fns.values():
        fn()  # warm-up
    for _ in range(repeats):
        for k, fn in fns.items():
            w, c = time.perf_counter(), time.process_time()
            fn()
            best[k][0] = min(best[k][0], time.perf_counter() - w)
            best[k][1] = min(best[k][1], time.process_time() - c)
    return [{"name": k, "wall": v[0], "cpu": v[1]} for k, v in best.items()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--d", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--goals-only", action="store_true")
    a = ap.parse_args()
    if not a.goals_only:
        rows = run(a.n, a.d, a.repeats)
        print(f"n={a.n} d={a.d} (best of {a.repeats})")
        print(f"{'name':22s} {'kind':16s} {'seconds':>9s} {'vs baseline':>22s} {'ratio':>7s} {'peak mem':>9s}")
        for r in rows:
            mem = ""
            if not a.no_memory and r["name"] in DEFAULT_PARAMS:
                mem = f"{peak_memory_ratio(r['name'], a.n, a.d):.2f}x"
            ratio = "" if r["ratio"] != r["ratio"] else f"{r['ratio']:.2f}"
            print(f"{r['name']:22s} {r['kind']:16s} {r['seconds']:9.4f} {r['baseline']:>22s} {ratio:>7s} {mem:>9s}")
        print()
    g = {r["name"]: r for r in goals(a.n, a.d, a.repeats)}
    print(f"goals (issue 18), n={a.n} d={a.d}, best of {a.repeats} round-robin; wall and process-CPU seconds")
    print(f"{'rule':14s} {'wall s':>8s} {'cpu s':>8s} {'baseline':>20s} {'wall x':>7s} {'cpu x':>7s} "
          f"{'goal':>6s} {'met (wall/cpu)':>15s} {'wall x f32':>10s} {'cpu x f32':>9s}")
    for name in ("numpy_trimmed_mean", "gram_krum_float32", "gram_krum_float64"):
        print(f"{name:20s} {g[name]['wall']:8.4f} {g[name]['cpu']:8.4f}  (baseline)")
    for rule, (base, goal) in GOALS.items():
        r, b, b32 = g[rule], g[base], g["gram_krum_float32"]
        rw, rc = r["wall"] / b["wall"], r["cpu"] / b["cpu"]
        met = f"{'yes' if rw <= goal else 'no'}/{'yes' if rc <= goal else 'no'}"
        f32 = f"{r['wall'] / b32['wall']:10.2f} {r['cpu'] / b32['cpu']:9.2f}" if base != "numpy_trimmed_mean" else ""
        print(f"{rule:14s} {r['wall']:8.4f} {r['cpu']:8.4f} {base:>20s} {rw:7.2f} {rc:7.2f} {goal:6.1f} {met:>15s} {f32}")


if __name__ == "__main__":
    main()
