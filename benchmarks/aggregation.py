"""Benchmark: every aggregation rule's bit-exact int64 fast path vs float baselines.

    python benchmarks/aggregation.py [--n 50] [--d 1000000] [--repeats 3] [--no-memory]

Prints a table of seconds and ratios measured in one run (ratios are what compare).
"""

from __future__ import annotations

import argparse

from analyses.bench_aggregation import DEFAULT_PARAMS, peak_memory_ratio, run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--d", type=int, default=1_000_000)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-memory", action="store_true")
    a = ap.parse_args()
    rows = run(a.n, a.d, a.repeats)
    print(f"n={a.n} d={a.d} (best of {a.repeats})")
    print(f"{'name':22s} {'kind':16s} {'seconds':>9s} {'vs baseline':>22s} {'ratio':>7s} {'peak mem':>9s}")
    for r in rows:
        mem = ""
        if not a.no_memory and r["name"] in DEFAULT_PARAMS:
            mem = f"{peak_memory_ratio(r['name'], a.n, a.d):.2f}x"
        ratio = "" if r["ratio"] != r["ratio"] else f"{r['ratio']:.2f}"
        print(f"{r['name']:22s} {r['kind']:16s} {r['seconds']:9.4f} {r['baseline']:>22s} {ratio:>7s} {mem:>9s}")


if __name__ == "__main__":
    main()
