"""Benchmark: one dispute game (n=50, d=1e6) on the EVM vs full on-chain re-execution.

    python benchmarks/dispute.py [--n 50] [--d 1000000] [--chunk 16] [--arity 16] [--rules mean,median,trimmed_mean]

Coordinate-wise rules are replayed in the EVM; the one-step of each game is the Map step
at a deep output leaf or the column one-step, whichever the seeded lie reaches.
"""

from __future__ import annotations

import argparse

from analyses.commands.dispute import run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--d", type=int, default=1_000_000)
    ap.add_argument("--chunk", type=int, default=16)
    ap.add_argument("--arity", type=int, default=16)
    ap.add_argument("--rules", default="mean,median,trimmed_mean")
    a = ap.parse_args()
    print(f"{'rule':14s} {'moves':>5s} {'gas':>10s} {'full re-exec':>12s} {'ratio':>8s} {'offchain s':>10s} winner")
    for rule in a.rules.split(","):
        evm = rule in ("mean", "median", "trimmed_mean")
        r = run(rule, a.n, a.d, "proposer", "random_step", a.chunk, a.arity, 0, evm)
        gas = r["gas_total"]
        if gas is None:
            print(f"{rule:14s} {r['moves']:5d} {'-':>10s} {r['gas_full_reexecution']:12.3g} {'-':>8s} "
                  f"{r['offchain_seconds']:10.2f} {r['winner']} ({r['gas_source']})")
            continue
        ratio = r["gas_full_reexecution"] / max(gas, 1)
        print(f"{rule:14s} {r['moves']:5d} {gas:10.0f} {r['gas_full_reexecution']:12.3g} "
              f"{ratio:8.0f} {r['offchain_seconds']:10.2f} {r['winner']} ({r['gas_source']})")


if __name__ == "__main__":
    main()
