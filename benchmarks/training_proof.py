"""Benchmark: cost of a training dispute against model size d, and the trainer's cost of
committing its intermediate states, in the same run.

    python benchmarks/training_proof.py [--features 64,1000,10000] [--steps 5] [--chunk 64] [--arity 2]

For each model and input width the disputed trainer trains ``--steps`` integer SGD steps
on a synthetic 10-class shard (seeded). Gas: for every stage kind (error leaf, weight
chunk, update chunk, and the partial sum of a first-layer product, ``z``) a full game is forced to the first leaf of
that kind in the last step (challenge, the whole descent, the one-step) and replayed in
the EVM against ``TrainingStep.vy`` (execution + intrinsic gas; the MLP's weight stage
is measured on a W1 chunk, its first leaf). Commit overhead: seconds spent committing every stage vector divided by
seconds spent training (median of ``--repeats`` runs).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from mechanism.training_proof.game import forced_game
from mechanism.training_proof.setup import digits_setting
from mechanism.training_proof.trace import run_trace


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--features", default="64,1000,10000")
    ap.add_argument("--mlp-features", default="64,1000,6000")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--chunk", type=int, default=64)
    ap.add_argument("--arity", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    from mechanism.evm.training_step import replay, supports

    print(f"seed={a.seed} steps={a.steps} batch={a.batch} chunk={a.chunk} arity={a.arity}")
    print("| model | features | d | stage | moves | one-step calldata B | gas total | largest tx gas "
          "| ratio to smallest d (total) |")
    print("|---|---|---|---|---|---|---|---|---|")
    overhead = []
    for model, feats in (("logreg", a.features), ("mlp", a.mlp_features)):
        base: dict[str, int] = {}
        for f in (int(v) for v in feats.split(",")):
            st, tr = digits_setting(model, 20, a.steps, a.seed, chunk=a.chunk, arity=a.arity, batch=a.batch,
                                    features=f, hidden=16)
            kinds = ["z", "e", "w", "u"]
            for kind in kinds:
                name = "u" if kind == "u" else f"{kind}{a.steps}"
                s = st.index(name)
                g = forced_game(tr, s, 0)
                proof_bytes = g.moves[-1].calldata_bytes
                if supports(st):
                    ev = replay(g)
                    gas = ev.gas_total
                    base.setdefault(kind, gas)
                    ratio = f"{gas / base[kind]:.2f}"
                    gas_s, top = f"{gas:,}", f"{max(t for _, _, t in ev.gas):,} ({max(ev.gas, key=lambda m: m[2])[0]})"
                else:
                    gas_s, top, ratio = "not on chain", "-", "-"
                print(f"| {model} | {f} | {st.spec.d:,} | {kind} | {len(g.moves)} | {proof_bytes:,} | {gas_s} | {top} "
                      f"| {ratio} |")
            # commit overhead: train with and without committing, same shard and start
            ratios = []
            for _ in range(a.repeats):
                t0 = time.perf_counter()
                run_trace(st, tr.shard, tr.w0, commit_states=False)
                t_train = time.perf_counter() - t0
                full = run_trace(st, tr.shard, tr.w0)
                ratios.append(full.seconds_commit / max(t_train, 1e-12))
            overhead.append((model, f, st.spec.d, statistics.median(ratios), a.batch))
    print()
    print("| model | features | d | batch | commit time / training time (median) |")
    print("|---|---|---|---|---|")
    for model, f, d, r, b in overhead:
        print(f"| {model} | {f} | {d:,} | {b} | {r:.2f} |")


if __name__ == "__main__":
    np.set_printoptions(linewidth=120)
    main()
