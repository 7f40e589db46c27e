"""Benchmark: re-execution time of a median round against d at n = 50, out of core, and
the measured file the period's detection term reads (issue 18, item 5).

    python benchmarks/outofcore.py [--n 50] [--d 1000000 10000000] [--merge run.json ...]
                                   [--memory-budget-gb 4] [--write]

With ``--krum-d`` the same is measured for ``--rule krum`` (the Krum family's dispute out of
core, :mod:`mechanism.outofcore.krum_dispute`: commit + max, exact Gram sums, selection, then
the game), one run per ``--krum-seeds`` seed, skipped when the update file does not fit on
disk; those rows go to ``krum_rows`` (and ``--krum-json``), not into the median model.

Each d runs ``orfl dispute --rule median --no-evm --json`` out of core in a fresh process
(``analyses.commands.dispute.run_outofcore``: inputs generated block by block into a temp
file and deleted afterwards). ``reexec_seconds`` is the challenger's re-execution of the
round: commit every trainer's update, the column tree, the median and its tree, all
from the file (``trace_seconds``); ``game_seconds`` is the game after it. ``--merge`` adds
runs made beforehand with the same command (the d = 1e8 run takes minutes and 40 GB of
disk). With ``--write`` the rows go to ``mechanism/data/reexecution.json`` (+ ``.sha256``)
with provenance, and the times :mod:`mechanism.outofcore.reexecution` reads from them at
d = 1e8 and 1e9 (interpolated between measured d, the last segment's slope beyond), one
process and per worker of a W-worker cluster (``/ W``: the per-block work is independent,
the assembly is not counted).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "mechanism" / "data" / "reexecution.json"
KEEP = ("rule", "stage", "trace_pass_seconds", "params", "trainers", "trace_seconds", "game_seconds", "offchain_seconds", "generate_seconds", "peak_rss_gb",
        "input_gb", "block_coords", "memory_budget_gb", "winner", "honest_won", "moves", "scheduler", "liar", "strategy",
        "worker_peak_rss_gb", "stage_roots", "input_roots_sha256")


def measure(n: int, d: int, budget: float, seed: int, rule: str = "median") -> dict[str, Any]:
    """One out-of-core run in a fresh process, the same function the CLI runs past the
    budget (called directly so that small d, below the budget, run out of core too, with
    the block size the budget gives)."""
    code = ("import json, sys; from analyses.commands.dispute import run_outofcore; "
            f"print(json.dumps(run_outofcore({rule!r}, {n}, {d}, 'proposer', 'random_step', 16, 16, {seed}, "
            f"{budget}, None)))")
    got = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(got.stdout.strip().splitlines()[-1])


def row(run: dict[str, Any], source: str) -> dict[str, Any]:
    r = {k: run[k] for k in KEEP if k in run}
    r["reexec_seconds"] = run["trace_seconds"]
    r["source"] = source
    return r


def fits_on_disk(n: int, d: int, margin: float = 1.5) -> bool:
    """The (n, d) int64 update file, times ``margin`` for the trace files, fits in the free
    space of the temp directory."""
    import shutil
    import tempfile

    return 8 * n * d * margin < shutil.disk_usage(tempfile.gettempdir()).free


def document(rows: list[dict[str, Any]], argv: list[str], krum_rows: list[dict[str, Any]] | None = None
             ) -> dict[str, Any]:
    from mechanism.outofcore.reexecution import MeasuredReexecution

    rows = sorted(rows, key=lambda r: r["params"])
    m = MeasuredReexecution(tuple((int(r["params"]), float(r["reexec_seconds"])) for r in rows),
                            int(rows[0]["trainers"]), "", "")
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    content = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()
    return {
        "schema": 1,
        "what": ("off-chain re-execution of one median round out of core (commit n updates, column tree, "
                 "median and its tree, read block by block from a file), seconds against d"),
        "provenance": {"git_commit": commit, "command": "python benchmarks/outofcore.py " + " ".join(argv),
                       "cli": "orfl dispute --rule median --no-evm --json (out-of-core path)",
                       "cpus": os.cpu_count(), "chunk": 16, "arity": 16, "content_sha256": content,
                       "note": "2 shared cores; other jobs ran on the machine during the measurement"},
        "rows": rows,
        "krum_rows": sorted(krum_rows or [], key=lambda r: (r["params"], r.get("seed", 0))),
        "model": {"form": ("linear interpolation between measured d, the last segment's slope beyond "
                           "(mechanism.outofcore.reexecution); / W on W workers"),
                  "at": {str(d): {"one_process": m.seconds(d), "per_worker_4": m.seconds(d, workers=4),
                                  "per_worker_16": m.seconds(d, workers=16), "extrapolated": m.extrapolated(d)}
                         for d in (10**8, 10**9)}},
    }


def main(argv: list[str]) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--d", type=int, nargs="*", default=[1_000_000, 10_000_000])
    ap.add_argument("--merge", nargs="*", default=[])
    ap.add_argument("--merge-source", default="orfl dispute --rule median --no-evm --json (earlier run)",
                    help="how the merged runs were made (command, commit), stored with their rows")
    ap.add_argument("--memory-budget-gb", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--krum-d", type=int, nargs="*", default=[],
                    help="also run the Krum dispute out of core at these d (n = --n)")
    ap.add_argument("--krum-seeds", type=int, nargs="*", default=[0, 1],
                    help="seeds of the Krum runs (0: the lie is in the output, 1: in the distances)")
    ap.add_argument("--krum-json", default="", help="write the Krum rows to this JSON file")
    a = ap.parse_args(argv)
    rows = [row(json.loads(Path(p).read_text()), a.merge_source) for p in a.merge]
    krum_rows = []
    for d in a.krum_d:
        if not fits_on_disk(a.n, d):
            print(f"krum d={d:.0e}: skipped, the {8 * a.n * d / 1e9:.0f} GB update file does not fit on disk")
            continue
        for seed in a.krum_seeds:
            r = row(measure(a.n, d, a.memory_budget_gb, seed, "krum"), "this run (fresh process)")
            r["seed"] = seed
            krum_rows.append(r)
            p = r["trace_pass_seconds"] or {}
            print(f"krum d={d:.0e} seed {seed}: trace {r['reexec_seconds']:.1f} s (commit+max "
                  f"{p.get('commit_and_max', 0):.1f}, Gram {p.get('gram', 0):.1f}, select+output "
                  f"{p.get('select_and_output', 0):.1f}), game {r['game_seconds']:.2f} s at stage {r['stage']}, "
                  f"peak RSS {r['peak_rss_gb']:.2f} GB (input {r['input_gb']:.1f} GB), generate "
                  f"{r['generate_seconds']:.1f} s", flush=True)
    if a.krum_json:
        Path(a.krum_json).write_text(json.dumps(krum_rows, indent=1) + "\n")
    if not a.d and not rows:
        return
    for d in a.d:
        rows.append(row(measure(a.n, d, a.memory_budget_gb, a.seed), "this run (fresh process)"))
        r = rows[-1]
        print(f"d={d:.0e}: re-execution {r['reexec_seconds']:.1f} s, game {r['game_seconds']:.2f} s, "
              f"peak RSS {r['peak_rss_gb']:.2f} GB (input {r['input_gb']:.1f} GB)", flush=True)
    doc = document(rows, argv, krum_rows)
    for d, e in doc["model"]["at"].items():
        print(f"d={int(d):.0e}: {e['one_process']:.0f} s one process, {e['per_worker_16']:.1f} s per worker of 16")
    if a.write:
        OUT.write_text(json.dumps(doc, indent=1) + "\n")
        OUT.with_name(OUT.name + ".sha256").write_text(f"{hashlib.sha256(OUT.read_bytes()).hexdigest()}  {OUT.name}\n")
        print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main(sys.argv[1:])
