"""ABM benchmark: economic-mode blocks/s for 100 agents, and the speed-up of a 2-process
sweep over one process on the same 1,000-run design, both measured in this run.

Run: ``.venv/bin/python benchmarks/abm.py [--runs 1000] [--jobs 2]``. The machine's load
average is printed with the result: on shared cores the ratio is bounded by the CPU the
other tenants leave.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from agents.abm.config import ABMConfig
from agents.abm.model import RollupModel
from agents.abm.sweep import SweepSpec, run_sweep


def blocks_per_second(blocks: int = 200_000) -> float:
    cfg = ABMConfig(blocks=blocks, trainers=80, challengers=20, seed=1)
    return float(RollupModel(cfg, collect=False).run()["blocks_per_second"])


def sweep_times(runs: int, jobs: int, batch_size: int = 25) -> tuple[float, float]:
    """Wall seconds of the same sweep with 1 process and with ``jobs`` processes."""
    spec = SweepSpec(base=ABMConfig(blocks=20_000, challengers=5), grid={"seed": list(range(runs))},
                     batch_size=batch_size)
    walls = []
    for j in (1, jobs):
        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            info = run_sweep(spec, jobs=j, store=d)
            walls.append(time.perf_counter() - t0)
            assert info["computed"] == runs
    return walls[0], walls[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average at start: {os.getloadavg()[0]:.2f}")
    bps = blocks_per_second()
    print(f"economic mode, 100 agents: {bps:,.0f} blocks/s (goal >= 20,000; ratio {bps / 20_000:.1f}x: "
          f"{'met' if bps >= 20_000 else 'NOT met'})")
    one, many = sweep_times(args.runs, args.jobs)
    print(f"sweep of {args.runs} runs: 1 process {one:.1f} s, {args.jobs} processes {many:.1f} s, "
          f"speed-up {one / many:.2f}x (goal >= 1.7x: {'met' if one / many >= 1.7 else 'NOT met'}; "
          f"load average now {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
